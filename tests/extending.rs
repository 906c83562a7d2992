//! The example model (examples/producer_consumer/), written only against the public API, run
//! through `gilcheck::suite::Suite` on every backend: so the API cannot silently break, and the
//! guide (docs/extending.md) stays true.

#[path = "../examples/producer_consumer/model.rs"]
#[allow(dead_code)]
mod model;

use gilcheck::explore::Verdict::{self, Holds, Violated};
use gilcheck::model::Config;
use gilcheck::suite::{Suite, SuiteReport};
use model::{PcVariant, ProducerConsumer, ProducerConsumerTwin};

const THREADS: usize = 3;
/// The twin runs CPython's own lock and condition code step by step (`models/threading/`), so
/// loom's exhaustive search no longer ends in minutes: it runs with this preemption bound.
const LOOM_BOUND: Option<usize> = Some(3);

fn run(variant: PcVariant) -> SuiteReport {
    let config = Config::threads(THREADS);
    Suite::new(
        ProducerConsumer::new(variant, config.clone()),
        "producer-consumer",
        variant,
        config,
    )
    .walks(100, 200)
    .run_with_twin(
        || ProducerConsumerTwin {
            variant,
            threads: THREADS,
        },
        LOOM_BOUND,
        1_000,
    )
}

fn verdicts(report: &SuiteReport) -> Vec<Verdict> {
    ["PC-S1", "PC-S2", "PC-R1", "PC-L1"]
        .iter()
        .map(|id| report.verdict(id).unwrap())
        .collect()
}

#[test]
fn the_faithful_variant_holds_on_every_backend() {
    let report = run(PcVariant::WhileLoop);
    assert_eq!(verdicts(&report), [Holds, Holds, Holds, Holds]);
    assert!(report.failures().is_empty(), "{}", report.summary());
    assert_eq!(report.walks.len(), 2);
    assert_eq!(report.twins.len(), 3);
    let loom = &report.twins[0];
    assert!(loom.backend.starts_with("loom"));
    assert!(
        *loom.outcome.as_ref().unwrap() > 1_000,
        "{}",
        report.summary()
    );
}

#[test]
fn a_wait_under_if_pops_an_empty_buffer_on_every_backend() {
    let report = run(PcVariant::IfInsteadOfWhile);
    assert_eq!(verdicts(&report), [Violated, Holds, Holds, Holds]);
    for walks in &report.walks {
        let trace = walks.failure.as_ref().expect(walks.backend);
        assert_eq!(
            trace.property.as_deref(),
            Some("PC-S1"),
            "{}",
            walks.backend
        );
    }
    for twin in &report.twins {
        let trace = twin.outcome.as_ref().expect_err(&twin.backend);
        assert_eq!(trace.property.as_deref(), Some("PC-S1"), "{}", twin.backend);
    }
    // The explicit counterexample is the shortest: one consumer takes the item another was
    // woken for.
    let shortest = report
        .explicit
        .result("PC-S1")
        .unwrap()
        .trace
        .as_ref()
        .unwrap();
    assert!(shortest
        .steps
        .last()
        .unwrap()
        .action
        .starts_with("items.pop()"));
    assert!(shortest
        .steps
        .iter()
        .any(|s| s.action.starts_with("cond.wait()")));
}

#[test]
fn notify_one_can_wake_the_wrong_thread_and_deadlock() {
    let report = run(PcVariant::NotifyOne);
    assert_eq!(verdicts(&report), [Holds, Violated, Holds, Violated]);
    for walks in &report.walks {
        let trace = walks.failure.as_ref().expect(walks.backend);
        assert_eq!(
            trace.property.as_deref(),
            Some("PC-S2"),
            "{}",
            walks.backend
        );
    }
    // loom explores every wake-up order and reports the deadlock.
    let loom = report.twins[0].outcome.as_ref().expect_err("loom finds it");
    assert!(loom.outcome.contains("deadlock"), "{}", loom.outcome);
}
