//! The versions of the GIL the protocol mirrors, the fixes proposed, and the bad variants, with
//! what each changes. Sources read: 3.9.2 and 3.11.2 `Python/ceval_gil.h`; 3.12.5, 3.13.5 and
//! 3.13.15 `Python/ceval_gil.c`, `Python/pystate.c`; main of 2025-05 (after 3.14 branched,
//! python/cpython@adeee1bd) for 3.14.

use super::state::After;
use crate::variants;

variants! {
    /// The versions of the GIL: real code, fixes proposed, and bad variants.
    pub enum GilVariant {
        /// 3.11 as written (the hand-off is the same from 3.2 on).
        Cpython311 => ("cpython-3.11", Real,
            "take_gil/drop_gil as in CPython 3.2-3.11 with FORCE_SWITCHING", ["3.9", "3.11"]),
        /// 3.12 (`Python/ceval_gil.c`): as 3.11, but a finishing thread releases the GIL with no
        /// thread state (`_PyThreadState_DeleteCurrent` → `_PyEval_ReleaseLock(interp, NULL)`,
        /// gh-104341), so its `drop_gil` skips the FORCE_SWITCHING hand-off.
        Cpython312 => ("cpython-3.12", Real,
            "3.12: a finishing thread's drop_gil has no tstate and skips FORCE_SWITCHING",
            ["3.12"]),
        /// 3.13 and 3.14: the drop request is bit 0 of the holder's own `eval_breaker`, set on
        /// `gil->last_holder` and cleared by each new holder; every exit is a final release.
        Cpython313 => ("cpython-3.13", Real,
            "3.13-3.14: the drop request is a bit of the holder's eval_breaker", ["3.13", "3.14"]),
        /// `drop_gil` without the FORCE_SWITCHING hand-off. No CPython since 3.2 runs it: every
        /// version defines FORCE_SWITCHING unconditionally (`pycore_gil.h`).
        NoForceSwitch => ("no-force-switch", Ablation,
            "hypothetical: drop_gil returns without waiting on switch_cond"),
        /// Bad: `take_gil` does not exclude (takes the GIL even when it is locked).
        NoGil => ("no-gil", Bad, "bad: take_gil takes the GIL even when it is locked"),
        /// Bad: the holder never reaches a poll point (a C call that never returns to the loop).
        NoPoll => ("no-poll", Bad, "bad: the holder never reaches an eval-breaker poll point"),
        /// Bad: `drop_gil` keeps `gil->mutex` across the hand-off wait (breaks the lock order).
        HandoffUnderMutex => ("handoff-under-mutex", Bad,
            "bad: drop_gil holds gil->mutex while waiting on switch_cond"),
        /// Python 2.7's GIL: a lock (mutex, condition, `locked` flag, as `thread_pthread.h` without
        /// semaphores) that the holder releases and re-takes every check interval; no timed wait,
        /// no drop request, no hand-off.
        Legacy27 => ("legacy-2.7", Real,
            "Python 2.7: release and re-take the lock every 100 ticks, no hand-off", ["2.7"]),
        /// gh-96387 as in 3.9.2: at shutdown a daemon waiter that set the drop request exits and
        /// leaves it set; the main thread then waits in `drop_gil`'s hand-off for nobody.
        Shutdown392 => ("gh-96387-3.9.2", Real,
            "shutdown as in 3.9.2: an exiting daemon waiter leaves its drop request set", ["3.9"]),
        /// The gh-96387 fix as written in 3.11.2: the exiting waiter unlocks `gil->mutex`, then
        /// resets the request if it set one, then exits.
        Shutdown3112 => ("gh-96387-3.11.2", Real,
            "shutdown as in 3.11.2: unlock gil->mutex, then reset own drop request, exit",
            ["3.11"]),
        /// Shutdown as in 3.12.5 (`ceval_gil.c: take_gil`): the same order as 3.11.2 (unlock,
        /// then reset); a daemon that took the GIL still drops it with its tstate (hand-off).
        Shutdown3125 => ("gh-96387-3.12.5", Real,
            "shutdown as in 3.12.5: unlock gil->mutex, then reset own drop request, exit",
            ["3.12"]),
        /// Shutdown as in 3.13.0-3.13.7 (read in 3.13.5): the exiting waiter unlocks, then clears
        /// the drop bit of the holder it saw (`holder_tstate`), then exits; a daemon that took
        /// the GIL drops it as a final release (`drop_gil(interp, NULL, 1)`, no hand-off).
        Shutdown3135 => ("gh-96387-3.13.5", Real,
            "shutdown as in 3.13.0-3.13.7: unlock, then clear the holder's drop bit, exit",
            ["3.13"]),
        /// Shutdown as in 3.13.8 and later and in 3.14 (read in 3.13.15 and main): as 3.13.5, but
        /// a daemon thread hangs for ever (`PyThread_hang_thread`; 3.14
        /// `_PyThreadState_HangThread`, gh-87135) where it exited.
        Shutdown31315 => ("gh-96387-3.13.15", Real,
            "shutdown as in 3.13.8+ and 3.14: as 3.13.5, but daemon threads hang, not exit",
            ["3.13", "3.14"]),
        /// The fix with the reset done before unlocking `gil->mutex` (not CPython's order).
        ShutdownResetUnderMutex => ("gh-96387-reset-under-mutex", ProposedFix,
            "not CPython: the exiting waiter resets its request before unlocking"),
    }
}

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
                | GilVariant::Shutdown3125
                | GilVariant::Shutdown3135
                | GilVariant::Shutdown31315
                | GilVariant::ShutdownResetUnderMutex
        )
    }

    /// Whether `take_gil` remembers that it set the drop request (the gh-96387 fix, 3.11.2+).
    pub(super) fn tracks_request(self) -> bool {
        self.finalizes() && self != GilVariant::Shutdown392
    }

    /// Whether the drop request is a bit of each thread's `eval_breaker` (3.13+) rather than
    /// one flag of the interpreter.
    pub fn per_thread_request(self) -> bool {
        matches!(
            self,
            GilVariant::Cpython313 | GilVariant::Shutdown3135 | GilVariant::Shutdown31315
        )
    }

    /// How a thread that finishes runs `drop_gil`: with its tstate (3.2-3.11, FORCE_SWITCHING
    /// applies) or as a final release (3.12+: no tstate, no hand-off).
    pub fn thread_exit(self) -> After {
        match self {
            GilVariant::Cpython311
            | GilVariant::NoForceSwitch
            | GilVariant::NoGil
            | GilVariant::NoPoll
            | GilVariant::HandoffUnderMutex
            | GilVariant::Legacy27
            | GilVariant::Shutdown392
            | GilVariant::Shutdown3112
            | GilVariant::ShutdownResetUnderMutex => After::Exit,
            _ => After::Final,
        }
    }

    /// How a daemon thread that took the GIL during finalization drops it: with its tstate
    /// (3.8-3.12), as a final release (3.13.0-3.13.7), or as a final release and then a hang
    /// (3.13.8+, 3.14).
    pub fn shutdown_exit(self) -> After {
        match self {
            GilVariant::Shutdown3135 => After::Final,
            GilVariant::Shutdown31315 => After::Hang,
            _ => After::Exit,
        }
    }

    /// Whether a daemon thread that must exit in `take_gil` hangs instead (3.13.8+, 3.14).
    pub fn hangs(self) -> bool {
        self == GilVariant::Shutdown31315
    }

    /// Whether the executable twin implements the variant.
    pub fn has_twin(self) -> bool {
        matches!(
            self,
            GilVariant::Cpython311
                | GilVariant::NoForceSwitch
                | GilVariant::NoGil
                | GilVariant::NoPoll
                | GilVariant::HandoffUnderMutex
        )
    }

    /// Whether `drop_gil` has the FORCE_SWITCHING hand-off.
    pub fn forces_switch(self) -> bool {
        !matches!(self, GilVariant::NoForceSwitch | GilVariant::Legacy27)
    }
}
