//! A user's own protocol, written only against gilcheck's public API on Python's own primitives
//! (`gilcheck::models::threading`): a one-slot buffer guarded by `threading.Condition`.
//!
//! ```python
//! cond = threading.Condition(); items = []          # capacity 1; Condition() makes an RLock
//! def producer():                                     # T0
//!     for i in range(CONSUMERS):
//!         with cond:
//!             while items: cond.wait()
//!             items.append(i); cond.notify_all()
//! def consumer():                                     # T1, T2, ...
//!     with cond:
//!         while not items: cond.wait()
//!         items.pop(); cond.notify_all()
//! ```
//!
//! The component supplies every step of `with cond:`, `cond.wait()` and `cond.notify_all()` as
//! CPython runs them; this file says only what each thread calls next and what `append` and
//! `pop` do. Variants: `while-loop` (as above), `if-instead-of-while` (a consumer does not test
//! again after waking: bad), `notify-one` (`cond.notify()` instead of `notify_all()`: bad, the
//! one woken may be the wrong kind of thread).

use gilcheck::exec::{twin_meta, Backend, Log, ObjectCell, Twin};
use gilcheck::model::{Config, Fairness, Model, Property};
use gilcheck::models::threading::ThreadingVariant::Cpython;
use gilcheck::models::threading::{
    Action, At, CondId, LockId, Next, PyState, Python, Step, Threading,
};
use gilcheck::timeline::{Fact, Frame};
use gilcheck::trace::TraceMeta;
use std::sync::Arc;

gilcheck::variants! {
    /// The variants, the real program first.
    pub enum PcVariant {
        /// As above.
        WhileLoop => ("while-loop", Real, "while not items: cond.wait(); notify_all"),
        /// A woken consumer does not test again.
        IfInsteadOfWhile => ("if-instead-of-while", Bad,
            "if not items: cond.wait(): a woken consumer does not test again"),
        /// `notify()` instead of `notify_all()`.
        NotifyOne => ("notify-one", Bad, "cond.notify() wakes one waiter, maybe of the wrong kind"),
    }
}

/// The program's own steps: `items.append(i)` (the producer), `items.pop()` (a consumer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Own {
    Append,
    Pop,
}

/// Where a thread is in its own code: `with cond:`, the `while` test, back from `cond.wait()`
/// without testing again (`if-instead-of-while`), the notify, the end of `with cond:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pc {
    Enter,
    Test,
    Woken,
    Notify,
    Exit,
    Done,
}

/// The lock and the condition, the buffer (a pop of an empty one is an `IndexError`: recorded
/// in `underflow`), the items produced, each thread's place in its own code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub py: PyState,
    pub items: u8,
    pub underflow: bool,
    pub produced: u8,
    pub pc: [Pc; 4],
}

gilcheck::stored_as_is!(State);

/// The model of one variant: T0 produces, the others (1 to 3) consume one item each.
pub struct ProducerConsumer {
    pub variant: PcVariant,
    pub py: Threading,
    lock: LockId,
    cond: CondId,
}

impl ProducerConsumer {
    /// The model of `variant` with `config.threads` threads (2..=4).
    pub fn new(variant: PcVariant, config: Config) -> Self {
        assert!((2..=4).contains(&config.threads));
        let mut py = Threading::new(Cpython, config.threads);
        let lock = py.rlock("cond");
        let cond = py.condition("cond", lock);
        ProducerConsumer {
            variant,
            py,
            lock,
            cond,
        }
    }

    /// What thread `t` does next in its own code, and where its own code goes once it has.
    fn next(&self, s: &State, t: u8) -> Option<(Next<Own>, Pc)> {
        let producer = t == 0;
        let retests = producer || self.variant != PcVariant::IfInsteadOfWhile;
        let notify = match self.variant {
            PcVariant::NotifyOne => self.cond.notify(1),
            _ => self.cond.notify_all(),
        };
        let more = producer && (s.produced as usize) < self.py.threads - 1;
        Some(match s.pc[t as usize] {
            Pc::Enter => (Next::Call(self.lock.acquire()), Pc::Test),
            Pc::Test if s.items == producer as u8 => {
                let back = if retests { Pc::Test } else { Pc::Woken };
                (Next::Call(self.cond.wait()), back)
            }
            Pc::Test | Pc::Woken if producer => (Next::Own(Own::Append), Pc::Notify),
            Pc::Test | Pc::Woken => (Next::Own(Own::Pop), Pc::Notify),
            Pc::Notify => (Next::Call(notify), Pc::Exit),
            Pc::Exit => (
                Next::Call(self.lock.release()),
                if more { Pc::Enter } else { Pc::Done },
            ),
            Pc::Done => return None,
        })
    }
}

impl Model for ProducerConsumer {
    type State = State;
    type Action = Action<Own>;

    fn init_states(&self) -> Vec<State> {
        let mut pc = [Pc::Done; 4];
        pc[..self.py.threads].fill(Pc::Enter);
        let (py, items, underflow, produced) = (self.py.initial(), 0, false, 0);
        vec![State {
            py,
            items,
            underflow,
            produced,
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
            Step::Own(Own::Append) => (s.items, s.produced) = (s.items + 1, s.produced + 1),
            Step::Own(Own::Pop) if s.items == 0 => s.underflow = true,
            Step::Own(Own::Pop) => s.items -= 1,
            // A step inside a call: the thread's own code has not moved.
            _ if !self.py.apply(&mut s.py, a) => return s,
            _ => {}
        }
        s.pc[t as usize] = self.next(before, t).expect("the thread moved").1;
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let source = "Lib/threading.py: Condition.wait, notify_all (the user's program above)";
        vec![
            Property::always(
                "PC-S1",
                "no consumer pops an empty buffer, and the buffer never holds more than one item",
                source,
                |_, s: &State| !s.underflow && s.items <= 1,
            ),
            Property::deadlock_free(
                "PC-S2",
                "no deadlock: until every thread has finished, some thread can move",
                source,
            ),
            Property::sometimes(
                "PC-R1",
                "a consumer waits in cond.wait() (the waiting path is exercised)",
                source,
                |m: &Self, s: &State| {
                    m.py.thread_ids()
                        .skip(1)
                        .any(|t| matches!(s.py.places[t as usize].at, At::Cond { .. }))
                },
            ),
            Property::leads_to(
                "PC-L1",
                "every consumer eventually gets its item",
                source,
                |_, _, _| true,
                |_, s: &State, t| t == 0 || s.pc[t] == Pc::Done,
                Fairness::WeakThread,
            )
            .for_each_thread(),
        ]
    }

    fn is_final(&self, s: &State) -> bool {
        s.pc.iter().all(|&pc| pc == Pc::Done)
    }

    fn actor(&self, a: &Action<Own>) -> Option<usize> {
        Some(a.thread as usize)
    }

    fn thread_count(&self) -> usize {
        self.py.threads
    }

    fn format_action(&self, a: &Action<Own>) -> String {
        self.py.format_action(a, |own| match own {
            Own::Append => "items.append(i)".into(),
            Own::Pop => "items.pop()".into(),
        })
    }

    fn format_state(&self, s: &State) -> String {
        let (pc, py) = (&s.pc[..self.py.threads], self.py.format_state(&s.py));
        let underflow = if s.underflow { " UNDERFLOW" } else { "" };
        format!(
            "items={}{underflow} produced={} {pc:?} | {py}",
            s.items, s.produced
        )
    }

    fn frame(&self, s: &State) -> Frame {
        let mut frame = self.py.frame(&s.py, |t| s.pc[t as usize] == Pc::Done);
        frame.facts.push(Fact::new("items", s.items.to_string()));
        frame
    }
}

/// The same program as threaded Rust on the twin primitives (std, loom, shuttle): one producer,
/// the rest consumers.
pub struct ProducerConsumerTwin {
    pub variant: PcVariant,
    pub threads: usize,
}

impl Twin for ProducerConsumerTwin {
    type Spec = ProducerConsumer;

    fn spec(&self, _backend: &str) -> ProducerConsumer {
        ProducerConsumer::new(self.variant, Config::threads(self.threads))
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        twin_meta(
            "producer-consumer",
            self.variant,
            Config::threads(self.threads),
            backend,
        )
    }

    fn run<B: Backend>(&self, log: &Log<Action<Own>>) {
        let spec = self.spec("");
        let python = Arc::new(Python::<B, Own>::new(&spec.py, log));
        let items = B::Cell::new(0);
        python.run(0, move |py, me| {
            let must_wait = || items.read() == (me == 0) as u64;
            let rounds = if me == 0 { spec.py.threads - 1 } else { 1 };
            for _ in 0..rounds {
                py.call(me, spec.lock.acquire());
                while must_wait() {
                    py.call(me, spec.cond.wait());
                    if me > 0 && spec.variant == PcVariant::IfInsteadOfWhile {
                        break;
                    }
                }
                if me == 0 {
                    items.write(items.read() + 1);
                    py.own(me, Own::Append);
                } else {
                    items.write(items.read().saturating_sub(1));
                    py.own(me, Own::Pop);
                }
                let notify = if spec.variant == PcVariant::NotifyOne {
                    spec.cond.notify(1)
                } else {
                    spec.cond.notify_all()
                };
                py.call(me, notify);
                py.call(me, spec.lock.release());
            }
        });
    }
}
