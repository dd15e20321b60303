//! Custom dictionaries: a site owner's own names, matched alongside the model.
//!
//! A [`Dictionary`] holds names with the label each should get (`"Acme Rockets"` → ORG) and
//! names to suppress (false positives of the model, such as a product called `"Jordan"`).
//! [`Dictionary::apply`] merges its matches with the model's entities: a dictionary match wins
//! over any model entity it overlaps, and a model entity whose text is a suppressed name is
//! dropped.
//!
//! Names are matched as whole words (a name is never found inside a longer word: `"Acme"` is
//! not found in `"Acmeville"`), leftmost-longest and without overlaps, with a double-array
//! Aho-Corasick automaton (daachorse) over a normalised copy of the text: runs of spaces and
//! tabs read as one space, curly quotes and dashes as ASCII ones, and, when the dictionary
//! ignores case, letters as lower case. Every match maps back to byte offsets of the original
//! text; a name never matches across a line break.

use std::collections::{BTreeMap, HashSet};

use daachorse::CharwiseDoubleArrayAhoCorasick;

use crate::extractor::Entity;
use crate::normalize::typographic_to_ascii;
use crate::tags::Label;

/// The score given to dictionary matches: the site owner is certain.
pub const DICTIONARY_SCORE: f32 = 1.0;

/// Names to find with their labels, and names to suppress.
#[derive(Clone, Default)]
pub struct Dictionary {
    automaton: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    labels: Vec<Label>,
    suppressed: HashSet<String>,
    ignore_case: bool,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Dictionary({} names, {} suppressed, ignore_case: {})",
            self.labels.len(),
            self.suppressed.len(),
            self.ignore_case
        )
    }
}

/// A text in the form it is matched in, with the byte offset in the original text of every
/// byte boundary of the normalised form.
struct Normalized {
    text: String,
    /// `original[i]` is the original byte offset of the normalised character starting at byte
    /// `i` (meaningful at character boundaries only); `original[text.len()]` is the end.
    original: Vec<usize>,
}

/// `text` in the form it is matched in (see the module docs), with the offset map when
/// `with_offsets`.
fn normalize_into(text: &str, ignore_case: bool, with_offsets: bool) -> Normalized {
    let mut out = String::with_capacity(text.len());
    let mut original = Vec::with_capacity(if with_offsets { text.len() + 1 } else { 0 });
    let mut prev_space = false;
    for (i, c) in text.char_indices() {
        let c = if c == '\n' || c == '\r' {
            '\n'
        } else if c.is_whitespace() {
            if prev_space {
                continue;
            }
            ' '
        } else {
            let c = typographic_to_ascii(c);
            if ignore_case { single_lowercase(c) } else { c }
        };
        prev_space = c == ' ';
        if with_offsets {
            original.resize(out.len(), 0);
            original.push(i);
        }
        out.push(c);
    }
    if with_offsets {
        original.resize(out.len(), 0);
        original.push(text.len());
    }
    Normalized { text: out, original }
}

/// The lower case of `c` when it is a single character (so that offsets map one to one), else
/// `c` itself.
fn single_lowercase(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The form a name is stored in: trimmed, normalised like the text.
fn name_form(name: &str, ignore_case: bool) -> String {
    normalize_into(name.trim(), ignore_case, false).text
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

impl Dictionary {
    /// A dictionary of `names` (each with its label) and `suppressed` names. A name given twice
    /// keeps its last label; empty names are ignored; a name that is also suppressed is
    /// suppressed. With `ignore_case`, `"acme rockets"` matches `"Acme Rockets"` and the
    /// reverse, and suppression ignores case too.
    pub fn new<'a>(
        names: impl IntoIterator<Item = (&'a str, Label)>,
        suppressed: impl IntoIterator<Item = &'a str>,
        ignore_case: bool,
    ) -> Dictionary {
        let suppressed: HashSet<String> =
            suppressed.into_iter().map(|s| name_form(s, ignore_case)).filter(|s| !s.is_empty()).collect();
        let mut by_form: BTreeMap<String, Label> = BTreeMap::new();
        for (name, label) in names {
            let form = name_form(name, ignore_case);
            if !form.is_empty() && !suppressed.contains(&form) {
                by_form.insert(form, label);
            }
        }
        let labels: Vec<Label> = by_form.values().copied().collect();
        let automaton = (!by_form.is_empty()).then(|| {
            CharwiseDoubleArrayAhoCorasick::with_values(by_form.keys().zip(0u32..))
                .expect("distinct, non-empty names always compile")
        });
        Dictionary { automaton, labels, suppressed, ignore_case }
    }

    /// The number of distinct names to find.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the dictionary finds nothing and suppresses nothing.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.suppressed.is_empty()
    }

    /// Whether `name` (an entity's text) is suppressed.
    pub fn is_suppressed(&self, name: &str) -> bool {
        !self.suppressed.is_empty() && self.suppressed.contains(&name_form(name, self.ignore_case))
    }

    /// The dictionary's names in `text`: whole words, leftmost-longest, sorted and
    /// non-overlapping, with byte offsets and score [`DICTIONARY_SCORE`].
    pub fn find<'a>(&self, text: &'a str) -> Vec<Entity<'a>> {
        let Some(automaton) = &self.automaton else { return Vec::new() };
        let norm = normalize_into(text, self.ignore_case, true);
        let mut found: Vec<(usize, usize, Label)> = automaton
            .find_overlapping_iter(&norm.text)
            .map(|m| (norm.original[m.start()], norm.original[m.end()], self.labels[m.value() as usize]))
            .filter(|&(start, end, _)| {
                let first = text[start..end].chars().next();
                let last = text[start..end].chars().next_back();
                let before = text[..start].chars().next_back();
                let after = text[end..].chars().next();
                let cut = |edge: Option<char>, neighbour: Option<char>| {
                    matches!((edge, neighbour), (Some(a), Some(b)) if is_word_char(a) && is_word_char(b))
                };
                !cut(first, before) && !cut(last, after)
            })
            .collect();
        // Leftmost first, the longest of those that start at the same place first.
        found.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut out = Vec::with_capacity(found.len());
        let mut cursor = 0;
        for (start, end, label) in found {
            if start >= cursor {
                out.push(Entity { start, end, label, text: &text[start..end], score: DICTIONARY_SCORE });
                cursor = end;
            }
        }
        out
    }

    /// Merges the dictionary with the model's `entities` of `text` (sorted, non-overlapping, as
    /// [`crate::Extractor::extract`] returns them): the dictionary's matches, plus the model's
    /// entities that overlap none of them and are not suppressed. Sorted and non-overlapping.
    pub fn apply<'a>(&self, text: &'a str, entities: Vec<Entity<'a>>) -> Vec<Entity<'a>> {
        if self.is_empty() {
            return entities;
        }
        let found = self.find(text);
        let mut out = Vec::with_capacity(entities.len() + found.len());
        let mut d = 0;
        for e in entities {
            if self.is_suppressed(e.text) {
                continue;
            }
            // Dictionary matches that end at or before this entity's start come first.
            while d < found.len() && found[d].end <= e.start {
                out.push(found[d].clone());
                d += 1;
            }
            let overlaps = found[d..].iter().take_while(|f| f.start < e.end).any(|f| f.end > e.start);
            if !overlaps {
                out.push(e);
            }
        }
        out.extend(found.into_iter().skip(d));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(text: &str, start: usize, label: Label, score: f32) -> Entity<'_> {
        let end = start + text[start..].find(' ').unwrap_or(text.len() - start);
        Entity { start, end, label, text: &text[start..end], score }
    }

    fn spans<'a>(found: &[Entity<'a>]) -> Vec<(&'a str, &'static str)> {
        found.iter().map(|e| (e.text, e.label.as_str())).collect()
    }

    #[test]
    fn finds_whole_words_only_with_byte_offsets() {
        let d = Dictionary::new([("Acme Rockets", Label::Org), ("Acme", Label::Org)], [], false);
        let text = "Zoë joined Acme Rockets, not Acmeville or AcmeRockets; Acme’s rival.";
        let found = d.find(text);
        assert_eq!(spans(&found), [("Acme Rockets", "ORG"), ("Acme", "ORG")]);
        for e in &found {
            assert_eq!(&text[e.start..e.end], e.text);
            assert_eq!(e.score, DICTIONARY_SCORE);
        }
        assert_eq!(found[0].start, "Zoë joined ".len());
    }

    #[test]
    fn leftmost_longest_without_overlaps() {
        let d = Dictionary::new(
            [("New York", Label::Loc), ("York Times", Label::Org), ("New York Times", Label::Org)],
            [],
            false,
        );
        assert_eq!(
            spans(&d.find("The New York Times and New York.")),
            [("New York Times", "ORG"), ("New York", "LOC")]
        );
        let d = Dictionary::new([("New York", Label::Loc), ("York Times", Label::Org)], [], false);
        assert_eq!(spans(&d.find("The New York Times")), [("New York", "LOC")]);
    }

    #[test]
    fn case_spaces_and_quotes() {
        let d = Dictionary::new([("  acme  rockets ", Label::Org), ("O'Neill", Label::Per)], [], true);
        assert_eq!(spans(&d.find("ACME   Rockets met O’Neill.")), [("ACME   Rockets", "ORG"), ("O’Neill", "PER")]);
        assert!(d.find("Acme\nRockets").is_empty(), "no match across a line break");
        let exact = Dictionary::new([("Acme Rockets", Label::Org)], [], false);
        assert!(exact.find("acme rockets").is_empty());
        assert_eq!(exact.find("Acme\tRockets").len(), 1);
    }

    #[test]
    fn names_with_non_word_edges_and_non_latin_text() {
        let d = Dictionary::new([("AT&T", Label::Org), ("東京", Label::Loc), ("C++", Label::Org)], [], false);
        let text = "😀 AT&T in 東京, C++x";
        let found = d.find(text);
        // C++ ends with a non-word character, so the x after it does not cut it.
        assert_eq!(spans(&found), [("AT&T", "ORG"), ("東京", "LOC"), ("C++", "ORG")]);
        for e in &found {
            assert_eq!(&text[e.start..e.end], e.text);
        }
        // Inside a longer run of letters (CJK included) a name is not a whole word.
        assert!(Dictionary::new([("東京", Label::Loc)], [], false).find("東京都").is_empty());
    }

    #[test]
    fn apply_dictionary_wins_and_suppresses() {
        let text = "Jordan met Acme Rockets chief Ann Lee in Paris";
        let model = vec![
            ent(text, 0, Label::Loc, 0.6),                           // Jordan: suppressed
            ent(text, text.find("Acme").unwrap(), Label::Per, 0.5),  // Acme: overlaps the dictionary
            ent(text, text.find("Paris").unwrap(), Label::Loc, 0.9), // kept
        ];
        let d = Dictionary::new([("Acme Rockets", Label::Org), ("Ann Lee", Label::Per)], ["jordan"], true);
        let out = d.apply(text, model);
        assert_eq!(spans(&out), [("Acme Rockets", "ORG"), ("Ann Lee", "PER"), ("Paris", "LOC")]);
        assert_eq!(out[2].score, 0.9);
        // Sorted and non-overlapping.
        assert!(out.windows(2).all(|w| w[0].end <= w[1].start));
    }

    #[test]
    fn suppression_is_exact_unless_ignoring_case_and_beats_names() {
        let d = Dictionary::new([("Jordan", Label::Per)], ["Jordan"], false);
        assert_eq!(d.len(), 0);
        assert!(d.find("Jordan").is_empty());
        assert!(d.is_suppressed("Jordan"));
        assert!(!d.is_suppressed("jordan"));
        assert!(Dictionary::new([], ["Jordan"], true).is_suppressed("JORDAN"));
    }

    #[test]
    fn empty_dictionary_changes_nothing() {
        let text = "Paris";
        let d = Dictionary::new([("", Label::Org), ("   ", Label::Per)], [""], false);
        assert!(d.is_empty());
        let model = vec![ent(text, 0, Label::Loc, 0.9)];
        assert_eq!(d.apply(text, model.clone()), model);
    }

    #[test]
    fn a_name_given_twice_keeps_its_last_label() {
        let d = Dictionary::new([("Jordan", Label::Loc), ("Jordan", Label::Per)], [], false);
        assert_eq!(spans(&d.find("Jordan")), [("Jordan", "PER")]);
    }
}
