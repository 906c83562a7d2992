//! `threading.Lock` and `threading.RLock`: `Modules/_threadmodule.c`'s `lock_PyThread_acquire`
//! (`acquire_timed` in 3.10 to 3.13.0, `_PyMutex_LockTimed` from 3.13.1), `lock_PyThread_release`,
//! `rlock_acquire` and `rlock_release`. A blocking acquire drops the GIL and blocks; when the
//! lock is freed, whichever blocked thread runs first takes it (the OS decides: not FIFO;
//! 3.13.1's PyMutex hands the lock to a waiter only after it has waited 1 ms, which a model
//! without time cannot express).

use super::action::Step;
use super::decl::{LockId, LockKind, Threading};
use super::state::{At, PyState, NOBODY};
use super::variants::ThreadingVariant;

impl Threading {
    /// Whether thread `t` can take `lock` now (it is free, or the `lock-ignores-holder`
    /// variant ignores its holder).
    pub(crate) fn can_take(&self, s: &PyState, lock: LockId) -> bool {
        s.holder(lock).is_none()
            || (self.variant == ThreadingVariant::LockIgnoresHolder
                && self.kind(lock) == LockKind::Lock)
    }

    /// The first step of `lock.acquire()` by `t`: the owner of an `RLock` counts one level
    /// more (`rlock_acquire`), a free lock is taken, a held one blocks.
    pub(crate) fn acquire_step<O>(&self, s: &PyState, t: u8, lock: LockId, timed: bool) -> Step<O> {
        let reentrant = self.kind(lock) == LockKind::RLock
            && self.variant != ThreadingVariant::RlockNotReentrant;
        if reentrant && s.holds(t, lock) {
            Step::Reenter {
                lock,
                count: s.count[lock.0 as usize] + 1,
            }
        } else if self.can_take(s, lock) {
            Step::Take { lock }
        } else {
            Step::Block {
                lock,
                holder: s.holder[lock.0 as usize],
                timed,
            }
        }
    }

    /// The steps of `t`, blocked in `lock.acquire()`: take the lock once it is free; with a
    /// timeout, give up while it is still held.
    pub(crate) fn blocked_steps<O>(
        &self,
        s: &PyState,
        _t: u8,
        lock: LockId,
        timed: bool,
        push: &mut impl FnMut(Step<O>),
    ) {
        if self.can_take(s, lock) {
            push(Step::Take { lock });
        } else if timed {
            push(Step::GiveUp { lock });
        }
    }

    /// `lock.release()` by `t` (`returns`: what the `Event`/`Semaphore` method whose
    /// `with self._cond:` ends here returns). A `Lock` may be released by any thread while it
    /// is locked; an `RLock` only by its owner (`rlock_release`), which counts one level down.
    pub(crate) fn release_step<O>(
        &self,
        s: &PyState,
        t: u8,
        lock: LockId,
        returns: Option<bool>,
    ) -> Step<O> {
        let held = match self.kind(lock) {
            LockKind::Lock => s.holder(lock).is_some(),
            LockKind::RLock => s.holds(t, lock),
        };
        if !held {
            return Step::ReleaseUnheld { lock };
        }
        let left = match self.kind(lock) {
            LockKind::RLock if self.variant != ThreadingVariant::RlockReleaseFrees => {
                s.count[lock.0 as usize] - 1
            }
            _ => 0,
        };
        Step::Release {
            lock,
            left,
            returns,
        }
    }

    /// Applies a lock step of thread `t`.
    pub(crate) fn apply_lock<O>(&self, s: &mut PyState, t: u8, step: &Step<O>) {
        match *step {
            Step::Take { lock } => {
                s.holder[lock.0 as usize] = t;
                s.count[lock.0 as usize] = 1;
                self.acquired(s, t, true);
            }
            Step::Reenter { lock, count } => {
                s.count[lock.0 as usize] = count;
                self.acquired(s, t, true);
            }
            Step::Block { lock, timed, .. } => {
                s.places[t as usize].at = At::Blocked { lock, timed };
            }
            Step::GiveUp { .. } => self.acquired(s, t, false),
            Step::Release {
                lock,
                left,
                returns,
            } => {
                s.count[lock.0 as usize] = left;
                if left == 0 {
                    s.holder[lock.0 as usize] = NOBODY;
                }
                self.returns(s, t, returns.unwrap_or(true));
            }
            Step::ReleaseUnheld { .. } => {
                s.raised |= 1 << t;
                self.returns(s, t, true);
            }
            _ => unreachable!("not a lock step"),
        }
    }
}
