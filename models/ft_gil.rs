//! The GIL of the free-threaded build, switched on and off at run time (3.13t, 3.14t), on the
//! GIL component (`models/gil/`, 3.13's protocol): stop-the-world, attach and detach, and
//! the hang found in review of the gh-118727 fix.
//!
//! In the free-threaded build the GIL exists but is normally disabled (`gil->enabled == 0`);
//! importing an extension that does not declare `Py_mod_gil` enables it until the import ends,
//! then `_PyEval_DisableGIL` switches it off again. What each step stands for (3.13.15's
//! `Python/ceval_gil.c` and `Python/pystate.c`; 3.14 is the same):
//! - `take_gil` returns at once while `gil->enabled` is 0, and a waiter whose wait loop ends
//!   because the GIL was dropped returns without taking it if the GIL was disabled meanwhile,
//!   after signalling `gil->cond` for the next waiter: it does not touch `last_holder` and
//!   does not signal `switch_cond`. The entry check and the lock of `gil->mutex` are one step
//!   here (`TakeDisabled`).
//! - `drop_gil` returns at once if the thread does not hold the GIL (`_status.holds_gil`).
//! - `_PyThreadState_Attach` (`PyEval_RestoreThread`): `take_gil`, then the compare-and-swap of
//!   `tstate->state` from DETACHED to ATTACHED, waiting while it is SUSPENDED
//!   (`tstate_wait_attach`); if the GIL is enabled but not held (it was enabled meanwhile),
//!   detach and start again. `detach_thread` (`PyEval_SaveThread`, `_PyThreadState_Suspend`)
//!   sets DETACHED or SUSPENDED, then `drop_gil`.
//! - `_PyEval_EnableGILTransient`: detach, `_PyEval_StopTheWorldAll` (`stop_the_world`: every
//!   DETACHED thread is switched to SUSPENDED by the requester, `park_detached_threads`;
//!   every ATTACHED one gets `_PY_EVAL_PLEASE_STOP_BIT` and suspends itself at its next
//!   eval-breaker check; the world is stopped when no other thread is left), `enabled += 1`,
//!   `start_the_world` (SUSPENDED back to DETACHED), attach.
//! - `_PyEval_DisableGIL`, by the holder: `enabled -= 1`; at 0, release the GIL with
//!   `drop_gil_impl` (lock `gil->mutex`, `locked = 0`, signal `gil->cond`: the component's
//!   release step without the FORCE_SWITCHING hand-off) and unset its own drop request. A draft
//!   of the gh-118727 fix (PR #118745, May 2024; never released: the merged fix, in 3.13.0b2,
//!   uses `drop_gil_impl`) released through the whole `drop_gil`, and review found the hang it
//!   causes: with a drop request pending the holder waited on `switch_cond` for a thread that,
//!   finding the GIL disabled, would never take it.
//!
//! T0 runs free-threaded, enables the GIL (as an import would), runs holding it, may enable it
//! for good (`_PyEval_EnableGILPermanent`, `enabled = INT_MAX`, after which `_PyEval_DisableGIL`
//! returns at once), and disables it; the other threads run Python code and block in I/O
//! (detach, attach) for ever. The transient count is 0 or 1 here (one import at a time).

use super::gil::{self, After, Gil, GilState, GilVariant, Pc, Woken};
use crate::model::{Check, Config, Fairness, Model, Premise, Property};
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Fact, Frame};

/// Most threads a state holds.
pub const MAX_THREADS: usize = 3;

crate::variants! {
    /// The variants of the free-threaded GIL model.
    pub enum FtGilVariant {
        /// As 3.13.0 and later do it.
        Cpython313t => ("cpython-3.13t", Real,
            "the free-threaded build's GIL enabled by stop-the-world, disabled by drop_gil_impl",
            ["3.13", "3.14"]),
        /// Bad: `_PyEval_DisableGIL` as a draft of the gh-118727 fix had it.
        Gh118727Draft => ("gh-118727-draft", Bad,
            "bad (a draft of the gh-118727 fix, PR #118745): _PyEval_DisableGIL releases \
             through the whole drop_gil"),
        /// Bad: the GIL is enabled without stopping the world.
        EnableWithoutStw => ("enable-without-stw", Bad,
            "bad: _PyEval_EnableGILTransient sets enabled without stopping the world"),
        /// Bad: stop-the-world counts detached threads as stopped without suspending them.
        StwWithoutSuspend => ("stw-without-suspend", Bad,
            "bad: park_detached_threads counts detached threads without making them SUSPENDED"),
    }
}

/// `tstate->state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// `_Py_THREAD_ATTACHED`.
    Attached,
    /// `_Py_THREAD_DETACHED`.
    Detached,
    /// `_Py_THREAD_SUSPENDED`.
    Suspended,
}

/// What a thread is doing, above the GIL protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Attached, running Python code (or inside a `drop_gil`/`take_gil` pair at a poll).
    Run,
    /// Detached in blocking I/O.
    Io,
    /// In `_PyThreadState_Attach`: `take_gil`, then the compare-and-swap to ATTACHED.
    Attach,
    /// T0 in `_PyEval_EnableGILTransient`, detached, waiting for the world to stop.
    Enabling,
    /// T0 in `_PyEval_EnableGILTransient` with the world stopped, about to set `enabled`.
    Stopped,
    /// T0 in `_PyEval_DisableGIL`, releasing the GIL.
    Disabling,
}

/// A state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FtGilState {
    /// The GIL and each thread's place in its protocol.
    pub gil: GilState,
    /// `gil->enabled` is nonzero.
    pub enabled: bool,
    /// `stw->requested`.
    pub stop_requested: bool,
    /// Each thread's `tstate->state`.
    pub status: [Status; MAX_THREADS],
    /// Each thread's `_status.holds_gil`.
    pub holds: [bool; MAX_THREADS],
    /// Each thread's phase.
    pub phase: [Phase; MAX_THREADS],
    /// T0's progress: 0 before enabling, 1 enabled, 2 disabled again (or the disable found
    /// the GIL enabled for good).
    pub script: u8,
    /// `gil->enabled == INT_MAX`: `_PyEval_EnableGILPermanent` ran.
    pub permanent: bool,
}

crate::stored_as_is!(FtGilState);

/// One step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FtGilAction {
    /// A step of the GIL component.
    Gil(gil::Action),
    /// `take_gil`: the GIL is disabled: return at once.
    TakeDisabled(u8),
    /// `take_gil`: the wait ended with the GIL free but disabled: signal `cond`, return without
    /// the GIL.
    WakeDisabled {
        /// The waiter.
        thread: u8,
        /// Whom its signal wakes.
        woken: Woken,
    },
    /// `_PyThreadState_Attach`: compare-and-swap DETACHED → ATTACHED (`retry`: the GIL is
    /// enabled but not held, so it detaches and takes it).
    TryAttach {
        /// The thread.
        thread: u8,
        /// It detaches again to take the GIL.
        retry: bool,
    },
    /// `PyEval_SaveThread` before blocking I/O.
    IoDetach(u8),
    /// The I/O returns: `PyEval_RestoreThread` begins.
    IoReturn(u8),
    /// `_PyThreadState_Attach` begins with `take_gil` (after I/O or a suspension).
    AttachBegin(u8),
    /// `_PY_EVAL_PLEASE_STOP_BIT` at the eval breaker: `_PyThreadState_Suspend`.
    Suspend(u8),
    /// T0: `_PyEval_EnableGILTransient` detaches and requests a stop of the world.
    EnableBegin,
    /// T0: `park_detached_threads` switches the detached threads to SUSPENDED.
    ParkDetached,
    /// T0: no other thread is attached or detached: the world is stopped.
    WorldStopped,
    /// T0: `enabled += 1`, `start_the_world`, then attach.
    EnableAndStart,
    /// T0, holding the GIL: `_PyEval_EnableGILPermanent` (`enabled = INT_MAX`).
    EnablePermanent,
    /// T0, holding the GIL: `_PyEval_DisableGIL`.
    Disable,
    /// T0: `_PyEval_DisableGIL` finds the GIL enabled for good and returns.
    DisableKept,
    /// T0: `_PyEval_DisableGIL` unsets its drop request and returns.
    DisableReturns,
}

/// The model.
#[derive(Clone, Debug)]
pub struct FtGil {
    /// Which code.
    pub variant: FtGilVariant,
    /// Threads.
    pub config: Config,
    /// The GIL component, as 3.13.
    pub gil: Gil,
}

impl FtGil {
    /// A model of `variant` with `config.threads` threads (1..=`MAX_THREADS`).
    pub fn new(variant: FtGilVariant, config: Config) -> FtGil {
        assert!((1..=MAX_THREADS).contains(&config.threads));
        let gil = Gil::new(GilVariant::Cpython313, &config);
        FtGil {
            variant,
            config,
            gil,
        }
    }

    fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.config.threads as u8
    }

    /// Whether thread `t` runs Python code: attached, in `Run`, past `take_gil`.
    pub fn runs(s: &FtGilState, t: usize) -> bool {
        s.phase[t] == Phase::Run && s.status[t] == Status::Attached && s.gil.threads[t] == Pc::Eval
    }

    /// `detach_thread`: `tstate->state = status`, then `drop_gil` (at once if not held).
    fn detach(&self, s: &mut FtGilState, t: usize, status: Status) {
        s.status[t] = status;
        if s.holds[t] {
            self.gil.release(&mut s.gil, t as u8, After::Detach);
        } else {
            s.gil.threads[t] = Pc::Detached;
        }
    }

    /// The GIL component's steps, with the free-threaded build's `enabled` checks.
    fn gil_actions(&self, s: &FtGilState, t: u8, out: &mut Vec<FtGilAction>) {
        let mut steps = Vec::new();
        self.gil.protocol_actions(&s.gil, t, &mut steps);
        for step in steps {
            out.push(match step {
                gil::Action::TakeFree(_) | gil::Action::TakeBlock(_) if !s.enabled => {
                    FtGilAction::TakeDisabled(t)
                }
                gil::Action::Wake { acquires: true, .. } if !s.enabled => {
                    // Timed out or signalled, the return is the same step: offer it once.
                    if out
                        .iter()
                        .any(|a| matches!(a, FtGilAction::WakeDisabled { thread, .. } if *thread == t))
                    {
                        continue;
                    }
                    let mut others: Vec<Woken> = self
                        .gil
                        .signal_choices(&s.gil)
                        .into_iter()
                        .filter(|&w| w != Woken::Thread(t))
                        .collect();
                    if others.is_empty() {
                        others.push(Woken::Nobody);
                    }
                    out.extend(
                        others
                            .into_iter()
                            .map(|woken| FtGilAction::WakeDisabled { thread: t, woken }),
                    );
                    continue;
                }
                other => FtGilAction::Gil(other),
            });
        }
    }

    fn thread_actions(&self, s: &FtGilState, t: u8, out: &mut Vec<FtGilAction>) {
        let ti = t as usize;
        let pc = s.gil.threads[ti];
        match (s.phase[ti], pc) {
            (Phase::Run, Pc::Eval) => {
                if s.holds[ti] {
                    out.push(FtGilAction::Gil(self.gil.poll(&s.gil, t)));
                }
                let please_stop = s.stop_requested && t != 0;
                if please_stop {
                    out.push(FtGilAction::Suspend(t));
                } else if t == 0 {
                    match s.script {
                        0 => out.push(FtGilAction::EnableBegin),
                        1 if s.holds[0] => {
                            if s.permanent {
                                out.push(FtGilAction::DisableKept);
                            } else {
                                out.push(FtGilAction::EnablePermanent);
                                out.push(FtGilAction::Disable);
                            }
                        }
                        _ => {}
                    }
                } else {
                    out.push(FtGilAction::IoDetach(t));
                }
            }
            (Phase::Io, Pc::Detached) => out.push(FtGilAction::IoReturn(t)),
            (Phase::Attach, Pc::Detached) => out.push(FtGilAction::AttachBegin(t)),
            (Phase::Attach, Pc::Eval) if s.status[ti] != Status::Suspended => {
                out.push(FtGilAction::TryAttach {
                    thread: t,
                    retry: s.enabled && !s.holds[ti],
                })
            }
            (Phase::Attach, Pc::Eval) => {}
            (Phase::Enabling, _) => {
                let others = || self.threads().filter(|&u| u != 0);
                if others().any(|u| s.status[u as usize] == Status::Detached) {
                    out.push(FtGilAction::ParkDetached);
                }
                let stopped = if self.variant == FtGilVariant::StwWithoutSuspend {
                    others().all(|u| s.status[u as usize] != Status::Attached)
                } else {
                    others().all(|u| s.status[u as usize] == Status::Suspended)
                };
                if stopped {
                    out.push(FtGilAction::WorldStopped);
                }
            }
            (Phase::Stopped, _) => out.push(FtGilAction::EnableAndStart),
            (Phase::Disabling, Pc::Done | Pc::Detached) => out.push(FtGilAction::DisableReturns),
            _ => self.gil_actions(s, t, out),
        }
    }

    fn apply(&self, s: &mut FtGilState, action: FtGilAction) {
        match action {
            FtGilAction::Gil(a) => {
                if let gil::Action::Release { thread, .. } = a {
                    s.holds[thread as usize] = false;
                }
                self.gil.apply(&mut s.gil, &a);
                for t in self.threads() {
                    if s.gil.threads[t as usize] == Pc::Acquired {
                        s.holds[t as usize] = true;
                    }
                }
            }
            FtGilAction::TakeDisabled(t) => s.gil.threads[t as usize] = Pc::Eval,
            FtGilAction::WakeDisabled { thread, woken } => {
                Gil::signal(&mut s.gil, woken);
                s.gil.threads[thread as usize] = Pc::Eval;
            }
            FtGilAction::TryAttach { thread, retry } => {
                let t = thread as usize;
                s.status[t] = Status::Attached;
                if retry {
                    s.status[t] = Status::Detached;
                    s.gil.threads[t] = Pc::Take;
                } else {
                    s.phase[t] = Phase::Run;
                }
            }
            FtGilAction::IoDetach(t) => {
                self.detach(s, t as usize, Status::Detached);
                s.phase[t as usize] = Phase::Io;
            }
            FtGilAction::IoReturn(t) => s.phase[t as usize] = Phase::Attach,
            FtGilAction::AttachBegin(t) => self.gil.restore(&mut s.gil, t),
            FtGilAction::Suspend(t) => {
                self.detach(s, t as usize, Status::Suspended);
                s.phase[t as usize] = Phase::Attach;
            }
            FtGilAction::EnableBegin => {
                if self.variant == FtGilVariant::EnableWithoutStw {
                    s.enabled = true;
                    self.detach(s, 0, Status::Detached);
                    s.phase[0] = Phase::Attach;
                    s.script = 1;
                } else {
                    self.detach(s, 0, Status::Detached);
                    s.stop_requested = true;
                    s.phase[0] = Phase::Enabling;
                }
            }
            FtGilAction::ParkDetached => {
                if self.variant != FtGilVariant::StwWithoutSuspend {
                    for u in 1..self.config.threads {
                        if s.status[u] == Status::Detached {
                            s.status[u] = Status::Suspended;
                        }
                    }
                }
            }
            FtGilAction::WorldStopped => s.phase[0] = Phase::Stopped,
            FtGilAction::EnableAndStart => {
                s.enabled = true;
                for u in 1..self.config.threads {
                    if s.status[u] == Status::Suspended {
                        s.status[u] = Status::Detached;
                    }
                }
                s.stop_requested = false;
                s.phase[0] = Phase::Attach;
                s.script = 1;
            }
            FtGilAction::EnablePermanent => s.permanent = true,
            FtGilAction::DisableKept => s.script = 2,
            FtGilAction::Disable => {
                s.enabled = false;
                // drop_gil_impl is the component's release without the hand-off (a final
                // release); the gh-118727 draft ran the whole drop_gil.
                let after = if self.variant == FtGilVariant::Gh118727Draft {
                    After::Detach
                } else {
                    After::Final
                };
                self.gil.release(&mut s.gil, 0, after);
                s.phase[0] = Phase::Disabling;
            }
            FtGilAction::DisableReturns => {
                self.gil.unset_own_request(&mut s.gil, 0);
                s.gil.threads[0] = Pc::Eval;
                s.phase[0] = Phase::Run;
                s.script = 2;
            }
        }
    }
}

impl Model for FtGil {
    type State = FtGilState;
    type Action = FtGilAction;

    fn init_states(&self) -> Vec<FtGilState> {
        let mut gil = self.gil.initial();
        for t in self.threads() {
            gil.threads[t as usize] = Pc::Eval;
        }
        vec![FtGilState {
            gil,
            enabled: false,
            stop_requested: false,
            status: [Status::Attached; MAX_THREADS],
            holds: [false; MAX_THREADS],
            phase: [Phase::Run; MAX_THREADS],
            script: 0,
            permanent: false,
        }]
    }

    fn actions(&self, s: &FtGilState, out: &mut Vec<FtGilAction>) {
        for t in self.threads() {
            self.thread_actions(s, t, out);
        }
    }

    fn next_state(&self, s: &FtGilState, action: &FtGilAction) -> FtGilState {
        let mut s = s.clone();
        self.apply(&mut s, *action);
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "FT-S1",
                statement: "while the GIL is enabled, a thread runs Python code only holding \
                            it, and at most one thread holds it",
                source: "Python/ceval_gil.c: take_gil, _PyEval_EnableGILTransient; \
                         Python/pystate.c: _PyThreadState_Attach re-takes an enabled GIL (3.13, \
                         3.14 free-threaded)",
                premise: Some(Premise {
                    what: "the GIL is enabled",
                    holds: |_, s: &FtGilState| s.enabled,
                }),
                check: Check::Always(|m: &FtGil, s: &FtGilState| {
                    let holders = m.threads().filter(|&t| s.holds[t as usize]).count();
                    !s.enabled
                        || (holders <= 1
                            && m.threads()
                                .all(|t| !FtGil::runs(s, t as usize) || s.holds[t as usize]))
                }),
            },
            Property {
                id: "FT-S2",
                statement: "while the world is stopped, no thread but the requester is attached",
                source: "Python/pystate.c: stop_the_world, park_detached_threads, \
                         _PyThreadState_Suspend, tstate_wait_attach (3.13, 3.14 free-threaded)",
                premise: Some(Premise {
                    what: "the world is stopped",
                    holds: |_, s: &FtGilState| s.phase[0] == Phase::Stopped,
                }),
                check: Check::Always(|m: &FtGil, s: &FtGilState| {
                    s.phase[0] != Phase::Stopped
                        || m.threads()
                            .filter(|&t| t != 0)
                            .all(|t| s.status[t as usize] != Status::Attached)
                }),
            },
            Property {
                id: "FT-X1",
                statement: "a thread that disables the GIL returns from _PyEval_DisableGIL \
                            (PR #118745 review)",
                source: "Python/ceval_gil.c: _PyEval_DisableGIL releases through \
                         drop_gil_impl, take_gil returns when the GIL was disabled (3.13.0b2+, \
                         3.14)",
                premise: Some(Premise {
                    what: "the GIL is disabled by its holder",
                    holds: |_, s: &FtGilState| s.phase[0] == Phase::Disabling,
                }),
                check: Check::LeadsTo {
                    from: |_, s: &FtGilState, _| s.phase[0] == Phase::Disabling,
                    to: |_, s: &FtGilState, _| s.phase[0] != Phase::Disabling,
                    each_thread: false,
                    fairness: Fairness::StrongThread,
                },
            },
        ]
    }

    fn actor(&self, action: &FtGilAction) -> Option<usize> {
        Some(match *action {
            FtGilAction::Gil(a) => a.thread(),
            FtGilAction::TakeDisabled(t)
            | FtGilAction::IoDetach(t)
            | FtGilAction::IoReturn(t)
            | FtGilAction::AttachBegin(t)
            | FtGilAction::Suspend(t) => t,
            FtGilAction::WakeDisabled { thread, .. } | FtGilAction::TryAttach { thread, .. } => {
                thread
            }
            FtGilAction::EnableBegin
            | FtGilAction::ParkDetached
            | FtGilAction::WorldStopped
            | FtGilAction::EnableAndStart
            | FtGilAction::EnablePermanent
            | FtGilAction::Disable
            | FtGilAction::DisableKept
            | FtGilAction::DisableReturns => 0,
        } as usize)
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn assumptions(&self) -> Vec<String> {
        self.gil.assumptions()
    }

    fn format_action(&self, action: &FtGilAction) -> String {
        match *action {
            FtGilAction::Gil(a) => self.gil.format_action(&a),
            FtGilAction::TakeDisabled(_) => "take_gil: the GIL is disabled -> return".into(),
            FtGilAction::WakeDisabled { .. } => {
                "take_gil: GIL free but disabled -> signal cond, return without it".into()
            }
            FtGilAction::TryAttach { retry: false, .. } => {
                "_PyThreadState_Attach: CAS DETACHED -> ATTACHED".into()
            }
            FtGilAction::TryAttach { retry: true, .. } => {
                "_PyThreadState_Attach: attached, but the GIL is enabled and not held -> detach, \
                 take_gil"
                    .into()
            }
            FtGilAction::IoDetach(_) => "PyEval_SaveThread: detach for blocking I/O".into(),
            FtGilAction::IoReturn(_) => "I/O returns: PyEval_RestoreThread".into(),
            FtGilAction::AttachBegin(_) => "_PyThreadState_Attach: take_gil".into(),
            FtGilAction::Suspend(_) => {
                "eval breaker: please-stop -> _PyThreadState_Suspend (SUSPENDED)".into()
            }
            FtGilAction::EnableBegin => {
                "_PyEval_EnableGILTransient: detach, stop the world".into()
            }
            FtGilAction::ParkDetached => {
                "stop_the_world: park_detached_threads (DETACHED -> SUSPENDED)".into()
            }
            FtGilAction::WorldStopped => "stop_the_world: every other thread stopped".into(),
            FtGilAction::EnableAndStart => {
                "_PyEval_EnableGILTransient: enabled = 1, start_the_world, attach".into()
            }
            FtGilAction::EnablePermanent => "_PyEval_EnableGILPermanent: enabled = INT_MAX".into(),
            FtGilAction::DisableKept => {
                "_PyEval_DisableGIL: enabled == INT_MAX -> return 0, GIL kept".into()
            }
            FtGilAction::Disable => format!(
                "_PyEval_DisableGIL: enabled = 0, {}",
                if self.variant == FtGilVariant::Gh118727Draft {
                    "drop_gil"
                } else {
                    "drop_gil_impl"
                }
            ),
            FtGilAction::DisableReturns => {
                "_PyEval_DisableGIL: unset own drop request, return".into()
            }
        }
    }

    fn format_state(&self, s: &FtGilState) -> String {
        let threads: Vec<String> = self
            .threads()
            .map(|t| {
                let t = t as usize;
                format!(
                    "T{t}:{:?}/{:?}{}",
                    s.phase[t],
                    s.status[t],
                    if s.holds[t] { " holds" } else { "" }
                )
            })
            .collect();
        format!(
            "enabled={} stop={} | {} | {}",
            s.enabled as u8,
            s.stop_requested as u8,
            self.gil.format_state(&s.gil),
            threads.join(" ")
        )
    }

    fn frame(&self, s: &FtGilState) -> Frame {
        let mut frame = self.gil.frame(&s.gil);
        frame.facts.push(Fact::flag("GIL enabled", s.enabled));
        frame.facts.push(Fact::flag("stop the world", s.stop_requested));
        frame
    }
}

impl Registered for FtGil {
    type Variant = FtGilVariant;

    fn build(variant: FtGilVariant, config: &Config) -> FtGil {
        FtGil::new(variant, config.clone())
    }
}

/// The registry entry of the free-threaded GIL model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<FtGil>(
        "ft-gil",
        "free-threaded build: the GIL enabled at run time by stop-the-world and disabled again \
         (PR #118745 review)",
        MAX_THREADS,
        2,
    )
    .with_source("models/ft_gil.rs")
    .with_legend(gil::LEGEND)
    .with_least_threads(2)
}
