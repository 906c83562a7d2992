//! asyncio's event loop composed with the GIL component (`models/gil/`): the seed's claims C5
//! ("asyncio is not affected by the GIL") and C6 ("CPU-bound work blocks the loop; offload it").
//!
//! T0 runs the event loop (`Lib/asyncio/base_events.py`, `BaseEventLoop._run_once`): holding
//! the GIL it runs a ready callback, or, when none is ready, waits in its selector
//! (`selectors.EpollSelector.select` → `select.epoll.poll`, which wraps `epoll_wait` in
//! `Py_BEGIN_ALLOW_THREADS`, so the GIL is released while it waits) until I/O arrives, at any
//! time. Each step of the loop's Python code between poll points is the GIL model's poll step.
//! The CPU-bound work of the program goes:
//! - to a thread-pool worker (`run_in_executor(ThreadPoolExecutor)` / `asyncio.to_thread`):
//!   T1 is then another Python thread of the same process, running Python code forever;
//! - to a process pool (`ProcessPoolExecutor`): it runs in another process with its own GIL,
//!   and T1 here is a pool thread that only waits on a pipe without the GIL;
//! - nowhere (bad usage): it runs as a coroutine on the loop and never awaits.

use super::gil::{self, After, Gil, GilState, GilVariant, Pc};
use crate::model::{Check, Config, CountClaim, Fairness, Model, Property};
use crate::variants;
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Fact, Frame};

/// Where the event loop is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoopPhase {
    /// `_run_once`: pick the next ready callback, or go to the selector.
    Dispatch,
    /// In `selector.select`, without the GIL.
    Selecting,
    /// Running the CPU-bound coroutine that never awaits (variant `cpu-in-loop`).
    CpuBound,
}

/// A state: the GIL, the loop and whether an I/O callback is ready.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AsyncState {
    /// The GIL and each thread's place in its protocol.
    pub gil: GilState,
    /// The event loop (T0).
    pub phase: LoopPhase,
    /// I/O arrived and its callback is in the ready queue.
    pub ready: bool,
}

// A small state space: stored as it is, unpacked.
crate::stored_as_is!(AsyncState);

/// One step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AsyncAction {
    /// A step of the GIL protocol (a `Poll` is a run of Python code ending at a poll point).
    Gil(gil::Action),
    /// Data arrives on a socket the loop watches (the environment; any time).
    IoArrives,
    /// The loop runs the ready callback (`Handle._run`).
    RunCallback,
    /// The loop, with nothing ready, enters `selector.select` (`PyEval_SaveThread`).
    Select,
    /// `epoll_wait` returns with an event; `PyEval_RestoreThread` takes the GIL back.
    SelectReturns,
    /// The loop starts the CPU-bound coroutine that never awaits (`cpu-in-loop`).
    StartCpuWork,
}

variants! {
    /// The variants of the asyncio model.
    pub enum AsyncVariant {
        /// CPU work offloaded to a thread pool: a second Python thread in this process.
        OffloadToThread => ("offload-to-thread", Real,
            "CPU work in run_in_executor(ThreadPoolExecutor): another Python thread",
            ["3.11"]),
        /// CPU work offloaded to a process pool: no other Python thread holds this GIL.
        OffloadToProcess => ("offload-to-process", Real,
            "CPU work in a ProcessPoolExecutor: another process, another GIL",
            ["3.11"]),
        /// Bad usage: the CPU work runs on the loop as a coroutine that never awaits.
        CpuInLoop => ("cpu-in-loop", Bad,
            "bad: the CPU work runs on the loop as a coroutine that never awaits"),
        /// `offload-to-thread` with the priority request proposed on bpo-7946 (never merged): the
        /// loop back from its selector sets the drop request at once.
        PriorityRequest => ("priority-request", ProposedFix,
            "proposed fix (bpo-7946, never merged): offload-to-thread, and the loop back from \
             its selector requests the GIL at once"),
    }
}


/// The event loop thread.
const LOOP: u8 = 0;
/// The thread-pool worker (offload-to-thread) or pool thread (offload-to-process).
const WORKER: u8 = 1;

/// The asyncio model: the loop and, from two threads on, the worker.
#[derive(Clone, Debug)]
pub struct Asyncio {
    /// Which program the model mirrors.
    pub variant: AsyncVariant,
    /// Threads (1 or 2).
    pub config: Config,
    /// The process's GIL.
    pub gil: Gil,
}

impl Asyncio {
    /// A model of `variant` with `config.threads` threads (1..=2).
    pub fn new(variant: AsyncVariant, config: Config) -> Asyncio {
        assert!((1..=2).contains(&config.threads));
        let gil = Gil::new(GilVariant::Cpython311, &config);
        Asyncio {
            variant,
            config,
            gil,
        }
    }

    /// Whether the worker runs Python code in this process.
    fn worker_runs_python(&self) -> bool {
        self.config.threads > 1
            && matches!(
                self.variant,
                AsyncVariant::OffloadToThread | AsyncVariant::PriorityRequest
            )
    }

    /// Whether the loop wants the GIL (in `take_gil`) to serve what is ready.
    fn loop_waits_for_gil(s: &AsyncState) -> bool {
        s.phase == LoopPhase::Dispatch
            && matches!(s.gil.threads[LOOP as usize], Pc::Take | Pc::Wait { .. })
    }

    fn own_actions(&self, s: &AsyncState, t: u8, out: &mut Vec<AsyncAction>) {
        if t == WORKER {
            if s.gil.threads[t as usize] == Pc::Eval {
                out.push(AsyncAction::Gil(self.gil.poll(&s.gil, t)));
            }
            return;
        }
        match s.phase {
            LoopPhase::Selecting => {
                if s.ready {
                    out.push(AsyncAction::SelectReturns);
                }
            }
            LoopPhase::CpuBound => out.push(AsyncAction::Gil(self.gil.poll(&s.gil, t))),
            // The loop's own Python code reaches poll points between callbacks; a ready
            // callback is what it runs next.
            LoopPhase::Dispatch if s.ready => out.push(AsyncAction::RunCallback),
            LoopPhase::Dispatch => {
                out.push(AsyncAction::Gil(self.gil.poll(&s.gil, t)));
                out.push(if self.variant == AsyncVariant::CpuInLoop {
                    AsyncAction::StartCpuWork
                } else {
                    AsyncAction::Select
                });
            }
        }
    }
}

/// Whether the step is the loop's own timed wait in `take_gil` expiring: one full switch
/// interval the loop waited for the GIL.
fn loop_interval_expires(action: &AsyncAction) -> bool {
    matches!(action, AsyncAction::Gil(g) if g.requests_drop() && g.thread() == LOOP)
}

impl Model for Asyncio {
    type State = AsyncState;
    type Action = AsyncAction;

    fn init_states(&self) -> Vec<AsyncState> {
        let mut gil = self.gil.initial();
        if self.config.threads > 1 && !self.worker_runs_python() {
            // A process-pool thread waits on its pipe without the GIL.
            gil.threads[WORKER as usize] = Pc::Detached;
        }
        vec![AsyncState {
            gil,
            phase: LoopPhase::Dispatch,
            ready: false,
        }]
    }

    fn actions(&self, s: &AsyncState, out: &mut Vec<AsyncAction>) {
        if !s.ready {
            out.push(AsyncAction::IoArrives);
        }
        self.gil.compose(&s.gil, out, AsyncAction::Gil, |t, out| {
            self.own_actions(s, t, out)
        });
        if self.variant == AsyncVariant::PriorityRequest && Asyncio::loop_waits_for_gil(s) {
            out.extend(self.gil.request_at_once(&s.gil, LOOP).map(AsyncAction::Gil));
        }
    }

    fn next_state(&self, s: &AsyncState, action: &AsyncAction) -> AsyncState {
        let mut s = s.clone();
        match *action {
            AsyncAction::Gil(a) => self.gil.apply(&mut s.gil, &a),
            AsyncAction::IoArrives => s.ready = true,
            AsyncAction::RunCallback => s.ready = false,
            AsyncAction::Select => {
                self.gil.release(&mut s.gil, LOOP, After::Detach);
                s.phase = LoopPhase::Selecting;
            }
            AsyncAction::SelectReturns => {
                self.gil.restore(&mut s.gil, LOOP);
                s.phase = LoopPhase::Dispatch;
            }
            AsyncAction::StartCpuWork => s.phase = LoopPhase::CpuBound,
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "ASYNC-L1",
                statement: "every ready callback eventually runs",
                source: "Lib/asyncio/base_events.py: BaseEventLoop._run_once pops _ready and \
                         runs Handle._run (Lib/asyncio/events.py); Lib/selectors.py: \
                         EpollSelector (3.11)",
                premise: None,
                check: Check::LeadsTo {
                    from: |_, s: &AsyncState, _| s.ready,
                    to: |_, s: &AsyncState, _| !s.ready,
                    each_thread: false,
                    fairness: Fairness::StrongThread,
                },
            },
            Property {
                id: "ASYNC-B1",
                statement: "the switch intervals the loop waits for the GIL between a callback \
                            becoming ready and running it are bounded (by the loop's own work)",
                source: "Lib/asyncio/base_events.py: BaseEventLoop._run_once, run_in_executor; \
                         Modules/selectmodule.c: select_epoll_poll_impl; Python/ceval_gil.h: \
                         take_gil (3.11)",
                premise: None,
                check: Check::Count {
                    from: |_, s: &AsyncState, _| s.ready && Asyncio::loop_waits_for_gil(s),
                    count: |_, _, a: &AsyncAction, _, _| loop_interval_expires(a),
                    to: |_, s: &AsyncState, _| !s.ready,
                    each_thread: false,
                    claim: CountClaim::Bounded,
                },
            },
            Property {
                id: "ASYNC-B2",
                statement: "a loop back from its selector while another thread runs Python code \
                            waits at least one full switch interval before serving the ready \
                            callback",
                source: "Modules/selectmodule.c: select_epoll_poll_impl's Py_END_ALLOW_THREADS \
                         -> take_gil waits an interval (Python/ceval_gil.h, 3.2-3.11); \
                         bpo-7946, gh-89977",
                premise: None,
                check: Check::Count {
                    from: |_, s: &AsyncState, _| {
                        s.ready
                            && Asyncio::loop_waits_for_gil(s)
                            && s.gil.threads[WORKER as usize] == Pc::Eval
                            && !s.gil.drop_request
                    },
                    count: |_, _, a: &AsyncAction, _, _| loop_interval_expires(a),
                    to: |_, s: &AsyncState, _| !s.ready,
                    each_thread: false,
                    claim: CountClaim::AtLeast(1),
                },
            },
        ]
    }

    fn is_final(&self, s: &AsyncState) -> bool {
        self.gil.is_final(&s.gil)
    }

    fn actor(&self, action: &AsyncAction) -> Option<usize> {
        match *action {
            AsyncAction::Gil(a) => Some(a.thread() as usize),
            AsyncAction::IoArrives => None,
            _ => Some(LOOP as usize),
        }
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn format_action(&self, action: &AsyncAction) -> String {
        match *action {
            AsyncAction::Gil(gil::Action::Poll { request, .. }) => format!(
                "runs Python code to a poll point{}",
                if request {
                    ", sees drop request -> drop_gil"
                } else {
                    ""
                }
            ),
            AsyncAction::Gil(a) => self.gil.format_action(&a),
            AsyncAction::IoArrives => "data arrives on a watched socket".into(),
            AsyncAction::RunCallback => "event loop runs the ready callback".into(),
            AsyncAction::Select => {
                "event loop: nothing ready -> selector.select (PyEval_SaveThread)".into()
            }
            AsyncAction::SelectReturns => {
                "epoll_wait returns -> PyEval_RestoreThread (take_gil)".into()
            }
            AsyncAction::StartCpuWork => {
                "event loop runs a CPU-bound coroutine that never awaits".into()
            }
        }
    }

    fn format_state(&self, s: &AsyncState) -> String {
        format!(
            "{} | loop {:?}{}",
            self.gil.format_state(&s.gil),
            s.phase,
            if s.ready { ", callback ready" } else { "" }
        )
    }

    fn frame(&self, s: &AsyncState) -> Frame {
        let mut frame = self.gil.frame(&s.gil);
        frame
            .facts
            .push(Fact::new("loop", format!("{:?}", s.phase)));
        frame.facts.push(Fact::flag("callback ready", s.ready));
        frame
    }

    fn observable(&self, action: &AsyncAction) -> AsyncAction {
        match *action {
            AsyncAction::Gil(a) => AsyncAction::Gil(self.gil.observable(&a)),
            other => other,
        }
    }
}

impl Registered for Asyncio {
    type Variant = AsyncVariant;

    fn build(variant: AsyncVariant, config: &Config) -> Asyncio {
        Asyncio::new(variant, config.clone())
    }
}

/// The registry entry of the asyncio model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Asyncio>(
        "asyncio",
        "an asyncio event loop, its selector's GIL release, and offloaded CPU work",
        2,
        2,
    )
    .with_source("models/asyncio.rs")
    .with_settings(&[gil::SPURIOUS_WAKEUPS])
    .with_legend(gil::LEGEND)
}
