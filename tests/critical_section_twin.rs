//! The critical-section twin under loom (exhaustive, or within a preemption bound), shuttle
//! (random, PCT) and real threads; every run is replayed on the critical-section spec, and each
//! bad variant is caught. Configuration of each test: threads N, loom preemption bound PB
//! (`LOOM_MAX_PREEMPTIONS` overrides it) or shuttle iterations.

mod common;

use common::{fails, passes};
use gilcheck::exec::{
    check_loom, check_shuttle_pct, check_shuttle_random, run_std, Twin, TwinFailure,
};
use gilcheck::explore::{replay_trace, Replayed};
use gilcheck::models::critical_section::{CriticalSections, CsAction, CsOp, CsVariant, NONE};
use gilcheck::models::critical_section_twin::CriticalSectionTwin;

const SHUTTLE_ITERATIONS: usize = 300;
const PCT_DEPTH: usize = 3;

fn twin(variant: CsVariant, threads: usize) -> CriticalSectionTwin {
    CriticalSectionTwin::new(variant, threads)
}

/// `failure`'s trace of `twin` replayed on the spec.
fn replay(twin: &CriticalSectionTwin, failure: &TwinFailure) -> Replayed<CriticalSections> {
    replay_trace(&twin.spec(&failure.trace.meta.backend), &failure.trace)
        .unwrap_or_else(|_| panic!("the trace replays on the spec"))
}

/// Asserts that `failure` is a deadlock in which each thread of `cycle` is parked on a mutex
/// another thread of `cycle` holds.
fn assert_deadlock(twin: &CriticalSectionTwin, failure: &TwinFailure, cycle: &[usize]) {
    assert!(
        failure.message.starts_with("deadlock"),
        "{}",
        failure.message
    );
    let run = replay(twin, failure);
    let s = run.path.last().map_or(&run.init, |(_, s)| s);
    for &t in cycle {
        let w = &s.threads[t];
        let owner = s.owner[w.want[0] as usize];
        assert!(
            w.parked && owner != NONE && owner as usize != t && cycle.contains(&(owner as usize)),
            "T{t} in {}",
            failure.trace.to_text()
        );
    }
}

#[test]
fn loom_2_threads_exhaustive_refines_the_spec() {
    let stats = passes(check_loom(twin(CsVariant::Cpython313t, 2), None));
    eprintln!("{stats:?}");
}

#[test]
fn loom_3_threads_pb3_refines_the_spec() {
    let stats = passes(check_loom(twin(CsVariant::Cpython313t, 3), Some(3)));
    assert!(stats.executions > 1_000, "{stats:?}");
    eprintln!("{stats:?}");
}

#[test]
fn loom_catches_an_append_after_resuming_without_relocking() {
    // Loom's first execution has no data race (T1 appends to B after T0 has released it), but
    // T1's append to B follows a resume that did not lock B again: the replay refuses CS-S1.
    let twin = twin(CsVariant::ResumeWithoutRelock, 2);
    let failure = fails(check_loom(twin.clone(), None));
    assert!(
        failure.message.starts_with("violates CS-S1:"),
        "{}",
        failure.message
    );
    let run = replay(&twin, &failure);
    let (last, s) = run.path.last().expect("a step");
    let append_b = CsAction {
        thread: 1,
        op: CsOp::AppendRead(1),
    };
    assert_eq!(*last, append_b);
    assert!(s.unlocked_append && s.owner[1] == NONE);
}

#[test]
fn loom_finds_the_deadlock_of_keeping_mutexes_while_parked() {
    let twin = twin(CsVariant::NoSuspend, 2);
    let failure = fails(check_loom(twin.clone(), None));
    assert_deadlock(&twin, &failure, &[0, 1]);
}

#[test]
fn shuttle_3_threads_random_and_pct_refine_the_spec() {
    let random = passes(check_shuttle_random(
        twin(CsVariant::Cpython313t, 3),
        SHUTTLE_ITERATIONS,
    ));
    let pct = passes(check_shuttle_pct(
        twin(CsVariant::Cpython313t, 3),
        SHUTTLE_ITERATIONS,
        PCT_DEPTH,
    ));
    eprintln!("{random:?}\n{pct:?}");
}

#[test]
fn shuttle_pct_finds_the_deadlock_of_an_unordered_pair() {
    // T0 locks A then B, T2 (unordered) B then A; T1 holds nothing while it is parked.
    let twin = twin(CsVariant::UnorderedPair, 3);
    let failure = fails(check_shuttle_pct(
        twin.clone(),
        SHUTTLE_ITERATIONS,
        PCT_DEPTH,
    ));
    assert_deadlock(&twin, &failure, &[0, 2]);
}

#[test]
fn std_threads_3_threads_refine_the_spec() {
    passes(run_std(twin(CsVariant::Cpython313t, 3), 200));
}
