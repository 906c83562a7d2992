//! Breadth-first search. States are stored once, in discovery order, in a vector; a hash table
//! of indices into that vector is the visited set; each state keeps the index of its parent, so
//! the first violation found is at minimal depth and its path is rebuilt by walking parents.

use super::expand::{expand, BATCH};
use super::graph::Graph;
use super::liveness::{Fair, Lasso};
use super::options::Options;
use super::report::{Basis, GraphStats, Numbers, PropertyResult, Report, Verdict};
use super::store::{Store, NO_PARENT};
use crate::model::{Check, CountClaim, Model, Property};
use crate::trace::{Trace, TraceMeta};
use std::time::Instant;

/// Where the first evidence for a property was found.
#[derive(Clone, Copy)]
enum Found {
    /// The stored state with this index.
    State(usize),
    /// A step taken from the stored state with this index.
    StepFrom(usize),
}

/// Explores every state reachable in `model` and decides each property.
pub fn check<M: Model>(model: &M, meta: &TraceMeta, options: &Options) -> Report {
    let start = Instant::now();
    let properties: Vec<Property<M>> = model
        .properties()
        .into_iter()
        .filter(|p| options.wants(p.id))
        .collect();
    let represent = |s: &M::State| {
        if options.symmetry {
            model.canonical(s)
        } else {
            s.clone()
        }
    };
    let mut store = Store::new();
    let mut found: Vec<Option<Found>> = vec![None; properties.len()];
    // Bit i: property i's premise holds in some state stored so far.
    let mut premises = 0u64;
    let mut limit = None;
    let mut transitions = 0usize;
    let mut depth = 0usize;

    for init in model.init_states() {
        if let Some(index) = store.insert(represent(&init), NO_PARENT) {
            let state = store.state(index);
            premises |= premise_bits(model, &properties, &state);
            note_state(model, &properties, &mut found, &state, index);
        }
    }

    assert!(properties.len() <= 64, "a property bit set has 64 bits");
    // Low 64 bits, bit i: property i is hit by the step (`SometimesStep`) or by the state it
    // stores (a reachability witness, or a safety violation). High 64 bits: property i's
    // premise holds in the stored state. Steps are judged before symmetry reduction, states
    // after it.
    let hits = |state: &M::State, action: &M::Action, next: &M::State, stored: &M::State| {
        let hit = properties.iter().enumerate().fold(0u64, |bits, (i, p)| {
            let hit = match &p.check {
                Check::SometimesStep(step) => step(model, state, action, next),
                _ => hit_by_state(model, p, stored),
            };
            bits | (hit as u64) << i
        });
        u128::from(premise_bits(model, &properties, stored)) << 64 | u128::from(hit)
    };
    let mut next = 0;
    let mut level_end = store.states.len();
    'search: while next < store.states.len() {
        let batch = next..store.states.len().min(next + BATCH);
        next = batch.end;
        let states = &store.states[batch.clone()];
        let expanded = expand(model, states, options.symmetry, options.workers, &hits);
        for (head, successors) in batch.zip(expanded) {
            if head == level_end {
                depth += 1;
                level_end = store.states.len();
            }
            if successors.is_empty() && !model.is_final(&store.state(head)) {
                for (slot, property) in found.iter_mut().zip(&properties) {
                    if slot.is_none() && matches!(property.check, Check::DeadlockFree) {
                        *slot = Some(Found::State(head));
                    }
                }
            }
            for successor in successors {
                transitions += 1;
                premises |= (successor.hits >> 64) as u64;
                let (index, new) =
                    store.intern_hashed(successor.stored, successor.hash, head as u32);
                for (i, (slot, property)) in found.iter_mut().zip(&properties).enumerate() {
                    if slot.is_some() || successor.hits & (1 << i) == 0 {
                        continue;
                    }
                    if matches!(property.check, Check::SometimesStep(_)) {
                        *slot = Some(Found::StepFrom(head));
                    } else if new {
                        *slot = Some(Found::State(index));
                    }
                }
                if new {
                    limit = options.too_many(store.states.len());
                }
                if limit.is_none() && transitions.is_multiple_of(4096) {
                    limit = options.exceeded(store.memory_bytes());
                }
                if limit.is_some() {
                    break 'search;
                }
            }
        }
    }

    let exhaustive = limit.is_none();
    // Liveness and counting need the whole graph; after a search cut short it would be cut
    // short too. It is built while the visited set is still held: both count against the
    // memory limit.
    let graph = properties
        .iter()
        .any(|p| p.check.needs_graph())
        .then(|| match &limit {
            Some(limit) => (None, limit.clone()),
            None => {
                let graph_options = Options {
                    max_memory: options.max_memory.saturating_sub(store.memory_bytes()),
                    ..options.clone()
                };
                let (graph, cut) = Graph::build(model, &graph_options);
                (Some(graph), cut.unwrap_or_default())
            }
        });
    let premised = |i: usize| premises & (1 << i) != 0;
    let results: Vec<PropertyResult> = properties
        .iter()
        .enumerate()
        .map(|(i, property)| {
            let vacuity = property
                .premise
                .as_ref()
                .filter(|_| !premised(i))
                .map(|p| p.what);
            if property.check.needs_graph() {
                let (graph, cut) = graph.as_ref().expect("built for graph properties");
                let graph = graph.as_ref().filter(|_| cut.is_empty());
                let mut result = match graph {
                    None => inconclusive(property, cut),
                    Some(graph) => {
                        let analysis = Analysis {
                            model,
                            meta,
                            options,
                            graph,
                            vacuity,
                        };
                        match property.check {
                            Check::LeadsTo { .. } => analysis.liveness(property),
                            _ => analysis.count(property),
                        }
                    }
                };
                result.basis = Basis::Graph;
                return result;
            }
            match (found[i], &limit) {
                (Some(found), _) => {
                    let trace = rebuild(model, &store, meta, found, &property.check, &represent);
                    let (id, statement) = (property.id, property.statement);
                    if matches!(
                        property.check,
                        Check::Sometimes(_) | Check::SometimesStep(_)
                    ) {
                        let witness = format!("witness for {id}: {statement}");
                        let mut result = PropertyResult::new(id, statement, Verdict::Holds);
                        result.trace = Some(trace.about(id, witness).witnessing());
                        result
                    } else {
                        let mut result = PropertyResult::new(id, statement, Verdict::Violated);
                        result.trace = Some(trace.violating(id, statement));
                        result
                    }
                }
                (None, Some(limit)) => inconclusive(property, limit),
                (None, None) => match (vacuity, &property.check) {
                    (Some(never), _) => vacuous(property, never),
                    (None, Check::Always(_) | Check::DeadlockFree) => {
                        PropertyResult::new(property.id, property.statement, Verdict::Holds)
                    }
                    (None, _) => {
                        PropertyResult::new(property.id, property.statement, Verdict::Violated)
                    }
                },
            }
        })
        .collect();

    let graph_stats = graph.as_ref().map(|(graph, cut)| GraphStats {
        states: graph.as_ref().map_or(0, Graph::len),
        transitions: graph.as_ref().map_or(0, Graph::edge_count),
        limit: (!cut.is_empty()).then(|| cut.clone()),
    });
    let limit = limit.or_else(|| results.iter().find_map(|r| r.limit.clone()));
    Report {
        states: store.states.len(),
        transitions,
        depth,
        seconds: start.elapsed().as_secs_f64(),
        symmetry: options.symmetry,
        memory_bytes: store.memory_bytes(),
        exhaustive,
        graph: graph_stats,
        limit,
        results,
    }
}

/// The premises of `properties` that hold in `state`, a bit per property.
fn premise_bits<M: Model>(model: &M, properties: &[Property<M>], state: &M::State) -> u64 {
    properties.iter().enumerate().fold(0u64, |bits, (i, p)| {
        let holds = p.premise.as_ref().is_some_and(|p| (p.holds)(model, state));
        bits | (holds as u64) << i
    })
}

/// `property` left undecided by `limit`.
fn inconclusive<M: Model>(property: &Property<M>, limit: &str) -> PropertyResult {
    let mut result = PropertyResult::new(property.id, property.statement, Verdict::Inconclusive);
    result.limit = Some(limit.to_string());
    result
}

/// `property`, whose premise or trigger `never` occurs.
fn vacuous<M: Model>(property: &Property<M>, never: &str) -> PropertyResult {
    let mut result = PropertyResult::new(property.id, property.statement, Verdict::Vacuous);
    result.never = Some(never.to_string());
    result
}

/// What the liveness and counting verdicts of one check share: the complete state graph, and
/// whether a premise never occurred in the search.
struct Analysis<'a, M: Model> {
    model: &'a M,
    meta: &'a TraceMeta,
    options: &'a Options,
    graph: &'a Graph<M::State>,
    /// The premise that no state satisfies, if any.
    vacuity: Option<&'static str>,
}

/// A run through the graph as `(source state, edge)` pairs.
type Steps = Vec<(usize, usize)>;

/// What a vacuous verdict names when the trigger never holds.
const NO_TRIGGER: &str = "its trigger";

impl<M: Model> Analysis<'_, M> {
    /// Decides a leads-to property for each thread (if it is per thread); the first fair lasso
    /// found refutes it.
    fn liveness(&self, property: &Property<M>) -> PropertyResult {
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
        let threads = property.check.threads(model);
        let triggers = graph.store.per_thread(threads, |s, t| from(model, s, t));
        let bad = graph.store.per_thread(threads, |s, t| !to(model, s, t));
        let fair = Fair::new(model, graph, fairness, self.options.deadline);
        let mut violation = None;
        for t in 0..threads {
            match fair.lasso(&triggers[t], &bad[t]) {
                Err(limit) => {
                    let mut result = inconclusive(property, &limit);
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
        let mut result = match (violation, triggered, self.vacuity) {
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
            (None, false, _) => vacuous(property, NO_TRIGGER),
            (None, true, Some(never)) => vacuous(property, never),
            (None, true, None) => {
                PropertyResult::new(property.id, property.statement, Verdict::Holds)
            }
        };
        result.assumptions = assumptions;
        result
    }

    /// Decides a counting property: the fewest and most counted steps over every thread (if
    /// it is per thread), and the claim about them.
    fn count(&self, property: &Property<M>) -> PropertyResult {
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
        let threads = property.check.threads(model);
        let triggers = graph.store.per_thread(threads, |s, t| from(model, s, t));
        if !triggers.iter().any(|column| column.contains(&true)) {
            return vacuous(property, NO_TRIGGER);
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
                    counted[e] = count(model, &state, &actions[graph.slot(e)], &after, t);
                }
            }
        }
        let done = graph.store.per_thread(threads, |s, t| to(model, s, t));
        for t in 0..threads {
            if let Some(limit) = self.options.out_of_time() {
                return inconclusive(property, &limit);
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
        if let (true, Some(never)) = (holds, self.vacuity) {
            return vacuous(property, never);
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
            let action = actions[graph.slot(edge)].clone();
            (action, store.state(graph.target(edge)))
        })
        .collect();
    let mut trace = Trace::from_path(model, meta.clone(), &store.state(lasso.init), &path);
    trace.cycle = lasso.cycle;
    trace
}

/// Whether `state` witnesses a reachability property or violates a safety property.
fn hit_by_state<M: Model>(model: &M, property: &Property<M>, state: &M::State) -> bool {
    match &property.check {
        Check::Sometimes(holds) => holds(model, state),
        _ => property.violated_by(model, state),
    }
}

/// Records the state-based properties that the new state `index` violates or witnesses.
fn note_state<M: Model>(
    model: &M,
    properties: &[Property<M>],
    found: &mut [Option<Found>],
    state: &M::State,
    index: usize,
) {
    for (slot, property) in found.iter_mut().zip(properties) {
        if slot.is_some() {
            continue;
        }
        if hit_by_state(model, property, state) {
            *slot = Some(Found::State(index));
        }
    }
}

/// Rebuilds a concrete path from the stored (possibly canonical) states: from a concrete state,
/// the next step is an action whose successor is represented by the next stored state.
fn rebuild<M: Model>(
    model: &M,
    store: &Store<M::State>,
    meta: &TraceMeta,
    found: Found,
    check: &Check<M>,
    represent: &impl Fn(&M::State) -> M::State,
) -> Trace {
    let target = match found {
        Found::State(i) | Found::StepFrom(i) => i,
    };
    let chain = store.chain(target);
    let init = model
        .init_states()
        .into_iter()
        .find(|s| represent(s) == store.state(chain[0]))
        .expect("a stored initial state comes from an initial state");
    let mut path: Vec<(M::Action, M::State)> = Vec::new();
    let mut current = init.clone();
    let mut actions = Vec::new();
    for &next in &chain[1..] {
        actions.clear();
        model.actions(&current, &mut actions);
        let (action, state) = actions
            .iter()
            .map(|a| (a.clone(), model.next_state(&current, a)))
            .find(|(_, s)| represent(s) == store.state(next))
            .expect("a stored parent reaches its child");
        path.push((action, state.clone()));
        current = state;
    }
    if let (Found::StepFrom(_), Check::SometimesStep(step)) = (found, check) {
        actions.clear();
        model.actions(&current, &mut actions);
        let last = actions
            .iter()
            .map(|a| (a.clone(), model.next_state(&current, a)))
            .find(|(a, s)| step(model, &current, a, s))
            .expect("a symmetric step property holds from every representative");
        path.push(last);
    }
    Trace::from_path(model, meta.clone(), &init, &path)
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::explore::graph::Graph;
    use crate::explore::toy::{meta, Toy};
    use crate::explore::{Deadline, Numbers, Options, Verdict};

    fn verdicts(options: &Options) -> Vec<(String, Verdict)> {
        let report = check(&Toy, &meta(), options);
        report
            .results
            .iter()
            .map(|r| (r.id.clone(), r.verdict))
            .collect()
    }

    #[test]
    fn the_toy_checks_as_worked_out_by_hand() {
        let report = check(&Toy, &meta(), &Options::default());
        assert_eq!(
            (report.states, report.transitions, report.depth),
            (9, 18, 4)
        );
        assert!(report.exhaustive && report.limit.is_none());
        let steps = |id: &str| {
            report
                .result(id)
                .unwrap()
                .trace
                .as_ref()
                .map(|t| t.steps.len())
        };
        assert_eq!(report.verdict("T-S1"), Some(Verdict::Violated));
        assert_eq!(steps("T-S1"), Some(2));
        assert_eq!(report.verdict("T-R1"), Some(Verdict::Holds));
        assert_eq!(steps("T-R1"), Some(2));
        assert_eq!(report.verdict("T-R2"), Some(Verdict::Holds));
        assert_eq!(steps("T-R2"), Some(2));
        assert_eq!(report.verdict("T-S2"), Some(Verdict::Holds));
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Violated));
        let count = |id: &str| report.result(id).unwrap().numbers;
        let numbers = |min, max| Some(Numbers { min, max });
        assert_eq!(report.verdict("T-B1"), Some(Verdict::Violated));
        assert_eq!(count("T-B1"), numbers(Some(0), None));
        assert_eq!(report.verdict("T-B2"), Some(Verdict::Violated));
        assert_eq!(count("T-B2"), numbers(Some(0), None));
        let graph = report.graph.as_ref().expect("liveness needs the graph");
        assert_eq!((graph.states, graph.transitions), (9, 18));
        assert_eq!(graph.limit, None);
    }

    #[test]
    fn only_the_properties_asked_for_are_checked() {
        let options = Options {
            properties: vec!["T-R1".into(), "T-B2".into()],
            ..Options::default()
        };
        assert_eq!(
            verdicts(&options),
            [
                ("T-R1".into(), Verdict::Holds),
                ("T-B2".into(), Verdict::Violated)
            ]
        );
    }

    #[test]
    fn a_state_limit_of_exactly_the_states_needed_cuts_nothing() {
        let exact = Options {
            max_states: 9,
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &exact);
        assert!(report.exhaustive && report.limit.is_none());
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Violated));
        let short = Options {
            max_states: 8,
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &short);
        assert_eq!(report.limit.as_deref(), Some("state limit 8 reached"));
        assert_eq!(report.verdict("T-R1"), Some(Verdict::Holds));
        assert_eq!(report.verdict("T-S2"), Some(Verdict::Inconclusive));
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Inconclusive));
        let graph = report.graph.expect("asked for");
        assert_eq!(graph.limit.as_deref(), Some("state limit 8 reached"));
    }

    #[test]
    fn a_passed_deadline_leaves_the_graph_properties_undecided() {
        let late = Options {
            deadline: Some(Deadline::after(0.0)),
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &late);
        // The search itself looks at the clock every 4096 steps: the toy's is done before.
        assert_eq!(report.verdict("T-S1"), Some(Verdict::Violated));
        assert_eq!(report.verdict("T-R1"), Some(Verdict::Holds));
        for id in ["T-L1", "T-B1", "T-B2"] {
            let result = report.result(id).unwrap();
            assert_eq!(result.verdict, Verdict::Inconclusive, "{id}");
            assert_eq!(result.limit.as_deref(), Some("time limit 0 s reached"));
        }
        assert_eq!(report.limit.as_deref(), Some("time limit 0 s reached"));
    }

    /// The graph for liveness gets what the search's visited set leaves of the memory limit.
    #[test]
    fn the_graph_gets_only_the_memory_the_search_left() {
        let search = check(&Toy, &meta(), &Options::default()).memory_bytes;
        // What the graph holds once it has expanded its first state (where it first looks).
        let none = Options {
            max_memory: 0,
            ..Options::default()
        };
        let first = Graph::build(&Toy, &none).0.memory_bytes();
        assert!(
            first <= search,
            "{first} > {search}: the test needs a bigger toy"
        );
        let just_the_search = Options {
            max_memory: search,
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &just_the_search);
        assert_eq!(report.verdict("T-S1"), Some(Verdict::Violated));
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Inconclusive));
        assert_eq!(report.limit.as_deref(), Some("memory limit 0 MiB reached"));
    }
}
