//! Gazetteers: lists of known names (countries, cities, regions, first names, nationalities),
//! matched over the token stream and used as features, never as answers.
//!
//! A name list says "Georgia can be a place"; only the model, weighing the list against the
//! context, decides that "Georgia" in "Georgia Smith said" is a person. Phrases are matched
//! case-insensitively with a double-array Aho-Corasick automaton (daachorse) over a normalised
//! copy of the text in which tokens are joined by single spaces, so every match maps back to
//! whole tokens; the model learns how far each list can be trusted in each letter case.

use std::collections::BTreeMap;

use daachorse::CharwiseDoubleArrayAhoCorasick;

use crate::normalize::push_match_form;
use crate::tokenize::{Token, tokenize};

/// The gazetteer categories, in the order the feature templates use them.
pub const CATEGORIES: [&str; 5] = ["country", "city", "region", "first-name", "nationality"];

/// Where a token lies in a gazetteer match: 0 none, then Begin, Inside, Last, Unit.
pub type MatchPosition = u8;

/// Per token, its position in the longest match of each category.
pub type TokenMatches = [MatchPosition; CATEGORIES.len()];

/// Name lists compiled for matching.
#[derive(Clone, Default)]
pub struct Gazetteer {
    automaton: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    phrases: usize,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gazetteer({} phrases)", self.phrases)
    }
}

/// The form a phrase is stored and matched in: its tokens (as the runtime tokenizer cuts them)
/// lower-cased with ASCII punctuation, joined by single spaces.
pub fn match_form(phrase: &str) -> String {
    let mut out = String::new();
    for (i, t) in tokenize(phrase).iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_match_form(t.text(phrase), &mut out);
    }
    out
}

impl Gazetteer {
    /// Compiles `(phrase in match form, category index)` entries; a phrase may be in several
    /// categories. Entries with an empty phrase or an unknown category are skipped.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, usize)>) -> Gazetteer {
        let mut masks: BTreeMap<&str, u32> = BTreeMap::new();
        for (phrase, category) in entries {
            if !phrase.is_empty() && category < CATEGORIES.len() {
                *masks.entry(phrase).or_default() |= 1 << category;
            }
        }
        let phrases = masks.len();
        let automaton = (phrases > 0).then(|| {
            CharwiseDoubleArrayAhoCorasick::with_values(masks).expect("distinct, non-empty phrases always compile")
        });
        Gazetteer { automaton, phrases }
    }

    /// The number of distinct phrases.
    pub fn len(&self) -> usize {
        self.phrases
    }

    /// Whether there are no phrases.
    pub fn is_empty(&self) -> bool {
        self.phrases == 0
    }

    /// The match position of every token of `text` in each category (longest match first),
    /// written to `out` (cleared first, one entry per token). Matches never cross a line break.
    pub fn annotate(&self, text: &str, tokens: &[Token], out: &mut Vec<TokenMatches>) {
        out.clear();
        out.resize(tokens.len(), [0; CATEGORIES.len()]);
        let Some(automaton) = &self.automaton else { return };
        let mut norm = String::with_capacity(text.len() + tokens.len());
        let mut starts = Vec::with_capacity(tokens.len());
        let mut ends = Vec::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if i > 0 {
                let gap = &text[tokens[i - 1].end..t.start];
                norm.push(if gap.contains(['\n', '\r']) { '\n' } else { ' ' });
            }
            starts.push(norm.len());
            push_match_form(t.text(text), &mut norm);
            ends.push(norm.len());
        }
        let mut found: Vec<(usize, usize, u32)> = automaton
            .find_overlapping_iter(&norm)
            .filter_map(|m| {
                let first = starts.binary_search(&m.start()).ok()?;
                let last = ends.binary_search(&m.end()).ok()?;
                Some((first, last + 1, m.value()))
            })
            .collect();
        found.sort_by_key(|&(s, e, _)| (std::cmp::Reverse(e - s), s));
        for (s, e, mask) in found {
            for c in (0..CATEGORIES.len()).filter(|c| mask & (1 << c) != 0) {
                if out[s..e].iter().any(|m| m[c] != 0) {
                    continue;
                }
                for (i, m) in out[s..e].iter_mut().enumerate() {
                    m[c] = match (i, e - s) {
                        (_, 1) => 4,
                        (0, _) => 1,
                        (i, n) if i == n - 1 => 3,
                        _ => 2,
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(g: &Gazetteer, text: &str, category: usize) -> Vec<MatchPosition> {
        let tokens = tokenize(text);
        let mut out = Vec::new();
        g.annotate(text, &tokens, &mut out);
        out.iter().map(|m| m[category]).collect()
    }

    #[test]
    fn matches_whole_tokens_case_insensitively_longest_first() {
        let new_york = match_form("New York");
        let york = match_form("York");
        let g = Gazetteer::new([(new_york.as_str(), 1), (york.as_str(), 1), ("ukraine", 0)]);
        assert_eq!(positions(&g, "From NEW YORK to York, not Yorkshire.", 1), [0, 1, 3, 0, 4, 0, 0, 0, 0]);
        assert_eq!(positions(&g, "in ukraine’s east", 0), [0, 4, 0, 0]);
    }

    #[test]
    fn matches_do_not_cross_line_breaks() {
        let phrase = match_form("New York");
        let g = Gazetteer::new([(phrase.as_str(), 1)]);
        assert_eq!(positions(&g, "New\nYork", 1), [0, 0]);
    }

    #[test]
    fn a_phrase_can_be_in_several_lists() {
        let g = Gazetteer::new([("georgia", 0), ("georgia", 3)]);
        let tokens = tokenize("Georgia");
        let mut out = Vec::new();
        g.annotate("Georgia", &tokens, &mut out);
        assert_eq!(out[0], [4, 0, 0, 4, 0]);
    }

    #[test]
    fn match_form_uses_the_runtime_tokenizer() {
        assert_eq!(match_form("Côte d’Ivoire"), "côte d'ivoire");
        assert_eq!(match_form("  Bosnia-Herzegovina "), "bosnia-herzegovina");
    }
}
