//! Breadth-first search. States are stored once, in discovery order, in a vector; a hash table
//! of indices into that vector is the visited set; each state keeps the index of its parent, so
//! the first violation found is at minimal depth and its path is rebuilt by walking parents.

use super::report::{PropertyResult, Report, Verdict};
use crate::model::{Check, Model, Property};
use crate::trace::{Trace, TraceMeta};
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;
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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            symmetry: false,
            max_states: 20_000_000,
            max_seconds: 600.0,
        }
    }
}

const NO_PARENT: u32 = u32::MAX;

/// The visited set: states in discovery (= BFS) order, their parents, and an index table.
struct Store<S> {
    states: Vec<S>,
    parents: Vec<u32>,
    table: HashTable<u32>,
    hasher: FxBuildHasher,
}

impl<S: Eq + std::hash::Hash> Store<S> {
    fn new() -> Self {
        Store {
            states: Vec::new(),
            parents: Vec::new(),
            table: HashTable::new(),
            hasher: FxBuildHasher,
        }
    }

    /// Inserts `state` unless present; returns its index if it is new.
    fn insert(&mut self, state: S, parent: u32) -> Option<usize> {
        let hash = self.hasher.hash_one(&state);
        let states = &self.states;
        if self
            .table
            .find(hash, |&i| states[i as usize] == state)
            .is_some()
        {
            return None;
        }
        let index = self.states.len();
        self.states.push(state);
        self.parents.push(parent);
        let (states, hasher) = (&self.states, &self.hasher);
        self.table.insert_unique(hash, index as u32, |&i| {
            hasher.hash_one(&states[i as usize])
        });
        Some(index)
    }

    /// Indices from an initial state to `index`.
    fn chain(&self, mut index: usize) -> Vec<usize> {
        let mut chain = vec![index];
        while self.parents[index] != NO_PARENT {
            index = self.parents[index] as usize;
            chain.push(index);
        }
        chain.reverse();
        chain
    }

    fn memory_bytes(&self) -> usize {
        self.states.capacity() * std::mem::size_of::<S>()
            + self.parents.capacity() * 4
            + self.table.capacity() * (4 + 1)
    }
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
    let properties = model.properties();
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
            note_state(model, &properties, &mut found, &store.states[index], index);
        }
    }

    let mut actions = Vec::new();
    let mut head = 0usize;
    let mut level_end = store.states.len();
    'search: while head < store.states.len() {
        if head == level_end {
            depth += 1;
            level_end = store.states.len();
        }
        let state = store.states[head].clone();
        actions.clear();
        model.actions(&state, &mut actions);
        if actions.is_empty() && !model.is_final(&state) {
            for (slot, property) in found.iter_mut().zip(&properties) {
                if slot.is_none() && matches!(property.check, Check::DeadlockFree) {
                    *slot = Some(Found::State(head));
                }
            }
        }
        for action in &actions {
            let next = model.next_state(&state, action);
            transitions += 1;
            for (slot, property) in found.iter_mut().zip(&properties) {
                if let (None, Check::SometimesStep(step)) = (&slot, &property.check) {
                    if step(model, &state, action, &next) {
                        *slot = Some(Found::StepFrom(head));
                    }
                }
            }
            if let Some(index) = store.insert(represent(&next), head as u32) {
                note_state(model, &properties, &mut found, &store.states[index], index);
                if store.states.len() >= options.max_states {
                    limit = Some(format!("state limit {} reached", options.max_states));
                    break 'search;
                }
            }
            if transitions % 4096 == 0 && start.elapsed().as_secs_f64() > options.max_seconds {
                limit = Some(format!("time limit {}s reached", options.max_seconds));
                break 'search;
            }
        }
        head += 1;
    }

    let complete = limit.is_none();
    let results = properties
        .iter()
        .zip(&found)
        .map(|(property, found)| {
            let (verdict, trace) = match (found, &property.check) {
                (Some(found), check) => {
                    let trace = rebuild(model, &store, meta, *found, check, &represent);
                    let (id, statement) = (property.id, property.statement);
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
                id: property.id.to_string(),
                statement: property.statement.to_string(),
                verdict,
                trace,
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
        let hit = match &property.check {
            Check::Sometimes(p) => p(model, state),
            _ => property.violated_by(model, state),
        };
        if hit {
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
        .find(|s| represent(s) == store.states[chain[0]])
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
            .find(|(_, s)| represent(s) == store.states[next])
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
