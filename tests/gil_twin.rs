//! The GIL's executable twin under loom (exhaustive), shuttle (random, PCT) and real threads.
//! Every run is replayed on the spec; bad variants must be caught by each backend with a trace.
//! Configuration of each test: Python threads N, rounds K per thread, clock ticks T, and the
//! loom preemption bound PB (`LOOM_MAX_PREEMPTIONS` overrides it) or shuttle iterations.

mod common;

use common::{fails, passes};
use gilcheck::exec::{check_loom, check_shuttle_pct, check_shuttle_random, run_std};
use gilcheck::models::gil::handoff_twin::GilTwin;
use gilcheck::models::gil::GilVariant;

const SHUTTLE_ITERATIONS: usize = 1_000;
const PCT_DEPTH: usize = 3;

#[test]
fn loom_2_threads_k1_t1_every_interleaving_refines_the_spec() {
    let stats = passes(check_loom(
        GilTwin::new(GilVariant::Cpython311, 2, 1, 1),
        None,
    ));
    assert!(stats.executions > 1_000, "{stats:?}");
}

#[test]
fn loom_3_threads_k1_t1_pb4_refines_the_spec() {
    passes(check_loom(
        GilTwin::new(GilVariant::Cpython311, 3, 1, 1),
        Some(4),
    ));
}

/// Every interleaving with 3 Python threads, when no interval timeout fires: the threads contend
/// for the GIL and hand it over as they exit, but nobody sets the drop request (with T=1 the
/// unbounded search does not finish in minutes; see README, Performance).
#[test]
fn loom_3_threads_k1_t0_every_interleaving_refines_the_spec() {
    let stats = passes(check_loom(
        GilTwin::new(GilVariant::Cpython311, 3, 1, 0),
        None,
    ));
    assert!(stats.executions > 100_000, "{stats:?}");
}

#[test]
fn loom_no_force_switch_2_threads_k1_t1_refines_the_spec() {
    passes(check_loom(
        GilTwin::new(GilVariant::NoForceSwitch, 2, 1, 1),
        None,
    ));
}

#[test]
fn loom_race_detector_catches_no_gil_2_threads() {
    let failure = fails(check_loom(GilTwin::new(GilVariant::NoGil, 2, 1, 1), None));
    assert!(
        failure.message.contains("Causality violation"),
        "{}",
        failure.message
    );
    assert!(failure.trace.outcome.contains("Causality violation"));
    assert_eq!(failure.trace.meta.variant, "no-gil");
    // Both threads have taken the GIL by the time the racing access happens.
    let takes = failure
        .trace
        .steps
        .iter()
        .filter(|s| s.action.contains("fast path"))
        .count();
    assert!(takes >= 2, "{}", failure.trace.to_text());
}

#[test]
fn loom_finds_the_handoff_under_mutex_deadlock() {
    let failure = fails(check_loom(
        GilTwin::new(GilVariant::HandoffUnderMutex, 2, 1, 1),
        None,
    ));
    assert!(failure.message.contains("deadlock"), "{}", failure.message);
    assert!(failure.trace.to_text().contains("wait on switch_cond"));
}

#[test]
fn loom_relaxed_drop_request_reads_are_stale_for_the_interleaving_spec() {
    // CPython's relaxed loads may miss a request just set; the spec (interleaving semantics)
    // does not allow that, and loom's weak-memory exploration shows it.
    let mut twin = GilTwin::new(GilVariant::Cpython311, 2, 1, 1);
    twin.relaxed_loads = true;
    let failure = fails(check_loom(twin, None));
    assert!(
        failure.message.contains("refinement failure"),
        "{}",
        failure.message
    );
    let refused = failure.trace.steps.last().unwrap();
    assert!(
        refused.action.contains("no request") || refused.action.contains("no drop request"),
        "{}",
        failure.trace.to_text()
    );
}

#[test]
fn shuttle_random_4_and_8_threads_refine_the_spec() {
    for threads in [4, 8] {
        let twin = GilTwin::new(GilVariant::Cpython311, threads, 3, 3);
        passes(check_shuttle_random(twin, SHUTTLE_ITERATIONS));
    }
}

#[test]
fn shuttle_pct_4_and_8_threads_refine_the_spec() {
    for threads in [4, 8] {
        let twin = GilTwin::new(GilVariant::Cpython311, threads, 3, 3);
        passes(check_shuttle_pct(twin, SHUTTLE_ITERATIONS, PCT_DEPTH));
    }
}

#[test]
fn shuttle_catches_no_gil_with_random_and_pct() {
    for threads in [4, 8] {
        let random = fails(check_shuttle_random(
            GilTwin::new(GilVariant::NoGil, threads, 3, 3),
            SHUTTLE_ITERATIONS,
        ));
        let pct = fails(check_shuttle_pct(
            GilTwin::new(GilVariant::NoGil, threads, 3, 3),
            SHUTTLE_ITERATIONS,
            PCT_DEPTH,
        ));
        for failure in [random, pct] {
            assert!(
                failure.message.starts_with("violates GIL-S"),
                "{}",
                failure.message
            );
            assert!(failure
                .trace
                .property
                .as_deref()
                .unwrap()
                .starts_with("GIL-S"));
            // Saved, the trace replays on the spec (as `gilcheck replay` does) up to the
            // violation.
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("twin-traces");
            let saved = std::fs::read_to_string(failure.save(&dir).unwrap()).unwrap();
            let saved: gilcheck::trace::Trace = serde_json::from_str(&saved).unwrap();
            assert!(
                ["shuttle-random", "shuttle-pct"].contains(&saved.meta.backend.as_str()),
                "{}",
                saved.meta.backend
            );
            let replay = gilcheck::models::find("gil")
                .unwrap()
                .replay(&saved)
                .unwrap();
            let confirmed = replay.outcome.expect("the violation is confirmed");
            assert!(confirmed.contains("violates GIL-S"), "{confirmed}");
        }
    }
}

#[test]
fn shuttle_finds_the_handoff_under_mutex_deadlock() {
    let failure = fails(check_shuttle_random(
        GilTwin::new(GilVariant::HandoffUnderMutex, 4, 2, 2),
        SHUTTLE_ITERATIONS,
    ));
    assert!(failure.message.contains("deadlock"), "{}", failure.message);
}

#[test]
fn real_threads_3_threads_50_runs_refine_the_spec() {
    let stats = passes(run_std(GilTwin::new(GilVariant::Cpython311, 3, 20, 0), 50));
    assert_eq!(stats.executions, 50);
}
