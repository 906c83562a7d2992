//! The sync facade: mutex, condition variable, atomics, an object cell, threads. `Std` runs on
//! real threads; `Loom` explores every interleaving (and checks object cells for data races);
//! `Shuttle` samples interleavings with its random and PCT schedulers.

use std::ops::DerefMut;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A shared memory cell read and written non-atomically by the code that owns it (under loom,
/// a race-checked cell: two unsynchronised accesses are reported).
pub trait ObjectCell: Send + Sync + 'static {
    /// A fresh cell holding `value`.
    fn new(value: u64) -> Self;
    /// A plain (non-atomic) read.
    fn read(&self) -> u64;
    /// A plain (non-atomic) write.
    fn write(&self, value: u64);
}

/// A family of synchronisation primitives. Only operations on these types are scheduling points
/// for loom and shuttle.
pub trait Backend: 'static {
    /// Name used in traces (`std`, `loom`, `shuttle`).
    const NAME: &'static str;
    /// Timed waits never time out by themselves; a clock thread must fire them
    /// (`TimedCondvar::tick`).
    const VIRTUAL_TIME: bool;

    /// A mutex.
    type Mutex<T: Send + 'static>: Send + Sync;
    /// Its guard.
    type Guard<'a, T: Send + 'static>: DerefMut<Target = T>;
    /// A condition variable.
    type Condvar: Send + Sync;
    /// An atomic flag.
    type AtomicBool: Send + Sync;
    /// An atomic word.
    type AtomicUsize: Send + Sync;
    /// An object field.
    type Cell: ObjectCell;
    /// A spawned thread.
    type JoinHandle;

    /// A new mutex.
    fn mutex<T: Send + 'static>(value: T) -> Self::Mutex<T>;
    /// Locks (a poisoned lock is taken over: a panic elsewhere is already being reported).
    fn lock<T: Send + 'static>(mutex: &Self::Mutex<T>) -> Self::Guard<'_, T>;
    /// A new condition variable.
    fn condvar() -> Self::Condvar;
    /// Waits for a signal, releasing the lock meanwhile.
    fn wait<'a, T: Send + 'static>(
        cv: &Self::Condvar,
        guard: Self::Guard<'a, T>,
    ) -> Self::Guard<'a, T>;
    /// Waits for a signal or `timeout`; `true` when the backend itself timed out.
    fn wait_timeout<'a, T: Send + 'static>(
        cv: &Self::Condvar,
        guard: Self::Guard<'a, T>,
        timeout: Duration,
    ) -> (Self::Guard<'a, T>, bool);
    /// Wakes one waiter.
    fn notify_one(cv: &Self::Condvar);
    /// Wakes every waiter.
    fn notify_all(cv: &Self::Condvar);
    /// A new flag.
    fn atomic_bool(value: bool) -> Self::AtomicBool;
    /// Relaxed load.
    fn load_bool(flag: &Self::AtomicBool) -> bool;
    /// Relaxed store.
    fn store_bool(flag: &Self::AtomicBool, value: bool);
    /// Reads the flag with a read-modify-write that changes nothing. When every access to a
    /// flag is a read-modify-write, each one sees the latest value: no stale reads.
    fn rmw_load_bool(flag: &Self::AtomicBool) -> bool;
    /// Stores with a read-modify-write (a swap); see `rmw_load_bool`.
    fn rmw_store_bool(flag: &Self::AtomicBool, value: bool);
    /// A new word.
    fn atomic_usize(value: usize) -> Self::AtomicUsize;
    /// Relaxed load.
    fn load_usize(word: &Self::AtomicUsize) -> usize;
    /// Relaxed store.
    fn store_usize(word: &Self::AtomicUsize, value: usize);
    /// Reads the word with a read-modify-write that changes nothing: it sees the latest value
    /// (see `rmw_load_bool`).
    fn rmw_load_usize(word: &Self::AtomicUsize) -> usize;
    /// Compare-and-swap, sequentially consistent (as CPython's
    /// `_Py_atomic_compare_exchange_*`): `Ok` when the word held `current` and now holds `new`,
    /// else `Err` with the value it held.
    fn cas_usize(word: &Self::AtomicUsize, current: usize, new: usize) -> Result<usize, usize>;
    /// Spawns a thread.
    fn spawn(f: impl FnOnce() + Send + 'static) -> Self::JoinHandle;
    /// Waits for a thread.
    fn join(handle: Self::JoinHandle);
    /// Runs `f` as one indivisible event with respect to every other `atomically` call. loom
    /// and shuttle switch threads only at their own operations, so what `f` does after its last
    /// one is indivisible from it (`Log::record` puts the one visible effect last); real
    /// threads need a lock.
    fn atomically<R>(f: impl FnOnce() -> R) -> R;
}

/// A cell whose reads and writes are relaxed atomics: lost updates are possible, undefined
/// behaviour is not (for backends without a race detector).
pub struct RelaxedCell(AtomicU64);

impl ObjectCell for RelaxedCell {
    fn new(value: u64) -> Self {
        RelaxedCell(AtomicU64::new(value))
    }
    fn read(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
    fn write(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed)
    }
}

/// A cell whose every access is a shuttle atomic, hence a scheduling point: shuttle can switch
/// threads between the load and the store of a non-atomic update.
pub struct ShuttleCell(shuttle::sync::atomic::AtomicU64);

impl ObjectCell for ShuttleCell {
    fn new(value: u64) -> Self {
        ShuttleCell(shuttle::sync::atomic::AtomicU64::new(value))
    }
    fn read(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
    fn write(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed)
    }
}

/// A cell checked by loom's race detector: concurrent accesses without a happens-before edge
/// panic with "Causality violation".
pub struct LoomCell(loom::cell::UnsafeCell<u64>);

// SAFETY: loom runs every modelled thread on one OS thread and checks each access against the
// happens-before order, reporting (not performing) racing accesses.
unsafe impl Sync for LoomCell {}

impl ObjectCell for LoomCell {
    fn new(value: u64) -> Self {
        LoomCell(loom::cell::UnsafeCell::new(value))
    }
    fn read(&self) -> u64 {
        // SAFETY: loom checks that no write is concurrent with this read.
        self.0.with(|p| unsafe { *p })
    }
    fn write(&self, value: u64) {
        // SAFETY: loom checks that no access is concurrent with this write.
        self.0.with_mut(|p| unsafe { *p = value })
    }
}

/// Serialises `Std::atomically` events across real threads.
static STD_EVENTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Real threads and std primitives.
pub struct Std;
/// loom: exhaustive exploration of interleavings (bounded by `LOOM_MAX_PREEMPTIONS`).
pub struct Loom;
/// shuttle: randomised (random, PCT) exploration of interleavings.
pub struct Shuttle;

macro_rules! facade {
    ($backend:ty, $name:literal, $virtual:literal, $sync:ident, $thread:ident, $cell:ty) => {
        impl Backend for $backend {
            const NAME: &'static str = $name;
            const VIRTUAL_TIME: bool = $virtual;
            type Mutex<T: Send + 'static> = $sync::Mutex<T>;
            type Guard<'a, T: Send + 'static> = $sync::MutexGuard<'a, T>;
            type Condvar = $sync::Condvar;
            type AtomicBool = $sync::atomic::AtomicBool;
            type AtomicUsize = $sync::atomic::AtomicUsize;
            type Cell = $cell;
            type JoinHandle = $thread::JoinHandle<()>;

            fn mutex<T: Send + 'static>(value: T) -> Self::Mutex<T> {
                $sync::Mutex::new(value)
            }
            fn lock<T: Send + 'static>(mutex: &Self::Mutex<T>) -> Self::Guard<'_, T> {
                mutex.lock().unwrap_or_else(|e| e.into_inner())
            }
            fn condvar() -> Self::Condvar {
                $sync::Condvar::new()
            }
            fn wait<'a, T: Send + 'static>(
                cv: &Self::Condvar,
                guard: Self::Guard<'a, T>,
            ) -> Self::Guard<'a, T> {
                cv.wait(guard).unwrap_or_else(|e| e.into_inner())
            }
            fn wait_timeout<'a, T: Send + 'static>(
                cv: &Self::Condvar,
                guard: Self::Guard<'a, T>,
                timeout: Duration,
            ) -> (Self::Guard<'a, T>, bool) {
                if $virtual {
                    (Self::wait(cv, guard), false)
                } else {
                    let (guard, result) = cv
                        .wait_timeout(guard, timeout)
                        .unwrap_or_else(|e| e.into_inner());
                    (guard, result.timed_out())
                }
            }
            fn notify_one(cv: &Self::Condvar) {
                cv.notify_one()
            }
            fn notify_all(cv: &Self::Condvar) {
                cv.notify_all()
            }
            fn atomic_bool(value: bool) -> Self::AtomicBool {
                $sync::atomic::AtomicBool::new(value)
            }
            fn load_bool(flag: &Self::AtomicBool) -> bool {
                flag.load(Ordering::Relaxed)
            }
            fn store_bool(flag: &Self::AtomicBool, value: bool) {
                flag.store(value, Ordering::Relaxed)
            }
            fn rmw_load_bool(flag: &Self::AtomicBool) -> bool {
                flag.fetch_or(false, Ordering::Relaxed)
            }
            fn rmw_store_bool(flag: &Self::AtomicBool, value: bool) {
                flag.swap(value, Ordering::Relaxed);
            }
            fn atomic_usize(value: usize) -> Self::AtomicUsize {
                $sync::atomic::AtomicUsize::new(value)
            }
            fn load_usize(word: &Self::AtomicUsize) -> usize {
                word.load(Ordering::Relaxed)
            }
            fn store_usize(word: &Self::AtomicUsize, value: usize) {
                word.store(value, Ordering::Relaxed)
            }
            fn rmw_load_usize(word: &Self::AtomicUsize) -> usize {
                word.fetch_add(0, Ordering::SeqCst)
            }
            fn cas_usize(
                word: &Self::AtomicUsize,
                current: usize,
                new: usize,
            ) -> Result<usize, usize> {
                word.compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
            }
            fn spawn(f: impl FnOnce() + Send + 'static) -> Self::JoinHandle {
                $thread::spawn(f)
            }
            fn join(handle: Self::JoinHandle) {
                // A panicking thread is reported by the checker itself; do not panic twice.
                let _ = handle.join();
            }
            fn atomically<R>(f: impl FnOnce() -> R) -> R {
                if $virtual {
                    f()
                } else {
                    let _serial = STD_EVENTS.lock().unwrap_or_else(|e| e.into_inner());
                    f()
                }
            }
        }
    };
}

use loom::{sync as loom_sync, thread as loom_thread};
use shuttle::{sync as shuttle_sync, thread as shuttle_thread};
use std::{sync as std_sync, thread as std_thread};

facade!(Std, "std", false, std_sync, std_thread, RelaxedCell);
facade!(Loom, "loom", true, loom_sync, loom_thread, LoomCell);
facade!(
    Shuttle,
    "shuttle",
    true,
    shuttle_sync,
    shuttle_thread,
    ShuttleCell
);
