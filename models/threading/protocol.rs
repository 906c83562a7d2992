//! How a model composes the primitives: `compose` offers each thread's protocol steps and lets
//! the model decide what a thread in its own code does; `call` is the first step of a call,
//! `apply` performs any step. The primitives' own steps are in `lock.rs`, `condition.rs`,
//! `event.rs` and `semaphore.rs`.
//!
//! Abstractions, each exact for what the primitives' users observe:
//! - A step is the few lines of CPython between two points where another thread can observe a
//!   difference; the GIL makes each of them atomic (the C functions run holding it, and
//!   `acquire_timed` drops it only while blocked).
//! - A timeout is not a number: a timed call may time out at any point while it is blocked
//!   (not once what it waits for is available: then the waiter takes it, as the semaphore
//!   `PyThread_acquire_lock_timed` waits on and `_PyMutex_LockTimed` do once woken).
//! - Which blocked thread takes a freed lock is free (the OS picks; not FIFO). Which waiter a
//!   notify wakes is not: `_waiters` is a FIFO deque.

use super::action::{Action, Next, Step};
use super::decl::{Call, LockId, Threading};
use super::state::{
    At, EvOp, Op, Place, PyState, SemOp, MAX_CONDS, MAX_LOCKS, MAX_SEMS, MAX_THREADS, NOBODY,
};

impl Threading {
    /// The state before any thread ran: locks free, no waiters, flags clear, semaphores at
    /// their initial values, every thread in its own code.
    pub fn initial(&self) -> PyState {
        let mut values = [0; MAX_SEMS];
        for (value, decl) in values.iter_mut().zip(&self.sems) {
            *value = decl.value as i8;
        }
        PyState {
            holder: [NOBODY; MAX_LOCKS],
            count: [0; MAX_LOCKS],
            waiters: [[NOBODY; MAX_THREADS]; MAX_CONDS],
            released: 0,
            flags: 0,
            values,
            places: [Place::OWN; MAX_THREADS],
            results: 0,
            raised: 0,
        }
    }

    /// The steps of a model built on the primitives: each thread's protocol steps, and for a
    /// thread in its own code the steps `own` appends (`call(..)` for a call, `Action::own`
    /// for a step of its own, nothing when it has finished).
    pub fn compose<O>(
        &self,
        s: &PyState,
        out: &mut Vec<Action<O>>,
        mut own: impl FnMut(u8, &mut Vec<Action<O>>),
    ) {
        for t in self.thread_ids() {
            if s.places[t as usize].is_own() {
                own(t, out)
            } else {
                self.steps(s, t, out)
            }
        }
    }

    /// The first step of `call` made by thread `t` from its own code. `apply` returns `true`
    /// for it: that is when the model moves its own program counter past the call.
    pub fn call<O>(&self, s: &PyState, t: u8, call: Call) -> Action<O> {
        debug_assert!(s.places[t as usize].is_own(), "T{t} is inside a call");
        let program = |op: Op, cond| (op, self.acquire_step(s, t, self.lock_of(cond), false));
        let (within, step) = match call {
            Call::Acquire { lock, timeout } => (Op::Own, self.acquire_step(s, t, lock, timeout)),
            Call::Release(lock) => (Op::Own, self.release_step(s, t, lock, None)),
            Call::Wait { cond, timeout } => (
                Op::Own,
                Step::Append {
                    cond,
                    timed: timeout,
                },
            ),
            Call::Notify { cond, n } => (Op::Own, self.notify_step(s, cond, Some(n))),
            Call::NotifyAll(cond) => (Op::Own, self.notify_step(s, cond, None)),
            Call::Set(e) => program(Op::Event(e.0, EvOp::Set), self.event_cond(e)),
            Call::Clear(e) => program(Op::Event(e.0, EvOp::Clear), self.event_cond(e)),
            Call::WaitEvent { event, timeout } => program(
                Op::Event(event.0, EvOp::Wait { timed: timeout }),
                self.event_cond(event),
            ),
            Call::AcquireSem { sem, timeout } => program(
                Op::Sem(sem.0, SemOp::Acquire { timed: timeout }),
                self.sem_cond(sem),
            ),
            Call::ReleaseSem { sem, n } => {
                program(Op::Sem(sem.0, SemOp::Release { n }), self.sem_cond(sem))
            }
        };
        Action {
            thread: t,
            within,
            step,
        }
    }

    /// The first step of what thread `t`, in its own code, does `next`: `call(..)` for a call,
    /// `Action::own` for a step of its own.
    pub fn begin<O>(&self, s: &PyState, t: u8, next: Next<O>) -> Action<O> {
        match next {
            Next::Call(call) => self.call(s, t, call),
            Next::Own(step) => Action::own(t, step),
        }
    }

    /// Appends the enabled steps of thread `t`, which is inside a call.
    pub fn steps<O>(&self, s: &PyState, t: u8, out: &mut Vec<Action<O>>) {
        let place = s.places[t as usize];
        let mut push = |step| {
            out.push(Action {
                thread: t,
                within: place.op,
                step,
            })
        };
        match (place.op, place.at) {
            (_, At::Blocked { lock, timed }) => self.blocked_steps(s, t, lock, timed, &mut push),
            (
                _,
                At::Cond {
                    cond, timed, step, ..
                },
            ) => self.wait_steps(s, t, cond, timed, step, &mut push),
            (Op::Own, _) => {}
            (Op::Event(e, op), At::Ready) => self.event_steps(s, e, op, &mut push),
            (Op::Sem(m, op), At::Ready) => self.sem_steps(s, m, op, None, &mut push),
            (Op::Sem(m, op), At::Recheck { expired }) => {
                self.sem_steps(s, m, op, Some(expired), &mut push)
            }
            (op, At::Exit { returns }) => {
                push(self.release_step(s, t, self.program_lock(op), returns))
            }
            (op, at) => unreachable!("{op:?} is never {at:?}"),
        }
    }

    /// Performs `a`, which must be enabled in `s`. Returns whether it began a call from the
    /// thread's own code (the model then moves its program counter past the call).
    pub fn apply<O>(&self, s: &mut PyState, a: &Action<O>) -> bool {
        let t = a.thread;
        let called = s.places[t as usize].is_own() && !matches!(a.step, Step::Own(_));
        if called {
            s.places[t as usize].op = a.within;
        }
        match a.step {
            Step::Own(_) => {}
            Step::Take { .. }
            | Step::Reenter { .. }
            | Step::Block { .. }
            | Step::GiveUp { .. }
            | Step::Release { .. }
            | Step::ReleaseUnheld { .. } => self.apply_lock(s, t, &a.step),
            Step::Append { .. }
            | Step::ReleaseSave { .. }
            | Step::Notified { .. }
            | Step::TimedOut { .. }
            | Step::Restore { .. }
            | Step::Remove { .. }
            | Step::Notify { .. } => self.apply_condition(s, t, &a.step),
            Step::SetFlag { .. } | Step::ClearFlag | Step::FlagSet => {
                self.apply_event(s, t, &a.step)
            }
            Step::Decrement { .. } | Step::Deadline | Step::Increment { .. } => {
                self.apply_sem(s, t, &a.step)
            }
        }
        called
    }

    /// Thread `t`'s `lock.acquire()` returned `value`: back to the program that called it.
    pub(crate) fn acquired(&self, s: &mut PyState, t: u8, value: bool) {
        match s.places[t as usize].op {
            Op::Own => self.returns(s, t, value),
            // `with self._cond:` in an Event or Semaphore method: on into the body.
            _ => s.places[t as usize].at = At::Ready,
        }
    }

    /// Thread `t`'s `cond.wait()` returned `value`: back to the program that called it.
    pub(crate) fn waited(&self, s: &mut PyState, t: u8, value: bool) {
        let place = &mut s.places[t as usize];
        match place.op {
            Op::Own => self.returns(s, t, value),
            Op::Event(_, EvOp::Wait { .. }) => {
                place.at = At::Exit {
                    returns: Some(value),
                }
            }
            Op::Sem(_, SemOp::Acquire { .. }) => place.at = At::Recheck { expired: !value },
            op => unreachable!("{op:?} does not wait"),
        }
    }

    /// The call thread `t` made from its own code returns `value`.
    pub(crate) fn returns(&self, s: &mut PyState, t: u8, value: bool) {
        s.places[t as usize] = Place::OWN;
        if value {
            s.results |= 1 << t;
        } else {
            s.results &= !(1 << t);
        }
    }

    /// The `_cond`'s lock of an `Event` or `Semaphore` method.
    fn program_lock(&self, op: Op) -> LockId {
        match op {
            Op::Event(e, _) => self.lock_of(self.events[e as usize].cond),
            Op::Sem(m, _) => self.lock_of(self.sems[m as usize].cond),
            Op::Own => unreachable!("own code has no _cond"),
        }
    }

    /// Whether every thread is in its own code (no call in progress).
    pub fn is_idle(&self, s: &PyState) -> bool {
        self.thread_ids().all(|t| s.places[t as usize].is_own())
    }
}
