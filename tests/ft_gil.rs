//! The free-threaded build's GIL switched on and off at run time: stop-the-world keeps every
//! other thread out while the GIL is enabled, and a gh-118727 draft's disable path (the whole
//! `drop_gil`) leaves the disabling thread waiting on `switch_cond` for ever.

use gilcheck::exec::twin_meta;
use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::ft_gil::{FtGil, FtGilAction, FtGilVariant, Phase};
use gilcheck::models::gil::{self, Pc};

use FtGilVariant::*;
use Verdict::{Holds, Vacuous, Violated};

fn model(variant: FtGilVariant, threads: usize) -> FtGil {
    FtGil::new(variant, Config::threads(threads))
}

fn run(variant: FtGilVariant, threads: usize) -> Report {
    let meta = twin_meta("ft-gil", variant, Config::threads(threads), "explicit");
    let report = check(&model(variant, threads), &meta, &Options::default());
    assert!(report.limit.is_none());
    report
}

#[test]
fn state_counts_of_the_faithful_variant_are_pinned() {
    // (threads, states), as computed by the checker; a change is a model change.
    for (threads, states) in [(2, 421), (3, 15_215)] {
        assert_eq!(
            run(Cpython313t, threads).states,
            states,
            "{threads} threads"
        );
    }
}

#[test]
fn verdicts_of_every_variant() {
    // (FT-S1, FT-S2, FT-X1) at 2 and 3 threads, as computed by the checker.
    let expected = [
        (Cpython313t, [Holds, Holds, Holds]),
        (Gh118727Draft, [Holds, Holds, Violated]),
        (EnableWithoutStw, [Violated, Vacuous, Holds]),
        (StwWithoutSuspend, [Violated, Violated, Holds]),
    ];
    for threads in 2..=3 {
        for (variant, verdicts) in expected {
            let report = run(variant, threads);
            let got: Vec<_> = ["FT-S1", "FT-S2", "FT-X1"]
                .iter()
                .map(|id| report.verdict(id).unwrap())
                .collect();
            assert_eq!(got, verdicts, "{variant:?} at {threads} threads");
        }
    }
}

#[test]
fn gh_118727_draft_the_waiter_returns_without_the_gil_while_the_disabler_waits_on_switch_cond() {
    let m = model(Gh118727Draft, 2);
    let report = run(Gh118727Draft, 2);
    let trace = report.result("FT-X1").unwrap().trace.as_ref().unwrap();
    let lasso = trace.cycle.expect("a lasso");
    let steps = replay_trace(&m, trace).unwrap().actions();
    // Before the cycle a waiter finds the GIL free but disabled and leaves without taking it.
    assert!(steps[..lasso]
        .iter()
        .any(|a| matches!(a, FtGilAction::WakeDisabled { thread: 1, .. })));
    // Throughout the cycle T0 waits on switch_cond, unsignalled, inside _PyEval_DisableGIL.
    let mut s = m.init_states().remove(0);
    for (i, a) in steps.iter().enumerate() {
        s = m.next_state(&s, a);
        if i + 1 >= lasso {
            assert_eq!(s.phase[0], Phase::Disabling);
            assert!(matches!(
                s.gil.threads[0],
                Pc::SwitchWait {
                    notified: false,
                    ..
                }
            ));
        }
    }
}

#[test]
fn a_permanently_enabled_gil_is_not_disabled_by_the_import_that_enabled_it() {
    let m = model(Cpython313t, 2);
    let mut s = m.init_states().remove(0);
    let path = [
        FtGilAction::EnableBegin,
        FtGilAction::Suspend(1),
        FtGilAction::WorldStopped,
        FtGilAction::EnableAndStart,
        FtGilAction::AttachBegin(0),
        FtGilAction::Gil(gil::Action::TakeFree(0)),
        FtGilAction::Gil(gil::Action::ClearRequest(0)),
        FtGilAction::TryAttach {
            thread: 0,
            retry: false,
        },
        FtGilAction::EnablePermanent,
    ];
    for action in path {
        let mut enabled = Vec::new();
        m.actions(&s, &mut enabled);
        assert!(enabled.contains(&action), "{action:?} not enabled in {s:?}");
        s = m.next_state(&s, &action);
    }
    // The disable is now the no-op one, and the GIL stays enabled and held.
    let mut enabled = Vec::new();
    m.actions(&s, &mut enabled);
    assert!(enabled.contains(&FtGilAction::DisableKept));
    assert!(!enabled.contains(&FtGilAction::Disable));
    s = m.next_state(&s, &FtGilAction::DisableKept);
    assert!(s.enabled && s.holds[0] && s.phase[0] == Phase::Run);
}
