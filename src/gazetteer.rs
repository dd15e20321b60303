//! Gazetteers: lists of known names (countries, cities, regions, first names, nationalities),
//! matched over the token stream and used as features, never as answers.
//!
//! A name list says "Georgia can be a place"; only the model, weighing the list against the
//! context, decides that "Georgia" in "Georgia Smith said" is a person. Phrases are matched
//! case-insensitively and only on whole tokens, so the lists are compiled into a token-level
//! trie kept as a hash table: each phrase's token sequence, and each of its proper prefixes, is
//! one entry keyed by the running hash of its tokens' match forms. Matching walks forward from
//! every token for as long as the words so far are a prefix of some phrase, reusing the hashes
//! [`crate::features::TokenInfo`] computes anyway. It compiles 72,000 phrases in a few
//! milliseconds at load (a character-level Aho-Corasick automaton took 180 ms to build, or 6 MB
//! to ship prebuilt), which is what a browser's cold start pays.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use crate::hash::{KeyHasher, hash_str, mix};
use crate::normalize::push_match_form;
use crate::tokenize::{Token, tokenize};

/// The gazetteer categories, in the order the feature templates use them.
pub const CATEGORIES: [&str; 5] = ["country", "city", "region", "first-name", "nationality"];

/// Where a token lies in a gazetteer match: 0 none, then Begin, Inside, Last, Unit.
pub type MatchPosition = u8;

/// Per token, its position in the longest match of each category.
pub type TokenMatches = [MatchPosition; CATEGORIES.len()];

/// Set on an entry whose token sequence continues into a longer phrase.
const CONTINUES: u8 = 0x80;
/// Seed of a phrase's running hash, so that a one-token phrase's key differs from its word's.
const PHRASE_SEED: u64 = 0x6761_7a65_7474_6565; // "gazettee"

/// Name lists compiled for matching.
#[derive(Clone, Default)]
pub struct Gazetteer {
    /// Running hash of a token sequence → category bits of the phrase it spells, plus
    /// [`CONTINUES`] if it is a proper prefix of a phrase.
    entries: HashMap<u64, u8, BuildHasherDefault<KeyHasher>>,
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

/// The running hash of a token sequence after one more token, whose match form hashes to `word`.
fn extend(running: u64, word: u64) -> u64 {
    mix(running ^ word)
}

impl Gazetteer {
    /// Compiles `(phrase in match form, category index)` entries; a phrase may be in several
    /// categories. Entries with an empty phrase or an unknown category are skipped.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, usize)>) -> Gazetteer {
        let entries = entries.into_iter();
        // Most phrases are one or two words: room for a phrase and a prefix each, no rehashing.
        let mut table: HashMap<u64, u8, BuildHasherDefault<KeyHasher>> =
            HashMap::with_capacity_and_hasher(entries.size_hint().0 * 2, BuildHasherDefault::default());
        let mut phrases = 0;
        for (phrase, category) in entries {
            if phrase.is_empty() || category >= CATEGORIES.len() {
                continue;
            }
            let mut running = PHRASE_SEED;
            let mut words = phrase.split(' ').peekable();
            while let Some(word) = words.next() {
                running = extend(running, hash_str(word));
                let entry = table.entry(running).or_default();
                if words.peek().is_some() {
                    *entry |= CONTINUES;
                } else {
                    phrases += usize::from(*entry & !CONTINUES == 0);
                    *entry |= 1 << category;
                }
            }
        }
        Gazetteer { entries: table, phrases }
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
    /// written to `out` (cleared first, one entry per token), given the hash of each token's
    /// match form (`words`, as [`hash_str`] of [`push_match_form`]). Matches never cross a line
    /// break.
    pub fn annotate(&self, text: &str, tokens: &[Token], words: &[u64], out: &mut Vec<TokenMatches>) {
        debug_assert_eq!(tokens.len(), words.len());
        out.clear();
        out.resize(tokens.len(), [0; CATEGORIES.len()]);
        if self.entries.is_empty() {
            return;
        }
        let line_break_before = |i: usize| text[tokens[i - 1].end..tokens[i].start].contains(['\n', '\r']);
        let mut found: Vec<(usize, usize, u8)> = Vec::new();
        for first in 0..tokens.len() {
            let mut running = PHRASE_SEED;
            for (last, &word) in words.iter().enumerate().skip(first) {
                if last > first && line_break_before(last) {
                    break;
                }
                running = extend(running, word);
                let Some(&entry) = self.entries.get(&running) else { break };
                if entry & !CONTINUES != 0 {
                    found.push((first, last + 1, entry & !CONTINUES));
                }
                if entry & CONTINUES == 0 {
                    break;
                }
            }
        }
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

    fn annotate(g: &Gazetteer, text: &str) -> Vec<TokenMatches> {
        let tokens = tokenize(text);
        let words: Vec<u64> = tokens.iter().map(|t| hash_str(&match_form(t.text(text)))).collect();
        let mut out = Vec::new();
        g.annotate(text, &tokens, &words, &mut out);
        out
    }

    fn positions(g: &Gazetteer, text: &str, category: usize) -> Vec<MatchPosition> {
        annotate(g, text).iter().map(|m| m[category]).collect()
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
    fn phrases_sharing_a_prefix_match_the_longest_and_alone() {
        let g = Gazetteer::new([("new york city", 1), ("new york", 2), ("papua new guinea", 0)]);
        assert_eq!(positions(&g, "in New York City today", 1), [0, 1, 2, 3, 0]);
        assert_eq!(positions(&g, "in New York City today", 2), [0, 1, 3, 0, 0]);
        // "new" and "papua new" are only prefixes: no match.
        assert_eq!(positions(&g, "new papua new", 0), [0, 0, 0]);
        assert_eq!(positions(&g, "papua new guinea", 0), [1, 2, 3]);
        assert_eq!(g.len(), 3);
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
        assert_eq!(g.len(), 1);
        assert_eq!(annotate(&g, "Georgia")[0], [4, 0, 0, 4, 0]);
    }

    #[test]
    fn match_form_uses_the_runtime_tokenizer() {
        assert_eq!(match_form("Côte d’Ivoire"), "côte d'ivoire");
        assert_eq!(match_form("  Bosnia-Herzegovina "), "bosnia-herzegovina");
    }
}
