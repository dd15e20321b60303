//! Word clusters: a word → cluster table shipped inside the model.
//!
//! Brown clusters group words that occur in similar contexts, learned from unlabelled text, so
//! a word never seen in the labelled training data still shares features with words that were
//! (Miller et al. 2004; Ratinov & Roth 2009). Prefixes of the bit path give coarser clusters.
//! A second, independent clustering learned from other text ([`Classes::flat`], an opaque
//! cluster number) gives a second opinion on the same words.
//! Words are looked up case-insensitively by the hash of their lower-cased form, which
//! [`crate::features::TokenInfo`] computes anyway. The table is a [`KeyTable`], sized once and
//! filled straight from the model file's word list at load.

use crate::hash::{KeyList, KeyTable, TextHasher, hash_str};

/// A Brown-cluster bit path packed with a leading 1 bit: `"0110"` is `0b1_0110`. Zero means
/// "no cluster".
pub type Path = u32;

/// The longest bit path that fits in a [`Path`] stored in [`Classes`] (spaCy's are at most 18).
pub const MAX_PATH_BITS: usize = 18;

/// The number of bits of [`Classes`] that hold the Brown path (with its leading 1 bit).
const PATH_FIELD_BITS: u32 = MAX_PATH_BITS as u32 + 1;

/// The number of bits of [`Classes`] that hold the flat cluster number.
const FLAT_FIELD_BITS: u32 = 10;

/// The largest flat cluster number that fits in [`Classes`].
pub const MAX_FLAT: u16 = (1 << FLAT_FIELD_BITS) - 1;

/// The largest [`CasePrior`] value that fits in [`Classes`].
pub const MAX_CASE_PRIOR: u8 = (1 << (32 - PATH_FIELD_BITS - FLAT_FIELD_BITS)) - 1;

/// How a word is usually written in general English, from unlabelled text: only capitalised,
/// mostly capitalised, as often either way, mostly lower case, only lower case (see
/// [`crate::resources::case_prior`]); 0 = unknown. Whether "Bank" at the start of a sentence,
/// "kyiv" typed in lower case or "WASHINGTON" in a headline is a name hangs on exactly this,
/// and it holds for words that no labelled sentence has.
pub type CasePrior = u8;

/// A word's clusters and case prior packed in one table value: its Brown path in the low 19
/// bits, its flat cluster number (1-based, 0 = none) in the next 10 and its [`CasePrior`] in
/// the top 3, so one lookup finds all three.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Classes(pub u32);

impl Classes {
    /// Packs a Brown path (0 = none, at most [`MAX_PATH_BITS`] bits) and a flat cluster number
    /// (0 = none, at most [`MAX_FLAT`]).
    pub fn new(path: Path, flat: u16) -> Classes {
        assert!(path >> PATH_FIELD_BITS == 0, "Brown path longer than {MAX_PATH_BITS} bits");
        assert!(flat <= MAX_FLAT, "flat cluster number above {MAX_FLAT}");
        Classes(u32::from(flat) << PATH_FIELD_BITS | path)
    }

    /// These classes with the case prior `prior` (at most [`MAX_CASE_PRIOR`]).
    pub fn with_case_prior(self, prior: CasePrior) -> Classes {
        assert!(prior <= MAX_CASE_PRIOR, "case prior above {MAX_CASE_PRIOR}");
        Classes(
            self.0 & !(u32::MAX << (PATH_FIELD_BITS + FLAT_FIELD_BITS))
                | u32::from(prior) << (PATH_FIELD_BITS + FLAT_FIELD_BITS),
        )
    }

    /// The Brown path, or 0.
    pub fn path(self) -> Path {
        self.0 & ((1 << PATH_FIELD_BITS) - 1)
    }

    /// The flat cluster number, or 0.
    pub fn flat(self) -> u16 {
        (self.0 >> PATH_FIELD_BITS) as u16 & MAX_FLAT
    }

    /// The case prior, or 0.
    pub fn case_prior(self) -> CasePrior {
        (self.0 >> (PATH_FIELD_BITS + FLAT_FIELD_BITS)) as u8
    }
}

/// Packs a bit-path string such as `"0110"`; `None` if it is empty, too long or not binary.
pub fn pack_path(bits: &str) -> Option<Path> {
    if bits.is_empty() || bits.len() > MAX_PATH_BITS {
        return None;
    }
    bits.bytes().try_fold(1u32, |acc, b| match b {
        b'0' => Some(acc << 1),
        b'1' => Some(acc << 1 | 1),
        _ => None,
    })
}

/// The first `k` bits of a packed path (the whole path if it is shorter).
pub fn path_prefix(path: Path, k: usize) -> Path {
    if path == 0 {
        return 0;
    }
    let len = 31 - path.leading_zeros() as usize;
    if len <= k { path } else { path >> (len - k) }
}

/// Clusters by lower-cased word.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    paths: KeyTable,
}

impl Lexicon {
    /// A lexicon of `(lower-cased word, clusters)` entries; a word listed twice keeps its last
    /// clusters.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, Classes)>) -> Lexicon {
        let mut list = KeyList::default();
        for (word, classes) in entries {
            list.push(hash_str(word), classes.0);
        }
        Lexicon::from_hashes(list)
    }

    /// A lexicon of entries keyed by the hash of the lower-cased word, as [`Lexicon::new`].
    pub(crate) fn from_hashes(entries: KeyList) -> Lexicon {
        Lexicon { paths: KeyTable::new(entries, |_, last| last) }
    }

    /// The clusters of the word whose lower-cased form hashes to `lower_hash` (none: 0).
    pub fn classes(&self, lower_hash: u64) -> Classes {
        Classes(self.paths.get(lower_hash))
    }

    /// The Brown path of the word whose lower-cased form hashes to `lower_hash`, or 0.
    pub fn path(&self, lower_hash: u64) -> Path {
        self.classes(lower_hash).path()
    }

    /// The Brown path of `word`, looked up lower-cased, or 0.
    pub fn word_path(&self, word: &str) -> Path {
        let mut h = TextHasher::default();
        for c in word.chars().flat_map(char::to_lowercase) {
            h.write_char(c);
        }
        self.path(h.finish())
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether the lexicon has no words.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_pack_and_cut_into_prefixes() {
        let p = pack_path("0110010101").unwrap();
        assert_eq!(p, 0b1_0110010101);
        assert_eq!(path_prefix(p, 4), 0b1_0110);
        assert_eq!(path_prefix(p, 20), p);
        assert_eq!(path_prefix(0, 4), 0);
        assert_eq!(pack_path(""), None);
        assert_eq!(pack_path("012"), None);
        assert_ne!(pack_path("0"), pack_path("00"));
        assert_eq!(pack_path(&"1".repeat(MAX_PATH_BITS)), Some((1 << (MAX_PATH_BITS + 1)) - 1));
        assert_eq!(pack_path(&"1".repeat(MAX_PATH_BITS + 1)), None);
    }

    #[test]
    fn classes_keep_both_clusterings_apart() {
        let longest = (1 << (MAX_PATH_BITS + 1)) - 1;
        let cases = [(0, 0, 0), (0b1_0110, 0, 1), (0, 1, 0), (longest, MAX_FLAT, MAX_CASE_PRIOR), (0b1, MAX_FLAT, 0)];
        for (path, flat, prior) in cases {
            let c = Classes::new(path, flat).with_case_prior(prior);
            assert_eq!((c.path(), c.flat(), c.case_prior()), (path, flat, prior));
            assert_eq!(c.with_case_prior(0), Classes::new(path, flat));
        }
    }

    #[test]
    fn looks_words_up_by_lower_case_hash() {
        let lex = Lexicon::new([("london", Classes::new(0b1_0110, 7)), ("paris", Classes::new(0b1_0111, 0))]);
        assert_eq!(lex.path(hash_str("london")), 0b1_0110);
        assert_eq!(lex.classes(hash_str("london")).flat(), 7);
        assert_eq!(lex.classes(hash_str("paris")), Classes::new(0b1_0111, 0));
        assert_eq!(lex.path(hash_str("berlin")), 0);
        assert_eq!(lex.word_path("LONDON"), 0b1_0110);
        assert_eq!(lex.len(), 2);
    }
}
