//! A ready-made model on the primitives: each thread runs a straight-line script of calls
//! (`lock.acquire()`, `cond.wait(timeout)`, `ev.set()`...) and marks (steps of its own code that
//! only name a place, such as the start of a critical section). Tests pin each primitive's
//! behaviour on tiny scripts; the properties are the test's (`fn` pointers over the state).
//!
//! ```
//! use gilcheck::explore::{check, Options, Verdict};
//! use gilcheck::model::Property;
//! use gilcheck::models::threading::{Line, Script, Threading, ThreadingVariant};
//!
//! let mut py = Threading::new(ThreadingVariant::Cpython, 2);
//! let lock = py.lock("lock");
//! let body = vec![
//!     Line::Call(lock.acquire()),
//!     Line::Mark("critical section"),
//!     Line::Call(lock.release()),
//! ];
//! let script = Script::new(py, vec![body.clone(), body], || {
//!     vec![Property::always("EX-S1", "one thread at a time in the critical section",
//!         "Modules/_threadmodule.c: lock_PyThread_acquire",
//!         |m: &Script, s| (0..2).filter(|&t| m.between(s, t, 0, 2)).count() <= 1)]
//! });
//! let meta = script.meta("example", ThreadingVariant::Cpython);
//! let report = check(&script, &meta, &Options::default());
//! assert_eq!(report.verdict("EX-S1"), Some(Verdict::Holds));
//! ```

use super::action::{Action, Step};
use super::decl::{Call, CondId, Threading};
use super::state::{PyState, MAX_THREADS};
use super::variants::ThreadingVariant;
use crate::model::{Config, Model, Property, Variants};
use crate::timeline::Frame;
use crate::trace::TraceMeta;

/// One line of a thread's script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Line {
    /// A call on a primitive.
    Call(Call),
    /// The call, if the thread's previous call returned `True` (`if lock.acquire(timeout=1):
    /// lock.release()`); otherwise a step of its own code that skips it.
    IfTrue(Call),
    /// A step of the thread's own code that does nothing but mark a place.
    Mark(&'static str),
    /// The thread's own code spins until `cond`'s `_waiters` holds at least this many waiter
    /// locks (`while len(cond._waiters) < n: pass`), then goes on.
    AwaitWaiters(CondId, u8),
    /// The thread's own code spins until thread `.1`'s waiter lock is in `cond`'s `_waiters`
    /// (a test's way to order threads: Python code would look at `cond._waiters`), then goes
    /// on.
    AwaitQueued(CondId, u8),
}

/// Straight-line scripts, one per thread, over the primitives of `py`.
#[derive(Clone)]
pub struct Script {
    /// The primitives.
    pub py: Threading,
    /// Each thread's script (at most 16 lines).
    pub lines: Vec<Vec<Line>>,
    properties: fn() -> Vec<Property<Script>>,
}

/// The primitives' state, each thread's next line and what its calls returned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScriptState {
    /// The primitives.
    pub py: PyState,
    /// Each thread's next line.
    pub ip: [u8; MAX_THREADS],
    /// Bit `i` of thread `t`'s word: the call on line `i` returned `True`.
    pub results: [u16; MAX_THREADS],
}

crate::stored_as_is!(ScriptState);

impl Script {
    /// The scripts `lines` (one per thread of `py`), checked for `properties`.
    pub fn new(
        py: Threading,
        lines: Vec<Vec<Line>>,
        properties: fn() -> Vec<Property<Script>>,
    ) -> Script {
        assert_eq!(lines.len(), py.threads, "one script per thread");
        assert!(lines.iter().all(|l| l.len() <= 16), "at most 16 lines");
        Script {
            py,
            lines,
            properties,
        }
    }

    /// Trace metadata naming the script `name`, in `variant`.
    pub fn meta(&self, name: &str, variant: ThreadingVariant) -> TraceMeta {
        TraceMeta {
            model: name.into(),
            variant: variant.name().into(),
            config: self.config(),
            backend: "explicit".into(),
        }
    }

    /// The configuration traces carry: the thread count.
    pub fn config(&self) -> Config {
        Config::threads(self.py.threads)
    }

    /// Whether thread `t` has completed line `line` (a call on it has returned).
    pub fn completed(&self, s: &ScriptState, t: u8, line: usize) -> bool {
        let ip = s.ip[t as usize] as usize;
        ip > line + 1 || (ip == line + 1 && s.py.places[t as usize].is_own())
    }

    /// Whether thread `t` has completed line `from` and not yet line `to`: it is between them.
    pub fn between(&self, s: &ScriptState, t: u8, from: usize, to: usize) -> bool {
        self.completed(s, t, from) && !self.completed(s, t, to)
    }

    /// Whether thread `t` has finished its script.
    pub fn finished(&self, s: &ScriptState, t: u8) -> bool {
        s.ip[t as usize] as usize == self.lines[t as usize].len()
            && s.py.places[t as usize].is_own()
    }

    /// Whether the call on line `line` of thread `t` has returned `True`.
    pub fn returned(&self, s: &ScriptState, t: u8, line: usize) -> bool {
        s.results[t as usize] & (1 << line) != 0
    }

    fn line_label(&self, t: u8, i: u8) -> String {
        match self.lines[t as usize][i as usize] {
            Line::Mark(name) => name.to_string(),
            Line::AwaitWaiters(cond, n) => {
                format!("len({}._waiters) >= {n}: goes on", self.py.cond_name(cond))
            }
            Line::AwaitQueued(cond, w) => {
                format!("T{w} is in {}._waiters: goes on", self.py.cond_name(cond))
            }
            Line::IfTrue(_) => "the last call returned False: skips the next".to_string(),
            Line::Call(_) => unreachable!("a call is not an own step"),
        }
    }
}

impl Model for Script {
    type State = ScriptState;
    /// A step of the primitives, or a script's own step: the index of its line.
    type Action = Action<u8>;

    fn init_states(&self) -> Vec<ScriptState> {
        vec![ScriptState {
            py: self.py.initial(),
            ip: [0; MAX_THREADS],
            results: [0; MAX_THREADS],
        }]
    }

    fn actions(&self, s: &ScriptState, out: &mut Vec<Action<u8>>) {
        self.py.compose(&s.py, out, |t, out| {
            let ip = s.ip[t as usize];
            match self.lines[t as usize].get(ip as usize) {
                Some(Line::Call(call)) => out.push(self.py.call(&s.py, t, *call)),
                Some(Line::IfTrue(call)) if s.py.returned(t) => {
                    out.push(self.py.call(&s.py, t, *call))
                }
                Some(Line::IfTrue(_)) => out.push(Action::own(t, ip)),
                Some(Line::Mark(_)) => out.push(Action::own(t, ip)),
                Some(Line::AwaitWaiters(cond, n)) if s.py.queue_len(*cond) >= *n as usize => {
                    out.push(Action::own(t, ip))
                }
                Some(Line::AwaitQueued(cond, w)) if s.py.queued(*cond).any(|q| q == *w) => {
                    out.push(Action::own(t, ip))
                }
                _ => {}
            }
        });
    }

    fn next_state(&self, s: &ScriptState, a: &Action<u8>) -> ScriptState {
        let mut s = s.clone();
        let t = a.thread as usize;
        if self.py.apply(&mut s.py, a) || matches!(a.step, Step::Own(_)) {
            s.ip[t] += 1;
        }
        // A call that has returned: record its value against its line.
        let last = s.ip[t].checked_sub(1);
        if let Some(line) = last.filter(|_| s.py.places[t].is_own()) {
            if matches!(
                self.lines[t][line as usize],
                Line::Call(_) | Line::IfTrue(_)
            ) {
                if s.py.returned(a.thread) {
                    s.results[t] |= 1 << line;
                } else {
                    s.results[t] &= !(1 << line);
                }
            }
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        (self.properties)()
    }

    fn is_final(&self, s: &ScriptState) -> bool {
        self.py.thread_ids().all(|t| self.finished(s, t))
    }

    fn actor(&self, a: &Action<u8>) -> Option<usize> {
        Some(a.thread as usize)
    }

    fn thread_count(&self) -> usize {
        self.py.threads
    }

    fn assumptions(&self) -> Vec<String> {
        self.py.assumptions()
    }

    fn format_action(&self, a: &Action<u8>) -> String {
        self.py.format_action(a, |&i| self.line_label(a.thread, i))
    }

    fn format_state(&self, s: &ScriptState) -> String {
        let lines: Vec<String> = self
            .py
            .thread_ids()
            .map(|t| format!("T{t}@{}/{:b}", s.ip[t as usize], s.results[t as usize]))
            .collect();
        format!("{} | {}", self.py.format_state(&s.py), lines.join(" "))
    }

    fn frame(&self, s: &ScriptState) -> Frame {
        self.py.frame(&s.py, |t| self.finished(s, t))
    }
}
