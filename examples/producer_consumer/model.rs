//! A user's own protocol around the GIL, written only against gilcheck's public API: a bounded
//! buffer of one slot guarded by `threading.Condition` (which wraps a `threading.Lock`).
//!
//! ```python
//! cond = threading.Condition(); items = []          # capacity 1
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
//! Each step is one atomic step under the GIL (`Lib/threading.py`: `Condition.wait` releases
//! the lock, blocks until notified, then takes the lock again; `notify_all` wakes every waiter).
//! Variants: `while-loop` (as above), `if-instead-of-while` (a consumer does not test again
//! after waking: bad), `notify-one` (`cond.notify()` instead of `notify_all()`: bad, the one
//! woken may be the wrong kind of thread).

use gilcheck::exec::{twin_meta, Backend, Log, Twin};
use gilcheck::model::{Check, Config, Fairness, Model, Property, Setting};
use gilcheck::trace::TraceMeta;
use std::sync::Arc;

/// Most threads (one producer and up to three consumers).
pub const MAX_THREADS: usize = 4;

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

/// Condition waits may return without a notify (POSIX allows it; real threads do).
pub const SPURIOUS_WAKEUPS: Setting = Setting::relaxation(
    "spurious-wakeups",
    "cond.wait() may return without a notify",
);

/// Where a thread is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pc {
    /// About to enter `with cond:` (acquire the lock).
    Enter,
    /// Holds the lock, about to test the buffer.
    Test,
    /// In `cond.wait()`, lock released; `notified` once a notify chose it.
    Waiting {
        /// A notify chose this waiter.
        notified: bool,
    },
    /// Back from `cond.wait()` with the lock (the `if` variant's consumer takes without testing).
    Woken,
    /// Finished.
    Done,
}

/// A state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The thread holding the condition's lock, if any.
    pub holder: Option<u8>,
    /// Items in the buffer (0 or 1; `pop` of an empty list is recorded in `underflow`).
    pub items: u8,
    /// A consumer popped an empty list (an `IndexError` in Python).
    pub underflow: bool,
    /// Items the producer has put.
    pub produced: u8,
    /// Each thread's place.
    pub threads: [Pc; MAX_THREADS],
}

// A few hundred states: the visited set keeps them as they are, unpacked.
gilcheck::stored_as_is!(State);

/// One step of one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `with cond:` takes the free lock.
    Enter(u8),
    /// The test finds the thread must wait: `cond.wait()` releases the lock.
    Wait(u8),
    /// A notified waiter takes the lock again.
    Wake(u8),
    /// The producer appends, notifies, and leaves the `with` block.
    Put {
        /// The producer.
        thread: u8,
        /// The waiter `notify()` chose (`notify-one` only; `None` to the twin).
        woken: Option<u8>,
    },
    /// A consumer pops, notifies, and leaves the `with` block.
    Take {
        /// The consumer.
        thread: u8,
        /// See `Put`.
        woken: Option<u8>,
    },
}

/// The model of one variant.
pub struct ProducerConsumer {
    /// Which code.
    pub variant: PcVariant,
    /// Threads: T0 produces, the others consume one item each.
    pub config: Config,
}

impl ProducerConsumer {
    /// The model of `variant` with `config.threads` threads (2..=4).
    pub fn new(variant: PcVariant, config: Config) -> Self {
        assert!((2..=MAX_THREADS).contains(&config.threads));
        ProducerConsumer { variant, config }
    }

    fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.config.threads as u8
    }

    fn consumers(&self) -> u8 {
        self.config.threads as u8 - 1
    }

    /// The waiters a notify can wake: all (`notify_all`) or one chosen (`notify`), as the
    /// `woken` choices of the step.
    fn woken_choices(&self, s: &State) -> Vec<Option<u8>> {
        if self.variant != PcVariant::NotifyOne {
            return vec![None];
        }
        let waiting: Vec<Option<u8>> = self
            .threads()
            .filter(|&t| s.threads[t as usize] == Pc::Waiting { notified: false })
            .map(Some)
            .collect();
        if waiting.is_empty() {
            vec![None]
        } else {
            waiting
        }
    }

    fn notify(&self, s: &mut State, woken: Option<u8>) {
        for t in self.threads() {
            let chosen = self.variant != PcVariant::NotifyOne || woken == Some(t);
            if chosen && matches!(s.threads[t as usize], Pc::Waiting { .. }) {
                s.threads[t as usize] = Pc::Waiting { notified: true };
            }
        }
    }
}

impl Model for ProducerConsumer {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        let mut threads = [Pc::Done; MAX_THREADS];
        for t in self.threads() {
            threads[t as usize] = Pc::Enter;
        }
        vec![State {
            holder: None,
            items: 0,
            underflow: false,
            produced: 0,
            threads,
        }]
    }

    fn actions(&self, s: &State, out: &mut Vec<Action>) {
        for t in self.threads() {
            let producer = t == 0;
            match s.threads[t as usize] {
                Pc::Enter if s.holder.is_none() => out.push(Action::Enter(t)),
                // Spurious wake-ups: POSIX allows them, Python's wait then returns.
                Pc::Waiting { notified }
                    if s.holder.is_none() && (notified || SPURIOUS_WAKEUPS.is_on(&self.config)) =>
                {
                    out.push(Action::Wake(t))
                }
                Pc::Test if producer && s.items == 1 => out.push(Action::Wait(t)),
                Pc::Test | Pc::Woken if producer => {
                    for woken in self.woken_choices(s) {
                        out.push(Action::Put { thread: t, woken });
                    }
                }
                Pc::Test if s.items == 0 => out.push(Action::Wait(t)),
                Pc::Test | Pc::Woken => {
                    for woken in self.woken_choices(s) {
                        out.push(Action::Take { thread: t, woken });
                    }
                }
                _ => {}
            }
        }
    }

    fn next_state(&self, s: &State, action: &Action) -> State {
        let mut s = s.clone();
        match *action {
            Action::Enter(t) => {
                s.holder = Some(t);
                s.threads[t as usize] = Pc::Test;
            }
            Action::Wait(t) => {
                s.holder = None;
                s.threads[t as usize] = Pc::Waiting { notified: false };
            }
            Action::Wake(t) => {
                s.holder = Some(t);
                // Only the `if` variant's consumer goes on without testing again.
                let skips_test = t != 0 && self.variant == PcVariant::IfInsteadOfWhile;
                s.threads[t as usize] = if skips_test { Pc::Woken } else { Pc::Test };
            }
            Action::Put { thread, woken } => {
                s.items += 1;
                s.produced += 1;
                self.notify(&mut s, woken);
                s.holder = None;
                s.threads[thread as usize] = if s.produced == self.consumers() {
                    Pc::Done
                } else {
                    Pc::Enter
                };
            }
            Action::Take { thread, woken } => {
                if s.items == 0 {
                    s.underflow = true;
                } else {
                    s.items -= 1;
                }
                self.notify(&mut s, woken);
                s.holder = None;
                s.threads[thread as usize] = Pc::Done;
            }
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "PC-S1",
                statement: "no consumer pops an empty buffer, and the buffer never holds more \
                            than one item",
                source: "Lib/threading.py: Condition.wait, notify_all (the user's program above)",
                premise: None,
                check: Check::Always(|_, s: &State| !s.underflow && s.items <= 1),
            },
            Property {
                id: "PC-S2",
                statement: "no deadlock: until every thread has finished, some thread can move",
                source: "Lib/threading.py: Condition.wait, notify",
                premise: None,
                check: Check::DeadlockFree,
            },
            Property {
                id: "PC-R1",
                statement: "a consumer waits in cond.wait() (the waiting path is exercised)",
                source: "Lib/threading.py: Condition.wait",
                premise: None,
                check: Check::Sometimes(|m: &ProducerConsumer, s: &State| {
                    m.threads()
                        .skip(1)
                        .any(|t| matches!(s.threads[t as usize], Pc::Waiting { .. }))
                }),
            },
            Property {
                id: "PC-L1",
                statement: "every consumer eventually gets its item",
                source: "Lib/threading.py: Condition.wait, notify_all",
                premise: None,
                check: Check::LeadsTo {
                    from: |_, _, _| true,
                    to: |_, s: &State, t| t == 0 || s.threads[t] == Pc::Done,
                    each_thread: true,
                    fairness: Fairness::WeakThread,
                },
            },
        ]
    }

    fn is_final(&self, s: &State) -> bool {
        s.threads.iter().all(|&pc| pc == Pc::Done)
    }

    fn actor(&self, action: &Action) -> Option<usize> {
        Some(match *action {
            Action::Enter(t) | Action::Wait(t) | Action::Wake(t) => t,
            Action::Put { thread, .. } | Action::Take { thread, .. } => thread,
        } as usize)
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn format_action(&self, action: &Action) -> String {
        let woken = |w: Option<u8>| match (self.variant, w) {
            (PcVariant::NotifyOne, Some(t)) => format!(", notify() wakes T{t}"),
            (PcVariant::NotifyOne, None) => ", notify()".to_string(),
            _ => ", notify_all()".to_string(),
        };
        match *action {
            Action::Enter(_) => "with cond: acquire the lock".into(),
            Action::Wait(_) => "cond.wait(): release the lock and wait".into(),
            Action::Wake(_) => "cond.wait() returns: lock taken again".into(),
            Action::Put { woken: w, .. } => format!("items.append(){}", woken(w)),
            Action::Take { woken: w, .. } => format!("items.pop(){}", woken(w)),
        }
    }

    fn format_state(&self, s: &State) -> String {
        let threads: Vec<String> = self
            .threads()
            .map(|t| format!("T{t}:{:?}", s.threads[t as usize]))
            .collect();
        format!(
            "lock={} items={}{} produced={} | {}",
            s.holder.map_or("-".into(), |t| format!("T{t}")),
            s.items,
            if s.underflow { " UNDERFLOW" } else { "" },
            s.produced,
            threads.join(" ")
        )
    }

    fn observable(&self, action: &Action) -> Action {
        // Which waiter the OS wakes is not visible to the running code.
        match *action {
            Action::Put { thread, .. } => Action::Put {
                thread,
                woken: None,
            },
            Action::Take { thread, .. } => Action::Take {
                thread,
                woken: None,
            },
            other => other,
        }
    }
}

/// The same program as threaded Rust over gilcheck's sync facade (std, loom, shuttle).
pub struct ProducerConsumerTwin {
    /// Which code.
    pub variant: PcVariant,
    /// Threads: one producer, the rest consumers.
    pub threads: usize,
}

impl ProducerConsumerTwin {
    /// The spec a run is replayed on: real threads (`std`) may wake spuriously.
    fn spec_config(&self, backend: &str) -> Config {
        Config::threads(self.threads).with(SPURIOUS_WAKEUPS.name, backend == "std")
    }
}

/// What the condition's lock guards.
struct Buffer {
    items: usize,
}

impl Twin for ProducerConsumerTwin {
    type Spec = ProducerConsumer;

    fn spec(&self, backend: &str) -> ProducerConsumer {
        ProducerConsumer::new(self.variant, self.spec_config(backend))
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        twin_meta(
            "producer-consumer",
            self.variant,
            self.spec_config(backend),
            backend,
        )
    }

    fn run<B: Backend>(&self, log: &Log<Action>) {
        let shared = Arc::new((B::mutex(Buffer { items: 0 }), B::condvar()));
        let consumers = self.threads - 1;
        let handles: Vec<_> = (0..self.threads as u8)
            .map(|me| {
                let shared = Arc::clone(&shared);
                let log = log.clone();
                let variant = self.variant;
                B::spawn(move || {
                    let (lock, cond) = &*shared;
                    let rounds = if me == 0 { consumers } else { 1 };
                    for _ in 0..rounds {
                        let mut buffer = B::lock(lock);
                        log.note::<B>(Action::Enter(me));
                        let must_wait =
                            |b: &Buffer| if me == 0 { b.items == 1 } else { b.items == 0 };
                        let retest = me == 0 || variant != PcVariant::IfInsteadOfWhile;
                        if must_wait(&buffer) {
                            loop {
                                log.note::<B>(Action::Wait(me));
                                buffer = B::wait(cond, buffer);
                                log.note::<B>(Action::Wake(me));
                                if !retest || !must_wait(&buffer) {
                                    break;
                                }
                            }
                        }
                        let woken = None;
                        if me == 0 {
                            buffer.items += 1;
                            log.note::<B>(Action::Put { thread: me, woken });
                        } else {
                            buffer.items = buffer.items.saturating_sub(1);
                            log.note::<B>(Action::Take { thread: me, woken });
                        }
                        if variant == PcVariant::NotifyOne {
                            B::notify_one(cond);
                        } else {
                            B::notify_all(cond);
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            B::join(handle);
        }
    }
}
