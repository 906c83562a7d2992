//! `multiprocessing` against `threading` for CPU-bound Python code (seed claims C7 and C3),
//! built on the GIL component (`models/gil/`).
//!
//! Each worker of `multiprocessing` is a separate OS process with its own interpreter and so its
//! own GIL (`_gil_runtime_state`); the processes share no memory, so no step of one process reads
//! or writes another's GIL. The model runs `PROCESSES` processes of `config.threads` CPU-bound
//! Python threads each: every thread loops forever running bytecode between eval-breaker poll
//! points, exactly the threads of the GIL model. A state is one GIL state per process; a step is a
//! step of one process's GIL model. The contrast variant puts the same threads in one process,
//! sharing one GIL, as `threading` does.

use super::gil::{self, GilState, GilVariant, Handoff, Pc};
use crate::model::{Check, Config, Model, Premise, Property};
use crate::variants;
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Fact, Frame};

/// Number of processes (`multiprocessing.Pool(2)`, say).
pub const PROCESSES: usize = 2;

/// A state: the GIL (and its threads) of each process.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MpState {
    /// One GIL state per process (a single one in the `one-process` variant).
    pub processes: Vec<GilState>,
}

// A small state space: stored as it is, unpacked.
crate::stored_as_is!(MpState);

/// One step: a step of one process's GIL model (a `Poll` is a run of bytecode ending at a poll
/// point).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MpAction {
    /// Thread `action.thread()` of process `process` takes a step.
    Gil {
        /// The process.
        process: u8,
        /// The step, with the thread's index inside its process.
        action: gil::Action,
    },
}

variants! {
    /// The variants of the multiprocessing model.
    pub enum MpVariant {
        /// `PROCESSES` processes, each with its own interpreter and GIL.
        Processes => ("processes", Real,
            "2 processes (multiprocessing), each with its own interpreter and GIL",
            ["3.11"]),
        /// The same threads in one process, sharing one GIL (`threading`).
        OneProcess => ("one-process", Real,
            "the same threads in one process sharing one GIL (threading)",
            ["3.11"]),
        /// Bad: each process's `take_gil` does not exclude.
        NoGil => ("no-gil", Bad,
            "bad: 2 processes whose take_gil takes the GIL even when it is locked"),
    }
}


/// The multiprocessing model for one variant and configuration.
#[derive(Clone, Debug)]
pub struct Multiprocessing {
    /// Which setup the model mirrors.
    pub variant: MpVariant,
    /// `threads` is the number of threads per process of the `processes` setup.
    pub config: Config,
    /// The GIL model of one process (all of them behave alike).
    pub cpu: Handoff,
}

impl Multiprocessing {
    /// A model of `variant` with `config.threads` threads per process (1..=4): `PROCESSES`
    /// processes of them, or all `PROCESSES × config.threads` in one process (`one-process`).
    pub fn new(variant: MpVariant, config: Config) -> Multiprocessing {
        assert!((1..=gil::MAX_THREADS / PROCESSES).contains(&config.threads));
        let (gil_variant, per_process) = match variant {
            MpVariant::Processes => (GilVariant::Cpython311, config.threads),
            MpVariant::OneProcess => (GilVariant::Cpython311, PROCESSES * config.threads),
            MpVariant::NoGil => (GilVariant::NoGil, config.threads),
        };
        let cpu = Handoff::new(
            gil_variant,
            &Config {
                threads: per_process,
                ..config.clone()
            },
        );
        Multiprocessing {
            variant,
            config,
            cpu,
        }
    }

    /// How many processes (interpreters, GILs) run.
    pub fn process_count(&self) -> usize {
        match self.variant {
            MpVariant::OneProcess => 1,
            MpVariant::Processes | MpVariant::NoGil => PROCESSES,
        }
    }

    /// Threads in each process.
    pub fn threads_per_process(&self) -> usize {
        self.cpu.gil.threads
    }

    /// The global index of thread `t` of process `p`.
    pub fn global(&self, p: usize, t: usize) -> usize {
        p * self.threads_per_process() + t
    }

    /// The process of each thread executing bytecode (one entry per such thread).
    pub fn running(&self, s: &MpState) -> Vec<usize> {
        s.processes
            .iter()
            .enumerate()
            .flat_map(|(p, g)| {
                (0..self.threads_per_process())
                    .filter(move |&t| g.threads[t] == Pc::Eval)
                    .map(move |_| p)
            })
            .collect()
    }

    /// How many threads of process `p` hold its GIL.
    pub fn holders(&self, s: &MpState, p: usize) -> usize {
        (0..self.threads_per_process())
            .filter(|&t| gil::holds_gil(&s.processes[p], t))
            .count()
    }
}

impl Model for Multiprocessing {
    type State = MpState;
    type Action = MpAction;

    fn init_states(&self) -> Vec<MpState> {
        let one = self.cpu.gil.initial();
        vec![MpState {
            processes: vec![one; self.process_count()],
        }]
    }

    fn actions(&self, s: &MpState, out: &mut Vec<MpAction>) {
        let mut steps = Vec::new();
        for (p, g) in s.processes.iter().enumerate() {
            // The GIL model is the model of CPU-bound threads: its own steps are ours.
            self.cpu.actions(g, &mut steps);
            out.extend(steps.drain(..).map(|action| MpAction::Gil {
                process: p as u8,
                action,
            }));
        }
    }

    fn next_state(&self, s: &MpState, action: &MpAction) -> MpState {
        let MpAction::Gil { process, action } = action;
        let mut s = s.clone();
        self.cpu.gil.apply(&mut s.processes[*process as usize], action);
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "MP-S1",
                statement: "within each process at most one thread holds that process's GIL",
                source: "Lib/multiprocessing/popen_fork.py, popen_spawn_posix.py: \
                         Popen._launch; Python/ceval.c: _PyEval_InitGIL, \
                         _PyEval_ReInitThreads: a GIL per process (3.11)",
                premise: None,
                check: Check::Always(|m: &Multiprocessing, s: &MpState| {
                    (0..m.process_count()).all(|p| m.holders(s, p) <= 1)
                }),
            },
            Property {
                id: "MP-S2",
                statement: "two threads of the same process never execute bytecode at the same \
                            moment (seed claim C3)",
                source: "Python/ceval_gil.h: take_gil, drop_gil on the process's one GIL, \
                         _PyRuntime.ceval.gil (CPython 3.7-3.11; per interpreter from 3.12, \
                         PEP 684, not checked here)",
                premise: Some(Premise {
                    what: "a process runs two threads",
                    holds: |m: &Multiprocessing, _| m.threads_per_process() >= 2,
                }),
                check: Check::Always(|m: &Multiprocessing, s: &MpState| {
                    let running = m.running(s);
                    running.windows(2).all(|w| w[0] != w[1])
                }),
            },
            Property {
                id: "MP-R1",
                statement: "two threads execute bytecode at the same moment: CPU-bound work runs \
                            in parallel (seed claim C7)",
                source: "Lib/multiprocessing/popen_fork.py, popen_spawn_posix.py: \
                         Popen._launch starts a process with its own interpreter and GIL \
                         (Python/ceval.c: _PyEval_InitGIL, 3.11)",
                premise: None,
                check: Check::Sometimes(|m: &Multiprocessing, s: &MpState| m.running(s).len() >= 2),
            },
        ]
    }

    fn is_final(&self, s: &MpState) -> bool {
        s.processes.iter().all(|g| self.cpu.gil.is_final(g))
    }

    fn actor(&self, action: &MpAction) -> Option<usize> {
        let MpAction::Gil { process, action } = action;
        Some(self.global(*process as usize, action.thread() as usize))
    }

    fn thread_count(&self) -> usize {
        self.process_count() * self.threads_per_process()
    }

    fn assumptions(&self) -> Vec<String> {
        let mut out = self.cpu.gil.assumptions();
        out.push("processes share no memory: a step of one process changes no other".into());
        out
    }

    fn format_action(&self, action: &MpAction) -> String {
        let MpAction::Gil { process, action } = action;
        let what = match action {
            gil::Action::Poll { request: false, .. } => "runs bytecode to a poll point".into(),
            a => self.cpu.gil.format_action(a),
        };
        format!("P{process}/T{} {what}", action.thread())
    }

    fn format_state(&self, s: &MpState) -> String {
        let parts: Vec<String> = s
            .processes
            .iter()
            .enumerate()
            .map(|(p, g)| format!("P{p}[{}]", self.cpu.gil.format_state(g)))
            .collect();
        parts.join(" ")
    }

    fn frame(&self, s: &MpState) -> Frame {
        let mut frame = Frame::default();
        for (p, g) in s.processes.iter().enumerate() {
            let one = self.cpu.gil.frame(g);
            frame.threads.extend(one.threads);
            frame.facts.extend(
                one.facts
                    .into_iter()
                    .map(|f| Fact::new(format!("P{p} {}", f.name), f.value)),
            );
        }
        frame
    }

    fn observable(&self, action: &MpAction) -> MpAction {
        let MpAction::Gil { process, action } = *action;
        MpAction::Gil {
            process,
            action: self.cpu.gil.observable(&action),
        }
    }
}

impl Registered for Multiprocessing {
    type Variant = MpVariant;

    fn build(variant: MpVariant, config: &Config) -> Multiprocessing {
        Multiprocessing::new(variant, config.clone())
    }
}

/// The registry entry of the multiprocessing model (`--threads` is threads per process).
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Multiprocessing>(
        "multiprocessing",
        "CPU-bound threads in 2 processes with a GIL each (multiprocessing) vs one \
                  process (threading); --threads counts threads per process",
        2,
        2,
    )
    .with_source("models/multiprocessing.rs")
    .with_settings(&[gil::SPURIOUS_WAKEUPS])
    .with_legend(gil::LEGEND)
}
