//! PyPy's GIL under the explicit checker: it excludes, and with its FIFO stealer queue and
//! forced switches every thread runs infinitely often (unlike CPython's with 3 threads); a LIFO
//! queue starves one.

use gilcheck::explore::{check, Options, Report, Verdict};
use gilcheck::model::Config;
use gilcheck::models::pypy::{PypyGil, PypyVariant};
use gilcheck::trace::TraceMeta;

fn run(variant: PypyVariant, threads: usize) -> Report {
    let meta = TraceMeta {
        model: "pypy".into(),
        variant: format!("{variant:?}"),
        config: Config::threads(threads),
        backend: "explicit".into(),
    };
    check(
        &PypyGil::new(variant, Config::threads(threads)),
        &meta,
        &Options::default(),
    )
}

#[test]
fn state_counts_are_pinned() {
    // As computed by the checker; a change is a model change.
    assert_eq!(run(PypyVariant::Pypy, 3).states, 49);
    assert_eq!(run(PypyVariant::PypyFifo, 3).states, 28);
}

#[test]
fn pypys_gil_excludes_and_is_fair_only_if_its_stealer_mutex_is_fifo() {
    for threads in 2..=4 {
        let fifo = run(PypyVariant::PypyFifo, threads);
        assert_eq!(fifo.verdict("PYPY-S1"), Some(Verdict::Holds), "{threads}");
        assert_eq!(fifo.verdict("PYPY-L1"), Some(Verdict::Holds), "{threads}");
        let any = run(PypyVariant::Pypy, threads);
        assert_eq!(any.verdict("PYPY-S1"), Some(Verdict::Holds), "{threads}");
        let fair = if threads == 2 {
            Verdict::Holds
        } else {
            Verdict::Violated
        };
        assert_eq!(any.verdict("PYPY-L1"), Some(fair), "{threads}");
    }
    // With a mutex any waiter may get, two waiters can take turns as the stealer while a
    // third stays queued for ever.
    let report = run(PypyVariant::Pypy, 3);
    let trace = report.result("PYPY-L1").unwrap().trace.as_ref().unwrap();
    let cycle = trace.cycle.expect("a starvation lasso");
    let starved = trace.steps[cycle..]
        .iter()
        .find_map(|s| (0..3).find(|t| s.state.contains(&format!("T{t}:Queued"))));
    assert!(starved.is_some(), "{}", trace.to_text());
}

#[test]
fn a_lifo_queue_starves_a_waiter_and_no_cas_breaks_exclusion() {
    let report = run(PypyVariant::LifoQueue, 3);
    let result = report.result("PYPY-L1").unwrap();
    assert_eq!(result.verdict, Verdict::Violated);
    let trace = result.trace.as_ref().unwrap();
    let cycle = trace.cycle.expect("a starvation lasso");
    assert!(trace.steps[cycle..].iter().all(|s| s.thread != Some(0)));
    assert!(trace.steps[cycle..]
        .last()
        .unwrap()
        .state
        .contains("T0:Queued"));
    assert_eq!(
        run(PypyVariant::NoCas, 2).verdict("PYPY-S1"),
        Some(Verdict::Violated)
    );
}
