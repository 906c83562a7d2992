//! The primitives in Python terms: step labels (`cond.wait(): releases the lock
//! (_release_save)`, `cond.notify(): wakes T2`), the state in one line, the timeline's legend
//! and frame lanes, and the environment assumptions liveness verdicts rest on.

use super::action::{Action, Step};
use super::decl::{CondId, EventId, LockId, SemId, Threading};
use super::state::{At, EvOp, Op, PyState, SemOp, WaitStep};
use crate::timeline::{Activity, Fact, Frame, Legend, DONE};

/// How the pictures colour what a thread does.
pub const LEGEND: Legend = &[
    Activity {
        name: "runs",
        describe: "runs its own code, holding no lock",
        colour: "#a5d6a7",
    },
    Activity {
        name: "holds",
        describe: "holds a lock (in its own code or inside a call)",
        colour: "#2e7d32",
    },
    Activity {
        name: "blocked",
        describe: "blocked acquiring a lock (lock.acquire or _acquire_restore)",
        colour: "#e57373",
    },
    Activity {
        name: "waits",
        describe: "in cond.wait(), asleep on its waiter lock",
        colour: "#64b5f6",
    },
    Activity {
        name: "notified",
        describe: "in cond.wait(), its waiter lock released by a notify",
        colour: "#fff176",
    },
    Activity {
        name: "timed-out",
        describe: "in cond.wait(), its timeout expired",
        colour: "#ffb74d",
    },
    DONE,
];

/// `T1, T2` (with `spent` marked) or `no waiter`.
fn wakes(woken: u8, spent: u8) -> String {
    if woken == 0 {
        return "no waiter".into();
    }
    let names: Vec<String> = (0..8)
        .filter(|w| woken & (1 << w) != 0)
        .map(|w| {
            if spent & (1 << w) != 0 {
                format!("T{w} (its wait had timed out: the wake-up is spent)")
            } else {
                format!("T{w}")
            }
        })
        .collect();
    format!("wakes {}", names.join(", "))
}

impl Threading {
    /// The label of `a` (its name in traces); `own` labels the model's own steps.
    pub fn format_action<O>(&self, a: &Action<O>, own: impl Fn(&O) -> String) -> String {
        let lock = |l: LockId| self.lock_name(l);
        let cond = |c: CondId| self.cond_name(c);
        let timeout = |timed: bool| if timed { "timeout" } else { "" };
        let body = match a.step {
            Step::Own(ref o) => return own(o),
            Step::Take { lock: l } => format!("{}.acquire(): takes it", lock(l)),
            Step::Reenter { lock: l, count } => {
                format!("{}.acquire(): already the owner, count {count}", lock(l))
            }
            Step::Block {
                lock: l,
                holder,
                timed,
            } => format!(
                "{}.acquire({}): held by T{holder}, blocks",
                lock(l),
                timeout(timed)
            ),
            Step::GiveUp { lock: l } => {
                format!("{}.acquire(timeout): times out, returns False", lock(l))
            }
            Step::Release {
                lock: l,
                left,
                returns,
            } => format!(
                "{}.release(){}{}",
                lock(l),
                if left > 0 {
                    format!(", count {left}")
                } else {
                    String::new()
                },
                match returns {
                    Some(value) => format!("; returns {}", py_bool(value)),
                    None => String::new(),
                }
            ),
            Step::ReleaseUnheld { lock: l } => {
                format!("{}.release(): not held -> RuntimeError", lock(l))
            }
            Step::Append { cond: c, timed } => format!(
                "{}.wait({}): appends a waiter lock to _waiters",
                cond(c),
                timeout(timed)
            ),
            Step::ReleaseSave { cond: c } => {
                format!("{}.wait(): releases the lock (_release_save)", cond(c))
            }
            Step::Notified { cond: c } => {
                format!("{}.wait(): waiter lock released by a notify", cond(c))
            }
            Step::TimedOut { cond: c } => {
                format!("{}.wait(timeout): times out", cond(c))
            }
            Step::Restore { cond: c, gotit } => format!(
                "{}.wait(): takes the lock back (_acquire_restore){}",
                cond(c),
                if gotit { ", returns True" } else { "" }
            ),
            Step::Remove { cond: c, spent } => format!(
                "{}.wait(): {}, returns False",
                cond(c),
                if spent {
                    "its waiter lock is gone (a notify was spent on it)"
                } else {
                    "removes its waiter lock"
                }
            ),
            Step::Notify {
                cond: c,
                n,
                woken,
                spent,
            } => format!(
                "{}.{}: {}",
                cond(c),
                match n {
                    None => "notify_all()".to_string(),
                    Some(1) => "notify()".to_string(),
                    Some(n) => format!("notify({n})"),
                },
                wakes(woken, spent)
            ),
            Step::SetFlag { woken, spent } => {
                format!("_flag = True, notify_all(): {}", wakes(woken, spent))
            }
            Step::ClearFlag => "_flag = False".into(),
            Step::FlagSet => "_flag is set".into(),
            Step::Decrement { value } => format!("_value {} -> {value}", value + 1),
            Step::Deadline => "_value is 0, the deadline has passed: gives up".into(),
            Step::Increment {
                n,
                value,
                woken,
                spent,
            } => format!(
                "_value {} -> {value}, notify: {}",
                value - n as i8,
                wakes(woken, spent)
            ),
        };
        format!("{}{body}", self.program_prefix(a.within))
    }

    /// `ev.wait(): ` for a step inside `Event.wait`, nothing for own code.
    fn program_prefix(&self, op: Op) -> String {
        match op {
            Op::Own => String::new(),
            Op::Event(e, op) => {
                let name = self.event_name(EventId(e));
                match op {
                    EvOp::Set => format!("{name}.set(): "),
                    EvOp::Clear => format!("{name}.clear(): "),
                    EvOp::Wait { timed: false } => format!("{name}.wait(): "),
                    EvOp::Wait { timed: true } => format!("{name}.wait(timeout): "),
                }
            }
            Op::Sem(m, op) => {
                let name = self.sem_name(SemId(m));
                match op {
                    SemOp::Acquire { timed: false } => format!("{name}.acquire(): "),
                    SemOp::Acquire { timed: true } => format!("{name}.acquire(timeout): "),
                    SemOp::Release { n: 1 } => format!("{name}.release(): "),
                    SemOp::Release { n } => format!("{name}.release({n}): "),
                }
            }
        }
    }

    /// Where thread `t` is, in a few words (`own`, `blocked on lock`, `cond.wait: asleep`).
    pub fn place_name(&self, s: &PyState, t: u8) -> String {
        let place = s.places[t as usize];
        let inside = self.program_prefix(place.op);
        let inside = inside.trim_end_matches(": ");
        let at = match place.at {
            At::Ready if place.op == Op::Own => {
                return format!("own({})", py_bool(s.returned(t)));
            }
            At::Ready => "body".to_string(),
            At::Blocked { lock, timed } => format!(
                "blocked on {}{}",
                self.lock_name(lock),
                if timed { " (timeout)" } else { "" }
            ),
            At::Cond {
                cond, timed, step, ..
            } => format!(
                "{}.wait{}:{}",
                self.cond_name(cond),
                if timed { "(timeout)" } else { "" },
                match step {
                    WaitStep::Appended => "appended",
                    WaitStep::Asleep if s.released & (1 << t) != 0 => "released",
                    WaitStep::Asleep => "asleep",
                    WaitStep::Restore { gotit: true } => "restore(notified)",
                    WaitStep::Restore { gotit: false } => "restore(timed out)",
                    WaitStep::Remove => "remove",
                }
            ),
            At::Recheck { expired } => format!("recheck{}", if expired { "(expired)" } else { "" }),
            At::Exit { returns } => format!(
                "exit{}",
                returns.map_or(String::new(), |v| format!("({})", py_bool(v)))
            ),
        };
        if inside.is_empty() {
            at
        } else {
            format!("{inside} {at}")
        }
    }

    /// The primitives' fields and each thread's place, in one line.
    pub fn format_state(&self, s: &PyState) -> String {
        let mut parts = Vec::new();
        for l in self.lock_ids() {
            let holder = match (s.holder(l), s.count[l.0 as usize]) {
                (None, _) => "-".to_string(),
                (Some(t), c) if c > 1 => format!("T{t}x{c}"),
                (Some(t), _) => format!("T{t}"),
            };
            parts.push(format!("{}={holder}", self.lock_name(l)));
        }
        for c in self.cond_ids() {
            let queued: Vec<String> = s.queued(c).map(|t| format!("T{t}")).collect();
            parts.push(format!(
                "{}._waiters=[{}]",
                self.cond_name(c),
                queued.join(" ")
            ));
        }
        for e in self.event_ids() {
            parts.push(format!(
                "{}={}",
                self.event_name(e),
                if s.flag(e.0) { "set" } else { "clear" }
            ));
        }
        for m in self.sem_ids() {
            parts.push(format!("{}={}", self.sem_name(m), s.values[m.0 as usize]));
        }
        let threads: Vec<String> = self
            .thread_ids()
            .map(|t| {
                let raised = if s.has_raised(t) { " RuntimeError" } else { "" };
                format!("T{t}:{}{raised}", self.place_name(s, t))
            })
            .collect();
        format!("{} | {}", parts.join(" "), threads.join(" "))
    }

    /// What the timeline shows of thread `t` (an activity of `LEGEND`).
    pub fn activity(&self, s: &PyState, t: u8) -> &'static str {
        let place = s.places[t as usize];
        match place.at {
            At::Blocked { .. } => "blocked",
            At::Cond { step, .. } => match step {
                WaitStep::Appended => "holds",
                WaitStep::Asleep if s.released & (1 << t) != 0 => "notified",
                WaitStep::Asleep => "waits",
                WaitStep::Restore { gotit: true } => "notified",
                WaitStep::Restore { gotit: false } | WaitStep::Remove => "timed-out",
            },
            _ if s.holder.contains(&t) => "holds",
            _ => "runs",
        }
    }

    /// The timeline's frame: each thread's activity (`done` for those `finished` says have
    /// finished) and a lane per lock holder, condition queue, event flag and semaphore value.
    pub fn frame(&self, s: &PyState, finished: impl Fn(u8) -> bool) -> Frame {
        let threads = self
            .thread_ids()
            .map(|t| {
                if finished(t) {
                    DONE.name.to_string()
                } else {
                    self.activity(s, t).to_string()
                }
            })
            .collect();
        let mut facts = Vec::new();
        for l in self.lock_ids() {
            let value = s.holder(l).map_or(String::new(), |t| format!("T{t}"));
            facts.push(Fact::new(self.lock_name(l), value));
        }
        for c in self.cond_ids() {
            let queued: Vec<String> = s.queued(c).map(|t| format!("T{t}")).collect();
            facts.push(Fact::new(
                format!("{}._waiters", self.cond_name(c)),
                queued.join(" "),
            ));
        }
        for e in self.event_ids() {
            facts.push(Fact::flag(self.event_name(e), s.flag(e.0)));
        }
        for m in self.sem_ids() {
            facts.push(Fact::new(
                format!("{}._value", self.sem_name(m)),
                s.values[m.0 as usize].to_string(),
            ));
        }
        Frame { threads, facts }
    }

    /// The environment assumptions liveness verdicts on the primitives rest on.
    pub fn assumptions(&self) -> Vec<String> {
        vec![
            "each step (a few lines under the GIL) is atomic".into(),
            "a freed lock goes to whichever blocked thread runs first (not FIFO)".into(),
            "a notify wakes the oldest waiters in _waiters (FIFO)".into(),
            "a timed call may time out at any point while it is blocked".into(),
            "cond.wait() returns only when notified or timed out (no spurious wake-ups)".into(),
        ]
    }
}

/// `True` / `False`.
fn py_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}
