//! The biased-counting twin under loom, shuttle and real threads, replayed on the `brc` spec.
//! Scenarios (`models/brc_twin.rs`): HandBack (2 threads), Queue and Read (3 threads); loom
//! exhaustive (no preemption bound) or with preemption bound PB.
//!
//! Which backend catches which bad variant: loom's race detector catches a non-owner writing
//! `ob_ref_local` while the owner lives (`merge-without-owner`); the replay of loom's runs on
//! the spec catches the others by the invariant they break. `exit-without-drain` only leaks,
//! which no finite run shows: the explicit checker's BRC-L1 is what catches it.

mod common;

use common::{fails, passes};
use gilcheck::exec::{check_loom, check_shuttle_pct, check_shuttle_random, run_std};
use gilcheck::models::brc::BrcVariant::{self, *};
use gilcheck::models::brc_twin::{BrcTwin, Scenario};

#[test]
fn loom_refines_the_spec_handback_exhaustive_queue_and_read_pb3() {
    for (scenario, bound) in [
        (Scenario::HandBack, None),
        (Scenario::Queue, Some(3)),
        (Scenario::Read, Some(3)),
    ] {
        let stats = passes(check_loom(BrcTwin::new(Cpython313t, scenario), bound));
        eprintln!("{scenario:?}: {stats:?}");
        assert!(stats.executions > 1_000, "{scenario:?}");
    }
}

/// What loom reports for `variant` in `scenario` under preemption bound `bound`.
fn loom_failure(variant: BrcVariant, scenario: Scenario, bound: Option<usize>) -> String {
    let failure = fails(check_loom(BrcTwin::new(variant, scenario), bound));
    format!("{} | {}", failure.message, failure.trace.outcome)
}

#[test]
fn loom_race_detector_catches_a_non_owner_writing_ob_ref_local() {
    let failure = loom_failure(MergeWithoutOwner, Scenario::Queue, Some(3));
    assert!(failure.contains("Causality violation"), "{failure}");
}

#[test]
fn loom_runs_replayed_on_the_spec_catch_the_other_bad_variants() {
    for (variant, scenario, bound, id) in [
        (FreeAtLocalZero, Scenario::HandBack, None, "BRC-S1"),
        (NonAtomicShared, Scenario::Queue, Some(3), "BRC-S5"),
        (TryIncrefUnchecked, Scenario::Read, Some(3), "BRC-S1"),
        // gh-119999's window needs four preemptions in this program.
        (TidAfterMerge, Scenario::Read, Some(4), "BRC-S3"),
    ] {
        let failure = loom_failure(variant, scenario, bound);
        assert!(
            failure.contains(&format!("violates {id}")),
            "{variant:?}: {failure}"
        );
    }
}

#[test]
fn shuttle_random_and_pct_refine_the_spec() {
    for scenario in [Scenario::Queue, Scenario::Read] {
        passes(check_shuttle_random(
            BrcTwin::new(Cpython313t, scenario),
            1_000,
        ));
        passes(check_shuttle_pct(
            BrcTwin::new(Cpython313t, scenario),
            1_000,
            3,
        ));
    }
}

#[test]
fn shuttle_pct_catches_a_non_owner_merging() {
    let failure = fails(check_shuttle_pct(
        BrcTwin::new(MergeWithoutOwner, Scenario::Read),
        2_000,
        3,
    ));
    assert!(
        failure.trace.outcome.starts_with("violates BRC-S4"),
        "{}",
        failure.trace.outcome
    );
}

#[test]
fn std_threads_refine_the_spec() {
    for scenario in [Scenario::HandBack, Scenario::Queue, Scenario::Read] {
        passes(run_std(BrcTwin::new(Cpython313t, scenario), 50));
    }
}
