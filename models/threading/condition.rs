//! `threading.Condition` (`Lib/threading.py`, the same in 3.10.13 to 3.13): `wait` allocates a
//! lock of its own (the waiter lock), acquires it, appends it to `_waiters`, releases the
//! condition's lock with `_release_save`, blocks acquiring the waiter lock a second time (with
//! the timeout, if any), takes the condition's lock back with `_acquire_restore`, and after a
//! timeout removes its waiter lock from `_waiters` (a `ValueError` is ignored: a notify may have
//! removed it). `notify(n)` releases and removes waiter locks from the front of `_waiters` until
//! `n` are released (3.11+ skips a waiter lock already released, gh-92530; no step here can
//! leave one in the deque, so that never happens). `notify_all` is `notify(len(_waiters))`.
//!
//! A waiter lock is a plain lock, so a waiter whose timed wait expired stays in `_waiters`,
//! locked, until it has the condition's lock back and removes it: a notify in between releases
//! it and counts it as woken. That wake-up is spent on a waiter that returns `False`, and a
//! waiter behind it that a notify could have woken stays asleep.

use super::action::Step;
use super::decl::{CondId, LockKind, Threading};
use super::state::{At, PyState, WaitStep, NOBODY};
use super::variants::ThreadingVariant;

impl Threading {
    /// The steps of `t` inside `cond.wait()`.
    pub(crate) fn wait_steps<O>(
        &self,
        s: &PyState,
        t: u8,
        cond: CondId,
        timed: bool,
        step: WaitStep,
        push: &mut impl FnMut(Step<O>),
    ) {
        let released = s.released & (1 << t) != 0;
        match step {
            WaitStep::Appended => push(Step::ReleaseSave { cond }),
            WaitStep::Asleep if released => push(Step::Notified { cond }),
            WaitStep::Asleep if timed => push(Step::TimedOut { cond }),
            WaitStep::Asleep => {}
            WaitStep::Restore { gotit } if self.can_restore(s, t, cond) => {
                push(Step::Restore { cond, gotit })
            }
            WaitStep::Restore { .. } => {}
            WaitStep::Remove => push(Step::Remove {
                cond,
                spent: !s.queued(cond).any(|w| w == t),
            }),
        }
    }

    /// Whether `t` can take `cond`'s lock back: it is free, or (`release-save-once` only) `t`
    /// still owns the `RLock` and re-enters it.
    fn can_restore(&self, s: &PyState, t: u8, cond: CondId) -> bool {
        let lock = self.lock_of(cond);
        self.can_take(s, lock) || (self.kind(lock) == LockKind::RLock && s.holds(t, lock))
    }

    /// The waiters `notify(n)` (`None`: `notify_all()`) releases, as (woken, spent) bitsets.
    pub(crate) fn notify_choice(&self, s: &PyState, cond: CondId, n: Option<u8>) -> (u8, u8) {
        let limit = match n {
            None if self.variant == ThreadingVariant::NotifyAllWakesOne => 1,
            None => u8::MAX,
            Some(n) => n,
        };
        let (mut woken, mut spent, mut count) = (0u8, 0u8, 0u8);
        for w in s.queued(cond) {
            if count == limit {
                break;
            }
            let expired = matches!(
                s.places[w as usize].at,
                At::Cond {
                    step: WaitStep::Restore { gotit: false } | WaitStep::Remove,
                    ..
                }
            );
            if expired && self.variant == ThreadingVariant::NotifySkipsExpired {
                continue;
            }
            woken |= 1 << w;
            if expired {
                spent |= 1 << w;
            }
            count += 1;
        }
        (woken, spent)
    }

    /// The step of `cond.notify(n)` (`None`: `notify_all()`).
    pub(crate) fn notify_step<O>(&self, s: &PyState, cond: CondId, n: Option<u8>) -> Step<O> {
        let (woken, spent) = self.notify_choice(s, cond, n);
        Step::Notify {
            cond,
            n,
            woken,
            spent,
        }
    }

    /// Releases and removes the waiter locks of the threads in `woken`.
    pub(crate) fn wake(&self, s: &mut PyState, cond: CondId, woken: u8) {
        for w in 0..8u8 {
            if woken & (1 << w) != 0 {
                s.remove_waiter(cond, w);
                s.released |= 1 << w;
            }
        }
    }

    /// Applies a condition step of thread `t`.
    pub(crate) fn apply_condition<O>(&self, s: &mut PyState, t: u8, step: &Step<O>) {
        let place = &mut s.places[t as usize];
        match *step {
            Step::Append { cond, timed } => {
                place.at = At::Cond {
                    cond,
                    timed,
                    step: WaitStep::Appended,
                    saved: 0,
                };
                s.released &= !(1 << t);
                s.push_waiter(cond, t);
            }
            Step::ReleaseSave { cond } => {
                let lock = self.lock_of(cond).0 as usize;
                let saved = if self.kind(self.lock_of(cond)) == LockKind::RLock
                    && self.variant == ThreadingVariant::ReleaseSaveOnce
                {
                    // The base Condition._release_save: one release() of the RLock.
                    s.count[lock] -= 1;
                    1
                } else {
                    std::mem::take(&mut s.count[lock])
                };
                if s.count[lock] == 0 {
                    s.holder[lock] = NOBODY;
                }
                set_step(&mut s.places[t as usize].at, WaitStep::Asleep, Some(saved));
            }
            Step::Notified { .. } => {
                set_step(&mut place.at, WaitStep::Restore { gotit: true }, None)
            }
            Step::TimedOut { .. } => {
                set_step(&mut place.at, WaitStep::Restore { gotit: false }, None)
            }
            Step::Restore { cond, gotit } => {
                let At::Cond { saved, .. } = place.at else {
                    unreachable!("restoring outside a wait")
                };
                let lock = self.lock_of(cond).0 as usize;
                if s.holder[lock] == t {
                    s.count[lock] += saved;
                } else {
                    s.holder[lock] = t;
                    s.count[lock] = saved;
                }
                if gotit {
                    self.waited(s, t, true);
                } else {
                    set_step(&mut s.places[t as usize].at, WaitStep::Remove, None);
                }
            }
            Step::Remove { cond, .. } => {
                s.remove_waiter(cond, t);
                self.waited(s, t, false);
            }
            Step::Notify { cond, woken, .. } => {
                self.wake(s, cond, woken);
                self.returns(s, t, true);
            }
            _ => unreachable!("not a condition step"),
        }
    }
}

/// Moves a thread inside `cond.wait()` to `next` (and records `saved`, if given).
fn set_step(at: &mut At, next: WaitStep, saved_now: Option<u8>) {
    if let At::Cond { step, saved, .. } = at {
        *step = next;
        if let Some(value) = saved_now {
            *saved = value;
        }
    }
}
