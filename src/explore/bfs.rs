//! Breadth-first search. States are stored once, in discovery order, in a vector; a hash table
//! of indices into that vector is the visited set; each state keeps the index of its parent, so
//! the first violation found is at minimal depth and its path is rebuilt by walking parents.

use super::expand::{expand, BATCH};
use super::graph::Graph;
use super::liveness::{Fair, Lasso};
use super::report::{Numbers, PropertyResult, Report, Verdict};
use super::store::{Store, NO_PARENT};
use crate::model::{Check, CountClaim, Fairness, Model, Property};
use crate::trace::{Trace, TraceMeta};
use std::time::Instant;

/// Search options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Store one representative per class of states equal up to thread renaming.
    pub symmetry: bool,
    /// Stop (verdicts become inconclusive) once this many states are stored.
    pub max_states: usize,
    /// Stop (verdicts become inconclusive) after this many seconds.
    pub max_seconds: f64,
    /// Check every liveness property under this fairness instead of its own.
    pub fairness: Option<Fairness>,
    /// Stop (verdicts become inconclusive) once the visited set holds this many bytes.
    pub max_memory: usize,
    /// Threads that compute successors (results do not depend on it).
    pub workers: usize,
    /// Check only these property IDs (all when empty).
    pub properties: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            symmetry: false,
            max_states: 20_000_000,
            max_seconds: 600.0,
            fairness: None,
            max_memory: default_max_memory(),
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            properties: Vec::new(),
        }
    }
}

impl Options {
    /// The time or memory limit a search that started at `start` and holds `bytes` has
    /// passed, in words.
    pub fn exceeded(&self, start: Instant, bytes: usize) -> Option<String> {
        if start.elapsed().as_secs_f64() > self.max_seconds {
            return Some(format!("time limit {}s reached", self.max_seconds));
        }
        (bytes > self.max_memory).then(|| {
            format!(
                "memory limit {} MiB reached",
                self.max_memory / (1024 * 1024)
            )
        })
    }

    /// Whether property `id` is to be checked.
    pub fn wants(&self, id: &str) -> bool {
        self.properties.is_empty() || self.properties.iter().any(|p| p == id)
    }
}

/// Half the memory available when the search starts (from /proc/meminfo), or 4 GiB where that
/// cannot be read: a search stops, inconclusive, well before the machine runs out.
fn default_max_memory() -> usize {
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        });
    available.map_or(4 << 30, |bytes| bytes / 2)
}

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
    let mut limit = None;
    let mut transitions = 0usize;
    let mut depth = 0usize;

    for init in model.init_states() {
        if let Some(index) = store.insert(represent(&init), NO_PARENT) {
            note_state(model, &properties, &mut found, &store.state(index), index);
        }
    }

    assert!(properties.len() <= 64, "a property bit set has 64 bits");
    // Bit i: property i is hit by the step (`SometimesStep`) or by the state it stores (a
    // reachability witness, or a safety violation). Steps are judged before symmetry
    // reduction, states after it.
    let hits = |state: &M::State, action: &M::Action, next: &M::State, stored: &M::State| {
        properties.iter().enumerate().fold(0u64, |bits, (i, p)| {
            let hit = match &p.check {
                Check::SometimesStep(step) => step(model, state, action, next),
                _ => hit_by_state(model, p, stored),
            };
            bits | (hit as u64) << i
        })
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
                if new && store.states.len() >= options.max_states {
                    limit = Some(format!("state limit {} reached", options.max_states));
                    break 'search;
                }
                if transitions % 4096 == 0 {
                    if let Some(reached) = options.exceeded(start, store.memory_bytes()) {
                        limit = Some(reached);
                        break 'search;
                    }
                }
            }
        }
    }

    let complete = limit.is_none();
    // The graph is built while the visited set is still held: both count against the limit.
    let graph_options = Options {
        max_memory: options.max_memory.saturating_sub(store.memory_bytes()),
        ..options.clone()
    };
    let mut graph = None;
    let results = properties
        .iter()
        .zip(&found)
        .map(|(property, found)| {
            let (id, statement) = (property.id, property.statement);
            let (verdict, trace) = match (found, &property.check) {
                (_, Check::LeadsTo { .. }) => {
                    let graph = graph.get_or_insert_with(|| Graph::build(model, &graph_options));
                    return liveness_result(model, meta, options, property, graph);
                }
                (_, Check::Count { .. }) => {
                    let graph = graph.get_or_insert_with(|| Graph::build(model, &graph_options));
                    return count_result(model, meta, property, graph);
                }
                (Some(found), check) => {
                    let trace = rebuild(model, &store, meta, *found, check, &represent);
                    if matches!(check, Check::Sometimes(_) | Check::SometimesStep(_)) {
                        let witness = format!("witness for {id}: {statement}");
                        (Verdict::Holds, Some(trace.about(id, witness)))
                    } else {
                        (Verdict::Violated, Some(trace.violating(id, statement)))
                    }
                }
                (None, _) if !complete => (Verdict::Inconclusive, None),
                (None, Check::Always(_) | Check::DeadlockFree) => (Verdict::Holds, None),
                (None, Check::Sometimes(_) | Check::SometimesStep(_)) => (Verdict::Violated, None),
            };
            PropertyResult {
                id: id.to_string(),
                statement: statement.to_string(),
                verdict,
                trace,
                numbers: None,
                assumptions: Vec::new(),
            }
        })
        .collect();

    Report {
        states: store.states.len(),
        transitions,
        depth,
        seconds: start.elapsed().as_secs_f64(),
        symmetry: options.symmetry,
        memory_bytes: store.memory_bytes(),
        limit,
        results,
    }
}

/// Decides a leads-to property on the whole state graph (built without symmetry reduction),
/// for each thread if it is per thread; the first fair lasso found refutes it.
fn liveness_result<M: Model>(
    model: &M,
    meta: &TraceMeta,
    options: &Options,
    property: &Property<M>,
    graph: &Result<Graph<M::State>, String>,
) -> PropertyResult {
    let Check::LeadsTo {
        from,
        to,
        each_thread,
        fairness,
    } = property.check
    else {
        unreachable!("only leads-to properties are liveness properties")
    };
    let fairness = options.fairness.unwrap_or(fairness);
    let mut assumptions = vec![fairness.describe().to_string()];
    assumptions.extend(model.assumptions());
    let threads = if each_thread { model.thread_count() } else { 1 };
    let violation = graph.as_ref().map(|graph| {
        let fair = Fair::new(model, graph, fairness);
        let bad = graph.store.per_thread(threads, |s, t| !to(model, s, t));
        (0..threads).find_map(|t| {
            fair.lasso(model, from, &bad[t], t)
                .map(|lasso| (graph, t, lasso))
        })
    });
    let (verdict, trace) = match violation {
        Err(_) => (Verdict::Inconclusive, None),
        Ok(None) => (Verdict::Holds, None),
        Ok(Some((graph, t, lasso))) => {
            let trace = lasso_trace(model, graph, meta, &lasso);
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
            (Verdict::Violated, Some(trace.about(property.id, outcome)))
        }
    };
    PropertyResult {
        id: property.id.to_string(),
        statement: property.statement.to_string(),
        verdict,
        trace,
        numbers: None,
        assumptions,
    }
}

/// Decides a counting property on the whole state graph: the fewest and most counted steps
/// over every thread (if per thread), and the claim about them.
fn count_result<M: Model>(
    model: &M,
    meta: &TraceMeta,
    property: &Property<M>,
    graph: &Result<Graph<M::State>, String>,
) -> PropertyResult {
    let Check::Count {
        from,
        count,
        to,
        each_thread,
        claim,
    } = property.check
    else {
        unreachable!("only counting properties are counted")
    };
    let mut result = PropertyResult {
        id: property.id.to_string(),
        statement: property.statement.to_string(),
        verdict: Verdict::Inconclusive,
        trace: None,
        numbers: None,
        assumptions: Vec::new(),
    };
    let Ok(graph) = graph else {
        return result;
    };
    let threads = if each_thread { model.thread_count() } else { 1 };
    let mut numbers = Numbers {
        min: None,
        max: Some(0),
    };
    let mut evidence: Option<(Vec<(usize, usize)>, bool)> = None;
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
    let triggers = graph.store.per_thread(threads, |s, t| from(model, s, t));
    let done = graph.store.per_thread(threads, |s, t| to(model, s, t));
    for t in 0..threads {
        let counts = super::count::counts(graph, &triggers[t], &counted[t], &done[t]);
        if counts
            .min
            .is_some_and(|m| numbers.min.is_none_or(|n| m < n))
        {
            numbers.min = counts.min;
            if matches!(claim, CountClaim::AtLeast(_)) {
                evidence = Some((counts.min_path, false));
            }
        }
        match (numbers.max, counts.max) {
            (Some(_), None) => {
                numbers.max = None;
                if claim == CountClaim::Bounded {
                    evidence = Some((counts.cycle, true));
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
    result.verdict = if holds {
        Verdict::Holds
    } else {
        Verdict::Violated
    };
    result.numbers = Some(numbers);
    if let Some((steps, cyclic)) = evidence.filter(|(steps, _)| !steps.is_empty()) {
        // The run: a shortest prefix to the evidence's first state, then the evidence.
        let (init, mut path) = graph.prefix(steps[0].0);
        let lasso = Lasso {
            init,
            cycle: cyclic.then_some(path.len()),
            steps: {
                path.extend(steps);
                path
            },
        };
        let outcome = format!("{} ({numbers})", property.statement);
        let trace = lasso_trace(model, graph, meta, &lasso);
        result.trace = Some(if holds {
            trace.about(
                property.id,
                format!("witness for {}: {outcome}", property.id),
            )
        } else {
            trace.about(property.id, format!("violates {}: {outcome}", property.id))
        });
    }
    result
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
