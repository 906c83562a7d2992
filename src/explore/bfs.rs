//! Breadth-first search. States are stored once, in discovery order, in a vector; a hash table
//! of them is the visited set; each state keeps the index of its parent, so the first violation
//! found is at minimal depth and its path is rebuilt by walking parents. On request the search
//! also keeps every edge, so that liveness and counting are decided on the graph of the same
//! exploration.

use super::expand::{expand, Judge, BATCH};
use super::graph::Edges;
use super::options::Options;
use super::shards::Shards;
use super::store::{hash_of, Store, NO_PARENT};
use crate::model::{Check, Model, Property};
use crate::pack::{packed, Pack};
use crate::trace::{Trace, TraceMeta};

/// Successors looked up ahead of the one being merged: their index slots are prefetched.
const PREFETCH: usize = 8;

/// Where the first evidence for a property was found.
#[derive(Clone, Copy)]
pub enum Found {
    /// The stored state with this index.
    State(usize),
    /// A step taken from the stored state with this index.
    StepFrom(usize),
}

/// What the search found.
pub struct Search<M: Model> {
    /// The states found (symmetry representatives when symmetry is on).
    pub store: Store<M::State>,
    /// Every edge, when asked for (`keep_edges`).
    pub edges: Option<Edges>,
    /// For each property, where its first violation or witness was found.
    pub found: Vec<Option<Found>>,
    /// Bit i: property i's premise holds in some state stored.
    pub premises: u64,
    /// The limit that stopped the search, if one did.
    pub limit: Option<String>,
    /// Transitions explored.
    pub transitions: usize,
    /// Length of the longest shortest path from an initial state.
    pub depth: usize,
    /// Bytes held at the end: states, parents, the index, and the edges if kept.
    pub memory_bytes: usize,
}

/// Explores every state reachable in `model` (one representative per symmetry class with
/// `options.symmetry`), noting the first state or step that hits each of `properties`, and
/// keeping every edge when `keep_edges`.
pub fn search<M: Model>(
    model: &M,
    properties: &[Property<M>],
    options: &Options,
    keep_edges: bool,
) -> Search<M> {
    assert!(properties.len() <= 64, "a property bit set has 64 bits");
    let mut store = Store::default();
    let mut index = Shards::new::<M::State>(options.workers);
    let mut edges = keep_edges.then(Edges::default);
    let mut found: Vec<Option<Found>> = vec![None; properties.len()];
    // Bit i: property i's premise holds in some state stored so far.
    let mut premises = 0u64;
    let mut limit = None;
    let mut transitions = 0usize;
    let mut depth = 0usize;
    let memory = |store: &Store<M::State>, index: &Shards<_>, edges: &Option<Edges>| {
        store.memory_bytes() + index.memory_bytes() + edges.as_ref().map_or(0, Edges::memory_bytes)
    };

    for init in model.init_states() {
        let init = packed(&represent(model, options, &init));
        index.intern(&mut store, init.clone(), hash_of(&init), NO_PARENT);
    }
    // Low 64 bits, bit i: property i is hit by the state (a reachability witness, or a safety
    // violation). High 64 bits: property i's premise holds in it. States are judged as stored
    // (after symmetry reduction), steps before it.
    let state_hits = |state: &M::State| {
        let hit = properties.iter().enumerate().fold(0u64, |bits, (i, p)| {
            bits | (hit_by_state(model, p, state) as u64) << i
        });
        u128::from(premise_bits(model, properties, state)) << 64 | u128::from(hit)
    };
    let step_hits = |state: &M::State, action: &M::Action, next: &M::State| {
        properties
            .iter()
            .enumerate()
            .fold(0u64, |bits, (i, p)| match &p.check {
                Check::SometimesStep(step) => bits | (step(model, state, action, next) as u64) << i,
                _ => bits,
            })
    };
    let about_steps = properties
        .iter()
        .any(|p| matches!(p.check, Check::SometimesStep(_)));
    let judge = Judge {
        state: &state_hits,
        step: about_steps.then_some(&step_hits as _),
    };
    let note = |found: &mut [Option<Found>], premises: &mut u64, hits: u128, head: usize| {
        *premises |= (hits >> 64) as u64;
        for (i, slot) in found.iter_mut().enumerate() {
            if slot.is_none() && hits & (1 << i) != 0 {
                *slot = Some(Found::State(head));
            }
        }
    };
    // States judged so far (every state is judged when it is expanded).
    let mut judged = 0;
    let mut level_end = store.len();
    'search: while judged < store.len() {
        let batch = judged..store.len().min(judged + BATCH);
        let parts = expand(
            model,
            &store.states[batch.clone()],
            options.symmetry,
            options.workers,
            &judge,
        );
        options.report_progress(store.len());
        // Several workers look the successors up in parallel; one interns them as it goes.
        let parallel = index.parallel() && parts.len() > 1;
        // Numbers are needed for edges, and to compare states the index does not keep.
        let numbered = keep_edges || !M::State::KEEP;
        let mut lookups = parallel.then(|| index.look_up(&parts, &store.states, numbered));
        // The position in the batch of the successor being merged.
        let mut position = 0;
        for part in &parts {
            let mut start = 0;
            for &(end, hits) in &part.heads {
                let head = judged;
                judged += 1;
                if head == level_end {
                    depth += 1;
                    level_end = store.len();
                }
                note(&mut found, &mut premises, hits, head);
                if start == end && !model.is_final(&store.state(head)) {
                    for (slot, property) in found.iter_mut().zip(properties) {
                        if slot.is_none() && matches!(property.check, Check::DeadlockFree) {
                            *slot = Some(Found::State(head));
                        }
                    }
                }
                for at in start..end {
                    let successor = &part.successors[at];
                    transitions += 1;
                    let (target, new) = match &mut lookups {
                        Some(lookups) => {
                            lookups.resolve(position, successor, &mut store, head as u32)
                        }
                        None => {
                            if let Some(ahead) = part.successors.get(at + PREFETCH) {
                                index.prefetch(ahead.hash);
                            }
                            let state = successor.stored.clone();
                            index.intern(&mut store, state, successor.hash, head as u32)
                        }
                    };
                    position += 1;
                    if successor.steps != 0 {
                        for (i, slot) in found.iter_mut().enumerate() {
                            if slot.is_none() && successor.steps & (1 << i) != 0 {
                                *slot = Some(Found::StepFrom(head));
                            }
                        }
                    }
                    if let Some(edges) = &mut edges {
                        edges.push(target, successor.actor);
                    }
                    if new {
                        limit = options.too_many(store.len());
                    }
                    // Time and memory are looked at on the first step and every 4096th.
                    if limit.is_none() && transitions % 4096 == 1 {
                        limit = options.exceeded(memory(&store, &index, &edges));
                    }
                    if limit.is_some() {
                        break 'search;
                    }
                }
                if let Some(edges) = &mut edges {
                    edges.close_state();
                }
                start = end;
            }
        }
        if let Some(lookups) = lookups.filter(|_| numbered) {
            index.settle(&store.states, &lookups);
        }
    }
    // A search cut short still judges every state it stored.
    for head in judged..store.len() {
        note(
            &mut found,
            &mut premises,
            state_hits(&store.state(head)),
            head,
        );
    }

    Search {
        memory_bytes: memory(&store, &index, &edges),
        store,
        edges,
        found,
        premises,
        limit,
        transitions,
        depth,
    }
}

/// `s`, or its symmetry representative when `options.symmetry`.
pub fn represent<M: Model>(model: &M, options: &Options, s: &M::State) -> M::State {
    if options.symmetry {
        model.canonical(s)
    } else {
        s.clone()
    }
}

/// The premises of `properties` that hold in `state`, a bit per property.
fn premise_bits<M: Model>(model: &M, properties: &[Property<M>], state: &M::State) -> u64 {
    properties.iter().enumerate().fold(0u64, |bits, (i, p)| {
        let holds = p.premise.as_ref().is_some_and(|p| (p.holds)(model, state));
        bits | (holds as u64) << i
    })
}

/// Whether `state` witnesses a reachability property or violates a safety property.
fn hit_by_state<M: Model>(model: &M, property: &Property<M>, state: &M::State) -> bool {
    match &property.check {
        Check::Sometimes(holds) => holds(model, state),
        _ => property.violated_by(model, state),
    }
}

/// Rebuilds a concrete path from the stored (possibly canonical) states: from a concrete state,
/// the next step is an action whose successor is represented by the next stored state.
pub fn rebuild<M: Model>(
    model: &M,
    store: &Store<M::State>,
    meta: &TraceMeta,
    found: Found,
    check: &Check<M>,
    options: &Options,
) -> (Trace, M::State) {
    let target = match found {
        Found::State(i) | Found::StepFrom(i) => i,
    };
    let chain = store.chain(target);
    let init = model
        .init_states()
        .into_iter()
        .find(|s| represent(model, options, s) == store.state(chain[0]))
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
            .find(|(_, s)| represent(model, options, s) == store.state(next))
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
    let last = path.last().map_or(init.clone(), |(_, s)| s.clone());
    (Trace::from_path(model, meta.clone(), &init, &path), last)
}

#[cfg(test)]
mod tests {
    use super::search;
    use crate::config::Config;
    use crate::explore::toy::Torus;
    use crate::explore::Options;
    use crate::model::Model;
    use crate::models::gil::{GilVariant, Handoff};

    /// `model`'s search on each of `workers` stores what it stores on one worker: the same
    /// states in the same order, parents and edges, and the same first evidence for each
    /// property; with and without edges. The one-worker searches, for more checks.
    fn stored_alike<M: Model>(model: &M, workers: &[usize]) -> Vec<super::Search<M>> {
        let run = |workers, keep_edges| {
            let options = Options {
                workers,
                ..Options::default()
            };
            search(model, &model.properties(), &options, keep_edges)
        };
        let first = |s: &super::Search<M>| -> Vec<Option<usize>> {
            let at = |f: &Option<super::Found>| match f {
                Some(super::Found::State(i) | super::Found::StepFrom(i)) => Some(*i),
                None => None,
            };
            s.found.iter().map(at).collect()
        };
        let mut ones = Vec::new();
        for keep_edges in [false, true] {
            let one = run(1, keep_edges);
            for &n in workers {
                let many = run(n, keep_edges);
                // Packed states need not print: compared, not shown.
                assert!(many.store.states == one.store.states, "{n} workers: states");
                assert_eq!(many.store.parents, one.store.parents, "{n} workers");
                assert_eq!(many.edges, one.edges, "{n} workers");
                assert_eq!(first(&many), first(&one), "{n} workers");
            }
            ones.push(one);
        }
        ones
    }

    /// Parallel look-ups of states compared in the store (the torus's are not kept).
    #[test]
    fn any_number_of_workers_stores_what_one_worker_stores() {
        for one in stored_alike(&Torus, &[2, 3]) {
            assert_eq!(one.store.len(), 300 * 300);
            assert!(
                matches!(one.found[0], Some(super::Found::State(_))),
                "T-S1 is violated"
            );
        }
    }

    /// The same for states the index keeps (a GIL state is one word), whose parallel look-ups
    /// skip the numbers when no edges are kept.
    #[test]
    fn kept_states_are_stored_alike_by_any_number_of_workers() {
        let model = Handoff::new(GilVariant::Cpython311, &Config::threads(5));
        for one in stored_alike(&model, &[2]) {
            assert_eq!(one.store.len(), 61_341);
        }
    }
}
