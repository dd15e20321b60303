//! Feature hashing: turns feature templates into 32-bit keys without building strings; and
//! [`KeyTable`], the hash table of keys that are hashes already that the word clusters and name
//! lists are looked up in.
//!
//! The hash must give the same key on every platform, because a model trained natively is
//! served from wasm32: `std`'s and Fx's hashers differ by pointer width or by seed, so a fixed
//! FNV-1a for text and the SplitMix64 finaliser for combining are spelled out here.

use crate::model::{PIECE, in_pieces};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// An incremental FNV-1a hasher over bytes.
#[derive(Clone, Copy, Debug)]
pub struct TextHasher(u64);

impl Default for TextHasher {
    fn default() -> Self {
        TextHasher(FNV_OFFSET)
    }
}

impl TextHasher {
    /// Feeds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }

    /// Feeds one character as UTF-8.
    pub fn write_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.write(c.encode_utf8(&mut buf).as_bytes());
    }

    /// The hash of everything fed so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}

/// The FNV-1a hash of a string.
pub fn hash_str(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

/// The FNV-1a hash of bytes: [`hash_str`] of the string they spell.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = TextHasher::default();
    h.write(bytes);
    h.finish()
}

/// SplitMix64's finaliser: a full-avalanche 64-bit mix.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A `Hasher` for keys that are hashes already: it spreads them over 64 bits (hash tables use
/// the top bits too) instead of hashing them again.
#[derive(Default)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, key: u32) {
        self.0 = u64::from(key).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u64(&mut self, key: u64) {
        self.0 = (key ^ key >> 32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Keys that are hashes already, with a value each, in the order they were listed: what a
/// [`KeyTable`] is made from.
#[derive(Clone, Debug, Default)]
pub struct KeyList {
    keys: Vec<u64>,
    values: Vec<u32>,
}

impl KeyList {
    /// The list of `keys[i]` with `values[i]`.
    pub fn from_columns(keys: Vec<u64>, values: Vec<u32>) -> KeyList {
        assert_eq!(keys.len(), values.len(), "a value for every key");
        KeyList { keys, values }
    }

    /// Appends `key` with `value`.
    pub fn push(&mut self, key: u64, value: u32) {
        self.keys.push(key);
        self.values.push(value);
    }
}

/// A hash table from keys that are hashes already to values, built for a fast load and little
/// memory.
///
/// The keys are spread (so that their top bits depend on every bit) and grouped by their top
/// bits, groups in order, two to four keys a group, each group with room for every time its keys
/// are listed; `bounds` says where each group starts and ends. Built by one counting sort from
/// a [`KeyList`]: a sequential pass to count, then one that writes each key in its group, or
/// merges its value into that of the same key already there. A lookup reads the group's bounds
/// and a few keys in one cache line, each with its value. Filling `std`'s table from the model's 180,000 words and
/// phrases, one random insertion each, into twice the memory, was a third of the time from
/// model bytes to the first result. One value type for every table keeps one copy of the code,
/// which V8 optimises once (see `crate::model::in_pieces`).
#[derive(Clone)]
pub struct KeyTable {
    /// Spread keys with their values, grouped by the keys' top bits; keys distinct within
    /// `bounds`.
    slots: Vec<(u64, u32)>,
    /// The keys whose spread top bits are `g` are in `slots[bounds[g].0..bounds[g].1]`.
    bounds: Vec<(u32, u32)>,
    /// `64 - log2(bounds.len())`: the shift that takes a spread key's group.
    shift: u32,
    len: usize,
}

impl std::fmt::Debug for KeyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyTable({} keys)", self.len)
    }
}

impl Default for KeyTable {
    fn default() -> Self {
        KeyTable::new(KeyList::default(), |_, last| last)
    }
}

impl KeyTable {
    /// The table of `list`; a key listed more than once gets the fold of its values, in the
    /// order listed, by `merge`.
    pub fn new(list: KeyList, merge: fn(u32, u32) -> u32) -> KeyTable {
        let KeyList { mut keys, values } = list;
        assert!(keys.len() < u32::MAX as usize, "fewer than 2^32 keys");
        // Two to four keys a group: 2^bits groups for at least 2^(bits + 1) keys.
        let bits = (usize::BITS - keys.len().leading_zeros()).saturating_sub(2).clamp(1, 24);
        let shift = 64 - bits;
        // Count each group's keys, then turn the counts into empty groups where they start.
        let mut bounds = vec![(0u32, 0u32); 1 << bits];
        in_pieces(keys.chunks_mut(PIECE), &mut |piece| {
            for k in piece {
                *k = spread(*k);
                bounds[(*k >> shift) as usize].1 += 1;
            }
        });
        let mut total = 0;
        in_pieces(bounds.chunks_mut(PIECE), &mut |piece| {
            for b in piece {
                let count = b.1;
                *b = (total, total);
                total += count;
            }
        });
        let mut table = KeyTable { slots: vec![(0, 0); keys.len()], bounds, shift, len: 0 };
        in_pieces(keys.chunks(PIECE).zip(values.chunks(PIECE)), &mut |(keys, values)| table.fill(keys, values, merge));
        table
    }

    /// Writes each of `keys` (spread) with its value at the end of its group, or merges the
    /// value into that of the same key there.
    fn fill(&mut self, keys: &[u64], values: &[u32], merge: fn(u32, u32) -> u32) {
        for (&k, &v) in keys.iter().zip(values) {
            let (start, end) = &mut self.bounds[(k >> self.shift) as usize];
            let (start, end_at) = (*start as usize, *end as usize);
            match self.slots[start..end_at].iter_mut().find(|seen| seen.0 == k) {
                Some(slot) => slot.1 = merge(slot.1, v),
                None => {
                    self.slots[end_at] = (k, v);
                    *end += 1;
                    self.len += 1;
                }
            }
        }
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every key's value, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = u32> + '_ {
        self.bounds.iter().flat_map(|&(start, end)| self.slots[start as usize..end as usize].iter().map(|s| s.1))
    }

    /// The value of `key`, or 0 if it is absent.
    #[inline]
    pub fn get(&self, key: u64) -> u32 {
        let key = spread(key);
        let (start, end) = self.bounds[(key >> self.shift) as usize];
        let (start, end) = (start as usize, end as usize);
        self.slots[start..end].iter().find(|s| s.0 == key).map_or(0, |s| s.1)
    }
}

/// A bijection of 64-bit keys whose top bits depend on every bit of the key.
fn spread(key: u64) -> u64 {
    (key ^ key >> 32).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The key of a feature: template number `template` applied to the component hashes `parts`.
pub fn feature_key(template: u32, parts: &[u64]) -> u32 {
    let mut h = mix(u64::from(template).wrapping_add(0x9e37_79b9_7f4a_7c15));
    for &p in parts {
        h = mix(h ^ p);
    }
    (h >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_tables_find_and_merge_every_key() {
        let mut list = KeyList::default();
        for k in 1..=1000u64 {
            list.push(mix(k), 1);
        }
        // Keys listed twice, the zero key, the largest key, a zero value.
        for (k, v) in [(mix(5), 2), (0, 4), (mix(7), 32), (mix(5), 8), (u64::MAX, 16), (mix(9), 0)] {
            list.push(k, v);
        }
        let t = KeyTable::new(list.clone(), |a, b| a | b);
        let found = (t.len(), t.get(mix(5)), t.get(mix(7)), t.get(mix(9)), t.get(0), t.get(u64::MAX), t.get(mix(1001)));
        assert_eq!(found, (1002, 11, 33, 1, 4, 16, 0));
        assert!((1..=1000).all(|k| t.get(mix(k)) & 1 == 1));
        assert_eq!(t.values().count(), 1002);
        let last = KeyTable::new(list, |_, b| b);
        assert_eq!((last.get(mix(5)), last.get(mix(7)), last.get(mix(9))), (8, 32, 0));
        assert!(KeyTable::default().is_empty() && KeyTable::default().get(0) == 0);
    }

    #[test]
    fn keys_are_fixed_across_platforms() {
        // Pinned values: a change here silently invalidates every trained model.
        assert_eq!(hash_str("Stoltenberg"), 0x01c5_7a32_5732_81f2);
        assert_eq!(feature_key(1, &[hash_str("nato")]), 0xb243_e5bc);
        assert_ne!(feature_key(1, &[hash_str("nato")]), feature_key(2, &[hash_str("nato")]));
        assert_ne!(feature_key(3, &[1, 2]), feature_key(3, &[2, 1]));
    }
}
