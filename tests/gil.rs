//! The GIL model under the explicit checker: pinned state counts, verdicts per variant, shortest
//! counterexamples, symmetry, limits.

use gilcheck::explore::{check, replay_trace, run_count, Options, Report, Verdict};
use gilcheck::model::{kind_of, Config, Fairness, Model};
use gilcheck::models::gil::{self, GilVariant, Handoff};
use gilcheck::trace::TraceMeta;
use gilcheck::variant::Variants;

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
        &Handoff::new(variant, &Config::threads(threads)),
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
fn faithful_variants_satisfy_every_safety_and_reachability_property() {
    for variant in [
        GilVariant::Cpython311,
        GilVariant::NoForceSwitch,
        GilVariant::Legacy27,
    ] {
        for threads in 2..=4 {
            let report = run(variant, threads, false);
            for r in report.results.iter().filter(|r| is_safety_or_reach(&r.id)) {
                let expected = if variant == GilVariant::Legacy27 && r.id == "GIL-R2" {
                    Verdict::Vacuous // 2.7 has no drop request
                } else {
                    Verdict::Holds
                };
                assert_eq!(r.verdict, expected, "{variant:?} {threads} {}", r.id);
            }
        }
    }
}

fn is_safety_or_reach(id: &str) -> bool {
    matches!(kind_of(id), Some('S' | 'R'))
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
        replay_trace(&Handoff::new(GilVariant::NoGil, &Config::threads(2)), trace).unwrap();
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
    let model = Handoff::new(GilVariant::Cpython311, &Config::threads(3));
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

/// Where the threads are interchangeable, a per-thread liveness or counting property is decided
/// for T0 alone: on every variant, deciding it for every thread gives the same verdicts,
/// numbers and traces.
#[test]
fn deciding_per_thread_properties_for_t0_alone_keeps_every_verdict_and_trace() {
    let mut reduced = 0;
    for variant in GilVariant::ALL {
        let variant = GilVariant::from_name(variant.name).expect("listed");
        for threads in 2..=3 {
            let model = Handoff::new(variant, &Config::threads(threads));
            reduced += usize::from(model.symmetric());
            let decide = |all_threads| {
                let options = Options {
                    all_threads,
                    ..Options::default()
                };
                check(&model, &meta("test", threads), &options).results
            };
            let (t0, every) = (decide(false), decide(true));
            for (a, b) in t0.iter().zip(&every) {
                let what = format!("{variant:?} at {threads} threads, {}", a.id);
                assert_eq!((a.verdict, a.numbers), (b.verdict, b.numbers), "{what}");
                assert_eq!(a.trace, b.trace, "{what}");
            }
        }
    }
    assert!(reduced > 0, "some variant's threads are interchangeable");
}

#[test]
fn a_state_limit_makes_undecided_properties_inconclusive() {
    let options = Options {
        max_states: 50,
        ..Options::default()
    };
    let report = check(
        &Handoff::new(GilVariant::Cpython311, &Config::threads(4)),
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
    let config = Config::threads(3)
        .with(gil::FINITE.name, true)
        .with(gil::SPURIOUS_WAKEUPS.name, true);
    let report = check(
        &Handoff::new(GilVariant::Cpython311, &config),
        &meta("cpython-3.11", 3),
        &Options::default(),
    );
    for r in report.results.iter().filter(|r| is_safety_or_reach(&r.id)) {
        assert_eq!(r.verdict, Verdict::Holds, "{}", r.id);
    }
}

/// The verdicts of GIL-L1..L4 for `variant` with `threads` threads under `fairness`.
fn liveness(variant: GilVariant, threads: usize, fairness: Option<Fairness>) -> Vec<Verdict> {
    let options = Options {
        fairness,
        ..Options::default()
    };
    let report = check(
        &Handoff::new(variant, &Config::threads(threads)),
        &meta("test", threads),
        &options,
    );
    ["GIL-L1", "GIL-L2", "GIL-L3", "GIL-L4"]
        .iter()
        .map(|id| report.verdict(id).unwrap())
        .collect()
}

#[test]
fn two_threads_with_force_switching_take_turns_forever() {
    use Verdict::*;
    assert_eq!(
        liveness(GilVariant::Cpython311, 2, None),
        [Holds, Holds, Holds, Holds]
    );
    // Without the hand-off the dropping thread can take the GIL back every time.
    assert_eq!(
        liveness(GilVariant::NoForceSwitch, 2, None),
        [Violated, Violated, Holds, Violated]
    );
    // 2.7: release and re-take at once; the waiter never wins (no requests: L2, L3 vacuous).
    assert_eq!(
        liveness(GilVariant::Legacy27, 2, None),
        [Violated, Vacuous, Vacuous, Violated]
    );
}

#[test]
fn three_threads_show_the_new_gil_is_not_fifo() {
    use Verdict::*;
    let model = Handoff::new(GilVariant::Cpython311, &Config::threads(3));
    let report = check(&model, &meta("cpython-3.11", 3), &Options::default());
    for (id, verdict) in [
        ("GIL-L1", Violated),
        ("GIL-L2", Violated),
        ("GIL-L3", Holds),
        ("GIL-L4", Violated),
    ] {
        assert_eq!(report.verdict(id), Some(verdict), "{id}");
    }
    // The L2 lasso: T0's request is pending when the cycle starts, and in the cycle other
    // threads take the GIL while T0 only wakes and waits again.
    let trace = report.result("GIL-L2").unwrap().trace.as_ref().unwrap();
    let cycle = trace.cycle.expect("a cycle");
    let victim = trace.steps[cycle..]
        .iter()
        .find(|s| s.action.contains("sets drop request"))
        .and_then(|s| s.thread)
        .expect("the victim keeps requesting");
    assert!(trace.steps[cycle..]
        .iter()
        .filter(|s| s.thread == Some(victim))
        .all(|s| s.action.starts_with("take_gil: cond wait returns")));
    assert!(trace.steps[cycle..]
        .iter()
        .any(|s| s.thread != Some(victim) && s.action.contains("acquire")));
    replay_trace(&model, trace).unwrap();
}

#[test]
fn liveness_verdicts_depend_on_the_stated_assumptions() {
    use Verdict::*;
    // Strong fairness per step (a race won infinitely often is won): even 3 threads and the
    // variants without a hand-off take turns.
    for variant in [GilVariant::Cpython311, GilVariant::NoForceSwitch] {
        assert_eq!(
            liveness(variant, 3, Some(Fairness::StrongAction)),
            [Holds, Holds, Holds, Holds],
            "{variant:?}"
        );
    }
    // 2.7 makes no drop requests: L2 and L3 say nothing there.
    assert_eq!(
        liveness(GilVariant::Legacy27, 3, Some(Fairness::StrongAction)),
        [Holds, Vacuous, Vacuous, Holds]
    );
    // Weak fairness per thread is enough with 2 threads and the hand-off.
    assert_eq!(
        liveness(GilVariant::Cpython311, 2, Some(Fairness::WeakThread)),
        [Holds, Holds, Holds, Holds]
    );
    // A spurious wake-up ends drop_gil's single switch_cond wait: the dropping thread can
    // take the GIL back, so 2 threads no longer take turns.
    let spurious = Config::threads(2).with(gil::SPURIOUS_WAKEUPS.name, true);
    let report = check(
        &Handoff::new(GilVariant::Cpython311, &spurious),
        &meta("cpython-3.11", 2),
        &Options::default(),
    );
    assert_eq!(report.verdict("GIL-L1"), Some(Violated));
    let trace = report.result("GIL-L1").unwrap().trace.as_ref().unwrap();
    assert!(trace
        .steps
        .iter()
        .any(|s| s.action == "drop_gil: switch_cond wait returns"));
}

#[test]
fn a_request_is_never_honoured_without_poll_points() {
    let report = run(GilVariant::NoPoll, 2, false);
    let result = report.result("GIL-L3").unwrap();
    assert_eq!(result.verdict, Verdict::Violated);
    assert!(result.trace.as_ref().unwrap().cycle.is_some());
}

#[test]
fn gh_96387_the_bug_hangs_the_fix_as_written_still_can_and_a_reset_under_the_mutex_does_not() {
    for (variant, verdict) in [
        (GilVariant::Shutdown392, Verdict::Violated),
        (GilVariant::Shutdown3112, Verdict::Violated),
        (GilVariant::ShutdownResetUnderMutex, Verdict::Holds),
    ] {
        let report = run(variant, 2, false);
        assert_eq!(report.verdict("GIL-X1"), Some(verdict), "{variant:?}");
        assert_eq!(
            report.verdict("GIL-S3"),
            Some(verdict),
            "{variant:?} deadlock"
        );
        assert_eq!(report.verdict("GIL-S1"), Some(Verdict::Holds));
    }
    // 3.9.2: the daemon thread exits leaving its request set; the main thread then waits in
    // the hand-off for a new holder that never comes (the run stops there).
    let report = run(GilVariant::Shutdown392, 2, false);
    let trace = report.result("GIL-X1").unwrap().trace.as_ref().unwrap();
    assert_eq!(trace.cycle, None);
    let last = trace.steps.last().unwrap();
    assert!(last.state.contains("T0:switch-wait"), "{}", trace.to_text());
    assert!(last.state.contains("T1:done"), "{}", trace.to_text());
}

/// gh-96387 on every version read since the fix (3.11.2): each orders the exiting waiter's
/// unlock of `gil->mutex` before the reset of its request, so between the two the main thread
/// can read the request and wait on `switch_cond`; the reset comes too late.
#[test]
fn gh_96387_the_residual_window_is_open_from_3_11_2_to_3_14() {
    for variant in [
        GilVariant::Shutdown3112,
        GilVariant::Shutdown3125,
        GilVariant::Shutdown3135,
        GilVariant::Shutdown31315,
    ] {
        let report = run(variant, 2, false);
        for id in ["GIL-X1", "GIL-S3"] {
            assert_eq!(
                report.verdict(id),
                Some(Verdict::Violated),
                "{variant:?} {id}"
            );
        }
        for id in ["GIL-S1", "GIL-S2"] {
            assert_eq!(report.verdict(id), Some(Verdict::Holds), "{variant:?} {id}");
        }
        let trace = report.result("GIL-S3").unwrap().trace.as_ref().unwrap();
        let actions: Vec<&str> = trace.steps.iter().map(|s| s.action.as_str()).collect();
        let waits = actions
            .iter()
            .position(|a| a.contains("wait on switch_cond"))
            .expect("the main thread waits");
        let reset = actions
            .iter()
            .position(|a| a.contains("mutex unlocked ->"))
            .expect("the daemon resets after unlocking");
        assert!(waits < reset, "{variant:?}\n{}", trace.to_text());
        // 3.13.8+ and 3.14: the daemon hangs instead of exiting, and that is final.
        let end = &trace.steps.last().unwrap().state;
        let daemon = if variant.hangs() {
            "T1:hung"
        } else {
            "T1:done"
        };
        assert!(end.contains(daemon), "{variant:?}\n{}", trace.to_text());
    }
}

/// A hung daemon thread is final: the deadlock of 3.13.8+ and 3.14 is the main thread's wait
/// in the hand-off, not the daemon that never returns.
#[test]
fn a_hung_thread_is_not_a_deadlock() {
    let model = Handoff::new(GilVariant::Shutdown31315, &Config::threads(2));
    let report = check(&model, &meta("gh-96387-3.13.15", 2), &Options::default());
    let hung = report
        .result("GIL-S3")
        .and_then(|r| r.trace.as_ref())
        .expect("a deadlock trace");
    assert!(hung.steps.last().unwrap().state.contains("T0:switch-wait"));
    // Every state in which the main thread is done and the daemon hung is final.
    let mut s = model.init_states().remove(0);
    s.threads[0] = gil::Pc::Done;
    s.threads[1] = gil::Pc::Hung;
    assert!(model.is_final(&s));
}

/// Whether some reachable state of `variant` under `config`, with its enabled steps, passes
/// `test`.
fn reachable(
    variant: GilVariant,
    config: &Config,
    test: impl Fn(&gil::GilState, &[gil::Action]) -> bool,
) -> bool {
    let model = Handoff::new(variant, config);
    let mut seen = std::collections::HashSet::new();
    let mut todo = model.init_states();
    let mut actions = Vec::new();
    while let Some(s) = todo.pop() {
        if !seen.insert(s.clone()) {
            continue;
        }
        actions.clear();
        model.actions(&s, &mut actions);
        if test(&s, &actions) {
            return true;
        }
        todo.extend(actions.iter().map(|a| model.next_state(&s, a)));
    }
    false
}

/// 3.13 moved the drop request into the holder's own `eval_breaker`. A thread that dropped the
/// GIL because it was asked reads its own bit in `drop_gil`'s hand-off, which nobody else
/// clears: it always tries the hand-off. With one flag per interpreter (3.2-3.12) the next
/// holder can clear the flag first, and the dropping thread then skips the hand-off.
#[test]
fn from_3_13_a_thread_asked_to_drop_always_reads_its_own_request() {
    use gilcheck::models::gil::{Action, After, Pc};
    let skips_handoff = |variant| {
        reachable(variant, &Config::threads(3), |s, actions| {
            actions.iter().any(|a| {
                let asked = Pc::HandoffRead {
                    after: After::Retake,
                    request: false,
                };
                matches!(a, Action::HandoffRead { thread, request: false }
                    if s.threads[*thread as usize] == asked)
            })
        })
    };
    assert!(skips_handoff(GilVariant::Cpython311));
    assert!(skips_handoff(GilVariant::Cpython312));
    assert!(!skips_handoff(GilVariant::Cpython313));
}

/// gh-104341: from 3.12 a finishing thread releases the GIL without its thread state, so it
/// never waits in the hand-off; up to 3.11 it can.
#[test]
fn from_3_12_a_finishing_thread_never_waits_for_the_hand_off() {
    use gilcheck::models::gil::{After, Pc, FINITE};
    let config = Config::threads(3).with(FINITE.name, true);
    let waits_on_exit = |variant| {
        reachable(variant, &config, |s, _| {
            s.threads.iter().any(|pc| {
                matches!(
                    pc,
                    Pc::SwitchWait {
                        after: After::Exit,
                        ..
                    }
                )
            })
        })
    };
    assert!(waits_on_exit(GilVariant::Cpython311));
    assert!(!waits_on_exit(GilVariant::Cpython312));
    assert!(!waits_on_exit(GilVariant::Cpython313));
}

#[test]
fn with_2_threads_a_requesting_waiter_is_never_bypassed_with_3_without_bound() {
    let numbers = |variant, threads| {
        let report = run(variant, threads, false);
        let result = report.result("GIL-B1").unwrap().clone();
        (
            result.verdict,
            result.numbers.expect("a count"),
            result.trace,
        )
    };
    let (verdict, counts, _) = numbers(GilVariant::Cpython311, 2);
    assert_eq!((verdict, counts.max), (Verdict::Holds, Some(0)));
    for (variant, threads) in [(GilVariant::Cpython311, 3), (GilVariant::NoForceSwitch, 2)] {
        let (verdict, counts, trace) = numbers(variant, threads);
        assert_eq!(
            (verdict, counts.max),
            (Verdict::Violated, None),
            "{variant:?}"
        );
        let trace = trace.expect("a counted cycle");
        let cycle = trace.cycle.expect("marked");
        assert!(trace.steps[cycle..]
            .iter()
            .any(|s| s.action.contains("acquire")));
    }
}

#[test]
fn counting_along_one_run_sees_the_bypasses_of_the_unbounded_witness() {
    let model = Handoff::new(GilVariant::Cpython311, &Config::threads(3));
    let report = check(&model, &meta("cpython-3.11", 3), &Options::default());
    let trace = report.result("GIL-B1").unwrap().trace.as_ref().unwrap();
    let actions = replay_trace(&model, trace).unwrap().actions();
    let property = model
        .properties()
        .into_iter()
        .find(|p| p.id == "GIL-B1")
        .unwrap();
    let init = model.init_states().remove(0);
    let most = (0..3)
        .map(|t| run_count(&model, &init, &actions, &property.check, t))
        .max()
        .unwrap();
    assert!(most >= 1, "{}", trace.to_text());
}

#[test]
fn a_gil_state_packs_into_one_word_and_its_widest_values_read_back() {
    use gilcheck::models::gil::{After, GilState, Pc, MAX_THREADS, NOBODY};
    use gilcheck::pack::Pack;
    assert_eq!(std::mem::size_of::<<GilState as Pack>::Packed>(), 8);
    let widest = [
        Pc::Wait {
            notified: true,
            switched: true,
            requested: true,
        },
        Pc::SwitchWait {
            notified: true,
            after: After::Exit,
        },
        Pc::Release { after: After::Hang },
        Pc::HandoffRead {
            after: After::Exit,
            request: true,
        },
        Pc::ExitReset {
            holder: MAX_THREADS as u8 - 1,
        },
        Pc::Done,
        Pc::Hung,
    ];
    for (i, pc) in widest.into_iter().enumerate() {
        for last_holder in [0, MAX_THREADS as u8 - 1, NOBODY] {
            let state = GilState {
                locked: i != 1,
                drop_request: true,
                sub_request: i != 2,
                last_holder,
                threads: [pc; MAX_THREADS],
                finalizing: true,
            };
            assert_eq!(GilState::unpack(&state.pack()), state);
        }
    }
}
