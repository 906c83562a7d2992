//! The executable twin of `refcount.rs`: each thread runs the model's program as real code over
//! the sync facade, taking and dropping the GIL through the GIL twin's `GilCore` (the same code
//! the GIL twin runs). Counts and module-dict entries are object cells: under loom they are
//! race-checked, so touching a count without the GIL is reported by loom's own race detector;
//! under shuttle every access is a scheduling point, so a thread can be switched out between the
//! load and the store of `Py_INCREF`. Each step touches at most one cell, right before it is
//! logged, so the log replays on the spec in order.

use super::gil::twin::{
    gil_cue, predict_gil, run_threads, spawn_threads, spec_config, GilCore, GilMemory, OnGil,
};
use super::gil::Action as GilAction;
use super::refcount::{Op, RcAction, RcState, RcVariant, Refcount, Why, IMMORTAL, NONE, OBJECTS};
use crate::exec::{
    twin_meta, Backend, Cue, Log, ObjectCell, Stepped, SteppedTwin, ThreadView, Twin,
};
use crate::model::Model;
use crate::trace::TraceMeta;
use std::sync::Arc;

/// A refcount twin configuration.
#[derive(Clone, Debug)]
pub struct RefcountTwin {
    /// Which code to run.
    pub variant: RcVariant,
    /// Python threads.
    pub threads: usize,
    /// Mortal objects.
    pub objects: usize,
    /// Timeouts the clock thread fires (loom and shuttle only).
    pub ticks: usize,
}

impl From<GilAction> for RcAction {
    fn from(action: GilAction) -> RcAction {
        RcAction::Gil(action)
    }
}

/// The GIL, every object's `ob_refcnt`, and the module dict's entries.
struct Shared<B: Backend> {
    core: GilCore<B, RcAction>,
    spec: Refcount,
    /// `ob_refcnt` per object, `None` last, as the bits of an `i8`.
    refcnt: Vec<B::Cell>,
    /// 1 while `G[o]` is set.
    globals: Vec<B::Cell>,
    log: Log<RcAction>,
}

const fn bit(obj: u8) -> u8 {
    1 << obj
}

impl<B: Backend> OnGil<B> for Shared<B> {
    type Action = RcAction;

    fn core(&self) -> &GilCore<B, RcAction> {
        &self.core
    }

    /// A Python thread running its program, with a poll point before each bytecode it runs
    /// holding the GIL.
    fn python_thread(&self, me: u8) {
        self.program(me)
    }
}

impl<B: Backend> Shared<B> {
    fn count(&self, obj: u8) -> i8 {
        self.refcnt[obj as usize].read() as i8
    }

    /// `Py_INCREF` or `Py_DECREF` of `obj`: load, store, and `_Py_Dealloc` on reaching zero.
    fn update(&self, me: u8, obj: u8, why: Why) {
        let value = self.log.record::<B, i8>(|| {
            let value = self.count(obj);
            (
                RcAction::Load {
                    thread: me,
                    obj,
                    value,
                    why,
                },
                value,
            )
        });
        if value == IMMORTAL {
            return;
        }
        let value = if matches!(why, Why::Incref(_)) {
            value + 1
        } else {
            value - 1
        };
        let frees = value == 0 && !matches!(why, Why::Incref(_));
        self.log.record::<B, ()>(|| {
            self.refcnt[obj as usize].write(value as u8 as u64);
            (
                RcAction::Store {
                    thread: me,
                    obj,
                    value,
                    frees,
                },
                (),
            )
        });
        if frees {
            self.dealloc(me, obj);
        }
    }

    /// `_Py_Dealloc`: object 0's `__del__` (variant `finalizer-drops-gil`) reaches a poll point;
    /// a container then drops the reference it holds.
    fn dealloc(&self, me: u8, obj: u8) {
        if obj == 0 && self.spec.variant == RcVariant::FinalizerDropsGil {
            self.core.poll(me);
            self.log.note::<B>(RcAction::FinalizerDone(me));
        }
        if let Some(child) = self.spec.child(obj) {
            self.update(me, child, Why::Dealloc(obj));
        }
    }

    fn program(&self, me: u8) {
        let mut held = 0u8;
        let mut detached = false;
        self.core.take_gil(me);
        for &op in self.spec.program(me) {
            if !detached {
                self.core.poll(me);
            }
            match op {
                Op::LoadGlobal(obj) => {
                    let found = self.log.record::<B, bool>(|| {
                        let found = self.globals[obj as usize].read() == 1;
                        let action = RcAction::Lookup {
                            thread: me,
                            obj,
                            found,
                        };
                        (action, found)
                    });
                    if found {
                        held |= bit(obj);
                        self.update(me, obj, Why::Incref(op));
                    }
                }
                Op::DelGlobal(obj) => {
                    self.log.record::<B, ()>(|| {
                        self.globals[obj as usize].write(0);
                        (RcAction::Unlink { thread: me, obj }, ())
                    });
                    self.update(me, obj, Why::Decref(op));
                }
                Op::LoadNone => {
                    held |= bit(NONE);
                    self.update(me, NONE, Why::Incref(op));
                }
                Op::DelLocal(obj) if held & bit(obj) != 0 => {
                    held &= !bit(obj);
                    self.update(me, obj, Why::Decref(op));
                }
                Op::DelLocal(_) => self.log.note::<B>(RcAction::Skip { thread: me, op }),
                Op::BorrowNone | Op::AllowThreads | Op::CWork | Op::EndAllowThreads => {
                    self.log.note::<B>(RcAction::Run { thread: me, op });
                    match op {
                        Op::BorrowNone => held |= bit(NONE),
                        Op::AllowThreads => {
                            self.core.drop_gil(me);
                            detached = true;
                        }
                        Op::EndAllowThreads => {
                            self.core.take_gil(me);
                            detached = false;
                        }
                        _ => {}
                    }
                }
            }
        }
        self.core.exit(me);
    }
}

impl RefcountTwin {
    /// A twin of `variant` with `threads` threads, `objects` mortal objects and `ticks` clock
    /// ticks.
    pub fn new(variant: RcVariant, threads: usize, objects: usize, ticks: usize) -> RefcountTwin {
        RefcountTwin {
            variant,
            threads,
            objects,
            ticks,
        }
    }

    /// The shared state of a run.
    fn shared<B: Backend>(&self, log: &Log<RcAction>) -> Arc<Shared<B>> {
        let spec = self.spec(B::NAME);
        let init = spec.init_states().remove(0);
        Arc::new(Shared::<B> {
            core: GilCore::new(spec.gil.variant, false, log.clone()),
            refcnt: init
                .refcnt
                .iter()
                .map(|&c| B::Cell::new(c as u8 as u64))
                .collect(),
            globals: (0..init.refcnt.len() as u8)
                .map(|o| B::Cell::new(u64::from(init.globals & bit(o) != 0)))
                .collect(),
            spec,
            log: log.clone(),
        })
    }
}

impl Twin for RefcountTwin {
    type Spec = Refcount;

    fn spec(&self, backend: &str) -> Refcount {
        Refcount::new(
            self.variant,
            spec_config(self.threads, backend).with(OBJECTS.name, self.objects as u32),
        )
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        twin_meta("refcount", self.variant, self.spec(backend).config, backend)
    }

    fn run<B: Backend>(&self, log: &Log<RcAction>) {
        run_threads(&self.shared::<B>(log), self.threads, self.ticks);
    }
}

/// What refcount conformance compares: the GIL, every count and the module dict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RcMemory {
    /// The GIL's fields.
    pub gil: GilMemory,
    /// `ob_refcnt` per object, `None` last.
    pub refcnt: Vec<i8>,
    /// Entries of the module dict still set (bit per object).
    pub globals: u8,
}

impl SteppedTwin for RefcountTwin {
    type Memory = RcMemory;

    fn start(&self, log: &Log<RcAction>) -> Box<dyn Fn() -> RcMemory + Send> {
        let shared = self.shared::<Stepped>(log);
        spawn_threads(&shared, self.threads, self.ticks);
        Box::new(move || RcMemory {
            gil: shared.core.memory(),
            refcnt: (0..shared.refcnt.len() as u8)
                .map(|o| shared.count(o))
                .collect(),
            globals: (0..shared.globals.len() as u8)
                .filter(|&o| shared.globals[o as usize].read() == 1)
                .fold(0, |g, o| g | bit(o)),
        })
    }

    fn predict(&self, spec: &Refcount, s: &RcState) -> (RcMemory, Vec<ThreadView>) {
        let (gil, views) = predict_gil(&spec.gil, &s.gil);
        let memory = RcMemory {
            gil,
            refcnt: s.refcnt.to_vec(),
            globals: s.globals,
        };
        (memory, views)
    }

    fn cue(&self, action: &RcAction) -> Cue {
        match action {
            RcAction::Gil(a) => gil_cue(a),
            other => Cue {
                thread: self
                    .spec(Stepped::NAME)
                    .actor(other)
                    .expect("every step has a thread"),
                fire_timeout: false,
                wakes: None,
            },
        }
    }
}
