//! The C-extension model under the explicit checker: pinned state counts, the witness that C
//! code computes while Python runs, and the counterexamples of the bad variants.

use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::cext::{Cext, CextAction, CextOp, CextVariant};
use gilcheck::models::gil::Pc;
use gilcheck::trace::TraceMeta;

fn run(variant: CextVariant, threads: usize) -> (Cext, Report) {
    let model = Cext::new(variant, Config::threads(threads));
    let meta = TraceMeta {
        model: "cext".into(),
        variant: format!("{variant:?}"),
        config: Config::threads(threads),
        backend: "explicit".into(),
    };
    let report = check(&model, &meta, &Options::default());
    (model, report)
}

/// The states along the trace of `id`, which must have `verdict`.
fn states_of(
    model: &Cext,
    report: &Report,
    id: &str,
    verdict: Verdict,
) -> Vec<(CextAction, gilcheck::models::cext::CextState)> {
    let result = report.result(id).unwrap();
    assert_eq!(result.verdict, verdict, "{id}");
    let actions = replay_trace(model, result.trace.as_ref().expect("a trace"))
        .unwrap()
        .actions();
    let mut state = model.init_states().remove(0);
    actions
        .into_iter()
        .map(|a| {
            let before = state.clone();
            state = model.next_state(&state, &a);
            (a, before)
        })
        .collect()
}

#[test]
fn state_counts_of_the_default_variant_are_pinned() {
    // (threads, states), as computed by the checker; a change is a model change.
    for (threads, states) in [(2, 134), (3, 1_883)] {
        let (_, report) = run(CextVariant::Cpython311, threads);
        assert_eq!(report.states, states, "{threads} threads");
    }
}

#[test]
fn c_code_computes_without_the_gil_while_python_runs() {
    let (model, report) = run(CextVariant::Cpython311, 2);
    let steps = states_of(&model, &report, "CEXT-R1", Verdict::Holds);
    let (last, before) = steps.last().unwrap();
    assert_eq!(before.gil.threads[0], Pc::Detached);
    assert_eq!(model.actor(last), Some(1));
}

#[test]
fn an_extension_holding_the_gil_blocks_python_while_it_computes() {
    let (_, report) = run(CextVariant::ComputeWithGil, 3);
    assert_eq!(report.verdict("CEXT-R1"), Some(Verdict::Violated));
}

#[test]
fn touching_an_object_without_the_gil_races_with_bytecode() {
    let (model, report) = run(CextVariant::TouchesObjectWithoutGil, 2);
    let steps = states_of(&model, &report, "CEXT-S1", Verdict::Violated);
    let (last, before) = steps.last().unwrap();
    assert_eq!(*last, CextAction::Ext(CextOp::ReadArray));
    assert_eq!(before.gil.threads[0], Pc::Detached);
    assert_eq!(report.verdict("CEXT-S2"), Some(Verdict::Violated));
}
