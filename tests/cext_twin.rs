//! The C-extension twin under loom, shuttle and real threads, replayed on the extension spec.
//! Configuration: threads N (T0 calls the extension), extension calls C, bytecode rounds R per
//! other thread, clock ticks T, loom preemption bound PB or shuttle iterations.

mod common;

use common::{fails, passes};
use gilcheck::exec::{check_loom, check_shuttle_pct, check_shuttle_random, run_std};
use gilcheck::models::cext::CextVariant;
use gilcheck::models::cext_twin::CextTwin;

#[test]
fn loom_2_threads_c1_r1_t1_pb3_refines_the_spec() {
    for variant in [CextVariant::Cpython311, CextVariant::ComputeWithGil] {
        let stats = passes(check_loom(CextTwin::new(variant, 2, 1, 1, 1), Some(3)));
        eprintln!("{stats:?}");
    }
}

#[test]
fn loom_catches_an_object_access_without_the_gil() {
    // Loom's first failing execution reads the object without the GIL while no other thread
    // touches it: no data race yet, but the replay refuses it as a CEXT-S1 violation.
    let failure = fails(check_loom(
        CextTwin::new(CextVariant::TouchesObjectWithoutGil, 2, 1, 1, 1),
        Some(3),
    ));
    assert!(
        failure.trace.outcome.starts_with("violates CEXT-S1"),
        "{}",
        failure.trace.outcome
    );
}

#[test]
fn shuttle_4_threads_c2_r2_t2_random_and_pct_refine_the_spec() {
    passes(check_shuttle_random(
        CextTwin::new(CextVariant::Cpython311, 4, 2, 2, 2),
        1_000,
    ));
    passes(check_shuttle_pct(
        CextTwin::new(CextVariant::Cpython311, 4, 2, 2, 2),
        1_000,
        3,
    ));
}

#[test]
fn shuttle_catches_an_object_access_without_the_gil() {
    let failure = fails(check_shuttle_pct(
        CextTwin::new(CextVariant::TouchesObjectWithoutGil, 4, 2, 2, 2),
        1_000,
        3,
    ));
    assert!(
        failure.trace.outcome.starts_with("violates CEXT-S1"),
        "{}",
        failure.trace.outcome
    );
}

#[test]
fn std_threads_4_threads_c2_r2_refine_the_spec() {
    passes(run_std(
        CextTwin::new(CextVariant::Cpython311, 4, 2, 2, 0),
        50,
    ));
}
