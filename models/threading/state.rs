//! The primitives' state: each lock's holder and recursion count, each condition's waiter deque
//! (`Condition._waiters`) and whether each waiter's own lock was released, each event's flag,
//! each semaphore's value, and each thread's place inside a primitive's protocol.

use super::decl::{CondId, LockId};

/// Most threads.
pub const MAX_THREADS: usize = 6;
/// Most locks (an event or a semaphore takes one for its `_cond`).
pub const MAX_LOCKS: usize = 6;
/// Most conditions (an event or a semaphore takes one).
pub const MAX_CONDS: usize = 6;
/// Most events.
pub const MAX_EVENTS: usize = 2;
/// Most semaphores.
pub const MAX_SEMS: usize = 2;
/// No thread (a free lock's holder, an empty slot of a deque).
pub const NOBODY: u8 = u8::MAX;

/// What an `Event` call is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvOp {
    /// `Event.set`.
    Set,
    /// `Event.clear`.
    Clear,
    /// `Event.wait`, with or without a timeout.
    Wait {
        /// With a timeout.
        timed: bool,
    },
}

/// What a `Semaphore` call is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SemOp {
    /// `Semaphore.acquire`, with or without a timeout.
    Acquire {
        /// With a timeout.
        timed: bool,
    },
    /// `Semaphore.release(n)`.
    Release {
        /// What it adds.
        n: u8,
    },
}

/// The program a thread is running: its own code, or one of `Lib/threading.py`'s `Event` and
/// `Semaphore` methods (which run over their `_cond`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// The model's own code (and the `Lock`, `RLock` and `Condition` calls it makes directly).
    Own,
    /// A method of event `.0`.
    Event(u8, EvOp),
    /// A method of semaphore `.0`.
    Sem(u8, SemOp),
}

/// Where a thread is inside `Condition.wait` (`Lib/threading.py`, 3.10-3.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitStep {
    /// Its waiter lock is allocated, acquired and appended to `_waiters`; it still holds the
    /// condition's lock.
    Appended,
    /// `_release_save` done: blocked in `waiter.acquire()` until a notify releases the waiter
    /// lock (or, timed, until the timeout expires).
    Asleep,
    /// `_acquire_restore`: blocked until it takes the condition's lock back. `gotit`: a notify
    /// woke it (else its timeout expired).
    Restore {
        /// Woken by a notify.
        gotit: bool,
    },
    /// Back with the lock after a timeout: about to remove its waiter from `_waiters` (a notify
    /// may already have).
    Remove,
}

/// Where a thread is inside the program it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum At {
    /// Between steps: in the model's own code (`Op::Own`), or in an `Event`/`Semaphore` method
    /// with its `_cond` held, about to run the method's body.
    Ready,
    /// In `lock.acquire()`, blocked: the lock was held when it tried.
    Blocked {
        /// The lock.
        lock: LockId,
        /// With a timeout.
        timed: bool,
    },
    /// In `cond.wait()`.
    Cond {
        /// The condition.
        cond: CondId,
        /// With a timeout.
        timed: bool,
        /// Where in `Condition.wait`.
        step: WaitStep,
        /// The recursion count `_release_save` saved (an `RLock`'s; 1 for a `Lock`).
        saved: u8,
    },
    /// `Semaphore.acquire`, back from `_cond.wait()` with `_cond` held, about to test `_value`
    /// again. `expired`: the wait timed out (so the deadline has passed).
    Recheck {
        /// The wait timed out.
        expired: bool,
    },
    /// At the end of an `Event`/`Semaphore` method's `with self._cond:` block, about to release
    /// `_cond` and return `returns`.
    Exit {
        /// What the method returns (`None`: nothing).
        returns: Option<bool>,
    },
}

/// A thread's place: the program it runs and where in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Place {
    /// The program.
    pub op: Op,
    /// Where in it.
    pub at: At,
}

impl Place {
    /// In its own code, between calls.
    pub const OWN: Place = Place {
        op: Op::Own,
        at: At::Ready,
    };

    /// Whether the thread is in its own code (the composing model decides its next step).
    pub fn is_own(self) -> bool {
        self == Place::OWN
    }
}

/// The primitives' state. Small and fixed-size: every array is as long as its maximum, unused
/// entries hold their initial value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PyState {
    /// Each lock's holder (`NOBODY`: free). For a `Lock`, the thread that acquired it (Python
    /// does not record one; the model does, for pictures and properties).
    pub holder: [u8; MAX_LOCKS],
    /// Each `RLock`'s recursion count (1 for a held `Lock`).
    pub count: [u8; MAX_LOCKS],
    /// Each condition's `_waiters`, oldest first, as the threads whose waiter locks they are
    /// (`NOBODY` past the end).
    pub waiters: [[u8; MAX_THREADS]; MAX_CONDS],
    /// Bit `t`: thread `t`'s current waiter lock has been released by a notify.
    pub released: u8,
    /// Bit `e`: event `e`'s `_flag`.
    pub flags: u8,
    /// Each semaphore's `_value` (a bad variant can drive it below zero).
    pub values: [i8; MAX_SEMS],
    /// Each thread's place.
    pub places: [Place; MAX_THREADS],
    /// Bit `t`: what thread `t`'s last call returned (`True` for calls that return nothing).
    pub results: u8,
    /// Bit `t`: thread `t` called `release()` on a lock it did not hold (CPython raises
    /// `RuntimeError`; the model records it and the call returns).
    pub raised: u8,
}

crate::stored_as_is!(PyState);

impl PyState {
    /// The holder of `lock`, if any.
    pub fn holder(&self, lock: LockId) -> Option<u8> {
        let h = self.holder[lock.0 as usize];
        (h != NOBODY).then_some(h)
    }

    /// Whether thread `t` holds `lock`.
    pub fn holds(&self, t: u8, lock: LockId) -> bool {
        self.holder[lock.0 as usize] == t
    }

    /// The threads whose waiter locks are in `cond`'s `_waiters`, oldest first.
    pub fn queued(&self, cond: CondId) -> impl Iterator<Item = u8> + '_ {
        self.waiters[cond.0 as usize]
            .iter()
            .copied()
            .take_while(|&t| t != NOBODY)
    }

    /// How many waiter locks `cond`'s `_waiters` holds.
    pub fn queue_len(&self, cond: CondId) -> usize {
        self.queued(cond).count()
    }

    /// What thread `t`'s last call returned.
    pub fn returned(&self, t: u8) -> bool {
        self.results & (1 << t) != 0
    }

    /// Whether thread `t` has released a lock it did not hold.
    pub fn has_raised(&self, t: u8) -> bool {
        self.raised & (1 << t) != 0
    }

    /// Whether event `e`'s flag is set.
    pub fn flag(&self, e: u8) -> bool {
        self.flags & (1 << e) != 0
    }

    /// Whether thread `t` is in `cond.wait()` asleep on its waiter lock, not yet released.
    pub fn asleep(&self, t: u8) -> bool {
        matches!(
            self.places[t as usize].at,
            At::Cond {
                step: WaitStep::Asleep,
                ..
            }
        ) && self.released & (1 << t) == 0
    }

    pub(crate) fn push_waiter(&mut self, cond: CondId, t: u8) {
        let queue = &mut self.waiters[cond.0 as usize];
        let len = queue.iter().take_while(|&&w| w != NOBODY).count();
        queue[len] = t;
    }

    /// Removes `t` from `cond`'s `_waiters`; whether it was there.
    pub(crate) fn remove_waiter(&mut self, cond: CondId, t: u8) -> bool {
        let queue = &mut self.waiters[cond.0 as usize];
        let Some(i) = queue.iter().position(|&w| w == t) else {
            return false;
        };
        queue.copy_within(i + 1.., i);
        queue[MAX_THREADS - 1] = NOBODY;
        true
    }
}
