//! The multiprocessing model under the explicit checker: pinned state counts, the witness that
//! two processes run bytecode at once (C7), the one-process contrast (C3), and the
//! counterexamples of the bad variant.

use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::gil::{self, Pc};
use gilcheck::models::multiprocessing::{MpAction, MpState, MpVariant, Multiprocessing};
use gilcheck::trace::TraceMeta;

fn run(variant: MpVariant, threads: usize) -> (Multiprocessing, Report) {
    let model = Multiprocessing::new(variant, Config::threads(threads));
    let meta = TraceMeta {
        model: "multiprocessing".into(),
        variant: format!("{variant:?}"),
        config: Config::threads(threads),
        backend: "explicit".into(),
    };
    let report = check(&model, &meta, &Options::default());
    assert!(report.limit.is_none());
    (model, report)
}

/// The last action and state of the trace of `id`, which must have `verdict`.
fn end_of(
    model: &Multiprocessing,
    report: &Report,
    id: &str,
    verdict: Verdict,
) -> (MpAction, MpState) {
    let result = report.result(id).unwrap();
    assert_eq!(result.verdict, verdict, "{id}");
    let actions = replay_trace(model, result.trace.as_ref().expect("a trace"))
        .unwrap()
        .actions();
    let state = actions.iter().fold(model.init_states().remove(0), |s, a| {
        model.next_state(&s, a)
    });
    (*actions.last().expect("a step"), state)
}

/// The threads of process `p` that hold its GIL.
fn holders(state: &MpState, p: usize, threads: usize) -> Vec<usize> {
    (0..threads)
        .filter(|&t| gil::holds_gil(&state.processes[p], t))
        .collect()
}

fn verdicts(report: &Report) -> Vec<(String, Verdict)> {
    report
        .results
        .iter()
        .map(|r| (r.id.clone(), r.verdict))
        .collect()
}

#[test]
fn state_counts_of_the_default_variant_are_pinned() {
    // (threads per process, states), as computed by the checker; a change is a model change.
    // Each process is the GIL model on its own (3 and 31 states): the product.
    for (threads, states) in [(1, 9), (2, 961)] {
        let (_, report) = run(MpVariant::Processes, threads);
        assert_eq!(report.states, states, "{threads} threads per process");
    }
}

#[test]
fn verdicts_per_variant() {
    use Verdict::{Holds, Violated};
    for (variant, expected) in [
        (MpVariant::Processes, [Holds, Holds, Holds]),
        (MpVariant::OneProcess, [Holds, Holds, Violated]),
        (MpVariant::NoGil, [Violated, Violated, Holds]),
    ] {
        let (_, report) = run(variant, 2);
        let expected: Vec<_> = ["MP-S1", "MP-S2", "MP-R1"]
            .into_iter()
            .map(String::from)
            .zip(expected)
            .collect();
        assert_eq!(verdicts(&report), expected, "{variant:?}");
    }
}

#[test]
fn threads_of_two_processes_run_bytecode_at_the_same_moment() {
    for threads in 1..=2 {
        let (model, report) = run(MpVariant::Processes, threads);
        let (_, state) = end_of(&model, &report, "MP-R1", Verdict::Holds);
        let p0 = holders(&state, 0, threads);
        let p1 = holders(&state, 1, threads);
        assert_eq!(
            (p0.len(), p1.len()),
            (1, 1),
            "{}",
            model.format_state(&state)
        );
        assert_eq!(state.processes[0].threads[p0[0]], Pc::Eval);
        assert_eq!(state.processes[1].threads[p1[0]], Pc::Eval);
    }
}

#[test]
fn threads_of_one_process_never_run_bytecode_at_the_same_moment() {
    for threads in 1..=2 {
        let (model, report) = run(MpVariant::OneProcess, threads);
        assert_eq!(model.thread_count(), 2 * threads);
        assert_eq!(report.verdict("MP-R1"), Some(Verdict::Violated));
        assert!(report.result("MP-R1").unwrap().trace.is_none());
        // One GIL for every thread: the GIL model's own state space.
        let alone = gil::Handoff::new(gil::GilVariant::Cpython311, &Config::threads(2 * threads));
        let meta = TraceMeta {
            model: "gil".into(),
            variant: "cpython-3.11".into(),
            config: Config::threads(2 * threads),
            backend: "explicit".into(),
        };
        assert_eq!(
            report.states,
            check(&alone, &meta, &Options::default()).states
        );
    }
}

#[test]
fn without_a_gil_two_threads_of_one_process_hold_it() {
    let (model, report) = run(MpVariant::NoGil, 2);
    let (last, state) = end_of(&model, &report, "MP-S1", Verdict::Violated);
    let MpAction::Gil { process, action } = last;
    assert!(matches!(action, gil::Action::TakeFree(_)));
    assert_eq!(holders(&state, process as usize, 2).len(), 2);
    let (_, state) = end_of(&model, &report, "MP-S2", Verdict::Violated);
    let both = |p: usize| (0..2).all(|t| state.processes[p].threads[t] == Pc::Eval);
    assert!(both(0) || both(1), "{}", model.format_state(&state));
}

#[test]
fn with_one_thread_per_process_mp_s2_says_nothing() {
    // No process runs two threads: "two threads of one process never run at once" is vacuous,
    // with or without a GIL.
    let (_, report) = run(MpVariant::NoGil, 1);
    assert_eq!(report.verdict("MP-S1"), Some(Verdict::Holds));
    assert_eq!(report.verdict("MP-S2"), Some(Verdict::Vacuous));
}

#[test]
fn actors_and_labels_name_the_process() {
    let model = Multiprocessing::new(MpVariant::Processes, Config::threads(2));
    assert_eq!(model.thread_count(), 4);
    let action = MpAction::Gil {
        process: 1,
        action: gil::Action::TakeFree(1),
    };
    assert_eq!(model.actor(&action), Some(3));
    assert_eq!(
        model.format_action(&action),
        "P1/T1 take_gil: fast path -> acquire"
    );
}
