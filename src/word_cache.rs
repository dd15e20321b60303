//! A cache of what each distinct word contributes to a sentence's scores, so that the weights of
//! the one-word templates are added up once per word rather than once per token.
//!
//! Thirty-three of a token's fifty-one sentence features look at one word only (the token, or
//! a neighbour: see [`Role`]), and each is a random access into megabytes of weights. Text
//! repeats its words, so the cache keeps, per word, its [`TokenInfo`] and the summed weights of
//! its one-word keys in each role, for every stage; scoring a token then reads five cached rows
//! (its own word's and its four neighbours') and looks up only its context keys. Sums of integer
//! weights do not depend on their order, so scores are exactly those of the full lookup.
//!
//! The cache has a fixed number of slots, four for each set of words (the top bits of the
//! word's hash), the least recently used of the four given up for a new word: memory is bounded
//! whatever the text, and a word that loses its slot is simply computed again. More ways miss
//! less, since fewer words share a set with more words than it has slots: on the benchmark
//! corpus (32,768 slots, 8,786 distinct words), from the second pass on, four ways miss 0.52%
//! of lookups and two 2.03%. The four hashes of a set share a cache line, so a hit further in
//! costs a comparison or three more, and each word missed costs its thirty-odd key lookups.

use crate::features::{Role, Slot, TokenInfo, word_features};
use crate::hash::{hash_str, mix};
use crate::model::Model;
use crate::weights::Lookup;

/// The slots of a set: a word can be in any of them.
const WAYS: usize = 4;

/// Per-word scores of the one-word templates, for the words seen most recently.
#[derive(Debug)]
pub struct WordCache {
    /// `log2` of the number of slots.
    bits: u32,
    /// The hash of the word each slot holds (0 for an empty slot), apart from the entries so
    /// that a lookup compares hashes without reaching into an entry that holds another word.
    hashes: Vec<u64>,
    /// The slots, each allocated when first filled: an extractor that only ever reads a short
    /// text pays for the words it saw, not for the whole cache.
    slots: Vec<Option<Box<Entry>>>,
    /// Sums per entry: per stage, per role (in [`Role::ALL`] order), per tag.
    stride: usize,
    /// The entry of the last word too long to keep ([`WordCache::MAX_WORD_BYTES`]).
    long_word: Option<Box<Entry>>,
    keys: Vec<u32>,
    lookup: Lookup,
}

/// The word a slot holds and its scores.
#[derive(Debug)]
struct Entry {
    /// The word's bytes, the first `len` of them: kept inline, so that a hit reads one block
    /// of memory and a miss allocates nothing.
    word: [u8; WordCache::MAX_WORD_BYTES],
    len: u8,
    info: TokenInfo,
    /// The word's [`crate::gazetteer::Gazetteer::first_step`].
    first_step: u8,
    sums: Box<[i32]>,
}

impl Entry {
    fn empty(stride: usize) -> Box<Entry> {
        let sums = vec![0; stride].into_boxed_slice();
        Box::new(Entry {
            word: [0; WordCache::MAX_WORD_BYTES],
            len: 0,
            info: TokenInfo::default(),
            first_step: 0,
            sums,
        })
    }

    /// Describes `word` and sums its one-word keys in every role with `model`'s weights, in
    /// one lookup of all its keys.
    fn fill(&mut self, word: &str, model: &Model, keys: &mut Vec<u32>, lookup: &mut Lookup) {
        self.info = TokenInfo::new(word, model.lexicon());
        self.first_step = model.gazetteer().first_step(word, self.info.lower());
        self.sums.fill(0);
        let info = &self.info;
        add_role_sums(|_| Slot::Word(info), model, keys, lookup, &mut self.sums);
    }

    /// Whether the entry holds `word` (at most [`WordCache::MAX_WORD_BYTES`] bytes).
    fn holds(&self, word: &str) -> bool {
        &self.word[..usize::from(self.len)] == word.as_bytes()
    }

    fn scores(&self) -> WordScores<'_> {
        WordScores { info: &self.info, first_step: self.first_step, sums: &self.sums }
    }
}

/// One word's entry: its description and its summed weights per stage, role and tag.
#[derive(Clone, Copy, Debug)]
pub struct WordScores<'a> {
    /// The word's description (its name-list matches not filled: they depend on its context).
    pub info: &'a TokenInfo,
    /// The word's [`crate::gazetteer::Gazetteer::first_step`]: where name-list matching starts.
    pub first_step: u8,
    /// `n_stages × Role::ALL.len() × n_tags` sums: per stage, per role, per tag.
    pub sums: &'a [i32],
}

impl WordCache {
    /// `log2` of the number of slots of the cache an extractor keeps: 32,768 words, the working
    /// vocabulary of a book-length text (at most about 27 MB with the shipped model, each slot
    /// allocated only when a word first fills it). On the benchmark corpus (8,786 distinct
    /// words), passes after the first miss 0.52% of lookups (with two ways a set: 2.03%;
    /// 16,384 slots: 6.2%, and 5% slower; 8,192 slots: 13.6%, and 18% slower).
    pub const BITS: u32 = 15;

    /// The longest word kept, in bytes: a longer one (a URL, a run of glued text) is rare,
    /// computed each time, and would otherwise pin its whole text in the cache.
    pub const MAX_WORD_BYTES: usize = 64;

    /// An empty cache of `2^bits` slots (`bits >= 2`: four a set), for `model`.
    pub fn new(bits: u32, model: &Model) -> WordCache {
        assert!(1 << bits >= WAYS, "one set at least");
        WordCache {
            bits,
            hashes: Vec::new(),
            slots: Vec::new(),
            stride: Role::ALL.len() * model.n_stages() * model.n_tags(),
            long_word: None,
            keys: Vec::new(),
            lookup: Lookup::default(),
        }
    }

    /// The entry of `word`, computed with `model`'s weights and lexicon on a miss. `model` must
    /// be the model the cache was made for.
    pub fn get(&mut self, word: &str, model: &Model) -> WordScores<'_> {
        if word.len() > WordCache::MAX_WORD_BYTES {
            let entry = self.long_word.get_or_insert_with(|| Entry::empty(self.stride));
            entry.fill(word, model, &mut self.keys, &mut self.lookup);
            return entry.scores();
        }
        let hash = WordCache::hash(word);
        if self.slots.is_empty() {
            self.slots.resize_with(1 << self.bits, || None);
            self.hashes.resize(1 << self.bits, 0);
        }
        // The word's set: the `WAYS` slots at the top `bits` bits of its hash, the lowest cleared,
        // most recently used first. A hit moves its word to the front; a miss refills the last
        // (the least recently used) and moves it to the front.
        let set = (hash >> (64 - self.bits)) as usize & !(WAYS - 1);
        let (hashes, ways) = (&mut self.hashes[set..set + WAYS], &mut self.slots[set..set + WAYS]);
        let holds =
            |hash_held: u64, way: &Option<Box<Entry>>| hash_held == hash && way.as_ref().is_some_and(|e| e.holds(word));
        match (0..WAYS).find(|&w| holds(hashes[w], &ways[w])) {
            Some(w) => {
                hashes[..=w].rotate_right(1);
                ways[..=w].rotate_right(1);
            }
            None => {
                hashes.rotate_right(1);
                ways.rotate_right(1);
                let entry = ways[0].get_or_insert_with(|| Entry::empty(self.stride));
                entry.fill(word, model, &mut self.keys, &mut self.lookup);
                entry.word[..word.len()].copy_from_slice(word.as_bytes());
                entry.len = word.len() as u8;
                hashes[0] = hash;
            }
        }
        ways[0].as_deref().expect("filled above").scores()
    }

    /// The hash of `word` that picks its slot (by its top bits) and stands for it in the slot.
    fn hash(word: &str) -> u64 {
        mix(hash_str(word))
    }
}

/// The summed weights that the sentence boundaries give the tokens next to them, per stage,
/// role (in [`Role::ALL`] order) and tag: the rows for `Previous` and `SecondPrevious` come from
/// the start of a sentence, those for `Next` and `SecondNext` from its end; `Own` is zero.
pub fn boundary_sums(model: &Model) -> Vec<i32> {
    let mut sums = vec![0; model.n_stages() * Role::ALL.len() * model.n_tags()];
    let slot = |role: Role| if role.offset() < 0 { Slot::Start } else { Slot::End };
    add_role_sums(slot, model, &mut Vec::new(), &mut Lookup::default(), &mut sums);
    sums
}

/// Adds to `sums` (per stage, role and tag) the weights of the one-word keys that the slot
/// `slot(role)` gives a token in each role, all looked up at once so that their misses overlap.
fn add_role_sums<'a>(
    slot: impl Fn(Role) -> Slot<'a>,
    model: &Model,
    keys: &mut Vec<u32>,
    lookup: &mut Lookup,
    sums: &mut [i32],
) {
    keys.clear();
    let mut ends = [0; Role::ALL.len()];
    for (role, end) in Role::ALL.into_iter().zip(&mut ends) {
        word_features(slot(role), role, keys);
        *end = keys.len();
    }
    let groups = ends.iter().scan(0, |start, &end| Some(&keys[std::mem::replace(start, end)..end]));
    model.weights().add_groups(groups, 0, sums, lookup);
}

#[cfg(all(test, feature = "embedded-model"))]
mod tests {
    use super::*;

    #[test]
    fn a_set_keeps_its_four_most_recent_words() {
        let model = crate::default_extractor().expect("embedded model").model();
        // One set of four slots.
        let mut cache = WordCache::new(2, model);
        let mut entry = |word: &str| {
            let scores = cache.get(word, model);
            assert_eq!(scores.sums.len(), Role::ALL.len() * model.n_stages() * model.n_tags());
            scores.sums.as_ptr()
        };
        let [nato, kyiv, paris, rome] = ["NATO", "Kyiv", "Paris", "Rome"].map(&mut entry);
        assert_eq!(entry("NATO"), nato, "a hit");
        assert_eq!(entry("Kyiv"), kyiv, "a hit");
        // Paris is now the least recently used: Berlin takes its slot, the others stay.
        assert_eq!(entry("Berlin"), paris);
        assert_eq!([entry("Rome"), entry("NATO"), entry("Kyiv")], [rome, nato, kyiv]);
        // Then Berlin is the least recently used.
        assert_eq!(entry("Oslo"), entry("Oslo"));
        let mut fresh = WordCache::new(2, model);
        assert_eq!(cache.get("Rome", model).sums, fresh.get("Rome", model).sums);
        assert_eq!(cache.get("Berlin", model).sums, fresh.get("Berlin", model).sums);
    }

    #[test]
    fn words_up_to_the_longest_kept_are_told_apart_by_their_bytes() {
        let model = crate::default_extractor().expect("embedded model").model();
        let mut cache = WordCache::new(4, model);
        let longest = "a".repeat(WordCache::MAX_WORD_BYTES);
        let kept = cache.get(&longest, model).sums.as_ptr();
        assert_eq!(cache.get(&longest, model).sums.as_ptr(), kept, "the longest kept word is a hit");
        let (shorter, longer) = (&longest[1..], format!("{longest}a"));
        // The words differ only in length; each description (its word hashes) must be its own.
        let mut fresh = WordCache::new(4, model);
        let mut same = |word: &str| {
            let cached = format!("{:?}", cache.get(word, model).info);
            assert_eq!(cached, format!("{:?}", fresh.get(word, model).info), "{} bytes", word.len());
            cached
        };
        let descriptions = [same(shorter), same(&longer), same(&longest)];
        assert!(descriptions[0] != descriptions[2] && descriptions[1] != descriptions[2]);
    }
}
