//! Runs an executable twin under each backend and replays every run on its specification.

use super::{Backend, Log, Loom, Shuttle, Std};
use crate::explore::{check, replay_observed, run_count, Deadline, Options, Replayed};
use crate::model::{Check, Config, CountClaim, Model, Property, Variants};
use crate::trace::{Claim, Trace, TraceMeta};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Instant;

/// A protocol written as threaded code over the sync facade, with the spec it must refine.
pub trait Twin: Send + Sync + 'static {
    /// The specification.
    type Spec: Model;
    /// The spec a run under `backend` is replayed on (real threads may wake spuriously).
    fn spec(&self, backend: &str) -> Self::Spec;
    /// Model, variant and configuration, for traces.
    fn meta(&self, backend: &str) -> TraceMeta;
    /// One complete run under backend `B`, logging every spec action it performs. Spawns one
    /// thread per modelled thread and joins them all.
    fn run<B: Backend>(&self, log: &Log<<Self::Spec as Model>::Action>);
}

/// The trace metadata of a twin of `model` in `variant`, run under `backend` with the spec
/// configuration `config`.
pub fn twin_meta<V: Variants>(model: &str, variant: V, config: Config, backend: &str) -> TraceMeta {
    TraceMeta {
        model: model.into(),
        variant: variant.name().into(),
        config,
        backend: backend.into(),
    }
}

/// The bounded counting properties of `spec` with the largest count the explicit
/// checker computes for the spec; unbounded ones are left out (no run can exceed them), and so
/// is everything when the spec is too large to explore quickly (8 threads, say).
fn computed_bounds<M: Model>(spec: &M, meta: &TraceMeta) -> Vec<(Property<M>, usize)> {
    let bounded: Vec<Property<M>> = spec
        .properties()
        .into_iter()
        .filter(|p| {
            matches!(
                p.check,
                Check::Count {
                    claim: CountClaim::Bounded,
                    ..
                }
            )
        })
        .collect();
    if bounded.is_empty() {
        return Vec::new();
    }
    let quick = Options {
        max_states: 200_000,
        deadline: Some(Deadline::after(10.0)),
        ..Options::default()
    };
    let report = check(spec, meta, &quick);
    if report.limit.is_some() {
        return Vec::new();
    }
    bounded
        .into_iter()
        .filter_map(|p| {
            let max = report.result(p.id)?.numbers?.max?;
            Some((p, max))
        })
        .collect()
}

/// How much a passing check explored.
#[derive(Clone, Debug)]
pub struct TwinStats {
    /// Backend and scheduler.
    pub backend: String,
    /// Complete executions, each replayed on the spec.
    pub executions: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// A failing run: what failed and the trace of the failing execution.
#[derive(Clone, Debug)]
pub struct TwinFailure {
    /// Backend and scheduler.
    pub backend: String,
    /// The checker's panic message (a refinement failure, a violated invariant, loom's race
    /// detector, a deadlock).
    pub message: String,
    /// The failing execution as far as it got, replayed on the spec.
    pub trace: Trace,
}

/// The environment variable naming a directory where every failing twin run saves its trace
/// (for `gilcheck replay`).
pub const TRACE_DIR: &str = "GILCHECK_TRACE_DIR";

impl TwinFailure {
    /// Saves the trace as `dir/<model>-<variant>-<backend>.json` (with a number added when
    /// that file exists: none is overwritten) and returns the path.
    pub fn save(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let m = &self.trace.meta;
        let stem = format!("{}-{}-{}", m.model, m.variant, self.backend);
        crate::files::write_new(dir, &stem, &self.trace.to_json())
    }
}

/// What one execution closure shares with the code around the checker.
struct Probe<T: Twin> {
    twin: T,
    backend: String,
    spec: T::Spec,
    meta: TraceMeta,
    /// The log of the execution in progress (the failing one, after a panic).
    current: Mutex<Log<<T::Spec as Model>::Action>>,
    /// The trace of a replay failure.
    failure: Mutex<Option<Trace>>,
    executions: AtomicUsize,
    /// The spec's bounded counting properties and the largest count the explicit checker
    /// computed for each: every run must stay within it.
    bounds: Vec<(Property<T::Spec>, usize)>,
}

impl<T: Twin> Probe<T> {
    /// A probe of `twin` for the backend named `kind` in traces (one of `trace::BACKENDS`),
    /// described as `backend` in messages, on the sync facade named `base`.
    fn new(twin: T, backend: &str, kind: &str, base: &str) -> Arc<Self> {
        let mut meta = twin.meta(backend);
        meta.backend = kind.to_string();
        let spec = twin.spec(base);
        let bounds = computed_bounds(&spec, &meta);
        Arc::new(Probe {
            bounds,
            spec,
            twin,
            backend: backend.to_string(),
            meta,
            current: Mutex::new(Log::default()),
            failure: Mutex::new(None),
            executions: AtomicUsize::new(0),
        })
    }

    /// One execution: run the twin, then replay its log on the spec.
    fn execute<B: Backend>(&self) {
        let log = Log::default();
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = log.clone();
        self.twin.run::<B>(&log);
        let run = match replay_observed(&self.spec, &self.meta, &log.snapshot(), true) {
            Ok(run) => run,
            Err(refusal) => self.fail(refusal.trace().clone()),
        };
        if let Some((id, bound, outcome)) = self.exceeded_bound(&run) {
            let mut trace = run.trace(&self.spec, &self.meta).about(id, outcome);
            trace.claim = Claim::Exceeds { bound };
            self.fail(trace);
        }
        self.executions.fetch_add(1, Ordering::Relaxed);
    }

    /// Records `trace` as the failure and stops the execution.
    fn fail(&self, trace: Trace) -> ! {
        let outcome = trace.outcome.clone();
        *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(trace);
        panic!("{outcome}");
    }

    /// The first bounded counting property the run exceeds: its ID, the bound, and in words.
    fn exceeded_bound(&self, run: &Replayed<T::Spec>) -> Option<(&'static str, usize, String)> {
        if self.bounds.is_empty() {
            return None;
        }
        let actions = run.actions();
        let init = &run.init;
        for (property, bound) in &self.bounds {
            for t in 0..self.spec.thread_count() {
                let n = run_count(&self.spec, init, &actions, &property.check, t);
                if n > *bound {
                    let id = property.id;
                    return Some((
                        id,
                        *bound,
                        format!(
                            "exceeds {id}: T{t} counted {n} steps, the explicit checker's bound is {bound}"
                        ),
                    ));
                }
            }
        }
        None
    }

    /// Runs `check` (which calls `execute` many times) and turns a panic into a failure.
    fn finish(&self, start: Instant, check: impl FnOnce()) -> Result<TwinStats, Box<TwinFailure>> {
        match catch_unwind(AssertUnwindSafe(check)) {
            Ok(()) => Ok(TwinStats {
                backend: self.backend.clone(),
                executions: self.executions.load(Ordering::Relaxed),
                seconds: start.elapsed().as_secs_f64(),
            }),
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                let replayed = self
                    .failure
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                let trace = replayed.unwrap_or_else(|| {
                    // The checker stopped the run (race detector, deadlock): show the prefix.
                    let log = self
                        .current
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .snapshot();
                    let mut trace = match replay_observed(&self.spec, &self.meta, &log, false) {
                        Ok(run) => run.trace(&self.spec, &self.meta),
                        Err(refusal) => refusal.trace().clone(),
                    };
                    trace.outcome = format!("{}: {message}", self.backend);
                    trace
                });
                let failure = TwinFailure {
                    backend: self.backend.clone(),
                    message,
                    trace,
                };
                if let Some(dir) = std::env::var_os(TRACE_DIR) {
                    match failure.save(Path::new(&dir)) {
                        Ok(path) => eprintln!("saved the failing trace to {}", path.display()),
                        Err(e) => eprintln!("could not save the failing trace: {e}"),
                    }
                }
                Err(Box::new(failure))
            }
        }
    }
}

pub(super) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "panic".to_string()
    }
}

thread_local! {
    /// Set while loom runs on this thread (loom runs every modelled thread on its caller's).
    static IN_LOOM: Cell<bool> = const { Cell::new(false) };
}

/// A loom run's panics are expected and reported in its `TwinFailure`, but shuttle's panic
/// hook, installed once per process by the first shuttle check, would print each of them as a
/// shuttle failure. This hook, installed on top of shuttle's, keeps them quiet.
fn quiet_loom_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Make shuttle install its hook now, so that ours runs first.
        shuttle::check_random(|| {}, 1);
        let next = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_LOOM.with(Cell::get) {
                next(info)
            }
        }));
    });
}

/// Explores every interleaving with loom. `preemption_bound` applies unless
/// `LOOM_MAX_PREEMPTIONS` is set, which wins.
pub fn check_loom<T: Twin>(
    twin: T,
    preemption_bound: Option<usize>,
) -> Result<TwinStats, Box<TwinFailure>> {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = preemption_bound;
    }
    let label = match builder.preemption_bound {
        Some(bound) => format!("loom (preemption bound {bound})"),
        None => "loom (exhaustive)".to_string(),
    };
    let probe = Probe::new(twin, &label, "loom", Loom::NAME);
    let run = Arc::clone(&probe);
    quiet_loom_panics();
    IN_LOOM.with(|quiet| quiet.set(true));
    let result = probe.finish(Instant::now(), move || {
        builder.check(move || run.execute::<Loom>())
    });
    IN_LOOM.with(|quiet| quiet.set(false));
    result
}

/// Samples `iterations` schedules with shuttle's random scheduler (`SHUTTLE_ITERATIONS`
/// overrides the count).
pub fn check_shuttle_random<T: Twin>(
    twin: T,
    iterations: usize,
) -> Result<TwinStats, Box<TwinFailure>> {
    let iterations = shuttle_iterations(iterations);
    let probe = Probe::new(twin, "shuttle random", "shuttle-random", Shuttle::NAME);
    let run = Arc::clone(&probe);
    probe.finish(Instant::now(), move || {
        shuttle::check_random(move || run.execute::<Shuttle>(), iterations)
    })
}

/// Samples `iterations` schedules with shuttle's PCT scheduler of bug depth `depth`
/// (`SHUTTLE_ITERATIONS` overrides the count).
pub fn check_shuttle_pct<T: Twin>(
    twin: T,
    iterations: usize,
    depth: usize,
) -> Result<TwinStats, Box<TwinFailure>> {
    let iterations = shuttle_iterations(iterations);
    let label = format!("shuttle pct (depth {depth})");
    let probe = Probe::new(twin, &label, "shuttle-pct", Shuttle::NAME);
    let run = Arc::clone(&probe);
    probe.finish(Instant::now(), move || {
        shuttle::check_pct(move || run.execute::<Shuttle>(), iterations, depth)
    })
}

/// Runs the twin `runs` times on real threads.
pub fn run_std<T: Twin>(twin: T, runs: usize) -> Result<TwinStats, Box<TwinFailure>> {
    let probe = Probe::new(twin, "std", "std", Std::NAME);
    let run = Arc::clone(&probe);
    probe.finish(Instant::now(), move || {
        for _ in 0..runs {
            run.execute::<Std>();
        }
    })
}

fn shuttle_iterations(default: usize) -> usize {
    std::env::var("SHUTTLE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
