//! Scoring in serving form: the integer feature sums of every token, for every stage and tag,
//! with as few lookups into the weights as the caches allow.
//!
//! A token's fifty-one sentence features fall into groups (see [`crate::features`]): the
//! one-word templates, summed per distinct word ([`WordCache`]); the shape and name-list
//! templates, summed per distinct context value ([`ContextCache`]); and the five word-pair
//! templates, looked up each time. The document templates of the second stage are summed per
//! distinct [`DocumentContext`]. Integer sums do not depend on their order, so the scores are
//! exactly those of looking every key up; tests in this module check it against
//! [`sentence_features`](crate::features::sentence_features) and
//! [`document_features`](crate::features::document_features).

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use crate::context_cache::ContextCache;
use crate::decode::SHIPPED_TAGS;
use crate::features::{
    DocumentContext, ListContext, PAIR_FEATURES_PER_TOKEN, Role, ShapeContext, TokenInfo, context_features,
    document_contexts, mark_name_lists,
};
use crate::model::Model;
use crate::tags::Tag;
use crate::tokenize::Token;
use crate::weights::{Lookup, add_row};
use crate::word_cache::{WordCache, WordScores, boundary_sums};

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
    /// The last scoring's buffers, emptied, for the next one to fill without allocating.
    buffers: Buffers,
}

/// What a scoring fills for its text: kept with the caches, so that a text after text reuses
/// their memory instead of allocating and growing each buffer again (a few percent of the time
/// of extracting a news article).
#[derive(Debug, Default)]
struct Buffers {
    infos: Vec<TokenInfo>,
    firsts: Vec<u8>,
    sums: Vec<i32>,
    keys: Vec<u32>,
    shapes: Vec<ShapeContext>,
    lists: Vec<ListContext>,
    contexts: Vec<DocumentContext>,
    lookup: Lookup,
}

/// The most tokens of a text whose buffers are kept for the next one: what a call keeps is
/// bounded (about 200 bytes a token), and a longer text's buffers, large, are freed.
pub(crate) const KEPT_BUFFER_TOKENS: usize = 4096;

impl Caches {
    /// `log2` of the number of slots of each context cache: more than the distinct contexts of
    /// a news text. On the benchmark corpus (twenty passes), 2^12 slots miss 3.6% of shape,
    /// 0.2% of name-list and 3.0% of document lookups; 2^10 slots missed 10.3%, 0.7% and 7.8%,
    /// and each miss of a document context costs twelve random reads of the weights. The three
    /// caches take about 2 MB when full.
    const CONTEXT_BITS: u32 = 12;

    /// Empty caches of `2^word_bits` words and `2^context_bits` values of each context, for
    /// `model` (allocated on first use).
    fn new(model: &Model, word_bits: u32, context_bits: u32) -> Caches {
        let row = model.n_stages() * model.n_tags();
        Caches {
            words: WordCache::new(word_bits, model),
            shapes: ContextCache::new(context_bits, row),
            lists: ContextCache::new(context_bits, row),
            documents: ContextCache::new(context_bits, row),
            buffers: Buffers::default(),
        }
    }
}

impl Scorer {
    /// A scorer for `model`.
    pub fn new(model: &Model) -> Scorer {
        Scorer { boundary: boundary_sums(model), pool: Mutex::new(Vec::new()) }
    }

    /// Starts scoring the tokens of `text` with `model` (the scorer's), in the `sentences`
    /// given (token ranges, in order, not overlapping): describes every token, its name-list
    /// matches included, with caches taken from the pool (or new ones).
    pub fn start<'s>(
        &'s self,
        model: &'s Model,
        text: &'s str,
        tokens: &'s [Token],
        sentences: &'s [Range<usize>],
    ) -> Scoring<'s> {
        let caches = self.lock().pop().unwrap_or_else(|| Caches::new(model, WordCache::BITS, Caches::CONTEXT_BITS));
        Scoring::new(self, model, text, tokens, sentences, caches)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Caches>> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The scoring of one text: its tokens' descriptions, their sums so far, and the caches it
/// holds until dropped.
pub struct Scoring<'s> {
    scorer: &'s Scorer,
    model: &'s Model,
    sentences: &'s [Range<usize>],
    /// `infos` holds every token's description; `sums`, per sentence, from `n_stages × n_tags`
    /// sums per token of its first token on, a `len × n_tags` block per stage (the one-word
    /// templates' sums are added at the start, when each word's cache entry is read for its
    /// description anyway); the rest is scratch.
    buffers: Buffers,
    caches: Option<Caches>,
}

impl<'s> Scoring<'s> {
    fn new(
        scorer: &'s Scorer,
        model: &'s Model,
        text: &'s str,
        tokens: &'s [Token],
        sentences: &'s [Range<usize>],
        mut caches: Caches,
    ) -> Self {
        let n_tags = model.n_tags();
        let row = model.n_stages() * n_tags;
        let mut buffers = std::mem::take(&mut caches.buffers);
        let Buffers { infos, firsts, sums, .. } = &mut buffers;
        sums.resize(tokens.len() * row, 0);
        let words = &mut caches.words;
        for range in sentences {
            debug_assert!(infos.len() <= range.start, "sentences in order, not overlapping");
            for t in &tokens[infos.len()..range.start] {
                push_described(words.get(t.text(text), model), infos, firsts);
            }
            let block = &mut sums[range.start * row..range.end * row];
            for (at, token) in tokens[range.clone()].iter().enumerate() {
                let word = words.get(token.text(text), model);
                push_described(word, infos, firsts);
                add_word_sums(word.sums, at, range.len(), n_tags, block);
            }
            add_boundary_sums(&scorer.boundary, range.len(), n_tags, block);
        }
        for t in &tokens[infos.len()..] {
            push_described(words.get(t.text(text), model), infos, firsts);
        }
        mark_name_lists(text, tokens, model.gazetteer(), firsts, infos);
        Scoring { scorer, model, sentences, buffers, caches: Some(caches) }
    }

    /// Every token's description.
    pub fn infos(&self) -> &[TokenInfo] {
        &self.buffers.infos
    }

    /// Adds the context templates' weights to the sums of sentence `n` (of those given to
    /// [`Scorer::start`]), which then hold every sentence feature: see [`Scoring::sums`].
    pub fn sentence(&mut self, n: usize) {
        let (model, range) = (self.model, self.sentences[n].clone());
        let (n_tags, len) = (model.n_tags(), range.len());
        let caches = self.caches.as_mut().expect("caches are held until drop");
        let row = model.n_stages() * n_tags;
        let Buffers { infos, sums, keys, shapes, lists, lookup, .. } = &mut self.buffers;
        let sums = &mut sums[range.start * row..range.end * row];
        keys.clear();
        shapes.clear();
        lists.clear();
        context_features(&infos[range], keys, shapes, lists);
        model.weights().add(keys, PAIR_FEATURES_PER_TOKEN, 0, sums, lookup);
        for (at, (shape, list)) in shapes.iter().zip(lists.iter()).enumerate() {
            let (shapes, lists) = (&mut caches.shapes, &mut caches.lists);
            add_rows(shapes.get(shape, model.weights()), lists.get(list, model.weights()), at, len, n_tags, sums);
        }
    }

    /// The sums of sentence `n` so far, a `len × n_tags` block per stage: every sentence
    /// feature's once [`Scoring::sentence`] has run, and the document templates' in the last
    /// stage once [`Scoring::document`] has.
    pub fn sums(&self, n: usize) -> &[i32] {
        let row = self.model.n_stages() * self.model.n_tags();
        &self.buffers.sums[self.sentences[n].start * row..self.sentences[n].end * row]
    }

    /// Adds the document templates' weights, given stage 1's `tags` for every token, to the
    /// second stage's sums of every sentence.
    pub fn document(&mut self, tags: &[Tag]) {
        let (model, n_tags) = (self.model, self.model.n_tags());
        let row = model.n_stages() * n_tags;
        let cache = &mut self.caches.as_mut().expect("caches are held until drop").documents;
        let Buffers { infos, sums, contexts, .. } = &mut self.buffers;
        contexts.clear();
        document_contexts(infos, tags, model.types().len(), contexts);
        for range in self.sentences {
            let block = &mut sums[range.start * row..range.end * row];
            let stage_two = &mut block[range.len() * n_tags..2 * range.len() * n_tags];
            for (context, sums) in contexts[range.clone()].iter().zip(stage_two.chunks_exact_mut(n_tags)) {
                // The document templates feed the second stage: its part of the cached sums.
                let weights = &cache.get(context, model.weights())[n_tags..2 * n_tags];
                for (sum, &w) in sums.iter_mut().zip(weights) {
                    *sum += w;
                }
            }
        }
    }
}

impl Drop for Scoring<'_> {
    /// Puts the caches back in the pool, unless a panic may have left an entry half-written,
    /// with the buffers emptied for the next scoring if the text was not long.
    fn drop(&mut self) {
        if let Some(mut caches) = self.caches.take().filter(|_| !std::thread::panicking()) {
            if self.buffers.infos.len() <= KEPT_BUFFER_TOKENS {
                let mut buffers = std::mem::take(&mut self.buffers);
                buffers.clear();
                caches.buffers = buffers;
            }
            self.scorer.lock().push(caches);
        }
    }
}

impl Buffers {
    /// Empties every buffer, keeping its memory.
    fn clear(&mut self) {
        let Buffers { infos, firsts, sums, keys, shapes, lists, contexts, lookup: _ } = self;
        infos.clear();
        firsts.clear();
        sums.clear();
        keys.clear();
        shapes.clear();
        lists.clear();
        contexts.clear();
    }
}

/// Appends a token's description and first name-list step, from its word's cache entry.
fn push_described(word: WordScores<'_>, infos: &mut Vec<TokenInfo>, firsts: &mut Vec<u8>) {
    infos.push(*word.info);
    firsts.push(word.first_step);
}

/// Adds `a + b` (each per stage, `n_tags` a stage) to token `token` of a sentence of `len`
/// tokens: the two rows are summed first, so that the token's sums are read and written once.
fn add_rows(a: &[i32], b: &[i32], token: usize, len: usize, n_tags: usize, sums: &mut [i32]) {
    for (stage, (a, b)) in a.chunks_exact(n_tags).zip(b.chunks_exact(n_tags)).enumerate() {
        let sums = &mut sums[(stage * len + token) * n_tags..];
        // The shipped model's rows as fixed-size arrays, as in [`add_row`].
        if let (Ok(a), Ok(b), Some(sums)) = (
            <&[i32; SHIPPED_TAGS]>::try_from(a),
            <&[i32; SHIPPED_TAGS]>::try_from(b),
            sums.first_chunk_mut::<SHIPPED_TAGS>(),
        ) {
            *sums = std::array::from_fn(|i| sums[i] + (a[i] + b[i]));
            continue;
        }
        for ((sum, &a), &b) in sums.iter_mut().zip(a).zip(b) {
            *sum += a + b;
        }
    }
}

/// [`add_row`] for the scorer's cached rows, a call of its own: inlined into each role of
/// [`add_word_sums`] it cost the scoring loop 10% more instructions.
fn add_to(sums: &mut [i32], row: &[i32]) {
    add_row(sums, row);
}

/// Adds a word's cached sums (per stage, role and tag) to the tokens of a sentence of `len`
/// tokens that it feeds from position `at`. `sums` holds a `len × n_tags` block per stage.
fn add_word_sums(word: &[i32], at: usize, len: usize, n_tags: usize, sums: &mut [i32]) {
    let roles = Role::ALL.len() * n_tags;
    for (word, sums) in word.chunks_exact(roles).zip(sums.chunks_exact_mut(len * n_tags)) {
        for (role, row) in Role::ALL.into_iter().zip(word.chunks_exact(n_tags)) {
            // The word at `at` stands at `offset` from the token it feeds.
            if let Some(token) = at.checked_add_signed(-role.offset()).filter(|&t| t < len) {
                add_to(&mut sums[token * n_tags..], row);
            }
        }
    }
}

/// Adds the sentence boundaries' sums ([`boundary_sums`], per stage, role and tag) to the
/// tokens of a sentence of `len` tokens whose neighbours in some role fall outside it.
fn add_boundary_sums(boundary: &[i32], len: usize, n_tags: usize, sums: &mut [i32]) {
    let roles = Role::ALL.len() * n_tags;
    for (boundary, sums) in boundary.chunks_exact(roles).zip(sums.chunks_exact_mut(len * n_tags)) {
        for (role, row) in Role::ALL.into_iter().zip(boundary.chunks_exact(n_tags)) {
            let offset = role.offset();
            for token in (0..len).filter(|&t| t.checked_add_signed(offset).is_none_or(|p| p >= len)) {
                add_to(&mut sums[token * n_tags..], row);
            }
        }
    }
}

#[cfg(all(test, feature = "embedded-model"))]
mod tests {
    use super::*;
    use crate::features::{
        DOC_FEATURES_PER_TOKEN, FEATURES_PER_TOKEN, describe_tokens, document_features, sentence_features,
    };
    use crate::sentence::split_sentences_into;
    use crate::tokenize::tokenize_into;

    /// Scoring with a four-slot word cache and two-slot context caches, so that entries evict
    /// each other within a sentence.
    fn tiny_scoring<'s>(
        scorer: &'s Scorer,
        model: &'s Model,
        text: &'s str,
        tokens: &'s [Token],
        sentences: &'s [Range<usize>],
    ) -> Scoring<'s> {
        Scoring::new(scorer, model, text, tokens, sentences, Caches::new(model, 2, 1))
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
        let mut scoring = tiny_scoring(&scorer, model, text, &tokens, &sentences);
        let (mut keys, mut full) = (Vec::new(), Vec::new());
        for (n, range) in sentences.iter().enumerate() {
            scoring.sentence(n);
            keys.clear();
            sentence_features(&scoring.infos()[range.clone()], &mut keys);
            full.clear();
            full.resize(scoring.sums(n).len(), 0);
            model.weights().add(&keys, FEATURES_PER_TOKEN, 0, &mut full, &mut Lookup::default());
            assert_eq!(scoring.sums(n), full, "sentence {range:?}");
        }
    }

    #[test]
    fn a_scoring_after_another_reuses_its_buffers_and_equals_a_fresh_one() {
        let extractor = crate::default_extractor().expect("embedded model");
        let model = extractor.model();
        let sums_of = |scorer: &Scorer, text: &str| {
            let mut tokens = Vec::new();
            tokenize_into(text, &mut tokens);
            let mut sentences = Vec::new();
            split_sentences_into(text, &tokens, &mut sentences);
            let tags = vec![0; tokens.len()];
            let mut scoring = scorer.start(model, text, &tokens, &sentences);
            (0..sentences.len()).for_each(|n| scoring.sentence(n));
            scoring.document(&tags);
            ((0..sentences.len()).flat_map(|n| scoring.sums(n).to_vec()).collect::<Vec<_>>(), scoring.infos().len())
        };
        let long = "Jens Stoltenberg met NATO ministers in Bucharest on Tuesday. kyiv said so. ".repeat(20);
        let short = "BERLIN (Reuters) - Angela Merkel spoke.";
        let scorer = Scorer::new(model);
        let (_, long_tokens) = sums_of(&scorer, &long);
        assert!(long_tokens > 200 && long_tokens <= KEPT_BUFFER_TOKENS);
        assert!(scorer.lock()[0].buffers.sums.capacity() > 0, "the long text's buffers are kept");
        // Every buffer comes back empty: the short text's sums are a fresh scorer's.
        assert_eq!(sums_of(&scorer, short), sums_of(&Scorer::new(model), short));
        // A text longer than the bound leaves no buffers behind.
        let longer = "Jens Stoltenberg met NATO. ".repeat(KEPT_BUFFER_TOKENS / 4);
        sums_of(&scorer, &longer);
        assert_eq!(scorer.lock()[0].buffers.sums.capacity(), 0);
    }

    #[test]
    fn tokens_between_sentences_are_described_too() {
        let model = crate::default_extractor().expect("embedded model").model();
        let text = "In New York , Jens Stoltenberg met Kim in Bucharest on Tuesday .";
        let mut tokens = Vec::new();
        tokenize_into(text, &mut tokens);
        let sentences = [2..5, 5..7, 9..11];
        let scorer = Scorer::new(model);
        let scoring = tiny_scoring(&scorer, model, text, &tokens, &sentences);
        let mut described = Vec::new();
        describe_tokens(text, &tokens, model.lexicon(), model.gazetteer(), &mut described);
        assert_eq!(format!("{:?}", scoring.infos()), format!("{described:?}"));
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
        let whole = std::slice::from_ref(&whole);
        extractor.label(text, &tokens, whole, |_, _, t| tags = t.to_vec());
        assert!(tags.iter().any(|&t| t != 0), "some entity is tagged");
        let scorer = Scorer::new(model);
        let mut scoring = tiny_scoring(&scorer, model, text, &tokens, whole);
        let stage_two = tokens.len() * model.n_tags()..;
        let before = scoring.sums(0)[stage_two.clone()].to_vec();
        scoring.document(&tags);
        let added: Vec<i32> = scoring.sums(0)[stage_two].iter().zip(&before).map(|(a, b)| a - b).collect();
        let mut keys = Vec::new();
        document_features(scoring.infos(), &tags, model.types().len(), &mut keys);
        let mut full = vec![0; added.len()];
        model.weights().add(&keys, DOC_FEATURES_PER_TOKEN, 1, &mut full, &mut Lookup::default());
        assert!(full.iter().any(|&s| s != 0));
        assert_eq!(added, full);
    }
}
