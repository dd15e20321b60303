//! Offset conversion: the core works in byte offsets; JavaScript needs UTF-16 code units and
//! the CLI Unicode code points.
//!
//! Entities come sorted and non-overlapping, so all their offsets can be converted in one
//! forward pass over the text: O(text) per call, never O(text × entities).

use crate::extractor::Entity;

/// The unit offsets are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetUnit {
    /// UTF-8 bytes (the core's unit).
    Byte,
    /// UTF-16 code units: JavaScript string indices.
    Utf16,
    /// Unicode scalar values: Python string indices.
    CodePoint,
}

/// Converts increasing byte offsets into another unit, walking the text once.
pub struct OffsetCursor<'a> {
    text: &'a str,
    unit: OffsetUnit,
    byte: usize,
    count: usize,
}

impl<'a> OffsetCursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str, unit: OffsetUnit) -> Self {
        OffsetCursor { text, unit, byte: 0, count: 0 }
    }

    /// The offset of byte position `byte` in the cursor's unit. `byte` must lie on a char
    /// boundary and be at least the previous call's `byte`.
    pub fn convert(&mut self, byte: usize) -> usize {
        assert!(byte >= self.byte, "offsets must be converted in increasing order");
        let span = &self.text[self.byte..byte];
        self.count += match self.unit {
            OffsetUnit::Byte => span.len(),
            OffsetUnit::Utf16 => span.chars().map(char::len_utf16).sum(),
            OffsetUnit::CodePoint => span.chars().count(),
        };
        self.byte = byte;
        self.count
    }
}

/// The `(start, end)` of each entity in `unit`; `entities` must be sorted and non-overlapping,
/// as [`crate::Extractor::extract`] returns them.
pub fn convert_entity_offsets(text: &str, entities: &[Entity], unit: OffsetUnit) -> Vec<(usize, usize)> {
    let mut cursor = OffsetCursor::new(text, unit);
    entities.iter().map(|e| (cursor.convert(e.start), cursor.convert(e.end))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, byte offsets, UTF-16 offsets, code-point offsets)
    type Case = (&'static str, &'static [usize], &'static [usize], &'static [usize]);
    const CASES: &[Case] = &[
        ("abc", &[0, 1, 3], &[0, 1, 3], &[0, 1, 3]),
        ("é NATO", &[0, 3, 7], &[0, 2, 6], &[0, 2, 6]),
        ("😀 NATO", &[0, 5, 9], &[0, 3, 7], &[0, 2, 6]),
        ("東京 NATO", &[6, 7, 11], &[2, 3, 7], &[2, 3, 7]),
        ("e\u{301} Zoë", &[3, 4, 8], &[2, 3, 6], &[2, 3, 6]),
        ("👨‍👩‍👧 Kyiv", &[18, 19, 23], &[8, 9, 13], &[5, 6, 10]),
    ];

    #[test]
    fn table() {
        for &(text, bytes, utf16, cps) in CASES {
            for (unit, expected) in
                [(OffsetUnit::Utf16, utf16), (OffsetUnit::CodePoint, cps), (OffsetUnit::Byte, bytes)]
            {
                let mut c = OffsetCursor::new(text, unit);
                let got: Vec<usize> = bytes.iter().map(|&b| c.convert(b)).collect();
                assert_eq!(got, expected, "{text:?} in {unit:?}");
            }
        }
    }
}
