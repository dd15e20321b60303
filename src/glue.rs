//! Splits words that scraping glued together without a space, such as `Ukrainesaid`.
//!
//! Scraped articles lose the space between a name and the next word when a link or a line
//! break is stripped. A capitalised word that is unknown to the word-cluster lexicon, but is a
//! known word followed by a frequent lower-case word (`said`, `and`, `the`…), is cut in two, so
//! that `Ukraine` gets its own features. Words the lexicon knows are never cut, which keeps
//! `Brandon` whole.

use crate::lexicon::Lexicon;
use crate::tokenize::Token;

/// Frequent words that follow a name in news text; a glued word must end in one of them.
const TRAILING_WORDS: &[&str] = &[
    "said",
    "says",
    "told",
    "added",
    "and",
    "the",
    "was",
    "were",
    "has",
    "had",
    "have",
    "who",
    "which",
    "that",
    "would",
    "will",
    "are",
    "for",
    "with",
    "from",
    "also",
    "after",
    "before",
    "when",
    "while",
    "but",
    "announced",
    "stated",
    "noted",
];

/// The shortest known word kept on the left of a cut.
const MIN_LEFT: usize = 3;

/// Replaces each glued token in `tokens` by its two halves.
pub fn split_glued(text: &str, tokens: &mut Vec<Token>, lexicon: &Lexicon) {
    if lexicon.is_empty() || !tokens.iter().any(|t| glue_point(t.text(text), lexicon).is_some()) {
        return;
    }
    let mut out = Vec::with_capacity(tokens.len() + 4);
    for &t in tokens.iter() {
        match glue_point(t.text(text), lexicon) {
            Some(cut) => {
                out.push(Token { start: t.start, end: t.start + cut });
                out.push(Token { start: t.start + cut, end: t.end });
            }
            None => out.push(t),
        }
    }
    *tokens = out;
}

/// The byte offset at which `word` should be cut, if it is glued.
fn glue_point(word: &str, lexicon: &Lexicon) -> Option<usize> {
    let mut chars = word.chars();
    let first = chars.next()?;
    if word.len() < MIN_LEFT + 3 || !first.is_uppercase() || !chars.all(char::is_lowercase) {
        return None;
    }
    // The trailing words first: comparing a few bytes rules out most words, where a lexicon
    // look-up would hash the whole word.
    let mut cuts = TRAILING_WORDS
        .iter()
        .filter(|tail| word.len() >= tail.len() + MIN_LEFT && word.ends_with(*tail))
        .map(|tail| word.len() - tail.len())
        .filter(|&cut| word.is_char_boundary(cut))
        .peekable();
    cuts.peek()?;
    if lexicon.word_path(word) != 0 {
        return None;
    }
    cuts.find(|&cut| lexicon.word_path(&word[..cut]) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Classes;
    use crate::tokenize::tokenize;

    fn lexicon() -> Lexicon {
        let words = [("ukraine", 0b1_01), ("brandon", 0b1_10), ("brand", 0b1_11), ("said", 0b1_001)];
        Lexicon::new(words.map(|(w, path)| (w, Classes::new(path, 0))))
    }

    fn split(text: &str) -> Vec<&str> {
        let mut tokens = tokenize(text);
        split_glued(text, &mut tokens, &lexicon());
        tokens.iter().map(|t| t.text(text)).collect()
    }

    #[test]
    fn cuts_a_known_word_glued_to_a_frequent_one() {
        assert_eq!(split("in Ukrainesaid the head"), ["in", "Ukraine", "said", "the", "head"]);
    }

    #[test]
    fn keeps_known_words_and_unknown_stems_whole() {
        assert_eq!(split("Brandon and Brandthe"), ["Brandon", "and", "Brand", "the"]);
        assert_eq!(split("Kyivsaid ukrainesaid UKRAINESAID"), ["Kyivsaid", "ukrainesaid", "UKRAINESAID"]);
    }
}
