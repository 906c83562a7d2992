//! The visited set's index split into shards by hash, so that several workers look a batch's
//! successors up at once, each in its own shard. The numbering stays the sequential search's:
//! a look-up only says of each successor which stored state it is, or which earlier successor
//! of the same batch it repeats, or that it is the first of a new state. The search then
//! numbers the new states in batch order (`Lookups::resolve`), as one worker would, and
//! `settle` writes their numbers into the shards. A search that keeps no edges, of states the
//! index keeps whole (`Pack::KEEP`), never needs the index of a state it finds again, only
//! whether it is new: its look-ups skip the numbers (each shard sees its successors in batch
//! order, so the first to insert a state is its first occurrence), and nothing is settled.
//! Other states are compared through their numbers, so those must be settled.

use super::expand::{Expansion, Successor};
use super::store::{Index, Store};
use crate::pack::Pack;
use std::sync::atomic::{AtomicU32, Ordering};

/// Marks a number that is a successor's position in its batch, not a state index yet.
const PENDING: u32 = 1 << 31;

/// Successors looked up ahead of the one being looked up: their slots are prefetched.
const PREFETCH: usize = 8;

/// The index, in shards.
pub struct Shards<P> {
    shards: Vec<Index<P>>,
}

/// The number a look-up without numbers gives a state it finds.
pub const UNNUMBERED: u32 = u32::MAX;

/// What the parallel look-up of a batch found, per successor in batch order.
pub struct Lookups<'a, P> {
    /// The batch's successors, in order.
    all: Vec<&'a Successor<P>>,
    /// A stored state's index (`UNNUMBERED` without numbers), or `PENDING | p`: the state first
    /// appears at position `p` of the batch (new if `p` is the successor's own position).
    found: Vec<u32>,
    /// The index given to the new state first seen at each position (set by `resolve`).
    numbers: Vec<u32>,
}

/// The shard, of `shards`, of a state with `hash`: from its high half (slots use both).
fn shard_of(hash: u64, shards: usize) -> usize {
    (((hash >> 32) * shards as u64) >> 32) as usize
}

/// Every successor of a batch, in order.
fn in_order<P>(parts: &[Expansion<P>]) -> Vec<&Successor<P>> {
    parts.iter().flat_map(|part| &part.successors).collect()
}

/// The state a number of a batch's look-up stands for: a successor of the batch (pending) or
/// a stored state.
fn stored<'a, P>(all: &'a [&'a Successor<P>], states: &'a [P], number: u32) -> &'a P {
    match number & PENDING {
        0 => &states[number as usize],
        _ => &all[(number & !PENDING) as usize].stored,
    }
}

impl<P: Clone + Eq + Send + Sync> Shards<P> {
    /// An empty index of `S`'s packed states in `shards` shards (at least one).
    pub fn new<S: Pack<Packed = P>>(shards: usize) -> Self {
        Shards {
            shards: (0..shards.max(1)).map(|_| Index::new::<S>()).collect(),
        }
    }

    /// Whether look-ups run on several workers.
    pub fn parallel(&self) -> bool {
        self.shards.len() > 1
    }

    /// `Index::intern` in the state's shard.
    pub fn intern<S: Pack<Packed = P>>(
        &mut self,
        store: &mut Store<S>,
        state: P,
        hash: u64,
        parent: u32,
    ) -> (usize, bool) {
        let shard = shard_of(hash, self.shards.len());
        self.shards[shard].intern(store, state, hash, parent)
    }

    /// `Index::prefetch` in the state's shard.
    pub fn prefetch(&self, hash: u64) {
        self.shards[shard_of(hash, self.shards.len())].prefetch(hash);
    }

    /// Calls `work(index, position)` for every successor of `all` (a batch, in order) in the
    /// successor's shard, one worker per shard, each prefetching its own slots ahead.
    fn each_in_shard(&mut self, all: &[&Successor<P>], work: impl Fn(&mut Index<P>, usize) + Sync) {
        let count = self.shards.len();
        let work = &work;
        std::thread::scope(|scope| {
            for (shard, index) in self.shards.iter_mut().enumerate() {
                let mine = move |hash: u64| shard_of(hash, count) == shard;
                scope.spawn(move || {
                    for (at, successor) in all.iter().enumerate() {
                        if let Some(ahead) = all.get(at + PREFETCH).filter(|a| mine(a.hash)) {
                            index.prefetch(ahead.hash);
                        }
                        if mine(successor.hash) {
                            work(index, at);
                        }
                    }
                });
            }
        });
    }

    /// Looks every successor of `parts` up, one worker per shard (`states`: the store's). A
    /// state not found is kept in its shard as pending, so that its repeats later in the batch
    /// find it. Without `numbered`, a state found is `UNNUMBERED`: only for states the index
    /// keeps (`Pack::KEEP`), since the others are compared through their numbers.
    pub fn look_up<'a>(
        &mut self,
        parts: &'a [Expansion<P>],
        states: &[P],
        numbered: bool,
    ) -> Lookups<'a, P> {
        let all = in_order(parts);
        let found: Vec<AtomicU32> = all.iter().map(|_| AtomicU32::new(0)).collect();
        self.each_in_shard(&all, |index, at| {
            let successor = all[at];
            let position = PENDING | at as u32;
            let number = index.find_or_insert(&successor.stored, successor.hash, position, |n| {
                stored(&all, states, n)
            });
            let found_here = match number {
                None => position,
                Some(_) if !numbered => UNNUMBERED,
                Some(number) => number,
            };
            found[at].store(found_here, Ordering::Relaxed);
        });
        Lookups {
            all,
            numbers: vec![0; found.len()],
            found: found.into_iter().map(AtomicU32::into_inner).collect(),
        }
    }

    /// Writes the numbers that `resolve` gave the batch's new states into the shards, one
    /// worker per shard (`states`: the store's).
    pub fn settle(&mut self, states: &[P], lookups: &Lookups<P>) {
        let all = &lookups.all;
        self.each_in_shard(all, |index, at| {
            if lookups.found[at] == PENDING | at as u32 {
                let successor = all[at];
                let number = lookups.numbers[at];
                index.renumber(&successor.stored, successor.hash, number, |n| {
                    stored(all, states, n)
                });
            }
        });
    }

    /// Bytes held by the shards.
    pub fn memory_bytes(&self) -> usize {
        self.shards.iter().map(Index::memory_bytes).sum()
    }
}

impl<P: Clone> Lookups<'_, P> {
    /// The index of the successor at position `at` of the batch (`UNNUMBERED` for a state
    /// found by a look-up without numbers), storing it (with `parent`) if it is the first of a
    /// new state; `true` if it is. Called in batch order.
    pub fn resolve<S: Pack<Packed = P>>(
        &mut self,
        at: usize,
        successor: &Successor<P>,
        store: &mut Store<S>,
        parent: u32,
    ) -> (usize, bool) {
        let found = self.found[at];
        if found == UNNUMBERED || found & PENDING == 0 {
            return (found as usize, false);
        }
        let first = (found & !PENDING) as usize;
        if first < at {
            return (self.numbers[first] as usize, false);
        }
        let index = store.push(successor.stored.clone(), parent);
        self.numbers[at] = index as u32;
        (index, true)
    }
}
