//! The primitives as executable code: `Lock`, `RLock`, `Condition`, `Event` and `Semaphore`
//! written as threaded Rust over the sync facade (`Python<B, O>`), step by step as
//! `Lib/threading.py` and `Modules/_threadmodule.c` run them, each step logging the spec action
//! it performs (the same `Action`s as the spec's, so a run replays on it).
//!
//! Under the GIL each C call of a lock is atomic; here every lock's state lives in one
//! "kernel" behind a facade mutex, each step is one critical section of it (and logs its action
//! inside it, so the log order is the order of the steps), and a thread that blocks waits on
//! one `TimedCondvar` that every freeing step notifies. Which blocked thread gets a freed lock
//! is the scheduler's choice (loom explores each). `Condition.wait` allocates a fresh waiter
//! lock per call and appends it to the condition's deque, as `Lib/threading.py` does.
//!
//! Timed waits: with real threads (`Std`) they time out after a short interval; under loom and
//! shuttle they never time out by themselves: `run` fires `ticks` timeouts from the main thread
//! after spawning the threads, each timing out one timed waiter (`TimedCondvar::tick`) at
//! whatever point the scheduler puts it.

use super::action::{Action, Step};
use super::decl::{Call, CondId, EventId, LockId, LockKind, SemId, Threading};
use super::state::{EvOp, Op, SemOp};
use super::variants::ThreadingVariant;
use crate::exec::{Backend, Log, TimedCondvar};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// The real timeout of a timed wait under `Std`.
const STD_INTERVAL: Duration = Duration::from_micros(200);

/// A `_thread.lock` or `_thread.RLock`: its holder and recursion count. Waiter locks also
/// remember whose wait they belong to and whether that wait timed out.
#[derive(Clone, Copy, Debug)]
struct LockCell {
    holder: Option<u8>,
    count: u8,
    /// A waiter lock: the thread in `Condition.wait` that allocated it.
    waiter_of: u8,
    /// A waiter lock whose `acquire(True, timeout)` timed out.
    expired: bool,
}

/// Every primitive's state.
struct Kernel {
    /// The declared locks, then the waiter locks `Condition.wait` allocates.
    locks: Vec<LockCell>,
    /// Each condition's `_waiters`: indices into `locks`.
    waiters: Vec<VecDeque<usize>>,
    /// Each event's `_flag`.
    flags: Vec<bool>,
    /// Each semaphore's `_value`.
    values: Vec<i8>,
}

/// The primitives of one run, shared by its threads, logging actions whose own steps are `O`.
pub struct Python<B: Backend, O> {
    py: Threading,
    kernel: B::Mutex<Kernel>,
    changed: TimedCondvar<B>,
    log: Log<Action<O>>,
}

type Guard<'a, B> = <B as Backend>::Guard<'a, Kernel>;

impl<B: Backend, O: Clone + Send + 'static> Python<B, O> {
    /// Fresh primitives as `py` declares them, logging to `log`.
    pub fn new(py: &Threading, log: &Log<Action<O>>) -> Python<B, O> {
        let free = LockCell {
            holder: None,
            count: 0,
            waiter_of: 0,
            expired: false,
        };
        let (locks, conds, _, _) = py.counts();
        Python {
            kernel: B::mutex(Kernel {
                locks: vec![free; locks],
                waiters: vec![VecDeque::new(); conds],
                flags: vec![false; py.events.len()],
                values: py.sems.iter().map(|s| s.value as i8).collect(),
            }),
            py: py.clone(),
            changed: TimedCondvar::default(),
            log: log.clone(),
        }
    }

    /// Spawns one thread per declared thread running `body(python, me)`, fires `ticks`
    /// timeouts under loom and shuttle (from this thread, after the spawns), and joins them.
    pub fn run(self: &Arc<Self>, ticks: usize, body: impl Fn(&Self, u8) + Send + Sync + 'static)
    where
        O: Sync,
    {
        let body = Arc::new(body);
        let handles: Vec<_> = self
            .py
            .thread_ids()
            .map(|me| {
                let (python, body) = (Arc::clone(self), Arc::clone(&body));
                B::spawn(move || body(&python, me))
            })
            .collect();
        if B::VIRTUAL_TIME {
            self.clock(ticks);
        }
        for handle in handles {
            B::join(handle);
        }
    }

    /// The clock: fires `ticks` timeouts, one at a time (virtual time only).
    pub fn clock(&self, ticks: usize) {
        for _ in 0..ticks {
            let kernel = B::lock(&self.kernel);
            self.changed.tick(&kernel);
        }
    }

    /// Logs a step of thread `me`'s own code. Call it while holding the Python lock that
    /// guards what the step changes (so no other thread can see the change before the log).
    pub fn own(&self, me: u8, step: O) {
        self.log.note::<B>(Action::own(me, step));
    }

    /// Thread `me`'s own code spins until `ready` holds of the threads whose waiter locks are
    /// in `cond`'s `_waiters` (oldest first), then logs `step`.
    pub fn await_queue(&self, me: u8, cond: CondId, ready: impl Fn(&[u8]) -> bool, step: O) {
        let mut kernel = B::lock(&self.kernel);
        loop {
            let queued: Vec<u8> = kernel.waiters[cond.0 as usize]
                .iter()
                .map(|&w| kernel.locks[w].waiter_of)
                .collect();
            if ready(&queued) {
                break;
            }
            kernel = self.changed.wait(kernel);
        }
        self.log.note::<B>(Action::own(me, step));
    }

    /// Thread `me` makes `call`; returns what it returns (`True` for calls that return
    /// nothing).
    pub fn call(&self, me: u8, call: Call) -> bool {
        match call {
            Call::Acquire { lock, timeout } => self.acquire(me, Op::Own, lock, timeout),
            Call::Release(lock) => {
                self.release(me, Op::Own, lock, None);
                true
            }
            Call::Wait { cond, timeout } => {
                self.wait(B::lock(&self.kernel), me, Op::Own, cond, timeout)
            }
            Call::Notify { cond, n } => self.notify(me, cond, Some(n)),
            Call::NotifyAll(cond) => self.notify(me, cond, None),
            Call::Set(e) => self.event(me, e, EvOp::Set),
            Call::Clear(e) => self.event(me, e, EvOp::Clear),
            Call::WaitEvent { event, timeout } => {
                self.event(me, event, EvOp::Wait { timed: timeout })
            }
            Call::AcquireSem { sem, timeout } => self.sem_acquire(me, sem, timeout),
            Call::ReleaseSem { sem, n } => self.sem_release(me, sem, n),
        }
    }

    /// Logs `step` of thread `me` in program `within`; the caller holds the kernel.
    fn note(&self, me: u8, within: Op, step: Step<O>) {
        self.log.note::<B>(Action {
            thread: me,
            within,
            step,
        });
    }

    /// Whether `lock` can be taken now (free, or ignored by `lock-ignores-holder`).
    fn can_take(&self, kernel: &Kernel, lock: usize) -> bool {
        kernel.locks[lock].holder.is_none()
            || (self.py.variant == ThreadingVariant::LockIgnoresHolder
                && lock < self.py.locks.len()
                && self.py.kind(LockId(lock as u8)) == LockKind::Lock)
    }

    /// `lock.acquire()` (`lock_PyThread_acquire`, `rlock_acquire`): the owner of an `RLock`
    /// counts one level more, a free lock is taken, a held one blocks until it is free (or,
    /// timed, until a timeout fires while it is still held).
    fn acquire(&self, me: u8, within: Op, lock: LockId, timed: bool) -> bool {
        let l = lock.0 as usize;
        let mut kernel = B::lock(&self.kernel);
        let reentrant = self.py.kind(lock) == LockKind::RLock
            && self.py.variant != ThreadingVariant::RlockNotReentrant;
        if reentrant && kernel.locks[l].holder == Some(me) {
            kernel.locks[l].count += 1;
            let count = kernel.locks[l].count;
            self.note(me, within, Step::Reenter { lock, count });
            return true;
        }
        if !self.can_take(&kernel, l) {
            let holder = kernel.locks[l]
                .holder
                .expect("a lock that cannot be taken is held");
            self.note(
                me,
                within,
                Step::Block {
                    lock,
                    holder,
                    timed,
                },
            );
            let mut timed_out = false;
            while !self.can_take(&kernel, l) {
                if timed_out {
                    self.note(me, within, Step::GiveUp { lock });
                    return false;
                }
                (kernel, timed_out) = self.block(kernel, timed);
            }
        }
        kernel.locks[l].holder = Some(me);
        kernel.locks[l].count = 1;
        self.note(me, within, Step::Take { lock });
        true
    }

    /// Blocks until some step frees something (or, `timed`, until a timeout fires).
    fn block<'a>(&'a self, kernel: Guard<'a, B>, timed: bool) -> (Guard<'a, B>, bool) {
        if timed {
            self.changed.wait_timeout(kernel, STD_INTERVAL)
        } else {
            (self.changed.wait(kernel), false)
        }
    }

    /// `lock.release()` (`lock_PyThread_release`, `rlock_release`); `returns`: what the
    /// `Event`/`Semaphore` method ending here returns.
    fn release(&self, me: u8, within: Op, lock: LockId, returns: Option<bool>) {
        let l = lock.0 as usize;
        let mut kernel = B::lock(&self.kernel);
        let cell = &mut kernel.locks[l];
        let held = match self.py.kind(lock) {
            LockKind::Lock => cell.holder.is_some(),
            LockKind::RLock => cell.holder == Some(me),
        };
        if !held {
            self.note(me, within, Step::ReleaseUnheld { lock });
            return;
        }
        cell.count = match self.py.kind(lock) {
            LockKind::RLock if self.py.variant != ThreadingVariant::RlockReleaseFrees => {
                cell.count - 1
            }
            _ => 0,
        };
        let left = cell.count;
        if left == 0 {
            cell.holder = None;
            self.changed.notify_all();
        }
        self.note(
            me,
            within,
            Step::Release {
                lock,
                left,
                returns,
            },
        );
    }

    /// `Condition.wait` (`Lib/threading.py`), its first step in the critical section `kernel`
    /// (an `Event`/`Semaphore` method tests its field in the same one).
    fn wait(
        &self,
        mut kernel: Guard<'_, B>,
        me: u8,
        within: Op,
        cond: CondId,
        timed: bool,
    ) -> bool {
        let lock = self.py.lock_of(cond);
        let l = lock.0 as usize;
        // waiter = _allocate_lock(); waiter.acquire(); self._waiters.append(waiter)
        let waiter = kernel.locks.len();
        kernel.locks.push(LockCell {
            holder: Some(me),
            count: 1,
            waiter_of: me,
            expired: false,
        });
        kernel.waiters[cond.0 as usize].push_back(waiter);
        self.changed.notify_all();
        self.note(me, within, Step::Append { cond, timed });
        drop(kernel);

        // saved_state = self._release_save()
        let mut kernel = B::lock(&self.kernel);
        let cell = &mut kernel.locks[l];
        let saved = if self.py.kind(lock) == LockKind::RLock
            && self.py.variant == ThreadingVariant::ReleaseSaveOnce
        {
            cell.count -= 1;
            1
        } else {
            std::mem::take(&mut cell.count)
        };
        if cell.count == 0 {
            cell.holder = None;
            self.changed.notify_all();
        }
        self.note(me, within, Step::ReleaseSave { cond });
        drop(kernel);

        // gotit = waiter.acquire() / waiter.acquire(True, timeout)
        let mut kernel = B::lock(&self.kernel);
        let mut timed_out = false;
        let gotit = loop {
            if kernel.locks[waiter].holder.is_none() {
                kernel.locks[waiter].holder = Some(me);
                self.note(me, within, Step::Notified { cond });
                break true;
            }
            if timed_out {
                kernel.locks[waiter].expired = true;
                self.note(me, within, Step::TimedOut { cond });
                break false;
            }
            (kernel, timed_out) = self.block(kernel, timed);
        };
        drop(kernel);

        // finally: self._acquire_restore(saved_state)
        let mut kernel = B::lock(&self.kernel);
        let owner =
            |k: &Kernel| self.py.kind(lock) == LockKind::RLock && k.locks[l].holder == Some(me);
        while !self.can_take(&kernel, l) && !owner(&kernel) {
            kernel = self.changed.wait(kernel);
        }
        if owner(&kernel) {
            kernel.locks[l].count += saved;
        } else {
            kernel.locks[l].holder = Some(me);
            kernel.locks[l].count = saved;
        }
        self.note(me, within, Step::Restore { cond, gotit });
        if gotit {
            return true;
        }
        drop(kernel);

        // if not gotit: self._waiters.remove(waiter), a ValueError ignored
        let mut kernel = B::lock(&self.kernel);
        let queue = &mut kernel.waiters[cond.0 as usize];
        let position = queue.iter().position(|&w| w == waiter);
        if let Some(i) = position {
            queue.remove(i);
        }
        self.note(
            me,
            within,
            Step::Remove {
                cond,
                spent: position.is_none(),
            },
        );
        false
    }

    /// Releases and removes waiter locks from the front of `cond`'s `_waiters`, as
    /// `Condition.notify(n)` does (`None`: `notify_all`); returns (woken, spent) bitsets.
    fn wake(&self, kernel: &mut Kernel, cond: CondId, n: Option<u8>) -> (u8, u8) {
        let limit = match n {
            None if self.py.variant == ThreadingVariant::NotifyAllWakesOne => 1,
            None => u8::MAX,
            Some(n) => n,
        };
        let (mut woken, mut spent, mut count, mut i) = (0u8, 0u8, 0u8, 0usize);
        while count < limit && i < kernel.waiters[cond.0 as usize].len() {
            let waiter = kernel.waiters[cond.0 as usize][i];
            let cell = kernel.locks[waiter];
            if cell.expired && self.py.variant == ThreadingVariant::NotifySkipsExpired {
                i += 1;
                continue;
            }
            kernel.waiters[cond.0 as usize].remove(i);
            kernel.locks[waiter].holder = None;
            woken |= 1 << cell.waiter_of;
            if cell.expired {
                spent |= 1 << cell.waiter_of;
            }
            count += 1;
        }
        if woken != 0 {
            self.changed.notify_all();
        }
        (woken, spent)
    }

    /// `cond.notify(n)` / `cond.notify_all()`, by thread `me` holding the condition's lock.
    fn notify(&self, me: u8, cond: CondId, n: Option<u8>) -> bool {
        let mut kernel = B::lock(&self.kernel);
        let (woken, spent) = self.wake(&mut kernel, cond, n);
        let step = Step::Notify {
            cond,
            n,
            woken,
            spent,
        };
        self.note(me, Op::Own, step);
        true
    }

    /// An `Event` method (`Lib/threading.py`): its body inside `with self._cond:`.
    fn event(&self, me: u8, e: EventId, op: EvOp) -> bool {
        let within = Op::Event(e.0, op);
        let cond = self.py.event_cond(e);
        let lock = self.py.lock_of(cond);
        self.acquire(me, within, lock, false);
        let returns = self.event_body(B::lock(&self.kernel), me, e, op);
        self.release(me, within, lock, returns);
        returns.unwrap_or(true)
    }

    /// An `Event` method's body, `_cond` held, in the critical section `kernel`.
    fn event_body(&self, mut kernel: Guard<'_, B>, me: u8, e: EventId, op: EvOp) -> Option<bool> {
        let within = Op::Event(e.0, op);
        let cond = self.py.event_cond(e);
        let flag = e.0 as usize;
        match op {
            EvOp::Set => {
                kernel.flags[flag] = true;
                let (woken, spent) = if self.py.variant == ThreadingVariant::NoNotify {
                    (0, 0)
                } else {
                    self.wake(&mut kernel, cond, None)
                };
                self.note(me, within, Step::SetFlag { woken, spent });
                None
            }
            EvOp::Clear => {
                kernel.flags[flag] = false;
                self.note(me, within, Step::ClearFlag);
                None
            }
            EvOp::Wait { .. } if kernel.flags[flag] => {
                self.note(me, within, Step::FlagSet);
                Some(true)
            }
            EvOp::Wait { timed } => Some(self.wait(kernel, me, within, cond, timed)),
        }
    }

    /// `Semaphore.acquire` (`Lib/threading.py`): wait on `_cond` while `_value` is 0, then
    /// decrement. Timed, after a wait that a notify ended with `_value` still 0, the twin waits
    /// again (the spec also lets the deadline pass there).
    fn sem_acquire(&self, me: u8, m: SemId, timed: bool) -> bool {
        let within = Op::Sem(m.0, SemOp::Acquire { timed });
        let cond = self.py.sem_cond(m);
        let lock = self.py.lock_of(cond);
        self.acquire(me, within, lock, false);
        let mut expired = false;
        let rc = loop {
            let mut kernel = B::lock(&self.kernel);
            let value = kernel.values[m.0 as usize];
            if value > 0 || self.py.variant == ThreadingVariant::SemaphoreNoWait {
                kernel.values[m.0 as usize] = value - 1;
                self.note(me, within, Step::Decrement { value: value - 1 });
                break true;
            }
            if expired {
                self.note(me, within, Step::Deadline);
                break false;
            }
            expired = !self.wait(kernel, me, within, cond, timed);
        };
        self.release(me, within, lock, Some(rc));
        rc
    }

    /// `Semaphore.release(n)` (`Lib/threading.py`): add `n`, wake `n` waiters.
    fn sem_release(&self, me: u8, m: SemId, n: u8) -> bool {
        let within = Op::Sem(m.0, SemOp::Release { n });
        let cond = self.py.sem_cond(m);
        let lock = self.py.lock_of(cond);
        self.acquire(me, within, lock, false);
        let mut kernel = B::lock(&self.kernel);
        kernel.values[m.0 as usize] += n as i8;
        let value = kernel.values[m.0 as usize];
        let (woken, spent) = if self.py.variant == ThreadingVariant::NoNotify {
            (0, 0)
        } else {
            self.wake(&mut kernel, cond, Some(n))
        };
        self.note(
            me,
            within,
            Step::Increment {
                n,
                value,
                woken,
                spent,
            },
        );
        drop(kernel);
        self.release(me, within, lock, None);
        true
    }
}
