//! Successors of a batch of states (the next `BATCH` states of the breadth-first queue), computed
//! on every core. The expensive part of a search (next states, symmetry representatives,
//! packing, hashes, property predicates) runs in parallel; the caller then merges the
//! successors into the visited set in a fixed order (state by state, action by action), so a
//! parallel search stores the same states in the same order, and finds the same traces, as a
//! sequential one. Batches keep the successors waiting to be merged small.

use super::store::hash_of;
use crate::model::Model;
use crate::pack::{packed, Pack};

/// States expanded at once: bounds the memory of successors waiting to be merged.
pub const BATCH: usize = 1 << 15;

/// Below this many states a batch is expanded on the calling thread.
const PARALLEL_FROM: usize = 2048;

/// The packed form of a model's state.
pub type Packed<M> = <<M as Model>::State as Pack>::Packed;

/// One step out of a state.
pub struct Successor<P> {
    /// The state the visited set stores: the successor, or its symmetry representative, packed.
    pub stored: P,
    /// Its hash.
    pub hash: u64,
    /// What `Judge::step` said of the step: a bit per property.
    pub steps: u64,
    /// The thread that takes the step (`NO_ACTOR` for none).
    pub actor: u8,
}

/// Actor of a step by no thread.
pub const NO_ACTOR: u8 = u8::MAX;

/// The successors of consecutive states, one after another.
pub struct Expansion<P> {
    /// Every state's successors, in order.
    pub successors: Vec<Successor<P>>,
    /// Per state: where its successors end in `successors`, and what `Judge::state` said of it.
    pub heads: Vec<(usize, u128)>,
}

/// What a search asks of every state it expands and of every step, evaluated in parallel with
/// the rest.
pub struct Judge<'a, M: Model> {
    /// A stored state to a bit set.
    pub state: &'a (dyn Fn(&M::State) -> u128 + Sync),
    /// (state, action, successor) to a bit set; `None` when no property is about steps.
    pub step: Option<StepJudge<'a, M>>,
}

/// What a search asks of a step.
pub type StepJudge<'a, M> =
    &'a (dyn Fn(&<M as Model>::State, &<M as Model>::Action, &<M as Model>::State) -> u64 + Sync);

/// The successors of each of `states` (packed), in order, on up to `workers` threads: one
/// expansion per thread, in the order of `states`.
pub fn expand<M: Model>(
    model: &M,
    states: &[Packed<M>],
    symmetry: bool,
    workers: usize,
    judge: &Judge<'_, M>,
) -> Vec<Expansion<Packed<M>>> {
    let part = |states: &[Packed<M>]| {
        let mut out = Expansion {
            successors: Vec::with_capacity(states.len() * 8),
            heads: Vec::with_capacity(states.len()),
        };
        let mut actions = Vec::new();
        for state in states {
            let state = &M::State::unpack(state);
            actions.clear();
            model.actions(state, &mut actions);
            for action in &actions {
                let next = model.next_state(state, action);
                let steps = judge.step.map_or(0, |step| step(state, action, &next));
                let stored = match symmetry {
                    true => packed(&model.canonical(&next)),
                    false => packed(&next),
                };
                out.successors.push(Successor {
                    hash: hash_of(&stored),
                    stored,
                    steps,
                    actor: model.actor(action).map_or(NO_ACTOR, |t| t as u8),
                });
            }
            out.heads.push((out.successors.len(), (judge.state)(state)));
        }
        out
    };
    if workers <= 1 || states.len() < PARALLEL_FROM {
        return vec![part(states)];
    }
    let chunk = states.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let parts: Vec<_> = states
            .chunks(chunk)
            .map(|states| scope.spawn(move || part(states)))
            .collect();
        parts
            .into_iter()
            .map(|part| part.join().expect("a successor computation panicked"))
            .collect()
    })
}
