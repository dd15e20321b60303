//! Fuzzes the model loader (`Extractor::from_bytes`): any bytes must give a model or a
//! `ModelError` with a message, never a panic, an abort, a hang or a huge allocation; a model
//! that loads must then extract from a text without panicking.
//!
//! The first input byte picks the framing: even, the rest is the file as is (the header checks:
//! magic, version, length, checksum); odd, the rest is the body after the 14-byte header,
//! framed with the right magic, version and length and a valid checksum, so that mutations reach
//! the parser behind the checksum. `make fuzz-smoke` seeds both framings with a small complete
//! model (tests/model_damage.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nerlight::Extractor;
use nerlight::model::{FORMAT_VERSION, MAGIC};

const TEXT: &str = "Jens Stoltenberg met NATO officials in Bucharest on Tuesday.\n\
                    JENS STOLTENBERG said: “Romania and Ukraine” 😀 Zoë Müller, U.S. Mr. Smith.";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes = if mode % 2 == 0 { rest.to_vec() } else { frame(rest) };
    match Extractor::from_bytes(&bytes) {
        Ok(extractor) => {
            let _ = extractor.model().name();
            for e in extractor.extract(TEXT) {
                assert!(e.start < e.end && e.end <= TEXT.len());
                assert_eq!(&TEXT[e.start..e.end], e.text);
            }
        }
        Err(err) => assert!(!err.to_string().is_empty()),
    }
});

/// A model file around `body`: magic, format version, total length, body, checksum.
fn frame(body: &[u8]) -> Vec<u8> {
    let total = MAGIC.len() + 2 + 4 + body.len() + 4;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(body);
    let sum = nerlight::model::checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}
