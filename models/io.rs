//! Releasing the GIL around blocking I/O, and `PyGILState_Ensure`/`PyGILState_Release`, composed
//! with the GIL component (`models/gil/`).
//!
//! `Py_BEGIN_ALLOW_THREADS` calls `PyEval_SaveThread` (3.11 `Python/ceval.c`, from 3.12
//! `Python/ceval_gil.c`: clear the current thread state, `drop_gil` with it, so the
//! FORCE_SWITCHING hand-off applies);
//! `Py_END_ALLOW_THREADS` calls `PyEval_RestoreThread` (`take_gil`). `PyGILState_Ensure`
//! (`Python/pystate.c`, 3.11) finds or creates the thread's auto thread state, takes the GIL
//! with `PyEval_RestoreThread` unless the thread already holds it, increments
//! `gilstate_counter` and returns LOCKED or UNLOCKED; `PyGILState_Release` decrements the
//! counter and, at zero, deletes the thread state, which releases the GIL, or else calls
//! `PyEval_SaveThread` if its Ensure returned UNLOCKED.
//!
//! Threads: T0 is a Python thread that runs bytecode, releases the GIL around a blocking call
//! of any length, calls back into Python from C with `PyGILState_Ensure`/`Release` while still
//! without the GIL, takes the GIL back, runs bytecode and exits. T1 (two or more threads) is a
//! thread created by a C library: it calls `PyGILState_Ensure`, runs a Python callback that
//! nests a second Ensure/Release pair, and releases. Further threads are CPU-bound Python
//! threads that run bytecode forever. Running bytecode is the GIL model's poll step.

use super::gil::{self, After, Gil, GilState, GilVariant, Pc};
use crate::model::{Check, Config, CountClaim, Model, Premise, Property};
use crate::variants;
use crate::registry::{ModelEntry, Registered};
use crate::timeline::Frame;

/// One step of T0's or T1's program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoOp {
    /// `Py_BEGIN_ALLOW_THREADS` → `PyEval_SaveThread`.
    AllowThreads,
    /// A blocking system call starts (`read`, `recv`, `select`...).
    Block,
    /// The call returns, after any length of time.
    Unblock,
    /// `Py_END_ALLOW_THREADS` → `PyEval_RestoreThread`.
    EndAllowThreads,
    /// `PyGILState_Ensure`.
    Ensure,
    /// `PyGILState_Release`.
    Release,
}

/// T0's and T1's progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IoWork {
    /// Index of the next op.
    pub next: u8,
    /// `tstate->gilstate_counter` (0: no auto thread state).
    pub counter: u8,
    /// What each pending Ensure returned, innermost in bit 0: 1 = LOCKED.
    pub saved: u8,
    /// Inside the blocking call.
    pub blocked: bool,
    /// Between `Py_END_ALLOW_THREADS` and holding the GIL again.
    pub returning: bool,
    /// The state the last `PyGILState_Release` must restore (`Some(true)`: holding the GIL),
    /// from its return to the thread's next step.
    pub restores: Option<bool>,
}

/// A state: the GIL and the programs' progress.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IoState {
    /// The GIL and each thread's place in its protocol.
    pub gil: GilState,
    /// T0 and T1.
    pub work: [IoWork; 2],
}

// A small state space: stored as it is, unpacked.
crate::stored_as_is!(IoState);

/// One step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoAction {
    /// A step of the GIL protocol (a `Poll` is a run of bytecode ending at a poll point).
    Gil(gil::Action),
    /// T0 or T1 runs an op. `locked`: for `Ensure`, whether the thread held the GIL; for
    /// `Release`, the state its Ensure found.
    Run {
        /// The thread.
        thread: u8,
        /// The op.
        op: IoOp,
        /// See above; `false` for other ops.
        locked: bool,
    },
}

variants! {
    /// The variants of the I/O model.
    pub enum IoVariant {
        /// 3.11 as written.
        Cpython311 => ("cpython-3.11", Real,
            "PyEval_SaveThread/RestoreThread around I/O, PyGILState_Ensure/Release nesting",
            ["3.11"]),
        /// The same program on 3.12's GIL (`Python/ceval_gil.c`): a finishing thread's release
        /// skips the hand-off.
        Cpython312 => ("cpython-3.12", Real,
            "as cpython-3.11, on 3.12's GIL (a finishing thread skips the hand-off)",
            ["3.12"]),
        /// The same program on 3.13's GIL: the drop request is a bit of the holder's thread
        /// state, exits are final releases.
        Cpython313 => ("cpython-3.13", Real,
            "as cpython-3.11, on 3.13's GIL (the drop request is a bit of the holder's state)",
            ["3.13", "3.14"]),
        /// Bad: the blocking call runs without `Py_BEGIN_ALLOW_THREADS` (it keeps the GIL).
        BlockingWithGil => ("blocking-with-gil", Bad,
            "bad: the blocking call keeps the GIL (no Py_BEGIN_ALLOW_THREADS)"),
        /// Bad: `PyGILState_Release` calls `PyEval_SaveThread` whenever the counter stays above
        /// zero, ignoring what Ensure returned.
        ReleaseIgnoresNesting => ("release-ignores-nesting", Bad,
            "bad: PyGILState_Release drops the GIL even when its Ensure returned LOCKED"),
        /// Proposed fix for the convoy (priority requests, discussed on bpo-7946 in 2010, never
        /// merged): a thread back from I/O that finds the GIL held sets the drop request at once
        /// instead of after a full interval.
        PriorityRequest => ("priority-request", ProposedFix,
            "proposed fix (bpo-7946, never merged): a thread back from I/O requests the GIL \
             at once instead of after a full interval"),
    }
}


/// The I/O model for one variant and configuration.
#[derive(Clone, Debug)]
pub struct Io {
    /// Which code the model mirrors.
    pub variant: IoVariant,
    /// Threads.
    pub config: Config,
    /// The GIL the threads share.
    pub gil: Gil,
}

/// The Python thread that does I/O.
const IO_THREAD: u8 = 0;
/// The thread created by a C library.
const FOREIGN_THREAD: u8 = 1;

impl Io {
    /// A model of `variant` with `config.threads` threads (1..=8); with `config.finite` the
    /// CPU-bound threads may exit at any poll point.
    pub fn new(variant: IoVariant, config: Config) -> Io {
        let gil_variant = match variant {
            IoVariant::Cpython312 => GilVariant::Cpython312,
            IoVariant::Cpython313 => GilVariant::Cpython313,
            _ => GilVariant::Cpython311,
        };
        let gil = Gil::new(gil_variant, &config);
        Io {
            variant,
            config,
            gil,
        }
    }

    /// The program of T0 or T1.
    pub fn program(&self, t: u8) -> &'static [IoOp] {
        use IoOp::*;
        match (t, self.variant) {
            (IO_THREAD, IoVariant::BlockingWithGil) => &[Block, Unblock, Ensure, Release],
            (IO_THREAD, _) => &[
                AllowThreads,
                Block,
                Unblock,
                Ensure,
                Release,
                EndAllowThreads,
            ],
            _ => &[Ensure, Ensure, Release, Release],
        }
    }

    /// Whether thread `t` runs a program (T0, T1) rather than bytecode forever.
    fn scripted(&self, t: u8) -> bool {
        t <= FOREIGN_THREAD
    }

    fn holds_gil(s: &IoState, t: u8) -> bool {
        s.gil.threads[t as usize] == Pc::Eval
    }

    fn own_actions(&self, s: &IoState, t: u8, out: &mut Vec<IoAction>) {
        let detached = s.gil.threads[t as usize] == Pc::Detached;
        if !self.scripted(t) {
            out.push(IoAction::Gil(self.gil.poll(&s.gil, t)));
            if self.gil.finite {
                out.push(IoAction::Gil(gil::Action::Exit(t)));
            }
            return;
        }
        let w = &s.work[t as usize];
        if !detached && !w.blocked {
            out.push(IoAction::Gil(self.gil.poll(&s.gil, t)));
        }
        let Some(&op) = self.program(t).get(w.next as usize) else {
            if !detached {
                out.push(IoAction::Gil(gil::Action::Exit(t)));
            }
            return;
        };
        // PyGILState_Release without the GIL is a fatal error in CPython: the thread stops.
        if op == IoOp::Release && !Io::holds_gil(s, t) {
            return;
        }
        let locked = match op {
            IoOp::Ensure => Io::holds_gil(s, t),
            IoOp::Release => w.saved & 1 == 1,
            _ => false,
        };
        out.push(IoAction::Run {
            thread: t,
            op,
            locked,
        });
    }
}

impl Model for Io {
    type State = IoState;
    type Action = IoAction;

    fn init_states(&self) -> Vec<IoState> {
        let mut gil = self.gil.initial();
        let mut work = [IoWork::default(); 2];
        // A thread created by `threading` has a thread state bound with counter 1.
        work[IO_THREAD as usize].counter = 1;
        if self.config.threads > 1 {
            // The C library's thread has no thread state and no GIL.
            gil.threads[FOREIGN_THREAD as usize] = Pc::Detached;
        }
        vec![IoState { gil, work }]
    }

    fn actions(&self, s: &IoState, out: &mut Vec<IoAction>) {
        self.gil.compose(&s.gil, out, IoAction::Gil, |t, out| {
            self.own_actions(s, t, out)
        });
        if self.variant == IoVariant::PriorityRequest && s.work[IO_THREAD as usize].returning {
            let request = self.gil.request_at_once(&s.gil, IO_THREAD);
            out.extend(request.map(IoAction::Gil));
        }
    }

    fn next_state(&self, s: &IoState, action: &IoAction) -> IoState {
        let mut s = s.clone();
        let (thread, op, locked) = match *action {
            IoAction::Gil(a) => {
                let t = a.thread() as usize;
                // A thread's first step after its Release returned ends what IO-S2 checks.
                if t < 2 && matches!(s.gil.threads[t], Pc::Eval | Pc::Detached) {
                    s.work[t].restores = None;
                }
                self.gil.apply(&mut s.gil, &a);
                if t < 2 && s.gil.threads[t] == Pc::Eval {
                    s.work[t].returning = false;
                }
                return s;
            }
            IoAction::Run { thread, op, locked } => (thread, op, locked),
        };
        let w = &mut s.work[thread as usize];
        w.next += 1;
        w.restores = None;
        match op {
            IoOp::AllowThreads => self.gil.release(&mut s.gil, thread, After::Detach),
            IoOp::EndAllowThreads => {
                w.returning = true;
                self.gil.restore(&mut s.gil, thread);
            }
            IoOp::Block => w.blocked = true,
            IoOp::Unblock => w.blocked = false,
            IoOp::Ensure => {
                w.counter += 1;
                w.saved = w.saved << 1 | u8::from(locked);
                if !locked {
                    self.gil.restore(&mut s.gil, thread);
                }
            }
            IoOp::Release => {
                w.counter -= 1;
                w.saved >>= 1;
                w.restores = Some(locked);
                if w.counter == 0 {
                    // PyThreadState_DeleteCurrent: the thread state goes, and the GIL with it.
                    self.gil.release(&mut s.gil, thread, self.gil.variant.thread_exit());
                } else if !locked || self.variant == IoVariant::ReleaseIgnoresNesting {
                    self.gil.release(&mut s.gil, thread, After::Detach);
                }
            }
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "IO-S1",
                statement: "a thread inside a blocking call holds no GIL",
                source: "Include/ceval.h: Py_BEGIN/END_ALLOW_THREADS; Python/ceval.c: \
                         PyEval_SaveThread -> drop_gil, PyEval_RestoreThread -> take_gil \
                         (CPython 3.2-3.11)",
                premise: Some(Premise {
                    what: "a thread blocks in I/O",
                    holds: |_, s: &IoState| s.work.iter().any(|w| w.blocked),
                }),
                check: Check::Always(|_, s: &IoState| {
                    (0..2).all(|t| !s.work[t as usize].blocked || !Io::holds_gil(s, t))
                }),
            },
            Property {
                id: "IO-S2",
                statement: "PyGILState_Release leaves the thread holding the GIL exactly when \
                            its matching PyGILState_Ensure found it holding it",
                source: "Python/pystate.c: PyGILState_Ensure, PyGILState_Release, \
                         gilstate_counter, PyGILState_LOCKED / UNLOCKED (CPython 3.11; same \
                         nesting in 2.7-3.13)",
                premise: Some(Premise {
                    what: "a PyGILState_Release runs",
                    holds: |_, s: &IoState| s.work.iter().any(|w| w.restores.is_some()),
                }),
                check: Check::Always(|_, s: &IoState| {
                    (0..2).all(|t| match s.work[t as usize].restores {
                        // Checked once Release's own drop_gil, if any, has returned.
                        Some(locked) => match s.gil.threads[t as usize] {
                            Pc::Eval => locked,
                            Pc::Detached | Pc::Done => !locked,
                            _ => true,
                        },
                        None => true,
                    })
                }),
            },
            Property {
                id: "IO-R1",
                statement: "while a thread is blocked in I/O another thread executes bytecode \
                            (seed claim C4)",
                source: "Include/ceval.h: Py_BEGIN_ALLOW_THREADS around blocking calls (e.g. \
                         Modules/socketmodule.c: sock_call_ex) -> PyEval_SaveThread, drop_gil \
                         (CPython 3.2-3.11)",
                premise: Some(Premise {
                    what: "a thread blocks in I/O",
                    holds: |_, s: &IoState| s.work.iter().any(|w| w.blocked),
                }),
                check: Check::SometimesStep(|_, before: &IoState, action, _| {
                    before.work[IO_THREAD as usize].blocked
                        && matches!(action, IoAction::Gil(gil::Action::Poll { thread, .. })
                            if *thread != IO_THREAD)
                }),
            },
            Property {
                id: "IO-X1",
                statement: "a thread returning from I/O while only a CPU-bound thread holds or \
                            wants the GIL gets it back only after at least one full interval has \
                            expired and forced a drop request (the convoy effect of bpo-7946, \
                            never fixed)",
                source: "Python/ceval_gil.h: take_gil waits a full interval before setting \
                         gil_drop_request (CPython 3.2-3.11, unchanged in 3.12-3.13); bpo-7946 \
                         convoy, never fixed",
                premise: None,
                check: Check::Count {
                    from: |m: &Io, s: &IoState, _| {
                        let io = IO_THREAD as usize;
                        // The C library's thread is gone and no request is pending.
                        s.gil.threads[io] == Pc::Take
                            && s.work[io].returning
                            && s.gil.threads[FOREIGN_THREAD as usize] == Pc::Done
                            && !s.gil.drop_request
                            && (2..m.config.threads).any(|t| s.gil.threads[t] == Pc::Eval)
                    },
                    count: |_, _, action: &IoAction, _, _| matches!(action, IoAction::Gil(g) if g.requests_drop()),
                    to: |_, s: &IoState, _| s.gil.threads[IO_THREAD as usize] == Pc::Eval,
                    each_thread: false,
                    claim: CountClaim::AtLeast(1),
                },
            },
        ]
    }

    fn is_final(&self, s: &IoState) -> bool {
        self.gil.is_final(&s.gil)
    }

    fn actor(&self, action: &IoAction) -> Option<usize> {
        Some(match *action {
            IoAction::Gil(a) => a.thread(),
            IoAction::Run { thread, .. } => thread,
        } as usize)
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn format_action(&self, action: &IoAction) -> String {
        match *action {
            IoAction::Gil(gil::Action::Poll { request, .. }) => format!(
                "runs bytecode to a poll point{}",
                if request {
                    ", sees drop request -> drop_gil"
                } else {
                    ""
                }
            ),
            IoAction::Gil(a) => self.gil.format_action(&a),
            IoAction::Run { op, locked, .. } => match op {
                IoOp::AllowThreads => "Py_BEGIN_ALLOW_THREADS -> PyEval_SaveThread".into(),
                IoOp::Block => "blocking call starts".into(),
                IoOp::Unblock => "blocking call returns".into(),
                IoOp::EndAllowThreads => "Py_END_ALLOW_THREADS -> PyEval_RestoreThread".into(),
                IoOp::Ensure if locked => "PyGILState_Ensure: holds the GIL -> LOCKED".into(),
                IoOp::Ensure => {
                    "PyGILState_Ensure: no GIL -> PyEval_RestoreThread, UNLOCKED".into()
                }
                IoOp::Release => format!(
                    "PyGILState_Release (Ensure returned {})",
                    if locked { "LOCKED" } else { "UNLOCKED" }
                ),
            },
        }
    }

    fn format_state(&self, s: &IoState) -> String {
        let programs: Vec<String> = (0..self.config.threads.min(2) as u8)
            .map(|t| {
                let w = &s.work[t as usize];
                format!(
                    "T{t}: op {} counter {}{}",
                    w.next,
                    w.counter,
                    if w.blocked { " blocked" } else { "" }
                )
            })
            .collect();
        format!(
            "{} | {}",
            self.gil.format_state(&s.gil),
            programs.join(", ")
        )
    }

    fn frame(&self, s: &IoState) -> Frame {
        self.gil.frame(&s.gil)
    }

    fn observable(&self, action: &IoAction) -> IoAction {
        match *action {
            IoAction::Gil(a) => IoAction::Gil(self.gil.observable(&a)),
            other => other,
        }
    }
}

impl Registered for Io {
    type Variant = IoVariant;

    fn build(variant: IoVariant, config: &Config) -> Io {
        Io::new(variant, config.clone())
    }
}

/// The registry entry of the I/O model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Io>(
        "io",
        "GIL released around blocking I/O; PyGILState_Ensure/Release with nesting",
        4,
        3,
    )
    .with_source("models/io.rs")
    .with_settings(gil::SETTINGS)
    .with_legend(gil::LEGEND)
}
