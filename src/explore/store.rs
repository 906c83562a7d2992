//! The visited set: states stored once, in discovery order, in a vector; a hash table of
//! indices into that vector; each state's parent index, so paths are rebuilt by walking parents.

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// The parent of an initial state.
pub const NO_PARENT: u32 = u32::MAX;

/// The visited set: states in discovery (= BFS) order, their parents, and an index table.
pub struct Store<S> {
    /// The states, in discovery order.
    pub states: Vec<S>,
    /// Each state's parent index (`NO_PARENT` for initial states).
    pub parents: Vec<u32>,
    table: HashTable<u32>,
    hasher: FxBuildHasher,
}

impl<S: Eq + std::hash::Hash> Default for Store<S> {
    fn default() -> Self {
        Store::new()
    }
}

impl<S: Eq + std::hash::Hash> Store<S> {
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
        let hash = self.hasher.hash_one(&state);
        let states = &self.states;
        if let Some(&i) = self.table.find(hash, |&i| states[i as usize] == state) {
            return (i as usize, false);
        }
        let index = self.states.len();
        self.states.push(state);
        self.parents.push(parent);
        let (states, hasher) = (&self.states, &self.hasher);
        self.table.insert_unique(hash, index as u32, |&i| {
            hasher.hash_one(&states[i as usize])
        });
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
        self.states.capacity() * std::mem::size_of::<S>()
            + self.parents.capacity() * 4
            + self.table.capacity() * (4 + 1)
    }
}
