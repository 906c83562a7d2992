//! Confirming a saved trace: its steps replay on the specification, and its last state, cycle
//! or counted steps show what its claim says (a violation, a deadlock, a fair lasso, a witness,
//! a refused step, a bound exceeded). Written from the definitions, independently of the search
//! that produced the trace, so that `gilcheck replay` checks the checker's output too.

use super::count::run_count;
use super::replay::{replay_trace, Replayed};
use crate::model::{Check, CountClaim, Fairness, Model, Property};
use crate::trace::{Claim, Trace};
use std::collections::BTreeSet;

/// A trace replayed and its claim judged.
pub struct Confirmation<M: Model> {
    /// The steps that replay on the spec (`None`: the trace starts in no initial state).
    pub replayed: Option<Replayed<M>>,
    /// `Ok`: what the trace was confirmed to show; `Err`: the claim that failed, in one line.
    pub outcome: Result<String, String>,
}

/// Replays `trace` on `model` and judges its claim. `Err` when the trace is malformed for this
/// model (an unknown property, or a claim its property cannot have).
pub fn confirm<M: Model>(model: &M, trace: &Trace) -> Result<Confirmation<M>, String> {
    let properties = model.properties();
    let property =
        match &trace.property {
            None => None,
            Some(id) => Some(properties.iter().find(|p| p.id == id).ok_or_else(|| {
                format!("the trace names property '{id}', which the model lacks")
            })?),
        };
    validate(trace, property)?;
    let refused = trace.claim == Claim::Refused;
    let mut allowed = trace.clone();
    if refused {
        allowed.steps.pop();
    }
    let replayed = match replay_trace(model, &allowed) {
        Ok(replayed) => replayed,
        Err(mismatch) => {
            return Ok(Confirmation {
                replayed: mismatch.replayed,
                outcome: Err(mismatch.reason),
            })
        }
    };
    let outcome = if refused {
        judge_refusal(model, trace, &replayed)
    } else {
        judge(model, trace, property, &replayed)
    };
    Ok(Confirmation {
        replayed: Some(replayed),
        outcome,
    })
}

/// Rejects claims the named property cannot have.
fn validate<M: Model>(trace: &Trace, property: Option<&Property<M>>) -> Result<(), String> {
    let needs_property = matches!(
        trace.claim,
        Claim::Violation | Claim::Witness | Claim::Exceeds { .. }
    );
    let Some(property) = property else {
        return match needs_property {
            true => Err(format!("a {:?} claim must name its property", trace.claim)),
            false => Ok(()),
        };
    };
    let fits = match (&trace.claim, &property.check) {
        (Claim::Violation, Check::Sometimes(_) | Check::SometimesStep(_)) => false,
        (Claim::Witness, Check::Always(_) | Check::DeadlockFree | Check::LeadsTo { .. }) => false,
        (
            Claim::Witness,
            Check::Count {
                claim: CountClaim::Bounded,
                ..
            },
        ) => false,
        (Claim::Exceeds { .. }, check) => matches!(
            check,
            Check::Count {
                claim: CountClaim::Bounded,
                ..
            }
        ),
        _ => true,
    };
    if !fits {
        return Err(format!(
            "{} cannot have a trace of kind {:?}",
            property.id, trace.claim
        ));
    }
    if trace.cycle.is_some()
        && !matches!(property.check, Check::LeadsTo { .. } | Check::Count { .. })
    {
        return Err(format!(
            "{} is not a liveness or counting property: no cycle",
            property.id
        ));
    }
    Ok(())
}

/// A refused step: every step before the last replays, and the last is not enabled.
fn judge_refusal<M: Model>(
    model: &M,
    trace: &Trace,
    replayed: &Replayed<M>,
) -> Result<String, String> {
    let Some(step) = trace.steps.last() else {
        return Err("a refused-step trace has no steps".into());
    };
    let mut enabled = Vec::new();
    model.actions(replayed.last(), &mut enabled);
    let allowed = enabled
        .iter()
        .any(|a| model.format_action(a) == step.action && model.actor(a) == step.thread);
    if allowed {
        Err(format!(
            "step {} (`{}`) is allowed by the specification: not a refinement failure",
            trace.steps.len(),
            step.action
        ))
    } else {
        Ok(format!(
            "step {} (`{}`) is not allowed by the specification: a refinement failure",
            trace.steps.len(),
            step.action
        ))
    }
}

/// Judges every claim but a refusal on the replayed path.
fn judge<M: Model>(
    model: &M,
    trace: &Trace,
    property: Option<&Property<M>>,
    replayed: &Replayed<M>,
) -> Result<String, String> {
    let path = Path::of(replayed);
    let last = path.states.len() - 1;
    let Some(property) = property else {
        return match trace.claim {
            Claim::Unfinished if !model.is_final(path.states[last]) => {
                Ok("the run ends where the specification has not finished".into())
            }
            Claim::Unfinished => Err("the specification has finished where the run ends".into()),
            _ => Ok(format!(
                "the specification allows all {} steps",
                trace.steps.len()
            )),
        };
    };
    let id = property.id;
    match (&trace.claim, &property.check) {
        (Claim::Run | Claim::Unfinished | Claim::Refused, _) => Ok(format!(
            "the specification allows all {} steps",
            trace.steps.len()
        )),
        (Claim::Violation, Check::Always(holds)) => match holds(model, path.states[last]) {
            false => Ok(format!("the last state violates {id}")),
            true => Err(format!("the last state does not violate {id}")),
        },
        (Claim::Violation, Check::DeadlockFree) => {
            let stuck = path.enabled(model, last).is_empty();
            match (stuck, model.is_final(path.states[last])) {
                (true, false) => Ok(format!(
                    "the last state is a deadlock ({id}): no thread can move and the run has \
                     not finished"
                )),
                (false, _) => Err(format!(
                    "the last state is no deadlock: a step is enabled ({id})"
                )),
                (true, true) => Err(format!("the last state is final, not a deadlock ({id})")),
            }
        }
        (Claim::Violation, Check::LeadsTo { .. }) => lasso(model, trace, property, &path),
        (Claim::Witness, Check::Sometimes(holds)) => match holds(model, path.states[last]) {
            true => Ok(format!("the last state witnesses {id}")),
            false => Err(format!("the last state does not witness {id}")),
        },
        (Claim::Witness, Check::SometimesStep(holds)) => {
            let shows = last > 0
                && holds(
                    model,
                    path.states[last - 1],
                    &path.actions[last - 1],
                    path.states[last],
                );
            match shows {
                true => Ok(format!("the last step witnesses {id}")),
                false => Err(format!("the last step does not witness {id}")),
            }
        }
        (Claim::Exceeds { bound }, check) => {
            let actions: Vec<M::Action> = path.actions.to_vec();
            let most = (0..model.thread_count())
                .map(|t| run_count(model, &replayed.init, &actions, check, t))
                .max()
                .unwrap_or(0);
            match most > *bound {
                true => Ok(format!(
                    "a thread counts {most} steps of {id}, over the bound {bound}"
                )),
                false => Err(format!(
                    "no thread counts more than {bound} steps of {id} (most: {most})"
                )),
            }
        }
        (claim, Check::Count { .. }) => counted(model, trace, *claim, property, &path),
        (claim, _) => unreachable!("validate rejects {claim:?} for {id}"),
    }
}

/// The replayed run as states and actions: `states[i]` is the state before step `i + 1`.
struct Path<'a, M: Model> {
    states: Vec<&'a M::State>,
    actions: Vec<M::Action>,
}

impl<'a, M: Model> Path<'a, M> {
    fn of(replayed: &'a Replayed<M>) -> Self {
        Path {
            states: std::iter::once(&replayed.init)
                .chain(replayed.path.iter().map(|(_, s)| s))
                .collect(),
            actions: replayed.actions(),
        }
    }

    /// The actions enabled in state `i`.
    fn enabled(&self, model: &M, i: usize) -> Vec<M::Action> {
        let mut out = Vec::new();
        model.actions(self.states[i], &mut out);
        out
    }

    /// With a cycle starting at step `k + 1`: checks that it is in range and returns to the
    /// state it starts from.
    fn closed(&self, k: usize) -> Result<(), String> {
        let steps = self.actions.len();
        if k >= steps {
            return Err(format!(
                "the cycle starts at step {} but the trace has {steps} steps",
                k + 1
            ));
        }
        if self.states[k] != self.states[steps] {
            return Err(format!(
                "the cycle does not return to its start: the state after step {steps} is not \
                 the state before step {}",
                k + 1
            ));
        }
        Ok(())
    }

    /// Whether `from(t)` holds in some state `i` such that `to(t)` fails in every state from
    /// `i` on (and from `k` on, with a cycle from `k`): thread `t`'s trigger stays unanswered.
    fn unanswered(
        &self,
        model: &M,
        t: usize,
        cycle: Option<usize>,
        from: fn(&M, &M::State, usize) -> bool,
        to: fn(&M, &M::State, usize) -> bool,
    ) -> bool {
        (0..self.states.len()).any(|i| {
            let first = cycle.map_or(i, |k| k.min(i));
            from(model, self.states[i], t) && self.states[first..].iter().all(|s| !to(model, s, t))
        })
    }
}

/// A leads-to counterexample: the run reaches a trigger and then never the response, on a
/// cycle that is fair under the trace's fairness, or stopping where nothing is enabled.
fn lasso<M: Model>(
    model: &M,
    trace: &Trace,
    property: &Property<M>,
    path: &Path<'_, M>,
) -> Result<String, String> {
    let Check::LeadsTo {
        from, to, fairness, ..
    } = property.check
    else {
        unreachable!("called for leads-to properties")
    };
    let id = property.id;
    let threads = property.check.threads(model);
    let last = path.states.len() - 1;
    let Some(k) = trace.cycle else {
        if !path.enabled(model, last).is_empty() {
            return Err(format!(
                "the run has no cycle, and it does not stop: a step is enabled in its last state ({id})"
            ));
        }
        return match (0..threads).find(|&t| path.unanswered(model, t, None, from, to)) {
            Some(t) => Ok(format!(
                "{id}: the run stops with T{t}'s trigger unanswered"
            )),
            None => Err(format!(
                "{id}: no trigger is left unanswered where the run stops"
            )),
        };
    };
    path.closed(k)?;
    let fairness = trace.fairness.unwrap_or(fairness);
    fair(model, path, k, fairness)?;
    match (0..threads).find(|&t| path.unanswered(model, t, Some(k), from, to)) {
        Some(t) => Ok(format!(
            "{id}: a cycle fair under {} repeats forever with T{t}'s trigger unanswered",
            fairness.name()
        )),
        None => Err(format!(
            "{id}: the response holds somewhere after every trigger, or no trigger occurs"
        )),
    }
}

/// Checks that the cycle from step `k + 1` to the end is fair: under weak fairness every unit
/// enabled in all its states takes a step in it; under strong fairness every unit enabled in
/// any of its states does.
fn fair<M: Model>(
    model: &M,
    path: &Path<'_, M>,
    k: usize,
    fairness: Fairness,
) -> Result<(), String> {
    let unit = |action: &M::Action| -> (Option<usize>, String) {
        let label = match fairness {
            Fairness::StrongAction => model.format_action(action),
            _ => String::new(),
        };
        (model.actor(action), label)
    };
    let steps = path.actions.len();
    let taken: BTreeSet<_> = path.actions[k..].iter().map(unit).collect();
    let enabled: Vec<BTreeSet<_>> = (k..steps)
        .map(|i| path.enabled(model, i).iter().map(unit).collect())
        .collect();
    let required: BTreeSet<_> = match fairness {
        Fairness::WeakThread => enabled
            .iter()
            .skip(1)
            .fold(enabled[0].clone(), |all, here| &all & here),
        _ => enabled.iter().flatten().cloned().collect(),
    };
    match required.iter().find(|u| !taken.contains(*u)) {
        None => Ok(()),
        Some((thread, label)) => {
            let who = thread.map_or("the environment".to_string(), |t| format!("T{t}"));
            let what = if label.is_empty() {
                who
            } else {
                format!("{who}'s `{label}`")
            };
            Err(format!(
                "the cycle is not fair under {}: {what} is enabled {} but never moves in it",
                fairness.name(),
                match fairness {
                    Fairness::WeakThread => "in all its states",
                    _ => "in it",
                }
            ))
        }
    }
}

/// A counting property's trace: a violation of a bound is a cycle that takes a counted step
/// while a trigger waits for its response; a violation of `at least n` is a run from a trigger
/// to its response with fewer counted steps, and a witness one with at least `n`.
fn counted<M: Model>(
    model: &M,
    trace: &Trace,
    claim: Claim,
    property: &Property<M>,
    path: &Path<'_, M>,
) -> Result<String, String> {
    let Check::Count {
        from,
        count,
        to,
        claim: promise,
        ..
    } = property.check
    else {
        unreachable!("called for counting properties")
    };
    let id = property.id;
    let threads = property.check.threads(model);
    let counts = |t: usize, steps: std::ops::Range<usize>| {
        steps
            .filter(|&i| {
                count(
                    model,
                    path.states[i],
                    &path.actions[i],
                    path.states[i + 1],
                    t,
                )
            })
            .count()
    };
    if let CountClaim::AtLeast(n) = promise {
        // A trigger, the first response at or after it, and the counted steps between.
        let at_least = claim == Claim::Witness;
        let words = if at_least { "at least" } else { "fewer than" };
        let found = (0..threads).find_map(|t| {
            (0..path.states.len()).find_map(|i| {
                if !from(model, path.states[i], t) {
                    return None;
                }
                let j = (i..path.states.len()).find(|&j| to(model, path.states[j], t))?;
                let c = counts(t, i..j);
                ((c >= n) == at_least).then_some((t, c))
            })
        });
        return match found {
            Some((t, c)) => Ok(format!(
                "{id}: T{t} counts {c} steps from a trigger to its response ({words} {n})"
            )),
            None => Err(format!(
                "{id}: no trigger reaches its response with {words} {n} counted steps"
            )),
        };
    }
    let Some(k) = trace.cycle else {
        return Err(format!("{id}: a violated bound needs a cycle"));
    };
    path.closed(k)?;
    let steps = path.actions.len();
    let open: Vec<usize> = (0..threads)
        .filter(|&t| path.unanswered(model, t, Some(k), from, to))
        .collect();
    match open.iter().find(|&&t| counts(t, k..steps) > 0) {
        Some(t) => Ok(format!(
            "{id}: T{t}'s trigger waits while a cycle takes counted steps forever (unbounded)"
        )),
        None if open.is_empty() => Err(format!(
            "{id}: no trigger waits for its response through the cycle"
        )),
        None => Err(format!(
            "{id}: the cycle takes no counted step of a thread whose trigger waits"
        )),
    }
}
