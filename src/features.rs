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
use crate::hash::{TextHasher, feature_key, mix};
use crate::lexicon::{CasePrior, Lexicon, LowerKey, Path, path_prefix};
use crate::normalize::typographic_to_ascii;
use crate::tags::{Position, Tag, split, tag_count};
use crate::tokenize::Token;

/// The feature-set version: stored in a model and checked on load, because a model is only
/// meaningful with the templates it was trained with. Bump it whenever a template changes.
pub const FEATURE_SET: u16 = 7;

/// Number of feature keys emitted per token by [`sentence_features`].
pub const FEATURES_PER_TOKEN: usize = 51;

/// Number of feature keys emitted per token by [`document_features`].
pub const DOC_FEATURES_PER_TOKEN: usize = 12;

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
    flat: u16,
    prior: CasePrior,
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
    /// The hash of the word's lower-cased form, which is also its name-list match form.
    pub fn lower(&self) -> u64 {
        self.lower
    }

    /// Describes the word `word`, with its cluster from `lexicon`.
    pub fn new(word: &str, lexicon: &Lexicon) -> TokenInfo {
        let mut lower = LowerKey::default();
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
                prefixes[n] = lower.hash();
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
        let classes = lexicon.classes(&lower);
        let lower = lower.hash();
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
        TokenInfo {
            lower,
            exact: exact.finish(),
            prefixes,
            suffixes,
            shape: shape.finish(),
            case,
            cluster: classes.path(),
            flat: classes.flat(),
            prior: classes.case_prior(),
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
    let firsts: Vec<u8> =
        tokens.iter().zip(out.iter()).map(|(t, info)| gazetteer.first_step(t.text(text), info.lower)).collect();
    mark_name_lists(text, tokens, gazetteer, &firsts, out);
}

/// Fills in each token's name-list matches from `gazetteer` (`infos` has one entry per token),
/// given each token's [`Gazetteer::first_step`] (`firsts`).
pub fn mark_name_lists(text: &str, tokens: &[Token], gazetteer: &Gazetteer, firsts: &[u8], infos: &mut [TokenInfo]) {
    // A token's lower-cased hash is the hash of its match form: the gazetteer's key.
    let words: Vec<u64> = infos.iter().map(|t| t.lower).collect();
    let mut matches = Vec::new();
    gazetteer.annotate(text, tokens, &words, firsts, &mut matches);
    for (info, m) in infos.iter_mut().zip(matches) {
        info.gazetteer = m;
    }
}

/// A place in a sentence as the templates see it: a word, or the boundary before the first word
/// or after the last one.
#[derive(Clone, Copy, Debug)]
pub enum Slot<'a> {
    /// A word of the sentence.
    Word(&'a TokenInfo),
    /// Before the first word.
    Start,
    /// After the last word.
    End,
}

impl Slot<'_> {
    /// The slot `i` of the sentence `infos` (negative or past the end: a boundary).
    fn at(infos: &[TokenInfo], i: isize) -> Slot<'_> {
        match usize::try_from(i) {
            Err(_) => Slot::Start,
            Ok(i) => infos.get(i).map_or(Slot::End, Slot::Word),
        }
    }

    fn part(self, of_word: impl Fn(&TokenInfo) -> u64) -> u64 {
        match self {
            Slot::Word(t) => of_word(t),
            Slot::Start => BOUNDARY_BEFORE,
            Slot::End => BOUNDARY_AFTER,
        }
    }

    fn lower(self) -> u64 {
        self.part(|t| t.lower)
    }

    fn shape(self) -> u64 {
        self.part(|t| t.shape)
    }

    fn cluster(self, k: usize) -> u64 {
        self.part(|t| u64::from(path_prefix(t.cluster, k)))
    }

    fn flat(self) -> u64 {
        self.part(|t| u64::from(t.flat))
    }

    fn prior(self) -> u64 {
        self.part(|t| u64::from(t.prior))
    }

    fn signature(self) -> u64 {
        self.part(|t| t.gazetteer.iter().fold(0, |acc, &p| acc * 5 + u64::from(p)))
    }
}

/// Where a word stands relative to the token whose features it feeds. Most templates look at
/// one word only (the token itself, or one neighbour): their keys depend on that word and its
/// role alone, so serving can add up their weights once per distinct word
/// ([`crate::word_cache`]) instead of once per token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The token itself.
    Own,
    /// The word just before the token.
    Previous,
    /// The word two before the token.
    SecondPrevious,
    /// The word just after the token.
    Next,
    /// The word two after the token.
    SecondNext,
}

impl Role {
    /// Every role, in the order [`sentence_features`] emits them.
    pub const ALL: [Role; 5] = [Role::Own, Role::Previous, Role::SecondPrevious, Role::Next, Role::SecondNext];

    /// The word's position minus the scored token's position.
    pub fn offset(self) -> isize {
        match self {
            Role::Own => 0,
            Role::Previous => -1,
            Role::SecondPrevious => -2,
            Role::Next => 1,
            Role::SecondNext => 2,
        }
    }
}

/// Number of keys per token from the one-word templates (all roles together).
pub const WORD_FEATURES_PER_TOKEN: usize = 33;

const _: () = assert!(
    WORD_FEATURES_PER_TOKEN + PAIR_FEATURES_PER_TOKEN + ShapeContext::FEATURES + ListContext::FEATURES
        == FEATURES_PER_TOKEN
);

/// Appends the keys of the one-word templates that the word in `slot` gives a token it stands
/// in `role` to. A boundary is never a scored token: `Role::Own` of a boundary has no keys.
pub fn word_features(slot: Slot<'_>, role: Role, out: &mut Vec<u32>) {
    let neighbour = |lower: u32, shape: u32, fine: u32, coarse: u32, flat: u32, prior: u32| {
        [
            feature_key(lower, &[slot.lower()]),
            feature_key(shape, &[slot.shape()]),
            feature_key(fine, &[slot.cluster(32)]),
            feature_key(coarse, &[slot.cluster(6)]),
            feature_key(flat, &[slot.flat()]),
            feature_key(prior, &[slot.prior(), slot.part(|t| t.case as u64)]),
        ]
    };
    match (role, slot) {
        (Role::Own, Slot::Word(t)) => out.extend_from_slice(&[
            feature_key(0, &[]),
            feature_key(1, &[t.lower]),
            feature_key(2, &[t.exact]),
            feature_key(7, &[t.prefixes[0]]),
            feature_key(8, &[t.prefixes[1]]),
            feature_key(9, &[t.prefixes[2]]),
            feature_key(10, &[t.prefixes[3]]),
            feature_key(11, &[t.suffixes[0]]),
            feature_key(12, &[t.suffixes[1]]),
            feature_key(13, &[t.suffixes[2]]),
            feature_key(14, &[t.suffixes[3]]),
            feature_key(15, &[t.shape]),
            feature_key(28, &[slot.cluster(4)]),
            feature_key(29, &[slot.cluster(6)]),
            feature_key(30, &[slot.cluster(10)]),
            feature_key(31, &[slot.cluster(32)]),
            feature_key(43, &[slot.flat()]),
            feature_key(46, &[slot.prior()]),
            feature_key(47, &[slot.prior(), t.case as u64]),
        ]),
        (Role::Own, Slot::Start | Slot::End) => {}
        (Role::Previous, _) => out.extend_from_slice(&neighbour(3, 16, 32, 34, 44, 48)),
        (Role::Next, _) => out.extend_from_slice(&neighbour(4, 17, 33, 35, 45, 49)),
        (Role::SecondPrevious, _) => out.push(feature_key(5, &[slot.lower()])),
        (Role::SecondNext, _) => out.push(feature_key(6, &[slot.lower()])),
    }
}

/// The inputs of a token's shape templates: its shape, its neighbours', whether it starts the
/// sentence, and how the sentence is cased. Few distinct values occur, so serving caches the
/// summed weights per value ([`crate::context_cache`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShapeContext {
    before: u64,
    shape: u64,
    after: u64,
    first: bool,
    sentence: u8,
    prior: CasePrior,
}

/// The inputs of a group of templates whose keys depend on a small value alone, not on the
/// words: what [`crate::context_cache::ContextCache`] keeps the summed weights of.
pub trait Context: Copy + Default + Eq {
    /// Number of keys from [`Context::features`].
    const FEATURES: usize;

    /// A hash of every field, for cache slots.
    fn hash(&self) -> u64;

    /// Appends the group's keys.
    fn features(&self, out: &mut Vec<u32>);
}

impl Context for ShapeContext {
    const FEATURES: usize = 6;

    fn hash(&self) -> u64 {
        let tail = u64::from(self.first) | u64::from(self.sentence) << 1 | u64::from(self.prior) << 8;
        mix(mix(mix(mix(self.before ^ 0x0053_4841_5045) ^ self.shape) ^ self.after) ^ tail)
    }

    fn features(&self, out: &mut Vec<u32>) {
        let (sp, s, sn) = (self.before, self.shape, self.after);
        out.extend_from_slice(&[
            feature_key(18, &[sp, s]),
            feature_key(19, &[s, sn]),
            feature_key(20, &[sp, s, sn]),
            feature_key(23, &[s, u64::from(self.first)]),
            feature_key(24, &[s, u64::from(self.sentence)]),
            feature_key(50, &[u64::from(self.prior), s, u64::from(self.first), u64::from(self.sentence)]),
        ]);
    }
}

/// The inputs of a token's name-list templates: its place in each list's matches, whether it
/// is capitalised, and its neighbours' matches. Most tokens match nothing, so serving caches
/// the summed weights per value ([`crate::context_cache`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListContext {
    matches: TokenMatches,
    cased: bool,
    before: u64,
    after: u64,
}

impl Context for ListContext {
    const FEATURES: usize = 7;

    fn hash(&self) -> u64 {
        let own = self.matches.iter().fold(u64::from(self.cased), |acc, &p| acc << 8 | u64::from(p));
        mix(mix(mix(own ^ 0x4c49_5354) ^ self.before) ^ self.after)
    }

    fn features(&self, out: &mut Vec<u32>) {
        let cased = u64::from(self.cased);
        let list = |c: usize| feature_key(36 + c as u32, &[u64::from(self.matches[c]), cased]);
        out.extend_from_slice(&[
            list(0),
            list(1),
            list(2),
            list(3),
            list(4),
            feature_key(41, &[self.before]),
            feature_key(42, &[self.after]),
        ]);
    }
}

/// Number of keys per token from the templates that pair words ([`context_features`]).
pub const PAIR_FEATURES_PER_TOKEN: usize = 5;

/// What a token's context templates read, for every token of the sentence `infos`: the keys of
/// its word-pair templates (appended to `pairs`, [`PAIR_FEATURES_PER_TOKEN`] per token), and its
/// shape and name-list contexts (appended to `shapes` and `lists`).
pub fn context_features(
    infos: &[TokenInfo],
    pairs: &mut Vec<u32>,
    shapes: &mut Vec<ShapeContext>,
    lists: &mut Vec<ListContext>,
) {
    let sentence = sentence_case(infos) as u8;
    for (n, t) in infos.iter().enumerate() {
        let i = n as isize;
        let (before, after) = (Slot::at(infos, i - 1), Slot::at(infos, i + 1));
        let (w, s) = (t.lower, t.shape);
        let (wp, wn) = (before.lower(), after.lower());
        pairs.extend_from_slice(&[
            feature_key(21, &[wp, w]),
            feature_key(22, &[w, wn]),
            feature_key(25, &[wp, s]),
            feature_key(26, &[s, wn]),
            feature_key(27, &[wp, wn]),
        ]);
        shapes.push(ShapeContext {
            before: before.shape(),
            shape: s,
            after: after.shape(),
            first: n == 0,
            sentence,
            prior: t.prior,
        });
        lists.push(ListContext {
            matches: t.gazetteer,
            cased: !matches!(t.case, Case::None | Case::Lower),
            before: before.signature(),
            after: after.signature(),
        });
    }
}

/// The template number of each key of a token in the order serving groups them (each role's
/// [`word_features`], then [`context_features`]). The templates are numbered in the order
/// [`sentence_features`] emits them, which training reads: its floating-point sums follow that
/// order, so a retrained model does not depend on how serving groups the keys.
const GROUPED_TEMPLATES: [u8; FEATURES_PER_TOKEN] = [
    0, 1, 2, 7, 8, 9, 10, 11, 12, 13, 14, 15, 28, 29, 30, 31, 43, 46, 47, // own
    3, 16, 32, 34, 44, 48, // previous
    5,  // second previous
    4, 17, 33, 35, 45, 49, // next
    6,  // second next
    21, 22, 25, 26, 27, // word pairs
    18, 19, 20, 23, 24, 50, // shape context
    36, 37, 38, 39, 40, 41, 42, // name-list context
];

/// Appends `FEATURES_PER_TOKEN` keys per token of the sentence `infos` to `out`, in template
/// order: the one-word keys of every role and the context keys together. Training reads these;
/// serving adds the same weights in two parts (see [`Role`]).
pub fn sentence_features(infos: &[TokenInfo], out: &mut Vec<u32>) {
    let (mut pairs, mut shapes, mut lists) = (Vec::new(), Vec::new(), Vec::new());
    context_features(infos, &mut pairs, &mut shapes, &mut lists);
    let mut grouped = Vec::with_capacity(FEATURES_PER_TOKEN);
    for (n, pairs) in pairs.chunks_exact(PAIR_FEATURES_PER_TOKEN).enumerate() {
        grouped.clear();
        for role in Role::ALL {
            word_features(Slot::at(infos, n as isize + role.offset()), role, &mut grouped);
        }
        grouped.extend_from_slice(pairs);
        shapes[n].features(&mut grouped);
        lists[n].features(&mut grouped);
        let base = out.len();
        out.resize(base + FEATURES_PER_TOKEN, 0);
        for (&key, &template) in grouped.iter().zip(&GROUPED_TEMPLATES) {
            out[base + usize::from(template)] = key;
        }
    }
}

/// Appends [`DOC_FEATURES_PER_TOKEN`] keys per token of a whole document, given the stage-1 tag
/// of every token (`n_types` entity types).
///
/// These are the non-local features of Ratinov & Roth (2009): the stage-1 tag of the token and
/// its neighbours, and what stage 1 said about the *other* mentions of the same word in the
/// document (their majority entity type, how many of them were inside an entity, their most
/// common tag, whether some other multi-word mention contains it), so that "Stoltenberg"
/// alone, or typed in lower case, inherits "Jens Stoltenberg"'s PER from elsewhere in the
/// article; the word's case prior joins the majority and elsewhere keys, because how far to
/// trust the rest of the document depends on whether the word is usually a name.
pub fn document_features(infos: &[TokenInfo], tags: &[Tag], n_types: usize, out: &mut Vec<u32>) {
    let mut contexts = Vec::with_capacity(infos.len());
    document_contexts(infos, tags, n_types, &mut contexts);
    for context in &contexts {
        context.features(out);
    }
}

/// What the document-level templates read, for every token of a whole document (see
/// [`document_features`]): few distinct values occur, so serving caches the summed weights per
/// value ([`crate::context_cache`]). Kept in 16 bytes, each value in the narrowest integer
/// that holds it (tags in a `u16`: a model has at most 255 types, 1,021 tags), so that the cache
/// hashes, compares and stores a sixth of what ten `u64`s took; the keys are made from the same
/// `u64` values as ever.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DocumentContext {
    /// The token's stage-1 tag, its neighbours' ([`tag_code`]: a boundary past either end), and
    /// the most common tag of the word's other mentions.
    tag: u16,
    before: u16,
    after: u16,
    common_tag: u16,
    /// The majority type (plus one; 0 for none) of the other mentions, and of those inside a
    /// multi-word entity.
    majority: u16,
    within: u16,
    share: u8,
    case: u8,
    elsewhere: u8,
    prior: u8,
}

/// The code of the boundary before the first token in [`DocumentContext`]'s tag fields.
const BEFORE_CODE: u16 = u16::MAX - 1;
/// The code of the boundary after the last token.
const AFTER_CODE: u16 = u16::MAX;

/// The code of the tag of token `i` of a document tagged `tags`: the tag itself, or the code of
/// the boundary for a position before or after the document.
fn tag_code(tags: &[Tag], i: isize) -> u16 {
    if i < 0 { BEFORE_CODE } else { tags.get(i as usize).map_or(AFTER_CODE, |&t| t as u16) }
}

/// The value a tag code stands for in the keys: the tag, or the boundary's hash.
fn tag_value(code: u16) -> u64 {
    match code {
        BEFORE_CODE => BOUNDARY_BEFORE,
        AFTER_CODE => BOUNDARY_AFTER,
        tag => u64::from(tag),
    }
}

impl Context for DocumentContext {
    const FEATURES: usize = DOC_FEATURES_PER_TOKEN;

    fn hash(&self) -> u64 {
        let tags = u64::from(self.tag)
            | u64::from(self.before) << 16
            | u64::from(self.after) << 32
            | u64::from(self.common_tag) << 48;
        let rest = u64::from(self.majority)
            | u64::from(self.within) << 16
            | u64::from(self.share) << 32
            | u64::from(self.case) << 40
            | u64::from(self.elsewhere) << 48
            | u64::from(self.prior) << 56;
        mix(mix(tags ^ 0x0044_4f43) ^ rest)
    }

    fn features(&self, out: &mut Vec<u32>) {
        let (tag, majority, share, case) =
            (tag_value(self.tag), u64::from(self.majority), u64::from(self.share), u64::from(self.case));
        let (before, after, common_tag) = (tag_value(self.before), tag_value(self.after), u64::from(self.common_tag));
        let (elsewhere, within, prior) = (u64::from(self.elsewhere), u64::from(self.within), u64::from(self.prior));
        // Numbered after the sentence templates.
        let template = |k: usize| (FEATURES_PER_TOKEN + k) as u32;
        out.extend_from_slice(&[
            feature_key(template(0), &[tag]),
            feature_key(template(1), &[before, tag]),
            feature_key(template(2), &[tag, after]),
            feature_key(template(3), &[majority, share]),
            feature_key(template(4), &[common_tag, case]),
            feature_key(template(5), &[majority, share, case]),
            feature_key(template(6), &[elsewhere, case]),
            feature_key(template(7), &[elsewhere, majority]),
            feature_key(template(8), &[within, majority]),
            feature_key(template(9), &[within, case, tag]),
            feature_key(template(10), &[majority, prior, case]),
            feature_key(template(11), &[elsewhere, prior]),
        ]);
    }
}

/// Appends the [`DocumentContext`] of every token of a whole document to `out`, given the
/// stage-1 tag of every token (`n_types` entity types).
pub fn document_contexts(infos: &[TokenInfo], tags: &[Tag], n_types: usize, out: &mut Vec<DocumentContext>) {
    let n_tags = tag_count(n_types);
    let words = DocumentWords::count(infos, tags, n_tags);
    let mut tally = MentionTally::new(n_types);
    // Per distinct word, the tally of its other mentions for the last tag it was seen with: the
    // mentions of a word mostly share their tag, so most tokens reuse it.
    let mut last: Vec<Option<(Tag, OtherMentions)>> = vec![None; words.cases.len()];
    for (n, ((info, &tag), &row)) in infos.iter().zip(tags).zip(&words.rows).enumerate() {
        let others = match last[row] {
            Some((seen, others)) if seen == tag => others,
            _ => {
                let others = tally.others(&words.counts[row * n_tags..(row + 1) * n_tags], tag);
                last[row] = Some((tag, others));
                others
            }
        };
        let [lower, capitalised] = writing(infos, n);
        let cases = words.cases[row];
        let elsewhere = u8::from(cases[0] > lower) | u8::from(cases[1] > capitalised) << 1;
        let i = n as isize;
        out.push(DocumentContext {
            tag: tag as u16,
            before: tag_code(tags, i - 1),
            after: tag_code(tags, i + 1),
            majority: others.majority,
            share: others.share,
            common_tag: others.common_tag as u16,
            case: info.case as u8,
            elsewhere,
            within: others.within,
            prior: info.prior,
        });
    }
}

/// Whether token `n` is written in lower case, and whether it is capitalised after a word:
/// what [`DocumentContext::elsewhere`] counts over a word's other mentions.
fn writing(infos: &[TokenInfo], n: usize) -> [u32; 2] {
    let after_word = n > 0 && infos[n - 1].case != Case::None;
    let case = infos[n].case;
    [u32::from(case == Case::Lower), u32::from(after_word && matches!(case, Case::Title | Case::Mixed))]
}

/// The distinct words of a document (lower-cased) and what stage 1 and the text say about
/// each: how often it got each tag, and how it is written.
struct DocumentWords {
    /// Per token, its word's row.
    rows: Vec<usize>,
    /// Per row, `n_tags` counts: how often the word got each tag.
    counts: Vec<u32>,
    /// Per row, how often the word is written in lower case, and capitalised after a word.
    cases: Vec<[u32; 2]>,
}

impl DocumentWords {
    /// Counts the words of `infos` given their tags, with an open-addressing table of rows
    /// keyed by each word's lower-case hash (at most half full).
    fn count(infos: &[TokenInfo], tags: &[Tag], n_tags: usize) -> DocumentWords {
        const EMPTY: usize = usize::MAX;
        let bits = (2 * infos.len()).max(2).next_power_of_two().trailing_zeros();
        let mask = (1usize << bits) - 1;
        let mut table = vec![EMPTY; 1 << bits];
        let mut keys: Vec<u64> = Vec::new();
        let mut words = DocumentWords { rows: Vec::with_capacity(infos.len()), counts: Vec::new(), cases: Vec::new() };
        for (n, (info, &tag)) in infos.iter().zip(tags).enumerate() {
            let key = info.lower;
            let mut slot = ((key ^ key >> 32).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize;
            let row = loop {
                match table[slot] {
                    EMPTY => {
                        table[slot] = keys.len();
                        keys.push(key);
                        words.counts.resize(words.counts.len() + n_tags, 0);
                        words.cases.push([0; 2]);
                        break keys.len() - 1;
                    }
                    row if keys[row] == key => break row,
                    _ => slot = (slot + 1) & mask,
                }
            };
            words.counts[row * n_tags + tag] += 1;
            let [lower, capitalised] = writing(infos, n);
            words.cases[row][0] += lower;
            words.cases[row][1] += capitalised;
            words.rows.push(row);
        }
        words
    }
}

/// What stage 1 said about a token's *other* mentions: the values of [`DocumentContext`]'s
/// `majority`, `share`, `common_tag` and `within`.
#[derive(Clone, Copy, Debug)]
struct OtherMentions {
    majority: u16,
    share: u8,
    common_tag: Tag,
    within: u16,
}

/// Buffers for [`MentionTally::others`]: counts per entity type.
struct MentionTally {
    per_type: Vec<u32>,
    within_type: Vec<u32>,
}

impl MentionTally {
    fn new(n_types: usize) -> MentionTally {
        MentionTally { per_type: vec![0; n_types], within_type: vec![0; n_types] }
    }

    /// The other mentions of a word whose mentions got the tags counted in `per_tag`, for a
    /// mention tagged `tag` (itself left out).
    fn others(&mut self, per_tag: &[u32], tag: Tag) -> OtherMentions {
        let others = per_tag.iter().sum::<u32>() - 1;
        if others == 0 {
            return OtherMentions { majority: 0, share: 0, common_tag: 0, within: 0 };
        }
        let MentionTally { per_type, within_type } = self;
        per_type.fill(0);
        within_type.fill(0);
        let (mut in_entity, mut common_tag, mut common_count) = (0u32, 0usize, 0u32);
        for (t, &count) in per_tag.iter().enumerate().skip(1) {
            let count = count - u32::from(t == tag);
            if let Some((ty, position)) = split(t) {
                per_type[ty] += count;
                in_entity += count;
                if position != Position::Unit {
                    within_type[ty] += count;
                }
            }
            if count > common_count {
                (common_tag, common_count) = (t, count);
            }
        }
        let majority_of = |counts: &[u32]| match counts.iter().enumerate().max_by_key(|&(_, c)| *c) {
            Some((ty, &c)) if c > 0 => ty as u16 + 1,
            _ => 0,
        };
        let share = match (others, in_entity) {
            (_, 0) => 1,
            (o, e) if e * 2 < o => 2,
            (o, e) if e < o => 3,
            _ => 4,
        };
        OtherMentions { majority: majority_of(per_type), share, common_tag, within: majority_of(within_type) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lexicon::Classes;

    fn info(word: &str) -> TokenInfo {
        TokenInfo::new(word, &Lexicon::default())
    }

    #[test]
    fn clusters_are_looked_up_case_insensitively() {
        let lex = Lexicon::new([("bucharest", Classes::new(0b1_0110_0101, 3))]);
        assert_eq!(TokenInfo::new("BUCHAREST", &lex).cluster, 0b1_0110_0101);
        assert_eq!(TokenInfo::new("BUCHAREST", &lex).flat, 3);
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
    fn every_template_has_one_place_in_the_grouped_order() {
        let mut templates = GROUPED_TEMPLATES.to_vec();
        templates.sort_unstable();
        assert!(templates.iter().copied().eq(0..FEATURES_PER_TOKEN as u8));
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
        use crate::tags::tag;
        let infos: Vec<TokenInfo> = ["Jens", "Stoltenberg", "said", "stoltenberg", "left"].map(info).to_vec();
        let b_per = tag(0, Position::Begin);
        let l_per = tag(0, Position::Last);
        let tags = [b_per, l_per, 0, 0, 0];
        let mut keys = Vec::new();
        document_features(&infos, &tags, 4, &mut keys);
        assert_eq!(keys.len(), 5 * DOC_FEATURES_PER_TOKEN);
        let majority_share = |n: usize| keys[n * DOC_FEATURES_PER_TOKEN + 3];
        let template = (FEATURES_PER_TOKEN + 3) as u32;
        // The lower-case mention sees the other mention, tagged PER: majority type 1, share 4.
        assert_eq!(majority_share(3), feature_key(template, &[1, 4]));
        // "said" has no other mention.
        assert_eq!(majority_share(2), feature_key(template, &[0, 0]));
    }

    #[test]
    fn other_mentions_tell_how_a_word_is_written_elsewhere() {
        // "Bank" opens a sentence; elsewhere "bank" is lower case, and "Fed" is capitalised
        // after a word.
        let words = ["Bank", "rates", ".", "The", "bank", "said", "Fed", "cut", ".", "Fed", "sources"];
        let infos: Vec<TokenInfo> = words.map(info).to_vec();
        let mut contexts = Vec::new();
        document_contexts(&infos, &[0; 11], 4, &mut contexts);
        let elsewhere: Vec<u8> = contexts.iter().map(|c| c.elsewhere).collect();
        // Bank: lower case elsewhere (1). bank: never elsewhere in lower case, and its other
        // mention opens a sentence (0). Fed after "said": the other Fed follows ".", not a word
        // (0). Fed after ".": capitalised after a word elsewhere (2).
        assert_eq!([elsewhere[0], elsewhere[4], elsewhere[6], elsewhere[9]], [1, 0, 0, 2]);
        assert_eq!(elsewhere[1], 0, "a word with no other mention");
    }

    /// The straightforward form of [`document_contexts`]: a hash map of rows, every tally
    /// counted afresh for every token.
    fn reference_document_contexts(infos: &[TokenInfo], tags: &[Tag], n_types: usize, out: &mut Vec<DocumentContext>) {
        let n_tags = tag_count(n_types);
        // Per distinct word (lower-cased), its row in `counts`: how often each tag was given to it.
        let mut rows: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
        let mut counts: Vec<u32> = Vec::new();
        // Per distinct word, how often it is written in lower case, and capitalised after a word.
        let mut cases: Vec<[u32; 2]> = Vec::new();
        let writing = |n: usize| -> [u32; 2] {
            let after_word = n > 0 && infos[n - 1].case != Case::None;
            let case = infos[n].case;
            [u32::from(case == Case::Lower), u32::from(after_word && matches!(case, Case::Title | Case::Mixed))]
        };
        let word_rows: Vec<usize> = infos
            .iter()
            .zip(tags)
            .enumerate()
            .map(|(n, (info, &tag))| {
                let row = *rows.entry(info.lower).or_insert_with(|| {
                    counts.resize(counts.len() + n_tags, 0);
                    cases.push([0; 2]);
                    cases.len() - 1
                });
                counts[row * n_tags + tag] += 1;
                let [lower, capitalised] = writing(n);
                cases[row][0] += lower;
                cases[row][1] += capitalised;
                row
            })
            .collect();
        let mut per_type = vec![0u32; n_types];
        let mut within_type = vec![0u32; n_types];
        for (n, ((info, &tag), &row)) in infos.iter().zip(tags).zip(&word_rows).enumerate() {
            let per_tag = &counts[row * n_tags..(row + 1) * n_tags];
            let others = per_tag.iter().sum::<u32>() - 1;
            per_type.iter_mut().for_each(|c| *c = 0);
            within_type.iter_mut().for_each(|c| *c = 0);
            let (mut in_entity, mut common_tag, mut common_count) = (0u32, 0usize, 0u32);
            for (t, &count) in per_tag.iter().enumerate().skip(1) {
                let count = count - u32::from(t == tag);
                if let Some((ty, position)) = split(t) {
                    per_type[ty] += count;
                    in_entity += count;
                    if position != Position::Unit {
                        within_type[ty] += count;
                    }
                }
                if count > common_count {
                    (common_tag, common_count) = (t, count);
                }
            }
            let majority_of = |counts: &[u32]| match counts.iter().enumerate().max_by_key(|&(_, c)| *c) {
                Some((ty, &c)) if c > 0 => ty as u16 + 1,
                _ => 0,
            };
            let (majority, within) = (majority_of(&per_type), majority_of(&within_type));
            let share = match (others, in_entity) {
                (0, _) => 0,
                (_, 0) => 1,
                (o, e) if e * 2 < o => 2,
                (o, e) if e < o => 3,
                _ => 4,
            };
            let [lower, capitalised] = writing(n);
            let elsewhere = u8::from(cases[row][0] > lower) | u8::from(cases[row][1] > capitalised) << 1;
            let i = n as isize;
            out.push(DocumentContext {
                tag: tag as u16,
                before: tag_code(tags, i - 1),
                after: tag_code(tags, i + 1),
                majority,
                share,
                common_tag: common_tag as u16,
                case: info.case as u8,
                elsewhere,
                within,
                prior: info.prior,
            });
        }
    }

    #[test]
    fn document_contexts_equal_the_straightforward_tally() {
        let words = ["Jens", "Stoltenberg", "stoltenberg", "NATO", "Nato", "the", "said", ".", "Bank", "bank", "Kyiv"];
        let mut rng = fastrand::Rng::with_seed(5);
        for case in 0..500 {
            let len = rng.usize(0..40);
            let infos: Vec<TokenInfo> = (0..len).map(|_| info(words[rng.usize(..words.len())])).collect();
            let n_types = rng.usize(1..=4);
            let tags: Vec<Tag> = (0..len).map(|_| rng.usize(..tag_count(n_types))).collect();
            let (mut got, mut want) = (Vec::new(), Vec::new());
            document_contexts(&infos, &tags, n_types, &mut got);
            reference_document_contexts(&infos, &tags, n_types, &mut want);
            assert_eq!(got, want, "case {case}");
        }
    }

    #[test]
    fn headline_in_capitals_is_detected() {
        let infos: Vec<TokenInfo> = ["NATO", "CHIEF", "WARNS", "RUSSIA"].map(info).to_vec();
        assert_eq!(sentence_case(&infos), SentenceCase::Upper);
        let infos: Vec<TokenInfo> = ["nato", "chief", "warns", "russia"].map(info).to_vec();
        assert_eq!(sentence_case(&infos), SentenceCase::Lower);
    }
}
