//! PyPy's GIL (`rpython/translator/c/src/thread_gil.c`, as summarised in reference §6 and
//! §5.3): a word `rpy_fastgil` (0 free, else held) taken by compare-and-swap, plus a mutex
//! `mutex_gil_stealer` on which waiting threads queue (roughly first in, first out). The one
//! thread holding that mutex is the "stealer": it polls `rpy_fastgil` (every 0.1 ms) and takes
//! the GIL as soon as it sees it free, then releases the mutex to the next waiter. The running
//! thread yields every "checkinterval" ticks, and the yield *forces* a switch when somebody
//! waits: it releases the GIL and queues behind the others instead of taking it back.
//!
//! Threads are CPU-bound and loop forever. `mutex_gil_stealer` is a default pthread mutex, and
//! PyPy's own comment only says its order is "roughly" first in, first out: in `pypy`, when the
//! stealer passes it on, any queued thread may get it (the rule the CPython model uses for a
//! signal), and a thread whose first compare-and-swap fails polls `rpy_fastgil` a while before
//! it queues (early polling), so it can take a GIL freed meanwhile ahead of the stealer.
//! `pypy-fifo` keeps the queue in FIFO order without early polling: the assumption of the
//! reference's summary, stated as a variant.

use crate::model::{Check, Config, Fairness, Model, Property};
use crate::variants;
use crate::registry::{ModelEntry, Registered};
use super::gil;
use crate::timeline::{Fact, Frame, DONE};

/// Most threads a state holds.
pub const MAX_THREADS: usize = 4;
/// No thread (for the holder and the stealer).
const NOBODY: u8 = u8::MAX;

/// Where a thread is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    /// About to acquire: try the fast path (`RPyGilAcquire`).
    Acquire,
    /// The first compare-and-swap failed: polls `rpy_fastgil` a while before it queues.
    Spinning,
    /// Queued on `mutex_gil_stealer` (its position is in `PypyState::queue`).
    Queued,
    /// Holds `mutex_gil_stealer`: polls `rpy_fastgil`.
    Stealer,
    /// Holds the GIL and runs bytecode.
    Running,
    /// Ended (composed with a program that finishes, `models/bytecode.rs`).
    Exited,
}

/// A state of PyPy's GIL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PypyState {
    /// Each thread's place.
    pub threads: [Place; MAX_THREADS],
    /// `rpy_fastgil`: the holder, or `NOBODY`.
    pub holder: u8,
    /// Threads queued on `mutex_gil_stealer`, oldest first (`NOBODY` pads the end).
    pub queue: [u8; MAX_THREADS],
}

// A small state space: stored as it is, unpacked.
crate::stored_as_is!(PypyState);

/// One step of one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PypyAction {
    /// `RPyGilAcquire`: compare-and-swap `rpy_fastgil` from 0 succeeds.
    FastAcquire(u8),
    /// `RPyGilAcquire`: the GIL is held; lock `mutex_gil_stealer` (become the stealer if it is
    /// free, else queue), or in `pypy` first poll `rpy_fastgil` (early polling).
    SlowAcquire(u8),
    /// Early polling: the GIL was freed and the compare-and-swap takes it (`takes`), or the
    /// polling ends and the thread locks `mutex_gil_stealer`.
    EarlyPoll {
        /// The polling thread.
        thread: u8,
        /// It takes the free GIL.
        takes: bool,
    },
    /// Bytecode up to the next check interval, nobody waiting: run on.
    Tick(u8),
    /// Check interval with a waiter: `RPyGilYieldThread` releases the GIL and queues behind the
    /// waiters (the forced switch).
    Yield(u8),
    /// The stealer's poll finds `rpy_fastgil` free and takes it, then unlocks
    /// `mutex_gil_stealer`, which `next` locks (`NOBODY` when no thread is queued).
    Steal {
        /// The stealer.
        thread: u8,
        /// The queued thread that gets `mutex_gil_stealer`.
        next: u8,
    },
    /// The thread's function returns: the wrapper of the thread's bootstrap callback
    /// (`rpython/rtyper/lltypesystem/rffi.py`) ends with `rgil.release()` (`RPyGilRelease`,
    /// a store of 0 to `rpy_fastgil`), and the thread is gone.
    Exit(u8),
}

variants! {
    /// The variants of the PyPy GIL model.
    pub enum PypyVariant {
        /// `thread_gil.c`: forced switch on yield; any queued thread may get the stealer mutex
        /// next; early polling of `rpy_fastgil` before queueing.
        Pypy => ("pypy", Real,
            "rpy_fastgil, a stealer mutex any waiter may get next, early polling, forced switch"),
        /// The reference's summary: a FIFO stealer queue and no early polling (an assumption
        /// about the mutex, stated as a variant).
        PypyFifo => ("pypy-fifo", Real,
            "assumes mutex_gil_stealer is FIFO, no early polling; a yield forces a switch"),
        /// Bad: the stealer mutex goes to the newest waiter (last in, first out).
        LifoQueue => ("lifo-queue", Bad, "bad: mutex_gil_stealer goes to the newest waiter (LIFO)"),
        /// Bad: the fast path stores "held" without a compare-and-swap.
        NoCas => ("no-cas", Bad, "bad: the fast path takes rpy_fastgil without compare-and-swap"),
    }
}


/// The PyPy GIL model.
#[derive(Clone, Debug)]
pub struct PypyGil {
    /// Which code the model mirrors.
    pub variant: PypyVariant,
    /// Threads.
    pub config: Config,
}

impl PypyGil {
    /// A model of `variant` with `config.threads` threads (1..=`MAX_THREADS`).
    pub fn new(variant: PypyVariant, config: Config) -> PypyGil {
        assert!((1..=MAX_THREADS).contains(&config.threads));
        PypyGil { variant, config }
    }

    fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.config.threads as u8
    }

    fn stealer(s: &PypyState) -> Option<u8> {
        (0..MAX_THREADS as u8).find(|&t| s.threads[t as usize] == Place::Stealer)
    }

    /// Who may lock `mutex_gil_stealer` when the stealer unlocks it: any queued thread
    /// (`pypy`), the oldest (`pypy-fifo`, `no-cas`) or the newest (`lifo-queue`); `NOBODY`
    /// when none is queued.
    fn next_stealers(&self, s: &PypyState) -> Vec<u8> {
        let queued: Vec<u8> = s.queue.iter().copied().filter(|&q| q != NOBODY).collect();
        match (self.variant, queued.first(), queued.last()) {
            (_, None, _) => vec![NOBODY],
            (PypyVariant::Pypy, _, _) => queued,
            (PypyVariant::LifoQueue, _, Some(&last)) => vec![last],
            (_, Some(&first), _) => vec![first],
        }
    }

    /// Queues `t` on `mutex_gil_stealer`, or makes it the stealer if nobody holds the mutex.
    fn enqueue(s: &mut PypyState, t: u8) {
        if PypyGil::stealer(s).is_none() {
            s.threads[t as usize] = Place::Stealer;
        } else {
            let free = s.queue.iter().position(|&q| q == NOBODY).expect("room");
            s.queue[free] = t;
            s.threads[t as usize] = Place::Queued;
        }
    }

    /// The steps of thread `t` while it does not run bytecode: acquiring, polling, stealing.
    fn protocol_actions(&self, s: &PypyState, t: u8, out: &mut Vec<PypyAction>) {
        match s.threads[t as usize] {
            Place::Acquire if s.holder == NOBODY || self.variant == PypyVariant::NoCas => {
                out.push(PypyAction::FastAcquire(t))
            }
            Place::Acquire => out.push(PypyAction::SlowAcquire(t)),
            Place::Spinning => {
                if s.holder == NOBODY {
                    out.push(PypyAction::EarlyPoll {
                        thread: t,
                        takes: true,
                    });
                }
                out.push(PypyAction::EarlyPoll {
                    thread: t,
                    takes: false,
                });
            }
            Place::Stealer if s.holder == NOBODY => {
                for next in self.next_stealers(s) {
                    out.push(PypyAction::Steal { thread: t, next });
                }
            }
            _ => {}
        }
    }

    /// As a component of a program model: the steps of every thread, `own` giving those of a
    /// thread that runs bytecode and `wrap` lifting the GIL's steps into the program's.
    pub fn compose<A>(
        &self,
        s: &PypyState,
        out: &mut Vec<A>,
        wrap: impl Fn(PypyAction) -> A,
        mut own: impl FnMut(u8, &mut Vec<A>),
    ) {
        let mut protocol = Vec::new();
        for t in self.threads() {
            if s.threads[t as usize] == Place::Running {
                own(t, out);
            } else {
                self.protocol_actions(s, t, &mut protocol);
                out.extend(protocol.drain(..).map(&wrap));
            }
        }
    }

    /// The running thread `t` at a check interval (`RPyGilYieldThread`): it yields when a
    /// stealer waits, else it runs on (`None`).
    pub fn poll(&self, s: &PypyState, t: u8) -> Option<PypyAction> {
        PypyGil::someone_waits(s).then_some(PypyAction::Yield(t))
    }

    /// Whether a thread waits for the GIL on `mutex_gil_stealer` (the stealer polls).
    pub fn someone_waits(s: &PypyState) -> bool {
        PypyGil::stealer(s).is_some()
    }

    /// Whether every thread has ended.
    pub fn is_final(&self, s: &PypyState) -> bool {
        self.threads().all(|t| s.threads[t as usize] == Place::Exited)
    }
}

impl Model for PypyGil {
    type State = PypyState;
    type Action = PypyAction;

    fn init_states(&self) -> Vec<PypyState> {
        // Slots past the configured threads never act.
        vec![PypyState {
            threads: [Place::Acquire; MAX_THREADS],
            holder: NOBODY,
            queue: [NOBODY; MAX_THREADS],
        }]
    }

    fn actions(&self, s: &PypyState, out: &mut Vec<PypyAction>) {
        for t in self.threads() {
            if s.threads[t as usize] == Place::Running {
                out.push(self.poll(s, t).unwrap_or(PypyAction::Tick(t)));
            } else {
                self.protocol_actions(s, t, out);
            }
        }
    }

    fn next_state(&self, s: &PypyState, action: &PypyAction) -> PypyState {
        let mut s = s.clone();
        match *action {
            PypyAction::FastAcquire(t) => {
                s.holder = t;
                s.threads[t as usize] = Place::Running;
            }
            PypyAction::SlowAcquire(t) if self.variant == PypyVariant::Pypy => {
                s.threads[t as usize] = Place::Spinning;
            }
            PypyAction::SlowAcquire(t) => PypyGil::enqueue(&mut s, t),
            PypyAction::EarlyPoll { thread, takes: true } => {
                s.holder = thread;
                s.threads[thread as usize] = Place::Running;
            }
            PypyAction::EarlyPoll { thread, .. } => PypyGil::enqueue(&mut s, thread),
            PypyAction::Tick(_) => {}
            PypyAction::Yield(t) => {
                s.holder = NOBODY;
                PypyGil::enqueue(&mut s, t);
            }
            PypyAction::Exit(t) => {
                s.holder = NOBODY;
                s.threads[t as usize] = Place::Exited;
            }
            PypyAction::Steal { thread, next } => {
                s.holder = thread;
                s.threads[thread as usize] = Place::Running;
                if let Some(i) = s.queue.iter().position(|&q| q == next && q != NOBODY) {
                    s.queue[i..].rotate_left(1);
                    s.queue[MAX_THREADS - 1] = NOBODY;
                    s.threads[next as usize] = Place::Stealer;
                }
            }
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "PYPY-S1",
                statement: "at most one thread runs bytecode (holds rpy_fastgil)",
                source: "rpython/translator/c/src/thread_gil.c: rpy_fastgil taken by an atomic \
                         test-and-set, RPyGilAcquireSlowPath (PyPy, fast-gil design from 2014)",
                premise: None,
                check: Check::Always(|m: &PypyGil, s: &PypyState| {
                    m.threads()
                        .filter(|&t| s.threads[t as usize] == Place::Running)
                        .count()
                        <= 1
                }),
            },
            Property {
                id: "PYPY-L1",
                statement: "every thread executes bytecode infinitely often (the GIL is fair)",
                source: "rpython/translator/c/src/thread_gil.c: RPyGilYieldThread forces a \
                         switch; waiters lock mutex_gil_stealer, a default pthread mutex whose \
                         order PyPy's comment calls roughly FIFO (PyPy, fast-gil design from \
                         2014)",
                premise: None,
                check: Check::LeadsTo {
                    from: |_, _, _| true,
                    to: |_, s: &PypyState, t| s.threads[t] == Place::Running,
                    each_thread: true,
                    fairness: Fairness::StrongThread,
                },
            },
        ]
    }

    fn actor(&self, action: &PypyAction) -> Option<usize> {
        Some(match *action {
            PypyAction::FastAcquire(t)
            | PypyAction::SlowAcquire(t)
            | PypyAction::Tick(t)
            | PypyAction::Yield(t)
            | PypyAction::Exit(t)
            | PypyAction::EarlyPoll { thread: t, .. }
            | PypyAction::Steal { thread: t, .. } => t as usize,
        })
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn assumptions(&self) -> Vec<String> {
        vec![match self.variant {
            PypyVariant::Pypy => "any thread queued on mutex_gil_stealer may get it next",
            PypyVariant::LifoQueue => "mutex_gil_stealer goes to the newest queued thread",
            _ => "threads queued on mutex_gil_stealer get it in FIFO order",
        }
        .into()]
    }

    fn format_action(&self, action: &PypyAction) -> String {
        match action {
            PypyAction::FastAcquire(_) => "RPyGilAcquire: CAS rpy_fastgil 0 -> held".into(),
            PypyAction::SlowAcquire(_) if self.variant == PypyVariant::Pypy => {
                "RPyGilAcquire: GIL held -> poll rpy_fastgil a while (early polling)".into()
            }
            PypyAction::SlowAcquire(_) => {
                "RPyGilAcquire: GIL held -> lock mutex_gil_stealer (stealer or queue)".into()
            }
            PypyAction::Tick(_) => "runs bytecode to the check interval, nobody waits".into(),
            PypyAction::Yield(_) => "check interval: release the GIL, queue behind waiters".into(),
            PypyAction::Exit(_) => "thread ends: RPyGilRelease stores 0 to rpy_fastgil".into(),
            PypyAction::EarlyPoll { takes: true, .. } => {
                "early polling: rpy_fastgil free -> CAS takes it".into()
            }
            PypyAction::EarlyPoll { takes: false, .. } => {
                "early polling ends -> lock mutex_gil_stealer (stealer or queue)".into()
            }
            PypyAction::Steal { next, .. } if *next == NOBODY => {
                "stealer sees rpy_fastgil free -> takes it, unlocks mutex_gil_stealer".into()
            }
            PypyAction::Steal { next, .. } => format!(
                "stealer sees rpy_fastgil free -> takes it, unlocks mutex_gil_stealer (T{next} \
                 gets it)"
            ),
        }
    }

    fn frame(&self, s: &PypyState) -> Frame {
        Frame {
            threads: self
                .threads()
                .map(|t| match s.threads[t as usize] {
                    Place::Acquire => gil::TAKES.name,
                    Place::Spinning | Place::Queued | Place::Stealer => gil::WAITS.name,
                    Place::Running => gil::HOLDS.name,
                    Place::Exited => DONE.name,
                })
                .map(String::from)
                .collect(),
            facts: vec![Fact::new("stealer queue", queue_text(s))],
        }
    }

    fn format_state(&self, s: &PypyState) -> String {
        let threads: Vec<String> = self
            .threads()
            .map(|t| format!("T{t}:{:?}", s.threads[t as usize]))
            .collect();
        format!(
            "holder={} | {} | queue [{}]",
            if s.holder == NOBODY {
                "-".to_string()
            } else {
                format!("T{}", s.holder)
            },
            threads.join(" "),
            queue_text(s)
        )
    }
}

/// The threads queued on `mutex_gil_stealer`, oldest first: `T1,T2`.
fn queue_text(s: &PypyState) -> String {
    let queue: Vec<String> = s
        .queue
        .iter()
        .filter(|&&q| q != NOBODY)
        .map(|q| format!("T{q}"))
        .collect();
    queue.join(",")
}

impl Registered for PypyGil {
    type Variant = PypyVariant;

    fn build(variant: PypyVariant, config: &Config) -> PypyGil {
        PypyGil::new(variant, config.clone())
    }
}

/// The registry entry of the PyPy GIL model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<PypyGil>(
        "pypy",
        "PyPy's GIL: rpy_fastgil, a stealer mutex any waiter may get, early polling, forced \
         switches on yield",
        MAX_THREADS,
        3,
    )
    .with_source("models/pypy.rs")
    .with_legend(gil::LEGEND)
}
