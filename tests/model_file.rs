//! The shipped model file: it loads, and damaged copies of it are refused with clear errors.

#![cfg(not(target_arch = "wasm32"))]

use nerlight::model::{FORMAT_VERSION, MAGIC};
use nerlight::{EMBEDDED_MODEL, Extractor, ModelError};

#[test]
fn the_embedded_model_loads_and_reports_its_labels() {
    let extractor = Extractor::from_bytes(EMBEDDED_MODEL).unwrap();
    assert_eq!(extractor.model().types(), ["PER", "LOC", "ORG", "MISC"]);
    assert_eq!(extractor.model().n_stages(), 2, "sentence stage and document stage");
    assert!(extractor.model().weights().n_keys() > 50_000);
    assert!(extractor.model().gazetteer().len() > 10_000);
    assert!(extractor.model().lexicon().len() > 10_000);
    assert!(EMBEDDED_MODEL.starts_with(MAGIC));
    assert_eq!(u16::from_le_bytes([EMBEDDED_MODEL[8], EMBEDDED_MODEL[9]]), FORMAT_VERSION);
}

#[test]
fn damaged_copies_are_refused() {
    let half = &EMBEDDED_MODEL[..EMBEDDED_MODEL.len() / 2];
    assert_eq!(Extractor::from_bytes(half).unwrap_err(), ModelError::Truncated("model body"));

    let mut flipped = EMBEDDED_MODEL.to_vec();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x04;
    let err = Extractor::from_bytes(&flipped).unwrap_err();
    assert!(err.to_string().contains("corrupted"), "{err}");

    let mut future = EMBEDDED_MODEL.to_vec();
    future[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = Extractor::from_bytes(&future).unwrap_err();
    assert!(err.to_string().contains(&format!("version {}", FORMAT_VERSION + 1)), "{err}");

    let err = Extractor::from_bytes(b"PK\x03\x04 a zip file").unwrap_err();
    assert_eq!(err, ModelError::BadMagic);
}
