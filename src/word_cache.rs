//! A cache of what each distinct word contributes to a sentence's scores, so that the weights of
//! the one-word templates are added up once per word rather than once per token.
//!
//! Twenty-six of a token's forty-three sentence features look at one word only (the token, or
//! a neighbour: see [`Role`]), and each is a random access into megabytes of weights. Text
//! repeats its words, so the cache keeps, per word, its [`TokenInfo`] and the summed weights of
//! its one-word keys in each role, for every stage; scoring a token then reads five cached rows
//! (its own word's and its four neighbours') and looks up only its context keys. Sums of integer
//! weights do not depend on their order, so scores are exactly those of the full lookup.
//!
//! The cache is direct-mapped with a fixed number of slots: memory is bounded whatever the text,
//! and a word that loses its slot is simply computed again.

use crate::features::{Role, Slot, TokenInfo, word_features};
use crate::hash::{hash_str, mix};
use crate::model::Model;
use crate::weights::Lookup;

/// Per-word scores of the one-word templates, for the words seen most recently.
#[derive(Debug)]
pub struct WordCache {
    /// `log2` of the number of slots.
    bits: u32,
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
    hash: u64,
    word: Box<str>,
    info: TokenInfo,
    sums: Box<[i32]>,
}

impl Entry {
    fn empty(stride: usize) -> Box<Entry> {
        let sums = vec![0; stride].into_boxed_slice();
        Box::new(Entry { hash: 0, word: Box::default(), info: TokenInfo::default(), sums })
    }

    /// Describes `word` and sums its one-word keys in every role with `model`'s weights, in
    /// one lookup of all its keys.
    fn fill(&mut self, word: &str, model: &Model, keys: &mut Vec<u32>, lookup: &mut Lookup) {
        self.info = TokenInfo::new(word, model.lexicon());
        self.sums.fill(0);
        let info = &self.info;
        add_role_sums(|_| Slot::Word(info), model, keys, lookup, &mut self.sums);
    }

    fn scores(&self) -> WordScores<'_> {
        WordScores { info: &self.info, sums: &self.sums }
    }
}

/// One word's entry: its description and its summed weights per stage, role and tag.
#[derive(Clone, Copy, Debug)]
pub struct WordScores<'a> {
    /// The word's description (its name-list matches not filled: they depend on its context).
    pub info: &'a TokenInfo,
    /// `n_stages × Role::ALL.len() × n_tags` sums: per stage, per role, per tag.
    pub sums: &'a [i32],
}

impl WordCache {
    /// `log2` of the number of slots of the cache an extractor keeps: 8,192 words, the working
    /// vocabulary of a long news text (at most about 6.6 MB with the shipped model). On the
    /// benchmark corpus, 2^12 slots missed 13% of lookups, 2^13 9%, 2^14 5%.
    pub const BITS: u32 = 13;

    /// The longest word kept, in bytes: a longer one (a URL, a run of glued text) is rare,
    /// computed each time, and would otherwise pin its whole text in the cache.
    pub const MAX_WORD_BYTES: usize = 64;

    /// An empty cache of `2^bits` slots, for `model`.
    pub fn new(bits: u32, model: &Model) -> WordCache {
        WordCache {
            bits,
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
        }
        let slot = &mut self.slots[(hash >> (64 - self.bits)) as usize];
        let hit = slot.as_ref().is_some_and(|e| e.hash == hash && &*e.word == word);
        if !hit {
            let entry = slot.get_or_insert_with(|| Entry::empty(self.stride));
            entry.fill(word, model, &mut self.keys, &mut self.lookup);
            entry.hash = hash;
            entry.word = word.into();
        }
        slot.as_deref().expect("filled above").scores()
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
