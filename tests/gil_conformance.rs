//! Sequential conformance of the GIL twin (proptest-state-machine): random sequences of enabled
//! spec actions are forced onto the real twin code, one step at a time under the `Stepped`
//! backend (which thread moves, which timeout fires, which waiter a signal wakes), and after
//! every step the twin must have logged exactly that action and its memory (`locked`,
//! `last_holder`, the drop request, who waits and who was woken) must match the spec state.
//! Failing sequences shrink to a shortest one.

#[path = "common/conformance.rs"]
mod conformance;

use conformance::{Conformance, Program};
use gilcheck::exec::{Backend, Session, Stepped, Twin};
use gilcheck::model::Model;
use gilcheck::model::Variants;
use gilcheck::models::gil::handoff_twin::GilTwin;
use gilcheck::models::gil::{Action, GilState, GilVariant, Handoff, Woken};
use proptest::prelude::*;
use proptest::sample::select;
use proptest_state_machine::prop_state_machine;

/// The twin's program: each thread passes exactly `iterations` poll points, then exits. The
/// progress is the poll points each thread has passed.
impl Program for GilTwin {
    type Progress = Vec<usize>;

    fn configurations() -> BoxedStrategy<GilTwin> {
        let variants: Vec<GilVariant> = GilVariant::ALL
            .iter()
            .filter_map(|v| GilVariant::from_name(v.name))
            .filter(|v| v.has_twin())
            .collect();
        (select(variants), 1..=4usize, 1..=3usize)
            .prop_map(|(variant, threads, iterations)| {
                GilTwin::new(variant, threads, iterations, 0)
            })
            .boxed()
    }

    fn start_progress(&self) -> Vec<usize> {
        vec![0; self.threads]
    }

    fn takes(&self, _: &Handoff, polls: &Vec<usize>, _: &GilState, action: &Action) -> bool {
        match *action {
            Action::Poll { thread, .. } | Action::Bytecode(thread) => {
                polls[thread as usize] < self.iterations
            }
            Action::Exit(thread) => polls[thread as usize] == self.iterations,
            _ => true,
        }
    }

    fn advance(&self, _: &Handoff, polls: &mut Vec<usize>, _: &GilState, action: &Action) {
        if let Action::Poll { thread, .. } | Action::Bytecode(thread) = *action {
            polls[thread as usize] += 1;
        }
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Every variant, 1–4 threads, 1–3 poll points each, up to 60 steps.
    #[test]
    fn gil_twin_conforms_to_spec_step_by_step(sequential 1..60 => Conformance<GilTwin>);
}

/// The harness is not vacuous: the `no-force-switch` twin, driven with the `cpython-3.11`
/// spec's actions, fails at the first step where the two differ (the hand-off after a drop).
#[test]
fn conformance_catches_a_twin_that_skips_the_hand_off() {
    let spec = GilTwin::new(GilVariant::Cpython311, 2, 2, 0).spec(Stepped::NAME);
    let mut session = Session::start(GilTwin::new(GilVariant::NoForceSwitch, 2, 2, 0));
    let path = [
        Action::TakeFree(0),
        Action::ClearRequest(0),
        Action::TakeBlock(1),
        Action::Wake {
            thread: 1,
            timed_out: true,
            requests: true,
            acquires: false,
        },
        Action::Poll {
            thread: 0,
            request: true,
        },
        Action::Release {
            thread: 0,
            woken: Woken::Thread(1),
        },
        Action::HandoffRead {
            thread: 0,
            request: true,
        },
    ];
    let mut state = spec.init_states().remove(0);
    let mut outcome = Ok(());
    for (step, action) in path.iter().enumerate() {
        let mut enabled = Vec::new();
        spec.actions(&state, &mut enabled);
        assert!(
            enabled.contains(action),
            "step {step}: {action:?} is not enabled"
        );
        state = spec.next_state(&state, action);
        outcome = session.perform(action, &state);
        if outcome.is_err() {
            assert_eq!(step, path.len() - 1, "failed early: {outcome:?}");
        }
    }
    let failure = outcome.expect_err("the no-force-switch twin cannot hand off");
    assert!(failure.contains("HandoffRead"), "{failure}");
}
