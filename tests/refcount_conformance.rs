//! Sequential conformance of the refcount twin (proptest-state-machine): random sequences of
//! enabled spec actions are forced onto the real twin code one step at a time under the
//! `Stepped` backend, and after every step the twin's log, GIL fields, every `ob_refcnt`, the
//! module dict and its threads must match the spec state.

#[path = "common/conformance.rs"]
mod conformance;

use conformance::{Conformance, Program};
use gilcheck::model::Model;
use gilcheck::model::Variants;
use gilcheck::models::gil::{Action as GilAction, Pc};
use gilcheck::models::refcount::{RcAction, RcState, RcVariant, Refcount, Work, MAX_OBJECTS};
use gilcheck::models::refcount_twin::RefcountTwin;
use proptest::prelude::*;
use proptest::sample::select;
use proptest_state_machine::prop_state_machine;

/// Whether a thread is between bytecodes (not inside a count update, a dealloc or `__del__`).
fn between_bytecodes(w: &Work) -> bool {
    w.rmw.is_none() && w.owed.is_none() && w.pending == 0 && !w.finalizing
}

/// The twin's program polls exactly once before each bytecode it runs holding the GIL and once
/// inside `__del__`; the spec allows any number of polls there. The progress is, per thread,
/// whether it has polled since its last bytecode.
impl Program for RefcountTwin {
    type Progress = Vec<bool>;

    fn configurations() -> BoxedStrategy<RefcountTwin> {
        let variants: Vec<RcVariant> = RcVariant::ALL
            .iter()
            .filter_map(|v| RcVariant::from_name(v.name))
            .collect();
        (select(variants), 1..=3usize, 1..=MAX_OBJECTS)
            .prop_map(|(variant, threads, objects)| RefcountTwin::new(variant, threads, objects, 0))
            .boxed()
    }

    fn start_progress(&self) -> Vec<bool> {
        vec![false; self.threads]
    }

    fn takes(&self, spec: &Refcount, polled: &Vec<bool>, s: &RcState, action: &RcAction) -> bool {
        let t = spec.actor(action).expect("every step has a thread");
        let w = &s.work[t];
        let ready = polled[t] || s.gil.threads[t] == Pc::Detached;
        match action {
            RcAction::Gil(GilAction::Poll { .. } | GilAction::Bytecode(_)) => {
                !polled[t]
                    && (w.finalizing
                        || (between_bytecodes(w)
                            && (w.next as usize) < spec.program(t as u8).len()))
            }
            RcAction::Gil(_) => true,
            RcAction::FinalizerDone(_) => polled[t],
            _ if between_bytecodes(w) => ready,
            _ => true,
        }
    }

    fn advance(&self, spec: &Refcount, polled: &mut Vec<bool>, s: &RcState, action: &RcAction) {
        let t = spec.actor(action).expect("every step has a thread");
        match action {
            RcAction::Gil(GilAction::Poll { .. } | GilAction::Bytecode(_)) => polled[t] = true,
            RcAction::Gil(_) => {}
            RcAction::FinalizerDone(_) => polled[t] = false,
            _ if between_bytecodes(&s.work[t]) => polled[t] = false,
            _ => {}
        }
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Every variant, 1–3 threads, 1–3 objects, up to 100 steps.
    #[test]
    fn refcount_twin_conforms_to_spec_step_by_step(sequential 1..100 => Conformance<RefcountTwin>);
}
