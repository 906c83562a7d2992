//! Refinement check: a run of an executable twin, logged as observed actions, is replayed on the
//! specification. The spec may have hidden choices (for example which waiter a signal wakes),
//! so the replay tracks every spec state consistent with the observations so far; the run is
//! refused when no spec state allows the next observation, and a safety property fails when
//! every consistent state violates it.

use crate::model::Model;
use crate::trace::{Claim, Trace, TraceMeta};

/// Why a twin run does not refine its specification.
#[derive(Clone, Debug)]
pub enum Refinement {
    /// Step `step` (0-based) is not allowed by the spec in any consistent state.
    NotAllowed {
        /// Index of the refused observation.
        step: usize,
        /// The trace up to and including the refused step.
        trace: Trace,
    },
    /// After step `step`, every consistent spec state violates `property`.
    Violates {
        /// The property's ID.
        property: String,
        /// The trace up to the violating state.
        trace: Trace,
    },
    /// The run ended although the spec says its threads have not finished.
    Unfinished {
        /// The whole trace.
        trace: Trace,
    },
}

impl Refinement {
    /// The trace that shows the failure.
    pub fn trace(&self) -> &Trace {
        match self {
            Refinement::NotAllowed { trace, .. }
            | Refinement::Violates { trace, .. }
            | Refinement::Unfinished { trace } => trace,
        }
    }
}

/// A node of the replay tree: the spec state reached and how.
struct Node<M: Model> {
    parent: Option<usize>,
    action: Option<M::Action>,
    state: M::State,
}

/// A run replayed on the spec: one spec path consistent with every observation.
pub struct Replayed<M: Model> {
    /// The initial state.
    pub init: M::State,
    /// Each step's spec action and the state after it.
    pub path: Vec<(M::Action, M::State)>,
}

impl<M: Model> Replayed<M> {
    /// The run as a trace.
    pub fn trace(&self, model: &M, meta: &TraceMeta) -> Trace {
        Trace::from_path(model, meta.clone(), &self.init, &self.path)
    }

    /// The state the run ends in.
    pub fn last(&self) -> &M::State {
        self.path.last().map_or(&self.init, |(_, s)| s)
    }

    /// The spec actions of the run.
    pub fn actions(&self) -> Vec<M::Action> {
        self.path.iter().map(|(a, _)| a.clone()).collect()
    }
}

/// Replays `observed` on `model` and returns one spec path for the run. With `finished`, the
/// run completed, so the spec must be able to be in a final state at the end.
pub fn replay_observed<M: Model>(
    model: &M,
    meta: &TraceMeta,
    observed: &[M::Action],
    finished: bool,
) -> Result<Replayed<M>, Box<Refinement>> {
    let properties = model.properties();
    let mut nodes: Vec<Node<M>> = Vec::new();
    let mut frontier: Vec<usize> = Vec::new();
    for state in model.init_states() {
        nodes.push(Node {
            parent: None,
            action: None,
            state,
        });
        frontier.push(nodes.len() - 1);
    }
    let mut actions = Vec::new();
    for (step, wanted) in observed.iter().enumerate() {
        let mut next_frontier: Vec<usize> = Vec::new();
        for &index in &frontier {
            actions.clear();
            model.actions(&nodes[index].state, &mut actions);
            for action in actions.iter().filter(|a| model.observable(a) == *wanted) {
                let state = model.next_state(&nodes[index].state, action);
                if next_frontier.iter().any(|&j| nodes[j].state == state) {
                    continue;
                }
                nodes.push(Node {
                    parent: Some(index),
                    action: Some(action.clone()),
                    state,
                });
                next_frontier.push(nodes.len() - 1);
            }
        }
        if next_frontier.is_empty() {
            let mut trace = path_trace(model, meta, &nodes, frontier[0]);
            trace.steps.push(crate::trace::Step {
                thread: model.actor(wanted),
                action: model.format_action(wanted),
                state: "(not allowed by the specification)".to_string(),
                frame: Default::default(),
            });
            trace.outcome = format!(
                "refinement failure: step {} is not allowed by the specification",
                step + 1
            );
            trace.claim = Claim::Refused;
            return Err(Box::new(Refinement::NotAllowed { step, trace }));
        }
        frontier = next_frontier;
        for p in &properties {
            if frontier
                .iter()
                .all(|&i| p.violated_by(model, &nodes[i].state))
            {
                let trace = path_trace(model, meta, &nodes, frontier[0]);
                return Err(Box::new(Refinement::Violates {
                    property: p.id.to_string(),
                    trace: trace.violating(p.id, p.statement),
                }));
            }
        }
    }
    if finished && !frontier.iter().any(|&i| model.is_final(&nodes[i].state)) {
        let mut trace = path_trace(model, meta, &nodes, frontier[0]);
        trace.outcome =
            "refinement failure: the run finished but the specification has not".to_string();
        trace.claim = Claim::Unfinished;
        return Err(Box::new(Refinement::Unfinished { trace }));
    }
    Ok(spec_path(&nodes, frontier[0]))
}

fn path_trace<M: Model>(model: &M, meta: &TraceMeta, nodes: &[Node<M>], last: usize) -> Trace {
    spec_path(nodes, last).trace(model, meta)
}

/// The spec path from a root of the replay tree to node `last`.
fn spec_path<M: Model>(nodes: &[Node<M>], last: usize) -> Replayed<M> {
    let mut path = Vec::new();
    let mut index = last;
    while let Some(parent) = nodes[index].parent {
        let action = nodes[index]
            .action
            .clone()
            .expect("non-root nodes have actions");
        path.push((action, nodes[index].state.clone()));
        index = parent;
    }
    path.reverse();
    Replayed {
        init: nodes[index].state.clone(),
        path,
    }
}

/// Why a recorded trace does not replay on a model: the reason, and the steps that did.
pub struct Mismatch<M: Model> {
    /// The steps before the first that fails (`None`: the trace starts in no initial state).
    pub replayed: Option<Replayed<M>>,
    /// One line naming the first step that fails and why.
    pub reason: String,
}

impl<M: Model> std::fmt::Debug for Mismatch<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Re-derives the spec path of a recorded trace (any backend) from its step labels, starting
/// from an initial state: each step must be enabled, be taken by the recorded thread, and lead
/// to the recorded state. On failure, says which step fails and returns the steps before it.
pub fn replay_trace<M: Model>(model: &M, trace: &Trace) -> Result<Replayed<M>, Mismatch<M>> {
    let Some(init) = model
        .init_states()
        .into_iter()
        .find(|s| model.format_state(s) == trace.init)
    else {
        return Err(Mismatch {
            replayed: None,
            reason: "the trace starts in no initial state of the model".into(),
        });
    };
    let mut replayed = Replayed {
        init,
        path: Vec::new(),
    };
    let mut enabled = Vec::new();
    for (i, step) in trace.steps.iter().enumerate() {
        let state = replayed
            .path
            .last()
            .map_or(&replayed.init, |(_, s): &(M::Action, M::State)| s)
            .clone();
        enabled.clear();
        model.actions(&state, &mut enabled);
        let found = enabled
            .iter()
            .filter(|a| model.format_action(a) == step.action && model.actor(a) == step.thread)
            .map(|a| (a.clone(), model.next_state(&state, a)))
            .find(|(_, next)| model.format_state(next) == step.state);
        let Some(found) = found else {
            return Err(Mismatch {
                replayed: Some(replayed),
                reason: format!(
                    "step {}: `{}` is not enabled or does not lead to the recorded state",
                    i + 1,
                    step.action
                ),
            });
        };
        replayed.path.push(found);
    }
    Ok(replayed)
}

#[cfg(test)]
mod tests {
    use super::{replay_observed, replay_trace, Refinement};
    use crate::explore::toy::{meta, Move, Toy};
    use crate::model::Model;
    use crate::trace::Claim;
    use Move::{Back, Go, Leave, Stop};

    #[test]
    fn a_hidden_choice_is_resolved_by_later_observations() {
        // `Leave` is `Stop` or `Back`; only `Back` lets T0 go again. The replay keeps both
        // (`Stop` first) until the next observation decides.
        let replayed = replay_observed(&Toy, &meta(), &[(0, Go), (0, Leave), (0, Go)], false)
            .expect("the spec allows it");
        assert_eq!(replayed.init, [0, 0]);
        assert_eq!(replayed.actions(), [(0, Go), (0, Back), (0, Go)]);
        assert_eq!(replayed.last(), &[1, 0]);
        let trace = replayed.trace(&Toy, &meta());
        assert_eq!(trace.init, "[0, 0]");
        let labels: Vec<&str> = trace.steps.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(labels, ["T0 Go", "T0 Back", "T0 Go"]);
        // Both choices stay open at the end of an unfinished run.
        let open = replay_observed(&Toy, &meta(), &[(0, Go), (0, Leave)], false).unwrap();
        assert_eq!(open.actions(), [(0, Go), (0, Stop)]);
    }

    #[test]
    fn an_observation_no_consistent_state_allows_is_refused() {
        // After `Leave` T1 is at 2 or back at 0; from 0 it goes to 1, and from 1 not again.
        let observed = [(1, Go), (1, Leave), (1, Go), (1, Go)];
        let refusal = replay_observed(&Toy, &meta(), &observed, false)
            .err()
            .expect("T1 cannot go twice");
        let Refinement::NotAllowed { step, trace } = refusal.as_ref() else {
            panic!("not a refusal: {:?}", refusal.trace().outcome)
        };
        assert_eq!(*step, 3);
        assert_eq!(trace.claim, Claim::Refused);
        assert_eq!(refusal.trace(), trace);
        let labels: Vec<&str> = trace.steps.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(labels, ["T1 Go", "T1 Back", "T1 Go", "T1 Go"]);
        assert_eq!(trace.steps[2].state, "[0, 1]");
        assert_eq!(trace.steps[3].state, "(not allowed by the specification)");
        assert!(
            trace.outcome.contains("step 4 is not allowed"),
            "{}",
            trace.outcome
        );
    }

    #[test]
    fn a_state_every_reading_violates_fails_the_safety_property() {
        // Both at 1 violates T-S1.
        let violation = replay_observed(&Toy, &meta(), &[(0, Go), (1, Go), (1, Leave)], false)
            .err()
            .expect("T-S1 fails after two steps");
        let Refinement::Violates { property, trace } = violation.as_ref() else {
            panic!("not a violation: {:?}", violation.trace().outcome)
        };
        assert_eq!(property, "T-S1");
        assert_eq!(trace.claim, Claim::Violation);
        assert_eq!(violation.trace().steps.len(), 2);
    }

    #[test]
    fn a_finished_run_must_end_where_the_spec_can_have_finished() {
        let both = [(0, Go), (0, Leave), (1, Go), (1, Leave)];
        // Each `Leave` may have been a `Stop`: the spec may have finished.
        let finished = replay_observed(&Toy, &meta(), &both, true).expect("it can finish");
        assert_eq!(finished.actions().len(), 4);
        // After one thread's steps only, it has not.
        let half = replay_observed(&Toy, &meta(), &both[..2], true)
            .err()
            .expect("T1 has not finished");
        let Refinement::Unfinished { trace } = half.as_ref() else {
            panic!("not unfinished: {:?}", half.trace().outcome)
        };
        assert_eq!(trace.claim, Claim::Unfinished);
        assert_eq!(half.trace().steps.len(), 2);
        // A run that is not over need not have finished.
        assert!(replay_observed(&Toy, &meta(), &both[..2], false).is_ok());
    }

    #[test]
    fn a_recorded_trace_replays_step_by_step_or_says_which_step_fails() {
        let observed = replay_observed(&Toy, &meta(), &[(0, Go), (0, Leave)], false).unwrap();
        let path = observed.actions();
        assert_eq!(path, [(0, Go), (0, Stop)]);
        let mut trace = observed.trace(&Toy, &meta());
        let replayed = replay_trace(&Toy, &trace).expect("its own trace replays");
        assert_eq!(replayed.actions(), path);
        // The recorded state after step 2 is where `T0 Back` leads, not `T0 Stop`.
        trace.steps[1].state = "[0, 0]".into();
        let mismatch = replay_trace(&Toy, &trace).err().expect("step 2 fails");
        assert_eq!(
            mismatch.reason,
            "step 2: `T0 Stop` is not enabled or does not lead to the recorded state"
        );
        assert_eq!(format!("{mismatch:?}"), mismatch.reason);
        assert_eq!(
            mismatch.replayed.expect("step 1 replays").actions(),
            path[..1]
        );
        // A trace from elsewhere starts in no initial state.
        trace.init = Toy.format_state(&[1, 1]);
        assert!(replay_trace(&Toy, &trace).err().unwrap().replayed.is_none());
    }
}
