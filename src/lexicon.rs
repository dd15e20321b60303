//! Word clusters: a word → cluster table shipped inside the model.
//!
//! Brown clusters group words that occur in similar contexts, learned from unlabelled text, so
//! a word never seen in the labelled training data still shares features with words that were
//! (Miller et al. 2004; Ratinov & Roth 2009). Prefixes of the bit path give coarser clusters.
//! A second, independent clustering learned from other text ([`Classes::flat`], an opaque
//! cluster number) gives a second opinion on the same words.
//! Words are looked up case-insensitively by the hash of their lower-cased form, which
//! [`crate::features::TokenInfo`] computes anyway ([`LowerKey`]). The tables are [`KeyTable`]s,
//! one a [`crate::buckets`] bucket, each filled from the model file's words on first use.

use crate::buckets::{BUCKETS, BucketEnds, BucketTables, Lead, bucket};
use crate::hash::{KeyList, KeyTable, TextHasher, hash_bytes, hash_str};

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

/// The key a word is looked up by: the hash of its lower-cased form and the bucket of that
/// form's first bytes, both taken as the form is written, a character at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct LowerKey {
    hash: TextHasher,
    lead: Lead,
}

impl LowerKey {
    /// The key of `lower`, a word already lower-cased.
    pub fn of(lower: &str) -> LowerKey {
        let mut key = LowerKey::default();
        key.write(lower.as_bytes());
        key
    }

    /// Writes the next character of the lower-cased form.
    pub fn write_char(&mut self, c: char) {
        self.write(c.encode_utf8(&mut [0; 4]).as_bytes());
    }

    fn write(&mut self, bytes: &[u8]) {
        self.hash.write(bytes);
        self.lead.push(bytes);
    }

    /// The hash of the form so far ([`crate::hash::hash_str`] of it).
    pub fn hash(&self) -> u64 {
        self.hash.finish()
    }
}

/// Clusters by lower-cased word.
///
/// A table a [`bucket`] of words, each compiled when a word of its bucket is first looked up,
/// from the model file's words; or all compiled at once from a word
/// list ([`Lexicon::new`]).
#[derive(Clone)]
pub struct Lexicon {
    /// Each cluster's packed [`Classes`], which `entries` index.
    classes: Vec<u32>,
    /// The words, lower-cased, each followed by `\n`, filed by bucket.
    lines: Vec<u8>,
    /// Each word's index into `classes`.
    entries: Vec<u16>,
    /// Where each bucket's words end in `lines` and `entries`.
    ends: BucketEnds,
    /// Per bucket: the hash of a word → its packed [`Classes`].
    tables: BucketTables,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lexicon({} bytes of words)", self.lines.len())
    }
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon::new([])
    }
}

impl Lexicon {
    /// A lexicon of `(lower-cased word, clusters)` entries; a word listed twice keeps its last
    /// clusters.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, Classes)>) -> Lexicon {
        let mut lists = vec![KeyList::default(); BUCKETS];
        for (word, classes) in entries {
            lists[bucket(word.as_bytes())].push(hash_str(word), classes.0);
        }
        Lexicon {
            classes: Vec::new(),
            lines: Vec::new(),
            entries: Vec::new(),
            ends: BucketEnds::of([]),
            tables: BucketTables::compiled(lists.into_iter().map(compile)),
        }
    }

    /// The lexicon of a model file's words: `lines`, the words lower-cased, each followed by
    /// `\n`, filed by bucket as `ends` says (already checked), and each word's index into
    /// `classes` (already checked), compiled as it is used.
    pub(crate) fn from_lines(classes: Vec<u32>, lines: Vec<u8>, entries: Vec<u16>, ends: BucketEnds) -> Lexicon {
        Lexicon { classes, lines, entries, ends, tables: BucketTables::lazy() }
    }

    /// Bucket `b`'s table, compiled.
    fn table(&self, b: usize) -> &KeyTable {
        self.tables.get(b, || {
            let (numbers, bytes) = self.ends.bucket(b);
            let lines = &self.lines[bytes];
            let mut list = KeyList::default();
            let mut start = 0;
            for (end, &entry) in memchr::memchr_iter(b'\n', lines).zip(&self.entries[numbers]) {
                list.push(hash_bytes(&lines[start..end]), self.classes[usize::from(entry)]);
                start = end + 1;
            }
            compile(list)
        })
    }

    /// The clusters of the word whose lower-cased form has the key `key` (none: 0).
    pub fn classes(&self, key: &LowerKey) -> Classes {
        Classes(self.table(key.lead.bucket()).get(key.hash()))
    }

    /// The Brown path of `word`, looked up lower-cased, or 0.
    pub fn word_path(&self, word: &str) -> Path {
        let mut key = LowerKey::default();
        for c in word.chars().flat_map(char::to_lowercase) {
            key.write_char(c);
        }
        self.classes(&key).path()
    }

    /// The number of distinct words (compiling every bucket).
    pub fn len(&self) -> usize {
        (0..BUCKETS).map(|b| self.table(b).len()).sum()
    }

    /// Whether the lexicon has no words.
    pub fn is_empty(&self) -> bool {
        self.ends.lines() == 0 && self.tables.compiled_so_far().all(KeyTable::is_empty)
    }
}

/// Compiles one bucket's words; a word listed twice keeps its last clusters.
fn compile(list: KeyList) -> KeyTable {
    KeyTable::new(list, |_, last| last)
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
        assert_eq!(lex.classes(&LowerKey::of("london")).path(), 0b1_0110);
        assert_eq!(lex.classes(&LowerKey::of("london")).flat(), 7);
        assert_eq!(lex.classes(&LowerKey::of("paris")), Classes::new(0b1_0111, 0));
        assert_eq!(lex.classes(&LowerKey::of("berlin")), Classes::default());
        assert_eq!(lex.word_path("LONDON"), 0b1_0110);
        assert_eq!(LowerKey::of("london").hash(), hash_str("london"));
        assert_eq!((lex.len(), lex.is_empty(), Lexicon::default().is_empty()), (2, false, true));
    }
}
