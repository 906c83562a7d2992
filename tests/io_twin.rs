//! The I/O twin under loom, shuttle and real threads, replayed on the I/O spec. Configuration:
//! threads N (T0 does I/O, T1 is a C library's thread, the rest CPU-bound), bytecode rounds R
//! per CPU-bound thread, clock ticks T, loom preemption bound PB or shuttle iterations.

mod common;

use common::{fails, passes};
use gilcheck::exec::{check_loom, check_shuttle_pct, check_shuttle_random, run_std};
use gilcheck::models::io::IoVariant;
use gilcheck::models::io_twin::IoTwin;

#[test]
fn loom_2_threads_t1_pb3_refines_the_spec() {
    let stats = passes(check_loom(
        IoTwin::new(IoVariant::Cpython311, 2, 0, 1),
        Some(3),
    ));
    eprintln!("{stats:?}");
}

#[test]
fn loom_3_threads_r1_t1_pb2_refines_the_spec() {
    let stats = passes(check_loom(
        IoTwin::new(IoVariant::Cpython311, 3, 1, 1),
        Some(2),
    ));
    eprintln!("{stats:?}");
}

#[test]
fn loom_catches_both_bad_variants() {
    for (variant, property) in [
        (IoVariant::BlockingWithGil, "violates IO-S1"),
        (IoVariant::ReleaseIgnoresNesting, "violates IO-S2"),
    ] {
        let failure = fails(check_loom(IoTwin::new(variant, 2, 0, 1), Some(2)));
        assert!(
            failure.trace.outcome.starts_with(property),
            "{variant:?}: {}",
            failure.trace.outcome
        );
    }
}

#[test]
fn shuttle_4_threads_r3_t2_random_and_pct_refine_the_spec() {
    passes(check_shuttle_random(
        IoTwin::new(IoVariant::Cpython311, 4, 3, 2),
        1_000,
    ));
    passes(check_shuttle_pct(
        IoTwin::new(IoVariant::Cpython311, 4, 3, 2),
        1_000,
        3,
    ));
}

#[test]
fn std_threads_4_threads_r3_refine_the_spec() {
    passes(run_std(IoTwin::new(IoVariant::Cpython311, 4, 3, 0), 50));
}
