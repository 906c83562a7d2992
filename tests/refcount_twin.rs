//! The refcount twin under loom (exhaustive within a preemption bound), shuttle (random, PCT)
//! and real threads; every run is replayed on the refcount spec, and bad variants must be caught
//! by each backend. Configuration of each test: Python threads N, mortal objects O, clock ticks
//! T, loom preemption bound PB (`LOOM_MAX_PREEMPTIONS` overrides it) or shuttle iterations.

mod common;

use common::{fails, passes};
use gilcheck::exec::{check_loom, check_shuttle_pct, check_shuttle_random, run_std};
use gilcheck::models::refcount::RcVariant;
use gilcheck::models::refcount_twin::RefcountTwin;

const SHUTTLE_ITERATIONS: usize = 1_000;
const PCT_DEPTH: usize = 3;

#[test]
fn loom_2_threads_o2_t1_pb3_refines_the_spec() {
    for variant in [RcVariant::Cpython312, RcVariant::Cpython311] {
        let stats = passes(check_loom(RefcountTwin::new(variant, 2, 2, 1), Some(3)));
        assert!(stats.executions > 1_000, "{stats:?}");
    }
}

#[test]
fn loom_3_threads_o2_t1_pb2_refines_the_spec() {
    passes(check_loom(
        RefcountTwin::new(RcVariant::Cpython312, 3, 2, 1),
        Some(2),
    ));
}

#[test]
fn loom_race_detector_catches_refcounting_without_the_gil() {
    for variant in [RcVariant::NoGil, RcVariant::ExtensionWithoutGil] {
        let failure = fails(check_loom(RefcountTwin::new(variant, 2, 2, 1), Some(3)));
        assert!(
            failure.message.contains("Causality violation"),
            "{variant:?}: {}",
            failure.message
        );
        assert!(failure.trace.outcome.contains("Causality violation"));
    }
}

#[test]
fn shuttle_4_threads_o3_t2_random_and_pct_refine_the_spec() {
    for variant in [RcVariant::Cpython312, RcVariant::FinalizerDropsGil] {
        passes(check_shuttle_random(
            RefcountTwin::new(variant, 4, 3, 2),
            SHUTTLE_ITERATIONS,
        ));
        passes(check_shuttle_pct(
            RefcountTwin::new(variant, 4, 3, 2),
            SHUTTLE_ITERATIONS,
            PCT_DEPTH,
        ));
    }
}

#[test]
fn shuttle_catches_lost_updates_and_a_freed_none() {
    // Replay stops at the first violated invariant; which one comes first depends on the
    // schedule, so accept any property the explicit checker finds violated for the variant.
    for (variant, violable) in [
        (RcVariant::NoGil, ["RC-S1", "RC-S2", "RC-S3", "RC-S4"]),
        (
            RcVariant::MissingIncref311,
            ["RC-S1", "RC-S2", "RC-S3", "RC-S5"],
        ),
    ] {
        let failure = fails(check_shuttle_pct(
            RefcountTwin::new(variant, 4, 3, 2),
            SHUTTLE_ITERATIONS,
            PCT_DEPTH,
        ));
        let outcome = &failure.trace.outcome;
        assert!(
            violable
                .iter()
                .any(|id| outcome.starts_with(&format!("violates {id}:"))),
            "{variant:?}: {outcome}"
        );
    }
}

#[test]
fn std_threads_3_threads_o2_refine_the_spec() {
    passes(run_std(
        RefcountTwin::new(RcVariant::Cpython312, 3, 2, 0),
        50,
    ));
}
