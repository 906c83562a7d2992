//! The GIL component as executable code: CPython 3.11's `take_gil` / `drop_gil`
//! (`Python/ceval_gil.h`) and the eval-breaker poll, written as threaded Rust over the sync
//! facade (`GilCore`), which every twin built on the GIL shares. Each step logs the spec action
//! it performs, right after the step's only effect that another thread can see without a lock,
//! so the log replays on the spec in order.
//!
//! Memory model: the spec interleaves steps, so every read sees the latest store. CPython reads
//! the drop request with relaxed loads, which may return a stale value; loom explores that, and
//! the spec refuses it (a poll that misses a request just set). By default the core therefore
//! accesses the drop request only with read-modify-writes, which always see the latest store;
//! `relaxed_loads` switches to CPython's plain relaxed loads and stores to show the difference.

use super::protocol::{Action, Gil, Woken, FINITE, SPURIOUS_WAKEUPS};
use super::state::{GilState, Pc, NOBODY as NOBODY_THREAD};
use super::versions::GilVariant;
use crate::config::Config;
use crate::exec::{Backend, Cue, Log, Stepped, Std, ThreadView, TimedCondvar};
use std::sync::Arc;
use std::time::Duration;

/// The real timed wait's interval under std (loom and shuttle use a clock thread).
const STD_INTERVAL: Duration = Duration::from_micros(200);
/// `last_holder` before any thread took the GIL.
const NOBODY: usize = usize::MAX;

/// The fields guarded by `gil->mutex`.
struct Guarded {
    locked: bool,
    switch_number: u64,
}

/// `struct _gil_runtime_state` and the drop request: the GIL every twin shares, logging spec
/// actions of type `A` (the GIL's own, or a composed model's that wraps them).
pub struct GilCore<B: Backend, A> {
    variant: GilVariant,
    relaxed_loads: bool,
    mutex: B::Mutex<Guarded>,
    cond: TimedCondvar<B>,
    /// `gil->switch_mutex`, guarding `gil->last_holder`.
    switch_mutex: B::Mutex<usize>,
    switch_cond: B::Condvar,
    drop_request: B::AtomicBool,
    log: Log<A>,
}

/// The shared state of a twin built on the GIL: its `GilCore` and its Python threads' code.
pub trait OnGil<B: Backend>: Send + Sync + 'static {
    /// The spec actions it logs.
    type Action: From<Action> + Clone;
    /// The GIL.
    fn core(&self) -> &GilCore<B, Self::Action>;
    /// Python thread `me`, from start to exit.
    fn python_thread(&self, me: u8);
}

/// Spawns `threads` Python threads on `shared`; returns their handles.
fn spawn_python_threads<B: Backend, S: OnGil<B>>(
    shared: &Arc<S>,
    threads: usize,
) -> Vec<B::JoinHandle> {
    (0..threads as u8)
        .map(|me| {
            let shared = Arc::clone(shared);
            B::spawn(move || shared.python_thread(me))
        })
        .collect()
}

/// Spawns `threads` Python threads on `shared` and, under virtual time, the clock firing
/// `ticks` timeouts; returns their handles.
pub fn spawn_threads<B: Backend, S: OnGil<B>>(
    shared: &Arc<S>,
    threads: usize,
    ticks: usize,
) -> Vec<B::JoinHandle> {
    let mut handles = spawn_python_threads(shared, threads);
    if B::VIRTUAL_TIME {
        let shared = Arc::clone(shared);
        handles.push(B::spawn(move || shared.core().clock(ticks)));
    }
    handles
}

/// Runs a twin to the end: spawns its Python threads, under virtual time fires the `ticks`
/// timeouts from the calling thread (the clock runs after every spawn, as a clock thread would,
/// but is one loom thread fewer: 2 Python threads, K=1, T=1 need 15k executions instead of
/// 346k, with the same logs), and joins them.
pub fn run_threads<B: Backend, S: OnGil<B>>(shared: &Arc<S>, threads: usize, ticks: usize) {
    let handles = spawn_python_threads(shared, threads);
    if B::VIRTUAL_TIME {
        shared.core().clock(ticks);
    }
    for handle in handles {
        B::join(handle);
    }
}

impl<B: Backend, A: From<Action> + Clone> GilCore<B, A> {
    /// A free GIL of `variant`, logging to `log`; `relaxed_loads`: see the module docs.
    pub fn new(variant: GilVariant, relaxed_loads: bool, log: Log<A>) -> Self {
        GilCore {
            variant,
            relaxed_loads,
            mutex: B::mutex(Guarded {
                locked: false,
                switch_number: 0,
            }),
            cond: TimedCondvar::default(),
            switch_mutex: B::mutex(NOBODY),
            switch_cond: B::condvar(),
            drop_request: B::atomic_bool(false),
            log,
        }
    }

    /// A read of the drop request.
    fn read_drop_request(&self) -> bool {
        if self.relaxed_loads {
            B::load_bool(&self.drop_request)
        } else {
            B::rmw_load_bool(&self.drop_request)
        }
    }

    /// Reads the drop request without a lock and logs the step that saw it.
    fn observe_request(&self, step: impl FnOnce(bool) -> Action) -> bool {
        self.log.record::<B, bool>(|| {
            let request = self.read_drop_request();
            (step(request).into(), request)
        })
    }

    /// A write of the drop request.
    fn write_drop_request(&self, value: bool) {
        if self.relaxed_loads {
            B::store_bool(&self.drop_request, value)
        } else {
            B::rmw_store_bool(&self.drop_request, value)
        }
    }

    /// `take_gil`.
    pub fn take_gil(&self, me: u8) {
        let mut guarded = B::lock(&self.mutex);
        if guarded.locked && self.variant != GilVariant::NoGil {
            self.log.note::<B>(Action::TakeBlock(me).into());
            loop {
                let saved = guarded.switch_number;
                let (again, timed_out) = self.cond.wait_timeout(guarded, STD_INTERVAL);
                guarded = again;
                let requests = timed_out && guarded.locked && guarded.switch_number == saved;
                let wake = Action::Wake {
                    thread: me,
                    timed_out,
                    requests,
                    acquires: !guarded.locked,
                };
                if !guarded.locked {
                    self.ready(&mut guarded, me, wake);
                    break;
                }
                self.log.record::<B, ()>(|| {
                    if requests {
                        self.write_drop_request(true);
                    }
                    (wake.into(), ())
                });
            }
        } else {
            self.ready(&mut guarded, me, Action::TakeFree(me));
        }
        // RESET_GIL_DROP_REQUEST, still under `mutex`. Without `relaxed_loads` the test and the
        // reset are one swap: the same effect, one operation for loom instead of two.
        self.log.record::<B, ()>(|| {
            if self.relaxed_loads {
                if B::load_bool(&self.drop_request) {
                    B::store_bool(&self.drop_request, false);
                }
            } else {
                B::rmw_store_bool(&self.drop_request, false);
            }
            (Action::ClearRequest(me).into(), ())
        });
    }

    /// `take_gil` from `_ready`: `switch_mutex`, `locked = 1`, `last_holder`, signal.
    fn ready(&self, guarded: &mut Guarded, me: u8, event: Action) {
        let mut last_holder = B::lock(&self.switch_mutex);
        guarded.locked = true;
        if *last_holder != me as usize {
            *last_holder = me as usize;
            guarded.switch_number += 1;
        }
        B::notify_one(&self.switch_cond);
        self.log.note::<B>(event.into());
        drop(last_holder);
    }

    /// `drop_gil`.
    pub fn drop_gil(&self, me: u8) {
        let mut guarded = B::lock(&self.mutex);
        guarded.locked = false;
        self.cond.notify_one();
        self.log.note::<B>(
            Action::Release {
                thread: me,
                woken: Woken::Hidden,
            }
            .into(),
        );
        match self.variant {
            GilVariant::NoForceSwitch => {}
            GilVariant::HandoffUnderMutex => self.handoff(me),
            _ => {
                drop(guarded);
                self.handoff(me);
            }
        }
    }

    /// `drop_gil`'s FORCE_SWITCHING part: if a drop request is pending, wait once on
    /// `switch_cond` unless another thread already took the GIL.
    fn handoff(&self, me: u8) {
        let request = self.observe_request(|request| Action::HandoffRead {
            thread: me,
            request,
        });
        if !request {
            return;
        }
        let switch = B::lock(&self.switch_mutex);
        let waits = *switch == me as usize;
        self.log.record::<B, ()>(|| {
            if waits {
                self.write_drop_request(false);
            }
            (Action::HandoffLock { thread: me, waits }.into(), ())
        });
        if waits {
            let _switch = B::wait(&self.switch_cond, switch);
            self.log.note::<B>(Action::SwitchWake(me).into());
        }
    }

    /// An eval-breaker poll point of the GIL holder: drop the GIL if asked and take it again.
    /// In the `no-poll` variant the thread runs on without looking.
    pub fn poll(&self, me: u8) {
        if self.variant == GilVariant::NoPoll {
            self.log.note::<B>(Action::Bytecode(me).into());
            return;
        }
        let request = self.observe_request(|request| Action::Poll {
            thread: me,
            request,
        });
        if request {
            self.drop_gil(me);
            self.take_gil(me);
        }
    }

    /// The thread ends: its final `drop_gil`.
    pub fn exit(&self, me: u8) {
        self.log.note::<B>(Action::Exit(me).into());
        self.drop_gil(me);
    }

    /// The clock (virtual time only): fires `ticks` timeouts of the `take_gil` wait.
    pub fn clock(&self, ticks: usize) {
        for _ in 0..ticks {
            let guarded = B::lock(&self.mutex);
            self.cond.tick(&guarded);
        }
    }
}

/// What sequential conformance compares: the GIL's fields, read between steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GilMemory {
    /// `gil->locked`; `None` while a paused thread holds `gil->mutex`.
    pub locked: Option<bool>,
    /// The drop request.
    pub drop_request: bool,
    /// `gil->last_holder`, if any thread took the GIL.
    pub last_holder: Option<u8>,
}

impl<A> GilCore<Stepped, A> {
    /// The GIL's fields, read between steps.
    pub fn memory(&self) -> GilMemory {
        let holder = Stepped::peek(&self.switch_mutex, |holder| *holder)
            .expect("no thread holds switch_mutex between steps");
        GilMemory {
            locked: Stepped::peek(&self.mutex, |guarded| guarded.locked),
            drop_request: Stepped::load_bool(&self.drop_request),
            last_holder: (holder != NOBODY).then_some(holder as u8),
        }
    }
}

/// The GIL memory and thread views that the spec state `s` predicts.
pub fn predict_gil(spec: &Gil, s: &GilState) -> (GilMemory, Vec<ThreadView>) {
    let memory = GilMemory {
        locked: (!spec.mutex_held(s)).then_some(s.locked),
        drop_request: s.drop_request,
        last_holder: (s.last_holder != NOBODY_THREAD).then_some(s.last_holder),
    };
    let views = s.threads[..spec.threads]
        .iter()
        .map(|pc| match *pc {
            Pc::Wait { notified, .. } | Pc::SwitchWait { notified, .. } => {
                ThreadView::Waiting { woken: notified }
            }
            Pc::Done => ThreadView::Finished,
            _ => ThreadView::Runnable,
        })
        .collect();
    (memory, views)
}

/// How the conductor makes the GIL core perform `action`: fire the timeout of a timed-out
/// wake, and make a release signal the waiter the spec chose.
pub fn gil_cue(action: &Action) -> Cue {
    Cue {
        thread: action.thread() as usize,
        fire_timeout: matches!(
            action,
            Action::Wake {
                timed_out: true,
                ..
            }
        ),
        wakes: match *action {
            Action::Release {
                woken: Woken::Thread(w),
                ..
            } => Some(w as usize),
            _ => None,
        },
    }
}

/// The spec configuration a twin run with `threads` threads is replayed on: threads finish,
/// and under real threads (`std`) condition waits may wake spuriously.
pub fn spec_config(threads: usize, backend: &str) -> Config {
    Config::threads(threads)
        .with(FINITE.name, true)
        .with(SPURIOUS_WAKEUPS.name, backend == Std::NAME)
}
