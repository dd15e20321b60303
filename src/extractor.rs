//! The pipeline from text to entities: tokenize, split sentences, extract features, score,
//! decode, and turn tag spans back into byte ranges of the input.

use std::ops::Range;

use crate::decode::{Marginals, Potentials, Viterbi};
use crate::error::ModelError;
use crate::glue::split_glued;
use crate::model::Model;
use crate::scorer::Scorer;
use crate::sentence::split_sentences_into;
use crate::tags::{Label, Position, Tag, spans, split};
use crate::tokenize::{Token, tokenize_into};

/// A person, place or organization found in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity<'a> {
    /// Byte offset of the first byte in the text.
    pub start: usize,
    /// Byte offset one past the last byte (exclusive).
    pub end: usize,
    /// What the entity is.
    pub label: Label,
    /// `&text[start..end]`.
    pub text: &'a str,
    /// The model's confidence in this entity, in `0..=1`: the lowest marginal probability of
    /// the entity's tags.
    pub score: f32,
}

/// Extracts entities with one model. Cheap to share: extraction takes `&self`.
#[derive(Debug)]
pub struct Extractor {
    model: Model,
    /// Each stage's transitions, laid out for decoding.
    decoders: Vec<Viterbi>,
    /// The final stage's transitions at the model's temperature, for confidences.
    potentials: Potentials,
    /// Feature sums with caches that live across calls.
    scorer: Scorer,
}

impl Extractor {
    /// An extractor serving `model`.
    pub fn new(model: Model) -> Extractor {
        let potentials = Potentials::new(model.transitions(model.n_stages() - 1), model.temperature());
        let decoders = (0..model.n_stages()).map(|s| Viterbi::new(model.transitions(s))).collect();
        let scorer = Scorer::new(&model);
        Extractor { model, decoders, potentials, scorer }
    }

    /// An extractor for the model file `bytes`, validated first.
    pub fn from_bytes(bytes: &[u8]) -> Result<Extractor, ModelError> {
        Ok(Extractor::new(Model::from_bytes(bytes)?))
    }

    /// The model served.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The entities of `text`, sorted by position and non-overlapping, with byte offsets.
    pub fn extract<'a>(&self, text: &'a str) -> Vec<Entity<'a>> {
        let mut tokens = Vec::new();
        tokenize_into(text, &mut tokens);
        split_glued(text, &mut tokens, self.model.lexicon());
        let mut sentences = Vec::new();
        split_sentences_into(text, &tokens, &mut sentences);
        let mut entities = Vec::new();
        let mut window = Vec::new();
        for group in document_windows(&sentences) {
            let first = sentences[group.start].start;
            let last = sentences[group.end - 1].end;
            window.clear();
            window.extend(sentences[group].iter().map(|r| r.start - first..r.end - first));
            entities.extend(self.extract_tokens(text, &tokens[first..last], &window));
        }
        entities
    }

    /// The entities of `text` given its tokens and sentences (token index ranges, in order).
    /// Evaluation uses this to score the labeller on gold tokenisation.
    pub fn extract_tokens<'a>(&self, text: &'a str, tokens: &[Token], sentences: &[Range<usize>]) -> Vec<Entity<'a>> {
        let mut out = Vec::new();
        let (mut scratch, mut marginals) = (Marginals::default(), Vec::new());
        self.label(text, tokens, sentences, |range, em, tags| {
            let found = spans(tags);
            let reported = found.iter().filter(|&&(_, _, ty)| self.model.reported_label(ty).is_some());
            // Confidences are needed from the first reported entity to the end of the last only.
            let Some(from) = reported.clone().map(|&(first, _, _)| first).min() else { return };
            let to = reported.map(|&(_, last, _)| last).max().unwrap_or(from);
            scratch.between(em, &self.potentials, tags, from..to, &mut marginals);
            for (first, last, ty) in found {
                let Some(label) = self.model.reported_label(ty) else { continue };
                let score = marginals[first - from..last - from].iter().copied().fold(1.0f32, f32::min);
                let Some((first, last)) = trim_to_words(text, &tokens[range.clone()], first, last) else { continue };
                let start = tokens[range.start + first].start;
                let end = tokens[range.start + last - 1].end;
                out.push(Entity { start, end, label, text: &text[start..end], score });
            }
        });
        out
    }

    /// Runs every stage of the model over `text` and calls `visit` for each sentence with the
    /// final stage's emission scores (`len × n_tags`) and tags. Evaluation, calibration and
    /// training use it to see what extraction sees.
    ///
    /// Each sentence's features are looked up once for every stage: stage 1 decodes from its
    /// share of the sums at once, and the later stage's share waits in the scoring until the
    /// document-level features, which need stage 1's tags for the whole text, are added to it.
    pub fn label(
        &self,
        text: &str,
        tokens: &[Token],
        sentences: &[Range<usize>],
        mut visit: impl FnMut(&Range<usize>, &[f32], &[Tag]),
    ) {
        let model = &self.model;
        let (n_tags, n_stages, scale) = (model.n_tags(), model.n_stages(), model.scale());
        let mut scoring = self.scorer.start(model, text, tokens, sentences);
        let mut em = Vec::new();
        let mut tags = Vec::new();
        let mut scratch = Vec::new();
        let mut first_tags: Vec<Tag> = vec![0; if n_stages > 1 { tokens.len() } else { 0 }];
        let emissions = |range: &Range<usize>, sums: &[i32], em: &mut Vec<f32>| {
            em.clear();
            em.extend(sums.iter().map(|&s| s as f32 * scale));
            forbid_entities_across_glue(text, &tokens[range.clone()], em, n_tags);
        };
        for (n, range) in sentences.iter().enumerate() {
            scoring.sentence(n);
            emissions(range, &scoring.sums(n)[..range.len() * n_tags], &mut em);
            self.decoders[0].decode_reusing(&em, &mut tags, &mut scratch);
            if n_stages == 1 {
                visit(range, &em, &tags);
            } else {
                first_tags[range.clone()].copy_from_slice(&tags);
            }
        }
        if n_stages == 1 {
            return;
        }
        scoring.document(&first_tags);
        for (n, range) in sentences.iter().enumerate() {
            emissions(range, &scoring.sums(n)[range.len() * n_tags..], &mut em);
            self.decoders[1].decode_reusing(&em, &mut tags, &mut scratch);
            visit(range, &em, &tags);
        }
    }
}

/// The most tokens read as one document. The document stage needs a whole document in memory
/// at once (a few hundred bytes a token); a longer text is read as consecutive windows of whole
/// sentences, so memory stays bounded however long the input. 30,000 tokens is a long report
/// (about 180 kB of text); the page's worker sends at most 60,000 characters at a time anyway.
pub const WINDOW_TOKENS: usize = 30_000;

/// Consecutive ranges of `sentences` (token ranges, in order) of at most [`WINDOW_TOKENS`] tokens
/// each, or one sentence if it alone is longer.
fn document_windows(sentences: &[Range<usize>]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= sentences.len() {
            return None;
        }
        let first_token = sentences[start].start;
        let mut end = start + 1;
        while end < sentences.len() && sentences[end].end - first_token <= WINDOW_TOKENS {
            end += 1;
        }
        let group = start..end;
        start = end;
        Some(group)
    })
}

/// Makes every camel-case seam (`Ukraine|Stoltenberg`, split by the tokenizer) an entity
/// boundary: no entity may run across it. The training corpus never glues words, so the model
/// would otherwise read the two halves as one name. [`Extractor::extract`]'s sentences already
/// end at such seams; this serves the callers of [`Extractor::label`] that bring their own
/// sentences (evaluation and training on CoNLL's tokens, where one corpus token can hold a seam).
fn forbid_entities_across_glue(text: &str, tokens: &[Token], em: &mut [f32], n_tags: usize) {
    const FORBIDDEN: f32 = -1.0e4;
    for t in 1..tokens.len() {
        let (a, b) = (tokens[t - 1], tokens[t]);
        let seam = a.end == b.start
            && a.text(text).ends_with(char::is_lowercase)
            && b.text(text).starts_with(char::is_uppercase);
        if !seam {
            continue;
        }
        for tag in 1..n_tags {
            let position = split(tag).map(|(_, p)| p);
            if matches!(position, Some(Position::Begin | Position::Inside)) {
                em[(t - 1) * n_tags + tag] = FORBIDDEN;
            }
            if matches!(position, Some(Position::Inside | Position::Last)) {
                em[t * n_tags + tag] = FORBIDDEN;
            }
        }
    }
}

/// Narrows the token span `first..last` so that it starts and ends with a token holding a letter
/// or digit: a quote or dash at an entity's edge is never part of the name. `None` if no such
/// token remains.
fn trim_to_words(text: &str, tokens: &[Token], mut first: usize, mut last: usize) -> Option<(usize, usize)> {
    let is_word = |i: usize| tokens[i].text(text).chars().any(char::is_alphanumeric);
    while first < last && !is_word(first) {
        first += 1;
    }
    while last > first && !is_word(last - 1) {
        last -= 1;
    }
    (first < last).then_some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_every_sentence_once_and_stay_under_the_cap() {
        // Sentences of 7,000 tokens, then one longer than a window on its own.
        let mut sentences: Vec<Range<usize>> = (0..10).map(|i| i * 7_000..(i + 1) * 7_000).collect();
        sentences.push(70_000..70_000 + WINDOW_TOKENS + 5);
        sentences.push(sentences[10].end..sentences[10].end + 3);
        let windows: Vec<Range<usize>> = document_windows(&sentences).collect();
        assert_eq!(windows, vec![0..4, 4..8, 8..10, 10..11, 11..12]);
        assert!(document_windows(&[]).next().is_none());
    }

    #[cfg(feature = "embedded-model")]
    #[test]
    fn a_text_longer_than_a_window_keeps_exact_offsets_in_every_window() {
        let line = "Zoë 😀 said Jens Stoltenberg spoke in Bucharest on Tuesday.\n";
        let text = line.repeat(2 * WINDOW_TOKENS / 8 + 10);
        let entities = crate::default_extractor().expect("embedded model").extract(&text);
        let last_line = text.len() - line.len();
        for (needle, label) in [("Stoltenberg", Label::Per), ("Bucharest", Label::Loc)] {
            let at = last_line + line.find(needle).expect("in the line");
            assert!(
                entities.iter().any(|e| e.start <= at && at < e.end && e.label == label),
                "{needle} in the last window"
            );
        }
        assert!(entities.iter().all(|e| &text[e.start..e.end] == e.text));
        assert!(entities.windows(2).all(|w| w[0].end <= w[1].start));
    }
}
