//! CPython's "new GIL" (3.2 and later), as written in 3.11's `Python/ceval_gil.h`
//! (`take_gil`, `drop_gil`) and polled by `_PyEval_EvalFrameDefault`'s eval-breaker check in
//! `Python/ceval.c` (`eval_frame_handle_pending`). Threads are CPU-bound: each loops running
//! bytecode, reaching poll points, and dropping the GIL when asked.
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

use crate::model::{Check, Config, CountClaim, Fairness, Model, Premise, Property, Variant, VariantKind};
use crate::pack::{BitReader, BitWriter, Pack};
use crate::registry::{ops, ModelEntry, Registered};
use crate::timeline::{Activity, Fact, Frame};

/// Largest number of threads a state can hold.
pub const MAX_THREADS: usize = 8;
/// `last_holder` before any thread took the GIL (NULL in `create_gil`).
pub const NOBODY: u8 = u8::MAX;

/// Where a thread is in the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pc {
    /// About to call `take_gil` (lock `gil->mutex`).
    Take,
    /// In `take_gil`'s `COND_TIMED_WAIT` on `gil->cond`. `notified`: a `COND_SIGNAL` chose this
    /// waiter; `switched`: `switch_number` changed since the wait began; `requested`: this
    /// `take_gil` call set the drop request (3.11.2's `drop_requested`; tracked only by the
    /// gh-96387 fix variants).
    Wait {
        /// A signal chose this waiter.
        notified: bool,
        /// `switch_number` changed since the wait began.
        switched: bool,
        /// This call set the drop request (gh-96387 fix variants only).
        requested: bool,
    },
    /// 3.11.2 `take_gil` exiting at shutdown: `gil->mutex` released, about to reset the drop
    /// request it set.
    ExitReset,
    /// `take_gil` took the GIL and still holds `gil->mutex`, about to clear the drop request.
    Acquired,
    /// Holds the GIL and runs bytecode between poll points.
    Eval,
    /// About to run `drop_gil`'s release (lock `mutex`, `locked = 0`, signal `cond`).
    Release {
        /// Where the thread goes when `drop_gil` returns.
        after: After,
    },
    /// `drop_gil`, FORCE_SWITCHING: about to read the drop request (relaxed, no lock).
    HandoffRead {
        /// Where the thread goes when `drop_gil` returns.
        after: After,
    },
    /// `drop_gil`, FORCE_SWITCHING: about to lock `switch_mutex` and test `last_holder`.
    HandoffLock {
        /// Where the thread goes when `drop_gil` returns.
        after: After,
    },
    /// `drop_gil`, FORCE_SWITCHING: the single `COND_WAIT` on `switch_cond`.
    SwitchWait {
        /// `take_gil` signalled `switch_cond` since the wait began.
        notified: bool,
        /// Where the thread goes when `drop_gil` returns.
        after: After,
    },
    /// Between `PyEval_SaveThread` and `PyEval_RestoreThread`: running without the GIL
    /// (blocking I/O, C code). The model composed with the GIL decides when it comes back.
    Detached,
    /// The thread has finished (finite configurations only).
    Done,
}

/// Why a thread runs `drop_gil`, which decides where it goes when `drop_gil` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum After {
    /// The eval breaker honoured a drop request: take the GIL again.
    Retake,
    /// `PyEval_SaveThread`: run without the GIL (`Pc::Detached`).
    Detach,
    /// The thread ends.
    Exit,
}

impl Pc {
    /// What the timeline shows of a thread here.
    pub fn activity(self) -> Activity {
        match self {
            Pc::Take => Activity::Takes,
            Pc::Wait { .. } => Activity::Waits,
            Pc::Acquired | Pc::Eval => Activity::Holds,
            Pc::Release { .. }
            | Pc::HandoffRead { .. }
            | Pc::HandoffLock { .. }
            | Pc::SwitchWait { .. } => Activity::Drops,
            Pc::Detached => Activity::Detached,
            Pc::ExitReset | Pc::Done => Activity::Done,
        }
    }

    /// The pc in `PC_BITS` bits, distinct for distinct pcs: the kind in the low four bits,
    /// its flags and `After` above them.
    #[inline]
    fn code(self) -> u8 {
        let flag = |b: bool, bit: u8| (b as u8) << bit;
        let after = |a: After| (a as u8) << 4;
        match self {
            Pc::Take => 0,
            Pc::Wait {
                notified,
                switched,
                requested,
            } => 1 | flag(notified, 4) | flag(switched, 5) | flag(requested, 6),
            Pc::ExitReset => 2,
            Pc::Acquired => 3,
            Pc::Eval => 4,
            Pc::Release { after: a } => 5 | after(a),
            Pc::HandoffRead { after: a } => 6 | after(a),
            Pc::HandoffLock { after: a } => 7 | after(a),
            Pc::SwitchWait { notified, after: a } => 8 | after(a) | flag(notified, 6),
            Pc::Detached => 9,
            Pc::Done => 10,
        }
    }

    /// The pc whose `code` is `code`.
    #[inline]
    fn from_code(code: u8) -> Pc {
        let flag = |bit: u8| code >> bit & 1 == 1;
        let after = || match code >> 4 & 3 {
            0 => After::Retake,
            1 => After::Detach,
            2 => After::Exit,
            _ => unreachable!("no After has code {code:#x}"),
        };
        match code & 15 {
            0 => Pc::Take,
            1 => Pc::Wait {
                notified: flag(4),
                switched: flag(5),
                requested: flag(6),
            },
            2 => Pc::ExitReset,
            3 => Pc::Acquired,
            4 => Pc::Eval,
            5 => Pc::Release { after: after() },
            6 => Pc::HandoffRead { after: after() },
            7 => Pc::HandoffLock { after: after() },
            8 => Pc::SwitchWait {
                notified: flag(6),
                after: after(),
            },
            9 => Pc::Detached,
            10 => Pc::Done,
            _ => unreachable!("no pc has code {code:#x}"),
        }
    }

    /// Where a thread inside `drop_gil` goes when it returns (`Retake` outside `drop_gil`).
    fn after(self) -> After {
        match self {
            Pc::Release { after }
            | Pc::HandoffRead { after }
            | Pc::HandoffLock { after }
            | Pc::SwitchWait { after, .. } => after,
            _ => After::Retake,
        }
    }
}

/// A state of the GIL and its threads.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GilState {
    /// `gil->locked`.
    pub locked: bool,
    /// `gil_drop_request` (3.11: `interp->ceval.gil_drop_request`, mirrored in `eval_breaker`).
    pub drop_request: bool,
    /// `gil->last_holder` as a thread index, or `NOBODY`.
    pub last_holder: u8,
    /// Program counter of each thread; slots past the configured count stay `Done`.
    pub threads: [Pc; MAX_THREADS],
    /// `Py_FinalizeEx` has started: daemon threads must exit (`tstate_must_exit`). Only the
    /// gh-96387 variants finalize.
    pub finalizing: bool,
}

/// Bits of a pc's code.
const PC_BITS: u32 = 7;
/// Bits of `last_holder` (a thread index, or all ones for `NOBODY`).
const HOLDER_BITS: u32 = 4;
/// `last_holder`'s field when it is `NOBODY`.
const NOBODY_FIELD: u64 = (1 << HOLDER_BITS) - 1;

impl GilState {
    /// Appends the state's 63 bits: each thread's pc, the three flags, `last_holder`.
    pub fn write_bits<const N: usize>(&self, out: &mut BitWriter<N>) {
        for pc in self.threads {
            out.put(pc.code() as u64, PC_BITS);
        }
        for flag in [self.locked, self.drop_request, self.finalizing] {
            out.put(flag as u64, 1);
        }
        let holder = match self.last_holder {
            NOBODY => NOBODY_FIELD,
            thread => thread as u64,
        };
        out.put(holder, HOLDER_BITS);
    }

    /// Reads back a state `write_bits` wrote.
    pub fn read_bits(input: &mut BitReader) -> GilState {
        let mut threads = [Pc::Done; MAX_THREADS];
        for pc in &mut threads {
            *pc = Pc::from_code(input.take(PC_BITS) as u8);
        }
        let mut flag = || input.take(1) == 1;
        let (locked, drop_request, finalizing) = (flag(), flag(), flag());
        let last_holder = match input.take(HOLDER_BITS) {
            NOBODY_FIELD => NOBODY,
            thread => thread as u8,
        };
        GilState {
            locked,
            drop_request,
            last_holder,
            threads,
            finalizing,
        }
    }
}

/// Packed into one word.
const _: () = assert!(MAX_THREADS as u32 * PC_BITS + 3 + HOLDER_BITS <= 64);
impl Pack for GilState {
    type Packed = u64;
    fn pack(&self) -> u64 {
        let mut out = BitWriter::<1>::default();
        self.write_bits(&mut out);
        out.finish()[0]
    }
    fn unpack(packed: &u64) -> GilState {
        GilState::read_bits(&mut BitReader::new(std::slice::from_ref(packed)))
    }
}

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

/// The variants of the GIL model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GilVariant {
    /// 3.11 as written.
    Cpython311,
    /// `drop_gil` without the FORCE_SWITCHING hand-off.
    NoForceSwitch,
    /// Bad: `take_gil` does not exclude (takes the GIL even when it is locked).
    NoGil,
    /// Bad: the holder never reaches a poll point (a C call that never returns to the loop).
    NoPoll,
    /// Bad: `drop_gil` keeps `gil->mutex` across the hand-off wait (breaks the lock order).
    HandoffUnderMutex,
    /// Python 2.7's GIL: a lock (mutex, condition, `locked` flag, as `thread_pthread.h` without
    /// semaphores) that the holder releases and re-takes every check interval; no timed wait,
    /// no drop request, no hand-off.
    Legacy27,
    /// gh-96387 as in 3.9.2: at shutdown a daemon waiter that set the drop request exits and
    /// leaves it set; the main thread then waits in `drop_gil`'s hand-off for nobody.
    Shutdown392,
    /// The gh-96387 fix as written in 3.11.2: the exiting waiter unlocks `gil->mutex`, then
    /// resets the request if it set one, then exits.
    Shutdown3112,
    /// The fix with the reset done before unlocking `gil->mutex` (not CPython's order).
    ShutdownResetUnderMutex,
}

/// Registered variants, default first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "cpython-3.11",
        summary: "take_gil/drop_gil as in CPython 3.11 with FORCE_SWITCHING",
        kind: VariantKind::Real,
    },
    Variant {
        name: "no-force-switch",
        summary: "drop_gil returns without waiting on switch_cond",
        kind: VariantKind::Real,
    },
    Variant {
        name: "no-gil",
        summary: "bad: take_gil takes the GIL even when it is locked",
        kind: VariantKind::Bad,
    },
    Variant {
        name: "no-poll",
        summary: "bad: the holder never reaches an eval-breaker poll point",
        kind: VariantKind::Bad,
    },
    Variant {
        name: "handoff-under-mutex",
        summary: "bad: drop_gil holds gil->mutex while waiting on switch_cond",
        kind: VariantKind::Bad,
    },
    Variant {
        name: "legacy-2.7",
        summary: "Python 2.7: release and re-take the lock every 100 ticks, no hand-off",
        kind: VariantKind::Real,
    },
    Variant {
        name: "gh-96387-3.9.2",
        summary: "shutdown as in 3.9.2: an exiting daemon waiter leaves its drop request set",
        kind: VariantKind::Real,
    },
    Variant {
        name: "gh-96387-3.11.2",
        summary: "shutdown as in 3.11.2: unlock gil->mutex, then reset own drop request, exit",
        kind: VariantKind::Real,
    },
    Variant {
        name: "gh-96387-reset-under-mutex",
        summary: "not CPython: the exiting waiter resets its request before unlocking",
        kind: VariantKind::ProposedFix,
    },
];

impl GilVariant {
    /// Whether it is the new GIL (3.2+): timed waits, drop requests, `take_gil`'s reset.
    pub fn is_new_gil(self) -> bool {
        self != GilVariant::Legacy27
    }

    /// Whether the runtime finalizes (T0 is the main thread, the others daemon threads).
    pub fn finalizes(self) -> bool {
        matches!(
            self,
            GilVariant::Shutdown392
                | GilVariant::Shutdown3112
                | GilVariant::ShutdownResetUnderMutex
        )
    }

    /// Whether `take_gil` remembers that it set the drop request (the gh-96387 fix).
    fn tracks_request(self) -> bool {
        matches!(
            self,
            GilVariant::Shutdown3112 | GilVariant::ShutdownResetUnderMutex
        )
    }

    /// Whether the executable twin implements the variant.
    pub fn has_twin(self) -> bool {
        !self.finalizes() && self != GilVariant::Legacy27
    }

    /// Whether `drop_gil` has the FORCE_SWITCHING hand-off.
    pub fn forces_switch(self) -> bool {
        !matches!(self, GilVariant::NoForceSwitch | GilVariant::Legacy27)
    }

    /// The variant registered under `name`.
    pub fn from_name(name: &str) -> Option<GilVariant> {
        Some(match name {
            "cpython-3.11" => GilVariant::Cpython311,
            "no-force-switch" => GilVariant::NoForceSwitch,
            "no-gil" => GilVariant::NoGil,
            "no-poll" => GilVariant::NoPoll,
            "handoff-under-mutex" => GilVariant::HandoffUnderMutex,
            "legacy-2.7" => GilVariant::Legacy27,
            "gh-96387-3.9.2" => GilVariant::Shutdown392,
            "gh-96387-3.11.2" => GilVariant::Shutdown3112,
            "gh-96387-reset-under-mutex" => GilVariant::ShutdownResetUnderMutex,
            _ => return None,
        })
    }
}

/// The GIL model for one variant and configuration.
#[derive(Clone, Debug)]
pub struct Gil {
    /// Which code the model mirrors.
    pub variant: GilVariant,
    /// Threads, finiteness, spurious wake-ups.
    pub config: Config,
}

impl Gil {
    /// A model of `variant` with `config` (at most `MAX_THREADS` threads).
    pub fn new(variant: GilVariant, config: Config) -> Gil {
        assert!((1..=MAX_THREADS).contains(&config.threads));
        Gil { variant, config }
    }

    fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.config.threads as u8
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
            After::Exit => Pc::Done,
        }
    }

    /// Appends the enabled GIL-protocol steps of thread `t`: everything but running Python
    /// code, which the model using the GIL decides for a thread in `Pc::Eval`.
    pub fn protocol_actions(&self, s: &GilState, t: u8, out: &mut Vec<Action>) {
        let mutex_free = !self.mutex_held(s);
        let spurious = self.config.spurious_wakeups;
        match s.threads[t as usize] {
            // Check A: on entry, before locking the mutex.
            Pc::Take if self.must_exit(s, t) => out.push(Action::ShutdownExit {
                thread: t,
                reset: false,
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
                        out.push(Action::ShutdownExit {
                            thread: t,
                            reset: requested && self.variant == GilVariant::ShutdownResetUnderMutex,
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
            }),
            Pc::Acquired => out.push(Action::ClearRequest(t)),
            Pc::ExitReset => out.push(Action::ResetAndExit(t)),
            Pc::Release { .. } if mutex_free => {
                let before = out.len();
                for w in self.threads() {
                    if let Pc::Wait {
                        notified: false, ..
                    } = s.threads[w as usize]
                    {
                        out.push(Action::Release {
                            thread: t,
                            woken: Woken::Thread(w),
                        });
                    }
                }
                if out.len() == before {
                    out.push(Action::Release {
                        thread: t,
                        woken: Woken::Nobody,
                    });
                }
            }
            Pc::HandoffRead { .. } => out.push(Action::HandoffRead {
                thread: t,
                request: s.drop_request,
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
                    s.drop_request = true;
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
                s.drop_request = false;
                s.threads[t as usize] = Pc::Eval;
            }
            Action::Poll { thread, request } => {
                if request {
                    self.release(s, thread, After::Retake);
                }
            }
            Action::Bytecode(_) => {}
            Action::Tick(t) => self.release(s, t, After::Retake),
            Action::Exit(t) => self.release(s, t, After::Exit),
            Action::Release { thread, woken } => {
                s.locked = false;
                if let Woken::Thread(w) = woken {
                    if let Pc::Wait { notified, .. } = &mut s.threads[w as usize] {
                        *notified = true;
                    }
                }
                let after = s.threads[thread as usize].after();
                s.threads[thread as usize] = if !self.variant.forces_switch() {
                    Gil::after_drop(after)
                } else {
                    Pc::HandoffRead { after }
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
                    s.drop_request = false;
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
            Action::ShutdownExit { thread, reset } => {
                let t = thread as usize;
                s.threads[t] = match s.threads[t] {
                    // Check C: unlock the mutex, drop_gil (with the hand-off), exit.
                    Pc::Acquired => Pc::Release { after: After::Exit },
                    Pc::Wait {
                        requested: true, ..
                    } if self.variant == GilVariant::Shutdown3112 => Pc::ExitReset,
                    _ => Pc::Done,
                };
                if reset {
                    s.drop_request = false;
                }
            }
            Action::ResetAndExit(t) => {
                s.drop_request = false;
                s.threads[t as usize] = Pc::Done;
            }
            Action::RequestAtOnce(_) => s.drop_request = true,
        }
    }

    /// The priority request of `t` (`Action::RequestAtOnce`), if it is enabled: `t` waits in
    /// `take_gil`, the GIL is held and no drop request is pending. The caller decides that `t`
    /// is back from a blocking call.
    pub fn request_at_once(&self, s: &GilState, t: u8) -> Option<Action> {
        let waits = matches!(s.threads[t as usize], Pc::Wait { .. });
        (waits && s.locked && !s.drop_request).then_some(Action::RequestAtOnce(t))
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
                request: s.drop_request,
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
}

/// Whether waiter `t` is owed the GIL: a drop request is pending and no switch happened since
/// its wait began (it, or a waiter like it, asked the holder to drop).
pub fn owed_gil(s: &GilState, t: usize) -> bool {
    s.drop_request
        && matches!(
            s.threads[t],
            Pc::Wait {
                switched: false,
                ..
            }
        )
}

/// Whether thread `t` holds the GIL: between returning from `take_gil` (it is `Acquired` once
/// `locked` is set) and `drop_gil` setting `locked = 0`.
pub fn holds_gil(s: &GilState, t: usize) -> bool {
    matches!(s.threads[t], Pc::Acquired | Pc::Eval | Pc::Release { .. })
}

impl Model for Gil {
    type State = GilState;
    type Action = Action;

    fn init_states(&self) -> Vec<GilState> {
        let mut threads = [Pc::Done; MAX_THREADS];
        for pc in threads.iter_mut().take(self.config.threads) {
            *pc = Pc::Take;
        }
        vec![GilState {
            locked: false,
            drop_request: false,
            last_holder: NOBODY,
            threads,
            finalizing: false,
        }]
    }

    fn actions(&self, s: &GilState, out: &mut Vec<Action>) {
        for t in self.threads() {
            if s.threads[t as usize] == Pc::Eval {
                out.push(self.poll(s, t));
                if self.config.finite {
                    out.push(Action::Exit(t));
                }
                if t == 0 && self.variant.finalizes() && !s.finalizing {
                    out.push(Action::Finalize);
                }
            } else {
                self.protocol_actions(s, t, out);
            }
        }
    }

    fn next_state(&self, s: &GilState, action: &Action) -> GilState {
        let mut s = s.clone();
        self.apply(&mut s, action);
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
                    (0..m.config.threads).filter(|&t| holds_gil(s, t)).count() <= 1
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
                check: Check::Always(|m: &Gil, s: &GilState| {
                    (0..m.config.threads).all(|t| {
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
                    holds: |m: &Gil, _| m.config.threads >= 2,
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
                    holds: |_, s: &GilState| s.drop_request,
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
                    from: |_, s: &GilState, t| owed_gil(s, t),
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
                    from: |_, s: &GilState, _| s.drop_request,
                    to: |_, s: &GilState, _| !s.drop_request,
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
                    from: |_, s: &GilState, t| owed_gil(s, t),
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
                         3.11 (2022-09, in 3.11.2)",
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

    fn is_final(&self, s: &GilState) -> bool {
        s.threads.iter().all(|pc| *pc == Pc::Done)
    }

    /// Threads are interchangeable: sort them by (program counter, is last holder) and rename
    /// `last_holder` accordingly. Equal keys are equal thread states, so the result is canonical.
    fn canonical(&self, s: &GilState) -> GilState {
        if self.variant.finalizes() {
            // T0 is the main thread: threads are not interchangeable.
            return s.clone();
        }
        let n = self.config.threads;
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

    fn actor(&self, action: &Action) -> Option<usize> {
        Some(action.thread() as usize)
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn assumptions(&self) -> Vec<String> {
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
        out.push(if self.config.spurious_wakeups {
            "condition waits may wake spuriously".into()
        } else {
            "condition waits wake only when signalled or timed out".into()
        });
        out
    }

    fn format_action(&self, action: &Action) -> String {
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
                if requests { ", sets drop request" } else { "" },
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
            Action::Exit(_) => "thread exits -> final drop_gil".into(),
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
            Action::ShutdownExit { .. } => "take_gil: runtime finalizing -> exit thread".into(),
            Action::ResetAndExit(_) => {
                "take_gil: mutex unlocked -> reset own drop request, exit thread".into()
            }
            Action::RequestAtOnce(_) => {
                "take_gil: back from I/O, sets gil_drop_request at once (priority request)".into()
            }
        }
    }

    fn format_state(&self, s: &GilState) -> String {
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
            "locked={} last_holder={} drop_request={}{} | {}",
            s.locked as u8,
            holder,
            s.drop_request as u8,
            if s.finalizing { " finalizing" } else { "" },
            threads.join(" ")
        )
    }

    fn frame(&self, s: &GilState) -> Frame {
        Frame {
            threads: self
                .threads()
                .map(|t| s.threads[t as usize].activity())
                .collect(),
            facts: vec![
                Fact::flag("drop request", s.drop_request),
                Fact::flag("finalizing", s.finalizing),
            ],
        }
    }

    fn observable(&self, action: &Action) -> Action {
        match *action {
            Action::Release { thread, .. } => Action::Release {
                thread,
                woken: Woken::Hidden,
            },
            other => other,
        }
    }
}

fn pc_name(pc: Pc) -> String {
    let exit = |after: After| match after {
        After::Retake => "",
        After::Detach => "+detach",
        After::Exit => "+exit",
    };
    match pc {
        Pc::Take => "take".into(),
        Pc::ExitReset => "exit-reset".into(),
        Pc::Wait {
            notified, switched, ..
        } => format!(
            "wait{}{}",
            if notified { "(signalled)" } else { "" },
            if switched { "(switched)" } else { "" }
        ),
        Pc::Acquired => "acquired".into(),
        Pc::Eval => "eval".into(),
        Pc::Release { after } => format!("release{}", exit(after)),
        Pc::HandoffRead { after } => format!("handoff-read{}", exit(after)),
        Pc::HandoffLock { after } => format!("handoff-lock{}", exit(after)),
        Pc::Detached => "detached".into(),
        Pc::SwitchWait { notified, after } => format!(
            "switch-wait{}{}",
            if notified { "(signalled)" } else { "" },
            exit(after)
        ),
        Pc::Done => "done".into(),
    }
}

impl Registered for Gil {
    const VARIANTS: &'static [Variant] = VARIANTS;

    fn build(variant: &str, config: &Config) -> Gil {
        let variant = GilVariant::from_name(variant).expect("the registry checked the name");
        Gil::new(variant, config.clone())
    }
}

/// The registry entry of the GIL model.
pub fn entry() -> ModelEntry {
    ModelEntry {
        name: "gil",
        summary: "CPython 3.11 GIL hand-off: take_gil, drop_gil, drop request, FORCE_SWITCHING",
        variants: VARIANTS,
        threads: 1..=MAX_THREADS,
        default_threads: 3,
        objects: 0..=0,
        default_objects: 0,
        symmetric: true,
        ops: ops::<Gil>(),
    }
}
