//! The executable twin of `brc.rs`: biased reference counting as real threaded code over the
//! sync facade, one object, every step logged as the spec action it is.
//!
//! `ob_ref_local` is an object cell: under loom it is race-checked, so a thread that writes it
//! without a happens-before edge from the owner's writes (a non-owner merging while the owner
//! lives) is reported by loom's own race detector. `ob_tid` and `ob_ref_shared` are atomic words
//! (`ob_ref_shared` updated by compare-and-swap loops, as CPython does; a failed attempt is no
//! step). The bucket mutex of the thread table is a mutex over each thread's registration and
//! T0's queue; the container entry is a mutex-guarded flag, only ever looked at inside the step
//! that logs what was seen. The spec is sequentially
//! consistent, so the twin reads `ob_tid` and `ob_ref_shared` with read-modify-writes, which see
//! the latest value; CPython's relaxed and acquire loads may see an older one (a compare-and-swap
//! that follows then fails and retries), which this twin does not exercise. Non-owners do not
//! read `ob_ref_local` for the immortality test (the object is mortal, so CPython's relaxed load
//! there only ever sees a mortal count, and leaving it out keeps the race check about the
//! owner's writes); they read and write it only in a direct merge, after the owner has left the
//! table under the bucket mutex.
//!
//! The programs (`Scenario`, each within the spec's budgets, so a subset of its runs):
//! - `HandBack`, two threads: the merge at local zero. T0, the owner, holding the one
//!   reference, hands it to T1 and waits; T1 `Py_INCREF`s (a shared count), hands one back and
//!   drops the other; T0 drops its own: its local count reaches zero with the shared count still
//!   held, so it merges (`_Py_MergeZeroLocalRefcount`), and the last drop frees.
//! - `Queue`, three threads: T0 `Py_INCREF`s, hands a reference to T1, polls, drops its own,
//!   polls, exits (`_Py_brc_remove_thread` drains its queue); T1 `Py_INCREF`s, stores one in
//!   the container entry, drops the other; T2 reads the entry lock-free (`_Py_TryXGetRef`),
//!   takes the entry's reference out and drops what it holds: the last drop finds the shared
//!   field at zero and queues the object to T0, or merges it itself if T0 has exited.
//! - `Read`, three threads: T0 stores its reference in the entry, polls, exits; T1 reads the
//!   entry lock-free while T2 takes the entry's reference out and drops it (which queues the
//!   object to T0): gh-119999's window, between T0's merge and its stores, is reachable.

use super::brc::{Brc, BrcAction, BrcVariant, Op};
use crate::exec::{twin_meta, Backend, Log, ObjectCell, Twin};
use crate::model::Config;
use crate::trace::TraceMeta;
use std::sync::Arc;

/// Which program the threads run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Two threads: the merge at local zero.
    HandBack,
    /// Three threads: the queue to a live or exited owner.
    Queue,
    /// Three threads: a lock-free read racing with the entry's removal.
    Read,
}

impl Scenario {
    /// Its threads.
    pub fn threads(self) -> usize {
        match self {
            Scenario::HandBack => 2,
            Scenario::Queue | Scenario::Read => 3,
        }
    }
}

/// A biased-counting twin configuration.
#[derive(Clone, Debug)]
pub struct BrcTwin {
    /// Which code to run (a mortal object: not `immortal` or the deferred variants).
    pub variant: BrcVariant,
    /// Which program.
    pub scenario: Scenario,
}

impl BrcTwin {
    /// A twin of `variant` running `scenario`.
    pub fn new(variant: BrcVariant, scenario: Scenario) -> BrcTwin {
        assert!(
            !variant.never_freed_by_counting(),
            "the twin counts a mortal object"
        );
        BrcTwin { variant, scenario }
    }
}

/// The flag bits of `ob_ref_shared`, as in `Include/object.h`.
const MAYBE_WEAKREF: usize = 1;
const QUEUED: usize = 2;
const MERGED: usize = 3;
const FLAGS: usize = 3;
/// `ob_tid` of no thread.
const NO_TID: usize = usize::MAX;

/// `ob_ref_shared` as its count and its flags.
fn split(shared: usize) -> (isize, usize) {
    ((shared as isize) >> 2, shared & FLAGS)
}

/// `_Py_REF_SHARED(count, flags)`.
fn join(count: isize, flags: usize) -> usize {
    ((count << 2) as usize) | flags
}

/// The shared container entry (a dict or list slot).
struct Entry {
    /// It holds the object (and a reference).
    set: bool,
    /// It was set once (threads waiting to use it may start).
    published: bool,
}

/// The thread table's bucket: who is registered, and T0's merge queue.
struct Bucket {
    registered: [bool; 3],
    queued: bool,
}

struct Shared<B: Backend> {
    variant: BrcVariant,
    scenario: Scenario,
    tid: B::AtomicUsize,
    local: B::Cell,
    shared: B::AtomicUsize,
    bucket: B::Mutex<Bucket>,
    /// T0's `_PY_EVAL_EXPLICIT_MERGE_BIT`.
    merge_bit: B::AtomicBool,
    /// The container entry.
    entry: B::Mutex<Entry>,
    entry_published: B::Condvar,
    /// References handed to each thread and not yet picked up.
    mailbox: B::Mutex<[u8; 3]>,
    mail: B::Condvar,
    log: Log<BrcAction>,
}

impl<B: Backend> Shared<B> {
    fn step(&self, thread: u8, op: Op) -> BrcAction {
        BrcAction::Step { thread, op }
    }

    /// Read before the step it decides: only the owner clears `ob_tid` while it lives (and a
    /// direct merge after it exits), except in `merge-without-owner`, whose other failures come
    /// first.
    fn owns(&self, me: u8) -> bool {
        B::rmw_load_usize(&self.tid) == me as usize
    }

    /// A compare-and-swap loop on `ob_ref_shared`: `update` gives the new value from the old;
    /// the successful swap is logged as `op`. Returns the value it replaced.
    fn cas_loop(&self, me: u8, op: Op, update: impl Fn(usize) -> usize) -> usize {
        loop {
            let old = B::rmw_load_usize(&self.shared);
            let new = update(old);
            let swapped =
                self.log
                    .record_if::<B, bool>(|| match B::cas_usize(&self.shared, old, new) {
                        Ok(_) => (Some(self.step(me, op)), true),
                        Err(_) => (None, false),
                    });
            if swapped {
                return old;
            }
        }
    }

    /// A non-owner's update of `ob_ref_shared` logged as `op`: a compare-and-swap loop, or in
    /// `non-atomic-shared` a load (the step `op`) and a store (`SharedStore`). Returns the value
    /// it replaced.
    fn update_shared(&self, me: u8, op: Op, update: impl Fn(usize) -> usize) -> usize {
        if self.variant != BrcVariant::NonAtomicShared {
            return self.cas_loop(me, op, update);
        }
        let old = self
            .log
            .record::<B, usize>(|| (self.step(me, op), B::rmw_load_usize(&self.shared)));
        self.log.record::<B, ()>(|| {
            B::store_usize(&self.shared, update(old));
            (self.step(me, Op::SharedStore), ())
        });
        old
    }

    fn incref(&self, me: u8) {
        if self.owns(me) {
            self.log.record::<B, ()>(|| {
                self.local.write(self.local.read() + 1);
                (self.step(me, Op::Incref), ())
            });
        } else {
            self.update_shared(me, Op::Incref, |old| {
                let (count, flags) = split(old);
                join(count + 1, flags)
            });
        }
    }

    /// `Py_DECREF`; `op` is how the step is logged (`Decref`, or the re-check of a changed
    /// entry).
    fn decref(&self, me: u8, op: Op) {
        if self.owns(me) {
            let zero = self.log.record::<B, bool>(|| {
                let local = self.local.read().wrapping_sub(1);
                self.local.write(local);
                (self.step(me, op), local == 0)
            });
            if zero && self.variant == BrcVariant::FreeAtLocalZero {
                // The spec frees in the decrement step itself; nothing more happens here.
            } else if zero {
                self.merge_zero(me);
            }
            return;
        }
        let decrement = |old: usize| {
            let (count, flags) = split(old);
            if count == 0 && flags <= MAYBE_WEAKREF {
                join(0, QUEUED)
            } else {
                join(count - 1, flags)
            }
        };
        let old = self.update_shared(me, op, decrement);
        let (count, flags) = split(old);
        if count == 0 && flags <= MAYBE_WEAKREF {
            self.queue_object(me);
        }
    }

    /// `_Py_brc_queue_object`.
    fn queue_object(&self, me: u8) {
        let owner = if self.variant == BrcVariant::MergeWithoutOwner {
            B::rmw_load_usize(&self.tid)
        } else {
            self.log.record::<B, usize>(|| {
                (
                    self.step(me, Op::QueueReadTid),
                    B::rmw_load_usize(&self.tid),
                )
            })
        };
        if owner == NO_TID && self.variant != BrcVariant::MergeWithoutOwner {
            return self.decref(me, Op::Decref);
        }
        let mut bucket = B::lock(&self.bucket);
        let registered = owner != NO_TID && bucket.registered[owner];
        if registered && self.variant != BrcVariant::MergeWithoutOwner {
            self.log.record::<B, ()>(|| {
                B::store_bool(&self.merge_bit, true);
                bucket.queued = true;
                (self.step(me, Op::QueueLock), ())
            });
        } else {
            self.log.note::<B>(self.step(me, Op::QueueLock));
            self.explicit_merge(me);
            drop(bucket);
        }
    }

    /// `_Py_MergeZeroLocalRefcount`.
    fn merge_zero(&self, me: u8) {
        let fast = self.log.record::<B, bool>(|| {
            let shared = B::rmw_load_usize(&self.shared);
            (self.step(me, Op::MergeZeroLoad), shared == 0)
        });
        if fast {
            return;
        }
        self.log.record::<B, ()>(|| {
            B::store_usize(&self.tid, NO_TID);
            (self.step(me, Op::MergeZeroTid), ())
        });
        self.cas_loop(me, Op::MergeZeroCas, |old| {
            let (count, _) = split(old);
            join(count, MERGED)
        });
    }

    /// `_Py_ExplicitMergeRefcount(op, -1)` (the free at zero is the spec's, in the last step).
    fn explicit_merge(&self, me: u8) {
        let clear = || {
            self.log.record::<B, usize>(|| {
                let local = self.local.read() as usize;
                self.local.write(0);
                B::store_usize(&self.tid, NO_TID);
                (self.step(me, Op::MergeClear), local)
            })
        };
        let swap = |local: usize| {
            self.cas_loop(me, Op::MergeCas, |old| {
                let (count, _) = split(old);
                join(count + local as isize - 1, MERGED)
            });
        };
        if self.variant == BrcVariant::TidAfterMerge {
            let local = self.local.read() as usize;
            swap(local);
            clear();
        } else {
            let local = clear();
            swap(local);
        }
    }

    /// `_Py_HandlePending` → `_Py_brc_merge_refcounts`, if the merge bit is set.
    fn poll(&self) {
        if !B::load_bool(&self.merge_bit) {
            return;
        }
        let stacked = {
            let mut bucket = B::lock(&self.bucket);
            self.log.record::<B, bool>(|| {
                B::store_bool(&self.merge_bit, false);
                let stacked = bucket.queued;
                bucket.queued = false;
                (self.step(0, Op::Poll), stacked)
            })
        };
        if stacked {
            self.explicit_merge(0);
        }
    }

    /// `PyThreadState_Clear` → `_Py_brc_remove_thread`.
    fn exit(&self, me: u8) {
        self.log.note::<B>(self.step(me, Op::Exit));
        loop {
            let mut bucket = B::lock(&self.bucket);
            let queued = me == 0 && bucket.queued;
            if queued && self.variant != BrcVariant::ExitWithoutDrain {
                bucket.queued = false;
                self.log.note::<B>(self.step(me, Op::ExitStep));
                drop(bucket);
                self.log.note::<B>(self.step(me, Op::ExitStep));
                self.explicit_merge(me);
            } else {
                bucket.registered[me as usize] = false;
                self.log.note::<B>(self.step(me, Op::ExitStep));
                return;
            }
        }
    }

    /// Hands a reference to `to` (a queue or a `Thread` argument: no count changes).
    fn give(&self, me: u8, to: u8) {
        self.log.record::<B, ()>(|| {
            B::lock(&self.mailbox)[to as usize] += 1;
            (self.step(me, Op::Give { to }), ())
        });
        B::notify_all(&self.mail);
    }

    /// Waits for a reference handed to `me`.
    fn receive(&self, me: u8) {
        let mut mailbox = B::lock(&self.mailbox);
        while mailbox[me as usize] == 0 {
            mailbox = B::wait(&self.mail, mailbox);
        }
        mailbox[me as usize] -= 1;
    }

    /// Store one of `me`'s references in the entry, marked `MAYBE_WEAKREF` (as the spec does).
    /// The entry is locked inside the logged step, as everywhere, so the log's lock comes first.
    fn publish(&self, me: u8) {
        loop {
            let done = self.log.record_if::<B, bool>(|| {
                let mut entry = B::lock(&self.entry);
                let old = B::rmw_load_usize(&self.shared);
                let (count, flags) = split(old);
                let new = join(count, if flags == 0 { MAYBE_WEAKREF } else { flags });
                match B::cas_usize(&self.shared, old, new) {
                    Ok(_) => {
                        *entry = Entry {
                            set: true,
                            published: true,
                        };
                        (Some(self.step(me, Op::Publish)), true)
                    }
                    Err(_) => (None, false),
                }
            });
            if done {
                break;
            }
        }
        B::notify_all(&self.entry_published);
    }

    /// Waits until the entry has been published once.
    fn await_entry(&self) {
        let mut entry = B::lock(&self.entry);
        while !entry.published {
            entry = B::wait(&self.entry_published, entry);
        }
    }

    /// Takes the entry's reference out of it (it must be set).
    fn unpublish(&self, me: u8) {
        self.log.record::<B, ()>(|| {
            B::lock(&self.entry).set = false;
            (self.step(me, Op::Unpublish), ())
        });
    }

    /// `_Py_TryIncRefShared` by a non-owner: refuses a shared field of 0 or `MERGED` with count
    /// 0; each attempt reads and swaps in one logged step.
    fn try_incref_shared(&self, me: u8) -> bool {
        loop {
            let done = self.log.record_if::<B, Option<bool>>(|| {
                let old = B::rmw_load_usize(&self.shared);
                let (count, flags) = split(old);
                let dead = count == 0 && (flags == 0 || flags == MERGED);
                if dead && self.variant != BrcVariant::TryIncrefUnchecked {
                    return (
                        Some(self.step(me, Op::GetIncref { ok: false })),
                        Some(false),
                    );
                }
                match B::cas_usize(&self.shared, old, join(count + 1, flags)) {
                    Ok(_) => (Some(self.step(me, Op::GetIncref { ok: true })), Some(true)),
                    Err(_) => (None, None),
                }
            });
            if let Some(ok) = done {
                return ok;
            }
        }
    }

    /// `_Py_TryXGetRef` on the entry by a non-owner: whether it got a reference. Each look at
    /// the entry is made inside the step it logs.
    fn get(&self, me: u8) -> bool {
        let loaded = self.log.record_if::<B, bool>(|| {
            let set = B::lock(&self.entry).set;
            (set.then(|| self.step(me, Op::GetLoad)), set)
        });
        if !loaded || !self.try_incref_shared(me) {
            return false;
        }
        let kept = self.log.record_if::<B, bool>(|| {
            let kept = B::lock(&self.entry).set;
            (kept.then(|| self.step(me, Op::GetRecheck { kept })), kept)
        });
        if !kept {
            // The entry only ever empties, so it is still empty when the decrement is logged.
            self.decref(me, Op::GetRecheck { kept });
        }
        kept
    }

    fn thread(&self, me: u8) {
        match (self.scenario, me) {
            (Scenario::HandBack, 0) => {
                self.give(0, 1);
                self.receive(0);
                self.decref(0, Op::Decref);
                self.poll();
            }
            (Scenario::HandBack, _) => {
                self.receive(1);
                self.incref(1);
                self.give(1, 0);
                self.decref(1, Op::Decref);
            }
            (Scenario::Queue, 0) => {
                self.incref(0);
                self.give(0, 1);
                self.poll();
                self.decref(0, Op::Decref);
                self.poll();
            }
            (Scenario::Queue, 1) => {
                self.receive(1);
                self.incref(1);
                self.publish(1);
                self.decref(1, Op::Decref);
            }
            (Scenario::Queue, _) => {
                self.await_entry();
                let got = self.get(2);
                self.unpublish(2);
                for _ in 0..1 + got as u8 {
                    self.decref(2, Op::Decref);
                }
            }
            (Scenario::Read, 0) => {
                self.publish(0);
                self.poll();
            }
            (Scenario::Read, 1) => {
                self.await_entry();
                if self.get(1) {
                    self.decref(1, Op::Decref);
                }
            }
            (Scenario::Read, _) => {
                self.await_entry();
                self.unpublish(2);
                self.decref(2, Op::Decref);
            }
        }
        self.exit(me);
    }
}

impl Twin for BrcTwin {
    type Spec = Brc;

    fn spec(&self, _backend: &str) -> Brc {
        Brc::new(self.variant, Config::threads(self.scenario.threads()))
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        twin_meta(
            "brc",
            self.variant,
            Config::threads(self.scenario.threads()),
            backend,
        )
    }

    fn run<B: Backend>(&self, log: &Log<BrcAction>) {
        let shared = Arc::new(Shared::<B> {
            variant: self.variant,
            scenario: self.scenario,
            tid: B::atomic_usize(0),
            local: B::Cell::new(1),
            shared: B::atomic_usize(0),
            bucket: B::mutex(Bucket {
                registered: [true, false, false],
                queued: false,
            }),
            merge_bit: B::atomic_bool(false),
            entry: B::mutex(Entry {
                set: false,
                published: false,
            }),
            entry_published: B::condvar(),
            mailbox: B::mutex([0; 3]),
            mail: B::condvar(),
            log: log.clone(),
        });
        let mut handles = Vec::new();
        for t in 0..self.scenario.threads() {
            if t > 0 {
                // new_threadstate in the (unmodelled) main thread registers the thread.
                let mut bucket = B::lock(&shared.bucket);
                bucket.registered[t] = true;
                log.note::<B>(BrcAction::Start(t as u8));
            }
            let shared = Arc::clone(&shared);
            handles.push(B::spawn(move || shared.thread(t as u8)));
        }
        for handle in handles {
            B::join(handle);
        }
    }
}
