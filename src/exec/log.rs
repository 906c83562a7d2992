//! The event log of one twin run: the spec actions the twin performed, in the order their
//! effects happened.

use super::Backend;
use std::sync::{Arc, Mutex};

/// A shared, append-only log of observed actions. It uses a std mutex, which loom and shuttle
/// do not see, so logging adds no scheduling points.
pub struct Log<A>(Arc<Mutex<Vec<A>>>);

impl<A> Clone for Log<A> {
    fn clone(&self) -> Self {
        Log(Arc::clone(&self.0))
    }
}

impl<A> Default for Log<A> {
    fn default() -> Self {
        Log(Arc::new(Mutex::new(Vec::new())))
    }
}

impl<A: Clone> Log<A> {
    /// Performs `effect` and logs the action it returns as one indivisible event. Of the backend
    /// operations in `effect`, the last is the step's one effect that other threads can see
    /// without a lock the caller holds; any before it may only read or lock (a compare-and-swap
    /// that fails changes nothing). Then the log order is the order in which those effects
    /// happened.
    pub fn record<B: Backend, R>(&self, effect: impl FnOnce() -> (A, R)) -> R {
        self.record_if::<B, R>(|| {
            let (action, result) = effect();
            (Some(action), result)
        })
    }

    /// As `record`, but logs only when `effect` returns an action: a compare-and-swap that
    /// fails has no effect and is no step.
    pub fn record_if<B: Backend, R>(&self, effect: impl FnOnce() -> (Option<A>, R)) -> R {
        B::atomically(|| {
            let (action, result) = effect();
            if let Some(action) = action {
                self.0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(action);
            }
            result
        })
    }

    /// Logs `action`, which has no effect visible without a lock the caller holds.
    pub fn note<B: Backend>(&self, action: A) {
        self.record::<B, ()>(|| (action, ()))
    }

    /// The actions logged so far.
    pub fn snapshot(&self) -> Vec<A> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
