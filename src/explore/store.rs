//! The visited set: states stored once, packed (`crate::pack`), in discovery order, in a
//! vector; a hash table of indices into that vector; each state's parent index, so paths are
//! rebuilt by walking parents.
//! A table entry packs the index with 32 bits of the state's hash, so growing the table never
//! hashes a state again, and most probes are refused without comparing states.

use crate::pack::{packed, Pack};
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// The hash bits of a table entry.
const HIGH: u64 = 0xFFFF_FFFF_0000_0000;

/// The parent of an initial state.
pub const NO_PARENT: u32 = u32::MAX;

/// The visited set: states in discovery (= BFS) order, their parents, and an index table.
pub struct Store<S: Pack> {
    /// The states, packed, in discovery order.
    pub states: Vec<S::Packed>,
    /// Each state's parent index (`NO_PARENT` for initial states).
    pub parents: Vec<u32>,
    /// `(hash bits << 32) | index` per state.
    table: HashTable<u64>,
    hasher: FxBuildHasher,
}

impl<S: Pack> Default for Store<S> {
    fn default() -> Self {
        Store::new()
    }
}

impl<S: Pack> Store<S> {
    /// An empty store.
    pub fn new() -> Self {
        Store {
            states: Vec::new(),
            parents: Vec::new(),
            table: HashTable::new(),
            hasher: FxBuildHasher,
        }
    }

    /// Inserts `state` unless present; returns its index if it is new.
    pub fn insert(&mut self, state: S, parent: u32) -> Option<usize> {
        let (index, new) = self.intern(state, parent);
        new.then_some(index)
    }

    /// The index of `state`, inserting it (with `parent`) if absent; `true` if it is new.
    pub fn intern(&mut self, state: S, parent: u32) -> (usize, bool) {
        let state = packed(&state);
        let hash = self.hasher.hash_one(&state);
        self.intern_hashed(state, hash, parent)
    }

    /// State `index`, unpacked.
    pub fn state(&self, index: usize) -> S {
        S::unpack(&self.states[index])
    }

    /// `predicate(state, t)` of every state for each thread `t < threads`, as `result[t][s]`,
    /// unpacking each state once.
    pub fn per_thread(
        &self,
        threads: usize,
        predicate: impl Fn(&S, usize) -> bool,
    ) -> Vec<Vec<bool>> {
        let mut result = vec![Vec::with_capacity(self.states.len()); threads];
        for state in self.states.iter().map(S::unpack) {
            for (t, column) in result.iter_mut().enumerate() {
                column.push(predicate(&state, t));
            }
        }
        result
    }

    /// `intern` of a packed state whose hash (`expand::hash_of`) is already known.
    pub fn intern_hashed(&mut self, state: S::Packed, hash: u64, parent: u32) -> (usize, bool) {
        // Both halves folded into 32 bits (each half of an Fx hash misses some input bits);
        // the table sees them in both halves of its hash.
        let bits = (hash ^ (hash >> 32)) & !HIGH;
        let table_hash = |entry: &u64| (entry & HIGH) | (entry >> 32);
        let states = &self.states;
        let probe = bits << 32;
        if let Some(&entry) = self.table.find(probe | bits, |&entry| {
            entry & HIGH == probe && states[(entry & !HIGH) as usize] == state
        }) {
            return ((entry & !HIGH) as usize, false);
        }
        let index = self.states.len();
        assert!(index < u32::MAX as usize, "at most 2^32 - 1 states");
        self.states.push(state);
        self.parents.push(parent);
        self.table
            .insert_unique(probe | bits, probe | index as u64, table_hash);
        (index, true)
    }

    /// Indices from an initial state to `index`.
    pub fn chain(&self, mut index: usize) -> Vec<usize> {
        let mut chain = vec![index];
        while self.parents[index] != NO_PARENT {
            index = self.parents[index] as usize;
            chain.push(index);
        }
        chain.reverse();
        chain
    }

    /// Bytes held by states, parents and the index table.
    pub fn memory_bytes(&self) -> usize {
        self.states.capacity() * std::mem::size_of::<S::Packed>()
            + self.parents.capacity() * 4
            + self.table.capacity() * (8 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::{Store, HIGH, NO_PARENT};

    /// The table keeps 32 bits of a state's hash, folded from both halves: two hashes that
    /// differ in either half are told apart without comparing states.
    #[test]
    fn both_halves_of_a_hash_reach_the_table() {
        let pairs = [
            (0, 1 << 40),
            (1 << 8, 1 << 8 | 1 << 40),
            (1 << 40, 1 << 40 | 1 << 8),
            (0, 1 << 8),
        ];
        for (a, b) in pairs {
            let mut store = Store::<[u8; 2]>::new();
            store.intern_hashed([0, 0], a, NO_PARENT);
            store.intern_hashed([0, 1], b, NO_PARENT);
            let bits = |index: u64| {
                let entry = store.table.iter().find(|&&e| e & !HIGH == index);
                entry.map(|e| e >> 32)
            };
            assert!(bits(0).is_some() && bits(1).is_some());
            assert_ne!(bits(0), bits(1), "{a:#x} and {b:#x}");
        }
    }

    #[test]
    fn states_whose_hashes_collide_are_stored_apart() {
        let mut store = Store::<[u8; 2]>::new();
        let hash = 0x1234_5678_9ABC_DEF0;
        assert_eq!(store.intern_hashed([1, 0], hash, NO_PARENT), (0, true));
        assert_eq!(store.intern_hashed([0, 1], hash, 0), (1, true));
        assert_eq!(store.intern_hashed([1, 0], hash, 1), (0, false));
        assert_eq!(store.intern_hashed([0, 1], hash, 0), (1, false));
        assert_eq!(store.parents, [NO_PARENT, 0]);
        assert_eq!(store.chain(1), [0, 1]);
    }

    #[test]
    fn states_are_found_again_after_the_table_grows() {
        let mut store = Store::<[u16; 2]>::new();
        for i in 0..5000u16 {
            assert_eq!(store.insert([i, i / 3], NO_PARENT), Some(usize::from(i)));
        }
        for i in (0..5000u16).rev() {
            assert_eq!(store.intern([i, i / 3], 0), (usize::from(i), false));
            assert_eq!(store.state(usize::from(i)), [i, i / 3]);
        }
        assert_eq!(store.insert([1, 1], 0), Some(5000));
        assert_eq!(store.states.len(), 5001);
    }

    /// The memory a store reports is what it holds: a packed state (here 16 bytes), a 4-byte
    /// parent per slot of its vectors, and per slot of the index table an 8-byte entry and its
    /// control byte.
    #[test]
    fn memory_counts_every_slot_of_the_states_the_parents_and_the_table() {
        let mut store = Store::<[u64; 2]>::new();
        assert_eq!(store.memory_bytes(), 0);
        for i in 0..1000 {
            store.insert([i, i * 7], NO_PARENT);
        }
        let slots = store.table.capacity();
        assert!(slots >= 1000 && store.states.capacity() >= 1000);
        assert_eq!(
            store.memory_bytes(),
            store.states.capacity() * 16 + store.parents.capacity() * 4 + slots * 9
        );
    }
}
