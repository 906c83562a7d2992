//! A naive reference checker, written from the definitions in `src/model.rs` and sharing no
//! code with `src/explore`: no packing, no symmetry, no parallelism, no Tarjan. It explores any
//! `Model` by plain breadth-first search into `HashMap`s and decides each property the obvious
//! way: strongly connected sets by mutual reachability, fair cycles by removing starving states
//! until nothing changes (and, for small regions, by trying every subset of states), longest
//! paths by relaxing until nothing changes. It is slow on purpose; it is only ever run on
//! graphs of a few hundred states.

use gilcheck::model::{Check, CountClaim, Fairness, Model, Property, StepPredicate};
use gilcheck::trace::Trace;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// One step of the reachable graph.
pub struct Edge<M: Model> {
    /// The action taken.
    pub action: M::Action,
    /// The thread that takes it.
    pub actor: Option<usize>,
    /// Its stable label (`Model::format_action`).
    pub label: String,
    /// The state it leads to.
    pub target: usize,
}

/// Every reachable state, with its breadth-first depth and its steps.
pub struct Graph<M: Model> {
    /// States in discovery order.
    pub states: Vec<M::State>,
    /// Where each state is in `states`.
    pub index: HashMap<M::State, usize>,
    /// The fewest steps from an initial state.
    pub depth: Vec<usize>,
    /// The steps out of each state, in the model's order.
    pub edges: Vec<Vec<Edge<M>>>,
    /// The initial states.
    pub inits: Vec<usize>,
    /// Each state's `format_state` line (to read traces back).
    pub text: Vec<String>,
    /// Whether no two states print alike (else a trace may have several readings).
    pub injective: bool,
}

impl<M: Model> Graph<M> {
    /// Number of reachable states.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Number of steps.
    pub fn transitions(&self) -> usize {
        self.edges.iter().map(Vec::len).sum()
    }

    /// The largest depth (0 when there is no state).
    pub fn depth(&self) -> usize {
        self.depth.iter().copied().max().unwrap_or(0)
    }
}

/// Explores every state reachable from `model`'s initial states.
pub fn explore<M: Model>(model: &M) -> Graph<M> {
    let mut graph = Graph {
        states: Vec::new(),
        index: HashMap::new(),
        depth: Vec::new(),
        edges: Vec::new(),
        inits: Vec::new(),
        text: Vec::new(),
        injective: true,
    };
    let mut queue = VecDeque::new();
    fn add<M: Model>(
        model: &M,
        graph: &mut Graph<M>,
        queue: &mut VecDeque<usize>,
        state: M::State,
        depth: usize,
    ) -> usize {
        if let Some(&i) = graph.index.get(&state) {
            return i;
        }
        let i = graph.states.len();
        let text = model.format_state(&state);
        graph.injective &= !graph.text.contains(&text);
        graph.text.push(text);
        graph.index.insert(state.clone(), i);
        graph.states.push(state);
        graph.depth.push(depth);
        graph.edges.push(Vec::new());
        queue.push_back(i);
        i
    }
    for init in model.init_states() {
        let i = add(model, &mut graph, &mut queue, init, 0);
        if !graph.inits.contains(&i) {
            graph.inits.push(i);
        }
    }
    while let Some(s) = queue.pop_front() {
        let state = graph.states[s].clone();
        let mut actions = Vec::new();
        model.actions(&state, &mut actions);
        for action in actions {
            let next = model.next_state(&state, &action);
            let depth = graph.depth[s] + 1;
            let target = add(model, &mut graph, &mut queue, next, depth);
            graph.edges[s].push(Edge {
                actor: model.actor(&action),
                label: model.format_action(&action),
                action,
                target,
            });
        }
    }
    graph
}

/// What the reference concludes about one property, before it becomes a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Safety, deadlock: a reachable state violates it. Reachability: no witness exists.
    /// Leads-to: a fair run refutes it. Counting: the numbers refute the claim.
    pub violated: bool,
    /// Safety: the fewest steps to a violation. Reachability: the fewest steps of a witness
    /// (the step itself included for a step property).
    pub shortest: Option<usize>,
    /// Counting: the fewest and the most counted steps (`None` for the most: unbounded).
    pub numbers: Option<(Option<usize>, Option<usize>)>,
    /// Leads-to and counting: the trigger holds in no reachable state, for no thread.
    pub no_trigger: bool,
    /// A premise was given and holds in no reachable state.
    pub premise_unmet: bool,
}

/// A fairness unit: a thread, or a (thread, label) class of steps.
type Unit = (Option<usize>, Option<String>);

/// The fairness unit of an edge under `fairness`.
pub fn unit_of(actor: Option<usize>, label: &str, fairness: Fairness) -> Unit {
    match fairness {
        Fairness::WeakThread | Fairness::StrongThread => (actor, None),
        Fairness::StrongAction => (actor, Some(label.to_string())),
    }
}

/// The threads a property is checked for.
fn threads_of<M: Model>(model: &M, each_thread: bool) -> Vec<usize> {
    if each_thread {
        (0..model.thread_count()).collect()
    } else {
        vec![0]
    }
}

/// A state predicate that a property may be given as its premise.
pub type Premise<'a, S> = Option<&'a dyn Fn(&S) -> bool>;

/// Decides `property` on `graph`, with liveness under `fairness` (or the property's own) and
/// with `premise`, if any.
pub fn decide<M: Model>(
    model: &M,
    graph: &Graph<M>,
    property: &Property<M>,
    fairness: Option<Fairness>,
    premise: Premise<'_, M::State>,
) -> Answer {
    let n = graph.len();
    let premise_unmet = premise.is_some_and(|p| !graph.states.iter().any(p));
    let mut answer = Answer {
        violated: false,
        shortest: None,
        numbers: None,
        no_trigger: false,
        premise_unmet,
    };
    // The fewest steps to a state where `hit` holds.
    let nearest =
        |hit: &dyn Fn(usize) -> bool| (0..n).filter(|&s| hit(s)).map(|s| graph.depth[s]).min();
    match property.check {
        Check::Always(holds) => {
            answer.shortest = nearest(&|s| !holds(model, &graph.states[s]));
            answer.violated = answer.shortest.is_some();
        }
        Check::DeadlockFree => {
            answer.shortest =
                nearest(&|s| graph.edges[s].is_empty() && !model.is_final(&graph.states[s]));
            answer.violated = answer.shortest.is_some();
        }
        Check::Sometimes(holds) => {
            answer.shortest = nearest(&|s| holds(model, &graph.states[s]));
            answer.violated = answer.shortest.is_none();
        }
        Check::SometimesStep(step) => {
            answer.shortest = (0..n)
                .filter(|&s| {
                    graph.edges[s]
                        .iter()
                        .any(|e| step(model, &graph.states[s], &e.action, &graph.states[e.target]))
                })
                .map(|s| graph.depth[s] + 1)
                .min();
            answer.violated = answer.shortest.is_none();
        }
        Check::LeadsTo {
            from,
            to,
            each_thread,
            fairness: own,
        } => {
            let fairness = fairness.unwrap_or(own);
            let threads = threads_of(model, each_thread);
            answer.no_trigger = no_trigger(model, graph, from, &threads);
            answer.violated = threads
                .iter()
                .any(|&t| leads_to_fails(model, graph, from, to, t, fairness));
        }
        Check::Count {
            from,
            count,
            to,
            each_thread,
            claim,
        } => {
            let threads = threads_of(model, each_thread);
            answer.no_trigger = no_trigger(model, graph, from, &threads);
            let (mut min, mut max) = (None::<usize>, Some(0usize));
            for &t in &threads {
                let (least, most) = counts(model, graph, from, count, to, t);
                if let Some(m) = least {
                    min = Some(min.map_or(m, |x: usize| x.min(m)));
                }
                max = match (max, most) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            answer.violated = match claim {
                CountClaim::Bounded => max.is_none(),
                // Refuted unless some trigger reaches a response, and never in fewer steps.
                CountClaim::AtLeast(at_least) => min.is_none_or(|m| m < at_least),
            };
            answer.numbers = Some((min, max));
        }
    }
    answer
}

/// Whether `from` holds in no reachable state for any of `threads`.
fn no_trigger<M: Model>(
    model: &M,
    graph: &Graph<M>,
    from: fn(&M, &M::State, usize) -> bool,
    threads: &[usize],
) -> bool {
    !graph
        .states
        .iter()
        .any(|s| threads.iter().any(|&t| from(model, s, t)))
}

/// The states reachable from `starts` (included, if inside) through states in `inside` only.
fn reach<M: Model>(graph: &Graph<M>, starts: &[usize], inside: &[bool]) -> Vec<bool> {
    let mut seen = vec![false; graph.len()];
    let mut queue = VecDeque::new();
    for &s in starts {
        if inside[s] && !seen[s] {
            seen[s] = true;
            queue.push_back(s);
        }
    }
    while let Some(s) = queue.pop_front() {
        for e in &graph.edges[s] {
            if inside[e.target] && !seen[e.target] {
                seen[e.target] = true;
                queue.push_back(e.target);
            }
        }
    }
    seen
}

/// The strongly connected sets of the subgraph `inside` that have at least one edge inside,
/// found by mutual reachability.
fn cyclic_sets<M: Model>(graph: &Graph<M>, inside: &[bool]) -> Vec<Vec<usize>> {
    let n = graph.len();
    let reaches: Vec<Option<Vec<bool>>> = (0..n)
        .map(|s| inside[s].then(|| reach(graph, &[s], inside)))
        .collect();
    let mut placed = vec![false; n];
    let mut sets = Vec::new();
    for s in 0..n {
        let Some(from_s) = &reaches[s] else { continue };
        if placed[s] {
            continue;
        }
        let set: Vec<usize> = (0..n)
            .filter(|&v| from_s[v] && reaches[v].as_ref().is_some_and(|r| r[s]))
            .collect();
        for &v in &set {
            placed[v] = true;
        }
        let cyclic = set.len() > 1 || graph.edges[s].iter().any(|e| e.target == s);
        if cyclic {
            sets.push(set);
        }
    }
    sets
}

/// The units enabled in state `s`.
fn enabled<M: Model>(graph: &Graph<M>, s: usize, fairness: Fairness) -> BTreeSet<Unit> {
    graph.edges[s]
        .iter()
        .map(|e| unit_of(e.actor, &e.label, fairness))
        .collect()
}

/// The units of the edges between members of `set`.
fn taken_inside<M: Model>(graph: &Graph<M>, set: &[usize], fairness: Fairness) -> BTreeSet<Unit> {
    set.iter()
        .flat_map(|&s| graph.edges[s].iter())
        .filter(|e| set.contains(&e.target))
        .map(|e| unit_of(e.actor, &e.label, fairness))
        .collect()
}

/// Whether the strongly connected set `set`, all of its inner edges taken forever, is fair.
fn fair_set<M: Model>(graph: &Graph<M>, set: &[usize], fairness: Fairness) -> bool {
    let taken = taken_inside(graph, set, fairness);
    match fairness {
        // Every unit enabled in all of its states is taken.
        Fairness::WeakThread => {
            let mut always = enabled(graph, set[0], fairness);
            for &s in &set[1..] {
                let here = enabled(graph, s, fairness);
                always.retain(|u| here.contains(u));
            }
            always.is_subset(&taken)
        }
        // Every unit enabled in any of its states is taken.
        Fairness::StrongThread | Fairness::StrongAction => set
            .iter()
            .all(|&s| enabled(graph, s, fairness).is_subset(&taken)),
    }
}

/// Whether some strongly connected set of states in `region` is fair: the maximal sets are
/// tried, and from an unfair one (strong fairness) the states that enable a unit never taken
/// inside it are removed, until nothing is left to remove.
fn fair_cycle_in<M: Model>(graph: &Graph<M>, region: &[bool], fairness: Fairness) -> bool {
    let mut work = vec![region.to_vec()];
    while let Some(inside) = work.pop() {
        for set in cyclic_sets(graph, &inside) {
            if fair_set(graph, &set, fairness) {
                return true;
            }
            if fairness != Fairness::WeakThread {
                let taken = taken_inside(graph, &set, fairness);
                let mut smaller = vec![false; graph.len()];
                for &s in &set {
                    smaller[s] = enabled(graph, s, fairness).is_subset(&taken);
                }
                work.push(smaller);
            }
        }
    }
    false
}

/// The definition itself, for small regions: some subset of `region`'s states is strongly
/// connected through its inner edges (at least one) and fair when they are all taken forever.
fn fair_subset_in<M: Model>(graph: &Graph<M>, region: &[bool], fairness: Fairness) -> bool {
    let members: Vec<usize> = (0..graph.len()).filter(|&s| region[s]).collect();
    (1u32..1 << members.len()).any(|mask| {
        let set: Vec<usize> = (0..members.len())
            .filter(|i| mask >> i & 1 == 1)
            .map(|i| members[i])
            .collect();
        let mut inside = vec![false; graph.len()];
        for &s in &set {
            inside[s] = true;
        }
        let has_edge = set
            .iter()
            .any(|&s| graph.edges[s].iter().any(|e| inside[e.target]));
        // Strongly connected: every member reaches every member (in one or more steps when
        // the set is a single state, which `has_edge` then makes a self-loop).
        let connected = set.iter().all(|&s| {
            let r = reach(graph, &[s], &inside);
            set.iter().all(|&v| r[v])
        });
        has_edge && connected && fair_set(graph, &set, fairness)
    })
}

/// Regions at most this big are also decided by trying every subset.
const SUBSETS_UP_TO: usize = 10;

/// Whether `from ~> to` fails for thread `t` under `fairness`: some reachable state satisfies
/// `from` and not `to`, and from it a path of `!to` states reaches a state where the run stops,
/// or a fair cycle of `!to` states.
fn leads_to_fails<M: Model>(
    model: &M,
    graph: &Graph<M>,
    from: fn(&M, &M::State, usize) -> bool,
    to: fn(&M, &M::State, usize) -> bool,
    t: usize,
    fairness: Fairness,
) -> bool {
    let n = graph.len();
    let bad: Vec<bool> = graph.states.iter().map(|s| !to(model, s, t)).collect();
    let triggers: Vec<usize> = (0..n)
        .filter(|&s| bad[s] && from(model, &graph.states[s], t))
        .collect();
    let region = reach(graph, &triggers, &bad);
    let stops = (0..n).any(|s| region[s] && graph.edges[s].is_empty());
    let cycles = fair_cycle_in(graph, &region, fairness);
    if region.iter().filter(|&&r| r).count() <= SUBSETS_UP_TO {
        assert_eq!(
            cycles,
            fair_subset_in(graph, &region, fairness),
            "the reference's two ways to find a fair cycle disagree"
        );
    }
    stops || cycles
}

/// The fewest and most counted steps (`None` for the most: unbounded) thread `t` takes from a
/// trigger to a response. The fewest is over paths from a trigger to a response state through
/// non-response states (0 from a trigger that is a response), `None` when there is none. The
/// most is over paths from a trigger that is not a response through non-response states (the
/// run may stop, loop, or reach a response, whose step counts); unbounded when such paths
/// reach a cycle with a counted step.
fn counts<M: Model>(
    model: &M,
    graph: &Graph<M>,
    from: fn(&M, &M::State, usize) -> bool,
    count: StepPredicate<M>,
    to: fn(&M, &M::State, usize) -> bool,
    t: usize,
) -> (Option<usize>, Option<usize>) {
    let n = graph.len();
    let done: Vec<bool> = graph.states.iter().map(|s| to(model, s, t)).collect();
    let trigger: Vec<bool> = graph.states.iter().map(|s| from(model, s, t)).collect();
    let counted: Vec<Vec<bool>> = (0..n)
        .map(|s| {
            graph.edges[s]
                .iter()
                .map(|e| {
                    count(
                        model,
                        &graph.states[s],
                        &e.action,
                        &graph.states[e.target],
                        t,
                    )
                })
                .collect()
        })
        .collect();
    // Fewest: relax distances from every trigger until nothing changes.
    let mut distance: Vec<Option<usize>> = (0..n).map(|s| trigger[s].then_some(0)).collect();
    loop {
        let mut changed = false;
        for s in (0..n).filter(|&s| !done[s]) {
            let Some(d) = distance[s] else { continue };
            for (e, &c) in graph.edges[s].iter().zip(&counted[s]) {
                let via = d + usize::from(c);
                if distance[e.target].is_none_or(|old| via < old) {
                    distance[e.target] = Some(via);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let min = (0..n)
        .filter(|&s| done[s])
        .filter_map(|s| distance[s])
        .min();
    // Most: the open states, reached from a trigger that is not a response without a response.
    let starts: Vec<usize> = (0..n).filter(|&s| trigger[s] && !done[s]).collect();
    let not_done: Vec<bool> = done.iter().map(|d| !d).collect();
    let open = reach(graph, &starts, &not_done);
    // Unbounded: a counted edge between open states that lies on a cycle of open states.
    let cyclic = (0..n).filter(|&s| open[s]).any(|s| {
        graph.edges[s]
            .iter()
            .zip(&counted[s])
            .any(|(e, &c)| c && open[e.target] && reach(graph, &[e.target], &open)[s])
    });
    // Longest paths by relaxation: they settle within `open` rounds unless a counted cycle
    // keeps raising them (a second way to see unboundedness).
    let mut longest = vec![0usize; n];
    let rounds = open.iter().filter(|&&o| o).count() + 1;
    let mut settled = false;
    for _ in 0..=rounds {
        let mut changed = false;
        for s in (0..n).filter(|&s| open[s]) {
            for (e, &c) in graph.edges[s].iter().zip(&counted[s]) {
                let tail = if open[e.target] { longest[e.target] } else { 0 };
                let via = usize::from(c) + tail;
                if via > longest[s] {
                    longest[s] = via;
                    changed = true;
                }
            }
        }
        if !changed {
            settled = true;
            break;
        }
    }
    assert_eq!(
        cyclic, !settled,
        "the reference's two ways to see an unbounded count disagree"
    );
    let max = (!cyclic).then(|| starts.iter().map(|&s| longest[s]).max().unwrap_or(0));
    (min, max)
}

/// A trace read back into the graph: the states it passes (the initial state first) and the
/// (thread, label) of each step.
pub struct Replayed {
    /// `states[0]` is the initial state, `states[i + 1]` the state after step `i`.
    pub states: Vec<usize>,
    /// The thread and label of each step.
    pub steps: Vec<(Option<usize>, String)>,
}

/// Readings of one trace tried at most.
const READINGS: usize = 256;

/// Reads `trace` back: it must start in an initial state and every step must be a step of the
/// graph with that thread, label and resulting state. Where states print alike a trace may
/// have several readings: all of them (up to `READINGS`), none if it is no run of the graph.
pub fn readings<M: Model>(graph: &Graph<M>, trace: &Trace) -> Vec<Replayed> {
    fn extend<M: Model>(
        graph: &Graph<M>,
        trace: &Trace,
        states: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if out.len() >= READINGS {
            return;
        }
        let at = *states.last().expect("the initial state");
        let Some(step) = trace.steps.get(states.len() - 1) else {
            out.push(states.clone());
            return;
        };
        let mut next: Vec<usize> = graph.edges[at]
            .iter()
            .filter(|e| {
                e.actor == step.thread
                    && e.label == step.action
                    && graph.text[e.target] == step.state
            })
            .map(|e| e.target)
            .collect();
        next.dedup();
        for target in next {
            states.push(target);
            extend(graph, trace, states, out);
            states.pop();
        }
    }
    let mut found = Vec::new();
    for &init in graph.inits.iter().filter(|&&i| graph.text[i] == trace.init) {
        extend(graph, trace, &mut vec![init], &mut found);
    }
    let steps: Vec<(Option<usize>, String)> = trace
        .steps
        .iter()
        .map(|step| (step.thread, step.action.clone()))
        .collect();
    found
        .into_iter()
        .map(|states| Replayed {
            states,
            steps: steps.clone(),
        })
        .collect()
}

/// The first reading of `trace` that `check` accepts, or the complaint about the first reading.
fn some_reading<M: Model>(
    graph: &Graph<M>,
    trace: &Trace,
    check: impl Fn(&Replayed) -> Result<(), String>,
) -> Result<(), String> {
    let mut first = None;
    for run in readings(graph, trace) {
        match check(&run) {
            Ok(()) => return Ok(()),
            Err(why) => {
                first.get_or_insert(why);
            }
        }
    }
    Err(first.unwrap_or_else(|| "the trace is no run of the model".into()))
}

/// Checks that `trace` is a genuine counterexample to `from ~> to` (for one of `threads`, or
/// the thread its outcome names) under `fairness`: a run from an initial state that either
/// stops in a state with nothing enabled or ends in a cycle that returns to its first state
/// and is fair, and that reaches a `from` state after which `to` never holds.
pub fn check_lasso<M: Model>(
    model: &M,
    graph: &Graph<M>,
    trace: &Trace,
    from: fn(&M, &M::State, usize) -> bool,
    to: fn(&M, &M::State, usize) -> bool,
    threads: &[usize],
    fairness: Fairness,
) -> Result<(), String> {
    some_reading(graph, trace, |run| {
        lasso_reading(model, graph, trace, run, from, to, threads, fairness)
    })
}

/// `check_lasso` of one reading of the trace.
#[allow(clippy::too_many_arguments)]
fn lasso_reading<M: Model>(
    model: &M,
    graph: &Graph<M>,
    trace: &Trace,
    run: &Replayed,
    from: fn(&M, &M::State, usize) -> bool,
    to: fn(&M, &M::State, usize) -> bool,
    threads: &[usize],
    fairness: Fairness,
) -> Result<(), String> {
    let last = run.steps.len();
    // States from `forever` on are visited for ever.
    let forever = match trace.cycle {
        Some(c) => {
            if c >= last {
                return Err(format!("the cycle starts at step {c} of {last}"));
            }
            if run.states[c] != run.states[last] {
                return Err("the cycle does not return to its first state".into());
            }
            let cycle = &run.states[c..last];
            let taken: BTreeSet<Unit> = run.steps[c..]
                .iter()
                .map(|(actor, label)| unit_of(*actor, label, fairness))
                .collect();
            let enabled_here = |s: usize| enabled(graph, s, fairness);
            let starved: Vec<Unit> = match fairness {
                Fairness::WeakThread => {
                    let mut always = enabled_here(cycle[0]);
                    for &s in &cycle[1..] {
                        let here = enabled_here(s);
                        always.retain(|u| here.contains(u));
                    }
                    always.difference(&taken).cloned().collect()
                }
                _ => cycle
                    .iter()
                    .flat_map(|&s| enabled_here(s))
                    .filter(|u| !taken.contains(u))
                    .collect(),
            };
            if !starved.is_empty() {
                return Err(format!("the cycle is unfair to {starved:?}"));
            }
            c
        }
        None => {
            if !graph.edges[run.states[last]].is_empty() {
                return Err("the run stops where a step is enabled".into());
            }
            last
        }
    };
    let named = trace
        .outcome
        .split("(thread T")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|t| t.parse::<usize>().ok());
    let candidates: Vec<usize> = match named {
        Some(t) if threads.contains(&t) => vec![t],
        Some(t) => return Err(format!("the outcome names thread {t}, not checked")),
        None => threads.to_vec(),
    };
    let state = |i: usize| &graph.states[run.states[i]];
    let refutes = candidates.iter().any(|&t| {
        (0..=last).any(|i| {
            from(model, state(i), t) && (i.min(forever)..=last).all(|j| !to(model, state(j), t))
        })
    });
    if refutes {
        Ok(())
    } else {
        Err("no trigger in the run is left without a response for ever".into())
    }
}

/// How `check_count_trace` starts its complaint about a counting cycle that the run reaches
/// without passing a trigger first.
pub const NO_TRIGGER_BEFORE_CYCLE: &str = "no trigger open (no response after it) before the cycle";

/// Checks that `trace`, the evidence for a counting property whose numbers are `min` and
/// `max`, shows what it claims for one of `threads`. With a cycle (an unbounded maximum): the
/// run reaches a trigger of thread `t` after which `to` never holds and the cycle takes a step
/// counted for `t`. Without (the minimum): the run reaches a trigger, then a response with no
/// response between, counting `min` steps for `t` on the way.
#[allow(clippy::too_many_arguments)]
pub fn check_count_trace<M: Model>(
    model: &M,
    graph: &Graph<M>,
    trace: &Trace,
    from: fn(&M, &M::State, usize) -> bool,
    count: StepPredicate<M>,
    to: fn(&M, &M::State, usize) -> bool,
    threads: &[usize],
    min: Option<usize>,
) -> Result<(), String> {
    some_reading(graph, trace, |run| {
        count_reading(model, graph, trace, run, from, count, to, threads, min)
    })
}

/// `check_count_trace` of one reading of the trace.
#[allow(clippy::too_many_arguments)]
fn count_reading<M: Model>(
    model: &M,
    graph: &Graph<M>,
    trace: &Trace,
    run: &Replayed,
    from: fn(&M, &M::State, usize) -> bool,
    count: StepPredicate<M>,
    to: fn(&M, &M::State, usize) -> bool,
    threads: &[usize],
    min: Option<usize>,
) -> Result<(), String> {
    let last = run.steps.len();
    let state = |i: usize| &graph.states[run.states[i]];
    // Whether step `k` (from state `k` to state `k + 1`) counts for `t`: some step of the
    // graph with its thread, label and states does.
    let counts = |k: usize, t: usize| {
        let (actor, label) = &run.steps[k];
        graph.edges[run.states[k]].iter().any(|e| {
            e.actor == *actor
                && &e.label == label
                && e.target == run.states[k + 1]
                && count(model, state(k), &e.action, state(k + 1), t)
        })
    };
    let shown = match trace.cycle {
        Some(c) => {
            if c >= last || run.states[c] != run.states[last] {
                return Err("the cycle does not close".into());
            }
            // For ever counting without a response.
            let unbounded: Vec<usize> = threads
                .iter()
                .copied()
                .filter(|&t| {
                    (c..last).any(|k| counts(k, t)) && (c..=last).all(|j| !to(model, state(j), t))
                })
                .collect();
            if unbounded.is_empty() {
                return Err("the cycle counts nothing or passes a response".into());
            }
            let triggered = unbounded.iter().any(|&t| {
                (0..=c).any(|i| {
                    from(model, state(i), t) && (i..=last).all(|j| !to(model, state(j), t))
                })
            });
            if !triggered {
                return Err(format!("{NO_TRIGGER_BEFORE_CYCLE} that counts for ever"));
            }
            true
        }
        None => threads.iter().any(|&t| {
            to(model, state(last), t)
                && (0..last).any(|i| {
                    from(model, state(i), t)
                        && (i..last).all(|j| !to(model, state(j), t))
                        && Some((i..last).filter(|&k| counts(k, t)).count()) == min
                })
        }),
    };
    if shown {
        Ok(())
    } else {
        Err("the trace does not show what the numbers say".into())
    }
}
