//! Interpreters with their own GIL (PEP 684): bytecode runs in parallel across interpreters,
//! and that is safe only while no mortal object is shared.

use gilcheck::exec::twin_meta;
use gilcheck::explore::{check, Options, Report, Verdict};
use gilcheck::model::Config;
use gilcheck::models::own_gil::{OwnGilModel, OwnGilVariant};

fn run(variant: OwnGilVariant, threads: usize) -> Report {
    let meta = twin_meta("own-gil", variant, Config::threads(threads), "explicit");
    check(
        &OwnGilModel::new(variant, &Config::threads(threads)),
        &meta,
        &Options::default(),
    )
}

fn verdicts(report: &Report) -> Vec<(&str, Verdict)> {
    report
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.verdict))
        .collect()
}

#[test]
fn own_gils_run_in_parallel_and_isolation_keeps_counts_exact() {
    for threads in 2..=3 {
        let report = run(OwnGilVariant::OwnGil, threads);
        assert_eq!(
            verdicts(&report),
            [
                ("OWN-S1", Verdict::Holds),
                ("OWN-S2", Verdict::Holds),
                ("OWN-R1", Verdict::Holds)
            ],
            "{threads} threads"
        );
    }
}

#[test]
fn one_shared_gil_never_runs_two_interpreters_at_once() {
    let report = run(OwnGilVariant::SharedGil, 3);
    assert_eq!(report.verdict("OWN-S2"), Some(Verdict::Holds));
    assert_eq!(report.verdict("OWN-R1"), Some(Verdict::Violated));
}

#[test]
fn a_mortal_object_shared_across_own_gils_loses_an_update() {
    let report = run(OwnGilVariant::SharesMortalObject, 2);
    let result = report.result("OWN-S2").unwrap();
    assert_eq!(result.verdict, Verdict::Violated);
    let trace = result.trace.as_ref().unwrap();
    // Both threads read the same count before either writes: each under its own GIL.
    let reads: Vec<usize> = trace
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.action == "reads ob_refcnt(obj0) = 1")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(reads.len(), 2, "{}", trace.to_text());
    let first_write = trace
        .steps
        .iter()
        .position(|s| s.action.starts_with("writes ob_refcnt(obj0)"))
        .expect("a write");
    assert!(reads[1] < first_write, "{}", trace.to_text());
    let last = &trace.steps.last().unwrap().state;
    assert!(last.contains("GIL 0: locked=1") && last.contains("GIL 1: locked=1"));
}

#[test]
fn without_exclusion_two_threads_of_one_interpreter_hold_its_gil() {
    let report = run(OwnGilVariant::NoGil, 3);
    assert_eq!(report.verdict("OWN-S1"), Some(Verdict::Violated));
    // At 2 threads each GIL has one thread: nothing to exclude.
    assert_eq!(
        run(OwnGilVariant::NoGil, 2).verdict("OWN-S1"),
        Some(Verdict::Holds)
    );
}
