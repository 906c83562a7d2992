//! One atomic step of one thread: a step of a primitive's protocol, or a step of the composing
//! model's own code (`Step::Own`). Fields after what a step does are what the thread observed
//! (who holds the lock, whom a notify woke); the step is enabled only when they match the state,
//! so traces and twin logs say what was seen. Each step stands for a few lines of CPython under
//! the GIL, named in its doc comment.

use super::decl::{CondId, LockId};
use super::state::Op;

/// One step of thread `thread`, inside program `within`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Action<O> {
    /// The thread.
    pub thread: u8,
    /// The program it runs: its own code, or an `Event`/`Semaphore` method.
    pub within: Op,
    /// What it does.
    pub step: Step<O>,
}

impl<O> Action<O> {
    /// A step of the composing model's own code by thread `thread`.
    pub fn own(thread: u8, step: O) -> Action<O> {
        Action {
            thread,
            within: Op::Own,
            step: Step::Own(step),
        }
    }
}

/// What a thread does next in its own code: a call on a primitive, or a step of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Next<O> {
    /// A call (`lock.acquire()`, `cond.wait()`...).
    Call(super::decl::Call),
    /// A step of its own code.
    Own(O),
}

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step<O> {
    /// A step of the composing model's own code.
    Own(O),
    /// `lock.acquire()` takes the free lock (3.10-3.13.0 `acquire_timed`: the first,
    /// non-blocking `PyThread_acquire_lock_timed`, or the blocking one after a wait; 3.13.1+
    /// `_PyMutex_LockTimed`; `rlock_acquire` sets the owner and count 1). Also a blocked
    /// acquirer that gets the lock: whichever blocked thread runs first (not FIFO).
    Take {
        /// The lock.
        lock: LockId,
    },
    /// `RLock.acquire` by the owner (`rlock_acquire`): one level more.
    Reenter {
        /// The lock.
        lock: LockId,
        /// The recursion count after.
        count: u8,
    },
    /// `lock.acquire()` finds the lock held and blocks (`acquire_timed` drops the GIL around
    /// the blocking `PyThread_acquire_lock_timed`).
    Block {
        /// The lock.
        lock: LockId,
        /// Who holds it.
        holder: u8,
        /// With a timeout.
        timed: bool,
    },
    /// `lock.acquire(timeout=...)`, still blocked, times out and returns `False`.
    GiveUp {
        /// The lock.
        lock: LockId,
    },
    /// `lock.release()` (`lock_PyThread_release_lock`; `rlock_release` counts one level down
    /// and frees at 0); at the end of an `Event`/`Semaphore` method, the `with self._cond:`
    /// exit, after which the method returns `returns`.
    Release {
        /// The lock.
        lock: LockId,
        /// The recursion count after (0: free).
        left: u8,
        /// What the method returns, at the end of an `Event`/`Semaphore` method.
        returns: Option<bool>,
    },
    /// `lock.release()` of a lock the thread does not hold: `RuntimeError` (recorded, and the
    /// call returns).
    ReleaseUnheld {
        /// The lock.
        lock: LockId,
    },
    /// `Condition.wait`: `_allocate_lock()`, `waiter.acquire()`, `self._waiters.append(waiter)`.
    Append {
        /// The condition.
        cond: CondId,
        /// With a timeout.
        timed: bool,
    },
    /// `Condition.wait`: `saved_state = self._release_save()` (a `Lock`'s `release()`;
    /// `rlock_release_save` frees an `RLock` whatever its count and returns the count).
    ReleaseSave {
        /// The condition.
        cond: CondId,
    },
    /// `Condition.wait`: `waiter.acquire()` returns: a notify released the waiter lock.
    Notified {
        /// The condition.
        cond: CondId,
    },
    /// `Condition.wait`: `waiter.acquire(True, timeout)` returns `False`: the timeout expired
    /// before a notify released the waiter lock.
    TimedOut {
        /// The condition.
        cond: CondId,
    },
    /// `Condition.wait`'s `finally`: `self._acquire_restore(saved_state)` takes the lock back
    /// (blocking, not FIFO; `rlock_acquire_restore` restores the count). With `gotit`
    /// `Condition.wait` returns `True` here.
    Restore {
        /// The condition.
        cond: CondId,
        /// A notify woke it.
        gotit: bool,
    },
    /// `Condition.wait`'s `finally`, after a timeout: `self._waiters.remove(waiter)`, or the
    /// `ValueError` when a notify already removed it (`spent`: that notify was spent on a
    /// waiter whose wait had expired); returns `False`.
    Remove {
        /// The condition.
        cond: CondId,
        /// A notify had already removed it.
        spent: bool,
    },
    /// `Condition.notify(n)` (3.10.13-3.13: take `_waiters[0]`, release it, remove it, until
    /// `n` are released or none is left) and `notify_all()` (`notify(len(_waiters))`).
    Notify {
        /// The condition.
        cond: CondId,
        /// How many it asked for (`None`: `notify_all()`).
        n: Option<u8>,
        /// Bit `t`: thread `t`'s waiter lock was released.
        woken: u8,
        /// Bit `t`: ... and thread `t`'s timed wait had already expired (the wake-up is spent).
        spent: u8,
    },
    /// `Event.set`: `self._flag = True; self._cond.notify_all()`.
    SetFlag {
        /// Bit `t`: thread `t`'s waiter lock was released.
        woken: u8,
        /// Bit `t`: ... and thread `t`'s timed wait had already expired.
        spent: u8,
    },
    /// `Event.clear`: `self._flag = False`.
    ClearFlag,
    /// `Event.wait`: `signaled = self._flag` finds it set (when it is clear the thread goes on
    /// into `self._cond.wait(timeout)`: an `Append` step).
    FlagSet,
    /// `Semaphore.acquire`: `_value` is positive: `self._value -= 1; rc = True`.
    Decrement {
        /// `_value` after.
        value: i8,
    },
    /// `Semaphore.acquire(timeout=...)`: `_value` is still 0 and the deadline has passed
    /// (`timeout = endtime - _time()` is not positive): `break` with `rc = False`.
    Deadline,
    /// `Semaphore.release(n)`: `self._value += n`, then `notify()` n times (3.10, 3.11) or
    /// `notify(n)` (3.12, 3.13): the same waiters either way.
    Increment {
        /// What it adds.
        n: u8,
        /// `_value` after.
        value: i8,
        /// Bit `t`: thread `t`'s waiter lock was released.
        woken: u8,
        /// Bit `t`: ... and thread `t`'s timed wait had already expired.
        spent: u8,
    },
}
