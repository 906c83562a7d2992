//! `threading.Event` (`Lib/threading.py`, the same in 3.10 to 3.13): a `_flag` and a
//! `_cond = Condition(Lock())`. Each method runs its body inside `with self._cond:` (the lock
//! steps of `lock.rs`, the wait steps of `condition.rs`):
//! - `set`: `self._flag = True; self._cond.notify_all()`;
//! - `clear`: `self._flag = False`;
//! - `wait(timeout)`: `signaled = self._flag`; if it is clear, `signaled =
//!   self._cond.wait(timeout)`; return `signaled` (so a wait that a `set` woke returns `True`
//!   even if a `clear` came before it got the lock back).

use super::action::Step;
use super::decl::{EventId, Threading};
use super::state::{At, EvOp, PyState};
use super::variants::ThreadingVariant;

impl Threading {
    /// The body step of an `Event` method, `_cond` held.
    pub(crate) fn event_steps<O>(
        &self,
        s: &PyState,
        e: u8,
        op: EvOp,
        push: &mut impl FnMut(Step<O>),
    ) {
        let cond = self.event_cond(EventId(e));
        match op {
            EvOp::Set if self.variant == ThreadingVariant::NoNotify => {
                push(Step::SetFlag { woken: 0, spent: 0 })
            }
            EvOp::Set => {
                let (woken, spent) = self.notify_choice(s, cond, None);
                push(Step::SetFlag { woken, spent })
            }
            EvOp::Clear => push(Step::ClearFlag),
            EvOp::Wait { .. } if s.flag(e) => push(Step::FlagSet),
            EvOp::Wait { timed } => push(Step::Append { cond, timed }),
        }
    }

    /// Applies an `Event` body step of thread `t`.
    pub(crate) fn apply_event<O>(&self, s: &mut PyState, t: u8, step: &Step<O>) {
        let super::state::Op::Event(e, _) = s.places[t as usize].op else {
            unreachable!("an Event step outside an Event method")
        };
        let returns = match *step {
            Step::SetFlag { woken, .. } => {
                s.flags |= 1 << e;
                self.wake(s, self.event_cond(EventId(e)), woken);
                None
            }
            Step::ClearFlag => {
                s.flags &= !(1 << e);
                None
            }
            Step::FlagSet => Some(true),
            _ => unreachable!("not an Event step"),
        };
        s.places[t as usize].at = At::Exit { returns };
    }
}
