//! The asyncio model under the explicit checker: the loop serves every ready callback unless
//! CPU work runs on it (C6), and with a Python thread beside it the loop waits whole switch
//! intervals for the GIL (C5 is false) unless the work goes to another process.

use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::asyncio::{AsyncAction, AsyncVariant, Asyncio, LoopPhase};
use gilcheck::trace::TraceMeta;

fn run(variant: AsyncVariant) -> (Asyncio, Report) {
    let model = Asyncio::new(variant, Config::threads(2));
    let meta = TraceMeta {
        model: "asyncio".into(),
        variant: format!("{variant:?}"),
        config: Config::threads(2),
        backend: "explicit".into(),
    };
    let report = check(&model, &meta, &Options::default());
    (model, report)
}

#[test]
fn state_counts_are_pinned() {
    // As computed by the checker; a change is a model change.
    assert_eq!(run(AsyncVariant::OffloadToProcess).1.states, 13);
    assert_eq!(run(AsyncVariant::OffloadToThread).1.states, 132);
}

#[test]
fn cpu_work_on_the_loop_starves_its_callbacks() {
    let (model, report) = run(AsyncVariant::CpuInLoop);
    let result = report.result("ASYNC-L1").unwrap();
    assert_eq!(result.verdict, Verdict::Violated);
    let trace = result.trace.as_ref().unwrap();
    let cycle = trace.cycle.expect("a lasso");
    let actions = replay_trace(&model, trace).unwrap().actions();
    let mut state = model.init_states().remove(0);
    for action in &actions[..cycle] {
        state = model.next_state(&state, action);
    }
    assert!(state.ready && state.phase == LoopPhase::CpuBound);
    assert!(!actions[cycle..].contains(&AsyncAction::RunCallback));
    for variant in [
        AsyncVariant::OffloadToThread,
        AsyncVariant::OffloadToProcess,
    ] {
        assert_eq!(run(variant).1.verdict("ASYNC-L1"), Some(Verdict::Holds));
    }
}

#[test]
fn a_python_thread_beside_the_loop_costs_it_whole_switch_intervals() {
    let (_, thread) = run(AsyncVariant::OffloadToThread);
    let b2 = thread.result("ASYNC-B2").unwrap();
    assert_eq!(b2.verdict, Verdict::Holds);
    assert_eq!(b2.numbers.unwrap().min, Some(1));
    assert_eq!(thread.verdict("ASYNC-B1"), Some(Verdict::Violated));
    // Offloaded to a process, the loop never waits for this process's GIL.
    let (_, process) = run(AsyncVariant::OffloadToProcess);
    let b1 = process.result("ASYNC-B1").unwrap();
    assert_eq!(b1.verdict, Verdict::Holds);
    assert_eq!(b1.numbers.unwrap().max, Some(0));
}
