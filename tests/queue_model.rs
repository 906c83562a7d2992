//! `queue.Queue` (examples/queue/), a model written only against the public API on Python's
//! own primitives, run through `gilcheck::suite::Suite`: the explicit checker, quickcheck and
//! proptest walks, and its twin under loom (preemption bound 2) and shuttle (1,000 random and
//! PCT schedules). 4 threads: two putters, two getters, `Queue(1)` (or `Queue()`).

#[path = "../examples/queue/model.rs"]
#[allow(dead_code)]
mod model;

use gilcheck::explore::Verdict::{self, Holds, Violated};
use gilcheck::model::Config;
use gilcheck::suite::{Suite, SuiteReport};
use model::{QueueModel, QueueTwin, QueueVariant, THREADS};

fn run(variant: QueueVariant) -> SuiteReport {
    Suite::new(
        QueueModel::new(variant),
        "queue",
        variant,
        Config::threads(THREADS),
    )
    .walks(100, 200)
    .run_with_twin(|| QueueTwin { variant }, Some(2), 1_000)
}

fn verdicts(report: &SuiteReport) -> Vec<Verdict> {
    ["QU-S1", "QU-S2", "QU-R1"]
        .iter()
        .map(|id| report.verdict(id).unwrap())
        .collect()
}

#[test]
fn queue_holds_on_every_backend() {
    let report = run(QueueVariant::Queue);
    assert_eq!(
        verdicts(&report),
        [Holds, Holds, Holds],
        "{}",
        report.summary()
    );
    assert!(report.failures().is_empty(), "{}", report.summary());
    assert_eq!(report.twins.len(), 3);
}

#[test]
fn an_unbounded_queue_never_makes_a_put_wait() {
    let report = run(QueueVariant::Unbounded);
    assert_eq!(
        verdicts(&report),
        [Holds, Holds, Violated],
        "{}",
        report.summary()
    );
    // QU-R1 is a reachability property: its violation has no trace, and no other backend
    // fails.
    assert!(report.walks.iter().all(|w| w.failure.is_none()));
    assert!(
        report.twins.iter().all(|t| t.outcome.is_ok()),
        "{}",
        report.summary()
    );
}

#[test]
fn one_condition_for_both_wakes_the_wrong_kind_and_deadlocks() {
    let report = run(QueueVariant::OneCondition);
    assert_eq!(
        verdicts(&report),
        [Holds, Violated, Holds],
        "{}",
        report.summary()
    );
    let trace = report
        .explicit
        .result("QU-S2")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    // Some notify() wakes a thread of its own kind (a getter a getter, or a putter a putter).
    let same_kind = |s: &gilcheck::trace::Step| {
        let Some(t) = s.thread else { return false };
        let peers = if t < 2 { [0, 1] } else { [2, 3] };
        peers
            .iter()
            .any(|p| s.action == format!("not_empty.notify(): wakes T{p}"))
    };
    assert!(trace.steps.iter().any(same_kind), "{}", trace.to_text());
    let loom = report.twins[0].outcome.as_ref().expect_err("loom finds it");
    assert!(loom.outcome.contains("deadlock"), "{}", loom.outcome);
}

#[test]
fn if_instead_of_while_overfills_or_underflows_on_every_backend() {
    let report = run(QueueVariant::IfNotWhile);
    assert_eq!(
        verdicts(&report),
        [Violated, Holds, Holds],
        "{}",
        report.summary()
    );
    for walks in &report.walks {
        let trace = walks.failure.as_ref().expect(walks.backend);
        assert_eq!(
            trace.property.as_deref(),
            Some("QU-S1"),
            "{}",
            walks.backend
        );
    }
    for twin in &report.twins {
        let trace = twin.outcome.as_ref().expect_err(&twin.backend);
        assert_eq!(trace.property.as_deref(), Some("QU-S1"), "{}", twin.backend);
    }
}
