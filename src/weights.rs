//! The serving form of the feature weights: one open-addressing table for every stage, so that
//! one hash probe per feature key finds its weights in all stages at once.
//!
//! Scoring is memory-bound: a token has about fifty feature keys, and each is a random access
//! into a table of megabytes. So the table is built for few cache misses:
//! - one probe serves both stages (stage 2 re-reads the sentence features stage 1 read);
//! - a slot is one `u64` (key and row index), and a row keeps its per-stage headers and weights
//!   together, so a hit costs two cache lines;
//! - a stage's part of a row is sparse (`(tag, weight)` pairs) when the feature has weights for
//!   few tags, and dense (a weight for every tag, added as one vector) when it has many: the
//!   frequent features (bias, shapes, common words) have many, and adding their weights one tag
//!   at a time was a chain of dependent read-modify-writes;
//! - [`FeatureWeights::add`] reads all the slots of a sentence in one branch-free pass before
//!   resolving any, so the processor overlaps the misses instead of waiting on each (this works
//!   in WebAssembly too, which has no prefetch instruction);
//! - weights stay `i16` and are summed as integers; callers scale the sums once per tag.

/// One stage's weights as the model file stores them: keys strictly increasing, and for each
/// key a run of `(tag, weight)` entries with tags strictly increasing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageColumns {
    /// Feature keys, strictly increasing.
    pub keys: Vec<u32>,
    /// Number of entries of each key.
    pub lens: Vec<u8>,
    /// Tag of each entry.
    pub tags: Vec<u8>,
    /// Quantised weight of each entry.
    pub weights: Vec<i16>,
}

/// Every stage's feature weights, indexed by feature key.
#[derive(Clone, Debug)]
pub struct FeatureWeights {
    n_stages: usize,
    n_keys: usize,
    /// `key << 32 | (row + 1)`, or 0 for an empty slot.
    slots: Vec<u64>,
    /// `64 - log2(slots.len())`: the shift that turns a key's product hash into its home slot.
    shift: u32,
    /// Per row: one header per stage ([`DENSE`], or the number of sparse entries), then each
    /// stage's part in order: `n_tags` weights if dense, else `tag, weight` pairs.
    rows: Vec<i16>,
    n_tags: usize,
}

/// The header of a dense part of a row.
const DENSE: i16 = -1;

/// Reusable buffers for [`FeatureWeights::add`].
#[derive(Clone, Debug, Default)]
pub struct Lookup {
    slots: Vec<u64>,
    hits: Vec<(u32, u32)>,
}

impl FeatureWeights {
    /// Builds the table from each stage's columns (already validated: keys strictly increasing,
    /// lengths and entries consistent, tags below `n_tags`).
    pub fn new(stages: &[StageColumns], n_tags: usize) -> FeatureWeights {
        // Merge the stages' sorted key lists, remembering where each stage's entries start.
        let mut cursors: Vec<(usize, usize)> = vec![(0, 0); stages.len()]; // (key index, entry index)
        let total_entries: usize = stages.iter().map(|s| s.weights.len()).sum();
        let total_keys: usize = stages.iter().map(|s| s.keys.len()).sum();
        let mut rows = Vec::with_capacity(total_entries + total_keys);
        let mut keyed_rows: Vec<(u32, u32)> = Vec::with_capacity(total_keys);
        loop {
            let next = stages.iter().zip(&cursors).filter_map(|(s, &(k, _))| s.keys.get(k)).min().copied();
            let Some(key) = next else { break };
            let row = rows.len();
            rows.resize(row + stages.len(), 0);
            for (s, (stage, cursor)) in stages.iter().zip(cursors.iter_mut()).enumerate() {
                if stage.keys.get(cursor.0) != Some(&key) {
                    continue;
                }
                let len = usize::from(stage.lens[cursor.0]);
                let entries = cursor.1..cursor.1 + len;
                let (tags, weights) = (&stage.tags[entries.clone()], &stage.weights[entries]);
                if 2 * len >= n_tags {
                    rows[row + s] = DENSE;
                    let dense = rows.len();
                    rows.resize(dense + n_tags, 0);
                    for (&t, &w) in tags.iter().zip(weights) {
                        rows[dense + usize::from(t)] = w;
                    }
                } else {
                    rows[row + s] = len as i16;
                    rows.extend(tags.iter().zip(weights).flat_map(|(&t, &w)| [i16::from(t), w]));
                }
                *cursor = (cursor.0 + 1, cursor.1 + len);
            }
            keyed_rows.push((key, row as u32));
        }
        let capacity = (keyed_rows.len() * 3 / 2).max(16).next_power_of_two();
        let shift = 64 - capacity.trailing_zeros();
        let mut slots = vec![0u64; capacity];
        for &(key, row) in &keyed_rows {
            let mut i = home(key, shift);
            while slots[i] != 0 {
                i = (i + 1) & (capacity - 1);
            }
            slots[i] = u64::from(key) << 32 | u64::from(row + 1);
        }
        FeatureWeights { n_stages: stages.len(), n_keys: keyed_rows.len(), slots, shift, rows, n_tags }
    }

    /// The number of distinct feature keys over all stages.
    pub fn n_keys(&self) -> usize {
        self.n_keys
    }

    /// The number of stages.
    pub fn n_stages(&self) -> usize {
        self.n_stages
    }

    /// Adds the weights of the feature `keys` to `sums`. Keys come `per_token` to a token;
    /// `sums` holds, for each stage from `first_stage` on, a `tokens × n_tags` block (`n_tags`
    /// per token): stage `s`'s weights go to block `s - first_stage`, earlier stages' are skipped.
    pub fn add(&self, keys: &[u32], per_token: usize, first_stage: usize, sums: &mut [i32], lookup: &mut Lookup) {
        let n_tags = self.n_tags;
        let tokens = keys.len() / per_token;
        debug_assert_eq!(sums.len(), self.n_stages.saturating_sub(first_stage) * tokens * n_tags);
        let mask = self.slots.len() - 1;
        // Pass 1, branch-free: every home slot, so that the misses overlap.
        lookup.slots.clear();
        lookup.slots.extend(keys.iter().map(|&k| self.slots[home(k, self.shift)]));
        // Pass 2: resolve collisions (rare) into (row, token) hits.
        lookup.hits.clear();
        for (i, (&key, &first)) in keys.iter().zip(&lookup.slots).enumerate() {
            let mut slot = first;
            let mut at = home(key, self.shift);
            while slot != 0 && (slot >> 32) as u32 != key {
                at = (at + 1) & mask;
                slot = self.slots[at];
            }
            if slot != 0 {
                lookup.hits.push(((slot as u32) - 1, (i / per_token) as u32));
            }
        }
        // Pass 3: the rows, each fetched a few hits ahead of its use where the target can.
        let block = tokens * n_tags;
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
                        for (sum, &w) in sums.iter_mut().zip(weights) {
                            *sum += i32::from(w);
                        }
                    } else {
                        for pair in weights.chunks_exact(2) {
                            if let Some(sum) = sums.get_mut(pair[0] as usize) {
                                *sum += i32::from(pair[1]);
                            }
                        }
                    }
                }
                at += part;
            }
        }
    }
}

/// How many hits ahead pass 3 asks for a row: enough to cover a miss with other hits' work.
const PREFETCH_DISTANCE: usize = 16;

/// Asks the processor to bring `rows[at]` into cache (a hint: it never faults).
#[cfg(target_arch = "x86_64")]
fn prefetch(rows: &[i16], at: usize) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    if let Some(entry) = rows.get(at) {
        // SAFETY: SSE is part of the x86_64 baseline, and a prefetch is a hint that reads
        // nothing and cannot fault; the pointer is in bounds anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(entry).cast()) };
    }
}

/// WebAssembly and other targets have no prefetch hint: the out-of-order core overlaps what it can.
#[cfg(not(target_arch = "x86_64"))]
fn prefetch(_rows: &[i16], _at: usize) {}

/// The home slot of `key` in a table of `2^(64 - shift)` slots (Fibonacci hashing).
fn home(key: u32, shift: u32) -> usize {
    (u64::from(key).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(rows: &[(u32, &[(u8, i16)])]) -> StageColumns {
        StageColumns {
            keys: rows.iter().map(|r| r.0).collect(),
            lens: rows.iter().map(|r| r.1.len() as u8).collect(),
            tags: rows.iter().flat_map(|r| r.1.iter().map(|e| e.0)).collect(),
            weights: rows.iter().flat_map(|r| r.1.iter().map(|e| e.1)).collect(),
        }
    }

    #[test]
    fn one_probe_fills_every_stage() {
        let one = stage(&[(7, &[(0, 5), (2, -3)]), (9, &[(1, 4)])]);
        let two = stage(&[(3, &[(1, 100)]), (7, &[(2, 11)])]);
        let w = FeatureWeights::new(&[one, two], 3);
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
    fn colliding_keys_are_all_found() {
        // Many keys in a small table: collisions and wrap-around are certain.
        let rows: Vec<(u32, Vec<(u8, i16)>)> = (0..200u32).map(|k| (k * 7919, vec![(0, k as i16 + 1)])).collect();
        let refs: Vec<(u32, &[(u8, i16)])> = rows.iter().map(|(k, r)| (*k, r.as_slice())).collect();
        let w = FeatureWeights::new(&[stage(&refs)], 1);
        let keys: Vec<u32> = (0..200u32).map(|k| k * 7919).chain([1, 2, 3]).collect();
        let mut sums = vec![0; keys.len()];
        w.add(&keys, 1, 0, &mut sums, &mut Lookup::default());
        let expected: Vec<i32> = (1..=200).chain([0, 0, 0]).collect();
        assert_eq!(sums, expected);
    }
}
