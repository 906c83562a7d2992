//! The executable twin of `io.rs`: T0 releases the GIL around a blocking call and calls back
//! into Python with `PyGILState_Ensure`/`Release`; T1 is a C library's thread using the same
//! pair, nested; the other threads run `rounds` rounds of bytecode. The GIL is the GIL twin's
//! `GilCore`; each thread keeps its own `gilstate_counter` and Ensure results, as CPython keeps
//! them in the thread state.

use super::gil::twin::{run_threads, spec_config, GilCore, OnGil};
use super::gil::{self, Action as GilAction};
use super::io::{Io, IoAction, IoOp, IoVariant};
use crate::exec::{twin_meta, Backend, Log, Twin};
use crate::trace::TraceMeta;
use std::sync::Arc;

/// An I/O twin configuration.
#[derive(Clone, Debug)]
pub struct IoTwin {
    /// Which code to run.
    pub variant: IoVariant,
    /// Threads: T0, the C library's T1, then CPU-bound threads.
    pub threads: usize,
    /// Rounds of bytecode per CPU-bound thread.
    pub rounds: usize,
    /// Timeouts the clock thread fires (loom and shuttle only).
    pub ticks: usize,
}

impl From<GilAction> for IoAction {
    fn from(action: GilAction) -> IoAction {
        IoAction::Gil(action)
    }
}

struct Shared<B: Backend> {
    core: GilCore<B, IoAction>,
    spec: Io,
    rounds: usize,
    log: Log<IoAction>,
}

impl<B: Backend> OnGil<B> for Shared<B> {
    type Action = IoAction;

    fn core(&self) -> &GilCore<B, IoAction> {
        &self.core
    }

    fn python_thread(&self, me: u8) {
        if me <= 1 {
            self.scripted_thread(me)
        } else {
            self.cpu_thread(me)
        }
    }
}

impl<B: Backend> Shared<B> {
    /// T0 or T1 running its program.
    fn scripted_thread(&self, me: u8) {
        // A `threading` thread's state is bound with counter 1; a C thread has none.
        let mut counter = u8::from(me == 0);
        let mut holds = me == 0;
        let mut blocked = false;
        let mut saved = Vec::new();
        if holds {
            self.core.take_gil(me);
        }
        for &op in self.spec.program(me) {
            if holds && !blocked {
                self.core.poll(me);
            }
            let locked = match op {
                IoOp::Ensure => holds,
                IoOp::Release => *saved.last().expect("Release follows its Ensure"),
                _ => false,
            };
            if op == IoOp::Release && !holds {
                // PyGILState_Release without the GIL: a fatal error in CPython.
                return;
            }
            self.log.note::<B>(IoAction::Run {
                thread: me,
                op,
                locked,
            });
            match op {
                IoOp::AllowThreads => {
                    self.core.drop_gil(me);
                    holds = false;
                }
                IoOp::EndAllowThreads => {
                    self.core.take_gil(me);
                    holds = true;
                }
                IoOp::Block => blocked = true,
                IoOp::Unblock => blocked = false,
                IoOp::Ensure => {
                    counter += 1;
                    saved.push(locked);
                    if !locked {
                        self.core.take_gil(me);
                        holds = true;
                    }
                }
                IoOp::Release => {
                    counter -= 1;
                    saved.pop();
                    if counter == 0 {
                        // The thread state is deleted, and the GIL released with it.
                        self.core.drop_gil(me);
                        return;
                    }
                    if !locked || self.spec.variant == IoVariant::ReleaseIgnoresNesting {
                        self.core.drop_gil(me);
                        holds = false;
                    }
                }
            }
        }
        if holds {
            self.core.exit(me);
        }
    }

    /// A CPU-bound Python thread.
    fn cpu_thread(&self, me: u8) {
        self.core.take_gil(me);
        for _ in 0..self.rounds {
            self.core.poll(me);
        }
        self.core.exit(me);
    }
}

impl IoTwin {
    /// A twin of `variant` with `threads` threads, `rounds` bytecode rounds per CPU-bound
    /// thread and `ticks` clock ticks.
    pub fn new(variant: IoVariant, threads: usize, rounds: usize, ticks: usize) -> IoTwin {
        IoTwin {
            variant,
            threads,
            rounds,
            ticks,
        }
    }
}

impl Twin for IoTwin {
    type Spec = Io;

    fn spec(&self, backend: &str) -> Io {
        Io::new(self.variant, spec_config(self.threads, backend))
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        twin_meta("io", self.variant, self.spec(backend).config, backend)
    }

    fn run<B: Backend>(&self, log: &Log<IoAction>) {
        let shared = Arc::new(Shared::<B> {
            core: GilCore::new(gil::GilVariant::Cpython311, false, log.clone()),
            spec: self.spec(B::NAME),
            rounds: self.rounds,
            log: log.clone(),
        });
        run_threads(&shared, self.threads, self.ticks);
    }
}
