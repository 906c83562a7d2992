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

#[cfg(test)]
mod tests {
    use super::confirm;
    use crate::explore::toy::{meta, Move, Toy};
    use crate::model::Model;
    use crate::trace::{Claim, Step, Trace};
    use Move::{Back, Go, Stop};

    /// The toy's run taking `steps` from its initial state.
    fn run(steps: &[(usize, Move)]) -> Trace {
        let init = Toy.init_states().remove(0);
        let mut state = init;
        let mut path = Vec::new();
        for step in steps {
            state = Toy.next_state(&state, step);
            path.push((*step, state));
        }
        Trace::from_path(&Toy, meta(), &init, &path)
    }

    /// `trace` claiming `claim` about property `id`, its cycle starting at step `cycle + 1`.
    fn claiming(mut trace: Trace, id: Option<&str>, claim: Claim, cycle: Option<usize>) -> Trace {
        trace.property = id.map(str::to_string);
        trace.claim = claim;
        trace.cycle = cycle;
        trace
    }

    /// What confirming `trace` says (it must be well-formed for the toy).
    fn judged(trace: &Trace) -> Result<String, String> {
        match confirm(&Toy, trace) {
            Ok(confirmation) => confirmation.outcome,
            Err(bad) => panic!("malformed: {bad}"),
        }
    }

    fn confirmed(trace: &Trace, needle: &str) {
        match judged(trace) {
            Ok(what) => assert!(what.contains(needle), "{what}"),
            Err(why) => panic!("not confirmed: {why}\n{}", trace.to_text()),
        }
    }

    fn refuted(trace: &Trace, needle: &str) {
        match judged(trace) {
            Ok(what) => panic!("confirmed: {what}\n{}", trace.to_text()),
            Err(why) => assert!(why.contains(needle), "{why}"),
        }
    }

    fn malformed(trace: &Trace, needle: &str) {
        match confirm(&Toy, trace) {
            Ok(c) => panic!("accepted, outcome {:?}", c.outcome),
            Err(bad) => assert!(bad.contains(needle), "{bad}"),
        }
    }

    #[test]
    fn claims_a_property_cannot_have_are_malformed() {
        let two = run(&[(0, Go), (0, Stop)]);
        let violation = Claim::Violation;
        let cannot = "cannot have a trace of kind";
        // A reachability property has witnesses, not counterexamples.
        malformed(
            &claiming(two.clone(), Some("T-R1"), violation, None),
            cannot,
        );
        malformed(
            &claiming(two.clone(), Some("T-R2"), violation, None),
            cannot,
        );
        // Safety and liveness have counterexamples, and so does a bound.
        malformed(
            &claiming(two.clone(), Some("T-S1"), Claim::Witness, None),
            cannot,
        );
        malformed(
            &claiming(two.clone(), Some("T-L1"), Claim::Witness, None),
            cannot,
        );
        malformed(
            &claiming(two.clone(), Some("T-B1"), Claim::Witness, None),
            cannot,
        );
        // Only a bounded count can be exceeded.
        let exceeds = Claim::Exceeds { bound: 0 };
        malformed(&claiming(two.clone(), Some("T-S1"), exceeds, None), cannot);
        malformed(&claiming(two.clone(), Some("T-B2"), exceeds, None), cannot);
        assert!(confirm(&Toy, &claiming(two.clone(), Some("T-B1"), exceeds, None)).is_ok());
        // A claim about a property names it; only liveness and counting have cycles.
        malformed(
            &claiming(two.clone(), None, violation, None),
            "must name its property",
        );
        malformed(
            &claiming(two.clone(), Some("T-X9"), violation, None),
            "T-X9",
        );
        malformed(&claiming(two, Some("T-S1"), violation, Some(0)), "no cycle");
    }

    /// `steps` then `last` (thread, label), claimed refused.
    fn refused(steps: &[(usize, Move)], thread: usize, label: &str) -> Trace {
        let mut trace = run(steps);
        trace.steps.push(Step {
            thread: Some(thread),
            action: label.to_string(),
            state: "(not allowed by the specification)".to_string(),
            frame: Default::default(),
        });
        claiming(trace, None, Claim::Refused, None)
    }

    #[test]
    fn a_refused_step_is_confirmed_only_where_the_spec_has_no_such_step() {
        // T0 at 1 can stop or go back, not go again.
        confirmed(
            &refused(&[(0, Go)], 0, "T0 Go"),
            "step 2 (`T0 Go`) is not allowed",
        );
        refuted(
            &refused(&[(0, Go)], 0, "T0 Stop"),
            "is allowed by the specification",
        );
        // The label alone does not make the step: it must be the same thread's.
        confirmed(&refused(&[(0, Go)], 1, "T0 Stop"), "is not allowed");
        let mut empty = run(&[]);
        empty.claim = Claim::Refused;
        refuted(&empty, "has no steps");
    }

    #[test]
    fn an_unfinished_run_is_one_that_ends_where_the_spec_has_not_finished() {
        let unfinished =
            |steps: &[(usize, Move)]| claiming(run(steps), None, Claim::Unfinished, None);
        confirmed(&unfinished(&[(0, Go)]), "has not finished");
        confirmed(&unfinished(&[]), "has not finished");
        refuted(
            &unfinished(&[(0, Go), (0, Stop), (1, Go), (1, Stop)]),
            "the specification has finished",
        );
        // A plain run claims only that its steps are allowed.
        confirmed(&run(&[(0, Go), (0, Back)]), "allows all 2 steps");
    }

    #[test]
    fn a_step_witness_is_shown_by_the_last_step() {
        let witness =
            |steps: &[(usize, Move)]| claiming(run(steps), Some("T-R2"), Claim::Witness, None);
        confirmed(
            &witness(&[(0, Go), (0, Stop)]),
            "the last step witnesses T-R2",
        );
        refuted(&witness(&[(0, Go), (0, Stop), (1, Go)]), "does not witness");
        refuted(&witness(&[(0, Go)]), "does not witness");
        refuted(&witness(&[]), "does not witness");
        let state =
            |steps: &[(usize, Move)]| claiming(run(steps), Some("T-R1"), Claim::Witness, None);
        confirmed(
            &state(&[(0, Go), (0, Stop)]),
            "the last state witnesses T-R1",
        );
        refuted(&state(&[(0, Go)]), "does not witness");
    }

    #[test]
    fn a_run_exceeds_a_bound_when_a_thread_counts_more_steps() {
        // T0 goes back twice while at 1 and not done: it counts 2.
        let twice = run(&[(0, Go), (0, Back), (0, Go), (0, Back), (0, Go)]);
        let exceeds = |bound| claiming(twice.clone(), Some("T-B1"), Claim::Exceeds { bound }, None);
        confirmed(
            &exceeds(0),
            "a thread counts 2 steps of T-B1, over the bound 0",
        );
        confirmed(
            &exceeds(1),
            "a thread counts 2 steps of T-B1, over the bound 1",
        );
        refuted(
            &exceeds(2),
            "no thread counts more than 2 steps of T-B1 (most: 2)",
        );
        // Each trigger counts afresh: T1 goes back once per visit to 1.
        let once = run(&[(1, Go), (1, Back), (1, Go), (1, Stop), (0, Go), (0, Back)]);
        let once = claiming(once, Some("T-B1"), Claim::Exceeds { bound: 1 }, None);
        refuted(&once, "(most: 1)");
    }

    #[test]
    fn a_lasso_needs_an_unanswered_trigger() {
        // T1 is done; T0 goes back and forth between 1 and 0 forever, never done.
        let starved = run(&[(1, Go), (1, Stop), (0, Go), (0, Back), (0, Go)]);
        let lasso = claiming(starved.clone(), Some("T-L1"), Claim::Violation, Some(3));
        confirmed(
            &lasso,
            "T-L1: a cycle fair under weak-thread repeats forever with T0's trigger unanswered",
        );
        // Everyone finishes: the run stops, but every trigger was answered.
        let finished = run(&[(0, Go), (0, Stop), (1, Go), (1, Stop)]);
        refuted(
            &claiming(finished, Some("T-L1"), Claim::Violation, None),
            "no trigger is left unanswered where the run stops",
        );
        // A run that can go on is no counterexample without a cycle.
        refuted(
            &claiming(starved, Some("T-L1"), Claim::Violation, None),
            "it does not stop",
        );
        // T1 stays enabled at 0 and never moves: not weakly fair.
        let unfair = run(&[(0, Go), (0, Back), (0, Go)]);
        refuted(
            &claiming(unfair, Some("T-L1"), Claim::Violation, Some(1)),
            "the cycle is not fair under weak-thread: T1 is enabled in all its states",
        );
    }

    #[test]
    fn an_unbounded_count_needs_a_waiting_trigger_and_a_counted_step_in_the_cycle() {
        // T1 waits at 1 for ever while T0 goes back and forth: T0 counts, T1 does not.
        let waiting = run(&[(1, Go), (0, Go), (0, Back), (0, Go)]);
        confirmed(
            &claiming(waiting.clone(), Some("T-B1"), Claim::Violation, Some(2)),
            "T0's trigger waits while a cycle takes counted steps forever",
        );
        confirmed(
            &claiming(waiting.clone(), Some("T-B3"), Claim::Violation, Some(2)),
            "T-B3: T0's trigger waits",
        );
        refuted(
            &claiming(waiting, Some("T-B4"), Claim::Violation, Some(2)),
            "the cycle takes no counted step of a thread whose trigger waits",
        );
        // T1 never leaves 0: no trigger of T-B4 waits.
        let idle = run(&[(0, Go), (0, Back)]);
        refuted(
            &claiming(idle.clone(), Some("T-B4"), Claim::Violation, Some(0)),
            "no trigger waits for its response through the cycle",
        );
        refuted(
            &claiming(idle, Some("T-B1"), Claim::Violation, None),
            "a violated bound needs a cycle",
        );
    }

    #[test]
    fn at_least_is_judged_from_a_trigger_to_its_first_response() {
        let claim =
            |steps: &[(usize, Move)], claim| claiming(run(steps), Some("T-B2"), claim, None);
        let direct = [(0, Go), (0, Stop)];
        let detour = [(0, Go), (0, Back), (0, Go), (0, Stop)];
        confirmed(
            &claim(&direct, Claim::Violation),
            "T-B2: T0 counts 0 steps from a trigger to its response (fewer than 1)",
        );
        refuted(
            &claim(&direct, Claim::Witness),
            "no trigger reaches its response with at least 1 counted steps",
        );
        confirmed(
            &claim(&detour, Claim::Witness),
            "T-B2: T0 counts 1 steps from a trigger to its response (at least 1)",
        );
        // No response at all: nothing is counted to one.
        refuted(
            &claim(&[(0, Go), (0, Back)], Claim::Violation),
            "no trigger reaches its response with fewer than 1",
        );
        // Counting starts at a trigger: T0's `Back` comes before T1 is at 1, so it does not
        // count for T-B5.
        let early = claiming(
            run(&[(0, Go), (0, Back), (1, Go), (1, Stop)]),
            Some("T-B5"),
            Claim::Witness,
            None,
        );
        refuted(
            &early,
            "no trigger reaches its response with at least 1 counted steps",
        );
    }
}
