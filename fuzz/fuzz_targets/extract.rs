//! Fuzzes `extract` with the embedded model: any bytes, read as UTF-8 (invalid sequences become
//! U+FFFD), must give sorted, non-overlapping entities on char boundaries whose byte, code-point
//! and UTF-16 offsets all slice the text to the entity's text. Never a panic, hang or leak.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nerlight::offsets::{OffsetUnit, convert_entity_offsets};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let entities = nerlight::extract(&text).expect("the embedded model loads");
    let mut prev_end = 0;
    for e in &entities {
        assert!(prev_end <= e.start && e.start < e.end && e.end <= text.len(), "bad span {e:?}");
        assert!(text.is_char_boundary(e.start) && text.is_char_boundary(e.end), "{e:?}");
        assert_eq!(&text[e.start..e.end], e.text);
        assert!(e.text.chars().any(char::is_alphanumeric), "{e:?}");
        assert!(e.score.is_finite() && (0.0..=1.0).contains(&e.score), "{e:?}");
        prev_end = e.end;
    }
    let chars: Vec<char> = text.chars().collect();
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let cps = convert_entity_offsets(&text, &entities, OffsetUnit::CodePoint);
    let units = convert_entity_offsets(&text, &entities, OffsetUnit::Utf16);
    for ((e, &(cs, ce)), &(us, ue)) in entities.iter().zip(&cps).zip(&units) {
        assert_eq!(chars[cs..ce].iter().collect::<String>(), e.text);
        assert_eq!(String::from_utf16(&utf16[us..ue]).unwrap(), e.text);
    }
});
