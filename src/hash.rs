//! Feature hashing: turns feature templates into 32-bit keys without building strings.
//!
//! The hash must give the same key on every platform, because a model trained natively is
//! served from wasm32: `std`'s and Fx's hashers differ by pointer width or by seed, so a fixed
//! FNV-1a for text and the SplitMix64 finaliser for combining are spelled out here.

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
    let mut h = TextHasher::default();
    h.write(s.as_bytes());
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
    fn keys_are_fixed_across_platforms() {
        // Pinned values: a change here silently invalidates every trained model.
        assert_eq!(hash_str("Stoltenberg"), 0x01c5_7a32_5732_81f2);
        assert_eq!(feature_key(1, &[hash_str("nato")]), 0xb243_e5bc);
        assert_ne!(feature_key(1, &[hash_str("nato")]), feature_key(2, &[hash_str("nato")]));
        assert_ne!(feature_key(3, &[1, 2]), feature_key(3, &[2, 1]));
    }
}
