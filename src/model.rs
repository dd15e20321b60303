//! The model: its binary file format, and the serving form that scores tokens.
//!
//! A model is data. [`ModelData`] is what training produces; [`ModelData::to_bytes`] writes it
//! in the versioned format below and [`Model::from_bytes`] reads it back into the serving form,
//! validating every field first, so a wrong, truncated or corrupted file is a [`ModelError`],
//! never a panic.
//!
//! Format version 3, all integers little-endian:
//!
//! | field | type |
//! | --- | --- |
//! | magic | `b"NERLIGHT"` |
//! | format version | u16 |
//! | total length of the file in bytes | u32 |
//! | feature set ([`crate::features::FEATURE_SET`]) | u16 |
//! | name | u8 length + UTF-8 |
//! | entity types | u8 count, each u8 length + UTF-8 |
//! | temperature (confidence calibration) | f32 |
//! | weight scale | f32 |
//! | stages `s` (1 or 2) | u8 |
//! | per stage: transitions, start, end (tags = 1 + 4 × types) | i16 × (tags² + 2 × tags) |
//! | feature count `n`: the features with a weight in any stage | u32 |
//! | feature keys, strictly increasing, as LEB128 gaps from the previous key | varint × n |
//! | per stage: its weights per feature (0: none in this stage) | u8 × n |
//! | per stage: tag of each of its weights | u8 × total |
//! | per stage: each of its weights | i16 × total |
//! | word classes `c` (at most 65,536) | u32 |
//! | each distinct packed [`Classes`] of the words, strictly increasing | u32 × c |
//! | cluster words `w` | u32 |
//! | where each [bucket](crate::buckets) of words ends: words and bytes so far | (u32, u32) × 1,024 |
//! | each word's classes: an index into the list above | u16 × w |
//! | the words: lower-cased, each followed by `\n`, filed by bucket, sorted | u32 byte length + UTF-8 |
//! | gazetteer categories `g` ([`crate::gazetteer::CATEGORIES`]) | u8 |
//! | per category: its name | u8 length + UTF-8 |
//! | per category: where each bucket of its phrases ends, as for the words | (u32, u32) × 1,024 |
//! | per category: its phrases in match form, each followed by `\n`, filed by bucket, sorted | u32 byte length + UTF-8 |
//! | checksum of everything before: Adler-32 ([`checksum`]) | u32 |
//!
//! Stage 1 labels each sentence from its own features; stage 2, when present, labels it again
//! with document-level features computed from stage 1's labels of the whole text (see
//! [`crate::features::document_features`]).
//!
//! Columns rather than records: keys, counts, tags and weights each compress better among
//! their own kind (keys are hashes, so only their gaps compress), which is what the
//! gzip-served `.wasm` pays for. One key list serves every stage: most features have weights in
//! both, so their keys, the part that compresses least, are stored once (version 1 stored a
//! list per stage), and the loader has no lists to merge. Weights are quantised to i16 with one
//! scale; the loss is far below what changes a decision.
//!
//! Word lists are filed by [bucket](crate::buckets), with where each bucket ends, so that the
//! loader checks them and copies them, and each bucket is hashed into its table when a text
//! first needs it: version 2 stored the words grouped by cluster and hashed all 91,381 at load,
//! and found the name lists' buckets by reading every line.

use crate::buckets::{BUCKETS, BucketEnds, bucket};
use crate::decode::Transitions;
use crate::error::ModelError;
use crate::features::FEATURE_SET;
use crate::gazetteer::{CATEGORIES, Gazetteer};
use crate::lexicon::{Classes, Lexicon};
use crate::tags::{Label, tag_count};
use crate::weights::{FeatureWeights, StageColumns};

/// The first bytes of every nerlight model file.
pub const MAGIC: &[u8; 8] = b"NERLIGHT";
/// The format version this build reads and writes.
pub const FORMAT_VERSION: u16 = 3;

/// A trained model in its portable form: what training writes and a file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelData {
    /// A short name, shown by `version()`.
    pub name: String,
    /// Entity type names, in tag order (`PER`, `LOC`, `ORG`, `MISC`); types that are not a
    /// [`Label`] are predicted but not reported.
    pub types: Vec<String>,
    /// Divides scores before the softmax that turns them into confidences.
    pub temperature: f32,
    /// The labelling stages, in the order they run.
    pub stages: Vec<StageData>,
    /// Word clusters: `(lower-cased word, its clusters)`.
    pub clusters: Vec<(String, Classes)>,
    /// Gazetteer phrases: `(phrase in match form, category index)`.
    pub gazetteer: Vec<(String, u8)>,
}

/// The weights of one labelling stage, in portable form.
#[derive(Clone, Debug, PartialEq)]
pub struct StageData {
    /// Transition weights.
    pub transitions: Transitions,
    /// `(feature key, [(tag, weight)])`, keys strictly increasing, tags strictly increasing.
    pub features: Vec<(u32, Vec<(u8, f32)>)>,
}

/// A model in serving form.
#[derive(Debug)]
pub struct Model {
    name: String,
    types: Vec<String>,
    reported: Vec<Option<Label>>,
    temperature: f32,
    scale: f32,
    transitions: Vec<Transitions>,
    weights: FeatureWeights,
    lexicon: Lexicon,
    gazetteer: Gazetteer,
}

impl Model {
    /// Reads and validates a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(MAGIC.len(), "magic bytes").map_err(|_| ModelError::BadMagic)? != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let version = r.u16("format version")?;
        if version != FORMAT_VERSION {
            return Err(ModelError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
        }
        let total = r.u32("header")? as usize;
        if bytes.len() < total {
            return Err(ModelError::Truncated("model body"));
        }
        if bytes.len() > total {
            return Err(ModelError::TrailingBytes(bytes.len() - total));
        }
        if total < r.pos + 4 {
            return Err(ModelError::Invalid(format!("declared length {total} is too small")));
        }
        let stored = u32::from_le_bytes(bytes[total - 4..].try_into().expect("4 bytes"));
        let computed = checksum(&bytes[..total - 4]);
        if stored != computed {
            return Err(ModelError::ChecksumMismatch { stored, computed });
        }
        let mut r = Reader { bytes: &bytes[..total - 4], pos: r.pos };
        let feature_set = r.u16("header")?;
        if feature_set != FEATURE_SET {
            return Err(ModelError::FeatureSetMismatch { found: feature_set, supported: FEATURE_SET });
        }
        let name = r.string("name")?;
        let n_types = r.u8("entity types")? as usize;
        if n_types == 0 || n_types > 60 {
            return Err(ModelError::Invalid(format!("{n_types} entity types")));
        }
        let types = (0..n_types).map(|_| r.string("entity types")).collect::<Result<Vec<_>, _>>()?;
        let temperature = r.f32("header")?;
        let scale = r.f32("header")?;
        if !(temperature.is_finite() && temperature > 0.0 && scale.is_finite() && scale > 0.0) {
            return Err(ModelError::Invalid(format!("temperature {temperature} or scale {scale}")));
        }
        let n_tags = tag_count(n_types);
        let n_stages = r.u8("stages")? as usize;
        if !(1..=2).contains(&n_stages) {
            return Err(ModelError::Invalid(format!("{n_stages} stages")));
        }
        let transitions =
            (0..n_stages).map(|_| read_transitions(&mut r, n_tags, scale)).collect::<Result<Vec<_>, _>>()?;
        let n_features = r.u32("feature table")? as usize;
        let keys = read_keys(&mut r, n_features)?;
        let columns = (0..n_stages).map(|_| read_stage(&mut r, &keys, n_tags)).collect::<Result<Vec<_>, _>>()?;
        if let Some(key) = unweighted_key(&keys, &columns) {
            return Err(ModelError::Invalid(format!("feature {key:#010x} has no weights")));
        }
        let weights = FeatureWeights::new(&keys, &columns, n_tags);
        // The keys' memory serves the tables next: untouched memory costs a page fault a page.
        drop(keys);
        let lexicon = read_lexicon(&mut r)?;
        let gazetteer = read_gazetteer(&mut r)?;
        if r.pos != r.bytes.len() {
            return Err(ModelError::Invalid(format!("{} unread bytes before the checksum", r.bytes.len() - r.pos)));
        }
        let reported = types.iter().map(|t| Label::from_name(t)).collect();
        Ok(Model { name, types, reported, temperature, scale, transitions, weights, lexicon, gazetteer })
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The entity type names, in tag order.
    pub fn types(&self) -> &[String] {
        &self.types
    }

    /// The reported label of a type index, or `None` for a type that is predicted but not
    /// reported (such as `MISC`).
    pub fn reported_label(&self, type_index: usize) -> Option<Label> {
        self.reported.get(type_index).copied().flatten()
    }

    /// The number of tags.
    pub fn n_tags(&self) -> usize {
        tag_count(self.types.len())
    }

    /// The number of labelling stages (1 or 2).
    pub fn n_stages(&self) -> usize {
        self.transitions.len()
    }

    /// The transition weights of stage `s` (0-based).
    pub fn transitions(&self, s: usize) -> &Transitions {
        &self.transitions[s]
    }

    /// The feature weights of every stage, quantised: multiply sums by [`Model::scale`].
    pub fn weights(&self) -> &FeatureWeights {
        &self.weights
    }

    /// The factor that turns quantised weight sums into scores.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// The word clusters.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The name lists.
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// The confidence temperature.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }
}

impl ModelData {
    /// Writes the model in the current format version.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n_tags = tag_count(self.types.len());
        assert!(
            self.stages.iter().all(|st| st.transitions.n_tags() == n_tags),
            "transitions must match the entity types"
        );
        let max = self.stages.iter().flat_map(StageData::weights).fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / f32::from(i16::MAX) } else { 1.0 };

        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // total length, filled in below
        out.extend_from_slice(&FEATURE_SET.to_le_bytes());
        write_string(&mut out, &self.name);
        out.push(u8::try_from(self.types.len()).expect("at most 255 entity types"));
        for t in &self.types {
            write_string(&mut out, t);
        }
        out.extend_from_slice(&self.temperature.to_le_bytes());
        out.extend_from_slice(&scale.to_le_bytes());
        out.push(u8::try_from(self.stages.len()).expect("at most 255 stages"));
        for stage in &self.stages {
            stage.write_transitions(&mut out, scale);
        }
        write_features(&self.stages, &mut out, scale);
        self.write_lexicon(&mut out);
        self.write_gazetteer(&mut out);
        let total = u32::try_from(out.len() + 4).expect("model under 4 GiB");
        out[10..14].copy_from_slice(&total.to_le_bytes());
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }
}

/// A weight quantised to i16 with `scale`.
fn quantise(w: f32, scale: f32) -> [u8; 2] {
    ((w / scale).round() as i16).to_le_bytes()
}

impl StageData {
    /// Every weight, transitions first.
    fn weights(&self) -> impl Iterator<Item = f32> + '_ {
        let tr = &self.transitions;
        tr.pair
            .iter()
            .chain(&tr.start)
            .chain(&tr.end)
            .copied()
            .chain(self.features.iter().flat_map(|(_, row)| row.iter().map(|&(_, w)| w)))
    }

    fn write_transitions(&self, out: &mut Vec<u8>, scale: f32) {
        let tr = &self.transitions;
        for &w in tr.pair.iter().chain(&tr.start).chain(&tr.end) {
            out.extend_from_slice(&quantise(w, scale));
        }
    }

    /// Each feature's `(tag, quantised weight)` entries, those that quantise to 0 left out, and
    /// features left without entries left out.
    fn quantised_rows(&self, scale: f32) -> Vec<QuantisedRow> {
        self.features
            .iter()
            .map(|(k, row)| (*k, row.iter().map(|&(t, w)| (t, quantise(w, scale))).filter(|e| e.1 != [0, 0]).collect()))
            .filter(|(_, row): &(u32, Vec<_>)| !row.is_empty())
            .collect()
    }
}

/// A feature key and its `(tag, little-endian quantised weight)` entries in one stage.
type QuantisedRow = (u32, Vec<(u8, [u8; 2])>);

/// Writes the feature table: the keys with a weight in any stage, then each stage's columns
/// for them.
fn write_features(stages: &[StageData], out: &mut Vec<u8>, scale: f32) {
    let rows: Vec<Vec<QuantisedRow>> = stages.iter().map(|st| st.quantised_rows(scale)).collect();
    let mut keys: Vec<u32> = rows.iter().flatten().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    keys.dedup();
    out.extend_from_slice(&u32::try_from(keys.len()).expect("fewer than 2^32 features").to_le_bytes());
    let mut prev = 0u32;
    for &k in &keys {
        write_varint(out, k - prev);
        prev = k;
    }
    for stage in &rows {
        // Each key's entries in this stage, none where it has none.
        let by_key: Vec<&[(u8, [u8; 2])]> = keys
            .iter()
            .map(|k| stage.binary_search_by_key(k, |(key, _)| *key).map_or(&[][..], |i| stage[i].1.as_slice()))
            .collect();
        out.extend(by_key.iter().map(|row| row.len() as u8));
        out.extend(by_key.iter().flat_map(|row| row.iter().map(|&(t, _)| t)));
        out.extend(by_key.iter().flat_map(|row| row.iter().flat_map(|&(_, w)| w)));
    }
}

/// Reads one stage's transitions.
fn read_transitions(r: &mut Reader<'_>, n_tags: usize, scale: f32) -> Result<Transitions, ModelError> {
    let mut weights = |count: usize| -> Result<Vec<f32>, ModelError> {
        let raw = r.take(count * 2, "transitions")?;
        Ok(raw.chunks_exact(2).map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) * scale).collect())
    };
    let pair = weights(n_tags * n_tags)?;
    let start = weights(n_tags)?;
    let end = weights(n_tags)?;
    Ok(Transitions::new(n_tags, pair, start, end))
}

/// Reads one stage's feature-weight columns for `keys`, validated.
fn read_stage<'a>(r: &mut Reader<'a>, keys: &[u32], n_tags: usize) -> Result<StageColumns<'a>, ModelError> {
    let lens = r.take(keys.len(), "feature weight counts")?;
    let mut total_entries = 0;
    in_pieces(lens.chunks(PIECE), &mut |piece| total_entries += piece.iter().map(|&l| usize::from(l)).sum::<usize>());
    let tags = r.take(total_entries, "weight tags")?;
    let weights = r.take(total_entries * 2, "weights")?;
    check_rows(keys, lens, tags, n_tags)?;
    Ok(StageColumns { lens, tags, weights })
}

/// The first of `keys` with no weight in any stage, if any: a model file lists only features
/// that have one.
fn unweighted_key(keys: &[u32], stages: &[StageColumns]) -> Option<u32> {
    let mut first = None;
    in_pieces(piece_ranges(keys.len()), &mut |mut range| {
        first = first.or_else(|| range.find(|&i| stages.iter().all(|s| s.lens[i] == 0)));
    });
    first.map(|i| keys[i])
}

/// Reads `n` feature keys, stored as gaps: strictly increasing, within 32 bits.
fn read_keys(r: &mut Reader<'_>, n: usize) -> Result<Vec<u32>, ModelError> {
    // Every key takes a byte at least.
    if n > r.bytes.len() - r.pos {
        return Err(ModelError::Truncated("feature keys"));
    }
    let mut keys = vec![0u32; n];
    let (mut key, mut read) = (0u32, 0usize);
    try_in_pieces(keys.chunks_mut(PIECE), &mut |piece| {
        for k in piece {
            let gap = r.varint("feature keys")?;
            if read > 0 && gap == 0 {
                return Err(ModelError::Invalid(format!("feature keys out of order at {key:#010x}")));
            }
            key = key.checked_add(gap).ok_or_else(|| ModelError::Invalid("feature key beyond 32 bits".into()))?;
            *k = key;
            read += 1;
        }
        Ok(())
    })?;
    Ok(keys)
}

/// Checks each feature's run of weight tags in one stage: strictly increasing, each a tag.
fn check_rows(keys: &[u32], lens: &[u8], tags: &[u8], n_tags: usize) -> Result<(), ModelError> {
    if runs_valid(lens, tags, n_tags) {
        return Ok(());
    }
    // Name the first feature whose run is not.
    let mut start = 0usize;
    for (&key, &len) in keys.iter().zip(lens) {
        let row_tags = &tags[start..start + usize::from(len)];
        if row_tags.windows(2).any(|w| w[0] >= w[1]) || row_tags.iter().any(|&t| t as usize >= n_tags) {
            return Err(ModelError::Invalid(format!("weights of feature {key:#010x}")));
        }
        start += usize::from(len);
    }
    Ok(())
}

/// Whether every run of `lens` tags is valid, checked column by column rather than run by run
/// (short runs of varying length cost a mispredicted branch each): every tag is below `n_tags`,
/// and every tag not above the one before it starts a run (empty runs start none).
fn runs_valid(lens: &[u8], tags: &[u8], n_tags: usize) -> bool {
    let (mut highest, mut descents) = (0, 0);
    in_pieces(piece_ranges(tags.len()), &mut |range| {
        // From the tag before the piece: each pair of neighbours is in exactly one piece.
        let piece = &tags[range.start.saturating_sub(1)..range.end];
        highest = piece.iter().fold(highest, |h, &t| h.max(t));
        descents += piece.iter().zip(&piece[1..]).map(|(a, b)| u32::from(b <= a)).sum::<u32>() as usize;
    });
    let (mut at_starts, mut start) = (0usize, 0usize);
    in_pieces(lens.chunks(PIECE), &mut |piece| {
        for &len in piece {
            at_starts += usize::from(len > 0 && start > 0 && tags.get(start).is_some_and(|&t| t <= tags[start - 1]));
            start += usize::from(len);
        }
    });
    usize::from(highest) < n_tags && descents == at_starts
}

impl ModelData {
    /// Writes the word clusters: the distinct classes, then the words filed by bucket, each
    /// with the index of its classes.
    fn write_lexicon(&self, out: &mut Vec<u8>) {
        let mut classes: Vec<u32> = self.clusters.iter().map(|(_, c)| c.0).collect();
        classes.sort_unstable();
        classes.dedup();
        assert!(classes.len() <= 1 << 16, "at most 65,536 distinct word classes");
        let mut words: Vec<(usize, &str, u32)> =
            self.clusters.iter().map(|(w, c)| (bucket(w.as_bytes()), w.as_str(), c.0)).collect();
        words.sort_unstable();
        out.extend_from_slice(&(classes.len() as u32).to_le_bytes());
        for c in &classes {
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.extend_from_slice(&u32::try_from(words.len()).expect("fewer than 2^32 words").to_le_bytes());
        BucketEnds::of(words.iter().map(|w| w.1.as_bytes())).write(out);
        for &(_, _, c) in &words {
            let index = classes.binary_search(&c).expect("every word's classes are listed");
            out.extend_from_slice(&(index as u16).to_le_bytes());
        }
        let lines: Vec<u8> = words.iter().flat_map(|w| w.1.bytes().chain([b'\n'])).collect();
        out.extend_from_slice(&u32::try_from(lines.len()).expect("under 4 GiB of words").to_le_bytes());
        out.extend_from_slice(&lines);
    }
}

impl ModelData {
    /// Writes each category's name and its phrases filed by bucket.
    fn write_gazetteer(&self, out: &mut Vec<u8>) {
        out.push(CATEGORIES.len() as u8);
        for (c, name) in CATEGORIES.iter().enumerate() {
            write_string(out, name);
            let mut phrases: Vec<(usize, &str)> = self
                .gazetteer
                .iter()
                .filter(|(p, pc)| *pc as usize == c && !p.is_empty())
                .map(|(p, _)| (bucket(p.as_bytes()), p.as_str()))
                .collect();
            phrases.sort_unstable();
            phrases.dedup();
            BucketEnds::of(phrases.iter().map(|p| p.1.as_bytes())).write(out);
            let lines: Vec<u8> = phrases.iter().flat_map(|p| p.1.bytes().chain([b'\n'])).collect();
            out.extend_from_slice(&u32::try_from(lines.len()).expect("under 4 GiB of phrases").to_le_bytes());
            out.extend_from_slice(&lines);
        }
    }
}

/// Reads the gazetteer section. The phrases are only ever hashed, so they are not checked as
/// UTF-8; a phrase filed in a bucket other than its own never matches.
fn read_gazetteer(r: &mut Reader<'_>) -> Result<Gazetteer, ModelError> {
    let n = r.u8("gazetteer")? as usize;
    if n != CATEGORIES.len() {
        return Err(ModelError::Invalid(format!("{n} gazetteer categories, expected {}", CATEGORIES.len())));
    }
    let mut lists = Vec::with_capacity(n);
    for expected in CATEGORIES {
        let name = r.string("gazetteer")?;
        if name != expected {
            return Err(ModelError::Invalid(format!("gazetteer category {name:?}, expected {expected:?}")));
        }
        let ends = r.take(BUCKETS * 8, "gazetteer")?;
        let len = r.u32("gazetteer")? as usize;
        let list = r.take(len, "gazetteer")?;
        lists.push((list, BucketEnds::read(ends, list, "gazetteer")?));
    }
    Ok(Gazetteer::from_lists(&lists))
}

/// Reads the word-cluster section. The words are only ever hashed, so they are not checked as
/// UTF-8; a word filed in a bucket other than its own is never found.
fn read_lexicon(r: &mut Reader<'_>) -> Result<Lexicon, ModelError> {
    let n_classes = r.u32("word clusters")? as usize;
    if n_classes > 1 << 16 {
        return Err(ModelError::Invalid(format!("{n_classes} word classes")));
    }
    let classes = read_classes(r.take(n_classes * 4, "word clusters")?)?;
    let n_words = r.u32("cluster words")? as usize;
    let ends = r.take(BUCKETS * 8, "cluster words")?;
    let raw = r.take(n_words.checked_mul(2).ok_or(ModelError::Truncated("cluster words"))?, "cluster words")?;
    let len = r.u32("cluster words")? as usize;
    let lines = r.take(len, "cluster words")?;
    let ends = BucketEnds::read(ends, lines, "cluster words")?;
    if ends.lines() != n_words {
        return Err(ModelError::Invalid(format!("{} cluster words, {n_words} counted", ends.lines())));
    }
    let mut entries = vec![0u16; n_words];
    let mut highest = 0;
    in_pieces(entries.chunks_mut(PIECE).zip(raw.chunks(2 * PIECE)), &mut |(entries, raw)| {
        for (e, c) in entries.iter_mut().zip(raw.chunks_exact(2)) {
            *e = u16::from_le_bytes([c[0], c[1]]);
            highest = highest.max(*e);
        }
    });
    if n_words > 0 && usize::from(highest) >= n_classes {
        return Err(ModelError::Invalid(format!("cluster word class {highest} of {n_classes}")));
    }
    Ok(Lexicon::from_lines(classes, lines.to_vec(), entries, ends))
}

/// Reads the distinct classes of the words: packed [`Classes`], strictly increasing.
fn read_classes(table: &[u8]) -> Result<Vec<u32>, ModelError> {
    let mut prev = None;
    table
        .chunks_exact(4)
        .map(|c| {
            let classes = u32::from_le_bytes(c.try_into().expect("4 bytes"));
            if prev.is_some_and(|p| classes <= p) {
                return Err(ModelError::Invalid(format!("word classes out of order at {classes:#x}")));
            }
            prev = Some(classes);
            Ok(classes)
        })
        .collect()
}

/// Items (or bytes) per call of a load step: see [`in_pieces`].
pub(crate) const PIECE: usize = 8192;

/// Runs `step` on each of `pieces` in turn.
///
/// For the browser's cold start. V8 compiles a wasm function with its baseline compiler on first
/// call, and once it has run for a while, optimised, in the background; the optimised code
/// serves only the calls that start afterwards, never a call already running. So each long loop
/// of the loader is a step of its own, called piece after piece: its later pieces run optimised,
/// a step shared by several sections (the two stages, every table) is optimised once for all,
/// and no long loop runs inside a large function, which V8 then spends tens of milliseconds
/// optimising in the background (in Node, 38 ms for `Model::from_bytes` and 111 ms for
/// `Extractor::extract`), time taken from the load on a two-core machine. The step is called through an opaque pointer
/// so that no optimiser (rustc's, or wasm-opt's, which inlines a function called from one place)
/// makes one long loop of it again.
pub(crate) fn in_pieces<P>(pieces: impl IntoIterator<Item = P>, step: &mut dyn FnMut(P)) {
    let step = std::hint::black_box(step);
    for piece in pieces {
        step(piece);
    }
}

/// `0..n` in ranges of [`PIECE`], for [`in_pieces`].
pub(crate) fn piece_ranges(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n).step_by(PIECE).map(move |start| start..(start + PIECE).min(n))
}

/// [`in_pieces`] for a step that can fail: stops at the first error.
pub(crate) fn try_in_pieces<P>(
    pieces: impl IntoIterator<Item = P>,
    step: &mut dyn FnMut(P) -> Result<(), ModelError>,
) -> Result<(), ModelError> {
    let step = std::hint::black_box(step);
    pieces.into_iter().try_for_each(step)
}

/// The checksum a model file ends with: the Adler-32 (zlib's) of `bytes`, computed piece by
/// piece (see `in_pieces`). Public for tools and tests that write or damage model files.
///
/// Adler-32 rather than CRC-32 (format version 1): a damaged file is what it guards against, and
/// both catch every single-bit flip, but Adler-32 is sums that vectorise (SIMD128 in the wasm),
/// where a CRC without a carry-less multiply is a table lookup a byte. Over the shipped model's
/// 3.8 MB, a load after the first in Node took 18-19 ms with the CRC and 11-16 ms without.
pub fn checksum(bytes: &[u8]) -> u32 {
    let mut sum = simd_adler32::Adler32::new();
    in_pieces(bytes.chunks(PIECE), &mut |piece| sum.write(piece));
    sum.finish()
}

/// Writes `v` as an unsigned LEB128 varint.
fn write_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    let len = u8::try_from(s.len()).expect("names are under 256 bytes");
    out.push(len);
    out.extend_from_slice(s.as_bytes());
}

/// A bounds-checked little-endian reader: running out of bytes is an error naming the part.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ModelError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or(ModelError::Truncated(what))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, ModelError> {
        let b = *self.bytes.get(self.pos).ok_or(ModelError::Truncated(what))?;
        self.pos += 1;
        Ok(b)
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.take(2, what)?.try_into().expect("2 bytes")))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    fn f32(&mut self, what: &'static str) -> Result<f32, ModelError> {
        Ok(f32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    fn varint(&mut self, what: &'static str) -> Result<u32, ModelError> {
        // Nearly every key gap fits four bytes (28 bits): read them at once.
        if let Some(&window) = self.bytes.get(self.pos..).and_then(|rest| rest.first_chunk::<4>()) {
            let w = u32::from_le_bytes(window);
            let ends = !w & 0x8080_8080;
            if ends != 0 {
                let len = ends.trailing_zeros() / 8 + 1;
                let bits = (w & 0x7f) | (w >> 1 & 0x3f80) | (w >> 2 & 0x001f_c000) | (w >> 3 & 0x0fe0_0000);
                self.pos += len as usize;
                return Ok(bits & ((1 << (7 * len)) - 1));
            }
        }
        let mut v = 0u32;
        for shift in (0..35).step_by(7) {
            let b = self.u8(what)?;
            let bits = u32::from(b & 0x7f);
            if shift == 28 && bits > 0x0f {
                return Err(ModelError::Invalid(format!("{what}: varint beyond 32 bits")));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ModelError::Invalid(format!("{what}: varint longer than 5 bytes")))
    }
    fn string(&mut self, what: &'static str) -> Result<String, ModelError> {
        let len = self.u8(what)? as usize;
        let raw = self.take(len, what)?;
        String::from_utf8(raw.to_vec()).map_err(|_| ModelError::Invalid(format!("{what} is not UTF-8")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::LowerKey;

    fn tiny() -> ModelData {
        let n = tag_count(2);
        let mut tr = Transitions::zeros(n);
        tr.pair[1] = 0.5;
        tr.start[4] = -0.25;
        ModelData {
            name: "tiny".into(),
            types: vec!["PER".into(), "MISC".into()],
            temperature: 2.0,
            stages: vec![StageData {
                transitions: tr,
                features: vec![(7, vec![(0, 1.0), (4, -2.0)]), (9, vec![(8, 0.75)])],
            }],
            clusters: vec![
                ("paris".into(), Classes::new(0b1_0110, 2)),
                ("london".into(), Classes::new(0b1_0110, 2)),
                ("nato".into(), Classes::new(0b1_11, 0)),
                ("kyiv".into(), Classes::new(0, 1)),
            ],
            gazetteer: vec![("new york".into(), 1), ("georgia".into(), 0), ("georgia".into(), 3)],
        }
    }

    #[test]
    fn round_trips_through_bytes() {
        let bytes = tiny().to_bytes();
        let m = Model::from_bytes(&bytes).unwrap();
        assert_eq!(m.name(), "tiny");
        assert_eq!(m.types(), ["PER", "MISC"]);
        assert_eq!(m.reported_label(0), Some(Label::Per));
        assert_eq!(m.reported_label(1), None);
        assert_eq!(m.n_stages(), 1);
        assert_eq!(m.weights().n_keys(), 2);
        let mut sums = vec![0; m.n_tags()];
        m.weights().add(&[7, 9, 12345], 3, 0, &mut sums, &mut Default::default());
        let out: Vec<f32> = sums.iter().map(|&s| s as f32 * m.scale()).collect();
        assert!((out[0] - 1.0).abs() < 1e-3 && (out[4] + 2.0).abs() < 1e-3 && (out[8] - 0.75).abs() < 1e-3);
        assert!((m.transitions(0).pair[1] - 0.5).abs() < 1e-3);
        let classes = |word| m.lexicon().classes(&LowerKey::of(word));
        assert_eq!(classes("london").path(), 0b1_0110);
        assert_eq!(classes("nato").path(), 0b1_11);
        assert_eq!(classes("kyiv"), Classes::new(0, 1));
        assert_eq!(classes("paris").flat(), 2);
        assert_eq!(m.lexicon().len(), 4);
        assert_eq!(m.gazetteer().len(), 2);
    }

    #[test]
    fn runs_of_weight_tags_are_checked_column_by_column() {
        assert!(runs_valid(&[2, 1, 3], &[0, 3, 1, 0, 2, 4], 5));
        assert!(!runs_valid(&[2, 1], &[3, 0, 1], 5), "a tag below the one before it in its run");
        assert!(!runs_valid(&[2, 1], &[1, 1, 2], 5), "a tag repeated in its run");
        assert!(runs_valid(&[1, 0, 1], &[1, 0], 5), "an empty run: no weight in this stage");
        assert!(!runs_valid(&[2, 0, 1], &[1, 1, 0], 5), "a tag repeated in its run, beside an empty run");
        assert!(!runs_valid(&[1, 1], &[0, 5], 5), "a tag that is not one");
        let flipped = [2u8, 1];
        assert_eq!(
            check_rows(&[7, 9], &flipped, &[0, 1, 5], 5),
            Err(ModelError::Invalid(format!("weights of feature {:#010x}", 9)))
        );
    }

    #[test]
    fn varints_round_trip() {
        for v in [0u32, 1, 127, 128, 300, 1 << 21, u32::MAX] {
            let mut out = Vec::new();
            write_varint(&mut out, v);
            assert_eq!(Reader { bytes: &out, pos: 0 }.varint("test"), Ok(v));
        }
        assert!(Reader { bytes: &[0xff; 6], pos: 0 }.varint("test").is_err());
        let mut out = Vec::new();
        for v in [5u32, 300, 1 << 20, 1 << 27, 7] {
            write_varint(&mut out, v);
        }
        let mut r = Reader { bytes: &out, pos: 0 };
        let read: Vec<u32> = (0..5).map(|_| r.varint("test").unwrap()).collect();
        assert_eq!((read, r.pos), (vec![5, 300, 1 << 20, 1 << 27, 7], out.len()));
        assert_eq!(Reader { bytes: &[0x80], pos: 0 }.varint("test"), Err(ModelError::Truncated("test")));
    }

    #[test]
    fn wrong_magic_is_refused() {
        let mut bytes = tiny().to_bytes();
        bytes[0] = b'X';
        assert_eq!(Model::from_bytes(&bytes).unwrap_err(), ModelError::BadMagic);
        assert_eq!(Model::from_bytes(b"NER").unwrap_err(), ModelError::BadMagic);
        assert_eq!(Model::from_bytes(b"").unwrap_err(), ModelError::BadMagic);
    }

    #[test]
    fn other_versions_are_refused_by_number() {
        let mut bytes = tiny().to_bytes();
        bytes[8..10].copy_from_slice(&7u16.to_le_bytes());
        let err = Model::from_bytes(&bytes).unwrap_err();
        assert_eq!(err, ModelError::UnsupportedVersion { found: 7, supported: FORMAT_VERSION });
        assert!(err.to_string().contains("version 7"), "{err}");
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = tiny().to_bytes();
        for len in 0..bytes.len() {
            assert!(Model::from_bytes(&bytes[..len]).is_err(), "length {len} was accepted");
        }
        assert_eq!(Model::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err(), ModelError::Truncated("model body"));
    }

    #[test]
    fn every_bit_flip_is_an_error() {
        let bytes = tiny().to_bytes();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(Model::from_bytes(&b).is_err(), "flip of bit {bit} in byte {i} was accepted");
            }
        }
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = tiny().to_bytes();
        bytes.push(0);
        assert_eq!(Model::from_bytes(&bytes).unwrap_err(), ModelError::TrailingBytes(1));
    }

    #[test]
    fn corruption_names_the_checksum() {
        let mut bytes = tiny().to_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x10;
        let err = Model::from_bytes(&bytes).unwrap_err();
        assert!(matches!(err, ModelError::ChecksumMismatch { .. }), "{err:?}");
        assert!(err.to_string().contains("corrupted"));
    }
}
