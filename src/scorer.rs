//! Scoring in serving form: the integer feature sums of every token, for every stage and tag,
//! with as few lookups into the weights as the caches allow.
//!
//! A token's forty-three sentence features fall into groups (see [`crate::features`]): the
//! one-word templates, summed per distinct word ([`WordCache`]); the shape and name-list
//! templates, summed per distinct context value ([`ContextCache`]); and the five word-pair
//! templates, looked up each time. The document templates of the second stage are summed per
//! distinct [`DocumentContext`]. Integer sums do not depend on their order, so the scores are
//! exactly those of looking every key up; tests in this module check it against
//! [`sentence_features`](crate::features::sentence_features) and
//! [`document_features`](crate::features::document_features).

use std::sync::{Mutex, PoisonError};

use crate::context_cache::ContextCache;
use crate::features::{
    DocumentContext, ListContext, PAIR_FEATURES_PER_TOKEN, Role, ShapeContext, TokenInfo, context_features,
    document_contexts, mark_name_lists,
};
use crate::model::Model;
use crate::tags::Tag;
use crate::tokenize::Token;
use crate::weights::Lookup;
use crate::word_cache::{WordCache, boundary_sums};

/// What an extractor keeps for scoring: the boundaries' sums, and a pool of caches that live
/// across calls, one set per thread extracting at the same time.
#[derive(Debug)]
pub struct Scorer {
    /// What the sentence boundaries add to the tokens next to them ([`boundary_sums`]).
    boundary: Vec<i32>,
    pool: Mutex<Vec<Caches>>,
}

/// The caches of one scoring at a time.
#[derive(Debug)]
struct Caches {
    words: WordCache,
    shapes: ContextCache<ShapeContext>,
    lists: ContextCache<ListContext>,
    documents: ContextCache<DocumentContext>,
}

impl Caches {
    /// `log2` of the number of slots of each context cache: more than the distinct contexts of
    /// a news text (on the benchmark corpus, 2^10 slots miss 3.6% of lookups).
    const CONTEXT_BITS: u32 = 10;

    /// Empty caches of `2^word_bits` words and `2^context_bits` values of each context, for
    /// `model` (allocated on first use).
    fn new(model: &Model, word_bits: u32, context_bits: u32) -> Caches {
        let row = model.n_stages() * model.n_tags();
        Caches {
            words: WordCache::new(word_bits, model),
            shapes: ContextCache::new(context_bits, row),
            lists: ContextCache::new(context_bits, row),
            documents: ContextCache::new(context_bits, row),
        }
    }
}

impl Scorer {
    /// A scorer for `model`.
    pub fn new(model: &Model) -> Scorer {
        Scorer { boundary: boundary_sums(model), pool: Mutex::new(Vec::new()) }
    }

    /// Starts scoring the tokens of `text` with `model` (the scorer's): describes every token,
    /// its name-list matches included, with caches taken from the pool (or new ones).
    pub fn start<'s>(&'s self, model: &'s Model, text: &'s str, tokens: &'s [Token]) -> Scoring<'s> {
        let caches = self.lock().pop().unwrap_or_else(|| Caches::new(model, WordCache::BITS, Caches::CONTEXT_BITS));
        Scoring::new(self, model, text, tokens, caches)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Caches>> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The scoring of one text: its tokens' descriptions, and the caches it holds until dropped.
pub struct Scoring<'s> {
    scorer: &'s Scorer,
    model: &'s Model,
    text: &'s str,
    tokens: &'s [Token],
    /// Per token: [`WordCache::hash`] of its text.
    hashes: Vec<u64>,
    infos: Vec<TokenInfo>,
    caches: Option<Caches>,
    keys: Vec<u32>,
    lookup: Lookup,
}

impl<'s> Scoring<'s> {
    fn new(scorer: &'s Scorer, model: &'s Model, text: &'s str, tokens: &'s [Token], mut caches: Caches) -> Self {
        let hashes: Vec<u64> = tokens.iter().map(|t| WordCache::hash(t.text(text))).collect();
        let mut infos: Vec<TokenInfo> = Vec::with_capacity(tokens.len());
        infos.extend(tokens.iter().zip(&hashes).map(|(t, &h)| *caches.words.get(t.text(text), h, model).info));
        mark_name_lists(text, tokens, model.gazetteer(), &mut infos);
        let (keys, lookup) = (Vec::new(), Lookup::default());
        Scoring { scorer, model, text, tokens, hashes, infos, caches: Some(caches), keys, lookup }
    }

    /// Every token's description.
    pub fn infos(&self) -> &[TokenInfo] {
        &self.infos
    }

    /// The feature sums of the sentence `range` (token indices) for every stage, a
    /// `len × n_tags` block per stage, into `sums`.
    pub fn sentence(&mut self, range: std::ops::Range<usize>, sums: &mut Vec<i32>) {
        let (model, len) = (self.model, range.len());
        let n_tags = model.n_tags();
        let caches = self.caches.as_mut().expect("caches are held until drop");
        sums.clear();
        sums.resize(model.n_stages() * len * n_tags, 0);
        for (at, (token, &hash)) in self.tokens[range.clone()].iter().zip(&self.hashes[range.clone()]).enumerate() {
            add_word_sums(caches.words.get(token.text(self.text), hash, model).sums, at, len, n_tags, sums);
        }
        add_boundary_sums(&self.scorer.boundary, len, n_tags, sums);
        let (mut shapes, mut lists) = (Vec::with_capacity(len), Vec::with_capacity(len));
        self.keys.clear();
        context_features(&self.infos[range], &mut self.keys, &mut shapes, &mut lists);
        model.weights().add(&self.keys, PAIR_FEATURES_PER_TOKEN, 0, sums, &mut self.lookup);
        for (at, (shape, list)) in shapes.iter().zip(&lists).enumerate() {
            add_row(caches.shapes.get(shape, model.weights()), at, len, n_tags, sums);
            add_row(caches.lists.get(list, model.weights()), at, len, n_tags, sums);
        }
    }

    /// Adds the document templates' weights, given stage 1's `tags` for every token, to the
    /// second stage's sums `later` (`n_tags` per token).
    pub fn document(&mut self, tags: &[Tag], later: &mut [i32]) {
        let (model, n_tags) = (self.model, self.model.n_tags());
        let cache = &mut self.caches.as_mut().expect("caches are held until drop").documents;
        let mut contexts = Vec::with_capacity(self.infos.len());
        document_contexts(&self.infos, tags, model.types().len(), &mut contexts);
        for (context, sums) in contexts.iter().zip(later.chunks_exact_mut(n_tags)) {
            // The document templates feed the second stage: its part of the cached sums.
            let stage_two = &cache.get(context, model.weights())[n_tags..2 * n_tags];
            for (sum, &w) in sums.iter_mut().zip(stage_two) {
                *sum += w;
            }
        }
    }
}

impl Drop for Scoring<'_> {
    /// Puts the caches back in the pool, unless a panic may have left an entry half-written.
    fn drop(&mut self) {
        if let Some(caches) = self.caches.take().filter(|_| !std::thread::panicking()) {
            self.scorer.lock().push(caches);
        }
    }
}

/// Adds `row` (per stage, `n_tags` each) to token `token` of a sentence of `len` tokens.
fn add_row(row: &[i32], token: usize, len: usize, n_tags: usize, sums: &mut [i32]) {
    for (stage, row) in row.chunks_exact(n_tags).enumerate() {
        let base = (stage * len + token) * n_tags;
        for (sum, &w) in sums[base..base + n_tags].iter_mut().zip(row) {
            *sum += w;
        }
    }
}

/// Adds a word's cached sums (per role, stage and tag) to the tokens of a sentence of `len`
/// tokens that it feeds from position `at`. `sums` holds a `len × n_tags` block per stage.
fn add_word_sums(word: &[i32], at: usize, len: usize, n_tags: usize, sums: &mut [i32]) {
    for (role, rows) in Role::ALL.into_iter().zip(word.chunks_exact(word.len() / Role::ALL.len())) {
        // The word at `at` stands at `offset` from the token it feeds.
        if let Some(token) = at.checked_add_signed(-role.offset()).filter(|&t| t < len) {
            add_row(rows, token, len, n_tags, sums);
        }
    }
}

/// Adds the sentence boundaries' sums ([`boundary_sums`]) to the tokens of a sentence of `len`
/// tokens whose neighbours in some role fall outside it.
fn add_boundary_sums(boundary: &[i32], len: usize, n_tags: usize, sums: &mut [i32]) {
    for (role, rows) in Role::ALL.into_iter().zip(boundary.chunks_exact(boundary.len() / Role::ALL.len())) {
        let offset = role.offset();
        for token in (0..len).filter(|&t| t.checked_add_signed(offset).is_none_or(|p| p >= len)) {
            add_row(rows, token, len, n_tags, sums);
        }
    }
}

#[cfg(all(test, feature = "embedded-model"))]
mod tests {
    use super::*;
    use crate::features::{DOC_FEATURES_PER_TOKEN, FEATURES_PER_TOKEN, document_features, sentence_features};
    use crate::sentence::split_sentences_into;
    use crate::tokenize::tokenize_into;

    /// Scoring with two-slot caches, so that entries evict each other within a sentence.
    fn tiny_scoring<'s>(scorer: &'s Scorer, model: &'s Model, text: &'s str, tokens: &'s [Token]) -> Scoring<'s> {
        Scoring::new(scorer, model, text, tokens, Caches::new(model, 1, 1))
    }

    #[test]
    fn cached_sentence_sums_equal_the_full_feature_lookup() {
        let model = crate::default_extractor().expect("embedded model").model();
        let text = "Jens Stoltenberg spoke in Bucharest. kyiv said NATO\nBERLIN (Reuters) - Zoë 😀 met \
                    Kim Jong-un in 東京 on Tuesday.\n\u{201c}Ukrainesaid\u{201d} Mr. O'Neill, e\u{301}lan. A";
        let mut tokens = Vec::new();
        tokenize_into(text, &mut tokens);
        let mut sentences = Vec::new();
        split_sentences_into(text, &tokens, &mut sentences);
        assert!(sentences.len() >= 4 && sentences.iter().any(|s| s.len() == 1), "{sentences:?}");
        let scorer = Scorer::new(model);
        let mut scoring = tiny_scoring(&scorer, model, text, &tokens);
        let (mut keys, mut cached, mut full) = (Vec::new(), Vec::new(), Vec::new());
        for range in &sentences {
            scoring.sentence(range.clone(), &mut cached);
            keys.clear();
            sentence_features(&scoring.infos()[range.clone()], &mut keys);
            full.clear();
            full.resize(cached.len(), 0);
            model.weights().add(&keys, FEATURES_PER_TOKEN, 0, &mut full, &mut Lookup::default());
            assert_eq!(cached, full, "sentence {range:?}");
        }
    }

    #[test]
    fn cached_document_sums_equal_the_full_feature_lookup() {
        let extractor = crate::default_extractor().expect("embedded model");
        let model = extractor.model();
        let text = "Jens Stoltenberg met NATO. Stoltenberg said stoltenberg and NATO agreed in Bucharest.";
        let mut tokens = Vec::new();
        tokenize_into(text, &mut tokens);
        let mut tags = Vec::new();
        let whole = 0..tokens.len();
        extractor.label(text, &tokens, std::slice::from_ref(&whole), |_, _, t| tags = t.to_vec());
        assert!(tags.iter().any(|&t| t != 0), "some entity is tagged");
        let scorer = Scorer::new(model);
        let mut scoring = tiny_scoring(&scorer, model, text, &tokens);
        let mut cached = vec![0; tokens.len() * model.n_tags()];
        scoring.document(&tags, &mut cached);
        let mut keys = Vec::new();
        document_features(scoring.infos(), &tags, model.types().len(), &mut keys);
        let mut full = vec![0; cached.len()];
        model.weights().add(&keys, DOC_FEATURES_PER_TOKEN, 1, &mut full, &mut Lookup::default());
        assert!(full.iter().any(|&s| s != 0));
        assert_eq!(cached, full);
    }
}
