//! Per-object critical sections of the free-threaded build under the explicit checker: blocking
//! suspends a thread's sections, so threads that lock A and B in opposite orders never
//! deadlock, and `list.append` loses nothing; each mechanism taken out breaks what it is for.

use gilcheck::exec::twin_meta;
use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::critical_section::{CriticalSections, CsVariant, NONE};

use CsVariant::*;
use Verdict::{Holds, Violated};

fn model(variant: CsVariant, threads: usize) -> CriticalSections {
    CriticalSections::new(variant, Config::threads(threads))
}

fn run(variant: CsVariant, threads: usize) -> Report {
    let meta = twin_meta(
        "critical-section",
        variant,
        Config::threads(threads),
        "explicit",
    );
    let report = check(&model(variant, threads), &meta, &Options::default());
    assert!(report.limit.is_none());
    report
}

const IDS: [&str; 5] = ["CS-S1", "CS-S2", "CS-S3", "CS-L1", "CS-R1"];

#[test]
fn state_counts_of_the_faithful_variant_are_pinned() {
    // (threads, states), as computed by the checker; a change is a model change.
    for (threads, states) in [(2, 87), (3, 1055)] {
        assert_eq!(
            run(Cpython313t, threads).states,
            states,
            "{threads} threads"
        );
    }
}

#[test]
fn verdicts_of_every_variant() {
    // As computed by the checker, at 2 and 3 threads.
    let (h, v) = (Holds, Violated);
    let expected = [
        (Cpython313t, 2, [h, h, h, h, h]),
        (Cpython313t, 3, [h, h, h, h, h]),
        (NoSuspend, 2, [h, h, v, v, v]),
        (UnorderedPair, 2, [h, h, h, h, h]),
        (UnorderedPair, 3, [h, h, v, v, h]),
        (ResumeWithoutRelock, 2, [v, h, h, h, h]),
        (ResumeWithoutRelock, 3, [v, v, h, h, h]),
    ];
    for (variant, threads, verdicts) in expected {
        let report = run(variant, threads);
        let got: Vec<_> = IDS.iter().map(|id| report.verdict(id).unwrap()).collect();
        assert_eq!(got, verdicts, "{variant:?} at {threads} threads");
    }
}

/// The state at the end of `id`'s counterexample on `variant`.
fn last_state(
    variant: CsVariant,
    threads: usize,
    id: &str,
) -> gilcheck::models::critical_section::CsState {
    let report = run(variant, threads);
    let result = report.result(id).unwrap();
    assert_eq!(result.verdict, Violated);
    let m = model(variant, threads);
    let steps = replay_trace(&m, result.trace.as_ref().unwrap())
        .unwrap()
        .actions();
    steps
        .iter()
        .fold(m.init_states().remove(0), |s, a| m.next_state(&s, a))
}

#[test]
fn keeping_mutexes_while_parked_deadlocks_on_opposite_orders() {
    // Every thread parks on a mutex another parked thread holds.
    for (variant, threads) in [(NoSuspend, 2), (UnorderedPair, 3)] {
        let s = last_state(variant, threads, "CS-S3");
        let parked: Vec<usize> = (0..threads).filter(|&t| s.threads[t].parked).collect();
        assert!(parked.len() >= 2, "{variant:?}");
        for &t in &parked {
            let owner = s.owner[s.threads[t].want[0] as usize];
            assert!(owner != NONE && owner as usize != t && s.threads[owner as usize].parked);
        }
    }
}

#[test]
fn resuming_without_relocking_loses_an_append() {
    let s = last_state(ResumeWithoutRelock, 3, "CS-S2");
    let m = model(ResumeWithoutRelock, 3);
    assert!(m.is_final(&s));
    assert!(s.len.iter().any(|&n| n < m.expected_len()));
    assert!(s.unlocked_append);
}
