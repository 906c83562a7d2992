//! Breadth-first search. States are stored once, in discovery order, in a vector; a hash table
//! of indices into that vector is the visited set; each state keeps the index of its parent, so
//! the first violation found is at minimal depth and its path is rebuilt by walking parents.

use super::expand::{expand, BATCH};
use super::options::Options;
use super::store::{Store, NO_PARENT};
use crate::model::{Check, Model, Property};
use crate::trace::{Trace, TraceMeta};

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
    /// The visited set (symmetry representatives when symmetry is on).
    pub store: Store<M::State>,
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
}

/// Explores every state reachable in `model` (one representative per symmetry class with
/// `options.symmetry`), noting the first state or step that hits each of `properties`.
pub fn search<M: Model>(model: &M, properties: &[Property<M>], options: &Options) -> Search<M> {
    let represent = |s: &M::State| represent(model, options, s);
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
            premises |= premise_bits(model, properties, &state);
            note_state(model, properties, &mut found, &state, index);
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
        u128::from(premise_bits(model, properties, stored)) << 64 | u128::from(hit)
    };
    let mut next = 0;
    let mut level_end = store.states.len();
    'search: while next < store.states.len() {
        let batch = next..store.states.len().min(next + BATCH);
        next = batch.end;
        let states = &store.states[batch.clone()];
        let expanded = expand(model, states, options.symmetry, options.workers, &hits);
        options.report_progress(store.states.len());
        for (head, successors) in batch.zip(expanded) {
            if head == level_end {
                depth += 1;
                level_end = store.states.len();
            }
            if successors.is_empty() && !model.is_final(&store.state(head)) {
                for (slot, property) in found.iter_mut().zip(properties) {
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
                for (i, (slot, property)) in found.iter_mut().zip(properties).enumerate() {
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

    Search {
        store,
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
