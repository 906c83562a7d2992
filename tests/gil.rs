//! The GIL model under the explicit checker: pinned state counts, verdicts per variant, shortest
//! counterexamples, symmetry, limits.

use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::Config;
use gilcheck::models::gil::{Gil, GilVariant};
use gilcheck::trace::TraceMeta;

fn meta(variant: &str, threads: usize) -> TraceMeta {
    TraceMeta {
        model: "gil".into(),
        variant: variant.into(),
        config: Config::threads(threads),
        backend: "explicit".into(),
    }
}

fn run(variant: GilVariant, threads: usize, symmetry: bool) -> Report {
    let options = Options {
        symmetry,
        ..Options::default()
    };
    check(
        &Gil::new(variant, Config::threads(threads)),
        &meta("test", threads),
        &options,
    )
}

fn verdict(report: &Report, id: &str) -> Verdict {
    report
        .verdict(id)
        .unwrap_or_else(|| panic!("{id} is checked"))
}

#[test]
fn state_counts_of_the_default_variant_are_pinned() {
    // (threads, states without symmetry, states with symmetry), as computed by the checker.
    for (threads, plain, reduced) in [(2, 31, 16), (3, 499, 90), (4, 5917, 324), (5, 61341, 912)] {
        let full = run(GilVariant::Cpython311, threads, false);
        let sym = run(GilVariant::Cpython311, threads, true);
        assert_eq!(
            (full.states, sym.states),
            (plain, reduced),
            "{threads} threads"
        );
        assert!(full.limit.is_none() && sym.limit.is_none());
    }
}

#[test]
fn faithful_variants_satisfy_every_property() {
    for variant in [GilVariant::Cpython311, GilVariant::NoForceSwitch] {
        for threads in 2..=4 {
            let report = run(variant, threads, false);
            for r in &report.results {
                assert_eq!(r.verdict, Verdict::Holds, "{variant:?} {threads} {}", r.id);
            }
        }
    }
}

#[test]
fn no_gil_breaks_mutual_exclusion_with_a_three_step_trace() {
    let report = run(GilVariant::NoGil, 2, false);
    for id in ["GIL-S1", "GIL-S2"] {
        let result = report.result(id).unwrap();
        assert_eq!(result.verdict, Verdict::Violated);
        let trace = result.trace.as_ref().expect("a violation has a trace");
        assert_eq!(trace.steps.len(), 3, "shortest trace for {id}");
        assert_eq!(
            trace.steps.iter().map(|s| s.thread).collect::<Vec<_>>(),
            [Some(0), Some(0), Some(1)]
        );
        replay_trace(&Gil::new(GilVariant::NoGil, Config::threads(2)), trace).unwrap();
    }
    assert_eq!(verdict(&report, "GIL-S3"), Verdict::Holds);
}

#[test]
fn handoff_under_mutex_deadlocks() {
    let report = run(GilVariant::HandoffUnderMutex, 2, false);
    let result = report.result("GIL-S3").unwrap();
    assert_eq!(result.verdict, Verdict::Violated);
    let trace = result.trace.as_ref().unwrap();
    let last = trace.steps.last().unwrap();
    assert!(
        last.action.contains("wait on switch_cond"),
        "{}",
        last.action
    );
    assert!(last.state.contains("switch-wait"));
    assert_eq!(verdict(&report, "GIL-S1"), Verdict::Holds);
}

#[test]
fn without_poll_points_the_gil_never_changes_hands() {
    let report = run(GilVariant::NoPoll, 3, false);
    assert_eq!(verdict(&report, "GIL-R1"), Verdict::Violated);
    assert_eq!(verdict(&report, "GIL-R2"), Verdict::Violated);
    assert_eq!(verdict(&report, "GIL-S1"), Verdict::Holds);
}

#[test]
fn reachability_witnesses_are_real_paths() {
    let model = Gil::new(GilVariant::Cpython311, Config::threads(3));
    let report = run(GilVariant::Cpython311, 3, true);
    for id in ["GIL-R1", "GIL-R2"] {
        let trace = report.result(id).unwrap().trace.as_ref().unwrap();
        replay_trace(&model, trace).unwrap();
    }
    let r2 = report.result("GIL-R2").unwrap().trace.as_ref().unwrap();
    assert!(r2
        .steps
        .last()
        .unwrap()
        .action
        .contains("sees drop request"));
}

#[test]
fn symmetry_reduction_keeps_every_verdict() {
    for variant in [
        GilVariant::Cpython311,
        GilVariant::NoForceSwitch,
        GilVariant::NoGil,
        GilVariant::NoPoll,
        GilVariant::HandoffUnderMutex,
    ] {
        for threads in 1..=4 {
            let full = run(variant, threads, false);
            let sym = run(variant, threads, true);
            assert!(sym.states <= full.states);
            for (a, b) in full.results.iter().zip(&sym.results) {
                assert_eq!(a.verdict, b.verdict, "{variant:?} {threads} {}", a.id);
                let lengths = (a.trace.as_ref(), b.trace.as_ref());
                if let (Some(a), Some(b)) = lengths {
                    assert_eq!(a.steps.len(), b.steps.len(), "shortest either way");
                }
            }
        }
    }
}

#[test]
fn a_state_limit_makes_undecided_properties_inconclusive() {
    let options = Options {
        max_states: 50,
        ..Options::default()
    };
    let report = check(
        &Gil::new(GilVariant::Cpython311, Config::threads(4)),
        &meta("cpython-3.11", 4),
        &options,
    );
    assert!(report.limit.is_some());
    for id in ["GIL-S1", "GIL-S2", "GIL-S3"] {
        assert_eq!(verdict(&report, id), Verdict::Inconclusive, "{id}");
    }
}

#[test]
fn spurious_wakeups_and_finite_threads_keep_the_safety_properties() {
    let config = Config {
        threads: 3,
        objects: 0,
        finite: true,
        spurious_wakeups: true,
    };
    let report = check(
        &Gil::new(GilVariant::Cpython311, config.clone()),
        &meta("cpython-3.11", 3),
        &Options::default(),
    );
    for r in &report.results {
        assert_eq!(r.verdict, Verdict::Holds, "{}", r.id);
    }
}
