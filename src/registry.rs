//! The registry glue: what the command line and the catalogue need to know about a model
//! without knowing its types.

use crate::explore::{replay_trace, Options, Report};
use crate::model::{Config, Model, Variant};
use crate::trace::{Trace, TraceMeta};
use std::ops::RangeInclusive;

/// A property's ID, statement and source, for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyInfo {
    /// Stable ID.
    pub id: &'static str,
    /// One sentence.
    pub statement: &'static str,
    /// The source the property mirrors, in one line: file, function(s) and the versions it
    /// applies to.
    pub source: &'static str,
    /// Whether it is a liveness property (its verdict depends on fairness).
    pub liveness: bool,
}

/// A registered model.
#[derive(Clone)]
pub struct ModelEntry {
    /// Name on the command line.
    pub name: &'static str,
    /// One line on what it models.
    pub summary: &'static str,
    /// Variants, the default first.
    pub variants: &'static [Variant],
    /// Thread counts the command line accepts.
    pub threads: RangeInclusive<usize>,
    /// Thread count used by `prove` and when `--threads` is absent.
    pub default_threads: usize,
    /// Object counts the command line accepts (`0..=0` for models without objects).
    pub objects: RangeInclusive<usize>,
    /// Object count used by `prove` and when `--objects` is absent.
    pub default_objects: usize,
    /// Whether the model's threads are interchangeable (its `canonical` hook reduces
    /// symmetry); `prove` then uses symmetry reduction.
    pub symmetric: bool,
    /// What the engine does with the model: `ops::<TheModel>()`.
    pub ops: Ops,
}

/// The engine's operations on one model type, with the type erased; `ops::<M>()` builds them,
/// so that a new operation needs no edit to any model.
#[derive(Clone, Copy)]
pub struct Ops {
    properties: fn() -> Vec<PropertyInfo>,
    run: fn(&str, &Config, &Options, &TraceMeta) -> Report,
    replay: fn(&str, &Config, &Trace) -> Replay,
}

/// The operations of registered model `M`.
pub fn ops<M: Registered>() -> Ops {
    Ops {
        properties: properties::<M>,
        run: run::<M>,
        replay: replay::<M>,
    }
}

/// A saved trace re-run on the specification.
pub struct Replay {
    /// The steps that replayed, with the spec's states and pictures.
    pub trace: Trace,
    /// The first step the spec does not allow, or the first state that violates a safety
    /// property; `None` when every step is allowed and no safety property fails.
    pub problem: Option<String>,
}

/// Bad input from the user: reported as one line, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ModelEntry {
    /// The variant named `name`, or the default when `None`.
    pub fn variant(&self, name: Option<&str>) -> Result<&'static Variant, UsageError> {
        let Some(name) = name else {
            return Ok(&self.variants[0]);
        };
        self.variants
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| {
                let known: Vec<_> = self.variants.iter().map(|v| v.name).collect();
                UsageError(format!(
                    "unknown variant '{name}' of model '{}' (known: {})",
                    self.name,
                    known.join(", ")
                ))
            })
    }

    /// The configuration `prove` and `bench` use for `threads` threads: default objects,
    /// threads that loop forever (where the model allows), no spurious wake-ups.
    pub fn config(&self, threads: usize) -> Config {
        Config {
            objects: self.default_objects,
            ..Config::threads(threads)
        }
    }

    /// Checks `variant` under `config` with the explicit checker.
    pub fn check(
        &self,
        variant: &Variant,
        config: &Config,
        options: &Options,
    ) -> Result<Report, UsageError> {
        self.validate(config, options)?;
        let meta = TraceMeta {
            model: self.name.to_string(),
            variant: variant.name.to_string(),
            config: config.clone(),
            backend: "explicit".to_string(),
        };
        Ok((self.ops.run)(variant.name, config, options, &meta))
    }

    /// Checks that `config` and `options` are within what the model accepts.
    fn validate(&self, config: &Config, options: &Options) -> Result<(), UsageError> {
        let known = |id: &String| self.properties().iter().any(|p| p.id == id.as_str());
        if let Some(unknown) = options.properties.iter().find(|id| !known(id)) {
            return Err(UsageError(format!(
                "model '{}' has no property '{unknown}'",
                self.name
            )));
        }
        if !self.threads.contains(&config.threads) {
            return Err(UsageError(format!(
                "model '{}' takes {} to {} threads, not {}",
                self.name,
                self.threads.start(),
                self.threads.end(),
                config.threads
            )));
        }
        if *self.objects.end() == 0 && config.objects > 0 {
            return Err(UsageError(format!("model '{}' has no objects", self.name)));
        }
        if !self.objects.contains(&config.objects) {
            return Err(UsageError(format!(
                "model '{}' takes {} to {} objects, not {}",
                self.name,
                self.objects.start(),
                self.objects.end(),
                config.objects
            )));
        }
        if options.symmetry && !self.symmetric {
            return Err(UsageError(format!(
                "model '{}' has no thread symmetry (its threads run different programs)",
                self.name
            )));
        }
        Ok(())
    }

    /// The model's properties.
    pub fn properties(&self) -> Vec<PropertyInfo> {
        (self.ops.properties)()
    }

    /// Re-runs `trace` (saved by any backend) on the spec of the variant and configuration it
    /// names.
    pub fn replay(&self, trace: &Trace) -> Result<Replay, UsageError> {
        let meta = &trace.meta;
        let variant = self.variant(Some(&meta.variant))?;
        self.validate(&meta.config, &Options::default())?;
        Ok((self.ops.replay)(variant.name, &meta.config, trace))
    }
}

/// A model the registry builds by variant name: one per file under `models/`.
pub trait Registered: Model {
    /// Its variants, the default first.
    const VARIANTS: &'static [Variant];
    /// The model of `variant` (a registered name, already validated) under `config`.
    fn build(variant: &str, config: &Config) -> Self;
}

/// Runs the explicit checker on a registered model.
fn run<M: Registered>(
    variant: &str,
    config: &Config,
    options: &Options,
    meta: &TraceMeta,
) -> Report {
    crate::explore::check(&M::build(variant, config), meta, options)
}

/// `ModelEntry::replay` of a registered model: the trace's steps re-derived on the spec, and
/// the first problem.
fn replay<M: Registered>(variant: &str, config: &Config, saved: &Trace) -> Replay {
    let model = M::build(variant, config);
    let (replayed, mut problem) = match replay_trace(&model, saved) {
        Ok(replayed) => (Some(replayed), None),
        Err(mismatch) => (mismatch.replayed, Some(mismatch.reason)),
    };
    let Some(replayed) = replayed else {
        let mut trace = saved.clone();
        trace.steps.clear();
        return Replay { trace, problem };
    };
    // The first state on the path that violates a safety property.
    let properties = model.properties();
    let states = std::iter::once(&replayed.init).chain(replayed.path.iter().map(|(_, s)| s));
    let violation = states.enumerate().find_map(|(step, state)| {
        let p = properties.iter().find(|p| p.violated_by(&model, state))?;
        Some((step, p))
    });
    let mut trace = replayed.trace(&model, &saved.meta);
    if let Some((step, p)) = violation {
        trace.steps.truncate(step);
        trace = trace.violating(p.id, p.statement);
        problem = Some(format!(
            "step {step} reaches a state that violates {}: {}",
            p.id, p.statement
        ));
    }
    trace.property = saved.property.clone().or(trace.property);
    Replay { trace, problem }
}

/// The properties of a registered model (read off its default variant).
fn properties<M: Registered>() -> Vec<PropertyInfo> {
    let config = Config {
        objects: 1,
        ..Config::threads(1)
    };
    describe(&M::build(M::VARIANTS[0].name, &config))
}

/// The ID, statement and source of each of `model`'s properties.
pub fn describe<M: Model>(model: &M) -> Vec<PropertyInfo> {
    model
        .properties()
        .into_iter()
        .map(|p| PropertyInfo {
            id: p.id,
            statement: p.statement,
            source: p.source,
            liveness: p.check.is_liveness(),
        })
        .collect()
}
