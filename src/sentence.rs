//! Sentence splitting over tokens.
//!
//! The labeller works sentence by sentence (its context window should not cross a sentence
//! boundary, and Viterbi's cost is linear in sentence length). A sentence ends at a line break,
//! at `.`, `!`, `?` or `…` followed by a token that does not start in lower case, at a camel-case
//! seam that the tokenizer cut (`Ukraine|Stoltenberg said`: scraping dropped the line break
//! between a heading or paragraph and the next), and at [`MAX_SENTENCE_TOKENS`] tokens, so that
//! text without punctuation cannot build one huge sentence.

use std::ops::Range;

use crate::tokenize::Token;

/// The longest sentence, in tokens, before a forced split.
pub const MAX_SENTENCE_TOKENS: usize = 150;

/// Token index ranges of the sentences of `text`, written to `out` (cleared first).
pub fn split_sentences_into(text: &str, tokens: &[Token], out: &mut Vec<Range<usize>>) {
    out.clear();
    let mut start = 0;
    for i in 0..tokens.len() {
        let boundary = match tokens.get(i + 1) {
            None => true,
            Some(next) => {
                let gap = &text[tokens[i].end..next.start];
                gap.contains(['\n', '\r', '\u{2028}', '\u{2029}'])
                    || (is_terminal(tokens[i].text(text)) && !starts_lowercase(next.text(text)))
                    || is_camel_seam(text, tokens[i], *next)
                    || i + 1 - start >= MAX_SENTENCE_TOKENS
            }
        };
        if boundary {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
}

fn is_terminal(token: &str) -> bool {
    !token.is_empty() && token.chars().all(|c| matches!(c, '.' | '!' | '?' | '…'))
}

/// Whether `a` and `b` touch, `a` ending in a lower-case letter and `b` starting with an
/// upper-case one: a word cut in two by the tokenizer at a camel-case seam.
pub fn is_camel_seam(text: &str, a: Token, b: Token) -> bool {
    a.end == b.start && a.text(text).ends_with(char::is_lowercase) && b.text(text).starts_with(char::is_uppercase)
}

fn starts_lowercase(token: &str) -> bool {
    token.chars().next().is_some_and(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn sentences(text: &str) -> Vec<String> {
        let tokens = tokenize(text);
        let mut out = Vec::new();
        split_sentences_into(text, &tokens, &mut out);
        out.iter().map(|r| text[tokens[r.start].start..tokens[r.end - 1].end].to_string()).collect()
    }

    #[test]
    fn splits_at_terminal_punctuation_and_line_breaks() {
        assert_eq!(
            sentences("Stoltenberg spoke. He left!\nNATO met in Bucharest"),
            ["Stoltenberg spoke.", "He left!", "NATO met in Bucharest"]
        );
    }

    #[test]
    fn keeps_abbreviations_and_lowercase_continuations() {
        assert_eq!(
            sentences("Mr. Smith met U.S. officials. Then... ok. it went on"),
            ["Mr. Smith met U.S. officials.", "Then... ok. it went on"]
        );
    }

    #[test]
    fn a_camel_case_seam_from_scraping_starts_a_sentence() {
        assert_eq!(
            sentences("aid to UkraineStoltenberg said. McDonald and iPhone stay whole."),
            ["aid to Ukraine", "Stoltenberg said.", "McDonald and iPhone stay whole."]
        );
    }

    #[test]
    fn long_runs_are_cut() {
        let text = "word ".repeat(400);
        let tokens = tokenize(&text);
        let mut out = Vec::new();
        split_sentences_into(&text, &tokens, &mut out);
        assert!(out.iter().all(|r| r.len() <= MAX_SENTENCE_TOKENS));
        assert_eq!(out.iter().map(|r| r.len()).sum::<usize>(), 400);
    }
}
