//! The serving form of the feature weights: one index for every stage, so that one probe per
//! feature key finds its weights in all stages at once.
//!
//! Scoring is memory-bound: a token has about fifty feature keys, and each is a random access
//! into megabytes of weights. So the index is built for few cache misses, and for a fast load:
//! - one probe serves both stages (stage 2 re-reads the sentence features stage 1 read);
//! - keys are hashes, so uniformly spread: the index is the sorted key list (the model file
//!   stores one for all stages) with a directory of where each run of keys sharing their top
//!   bits starts (about two keys per run). Both are built in one sequential pass at load, and
//!   the directory is small enough to stay in cache, so a probe costs one read of the key list;
//! - an entry is one `u64` (key and row index), and a row keeps its per-stage headers and
//!   weights together, so a hit costs two cache lines;
//! - a stage's part of a row is sparse (its tags, then their weights) when the feature has
//!   weights for few tags, and dense (a weight for every tag, added as one vector) when it has
//!   many: the frequent features (bias, shapes, common words) have many, and adding their
//!   weights one tag at a time was a chain of dependent read-modify-writes;
//! - most keys looked up are not in the model (two in three of the word-pair keys of news text):
//!   a filter of a bit per value of a key's top bits (about ten bits a key, in cache, written
//!   in one sequential pass at load) turns nine in ten of those away before they read the key
//!   list, a random access into a megabyte;
//! - [`FeatureWeights::add`] finds every key of a sentence before reading any row, and asks for
//!   rows a few hits ahead where the target has a prefetch hint, so that misses overlap;
//! - weights stay `i16` and are summed as integers; callers scale the sums once per tag.

use crate::decode::SHIPPED_TAGS;
use crate::model::{PIECE, in_pieces, piece_ranges};

/// One stage's weights as the model file stores them, for the feature keys that all stages
/// share: for each key a run of `(tag, weight)` entries, tags strictly increasing, empty where
/// the feature has no weight in this stage. Borrowed from the file's bytes: the table is built
/// straight from them, with no copy in between.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StageColumns<'a> {
    /// Number of entries of each key (0: none in this stage).
    pub lens: &'a [u8],
    /// Tag of each entry.
    pub tags: &'a [u8],
    /// Quantised weight of each entry, a little-endian `i16` each.
    pub weights: &'a [u8],
}

/// Every stage's feature weights, indexed by feature key.
#[derive(Clone, Debug)]
pub struct FeatureWeights {
    n_stages: usize,
    /// `key << 32 | row`, sorted by key.
    entries: Vec<u64>,
    /// The entries whose key's top bits are `b` are `entries[directory[b]..directory[b + 1]]`.
    directory: Vec<u32>,
    /// `32 - log2(directory.len() - 1)`: the shift that takes a key's top bits.
    shift: u32,
    /// Bit `key >> filter_shift` (the key's top bits) is set for every key: a key whose bit is
    /// clear is not one. Keys are sorted, so the filter is written in order at load.
    filter: Vec<u64>,
    /// `32 - log2(filter.len() × 64)`.
    filter_shift: u32,
    /// Per row: one header per stage ([`DENSE`], or the number of sparse entries), then each
    /// stage's part in order: `n_tags` weights if dense, else its tags, then their weights (two
    /// runs, each copied in one go at load).
    rows: Vec<i16>,
    n_tags: usize,
}

/// The header of a dense part of a row.
const DENSE: i16 = -1;

/// The entries of a sparse part that [`FeatureWeights::new`] copies at once, whatever its
/// length: the most a sparse part of the shipped model's 17 tags has (`2 × 8 < 17`). A longer
/// one, for more tags, is copied entry by entry.
const WIDE: usize = 8;

/// Reusable buffers for [`FeatureWeights::add`].
#[derive(Clone, Debug, Default)]
pub struct Lookup {
    runs: Vec<Probe>,
    /// `(row, token)` of every key found.
    hits: Vec<(u32, u32)>,
}

/// A key to look up, the token its weights go to, and the run of entries it may be in.
#[derive(Clone, Copy, Debug)]
struct Probe {
    key: u32,
    token: u32,
    lo: u32,
    hi: u32,
}

impl FeatureWeights {
    /// Builds the table from the feature `keys` and each stage's columns for them (already
    /// validated: keys strictly increasing, lengths and entries consistent, tags below `n_tags`).
    ///
    /// # Panics
    /// Unless there are one or two stages, as in every model file.
    pub fn new(keys: &[u32], stages: &[StageColumns], n_tags: usize) -> FeatureWeights {
        let total_entries: usize = stages.iter().map(|s| s.tags.len()).sum();
        let mut table = FeatureWeights {
            n_stages: stages.len(),
            entries: Vec::with_capacity(keys.len()),
            directory: Vec::new(),
            shift: 0,
            filter: Vec::new(),
            filter_shift: 0,
            // Room for every row: a header per stage, and at most two numbers per entry (dense
            // parts only where `n_tags <= 2 × entries`); and for the last sparse part, whose
            // weights are written `WIDE` wide from its `len <= WIDE`th number.
            rows: vec![0; stages.len() * keys.len() + 2 * total_entries + 2 * WIDE],
            n_tags,
        };
        let end = match stages.len() {
            1 => table.write_all::<1>(keys, stages.try_into().expect("one stage")),
            2 => table.write_all::<2>(keys, stages.try_into().expect("two stages")),
            n => panic!("{n} stages: a model has one or two"),
        };
        table.rows.truncate(end);
        table.index();
        table
    }

    /// Writes every key's row and entry, piece by piece; returns where the rows end. One copy
    /// of the code for each number of stages, so that the loop over them unrolls and their
    /// positions stay in registers.
    fn write_all<const N: usize>(&mut self, keys: &[u32], stages: &[StageColumns; N]) -> usize {
        // Where each stage's entries of the next key start.
        let mut starts = [0; N];
        let mut end = 0;
        self.entries.resize(keys.len(), 0);
        let (rows, entries, n_tags) = (&mut self.rows[..], &mut self.entries[..], self.n_tags);
        in_pieces(piece_ranges(keys.len()), &mut |range| {
            let lens = std::array::from_fn(|s| &stages[s].lens[range.clone()]);
            let keys = keys[range.clone()].iter().zip(&mut entries[range]);
            end = write_rows(rows, keys, lens, stages, &mut starts, end, n_tags);
        });
        end
    }

    /// Builds the directory and the filter of the merged, sorted `entries`, in one pass over them.
    fn index(&mut self) {
        // About two keys per directory run: 2^bits runs for at least 2^(bits + 1) keys.
        let bits = (usize::BITS - self.entries.len().max(2).leading_zeros()).saturating_sub(2).min(24);
        self.shift = 32 - bits;
        let mut directory = vec![0u32; (1 << bits) + 1];
        let shift = self.shift;
        // About ten bits a key (a key not in the model passes one time in ten), at most 2^20.
        let filter_bits = (usize::BITS - self.entries.len().leading_zeros() + 3).clamp(6, 20);
        let mut filter = vec![0u64; 1 << (filter_bits - 6)];
        let filter_shift = 32 - filter_bits;
        in_pieces(self.entries.chunks(PIECE), &mut |piece| {
            for &e in piece {
                directory[(e >> 32 >> shift) as usize + 1] += 1;
                let bit = (e >> 32) as u32 >> filter_shift;
                filter[(bit >> 6) as usize] |= 1 << (bit & 63);
            }
        });
        let mut total = 0;
        in_pieces(directory.chunks_mut(PIECE), &mut |piece| {
            for d in piece {
                total += *d;
                *d = total;
            }
        });
        self.directory = directory;
        self.filter = filter;
        self.filter_shift = filter_shift;
    }

    /// Whether `key` may be one of the table's: `false` only for a key that is not.
    fn may_hold(&self, key: u32) -> bool {
        let bit = key >> self.filter_shift;
        self.filter[(bit >> 6) as usize] & 1 << (bit & 63) != 0
    }

    /// The number of distinct feature keys over all stages.
    pub fn n_keys(&self) -> usize {
        self.entries.len()
    }

    /// The number of stages.
    pub fn n_stages(&self) -> usize {
        self.n_stages
    }

    /// Adds the weights of the feature `keys` to `sums`. Keys come `per_token` to a token;
    /// `sums` holds, for each stage from `first_stage` on, a `tokens × n_tags` block (`n_tags`
    /// per token): stage `s`'s weights go to block `s - first_stage`, earlier stages' are skipped.
    pub fn add(&self, keys: &[u32], per_token: usize, first_stage: usize, sums: &mut [i32], lookup: &mut Lookup) {
        debug_assert_eq!(keys.len() % per_token, 0);
        debug_assert_eq!(sums.len(), self.n_stages.saturating_sub(first_stage) * keys.len() / per_token * self.n_tags);
        self.add_groups(keys.chunks_exact(per_token), first_stage, sums, lookup);
    }

    /// Adds the weights of each group of keys to its own token, the `i`th group's to token `i`,
    /// like [`FeatureWeights::add`] but with any number of keys a token: one call for keys of
    /// every length, so that all their misses overlap (a word's roles have 16, 4 and 1 keys).
    pub fn add_groups<'k>(
        &self,
        groups: impl IntoIterator<Item = &'k [u32]>,
        first_stage: usize,
        sums: &mut [i32],
        lookup: &mut Lookup,
    ) {
        let n_tags = self.n_tags;
        // Pass 1: every key's run of the sorted list (usually within one cache line), asked for
        // ahead where the target can; then the keys found in them.
        lookup.runs.clear();
        for (token, group) in groups.into_iter().enumerate() {
            lookup.runs.extend(group.iter().filter(|&&key| self.may_hold(key)).map(|&key| {
                let run = (u64::from(key) >> self.shift) as usize;
                let lo = self.directory[run];
                prefetch(&self.entries, lo as usize);
                Probe { key, token: token as u32, lo, hi: self.directory[run + 1] }
            }));
        }
        lookup.hits.clear();
        for p in &lookup.runs {
            if let Some(&e) = self.entries[p.lo as usize..p.hi as usize].iter().find(|&&e| (e >> 32) as u32 == p.key) {
                lookup.hits.push((e as u32, p.token));
            }
        }
        // Pass 2: the rows, each fetched a few hits ahead of its use where the target can.
        for &(ahead, _) in lookup.hits.iter().take(PREFETCH_DISTANCE) {
            prefetch(&self.rows, ahead as usize);
        }
        let block = sums.len() / self.n_stages.saturating_sub(first_stage).max(1);
        for (i, &(row, token)) in lookup.hits.iter().enumerate() {
            if let Some(&(ahead, _)) = lookup.hits.get(i + PREFETCH_DISTANCE) {
                prefetch(&self.rows, ahead as usize);
            }
            let row = row as usize;
            let mut at = row + self.n_stages;
            for (s, &header) in self.rows[row..row + self.n_stages].iter().enumerate() {
                let part = if header == DENSE { n_tags } else { 2 * header as usize };
                if s >= first_stage {
                    let base = (s - first_stage) * block + token as usize * n_tags;
                    let sums = &mut sums[base..base + n_tags];
                    let weights = &self.rows[at..at + part];
                    if header == DENSE {
                        add_row(sums, weights);
                    } else {
                        let (tags, weights) = weights.split_at(header as usize);
                        for (&t, &w) in tags.iter().zip(weights) {
                            if let Some(sum) = sums.get_mut(t as usize) {
                                *sum += i32::from(w);
                            }
                        }
                    }
                }
                at += part;
            }
        }
    }
}

/// Adds `row` (a weight or a sum per tag) to the first `row.len()` sums: a dense part of a row
/// here, and the scorer's cached rows.
#[inline(always)]
pub(crate) fn add_row<T: Copy + Into<i32>>(sums: &mut [i32], row: &[T]) {
    // The shipped model's rows, as fixed-size arrays: the loop compiles to whole SIMD adds,
    // with no trip count to work out at run time (most of a generic loop's cost at 17).
    if let (Ok(row), Some(sums)) = (<&[T; SHIPPED_TAGS]>::try_from(row), sums.first_chunk_mut::<SHIPPED_TAGS>()) {
        *sums = std::array::from_fn(|i| sums[i] + row[i].into());
        return;
    }
    for (sum, &w) in sums.iter_mut().zip(row) {
        *sum += w.into();
    }
}

/// Writes the rows of `keys`, each key's from `rows[end]` on and its entry beside it, the `i`th
/// key's entries in each stage `s` being `lens[s][i]` from `starts[s]` on; returns the new end.
fn write_rows<'k, const N: usize>(
    rows: &mut [i16],
    keys: impl Iterator<Item = (&'k u32, &'k mut u64)>,
    lens: [&[u8]; N],
    stages: &[StageColumns; N],
    starts: &mut [usize; N],
    mut end: usize,
    n_tags: usize,
) -> usize {
    for (i, (&key, entry)) in keys.enumerate() {
        let row = end;
        end += N;
        for s in 0..N {
            let len = usize::from(lens[s][i]);
            rows[row + s] = write_part(rows, &mut end, &stages[s], starts[s], len, n_tags);
            starts[s] += len;
        }
        *entry = u64::from(key) << 32 | row as u64;
    }
    end
}

/// Writes the part of a row for the `len` entries of `stage` from entry `from` on, at
/// `rows[*end]`, and moves `end` past it; returns its header.
///
/// Without a branch on the number of entries where it can (it varies from key to key, so a loop
/// over them mispredicts its exit at nearly every key): a sparse part's tags and weights are
/// each written [`WIDE`] wide, what lies past them overwritten by what comes next, and a key
/// without entries in a stage takes the same path with a length of 0.
#[inline(always)]
fn write_part(rows: &mut [i16], end: &mut usize, stage: &StageColumns, from: usize, len: usize, n_tags: usize) -> i16 {
    let at = *end;
    if 2 * len >= n_tags {
        let part = &mut rows[at..at + n_tags];
        part.fill(0);
        for (&t, w) in stage.tags[from..from + len].iter().zip(weights(stage, from, len)) {
            part[usize::from(t)] = w;
        }
        *end += n_tags;
        return DENSE;
    }
    let wide = (stage.tags[from..].first_chunk::<WIDE>(), stage.weights[2 * from..].first_chunk::<{ 2 * WIDE }>());
    match (wide, rows[at..].first_chunk_mut::<{ 2 * WIDE }>()) {
        ((Some(tags), Some(weights)), Some(out)) if len <= WIDE => {
            // The weights overwrite what lies past the tags.
            let tags: [i16; WIDE] = std::array::from_fn(|k| i16::from(tags[k]));
            let weights: [i16; WIDE] =
                std::array::from_fn(|k| i16::from_le_bytes([weights[2 * k], weights[2 * k + 1]]));
            *out.first_chunk_mut::<WIDE>().expect("2 × WIDE") = tags;
            *out[len..].first_chunk_mut::<WIDE>().expect("len <= WIDE") = weights;
        }
        _ => {
            let (tags, weights_out) = rows[at..at + 2 * len].split_at_mut(len);
            for (t, &tag) in tags.iter_mut().zip(&stage.tags[from..from + len]) {
                *t = i16::from(tag);
            }
            for (w, weight) in weights_out.iter_mut().zip(weights(stage, from, len)) {
                *w = weight;
            }
        }
    }
    *end += 2 * len;
    len as i16
}

/// The `len` weights of `stage` from entry `from` on.
fn weights<'a>(stage: &StageColumns<'a>, from: usize, len: usize) -> impl Iterator<Item = i16> + 'a {
    stage.weights[2 * from..2 * (from + len)].chunks_exact(2).map(|w| i16::from_le_bytes([w[0], w[1]]))
}

/// How many hits ahead pass 2 asks for a row: enough to cover a miss with other hits' work.
const PREFETCH_DISTANCE: usize = 16;

/// Asks the processor to bring `items[at]` into cache (a hint: it never faults).
#[cfg(target_arch = "x86_64")]
pub(crate) fn prefetch<T>(items: &[T], at: usize) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    if let Some(entry) = items.get(at) {
        // SAFETY: SSE is part of the x86_64 baseline, and a prefetch is a hint that reads
        // nothing and cannot fault; the pointer is in bounds anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(entry).cast()) };
    }
}

/// WebAssembly and other targets have no prefetch hint: the out-of-order core overlaps what it can.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn prefetch<T>(_items: &[T], _at: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stage's columns, as a model file stores them.
    struct Columns {
        lens: Vec<u8>,
        tags: Vec<u8>,
        weights: Vec<u8>,
    }

    impl Columns {
        fn borrow(&self) -> StageColumns<'_> {
            StageColumns { lens: &self.lens, tags: &self.tags, weights: &self.weights }
        }
    }

    /// A stage's columns from each key's run of `(tag, weight)` entries.
    fn stage(rows: &[&[(u8, i16)]]) -> Columns {
        Columns {
            lens: rows.iter().map(|r| r.len() as u8).collect(),
            tags: rows.iter().flat_map(|r| r.iter().map(|e| e.0)).collect(),
            weights: rows.iter().flat_map(|r| r.iter().flat_map(|e| e.1.to_le_bytes())).collect(),
        }
    }

    #[test]
    fn one_probe_fills_every_stage() {
        // Keys 3, 7, 9: key 3 in the second stage only, key 9 in the first only.
        let one = stage(&[&[], &[(0, 5), (2, -3)], &[(1, 4)]]);
        let two = stage(&[&[(1, 100)], &[(2, 11)], &[]]);
        let w = FeatureWeights::new(&[3, 7, 9], &[one.borrow(), two.borrow()], 3);
        assert_eq!(w.n_keys(), 3);
        // Two tokens: keys [7, 3] and [9, 42].
        let mut sums = vec![0; 2 * 2 * 3];
        w.add(&[7, 3, 9, 42], 2, 0, &mut sums, &mut Lookup::default());
        assert_eq!(sums, [5, 0, -3, 0, 4, 0, /* stage 2 */ 0, 100, 11, 0, 0, 0]);
        let mut later = vec![0; 2 * 3];
        w.add(&[7, 3, 9, 42], 2, 1, &mut later, &mut Lookup::default());
        assert_eq!(later, [0, 100, 11, 0, 0, 0]);
    }

    #[test]
    fn sparse_parts_of_any_length_and_dense_parts_read_back_exactly() {
        // 33 tags: sparse parts of up to 16 entries, longer than the 8 copied at once; the
        // dense part (20 entries) follows parts written wide, whose spill it must not keep.
        let n_tags = 33;
        let rows: Vec<Vec<(u8, i16)>> = [3usize, 12, 20, 0, 1, 8]
            .iter()
            .enumerate()
            .map(|(r, &len)| (0..len).map(|e| ((e * 33 / len.max(1)) as u8, (100 * r + e + 1) as i16)).collect())
            .collect();
        let one: Vec<&[(u8, i16)]> = rows.iter().map(Vec::as_slice).collect();
        // The second stage has the rows in reverse, so that each key has parts of two lengths.
        let two: Vec<&[(u8, i16)]> = rows.iter().rev().map(Vec::as_slice).collect();
        let keys: Vec<u32> = (10..16).collect();
        let w = FeatureWeights::new(&keys, &[stage(&one).borrow(), stage(&two).borrow()], n_tags);
        for (k, &key) in keys.iter().enumerate() {
            let mut sums = vec![0; 2 * n_tags];
            w.add(&[key], 1, 0, &mut sums, &mut Lookup::default());
            let mut expected = vec![0; 2 * n_tags];
            for (s, row) in [&rows[k], &rows[rows.len() - 1 - k]].into_iter().enumerate() {
                for &(t, v) in row {
                    expected[s * n_tags + usize::from(t)] += i32::from(v);
                }
            }
            assert_eq!(sums, expected, "key {key}");
        }
    }

    #[test]
    fn keys_in_shared_and_extreme_runs_are_all_found() {
        // Keys sharing their top bits share a directory run.
        let mut keys: Vec<u32> = (0..197u32).map(|k| k.wrapping_mul(0x9e37_79b9) | 0xf000_0000).collect();
        keys.extend([0, 1, 2, u32::MAX]);
        keys.sort_unstable();
        let rows: Vec<Vec<(u8, i16)>> = (1..=keys.len() as i16).map(|w| vec![(0, w)]).collect();
        let refs: Vec<&[(u8, i16)]> = rows.iter().map(Vec::as_slice).collect();
        let w = FeatureWeights::new(&keys, &[stage(&refs).borrow()], 1);
        let keys: Vec<u32> = keys.into_iter().chain([3, 0xefff_ffff, u32::MAX - 1]).collect();
        let mut sums = vec![0; keys.len()];
        w.add(&keys, 1, 0, &mut sums, &mut Lookup::default());
        let expected: Vec<i32> = (1..=rows.len() as i32).chain([0, 0, 0]).collect();
        assert_eq!(sums, expected);
    }
}
