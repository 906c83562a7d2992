//! The code the component mirrors, and the bad variants that show each property about the
//! primitives can fail (a property that no variant violates proves nothing).

crate::variants! {
    /// Which code the primitives run.
    pub enum ThreadingVariant {
        /// CPython 3.10 to 3.13: `Lib/threading.py` and `Modules/_threadmodule.c`.
        Cpython => ("cpython", Real,
            "Lock, RLock (Modules/_threadmodule.c), Condition, Event, Semaphore (Lib/threading.py), CPython 3.10-3.13"),
        /// `Lock.acquire` never blocks: two threads can hold a `Lock`.
        LockIgnoresHolder => ("lock-ignores-holder", Bad,
            "Lock.acquire takes the lock even when another thread holds it"),
        /// `RLock.acquire` by its owner blocks, as a `Lock`'s does.
        RlockNotReentrant => ("rlock-not-reentrant", Bad,
            "RLock.acquire by the owner blocks instead of counting one level more"),
        /// `RLock.release` frees the lock whatever the recursion count.
        RlockReleaseFrees => ("rlock-release-frees", Bad,
            "RLock.release frees the lock at once instead of counting one level down"),
        /// `Condition.wait` on an `RLock` releases one level (`release()`), not every level
        /// (`_release_save`), and takes one back.
        ReleaseSaveOnce => ("release-save-once", Bad,
            "Condition.wait releases an RLock with release() (one level), not _release_save"),
        /// `Condition.notify` passes over waiters whose timed wait has already expired, so a
        /// notify is never spent on one (not CPython: its notify cannot tell them apart).
        NotifySkipsExpired => ("notify-skips-expired", ProposedFix,
            "Condition.notify skips waiters whose timed wait already expired"),
        /// `Condition.notify_all` wakes only the first waiter.
        NotifyAllWakesOne => ("notify-all-wakes-one", Bad,
            "Condition.notify_all wakes only the first waiter, like notify()"),
        /// `Event.set` and `Semaphore.release` change their field and notify nobody.
        NoNotify => ("no-notify", Bad,
            "Event.set and Semaphore.release update _flag/_value but notify no waiter"),
        /// `Semaphore.acquire` decrements without waiting for a positive value.
        SemaphoreNoWait => ("semaphore-no-wait", Bad,
            "Semaphore.acquire decrements _value without waiting while it is 0"),
    }
}
