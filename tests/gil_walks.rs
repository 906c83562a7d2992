//! Random deep walks (quickcheck, with shrinking) on configurations too large to explore
//! exhaustively: 8 Python threads, walks of up to 2,000 steps.

use gilcheck::explore::walk;
use gilcheck::model::Config;
use gilcheck::models::gil::{self, GilVariant, Handoff};
use gilcheck::trace::TraceMeta;
use quickcheck::{QuickCheck, TestResult};

const THREADS: usize = 8;
const WALKS: u64 = 300;

fn walk_is_safe(variant: GilVariant, choices: Vec<u32>) -> TestResult {
    let config = Config::threads(THREADS).with(gil::SPURIOUS_WAKEUPS.name, true);
    let meta = TraceMeta {
        model: "gil".into(),
        variant: format!("{variant:?}"),
        config: config.clone(),
        backend: "quickcheck walk".into(),
    };
    match walk(&Handoff::new(variant, &config), &meta, &choices) {
        Ok(_) => TestResult::passed(),
        Err(trace) => TestResult::error(trace.to_text()),
    }
}

fn quickcheck() -> QuickCheck {
    QuickCheck::new()
        .tests(WALKS)
        .max_tests(WALKS * 10)
        .rng(quickcheck::Gen::new(2_000))
}

#[test]
fn walks_of_8_threads_keep_every_safety_property() {
    fn faithful(choices: Vec<u32>) -> TestResult {
        walk_is_safe(GilVariant::Cpython311, choices)
    }
    quickcheck().quickcheck(faithful as fn(Vec<u32>) -> TestResult);
}

#[test]
fn walks_of_8_threads_find_the_no_gil_violation_and_shrink_it() {
    fn bad(choices: Vec<u32>) -> TestResult {
        walk_is_safe(GilVariant::NoGil, choices)
    }
    let result = quickcheck().quicktest(bad as fn(Vec<u32>) -> TestResult);
    let failure = result.expect_err("random walks must find the no-gil violation");
    assert!(failure.is_failure());
}

#[test]
fn a_walk_reports_the_violating_prefix() {
    let config = Config::threads(THREADS);
    let meta = TraceMeta {
        model: "gil".into(),
        variant: "no-gil".into(),
        config: config.clone(),
        backend: "walk".into(),
    };
    // T0 takes the GIL (choice 0), clears the request (its only action), then the second
    // enabled action, T1 taking the GIL too.
    let trace = walk(&Handoff::new(GilVariant::NoGil, &config), &meta, &[0, 0, 1])
        .expect_err("two holders");
    assert_eq!(trace.property.as_deref(), Some("GIL-S1"));
    assert_eq!(trace.steps.len(), 3);
}
