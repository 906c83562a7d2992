//! The executable twin of the hand-off model (`handoff.rs`): each Python thread takes the GIL,
//! runs `iterations` rounds of "bytecode that writes a Python object, then a poll point", and
//! exits through a final `drop_gil`. Under loom the object is a race-checked cell, so a missing
//! exclusion is reported by loom's own race detector.

use super::handoff::Handoff;
use super::protocol::Action;
use super::state::GilState;
use super::twin::{gil_cue, predict_gil, run_threads, spawn_threads, spec_config, GilCore, GilMemory, OnGil};
use super::versions::GilVariant;
use crate::exec::{
    check_loom, check_shuttle_pct, check_shuttle_random, twin_meta, Backend, Cue, Log, ObjectCell,
    Stepped, SteppedTwin, ThreadView, Twin, TwinFailure, TwinStats,
};
use crate::trace::TraceMeta;
use std::sync::Arc;

/// A GIL twin configuration.
#[derive(Clone, Debug)]
pub struct GilTwin {
    /// Which code to run.
    pub variant: GilVariant,
    /// Python threads.
    pub threads: usize,
    /// Rounds of bytecode + poll point per thread.
    pub iterations: usize,
    /// Timeouts the clock thread fires (loom and shuttle only).
    pub ticks: usize,
    /// Access the drop request with plain relaxed loads and stores, as CPython does (see the
    /// module docs).
    pub relaxed_loads: bool,
}

impl GilTwin {
    /// A twin of `variant` with `threads` Python threads, `iterations` poll rounds each, `ticks`
    /// clock ticks, reading the drop request with read-modify-writes.
    pub fn new(variant: GilVariant, threads: usize, iterations: usize, ticks: usize) -> GilTwin {
        assert!(
            variant.has_twin(),
            "the twin does not implement {variant:?}"
        );
        GilTwin {
            variant,
            threads,
            iterations,
            ticks,
            relaxed_loads: false,
        }
    }
}

/// The GIL twin's shared state: the GIL and one Python object.
struct Shared<B: Backend> {
    core: GilCore<B, Action>,
    object: B::Cell,
    iterations: usize,
}

impl<B: Backend> OnGil<B> for Shared<B> {
    type Action = Action;

    fn core(&self) -> &GilCore<B, Action> {
        &self.core
    }

    /// A CPU-bound Python thread.
    fn python_thread(&self, me: u8) {
        self.core.take_gil(me);
        for _ in 0..self.iterations {
            // Bytecode: a non-atomic update of a Python object, legal only under the GIL.
            self.object.write(self.object.read() + 1);
            self.core.poll(me);
        }
        self.core.exit(me);
    }
}

impl Twin for GilTwin {
    type Spec = Handoff;

    fn spec(&self, backend: &str) -> Handoff {
        Handoff::new(self.variant, &spec_config(self.threads, backend))
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        twin_meta("gil", self.variant, spec_config(self.threads, backend), backend)
    }

    fn run<B: Backend>(&self, log: &Log<Action>) {
        run_threads(&self.shared::<B>(log), self.threads, self.ticks);
    }
}

impl GilTwin {
    /// The shared state of a run.
    fn shared<B: Backend>(&self, log: &Log<Action>) -> Arc<Shared<B>> {
        Arc::new(Shared::<B> {
            core: GilCore::new(self.variant, self.relaxed_loads, log.clone()),
            object: B::Cell::new(0),
            iterations: self.iterations,
        })
    }
}

impl SteppedTwin for GilTwin {
    type Memory = GilMemory;

    fn start(&self, log: &Log<Action>) -> Box<dyn Fn() -> GilMemory + Send> {
        let shared = self.shared::<Stepped>(log);
        spawn_threads(&shared, self.threads, self.ticks);
        Box::new(move || shared.core.memory())
    }

    fn predict(&self, spec: &Handoff, s: &GilState) -> (GilMemory, Vec<ThreadView>) {
        predict_gil(&spec.gil, s)
    }

    fn cue(&self, action: &Action) -> Cue {
        gil_cue(action)
    }
}


/// The hand-off twin under loom and shuttle (`bench gil --twins`), one iteration per thread,
/// one clock tick unless the row says none: exhaustive loom with 2 threads and with 3 and no
/// tick, loom with 3 threads at preemption bounds 3 and 4, shuttle random and PCT with 4.
pub fn bench() -> Vec<(String, Result<TwinStats, Box<TwinFailure>>)> {
    let twin = |threads, ticks| GilTwin::new(GilVariant::Cpython311, threads, 1, ticks);
    vec![
        ("loom, 2 threads, exhaustive".into(), check_loom(twin(2, 1), None)),
        (
            "loom, 3 threads, no tick, exhaustive".into(),
            check_loom(twin(3, 0), None),
        ),
        (
            "loom, 3 threads, preemption bound 3".into(),
            check_loom(twin(3, 1), Some(3)),
        ),
        (
            "loom, 3 threads, preemption bound 4".into(),
            check_loom(twin(3, 1), Some(4)),
        ),
        (
            "shuttle random, 4 threads".into(),
            check_shuttle_random(twin(4, 1), 10_000),
        ),
        (
            "shuttle PCT depth 3, 4 threads".into(),
            check_shuttle_pct(twin(4, 1), 10_000, 3),
        ),
    ]
}
