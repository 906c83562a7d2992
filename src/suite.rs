//! One entry point for any model, including one written outside this crate: `Suite` runs the
//! explicit checker (safety, reachability, liveness, counting), random deep walks generated and
//! shrunk by quickcheck and by proptest, and, for a model with an executable twin, loom and
//! shuttle runs each replayed on the model. Every backend reports failures as the same `Trace`
//! under the same verdict rules.
//!
//! ```
//! use gilcheck::model::Config;
//! use gilcheck::models::gil::{GilVariant, Handoff};
//! use gilcheck::suite::Suite;
//! use gilcheck::explore::Verdict;
//!
//! let config = Config::threads(2);
//! let model = Handoff::new(GilVariant::NoGil, &config);
//! let report = Suite::new(model, "gil", GilVariant::NoGil, config)
//!     .walks(50, 200)
//!     .run();
//! assert_eq!(report.explicit.verdict("GIL-S1"), Some(Verdict::Violated));
//! // The walks find the same violation, shrunk.
//! assert!(report.walks.iter().all(|w| w.failure.is_some()));
//! ```

use crate::exec::{check_loom, check_shuttle_pct, check_shuttle_random, Twin};
use crate::explore::{check, walk, Options, Report, Verdict};
use crate::model::{Config, Model, Variants};
use crate::trace::{Trace, TraceMeta};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestError, TestRunner};
use quickcheck::{Arbitrary, Gen};
use std::fmt::Write;

/// A model, the name and variant its traces carry, and how hard to check it.
pub struct Suite<M: Model> {
    model: M,
    meta: TraceMeta,
    options: Options,
    walks: u32,
    steps: usize,
}

/// What the random walks of one generator found.
pub struct Walks {
    /// `quickcheck` or `proptest`.
    pub backend: &'static str,
    /// Walks run.
    pub walks: u32,
    /// The first failing walk, shrunk: a safety property violated or a deadlock on the way.
    pub failure: Option<Trace>,
}

/// One backend run of an executable twin.
pub struct TwinRun {
    /// The backend and its scheduler.
    pub backend: String,
    /// Executions replayed on the model, or the failing one.
    pub outcome: Result<usize, Box<Trace>>,
}

/// Everything a suite found.
pub struct SuiteReport {
    /// The explicit checker's report: every property's verdict, with its trace.
    pub explicit: Report,
    /// The random walks (quickcheck, then proptest).
    pub walks: Vec<Walks>,
    /// The twin's runs (`run_with_twin`).
    pub twins: Vec<TwinRun>,
}

impl<M: Model> Suite<M> {
    /// A suite for `model`, whose traces name it `name` / `variant` under `config`. Defaults:
    /// the explicit checker's default limits, 100 walks of up to 500 steps per generator.
    pub fn new(model: M, name: &str, variant: impl Variants, config: Config) -> Self {
        Suite {
            model,
            meta: TraceMeta {
                model: name.into(),
                variant: variant.name().into(),
                config,
                backend: String::new(),
            },
            options: Options::default(),
            walks: 100,
            steps: 500,
        }
    }

    /// Limits, symmetry, fairness override for the explicit checker.
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// `walks` random walks of up to `steps` steps per generator.
    pub fn walks(mut self, walks: u32, steps: usize) -> Self {
        self.walks = walks;
        self.steps = steps;
        self
    }

    /// The explicit checker and both walk generators.
    pub fn run(&self) -> SuiteReport {
        SuiteReport {
            explicit: check(&self.model, &self.meta("explicit"), &self.options),
            walks: vec![self.quickcheck_walks(), self.proptest_walks()],
            twins: Vec::new(),
        }
    }

    /// `run`, and the twin that `make` builds (whose spec is this model) under loom
    /// (exhaustive, or with `preemption_bound`) and under shuttle (`iterations` random and PCT
    /// schedules); each execution is replayed on the spec.
    pub fn run_with_twin<T: Twin<Spec = M>>(
        &self,
        make: impl Fn() -> T,
        preemption_bound: Option<usize>,
        iterations: usize,
    ) -> SuiteReport {
        let runs = [
            check_loom(make(), preemption_bound),
            check_shuttle_random(make(), iterations),
            check_shuttle_pct(make(), iterations, 3),
        ];
        let twins = runs
            .into_iter()
            .map(|run| match run {
                Ok(stats) => TwinRun {
                    backend: stats.backend,
                    outcome: Ok(stats.executions),
                },
                Err(failure) => TwinRun {
                    backend: failure.backend,
                    outcome: Err(Box::new(failure.trace)),
                },
            })
            .collect();
        SuiteReport {
            twins,
            ..self.run()
        }
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        TraceMeta {
            backend: backend.into(),
            ..self.meta.clone()
        }
    }

    fn walk(&self, backend: &str, choices: &[u32]) -> Result<usize, Box<Trace>> {
        walk(&self.model, &self.meta(backend), choices)
    }

    /// quickcheck generates the choices and shrinks a failing list.
    fn quickcheck_walks(&self) -> Walks {
        let mut gen = Gen::new(self.steps);
        let fails = |choices: &Vec<u32>| self.walk("quickcheck walk", choices).is_err();
        let failure = (0..self.walks)
            .map(|_| Vec::<u32>::arbitrary(&mut gen))
            .find(|choices| fails(choices))
            .map(|mut choices| {
                while let Some(smaller) = choices.shrink().find(|c| fails(c)) {
                    choices = smaller;
                }
                self.walk("quickcheck walk", &choices)
                    .expect_err("the shrunk walk fails")
            });
        Walks {
            backend: "quickcheck",
            walks: self.walks,
            failure: failure.map(|t| *t),
        }
    }

    /// proptest generates the choices (deterministic seed) and shrinks a failing list.
    fn proptest_walks(&self) -> Walks {
        let config = ProptestConfig {
            cases: self.walks,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        let mut runner = TestRunner::new_with_rng(
            config,
            proptest::test_runner::TestRng::deterministic_rng(
                proptest::test_runner::RngAlgorithm::ChaCha,
            ),
        );
        let choices = proptest::collection::vec(0..u32::MAX, 0..=self.steps).boxed();
        let outcome = runner.run(&choices, |choices| {
            self.walk("proptest walk", &choices)
                .map(|_| ())
                .map_err(|trace| TestCaseError::fail(trace.outcome))
        });
        let failure = match outcome {
            Err(TestError::Fail(_, choices)) => self.walk("proptest walk", &choices).err(),
            _ => None,
        };
        Walks {
            backend: "proptest",
            walks: self.walks,
            failure: failure.map(|t| *t),
        }
    }
}

impl SuiteReport {
    /// The explicit checker's verdict on property `id`.
    pub fn verdict(&self, id: &str) -> Option<Verdict> {
        self.explicit.verdict(id)
    }

    /// Every failing trace, from every backend.
    pub fn failures(&self) -> Vec<&Trace> {
        let explicit = self
            .explicit
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Violated)
            .filter_map(|r| r.trace.as_ref());
        let walks = self.walks.iter().filter_map(|w| w.failure.as_ref());
        let twins = self.twins.iter().filter_map(|t| t.outcome.as_ref().err());
        explicit
            .chain(walks)
            .chain(twins.map(|t| t.as_ref()))
            .collect()
    }

    /// One line per property and per backend.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for r in &self.explicit.results {
            let _ = writeln!(out, "{}", r.line());
        }
        for w in &self.walks {
            let _ = writeln!(
                out,
                "{:<10} {} walks: {}",
                w.backend,
                w.walks,
                w.failure
                    .as_ref()
                    .map_or("no violation".into(), |t| t.outcome.clone())
            );
        }
        for t in &self.twins {
            let _ = writeln!(
                out,
                "{:<10} {}",
                t.backend,
                match &t.outcome {
                    Ok(n) => format!("{n} executions refine the model"),
                    Err(trace) => trace.outcome.clone(),
                }
            );
        }
        out
    }
}
