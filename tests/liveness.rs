//! Liveness under fairness on small hand-made locks whose answers are known by hand, including
//! ones where the fairness assumption decides the verdict.

use gilcheck::explore::{check, Options, Report, Verdict};
use gilcheck::model::{Check, Config, Fairness, Model, Property};
use gilcheck::trace::TraceMeta;

/// Where a thread is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum At {
    Idle,
    Trying,
    Critical,
}

/// Two threads looping idle → trying → critical → idle around one lock.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lock {
    /// Test-and-set: a trying thread takes the lock whenever it finds it free.
    Spin,
    /// Test-and-set, and a trying thread may also spin (re-read the lock) without taking it.
    SpinWithRetry,
    /// FIFO hand-off: releasing the lock gives it to the trying thread, if any.
    Handoff,
    /// The lock is never released: the holder stays critical forever once in.
    Stuck,
}

/// (each thread's place, the lock's holder)
type LockState = ([At; 2], Option<usize>);

/// Steps: (thread, 0 = advance, 1 = spin).
type Step = (usize, u8);

struct Locks {
    lock: Lock,
}

impl Model for Locks {
    type State = LockState;
    type Action = Step;

    fn init_states(&self) -> Vec<LockState> {
        vec![([At::Idle, At::Idle], None)]
    }
    fn actions(&self, s: &LockState, out: &mut Vec<Step>) {
        for t in 0..2 {
            match s.0[t] {
                At::Idle => out.push((t, 0)),
                At::Trying => {
                    if s.1.is_none() {
                        out.push((t, 0));
                    }
                    if self.lock == Lock::SpinWithRetry {
                        out.push((t, 1));
                    }
                }
                At::Critical => {
                    if self.lock != Lock::Stuck {
                        out.push((t, 0));
                    }
                }
            }
        }
    }
    fn next_state(&self, s: &LockState, &(t, kind): &Step) -> LockState {
        let (mut at, mut holder) = *s;
        if kind == 1 {
            return (at, holder);
        }
        match at[t] {
            At::Idle => at[t] = At::Trying,
            At::Trying => {
                at[t] = At::Critical;
                holder = Some(t);
            }
            At::Critical => {
                at[t] = At::Idle;
                holder = None;
                let other = 1 - t;
                if self.lock == Lock::Handoff && at[other] == At::Trying {
                    at[other] = At::Critical;
                    holder = Some(other);
                }
            }
        }
        (at, holder)
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "LOCK-L1",
                statement: "a trying thread eventually enters its critical section",
                source: "none: a hand-made lock of this test",
                premise: None,
                check: Check::LeadsTo {
                    from: |_, s: &LockState, t| s.0[t] == At::Trying,
                    to: |_, s: &LockState, t| s.0[t] == At::Critical,
                    each_thread: true,
                    fairness: Fairness::WeakThread,
                },
            },
            Property {
                id: "LOCK-L2",
                statement: "the lock is free infinitely often",
                source: "none: a hand-made lock of this test",
                premise: None,
                check: Check::LeadsTo {
                    from: |_, _, _| true,
                    to: |_, s: &LockState, _| s.1.is_none(),
                    each_thread: false,
                    fairness: Fairness::WeakThread,
                },
            },
        ]
    }
    fn actor(&self, &(t, _): &Step) -> Option<usize> {
        Some(t)
    }
    fn thread_count(&self) -> usize {
        2
    }
    fn format_action(&self, &(t, kind): &Step) -> String {
        format!("T{t} {}", if kind == 1 { "spins" } else { "advances" })
    }
    fn format_state(&self, s: &LockState) -> String {
        format!("{s:?}")
    }
}

fn meta() -> TraceMeta {
    TraceMeta {
        model: "locks".into(),
        variant: "test".into(),
        config: Config::threads(2),
        backend: "explicit".into(),
    }
}

fn run(lock: Lock, fairness: Fairness) -> Report {
    let options = Options {
        fairness: Some(fairness),
        ..Options::default()
    };
    check(&Locks { lock }, &meta(), &options)
}

#[test]
fn a_fifo_handoff_lock_is_live_under_weak_fairness_but_may_never_be_free() {
    for fairness in Fairness::ALL {
        let report = run(Lock::Handoff, fairness);
        assert_eq!(
            report.verdict("LOCK-L1"),
            Some(Verdict::Holds),
            "{fairness:?}"
        );
        // Hand-offs can pass the lock from holder to holder forever.
        let result = report.result("LOCK-L2").unwrap();
        assert_eq!(result.verdict, Verdict::Violated, "{fairness:?}");
        let trace = result.trace.as_ref().unwrap();
        let cycle = trace.cycle.expect("a cycle");
        assert!(trace.steps[cycle..]
            .iter()
            .all(|s| !s.state.ends_with("None)")));
    }
    // The spin lock releases before anyone else takes it: free infinitely often.
    assert_eq!(
        run(Lock::Spin, Fairness::WeakThread).verdict("LOCK-L2"),
        Some(Verdict::Holds)
    );
}

#[test]
fn a_spin_lock_starves_a_thread_under_weak_fairness_only() {
    let report = run(Lock::Spin, Fairness::WeakThread);
    let result = report.result("LOCK-L1").unwrap();
    assert_eq!(result.verdict, Verdict::Violated);
    let trace = result.trace.as_ref().unwrap();
    let cycle = trace.cycle.expect("a starvation lasso has a cycle");
    // The starved thread never moves in the cycle: it is trying, and the lock is never free
    // when it is scheduled.
    let starved = if trace.outcome.contains("thread T0") {
        0
    } else {
        1
    };
    assert!(trace.steps[cycle..]
        .iter()
        .all(|s| s.thread != Some(starved)));
    assert!(trace.to_text().contains("--- cycle: steps"));
    // Strong fairness per thread: the free lock is offered infinitely often, so it is taken.
    let report = run(Lock::Spin, Fairness::StrongThread);
    assert_eq!(report.verdict("LOCK-L1"), Some(Verdict::Holds));
}

#[test]
fn a_spin_lock_with_retries_needs_strong_fairness_per_step() {
    // The trying thread always has a step (spin), so per-thread fairness is satisfied by
    // spinning forever.
    for fairness in [Fairness::WeakThread, Fairness::StrongThread] {
        let report = run(Lock::SpinWithRetry, fairness);
        assert_eq!(
            report.verdict("LOCK-L1"),
            Some(Verdict::Violated),
            "{fairness:?}"
        );
    }
    let report = run(Lock::SpinWithRetry, Fairness::StrongAction);
    assert_eq!(report.verdict("LOCK-L1"), Some(Verdict::Holds));
}

#[test]
fn a_lock_never_released_fails_under_every_fairness() {
    for fairness in Fairness::ALL {
        let report = run(Lock::Stuck, fairness);
        let result = report.result("LOCK-L2").unwrap();
        assert_eq!(result.verdict, Verdict::Violated, "{fairness:?}");
        // The other thread gets stuck trying; the run stops (nothing is enabled).
        let trace = result.trace.as_ref().unwrap();
        assert_eq!(trace.cycle, None, "{}", trace.to_text());
        assert!(trace.outcome.contains("the run stops here"));
    }
}

#[test]
fn a_state_limit_makes_liveness_inconclusive() {
    let options = Options {
        max_states: 3,
        ..Options::default()
    };
    let report = check(
        &Locks {
            lock: Lock::Handoff,
        },
        &meta(),
        &options,
    );
    assert_eq!(report.verdict("LOCK-L1"), Some(Verdict::Inconclusive));
}
