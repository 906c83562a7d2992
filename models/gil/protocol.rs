//! The GIL protocol: CPython's "new GIL" (3.2 and later) as written in 3.11's
//! `Python/ceval_gil.h` (`take_gil`, `drop_gil`) and polled by `_PyEval_EvalFrameDefault`'s
//! eval-breaker check in `Python/ceval.c` (`eval_frame_handle_pending`), with the other versions
//! and the bad variants (`GilVariant`). This is the component other models compose: `compose`
//! offers each thread's protocol steps and lets the model decide what a thread that holds the
//! GIL (or runs without it) does; `poll`, `release` and `restore` are the eval breaker,
//! `PyEval_SaveThread` and `PyEval_RestoreThread`; `apply` performs a step.
//!
//! Abstractions, each exact for what the protocol observes:
//! - `switch_number` is only ever compared with the value a waiter saved when its wait began,
//!   so each waiter keeps one bit, "a switch happened since I saved it".
//! - A critical section of `gil->mutex` or `gil->switch_mutex` is one step, except where a
//!   lock-free reader can observe a store inside it: `take_gil` clears the drop request in a
//!   step of its own, with `gil->mutex` still held (state `Acquired`).
//! - `drop_gil`'s relaxed `last_holder = tstate` before taking the mutex is left out: without
//!   `PyThreadState_Swap` the holder's tstate already is `last_holder`.
//! - The interval is not a number: a timed wait may time out at any point (and under a fair
//!   scheduler eventually does). Which waiter a signal wakes is a free choice (not FIFO).

use super::state::{pc_name, After, GilState, Pc, MAX_THREADS, NOBODY};
use super::versions::GilVariant;
use crate::config::{Config, Setting};
use crate::timeline::{Fact, Frame};

/// Threads may finish (the executable twins' threads do) instead of looping forever.
pub const FINITE: Setting = Setting::flag(
    "finite",
    "threads may finish (as in the executable twins) instead of looping forever",
);

/// Condition-variable waits may return without a signal, as POSIX allows.
pub const SPURIOUS_WAKEUPS: Setting = Setting::relaxation(
    "spurious-wakeups",
    "condition-variable waits may return without a signal (POSIX allows it)",
);

/// The GIL's settings, for the models built on it.
pub const SETTINGS: &[Setting] = &[FINITE, SPURIOUS_WAKEUPS];

/// Who a `COND_SIGNAL` on `gil->cond` wakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Woken {
    /// Not observable by the executable twin (the OS chose).
    Hidden,
    /// Nobody was waiting.
    Nobody,
    /// This waiter.
    Thread(u8),
}

/// One atomic step of one thread. Fields after the thread are what the thread observed; an
/// action is enabled only when they match the state, so traces and twin logs say what was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `take_gil`: lock `mutex`, GIL free: lock `switch_mutex`, `locked = 1`, update
    /// `last_holder` and `switch_number`, signal `switch_cond`, unlock `switch_mutex`.
    TakeFree(u8),
    /// `take_gil`: lock `mutex`, GIL held: save `switch_number`, start the timed wait.
    TakeBlock(u8),
    /// `take_gil`: `COND_TIMED_WAIT` returns (re-locking `mutex`); on a timeout with the GIL still
    /// held and no switch, set the drop request; then wait again or take the free GIL.
    Wake {
        /// The waiter.
        thread: u8,
        /// The interval's timeout ended the wait (else a signal or a spurious wake).
        timed_out: bool,
        /// It sets the drop request (timed out, GIL held, no switch).
        requests: bool,
        /// The GIL is free: it takes it.
        acquires: bool,
    },
    /// `take_gil`'s tail: `RESET_GIL_DROP_REQUEST`, unlock `mutex`.
    ClearRequest(u8),
    /// `_PyEval_EvalFrameDefault`: `CHECK_EVAL_BREAKER` at a poll point; with a drop request,
    /// `eval_frame_handle_pending` calls `drop_gil`.
    Poll {
        /// The holder.
        thread: u8,
        /// It saw a drop request.
        request: bool,
    },
    /// Running bytecode that never reaches a poll point (variant `no-poll`).
    Bytecode(u8),
    /// 2.7 `PyEval_EvalFrameEx`, every `_Py_CheckInterval` ticks: release `interpreter_lock`
    /// and at once try to take it again (variant `legacy-2.7`).
    Tick(u8),
    /// The thread ends: `PyThreadState_DeleteCurrent` → `_PyEval_ReleaseLock` → `drop_gil`
    /// with the thread state (3.11 passes it, so FORCE_SWITCHING applies).
    Exit(u8),
    /// `drop_gil`: lock `mutex`, `locked = 0`, `COND_SIGNAL(cond)`, unlock.
    Release {
        /// The holder.
        thread: u8,
        /// The waiter the signal wakes.
        woken: Woken,
    },
    /// `drop_gil`: FORCE_SWITCHING reads `gil_drop_request` (relaxed, no lock).
    HandoffRead {
        /// The dropping thread.
        thread: u8,
        /// It saw a drop request.
        request: bool,
    },
    /// `drop_gil`: lock `switch_mutex`; if `last_holder` is still me, reset the request and
    /// `COND_WAIT(switch_cond)`; else unlock.
    HandoffLock {
        /// The dropping thread.
        thread: u8,
        /// `last_holder` is still itself: it waits on `switch_cond`.
        waits: bool,
    },
    /// `drop_gil`: the `switch_cond` wait returns (signalled by `take_gil`, or spuriously).
    SwitchWake(u8),
    /// The main thread (T0), holding the GIL, starts `Py_FinalizeEx` (gh-96387 variants).
    Finalize,
    /// A daemon thread exits in `take_gil` because the runtime is finalizing: before locking
    /// the mutex, after a timed-out wait (`reset`: the 3.11.2-under-mutex variant resets the
    /// request it set first), or after acquiring (through `drop_gil`).
    ShutdownExit {
        /// The daemon thread.
        thread: u8,
        /// It resets the drop request it set before unlocking (reset-under-mutex variant).
        reset: bool,
        /// It set the drop request and unlocks the mutex first; the reset comes in a step of
        /// its own (`ResetAndExit`, 3.11.2+).
        resets_after: bool,
    },
    /// 3.11.2: the exiting daemon thread, `gil->mutex` already released, resets the drop
    /// request it set, then exits.
    ResetAndExit(u8),
    /// Not in CPython: the priority request of the convoy fixes discussed on bpo-7946 (2010,
    /// never merged). A thread back from a blocking call, waiting in `take_gil` while the GIL
    /// is held, sets the drop request at once instead of after a full interval. Only models
    /// that know which waiter is back from I/O offer it (`Gil::request_at_once`).
    RequestAtOnce(u8),
}

impl Action {
    /// Whether the step is a waiter's interval expiring with no switch: it sets the drop
    /// request (one full switch interval has passed).
    pub fn requests_drop(&self) -> bool {
        matches!(
            self,
            Action::Wake {
                timed_out: true,
                requests: true,
                ..
            }
        )
    }

    /// The thread that takes the step.
    pub fn thread(&self) -> u8 {
        match *self {
            Action::TakeFree(t)
            | Action::TakeBlock(t)
            | Action::ClearRequest(t)
            | Action::Bytecode(t)
            | Action::Tick(t)
            | Action::Exit(t)
            | Action::SwitchWake(t)
            | Action::ResetAndExit(t)
            | Action::RequestAtOnce(t)
            | Action::ShutdownExit { thread: t, .. }
            | Action::Wake { thread: t, .. }
            | Action::Poll { thread: t, .. }
            | Action::Release { thread: t, .. }
            | Action::HandoffRead { thread: t, .. }
            | Action::HandoffLock { thread: t, .. } => t,
            Action::Finalize => 0,
        }
    }
}

/// The GIL of one version for a number of threads: the component models compose.
#[derive(Clone, Debug)]
pub struct Gil {
    /// Which code it mirrors.
    pub variant: GilVariant,
    /// Threads that use it.
    pub threads: usize,
    /// Threads may finish (`FINITE`).
    pub finite: bool,
    /// Condition waits may return without a signal (`SPURIOUS_WAKEUPS`).
    pub spurious: bool,
    /// Interpreters sharing the GIL, 1 or 2; thread `t` runs in interpreter `t % interpreters`.
    pub interpreters: usize,
}

impl Gil {
    /// The GIL of `variant` for `config.threads` threads (at most `MAX_THREADS`), with the
    /// settings `FINITE` and `SPURIOUS_WAKEUPS` as `config` has them.
    pub fn new(variant: GilVariant, config: &Config) -> Gil {
        assert!((1..=MAX_THREADS).contains(&config.threads));
        Gil {
            variant,
            threads: config.threads,
            finite: FINITE.is_on(config),
            spurious: SPURIOUS_WAKEUPS.is_on(config),
            interpreters: 1,
        }
    }

    /// Whether thread `t` sees the second interpreter's drop request: two interpreters share
    /// the GIL and the request is one flag per interpreter (3.9-3.12), so each thread sets,
    /// polls and resets its own interpreter's (`tstate->interp->ceval`).
    fn in_sub(&self, t: u8) -> bool {
        self.interpreters > 1 && t % 2 == 1 && !self.variant.per_thread_request()
    }

    /// The drop request thread `t` reads.
    pub fn request(&self, s: &GilState, t: u8) -> bool {
        if self.in_sub(t) {
            s.sub_request
        } else {
            s.drop_request
        }
    }

    /// Sets or resets the drop request thread `t` writes.
    fn set_request(&self, s: &mut GilState, t: u8, on: bool) {
        if self.in_sub(t) {
            s.sub_request = on;
        } else {
            s.drop_request = on;
        }
    }

    /// `_Py_unset_eval_breaker_bit(tstate, _PY_GIL_DROP_REQUEST_BIT)` by thread `t` on itself:
    /// before 3.13 the one request; from 3.13 its own bit, which is `drop_request` while it is
    /// `last_holder` (and was cleared when another thread became `last_holder`).
    pub fn unset_own_request(&self, s: &mut GilState, t: u8) {
        if !self.variant.per_thread_request() || s.last_holder == t {
            self.set_request(s, t, false);
        }
    }

    /// Whom a `COND_SIGNAL(gil->cond)` may wake now: any waiter not chosen yet, or nobody.
    pub fn signal_choices(&self, s: &GilState) -> Vec<Woken> {
        let waiters: Vec<Woken> = self
            .threads()
            .filter(|&w| {
                matches!(
                    s.threads[w as usize],
                    Pc::Wait {
                        notified: false,
                        ..
                    }
                )
            })
            .map(Woken::Thread)
            .collect();
        if waiters.is_empty() {
            vec![Woken::Nobody]
        } else {
            waiters
        }
    }

    /// The effect of a `COND_SIGNAL(gil->cond)` that woke `woken`.
    pub fn signal(s: &mut GilState, woken: Woken) {
        if let Woken::Thread(w) = woken {
            if let Pc::Wait { notified, .. } = &mut s.threads[w as usize] {
                *notified = true;
            }
        }
    }

    /// Whether some drop request is pending (of either interpreter).
    pub fn any_request(&self, s: &GilState) -> bool {
        s.drop_request || s.sub_request
    }

    /// Whether waiter `t` is owed the GIL: its drop request is pending and no switch happened
    /// since its wait began (it, or a waiter like it, asked the holder to drop).
    pub fn owed(&self, s: &GilState, t: usize) -> bool {
        self.request(s, t as u8)
            && matches!(
                s.threads[t],
                Pc::Wait {
                    switched: false,
                    ..
                }
            )
    }

    /// The threads, by index.
    pub fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.threads as u8
    }

    /// Whether some thread holds `gil->mutex` across steps.
    pub fn mutex_held(&self, s: &GilState) -> bool {
        s.threads.iter().any(|pc| match pc {
            Pc::Acquired => true,
            Pc::HandoffRead { .. } | Pc::HandoffLock { .. } | Pc::SwitchWait { .. } => {
                self.variant == GilVariant::HandoffUnderMutex
            }
            _ => false,
        })
    }

    /// `take_gil` from `_ready` on: the caller holds `mutex`; take `switch_mutex`, set `locked`,
    /// move `last_holder` (counting a switch), signal `switch_cond`.
    fn acquire(&self, s: &mut GilState, t: u8) {
        s.locked = true;
        if s.last_holder != t {
            if self.variant.per_thread_request() {
                self.hand_on_request(s);
            }
            s.last_holder = t;
            for pc in s.threads.iter_mut() {
                if let Pc::Wait { switched, .. } = pc {
                    *switched = true;
                }
            }
        }
        for pc in s.threads.iter_mut() {
            if let Pc::SwitchWait { notified, .. } = pc {
                *notified = true;
            }
        }
        // 2.7 has no drop request to reset: the thread runs at once.
        s.threads[t as usize] = if self.variant.is_new_gil() {
            Pc::Acquired
        } else {
            Pc::Eval
        };
    }

    /// Where a thread goes when `drop_gil` returns.
    fn after_drop(after: After) -> Pc {
        match after {
            After::Retake => Pc::Take,
            After::Detach => Pc::Detached,
            After::Exit | After::Final => Pc::Done,
            After::Hang => Pc::Hung,
        }
    }

    /// 3.13+: `last_holder` is about to change. `drop_request` stands for the bit of
    /// `last_holder` only, so the old holder's bit moves into its pc if it has yet to read it
    /// (`HandoffRead`); anywhere else the bit is never read again before its owner clears it
    /// on its next `take_gil`. The new holder's bit reads as clear: it clears it itself before
    /// anything reads it, holding `gil->mutex` the while.
    fn hand_on_request(&self, s: &mut GilState) {
        if let Some(Pc::HandoffRead { request, .. }) = s.threads.get_mut(s.last_holder as usize) {
            *request = s.drop_request;
        }
        s.drop_request = false;
    }

    /// Where a daemon thread goes when it leaves `take_gil` at shutdown: it exits, or 3.13.8+
    /// hangs.
    fn shutdown_end(&self) -> Pc {
        if self.variant.hangs() {
            Pc::Hung
        } else {
            Pc::Done
        }
    }

    /// Appends the enabled GIL-protocol steps of thread `t`: everything but running Python
    /// code, which the model using the GIL decides for a thread in `Pc::Eval`.
    pub fn protocol_actions(&self, s: &GilState, t: u8, out: &mut Vec<Action>) {
        let mutex_free = !self.mutex_held(s);
        let spurious = self.spurious;
        match s.threads[t as usize] {
            // Check A: on entry, before locking the mutex.
            Pc::Take if self.must_exit(s, t) => out.push(Action::ShutdownExit {
                thread: t,
                reset: false,
                resets_after: false,
            }),
            Pc::Take if mutex_free => {
                if !s.locked || self.variant == GilVariant::NoGil {
                    out.push(Action::TakeFree(t));
                } else {
                    out.push(Action::TakeBlock(t));
                }
            }
            Pc::Wait {
                notified,
                switched,
                requested,
            } if mutex_free => {
                for timed_out in [true, false] {
                    if timed_out && self.must_exit(s, t) && s.locked && !switched {
                        // Check B: on a timeout that would request a drop, exit instead.
                        let under_mutex = self.variant == GilVariant::ShutdownResetUnderMutex;
                        out.push(Action::ShutdownExit {
                            thread: t,
                            reset: requested && under_mutex,
                            resets_after: requested && !under_mutex,
                        });
                        continue;
                    }
                    let wakes = if timed_out {
                        self.variant.is_new_gil()
                    } else {
                        notified || spurious
                    };
                    if wakes {
                        out.push(Action::Wake {
                            thread: t,
                            timed_out,
                            requests: timed_out && s.locked && !switched,
                            acquires: !s.locked,
                        });
                    }
                }
            }
            Pc::Acquired if self.must_exit(s, t) => out.push(Action::ShutdownExit {
                thread: t,
                reset: false,
                resets_after: false,
            }),
            Pc::Acquired => out.push(Action::ClearRequest(t)),
            Pc::ExitReset { .. } => out.push(Action::ResetAndExit(t)),
            Pc::Release { .. } if mutex_free => out.extend(
                self.signal_choices(s)
                    .into_iter()
                    .map(|woken| Action::Release { thread: t, woken }),
            ),
            Pc::HandoffRead { request: own, .. } => out.push(Action::HandoffRead {
                thread: t,
                // 3.13+ reads its own bit, which is `drop_request` while it is `last_holder`.
                request: if self.variant.per_thread_request() && s.last_holder != t {
                    own
                } else {
                    self.request(s, t)
                },
            }),
            Pc::HandoffLock { .. } => out.push(Action::HandoffLock {
                thread: t,
                waits: s.last_holder == t,
            }),
            Pc::SwitchWait { notified, .. } if notified || spurious => {
                out.push(Action::SwitchWake(t))
            }
            _ => {}
        }
    }

    /// Applies `action`, which must be enabled, to `s`.
    pub fn apply(&self, s: &mut GilState, action: &Action) {
        match *action {
            Action::TakeFree(t) => self.acquire(s, t),
            Action::TakeBlock(t) => {
                s.threads[t as usize] = Pc::Wait {
                    notified: false,
                    switched: false,
                    requested: false,
                }
            }
            Action::Wake {
                thread,
                requests,
                acquires,
                ..
            } => {
                if requests {
                    self.set_request(s, thread, true);
                }
                if acquires {
                    self.acquire(s, thread);
                } else {
                    let Pc::Wait { requested, .. } = s.threads[thread as usize] else {
                        unreachable!("a waking thread waits")
                    };
                    s.threads[thread as usize] = Pc::Wait {
                        notified: false,
                        switched: false,
                        requested: requested || (requests && self.variant.tracks_request()),
                    };
                }
            }
            Action::ClearRequest(t) => {
                self.set_request(s, t, false);
                s.threads[t as usize] = Pc::Eval;
            }
            Action::Poll { thread, request } => {
                if request {
                    self.release(s, thread, After::Retake);
                }
            }
            Action::Bytecode(_) => {}
            Action::Tick(t) => self.release(s, t, After::Retake),
            Action::Exit(t) => self.release(s, t, self.variant.thread_exit()),
            Action::Release { thread, woken } => {
                s.locked = false;
                Gil::signal(s, woken);
                let after = s.threads[thread as usize].after();
                let final_release = matches!(after, After::Final | After::Hang);
                s.threads[thread as usize] = if final_release || !self.variant.forces_switch() {
                    Gil::after_drop(after)
                } else {
                    Pc::HandoffRead {
                        after,
                        request: false,
                    }
                };
            }
            Action::HandoffRead { thread, request } => {
                let after = s.threads[thread as usize].after();
                s.threads[thread as usize] = if request {
                    Pc::HandoffLock { after }
                } else {
                    Gil::after_drop(after)
                };
            }
            Action::HandoffLock { thread, waits } => {
                let after = s.threads[thread as usize].after();
                s.threads[thread as usize] = if waits {
                    self.set_request(s, thread, false);
                    Pc::SwitchWait {
                        notified: false,
                        after,
                    }
                } else {
                    Gil::after_drop(after)
                };
            }
            Action::SwitchWake(t) => {
                let after = s.threads[t as usize].after();
                s.threads[t as usize] = Gil::after_drop(after);
            }
            Action::Finalize => s.finalizing = true,
            Action::ShutdownExit {
                thread,
                reset,
                resets_after,
            } => {
                let t = thread as usize;
                s.threads[t] = match s.threads[t] {
                    // Check C: unlock the mutex, drop_gil (with the hand-off until 3.12), exit.
                    Pc::Acquired => Pc::Release {
                        after: self.variant.shutdown_exit(),
                    },
                    // 3.11.2+: unlock the mutex, then reset the request (3.13+: the bit of the
                    // holder seen under the mutex).
                    Pc::Wait { .. } if resets_after => Pc::ExitReset {
                        holder: if self.variant.per_thread_request() {
                            s.last_holder
                        } else {
                            0
                        },
                    },
                    _ => self.shutdown_end(),
                };
                if reset {
                    self.set_request(s, thread, false);
                }
            }
            Action::ResetAndExit(t) => {
                match s.threads[t as usize] {
                    Pc::ExitReset { holder }
                        if self.variant.per_thread_request() && holder != s.last_holder =>
                    {
                        if let Pc::HandoffRead { request, .. } = &mut s.threads[holder as usize] {
                            *request = false;
                        }
                    }
                    _ => self.set_request(s, t, false),
                }
                s.threads[t as usize] = self.shutdown_end();
            }
            Action::RequestAtOnce(t) => self.set_request(s, t, true),
        }
    }

    /// The priority request of `t` (`Action::RequestAtOnce`), if it is enabled: `t` waits in
    /// `take_gil`, the GIL is held and no drop request is pending. The caller decides that `t`
    /// is back from a blocking call.
    pub fn request_at_once(&self, s: &GilState, t: u8) -> Option<Action> {
        let waits = matches!(s.threads[t as usize], Pc::Wait { .. });
        (waits && s.locked && !self.request(s, t)).then_some(Action::RequestAtOnce(t))
    }

    /// `tstate_must_exit`: a daemon thread during finalization.
    fn must_exit(&self, s: &GilState, t: u8) -> bool {
        s.finalizing && t != 0
    }

    /// The steps of a model built on the GIL: each thread's GIL-protocol steps (wrapped by
    /// `wrap`), and for a thread that runs code holding the GIL (`Eval`) or without it
    /// (`Detached`), the steps `own` appends.
    pub fn compose<A>(
        &self,
        s: &GilState,
        out: &mut Vec<A>,
        wrap: impl Fn(Action) -> A,
        mut own: impl FnMut(u8, &mut Vec<A>),
    ) {
        let mut protocol = Vec::new();
        for t in self.threads() {
            match s.threads[t as usize] {
                Pc::Eval | Pc::Detached => own(t, out),
                _ => {
                    self.protocol_actions(s, t, &mut protocol);
                    out.extend(protocol.drain(..).map(&wrap));
                }
            }
        }
    }

    /// The step of a thread in `Pc::Eval` at an eval-breaker poll point (`Bytecode` in the
    /// `no-poll` variant).
    pub fn poll(&self, s: &GilState, t: u8) -> Action {
        if self.variant == GilVariant::NoPoll {
            Action::Bytecode(t)
        } else if self.variant == GilVariant::Legacy27 {
            Action::Tick(t)
        } else {
            Action::Poll {
                thread: t,
                request: self.request(s, t),
            }
        }
    }

    /// Thread `t`, holding the GIL, calls `drop_gil` (it goes to `after` when that returns):
    /// `PyEval_SaveThread` passes `After::Detach`.
    pub fn release(&self, s: &mut GilState, t: u8, after: After) {
        debug_assert_eq!(s.threads[t as usize], Pc::Eval);
        s.threads[t as usize] = Pc::Release { after };
    }

    /// `PyEval_RestoreThread`: a detached thread calls `take_gil`.
    pub fn restore(&self, s: &mut GilState, t: u8) {
        debug_assert_eq!(s.threads[t as usize], Pc::Detached);
        s.threads[t as usize] = Pc::Take;
    }

    /// The state before any thread ran: every thread about to call `take_gil`.
    pub fn initial(&self) -> GilState {
        let mut threads = [Pc::Done; MAX_THREADS];
        for pc in threads.iter_mut().take(self.threads) {
            *pc = Pc::Take;
        }
        GilState {
            locked: false,
            drop_request: false,
            sub_request: false,
            last_holder: NOBODY,
            threads,
            finalizing: false,
        }
    }

    /// Whether every thread has finished.
    pub fn is_final(&self, s: &GilState) -> bool {
        s.threads.iter().all(|pc| matches!(pc, Pc::Done | Pc::Hung))
    }

    /// The environment assumptions liveness verdicts on the GIL rest on.
    pub fn assumptions(&self) -> Vec<String> {
        let mut out = vec![
            "each critical section of gil->mutex or switch_mutex is one atomic step".to_string(),
            "a signal wakes an arbitrary waiter (not FIFO)".to_string(),
        ];
        if self.variant.is_new_gil() {
            out.push(
                "the interval's timed wait may time out at any point (it is offered whenever \
                 the waiter can run; fairness decides whether it is taken)"
                    .into(),
            );
        }
        out.push(if self.spurious {
            "condition waits may wake spuriously".into()
        } else {
            "condition waits wake only when signalled or timed out".into()
        });
        out
    }

    /// The label of `action` (its name in traces).
    pub fn format_action(&self, action: &Action) -> String {
        let end = if self.variant.hangs() {
            "hang thread"
        } else {
            "exit thread"
        };
        match *action {
            Action::TakeFree(_) => "take_gil: fast path -> acquire".into(),
            Action::TakeBlock(_) => "take_gil: GIL held -> timed wait on cond".into(),
            Action::Wake {
                timed_out,
                requests,
                acquires,
                ..
            } => format!(
                "take_gil: cond wait returns ({}){}; {}",
                if timed_out { "timed out" } else { "signalled" },
                match (requests, self.variant.per_thread_request()) {
                    (false, _) => "",
                    (true, false) => ", sets drop request",
                    (true, true) => ", sets last_holder's drop bit",
                },
                if acquires {
                    "GIL free -> acquire"
                } else {
                    "GIL held -> wait again"
                }
            ),
            Action::ClearRequest(_) => "take_gil: clear drop request, unlock mutex".into(),
            Action::Poll { request: true, .. } => {
                "eval loop: poll point sees drop request -> drop_gil".into()
            }
            Action::Poll { request: false, .. } => "eval loop: poll point, no request".into(),
            Action::Bytecode(_) => "eval loop: bytecode, no poll point".into(),
            Action::Tick(_) => "eval loop: check interval -> release the lock, re-take it".into(),
            Action::Exit(_) if self.variant.thread_exit() == After::Exit => {
                "thread exits -> drop_gil with its tstate".into()
            }
            Action::Exit(_) => "thread exits -> final drop_gil (no tstate, no hand-off)".into(),
            Action::Release { woken, .. } => format!(
                "drop_gil: locked=0, signal cond{}",
                match woken {
                    Woken::Hidden => String::new(),
                    Woken::Nobody => " (no waiter)".into(),
                    Woken::Thread(w) => format!(" (wakes T{w})"),
                }
            ),
            Action::HandoffRead { request: true, .. } => {
                "drop_gil: drop request pending -> hand-off".into()
            }
            Action::HandoffRead { request: false, .. } => {
                "drop_gil: no drop request -> return".into()
            }
            Action::HandoffLock { waits: true, .. } => {
                "drop_gil: last_holder is me -> clear request, wait on switch_cond".into()
            }
            Action::HandoffLock { waits: false, .. } => {
                "drop_gil: GIL already switched -> return".into()
            }
            Action::SwitchWake(_) => "drop_gil: switch_cond wait returns".into(),
            Action::Finalize => "Py_FinalizeEx: the runtime starts finalizing".into(),
            Action::ShutdownExit { reset: true, .. } => {
                "take_gil: must exit -> reset own drop request, unlock mutex, exit thread".into()
            }
            Action::ShutdownExit {
                resets_after: true,
                ..
            } => "take_gil: runtime finalizing -> unlock mutex (its reset comes next)".into(),
            Action::ShutdownExit { .. } => format!("take_gil: runtime finalizing -> {end}"),
            Action::ResetAndExit(_) if self.variant.per_thread_request() => {
                format!("take_gil: mutex unlocked -> clear the drop bit of the holder seen, {end}")
            }
            Action::ResetAndExit(_) => {
                format!("take_gil: mutex unlocked -> reset own drop request, {end}")
            }
            Action::RequestAtOnce(_) => {
                "take_gil: back from I/O, sets gil_drop_request at once (priority request)".into()
            }
        }
    }

    /// The GIL's fields and each thread's place, in one line.
    pub fn format_state(&self, s: &GilState) -> String {
        let holder = if s.last_holder == NOBODY {
            "-".to_string()
        } else {
            format!("T{}", s.last_holder)
        };
        let threads: Vec<String> = self
            .threads()
            .map(|t| format!("T{t}:{}", pc_name(s.threads[t as usize])))
            .collect();
        format!(
            "locked={} last_holder={} drop_request={}{}{} | {}",
            s.locked as u8,
            holder,
            s.drop_request as u8,
            if self.interpreters > 1 && !self.variant.per_thread_request() {
                format!(" sub_request={}", s.sub_request as u8)
            } else {
                String::new()
            },
            if s.finalizing { " finalizing" } else { "" },
            threads.join(" ")
        )
    }

    /// What the timeline shows of `s`: each thread's activity and the drop request.
    pub fn frame(&self, s: &GilState) -> Frame {
        Frame {
            threads: self
                .threads()
                .map(|t| s.threads[t as usize].activity().name.to_string())
                .collect(),
            facts: vec![
                Fact::flag("drop request", self.any_request(s)),
                Fact::flag("finalizing", s.finalizing),
            ],
        }
    }

    /// What an executable twin can observe of `action`: which waiter a signal wakes is hidden.
    pub fn observable(&self, action: &Action) -> Action {
        match *action {
            Action::Release { thread, .. } => Action::Release {
                thread,
                woken: Woken::Hidden,
            },
            other => other,
        }
    }
}

/// Whether thread `t` holds the GIL: between returning from `take_gil` (it is `Acquired` once
/// `locked` is set) and `drop_gil` setting `locked = 0`.
pub fn holds_gil(s: &GilState, t: usize) -> bool {
    matches!(s.threads[t], Pc::Acquired | Pc::Eval | Pc::Release { .. })
}

