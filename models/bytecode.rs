//! `counter += 1` run by several threads, as the bytecodes the interpreter executes, composed with
//! the GIL component (`models/gil/`). It judges seed claim C1 where it is misread as "the GIL makes
//! my code thread-safe", and claim C9 ("PyPy, Jython and IronPython have no GIL").
//!
//! The program: a module global `counter = 0`; each of the threads runs
//! `for _ in range(K): counter += 1` with `K = INCREMENTS = 2` (a constant; `config.objects`
//! is not used). CPython 3.11 compiles the statement to four bytecodes, each a case of
//! `_PyEval_EvalFrameDefault` (`Python/ceval.c`) and each one step here:
//! - `LOAD_GLOBAL counter`: `_PyDict_LoadGlobal` on the module dict, push the int;
//! - `LOAD_CONST 1`: push the constant;
//! - `BINARY_OP 13 (+=)`: `PyNumber_InPlaceAdd` (for an int, `long_add`: a new int object);
//!   3.9, PyPy and the GIL-free runtimes name it `INPLACE_ADD`;
//! - `STORE_GLOBAL counter`: `PyDict_SetItem` on the module dict.
//!
//! For an int nothing inside one of these bytecodes runs Python code or releases the GIL, so a
//! bytecode is atomic with respect to the GIL. The loop's own bytecodes (`FOR_ITER`,
//! `STORE_FAST _`, `JUMP_BACKWARD`) touch nothing shared and are folded into the statement
//! boundary. After `K` statements the thread returns and exits (`PyThreadState_DeleteCurrent`
//! → `drop_gil`, `gil::Action::Exit`).
//!
//! Where the GIL can change hands is where the running thread polls the eval breaker
//! (`gil.poll`), always between bytecodes, and which boundaries poll depends on the runtime:
//! - CPython 3.11 (`cpython-3.11`): `DISPATCH()` does not test the eval breaker;
//!   `CHECK_EVAL_BREAKER()` sits only in `RESUME`, backward jumps (`JUMP_BACKWARD_QUICK`) and the
//!   `CALL` family (3.10+, reference §1.5). In this loop that is the `JUMP_BACKWARD` between two
//!   statements (and `RESUME` / `CALL range` before the first): the statement boundary only. No
//!   switch can fall inside this `counter += 1`. That is an accident of where 3.11 polls, not a
//!   guarantee: a call inside the statement (`counter += f()`) brings a `CALL` poll point between
//!   the load and the store.
//! - CPython 3.9 (`cpython-3.9`): the loop top tests the eval breaker, and every bytecode that
//!   ends in `DISPATCH()` goes back there; `LOAD_CONST` ends in `FAST_DISPATCH()`, which skips
//!   the test. Poll points: after `LOAD_GLOBAL`, after `INPLACE_ADD`, after `STORE_GLOBAL`.
//!   3.9's `take_gil`/`drop_gil` are the 3.11 protocol (reference §1.7), so the GIL component is
//!   the same.
//! - PyPy (`pypy`): PyPy has a GIL (`rpython/translator/c/src/thread_gil.c`; its FAQ: "Yes,
//!   PyPy has a GIL"). Its interpreter (`pypy/interpreter/pyopcode.py`, `dispatch_bytecode`)
//!   calls `ExecutionContext.bytecode_trace` before every bytecode; that counts down the ticker
//!   and runs the periodic actions, the GIL release among them. JIT-compiled loops check only at
//!   back edges (`interp_jit.py`, `jump_absolute`), but every loop is interpreted until it is
//!   hot. Modelled: a poll point before every bytecode, composed with PyPy's GIL component
//!   (`models/pypy.rs`, variant `pypy`): releasing is a store of 0 to the word `rpy_fastgil`;
//!   one "stealer" thread polls it while the other waiters queue on `mutex_gil_stealer`, which
//!   any of them may get next; a thread may poll `rpy_fastgil` early before it queues. At a
//!   poll point the running thread yields (`RPyGilYieldThread`) when a stealer waits: the
//!   check interval may run out before any bytecode. A thread's end releases `rpy_fastgil`.
//! - Jython and IronPython (`jython`, `ironpython`): no GIL (reference §6). The GIL component
//!   runs as `GilVariant::NoGil` (`take_gil` does not exclude), so every thread runs at once,
//!   and there is no poll point (nothing to drop). Jython compiles to JVM bytecode, IronPython
//!   to CIL through the DLR; the four steps stand for the compiled code's read of the module
//!   global, the constant, the add and the write of the global, and keep the labels of the
//!   equivalent CPython bytecodes. The JVM and the CLR make each step atomic here (sequential
//!   consistency; their weaker memory models only add outcomes) but not the load-store pair.
//!   Objects are traced by the host's garbage collector, not reference counted: nothing to
//!   model. What the host does guarantee is that a write of the global is one write: the
//!   global holds a reference to an int object, and reference writes are atomic (JLS §17.7;
//!   ECMA-335 §I.12.6.6 for aligned native-size writes). PY-S3 checks that no read ever sees a
//!   value no thread computed.
//! - The free-threaded build (`cpython-3.13t`, 3.13t and 3.14t, PEP 703): no GIL
//!   (`take_gil` is never called while the GIL is disabled, `Python/ceval_gil.c`), so this is
//!   the GIL component as `NoGil` with no poll point, as for Jython. `STORE_GLOBAL` writes the
//!   module dict under its per-object lock (`_PyDict_SetItem_Take2`: `Py_BEGIN_CRITICAL_SECTION`,
//!   `Objects/dictobject.c`, 3.13.15) and `LOAD_GLOBAL` reads it lock-free
//!   (`_PyDict_LoadGlobal` → `_Py_dict_lookup_threadsafe`, one atomic load of the value), so
//!   each is one step; nothing makes the load-add-store sequence atomic.
//! - Torn writes (`jvm-torn-long`, bad): a GIL-free runtime that kept the counter in a plain
//!   non-volatile Java `long` on a 32-bit JVM, which JLS §17.7 lets the JVM write as two
//!   separate 32-bit halves, high half first here. The model scales the halves down to two bits
//!   (`LOW_BITS`) so the tear shows at these small counts.
//! - With a lock (`with-lock`): `with lock: counter += 1`, `lock = threading.Lock()`. 3.11
//!   compiles `with` to `BEFORE_WITH`, which calls `lock.__enter__` (`lock_PyThread_acquire_lock`
//!   → `acquire_timed`, `Modules/_threadmodule.c`: a non-blocking try holding the GIL; if the
//!   lock is taken, `Py_BEGIN_ALLOW_THREADS` around the blocking acquire, reference §3.5), and
//!   after the body a `CALL` of `__exit__` (`lock_PyThread_release_lock`). Poll points: before
//!   every bytecode, a superset of 3.9's, 3.11's and PyPy's, so a switch can fall inside the
//!   critical section; fewer poll points only remove schedules, so what holds here holds for
//!   each of those runtimes.

use super::gil::{self, After, Gil, GilState, GilVariant, Pc};
use super::pypy::{Place, PypyAction, PypyGil, PypyState, PypyVariant};
use crate::model::{Check, Config, Model, Premise, Property};
use crate::variants;
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Fact, Frame};

/// `counter += 1` statements each thread runs (`K`).
pub const INCREMENTS: u8 = 2;
/// Most threads a state holds.
pub const MAX_THREADS: usize = 3;
/// `lock` is free.
pub const FREE: u8 = u8::MAX;
/// `jvm-torn-long`: the bits of the counter's low half (two 32-bit halves, scaled down).
pub const LOW_BITS: u8 = 0b11;

/// Where a thread is in its loop; the payload is the int on its value stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Pos {
    /// Between statements: before `LOAD_GLOBAL` (or `BEFORE_WITH` with the lock).
    #[default]
    Stmt,
    /// `with-lock`: `acquire_timed` found the lock taken and blocks without the GIL.
    Blocked,
    /// `with-lock`: holds the lock, before `LOAD_GLOBAL`.
    Locked,
    /// After `LOAD_GLOBAL`: stack `[v]`.
    Loaded(u8),
    /// After `LOAD_CONST 1`: stack `[v, 1]`.
    Const(u8),
    /// After the add: stack `[v + 1]`.
    Added(u8),
    /// `jvm-torn-long`: wrote the high half of `v + 1`, not yet the low half.
    HalfStored(u8),
    /// `with-lock`: after `STORE_GLOBAL`, still holding the lock.
    Stored,
}

impl Pos {
    /// Between its `LOAD_GLOBAL` and its `STORE_GLOBAL`.
    pub fn mid_statement(self) -> bool {
        matches!(
            self,
            Pos::Loaded(_) | Pos::Const(_) | Pos::Added(_) | Pos::HalfStored(_)
        )
    }
}

/// One thread's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Worker {
    /// Where it is in the statement.
    pub pos: Pos,
    /// Statements completed.
    pub done: u8,
}

/// The GIL the threads share: CPython's component (as `NoGil` for the GIL-free runtimes) or
/// PyPy's.
#[derive(Clone, Debug)]
pub enum AnyGil {
    /// `models/gil/`.
    Cpython(Gil),
    /// `models/pypy.rs`.
    Pypy(PypyGil),
}

impl AnyGil {
    /// `cpython` or `pypy` applied to this GIL and its state `s`.
    fn on<R>(
        &self,
        s: &AnyGilState,
        cpython: impl FnOnce(&Gil, &GilState) -> R,
        pypy: impl FnOnce(&PypyGil, &PypyState) -> R,
    ) -> R {
        match (self, s) {
            (AnyGil::Cpython(g), AnyGilState::Cpython(gs)) => cpython(g, gs),
            (AnyGil::Pypy(p), AnyGilState::Pypy(ps)) => pypy(p, ps),
            _ => unreachable!("a state holds the model's kind of GIL"),
        }
    }

    /// CPython's GIL (the variant is not `pypy`).
    fn cpython(&self) -> &Gil {
        match self {
            AnyGil::Cpython(g) => g,
            AnyGil::Pypy(_) => unreachable!("a CPython GIL step in the pypy variant"),
        }
    }

    /// PyPy's GIL (the variant is `pypy`).
    fn pypy(&self) -> &PypyGil {
        match self {
            AnyGil::Pypy(p) => p,
            AnyGil::Cpython(_) => unreachable!("a PyPy GIL step in a CPython variant"),
        }
    }
}

/// The state of an `AnyGil` (of the same kind).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AnyGilState {
    /// CPython's GIL.
    Cpython(GilState),
    /// PyPy's GIL.
    Pypy(PypyState),
}

/// A state: the GIL, the global, the lock and each thread's progress.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BytecodeState {
    /// The GIL and each thread's place in its protocol.
    pub gil: AnyGilState,
    /// The module global `counter`.
    pub counter: u8,
    /// `with-lock`: the thread holding `lock`, or `FREE`.
    pub lock: u8,
    /// Each thread's progress; slots past the configured count stay default.
    pub threads: [Worker; MAX_THREADS],
}

// A small state space: stored as it is, unpacked.
crate::stored_as_is!(BytecodeState);

/// One step of the Python code (the fields after the thread are what it observed or computed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `LOAD_GLOBAL counter`: reads the global, pushes it.
    LoadGlobal {
        /// The value read.
        value: u8,
    },
    /// `LOAD_CONST 1`.
    LoadConst,
    /// `BINARY_OP +=` (3.11) / `INPLACE_ADD`: pops `v, 1`, pushes `v + 1`.
    Add {
        /// The sum pushed.
        result: u8,
    },
    /// `STORE_GLOBAL counter`: pops the sum into the global (`jvm-torn-long`: its low half).
    StoreGlobal {
        /// The value written.
        value: u8,
    },
    /// `jvm-torn-long`: the first of the two writes of the store, the high half.
    StoreHighHalf {
        /// The value being written.
        value: u8,
    },
    /// `BEFORE_WITH` → `lock.__enter__` → `acquire_timed`: the non-blocking try succeeds.
    Acquire,
    /// `acquire_timed`: the non-blocking try fails; `Py_BEGIN_ALLOW_THREADS`
    /// (`PyEval_SaveThread`, `drop_gil`), then the blocking acquire.
    AcquireBlocks,
    /// The blocking acquire returns with the lock; `Py_END_ALLOW_THREADS`
    /// (`PyEval_RestoreThread` → `take_gil`).
    AcquireWakes,
    /// `CALL` of `__exit__` → `lock_PyThread_release_lock`.
    Release,
}

/// One step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BytecodeAction {
    /// A step of CPython's GIL protocol (a `Poll` is the eval-breaker check between two
    /// bytecodes).
    Gil(gil::Action),
    /// A step of PyPy's GIL (a `Yield` is the check interval running out between two
    /// bytecodes).
    Pypy(PypyAction),
    /// A thread runs one bytecode (or lock step).
    Op {
        /// The thread.
        thread: u8,
        /// The step.
        op: Op,
    },
}

variants! {
    /// The variants of the bytecode model.
    pub enum BytecodeVariant {
        /// CPython 3.11: polls only at `RESUME`, backward jumps and calls.
        Cpython311 => ("cpython-3.11", Real,
            "GIL polled only at RESUME, backward jumps and calls: never inside counter += 1",
            ["3.11"]),
        /// CPython 3.9: polls after every bytecode that ends in `DISPATCH()`.
        Cpython39 => ("cpython-3.9", Real,
            "GIL polled after every DISPATCH()ing bytecode: between LOAD_GLOBAL and STORE_GLOBAL",
            ["3.9"]),
        /// `with lock: counter += 1`, polls before every bytecode.
        WithLock => ("with-lock", Real,
            "with lock: counter += 1 (threading.Lock), GIL polled before every bytecode",
            ["3.11"]),
        /// PyPy's interpreter and GIL: polls before every bytecode.
        Pypy => ("pypy", Real,
            "PyPy has a GIL (rpy_fastgil); its interpreter may switch before any bytecode"),
        /// Jython: no GIL.
        Jython => ("jython", Real, "no GIL: threads run bytecode in parallel on the JVM"),
        /// The free-threaded build: no GIL.
        Cpython313t => ("cpython-3.13t", Real,
            "free-threaded build: no GIL; each dict access atomic under the dict's lock",
            ["3.13", "3.14"]),
        /// IronPython: no GIL.
        Ironpython => ("ironpython", Real, "no GIL: threads run bytecode in parallel on the CLR"),
        /// No GIL and a store written as two halves (bad).
        JvmTornLong => ("jvm-torn-long", Bad,
            "no GIL and the counter a plain Java long on a 32-bit JVM: a store is two \
             half-writes (JLS 17.7)"),
    }
}


impl BytecodeVariant {

    /// Whether the runtime has a GIL.
    pub fn has_gil(self) -> bool {
        !matches!(
            self,
            BytecodeVariant::Cpython313t
                | BytecodeVariant::Jython
                | BytecodeVariant::Ironpython
                | BytecodeVariant::JvmTornLong
        )
    }

    /// Whether the statement runs inside `with lock:`.
    pub fn locks(self) -> bool {
        self == BytecodeVariant::WithLock
    }

    /// Whether the running thread polls the eval breaker at `pos` (before its next bytecode).
    pub fn polls_at(self, pos: Pos) -> bool {
        match self {
            // JUMP_BACKWARD_QUICK (or RESUME and CALL range before the first statement).
            BytecodeVariant::Cpython311 => pos == Pos::Stmt,
            // DISPATCH() after STORE_GLOBAL, LOAD_GLOBAL and INPLACE_ADD; FAST_DISPATCH() after
            // LOAD_CONST.
            BytecodeVariant::Cpython39 => !matches!(pos, Pos::Const(_)),
            BytecodeVariant::WithLock | BytecodeVariant::Pypy => pos != Pos::Blocked,
            BytecodeVariant::Cpython313t
            | BytecodeVariant::Jython
            | BytecodeVariant::Ironpython
            | BytecodeVariant::JvmTornLong => false,
        }
    }
}

/// The bytecode model for one variant and configuration.
#[derive(Clone, Debug)]
pub struct Bytecode {
    /// Which runtime the model mirrors.
    pub variant: BytecodeVariant,
    /// Threads.
    pub config: Config,
    /// The GIL the threads share (CPython's `NoGil` for Jython and IronPython).
    pub gil: AnyGil,
}

impl Bytecode {
    /// A model of `variant` with `config.threads` threads (1..=`MAX_THREADS`). Threads always
    /// finish.
    pub fn new(variant: BytecodeVariant, config: Config) -> Bytecode {
        assert!((1..=MAX_THREADS).contains(&config.threads));
        let cpython = if variant.has_gil() {
            GilVariant::Cpython311
        } else {
            GilVariant::NoGil
        };
        let gil = match variant {
            BytecodeVariant::Pypy => AnyGil::Pypy(PypyGil::new(PypyVariant::Pypy, config.clone())),
            _ => AnyGil::Cpython(Gil::new(
                cpython,
                &config.clone().with(gil::FINITE.name, true),
            )),
        };
        Bytecode {
            variant,
            config,
            gil,
        }
    }

    fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.config.threads as u8
    }

    /// Whether thread `t` runs bytecode (CPython's `Pc::Eval`: past `take_gil`, not detached;
    /// PyPy's `Place::Running`).
    pub fn runs_bytecode(&self, s: &BytecodeState, t: u8) -> bool {
        match &s.gil {
            AnyGilState::Cpython(g) => g.threads[t as usize] == Pc::Eval,
            AnyGilState::Pypy(p) => p.threads[t as usize] == Place::Running,
        }
    }

    /// Threads running bytecode.
    pub fn running(&self, s: &BytecodeState) -> usize {
        self.threads().filter(|&t| self.runs_bytecode(s, t)).count()
    }

    /// Whether a thread waits for the GIL and has asked for it: CPython's drop request, or a
    /// thread polling `rpy_fastgil` as PyPy's stealer.
    pub fn gil_wanted(&self, s: &BytecodeState) -> bool {
        match &s.gil {
            AnyGilState::Cpython(g) => g.drop_request,
            AnyGilState::Pypy(p) => PypyGil::someone_waits(p),
        }
    }

    /// The thread that gives up the GIL at a poll point in `action`, if it does: CPython's
    /// eval breaker finding the drop request, PyPy's check interval yielding.
    pub fn drops_at_poll(action: &BytecodeAction) -> Option<u8> {
        match *action {
            BytecodeAction::Gil(gil::Action::Poll {
                thread,
                request: true,
            })
            | BytecodeAction::Pypy(PypyAction::Yield(thread)) => Some(thread),
            _ => None,
        }
    }

    /// The running thread's step at a poll point, if the GIL offers one.
    fn poll(&self, s: &BytecodeState, t: u8) -> Option<BytecodeAction> {
        self.gil.on(
            &s.gil,
            |g, gs| Some(BytecodeAction::Gil(g.poll(gs, t))),
            |p, ps| p.poll(ps, t).map(BytecodeAction::Pypy),
        )
    }

    /// Thread `t` ends its function and releases the GIL.
    fn exit(&self, t: u8) -> BytecodeAction {
        match self.gil {
            AnyGil::Cpython(_) => BytecodeAction::Gil(gil::Action::Exit(t)),
            AnyGil::Pypy(_) => BytecodeAction::Pypy(PypyAction::Exit(t)),
        }
    }

    /// CPython's GIL and its state in `s`, to change.
    fn cpython<'a>(&'a self, s: &'a mut BytecodeState) -> (&'a Gil, &'a mut GilState) {
        match &mut s.gil {
            AnyGilState::Cpython(gs) => (self.gil.cpython(), gs),
            AnyGilState::Pypy(_) => unreachable!("a CPython GIL step in the pypy variant"),
        }
    }

    /// Stores of the global begun so far: completed statements, plus threads past their
    /// `STORE_GLOBAL` (holding the lock) or halfway through a torn store.
    pub fn stores_begun(&self, s: &BytecodeState) -> usize {
        self.threads()
            .map(|t| s.threads[t as usize])
            .map(|w| w.done as usize + matches!(w.pos, Pos::Stored | Pos::HalfStored(_)) as usize)
            .sum()
    }

    /// The name of the add bytecode in this runtime.
    fn add_name(&self) -> &'static str {
        match self.variant {
            BytecodeVariant::Cpython311
            | BytecodeVariant::WithLock
            | BytecodeVariant::Cpython313t => "BINARY_OP +=",
            _ => "INPLACE_ADD",
        }
    }

    /// The steps of thread `t`, which runs Python code (`Eval`) or blocks in `acquire_timed`
    /// without the GIL (`Detached`).
    fn own_actions(&self, s: &BytecodeState, t: u8, out: &mut Vec<BytecodeAction>) {
        let w = s.threads[t as usize];
        let op = |op| BytecodeAction::Op { thread: t, op };
        if matches!(&s.gil, AnyGilState::Cpython(g) if g.threads[t as usize] == Pc::Detached) {
            if s.lock == FREE {
                out.push(op(Op::AcquireWakes));
            }
            return;
        }
        if self.variant.polls_at(w.pos) {
            out.extend(self.poll(s, t));
        }
        out.push(match w.pos {
            Pos::Stmt if w.done == INCREMENTS => self.exit(t),
            Pos::Stmt if self.variant.locks() && s.lock == FREE => op(Op::Acquire),
            Pos::Stmt if self.variant.locks() => op(Op::AcquireBlocks),
            Pos::Stmt | Pos::Locked => op(Op::LoadGlobal { value: s.counter }),
            Pos::Loaded(_) => op(Op::LoadConst),
            Pos::Const(v) => op(Op::Add { result: v + 1 }),
            Pos::Added(v) if self.variant == BytecodeVariant::JvmTornLong => {
                op(Op::StoreHighHalf { value: v })
            }
            Pos::Added(v) | Pos::HalfStored(v) => op(Op::StoreGlobal { value: v }),
            Pos::Stored => op(Op::Release),
            Pos::Blocked => unreachable!("a blocked thread is detached"),
        });
    }
}

impl Model for Bytecode {
    type State = BytecodeState;
    type Action = BytecodeAction;

    fn init_states(&self) -> Vec<BytecodeState> {
        let gil = match &self.gil {
            AnyGil::Cpython(g) => AnyGilState::Cpython(g.initial()),
            AnyGil::Pypy(p) => AnyGilState::Pypy(p.init_states().remove(0)),
        };
        vec![BytecodeState {
            gil,
            counter: 0,
            lock: FREE,
            threads: [Worker::default(); MAX_THREADS],
        }]
    }

    fn actions(&self, s: &BytecodeState, out: &mut Vec<BytecodeAction>) {
        let own = |t, out: &mut Vec<_>| self.own_actions(s, t, out);
        match (&self.gil, &s.gil) {
            (AnyGil::Cpython(g), AnyGilState::Cpython(gs)) => {
                g.compose(gs, out, BytecodeAction::Gil, own)
            }
            (AnyGil::Pypy(p), AnyGilState::Pypy(ps)) => {
                p.compose(ps, out, BytecodeAction::Pypy, own)
            }
            _ => unreachable!("a state holds the model's kind of GIL"),
        }
    }

    fn next_state(&self, s: &BytecodeState, action: &BytecodeAction) -> BytecodeState {
        let mut s = s.clone();
        let (t, op) = match *action {
            BytecodeAction::Gil(a) => {
                let (gil, gs) = self.cpython(&mut s);
                gil.apply(gs, &a);
                return s;
            }
            BytecodeAction::Pypy(a) => {
                let AnyGilState::Pypy(ps) = &s.gil else {
                    unreachable!("a PyPy GIL step in a CPython variant")
                };
                s.gil = AnyGilState::Pypy(self.gil.pypy().next_state(ps, &a));
                return s;
            }
            BytecodeAction::Op { thread, op } => (thread, op),
        };
        let w = &mut s.threads[t as usize];
        match op {
            Op::LoadGlobal { value } => w.pos = Pos::Loaded(value),
            Op::LoadConst => {
                let Pos::Loaded(v) = w.pos else {
                    unreachable!("LOAD_CONST follows LOAD_GLOBAL")
                };
                w.pos = Pos::Const(v);
            }
            Op::Add { result } => w.pos = Pos::Added(result),
            Op::StoreHighHalf { value } => {
                s.counter = (value & !LOW_BITS) | (s.counter & LOW_BITS);
                w.pos = Pos::HalfStored(value);
            }
            Op::StoreGlobal { value } => {
                s.counter = if self.variant == BytecodeVariant::JvmTornLong {
                    (s.counter & !LOW_BITS) | (value & LOW_BITS)
                } else {
                    value
                };
                if self.variant.locks() {
                    w.pos = Pos::Stored;
                } else {
                    w.pos = Pos::Stmt;
                    w.done += 1;
                }
            }
            Op::Acquire => {
                s.lock = t;
                w.pos = Pos::Locked;
            }
            Op::AcquireBlocks => {
                w.pos = Pos::Blocked;
                let (gil, gs) = self.cpython(&mut s);
                gil.release(gs, t, After::Detach);
            }
            Op::AcquireWakes => {
                s.lock = t;
                w.pos = Pos::Locked;
                let (gil, gs) = self.cpython(&mut s);
                gil.restore(gs, t);
            }
            Op::Release => {
                s.lock = FREE;
                w.pos = Pos::Stmt;
                w.done += 1;
            }
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "PY-S1",
                statement: "when every thread has finished, counter equals threads x K: no \
                            `counter += 1` is lost",
                source: "Python/ceval.c: _PyEval_EvalFrameDefault, LOAD_GLOBAL / BINARY_OP / \
                         STORE_GLOBAL, CHECK_EVAL_BREAKER (3.11; 3.9: INPLACE_ADD, DISPATCH); \
                         PyPy: pyopcode.py",
                premise: Some(Premise {
                    what: "every thread finishes",
                    holds: |m: &Bytecode, s: &BytecodeState| m.is_final(s),
                }),
                check: Check::Always(|m: &Bytecode, s: &BytecodeState| {
                    !m.is_final(s) || s.counter as usize == m.config.threads * INCREMENTS as usize
                }),
            },
            Property {
                id: "PY-S2",
                statement: "at most one thread runs bytecode at any moment (is in the eval loop \
                            past take_gil; a bytecode is one step)",
                source: "Python/ceval_gil.h: take_gil before _PyEval_EvalFrameDefault runs \
                         (CPython 3.2-3.11); PyPy: thread_gil.c; Jython, IronPython: no GIL \
                         (JVM, CLR threads)",
                premise: None,
                check: Check::Always(|m: &Bytecode, s: &BytecodeState| m.running(s) <= 1),
            },
            Property {
                id: "PY-S3",
                statement: "counter never holds a value no `counter += 1` computed: it is at \
                            most the number of stores begun (a store is one write)",
                source: "host guarantee: a reference write is atomic, JLS §17.7 (Jython), \
                         ECMA-335 §I.12.6.6 (IronPython); CPython: Python/ceval.c STORE_GLOBAL \
                         under the GIL (3.11)",
                premise: None,
                check: Check::Always(|m: &Bytecode, s: &BytecodeState| {
                    s.counter as usize <= m.stores_begun(s)
                }),
            },
            Property {
                id: "PY-R1",
                statement: "a thread executes a bytecode while another thread is also running \
                            bytecode (parallel bytecode)",
                source: "Jython, IronPython: no GIL, threads run at once on the JVM / CLR (JLS \
                         ch. 17, ECMA-335 §I.12.6); CPython: Python/ceval_gil.h take_gil \
                         excludes (3.2-3.11)",
                premise: Some(Premise {
                    what: "a second thread runs",
                    holds: |m: &Bytecode, _| m.config.threads >= 2,
                }),
                check: Check::SometimesStep(|m: &Bytecode, before: &BytecodeState, action, _| {
                    // Only bytecode: not a blocked `lock.acquire` returning without the GIL.
                    matches!(*action, BytecodeAction::Op { thread, .. }
                        if m.runs_bytecode(before, thread)
                            && m.threads().any(|u| u != thread && m.runs_bytecode(before, u)))
                }),
            },
            Property {
                id: "PY-R2",
                statement: "a thread drops the GIL between the LOAD_GLOBAL and the STORE_GLOBAL \
                            of one `counter += 1`",
                source: "Python/ceval.c: eval breaker tested after DISPATCH (3.9), only at \
                         RESUME, backward jumps, CALL (3.11); PyPy executioncontext.py: \
                         ExecutionContext.bytecode_trace",
                premise: Some(Premise {
                    what: "a thread asks for the GIL",
                    holds: |m: &Bytecode, s: &BytecodeState| m.gil_wanted(s),
                }),
                check: Check::SometimesStep(|_, before: &BytecodeState, action, _| {
                    Bytecode::drops_at_poll(action)
                        .is_some_and(|t| before.threads[t as usize].pos.mid_statement())
                }),
            },
        ]
    }

    fn explain(&self, id: &str, s: &BytecodeState) -> Option<String> {
        let wanted = self.config.threads * INCREMENTS as usize;
        match id {
            "PY-S1" => Some(format!(
                "counter = {}, expected {wanted}: {} updates lost",
                s.counter,
                wanted.saturating_sub(s.counter as usize)
            )),
            "PY-S3" => Some(format!(
                "counter = {}, but only {} stores began",
                s.counter,
                self.stores_begun(s)
            )),
            _ => None,
        }
    }

    fn is_final(&self, s: &BytecodeState) -> bool {
        self.gil.on(&s.gil, Gil::is_final, PypyGil::is_final)
    }

    fn actor(&self, action: &BytecodeAction) -> Option<usize> {
        Some(match *action {
            BytecodeAction::Gil(a) => a.thread(),
            BytecodeAction::Pypy(a) => return self.gil.pypy().actor(&a),
            BytecodeAction::Op { thread, .. } => thread,
        } as usize)
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn format_action(&self, action: &BytecodeAction) -> String {
        let op = match *action {
            BytecodeAction::Gil(gil::Action::Poll { request: false, .. }) => {
                return "eval breaker between bytecodes: no request".into()
            }
            BytecodeAction::Gil(gil::Action::Poll { request: true, .. }) => {
                return "eval breaker between bytecodes: drop request -> drop_gil".into()
            }
            BytecodeAction::Pypy(a) => return self.gil.pypy().format_action(&a),
            // The GIL component of a GIL-free runtime only starts and ends threads.
            BytecodeAction::Gil(a) if !self.variant.has_gil() => {
                return format!("[no GIL] {}", self.gil.cpython().format_action(&a))
            }
            BytecodeAction::Gil(a) => return self.gil.cpython().format_action(&a),
            BytecodeAction::Op { op, .. } => op,
        };
        match op {
            Op::LoadGlobal { value } => format!("LOAD_GLOBAL counter -> {value}"),
            Op::LoadConst => "LOAD_CONST 1".into(),
            Op::Add { result } => format!("{} -> {result}", self.add_name()),
            Op::StoreGlobal { value } if self.variant == BytecodeVariant::JvmTornLong => {
                format!("STORE_GLOBAL counter <- {value}: low half")
            }
            Op::StoreGlobal { value } => format!("STORE_GLOBAL counter <- {value}"),
            Op::StoreHighHalf { value } => format!("STORE_GLOBAL counter <- {value}: high half"),
            Op::Acquire => "BEFORE_WITH: lock.acquire() takes the free lock".into(),
            Op::AcquireBlocks => {
                "BEFORE_WITH: lock.acquire() finds it taken -> drop_gil, block on the lock".into()
            }
            Op::AcquireWakes => "lock.acquire() gets the lock -> take_gil".into(),
            Op::Release => "CALL __exit__: lock.release()".into(),
        }
    }

    fn format_state(&self, s: &BytecodeState) -> String {
        let lock = if !self.variant.locks() {
            String::new()
        } else if s.lock == FREE {
            " lock=free".into()
        } else {
            format!(" lock=T{}", s.lock)
        };
        let threads: Vec<String> = self
            .threads()
            .map(|t| {
                let w = s.threads[t as usize];
                let at = match w.pos {
                    Pos::Stmt => "between statements".to_string(),
                    Pos::Blocked => "blocked on lock".into(),
                    Pos::Locked => "holds lock, stack []".into(),
                    Pos::Loaded(v) => format!("stack [{v}]"),
                    Pos::Const(v) => format!("stack [{v}, 1]"),
                    Pos::Added(v) => format!("stack [{v}]"),
                    Pos::Stored => "stored, holds lock".into(),
                    Pos::HalfStored(v) => format!("storing {v}: high half written"),
                };
                format!("T{t}: {}/{INCREMENTS} done, {at}", w.done)
            })
            .collect();
        let gil = self.gil.on(&s.gil, Gil::format_state, PypyGil::format_state);
        format!(
            "{} | counter={}{} | {}",
            gil,
            s.counter,
            lock,
            threads.join("; ")
        )
    }

    fn frame(&self, s: &BytecodeState) -> Frame {
        let mut frame = self.gil.on(&s.gil, Gil::frame, PypyGil::frame);
        if !self.variant.has_gil() {
            frame.facts.clear();
        }
        frame
            .facts
            .push(Fact::new("counter", s.counter.to_string()));
        if self.variant.locks() {
            let holder = if s.lock == FREE {
                String::new()
            } else {
                format!("T{}", s.lock)
            };
            frame.facts.push(Fact::new("lock held by", holder));
        }
        frame
    }

    fn observable(&self, action: &BytecodeAction) -> BytecodeAction {
        match *action {
            BytecodeAction::Gil(a) => BytecodeAction::Gil(self.gil.cpython().observable(&a)),
            other => other,
        }
    }
}

impl Registered for Bytecode {
    type Variant = BytecodeVariant;

    fn build(variant: BytecodeVariant, config: &Config) -> Bytecode {
        Bytecode::new(variant, config.clone())
    }
}

/// The registry entry of the bytecode model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Bytecode>(
        "bytecode",
        "counter += 1 in several threads, bytecode by bytecode: CPython 3.11/3.9, a \
                  lock, PyPy, Jython, IronPython",
        3,
        2,
    )
    .with_source("models/bytecode.rs")
    .with_settings(&[gil::SPURIOUS_WAKEUPS])
    .with_legend(gil::LEGEND)
}
