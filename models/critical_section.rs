//! Per-object critical sections of the free-threaded build (PEP 703; 3.13t and 3.14t):
//! `Py_BEGIN_CRITICAL_SECTION(op)` and `Py_BEGIN_CRITICAL_SECTION2(a, b)`, which lock each
//! object's `ob_mutex` (a `PyMutex`) and keep a stack of the thread's active sections, so that a
//! thread that blocks releases them and cannot deadlock with another.
//!
//! What each step stands for (3.13.15; 3.14 is the same):
//! - `_PyCriticalSection_BeginMutex` / `_PyCriticalSection_BeginSlow`
//!   (`Include/internal/pycore_critical_section.h`, `Python/critical_section.c`): push the
//!   section on `tstate->critical_section` with no mutex recorded, lock the object's mutex,
//!   then record it. The fast path (the mutex was free) is the same step order.
//! - `_PyCriticalSection2_BeginMutex`: two objects are locked in address order (here A before
//!   B), both recorded only once both are held.
//! - `PyMutex_Lock` (`Python/lock.c`, `_PyMutex_LockTimed` with `_PY_LOCK_DETACH`): when the
//!   mutex is taken, the thread parks in `_PySemaphore_Wait` (`Python/parking_lot.c`), which
//!   detaches it (`PyEval_ReleaseThread` → `detach_thread`, `Python/pystate.c`) and so runs
//!   `_PyCriticalSection_SuspendAll`: from the top of the stack down, while a section is
//!   active, unlock its recorded mutexes and mark it inactive. When the mutex is free the
//!   thread takes it and re-attaches (`_PyThreadState_Attach`), which resumes the top section
//!   if it is inactive (`_PyCriticalSection_Resume`). Which parked thread gets a freed mutex is
//!   not fixed (a releasing thread may also take it back).
//! - `_PyCriticalSection_Resume`: clear the top section's recorded mutexes, lock them again
//!   (each lock may park), record them, mark the section active.
//! - `_PyCriticalSection_End` / `_PyCriticalSection2_End`: unlock the recorded mutexes, pop
//!   (`_PyCriticalSection_Pop`), and resume the section below if it was suspended.
//! - A blocking call inside a section (I/O, `time.sleep`, `Py_BEGIN_ALLOW_THREADS`) detaches and
//!   re-attaches the thread: suspend everything, then resume the top section.
//! - `list.append` (`Objects/listobject.c`, `PyList_Append` → `_PyList_AppendTakeRef` under
//!   `Py_BEGIN_CRITICAL_SECTION(self)`): read the size, then write the new item and size + 1.
//!
//! Two objects A and B are lists. The threads run:
//! - T0: `Py_BEGIN_CRITICAL_SECTION2(A, B)`, append to A, append to B, end;
//! - T1: `Py_BEGIN_CRITICAL_SECTION(B)`, nested `Py_BEGIN_CRITICAL_SECTION(A)`, append to A,
//!   end the inner section, append to B, end (T1 takes B then A, against T0's order);
//! - T2: `Py_BEGIN_CRITICAL_SECTION2(B, A)` (arguments against address order), a blocking call,
//!   append to A, append to B, end.

use crate::model::{Check, Config, Fairness, Model, Property};
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Activity, Fact, Frame, Legend, DONE};

/// Most threads a state holds.
pub const MAX_THREADS: usize = 3;
/// The lists (objects with a mutex each), in address order.
pub const OBJECTS: usize = 2;
/// No mutex, or a free mutex's owner.
pub const NONE: u8 = u8::MAX;
/// Deepest stack of sections a program reaches.
const DEPTH: usize = 2;

crate::variants! {
    /// The variants of the critical-section model.
    pub enum CsVariant {
        /// As the free-threaded build does it.
        Cpython313t => ("cpython-3.13t", Real,
            "free-threaded build: blocking suspends every active section; pairs lock in \
             address order",
            ["3.13", "3.14"]),
        /// Bad: a thread that blocks keeps its sections' mutexes.
        NoSuspend => ("no-suspend", Bad,
            "bad: a thread that parks or blocks keeps the mutexes of its active sections"),
        /// Bad: a two-object section locks in argument order.
        UnorderedPair => ("unordered-pair", Bad,
            "bad: Py_BEGIN_CRITICAL_SECTION2 locks its objects in argument order"),
        /// Bad: resuming a section marks it active without locking its mutexes again.
        ResumeWithoutRelock => ("resume-without-relock", Bad,
            "bad: _PyCriticalSection_Resume reactivates a section without re-locking"),
    }
}

/// One instruction of a thread's program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Instr {
    /// `Py_BEGIN_CRITICAL_SECTION(obj)`.
    Begin(u8),
    /// `Py_BEGIN_CRITICAL_SECTION2(a, b)`.
    Begin2(u8, u8),
    /// `list.append` on the object.
    Append(u8),
    /// A call that blocks (detaches and re-attaches).
    Block,
    /// `Py_END_CRITICAL_SECTION` of the innermost section.
    End,
}

const A: u8 = 0;
const B: u8 = 1;

/// Thread `t`'s program.
pub fn program(t: usize) -> &'static [Instr] {
    use Instr::*;
    match t {
        0 => &[Begin2(A, B), Append(A), Append(B), End],
        1 => &[Begin(B), Begin(A), Append(A), End, Append(B), End],
        _ => &[Begin2(B, A), Block, Append(A), Append(B), End],
    }
}

/// An entry of a thread's stack of critical sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Section {
    /// `_cs_mutex`: the first recorded mutex (`NONE` while being locked or resumed).
    pub m1: u8,
    /// `_cs_mutex2`: the second (`NONE` for one object).
    pub m2: u8,
    /// Not marked `_Py_CRITICAL_SECTION_INACTIVE`.
    pub active: bool,
}

const EMPTY: Section = Section {
    m1: NONE,
    m2: NONE,
    active: false,
};

/// What a thread does once the mutexes it is locking are all held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Then {
    /// Nothing is being locked.
    Nothing,
    /// Record them in the top section (begin or resume) and go on with the program.
    Record {
        /// The first mutex.
        m1: u8,
        /// The second, or `NONE`.
        m2: u8,
    },
}

/// One thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Worker {
    /// Next instruction.
    pub pc: u8,
    /// Its critical sections, bottom first.
    pub stack: [Section; DEPTH],
    /// How many are on the stack.
    pub depth: u8,
    /// Mutexes still to lock, in order (`NONE`-padded).
    pub want: [u8; 2],
    /// What to do when they are held.
    pub then: Then,
    /// Parked on `want[0]` (detached).
    pub parked: bool,
    /// Detached in a blocking call.
    pub blocked: bool,
    /// `list.append`: the size read, about to write.
    pub loaded: Option<u8>,
}

/// A state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CsState {
    /// Each object's mutex owner, or `NONE`.
    pub owner: [u8; OBJECTS],
    /// Each list's size.
    pub len: [u8; OBJECTS],
    /// Each thread.
    pub threads: [Worker; MAX_THREADS],
    /// A thread appended to a list without holding its mutex.
    pub unlocked_append: bool,
}

crate::stored_as_is!(CsState);

/// One step of one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CsAction {
    /// The thread.
    pub thread: u8,
    /// What it does.
    pub op: CsOp,
}

/// What a thread does in one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CsOp {
    /// Pushes a section (the `Begin` or `Begin2` it runs).
    Push(Instr),
    /// `PyMutex_Lock` finds the mutex free and takes it.
    Lock(u8),
    /// `PyMutex_Lock` finds it taken: parks, detaching (`released`: suspending released a
    /// mutex).
    Park {
        /// The mutex.
        mutex: u8,
        /// Suspending released a mutex.
        released: bool,
    },
    /// The mutex is free: takes it and re-attaches.
    Wake(u8),
    /// `list.append`: reads the size.
    AppendRead(u8),
    /// `list.append`: writes the item and the size.
    AppendWrite(u8),
    /// A blocking call detaches (`released` as for `Park`).
    Detach {
        /// Suspending released a mutex.
        released: bool,
    },
    /// The blocking call returns and the thread re-attaches.
    Attach,
    /// `Py_END_CRITICAL_SECTION`.
    End,
}

/// The critical-section model.
#[derive(Clone, Debug)]
pub struct CriticalSections {
    /// Which code.
    pub variant: CsVariant,
    /// Threads.
    pub config: Config,
}

impl CriticalSections {
    /// A model of `variant` with `config.threads` threads (1..=`MAX_THREADS`).
    pub fn new(variant: CsVariant, config: Config) -> CriticalSections {
        assert!((1..=MAX_THREADS).contains(&config.threads));
        CriticalSections { variant, config }
    }

    fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.config.threads as u8
    }

    /// Whether thread `t` has run its whole program.
    pub fn finished(s: &CsState, t: usize) -> bool {
        s.threads[t].pc as usize == program(t).len()
    }

    /// Appends each list receives: one per thread.
    pub fn expected_len(&self) -> u8 {
        self.config.threads as u8
    }

    /// The mutexes `instr` (a `Begin` or `Begin2`) locks, in locking order (`NONE` second for
    /// one object): `_PyCriticalSection2_BeginMutex` sorts a pair by address.
    pub fn mutexes(&self, instr: Instr) -> (u8, u8) {
        match instr {
            Instr::Begin(x) => (x, NONE),
            Instr::Begin2(a, b) if self.variant == CsVariant::UnorderedPair => (a, b),
            Instr::Begin2(a, b) => (a.min(b), a.max(b)),
            other => unreachable!("{other:?} pushes no section"),
        }
    }

    /// `_PyCriticalSection_SuspendAll` of a thread whose sections are `stack` (bottom first),
    /// on the mutex owners `owner`: whether it released a mutex.
    pub fn suspend_all(&self, owner: &mut [u8; OBJECTS], stack: &mut [Section]) -> bool {
        if self.variant == CsVariant::NoSuspend {
            return false;
        }
        let mut released = false;
        for section in stack.iter_mut().rev() {
            if !section.active {
                break;
            }
            for m in [section.m1, section.m2] {
                if m != NONE {
                    owner[m as usize] = NONE;
                    released = true;
                }
            }
            section.active = false;
        }
        released
    }

    /// Whether suspending thread `t`'s sections in `s` would release a mutex.
    fn would_release(&self, s: &CsState, t: usize) -> bool {
        let w = &s.threads[t];
        let mut owner = s.owner;
        let mut stack = w.stack;
        self.suspend_all(&mut owner, &mut stack[..w.depth as usize])
    }

    /// Suspends thread `t`'s sections in `s`.
    fn suspend(&self, s: &mut CsState, t: usize) {
        let w = &mut s.threads[t];
        self.suspend_all(&mut s.owner, &mut w.stack[..w.depth as usize]);
    }

    /// `_PyCriticalSection_Resume` of the top section: lock its mutexes again.
    fn resume_top(&self, w: &mut Worker) {
        let top = &mut w.stack[w.depth as usize - 1];
        let (m1, m2) = (top.m1, top.m2);
        if self.variant == CsVariant::ResumeWithoutRelock || (m1 == NONE && m2 == NONE) {
            top.active = true;
            w.pc += 1;
            return;
        }
        top.m1 = NONE;
        top.m2 = NONE;
        w.want = [m1, m2];
        w.then = Then::Record { m1, m2 };
    }

    /// The mutex at the head of `want` is now held: move on, and when all are held record
    /// them and go on with the program.
    fn took(w: &mut Worker) {
        w.want = [w.want[1], NONE];
        if w.want[0] != NONE {
            return;
        }
        if let Then::Record { m1, m2 } = w.then {
            let top = &mut w.stack[w.depth as usize - 1];
            top.m1 = m1;
            top.m2 = m2;
            top.active = true;
        }
        w.then = Then::Nothing;
        w.pc += 1;
    }

    fn thread_actions(&self, s: &CsState, t: u8, out: &mut Vec<CsAction>) {
        let w = &s.threads[t as usize];
        let mut push = |op| out.push(CsAction { thread: t, op });
        if w.want[0] != NONE {
            let m = w.want[0];
            let free = s.owner[m as usize] == NONE;
            match (w.parked, free) {
                (true, true) => push(CsOp::Wake(m)),
                (true, false) => {}
                (false, true) => push(CsOp::Lock(m)),
                (false, false) => push(CsOp::Park {
                    mutex: m,
                    released: self.would_release(s, t as usize),
                }),
            }
            return;
        }
        if w.blocked {
            push(CsOp::Attach);
            return;
        }
        let Some(&instr) = program(t as usize).get(w.pc as usize) else {
            return;
        };
        push(match instr {
            Instr::Begin(_) | Instr::Begin2(..) => CsOp::Push(instr),
            Instr::Append(x) if w.loaded.is_none() => CsOp::AppendRead(x),
            Instr::Append(x) => CsOp::AppendWrite(x),
            Instr::Block => CsOp::Detach {
                released: self.would_release(s, t as usize),
            },
            Instr::End => CsOp::End,
        });
    }

    fn apply(&self, s: &mut CsState, t: usize, op: CsOp) {
        match op {
            CsOp::Push(instr) => {
                let (m1, m2) = self.mutexes(instr);
                let w = &mut s.threads[t];
                w.stack[w.depth as usize] = Section {
                    m1: NONE,
                    m2: NONE,
                    active: true,
                };
                w.depth += 1;
                w.want = [m1, m2];
                w.then = Then::Record { m1, m2 };
            }
            CsOp::Lock(m) => {
                s.owner[m as usize] = t as u8;
                CriticalSections::took(&mut s.threads[t]);
            }
            CsOp::Park { .. } => {
                self.suspend(s, t);
                s.threads[t].parked = true;
            }
            CsOp::Wake(m) => {
                s.owner[m as usize] = t as u8;
                let w = &mut s.threads[t];
                w.parked = false;
                // Re-attaching resumes the top section; while it is being locked its recorded
                // mutexes are cleared, so resuming only marks it active again.
                let top = &mut w.stack[w.depth as usize - 1];
                top.active = true;
                CriticalSections::took(w);
            }
            CsOp::AppendRead(x) | CsOp::AppendWrite(x) => {
                if s.owner[x as usize] != t as u8 {
                    s.unlocked_append = true;
                }
                let w = &mut s.threads[t];
                match w.loaded.take() {
                    None => w.loaded = Some(s.len[x as usize]),
                    Some(len) => {
                        s.len[x as usize] = len + 1;
                        w.pc += 1;
                    }
                }
            }
            CsOp::Detach { .. } => {
                self.suspend(s, t);
                s.threads[t].blocked = true;
            }
            CsOp::Attach => {
                let w = &mut s.threads[t];
                w.blocked = false;
                if w.stack[w.depth as usize - 1].active {
                    w.pc += 1;
                } else {
                    self.resume_top(w);
                }
            }
            CsOp::End => {
                let w = &mut s.threads[t];
                w.depth -= 1;
                let top = std::mem::replace(&mut w.stack[w.depth as usize], EMPTY);
                for m in [top.m1, top.m2] {
                    if m != NONE {
                        s.owner[m as usize] = NONE;
                    }
                }
                let w = &mut s.threads[t];
                if w.depth > 0 && !w.stack[w.depth as usize - 1].active {
                    self.resume_top(w);
                } else {
                    w.pc += 1;
                }
            }
        }
    }
}

/// Inside a critical section, running.
pub const LOCKED: Activity = Activity {
    name: "in section",
    describe: "runs inside a critical section",
    colour: "#66bb6a",
};
/// Parked on a mutex.
pub const PARKED: Activity = Activity {
    name: "parked",
    describe: "parked on an object's mutex (detached)",
    colour: "#ffb74d",
};
/// Detached in a blocking call.
pub const BLOCKED: Activity = Activity {
    name: "blocked",
    describe: "in a blocking call (detached)",
    colour: "#26a69a",
};
/// Running outside any section.
pub const OUTSIDE: Activity = Activity {
    name: "runs",
    describe: "runs outside any section",
    colour: "#90caf9",
};

/// How pictures of the model colour a thread.
pub const LEGEND: Legend = &[LOCKED, PARKED, BLOCKED, OUTSIDE, DONE];

fn object_name(m: u8) -> &'static str {
    match m {
        A => "A",
        B => "B",
        _ => "-",
    }
}

impl Model for CriticalSections {
    type State = CsState;
    type Action = CsAction;

    fn init_states(&self) -> Vec<CsState> {
        vec![CsState {
            owner: [NONE; OBJECTS],
            len: [0; OBJECTS],
            threads: [Worker {
                pc: 0,
                stack: [EMPTY; DEPTH],
                depth: 0,
                want: [NONE; 2],
                then: Then::Nothing,
                parked: false,
                blocked: false,
                loaded: None,
            }; MAX_THREADS],
            unlocked_append: false,
        }]
    }

    fn actions(&self, s: &CsState, out: &mut Vec<CsAction>) {
        for t in self.threads() {
            self.thread_actions(s, t, out);
        }
    }

    fn next_state(&self, s: &CsState, action: &CsAction) -> CsState {
        let mut s = s.clone();
        self.apply(&mut s, action.thread as usize, action.op);
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "CS-S1",
                statement: "a thread appends to a list only while it holds the list's mutex",
                source: "Objects/listobject.c: PyList_Append under Py_BEGIN_CRITICAL_SECTION; \
                         Python/critical_section.c: _PyCriticalSection_Resume re-locks (3.13, \
                         3.14 free-threaded)",
                premise: None,
                check: Check::Always(|_, s: &CsState| !s.unlocked_append),
            },
            Property {
                id: "CS-S2",
                statement: "when every thread has finished, each list holds every element \
                            appended to it (no lost append)",
                source: "Objects/listobject.c: _PyList_AppendTakeRef (3.13, 3.14 \
                         free-threaded)",
                premise: None,
                check: Check::Always(|m: &CriticalSections, s: &CsState| {
                    !m.is_final(s) || s.len.iter().all(|&n| n == m.expected_len())
                }),
            },
            Property {
                id: "CS-S3",
                statement: "no deadlock between threads that lock overlapping objects in any \
                            order",
                source: "Python/critical_section.c: _PyCriticalSection_SuspendAll on detach; \
                         pycore_critical_section.h: _PyCriticalSection2_BeginMutex address \
                         order (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::DeadlockFree,
            },
            Property {
                id: "CS-L1",
                statement: "every thread eventually finishes its critical sections",
                source: "Python/lock.c: PyMutex_Lock parks until the mutex is free; \
                         Python/critical_section.c (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::LeadsTo {
                    from: |_, _, _| true,
                    to: |_, s: &CsState, t| CriticalSections::finished(s, t),
                    each_thread: true,
                    fairness: Fairness::WeakThread,
                },
            },
            Property {
                id: "CS-R1",
                statement: "a thread that blocks releases the mutex of a section it is inside",
                source: "Python/pystate.c: detach_thread → _PyCriticalSection_SuspendAll \
                         (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::SometimesStep(|_, _, action: &CsAction, _| {
                    matches!(
                        action.op,
                        CsOp::Park { released: true, .. } | CsOp::Detach { released: true }
                    )
                }),
            },
        ]
    }

    fn explain(&self, id: &str, s: &CsState) -> Option<String> {
        (id == "CS-S2").then(|| {
            format!(
                "len(A) = {}, len(B) = {}, expected {} each",
                s.len[0],
                s.len[1],
                self.expected_len()
            )
        })
    }

    fn is_final(&self, s: &CsState) -> bool {
        self.threads()
            .all(|t| CriticalSections::finished(s, t as usize))
    }

    fn actor(&self, action: &CsAction) -> Option<usize> {
        Some(action.thread as usize)
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn assumptions(&self) -> Vec<String> {
        vec![
            "a freed mutex may go to any parked thread, or back to the one that freed it".into(),
            "each thread that can move is eventually scheduled".into(),
        ]
    }

    fn format_action(&self, action: &CsAction) -> String {
        match action.op {
            CsOp::Push(Instr::Begin(x)) => {
                format!("Py_BEGIN_CRITICAL_SECTION({}): push", object_name(x))
            }
            CsOp::Push(Instr::Begin2(a, b)) => format!(
                "Py_BEGIN_CRITICAL_SECTION2({}, {}): push",
                object_name(a),
                object_name(b)
            ),
            CsOp::Push(other) => unreachable!("{other:?} pushes no section"),
            CsOp::Lock(m) => format!("PyMutex_Lock({}): free, taken", object_name(m)),
            CsOp::Park { mutex, released } => format!(
                "PyMutex_Lock({}): taken -> park, detach: SuspendAll{}",
                object_name(mutex),
                if released { " releases its sections" } else { "" }
            ),
            CsOp::Wake(m) => format!(
                "PyMutex_Lock({}): free -> taken, attach (resume the top section)",
                object_name(m)
            ),
            CsOp::AppendRead(x) => format!("list.append on {}: read the size", object_name(x)),
            CsOp::AppendWrite(x) => {
                format!("list.append on {}: write item and size + 1", object_name(x))
            }
            CsOp::Detach { released } => format!(
                "blocking call: detach, SuspendAll{}",
                if released { " releases its sections" } else { "" }
            ),
            CsOp::Attach => "blocking call returns: attach, _PyCriticalSection_Resume".into(),
            CsOp::End => "Py_END_CRITICAL_SECTION: unlock, pop, resume the one below".into(),
        }
    }

    fn format_state(&self, s: &CsState) -> String {
        let threads: Vec<String> = self
            .threads()
            .map(|t| {
                let w = &s.threads[t as usize];
                let sections: Vec<String> = w.stack[..w.depth as usize]
                    .iter()
                    .map(|c| {
                        let held = match (c.m1, c.m2) {
                            (NONE, _) => "locking".to_string(),
                            (m1, NONE) => object_name(m1).to_string(),
                            (m1, m2) => format!("{}+{}", object_name(m1), object_name(m2)),
                        };
                        format!("{held}{}", if c.active { "" } else { " suspended" })
                    })
                    .collect();
                format!(
                    "T{t}: pc {} sections [{}]{}{}",
                    w.pc,
                    sections.join(","),
                    if w.parked { " parked" } else { "" },
                    if w.blocked { " blocked" } else { "" }
                )
            })
            .collect();
        format!(
            "A: owner {} len {} | B: owner {} len {} | {}",
            owner_name(s.owner[0]),
            s.len[0],
            owner_name(s.owner[1]),
            s.len[1],
            threads.join("; ")
        )
    }

    fn frame(&self, s: &CsState) -> Frame {
        Frame {
            threads: self
                .threads()
                .map(|t| {
                    let w = &s.threads[t as usize];
                    if CriticalSections::finished(s, t as usize) {
                        DONE.name
                    } else if w.parked {
                        PARKED.name
                    } else if w.blocked {
                        BLOCKED.name
                    } else if w.depth > 0 {
                        LOCKED.name
                    } else {
                        OUTSIDE.name
                    }
                })
                .map(String::from)
                .collect(),
            facts: vec![
                Fact::new("A's mutex", owner_name(s.owner[0])),
                Fact::new("B's mutex", owner_name(s.owner[1])),
            ],
        }
    }
}

fn owner_name(owner: u8) -> String {
    if owner == NONE {
        String::new()
    } else {
        format!("T{owner}")
    }
}

impl Registered for CriticalSections {
    type Variant = CsVariant;

    fn build(variant: CsVariant, config: &Config) -> CriticalSections {
        CriticalSections::new(variant, config.clone())
    }
}

/// The registry entry of the critical-section model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<CriticalSections>(
        "critical-section",
        "free-threaded build: per-object critical sections, suspended when a thread blocks, \
         pairs locked in address order; list.append under them",
        MAX_THREADS,
        3,
    )
    .with_source("models/critical_section.rs")
    .with_legend(LEGEND)
    .with_least_threads(2)
}
