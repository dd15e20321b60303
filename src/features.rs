//! Feature extraction: for every token of a sentence, a fixed number of hashed feature keys.
//!
//! Each token is first described once ([`TokenInfo`]: hashes of its lower-cased and exact form,
//! affixes and word shape), then every template combines precomputed hashes, so no string is
//! built per token. A fixed count per token ([`FEATURES_PER_TOKEN`]) keeps the feature buffer a
//! flat array. The templates are the classic ones for English NER (Ratinov & Roth 2009; Stanford
//! NER): the word and its neighbours in a ±2 window, affixes, word shape and its context, and
//! sentence-level case, which tells a headline in capitals from ordinary prose, and the word's
//! Brown cluster at several granularities ([`crate::lexicon`]) for words unseen in training,
//! and its place in gazetteer matches ([`crate::gazetteer`]), conjoined with its letter case.

use crate::gazetteer::{CATEGORIES, Gazetteer, TokenMatches};
use crate::hash::{KeyHasher, TextHasher, feature_key};
use crate::lexicon::{Lexicon, Path, path_prefix};
use crate::normalize::typographic_to_ascii;
use crate::tags::{Tag, split, tag_count};
use crate::tokenize::Token;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// The feature-set version: stored in a model and checked on load, because a model is only
/// meaningful with the templates it was trained with. Bump it whenever a template changes.
pub const FEATURE_SET: u16 = 4;

/// Number of feature keys emitted per token by [`sentence_features`].
pub const FEATURES_PER_TOKEN: usize = 43;

/// Number of feature keys emitted per token by [`document_features`].
pub const DOC_FEATURES_PER_TOKEN: usize = 6;

// The gazetteer templates below are written out for five categories.
const _: () = assert!(CATEGORIES.len() == 5);

const MAX_AFFIX: usize = 4;
const MAX_SHAPE: usize = 8;

/// Precomputed hashes describing one token.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenInfo {
    lower: u64,
    exact: u64,
    prefixes: [u64; MAX_AFFIX],
    suffixes: [u64; MAX_AFFIX],
    shape: u64,
    case: Case,
    cluster: Path,
    gazetteer: TokenMatches,
}

/// The letter case of a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Case {
    /// No cased letter (digits, punctuation, CJK).
    #[default]
    None,
    Lower,
    Title,
    Upper,
    Mixed,
}

/// How a whole sentence is cased: headlines and bylines in capitals, or text typed in lower case,
/// make the capitalisation of a single word uninformative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SentenceCase {
    Normal,
    Upper,
    Lower,
}

const BOUNDARY_BEFORE: u64 = 0x5354_4152_545f_5f5f; // "START___"
const BOUNDARY_AFTER: u64 = 0x5f5f_5f5f_5f45_4e44; // "_____END"

impl TokenInfo {
    /// Describes the word `word`, with its cluster from `lexicon`.
    pub fn new(word: &str, lexicon: &Lexicon) -> TokenInfo {
        let mut lower = TextHasher::default();
        let mut exact = TextHasher::default();
        let mut prefixes = [0u64; MAX_AFFIX];
        let mut shape = TextHasher::default();
        let mut shape_len = 0;
        let mut last_class = 0u8;
        let (mut upper, mut lowers, mut first_upper) = (0usize, 0usize, false);
        for (n, c) in word.chars().map(typographic_to_ascii).enumerate() {
            exact.write_char(c);
            for lc in c.to_lowercase() {
                lower.write_char(lc);
            }
            if n < MAX_AFFIX {
                prefixes[n] = lower.finish();
            }
            if c.is_uppercase() {
                upper += 1;
                first_upper |= n == 0;
            } else if c.is_lowercase() {
                lowers += 1;
            }
            let class = shape_class(c);
            if class != last_class && shape_len < MAX_SHAPE {
                shape.write(&[class]);
                shape_len += 1;
                last_class = class;
            }
        }
        let lower = lower.finish();
        for prefix in prefixes.iter_mut().skip(word.chars().count()) {
            *prefix = lower;
        }
        let mut suffixes = [lower; MAX_AFFIX];
        for (k, (i, _)) in word.char_indices().rev().take(MAX_AFFIX).enumerate() {
            let mut h = TextHasher::default();
            for c in word[i..].chars().map(typographic_to_ascii).flat_map(char::to_lowercase) {
                h.write_char(c);
            }
            suffixes[k] = h.finish();
        }
        let case = match (upper, lowers) {
            (0, 0) => Case::None,
            (0, _) => Case::Lower,
            (_, 0) => Case::Upper,
            (1, _) if first_upper => Case::Title,
            _ => Case::Mixed,
        };
        let cluster = lexicon.path(lower);
        TokenInfo {
            lower,
            exact: exact.finish(),
            prefixes,
            suffixes,
            shape: shape.finish(),
            case,
            cluster,
            gazetteer: [0; CATEGORIES.len()],
        }
    }
}

/// The shape class of a character: `X` upper, `x` lower, `d` digit, ASCII punctuation as itself,
/// `a` for uncased letters (CJK), `o` for anything else.
fn shape_class(c: char) -> u8 {
    if c.is_uppercase() {
        b'X'
    } else if c.is_lowercase() {
        b'x'
    } else if c.is_ascii_digit() {
        b'd'
    } else if c.is_ascii_punctuation() {
        c as u8
    } else if c.is_alphanumeric() {
        b'a'
    } else {
        b'o'
    }
}

fn sentence_case(infos: &[TokenInfo]) -> SentenceCase {
    let cased = infos.iter().filter(|t| t.case != Case::None).count();
    let upper = infos.iter().filter(|t| t.case == Case::Upper).count();
    let lower = infos.iter().filter(|t| t.case == Case::Lower).count();
    if cased >= 3 && upper * 10 >= cased * 7 {
        SentenceCase::Upper
    } else if cased >= 3 && lower == cased {
        SentenceCase::Lower
    } else {
        SentenceCase::Normal
    }
}

/// Describes every token of `text` into `out` (cleared first), with its clusters from
/// `lexicon` and its name-list matches from `gazetteer`.
pub fn describe_tokens(
    text: &str,
    tokens: &[Token],
    lexicon: &Lexicon,
    gazetteer: &Gazetteer,
    out: &mut Vec<TokenInfo>,
) {
    out.clear();
    out.extend(tokens.iter().map(|t| TokenInfo::new(t.text(text), lexicon)));
    // A token's lower-cased hash is the hash of its match form: the gazetteer's key.
    let words: Vec<u64> = out.iter().map(|t| t.lower).collect();
    let mut matches = Vec::new();
    gazetteer.annotate(text, tokens, &words, &mut matches);
    for (info, m) in out.iter_mut().zip(matches) {
        info.gazetteer = m;
    }
}

/// Appends `FEATURES_PER_TOKEN` keys per token of the sentence `infos` to `out`.
pub fn sentence_features(infos: &[TokenInfo], out: &mut Vec<u32>) {
    let sentence = sentence_case(infos) as u64;
    let lower = |i: isize| -> u64 {
        if i < 0 { BOUNDARY_BEFORE } else { infos.get(i as usize).map_or(BOUNDARY_AFTER, |t| t.lower) }
    };
    let shape = |i: isize| -> u64 {
        if i < 0 { BOUNDARY_BEFORE } else { infos.get(i as usize).map_or(BOUNDARY_AFTER, |t| t.shape) }
    };
    let cluster = |i: isize, k: usize| -> u64 {
        if i < 0 {
            BOUNDARY_BEFORE
        } else {
            infos.get(i as usize).map_or(BOUNDARY_AFTER, |t| u64::from(path_prefix(t.cluster, k)))
        }
    };
    let signature = |i: isize| -> u64 {
        if i < 0 {
            BOUNDARY_BEFORE
        } else {
            infos
                .get(i as usize)
                .map_or(BOUNDARY_AFTER, |t| t.gazetteer.iter().fold(0, |acc, &p| acc * 5 + u64::from(p)))
        }
    };
    for (n, t) in infos.iter().enumerate() {
        let cased = u64::from(!matches!(t.case, Case::None | Case::Lower));
        let gaz = |c: usize| feature_key(36 + c as u32, &[u64::from(t.gazetteer[c]), cased]);
        let i = n as isize;
        let (w, s) = (t.lower, t.shape);
        let (wp, wn, sp, sn) = (lower(i - 1), lower(i + 1), shape(i - 1), shape(i + 1));
        let first = u64::from(n == 0);
        let keys: [u32; FEATURES_PER_TOKEN] = [
            feature_key(0, &[]),
            feature_key(1, &[w]),
            feature_key(2, &[t.exact]),
            feature_key(3, &[wp]),
            feature_key(4, &[wn]),
            feature_key(5, &[lower(i - 2)]),
            feature_key(6, &[lower(i + 2)]),
            feature_key(7, &[t.prefixes[0]]),
            feature_key(8, &[t.prefixes[1]]),
            feature_key(9, &[t.prefixes[2]]),
            feature_key(10, &[t.prefixes[3]]),
            feature_key(11, &[t.suffixes[0]]),
            feature_key(12, &[t.suffixes[1]]),
            feature_key(13, &[t.suffixes[2]]),
            feature_key(14, &[t.suffixes[3]]),
            feature_key(15, &[s]),
            feature_key(16, &[sp]),
            feature_key(17, &[sn]),
            feature_key(18, &[sp, s]),
            feature_key(19, &[s, sn]),
            feature_key(20, &[sp, s, sn]),
            feature_key(21, &[wp, w]),
            feature_key(22, &[w, wn]),
            feature_key(23, &[s, first]),
            feature_key(24, &[s, sentence]),
            feature_key(25, &[wp, s]),
            feature_key(26, &[s, wn]),
            feature_key(27, &[wp, wn]),
            feature_key(28, &[cluster(i, 4)]),
            feature_key(29, &[cluster(i, 6)]),
            feature_key(30, &[cluster(i, 10)]),
            feature_key(31, &[cluster(i, 32)]),
            feature_key(32, &[cluster(i - 1, 32)]),
            feature_key(33, &[cluster(i + 1, 32)]),
            feature_key(34, &[cluster(i - 1, 6)]),
            feature_key(35, &[cluster(i + 1, 6)]),
            gaz(0),
            gaz(1),
            gaz(2),
            gaz(3),
            gaz(4),
            feature_key(41, &[signature(i - 1)]),
            feature_key(42, &[signature(i + 1)]),
        ];
        out.extend_from_slice(&keys);
    }
}

/// Appends [`DOC_FEATURES_PER_TOKEN`] keys per token of a whole document, given the stage-1 tag
/// of every token (`n_types` entity types).
///
/// These are the non-local features of Ratinov & Roth (2009): the stage-1 tag of the token and
/// its neighbours, and what stage 1 said about the *other* mentions of the same word in the
/// document (their majority entity type, how many of them were inside an entity, their most
/// common tag), so that "Stoltenberg" alone, or typed in lower case, inherits "Jens
/// Stoltenberg"'s PER from elsewhere in the article.
pub fn document_features(infos: &[TokenInfo], tags: &[Tag], n_types: usize, out: &mut Vec<u32>) {
    let n_tags = tag_count(n_types);
    // Per distinct word (lower-cased), its row in `counts`: how often each tag was given to it.
    let mut rows: HashMap<u64, usize, BuildHasherDefault<KeyHasher>> = HashMap::default();
    let mut counts: Vec<u32> = Vec::new();
    let word_rows: Vec<usize> = infos
        .iter()
        .zip(tags)
        .map(|(info, &tag)| {
            let row = *rows.entry(info.lower).or_insert_with(|| {
                counts.resize(counts.len() + n_tags, 0);
                counts.len() / n_tags - 1
            });
            counts[row * n_tags + tag] += 1;
            row
        })
        .collect();
    let tag_at = |i: isize| -> u64 {
        if i < 0 { BOUNDARY_BEFORE } else { tags.get(i as usize).map_or(BOUNDARY_AFTER, |&t| t as u64) }
    };
    let mut per_type = vec![0u32; n_types];
    for (n, ((info, &tag), &row)) in infos.iter().zip(tags).zip(&word_rows).enumerate() {
        let per_tag = &counts[row * n_tags..(row + 1) * n_tags];
        let others = per_tag.iter().sum::<u32>() - 1;
        per_type.iter_mut().for_each(|c| *c = 0);
        let (mut in_entity, mut common_tag, mut common_count) = (0u32, 0usize, 0u32);
        for (t, &count) in per_tag.iter().enumerate().skip(1) {
            let count = count - u32::from(t == tag);
            if let Some((ty, _)) = split(t) {
                per_type[ty] += count;
                in_entity += count;
            }
            if count > common_count {
                (common_tag, common_count) = (t, count);
            }
        }
        let majority = match per_type.iter().enumerate().max_by_key(|&(_, c)| *c) {
            Some((ty, &c)) if c > 0 => ty as u64 + 1,
            _ => 0,
        };
        let share = match (others, in_entity) {
            (0, _) => 0,
            (_, 0) => 1,
            (o, e) if e * 2 < o => 2,
            (o, e) if e < o => 3,
            _ => 4,
        };
        let i = n as isize;
        let case = info.case as u64;
        out.extend_from_slice(&[
            feature_key(43, &[tag as u64]),
            feature_key(44, &[tag_at(i - 1), tag as u64]),
            feature_key(45, &[tag as u64, tag_at(i + 1)]),
            feature_key(46, &[majority, share]),
            feature_key(47, &[common_tag as u64, case]),
            feature_key(48, &[majority, share, case]),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(word: &str) -> TokenInfo {
        TokenInfo::new(word, &Lexicon::default())
    }

    #[test]
    fn clusters_are_looked_up_case_insensitively() {
        let lex = Lexicon::new([("bucharest", 0b1_0110_0101)]);
        assert_eq!(TokenInfo::new("BUCHAREST", &lex).cluster, 0b1_0110_0101);
        assert_eq!(TokenInfo::new("Bucharest", &lex).cluster, 0b1_0110_0101);
        assert_eq!(TokenInfo::new("Kyiv", &lex).cluster, 0);
    }

    #[test]
    fn case_insensitive_word_features_agree() {
        let a = TokenInfo::new("Stoltenberg", &Lexicon::default());
        let b = TokenInfo::new("stoltenberg", &Lexicon::default());
        assert_eq!(a.lower, b.lower);
        assert_ne!(a.exact, b.exact);
        assert_ne!(a.shape, b.shape);
        assert_eq!(a.suffixes, b.suffixes);
        assert_eq!(a.case, Case::Title);
        assert_eq!(b.case, Case::Lower);
    }

    #[test]
    fn typographic_quotes_get_ascii_features() {
        assert_eq!(info("’s").exact, info("'s").exact);
        assert_eq!(info("“").shape, info("\"").shape);
        assert_eq!(info("–").lower, info("-").lower);
    }

    #[test]
    fn shape_collapses_runs() {
        assert_eq!(info("NATO").shape, info("UN").shape);
        assert_eq!(info("1,000").shape, info("12,5").shape);
        assert_ne!(info("U.S.").shape, info("US").shape);
    }

    #[test]
    fn short_words_fill_every_affix_slot() {
        let t = info("Zoë");
        assert_eq!(t.prefixes[2], t.lower);
        assert_eq!(t.prefixes[3], t.lower);
        assert_eq!(t.suffixes[3], t.lower);
    }

    #[test]
    fn one_row_of_keys_per_token() {
        let infos: Vec<TokenInfo> = ["NATO", "met", "in", "Bucharest"].map(info).to_vec();
        let mut keys = Vec::new();
        sentence_features(&infos, &mut keys);
        assert_eq!(keys.len(), 4 * FEATURES_PER_TOKEN);
        assert_ne!(keys[..FEATURES_PER_TOKEN], keys[FEATURES_PER_TOKEN..2 * FEATURES_PER_TOKEN]);
    }

    #[test]
    fn other_mentions_of_a_word_share_their_stage_one_type() {
        use crate::tags::{Position, tag};
        let infos: Vec<TokenInfo> = ["Jens", "Stoltenberg", "said", "stoltenberg", "left"].map(info).to_vec();
        let b_per = tag(0, Position::Begin);
        let l_per = tag(0, Position::Last);
        let tags = [b_per, l_per, 0, 0, 0];
        let mut keys = Vec::new();
        document_features(&infos, &tags, 4, &mut keys);
        assert_eq!(keys.len(), 5 * DOC_FEATURES_PER_TOKEN);
        let majority_share = |n: usize| keys[n * DOC_FEATURES_PER_TOKEN + 3];
        // The lower-case mention sees the other mention, tagged PER: majority type 1, share 4.
        assert_eq!(majority_share(3), feature_key(46, &[1, 4]));
        // "said" has no other mention.
        assert_eq!(majority_share(2), feature_key(46, &[0, 0]));
    }

    #[test]
    fn headline_in_capitals_is_detected() {
        let infos: Vec<TokenInfo> = ["NATO", "CHIEF", "WARNS", "RUSSIA"].map(info).to_vec();
        assert_eq!(sentence_case(&infos), SentenceCase::Upper);
        let infos: Vec<TokenInfo> = ["nato", "chief", "warns", "russia"].map(info).to_vec();
        assert_eq!(sentence_case(&infos), SentenceCase::Lower);
    }
}
