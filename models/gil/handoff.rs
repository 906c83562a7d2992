//! The GIL hand-off model: CPU-bound threads that each loop running bytecode, reaching poll
//! points and dropping the GIL when asked, on the GIL component (`protocol.rs`) of any version
//! (`versions.rs`). It states the GIL's own properties (GIL-S1..S3, R1..R2, L1..L4, B1, X1).

use super::protocol::{holds_gil, Action, Gil, SETTINGS};
use super::state::{GilState, Pc, LEGEND, MAX_THREADS, NOBODY};
use super::versions::GilVariant;
use crate::model::{Check, Config, CountClaim, Fairness, Model, Premise, Property};
use crate::registry::{ModelEntry, Registered};
use crate::timeline::Frame;

/// Threads running Python code on one GIL, nothing else.
#[derive(Clone, Debug)]
pub struct Handoff {
    /// The GIL.
    pub gil: Gil,
}

impl Handoff {
    /// The hand-off model of `variant` under `config`.
    pub fn new(variant: GilVariant, config: &Config) -> Handoff {
        Handoff {
            gil: Gil::new(variant, config),
        }
    }
}

impl Model for Handoff {
    type State = GilState;
    type Action = Action;

    fn init_states(&self) -> Vec<GilState> {
        vec![self.gil.initial()]
    }

    fn actions(&self, s: &GilState, out: &mut Vec<Action>) {
        for t in self.gil.threads() {
            if s.threads[t as usize] == Pc::Eval {
                out.push(self.gil.poll(s, t));
                if self.gil.finite {
                    out.push(Action::Exit(t));
                }
                if t == 0 && self.gil.variant.finalizes() && !s.finalizing {
                    out.push(Action::Finalize);
                }
            } else {
                self.gil.protocol_actions(s, t, out);
            }
        }
    }

    fn next_state(&self, s: &GilState, action: &Action) -> GilState {
        let mut s = s.clone();
        self.gil.apply(&mut s, action);
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "GIL-S1",
                statement: "at most one thread holds the GIL",
                source: "Python/ceval_gil.h: take_gil, drop_gil set gil->locked under \
                         gil->mutex (CPython 3.2-3.11; Python/ceval_gil.c from 3.12); 2.7: \
                         Python/ceval.c interpreter_lock",
                premise: None,
                check: Check::Always(|m, s| {
                    (0..m.gil.threads).filter(|&t| holds_gil(s, t)).count() <= 1
                }),
            },
            Property {
                id: "GIL-S2",
                statement: "only the GIL holder (locked, and last_holder is itself) executes \
                            bytecode",
                source: "Python/ceval_gil.h: take_gil sets locked and last_holder before \
                         Python/ceval.c's eval loop runs (CPython 3.2-3.11); 3.13: \
                         current_thread_holds_gil",
                premise: None,
                check: Check::Always(|m: &Handoff, s: &GilState| {
                    (0..m.gil.threads).all(|t| {
                        s.threads[t] != Pc::Eval || (s.locked && s.last_holder as usize == t)
                    })
                }),
            },
            Property {
                id: "GIL-S3",
                statement: "no deadlock: in every state that is not final some thread can move",
                source: "Python/ceval_gil.h: take_gil's timed wait on gil->cond, drop_gil's \
                         single switch_cond wait, mutex before switch_mutex (CPython 3.2-3.11; \
                         ceval_gil.c 3.12+)",
                premise: None,
                check: Check::DeadlockFree,
            },
            Property {
                id: "GIL-R1",
                statement: "the GIL passes from one thread to a different thread",
                source: "Python/ceval_gil.h: take_gil moves last_holder and bumps \
                         switch_number when the holder changes (CPython 3.2-3.11; \
                         Python/ceval_gil.c from 3.12)",
                premise: Some(Premise {
                    what: "a second thread runs",
                    holds: |m: &Handoff, _| m.gil.threads >= 2,
                }),
                check: Check::SometimesStep(|_, before: &GilState, _, after: &GilState| {
                    before.last_holder != NOBODY && after.last_holder != before.last_holder
                }),
            },
            Property {
                id: "GIL-R2",
                statement: "a holder notices a drop request at a poll point and drops the GIL",
                source: "Python/ceval.c: eval_frame_handle_pending drops and retakes the GIL \
                         on gil_drop_request (CPython 3.9-3.11; _Py_HandlePending in \
                         ceval_gil.c 3.12+)",
                premise: Some(Premise {
                    what: "a drop request is made",
                    holds: |m: &Handoff, s: &GilState| m.gil.any_request(s),
                }),
                check: Check::SometimesStep(|_, _, action, _| {
                    matches!(action, Action::Poll { request: true, .. })
                }),
            },
            Property {
                id: "GIL-L1",
                statement: "every thread executes bytecode infinitely often",
                source: "Python/ceval_gil.h: take_gil's interval timeout sets \
                         gil_drop_request, drop_gil's FORCE_SWITCHING (CPython 3.2-3.11); 2.7: \
                         Python/ceval.c check interval",
                premise: None,
                check: Check::LeadsTo {
                    from: |_, _, _| true,
                    to: |_, s: &GilState, t| s.threads[t] == Pc::Eval,
                    each_thread: true,
                    fairness: Fairness::StrongThread,
                },
            },
            Property {
                id: "GIL-L2",
                statement: "a waiter owed the GIL (a drop request pending and no switch since \
                            its wait began) eventually holds it: it is not bypassed forever",
                source: "Python/ceval_gil.h: drop_gil's COND_SIGNAL wakes any waiter and \
                         take_gil keeps no queue (Python/condvar.h: not FIFO) (CPython \
                         3.2-3.11; ceval_gil.c 3.12+)",
                premise: None,
                check: Check::LeadsTo {
                    from: |m: &Handoff, s: &GilState, t| m.gil.owed(s, t),
                    to: |_, s: &GilState, t| s.threads[t] == Pc::Eval,
                    each_thread: true,
                    fairness: Fairness::StrongThread,
                },
            },
            Property {
                id: "GIL-L3",
                statement: "a drop request is eventually honoured (reset by the next take_gil or \
                            by the hand-off)",
                source: "Python/ceval_gil.h: take_gil and drop_gil's FORCE_SWITCHING branch \
                         call RESET_GIL_DROP_REQUEST (Python/ceval.c) (CPython 3.2-3.11; \
                         ceval_gil.c 3.12+)",
                premise: None,
                check: Check::LeadsTo {
                    from: |m: &Handoff, s: &GilState, _| m.gil.any_request(s),
                    to: |m: &Handoff, s: &GilState, _| !m.gil.any_request(s),
                    each_thread: false,
                    fairness: Fairness::StrongThread,
                },
            },
            Property {
                id: "GIL-L4",
                statement: "a thread that calls take_gil (as one returning from I/O does, in \
                            PyEval_RestoreThread) eventually holds the GIL",
                source: "Python/ceval.c: PyEval_RestoreThread; Python/ceval_gil.h: take_gil, \
                         fast path on a free GIL, else timed waits (CPython 3.2-3.11; \
                         ceval_gil.c from 3.12)",
                premise: None,
                check: Check::LeadsTo {
                    from: |_, s: &GilState, t| s.threads[t] == Pc::Take,
                    to: |_, s: &GilState, t| s.threads[t] == Pc::Eval,
                    each_thread: true,
                    fairness: Fairness::StrongThread,
                },
            },
            Property {
                id: "GIL-B1",
                statement: "a waiter owed the GIL is bypassed (another thread takes the GIL) a \
                            bounded number of times before it holds the GIL",
                source: "Python/ceval_gil.h: take_gil restarts a full interval after every \
                         wake-up, drop_gil's hand-off ends for any new holder (CPython \
                         3.2-3.11; ceval_gil.c 3.12+)",
                premise: None,
                check: Check::Count {
                    from: |m: &Handoff, s: &GilState, t| m.gil.owed(s, t),
                    count: |_, _, action: &Action, _, t| match *action {
                        Action::TakeFree(u) => u as usize != t,
                        Action::Wake {
                            thread,
                            acquires: true,
                            ..
                        } => thread as usize != t,
                        _ => false,
                    },
                    to: |_, s: &GilState, t| s.threads[t] == Pc::Eval,
                    each_thread: true,
                    claim: CountClaim::Bounded,
                },
            },
            Property {
                id: "GIL-X1",
                statement: "the main thread's FORCE_SWITCHING wait in drop_gil ends, also at \
                            shutdown (gh-96387)",
                source: "Python/ceval_gil.h: take_gil exits on tstate_must_exit (3.9+), \
                         drop_gil waits on switch_cond; gh-96387: hangs in 3.9.2, fixed in \
                         3.11.2 with the reset after the unlock, an order Python/ceval_gil.c \
                         keeps in 3.12.5, 3.13.5, 3.13.15 and 3.14 (main of 2025-05)",
                premise: Some(Premise {
                    what: "the interpreter finalizes (a shutdown happens)",
                    holds: |_, s: &GilState| s.finalizing,
                }),
                check: Check::LeadsTo {
                    from: |_, s: &GilState, _| matches!(s.threads[0], Pc::SwitchWait { .. }),
                    to: |_, s: &GilState, _| !matches!(s.threads[0], Pc::SwitchWait { .. }),
                    each_thread: false,
                    fairness: Fairness::StrongThread,
                },
            },
        ]
    }

    fn explain(&self, id: &str, s: &GilState) -> Option<String> {
        let holders: Vec<String> = (0..self.gil.threads)
            .filter(|&t| holds_gil(s, t))
            .map(|t| format!("T{t}"))
            .collect();
        let all = if holders.len() == 2 { "both" } else { "all" };
        (id == "GIL-S1").then(|| format!("{} {all} hold the GIL", holders.join(" and ")))
    }

    fn is_final(&self, s: &GilState) -> bool {
        self.gil.is_final(s)
    }

    /// Threads are interchangeable: sort them by (program counter, is last holder) and rename
    /// `last_holder` accordingly. Equal keys are equal thread states, so the result is canonical.
    fn canonical(&self, s: &GilState) -> GilState {
        if self.gil.variant.finalizes() {
            // T0 is the main thread: threads are not interchangeable.
            return s.clone();
        }
        let n = self.gil.threads;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&t| (s.threads[t], s.last_holder as usize == t));
        let mut out = s.clone();
        for (new, &old) in order.iter().enumerate() {
            out.threads[new] = s.threads[old];
            if s.last_holder as usize == old {
                out.last_holder = new as u8;
            }
        }
        out
    }

    fn symmetric(&self) -> bool {
        // At shutdown T0 is the main thread (see `canonical`).
        !self.gil.variant.finalizes()
    }

    fn actor(&self, action: &Action) -> Option<usize> {
        Some(action.thread() as usize)
    }

    fn thread_count(&self) -> usize {
        self.gil.threads
    }

    fn assumptions(&self) -> Vec<String> {
        self.gil.assumptions()
    }

    fn format_action(&self, action: &Action) -> String {
        self.gil.format_action(action)
    }

    fn format_state(&self, s: &GilState) -> String {
        self.gil.format_state(s)
    }

    fn frame(&self, s: &GilState) -> Frame {
        self.gil.frame(s)
    }

    fn observable(&self, action: &Action) -> Action {
        self.gil.observable(action)
    }
}

impl Registered for Handoff {
    type Variant = GilVariant;

    fn build(variant: GilVariant, config: &Config) -> Handoff {
        Handoff::new(variant, config)
    }
}

/// What the verdicts of GIL-X1 mean for the real code (its page).
const NOTES: &[(&str, &str)] = &[(
    "GIL-X1",
    "## Finding: the gh-96387 fix leaves a window open, in every version read

The fix (3.11.2) makes a daemon thread that must exit in `take_gil` reset the drop request it
set, but only after it has unlocked `gil->mutex`. In between, the main thread, finalizing, can
poll that request, drop the GIL, read the request still set in `drop_gil`, find itself
`last_holder` and wait on `switch_cond`; the daemon then resets and exits (3.13.8+: hangs), and
no thread will ever take the GIL to end that wait. The traces below are the shortest, 11 steps
at 2 threads, on each version's variant:

| version | variant | unlock of `gil->mutex` | reset of the request |
| --- | --- | --- | --- |
| 3.11.2 | `gh-96387-3.11.2` | `Python/ceval_gil.h:259` | `:267` |
| 3.12.5 | `gh-96387-3.12.5` | `Python/ceval_gil.c:385` | `:393` |
| 3.13.5 (3.13.0-3.13.7) | `gh-96387-3.13.5` | `Python/ceval_gil.c:342` | `:350` (clears the bit of the holder it saw) |
| 3.13.15 (3.13.8+) | `gh-96387-3.13.15` | `Python/ceval_gil.c:348` | `:356`, then hangs |
| main, May 2025 (after 3.14 branched) | `gh-96387-3.13.15` | `Python/ceval_gil.c:343` | `:351`, then hangs |

The one-line change that closes it in the model: reset the request (3.13+: clear the holder's
bit) before `MUTEX_UNLOCK(gil->mutex)` instead of after; `gh-96387-reset-under-mutex` does that
and holds above. Whether a real interpreter reaches the window is a question for the real
machine: the model says only that the code's order allows it.",
)];

/// The registry entry of the hand-off model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Handoff>(
        "gil",
        "CPython's GIL hand-off, 2.7 and 3.9-3.14: take_gil, drop_gil, drop request, \
         FORCE_SWITCHING, thread exit and shutdown",
        MAX_THREADS,
        3,
    )
    .with_source("models/gil/handoff.rs")
    .with_settings(SETTINGS)
    .with_legend(LEGEND)
    .with_notes(NOTES)
    .with_twin_bench(super::handoff_twin::bench)
    .symmetric()
}
