//! Sequential conformance: a backend whose threads move one spec step at a time, under the
//! control of a conductor (the test). The conductor picks which thread takes the next step,
//! fires timeouts and chooses which waiter a signal wakes, so a test can force any sequence of
//! spec actions onto the real twin code and compare the twin's memory with the spec after every
//! step.
//!
//! Every thread is a real OS thread, but only the one holding the baton runs. A step runs a
//! thread until it has logged one action, then on through the releases that end the spec's
//! atomic step (unlocking a mutex, entering a condition wait), and stops before its next
//! operation of any other kind. A thread that blocks on a mutex during a step fails the step:
//! the spec said the step was enabled.

use super::harness::panic_message;
use super::{Backend, Log, ObjectCell, Twin};
use crate::model::Model;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Debug;
use std::ops::{Deref, DerefMut};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// The stepped backend (see the module docs). Threads spawned with it belong to the
/// `Conductor` of the spawning thread.
pub struct Stepped;

/// What a thread is doing between steps, as the conductor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadView {
    /// Paused before its next operation.
    Runnable,
    /// In a condition wait; `woken`: a signal or timeout already released it.
    Waiting {
        /// Released by a signal or a timeout, not yet running.
        woken: bool,
    },
    /// Returned from its body.
    Finished,
}

/// Where a thread is, in the stage's books.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Runnable,
    /// Waiting on condition variable `cond`; `wake` is `Some(timed_out)` once released.
    Waiting {
        cond: usize,
        timed: bool,
        wake: Option<bool>,
    },
    Finished,
}

/// Why a thread handed the baton back.
enum Event {
    /// Stopped before an operation, its step done.
    Paused,
    /// Entered a condition wait.
    Waiting,
    /// Would block on a mutex that `owner` holds.
    Blocked { owner: usize },
    /// Returned (`None`) or panicked (the message).
    Finished(Option<String>),
}

struct Books {
    /// The thread allowed to run; `None`: the conductor.
    baton: Option<usize>,
    status: Vec<Status>,
    /// Whether each thread logged an action in its current step.
    logged: Vec<bool>,
    /// Mutex id → the thread holding it.
    owners: HashMap<usize, usize>,
    /// The waiter the next `notify_one` must wake, set by the conductor for one step.
    wake_next: Option<usize>,
    /// What the last running thread reported.
    event: Option<Event>,
    /// A step failure noticed inside a thread (a signal the spec cannot match).
    failure: Option<String>,
    aborted: bool,
}

struct Stage {
    books: Mutex<Books>,
    changed: Condvar,
}

/// The unwinding payload that ends a thread when its conductor is dropped.
struct Aborted;

#[derive(Clone, Copy)]
enum Role {
    Conductor,
    Thread(usize),
}

thread_local! {
    static CURRENT: RefCell<Option<(Arc<Stage>, Role)>> = const { RefCell::new(None) };
}

/// Ids of mutexes and condition variables.
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

fn fresh_id() -> usize {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

fn current() -> (Arc<Stage>, Role) {
    CURRENT.with(|c| c.borrow().clone()).expect(
        "stepped primitives are used only by a Conductor's thread or the threads it spawned",
    )
}

/// The calling thread's stage and index, if it is a stepped thread.
fn current_thread() -> Option<(Arc<Stage>, usize)> {
    CURRENT.with(|c| match &*c.borrow() {
        Some((stage, Role::Thread(me))) => Some((Arc::clone(stage), *me)),
        _ => None,
    })
}

impl Stage {
    fn books(&self) -> MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks thread `me` until it holds the baton; unwinds it if the conductor is gone.
    fn await_baton<'a>(
        &'a self,
        mut books: MutexGuard<'a, Books>,
        me: usize,
    ) -> MutexGuard<'a, Books> {
        loop {
            if books.aborted {
                drop(books);
                resume_unwind(Box::new(Aborted));
            }
            if books.baton == Some(me) {
                return books;
            }
            books = self.changed.wait(books).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Hands the baton back with `event` and waits to be resumed.
    fn hand_back(&self, me: usize, event: Event) {
        let mut books = self.books();
        books.event = Some(event);
        books.baton = None;
        self.changed.notify_all();
        drop(self.await_baton(books, me));
    }
}

/// Called before every operation other than a release: ends the caller's step if it has
/// already logged its action.
fn checkpoint() {
    if let Some((stage, me)) = current_thread() {
        let logged = stage.books().logged[me];
        if logged {
            stage.hand_back(me, Event::Paused);
        }
    }
}

/// Drives the threads spawned by `Stepped` on this thread; dropping it ends them.
pub struct Conductor {
    stage: Arc<Stage>,
    handles: Vec<JoinHandle<()>>,
}

impl Default for Conductor {
    fn default() -> Self {
        Conductor::new()
    }
}

impl Conductor {
    /// A conductor for the threads that this thread spawns with `Stepped` from now on.
    pub fn new() -> Conductor {
        let stage = Arc::new(Stage {
            books: Mutex::new(Books {
                baton: None,
                status: Vec::new(),
                logged: Vec::new(),
                owners: HashMap::new(),
                wake_next: None,
                event: None,
                failure: None,
                aborted: false,
            }),
            changed: Condvar::new(),
        });
        CURRENT.with(|c| *c.borrow_mut() = Some((Arc::clone(&stage), Role::Conductor)));
        Conductor {
            stage,
            handles: Vec::new(),
        }
    }

    /// Makes the next `notify_one` of the coming step wake `thread` (`None`: the lowest-numbered
    /// waiter).
    pub fn wake_next(&self, thread: Option<usize>) {
        self.stage.books().wake_next = thread;
    }

    /// Fires the timeout of `thread`'s timed wait.
    pub fn fire_timeout(&self, thread: usize) -> Result<(), String> {
        let mut books = self.stage.books();
        match &mut books.status[thread] {
            Status::Waiting {
                timed: true, wake, ..
            } => {
                *wake = Some(true);
                Ok(())
            }
            other => Err(format!("T{thread} is not in a timed wait ({other:?})")),
        }
    }

    /// Runs `thread` for one step (see the module docs).
    pub fn step(&mut self, thread: usize) -> Result<(), String> {
        self.reap_spawned();
        let mut books = self.stage.books();
        match books.status.get(thread) {
            None => return Err(format!("there is no thread T{thread}")),
            Some(Status::Runnable) => {}
            Some(Status::Waiting { wake: Some(_), .. }) => {}
            Some(other) => return Err(format!("T{thread} cannot move: {other:?}")),
        }
        books.baton = Some(thread);
        books.failure = None;
        self.stage.changed.notify_all();
        while books.baton.is_some() {
            books = self
                .stage
                .changed
                .wait(books)
                .unwrap_or_else(|e| e.into_inner());
        }
        books.logged[thread] = false;
        books.wake_next = None;
        let event = books.event.take();
        if let Some(failure) = books.failure.take() {
            return Err(failure);
        }
        match event {
            Some(Event::Blocked { owner }) => {
                Err(format!("T{thread} blocked on a mutex that T{owner} holds"))
            }
            Some(Event::Finished(Some(message))) => Err(format!("T{thread} panicked: {message}")),
            _ => Ok(()),
        }
    }

    /// What every thread is doing.
    pub fn views(&self) -> Vec<ThreadView> {
        self.stage
            .books()
            .status
            .iter()
            .map(|status| match *status {
                Status::Runnable => ThreadView::Runnable,
                Status::Waiting { wake, .. } => ThreadView::Waiting {
                    woken: wake.is_some(),
                },
                Status::Finished => ThreadView::Finished,
            })
            .collect()
    }

    /// Takes over the join handles of threads spawned since the last call.
    fn reap_spawned(&mut self) {
        SPAWNED.with(|s| self.handles.append(&mut s.borrow_mut()));
    }
}

impl Drop for Conductor {
    fn drop(&mut self) {
        self.reap_spawned();
        self.stage.books().aborted = true;
        self.stage.changed.notify_all();
        for handle in self.handles.drain(..) {
            // Threads end by unwinding with `Aborted`, which they catch; nothing to report.
            let _ = handle.join();
        }
        CURRENT.with(|c| *c.borrow_mut() = None);
    }
}

thread_local! {
    /// Join handles of threads spawned on this thread, until its conductor takes them.
    static SPAWNED: RefCell<Vec<JoinHandle<()>>> = const { RefCell::new(Vec::new()) };
}

/// A stepped mutex: ownership is kept in the stage's books, the data in a std mutex that only
/// the owner locks (and `Stepped::peek`, while every thread is paused).
pub struct SteppedMutex<T> {
    id: usize,
    data: Mutex<T>,
}

/// A stepped mutex guard.
pub struct SteppedGuard<'a, T> {
    mutex: &'a SteppedMutex<T>,
    data: Option<MutexGuard<'a, T>>,
}

impl<T> Deref for SteppedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.as_ref().expect("held until dropped")
    }
}

impl<T> DerefMut for SteppedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data.as_mut().expect("held until dropped")
    }
}

impl<T> Drop for SteppedGuard<'_, T> {
    fn drop(&mut self) {
        self.data = None;
        let (stage, _) = current();
        stage.books().owners.remove(&self.mutex.id);
    }
}

impl<T> SteppedMutex<T> {
    /// Takes ownership for the calling thread, reporting a block to the conductor.
    fn acquire(&self) -> SteppedGuard<'_, T> {
        let (stage, me) = current_thread().expect("only stepped threads lock");
        let mut books = stage.books();
        while let Some(&owner) = books.owners.get(&self.id) {
            drop(books);
            stage.hand_back(me, Event::Blocked { owner });
            books = stage.books();
        }
        books.owners.insert(self.id, me);
        drop(books);
        SteppedGuard {
            mutex: self,
            data: Some(self.data.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }
}

/// A stepped condition variable.
pub struct SteppedCondvar {
    id: usize,
}

/// Releases `guard`, waits on `cv` until the conductor resumes this thread after a signal (or a
/// fired timeout, if `timed`), and re-locks. Returns whether the timeout fired.
fn wait_on<'a, T>(
    cv: &SteppedCondvar,
    guard: SteppedGuard<'a, T>,
    timed: bool,
) -> (SteppedGuard<'a, T>, bool) {
    let (stage, me) = current_thread().expect("only stepped threads wait");
    let mutex = guard.mutex;
    drop(guard);
    stage.books().status[me] = Status::Waiting {
        cond: cv.id,
        timed,
        wake: None,
    };
    stage.hand_back(me, Event::Waiting);
    let timed_out = {
        let mut books = stage.books();
        let Status::Waiting { wake, .. } = books.status[me] else {
            unreachable!("only the conductor resumes a waiter")
        };
        books.status[me] = Status::Runnable;
        wake == Some(true)
    };
    (mutex.acquire(), timed_out)
}

/// Releases waiters of `cv`: one (the conductor's choice, else the lowest-numbered) or all.
fn notify(cv: &SteppedCondvar, all: bool) {
    checkpoint();
    let (stage, _) = current();
    let mut books = stage.books();
    let waiters: Vec<usize> = (0..books.status.len())
        .filter(|&t| {
            matches!(books.status[t], Status::Waiting { cond, wake: None, .. } if cond == cv.id)
        })
        .collect();
    let chosen = if all {
        waiters
    } else {
        match books.wake_next.take() {
            Some(w) if !waiters.contains(&w) => {
                books.failure = Some(format!(
                    "the spec wakes T{w}, but T{w} is not waiting on the signalled condition \
                     variable (waiters: {waiters:?})"
                ));
                Vec::new()
            }
            Some(w) => vec![w],
            None => waiters.into_iter().take(1).collect(),
        }
    };
    for w in chosen {
        if let Status::Waiting { wake, .. } = &mut books.status[w] {
            *wake = Some(false);
        }
    }
}

/// An atomic cell whose every access is a stepped operation.
pub struct SteppedCell(AtomicU64);

impl ObjectCell for SteppedCell {
    fn new(value: u64) -> Self {
        SteppedCell(AtomicU64::new(value))
    }
    fn read(&self) -> u64 {
        checkpoint();
        self.0.load(Ordering::SeqCst)
    }
    fn write(&self, value: u64) {
        checkpoint();
        self.0.store(value, Ordering::SeqCst)
    }
}

impl Stepped {
    /// Reads the data of `mutex` if no thread holds it. Call it from the conductor's thread
    /// between steps, when every stepped thread is paused.
    pub fn peek<T, R>(mutex: &SteppedMutex<T>, read: impl FnOnce(&T) -> R) -> Option<R> {
        mutex.data.try_lock().ok().map(|data| read(&data))
    }
}

impl Backend for Stepped {
    const NAME: &'static str = "stepped";
    /// Timeouts fire only when the conductor fires them, and no clock thread is needed.
    const VIRTUAL_TIME: bool = false;

    type Mutex<T: Send + 'static> = SteppedMutex<T>;
    type Guard<'a, T: Send + 'static> = SteppedGuard<'a, T>;
    type Condvar = SteppedCondvar;
    type AtomicBool = AtomicBool;
    type AtomicUsize = AtomicUsize;
    type Cell = SteppedCell;
    type JoinHandle = ();

    fn mutex<T: Send + 'static>(value: T) -> SteppedMutex<T> {
        SteppedMutex {
            id: fresh_id(),
            data: Mutex::new(value),
        }
    }
    fn lock<T: Send + 'static>(mutex: &SteppedMutex<T>) -> SteppedGuard<'_, T> {
        checkpoint();
        mutex.acquire()
    }
    fn condvar() -> SteppedCondvar {
        SteppedCondvar { id: fresh_id() }
    }
    fn wait<'a, T: Send + 'static>(
        cv: &SteppedCondvar,
        guard: Self::Guard<'a, T>,
    ) -> Self::Guard<'a, T> {
        wait_on(cv, guard, false).0
    }
    fn wait_timeout<'a, T: Send + 'static>(
        cv: &SteppedCondvar,
        guard: Self::Guard<'a, T>,
        _timeout: Duration,
    ) -> (Self::Guard<'a, T>, bool) {
        wait_on(cv, guard, true)
    }
    fn notify_one(cv: &SteppedCondvar) {
        notify(cv, false)
    }
    fn notify_all(cv: &SteppedCondvar) {
        notify(cv, true)
    }
    fn atomic_bool(value: bool) -> AtomicBool {
        AtomicBool::new(value)
    }
    fn load_bool(flag: &AtomicBool) -> bool {
        checkpoint();
        flag.load(Ordering::SeqCst)
    }
    fn store_bool(flag: &AtomicBool, value: bool) {
        checkpoint();
        flag.store(value, Ordering::SeqCst)
    }
    fn rmw_load_bool(flag: &AtomicBool) -> bool {
        checkpoint();
        flag.fetch_or(false, Ordering::SeqCst)
    }
    fn rmw_store_bool(flag: &AtomicBool, value: bool) {
        checkpoint();
        flag.swap(value, Ordering::SeqCst);
    }
    fn atomic_usize(value: usize) -> AtomicUsize {
        AtomicUsize::new(value)
    }
    fn load_usize(word: &AtomicUsize) -> usize {
        checkpoint();
        word.load(Ordering::SeqCst)
    }
    fn store_usize(word: &AtomicUsize, value: usize) {
        checkpoint();
        word.store(value, Ordering::SeqCst)
    }
    fn rmw_load_usize(word: &AtomicUsize) -> usize {
        checkpoint();
        word.fetch_add(0, Ordering::SeqCst)
    }
    fn cas_usize(word: &AtomicUsize, current: usize, new: usize) -> Result<usize, usize> {
        checkpoint();
        word.compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
    }
    /// Registers the thread with the calling thread's conductor; it starts paused.
    fn spawn(f: impl FnOnce() + Send + 'static) {
        let (stage, role) = current();
        assert!(
            matches!(role, Role::Conductor),
            "stepped threads are spawned by the conductor's thread"
        );
        let me = {
            let mut books = stage.books();
            books.status.push(Status::Runnable);
            books.logged.push(false);
            books.status.len() - 1
        };
        let handle = std::thread::spawn(move || {
            CURRENT.with(|c| *c.borrow_mut() = Some((Arc::clone(&stage), Role::Thread(me))));
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                drop(stage.await_baton(stage.books(), me));
                f()
            }));
            let message = match outcome {
                Ok(()) => None,
                Err(payload) if payload.is::<Aborted>() => return,
                Err(payload) => Some(panic_message(payload.as_ref())),
            };
            let mut books = stage.books();
            books.status[me] = Status::Finished;
            books.event = Some(Event::Finished(message));
            books.baton = None;
            stage.changed.notify_all();
        });
        SPAWNED.with(|s| s.borrow_mut().push(handle));
    }
    /// Joining is the conductor's business (it joins every thread when dropped).
    fn join(_handle: ()) {}
    fn atomically<R>(f: impl FnOnce() -> R) -> R {
        checkpoint();
        let result = f();
        if let Some((stage, me)) = current_thread() {
            stage.books().logged[me] = true;
        }
        result
    }
}

/// A twin that can run under `Stepped` and be observed between steps.
pub trait SteppedTwin: Twin {
    /// The part of the twin's memory that conformance compares with the spec.
    type Memory: PartialEq + Debug;

    /// Builds the shared state and spawns the threads (paused, under the calling thread's
    /// conductor); returns a reader of the memory.
    fn start(
        &self,
        log: &Log<<Self::Spec as Model>::Action>,
    ) -> Box<dyn Fn() -> Self::Memory + Send>;
    /// The memory and thread views that `state` predicts.
    fn predict(
        &self,
        spec: &Self::Spec,
        state: &<Self::Spec as Model>::State,
    ) -> (Self::Memory, Vec<ThreadView>);
    /// How to make the twin perform `action`.
    fn cue(&self, action: &<Self::Spec as Model>::Action) -> Cue;
}

/// How the conductor makes a twin perform one spec action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cue {
    /// The thread that moves.
    pub thread: usize,
    /// Fire its timed wait's timeout first.
    pub fire_timeout: bool,
    /// The waiter its `notify_one` wakes (`None`: whoever waits, if anyone).
    pub wakes: Option<usize>,
}

/// A twin started under `Stepped`, driven one spec action at a time.
pub struct Session<T: SteppedTwin> {
    twin: T,
    spec: T::Spec,
    log: Log<<T::Spec as Model>::Action>,
    memory: Box<dyn Fn() -> T::Memory + Send>,
    /// Log entries already matched with spec actions.
    matched: usize,
    conductor: Conductor,
}

impl<T: SteppedTwin> Session<T> {
    /// Starts `twin` with every thread paused at its beginning.
    pub fn start(twin: T) -> Session<T> {
        let conductor = Conductor::new();
        let log = Log::default();
        let memory = twin.start(&log);
        Session {
            spec: twin.spec(Stepped::NAME),
            twin,
            log,
            memory,
            matched: 0,
            conductor,
        }
    }

    /// The spec the session conforms to.
    pub fn spec(&self) -> &T::Spec {
        &self.spec
    }

    /// Makes the twin perform `action`, then checks that it logged exactly that action and
    /// that its memory and threads match `after`, the spec state the action leads to.
    pub fn perform(
        &mut self,
        action: &<T::Spec as Model>::Action,
        after: &<T::Spec as Model>::State,
    ) -> Result<(), String> {
        let cue = self.twin.cue(action);
        self.conductor.wake_next(cue.wakes);
        if cue.fire_timeout {
            self.conductor.fire_timeout(cue.thread)?;
        }
        self.conductor.step(cue.thread)?;
        let log = self.log.snapshot();
        let expected = self.spec.observable(action);
        if log[self.matched..] != [expected.clone()] {
            return Err(format!(
                "the spec takes {expected:?}; the twin logged {:?}",
                &log[self.matched..]
            ));
        }
        self.matched = log.len();
        let observed = ((self.memory)(), self.conductor.views());
        let predicted = self.twin.predict(&self.spec, after);
        if observed != predicted {
            return Err(format!(
                "after {expected:?} the spec predicts {predicted:?}; the twin has {observed:?}"
            ));
        }
        Ok(())
    }
}
