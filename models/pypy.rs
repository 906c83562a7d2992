//! PyPy's GIL (`rpython/translator/c/src/thread_gil.c`, as summarised in reference §6 and
//! §5.3): a word `rpy_fastgil` (0 free, else held) taken by compare-and-swap, plus a mutex
//! `mutex_gil_stealer` on which waiting threads queue (roughly first in, first out). The one
//! thread holding that mutex is the "stealer": it polls `rpy_fastgil` (every 0.1 ms) and takes
//! the GIL as soon as it sees it free, then releases the mutex to the next waiter. The running
//! thread yields every "checkinterval" ticks, and the yield *forces* a switch when somebody
//! waits: it releases the GIL and queues behind the others instead of taking it back.
//!
//! Threads are CPU-bound and loop forever. The queue is kept explicitly in FIFO order: that is
//! the modelling assumption the reference states ("assuming a roughly first-in-first-out order"
//! of the mutex); the `barging-yield` variant shows what the forced switch is for.

use crate::model::{Check, Config, Fairness, Model, Property};
use crate::variants;
use crate::registry::{ModelEntry, Registered};
use super::gil;
use crate::timeline::{Fact, Frame};

/// Most threads a state holds.
pub const MAX_THREADS: usize = 4;
/// No thread (for the holder and the stealer).
const NOBODY: u8 = u8::MAX;

/// Where a thread is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    /// About to acquire: try the fast path (`RPyGilAcquire`).
    Acquire,
    /// Queued on `mutex_gil_stealer` (its position is in `PypyState::queue`).
    Queued,
    /// Holds `mutex_gil_stealer`: polls `rpy_fastgil`.
    Stealer,
    /// Holds the GIL and runs bytecode.
    Running,
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
    /// free, else queue).
    SlowAcquire(u8),
    /// Bytecode up to the next check interval, nobody waiting: run on.
    Tick(u8),
    /// Check interval with a waiter: `RPyGilYieldThread` releases the GIL and queues behind the
    /// waiters (the forced switch).
    Yield(u8),
    /// The stealer's poll finds `rpy_fastgil` free and takes it, then hands `mutex_gil_stealer`
    /// to the oldest queued thread.
    Steal(u8),
}

variants! {
    /// The variants of the PyPy GIL model.
    pub enum PypyVariant {
        /// As summarised from `thread_gil.c`: forced switch on yield, FIFO stealer queue.
        Pypy => ("pypy", Real,
            "rpy_fastgil + FIFO stealer queue; a yield forces a switch to a waiter"),
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
        let waiting = PypyGil::stealer(s).is_some();
        for t in self.threads() {
            match s.threads[t as usize] {
                Place::Acquire if s.holder == NOBODY || self.variant == PypyVariant::NoCas => {
                    out.push(PypyAction::FastAcquire(t))
                }
                Place::Acquire => out.push(PypyAction::SlowAcquire(t)),
                Place::Running if waiting => out.push(PypyAction::Yield(t)),
                Place::Running => out.push(PypyAction::Tick(t)),
                Place::Stealer if s.holder == NOBODY => out.push(PypyAction::Steal(t)),
                _ => {}
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
            PypyAction::SlowAcquire(t) => PypyGil::enqueue(&mut s, t),
            PypyAction::Tick(_) => {}
            PypyAction::Yield(t) => {
                s.holder = NOBODY;
                PypyGil::enqueue(&mut s, t);
            }
            PypyAction::Steal(t) => {
                s.holder = t;
                s.threads[t as usize] = Place::Running;
                let next = if self.variant == PypyVariant::LifoQueue {
                    let last = s.queue.iter().rposition(|&q| q != NOBODY);
                    last.map_or(NOBODY, |i| std::mem::replace(&mut s.queue[i], NOBODY))
                } else {
                    let first = s.queue[0];
                    s.queue.rotate_left(1);
                    s.queue[MAX_THREADS - 1] = NOBODY;
                    first
                };
                if next != NOBODY {
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
                         switch; waiters queue on mutex_gil_stealer, roughly FIFO (PyPy, \
                         fast-gil design from 2014)",
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
            | PypyAction::Steal(t) => t as usize,
        })
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn assumptions(&self) -> Vec<String> {
        vec!["threads queued on mutex_gil_stealer get it in FIFO order".into()]
    }

    fn format_action(&self, action: &PypyAction) -> String {
        match action {
            PypyAction::FastAcquire(_) => "RPyGilAcquire: CAS rpy_fastgil 0 -> held".into(),
            PypyAction::SlowAcquire(_) => {
                "RPyGilAcquire: GIL held -> lock mutex_gil_stealer (stealer or queue)".into()
            }
            PypyAction::Tick(_) => "runs bytecode to the check interval, nobody waits".into(),
            PypyAction::Yield(_) => "check interval: release the GIL, queue behind waiters".into(),
            PypyAction::Steal(_) => {
                "stealer sees rpy_fastgil free -> takes it, passes mutex_gil_stealer on".into()
            }
        }
    }

    fn frame(&self, s: &PypyState) -> Frame {
        Frame {
            threads: self
                .threads()
                .map(|t| match s.threads[t as usize] {
                    Place::Acquire => gil::TAKES.name,
                    Place::Queued | Place::Stealer => gil::WAITS.name,
                    Place::Running => gil::HOLDS.name,
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
        "PyPy's GIL: rpy_fastgil, a FIFO stealer queue, forced switches on yield",
        MAX_THREADS,
        3,
    )
    .with_source("models/pypy.rs")
    .with_legend(gil::LEGEND)
}
