//! `threading.Semaphore` (`Lib/threading.py`, 3.10 to 3.13): a `_value` and a
//! `_cond = Condition(Lock())`. Each method runs its body inside `with self._cond:`:
//! - `acquire(timeout)`: `while self._value == 0:` wait on `_cond` (with the time left, if
//!   timed: once the deadline has passed, `break` and return `False`); then
//!   `self._value -= 1` and return `True`. After a timed wait that a notify ended with
//!   `_value` still 0, the time left may or may not have run out: both are offered.
//! - `release(n)`: `self._value += n`, then wake `n` waiters (`for i in range(n):
//!   self._cond.notify()` in 3.10 and 3.11, `self._cond.notify(n)` from 3.12: the same
//!   waiters).

use super::action::Step;
use super::decl::{SemId, Threading};
use super::state::{At, Op, PyState, SemOp};
use super::variants::ThreadingVariant;

impl Threading {
    /// The body steps of a `Semaphore` method, `_cond` held; `back`: back from a wait
    /// (`Some(true)`: the wait timed out), `None` on entry.
    pub(crate) fn sem_steps<O>(
        &self,
        s: &PyState,
        m: u8,
        op: SemOp,
        back: Option<bool>,
        push: &mut impl FnMut(Step<O>),
    ) {
        let value = s.values[m as usize];
        let cond = self.sem_cond(SemId(m));
        match op {
            SemOp::Acquire { .. }
                if value > 0 || self.variant == ThreadingVariant::SemaphoreNoWait =>
            {
                push(Step::Decrement { value: value - 1 })
            }
            SemOp::Acquire { timed: false } => push(Step::Append { cond, timed: false }),
            SemOp::Acquire { timed: true } => {
                // `timeout <= 0` is tested only when back from a wait.
                if back != Some(true) {
                    push(Step::Append { cond, timed: true });
                }
                if back.is_some() {
                    push(Step::Deadline);
                }
            }
            SemOp::Release { n } => {
                let (woken, spent) = if self.variant == ThreadingVariant::NoNotify {
                    (0, 0)
                } else {
                    self.notify_choice(s, cond, Some(n))
                };
                push(Step::Increment {
                    n,
                    value: value + n as i8,
                    woken,
                    spent,
                })
            }
        }
    }

    /// Applies a `Semaphore` body step of thread `t`.
    pub(crate) fn apply_sem<O>(&self, s: &mut PyState, t: u8, step: &Step<O>) {
        let Op::Sem(m, _) = s.places[t as usize].op else {
            unreachable!("a Semaphore step outside a Semaphore method")
        };
        let returns = match *step {
            Step::Decrement { value } => {
                s.values[m as usize] = value;
                Some(true)
            }
            Step::Deadline => Some(false),
            Step::Increment { value, woken, .. } => {
                s.values[m as usize] = value;
                self.wake(s, self.sem_cond(SemId(m)), woken);
                None
            }
            _ => unreachable!("not a Semaphore step"),
        };
        s.places[t as usize].at = At::Exit { returns };
    }
}
