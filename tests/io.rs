//! The I/O model under the explicit checker: pinned state counts and counterexamples that show
//! the mechanism (a blocking call that keeps the GIL, a Release that drops a GIL its Ensure
//! found held), and the witness that another thread runs while one is blocked.

use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::gil::{self, Pc};
use gilcheck::models::io::{Io, IoAction, IoOp, IoVariant};
use gilcheck::trace::TraceMeta;

fn run(variant: IoVariant, threads: usize) -> (Io, Report) {
    let model = Io::new(variant, Config::threads(threads));
    let meta = TraceMeta {
        model: "io".into(),
        variant: format!("{variant:?}"),
        config: Config::threads(threads),
        backend: "explicit".into(),
    };
    let report = check(&model, &meta, &Options::default());
    (model, report)
}

/// The actions of the trace of `id` (counterexample or witness), replayed on the model.
fn trace_of(model: &Io, report: &Report, id: &str, verdict: Verdict) -> Vec<IoAction> {
    let result = report.result(id).unwrap();
    assert_eq!(result.verdict, verdict, "{id}");
    replay_trace(model, result.trace.as_ref().expect("a trace"))
        .unwrap()
        .actions()
}

#[test]
fn state_counts_of_the_default_variant_are_pinned() {
    // (threads, states), as computed by the checker; a change is a model change.
    for (threads, states) in [(2, 936), (3, 12_446)] {
        let (_, report) = run(IoVariant::Cpython311, threads);
        assert_eq!(report.states, states, "{threads} threads");
        assert!(report.limit.is_none());
    }
}

#[test]
fn another_thread_runs_bytecode_while_one_is_blocked_in_io() {
    let (model, report) = run(IoVariant::Cpython311, 3);
    let steps = trace_of(&model, &report, "IO-R1", Verdict::Holds);
    let mut state = model.init_states().remove(0);
    for action in &steps[..steps.len() - 1] {
        state = model.next_state(&state, action);
    }
    assert!(state.work[0].blocked);
    assert_eq!(
        state.gil.threads[0],
        Pc::Detached,
        "T0 blocks without the GIL"
    );
    assert!(matches!(
        steps.last(),
        Some(IoAction::Gil(gil::Action::Poll { thread, .. })) if *thread != 0
    ));
}

#[test]
fn a_blocking_call_that_keeps_the_gil_stops_every_other_thread() {
    let (model, report) = run(IoVariant::BlockingWithGil, 3);
    let steps = trace_of(&model, &report, "IO-S1", Verdict::Violated);
    assert!(matches!(
        steps.last(),
        Some(IoAction::Run {
            thread: 0,
            op: IoOp::Block,
            ..
        })
    ));
    assert_eq!(report.verdict("IO-R1"), Some(Verdict::Violated));
}

#[test]
fn a_release_that_ignores_nesting_drops_the_gil_of_the_outer_ensure() {
    let (model, report) = run(IoVariant::ReleaseIgnoresNesting, 2);
    let steps = trace_of(&model, &report, "IO-S2", Verdict::Violated);
    let release = steps
        .iter()
        .rev()
        .find_map(|a| match *a {
            IoAction::Run {
                op: IoOp::Release,
                locked,
                ..
            } => Some(locked),
            _ => None,
        })
        .expect("the trace has a Release");
    assert!(release, "the inner Ensure had found the GIL held (LOCKED)");
}

#[test]
fn the_convoy_a_thread_back_from_io_waits_at_least_one_interval() {
    let (_, report) = run(IoVariant::Cpython311, 3);
    let result = report.result("IO-X1").unwrap();
    assert_eq!(result.verdict, Verdict::Holds);
    let numbers = result.numbers.expect("a count");
    assert_eq!(numbers.min, Some(1), "{numbers}");
    // Without a clock the holder's poll points can come after any number of intervals.
    assert_eq!(numbers.max, None, "{numbers}");
    // Keeping the GIL across the blocking call leaves no return from I/O to measure.
    let (_, report) = run(IoVariant::BlockingWithGil, 3);
    assert_eq!(report.verdict("IO-X1"), Some(Verdict::Vacuous));
    // The priority request proposed on bpo-7946 ends the convoy: the thread back from I/O gets
    // the GIL with no interval expired.
    let (_, report) = run(IoVariant::PriorityRequest, 3);
    let result = report.result("IO-X1").unwrap();
    assert_eq!(result.verdict, Verdict::Violated);
    assert_eq!(result.numbers.unwrap().min, Some(0));
    let trace = result.trace.as_ref().unwrap();
    assert!(trace
        .steps
        .iter()
        .any(|s| s.action.contains("at once (priority request)")));
}
