//! Sequential conformance of the GIL twin (proptest-state-machine): random sequences of enabled
//! spec actions are forced onto the real twin code, one step at a time under the `Stepped`
//! backend (which thread moves, which timeout fires, which waiter a signal wakes), and after
//! every step the twin must have logged exactly that action and its memory (`locked`,
//! `last_holder`, the drop request, who waits and who was woken) must match the spec state.
//! Failing sequences shrink to a shortest one.

use gilcheck::exec::{Backend, Session, Stepped, Twin};
use gilcheck::model::Model;
use gilcheck::models::gil::{Action, Gil, GilState, GilVariant, Woken, VARIANTS};
use gilcheck::models::gil_twin::GilTwin;
use proptest::prelude::*;
use proptest::sample::select;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

/// The spec, restricted to what the twin's fixed program does: each thread passes exactly
/// `iterations` poll points and then exits.
#[derive(Clone, Debug)]
struct Reference {
    twin: GilTwin,
    spec: Gil,
    state: GilState,
    /// Poll points (or no-poll bytecode steps) each thread has passed.
    polls: Vec<usize>,
}

impl Reference {
    /// Whether the twin's program takes `action` now (the spec may also exit early).
    fn program_allows(&self, action: &Action) -> bool {
        match *action {
            Action::Poll { thread, .. } | Action::Bytecode(thread) => {
                self.polls[thread as usize] < self.twin.iterations
            }
            Action::Exit(thread) => self.polls[thread as usize] == self.twin.iterations,
            _ => true,
        }
    }

    fn enabled(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        self.spec.actions(&self.state, &mut actions);
        actions.retain(|a| self.program_allows(a));
        actions
    }
}

impl ReferenceStateMachine for Reference {
    type State = Reference;
    /// A spec action, or nothing when no thread can move.
    type Transition = Option<Action>;

    fn init_state() -> BoxedStrategy<Reference> {
        let variants: Vec<GilVariant> = VARIANTS
            .iter()
            .filter_map(|v| GilVariant::from_name(v.name))
            .collect();
        (select(variants), 1..=4usize, 1..=3usize)
            .prop_map(|(variant, threads, iterations)| {
                let twin = GilTwin::new(variant, threads, iterations, 0);
                let spec = twin.spec(Stepped::NAME);
                Reference {
                    state: spec.init_states().remove(0),
                    spec,
                    twin,
                    polls: vec![0; threads],
                }
            })
            .boxed()
    }

    fn transitions(reference: &Reference) -> BoxedStrategy<Option<Action>> {
        let enabled = reference.enabled();
        if enabled.is_empty() {
            Just(None).boxed()
        } else {
            select(enabled).prop_map(Some).boxed()
        }
    }

    fn apply(mut reference: Reference, transition: &Option<Action>) -> Reference {
        if let Some(action) = transition {
            if let Action::Poll { thread, .. } | Action::Bytecode(thread) = *action {
                reference.polls[thread as usize] += 1;
            }
            reference.state = reference.spec.next_state(&reference.state, action);
        }
        reference
    }

    fn preconditions(reference: &Reference, transition: &Option<Action>) -> bool {
        let enabled = reference.enabled();
        match transition {
            Some(action) => enabled.contains(action),
            None => enabled.is_empty(),
        }
    }
}

struct GilConformance;

impl StateMachineTest for GilConformance {
    type SystemUnderTest = Session<GilTwin>;
    type Reference = Reference;

    fn init_test(reference: &Reference) -> Session<GilTwin> {
        Session::start(reference.twin.clone())
    }

    fn apply(
        mut session: Session<GilTwin>,
        after: &Reference,
        transition: Option<Action>,
    ) -> Session<GilTwin> {
        if let Some(action) = transition {
            if let Err(failure) = session.perform(&action, &after.state) {
                panic!("{:?}: {failure}", after.twin.variant);
            }
        }
        session
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
    fn gil_twin_conforms_to_spec_step_by_step(sequential 1..60 => GilConformance);
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
