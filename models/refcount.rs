//! Reference counting in CPython's default build, composed with the GIL component (`models/gil/`).
//!
//! `Py_INCREF` and `Py_DECREF` (`Include/object.h`, 3.11 and 3.12) are plain read-modify-writes
//! of `ob_refcnt`: a load and a store, each a step here. They are correct only because every
//! thread running them holds the GIL, and the GIL changes hands only at eval-breaker poll points,
//! which lie between bytecodes, never inside one. `_Py_Dealloc` runs in the thread whose
//! `Py_DECREF` took the count to zero; a container's `tp_dealloc` then drops the references it
//! holds. From 3.12 (PEP 683) immortal objects such as `None` are not counted: on 64-bit builds
//! `Py_INCREF` is a saturating add of the count's low 32 bits (an immortal count does not
//! change), and `Py_DECREF` tests `_Py_IsImmortal` and returns.
//!
//! The program: module globals `G[0..k]` hold the k mortal objects, and object 0 is a container
//! that also holds object 1. Every thread runs `x_o = G[o]` for each object and `y = None`;
//! thread 0 then runs `del G[o]` for each object; the last thread (when there are two or more)
//! calls a C function that releases the GIL around its own work; finally every thread runs
//! `del x_o` and `del y`. Each of these is one bytecode, with poll points between them.

use super::gil::{self, After, Gil, GilState, GilVariant, Pc};
use crate::model::{Check, Config, Model, Premise, Property, Setting};
use crate::variants;
use crate::pack::{BitReader, BitWriter, Pack};
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Fact, Frame};

/// Most mortal objects a state holds.
pub const MAX_OBJECTS: usize = 3;

/// How many mortal objects the module's globals refer to.
pub const OBJECTS: Setting = Setting::count(
    "objects",
    "mortal Python objects the threads share",
    1..=MAX_OBJECTS as u32,
    2,
);
/// Index of `None`, after the mortal objects.
pub const NONE: u8 = MAX_OBJECTS as u8;
/// Mortal objects and `None`.
const SLOTS: usize = MAX_OBJECTS + 1;
/// `ob_refcnt` of an immortal object (3.12: `_Py_IMMORTAL_REFCNT`).
pub const IMMORTAL: i8 = i8::MAX;
/// References to `None` held outside the program in 3.11 (module dicts, code objects' constants,
/// defaults). Real 3.11.2 starts with thousands (`sys.getrefcount(None)` is 3,731 at start in
/// Debian's /usr/bin/python3.11). A run of `missing-incref-3.11` drops one reference too many,
/// so any number above one gives its verdicts; 3 lets `missing-incref-loop-3.11`'s four calls
/// run the count out, standing for the thousands of calls a real program makes before
/// `none_dealloc` aborts.
pub const NONE_ELSEWHERE: i8 = 3;
/// Calls of the C function that returns `None` without `Py_INCREF` in
/// `missing-incref-loop-3.11`: one more than `NONE_ELSEWHERE`.
const LOOP_CALLS: usize = NONE_ELSEWHERE as usize + 1;

/// One bytecode (or C call step) of a thread's program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// `x_o = G[o]`: `LOAD_GLOBAL` looks the object up in the module dict, then `Py_INCREF`s
    /// it (nothing to do if the entry is gone).
    LoadGlobal(u8),
    /// `y = None`: `Py_INCREF(Py_None)`.
    LoadNone,
    /// `y = f()` where the C function `f` returns `Py_None` without `Py_INCREF` (a classic
    /// extension bug; bad variants only).
    BorrowNone,
    /// `del G[o]`: `DELETE_GLOBAL` removes the entry from the module dict, then `Py_DECREF`s
    /// the object.
    DelGlobal(u8),
    /// `Py_BEGIN_ALLOW_THREADS`: `PyEval_SaveThread` releases the GIL.
    AllowThreads,
    /// The extension's own work on its own buffer, no Python object involved.
    CWork,
    /// `Py_END_ALLOW_THREADS`: `PyEval_RestoreThread` takes the GIL back.
    EndAllowThreads,
    /// `del x_o` (or `del y` for `None`): `Py_DECREF` (skipped if never loaded).
    DelLocal(u8),
}

/// Why a thread reads `ob_refcnt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Why {
    /// `Py_INCREF` for an `Op` that takes a reference.
    Incref(Op),
    /// `Py_DECREF` for an `Op` that drops a reference.
    Decref(Op),
    /// `Py_DECREF` by the `tp_dealloc` of container `o`, dropping the reference it held.
    Dealloc(u8),
}

/// A `Py_INCREF`/`Py_DECREF` between its load and its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rmw {
    /// The object.
    pub obj: u8,
    /// The count it read.
    pub loaded: i8,
    /// `+1` or `-1`.
    pub delta: i8,
}

/// What one thread is doing besides the GIL protocol.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Work {
    /// Index of its next `Op`.
    pub next: u8,
    /// Objects its local variables refer to (bit per object), including one being loaded.
    pub held: u8,
    /// References that deallocated containers still have to drop (bit per object).
    pub pending: u8,
    /// A `LoadGlobal` or `DelGlobal` that accessed the dict and still owes its count update.
    pub owed: Option<Op>,
    /// An increment or decrement in progress.
    pub rmw: Option<Rmw>,
    /// Running object 0's `__del__` (variant `finalizer-drops-gil`).
    pub finalizing: bool,
}

/// A state: the GIL, the objects and each thread's work.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RcState {
    /// The GIL and each thread's place in its protocol.
    pub gil: GilState,
    /// `ob_refcnt` of each object; `None` is last.
    pub refcnt: [i8; SLOTS],
    /// How many times each object was deallocated (0, 1, or 2 meaning "twice or more").
    pub frees: [u8; SLOTS],
    /// Module globals still set (bit per object).
    pub globals: u8,
    /// Each thread's work.
    pub work: [Work; gil::MAX_THREADS],
}

/// Bits of an object index (mortal objects and `None`).
const OBJ_BITS: u32 = 2;
/// Bits of an `Op`: its kind, then its object.
const OP_BITS: u32 = 3 + OBJ_BITS;
/// Bits of `Work::next` (a program has at most 14 ops, and `next` may point past the last).
const NEXT_BITS: u32 = 5;
const _: () = assert!(SLOTS <= 1 << OBJ_BITS);

impl Op {
    /// The op in `OP_BITS` bits.
    fn code(self) -> u64 {
        let (kind, obj) = match self {
            Op::LoadGlobal(o) => (0, o),
            Op::LoadNone => (1, 0),
            Op::BorrowNone => (2, 0),
            Op::DelGlobal(o) => (3, o),
            Op::AllowThreads => (4, 0),
            Op::CWork => (5, 0),
            Op::EndAllowThreads => (6, 0),
            Op::DelLocal(o) => (7, o),
        };
        kind | (obj as u64) << 3
    }

    /// The op whose `code` is `code`.
    fn from_code(code: u64) -> Op {
        let obj = (code >> 3) as u8;
        match code & 7 {
            0 => Op::LoadGlobal(obj),
            1 => Op::LoadNone,
            2 => Op::BorrowNone,
            3 => Op::DelGlobal(obj),
            4 => Op::AllowThreads,
            5 => Op::CWork,
            6 => Op::EndAllowThreads,
            _ => Op::DelLocal(obj),
        }
    }
}

impl Work {
    /// Appends the work's 32 bits.
    fn write_bits<const N: usize>(&self, out: &mut BitWriter<N>) {
        out.put(self.next as u64, NEXT_BITS);
        out.put(self.held as u64, SLOTS as u32);
        out.put(self.pending as u64, SLOTS as u32);
        out.put_option(self.owed.map(Op::code), OP_BITS);
        let rmw = self.rmw.map(|r| {
            r.obj as u64 | (r.loaded as u8 as u64) << OBJ_BITS | ((r.delta > 0) as u64) << (OBJ_BITS + 8)
        });
        out.put_option(rmw, OBJ_BITS + 8 + 1);
        out.put(self.finalizing as u64, 1);
    }

    /// Reads back a work `write_bits` wrote.
    fn read_bits(input: &mut BitReader) -> Work {
        Work {
            next: input.take(NEXT_BITS) as u8,
            held: input.take(SLOTS as u32) as u8,
            pending: input.take(SLOTS as u32) as u8,
            owed: input.take_option(OP_BITS).map(Op::from_code),
            rmw: input.take_option(OBJ_BITS + 8 + 1).map(|r| Rmw {
                obj: (r & ((1 << OBJ_BITS) - 1)) as u8,
                loaded: (r >> OBJ_BITS) as u8 as i8,
                delta: if r >> (OBJ_BITS + 8) == 1 { 1 } else { -1 },
            }),
            finalizing: input.take(1) == 1,
        }
    }
}

/// Packed into six words: the GIL (63 bits), the counts (32), frees (8), globals (4), and 32
/// bits per thread.
impl Pack for RcState {
    type Packed = [u64; 6];
    fn pack(&self) -> [u64; 6] {
        let mut out = BitWriter::default();
        self.gil.write_bits(&mut out);
        for count in self.refcnt {
            out.put(count as u8 as u64, 8);
        }
        for frees in self.frees {
            out.put(frees as u64, 2);
        }
        out.put(self.globals as u64, SLOTS as u32);
        for work in &self.work {
            work.write_bits(&mut out);
        }
        out.finish()
    }
    fn unpack(packed: &[u64; 6]) -> RcState {
        let mut input = BitReader::new(packed);
        RcState {
            gil: GilState::read_bits(&mut input),
            refcnt: std::array::from_fn(|_| input.take(8) as u8 as i8),
            frees: std::array::from_fn(|_| input.take(2) as u8),
            globals: input.take(SLOTS as u32) as u8,
            work: std::array::from_fn(|_| Work::read_bits(&mut input)),
        }
    }
}

/// One step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RcAction {
    /// A step of the GIL protocol.
    Gil(gil::Action),
    /// `LOAD_GLOBAL` reads `G[o]` from the module dict (a borrowed pointer, not yet counted).
    Lookup {
        /// The thread.
        thread: u8,
        /// The object.
        obj: u8,
        /// The entry was still there.
        found: bool,
    },
    /// `DELETE_GLOBAL` removes `G[o]` from the module dict; its reference is now the thread's
    /// to drop.
    Unlink {
        /// The thread.
        thread: u8,
        /// The object.
        obj: u8,
    },
    /// `Py_INCREF`/`Py_DECREF` reads `ob_refcnt` (an immortal object's read ends the call).
    Load {
        /// The thread.
        thread: u8,
        /// The object.
        obj: u8,
        /// The count read.
        value: i8,
        /// On whose behalf.
        why: Why,
    },
    /// `Py_INCREF`/`Py_DECREF` writes `ob_refcnt`; `frees`: it wrote 0 and calls `_Py_Dealloc`.
    Store {
        /// The thread.
        thread: u8,
        /// The object.
        obj: u8,
        /// The count written.
        value: i8,
        /// The object is deallocated.
        frees: bool,
    },
    /// An `Op` that finds nothing to do (`x_o` never loaded).
    Skip {
        /// The thread.
        thread: u8,
        /// The op.
        op: Op,
    },
    /// An `Op` without a reference count: `BorrowNone`, `AllowThreads`, `CWork`,
    /// `EndAllowThreads`.
    Run {
        /// The thread.
        thread: u8,
        /// The op.
        op: Op,
    },
    /// Object 0's `__del__` returns and its `tp_dealloc` goes on.
    FinalizerDone(u8),
}

variants! {
    /// The variants of the refcount model.
    pub enum RcVariant {
        /// 3.12: immortal `None`.
        Cpython312 => ("cpython-3.12", Real,
            "Py_INCREF/Py_DECREF under the GIL, immortal None (PEP 683)",
            ["3.12"]),
        /// 3.11: `None` is counted like any object (and never reaches 0).
        Cpython311 => ("cpython-3.11", Real,
            "Py_INCREF/Py_DECREF under the GIL, None counted like any object",
            ["3.11"]),
        /// 3.12, and object 0 has a `__del__` whose Python code reaches a poll point, so its
        /// deallocation may drop and re-take the GIL.
        FinalizerDropsGil => ("finalizer-drops-gil", Real,
            "3.12; object 0's __del__ reaches a poll point, so dealloc may switch threads",
            ["3.12"]),
        /// Bad: `take_gil` does not exclude, so counts are updated by threads running at once.
        NoGil => ("no-gil", Bad, "bad: take_gil does not exclude; counts are updated concurrently"),
        /// Bad: the C function runs `del x_0` (`Py_DECREF`) between `Py_BEGIN_ALLOW_THREADS` and
        /// `Py_END_ALLOW_THREADS`.
        ExtensionWithoutGil => ("extension-without-gil", Bad,
            "bad: a C function calls Py_DECREF inside Py_BEGIN/END_ALLOW_THREADS"),
        /// Bad: a C function returns `None` without `Py_INCREF`, on 3.11.
        MissingIncref311 => ("missing-incref-3.11", Bad,
            "bad: a C function returns None without Py_INCREF (3.11: None is counted)"),
        /// Bad, on 3.11: the same C function called until `None`'s count runs out;
        /// `none_dealloc` then aborts the process (`Objects/object.c`, 3.11: "deallocating
        /// None", a fatal error).
        MissingIncrefLoop311 => ("missing-incref-loop-3.11", Bad,
            "bad: a C function returns None without Py_INCREF, called until None's count runs out"),
        /// Bad extension, on 3.12: the same missing `Py_INCREF`, absorbed by the immortal `None`.
        MissingIncref312 => ("missing-incref-3.12", Bad,
            "bad extension on 3.12: None without Py_INCREF, absorbed by immortality"),
    }
}


impl RcVariant {

    fn immortal_none(self) -> bool {
        !matches!(
            self,
            RcVariant::Cpython311 | RcVariant::MissingIncref311 | RcVariant::MissingIncrefLoop311
        )
    }
}

/// The refcount model for one variant and configuration.
#[derive(Clone, Debug)]
pub struct Refcount {
    /// Which code the model mirrors.
    pub variant: RcVariant,
    /// Threads and objects.
    pub config: Config,
    /// The GIL the threads share.
    pub gil: Gil,
    /// Each thread's program.
    scripts: Vec<Vec<Op>>,
}

const fn bit(obj: u8) -> u8 {
    1 << obj
}

impl Refcount {
    /// A model of `variant` with `config.threads` threads (1..=8) and `OBJECTS` mortal
    /// objects (1..=`MAX_OBJECTS`).
    pub fn new(variant: RcVariant, config: Config) -> Refcount {
        assert!((1..=MAX_OBJECTS).contains(&OBJECTS.value_in(&config)));
        let gil_variant = if variant == RcVariant::NoGil {
            GilVariant::NoGil
        } else {
            GilVariant::Cpython311
        };
        let gil = Gil::new(gil_variant, &config.clone().with(gil::FINITE.name, true));
        let scripts = (0..config.threads)
            .map(|t| Refcount::script(variant, &config, t))
            .collect();
        Refcount {
            variant,
            config,
            gil,
            scripts,
        }
    }

    /// Thread `t`'s program.
    pub fn program(&self, t: u8) -> &[Op] {
        &self.scripts[t as usize]
    }

    fn script(variant: RcVariant, config: &Config, t: usize) -> Vec<Op> {
        let objects = 0..OBJECTS.value_in(config) as u8;
        let last = t + 1 == config.threads;
        let mut ops: Vec<Op> = objects.clone().map(Op::LoadGlobal).collect();
        let borrows = last
            && matches!(
                variant,
                RcVariant::MissingIncref311
                    | RcVariant::MissingIncrefLoop311
                    | RcVariant::MissingIncref312
            );
        ops.push(if borrows {
            Op::BorrowNone
        } else {
            Op::LoadNone
        });
        if last && variant == RcVariant::MissingIncrefLoop311 {
            // `y = f(); del y`, again and again: each call drops one reference too many.
            for _ in 1..LOOP_CALLS {
                ops.extend([Op::DelLocal(NONE), Op::BorrowNone]);
            }
        }
        if t == 0 {
            ops.extend(objects.clone().map(Op::DelGlobal));
        }
        if last && config.threads > 1 {
            ops.push(Op::AllowThreads);
            ops.push(if variant == RcVariant::ExtensionWithoutGil {
                Op::DelLocal(0)
            } else {
                Op::CWork
            });
            ops.push(Op::EndAllowThreads);
        }
        ops.extend(objects.map(Op::DelLocal));
        ops.push(Op::DelLocal(NONE));
        ops
    }

    fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.config.threads as u8
    }

    /// Whether a `Py_DECREF` took `None`'s count to zero on 3.11: `none_dealloc` calls
    /// `_Py_FatalRefcountError("deallocating None")` and the process aborts; nothing runs on.
    pub fn aborted(&self, s: &RcState) -> bool {
        !self.variant.immortal_none() && s.frees[NONE as usize] > 0
    }

    fn mortal(&self) -> impl Iterator<Item = u8> {
        0..OBJECTS.value_in(&self.config) as u8
    }

    /// The objects whose counts the model tracks exactly: the mortal ones, and `None` unless
    /// it is immortal.
    fn counted(&self) -> impl Iterator<Item = u8> + '_ {
        self.mortal()
            .chain((!self.variant.immortal_none()).then_some(NONE))
    }

    /// The object that container `obj` holds, if any: object 0 holds object 1.
    pub fn child(&self, obj: u8) -> Option<u8> {
        (obj == 0 && OBJECTS.value_in(&self.config) >= 2).then_some(1)
    }

    /// References to `obj` that exist in the program: globals, live containers, locals, a
    /// reference taken out of the dict and not yet dropped, references that deallocated
    /// containers still hold, and the interpreter's own reference to `None`.
    pub fn references(&self, s: &RcState, obj: u8) -> i8 {
        let elsewhere = if obj == NONE { NONE_ELSEWHERE } else { 0 };
        let mut n = elsewhere + i8::from(s.globals & bit(obj) != 0);
        if self
            .mortal()
            .any(|c| self.child(c) == Some(obj) && s.frees[c as usize] == 0)
        {
            n += 1;
        }
        for t in self.threads() {
            let w = &s.work[t as usize];
            n += i8::from(w.held & bit(obj) != 0)
                + i8::from(w.pending & bit(obj) != 0)
                + i8::from(w.owed == Some(Op::DelGlobal(obj)));
        }
        n
    }

    /// Whether a thread has changed `obj`'s references but not yet its count: between the dict
    /// access and the count update, or between the load and the store of the count.
    fn in_flight(&self, s: &RcState, obj: u8) -> bool {
        self.threads().any(|t| {
            let w = &s.work[t as usize];
            matches!(w.rmw, Some(r) if r.obj == obj)
                || matches!(w.owed, Some(Op::LoadGlobal(o) | Op::DelGlobal(o)) if o == obj)
        })
    }

    /// The load step of an increment or decrement of `obj`; an immortal object's ends there.
    fn load(&self, s: &RcState, t: u8, obj: u8, why: Why) -> RcAction {
        RcAction::Load {
            thread: t,
            obj,
            value: s.refcnt[obj as usize],
            why,
        }
    }

    /// The steps of thread `t` outside the GIL protocol: running its program, which it does
    /// holding the GIL (`Eval`) or, inside `Py_BEGIN_ALLOW_THREADS`, without it (`Detached`).
    fn work_actions(&self, s: &RcState, t: u8, out: &mut Vec<RcAction>) {
        let w = &s.work[t as usize];
        let detached = s.gil.threads[t as usize] == Pc::Detached;
        if let Some(r) = w.rmw {
            let value = r.loaded + r.delta;
            out.push(RcAction::Store {
                thread: t,
                obj: r.obj,
                value,
                frees: value == 0 && r.delta < 0,
            });
            return;
        }
        if w.finalizing {
            out.push(RcAction::Gil(self.gil.poll(&s.gil, t)));
            out.push(RcAction::FinalizerDone(t));
            return;
        }
        if let Some(op) = w.owed {
            out.push(match op {
                Op::LoadGlobal(o) => self.load(s, t, o, Why::Incref(op)),
                Op::DelGlobal(o) => self.load(s, t, o, Why::Decref(op)),
                _ => unreachable!("only dict operations owe a count update"),
            });
            return;
        }
        if w.pending != 0 {
            let obj = w.pending.trailing_zeros() as u8;
            let container = self
                .mortal()
                .find(|&c| self.child(c) == Some(obj))
                .expect("pending references come from containers");
            out.push(self.load(s, t, obj, Why::Dealloc(container)));
            return;
        }
        if !detached {
            out.push(RcAction::Gil(self.gil.poll(&s.gil, t)));
        }
        let Some(&op) = self.scripts[t as usize].get(w.next as usize) else {
            out.push(RcAction::Gil(gil::Action::Exit(t)));
            return;
        };
        out.push(match op {
            Op::LoadGlobal(obj) => RcAction::Lookup {
                thread: t,
                obj,
                found: s.globals & bit(obj) != 0,
            },
            Op::DelGlobal(obj) => RcAction::Unlink { thread: t, obj },
            Op::LoadNone => self.load(s, t, NONE, Why::Incref(op)),
            Op::DelLocal(o) if w.held & bit(o) != 0 => self.load(s, t, o, Why::Decref(op)),
            Op::DelLocal(_) => RcAction::Skip { thread: t, op },
            Op::BorrowNone | Op::AllowThreads | Op::CWork | Op::EndAllowThreads => {
                RcAction::Run { thread: t, op }
            }
        });
    }
}

impl Model for Refcount {
    type State = RcState;
    type Action = RcAction;

    fn init_states(&self) -> Vec<RcState> {
        let mut refcnt = [0; SLOTS];
        for o in self.mortal() {
            refcnt[o as usize] = 1 + i8::from(self.mortal().any(|c| self.child(c) == Some(o)));
        }
        refcnt[NONE as usize] = if self.variant.immortal_none() {
            IMMORTAL
        } else {
            NONE_ELSEWHERE
        };
        vec![RcState {
            gil: self.gil.initial(),
            refcnt,
            frees: [0; SLOTS],
            globals: self.mortal().fold(0, |g, o| g | bit(o)),
            work: [Work::default(); gil::MAX_THREADS],
        }]
    }

    fn actions(&self, s: &RcState, out: &mut Vec<RcAction>) {
        if self.aborted(s) {
            return;
        }
        self.gil.compose(&s.gil, out, RcAction::Gil, |t, out| {
            self.work_actions(s, t, out)
        });
    }

    fn canonical(&self, s: &RcState) -> RcState {
        // T0 (which deletes the globals) and the last thread (which releases the GIL around C
        // code) run programs of their own; the threads between run the same one and are
        // interchangeable. A pc that names a thread (3.11.2's exit path) is left as it is.
        let n = self.config.threads;
        let names_a_thread = |pc: &Pc| matches!(pc, Pc::ExitReset { .. });
        if n < 4 || s.gil.threads.iter().any(names_a_thread) {
            return s.clone();
        }
        let holds = |t: usize| s.gil.last_holder as usize == t;
        let mut order: Vec<usize> = (1..n - 1).collect();
        order.sort_by_key(|&t| (s.gil.threads[t], s.work[t], holds(t)));
        let mut out = s.clone();
        for (slot, &old) in (1..n - 1).zip(&order) {
            out.gil.threads[slot] = s.gil.threads[old];
            out.work[slot] = s.work[old];
            if holds(old) {
                out.gil.last_holder = slot as u8;
            }
        }
        out
    }

    fn next_state(&self, s: &RcState, action: &RcAction) -> RcState {
        let mut s = s.clone();
        match *action {
            RcAction::Gil(a) => self.gil.apply(&mut s.gil, &a),
            RcAction::Lookup { thread, obj, found } => {
                let w = &mut s.work[thread as usize];
                w.next += 1;
                if found {
                    w.held |= bit(obj);
                    w.owed = Some(Op::LoadGlobal(obj));
                }
            }
            RcAction::Unlink { thread, obj } => {
                let w = &mut s.work[thread as usize];
                w.next += 1;
                w.owed = Some(Op::DelGlobal(obj));
                s.globals &= !bit(obj);
            }
            RcAction::Load {
                thread,
                obj,
                value,
                why,
            } => {
                let w = &mut s.work[thread as usize];
                match why {
                    Why::Incref(Op::LoadGlobal(_)) | Why::Decref(Op::DelGlobal(_)) => w.owed = None,
                    Why::Incref(_) => {
                        w.next += 1;
                        w.held |= bit(obj);
                    }
                    Why::Decref(_) => {
                        w.next += 1;
                        w.held &= !bit(obj);
                    }
                    Why::Dealloc(_) => w.pending &= !bit(obj),
                }
                if value != IMMORTAL {
                    let delta = if matches!(why, Why::Incref(_)) { 1 } else { -1 };
                    w.rmw = Some(Rmw {
                        obj,
                        loaded: value,
                        delta,
                    });
                }
            }
            RcAction::Store {
                thread,
                obj,
                value,
                frees,
            } => {
                s.refcnt[obj as usize] = value;
                let w = &mut s.work[thread as usize];
                w.rmw = None;
                if frees {
                    let count = &mut s.frees[obj as usize];
                    *count = (*count + 1).min(2);
                    if let Some(child) = self.child(obj) {
                        w.pending |= bit(child);
                    }
                    w.finalizing = obj == 0 && self.variant == RcVariant::FinalizerDropsGil;
                }
            }
            RcAction::Skip { thread, .. } => s.work[thread as usize].next += 1,
            RcAction::Run { thread, op } => {
                s.work[thread as usize].next += 1;
                match op {
                    Op::BorrowNone => s.work[thread as usize].held |= bit(NONE),
                    Op::AllowThreads => self.gil.release(&mut s.gil, thread, After::Detach),
                    Op::EndAllowThreads => self.gil.restore(&mut s.gil, thread),
                    _ => {}
                }
            }
            RcAction::FinalizerDone(t) => s.work[t as usize].finalizing = false,
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "RC-S1",
                statement: "a live object's count equals its number of references whenever no \
                            thread is midway through changing them (between a dict access or a \
                            load and the store of the count)",
                source: "Include/object.h: Py_INCREF, Py_DECREF as plain ob_refcnt updates; \
                         LOAD_GLOBAL, DELETE_GLOBAL in Python/ceval.c (3.11) / bytecodes.c \
                         (3.12) (default build)",
                premise: None,
                check: Check::Always(|m: &Refcount, s: &RcState| {
                    m.counted().all(|o| {
                        s.frees[o as usize] > 0
                            || m.in_flight(s, o)
                            || s.refcnt[o as usize] == m.references(s, o)
                    })
                }),
            },
            Property {
                id: "RC-S2",
                statement: "no thread holds, loads or stores a freed object (no use after free)",
                source: "Include/object.h: Py_DECREF at zero calls _Py_Dealloc \
                         (Objects/object.c); Include/ceval.h: no object use inside \
                         Py_BEGIN/END_ALLOW_THREADS (3.11, 3.12)",
                premise: Some(Premise {
                    what: "an object is freed",
                    holds: |_, s: &RcState| s.frees.iter().any(|&f| f > 0),
                }),
                check: Check::Always(|m: &Refcount, s: &RcState| {
                    (0..SLOTS as u8).all(|o| {
                        s.frees[o as usize] == 0 || (m.references(s, o) == 0 && !m.in_flight(s, o))
                    })
                }),
            },
            Property {
                id: "RC-S3",
                statement: "no object is deallocated twice",
                source: "Include/object.h: Py_DECREF calls _Py_Dealloc (Objects/object.c), \
                         hence tp_dealloc, once ob_refcnt reaches 0 (default build, CPython \
                         3.11 and 3.12)",
                premise: Some(Premise {
                    what: "an object is freed",
                    holds: |_, s: &RcState| s.frees.iter().any(|&f| f > 0),
                }),
                check: Check::Always(|_, s: &RcState| s.frees.iter().all(|&f| f <= 1)),
            },
            Property {
                id: "RC-S4",
                statement: "when every thread has finished, every unreferenced mortal object has \
                            been freed (no leak)",
                source: "Include/object.h: Py_DECREF; Objects/object.c: _Py_Dealloc; a \
                         container's tp_dealloc drops the references it holds (default build, \
                         CPython 3.11 and 3.12)",
                premise: Some(Premise {
                    what: "every thread finishes",
                    holds: |m: &Refcount, s: &RcState| m.is_final(s),
                }),
                check: Check::Always(|m: &Refcount, s: &RcState| {
                    !m.is_final(s)
                        || m.mortal()
                            .all(|o| m.references(s, o) > 0 || s.frees[o as usize] > 0)
                }),
            },
            Property {
                id: "RC-S5",
                statement: "None is never deallocated (3.11: none_dealloc aborts the process; \
                            immortal from 3.12, PEP 683)",
                source: "Include/object.h (CPython 3.12+, PEP 683): Py_INCREF leaves an \
                         immortal count unchanged (a saturating add on 64-bit builds), \
                         Py_DECREF returns when _Py_IsImmortal holds; in 3.11 None is counted \
                         like any object and Objects/object.c: none_dealloc calls \
                         _Py_FatalRefcountError(\"deallocating None\")",
                premise: None,
                check: Check::Always(|_, s: &RcState| s.frees[NONE as usize] == 0),
            },
        ]
    }

    fn is_final(&self, s: &RcState) -> bool {
        self.gil.is_final(&s.gil) || self.aborted(s)
    }

    fn actor(&self, action: &RcAction) -> Option<usize> {
        match *action {
            RcAction::Gil(a) => Some(a.thread() as usize),
            RcAction::Lookup { thread, .. }
            | RcAction::Unlink { thread, .. }
            | RcAction::Load { thread, .. }
            | RcAction::Store { thread, .. }
            | RcAction::Skip { thread, .. }
            | RcAction::Run { thread, .. }
            | RcAction::FinalizerDone(thread) => Some(thread as usize),
        }
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn format_action(&self, action: &RcAction) -> String {
        match *action {
            RcAction::Gil(a) => self.gil.format_action(&a),
            RcAction::Lookup { obj, found, .. } => format!(
                "x{obj} = G[{obj}]: dict lookup {}",
                if found {
                    "finds obj".to_string() + &obj.to_string()
                } else {
                    "finds nothing".into()
                }
            ),
            RcAction::Unlink { obj, .. } => format!("del G[{obj}]: dict entry removed"),
            RcAction::Load {
                obj, value, why, ..
            } => {
                let (call, context) = match why {
                    Why::Incref(op) => ("Py_INCREF", op_name(op)),
                    Why::Decref(op) => ("Py_DECREF", op_name(op)),
                    Why::Dealloc(c) => ("Py_DECREF", format!("dealloc of {}", obj_name(c))),
                };
                let count = if value == IMMORTAL {
                    "immortal -> return".to_string()
                } else {
                    value.to_string()
                };
                format!(
                    "{context}: {call}({}) reads ob_refcnt = {count}",
                    obj_name(obj)
                )
            }
            RcAction::Store {
                obj, value, frees, ..
            } => format!(
                "writes ob_refcnt({}) = {value}{}",
                obj_name(obj),
                match (frees, obj) {
                    (false, _) => "",
                    (true, NONE) => " -> none_dealloc: fatal error \"deallocating None\", abort",
                    (true, _) => " -> _Py_Dealloc",
                }
            ),
            RcAction::Skip { op, .. } => format!("{}: nothing to do", op_name(op)),
            RcAction::Run { op, .. } => op_name(op),
            RcAction::FinalizerDone(_) => "__del__ of obj0 returns".into(),
        }
    }

    fn explain(&self, id: &str, s: &RcState) -> Option<String> {
        let freed = |o: u8| s.frees[o as usize];
        match id {
            "RC-S1" => self.counted().find_map(|o| {
                let (counted, held) = (s.refcnt[o as usize], self.references(s, o));
                (freed(o) == 0 && !self.in_flight(s, o) && counted != held).then(|| {
                    format!("{}: {counted} references counted, {held} held", obj_name(o))
                })
            }),
            "RC-S2" => self.mortal().chain([NONE]).find_map(|o| {
                let held = self.references(s, o);
                let users = match held {
                    1 => "a reference uses it".to_string(),
                    n => format!("{n} references use it"),
                };
                (freed(o) > 0 && (held > 0 || self.in_flight(s, o)))
                    .then(|| format!("{} is freed while {users}", obj_name(o)))
            }),
            "RC-S3" => self.mortal().chain([NONE]).find_map(|o| {
                (freed(o) > 1).then(|| format!("{} deallocated {} times", obj_name(o), freed(o)))
            }),
            "RC-S4" => self.mortal().find_map(|o| {
                (self.references(s, o) == 0 && freed(o) == 0)
                    .then(|| format!("{} has no references left and was never freed", obj_name(o)))
            }),
            _ => None,
        }
    }

    fn format_state(&self, s: &RcState) -> String {
        let objects: Vec<String> = self
            .mortal()
            .chain([NONE])
            .map(|o| format!("{}={}", obj_name(o), count_text(s, o)))
            .collect();
        let locals: Vec<String> = self
            .threads()
            .map(|t| {
                let held: Vec<String> = self
                    .mortal()
                    .chain([NONE])
                    .filter(|&o| s.work[t as usize].held & bit(o) != 0)
                    .map(obj_name)
                    .collect();
                format!("T{t}[{}]", held.join(","))
            })
            .collect();
        format!(
            "{} | {} | locals {}",
            self.gil.format_state(&s.gil),
            objects.join(" "),
            locals.join(" ")
        )
    }

    fn frame(&self, s: &RcState) -> Frame {
        let mut frame = self.gil.frame(&s.gil);
        for o in self.mortal().chain([NONE]) {
            frame.facts.push(Fact::new(
                format!("ob_refcnt {}", obj_name(o)),
                count_text(s, o),
            ));
        }
        frame
    }

    fn observable(&self, action: &RcAction) -> RcAction {
        match *action {
            RcAction::Gil(a) => RcAction::Gil(self.gil.observable(&a)),
            other => other,
        }
    }
}

fn obj_name(obj: u8) -> String {
    if obj == NONE {
        "None".into()
    } else {
        format!("obj{obj}")
    }
}

fn op_name(op: Op) -> String {
    match op {
        Op::LoadGlobal(o) => format!("x{o} = G[{o}]"),
        Op::LoadNone => "y = None".into(),
        Op::BorrowNone => "y = f() returns None without Py_INCREF".into(),
        Op::DelGlobal(o) => format!("del G[{o}]"),
        Op::AllowThreads => "Py_BEGIN_ALLOW_THREADS -> PyEval_SaveThread".into(),
        Op::CWork => "C code works on its own buffer".into(),
        Op::EndAllowThreads => "Py_END_ALLOW_THREADS -> PyEval_RestoreThread".into(),
        Op::DelLocal(o) if o == NONE => "del y".into(),
        Op::DelLocal(o) => format!("del x{o}"),
    }
}

/// Object `o`'s count in a state, and whether it was freed: `2`, `imm`, `0(freed)`.
fn count_text(s: &RcState, o: u8) -> String {
    let count = match s.refcnt[o as usize] {
        IMMORTAL => "imm".to_string(),
        n => n.to_string(),
    };
    let freed = match s.frees[o as usize] {
        0 => "",
        1 => "(freed)",
        _ => "(freed twice)",
    };
    format!("{count}{freed}")
}

impl Registered for Refcount {
    type Variant = RcVariant;

    fn build(variant: RcVariant, config: &Config) -> Refcount {
        Refcount::new(variant, config.clone())
    }
}

/// The registry entry of the refcount model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Refcount>(
        "refcount",
        "Py_INCREF/Py_DECREF as load and store under the GIL, dealloc, immortal None",
        gil::MAX_THREADS,
        3,
    )
    .with_source("models/refcount.rs")
    .with_settings(&[OBJECTS, gil::SPURIOUS_WAKEUPS])
    .with_legend(gil::LEGEND)
    .symmetric()
}
