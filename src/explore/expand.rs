//! Successors of a batch of states (the next `BATCH` states of the breadth-first queue), computed
//! on every core. The expensive part of a search (next states, symmetry representatives,
//! hashes, property predicates) runs in parallel; the caller then merges the successors into
//! the visited set in a fixed order (state by state, action by action), so a parallel search
//! stores the same states in the same order, and finds the same traces, as a sequential one.
//! Batches keep the successors waiting to be merged small.

use crate::model::Model;
use crate::pack::{packed, Pack};
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// States expanded at once: bounds the memory of successors waiting to be merged.
pub const BATCH: usize = 1 << 15;

/// Below this many states a batch is expanded on the calling thread.
const PARALLEL_FROM: usize = 2048;

/// One step out of a state.
pub struct Successor<M: Model> {
    /// The action taken.
    pub action: M::Action,
    /// The state the visited set stores: the successor, or its symmetry representative, packed.
    pub stored: <M::State as Pack>::Packed,
    /// Its hash.
    pub hash: u64,
    /// What the caller's `hits` said of the step (a bit per property it decides).
    pub hits: u128,
}

/// What a search asks of each step while successors are computed: (state, action, successor,
/// stored successor) to a bit set. Evaluated in parallel with the rest.
pub type Hits<'a, M> = &'a (dyn Fn(
    &<M as Model>::State,
    &<M as Model>::Action,
    &<M as Model>::State,
    &<M as Model>::State,
) -> u128
         + Sync);

/// The hash the visited set uses.
pub fn hash_of<S: std::hash::Hash>(state: &S) -> u64 {
    FxBuildHasher.hash_one(state)
}

/// The successors of each of `states` (packed), in order, on up to `workers` threads.
pub fn expand<M: Model>(
    model: &M,
    states: &[<M::State as Pack>::Packed],
    symmetry: bool,
    workers: usize,
    hits: Hits<'_, M>,
) -> Vec<Vec<Successor<M>>> {
    let one = |state: &<M::State as Pack>::Packed| {
        let state = &M::State::unpack(state);
        let mut actions = Vec::new();
        model.actions(state, &mut actions);
        actions
            .into_iter()
            .map(|action| {
                let next = model.next_state(state, &action);
                let representative = symmetry.then(|| model.canonical(&next));
                let hits = hits(
                    state,
                    &action,
                    &next,
                    representative.as_ref().unwrap_or(&next),
                );
                let stored = packed(representative.as_ref().unwrap_or(&next));
                Successor {
                    hits,
                    hash: hash_of(&stored),
                    action,
                    stored,
                }
            })
            .collect::<Vec<_>>()
    };
    if workers <= 1 || states.len() < PARALLEL_FROM {
        return states.iter().map(one).collect();
    }
    let chunk = states.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let parts: Vec<_> = states
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().expect("a successor computation panicked"))
            .collect()
    })
}
