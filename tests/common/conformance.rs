//! Sequential conformance with proptest-state-machine, for any twin that runs under `Stepped`:
//! random sequences of enabled spec actions, restricted to those the twin's fixed program takes,
//! are forced onto the real twin code one step at a time; after every step the twin must have
//! logged exactly that action and its memory and threads must match the spec state. Failing
//! sequences shrink to a shortest one.

use gilcheck::exec::{Backend, Session, Stepped, SteppedTwin, Twin};
use gilcheck::model::Model;
use proptest::prelude::*;
use proptest::sample::select;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use std::fmt::Debug;
use std::marker::PhantomData;

type State<P> = <<P as Twin>::Spec as Model>::State;
type Action<P> = <<P as Twin>::Spec as Model>::Action;

/// A twin whose program is fixed (the spec allows more, e.g. exiting at any poll point): the
/// reference follows the program's progress to offer only the steps the twin will take.
pub trait Program: SteppedTwin + Clone + Debug
where
    Self::Spec: Clone + Debug,
{
    /// What the reference tracks besides the spec state.
    type Progress: Clone + Debug;
    /// The configurations to test.
    fn configurations() -> BoxedStrategy<Self>;
    /// The progress at the start.
    fn start_progress(&self) -> Self::Progress;
    /// Whether the program takes `action`, enabled in `state` of `spec`, now.
    fn takes(
        &self,
        spec: &Self::Spec,
        progress: &Self::Progress,
        state: &State<Self>,
        action: &Action<Self>,
    ) -> bool;
    /// Records that the program took `action` in `state`.
    fn advance(
        &self,
        spec: &Self::Spec,
        progress: &mut Self::Progress,
        state: &State<Self>,
        action: &Action<Self>,
    );
}

/// The reference: the spec state and the program's progress.
#[derive(Clone, Debug)]
pub struct Reference<P: Program>
where
    P::Spec: Clone + Debug,
{
    program: P,
    spec: P::Spec,
    state: State<P>,
    progress: P::Progress,
}

impl<P: Program> Reference<P>
where
    P::Spec: Clone + Debug,
{
    fn enabled(&self) -> Vec<Action<P>> {
        let mut actions = Vec::new();
        self.spec.actions(&self.state, &mut actions);
        actions.retain(|a| {
            self.program
                .takes(&self.spec, &self.progress, &self.state, a)
        });
        actions
    }
}

impl<P: Program> ReferenceStateMachine for Reference<P>
where
    P::Spec: Clone + Debug,
{
    type State = Reference<P>;
    /// A spec action, or nothing when no thread can move.
    type Transition = Option<Action<P>>;

    fn init_state() -> BoxedStrategy<Reference<P>> {
        P::configurations()
            .prop_map(|program| {
                let spec = program.spec(Stepped::NAME);
                Reference {
                    state: spec.init_states().remove(0),
                    progress: program.start_progress(),
                    spec,
                    program,
                }
            })
            .boxed()
    }

    fn transitions(reference: &Reference<P>) -> BoxedStrategy<Option<Action<P>>> {
        let enabled = reference.enabled();
        if enabled.is_empty() {
            Just(None).boxed()
        } else {
            select(enabled).prop_map(Some).boxed()
        }
    }

    fn apply(mut reference: Reference<P>, transition: &Option<Action<P>>) -> Reference<P> {
        if let Some(action) = transition {
            let Reference {
                program,
                spec,
                progress,
                state,
            } = &mut reference;
            program.advance(spec, progress, state, action);
            reference.state = reference.spec.next_state(&reference.state, action);
        }
        reference
    }

    fn preconditions(reference: &Reference<P>, transition: &Option<Action<P>>) -> bool {
        let enabled = reference.enabled();
        match transition {
            Some(action) => enabled.contains(action),
            None => enabled.is_empty(),
        }
    }
}

/// The test: the twin under `Stepped`, driven by the reference's actions.
pub struct Conformance<P>(PhantomData<P>);

impl<P: Program> StateMachineTest for Conformance<P>
where
    P::Spec: Clone + Debug,
{
    type SystemUnderTest = Session<P>;
    type Reference = Reference<P>;

    fn init_test(reference: &Reference<P>) -> Session<P> {
        Session::start(reference.program.clone())
    }

    fn apply(
        mut session: Session<P>,
        after: &Reference<P>,
        transition: Option<Action<P>>,
    ) -> Session<P> {
        if let Some(action) = transition {
            if let Err(failure) = session.perform(&action, &after.state) {
                panic!("{:?}: {failure}", after.program);
            }
        }
        session
    }
}
