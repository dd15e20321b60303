//! Damaged model files, exhaustively, on a small but complete model (two stages, word
//! clusters, gazetteer phrases) trained on tests/fixtures/tiny.conll by this build:
//! - every truncation and single-bit flips (every fifth bit) are refused with a
//!   `ModelError` whose message says what is wrong, never a panic;
//! - a flip behind a recomputed checksum, at every byte, reaches the parser's own checks: the
//!   file loads or is refused, never a panic, and a model that loads still extracts.
//!
//! The same model seeds the cargo-fuzz model target: `make fuzz-smoke` runs
//! `NERLIGHT_FUZZ_SEEDS=fuzz/corpus/model cargo test --test model_damage -- --ignored --exact write_fuzz_seeds`.

#![cfg(not(target_arch = "wasm32"))]

use nerlight::gazetteer::CATEGORIES;
use nerlight::resources::{join_clusters, parse_brown_paths};
use nerlight::train::{Resources, TrainConfig, train};
use nerlight::{Extractor, ModelError, conll};

/// A complete but small model file.
fn tiny_model() -> Vec<u8> {
    let docs = conll::parse(include_str!("fixtures/tiny.conll"));
    let clusters = parse_brown_paths(
        "0010\tbucharest\n0011\tromania\n0100\tnato\n0101\tjens\n0110\tstoltenberg\n1110\tspoke\n1111\tin\n",
    )
    .unwrap();
    let phrase =
        |p: &str, category: &str| (p.to_string(), CATEGORIES.iter().position(|&c| c == category).unwrap() as u8);
    let gazetteer = vec![
        phrase("romania", "country"),
        phrase("bucharest", "city"),
        phrase("new york", "city"),
        phrase("jens", "first-name"),
        phrase("romanian", "nationality"),
    ];
    let resources = Resources { clusters: join_clusters(&clusters, &[], &[]), gazetteer };
    let config = TrainConfig { epochs: 2, folds: 2, name: "tiny".into(), ..TrainConfig::default() };
    train(&docs, &docs, &resources, &config, |_| {}).to_bytes()
}

const TEXT: &str = "Jens Stoltenberg spoke in Bucharest. NATO ministers met in Romania on Tuesday 😀.";

fn extracts(extractor: &Extractor) {
    for e in extractor.extract(TEXT) {
        assert!(e.start < e.end && e.end <= TEXT.len());
        assert_eq!(&TEXT[e.start..e.end], e.text);
    }
}

/// Loads `bytes`: `Ok` or an error with a message naming the model (checked here).
fn load(bytes: &[u8]) -> Result<Extractor, ModelError> {
    let result = Extractor::from_bytes(bytes);
    if let Err(e) = &result {
        let message = e.to_string();
        assert!(message.contains("model"), "unclear message {message:?}");
    }
    result
}

fn with_checksum(mut bytes: Vec<u8>) -> Vec<u8> {
    let n = bytes.len();
    let sum = nerlight::model::checksum(&bytes[..n - 4]);
    bytes[n - 4..].copy_from_slice(&sum.to_le_bytes());
    bytes
}

#[test]
fn the_tiny_model_loads_and_extracts() {
    let bytes = tiny_model();
    let extractor = load(&bytes).unwrap();
    extracts(&extractor);
}

#[test]
fn every_truncation_is_refused() {
    let bytes = tiny_model();
    for len in 0..bytes.len() {
        let err = load(&bytes[..len]).err().unwrap_or_else(|| panic!("cut to {len} bytes, it loaded"));
        if len >= 14 {
            assert_eq!(err, ModelError::Truncated("model body"), "cut to {len} bytes");
        }
    }
}

#[test]
fn bit_flips_are_refused() {
    let bytes = tiny_model();
    let mut refused = 0;
    for bit in (0..bytes.len() * 8).step_by(5) {
        let mut copy = bytes.clone();
        copy[bit / 8] ^= 1 << (bit % 8);
        let err = load(&copy).err().unwrap_or_else(|| panic!("bit {bit} flipped, it loaded"));
        let message = err.to_string();
        assert!(
            ["not a nerlight model", "version", "truncated", "corrupted", "unexpected bytes", "too small"]
                .iter()
                .any(|m| message.contains(m)),
            "bit {bit}: {message}"
        );
        refused += 1;
    }
    eprintln!("{refused} bit flips refused");
}

#[test]
fn flips_behind_a_valid_checksum_never_panic() {
    let bytes = tiny_model();
    let (mut loaded, mut refused) = (0, 0);
    // Every byte after the header, two flips each: the low bit, all bits.
    for at in 14..bytes.len() - 4 {
        for mask in [0x01, 0xFF] {
            let mut copy = bytes.clone();
            copy[at] ^= mask;
            match load(&with_checksum(copy)) {
                Ok(extractor) => {
                    extracts(&extractor);
                    loaded += 1;
                }
                Err(_) => refused += 1,
            }
        }
    }
    eprintln!("behind a valid checksum: {loaded} damaged models loaded and extracted, {refused} refused");
}

#[test]
#[ignore = "writes fuzz seeds; run by make fuzz-smoke"]
fn write_fuzz_seeds() {
    let dir = std::env::var("NERLIGHT_FUZZ_SEEDS").unwrap_or_else(|_| "fuzz/corpus/model".into());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = tiny_model();
    // The fuzz target's framing: an even first byte, then the file as is; an odd first byte,
    // then the body between the 14-byte header and the checksum.
    let mut whole = vec![0u8];
    whole.extend_from_slice(&bytes);
    let mut body = vec![1u8];
    body.extend_from_slice(&bytes[14..bytes.len() - 4]);
    std::fs::write(dir.join("seed-tiny-model-whole"), whole).unwrap();
    std::fs::write(dir.join("seed-tiny-model-body"), body).unwrap();
    eprintln!("wrote 2 seeds of {} bytes to {}", bytes.len() + 1, dir.display());
}
