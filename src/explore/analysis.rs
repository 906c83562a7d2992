//! The liveness and counting verdicts, decided on the whole state graph: a leads-to property
//! by a fair lasso (`liveness.rs`), a counting property by the fewest and most counted steps
//! (`count.rs`), each with its trace.

use super::graph::Graph;
use super::liveness::{Fair, Lasso};
use super::options::Options;
use super::report::{Numbers, PropertyResult, Verdict};
use crate::model::{Check, CountClaim, Fairness, Model, Property};
use crate::trace::{Trace, TraceMeta};
use std::cell::OnceCell;

/// What the liveness and counting verdicts of one check share: the complete state graph, and
/// what the leads-to checks under each fairness share (made when first needed).
pub struct Analysis<'a, M: Model> {
    model: &'a M,
    meta: &'a TraceMeta,
    /// Fairness override and deadline.
    options: &'a Options,
    graph: &'a Graph<M::State>,
    /// Per fairness (in the order of `Fairness::ALL`).
    fair: [OnceCell<Fair<'a, M::State>>; 3],
}

/// A run through the graph as `(source state, edge)` pairs.
type Steps = Vec<(usize, usize)>;

/// What a vacuous verdict names when the trigger never holds.
const NO_TRIGGER: &str = "its trigger";

impl<'a, M: Model> Analysis<'a, M> {
    /// The analysis of `graph`, `model`'s complete graph.
    pub fn new(
        model: &'a M,
        meta: &'a TraceMeta,
        options: &'a Options,
        graph: &'a Graph<M::State>,
    ) -> Self {
        Analysis {
            model,
            meta,
            options,
            graph,
            fair: Default::default(),
        }
    }

    /// Decides a leads-to property for each thread (if it is per thread); the first fair lasso
    /// found refutes it. `vacuity`: the premise that no state satisfies, if any.
    pub fn liveness(&self, property: &Property<M>, vacuity: Option<&str>) -> PropertyResult {
        let Check::LeadsTo {
            from,
            to,
            each_thread,
            fairness,
        } = property.check
        else {
            unreachable!("only leads-to properties are liveness properties")
        };
        let (model, graph) = (self.model, self.graph);
        let fairness = self.options.fairness.unwrap_or(fairness);
        let mut assumptions = vec![fairness.describe().to_string()];
        assumptions.extend(model.assumptions());
        let threads = property
            .check
            .threads_to_decide(model, self.options.all_threads);
        let triggers = graph.store.per_thread(threads, |s, t| from(model, s, t));
        let bad = graph.store.per_thread(threads, |s, t| !to(model, s, t));
        let position = Fairness::ALL.iter().position(|&f| f == fairness);
        let fair = self.fair[position.expect("listed")]
            .get_or_init(|| Fair::new(model, graph, fairness, self.options.deadline));
        let mut violation = None;
        for t in 0..threads {
            match fair.lasso(&triggers[t], &bad[t]) {
                Err(limit) => {
                    let mut result =
                        PropertyResult::inconclusive(property.id, property.statement, &limit);
                    result.assumptions = assumptions;
                    return result;
                }
                Ok(Some(lasso)) => {
                    violation = Some((t, lasso));
                    break;
                }
                Ok(None) => {}
            }
        }
        let triggered = triggers.iter().any(|column| column.contains(&true));
        let mut result = match (violation, triggered, vacuity) {
            (Some((t, lasso)), _, _) => {
                let who = if each_thread {
                    format!(" (thread T{t}, ")
                } else {
                    " (".to_string()
                };
                let ending = if lasso.cycle.is_some() {
                    "the cycle repeats forever"
                } else {
                    "the run stops here"
                };
                let outcome = format!(
                    "violates {}: {}{who}{ending}, under {})",
                    property.id,
                    property.statement,
                    fairness.name()
                );
                let trace = lasso_trace(model, graph, self.meta, &lasso)
                    .about(property.id, outcome)
                    .under(fairness);
                let mut result =
                    PropertyResult::new(property.id, property.statement, Verdict::Violated);
                result.trace = Some(trace);
                result
            }
            (None, false, _) => {
                PropertyResult::vacuous(property.id, property.statement, NO_TRIGGER)
            }
            (None, true, Some(never)) => {
                PropertyResult::vacuous(property.id, property.statement, never)
            }
            (None, true, None) => {
                PropertyResult::new(property.id, property.statement, Verdict::Holds)
            }
        };
        result.assumptions = assumptions;
        result
    }

    /// Decides a counting property: the fewest and most counted steps over every thread (if
    /// it is per thread), and the claim about them. `vacuity`: as for `liveness`.
    pub fn count(&self, property: &Property<M>, vacuity: Option<&str>) -> PropertyResult {
        let Check::Count {
            from,
            count,
            to,
            claim,
            ..
        } = property.check
        else {
            unreachable!("only counting properties are counted")
        };
        let (model, graph) = (self.model, self.graph);
        let threads = property
            .check
            .threads_to_decide(model, self.options.all_threads);
        let triggers = graph.store.per_thread(threads, |s, t| from(model, s, t));
        if !triggers.iter().any(|column| column.contains(&true)) {
            return PropertyResult::vacuous(property.id, property.statement, NO_TRIGGER);
        }
        let mut numbers = Numbers {
            min: None,
            max: Some(0),
        };
        // The evidence's `(source, edge)` steps, and where a cycle starts in them.
        let mut evidence: Option<(Steps, Option<usize>)> = None;
        // Which edges count, for every thread in one pass (each state unpacked once).
        let mut counted = vec![vec![false; graph.edge_count()]; threads];
        let mut actions = Vec::new();
        for s in 0..graph.len() {
            let state = graph.store.state(s);
            actions.clear();
            model.actions(&state, &mut actions);
            for e in graph.edges(s) {
                let after = graph.store.state(graph.target(e));
                for (t, counted) in counted.iter_mut().enumerate() {
                    counted[e] = count(model, &state, &actions[graph.slot(s, e)], &after, t);
                }
            }
        }
        let done = graph.store.per_thread(threads, |s, t| to(model, s, t));
        for t in 0..threads {
            if let Some(limit) = self.options.out_of_time() {
                return PropertyResult::inconclusive(property.id, property.statement, &limit);
            }
            let counts = super::count::counts(graph, &triggers[t], &counted[t], &done[t]);
            if counts
                .min
                .is_some_and(|m| numbers.min.is_none_or(|n| m < n))
            {
                numbers.min = counts.min;
                if matches!(claim, CountClaim::AtLeast(_)) {
                    evidence = Some((counts.min_path, None));
                }
            }
            match (numbers.max, counts.max) {
                (Some(_), None) => {
                    numbers.max = None;
                    if claim == CountClaim::Bounded {
                        evidence = Some((counts.cycle, Some(counts.cycle_from)));
                    }
                }
                (Some(a), Some(b)) => numbers.max = Some(a.max(b)),
                (None, _) => {}
            }
        }
        let holds = match claim {
            CountClaim::Bounded => numbers.max.is_some(),
            CountClaim::AtLeast(n) => numbers.min.is_some_and(|m| m >= n),
        };
        if let (true, Some(never)) = (holds, vacuity) {
            return PropertyResult::vacuous(property.id, property.statement, never);
        }
        let verdict = if holds {
            Verdict::Holds
        } else {
            Verdict::Violated
        };
        let mut result = PropertyResult::new(property.id, property.statement, verdict);
        result.numbers = Some(numbers);
        if let Some((steps, cycle_from)) = evidence.filter(|(steps, _)| !steps.is_empty()) {
            // The run: a shortest prefix to the evidence's first state (a trigger), then the
            // evidence.
            let (init, mut path) = graph.prefix(steps[0].0);
            let lasso = Lasso {
                init,
                cycle: cycle_from.map(|k| path.len() + k),
                steps: {
                    path.extend(steps);
                    path
                },
            };
            let outcome = format!("{} ({numbers})", property.statement);
            let trace = lasso_trace(model, graph, self.meta, &lasso);
            result.trace = Some(if holds {
                trace
                    .about(
                        property.id,
                        format!("witness for {}: {outcome}", property.id),
                    )
                    .witnessing()
            } else {
                trace.about(property.id, format!("violates {}: {outcome}", property.id))
            });
        }
        result
    }
}

/// The trace of a lasso, its cycle marked.
fn lasso_trace<M: Model>(
    model: &M,
    graph: &Graph<M::State>,
    meta: &TraceMeta,
    lasso: &Lasso,
) -> Trace {
    let store = &graph.store;
    let mut actions = Vec::new();
    let path: Vec<(M::Action, M::State)> = lasso
        .steps
        .iter()
        .map(|&(source, edge)| {
            actions.clear();
            model.actions(&store.state(source), &mut actions);
            let action = actions[graph.slot(source, edge)].clone();
            (action, store.state(graph.target(edge)))
        })
        .collect();
    let mut trace = Trace::from_path(model, meta.clone(), &store.state(lasso.init), &path);
    trace.cycle = lasso.cycle;
    trace
}
