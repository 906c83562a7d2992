//! Biased reference counting (free-threaded build) under the explicit checker: every property
//! holds on the faithful variants and fails on a named bad variant, with the shape of the
//! traces that show why (gh-119999's write after the free, a free at local zero).

use gilcheck::exec::twin_meta;
use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::brc::{Brc, BrcAction, BrcVariant, Op};

use BrcVariant::*;
use Verdict::{Holds, Vacuous, Violated};

fn model(variant: BrcVariant, threads: usize) -> Brc {
    Brc::new(variant, Config::threads(threads))
}

fn run(variant: BrcVariant, threads: usize) -> Report {
    let meta = twin_meta("brc", variant, Config::threads(threads), "explicit");
    let report = check(&model(variant, threads), &meta, &Options::default());
    assert!(report.limit.is_none());
    report
}

/// The steps of `id`'s counterexample, replayed on the model.
fn trace(variant: BrcVariant, threads: usize, id: &str) -> Vec<BrcAction> {
    let report = run(variant, threads);
    let result = report.result(id).unwrap();
    assert_eq!(result.verdict, Violated, "{variant:?} {id}");
    let trace = result.trace.as_ref().expect("a trace");
    replay_trace(&model(variant, threads), trace)
        .unwrap()
        .actions()
}

const IDS: [&str; 10] = [
    "BRC-S1", "BRC-S2", "BRC-S3", "BRC-S4", "BRC-S5", "BRC-S6", "BRC-S7", "BRC-L1", "BRC-R1",
    "BRC-R2",
];

#[test]
fn state_counts_of_the_faithful_variant_are_pinned() {
    // (threads, states), as computed by the checker; a change is a model change.
    for (threads, states) in [(2, 934), (3, 20_364)] {
        assert_eq!(
            run(Cpython313t, threads).states,
            states,
            "{threads} threads"
        );
    }
}

#[test]
fn verdicts_of_every_variant_at_three_threads() {
    // As computed by the checker. Each row after the first four breaks what its name says.
    let h = Holds;
    let v = Violated;
    let o = Vacuous;
    let expected = [
        (Cpython313t, [h, h, h, h, h, o, h, h, h, h]),
        (Immortal, [h, h, h, h, h, h, h, o, v, v]),
        (Deferred313t, [h, h, h, h, h, h, h, o, v, v]),
        (Deferred314t, [h, h, h, h, h, h, h, o, v, v]),
        (NonAtomicShared, [v, v, v, h, v, o, v, v, h, h]),
        (FreeAtLocalZero, [v, v, v, h, h, o, v, h, h, h]),
        (ExitWithoutDrain, [h, h, h, h, h, o, h, v, h, h]),
        (TidAfterMerge, [h, h, v, h, h, o, h, h, h, h]),
        (MergeWithoutOwner, [h, h, h, v, h, o, h, h, v, h]),
        (TryIncrefUnchecked, [v, v, v, h, h, o, v, h, h, h]),
        (DeferredWithoutGcRef, [h, h, h, h, h, v, h, o, v, v]),
    ];
    for (variant, verdicts) in expected {
        let report = run(variant, 3);
        let got: Vec<_> = IDS.iter().map(|id| report.verdict(id).unwrap()).collect();
        assert_eq!(got, verdicts, "{variant:?}");
    }
}

#[test]
fn every_safety_and_liveness_property_fails_on_a_bad_variant() {
    let bad = [
        NonAtomicShared,
        FreeAtLocalZero,
        ExitWithoutDrain,
        TidAfterMerge,
        MergeWithoutOwner,
        TryIncrefUnchecked,
        DeferredWithoutGcRef,
    ];
    let reports: Vec<Report> = bad.iter().map(|&v| run(v, 3)).collect();
    for id in IDS.iter().filter(|id| !id.contains("-R")) {
        assert!(
            reports.iter().any(|r| r.verdict(id) == Some(Violated)),
            "{id} holds on every bad variant"
        );
    }
}

#[test]
fn the_gh_119999_order_writes_the_header_after_another_thread_frees_it() {
    let m = model(TidAfterMerge, 3);
    let steps = trace(TidAfterMerge, 3, "BRC-S3");
    let op = |a: &BrcAction| match *a {
        BrcAction::Step { thread, op } => Some((thread, op)),
        BrcAction::Start(_) => None,
    };
    // The last step is the merging thread's store to ob_ref_local / ob_tid; its CAS came
    // earlier, and between them another thread's Py_DECREF freed the object.
    let (merger, last) = op(steps.last().unwrap()).unwrap();
    assert_eq!(last, Op::MergeClear);
    let cas = steps
        .iter()
        .rposition(|a| op(a) == Some((merger, Op::MergeCas)))
        .expect("the merger's CAS");
    let mut s = m.init_states().remove(0);
    let mut freed_by = None;
    for (i, a) in steps.iter().enumerate() {
        let next = m.next_state(&s, a);
        if next.obj.frees > s.obj.frees {
            freed_by = Some((i, m.actor(a).unwrap() as u8));
        }
        s = next;
    }
    let (at, by) = freed_by.expect("a free");
    assert!(cas < at && by != merger, "freed at step {at} by T{by}");
}

#[test]
fn freeing_at_local_zero_frees_an_object_another_thread_still_holds() {
    let m = model(FreeAtLocalZero, 2);
    let steps = trace(FreeAtLocalZero, 2, "BRC-S1");
    let mut s = m.init_states().remove(0);
    for a in &steps {
        s = m.next_state(&s, a);
    }
    // The owner freed it; a reference is still out there (another thread's, or the entry's).
    assert_eq!(s.obj.frees, 1);
    assert!(m.held(&s) > 0);
    assert!(matches!(
        steps.last(),
        Some(BrcAction::Step {
            thread: 0,
            op: Op::Decref
        })
    ));
}
