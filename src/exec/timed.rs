//! A timed wait whose timeout can fire at any scheduling point. loom and shuttle never time out
//! a `wait_timeout`, so under them a clock thread calls `tick` (with the waiters' mutex held),
//! which times out every current waiter; loom then explores every place a tick can land. With
//! real threads the backend's own timeout fires.

use super::Backend;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A condition variable with timed waits.
pub struct TimedCondvar<B: Backend> {
    cond: B::Condvar,
    /// Ticks so far; read and written only with the waiters' mutex held, so a std atomic (no
    /// scheduling point) suffices.
    epoch: AtomicU64,
}

impl<B: Backend> Default for TimedCondvar<B> {
    fn default() -> Self {
        TimedCondvar {
            cond: B::condvar(),
            epoch: AtomicU64::new(0),
        }
    }
}

impl<B: Backend> TimedCondvar<B> {
    /// Waits for a signal or a timeout; returns whether it timed out.
    pub fn wait_timeout<'a, T: Send + 'static>(
        &self,
        guard: B::Guard<'a, T>,
        interval: Duration,
    ) -> (B::Guard<'a, T>, bool) {
        let start = self.epoch.load(Ordering::Relaxed);
        let (guard, timed_out) = B::wait_timeout(&self.cond, guard, interval);
        (
            guard,
            timed_out || self.epoch.load(Ordering::Relaxed) != start,
        )
    }

    /// Signals one waiter.
    pub fn notify_one(&self) {
        B::notify_one(&self.cond)
    }

    /// The clock: times out every current waiter. The caller holds the waiters' mutex (the
    /// guard is the proof), so no waiter can miss the tick between reading the epoch and waiting.
    pub fn tick<T: Send + 'static>(&self, _held: &B::Guard<'_, T>) {
        self.epoch.fetch_add(1, Ordering::Relaxed);
        B::notify_all(&self.cond);
    }
}
