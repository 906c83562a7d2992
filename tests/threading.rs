//! Python's threading primitives (`models/threading/`): each one's semantics pinned by the
//! explicit checker on a tiny script, every property shown violable by a named bad variant, and
//! the twin primitives replayed on the spec under loom and shuttle.
//!
//! Script configurations are in the helpers' names and comments: threads, the lines each runs.
//! loom bounds and shuttle iterations are in the constants below (`LOOM_MAX_PREEMPTIONS` and
//! `SHUTTLE_ITERATIONS` override them).

mod common;

use common::{fails, passes};
use gilcheck::exec::{check_loom, check_shuttle_pct, check_shuttle_random, Backend, Log, Twin};
use gilcheck::explore::{check, Options, Report, Verdict};
use gilcheck::model::Property;
use gilcheck::models::threading::{
    Action, Call, Line, LockId, Script, ScriptState, ScriptTwin, Step, Threading,
    ThreadingVariant as V,
};
use gilcheck::trace::TraceMeta;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use Verdict::{Holds, Violated};

const LOOM_BOUND: Option<usize> = Some(2);
const SHUTTLE_ITERATIONS: usize = 1_000;
const PCT_DEPTH: usize = 3;

/// The explicit checker's report on `script`.
fn explore(script: &Script, name: &str, variant: V) -> Report {
    check(script, &script.meta(name, variant), &Options::default())
}

/// The verdicts of `ids`, in order.
fn verdicts(report: &Report, ids: &[&str]) -> Vec<Verdict> {
    ids.iter()
        .map(|id| report.verdict(id).unwrap_or_else(|| panic!("no {id}")))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Lock: 2 threads, each `lock.acquire(); <critical section>; lock.release()`.

fn lock_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 2);
    let lock = py.lock("lock");
    let body = vec![
        Line::Call(lock.acquire()),
        Line::Mark("critical section"),
        Line::Call(lock.release()),
    ];
    Script::new(py, vec![body.clone(), body], || {
        vec![
            Property::always(
                "TH-S1",
                "at most one thread is between lock.acquire() and lock.release()",
                "Modules/_threadmodule.c: lock_PyThread_acquire, lock_PyThread_release (3.10-3.13)",
                |m: &Script, s| (0..2).filter(|&t| m.between(s, t, 0, 2)).count() <= 1,
            ),
            Property::deadlock_free(
                "TH-S2",
                "no deadlock: a blocked acquire() gets the lock once it is released",
                "Modules/_threadmodule.c: acquire_timed (3.10-3.13.0), _PyMutex_LockTimed (3.13.1+)",
            ),
        ]
    })
}

#[test]
fn a_lock_excludes_and_a_lock_that_ignores_its_holder_does_not() {
    let real = explore(&lock_script(V::Cpython), "lock", V::Cpython);
    assert_eq!(verdicts(&real, &["TH-S1", "TH-S2"]), [Holds, Holds]);
    // Computed by the checker (2 threads, 3 lines each, with the blocked steps).
    assert_eq!(real.states, 18, "{}", real.states);
    let bad = explore(
        &lock_script(V::LockIgnoresHolder),
        "lock",
        V::LockIgnoresHolder,
    );
    assert_eq!(verdicts(&bad, &["TH-S1"]), [Violated]);
    let trace = bad.result("TH-S1").unwrap().trace.as_ref().unwrap();
    let takes = trace
        .steps
        .iter()
        .filter(|s| s.action == "lock.acquire(): takes it")
        .count();
    assert_eq!(takes, 2, "{}", trace.to_text());
}

/// Lock, 2 threads: T0 `lock.acquire(); lock.release()`, T1 `if lock.acquire(timeout=...):
/// lock.release()`.
fn timed_lock_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 2);
    let lock = py.lock("lock");
    let t0 = vec![Line::Call(lock.acquire()), Line::Call(lock.release())];
    let t1 = vec![
        Line::Call(lock.acquire_timeout()),
        Line::IfTrue(lock.release()),
    ];
    Script::new(py, vec![t0, t1], || {
        vec![Property::sometimes(
            "TH-R1",
            "a timed lock.acquire() times out while the lock is held and returns False",
            "Modules/_threadmodule.c: acquire_timed (3.10-3.13.0), _PyMutex_LockTimed (3.13.1+)",
            |m: &Script, s| m.completed(s, 1, 0) && !m.returned(s, 1, 0),
        )]
    })
}

#[test]
fn a_timed_acquire_can_time_out() {
    let real = explore(&timed_lock_script(V::Cpython), "timed-lock", V::Cpython);
    assert_eq!(verdicts(&real, &["TH-R1"]), [Holds]);
    let witness = real.result("TH-R1").unwrap().trace.as_ref().unwrap();
    let labels: Vec<&str> = witness.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(
        labels,
        [
            "lock.acquire(): takes it",
            "lock.acquire(timeout): held by T0, blocks",
            "lock.acquire(timeout): times out, returns False"
        ]
    );
    // A lock that never blocks never times out.
    let bad = explore(
        &timed_lock_script(V::LockIgnoresHolder),
        "timed-lock",
        V::LockIgnoresHolder,
    );
    assert_eq!(verdicts(&bad, &["TH-R1"]), [Violated]);
}

// ---------------------------------------------------------------------------------------------
// RLock: T0 `r.acquire(); r.acquire(); <inside>; r.release(); r.release()`,
// T1 `r.acquire(); <inside>; r.release()`.

fn rlock_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 2);
    let r = py.rlock("r");
    let t0 = vec![
        Line::Call(r.acquire()),
        Line::Call(r.acquire()),
        Line::Mark("inside"),
        Line::Call(r.release()),
        Line::Call(r.release()),
    ];
    let t1 = vec![
        Line::Call(r.acquire()),
        Line::Mark("inside"),
        Line::Call(r.release()),
    ];
    Script::new(py, vec![t0, t1], || {
        vec![
            Property::always(
                "TH-S3",
                "a thread owns the RLock from its first acquire() to its last release()",
                "Modules/_threadmodule.c: rlock_acquire, rlock_release (3.10-3.13)",
                |m: &Script, s| {
                    (!m.between(s, 0, 0, 4) || s.py.holder[0] == 0)
                        && (!m.between(s, 1, 0, 2) || s.py.holder[0] == 1)
                },
            ),
            Property::deadlock_free(
                "TH-S4",
                "no deadlock: the owner re-acquires its RLock without blocking",
                "Modules/_threadmodule.c: rlock_acquire (3.10-3.13)",
            ),
            Property::always(
                "TH-S5",
                "when both threads have finished, the RLock is free, its count back to 0, and \
                 no release() raised",
                "Modules/_threadmodule.c: rlock_release (3.10-3.13)",
                |m: &Script, s| {
                    !(m.finished(s, 0) && m.finished(s, 1))
                        || (s.py.holder(LockId(0)).is_none()
                            && s.py.count[0] == 0
                            && s.py.raised == 0)
                },
            )
            .with_premise("both threads finish", |m: &Script, s| {
                m.finished(s, 0) && m.finished(s, 1)
            }),
        ]
    })
}

#[test]
fn an_rlock_is_reentrant_and_its_count_returns_to_zero() {
    let ids = ["TH-S3", "TH-S4", "TH-S5"];
    let real = explore(&rlock_script(V::Cpython), "rlock", V::Cpython);
    assert_eq!(verdicts(&real, &ids), [Holds, Holds, Holds]);
    // An RLock whose owner blocks on itself deadlocks (and never finishes).
    let not_reentrant = explore(
        &rlock_script(V::RlockNotReentrant),
        "rlock",
        V::RlockNotReentrant,
    );
    assert_eq!(verdicts(&not_reentrant, &ids[1..2]), [Violated]);
    let trace = not_reentrant
        .result("TH-S4")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    assert!(
        trace
            .steps
            .iter()
            .any(|s| s.thread == Some(0) && s.action == "r.acquire(): held by T0, blocks"),
        "{}",
        trace.to_text()
    );
    // An RLock whose release() frees it at once: the owner loses it inside its outer level,
    // and its second release() raises.
    let frees = explore(
        &rlock_script(V::RlockReleaseFrees),
        "rlock",
        V::RlockReleaseFrees,
    );
    assert_eq!(verdicts(&frees, &["TH-S3", "TH-S5"]), [Violated, Violated]);
}

// ---------------------------------------------------------------------------------------------
// Condition on an RLock: T0 `r.acquire(); r.acquire(); cond.wait(); r.release(); r.release()`,
// T1 `while len(cond._waiters) < 1: pass; r.acquire(); cond.notify(); r.release()`.

fn rlock_condition_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 2);
    let r = py.rlock("r");
    let cond = py.condition("cond", r);
    let t0 = vec![
        Line::Call(r.acquire()),
        Line::Call(r.acquire()),
        Line::Call(cond.wait()),
        Line::Call(r.release()),
        Line::Call(r.release()),
    ];
    let t1 = vec![
        Line::AwaitWaiters(cond, 1),
        Line::Call(r.acquire()),
        Line::Call(cond.notify(1)),
        Line::Call(r.release()),
    ];
    Script::new(py, vec![t0, t1], || {
        vec![
            Property::deadlock_free(
                "TH-S6",
                "cond.wait() on an RLock held twice releases it completely, so the notifier \
                 gets it, and restores the count: both threads finish",
                "Lib/threading.py: Condition.wait; Modules/_threadmodule.c: rlock_release_save, \
                 rlock_acquire_restore (3.10-3.13)",
            ),
            Property::always(
                "TH-S7",
                "asleep in cond.wait(), the waiter does not own the RLock (_release_save freed \
                 every level); back from it, it owns it at the count it had (2)",
                "Modules/_threadmodule.c: rlock_release_save, rlock_acquire_restore (3.10-3.13)",
                |m: &Script, s: &ScriptState| {
                    (!s.py.asleep(0) || s.py.holder[0] != 0)
                        && (!m.between(s, 0, 2, 3) || (s.py.holder[0] == 0 && s.py.count[0] == 2))
                },
            ),
        ]
    })
}

#[test]
fn condition_wait_saves_and_restores_an_rlocks_count() {
    let real = explore(
        &rlock_condition_script(V::Cpython),
        "rlock-cond",
        V::Cpython,
    );
    assert_eq!(verdicts(&real, &["TH-S6", "TH-S7"]), [Holds, Holds]);
    // Releasing one level only: the waiter sleeps owning the RLock, the notifier blocks on it.
    let once = explore(
        &rlock_condition_script(V::ReleaseSaveOnce),
        "rlock-cond",
        V::ReleaseSaveOnce,
    );
    assert_eq!(verdicts(&once, &["TH-S6", "TH-S7"]), [Violated, Violated]);
    let text = once
        .result("TH-S6")
        .unwrap()
        .trace
        .as_ref()
        .unwrap()
        .to_text();
    assert!(text.contains("r.acquire(): held by T0, blocks"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Condition, a notify spent on an expired waiter. Lock `lock`, `cond = Condition(lock)`, 3
// threads: T0 `with lock: cond.wait(timeout)`, T1 `with lock: cond.wait()`, T2 (once T1 is in
// `cond._waiters`) `with lock: cond.notify()`, one or more times.

/// The lines of `with lock: cond.<wait>`.
fn with_wait(lock: LockId, wait: Call) -> Vec<Line> {
    vec![
        Line::Call(lock.acquire()),
        Line::Call(wait),
        Line::Call(lock.release()),
    ]
}

fn spent_notify_script(variant: V, notifies: usize) -> Script {
    let mut py = Threading::new(variant, 3);
    let lock = py.lock("lock");
    let cond = py.condition("cond", lock);
    let mut t2 = vec![Line::AwaitQueued(cond, 1), Line::Call(lock.acquire())];
    t2.extend(vec![Line::Call(cond.notify(1)); notifies]);
    t2.push(Line::Call(lock.release()));
    let scripts = vec![
        with_wait(lock, cond.wait_timeout()),
        with_wait(lock, cond.wait()),
        t2,
    ];
    Script::new(py, scripts, || {
        vec![
            Property::sometimes_step(
                "TH-R2",
                "a notify() is spent on a waiter whose timed wait already expired, while \
                 another waiter stays asleep",
                "Lib/threading.py: Condition.wait, Condition.notify (3.10.13-3.13)",
                |_, _, a: &Action<u8>, after: &ScriptState| {
                    matches!(a.step, Step::Notify { spent, .. } if spent != 0)
                        && (0..3).any(|t| after.py.asleep(t))
                },
            ),
            Property::always(
                "TH-S8",
                "when the timed wait returns False, the notify went to the other waiter: once \
                 the notifier has finished, T1 is not asleep",
                "Lib/threading.py: Condition.wait, Condition.notify (3.10.13-3.13)",
                |m: &Script, s| {
                    let gave_up = m.completed(s, 0, 1) && !m.returned(s, 0, 1);
                    !(gave_up && m.finished(s, 2) && s.py.asleep(1))
                },
            )
            .with_premise("the timed wait returns False", |m: &Script, s| {
                m.completed(s, 0, 1) && !m.returned(s, 0, 1)
            }),
        ]
    })
}

#[test]
fn a_notify_can_be_spent_on_a_waiter_whose_timed_wait_expired() {
    let real = explore(
        &spent_notify_script(V::Cpython, 1),
        "spent-notify",
        V::Cpython,
    );
    // CPython: reachable, and then T1 sleeps forever: T2's one notify went to T0, which had
    // already given up.
    assert_eq!(verdicts(&real, &["TH-R2", "TH-S8"]), [Holds, Violated]);
    let witness = real.result("TH-R2").unwrap().trace.as_ref().unwrap();
    let text = witness.to_text();
    println!("{text}");
    let labels: Vec<(Option<usize>, &str)> = witness
        .steps
        .iter()
        .map(|s| (s.thread, s.action.as_str()))
        .collect();
    let timed_out = labels
        .iter()
        .position(|&l| l == (Some(0), "cond.wait(timeout): times out"))
        .expect("T0's wait times out");
    let notify = labels
        .iter()
        .position(|&(t, a)| {
            t == Some(2) && a.starts_with("cond.notify(): wakes T0 (its wait had timed out")
        })
        .expect("T2's notify goes to T0");
    assert!(timed_out < notify, "{text}");
    let asleep = real.result("TH-S8").unwrap().trace.as_ref().unwrap();
    assert!(asleep
        .to_text()
        .contains("its waiter lock is gone (a notify was spent on it)"));
    // A notify that passed over expired waiters would wake T1 instead.
    let skip = explore(
        &spent_notify_script(V::NotifySkipsExpired, 1),
        "spent-notify",
        V::NotifySkipsExpired,
    );
    assert_eq!(verdicts(&skip, &["TH-R2", "TH-S8"]), [Violated, Holds]);
}

// ---------------------------------------------------------------------------------------------
// notify_all: T0, T1 `with lock: cond.wait()`, T2 `while len(cond._waiters) < 2: pass;
// with lock: cond.notify_all()`.

fn notify_all_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 3);
    let lock = py.lock("lock");
    let cond = py.condition("cond", lock);
    let t2 = vec![
        Line::AwaitWaiters(cond, 2),
        Line::Call(lock.acquire()),
        Line::Call(cond.notify_all()),
        Line::Call(lock.release()),
    ];
    let scripts = vec![
        with_wait(lock, cond.wait()),
        with_wait(lock, cond.wait()),
        t2,
    ];
    Script::new(py, scripts, || {
        vec![
            Property::always(
                "TH-S9",
                "after notify_all() no waiter is asleep",
                "Lib/threading.py: Condition.notify_all (3.10-3.13)",
                |m: &Script, s| !m.completed(s, 2, 2) || (0..2).all(|t| !s.py.asleep(t)),
            ),
            Property::deadlock_free(
                "TH-S10",
                "no deadlock: both waiters return and every thread finishes",
                "Lib/threading.py: Condition.wait, Condition.notify_all (3.10-3.13)",
            ),
        ]
    })
}

#[test]
fn notify_all_wakes_every_waiter() {
    let ids = ["TH-S9", "TH-S10"];
    let real = explore(&notify_all_script(V::Cpython), "notify-all", V::Cpython);
    assert_eq!(verdicts(&real, &ids), [Holds, Holds]);
    let one = explore(
        &notify_all_script(V::NotifyAllWakesOne),
        "notify-all",
        V::NotifyAllWakesOne,
    );
    assert_eq!(verdicts(&one, &ids), [Violated, Violated]);
}

// ---------------------------------------------------------------------------------------------
// Event: T0 `ev.wait()`, T1 `ev.set()` (and, for TH-R3, `ev.clear()` after it).

fn event_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 2);
    let ev = py.event("ev");
    let scripts = vec![vec![Line::Call(ev.wait())], vec![Line::Call(ev.set())]];
    Script::new(py, scripts, || {
        vec![Property::deadlock_free(
            "TH-S11",
            "ev.wait() returns after ev.set(): no deadlock",
            "Lib/threading.py: Event.set, Event.wait (3.10-3.13)",
        )]
    })
}

fn event_clear_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 2);
    let ev = py.event("ev");
    let scripts = vec![
        vec![Line::Call(ev.wait())],
        vec![Line::Call(ev.set()), Line::Call(ev.clear())],
    ];
    Script::new(py, scripts, || {
        vec![Property::sometimes_step(
            "TH-R3",
            "ev.wait() returns True although the flag is clear again (a set() woke it, a \
             clear() came before it had the lock back)",
            "Lib/threading.py: Event.wait returns Condition.wait's result (3.10-3.13)",
            |_, before: &ScriptState, a: &Action<u8>, _| {
                a.thread == 0
                    && matches!(
                        a.step,
                        Step::Release {
                            returns: Some(true),
                            ..
                        }
                    )
                    && !before.py.flag(0)
            },
        )]
    })
}

#[test]
fn event_wait_returns_after_set() {
    let real = explore(&event_script(V::Cpython), "event", V::Cpython);
    assert_eq!(verdicts(&real, &["TH-S11"]), [Holds]);
    let cleared = explore(&event_clear_script(V::Cpython), "event-clear", V::Cpython);
    assert_eq!(verdicts(&cleared, &["TH-R3"]), [Holds]);
    // A set() that notifies nobody leaves a waiter that went to sleep before it asleep; a
    // waiter can then only return by finding the flag set, so never with the flag clear.
    let silent = explore(&event_script(V::NoNotify), "event", V::NoNotify);
    assert_eq!(verdicts(&silent, &["TH-S11"]), [Violated]);
    let silent = explore(&event_clear_script(V::NoNotify), "event-clear", V::NoNotify);
    assert_eq!(verdicts(&silent, &["TH-R3"]), [Violated]);
}

/// Event, 2 threads: T0 `ev.wait(timeout)`, T1 `ev.set()`.
fn timed_event_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 2);
    let ev = py.event("ev");
    let scripts = vec![
        vec![Line::Call(ev.wait_timeout())],
        vec![Line::Call(ev.set())],
    ];
    Script::new(py, scripts, || {
        vec![Property::sometimes(
            "TH-R4",
            "ev.wait(timeout) returns False after ev.set() has run (it timed out first)",
            "Lib/threading.py: Event.wait (3.10-3.13)",
            |m: &Script, s| m.completed(s, 0, 0) && !m.returned(s, 0, 0) && m.finished(s, 1),
        )]
    })
}

#[test]
fn an_event_wait_with_a_timeout_can_return_false() {
    let real = explore(&timed_event_script(V::Cpython), "timed-event", V::Cpython);
    assert_eq!(verdicts(&real, &["TH-R4"]), [Holds]);
}

// ---------------------------------------------------------------------------------------------
// Semaphore(2), 3 threads, each `sem.acquire(); <inside>; sem.release()`.

fn semaphore_script(variant: V) -> Script {
    let mut py = Threading::new(variant, 3);
    let sem = py.semaphore("sem", 2);
    let body = vec![
        Line::Call(sem.acquire()),
        Line::Mark("inside"),
        Line::Call(sem.release(1)),
    ];
    Script::new(py, vec![body.clone(), body.clone(), body], || {
        vec![
            Property::always(
                "TH-S13",
                "sem._value never goes below 0",
                "Lib/threading.py: Semaphore.acquire (3.10-3.13)",
                |_, s: &ScriptState| s.py.values[0] >= 0,
            ),
            Property::always(
                "TH-S14",
                "at most 2 threads (the initial value) are between sem.acquire() and \
                 sem.release()",
                "Lib/threading.py: Semaphore.acquire, Semaphore.release (3.10-3.13)",
                |m: &Script, s| (0..3).filter(|&t| m.between(s, t, 0, 2)).count() <= 2,
            ),
            Property::deadlock_free(
                "TH-S15",
                "no deadlock: a thread waiting in sem.acquire() is woken by a release()",
                "Lib/threading.py: Semaphore.acquire, Semaphore.release (3.10-3.13)",
            ),
            Property::sometimes(
                "TH-R5",
                "a thread waits in sem.acquire() (the waiting path is exercised)",
                "Lib/threading.py: Semaphore.acquire (3.10-3.13)",
                |_, s: &ScriptState| (0..3).any(|t| s.py.asleep(t)),
            ),
        ]
    })
}

#[test]
fn a_semaphore_never_goes_negative_and_admits_at_most_its_value() {
    let ids = ["TH-S13", "TH-S14", "TH-S15", "TH-R5"];
    let real = explore(&semaphore_script(V::Cpython), "semaphore", V::Cpython);
    assert_eq!(verdicts(&real, &ids), [Holds, Holds, Holds, Holds]);
    let greedy = explore(
        &semaphore_script(V::SemaphoreNoWait),
        "semaphore",
        V::SemaphoreNoWait,
    );
    assert_eq!(
        verdicts(&greedy, &ids),
        [Violated, Violated, Holds, Violated]
    );
    // A release() that notifies nobody leaves a waiter asleep for good.
    let silent = explore(&semaphore_script(V::NoNotify), "semaphore", V::NoNotify);
    assert_eq!(verdicts(&silent, &ids), [Holds, Holds, Violated, Holds]);
}

// ---------------------------------------------------------------------------------------------
// The twin primitives, replayed on the scripts above under loom and shuttle.

fn twin(name: &'static str, script: Script, ticks: usize) -> ScriptTwin {
    ScriptTwin {
        name,
        script,
        ticks,
    }
}

/// A twin that also notes whether some run logged a notify spent on an expired waiter.
struct Spotting {
    inner: ScriptTwin,
    spent: Arc<AtomicBool>,
}

impl Twin for Spotting {
    type Spec = Script;

    fn spec(&self, backend: &str) -> Script {
        self.inner.spec(backend)
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        self.inner.meta(backend)
    }

    fn run<B: Backend>(&self, log: &Log<Action<u8>>) {
        self.inner.run::<B>(log);
        let spent = |a: &Action<u8>| matches!(a.step, Step::Notify { spent, .. } if spent != 0);
        if log.snapshot().iter().any(spent) {
            self.spent.store(true, Ordering::Relaxed);
        }
    }
}

#[test]
fn loom_pb2_and_shuttle_the_lock_twin_refines_the_spec_and_the_bad_lock_is_caught() {
    passes(check_loom(
        twin("lock", lock_script(V::Cpython), 0),
        LOOM_BOUND,
    ));
    passes(check_shuttle_random(
        twin("lock", lock_script(V::Cpython), 0),
        SHUTTLE_ITERATIONS,
    ));
    let bad = || twin("lock", lock_script(V::LockIgnoresHolder), 0);
    let failure = fails(check_loom(bad(), LOOM_BOUND));
    assert_eq!(
        failure.trace.property.as_deref(),
        Some("TH-S1"),
        "{}",
        failure.message
    );
    let failure = fails(check_shuttle_pct(bad(), SHUTTLE_ITERATIONS, PCT_DEPTH));
    assert_eq!(
        failure.trace.property.as_deref(),
        Some("TH-S1"),
        "{}",
        failure.message
    );
}

#[test]
fn loom_pb2_and_shuttle_a_timed_acquire_times_out_under_virtual_time() {
    // T1's `lock.acquire(timeout=...)` with one tick of the clock: loom explores runs where it
    // times out (TH-R1's trace) and runs where it gets the lock.
    passes(check_loom(
        twin("timed-lock", timed_lock_script(V::Cpython), 1),
        LOOM_BOUND,
    ));
    passes(check_shuttle_random(
        twin("timed-lock", timed_lock_script(V::Cpython), 1),
        SHUTTLE_ITERATIONS,
    ));
}

#[test]
fn loom_pb2_and_shuttle_the_rlock_condition_twin_refines_the_spec() {
    let real = || twin("rlock-cond", rlock_condition_script(V::Cpython), 0);
    passes(check_loom(real(), LOOM_BOUND));
    passes(check_shuttle_pct(real(), SHUTTLE_ITERATIONS, PCT_DEPTH));
    // Releasing one level only deadlocks, and loom says so.
    let once = twin("rlock-cond", rlock_condition_script(V::ReleaseSaveOnce), 0);
    let failure = fails(check_loom(once, LOOM_BOUND));
    assert!(failure.message.contains("deadlock"), "{}", failure.message);
    // RLock alone: reentrant, and the replay checks TH-S3 and TH-S5 on every run.
    passes(check_loom(
        twin("rlock", rlock_script(V::Cpython), 0),
        LOOM_BOUND,
    ));
    let frees = twin("rlock", rlock_script(V::RlockReleaseFrees), 0);
    let failure = fails(check_shuttle_random(frees, SHUTTLE_ITERATIONS));
    assert!(failure.message.contains("TH-S3"), "{}", failure.message);
}

#[test]
fn loom_pb2_and_shuttle_a_tick_times_out_one_waiter_and_a_notify_can_be_spent_on_it() {
    // T2 notifies twice, so T1 is always woken and every run ends; with one tick, loom reaches
    // the run where T0's wait has expired when the first notify comes, and that notify is spent
    // on it.
    let spotting = |spent: &Arc<AtomicBool>| Spotting {
        inner: twin("spent-notify", spent_notify_script(V::Cpython, 2), 1),
        spent: Arc::clone(spent),
    };
    let loom_saw = Arc::new(AtomicBool::new(false));
    passes(check_loom(spotting(&loom_saw), LOOM_BOUND));
    assert!(
        loom_saw.load(Ordering::Relaxed),
        "loom never spent a notify"
    );
    let shuttle_saw = Arc::new(AtomicBool::new(false));
    passes(check_shuttle_random(
        spotting(&shuttle_saw),
        SHUTTLE_ITERATIONS,
    ));
    assert!(
        shuttle_saw.load(Ordering::Relaxed),
        "shuttle never spent a notify"
    );
    // With one notify, loom finds the run that leaves T1 asleep: a deadlock.
    let once = twin("spent-notify", spent_notify_script(V::Cpython, 1), 1);
    let failure = fails(check_loom(once, LOOM_BOUND));
    assert!(failure.message.contains("deadlock"), "{}", failure.message);
}

#[test]
fn loom_pb2_and_shuttle_event_and_notify_all_twins_refine_the_spec() {
    passes(check_loom(
        twin("event", event_script(V::Cpython), 0),
        LOOM_BOUND,
    ));
    passes(check_shuttle_random(
        twin("event", event_script(V::Cpython), 0),
        SHUTTLE_ITERATIONS,
    ));
    passes(check_loom(
        twin("timed-event", timed_event_script(V::Cpython), 1),
        LOOM_BOUND,
    ));
    passes(check_shuttle_pct(
        twin("notify-all", notify_all_script(V::Cpython), 0),
        SHUTTLE_ITERATIONS,
        PCT_DEPTH,
    ));
    let silent = twin("event", event_script(V::NoNotify), 0);
    let failure = fails(check_loom(silent, LOOM_BOUND));
    assert!(failure.message.contains("deadlock"), "{}", failure.message);
}

#[test]
fn loom_pb2_and_shuttle_the_semaphore_twin_refines_the_spec_and_no_wait_is_caught() {
    passes(check_shuttle_random(
        twin("semaphore", semaphore_script(V::Cpython), 0),
        SHUTTLE_ITERATIONS,
    ));
    passes(check_shuttle_pct(
        twin("semaphore", semaphore_script(V::Cpython), 0),
        SHUTTLE_ITERATIONS,
        PCT_DEPTH,
    ));
    passes(check_loom(
        twin("semaphore", semaphore_script(V::Cpython), 0),
        Some(1),
    ));
    let greedy = twin("semaphore", semaphore_script(V::SemaphoreNoWait), 0);
    let failure = fails(check_shuttle_random(greedy, SHUTTLE_ITERATIONS));
    assert!(failure.message.contains("TH-S1"), "{}", failure.message);
}
