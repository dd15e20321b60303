//! A cache of the summed weights of the templates whose keys depend on a small value alone (a
//! token's shape context, its name-list context: see [`Context`]), so that scoring a token
//! looks such a group up once instead of once per template.
//!
//! Like [`crate::word_cache`], it is direct-mapped with a fixed number of slots, and compares
//! the whole value before using a slot, so scores are exactly those of the full lookup.

use crate::features::Context;
use crate::weights::{FeatureWeights, Lookup};

/// Summed weights per context value, for the values seen most recently.
#[derive(Debug)]
pub struct ContextCache<C> {
    bits: u32,
    /// Per slot: the value it holds, if any.
    values: Vec<Option<C>>,
    /// Per slot, `stride` sums: per stage, per tag.
    sums: Vec<i32>,
    stride: usize,
    keys: Vec<u32>,
    lookup: Lookup,
}

impl<C: Context> ContextCache<C> {
    /// An empty cache of `2^bits` slots of `stride` sums (stages × tags). Slots are allocated on
    /// first use.
    pub fn new(bits: u32, stride: usize) -> ContextCache<C> {
        ContextCache { bits, values: Vec::new(), sums: Vec::new(), stride, keys: Vec::new(), lookup: Lookup::default() }
    }

    /// The summed weights of `context`'s keys for every stage (`n_stages × n_tags`), looked up
    /// in `weights` on a miss. `weights` must be the ones the cache was made for.
    pub fn get(&mut self, context: &C, weights: &FeatureWeights) -> &[i32] {
        if self.values.is_empty() {
            self.values = vec![None; 1 << self.bits];
            self.sums = vec![0; self.stride << self.bits];
        }
        let slot = (context.hash() >> (64 - self.bits)) as usize;
        let sums = &mut self.sums[slot * self.stride..(slot + 1) * self.stride];
        if self.values[slot].as_ref() != Some(context) {
            self.keys.clear();
            context.features(&mut self.keys);
            sums.fill(0);
            weights.add(&self.keys, C::FEATURES, 0, sums, &mut self.lookup);
            self.values[slot] = Some(*context);
        }
        sums
    }
}
