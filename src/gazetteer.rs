//! Gazetteers: lists of known names (countries, cities, regions, first names, nationalities),
//! matched over the token stream and used as features, never as answers.
//!
//! A name list says "Georgia can be a place"; only the model, weighing the list against the
//! context, decides that "Georgia" in "Georgia Smith said" is a person. Phrases are matched
//! case-insensitively and only on whole tokens, so the lists are compiled into a token-level
//! trie kept as hash tables: each phrase's token sequence, and each of its proper prefixes, is
//! one entry keyed by the running hash of its tokens' match forms. Matching walks forward from
//! every token for as long as the words so far are a prefix of some phrase, reusing the hashes
//! [`crate::features::TokenInfo`] computes anyway.
//!
//! The phrases are compiled in [`crate::buckets`], by the first two bytes of their first word (a
//! [`KeyTable`] a bucket), each on first use: a phrase can only match from a token whose match
//! form starts with the same bytes. A model file's lists are filed by bucket, with where each
//! bucket ends, so a bucket's phrases are one run of lines a list, and the first text compiles
//! the buckets of its own words only. Compiling all 72,000 phrases at load was a sixth of the
//! browser's cold start (a character-level Aho-Corasick automaton took 180 ms to build, or 6 MB
//! to ship prebuilt), and finding the runs by reading every line was still a tenth of it.

use crate::buckets::{BUCKETS, BucketEnds, BucketTables, bucket};
use crate::hash::{KeyList, KeyTable, TextHasher, hash_bytes, mix};
use crate::model::in_pieces;
use crate::normalize::{push_match_form, typographic_to_ascii};
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
#[derive(Clone)]
pub struct Gazetteer {
    /// A model file's phrase lists (in match form, one phrase a line), every category.
    lines: Vec<u8>,
    /// Runs of `lines` of one category whose phrases are in one bucket, bucket by bucket.
    runs: Vec<Run>,
    /// The runs of bucket `b` are `runs[starts[b]..starts[b + 1]]`.
    starts: Vec<u32>,
    /// Per bucket: running hash of a token sequence → category bits of the phrase it spells,
    /// plus [`CONTINUES`] if it is a proper prefix of a phrase; compiled on first use.
    buckets: BucketTables,
}

/// Lines `lines[start..end]` of category `category`, whose phrases are in one bucket.
#[derive(Clone, Copy, Debug)]
struct Run {
    category: u8,
    start: u32,
    end: u32,
}

impl Default for Gazetteer {
    fn default() -> Self {
        Gazetteer { lines: Vec::new(), runs: Vec::new(), starts: vec![0; BUCKETS + 1], buckets: BucketTables::lazy() }
    }
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gazetteer({} bytes of phrase lists)", self.lines.len())
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

/// The bucket of phrases a token can start: that of its match form, from its first characters.
fn token_bucket(token: &str) -> usize {
    let ascii = |b: u8| if b == b'`' { b'\'' } else { b.to_ascii_lowercase() };
    match token.as_bytes() {
        [a] if a.is_ascii() => return bucket(&[ascii(*a)]),
        [a, b, ..] if a.is_ascii() && b.is_ascii() => return bucket(&[ascii(*a), ascii(*b)]),
        _ => {}
    }
    let mut start = [0u8; 8];
    let mut len = 0;
    for c in token.chars().map(typographic_to_ascii).flat_map(char::to_lowercase) {
        len += c.encode_utf8(&mut start[len..]).len();
        if len >= 2 {
            break;
        }
    }
    bucket(&start[..len])
}

/// Appends the entries of the phrases of `lines` (in match form, one a line, `\n`) in category
/// `category` (a valid index) to `words`, as [`push_phrase`] does phrase by phrase, in one pass
/// over the bytes. Empty lines are skipped.
fn push_lines(words: &mut KeyList, lines: &[u8], category: usize) {
    let mut running = PHRASE_SEED;
    let mut word = TextHasher::default();
    let mut empty = true;
    for &b in lines {
        match b {
            b'\n' => {
                if !empty {
                    words.push(extend(running, word.finish()), 1 << category);
                }
                (running, word, empty) = (PHRASE_SEED, TextHasher::default(), true);
            }
            b' ' => {
                running = extend(running, word.finish());
                words.push(running, u32::from(CONTINUES));
                (word, empty) = (TextHasher::default(), false);
            }
            _ => {
                word.write(&[b]);
                empty = false;
            }
        }
    }
    if !empty {
        words.push(extend(running, word.finish()), 1 << category);
    }
}

/// Appends the entries of a phrase (match form, not empty) in category `category` to `words`:
/// for each word, the running hash of the phrase up to it, with [`CONTINUES`] if more words
/// follow, else with the category's bit.
fn push_phrase(words: &mut KeyList, phrase: &[u8], category: usize) {
    let mut running = PHRASE_SEED;
    let mut rest = phrase;
    while let Some(space) = rest.iter().position(|&b| b == b' ') {
        running = extend(running, hash_bytes(&rest[..space]));
        words.push(running, u32::from(CONTINUES));
        rest = &rest[space + 1..];
    }
    words.push(extend(running, hash_bytes(rest)), 1 << category);
}

/// Compiles one bucket's entries.
fn compile(words: KeyList) -> KeyTable {
    KeyTable::new(words, |a, b| a | b)
}

impl Gazetteer {
    /// Compiles `(phrase in match form, category index)` entries; a phrase may be in several
    /// categories. Entries with an empty phrase or an unknown category are skipped.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, usize)>) -> Gazetteer {
        let mut words = vec![KeyList::default(); BUCKETS];
        for (phrase, category) in entries {
            if !phrase.is_empty() && category < CATEGORIES.len() {
                push_phrase(&mut words[bucket(phrase.as_bytes())], phrase.as_bytes(), category);
            }
        }
        let buckets = BucketTables::compiled(words.into_iter().map(compile));
        Gazetteer { lines: Vec::new(), runs: Vec::new(), starts: vec![0; BUCKETS + 1], buckets }
    }

    /// The gazetteer of a model file's phrase lists, one per category (in match form, each
    /// phrase followed by `\n`, filed by bucket as its [`BucketEnds`] say, already checked),
    /// compiled as it is used.
    pub(crate) fn from_lists(lists: &[(&[u8], BucketEnds)]) -> Gazetteer {
        let mut lines = Vec::with_capacity(lists.iter().map(|l| l.0.len()).sum());
        let mut offsets = Vec::with_capacity(lists.len());
        for (list, _) in lists {
            offsets.push(lines.len());
            lines.extend_from_slice(list);
        }
        // Bucket by bucket, a run of each category that has phrases in it.
        let (mut runs, mut starts) = (Vec::new(), vec![0u32]);
        for b in 0..BUCKETS {
            for (category, ((_, ends), &offset)) in lists.iter().zip(&offsets).enumerate() {
                let (_, bytes) = ends.bucket(b);
                if !bytes.is_empty() {
                    let (start, end) = ((offset + bytes.start) as u32, (offset + bytes.end) as u32);
                    runs.push(Run { category: category as u8, start, end });
                }
            }
            starts.push(runs.len() as u32);
        }
        Gazetteer { lines, runs, starts, buckets: BucketTables::lazy() }
    }

    /// Bucket `b`, compiled.
    fn compiled(&self, b: usize) -> &KeyTable {
        self.buckets.get(b, || {
            let mut words = KeyList::default();
            let runs = &self.runs[self.starts[b] as usize..self.starts[b + 1] as usize];
            in_pieces(runs, &mut |r| {
                push_lines(&mut words, &self.lines[r.start as usize..r.end as usize], usize::from(r.category))
            });
            compile(words)
        })
    }

    /// The number of distinct phrases (compiling every bucket).
    pub fn len(&self) -> usize {
        let phrase = |e: u32| e & !u32::from(CONTINUES) != 0;
        (0..BUCKETS).map(|b| self.compiled(b).values().filter(|&e| phrase(e)).count()).sum()
    }

    /// Whether there are no phrases (compiling every bucket).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry of the one-token sequence `token`, whose match form hashes to `word` (as
    /// [`crate::hash::hash_str`] of [`push_match_form`]): the category bits of the phrase that
    /// the token is alone, plus a flag (the top bit) if longer phrases start with it; 0 for most
    /// words. It depends on the word alone, so serving keeps it in its word cache, and
    /// [`Gazetteer::annotate`] walks on only from the few tokens where it is not 0.
    pub fn first_step(&self, token: &str, word: u64) -> u8 {
        self.compiled(token_bucket(token)).get(extend(PHRASE_SEED, word)) as u8
    }

    /// The match position of every token of `text` in each category (longest match first),
    /// written to `out` (cleared first, one entry per token), given the hash of each token's
    /// match form (`words`, as [`crate::hash::hash_str`] of [`push_match_form`]) and its
    /// [`Gazetteer::first_step`] (`firsts`). Matches never cross a line break.
    pub fn annotate(&self, text: &str, tokens: &[Token], words: &[u64], firsts: &[u8], out: &mut Vec<TokenMatches>) {
        debug_assert_eq!(tokens.len(), words.len());
        debug_assert_eq!(tokens.len(), firsts.len());
        out.clear();
        out.resize(tokens.len(), [0; CATEGORIES.len()]);
        let line_break_before = |i: usize| text[tokens[i - 1].end..tokens[i].start].contains(['\n', '\r']);
        let mut found: Vec<(usize, usize, u8)> = Vec::new();
        for (first, &entry) in firsts.iter().enumerate().filter(|&(_, &entry)| entry != 0) {
            if entry & !CONTINUES != 0 {
                found.push((first, first + 1, entry & !CONTINUES));
            }
            if entry & CONTINUES == 0 {
                continue;
            }
            let entries = self.compiled(token_bucket(tokens[first].text(text)));
            let mut running = extend(PHRASE_SEED, words[first]);
            for (last, &word) in words.iter().enumerate().skip(first + 1) {
                if line_break_before(last) {
                    break;
                }
                running = extend(running, word);
                let entry = entries.get(running) as u8;
                if entry == 0 {
                    break;
                }
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
    use crate::hash::hash_str;

    fn annotate(g: &Gazetteer, text: &str) -> Vec<TokenMatches> {
        let tokens = tokenize(text);
        let words: Vec<u64> = tokens.iter().map(|t| hash_str(&match_form(t.text(text)))).collect();
        let firsts: Vec<u8> = tokens.iter().zip(&words).map(|(t, &w)| g.first_step(t.text(text), w)).collect();
        let mut out = Vec::new();
        g.annotate(text, &tokens, &words, &firsts, &mut out);
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
    fn a_first_step_tells_names_phrase_starts_and_other_words_apart() {
        let g = Gazetteer::new([("new york", 1), ("york", 1), ("georgia", 0), ("georgia", 3)]);
        let step = |word: &str| g.first_step(word, hash_str(&match_form(word)));
        assert_eq!(step("the"), 0);
        assert_eq!(step("New"), CONTINUES, "only a prefix");
        assert_eq!(step("YORK"), 1 << 1);
        assert_eq!(step("Georgia"), 1 << 0 | 1 << 3);
    }

    #[test]
    fn a_phrase_can_be_in_several_lists() {
        let g = Gazetteer::new([("georgia", 0), ("georgia", 3)]);
        assert_eq!(g.len(), 1);
        assert_eq!(annotate(&g, "Georgia")[0], [4, 0, 0, 4, 0]);
    }

    #[test]
    fn model_file_lists_match_as_compiled_phrases() {
        let lists: [&[&str]; 5] =
            [&["ukraine"], &["new york", "new york city", "york", "zurich"], &[], &["georgia"], &[]];
        let filed: Vec<(Vec<u8>, BucketEnds)> = lists
            .iter()
            .map(|list| {
                let mut phrases = list.to_vec();
                phrases.sort_by_key(|p| (bucket(p.as_bytes()), *p));
                let lines = phrases.iter().flat_map(|p| p.bytes().chain([b'\n'])).collect();
                (lines, BucketEnds::of(phrases.iter().map(|p| p.as_bytes())))
            })
            .collect();
        let filed: Vec<(&[u8], BucketEnds)> = filed.iter().map(|(l, e)| (l.as_slice(), e.clone())).collect();
        let g = Gazetteer::from_lists(&filed);
        let phrases =
            [("ukraine", 0), ("new york", 1), ("new york city", 1), ("york", 1), ("zurich", 1), ("georgia", 3)];
        let compiled = Gazetteer::new(phrases);
        let text = "In New York City, not York\nor Zurich; Georgia and Ukraine";
        assert_eq!(annotate(&g, text), annotate(&compiled, text));
        assert_eq!(g.len(), 6);
        assert_eq!(positions(&compiled, text, 1), [0, 1, 2, 3, 0, 0, 4, 0, 4, 0, 0, 0, 0]);
    }

    #[test]
    fn a_token_is_in_the_bucket_of_its_match_form() {
        for token in ["Jens", "J", "`s", "’s", "Élan", "éLAN", "NATO", "x", "Ω"] {
            let mut form = String::new();
            push_match_form(token, &mut form);
            assert_eq!(token_bucket(token), bucket(form.as_bytes()), "{token}");
        }
    }

    #[test]
    fn match_form_uses_the_runtime_tokenizer() {
        assert_eq!(match_form("Côte d’Ivoire"), "côte d'ivoire");
        assert_eq!(match_form("  Bosnia-Herzegovina "), "bosnia-herzegovina");
    }
}
