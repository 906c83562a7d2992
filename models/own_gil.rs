//! Interpreters with their own GIL (PEP 684, 3.12+), on the GIL component (`models/gil/`):
//! threads alternate between two interpreters (T0, T2 in the first, T1, T3 in the second), and
//! each thread runs `x = obj; del x` on its interpreter's object, the reference count updated
//! as a load and a store of `ob_refcnt` (`Py_INCREF`, `Py_DECREF`), with poll points between
//! bytecodes, then finishes.
//!
//! With `PyInterpreterConfig_OWN_GIL` (`Py_NewInterpreterFromConfig`, 3.12+) each interpreter
//! creates its own GIL (`_PyEval_InitGIL` → `init_own_gil`: `interp->ceval.gil` points at
//! `interp->_gil`), so threads of two interpreters run bytecode at once; that is safe only
//! because no mortal object is shared between interpreters (PEP 684's isolation; immortal
//! objects such as `None` are, and their counts are never written). `shared-gil` is every
//! interpreter of 3.9-3.11 (one `_PyRuntime.ceval.gil`), and `shares-mortal-object` breaks the
//! isolation.

use crate::model::{Config, Model, Property};
use crate::models::gil::{self, holds_gil, Gil, GilState, GilVariant, Pc};
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Fact, Frame};

/// Threads at most (two per interpreter).
pub const MAX_THREADS: usize = 4;

crate::variants! {
    /// How the interpreters share the GIL and objects.
    pub enum OwnGilVariant {
        /// PEP 684: each interpreter its own GIL and its own objects.
        OwnGil => ("own-gil", Real,
            "3.12+ OWN_GIL interpreters: a GIL each, no mortal object shared",
            ["3.12", "3.13", "3.14"]),
        /// One GIL for every interpreter (3.9-3.11; from 3.12 a shared-GIL interpreter).
        SharedGil => ("shared-gil", Real,
            "3.9-3.11 (and SHARED_GIL from 3.12): one GIL for every interpreter",
            ["3.9", "3.11"]),
        /// Bad: both interpreters use the same mortal object, each under its own GIL.
        SharesMortalObject => ("shares-mortal-object", Bad,
            "bad: an object shared between interpreters with their own GILs"),
        /// Bad: `take_gil` does not exclude.
        NoGil => ("no-gil", Bad, "bad: take_gil takes the GIL even when it is locked"),
    }
}

/// Where a thread is in `x = obj; del x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// About to load `ob_refcnt` for `Py_INCREF`.
    Incref,
    /// Loaded `ob_refcnt` (the value), about to store it plus one.
    IncrefStore(u8),
    /// Holds `x`; about to load `ob_refcnt` for `Py_DECREF`.
    Decref,
    /// Loaded `ob_refcnt` (the value), about to store it minus one.
    DecrefStore(u8),
    /// `x` is gone; the thread returns and exits.
    Done,
}

/// The interpreters' GILs, the objects' counts, each thread's step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OwnGilState {
    /// Each GIL (the second unused under `shared-gil`).
    pub gils: [GilState; 2],
    /// `ob_refcnt` of each interpreter's object (its owner, a module global, holds 1).
    pub counts: [u8; 2],
    /// Each thread's step.
    pub steps: [Step; MAX_THREADS],
}

crate::stored_as_is!(OwnGilState);

/// A step of one GIL's protocol (its thread numbered within that GIL), or a thread's load or
/// store of a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OwnGilAction {
    /// A step of GIL `gil`.
    Gil {
        /// Which GIL.
        gil: u8,
        /// The step, its thread numbered within that GIL.
        action: gil::Action,
    },
    /// `Py_INCREF` / `Py_DECREF`: thread `thread` reads or writes object `obj`'s count.
    Count {
        /// The thread (global number).
        thread: u8,
        /// The object.
        obj: u8,
        /// What it reads, or writes.
        value: u8,
        /// A store (else a load).
        store: bool,
    },
}

/// The model of one variant.
#[derive(Clone, Debug)]
pub struct OwnGilModel {
    /// Which sharing it mirrors.
    pub variant: OwnGilVariant,
    /// Threads.
    pub threads: usize,
    /// The GILs (the second unused under `shared-gil`).
    gils: [Gil; 2],
}

impl OwnGilModel {
    /// The model of `variant` with `config.threads` threads (2..=4).
    pub fn new(variant: OwnGilVariant, config: &Config) -> OwnGilModel {
        let threads = config.threads;
        assert!((2..=MAX_THREADS).contains(&threads));
        let finite = config.clone().with(gil::FINITE.name, true);
        let gil = |threads: usize| {
            Gil::new(
                if variant == OwnGilVariant::NoGil {
                    GilVariant::NoGil
                } else {
                    GilVariant::Cpython312
                },
                &Config {
                    threads,
                    ..finite.clone()
                },
            )
        };
        let gils = if variant == OwnGilVariant::SharedGil {
            [gil(threads), gil(1)]
        } else {
            [gil(threads.div_ceil(2)), gil(threads / 2)]
        };
        OwnGilModel {
            variant,
            threads,
            gils,
        }
    }

    /// The GILs in use: both, or the first alone under `shared-gil`.
    fn used(&self) -> &[Gil] {
        let n = if self.variant == OwnGilVariant::SharedGil {
            1
        } else {
            2
        };
        &self.gils[..n]
    }

    /// The GIL thread `t` takes and its number there.
    fn gil_of(&self, t: u8) -> (usize, u8) {
        if self.variant == OwnGilVariant::SharedGil {
            (0, t)
        } else {
            (t as usize % 2, t / 2)
        }
    }

    /// The thread numbered `local` within GIL `gil`.
    fn thread_of(&self, gil: usize, local: u8) -> u8 {
        if self.variant == OwnGilVariant::SharedGil {
            local
        } else {
            local * 2 + gil as u8
        }
    }

    /// The object thread `t` uses: its interpreter's, or object 0 for everyone when shared.
    fn object_of(&self, t: u8) -> u8 {
        if self.variant == OwnGilVariant::SharesMortalObject {
            0
        } else {
            t % 2
        }
    }

    /// References to object `o` that exist: its owner's and every thread's `x` once its
    /// `Py_INCREF` is stored, until its `Py_DECREF` is.
    fn references(&self, s: &OwnGilState, o: u8) -> u8 {
        1 + (0..self.threads as u8)
            .filter(|&t| self.object_of(t) == o)
            .filter(|&t| matches!(s.steps[t as usize], Step::Decref | Step::DecrefStore(_)))
            .count() as u8
    }

    /// Whether some thread has loaded object `o`'s count and not stored it yet.
    fn in_flight(&self, s: &OwnGilState, o: u8) -> bool {
        (0..self.threads as u8).any(|t| {
            self.object_of(t) == o
                && matches!(
                    s.steps[t as usize],
                    Step::IncrefStore(_) | Step::DecrefStore(_)
                )
        })
    }

    /// Whether thread `t` runs bytecode (holds its GIL, in `Eval`).
    fn runs(&self, s: &OwnGilState, t: u8) -> bool {
        let (g, local) = self.gil_of(t);
        s.gils[g].threads[local as usize] == Pc::Eval
    }
}

impl Model for OwnGilModel {
    type State = OwnGilState;
    type Action = OwnGilAction;

    fn init_states(&self) -> Vec<OwnGilState> {
        vec![OwnGilState {
            gils: [self.gils[0].initial(), self.gils[1].initial()],
            counts: [1, 1],
            steps: [Step::Incref; MAX_THREADS],
        }]
    }

    fn actions(&self, s: &OwnGilState, out: &mut Vec<OwnGilAction>) {
        for (g, gil) in self.used().iter().enumerate() {
            let wrap = |action| OwnGilAction::Gil {
                gil: g as u8,
                action,
            };
            gil.compose(&s.gils[g], out, wrap, |local, out| {
                let t = self.thread_of(g, local);
                let obj = self.object_of(t);
                let count = s.counts[obj as usize];
                let access = |value, store| OwnGilAction::Count {
                    thread: t,
                    obj,
                    value,
                    store,
                };
                let step = s.steps[t as usize];
                // Poll points lie between bytecodes, never inside a count update.
                if !matches!(step, Step::IncrefStore(_) | Step::DecrefStore(_)) {
                    out.push(wrap(gil.poll(&s.gils[g], local)));
                }
                out.push(match step {
                    Step::Incref | Step::Decref => access(count, false),
                    Step::IncrefStore(v) => access(v + 1, true),
                    Step::DecrefStore(v) => access(v.saturating_sub(1), true),
                    Step::Done => wrap(gil::Action::Exit(local)),
                });
            });
        }
    }

    fn next_state(&self, s: &OwnGilState, action: &OwnGilAction) -> OwnGilState {
        let mut s = s.clone();
        match *action {
            OwnGilAction::Gil { gil, action } => {
                self.gils[gil as usize].apply(&mut s.gils[gil as usize], &action)
            }
            OwnGilAction::Count {
                thread,
                obj,
                value,
                store,
            } => {
                let step = &mut s.steps[thread as usize];
                *step = match (*step, store) {
                    (Step::Incref, false) => Step::IncrefStore(value),
                    (Step::Decref, false) => Step::DecrefStore(value),
                    (Step::IncrefStore(_), true) => Step::Decref,
                    (_, _) => Step::Done,
                };
                if store {
                    s.counts[obj as usize] = value;
                }
            }
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always(
                "OWN-S1",
                "at most one thread of each GIL holds it",
                "Python/ceval_gil.c: take_gil, drop_gil on interp->ceval.gil (CPython 3.12+: \
                 a GIL per OWN_GIL interpreter, init_own_gil)",
                |m: &Self, s: &OwnGilState| {
                    m.used().iter().enumerate().all(|(g, gil)| {
                        (0..gil.threads)
                            .filter(|&t| holds_gil(&s.gils[g], t))
                            .count()
                            <= 1
                    })
                },
            ),
            Property::always(
                "OWN-S2",
                "each object's count equals its references whenever no update is in flight",
                "Include/object.h: Py_INCREF, Py_DECREF as a load and a store of ob_refcnt; \
                 PEP 684: no mortal object is shared between interpreters (CPython 3.12+)",
                |m: &Self, s: &OwnGilState| {
                    (0..2u8).all(|o| {
                        m.in_flight(s, o) || s.counts[o as usize] == m.references(s, o)
                    })
                },
            ),
            Property::sometimes(
                "OWN-R1",
                "threads of the two interpreters run bytecode at the same moment",
                "Python/ceval_gil.c: _PyEval_InitGIL, init_own_gil (CPython 3.12+, PEP 684); \
                 one _PyRuntime.ceval.gil for every interpreter (3.9-3.11)",
                |m: &Self, s: &OwnGilState| {
                    let runs_in = |i: u8| {
                        (0..m.threads as u8).any(|t| t % 2 == i && m.runs(s, t))
                    };
                    runs_in(0) && runs_in(1)
                },
            ),
        ]
    }

    fn is_final(&self, s: &OwnGilState) -> bool {
        self.used()
            .iter()
            .enumerate()
            .all(|(g, gil)| gil.is_final(&s.gils[g]))
    }

    fn explain(&self, id: &str, s: &OwnGilState) -> Option<String> {
        (id == "OWN-S2").then(|| {
            (0..2u8)
                .filter(|&o| s.counts[o as usize] != self.references(s, o))
                .map(|o| {
                    format!(
                        "obj{o}: {} references counted, {} held",
                        s.counts[o as usize],
                        self.references(s, o)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn actor(&self, action: &OwnGilAction) -> Option<usize> {
        Some(match *action {
            OwnGilAction::Gil { gil, action } => self.thread_of(gil as usize, action.thread()),
            OwnGilAction::Count { thread, .. } => thread,
        } as usize)
    }

    fn thread_count(&self) -> usize {
        self.threads
    }

    fn assumptions(&self) -> Vec<String> {
        let mut out = self.gils[0].assumptions();
        out.push("T0, T2 run in the first interpreter, T1, T3 in the second".into());
        out
    }

    fn format_action(&self, action: &OwnGilAction) -> String {
        match *action {
            OwnGilAction::Gil { gil, action } => {
                let label = self.gils[gil as usize].format_action(&action);
                if self.variant == OwnGilVariant::SharedGil {
                    label
                } else {
                    format!("GIL {gil}: {label}")
                }
            }
            OwnGilAction::Count {
                obj, value, store, ..
            } => {
                if store {
                    format!("writes ob_refcnt(obj{obj}) = {value}")
                } else {
                    format!("reads ob_refcnt(obj{obj}) = {value}")
                }
            }
        }
    }

    fn format_state(&self, s: &OwnGilState) -> String {
        let steps: Vec<String> = (0..self.threads)
            .map(|t| format!("T{t}:{:?}", s.steps[t]))
            .collect();
        let gils = if self.variant == OwnGilVariant::SharedGil {
            self.gils[0].format_state(&s.gils[0])
        } else {
            format!(
                "GIL 0: {} || GIL 1: {}",
                self.gils[0].format_state(&s.gils[0]),
                self.gils[1].format_state(&s.gils[1])
            )
        };
        format!(
            "obj0={} obj1={} {} | {gils}",
            s.counts[0],
            s.counts[1],
            steps.join(" ")
        )
    }

    fn frame(&self, s: &OwnGilState) -> Frame {
        Frame {
            threads: (0..self.threads as u8)
                .map(|t| {
                    let (g, local) = self.gil_of(t);
                    s.gils[g].threads[local as usize].activity().name.to_string()
                })
                .collect(),
            facts: vec![
                Fact::new("obj0", s.counts[0].to_string()),
                Fact::new("obj1", s.counts[1].to_string()),
            ],
        }
    }
}

impl Registered for OwnGilModel {
    type Variant = OwnGilVariant;

    fn build(variant: OwnGilVariant, config: &Config) -> OwnGilModel {
        OwnGilModel::new(variant, config)
    }
}

/// The registry entry.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<OwnGilModel>(
        "own-gil",
        "interpreters with their own GIL (PEP 684): parallel bytecode, isolated objects",
        MAX_THREADS,
        3,
    )
    .with_source("models/own_gil.rs")
    .with_legend(gil::LEGEND)
    .with_least_threads(2)
}
