//! The versions of the GIL the protocol mirrors, the fixes proposed, and the bad variants, with
//! what each changes.

use crate::variants;

variants! {
    /// The versions of the GIL: real code, fixes proposed, and bad variants.
    pub enum GilVariant {
        /// 3.11 as written.
        Cpython311 => ("cpython-3.11", Real,
            "take_gil/drop_gil as in CPython 3.11 with FORCE_SWITCHING"),
        /// `drop_gil` without the FORCE_SWITCHING hand-off.
        NoForceSwitch => ("no-force-switch", Real,
            "drop_gil returns without waiting on switch_cond"),
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
            "Python 2.7: release and re-take the lock every 100 ticks, no hand-off"),
        /// gh-96387 as in 3.9.2: at shutdown a daemon waiter that set the drop request exits and
        /// leaves it set; the main thread then waits in `drop_gil`'s hand-off for nobody.
        Shutdown392 => ("gh-96387-3.9.2", Real,
            "shutdown as in 3.9.2: an exiting daemon waiter leaves its drop request set"),
        /// The gh-96387 fix as written in 3.11.2: the exiting waiter unlocks `gil->mutex`, then
        /// resets the request if it set one, then exits.
        Shutdown3112 => ("gh-96387-3.11.2", Real,
            "shutdown as in 3.11.2: unlock gil->mutex, then reset own drop request, exit"),
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
                | GilVariant::ShutdownResetUnderMutex
        )
    }

    /// Whether `take_gil` remembers that it set the drop request (the gh-96387 fix).
    pub(super) fn tracks_request(self) -> bool {
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
}

