//! A C extension that computes on its own buffer without the GIL (NumPy style), composed with the
//! GIL model (`gil.rs`).
//!
//! T0 calls the extension over and over: holding the GIL it reads the array object (to get the
//! buffer and pin it), releases the GIL with `Py_BEGIN_ALLOW_THREADS` (`PyEval_SaveThread`),
//! computes on the buffer, takes the GIL back with `Py_END_ALLOW_THREADS`
//! (`PyEval_RestoreThread`) and writes the result object. The other threads are Python threads
//! whose bytecode reads and writes the same objects. An object access is two steps (start,
//! end), so two accesses at once are visible. Rule from `Include/ceval.h`: between the two
//! macros the thread must not touch any Python object.

use super::gil::{self, After, Gil, GilState, GilVariant, Pc};
use crate::model::{Check, Config, Model, Premise, Property};
use crate::variants;
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Fact, Frame};

/// One step of the extension call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CextOp {
    /// Starts reading the array object (buffer pointer, shape).
    ReadArray,
    /// `Py_BEGIN_ALLOW_THREADS` → `PyEval_SaveThread`.
    AllowThreads,
    /// A chunk of computation on the C buffer.
    Compute,
    /// `Py_END_ALLOW_THREADS` → `PyEval_RestoreThread`.
    EndAllowThreads,
    /// Starts writing the result object.
    WriteResult,
}

/// A state: the GIL, the extension's progress and who is accessing a Python object.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CextState {
    /// The GIL and each thread's place in its protocol.
    pub gil: GilState,
    /// Index of the extension's next op.
    pub next: u8,
    /// Threads in the middle of a Python-object access (bit per thread).
    pub accessing: u8,
}

// A small state space: stored as it is, unpacked.
crate::stored_as_is!(CextState);

/// One step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CextAction {
    /// A step of the GIL protocol (a `Poll` is a run of bytecode ending at a poll point).
    Gil(gil::Action),
    /// T0 runs an op of the extension call.
    Ext(CextOp),
    /// A Python thread's bytecode starts accessing a Python object.
    Access(u8),
    /// An access (by any thread) ends.
    AccessEnd(u8),
}

variants! {
    /// The variants of the extension model.
    pub enum CextVariant {
        /// The extension as the C-API rules require.
        Cpython311 => ("cpython-3.11", Real,
            "computes on its own buffer between Py_BEGIN/END_ALLOW_THREADS",
            ["3.11"]),
        /// Bad: the extension reads the array object while computing without the GIL.
        TouchesObjectWithoutGil => ("touches-object-without-gil", Bad,
            "bad: reads a Python object between Py_BEGIN/END_ALLOW_THREADS"),
        /// An extension that never releases the GIL (like the `re` engine).
        ComputeWithGil => ("compute-with-gil", Real,
            "computes holding the GIL, like the re engine (no parallelism)",
            ["3.11"]),
    }
}


/// The extension model for one variant and configuration.
#[derive(Clone, Debug)]
pub struct Cext {
    /// Which code the model mirrors.
    pub variant: CextVariant,
    /// Threads.
    pub config: Config,
    /// The GIL the threads share.
    pub gil: Gil,
}

/// The thread that calls the extension.
const EXT_THREAD: u8 = 0;

const fn bit(t: u8) -> u8 {
    1 << t
}

impl Cext {
    /// A model of `variant` with `config.threads` threads (1..=8). Every thread loops forever
    /// or, with `config.finite`, may exit between extension calls or between bytecodes.
    pub fn new(variant: CextVariant, config: Config) -> Cext {
        let gil = Gil::new(GilVariant::Cpython311, &config);
        Cext {
            variant,
            config,
            gil,
        }
    }

    /// The extension call, repeated forever.
    pub fn program(&self) -> &'static [CextOp] {
        use CextOp::*;
        match self.variant {
            CextVariant::Cpython311 => &[
                ReadArray,
                AllowThreads,
                Compute,
                EndAllowThreads,
                WriteResult,
            ],
            CextVariant::TouchesObjectWithoutGil => &[
                AllowThreads,
                ReadArray,
                Compute,
                EndAllowThreads,
                WriteResult,
            ],
            CextVariant::ComputeWithGil => &[ReadArray, Compute, WriteResult],
        }
    }

    /// Whether the extension is in its computation, which takes any length of time (past
    /// any `drop_gil` of `Py_BEGIN_ALLOW_THREADS`).
    fn computing(&self, s: &CextState) -> bool {
        self.program()[s.next as usize] == CextOp::Compute
            && matches!(s.gil.threads[EXT_THREAD as usize], Pc::Eval | Pc::Detached)
    }

    fn own_actions(&self, s: &CextState, t: u8, out: &mut Vec<CextAction>) {
        if s.accessing & bit(t) != 0 {
            out.push(CextAction::AccessEnd(t));
            return;
        }
        // Poll points lie between bytecodes: for T0 only before it calls the extension.
        let detached = s.gil.threads[t as usize] == Pc::Detached;
        if !detached && (t != EXT_THREAD || s.next == 0) {
            out.push(CextAction::Gil(self.gil.poll(&s.gil, t)));
            if self.gil.finite {
                out.push(CextAction::Gil(gil::Action::Exit(t)));
            }
        }
        if t == EXT_THREAD {
            out.push(CextAction::Ext(self.program()[s.next as usize]));
        } else {
            out.push(CextAction::Access(t));
        }
    }
}

impl Model for Cext {
    type State = CextState;
    type Action = CextAction;

    fn init_states(&self) -> Vec<CextState> {
        vec![CextState {
            gil: self.gil.initial(),
            next: 0,
            accessing: 0,
        }]
    }

    fn actions(&self, s: &CextState, out: &mut Vec<CextAction>) {
        self.gil.compose(&s.gil, out, CextAction::Gil, |t, out| {
            self.own_actions(s, t, out)
        });
    }

    fn next_state(&self, s: &CextState, action: &CextAction) -> CextState {
        let mut s = s.clone();
        match *action {
            CextAction::Gil(a) => self.gil.apply(&mut s.gil, &a),
            CextAction::Access(t) => s.accessing |= bit(t),
            CextAction::AccessEnd(t) => s.accessing &= !bit(t),
            CextAction::Ext(op) => {
                s.next = (s.next + 1) % self.program().len() as u8;
                match op {
                    CextOp::ReadArray | CextOp::WriteResult => s.accessing |= bit(EXT_THREAD),
                    CextOp::AllowThreads => self.gil.release(&mut s.gil, EXT_THREAD, After::Detach),
                    CextOp::EndAllowThreads => self.gil.restore(&mut s.gil, EXT_THREAD),
                    CextOp::Compute => {}
                }
            }
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "CEXT-S1",
                statement: "C code running without the GIL accesses no Python object",
                source: "Include/ceval.h: Py_BEGIN/END_ALLOW_THREADS rule, no Python object in \
                         between (all versions; modelled on 3.11); NumPy ndarraytypes.h: \
                         NPY_BEGIN_THREADS",
                premise: Some(Premise {
                    what: "C code runs without the GIL",
                    holds: |m: &Cext, s: &CextState| (0..m.config.threads).any(|t| s.gil.threads[t] == Pc::Detached),
                }),
                check: Check::Always(|m: &Cext, s: &CextState| {
                    (0..m.config.threads as u8).all(|t| {
                        s.accessing & bit(t) == 0 || s.gil.threads[t as usize] != Pc::Detached
                    })
                }),
            },
            Property {
                id: "CEXT-S2",
                statement: "no two threads access Python objects at the same time",
                source: "Python/ceval_gil.h: take_gil, drop_gil (one holder at a time); \
                         Include/ceval.h: Py_BEGIN/END_ALLOW_THREADS (CPython 3.2-3.11; \
                         Python/ceval_gil.c from 3.12, not checked here)",
                premise: Some(Premise {
                    what: "a thread accesses a Python object",
                    holds: |_, s: &CextState| s.accessing != 0,
                }),
                check: Check::Always(|_, s: &CextState| s.accessing.count_ones() <= 1),
            },
            Property {
                id: "CEXT-R1",
                statement: "the extension's C code computes while another thread executes \
                            bytecode (seed claim C8)",
                source: "Include/ceval.h: Py_BEGIN_ALLOW_THREADS -> PyEval_SaveThread frees \
                         the GIL for other threads (all versions; modelled on 3.11); NumPy: \
                         NPY_BEGIN_THREADS",
                premise: Some(Premise {
                    what: "the extension computes beside another thread",
                    holds: |m: &Cext, s: &CextState| m.config.threads >= 2 && m.computing(s),
                }),
                check: Check::SometimesStep(|m: &Cext, before: &CextState, action, _| {
                    m.computing(before)
                        && matches!(*action,
                            CextAction::Gil(gil::Action::Poll { thread, .. })
                            | CextAction::Access(thread) if thread != EXT_THREAD)
                }),
            },
        ]
    }

    fn is_final(&self, s: &CextState) -> bool {
        self.gil.is_final(&s.gil)
    }

    fn actor(&self, action: &CextAction) -> Option<usize> {
        Some(match *action {
            CextAction::Gil(a) => a.thread(),
            CextAction::Ext(_) => EXT_THREAD,
            CextAction::Access(t) | CextAction::AccessEnd(t) => t,
        } as usize)
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn format_action(&self, action: &CextAction) -> String {
        match *action {
            CextAction::Gil(gil::Action::Poll { request: false, .. }) => {
                "runs bytecode to a poll point".into()
            }
            CextAction::Gil(a) => self.gil.format_action(&a),
            CextAction::Ext(op) => match op {
                CextOp::ReadArray => "extension starts reading the array object".into(),
                CextOp::AllowThreads => "Py_BEGIN_ALLOW_THREADS -> PyEval_SaveThread".into(),
                CextOp::Compute => "extension computes on its C buffer".into(),
                CextOp::EndAllowThreads => "Py_END_ALLOW_THREADS -> PyEval_RestoreThread".into(),
                CextOp::WriteResult => "extension starts writing the result object".into(),
            },
            CextAction::Access(_) => "bytecode starts accessing a Python object".into(),
            CextAction::AccessEnd(_) => "object access ends".into(),
        }
    }

    fn format_state(&self, s: &CextState) -> String {
        let accessing: Vec<String> = (0..self.config.threads as u8)
            .filter(|&t| s.accessing & bit(t) != 0)
            .map(|t| format!("T{t}"))
            .collect();
        format!(
            "{} | extension op {} | accessing objects: [{}]",
            self.gil.format_state(&s.gil),
            s.next,
            accessing.join(",")
        )
    }

    fn frame(&self, s: &CextState) -> Frame {
        let mut frame = self.gil.frame(&s.gil);
        let accessing: Vec<String> = (0..self.config.threads as u8)
            .filter(|&t| s.accessing & bit(t) != 0)
            .map(|t| format!("T{t}"))
            .collect();
        frame
            .facts
            .push(Fact::new("accessing objects", accessing.join(",")));
        frame
    }

    fn observable(&self, action: &CextAction) -> CextAction {
        match *action {
            CextAction::Gil(a) => CextAction::Gil(self.gil.observable(&a)),
            other => other,
        }
    }
}

impl Registered for Cext {
    type Variant = CextVariant;

    fn build(variant: CextVariant, config: &Config) -> Cext {
        Cext::new(variant, config.clone())
    }
}

/// The registry entry of the extension model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Cext>(
        "cext",
        "a C extension computing on its own buffer without the GIL (NumPy style)",
        4,
        3,
    )
    .with_source("models/cext.rs")
    .with_settings(gil::SETTINGS)
    .with_legend(gil::LEGEND)
}
