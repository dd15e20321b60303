//! The pipeline from text to entities: tokenize, split sentences, extract features, score,
//! decode, and turn tag spans back into byte ranges of the input.

use std::ops::Range;

use crate::decode::{tag_marginals, viterbi};
use crate::error::ModelError;
use crate::features::{FEATURES_PER_TOKEN, TokenInfo, describe_tokens, sentence_features};
use crate::model::Model;
use crate::sentence::split_sentences_into;
use crate::tags::{Label, spans};
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
}

impl Extractor {
    /// An extractor serving `model`.
    pub fn new(model: Model) -> Extractor {
        Extractor { model }
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
        let mut sentences = Vec::new();
        split_sentences_into(text, &tokens, &mut sentences);
        self.extract_tokens(text, &tokens, &sentences)
    }

    /// The entities of `text` given its tokens and sentences (token index ranges, in order).
    /// Evaluation uses this to score the labeller on gold tokenisation.
    pub fn extract_tokens<'a>(&self, text: &'a str, tokens: &[Token], sentences: &[Range<usize>]) -> Vec<Entity<'a>> {
        let n_tags = self.model.n_tags();
        let mut infos: Vec<TokenInfo> = Vec::with_capacity(tokens.len());
        describe_tokens(text, tokens, self.model.lexicon(), self.model.gazetteer(), &mut infos);
        let mut keys = Vec::new();
        let mut em = Vec::new();
        let mut tags = Vec::new();
        let mut out = Vec::new();
        for range in sentences {
            keys.clear();
            sentence_features(&infos[range.clone()], &mut keys);
            em.clear();
            em.resize(range.len() * n_tags, 0.0);
            for (row, token_keys) in em.chunks_exact_mut(n_tags).zip(keys.chunks_exact(FEATURES_PER_TOKEN)) {
                self.model.add_emissions(token_keys, row);
            }
            viterbi(&em, self.model.transitions(), &mut tags);
            let found = spans(&tags);
            if found.iter().all(|&(_, _, ty)| self.model.reported_label(ty).is_none()) {
                continue;
            }
            let marginals = tag_marginals(&em, self.model.transitions(), self.model.temperature(), &tags);
            for (first, last, ty) in found {
                let Some(label) = self.model.reported_label(ty) else { continue };
                let score = marginals[first..last].iter().copied().fold(1.0f32, f32::min);
                let Some((first, last)) = trim_to_words(text, &tokens[range.clone()], first, last) else { continue };
                let start = tokens[range.start + first].start;
                let end = tokens[range.start + last - 1].end;
                out.push(Entity { start, end, label, text: &text[start..end], score });
            }
        }
        out
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
