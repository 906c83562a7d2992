//! The executable twin of `cext.rs`: T0 calls the extension `calls` times; the other threads
//! run `rounds` rounds of bytecode that read and write a Python object. The object is an object
//! cell, so under loom an access without the GIL is reported by loom's race detector. The GIL is
//! the GIL twin's `GilCore`.

use super::cext::{Cext, CextAction, CextOp, CextVariant};
use super::gil::twin::{run_threads, spec_config, GilCore, OnGil};
use super::gil::{Action as GilAction, GilVariant};
use crate::exec::{twin_meta, Backend, Log, ObjectCell, Twin};
use crate::trace::TraceMeta;
use std::sync::Arc;

/// A C-extension twin configuration.
#[derive(Clone, Debug)]
pub struct CextTwin {
    /// Which code to run.
    pub variant: CextVariant,
    /// Threads: T0 calls the extension, the others run bytecode.
    pub threads: usize,
    /// Extension calls by T0.
    pub calls: usize,
    /// Rounds of bytecode per other thread.
    pub rounds: usize,
    /// Timeouts the clock thread fires (loom and shuttle only).
    pub ticks: usize,
}

impl From<GilAction> for CextAction {
    fn from(action: GilAction) -> CextAction {
        CextAction::Gil(action)
    }
}

struct Shared<B: Backend> {
    core: GilCore<B, CextAction>,
    spec: Cext,
    /// The Python object everybody reads and writes.
    object: B::Cell,
    calls: usize,
    rounds: usize,
    log: Log<CextAction>,
}

impl<B: Backend> OnGil<B> for Shared<B> {
    type Action = CextAction;

    fn core(&self) -> &GilCore<B, CextAction> {
        &self.core
    }

    fn python_thread(&self, me: u8) {
        if me == 0 {
            self.extension_thread()
        } else {
            self.bytecode_thread(me)
        }
    }
}

impl<B: Backend> Shared<B> {
    /// Starts an object access (a read), logged as `start`; returns the value read.
    fn read(&self, start: CextAction) -> u64 {
        self.log.record::<B, u64>(|| (start, self.object.read()))
    }

    /// Ends thread `me`'s access, writing `value` if given.
    fn end(&self, me: u8, value: Option<u64>) {
        self.log.record::<B, ()>(|| {
            match value {
                Some(v) => self.object.write(v),
                None => drop(self.object.read()),
            }
            (CextAction::AccessEnd(me), ())
        });
    }

    /// T0: calls into the extension.
    fn extension_thread(&self) {
        self.core.take_gil(0);
        for _ in 0..self.calls {
            self.core.poll(0);
            for &op in self.spec.program() {
                match op {
                    CextOp::ReadArray => {
                        self.read(CextAction::Ext(op));
                        self.end(0, None);
                    }
                    CextOp::WriteResult => {
                        let value = self.read(CextAction::Ext(op));
                        self.end(0, Some(value + 1));
                    }
                    CextOp::AllowThreads => {
                        self.log.note::<B>(CextAction::Ext(op));
                        self.core.drop_gil(0);
                    }
                    CextOp::EndAllowThreads => {
                        self.log.note::<B>(CextAction::Ext(op));
                        self.core.take_gil(0);
                    }
                    CextOp::Compute => self.log.note::<B>(CextAction::Ext(op)),
                }
            }
        }
        self.core.exit(0);
    }

    /// A Python thread whose bytecode updates the object.
    fn bytecode_thread(&self, me: u8) {
        self.core.take_gil(me);
        for _ in 0..self.rounds {
            self.core.poll(me);
            let value = self.read(CextAction::Access(me));
            self.end(me, Some(value + 1));
        }
        self.core.exit(me);
    }
}

impl CextTwin {
    /// A twin of `variant` with `threads` threads, `calls` extension calls, `rounds` bytecode
    /// rounds per other thread and `ticks` clock ticks.
    pub fn new(
        variant: CextVariant,
        threads: usize,
        calls: usize,
        rounds: usize,
        ticks: usize,
    ) -> CextTwin {
        CextTwin {
            variant,
            threads,
            calls,
            rounds,
            ticks,
        }
    }
}

impl Twin for CextTwin {
    type Spec = Cext;

    fn spec(&self, backend: &str) -> Cext {
        Cext::new(self.variant, spec_config(self.threads, backend))
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        twin_meta("cext", self.variant, self.spec(backend).config, backend)
    }

    fn run<B: Backend>(&self, log: &Log<CextAction>) {
        let shared = Arc::new(Shared::<B> {
            core: GilCore::new(GilVariant::Cpython311, false, log.clone()),
            spec: self.spec(B::NAME),
            object: B::Cell::new(0),
            calls: self.calls,
            rounds: self.rounds,
            log: log.clone(),
        });
        run_threads(&shared, self.threads, self.ticks);
    }
}
