//! Two interpreters sharing one GIL: where each version keeps the drop request decides whether
//! a holder in one interpreter hears a waiter of the other.

use gilcheck::exec::twin_meta;
use gilcheck::explore::{check, Options, Report, Verdict};
use gilcheck::model::Config;
use gilcheck::models::subinterpreters::{SubVariant, Subinterpreters};

fn run(variant: SubVariant, threads: usize) -> Report {
    let meta = twin_meta(
        "subinterpreters",
        variant,
        Config::threads(threads),
        "explicit",
    );
    let model = Subinterpreters::new(variant, &Config::threads(threads));
    check(&model, &meta, &Options::default())
}

#[test]
fn up_to_3_12_a_holder_never_hears_a_waiter_of_the_other_interpreter() {
    let report = run(SubVariant::PerInterpreter, 2);
    assert_eq!(report.verdict("SUB-S1"), Some(Verdict::Holds));
    for id in ["SUB-L1", "SUB-L2"] {
        assert_eq!(report.verdict(id), Some(Verdict::Violated), "{id}");
    }
    // The lasso: the waiter's timed-out wait sets its own interpreter's request, for ever,
    // while the holder of the other interpreter runs and polls its own, which stays clear.
    let trace = report.result("SUB-L1").unwrap().trace.as_ref().unwrap();
    let cycle = &trace.steps[trace.cycle.expect("a lasso")..];
    let actions: Vec<&str> = cycle.iter().map(|s| s.action.as_str()).collect();
    assert!(
        actions
            .iter()
            .any(|a| a.contains("timed out), sets drop request"))
            && actions.contains(&"eval loop: poll point, no request"),
        "{}",
        trace.to_text()
    );
    let end = &trace.steps.last().unwrap().state;
    let holder_polls_clear = (end.contains("drop_request=1 sub_request=0")
        && end.contains("T1:eval"))
        || (end.contains("drop_request=0 sub_request=1") && end.contains("T0:eval"));
    assert!(holder_polls_clear, "{}", trace.to_text());
}

#[test]
fn from_3_13_the_request_reaches_the_holder_whatever_its_interpreter() {
    let report = run(SubVariant::PerThread, 2);
    for id in ["SUB-S1", "SUB-L1", "SUB-L2"] {
        assert_eq!(report.verdict(id), Some(Verdict::Holds), "{id}");
    }
}

#[test]
fn without_the_gil_two_interpreters_run_at_once() {
    let report = run(SubVariant::NoGil, 2);
    assert_eq!(report.verdict("SUB-S1"), Some(Verdict::Violated));
}
