//! Words filed in buckets by their first two bytes, so that a table of many words is built a
//! bucket at a time, when a text first asks for a word of that bucket, rather than all at load.
//!
//! A model file stores its word lists (the cluster lexicon, the name lists) filed by bucket, with
//! where each bucket ends ([`BucketEnds`]), so loading one is a copy and a check, and a short text
//! compiles the few buckets of its own words. Hashing the lexicon's 91,381 words into one table at
//! load was a quarter of the browser's cold start.

use std::sync::OnceLock;

use crate::error::ModelError;
use crate::hash::KeyTable;

/// The number of buckets: five bits of each of a word's first two bytes.
pub const BUCKETS: usize = 1 << 10;

/// The bucket of `word` (bytes), or of a phrase: five bits of each of the first two bytes, zero
/// where there is none. A space has zero bits too, so a phrase is in the bucket of its first word.
pub fn bucket(word: &[u8]) -> usize {
    let byte = |i: usize| usize::from(word.get(i).copied().unwrap_or(0) & 31);
    byte(0) << 5 | byte(1)
}

/// The first two bytes of a word written a character at a time: its bucket, known once the
/// word is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lead {
    bytes: [u8; 2],
    len: u8,
}

impl Lead {
    /// Notes the next bytes of the word.
    pub fn push(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(2 - usize::from(self.len)) {
            self.bytes[usize::from(self.len)] = b;
            self.len += 1;
        }
    }

    /// The bucket of the word so far.
    pub fn bucket(&self) -> usize {
        bucket(&self.bytes[..usize::from(self.len)])
    }
}

/// Where each bucket of a list of lines ends: bucket `b`'s lines are those from the end of
/// bucket `b - 1` (or the start) to its own, counted both in lines and in bytes. Each line ends
/// with `\n`.
#[derive(Clone, Debug)]
pub struct BucketEnds(Vec<(u32, u32)>);

impl BucketEnds {
    /// The ends of `lines` (each ending with `\n`), filed by [`bucket`] in order.
    ///
    /// # Panics
    /// If the lines are not in bucket order, or are longer than 4 GiB.
    pub fn of<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> BucketEnds {
        let mut ends = vec![(0u32, 0u32); BUCKETS];
        let (mut count, mut bytes, mut last) = (0u32, 0u32, 0);
        for line in lines {
            let b = bucket(line);
            assert!(b >= last, "lines must be filed in bucket order");
            ends[last..b].fill((count, bytes));
            last = b;
            count += 1;
            bytes = bytes.checked_add(u32::try_from(line.len() + 1).expect("short lines")).expect("under 4 GiB");
        }
        ends[last..].fill((count, bytes));
        BucketEnds(ends)
    }

    /// Reads the ends of `lines` from `raw` (a `(u32, u32)` little-endian pair a bucket),
    /// checked: in order, the last at the end of `lines`, and each bucket's bytes `lines` in
    /// its own count of whole lines.
    pub fn read(raw: &[u8], lines: &[u8], part: &'static str) -> Result<BucketEnds, ModelError> {
        debug_assert_eq!(raw.len(), BUCKETS * 8);
        let ends: Vec<(u32, u32)> = raw
            .chunks_exact(8)
            .map(|c| (u32::from_le_bytes([c[0], c[1], c[2], c[3]]), u32::from_le_bytes([c[4], c[5], c[6], c[7]])))
            .collect();
        let bad = || ModelError::Invalid(format!("{part}: bucket ends do not match the lines"));
        if ends.last().map(|e| e.1 as usize) != Some(lines.len()) {
            return Err(bad());
        }
        let mut previous = (0u32, 0u32);
        for &(count, end) in &ends {
            let (start_count, start) = previous;
            let Some(bytes) = lines.get(start as usize..end as usize) else { return Err(bad()) };
            let whole = bytes.is_empty() || bytes.last() == Some(&b'\n');
            let counted = count.checked_sub(start_count).map(|n| n as usize);
            if !whole || counted != Some(memchr::memchr_iter(b'\n', bytes).count()) {
                return Err(bad());
            }
            previous = (count, end);
        }
        Ok(BucketEnds(ends))
    }

    /// The number of lines.
    pub fn lines(&self) -> usize {
        self.0.last().map_or(0, |e| e.0 as usize)
    }

    /// Bucket `b`'s lines: their numbers and their bytes.
    pub fn bucket(&self, b: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (start_count, start) = if b == 0 { (0, 0) } else { self.0[b - 1] };
        let (count, end) = self.0[b];
        (start_count as usize..count as usize, start as usize..end as usize)
    }

    /// Writes the ends as [`BucketEnds::read`] reads them.
    pub fn write(&self, out: &mut Vec<u8>) {
        for &(count, end) in &self.0 {
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&end.to_le_bytes());
        }
    }
}

/// One [`KeyTable`] a bucket, each compiled when first asked for (a model file's lists), or all
/// compiled at once (lists given in memory, as training has them).
#[derive(Clone)]
pub struct BucketTables(Vec<OnceLock<KeyTable>>);

impl BucketTables {
    /// Tables not compiled yet.
    pub fn lazy() -> BucketTables {
        BucketTables((0..BUCKETS).map(|_| OnceLock::new()).collect())
    }

    /// Tables compiled already, bucket by bucket.
    pub fn compiled(tables: impl IntoIterator<Item = KeyTable>) -> BucketTables {
        let tables: Vec<OnceLock<KeyTable>> = tables.into_iter().map(OnceLock::from).collect();
        assert_eq!(tables.len(), BUCKETS, "a table a bucket");
        BucketTables(tables)
    }

    /// Bucket `b`'s table, compiled by `compile` if it is not yet.
    pub fn get(&self, b: usize, compile: impl FnOnce() -> KeyTable) -> &KeyTable {
        self.0[b].get_or_init(compile)
    }

    /// The tables compiled so far.
    pub fn compiled_so_far(&self) -> impl Iterator<Item = &KeyTable> {
        self.0.iter().filter_map(OnceLock::get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_written_in_pieces_has_the_bucket_of_its_bytes() {
        for word in ["london", "é", "kyiv", "a", "", "new york"] {
            let mut lead = Lead::default();
            for c in word.chars() {
                lead.push(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            assert_eq!(lead.bucket(), bucket(word.as_bytes()), "{word}");
        }
        assert_eq!(bucket(b"new york"), bucket(b"ne"));
        assert_ne!(bucket(b"london"), bucket(b"paris"));
    }

    #[test]
    fn bucket_ends_round_trip_and_are_checked() {
        let words: [&[u8]; 4] = [b"ab\n", b"abc\n", b"kyiv\n", b"paris\n"];
        let lines: Vec<u8> = words.concat();
        let ends = BucketEnds::of(words.iter().map(|w| &w[..w.len() - 1]));
        let mut raw = Vec::new();
        ends.write(&mut raw);
        let read = BucketEnds::read(&raw, &lines, "test").unwrap();
        assert_eq!(read.lines(), 4);
        assert_eq!(read.bucket(bucket(b"ab")), (0..2, 0..7));
        assert_eq!(read.bucket(bucket(b"ky")), (2..3, 7..12));
        assert_eq!(read.bucket(bucket(b"zz")), (4..4, 18..18));
        // A line moved across a bucket end, a count that is off, lines that do not end.
        let at = bucket(b"ab") * 8;
        for (offset, value) in [(at + 4, 6u32), (at, 1), (raw.len() - 4, 17)] {
            let mut bad = raw.clone();
            bad[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
            assert!(BucketEnds::read(&bad, &lines, "test").is_err(), "{offset}");
        }
        assert!(BucketEnds::read(&raw, &lines[..17], "test").is_err());
    }
}
