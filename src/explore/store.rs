//! The visited set, in two parts. `Store`: states stored once, packed (`crate::pack`), in
//! discovery order, with each state's parent index, so paths are rebuilt by walking parents;
//! it outlives the search (traces and the state graph read it). `Index`: the hash table that
//! finds a state's index during the search, dropped when the search ends.
//!
//! The index is an open-addressing table with linear probing whose slots hold 32 bits of a
//! state's hash and its index. Small states (`Pack::KEEP`, one or two words) are also kept in
//! the index beside their slots, so that a probe needs no other memory and the search can
//! prefetch everything a probe of the successors it is about to merge will read: their cache
//! misses overlap. Larger states are compared in the store, which costs a second cache miss
//! on a match but not their size again in memory.

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
        room_for_one(&mut self.states);
        room_for_one(&mut self.parents);
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

/// Makes room for one more item, growing `items` by a quarter of its length, not doubling it:
/// the slack of a search's large vectors stays small.
pub fn room_for_one<T>(items: &mut Vec<T>) {
    if items.len() == items.capacity() {
        items.reserve_exact((items.len() / 4).max(1024));
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

/// A slot of the index: 32 bits of a stored state's hash and its number (its index in the
/// store, or what a parallel look-up noted; `EMPTY` when the slot is free).
#[derive(Clone, Copy)]
struct Slot {
    tag: u32,
    number: u32,
}

/// The number of a free slot.
const EMPTY: u32 = u32::MAX;

/// The hash table from a packed state to its index in a `Store`. For states that `Pack::KEEP`
/// says to keep, a copy of each sits in its slot, so a probe reads one cache line; other states
/// are compared where their number says (in the store).
pub struct Index<P> {
    slots: Slots<P>,
    /// Slots in use.
    len: usize,
    /// `64 - log2(slots.len())`: the home slot of a tag is its Fibonacci hash's top bits.
    shift: u32,
}

/// The slots, with or without the states.
enum Slots<P> {
    Bare(Vec<Slot>),
    /// Free slots hold a copy of the first state stored.
    Kept(Vec<(Slot, P)>),
}

impl<P: Clone> Slots<P> {
    fn len(&self) -> usize {
        match self {
            Slots::Bare(slots) => slots.len(),
            Slots::Kept(slots) => slots.len(),
        }
    }

    #[inline]
    fn slot(&self, at: usize) -> Slot {
        match self {
            Slots::Bare(slots) => slots[at],
            Slots::Kept(slots) => slots[at].0,
        }
    }

    /// The state kept in slot `at`, if states are kept.
    #[inline]
    fn kept(&self, at: usize) -> Option<&P> {
        match self {
            Slots::Bare(_) => None,
            Slots::Kept(slots) => Some(&slots[at].1),
        }
    }

    fn put(&mut self, at: usize, slot: Slot, state: &P) {
        match self {
            Slots::Bare(slots) => slots[at] = slot,
            Slots::Kept(slots) => slots[at] = (slot, state.clone()),
        }
    }

    fn renumber(&mut self, at: usize, number: u32) {
        match self {
            Slots::Bare(slots) => slots[at].number = number,
            Slots::Kept(slots) => slots[at].0.number = number,
        }
    }

    #[inline]
    fn prefetch(&self, at: usize) {
        match self {
            Slots::Bare(slots) => prefetch(slots.get(at)),
            Slots::Kept(slots) => prefetch(slots.get(at)),
        }
    }

    /// `size` free slots like these (kept states filled with copies of `filler`).
    fn free(&self, size: usize, filler: &P) -> Slots<P> {
        let free = Slot {
            tag: 0,
            number: EMPTY,
        };
        match self {
            Slots::Bare(_) => {
                let mut slots = Vec::with_capacity(size);
                advise_huge_pages(&slots);
                slots.resize(size, free);
                Slots::Bare(slots)
            }
            Slots::Kept(old) => {
                let filler = old.first().map_or(filler, |(_, state)| state);
                let mut slots = Vec::with_capacity(size);
                advise_huge_pages(&slots);
                slots.resize(size, (free, filler.clone()));
                Slots::Kept(slots)
            }
        }
    }

    fn memory_bytes(&self) -> usize {
        match self {
            Slots::Bare(slots) => slots.capacity() * std::mem::size_of::<Slot>(),
            Slots::Kept(slots) => slots.capacity() * std::mem::size_of::<(Slot, P)>(),
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

/// Asks the processor to bring in the cache line at `item`, ahead of its use.
#[inline]
fn prefetch<T>(item: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = item {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch only hints at an address (here of a live item); it never faults
        // and changes no memory.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((item as *const T).cast()) }
    }
}

impl<P: Clone + Eq> Index<P> {
    /// An empty index of `S`'s packed states.
    pub fn new<S: Pack<Packed = P>>() -> Self {
        Index {
            slots: match S::KEEP {
                true => Slots::Kept(Vec::new()),
                false => Slots::Bare(Vec::new()),
            },
            len: 0,
            shift: 64,
        }
    }

    /// The slot where a state with `tag` is looked for first (0 while there are no slots).
    #[inline]
    fn home(&self, tag: u32) -> usize {
        let fibonacci = u64::from(tag).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        fibonacci.checked_shr(self.shift).unwrap_or(0) as usize
    }

    /// Asks the processor to bring in the slot where a state with `hash` is looked for first,
    /// ahead of `find_or_insert`.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        self.slots.prefetch(self.home(tag_of(hash)));
    }

    /// The number the index holds for `state` (packed, with its `hash_of`); if it holds none,
    /// it keeps `number` for it and returns `None`. `stored` gives the state a number stands
    /// for (asked only of states not kept).
    pub fn find_or_insert<'a>(
        &mut self,
        state: &P,
        hash: u64,
        number: u32,
        stored: impl Fn(u32) -> &'a P,
    ) -> Option<u32>
    where
        P: 'a,
    {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(state);
        }
        let tag = tag_of(hash);
        let at = match self.probe(state, tag, stored) {
            Ok(at) => return Some(self.slots.slot(at).number),
            Err(at) => at,
        };
        self.slots.put(at, Slot { tag, number }, state);
        self.len += 1;
        None
    }

    /// Replaces the number kept for `state`, which the index holds (`stored` as for
    /// `find_or_insert`).
    pub fn renumber<'a>(&mut self, state: &P, hash: u64, number: u32, stored: impl Fn(u32) -> &'a P)
    where
        P: 'a,
    {
        let at = self
            .probe(state, tag_of(hash), stored)
            .expect("the index holds the state");
        self.slots.renumber(at, number);
    }

    /// `Ok` with the slot holding `state`, or `Err` with the free slot where it would go.
    fn probe<'a>(&self, state: &P, tag: u32, stored: impl Fn(u32) -> &'a P) -> Result<usize, usize>
    where
        P: 'a,
    {
        let mask = self.slots.len() - 1;
        let mut at = self.home(tag);
        loop {
            let slot = self.slots.slot(at);
            if slot.number == EMPTY {
                return Err(at);
            }
            if slot.tag == tag {
                let kept = self.slots.kept(at);
                if kept.unwrap_or_else(|| stored(slot.number)) == state {
                    return Ok(at);
                }
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
        let states = &store.states;
        let found = self.find_or_insert(&state, hash, store.next_index(), |i| &states[i as usize]);
        match found {
            Some(index) => (index as usize, false),
            None => (store.push(state, parent), true),
        }
    }

    /// Doubles the slots (or makes the first ones; kept states are filled with copies of
    /// `filler`) and puts every entry back; tags give the new homes without hashing a state
    /// again.
    fn grow(&mut self, filler: &P) {
        let size = (self.slots.len() * 2).max(FIRST_SLOTS);
        let fresh = self.slots.free(size, filler);
        let old = std::mem::replace(&mut self.slots, fresh);
        self.shift = 64 - size.trailing_zeros();
        let mask = size - 1;
        for from in 0..old.len() {
            let slot = old.slot(from);
            if slot.number == EMPTY {
                continue;
            }
            let mut at = self.home(slot.tag);
            while self.slots.slot(at).number != EMPTY {
                at = (at + 1) & mask;
            }
            self.slots.put(at, slot, old.kept(from).unwrap_or(filler));
        }
    }

    /// Bytes held by the slots (and the kept states).
    pub fn memory_bytes(&self) -> usize {
        self.slots.memory_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::{hash_of, tag_of, Index, Store, NO_PARENT};
    use crate::pack::Pack;

    /// A store and its index, interning unpacked states.
    struct Visited<S: Pack> {
        store: Store<S>,
        index: Index<S::Packed>,
    }

    impl<S: Pack> Default for Visited<S> {
        fn default() -> Self {
            Visited {
                store: Store::default(),
                index: Index::new::<S>(),
            }
        }
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

    /// A parallel search prefetches into shards that may still be empty.
    #[test]
    fn an_empty_index_takes_a_prefetch() {
        Index::new::<Kept>().prefetch(u64::MAX);
        Index::new::<[u8; 2]>().prefetch(u64::MAX);
    }

    /// A state the index keeps beside its slots.
    #[derive(Clone, Debug, PartialEq)]
    struct Kept(u64);

    impl Pack for Kept {
        type Packed = u64;
        const KEEP: bool = true;
        fn pack(&self) -> u64 {
            self.0
        }
        fn unpack(packed: &u64) -> Kept {
            Kept(*packed)
        }
    }

    /// The memory reported is what is held: per slot of the store a packed state and a 4-byte
    /// parent, per slot of the index 4 bytes of hash and a 4-byte number, and the packed state
    /// again for states the index keeps.
    #[test]
    fn memory_counts_every_slot_of_the_states_the_parents_and_the_index() {
        let mut visited = Visited::<[u64; 2]>::default();
        assert_eq!(visited.memory_bytes(), 0);
        for i in 0..1000 {
            visited.intern(&[i, i * 7], NO_PARENT);
        }
        let slots = visited.index.slots.len();
        assert!(slots * 3 >= 1000 * 4 && visited.store.states.capacity() >= 1000);
        let store = visited.store.states.capacity() * 16 + visited.store.parents.capacity() * 4;
        assert_eq!(visited.memory_bytes(), store + slots * 8);

        let mut kept = Visited::<Kept>::default();
        for i in 0..1000 {
            assert_eq!(kept.intern(&Kept(i * 7), NO_PARENT), (i as usize, true));
        }
        assert_eq!(kept.intern(&Kept(7), 0), (1, false));
        let slots = kept.index.slots.len();
        let store = kept.store.states.capacity() * 8 + kept.store.parents.capacity() * 4;
        assert_eq!(kept.memory_bytes(), store + slots * (8 + 8));
    }
}
