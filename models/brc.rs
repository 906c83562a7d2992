//! Biased reference counting in the free-threaded build (PEP 703; CPython 3.13t and 3.14t,
//! `--disable-gil`): one object shared by threads that run with no GIL at all.
//!
//! The object's count is split (`Include/object.h`, `struct _object`): `ob_tid` names the owner,
//! the thread that created it; `ob_ref_local` is counted by the owner alone with plain (relaxed)
//! stores; `ob_ref_shared` is counted by every other thread with atomic adds and
//! compare-and-swaps, shifted left by two (`_Py_REF_SHARED_SHIFT`) above two low bits that hold
//! one of `_Py_REF_MAYBE_WEAKREF`, `_Py_REF_QUEUED`, `_Py_REF_MERGED` (or none). The true count
//! is the sum, and the shared part may go negative.
//!
//! What each step stands for (3.13.15 and 3.14 alike unless said):
//! - `Py_INCREF` / `Py_DECREF` (`Include/object.h`): an immortal object (`ob_ref_local ==
//!   _Py_IMMORTAL_REFCNT_LOCAL`) is left alone; the owner (`_Py_IsOwnedByCurrentThread`)
//!   stores `ob_ref_local` plus or minus one; anyone else adds to `ob_ref_shared` or calls
//!   `_Py_DecRefShared`. One step each: only the owner writes `ob_ref_local`, so its load and
//!   store cannot be split by another writer, and the shared update is one atomic instruction.
//! - `_Py_DecRefShared` (`Objects/object.c`, `_Py_DecRefSharedIsDead`): a compare-and-swap
//!   loop. If the shared field is 0 or exactly `MAYBE_WEAKREF`, it sets `QUEUED` without
//!   subtracting (the owner's queue now holds the reference) and calls `_Py_brc_queue_object`;
//!   otherwise it subtracts one, and frees the object if the result is `MERGED` with count 0.
//! - `_Py_brc_queue_object` (`Python/brc.c`): loads `ob_tid`; if it is 0 the owner merged
//!   meanwhile and it calls `Py_DECREF` again; else under the bucket mutex it looks the owner
//!   up; if the owner is registered it pushes the object on the owner's `objects_to_merge` and
//!   sets the owner's `_PY_EVAL_EXPLICIT_MERGE_BIT`; if the owner has exited it merges the
//!   counts itself (`_Py_ExplicitMergeRefcount(ob, -1)`) and frees the object at zero.
//! - `_Py_MergeZeroLocalRefcount` (`Objects/object.c`), when the owner's local count reaches
//!   zero: an acquire load of `ob_ref_shared`; if it is 0 the object is freed at once; else it
//!   stores `ob_tid = 0` (gh-121794: after the fast path, before the merge) and sets `MERGED`
//!   by compare-and-swap, freeing the object if the shared count is 0.
//! - `_Py_ExplicitMergeRefcount(op, -1)` (`Objects/object.c`): reads `ob_ref_local`, stores 0
//!   to it and to `ob_tid`, then merges by compare-and-swap: count = shared + local - 1 (the
//!   queue's reference given up), flags `MERGED`. gh-119999 (fixed in 3.13.0b2) moved the two
//!   stores before the compare-and-swap; `tid-after-merge` keeps the old order.
//! - `_Py_brc_merge_refcounts` (`Python/brc.c`), run by `_Py_HandlePending`
//!   (`Python/ceval_gil.c`) when the owner polls its eval breaker: under the bucket mutex it
//!   moves its queue to a local stack, then merges each object.
//! - `_Py_brc_remove_thread` (`Python/brc.c`, from `PyThreadState_Clear`): until its queue is
//!   empty, merge the local stack, then under the bucket mutex move the queue over; with the
//!   queue empty it leaves the table, and from then on others merge its objects directly.
//! - `_Py_TryXGetRef` (`Include/internal/pycore_object.h`), the lock-free read of a container
//!   entry (dict and list lookups): load the entry, try to take a reference
//!   (`_Py_TryIncrefFast` for the owner, else `_Py_TryIncRefShared`, which refuses a shared
//!   field of 0 or `MERGED` with count 0), and check that the entry still holds the object,
//!   else `Py_DECREF` the reference just taken. A freed object's memory is not reused while a
//!   reader may still look at it (QSBR, `Python/qsbr.c`), so this read of a freed object is not
//!   an access after free; taking a reference to it would be. Two abstractions, both adding
//!   runs rather than removing any: the model marks the object `MAYBE_WEAKREF` when it is
//!   stored in the entry, where 3.13.15 marks it in the reader's locked fallback (when
//!   `_Py_TryIncRefShared` refuses a live object whose shared field is exactly 0, dict and
//!   list lookups retry under the container's lock with `_Py_NewRefWithLock`, which cannot race
//!   with the entry's removal and is not modelled); and the re-check of the entry also follows
//!   `_Py_TryIncrefFast`, which CPython skips.
//! - Starting thread t (an environment step: T0, the main thread, runs `threading.Thread.start`
//!   between its own operations): `new_threadstate` (`Python/pystate.c`) creates its state, and
//!   the new thread binds it (`bind_tstate` → `_Py_brc_init_thread`), registering it in the
//!   biased-counting table. In 3.13 creating the second thread state also immortalizes every
//!   object that uses deferred counting (`_PyGC_ImmortalizeDeferredObjects`, with the world
//!   stopped), so that step is taken only while no thread is inside an operation.
//! - Deferred counting (`_PyObject_SetDeferredRefcount`, `Objects/object.c`): in 3.13 an extra
//!   local reference and `QUEUED`; in 3.14 a large bias added to `ob_ref_shared`
//!   (`_Py_REF_DEFERRED`) that only the GC removes, the interpreter's stack references to such
//!   objects going uncounted (`_PyStackRef`). Freeing a deferred object is the GC's business,
//!   which is not modelled: the model checks that counting alone never frees it.
//!
//! The program: T0 created the object and holds the one reference; it owns the object. Every
//! thread, until it has used `BUDGET` operations, may copy a reference it holds (`Py_INCREF`),
//! hand one to another thread (a queue or a `Thread` argument: the count does not change),
//! store one in a shared container entry, remove the entry (taking its reference), or read the
//! entry lock-free; it may drop a reference it holds (`Py_DECREF`) at any time and, holding
//! none, exit. Any thread may also exit early, T0 included, leaving objects it owns behind.

use crate::model::{Check, Config, Fairness, Model, Premise, Property};
use crate::registry::{ModelEntry, Registered};
use crate::timeline::{Activity, Fact, Frame, Legend, DONE, IDLE};

/// Most threads a state holds.
pub const MAX_THREADS: usize = 3;
/// Operations other than `Py_DECREF` and exit each thread may start.
pub const BUDGET: u8 = 2;
/// `ob_tid` of no thread: merged (or immortal), 0 in CPython.
pub const NO_OWNER: u8 = u8::MAX;
/// `ob_ref_local` of an immortal object (`_Py_IMMORTAL_REFCNT_LOCAL`, `UINT32_MAX`).
pub const IMMORTAL: u8 = u8::MAX;
/// No thread holds the bucket mutex.
pub const UNLOCKED: u8 = u8::MAX;

crate::variants! {
    /// The variants of the biased-counting model.
    pub enum BrcVariant {
        /// A mortal object, as the free-threaded build counts it.
        Cpython313t => ("cpython-3.13t", Real,
            "free-threaded build: ob_ref_local for the owner, ob_ref_shared for the others",
            ["3.13", "3.14"]),
        /// An immortal object (`None`, small ints, interned strings).
        Immortal => ("immortal", Real,
            "an immortal object: counting never changes ob_ref_local or ob_ref_shared",
            ["3.13", "3.14"]),
        /// A deferred object (functions, modules, code): an extra local reference the GC owns,
        /// and immortal once a second thread is created (3.13).
        Deferred313t => ("deferred-3.13t", Real,
            "a deferred object: the GC's extra local reference, immortalized when a second \
             thread starts",
            ["3.13"]),
        /// A deferred object in 3.14: a bias in the shared count that only the GC removes.
        Deferred314t => ("deferred-3.14t", Real,
            "a deferred object (3.14): a bias in ob_ref_shared that only the GC removes",
            ["3.14"]),
        /// Bad: the shared count is updated by a load and a store.
        NonAtomicShared => ("non-atomic-shared", Bad,
            "bad: non-owners update ob_ref_shared with a load and a store, not atomically"),
        /// Bad: the owner frees the object when its local count reaches zero.
        FreeAtLocalZero => ("free-at-local-zero", Bad,
            "bad: the owner frees the object when ob_ref_local reaches zero, shared count unseen"),
        /// Bad: a thread leaves the table without merging its queue.
        ExitWithoutDrain => ("exit-without-drain", Bad,
            "bad: _Py_brc_remove_thread leaves the table without merging its queued objects"),
        /// Bad: `_Py_ExplicitMergeRefcount` as before gh-119999.
        TidAfterMerge => ("tid-after-merge", Bad,
            "bad (3.13.0b1, gh-119999): the merge writes ob_ref_local and ob_tid after MERGED"),
        /// Bad: a non-owner merges the counts itself instead of queueing.
        MergeWithoutOwner => ("merge-without-owner", Bad,
            "bad: a non-owner merges the counts itself while the owner lives"),
        /// Bad: `_Py_TryIncRefShared` adds without looking at the count.
        TryIncrefUnchecked => ("try-incref-unchecked", Bad,
            "bad: _Py_TryIncRefShared increments a shared field of 0 or MERGED with count 0"),
        /// Bad: deferred counting without the GC's reference.
        DeferredWithoutGcRef => ("deferred-without-gc-ref", Bad,
            "bad: an object marked deferred without the extra reference the GC holds"),
    }
}

/// The bias 3.14 adds to a deferred object's shared count (`_Py_REF_DEFERRED`,
/// `PY_SSIZE_T_MAX / 8`), scaled down to more than all the references a run can count, so that
/// the shared count never reaches zero while it is there, as with the real bias.
pub const DEFERRED_BIAS: u8 = 8;

impl BrcVariant {
    /// 3.13's deferred counting: an extra local reference and `QUEUED`, immortalized when a
    /// second thread is created.
    fn immortalized_at_second_thread(self) -> bool {
        matches!(
            self,
            BrcVariant::Deferred313t | BrcVariant::DeferredWithoutGcRef
        )
    }

    /// Whether counting alone must never free the object (immortal or deferred).
    pub fn never_freed_by_counting(self) -> bool {
        self == BrcVariant::Immortal
            || self == BrcVariant::Deferred314t
            || self.immortalized_at_second_thread()
    }

    /// References the GC holds at the start, counted in `ob_ref_local` (3.13,
    /// `_PyObject_SetDeferredRefcount`: `ob_ref_local += 1`) or `ob_ref_shared` (3.14:
    /// `_Py_REF_SHARED(_Py_REF_DEFERRED, 0)`).
    fn gc_refs(self) -> u8 {
        match self {
            BrcVariant::Deferred313t => 1,
            BrcVariant::Deferred314t => DEFERRED_BIAS,
            _ => 0,
        }
    }
}

/// The two flag bits of `ob_ref_shared`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flags {
    /// None set (`_Py_REF_SHARED_INIT`).
    None,
    /// `_Py_REF_MAYBE_WEAKREF`: may be read lock-free.
    MaybeWeakref,
    /// `_Py_REF_QUEUED`: queued to its owner for merging.
    Queued,
    /// `_Py_REF_MERGED`: the counts are merged; no owner.
    Merged,
}

/// The object's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Object {
    /// `ob_tid`: the owner, or `NO_OWNER`.
    pub tid: u8,
    /// `ob_ref_local`, or `IMMORTAL`.
    pub local: u8,
    /// The count in `ob_ref_shared` (the field shifted right by two); may be negative.
    pub shared: i8,
    /// The flag bits of `ob_ref_shared`.
    pub flags: Flags,
    /// Times `_Py_Dealloc` ran.
    pub frees: u8,
    /// The shared container entry holds the object (and a reference).
    pub entry: bool,
    /// References the GC holds (deferred counting, until the object is immortalized).
    pub gc_refs: u8,
}

/// Where a merge returns to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    /// `_Py_brc_merge_refcounts` at a poll.
    Poll,
    /// `_Py_brc_remove_thread` at exit.
    Exit,
    /// `_Py_brc_queue_object` finding the owner gone: holds the bucket mutex.
    Direct,
}

/// Where a thread is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pc {
    /// Its thread state is not created yet.
    Unstarted,
    /// Between operations.
    Idle,
    /// `non-atomic-shared`: loaded `ob_ref_shared` for an incref or a decref.
    SharedLoaded {
        /// Its count.
        shared: i8,
        /// Its flags.
        flags: Flags,
        /// For `Py_DECREF`.
        decref: bool,
    },
    /// `_Py_DecRefShared` set `QUEUED`: `_Py_brc_queue_object` loads `ob_tid` next.
    Queue,
    /// `_Py_brc_queue_object` found `ob_tid == 0`: `Py_DECREF` again.
    DecrefAgain,
    /// `_Py_brc_queue_object` read `ob_tid`: locks the bucket and looks the owner up.
    QueueLock {
        /// The owner read.
        owner: u8,
    },
    /// `_Py_MergeZeroLocalRefcount`: loads `ob_ref_shared`.
    MergeZero,
    /// `_Py_MergeZeroLocalRefcount`: stores `ob_tid = 0`.
    MergeZeroTid,
    /// `_Py_MergeZeroLocalRefcount`: sets `MERGED` by compare-and-swap.
    MergeZeroCas,
    /// `_Py_ExplicitMergeRefcount`: stores 0 to `ob_ref_local` and `ob_tid`; `dead` is
    /// `Some` when the compare-and-swap came first (`tid-after-merge`) and says whether it
    /// left the count at zero.
    MergeClear {
        /// Where it returns.
        caller: Caller,
        /// The compare-and-swap's result, if it ran already.
        dead: Option<bool>,
    },
    /// `_Py_ExplicitMergeRefcount`: merges by compare-and-swap.
    MergeCas {
        /// Where it returns.
        caller: Caller,
        /// `ob_ref_local` as read.
        local: u8,
        /// The stores to `ob_ref_local` and `ob_tid` are still to come (`tid-after-merge`).
        clear_after: bool,
    },
    /// `_Py_TryXGetRef` loaded the entry: tries to take a reference.
    GetIncref,
    /// `_Py_TryXGetRef` took a reference: checks the entry still holds the object.
    GetRecheck,
    /// `_Py_brc_remove_thread`.
    Exiting,
    /// Gone.
    Exited,
}

/// One thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Worker {
    /// Where it is.
    pub pc: Pc,
    /// References to the object it holds.
    pub refs: u8,
    /// Operations left.
    pub budget: u8,
    /// In the biased-counting table (`_Py_brc_init_thread` to `_Py_brc_remove_thread`).
    pub registered: bool,
    /// The object is on its `objects_to_merge` queue.
    pub queued: bool,
    /// The object is on its `local_objects_to_merge` stack.
    pub stacked: bool,
    /// `_PY_EVAL_EXPLICIT_MERGE_BIT` is set in its eval breaker.
    pub merge_bit: bool,
}

/// A state of the model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BrcState {
    /// The object.
    pub obj: Object,
    /// Each thread.
    pub threads: [Worker; MAX_THREADS],
    /// The holder of the mutex of T0's bucket of the thread table, or `UNLOCKED` (the other
    /// threads' buckets are locked only by their own exits, uncontended: not modelled).
    pub bucket: u8,
    /// A step read or wrote the object's header after it was freed.
    pub touched_after_free: bool,
    /// A thread other than the owner wrote `ob_ref_local` while the owner was registered.
    pub foreign_local_write: bool,
    /// `_Py_TryIncRefShared` took a reference to a freed object.
    pub revived: bool,
}

crate::stored_as_is!(BrcState);

/// One step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BrcAction {
    /// The main thread creates thread `t`'s state (`new_threadstate`).
    Start(u8),
    /// A step of a thread.
    Step {
        /// The thread.
        thread: u8,
        /// What it does.
        op: Op,
    },
}

/// What a thread does in one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `Py_INCREF`.
    Incref,
    /// Hands a reference to thread `to`.
    Give {
        /// The receiver.
        to: u8,
    },
    /// Stores the object in the container entry, marked `MAYBE_WEAKREF` (see the module doc).
    Publish,
    /// Removes the entry, taking its reference.
    Unpublish,
    /// `_Py_TryXGetRef`: loads the entry.
    GetLoad,
    /// `_Py_TryXGetRef`: tries to take a reference (`ok`: it did).
    GetIncref {
        /// A reference was taken.
        ok: bool,
    },
    /// `_Py_TryXGetRef`: re-checks the entry (`kept`: still the object).
    GetRecheck {
        /// The entry still holds the object.
        kept: bool,
    },
    /// `Py_DECREF` of a reference it holds.
    Decref,
    /// `non-atomic-shared`: the store of a split shared update.
    SharedStore,
    /// `_Py_brc_queue_object`: loads `ob_tid`.
    QueueReadTid,
    /// `_Py_brc_queue_object`: under the bucket mutex, pushes to the owner or merges.
    QueueLock,
    /// `_Py_MergeZeroLocalRefcount`: the load of `ob_ref_shared`.
    MergeZeroLoad,
    /// `_Py_MergeZeroLocalRefcount`: `ob_tid = 0`.
    MergeZeroTid,
    /// `_Py_MergeZeroLocalRefcount`: the compare-and-swap to `MERGED`.
    MergeZeroCas,
    /// `_Py_ExplicitMergeRefcount`: the stores to `ob_ref_local` and `ob_tid`.
    MergeClear,
    /// `_Py_ExplicitMergeRefcount`: the compare-and-swap.
    MergeCas,
    /// `_Py_HandlePending` → `_Py_brc_merge_refcounts`: takes its queue.
    Poll,
    /// `PyThreadState_Clear` → `_Py_brc_remove_thread` begins.
    Exit,
    /// `_Py_brc_remove_thread`: merges its stack, or under the bucket mutex takes its queue or
    /// leaves the table.
    ExitStep,
}

/// The biased-counting model.
#[derive(Clone, Debug)]
pub struct Brc {
    /// Which code.
    pub variant: BrcVariant,
    /// Threads.
    pub config: Config,
}

impl Brc {
    /// A model of `variant` with `config.threads` threads (1..=`MAX_THREADS`).
    pub fn new(variant: BrcVariant, config: Config) -> Brc {
        assert!((1..=MAX_THREADS).contains(&config.threads));
        Brc { variant, config }
    }

    fn threads(&self) -> impl Iterator<Item = u8> {
        0..self.config.threads as u8
    }

    /// References held: by threads, the entry, the GC, the owner's queue and stack, and
    /// operations in flight (a reference being dropped or just taken).
    pub fn held(&self, s: &BrcState) -> usize {
        let in_flight = |w: &Worker| match w.pc {
            Pc::SharedLoaded { decref, .. } => decref as usize,
            Pc::Queue | Pc::DecrefAgain | Pc::QueueLock { .. } | Pc::GetRecheck => 1,
            Pc::MergeClear { dead, .. } => dead.is_none() as usize,
            Pc::MergeCas { .. } => 1,
            _ => 0,
        };
        s.obj.entry as usize
            + s.obj.gc_refs as usize
            + s.threads
                .iter()
                .map(|w| w.refs as usize + w.queued as usize + w.stacked as usize + in_flight(w))
                .sum::<usize>()
    }

    /// References the program holds: threads and the entry (not the runtime's queues).
    pub fn program_refs(&self, s: &BrcState) -> usize {
        s.obj.entry as usize + s.threads.iter().map(|w| w.refs as usize).sum::<usize>()
    }

    /// No thread is inside an operation.
    pub fn quiescent(&self, s: &BrcState) -> bool {
        s.threads
            .iter()
            .all(|w| matches!(w.pc, Pc::Unstarted | Pc::Idle | Pc::Exited))
    }

    /// The count the header records (local plus shared).
    pub fn counted(&self, s: &BrcState) -> i16 {
        s.obj.local as i16 + s.obj.shared as i16
    }

    fn thread_actions(&self, s: &BrcState, t: u8, out: &mut Vec<BrcAction>) {
        let w = &s.threads[t as usize];
        let o = &s.obj;
        let mut push = |op| out.push(BrcAction::Step { thread: t, op });
        let bucket_free = s.bucket == UNLOCKED;
        match w.pc {
            Pc::Unstarted | Pc::Exited => {}
            Pc::Idle => {
                if w.merge_bit {
                    push(Op::Poll);
                }
                if w.refs > 0 {
                    push(Op::Decref);
                }
                if w.budget > 0 {
                    if w.refs > 0 {
                        push(Op::Incref);
                        for to in self.threads() {
                            let gone = matches!(s.threads[to as usize].pc, Pc::Exiting | Pc::Exited);
                            if to != t && !gone {
                                push(Op::Give { to });
                            }
                        }
                        if !o.entry {
                            push(Op::Publish);
                        }
                    }
                    if o.entry {
                        push(Op::Unpublish);
                        push(Op::GetLoad);
                    }
                }
                if w.refs == 0 {
                    push(Op::Exit);
                }
            }
            Pc::SharedLoaded { .. } => push(Op::SharedStore),
            Pc::Queue => push(Op::QueueReadTid),
            Pc::DecrefAgain => push(Op::Decref),
            Pc::QueueLock { .. } if bucket_free => push(Op::QueueLock),
            Pc::QueueLock { .. } => {}
            Pc::MergeZero => push(Op::MergeZeroLoad),
            Pc::MergeZeroTid => push(Op::MergeZeroTid),
            Pc::MergeZeroCas => push(Op::MergeZeroCas),
            Pc::MergeClear { .. } => push(Op::MergeClear),
            Pc::MergeCas { .. } => push(Op::MergeCas),
            Pc::GetIncref => push(Op::GetIncref {
                ok: self.try_incref_succeeds(s, t),
            }),
            Pc::GetRecheck => push(Op::GetRecheck { kept: o.entry }),
            // Only T0 owns objects, so only its bucket is contended.
            Pc::Exiting if w.stacked || t != 0 || bucket_free => push(Op::ExitStep),
            Pc::Exiting => {}
        }
    }

    /// Whether `_Py_TryIncrefFast` / `_Py_TryIncRefShared` would take a reference now.
    fn try_incref_succeeds(&self, s: &BrcState, t: u8) -> bool {
        let o = &s.obj;
        if o.local == IMMORTAL || o.tid == t || self.variant == BrcVariant::TryIncrefUnchecked {
            return true;
        }
        let dead_shared = o.shared == 0 && matches!(o.flags, Flags::None | Flags::Merged);
        !dead_shared
    }

    /// Marks an access to the object's header.
    fn touch(s: &mut BrcState) {
        if s.obj.frees > 0 {
            s.touched_after_free = true;
        }
    }

    /// `_Py_Dealloc`.
    fn dealloc(s: &mut BrcState) {
        s.obj.frees += 1;
    }

    /// `Py_DECREF` by `t` of a reference it no longer counts as held.
    fn decref(&self, s: &mut BrcState, t: u8) {
        Brc::touch(s);
        let w = &mut s.threads[t as usize];
        if s.obj.local == IMMORTAL {
            w.pc = Pc::Idle;
        } else if s.obj.tid == t {
            // Below zero only after a bad variant freed the object early (CPython's debug build
            // reports a negative count); the count stays 0 here, the property already failed.
            s.obj.local = s.obj.local.saturating_sub(1);
            w.pc = Pc::Idle;
            if s.obj.local == 0 {
                if self.variant == BrcVariant::FreeAtLocalZero {
                    Brc::dealloc(s);
                } else {
                    w.pc = Pc::MergeZero;
                }
            }
        } else if self.variant == BrcVariant::NonAtomicShared {
            w.pc = Pc::SharedLoaded {
                shared: s.obj.shared,
                flags: s.obj.flags,
                decref: true,
            };
        } else {
            let (shared, flags) = (s.obj.shared, s.obj.flags);
            self.store_decremented(s, t, shared, flags);
        }
    }

    /// The write of `_Py_DecRefShared` from the value it read: queue, or subtract and free at
    /// merged zero.
    fn store_decremented(&self, s: &mut BrcState, t: u8, shared: i8, flags: Flags) {
        let queue = shared == 0 && matches!(flags, Flags::None | Flags::MaybeWeakref);
        s.threads[t as usize].pc = Pc::Idle;
        if queue {
            s.obj.shared = 0;
            s.obj.flags = Flags::Queued;
            s.threads[t as usize].pc = if self.variant == BrcVariant::MergeWithoutOwner {
                Pc::QueueLock { owner: s.obj.tid }
            } else {
                Pc::Queue
            };
        } else {
            s.obj.shared = shared - 1;
            s.obj.flags = flags;
            if s.obj.shared == 0 && flags == Flags::Merged {
                Brc::dealloc(s);
            }
        }
    }

    /// Begins `_Py_ExplicitMergeRefcount(op, -1)` for `caller`.
    fn begin_merge(&self, s: &BrcState, caller: Caller) -> Pc {
        if self.variant == BrcVariant::TidAfterMerge {
            Pc::MergeCas {
                caller,
                local: s.obj.local,
                clear_after: true,
            }
        } else {
            Pc::MergeClear { caller, dead: None }
        }
    }

    /// The end of a merge: free at zero, return to the caller.
    fn end_merge(s: &mut BrcState, t: u8, caller: Caller, dead: bool) {
        if dead {
            Brc::dealloc(s);
        }
        s.threads[t as usize].pc = match caller {
            Caller::Poll => Pc::Idle,
            Caller::Exit => Pc::Exiting,
            Caller::Direct => {
                s.bucket = UNLOCKED;
                Pc::Idle
            }
        };
    }

    fn apply(&self, s: &mut BrcState, t: u8, op: Op) {
        let ti = t as usize;
        match op {
            Op::Incref => {
                s.threads[ti].budget -= 1;
                Brc::touch(s);
                if s.obj.local == IMMORTAL {
                    s.threads[ti].refs += 1;
                } else if s.obj.tid == t {
                    s.obj.local += 1;
                    s.threads[ti].refs += 1;
                } else if self.variant == BrcVariant::NonAtomicShared {
                    s.threads[ti].pc = Pc::SharedLoaded {
                        shared: s.obj.shared,
                        flags: s.obj.flags,
                        decref: false,
                    };
                } else {
                    s.obj.shared += 1;
                    s.threads[ti].refs += 1;
                }
            }
            Op::Give { to } => {
                s.threads[ti].budget -= 1;
                s.threads[ti].refs -= 1;
                s.threads[to as usize].refs += 1;
            }
            Op::Publish => {
                s.threads[ti].budget -= 1;
                s.threads[ti].refs -= 1;
                Brc::touch(s);
                if s.obj.local != IMMORTAL && s.obj.flags == Flags::None {
                    s.obj.flags = Flags::MaybeWeakref;
                }
                s.obj.entry = true;
            }
            Op::Unpublish => {
                s.threads[ti].budget -= 1;
                s.obj.entry = false;
                s.threads[ti].refs += 1;
            }
            Op::GetLoad => {
                s.threads[ti].budget -= 1;
                s.threads[ti].pc = Pc::GetIncref;
            }
            Op::GetIncref { ok } => {
                // QSBR keeps a freed object's memory readable here: no access after free.
                s.threads[ti].pc = Pc::Idle;
                if ok {
                    if s.obj.frees > 0 {
                        s.revived = true;
                    }
                    if s.obj.tid == t && s.obj.local != IMMORTAL {
                        s.obj.local += 1;
                    } else if s.obj.local != IMMORTAL {
                        s.obj.shared += 1;
                    }
                    s.threads[ti].pc = Pc::GetRecheck;
                }
            }
            Op::GetRecheck { kept: true } => {
                s.threads[ti].refs += 1;
                s.threads[ti].pc = Pc::Idle;
            }
            Op::GetRecheck { kept: false } => self.decref(s, t),
            Op::Decref => {
                if s.threads[ti].pc == Pc::Idle {
                    s.threads[ti].refs -= 1;
                }
                self.decref(s, t);
            }
            Op::SharedStore => {
                Brc::touch(s);
                let Pc::SharedLoaded {
                    shared,
                    flags,
                    decref,
                } = s.threads[ti].pc
                else {
                    unreachable!("a store follows its load")
                };
                if decref {
                    self.store_decremented(s, t, shared, flags);
                } else {
                    s.obj.shared = shared + 1;
                    s.obj.flags = flags;
                    s.threads[ti].refs += 1;
                    s.threads[ti].pc = Pc::Idle;
                }
            }
            Op::QueueReadTid => {
                Brc::touch(s);
                s.threads[ti].pc = if s.obj.tid == NO_OWNER {
                    Pc::DecrefAgain
                } else {
                    Pc::QueueLock { owner: s.obj.tid }
                };
            }
            Op::QueueLock => {
                let Pc::QueueLock { owner } = s.threads[ti].pc else {
                    unreachable!("locks after reading ob_tid")
                };
                let registered = owner != NO_OWNER && s.threads[owner as usize].registered;
                if registered && self.variant != BrcVariant::MergeWithoutOwner {
                    let o = &mut s.threads[owner as usize];
                    o.queued = true;
                    o.merge_bit = true;
                    s.threads[ti].pc = Pc::Idle;
                } else {
                    s.bucket = t;
                    s.threads[ti].pc = self.begin_merge(s, Caller::Direct);
                }
            }
            Op::MergeZeroLoad => {
                Brc::touch(s);
                if s.obj.shared == 0 && s.obj.flags == Flags::None {
                    Brc::dealloc(s);
                    s.threads[ti].pc = Pc::Idle;
                } else {
                    s.threads[ti].pc = Pc::MergeZeroTid;
                }
            }
            Op::MergeZeroTid => {
                Brc::touch(s);
                s.obj.tid = NO_OWNER;
                s.threads[ti].pc = Pc::MergeZeroCas;
            }
            Op::MergeZeroCas => {
                Brc::touch(s);
                s.obj.flags = Flags::Merged;
                s.threads[ti].pc = Pc::Idle;
                if s.obj.shared == 0 {
                    Brc::dealloc(s);
                }
            }
            Op::MergeClear => {
                Brc::touch(s);
                let Pc::MergeClear { caller, dead } = s.threads[ti].pc else {
                    unreachable!("a merge clears in MergeClear")
                };
                let owner_lives = s.threads[0].registered;
                if t != 0 && owner_lives {
                    s.foreign_local_write = true;
                }
                let local = s.obj.local;
                s.obj.local = 0;
                s.obj.tid = NO_OWNER;
                match dead {
                    None => {
                        s.threads[ti].pc = Pc::MergeCas {
                            caller,
                            local,
                            clear_after: false,
                        }
                    }
                    Some(dead) => Brc::end_merge(s, t, caller, dead),
                }
            }
            Op::MergeCas => {
                Brc::touch(s);
                let Pc::MergeCas {
                    caller,
                    local,
                    clear_after,
                } = s.threads[ti].pc
                else {
                    unreachable!("a merge swaps in MergeCas")
                };
                s.obj.shared = s.obj.shared + local as i8 - 1;
                s.obj.flags = Flags::Merged;
                let dead = s.obj.shared == 0;
                if clear_after {
                    s.threads[ti].pc = Pc::MergeClear {
                        caller,
                        dead: Some(dead),
                    };
                } else {
                    Brc::end_merge(s, t, caller, dead);
                }
            }
            Op::Poll => {
                let w = &mut s.threads[ti];
                w.merge_bit = false;
                w.stacked |= w.queued;
                w.queued = false;
                if w.stacked {
                    w.stacked = false;
                    s.threads[ti].pc = self.begin_merge(s, Caller::Poll);
                }
            }
            Op::Exit => s.threads[ti].pc = Pc::Exiting,
            Op::ExitStep => {
                let w = &mut s.threads[ti];
                if w.stacked {
                    w.stacked = false;
                    s.threads[ti].pc = self.begin_merge(s, Caller::Exit);
                } else if w.queued && self.variant != BrcVariant::ExitWithoutDrain {
                    w.queued = false;
                    w.stacked = true;
                } else {
                    w.registered = false;
                    w.pc = Pc::Exited;
                }
            }
        }
    }

    fn op_label(&self, op: Op) -> String {
        match op {
            Op::Incref => "Py_INCREF".into(),
            Op::Give { to } => format!("hands a reference to T{to}"),
            Op::Publish => "store in the container entry (marked MAYBE_WEAKREF)".into(),
            Op::Unpublish => "remove the container entry, taking its reference".into(),
            Op::GetLoad => "_Py_TryXGetRef: load the container entry".into(),
            Op::GetIncref { ok: true } => "_Py_TryXGetRef: a reference taken".into(),
            Op::GetIncref { ok: false } => {
                "_Py_TryXGetRef: _Py_TryIncRefShared refuses (count 0)".into()
            }
            Op::GetRecheck { kept: true } => "_Py_TryXGetRef: entry unchanged, keep it".into(),
            Op::GetRecheck { kept: false } => {
                "_Py_TryXGetRef: entry changed -> Py_DECREF the reference taken".into()
            }
            Op::Decref => "Py_DECREF".into(),
            Op::SharedStore => "store ob_ref_shared (non-atomic)".into(),
            Op::QueueReadTid => "_Py_brc_queue_object: load ob_tid".into(),
            Op::QueueLock => "_Py_brc_queue_object: bucket mutex, find the owner".into(),
            Op::MergeZeroLoad => "_Py_MergeZeroLocalRefcount: load ob_ref_shared".into(),
            Op::MergeZeroTid => "_Py_MergeZeroLocalRefcount: ob_tid = 0".into(),
            Op::MergeZeroCas => "_Py_MergeZeroLocalRefcount: CAS ob_ref_shared to MERGED".into(),
            Op::MergeClear => "_Py_ExplicitMergeRefcount: ob_ref_local = 0, ob_tid = 0".into(),
            Op::MergeCas => "_Py_ExplicitMergeRefcount: CAS shared + local - 1, MERGED".into(),
            Op::Poll => "_Py_HandlePending: _Py_brc_merge_refcounts takes its queue".into(),
            Op::Exit => "PyThreadState_Clear: _Py_brc_remove_thread".into(),
            Op::ExitStep => "_Py_brc_remove_thread: merge the stack, take the queue, or leave \
                             the table"
                .into(),
        }
    }
}

/// A thread counting references.
pub const COUNTS: Activity = Activity {
    name: "counts",
    describe: "inside a reference-count operation",
    colour: "#90caf9",
};
/// A thread merging counts.
pub const MERGES: Activity = Activity {
    name: "merges",
    describe: "merges ob_ref_local into ob_ref_shared",
    colour: "#ce93d8",
};
/// A thread holding references, between operations.
pub const RUNS: Activity = Activity {
    name: "runs",
    describe: "runs Python code",
    colour: "#66bb6a",
};

/// How pictures of the model colour a thread.
pub const LEGEND: Legend = &[RUNS, COUNTS, MERGES, IDLE, DONE];

impl Model for Brc {
    type State = BrcState;
    type Action = BrcAction;

    fn init_states(&self) -> Vec<BrcState> {
        let deferred_313 = self.variant.immortalized_at_second_thread();
        let immortal = self.variant == BrcVariant::Immortal;
        let gc_refs = self.variant.gc_refs();
        let (local_gc, shared_gc) = if deferred_313 { (gc_refs, 0) } else { (0, gc_refs) };
        let mut threads = [Worker {
            pc: Pc::Unstarted,
            refs: 0,
            budget: BUDGET,
            registered: false,
            queued: false,
            stacked: false,
            merge_bit: false,
        }; MAX_THREADS];
        threads[0].pc = Pc::Idle;
        threads[0].registered = true;
        threads[0].refs = 1;
        vec![BrcState {
            obj: Object {
                tid: if immortal { NO_OWNER } else { 0 },
                local: if immortal { IMMORTAL } else { 1 + local_gc },
                shared: shared_gc as i8,
                flags: if deferred_313 {
                    Flags::Queued
                } else {
                    Flags::None
                },
                frees: 0,
                entry: false,
                gc_refs,
            },
            threads,
            bucket: UNLOCKED,
            touched_after_free: false,
            foreign_local_write: false,
            revived: false,
        }]
    }

    fn actions(&self, s: &BrcState, out: &mut Vec<BrcAction>) {
        for t in self.threads() {
            let immortalizes = self.variant.immortalized_at_second_thread()
                && s.obj.local != IMMORTAL
                && s.obj.frees == 0;
            if s.threads[t as usize].pc == Pc::Unstarted && (!immortalizes || self.quiescent(s)) {
                out.push(BrcAction::Start(t));
            } else {
                self.thread_actions(s, t, out);
            }
        }
    }

    fn next_state(&self, s: &BrcState, action: &BrcAction) -> BrcState {
        let mut s = s.clone();
        match *action {
            BrcAction::Start(t) => {
                let w = &mut s.threads[t as usize];
                w.pc = Pc::Idle;
                w.registered = true;
                // 3.13: the second thread's state immortalizes deferred objects.
                if self.variant.immortalized_at_second_thread()
                    && s.obj.local != IMMORTAL
                    && s.obj.frees == 0
                {
                    s.obj.local = IMMORTAL;
                    s.obj.tid = NO_OWNER;
                    s.obj.shared = 0;
                    s.obj.flags = Flags::None;
                    s.obj.gc_refs = 0;
                }
            }
            BrcAction::Step { thread, op } => self.apply(&mut s, thread, op),
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "BRC-S1",
                statement: "the object is never freed while a reference to it exists",
                source: "Objects/object.c: _Py_DecRefShared, _Py_MergeZeroLocalRefcount, \
                         _Py_ExplicitMergeRefcount; Python/brc.c (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::Always(|m: &Brc, s: &BrcState| {
                    s.obj.frees == 0 || m.held(s) == 0
                }),
            },
            Property {
                id: "BRC-S2",
                statement: "the object is freed at most once",
                source: "Objects/object.c: _Py_Dealloc only where the merged count is zero \
                         (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::Always(|_, s: &BrcState| s.obj.frees <= 1),
            },
            Property {
                id: "BRC-S3",
                statement: "no thread reads or writes the object's header after it is freed",
                source: "Objects/object.c: _Py_ExplicitMergeRefcount writes ob_ref_local and \
                         ob_tid before MERGED (gh-119999, 3.13.0b2+)",
                premise: None,
                check: Check::Always(|_, s: &BrcState| !s.touched_after_free),
            },
            Property {
                id: "BRC-S4",
                statement: "only the owner writes ob_ref_local while it is registered",
                source: "Include/object.h: Py_INCREF/Py_DECREF plain stores by the owner; \
                         Python/brc.c: _Py_brc_queue_object merges only for an exited owner \
                         (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::Always(|_, s: &BrcState| !s.foreign_local_write),
            },
            Property {
                id: "BRC-S5",
                statement: "between operations, ob_ref_local plus the shared count equals the \
                            references held (queued ones included)",
                source: "Include/object.h: struct _object, ob_ref_local + ob_ref_shared >> 2 \
                         (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::Always(|m: &Brc, s: &BrcState| {
                    !m.quiescent(s)
                        || s.obj.frees > 0
                        || s.obj.local == IMMORTAL
                        || m.counted(s) == m.held(s) as i16
                }),
            },
            Property {
                id: "BRC-S6",
                statement: "an immortal or deferred object is never freed by reference counting",
                source: "Include/object.h: _Py_IMMORTAL_REFCNT_LOCAL; Objects/object.c: \
                         _PyObject_SetDeferredRefcount; Python/pystate.c: new_threadstate \
                         immortalizes deferred objects (3.13 free-threaded)",
                premise: Some(Premise {
                    what: "the object is immortal or deferred",
                    holds: |m: &Brc, _| m.variant.never_freed_by_counting(),
                }),
                check: Check::Always(|m: &Brc, s: &BrcState| {
                    !m.variant.never_freed_by_counting() || s.obj.frees == 0
                }),
            },
            Property {
                id: "BRC-S7",
                statement: "the lock-free _Py_TryIncRefShared never takes a reference to a \
                            freed object",
                source: "Include/internal/pycore_object.h: _Py_TryIncRefShared, \
                         _Py_TryXGetRef (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::Always(|_, s: &BrcState| !s.revived),
            },
            Property {
                id: "BRC-L1",
                statement: "once the program drops every reference, the object is eventually \
                            freed (also when its owner has exited)",
                source: "Python/brc.c: _Py_brc_merge_refcounts at the eval breaker, \
                         _Py_brc_remove_thread drains the queue (3.13, 3.14 free-threaded)",
                premise: None,
                check: Check::LeadsTo {
                    from: |m: &Brc, s: &BrcState, _| {
                        !m.variant.never_freed_by_counting()
                            && m.program_refs(s) == 0
                            && s.obj.frees == 0
                    },
                    to: |_, s: &BrcState, _| s.obj.frees > 0,
                    each_thread: false,
                    fairness: Fairness::WeakThread,
                },
            },
            Property {
                id: "BRC-R1",
                statement: "a non-owner's Py_DECREF queues the object to its owner, which merges \
                            it",
                source: "Objects/object.c: _Py_DecRefShared; Python/brc.c: \
                         _Py_brc_queue_object, _Py_brc_merge_refcounts (3.13, 3.14)",
                premise: None,
                check: Check::SometimesStep(|_, _, action, _| {
                    matches!(action, BrcAction::Step { op: Op::Poll, .. })
                }),
            },
            Property {
                id: "BRC-R2",
                statement: "a non-owner merges the counts itself because the owner has exited",
                source: "Python/brc.c: _Py_brc_queue_object, find_thread_state returns NULL \
                         (3.13, 3.14)",
                premise: None,
                check: Check::SometimesStep(|_, before: &BrcState, action: &BrcAction, _| {
                    matches!(*action, BrcAction::Step { thread, op: Op::QueueLock }
                        if matches!(before.threads[thread as usize].pc,
                            Pc::QueueLock { owner } if owner != NO_OWNER
                                && !before.threads[owner as usize].registered))
                }),
            },
        ]
    }

    fn explain(&self, id: &str, s: &BrcState) -> Option<String> {
        match id {
            "BRC-S1" => Some(format!(
                "freed {} time(s) while {} reference(s) exist",
                s.obj.frees,
                self.held(s)
            )),
            "BRC-S5" => Some(format!(
                "ob_ref_local {} + shared {} = {}, but {} references are held",
                s.obj.local,
                s.obj.shared,
                self.counted(s),
                self.held(s)
            )),
            _ => None,
        }
    }

    fn is_final(&self, s: &BrcState) -> bool {
        self.threads()
            .all(|t| s.threads[t as usize].pc == Pc::Exited)
    }

    fn actor(&self, action: &BrcAction) -> Option<usize> {
        match *action {
            BrcAction::Start(_) => None,
            BrcAction::Step { thread, .. } => Some(thread as usize),
        }
    }

    fn thread_count(&self) -> usize {
        self.config.threads
    }

    fn assumptions(&self) -> Vec<String> {
        vec![
            "each thread that can move is eventually scheduled (it polls its eval breaker or \
             exits)"
                .into(),
            "each compare-and-swap loop is one step (a failed attempt changes nothing)".into(),
        ]
    }

    fn format_action(&self, action: &BrcAction) -> String {
        match *action {
            BrcAction::Start(t) => format!(
                "new_threadstate: T{t} registered (_Py_brc_init_thread){}",
                if self.variant.immortalized_at_second_thread() {
                    ", deferred objects immortalized"
                } else {
                    ""
                }
            ),
            BrcAction::Step { op, .. } => self.op_label(op),
        }
    }

    fn format_state(&self, s: &BrcState) -> String {
        let o = &s.obj;
        let tid = if o.tid == NO_OWNER {
            "0".to_string()
        } else {
            format!("T{}", o.tid)
        };
        let local = local_text(o);
        let threads: Vec<String> = self
            .threads()
            .map(|t| {
                let w = &s.threads[t as usize];
                format!(
                    "T{t}:{:?} refs={}{}{}",
                    w.pc,
                    w.refs,
                    if w.queued { " queued" } else { "" },
                    if w.merge_bit { " merge-bit" } else { "" }
                )
            })
            .collect();
        format!(
            "ob_tid={tid} local={local} shared={}|{:?} frees={}{} | {}",
            o.shared,
            o.flags,
            o.frees,
            if o.entry { " entry" } else { "" },
            threads.join("; ")
        )
    }

    fn frame(&self, s: &BrcState) -> Frame {
        Frame {
            threads: self
                .threads()
                .map(|t| match s.threads[t as usize].pc {
                    Pc::Unstarted => IDLE.name,
                    Pc::Exited => DONE.name,
                    Pc::Idle => RUNS.name,
                    Pc::MergeZero
                    | Pc::MergeZeroTid
                    | Pc::MergeZeroCas
                    | Pc::MergeClear { .. }
                    | Pc::MergeCas { .. }
                    | Pc::Exiting => MERGES.name,
                    _ => COUNTS.name,
                })
                .map(String::from)
                .collect(),
            facts: vec![
                Fact::new("ob_ref_local", local_text(&s.obj)),
                Fact::new("ob_ref_shared", format!("{} {:?}", s.obj.shared, s.obj.flags)),
                Fact::flag("freed", s.obj.frees > 0),
            ],
        }
    }
}

/// `ob_ref_local` in words: its count, or `immortal`.
fn local_text(o: &Object) -> String {
    if o.local == IMMORTAL {
        "immortal".to_string()
    } else {
        o.local.to_string()
    }
}

impl Registered for Brc {
    type Variant = BrcVariant;

    fn build(variant: BrcVariant, config: &Config) -> Brc {
        Brc::new(variant, config.clone())
    }
}

/// The registry entry of the biased-counting model.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Brc>(
        "brc",
        "free-threaded build: biased reference counting (ob_tid, ob_ref_local, ob_ref_shared, \
         the owner's merge queue)",
        MAX_THREADS,
        3,
    )
    .with_source("models/brc.rs")
    .with_legend(LEGEND)
}
