//! How the visited set stores states: each model's state packed into a fixed number of bits.
//!
//! Models are written with plain enums and structs, which are easy to read and to match on but
//! take a byte or more per field and pad. The checker stores millions of states, compares them
//! on every probe of the visited set and hashes every successor, so it keeps each state in its
//! packed form (`Pack::Packed`, a few words) and unpacks one only to expand it or to report
//! it. A model that does not pack its state stores it as it is (`stored_as_is!`).

use std::hash::Hash;

/// A state's packed form, and the way back.
pub trait Pack: Sized + PartialEq + std::fmt::Debug {
    /// The packed form: fixed size, compared and hashed as it is.
    type Packed: Clone + Eq + Hash + Send + Sync;
    /// Whether the visited set's index keeps a copy of each packed state beside its hash
    /// slot: a probe then reads nothing else (faster), at the copy's memory (worth it for a
    /// word or two).
    const KEEP: bool = false;
    /// The packed form of `self`.
    fn pack(&self) -> Self::Packed;
    /// The state `packed` was made from.
    fn unpack(packed: &Self::Packed) -> Self;
}

/// Packs `state`, checking (in debug builds, so in every test) that it unpacks to itself:
/// a codec that loses a field would otherwise merge distinct states silently.
pub fn packed<S: Pack>(state: &S) -> S::Packed {
    let packed = state.pack();
    debug_assert_eq!(
        &S::unpack(&packed),
        state,
        "the packed form loses part of the state"
    );
    packed
}

/// Implements `Pack` for state types the visited set stores unpacked (small state spaces,
/// where packing would save nothing worth the codec): `stored_as_is!(MyState, OtherState);`.
#[macro_export]
macro_rules! stored_as_is {
    (@generic [$($generics:tt)*] $state:ty) => {
        impl<$($generics)*> $crate::pack::Pack for $state {
            type Packed = $state;
            fn pack(&self) -> $state {
                self.clone()
            }
            fn unpack(packed: &$state) -> $state {
                packed.clone()
            }
        }
    };
    ($($state:ty),+ $(,)?) => {$(
        $crate::stored_as_is!(@generic [] $state);
    )+};
}

/// What a plain-data state's parts must be.
pub trait Plain: Clone + Eq + Hash + Send + Sync + std::fmt::Debug {}
impl<T: Clone + Eq + Hash + Send + Sync + std::fmt::Debug> Plain for T {}

// Plain data is stored as it is: a state that is an array or a tuple needs no `Pack` of its own.
stored_as_is!(@generic [A: Plain, B: Plain] (A, B));
stored_as_is!(@generic [A: Plain, B: Plain, C: Plain] (A, B, C));
stored_as_is!(@generic [T: Plain, const N: usize] [T; N]);

/// Writes fields of given bit widths, one after another, into `N` words.
pub struct BitWriter<const N: usize> {
    words: [u64; N],
    at: u32,
}

impl<const N: usize> Default for BitWriter<N> {
    fn default() -> Self {
        BitWriter {
            words: [0; N],
            at: 0,
        }
    }
}

impl<const N: usize> BitWriter<N> {
    /// Appends the low `width` bits of `value`, which must fit in them (checked in debug
    /// builds; the widths come from the types' ranges, and every test runs the check).
    #[inline]
    pub fn put(&mut self, value: u64, width: u32) {
        debug_assert!(
            width == 64 || value >> width == 0,
            "{value} does not fit in {width} bits"
        );
        let (word, bit) = ((self.at / 64) as usize, self.at % 64);
        self.words[word] |= value << bit;
        if bit + width > 64 {
            self.words[word + 1] |= value >> (64 - bit);
        }
        self.at += width;
    }

    /// Appends a presence bit, then `value` (zero when absent) in `width` bits.
    #[inline]
    pub fn put_option(&mut self, value: Option<u64>, width: u32) {
        self.put(value.is_some() as u64, 1);
        self.put(value.unwrap_or(0), width);
    }

    /// The words written.
    #[inline]
    pub fn finish(self) -> [u64; N] {
        self.words
    }
}

/// Reads back, in the same order and widths, the fields a `BitWriter` wrote.
pub struct BitReader<'a> {
    words: &'a [u64],
    at: u32,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `words`.
    #[inline]
    pub fn new(words: &'a [u64]) -> Self {
        BitReader { words, at: 0 }
    }

    /// The next field, `width` bits wide.
    #[inline]
    pub fn take(&mut self, width: u32) -> u64 {
        let (word, bit) = ((self.at / 64) as usize, self.at % 64);
        let mut value = self.words[word] >> bit;
        if bit + width > 64 {
            value |= self.words[word + 1] << (64 - bit);
        }
        self.at += width;
        if width == 64 {
            value
        } else {
            value & ((1 << width) - 1)
        }
    }

    /// Reads back a field `put_option` wrote.
    #[inline]
    pub fn take_option(&mut self, width: u32) -> Option<u64> {
        let present = self.take(1) == 1;
        let value = self.take(width);
        present.then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_back_across_word_boundaries() {
        let fields = [
            (5u64, 3),
            (0x3FF, 10),
            (1, 1),
            (u64::MAX >> 4, 60),
            (0x55, 7),
        ];
        let mut writer = BitWriter::<2>::default();
        for &(value, width) in &fields {
            writer.put(value, width);
        }
        let words = writer.finish();
        let mut reader = BitReader::new(&words);
        for &(value, width) in &fields {
            assert_eq!(reader.take(width), value, "{width}-bit field");
        }
    }

    /// Fields that end exactly at a word's end, and whole-word fields: nothing spills into a
    /// next word (there is none after the last).
    #[test]
    fn fields_that_fill_their_words_exactly_read_back() {
        let fields = [
            (0xABC, 12),
            (u64::MAX >> 12, 52),
            (u64::MAX, 64),
            (2, 2),
            (u64::MAX >> 2, 62),
        ];
        let mut writer = BitWriter::<3>::default();
        for &(value, width) in &fields {
            writer.put(value, width);
        }
        let words = writer.finish();
        assert_eq!(words, [u64::MAX << 12 | 0xABC, u64::MAX, u64::MAX << 2 | 2]);
        let mut reader = BitReader::new(&words);
        for &(value, width) in &fields {
            assert_eq!(reader.take(width), value, "{width}-bit field");
        }
        let mut one = BitWriter::<1>::default();
        one.put_option(Some(5), 31);
        one.put_option(None, 31);
        let word = one.finish();
        let mut reader = BitReader::new(&word);
        assert_eq!(reader.take_option(31), Some(5));
        assert_eq!(reader.take_option(31), None);
    }

    /// A codec that drops a field: two states with different `b` would be stored as one.
    #[cfg(debug_assertions)]
    #[derive(Debug, PartialEq)]
    struct Lossy {
        a: u8,
        b: u8,
    }

    #[cfg(debug_assertions)]
    impl Pack for Lossy {
        type Packed = u8;
        fn pack(&self) -> u8 {
            self.a
        }
        fn unpack(packed: &u8) -> Lossy {
            Lossy { a: *packed, b: 0 }
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "loses part of the state")]
    fn a_codec_that_loses_a_field_is_caught() {
        assert_eq!(packed(&Lossy { a: 1, b: 0 }), 1);
        packed(&Lossy { a: 1, b: 2 });
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "does not fit")]
    fn a_value_wider_than_its_field_is_refused() {
        BitWriter::<1>::default().put(8, 3);
    }
}
