//! A condition variable with plain and timed waits, whose timeouts can fire at any scheduling
//! point. loom and shuttle never time out a `wait_timeout`, so under them a clock calls `tick`
//! (with the waiters' mutex held): each tick makes ONE timeout due, which the first timed waiter
//! to look takes (so the scheduler chooses which): one that is waiting when the tick fires and
//! runs first, or, if none takes it, the next timed wait to start (which then times out at
//! once, so a tick is never lost to a wait that had not begun yet). loom explores every place a
//! tick can land. With real threads the backend's own timeout fires.
//!
//! Every wake-up is accounted for, so that a waiter never returns without a reason: a
//! `notify_one` is a signal that one waiter present when it was sent claims, `notify_all`
//! releases every waiter present, a tick's timeout goes to one timed waiter. A waiter woken for
//! someone else's reason (every tick wakes all waiters) waits again, and so does one woken
//! spuriously by the operating system.

use super::Backend;
use std::sync::Mutex;
use std::time::Duration;

/// A condition variable with plain and timed waits.
pub struct TimedCondvar<B: Backend> {
    cond: B::Condvar,
    /// Read and written only with the waiters' mutex held, so a std mutex (no scheduling point
    /// for loom or shuttle) suffices and is never contended.
    books: Mutex<Books>,
}

/// Who is waiting and which wake-ups are owed. Each wait, signal, broadcast and tick takes the
/// next sequence number; a wake-up is owed to the waits that started before it.
#[derive(Default)]
struct Books {
    next: u64,
    /// Waits in progress: (start, timed).
    waiting: Vec<(u64, bool)>,
    /// `notify_one` signals not yet claimed.
    signals: Vec<u64>,
    /// Waits that started before this were released by `notify_all`.
    broadcast: u64,
    /// Timeouts made due by `tick` that no timed waiter has taken yet.
    due: usize,
}

impl Books {
    fn stamp(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// Why the wait that started at `start` may return now, if it may: `Some(timed_out)`.
    fn claim(&mut self, start: u64, timed: bool) -> Option<bool> {
        if start < self.broadcast {
            return Some(false);
        }
        if let Some(i) = self.signals.iter().position(|&s| s > start) {
            self.signals.remove(i);
            return Some(false);
        }
        self.take_timeout(timed).then_some(true)
    }

    /// Takes a due timeout for a timed wait.
    fn take_timeout(&mut self, timed: bool) -> bool {
        let take = timed && self.due > 0;
        self.due -= take as usize;
        take
    }

    /// The wait that started at `start` is over: forget the signals no waiter left can claim.
    fn leave(&mut self, start: u64) {
        self.waiting.retain(|&(s, _)| s != start);
        let first = self.waiting.iter().map(|&(s, _)| s).min();
        self.signals.retain(|&s| first.is_some_and(|f| f < s));
    }
}

impl<B: Backend> Default for TimedCondvar<B> {
    fn default() -> Self {
        TimedCondvar {
            cond: B::condvar(),
            books: Mutex::new(Books::default()),
        }
    }
}

impl<B: Backend> TimedCondvar<B> {
    fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `notify_one` or `notify_all` releases this waiter, or (`interval`: timed)
    /// a timeout fires; returns whether it timed out.
    fn wait_for<'a, T: Send + 'static>(
        &self,
        mut guard: B::Guard<'a, T>,
        interval: Option<Duration>,
    ) -> (B::Guard<'a, T>, bool) {
        let start = {
            let mut books = self.books();
            if books.take_timeout(interval.is_some()) {
                return (guard, true);
            }
            let start = books.stamp();
            books.waiting.push((start, interval.is_some()));
            start
        };
        loop {
            let backend_timed_out;
            (guard, backend_timed_out) = match interval {
                Some(interval) => B::wait_timeout(&self.cond, guard, interval),
                None => (B::wait(&self.cond, guard), false),
            };
            let mut books = self.books();
            // The backend's own timeout (real threads, or the stepped conductor) comes first:
            // it is what happened to this waiter.
            let outcome = if backend_timed_out {
                Some(true)
            } else {
                books.claim(start, interval.is_some())
            };
            if let Some(timed_out) = outcome {
                books.leave(start);
                return (guard, timed_out);
            }
        }
    }

    /// Waits for a signal (`notify_one`, `notify_all`); never times out.
    pub fn wait<'a, T: Send + 'static>(&self, guard: B::Guard<'a, T>) -> B::Guard<'a, T> {
        self.wait_for(guard, None).0
    }

    /// Waits for a signal or a timeout; returns whether it timed out. `interval` is the real
    /// timeout under `Std`; under loom and shuttle only `tick` times a waiter out.
    pub fn wait_timeout<'a, T: Send + 'static>(
        &self,
        guard: B::Guard<'a, T>,
        interval: Duration,
    ) -> (B::Guard<'a, T>, bool) {
        self.wait_for(guard, Some(interval))
    }

    /// Signals one waiter (the backend's choice, or under loom and shuttle possibly another
    /// that a tick woke first); nothing when nobody waits. Call it with the waiters' mutex
    /// held.
    pub fn notify_one(&self) {
        {
            let mut books = self.books();
            if books.waiting.is_empty() {
                return;
            }
            let signal = books.stamp();
            books.signals.push(signal);
        }
        B::notify_one(&self.cond)
    }

    /// Releases every current waiter (nothing when nobody waits). Call it with the waiters'
    /// mutex held.
    pub fn notify_all(&self) {
        {
            let mut books = self.books();
            if books.waiting.is_empty() {
                return;
            }
            books.broadcast = books.stamp();
        }
        B::notify_all(&self.cond)
    }

    /// The clock: makes one timeout due, for the first timed waiter to take it (see the
    /// module docs). The caller holds the waiters' mutex (the guard is the proof), so no waiter
    /// can start or end its wait meanwhile.
    pub fn tick<T: Send + 'static>(&self, _held: &B::Guard<'_, T>) {
        let wake = {
            let mut books = self.books();
            books.due += 1;
            books.waiting.iter().any(|&(_, timed)| timed)
        };
        if wake {
            B::notify_all(&self.cond)
        }
    }
}
