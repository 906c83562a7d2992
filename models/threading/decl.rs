//! What a model declares: its primitives, each named as the Python program names it, and the
//! calls its threads make on them.
//!
//! ```
//! use gilcheck::models::threading::{Threading, ThreadingVariant};
//! // queue.Queue: one mutex, two conditions on it.
//! let mut py = Threading::new(ThreadingVariant::Cpython, 3);
//! let mutex = py.lock("mutex");
//! let not_empty = py.condition("not_empty", mutex);
//! let not_full = py.condition("not_full", mutex);
//! assert_eq!(py.lock_of(not_empty), py.lock_of(not_full));
//! ```

use super::state::{MAX_CONDS, MAX_EVENTS, MAX_LOCKS, MAX_SEMS, MAX_THREADS};
use super::variants::ThreadingVariant;

/// A `threading.Lock` (`_thread.lock`) or a `threading.RLock` (`_thread.RLock`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockKind {
    /// `threading.Lock`: no owner, not reentrant.
    Lock,
    /// `threading.RLock`: an owner and a recursion count.
    RLock,
}

/// A lock, by declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockId(pub u8);
/// A condition, by declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CondId(pub u8);
/// An event, by declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u8);
/// A semaphore, by declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SemId(pub u8);

/// A call a thread makes from its own code. `timeout: true` passes a timeout, which may expire
/// at any point while the call is blocked (the interval is not a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// `lock.acquire()` / `lock.acquire(timeout=...)` (also `with lock:`). Returns whether it
    /// took the lock.
    Acquire {
        /// The lock.
        lock: LockId,
        /// With a timeout.
        timeout: bool,
    },
    /// `lock.release()` (also the end of `with lock:`).
    Release(LockId),
    /// `cond.wait()` / `cond.wait(timeout)`, the caller holding the condition's lock. Returns
    /// whether a notify released it (`False`: timed out).
    Wait {
        /// The condition.
        cond: CondId,
        /// With a timeout.
        timeout: bool,
    },
    /// `cond.notify(n)`, the caller holding the condition's lock.
    Notify {
        /// The condition.
        cond: CondId,
        /// How many waiters to wake.
        n: u8,
    },
    /// `cond.notify_all()`, the caller holding the condition's lock.
    NotifyAll(CondId),
    /// `ev.set()`.
    Set(EventId),
    /// `ev.clear()`.
    Clear(EventId),
    /// `ev.wait()` / `ev.wait(timeout)`. Returns the flag as `Event.wait` returns it.
    WaitEvent {
        /// The event.
        event: EventId,
        /// With a timeout.
        timeout: bool,
    },
    /// `sem.acquire()` / `sem.acquire(timeout=...)`. Returns whether it decremented.
    AcquireSem {
        /// The semaphore.
        sem: SemId,
        /// With a timeout.
        timeout: bool,
    },
    /// `sem.release(n)`.
    ReleaseSem {
        /// The semaphore.
        sem: SemId,
        /// How much to add.
        n: u8,
    },
}

impl LockId {
    /// `lock.acquire()`.
    pub fn acquire(self) -> Call {
        Call::Acquire {
            lock: self,
            timeout: false,
        }
    }
    /// `lock.acquire(timeout=...)`.
    pub fn acquire_timeout(self) -> Call {
        Call::Acquire {
            lock: self,
            timeout: true,
        }
    }
    /// `lock.release()`.
    pub fn release(self) -> Call {
        Call::Release(self)
    }
}

impl CondId {
    /// `cond.wait()`.
    pub fn wait(self) -> Call {
        Call::Wait {
            cond: self,
            timeout: false,
        }
    }
    /// `cond.wait(timeout)`.
    pub fn wait_timeout(self) -> Call {
        Call::Wait {
            cond: self,
            timeout: true,
        }
    }
    /// `cond.notify(n)` (`cond.notify()` is `notify(1)`).
    pub fn notify(self, n: u8) -> Call {
        Call::Notify { cond: self, n }
    }
    /// `cond.notify_all()`.
    pub fn notify_all(self) -> Call {
        Call::NotifyAll(self)
    }
}

impl EventId {
    /// `ev.set()`.
    pub fn set(self) -> Call {
        Call::Set(self)
    }
    /// `ev.clear()`.
    pub fn clear(self) -> Call {
        Call::Clear(self)
    }
    /// `ev.wait()`.
    pub fn wait(self) -> Call {
        Call::WaitEvent {
            event: self,
            timeout: false,
        }
    }
    /// `ev.wait(timeout)`.
    pub fn wait_timeout(self) -> Call {
        Call::WaitEvent {
            event: self,
            timeout: true,
        }
    }
}

impl SemId {
    /// `sem.acquire()`.
    pub fn acquire(self) -> Call {
        Call::AcquireSem {
            sem: self,
            timeout: false,
        }
    }
    /// `sem.acquire(timeout=...)`.
    pub fn acquire_timeout(self) -> Call {
        Call::AcquireSem {
            sem: self,
            timeout: true,
        }
    }
    /// `sem.release(n)` (`sem.release()` is `release(1)`).
    pub fn release(self, n: u8) -> Call {
        Call::ReleaseSem { sem: self, n }
    }
}

/// A declared lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LockDecl {
    pub name: &'static str,
    pub kind: LockKind,
    /// The `_cond` lock of an event or a semaphore (shown as `name._cond`).
    pub inner: bool,
}

/// A declared condition: its name and its lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CondDecl {
    pub name: &'static str,
    pub lock: LockId,
    /// The `_cond` of an event or a semaphore (shown as `name._cond`).
    pub inner: bool,
}

/// A declared event or semaphore: its name and its `_cond` (a `Condition(Lock())`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ObjDecl {
    pub name: &'static str,
    pub cond: CondId,
    /// A semaphore's initial value.
    pub value: u8,
}

/// The primitives of one model, for a number of threads, in one variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threading {
    /// Which code the primitives run.
    pub variant: ThreadingVariant,
    /// Threads that use them (at most `MAX_THREADS`).
    pub threads: usize,
    pub(crate) locks: Vec<LockDecl>,
    pub(crate) conds: Vec<CondDecl>,
    pub(crate) events: Vec<ObjDecl>,
    pub(crate) sems: Vec<ObjDecl>,
}

impl Threading {
    /// No primitives yet, for `threads` threads.
    pub fn new(variant: ThreadingVariant, threads: usize) -> Threading {
        assert!(
            (1..=MAX_THREADS).contains(&threads),
            "1 to {MAX_THREADS} threads"
        );
        Threading {
            variant,
            threads,
            locks: Vec::new(),
            conds: Vec::new(),
            events: Vec::new(),
            sems: Vec::new(),
        }
    }

    fn add_lock(&mut self, name: &'static str, kind: LockKind, inner: bool) -> LockId {
        assert!(self.locks.len() < MAX_LOCKS, "at most {MAX_LOCKS} locks");
        self.locks.push(LockDecl { name, kind, inner });
        LockId(self.locks.len() as u8 - 1)
    }

    /// A `threading.Lock()` called `name`.
    pub fn lock(&mut self, name: &'static str) -> LockId {
        self.add_lock(name, LockKind::Lock, false)
    }

    /// A `threading.RLock()` called `name`.
    pub fn rlock(&mut self, name: &'static str) -> LockId {
        self.add_lock(name, LockKind::RLock, false)
    }

    /// A `threading.Condition(lock)` called `name`. Several conditions may share a lock, as
    /// `queue.Queue`'s `not_empty` and `not_full` do. (`threading.Condition()` with no
    /// argument makes its own `RLock`: declare one with `rlock`.)
    pub fn condition(&mut self, name: &'static str, lock: LockId) -> CondId {
        self.add_condition(name, lock, false)
    }

    fn add_condition(&mut self, name: &'static str, lock: LockId, inner: bool) -> CondId {
        assert!(
            self.conds.len() < MAX_CONDS,
            "at most {MAX_CONDS} conditions"
        );
        assert!((lock.0 as usize) < self.locks.len(), "an undeclared lock");
        self.conds.push(CondDecl { name, lock, inner });
        CondId(self.conds.len() as u8 - 1)
    }

    /// A `threading.Event()` called `name`: a flag and a `Condition(Lock())` called
    /// `name._cond`.
    pub fn event(&mut self, name: &'static str) -> EventId {
        assert!(
            self.events.len() < MAX_EVENTS,
            "at most {MAX_EVENTS} events"
        );
        let cond = self.inner_condition(name);
        self.events.push(ObjDecl {
            name,
            cond,
            value: 0,
        });
        EventId(self.events.len() as u8 - 1)
    }

    /// A `threading.Semaphore(value)` called `name`: a counter and a `Condition(Lock())`
    /// called `name._cond`.
    pub fn semaphore(&mut self, name: &'static str, value: u8) -> SemId {
        assert!(self.sems.len() < MAX_SEMS, "at most {MAX_SEMS} semaphores");
        assert!(value as i8 >= 0, "a semaphore's value fits in an i8");
        let cond = self.inner_condition(name);
        self.sems.push(ObjDecl { name, cond, value });
        SemId(self.sems.len() as u8 - 1)
    }

    /// The `_cond` of an event or a semaphore, on a lock of its own; both named `name._cond`.
    fn inner_condition(&mut self, name: &'static str) -> CondId {
        let lock = self.add_lock(name, LockKind::Lock, true);
        self.add_condition(name, lock, true)
    }

    /// The lock of `cond`.
    pub fn lock_of(&self, cond: CondId) -> LockId {
        self.conds[cond.0 as usize].lock
    }

    /// The kind of `lock`.
    pub fn kind(&self, lock: LockId) -> LockKind {
        self.locks[lock.0 as usize].kind
    }

    /// The name of `lock` (`ev._cond` for an event's).
    pub fn lock_name(&self, lock: LockId) -> String {
        let decl = &self.locks[lock.0 as usize];
        inner_name(decl.name, decl.inner)
    }

    /// The name of `cond` (`ev._cond` for an event's).
    pub fn cond_name(&self, cond: CondId) -> String {
        let decl = &self.conds[cond.0 as usize];
        inner_name(decl.name, decl.inner)
    }

    /// The name of `event`.
    pub fn event_name(&self, event: EventId) -> &'static str {
        self.events[event.0 as usize].name
    }

    /// The name of `sem`.
    pub fn sem_name(&self, sem: SemId) -> &'static str {
        self.sems[sem.0 as usize].name
    }

    /// How many locks, conditions, events and semaphores are declared.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.locks.len(),
            self.conds.len(),
            self.events.len(),
            self.sems.len(),
        )
    }

    /// The `_cond` of `event`.
    pub fn event_cond(&self, event: EventId) -> CondId {
        self.events[event.0 as usize].cond
    }

    /// The `_cond` of `sem`.
    pub fn sem_cond(&self, sem: SemId) -> CondId {
        self.sems[sem.0 as usize].cond
    }

    /// The initial value of `sem`.
    pub fn sem_value(&self, sem: SemId) -> u8 {
        self.sems[sem.0 as usize].value
    }

    /// Every lock.
    pub fn lock_ids(&self) -> impl Iterator<Item = LockId> {
        (0..self.locks.len() as u8).map(LockId)
    }

    /// Every condition.
    pub fn cond_ids(&self) -> impl Iterator<Item = CondId> {
        (0..self.conds.len() as u8).map(CondId)
    }

    /// Every event.
    pub fn event_ids(&self) -> impl Iterator<Item = EventId> {
        (0..self.events.len() as u8).map(EventId)
    }

    /// Every semaphore.
    pub fn sem_ids(&self) -> impl Iterator<Item = SemId> {
        (0..self.sems.len() as u8).map(SemId)
    }

    /// The threads, by index.
    pub fn thread_ids(&self) -> impl Iterator<Item = u8> {
        0..self.threads as u8
    }
}

fn inner_name(name: &str, inner: bool) -> String {
    if inner {
        format!("{name}._cond")
    } else {
        name.to_string()
    }
}
