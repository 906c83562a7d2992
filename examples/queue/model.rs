//! `queue.Queue` (`Lib/queue.py`, 3.10-3.13) on Python's own primitives, written only against
//! gilcheck's public API: one `mutex` (a `threading.Lock`) and two conditions on it.
//!
//! ```python
//! class Queue:                                   # maxsize 1 here
//!     def __init__(self, maxsize):
//!         self.mutex = threading.Lock()
//!         self.not_empty = threading.Condition(self.mutex)
//!         self.not_full = threading.Condition(self.mutex)
//!     def put(self, item):                       # T0, T1: one put each
//!         with self.not_full:
//!             while self._qsize() >= self.maxsize: self.not_full.wait()
//!             self._put(item); self.unfinished_tasks += 1
//!             self.not_empty.notify()
//!     def get(self):                             # T2, T3: one get each
//!         with self.not_empty:
//!             while not self._qsize(): self.not_empty.wait()
//!             item = self._get(); self.not_full.notify()
//!             return item
//! ```
//!
//! (`unfinished_tasks`, `task_done` and `join` are left out: no property here reads them.)
//! Variants: `queue` (as above), `unbounded` (`Queue()`, maxsize 0: `put` never waits),
//! `one-condition` (`not_full` and `not_empty` are the same condition: a `notify()` can wake a
//! thread of the wrong kind, bad), `if-not-while` (`if` instead of `while` around the waits: a
//! woken waiter does not test again, bad).

use gilcheck::exec::{twin_meta, Backend, Log, ObjectCell, Twin};
use gilcheck::model::{Config, Model, Property};
use gilcheck::models::threading::ThreadingVariant::Cpython;
use gilcheck::models::threading::{Action, CondId, LockId, Next, PyState, Python, Step, Threading};
use gilcheck::timeline::{Fact, Frame};
use gilcheck::trace::TraceMeta;
use std::sync::Arc;

/// Threads: two putters, two getters.
pub const THREADS: usize = 4;

gilcheck::variants! {
    /// The variants, the real code first.
    pub enum QueueVariant {
        /// `Lib/queue.py`, `Queue(1)`.
        Queue => ("queue", Real, "Lib/queue.py: Queue(1), put/get with not_full/not_empty on one mutex"),
        /// `Queue()`: no bound.
        Unbounded => ("unbounded", Real, "Lib/queue.py: Queue() (maxsize 0), put never waits"),
        /// One condition for both.
        OneCondition => ("one-condition", Bad,
            "not_full and not_empty are one condition: notify() may wake the wrong kind"),
        /// `if` instead of `while`.
        IfNotWhile => ("if-not-while", Bad, "if instead of while: a woken waiter does not test again"),
    }
}

/// The queue's own steps: `self._put(item)`, `self._get()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Own {
    Put,
    Get,
}

/// Where a thread is in `put`/`get`: `with`, the `while` test, back from a wait without testing
/// (`if-not-while`), the notify, the end of `with`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pc {
    Enter,
    Test,
    Woken,
    Notify,
    Exit,
    Done,
}

/// The mutex and conditions, `_qsize()`, a `_put` past `maxsize` or a `_get` from an empty deque
/// (an `IndexError`), each thread's place.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub py: PyState,
    pub qsize: u8,
    pub broken: bool,
    pub pc: [Pc; THREADS],
}

gilcheck::stored_as_is!(State);

/// The model of one variant: T0 and T1 put one item each, T2 and T3 get one each.
pub struct QueueModel {
    pub variant: QueueVariant,
    pub maxsize: u8,
    pub py: Threading,
    mutex: LockId,
    not_empty: CondId,
    not_full: CondId,
}

impl QueueModel {
    /// The model of `variant`.
    pub fn new(variant: QueueVariant) -> Self {
        let mut py = Threading::new(Cpython, THREADS);
        let mutex = py.lock("mutex");
        let not_empty = py.condition("not_empty", mutex);
        let not_full = match variant {
            QueueVariant::OneCondition => not_empty,
            _ => py.condition("not_full", mutex),
        };
        let maxsize = (variant != QueueVariant::Unbounded) as u8;
        QueueModel {
            variant,
            maxsize,
            py,
            mutex,
            not_empty,
            not_full,
        }
    }

    /// What thread `t` does next in its own code, and where its own code goes once it has.
    fn next(&self, s: &State, t: u8) -> Option<(Next<Own>, Pc)> {
        let putter = t < 2;
        let (mine, theirs) = match putter {
            true => (self.not_full, self.not_empty),
            false => (self.not_empty, self.not_full),
        };
        let blocked = match putter {
            true => self.maxsize > 0 && s.qsize >= self.maxsize,
            false => s.qsize == 0,
        };
        let retests = self.variant != QueueVariant::IfNotWhile;
        Some(match s.pc[t as usize] {
            Pc::Enter => (Next::Call(self.mutex.acquire()), Pc::Test),
            Pc::Test if blocked => {
                let back = if retests { Pc::Test } else { Pc::Woken };
                (Next::Call(mine.wait()), back)
            }
            Pc::Test | Pc::Woken if putter => (Next::Own(Own::Put), Pc::Notify),
            Pc::Test | Pc::Woken => (Next::Own(Own::Get), Pc::Notify),
            Pc::Notify => (Next::Call(theirs.notify(1)), Pc::Exit),
            Pc::Exit => (Next::Call(self.mutex.release()), Pc::Done),
            Pc::Done => return None,
        })
    }
}

impl Model for QueueModel {
    type State = State;
    type Action = Action<Own>;

    fn init_states(&self) -> Vec<State> {
        let (py, qsize, broken, pc) = (self.py.initial(), 0, false, [Pc::Enter; THREADS]);
        vec![State {
            py,
            qsize,
            broken,
            pc,
        }]
    }

    fn actions(&self, s: &State, out: &mut Vec<Action<Own>>) {
        self.py.compose(&s.py, out, |t, out| {
            out.extend(
                self.next(s, t)
                    .map(|(next, _)| self.py.begin(&s.py, t, next)),
            )
        });
    }

    fn next_state(&self, before: &State, a: &Action<Own>) -> State {
        let (mut s, t) = (before.clone(), a.thread);
        match a.step {
            Step::Own(Own::Put) => {
                s.broken |= self.maxsize > 0 && s.qsize >= self.maxsize;
                s.qsize += 1;
            }
            Step::Own(Own::Get) if s.qsize == 0 => s.broken = true,
            Step::Own(Own::Get) => s.qsize -= 1,
            // A step inside a call: the thread's own code has not moved.
            _ if !self.py.apply(&mut s.py, a) => return s,
            _ => {}
        }
        s.pc[t as usize] = self.next(before, t).expect("the thread moved").1;
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let source = "Lib/queue.py: Queue.put, Queue.get (3.10-3.13)";
        vec![
            Property::always(
                "QU-S1",
                "a bounded queue never holds more than maxsize items, and no get() finds it empty",
                source,
                |_, s: &State| !s.broken,
            ),
            Property::deadlock_free(
                "QU-S2",
                "no deadlock: every put() and get() returns",
                source,
            ),
            Property::sometimes(
                "QU-R1",
                "a put() waits on not_full (the queue is full: the bounded path is exercised)",
                source,
                |_, s: &State| (0..2).any(|t| s.py.asleep(t)),
            ),
        ]
    }

    fn is_final(&self, s: &State) -> bool {
        s.pc.iter().all(|&pc| pc == Pc::Done)
    }

    fn actor(&self, a: &Action<Own>) -> Option<usize> {
        Some(a.thread as usize)
    }

    fn thread_count(&self) -> usize {
        THREADS
    }

    fn format_action(&self, a: &Action<Own>) -> String {
        self.py.format_action(a, |own| match own {
            Own::Put => "self._put(item)".into(),
            Own::Get => "self._get()".into(),
        })
    }

    fn format_state(&self, s: &State) -> String {
        let broken = if s.broken { " BROKEN" } else { "" };
        let py = self.py.format_state(&s.py);
        format!("qsize={}{broken} {:?} | {py}", s.qsize, s.pc)
    }

    fn frame(&self, s: &State) -> Frame {
        let mut frame = self.py.frame(&s.py, |t| s.pc[t as usize] == Pc::Done);
        frame.facts.push(Fact::new("qsize", s.qsize.to_string()));
        frame
    }
}

/// The same `put`s and `get`s as threaded Rust on the twin primitives.
pub struct QueueTwin {
    pub variant: QueueVariant,
}

impl Twin for QueueTwin {
    type Spec = QueueModel;

    fn spec(&self, _backend: &str) -> QueueModel {
        QueueModel::new(self.variant)
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        twin_meta("queue", self.variant, Config::threads(THREADS), backend)
    }

    fn run<B: Backend>(&self, log: &Log<Action<Own>>) {
        let spec = self.spec("");
        let python = Arc::new(Python::<B, Own>::new(&spec.py, log));
        let qsize = B::Cell::new(0);
        python.run(0, move |py, me| {
            let putter = me < 2;
            let (mine, theirs) = match putter {
                true => (spec.not_full, spec.not_empty),
                false => (spec.not_empty, spec.not_full),
            };
            let blocked = || match putter {
                true => spec.maxsize > 0 && qsize.read() >= spec.maxsize as u64,
                false => qsize.read() == 0,
            };
            py.call(me, spec.mutex.acquire());
            while blocked() {
                py.call(me, mine.wait());
                if spec.variant == QueueVariant::IfNotWhile {
                    break;
                }
            }
            if putter {
                qsize.write(qsize.read() + 1);
                py.own(me, Own::Put);
            } else {
                qsize.write(qsize.read().saturating_sub(1));
                py.own(me, Own::Get);
            }
            py.call(me, theirs.notify(1));
            py.call(me, spec.mutex.release());
        });
    }
}
