//! Accuracy on CoNLL-2003 and reproducibility of the shipped model. These need the corpora in
//! `../shared/data` (or `$NERLIGHT_DATA`); where they are absent the tests say so and pass.

#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use nerlight::conll::{self, Layout};
use nerlight::eval::evaluate;
use nerlight::resources::{load_gazetteers, parse_brown_paths};
use nerlight::train::{Resources, TrainConfig, train};
use nerlight::{EMBEDDED_MODEL, Extractor};

/// The bar from the foundation issue: micro F1 on PER/LOC/ORG, CoNLL-2003 test.
const BAR: f64 = 86.0;

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NERLIGHT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.join("conll2003/test.txt").exists() {
        Some(dir)
    } else {
        eprintln!("skipping: CoNLL-2003 not found at {} (set NERLIGHT_DATA)", dir.display());
        None
    }
}

#[test]
fn test_set_f1_meets_the_bar_on_gold_tokens_and_on_raw_text() {
    let Some(dir) = data_dir() else { return };
    let docs = conll::read(&dir.join("conll2003/test.txt")).unwrap();
    let extractor = Extractor::from_bytes(EMBEDDED_MODEL).unwrap();
    let gold = evaluate(&extractor, &docs, Layout::Gold).0.micro().f1();
    let raw = evaluate(&extractor, &docs, Layout::Raw).0.micro().f1();
    eprintln!("CoNLL-2003 test micro F1 PER/LOC/ORG: gold tokens {gold:.2}, raw text {raw:.2}");
    assert!(gold >= BAR, "gold-token F1 {gold:.2} is below {BAR}");
    assert!(raw >= BAR, "raw-text F1 {raw:.2} is below {BAR}");
    assert!((gold - raw).abs() <= 1.0, "the text pipeline loses more than a point: {gold:.2} vs {raw:.2}");
}

#[test]
fn the_shipped_model_is_rebuilt_bit_for_bit_by_its_training_command() {
    let Some(dir) = data_dir() else { return };
    let train_docs = conll::read(&dir.join("conll2003/train.txt")).unwrap();
    let dev_docs = conll::read(&dir.join("conll2003/dev.txt")).unwrap();
    let clusters_text = std::fs::read_to_string(dir.join("clusters/spacy-lookups-data/en_brown_paths.tsv")).unwrap();
    let resources = Resources {
        clusters: parse_brown_paths(&clusters_text).unwrap(),
        gazetteer: load_gazetteers(&dir.join("gazetteers")).unwrap(),
    };
    let data = train(&train_docs, &dev_docs, &resources, &TrainConfig::default(), |_| {});
    assert!(
        data.to_bytes() == EMBEDDED_MODEL,
        "models/conll-en.bin differs from what `nerlight train` builds: retrain it"
    );
}
