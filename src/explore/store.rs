//! The visited set, in two parts. `Store`: states stored once, packed (`crate::pack`), in
//! discovery order, with each state's parent index, so paths are rebuilt by walking parents;
//! it outlives the search (traces and the state graph read it). `Index`: the hash table that
//! finds a state's index during the search, dropped when the search ends.
//!
//! The index is an open-addressing table with linear probing whose slots hold the packed state
//! itself, 32 bits of its hash and its index. A probe reads one slot, usually one cache line
//! (a table whose slots only point into the store reads two, both missing the cache in a large
//! search), and a search prefetches the slots of the successors it is about to probe, so that
//! their cache misses overlap.

use crate::pack::Pack;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// The parent of an initial state.
pub const NO_PARENT: u32 = u32::MAX;

/// The most states a store holds: indices leave the top bit of a `u32` free (a parallel merge
/// marks the states it has not numbered yet with it).
pub const MAX_STATES: usize = (1 << 31) - 1;

/// The states found, in discovery (= BFS) order, and their parents.
pub struct Store<S: Pack> {
    /// The states, packed, in discovery order.
    pub states: Vec<S::Packed>,
    /// Each state's parent index (`NO_PARENT` for initial states).
    pub parents: Vec<u32>,
}

impl<S: Pack> Default for Store<S> {
    fn default() -> Self {
        Store {
            states: Vec::new(),
            parents: Vec::new(),
        }
    }
}

impl<S: Pack> Store<S> {
    /// State `index`, unpacked.
    pub fn state(&self, index: usize) -> S {
        S::unpack(&self.states[index])
    }

    /// Number of states.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// The index the next state stored will have.
    pub fn next_index(&self) -> u32 {
        let index = self.states.len();
        assert!(index < MAX_STATES, "at most {MAX_STATES} states");
        index as u32
    }

    /// Stores `state` with `parent`; its index.
    pub fn push(&mut self, state: S::Packed, parent: u32) -> usize {
        let index = self.next_index() as usize;
        self.states.push(state);
        self.parents.push(parent);
        index
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

    /// Bytes held by states and parents.
    pub fn memory_bytes(&self) -> usize {
        self.states.capacity() * std::mem::size_of::<S::Packed>() + self.parents.capacity() * 4
    }
}

/// The hash the index uses.
pub fn hash_of<P: std::hash::Hash>(state: &P) -> u64 {
    FxBuildHasher.hash_one(state)
}

/// Asks the kernel to back the capacity of `slots` (not touched yet) with huge pages: a large
/// index is read at random, and with 4 KiB pages nearly every probe would also miss the TLB.
/// Only a hint: where transparent huge pages are off it changes nothing.
fn advise_huge_pages<T>(slots: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = slots.as_ptr() as usize;
        let end = start + slots.capacity() * std::mem::size_of::<T>();
        let first = start.next_multiple_of(HUGE);
        let length = end.saturating_sub(first) / HUGE * HUGE;
        if length > 0 {
            // SAFETY: the range lies inside the vector's allocation; the advice changes how the
            // kernel backs those pages, never their contents or who owns them.
            unsafe { libc::madvise(first as *mut libc::c_void, length, libc::MADV_HUGEPAGE) };
        }
    }
}

/// A slot of the index: a stored state, 32 bits of its hash, and its index in the store
/// (`EMPTY` when the slot is free).
#[derive(Clone)]
struct Slot<P> {
    state: P,
    tag: u32,
    index: u32,
}

/// The index of a free slot. Every slot holds some state: a free one holds a copy of the
/// first state stored, never compared because its index says it is free.
const EMPTY: u32 = u32::MAX;

/// The hash table from a packed state to its index in a `Store`.
pub struct Index<P> {
    slots: Vec<Slot<P>>,
    /// Slots in use.
    len: usize,
    /// `64 - log2(slots.len())`: the home slot of a tag is its Fibonacci hash's top bits.
    shift: u32,
}

impl<P> Default for Index<P> {
    fn default() -> Self {
        Index {
            slots: Vec::new(),
            len: 0,
            shift: 64,
        }
    }
}

/// The 32 bits of a hash that the index keeps, folded from both halves (each half of an Fx
/// hash misses some input bits).
fn tag_of(hash: u64) -> u32 {
    (hash ^ (hash >> 32)) as u32
}

/// Slots of a new index.
const FIRST_SLOTS: usize = 1 << 10;

impl<P: Clone + Eq> Index<P> {
    /// The slot where a state with `tag` is looked for first.
    #[inline]
    fn home(&self, tag: u32) -> usize {
        (u64::from(tag).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Asks the processor to bring in the slot where a state with `hash` is looked for first,
    /// ahead of `intern`.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        if let Some(slot) = self.slots.get(self.home(tag_of(hash))) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: a prefetch only hints at an address (here of a live slot); it never
            // faults and changes no memory.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((slot as *const Slot<P>).cast()) }
        }
    }

    /// The number the index holds for `state` (packed, with its `hash_of`); if it holds none,
    /// it keeps `number` for it and returns `None`.
    pub fn find_or_insert(&mut self, state: &P, hash: u64, number: u32) -> Option<u32> {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(state);
        }
        let tag = tag_of(hash);
        let at = match self.probe(state, tag) {
            Ok(at) => return Some(self.slots[at].index),
            Err(at) => at,
        };
        self.slots[at] = Slot {
            state: state.clone(),
            tag,
            index: number,
        };
        self.len += 1;
        None
    }

    /// Replaces the number kept for `state`, which the index holds.
    pub fn renumber(&mut self, state: &P, hash: u64, number: u32) {
        let at = self
            .probe(state, tag_of(hash))
            .expect("the index holds the state");
        self.slots[at].index = number;
    }

    /// `Ok` with the slot holding `state`, or `Err` with the free slot where it would go.
    fn probe(&self, state: &P, tag: u32) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut at = self.home(tag);
        loop {
            let slot = &self.slots[at];
            if slot.index == EMPTY {
                return Err(at);
            }
            if slot.tag == tag && slot.state == *state {
                return Ok(at);
            }
            at = (at + 1) & mask;
        }
    }

    /// The index in `store` of `state` (packed, with its `hash_of`), storing it there (with
    /// `parent`) if it is absent; `true` if it is new.
    pub fn intern<S: Pack<Packed = P>>(
        &mut self,
        store: &mut Store<S>,
        state: P,
        hash: u64,
        parent: u32,
    ) -> (usize, bool) {
        match self.find_or_insert(&state, hash, store.next_index()) {
            Some(index) => (index as usize, false),
            None => (store.push(state, parent), true),
        }
    }

    /// Doubles the slots (or makes the first ones, filled with copies of `filler`) and puts
    /// every entry back; tags give the new homes without hashing a state again.
    fn grow(&mut self, filler: &P) {
        let size = (self.slots.len() * 2).max(FIRST_SLOTS);
        let free = Slot {
            state: self.slots.first().map_or(filler, |s| &s.state).clone(),
            tag: 0,
            index: EMPTY,
        };
        let mut slots = Vec::with_capacity(size);
        advise_huge_pages(&slots);
        slots.resize(size, free);
        let old = std::mem::replace(&mut self.slots, slots);
        self.shift = 64 - size.trailing_zeros();
        let mask = size - 1;
        for slot in old.into_iter().filter(|s| s.index != EMPTY) {
            let mut at = self.home(slot.tag);
            while self.slots[at].index != EMPTY {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }

    /// Bytes held by the slots.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot<P>>()
    }
}

#[cfg(test)]
mod tests {
    use super::{hash_of, tag_of, Index, Store, NO_PARENT};
    use crate::pack::Pack;

    /// A store and its index, interning unpacked states.
    #[derive(Default)]
    struct Visited<S: Pack> {
        store: Store<S>,
        index: Index<S::Packed>,
    }

    impl<S: Pack> Visited<S> {
        fn intern(&mut self, state: &S, parent: u32) -> (usize, bool) {
            let packed = state.pack();
            let hash = hash_of(&packed);
            self.index.intern(&mut self.store, packed, hash, parent)
        }

        fn memory_bytes(&self) -> usize {
            self.store.memory_bytes() + self.index.memory_bytes()
        }
    }

    /// Two states whose hashes collide entirely are told apart by comparing them.
    #[test]
    fn states_whose_hashes_collide_are_stored_apart() {
        let mut visited = Visited::<[u8; 2]>::default();
        let hash = 0x1234_5678_9ABC_DEF0;
        let (store, index) = (&mut visited.store, &mut visited.index);
        assert_eq!(index.intern(store, [1, 0], hash, NO_PARENT), (0, true));
        assert_eq!(index.intern(store, [0, 1], hash, 0), (1, true));
        assert_eq!(index.intern(store, [1, 0], hash, 1), (0, false));
        assert_eq!(index.intern(store, [0, 1], hash, 0), (1, false));
        assert_eq!(store.parents, [NO_PARENT, 0]);
        assert_eq!(store.chain(1), [0, 1]);
    }

    /// The tag keeps both halves of a hash: hashes that differ in either half differ in it.
    #[test]
    fn both_halves_of_a_hash_reach_the_tag() {
        for (a, b) in [(0, 1 << 40), (1 << 8, 1 << 8 | 1 << 40), (0, 1 << 8)] {
            assert_ne!(tag_of(a), tag_of(b), "{a:#x} and {b:#x}");
        }
    }

    #[test]
    fn states_are_found_again_after_the_table_grows() {
        let mut visited = Visited::<[u16; 2]>::default();
        for i in 0..5000u16 {
            assert_eq!(
                visited.intern(&[i, i / 3], NO_PARENT),
                (usize::from(i), true)
            );
        }
        for i in (0..5000u16).rev() {
            assert_eq!(visited.intern(&[i, i / 3], 0), (usize::from(i), false));
            assert_eq!(visited.store.state(usize::from(i)), [i, i / 3]);
        }
        assert_eq!(visited.intern(&[1, 1], 0), (5000, true));
        assert_eq!(visited.store.len(), 5001);
    }

    /// The memory reported is what is held: per slot of the store a packed state (here 16
    /// bytes) and a 4-byte parent, per slot of the index the state, its tag and its index.
    #[test]
    fn memory_counts_every_slot_of_the_states_the_parents_and_the_index() {
        let mut visited = Visited::<[u64; 2]>::default();
        assert_eq!(visited.memory_bytes(), 0);
        for i in 0..1000 {
            visited.intern(&[i, i * 7], NO_PARENT);
        }
        let slots = visited.index.slots.capacity();
        assert!(slots * 3 >= 1000 * 4 && visited.store.states.capacity() >= 1000);
        assert_eq!(
            visited.memory_bytes(),
            visited.store.states.capacity() * 16
                + visited.store.parents.capacity() * 4
                + slots * 24
        );
    }
}
