//! nerlight: finds the people, places and organizations in text, in the browser.
//!
//! A pure-Rust core (this crate) holds the whole pipeline: a tokenizer that keeps byte offsets
//! ([`tokenize`]), sentence splitting ([`sentence`]), hashed features ([`features`]), and a
//! linear-chain model trained as an averaged structured perceptron over BILOU tags, decoded by
//! Viterbi ([`decode`], [`model`]). The trained model is a versioned binary file, embedded in
//! the library by default so that one `.wasm` works offline on its own.
//!
//! Offsets: the core reports byte offsets ([`Entity`]); [`offsets`] converts them to UTF-16
//! code units for JavaScript and to code points for the CLI.
//!
//! ```
//! let entities = nerlight::extract("Jens Stoltenberg spoke in Bucharest.").unwrap();
//! assert!(entities.iter().any(|e| e.text == "Bucharest" && e.label == nerlight::Label::Loc));
//! ```

#![deny(missing_docs)]

pub mod buckets;
pub mod context_cache;
pub mod decode;
pub mod dictionary;
pub mod error;
pub mod extractor;
pub mod features;
pub mod gazetteer;
pub mod glue;
pub mod hash;
pub mod lexicon;
pub mod model;
pub mod normalize;
pub mod offsets;
pub mod scorer;
pub mod sentence;
pub mod tags;
pub mod tokenize;
pub mod weights;
pub mod word_cache;

#[cfg(not(target_arch = "wasm32"))]
pub mod conll;
#[cfg(not(target_arch = "wasm32"))]
pub mod eval;
#[cfg(not(target_arch = "wasm32"))]
pub mod resources;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

pub use dictionary::Dictionary;
pub use error::ModelError;
pub use extractor::{Entity, Extractor};
pub use tags::Label;

/// The model embedded in the library: trained on CoNLL-2003 English (see README.md).
#[cfg(feature = "embedded-model")]
pub const EMBEDDED_MODEL: &[u8] = include_bytes!("../models/conll-en.bin");

/// The extractor for the embedded model, loaded on first use and shared afterwards.
#[cfg(feature = "embedded-model")]
pub fn default_extractor() -> Result<&'static Extractor, ModelError> {
    static EXTRACTOR: std::sync::OnceLock<Result<Extractor, ModelError>> = std::sync::OnceLock::new();
    EXTRACTOR.get_or_init(|| Extractor::from_bytes(EMBEDDED_MODEL)).as_ref().map_err(Clone::clone)
}

/// The entities of `text` found by the embedded model, with byte offsets.
#[cfg(feature = "embedded-model")]
pub fn extract(text: &str) -> Result<Vec<Entity<'_>>, ModelError> {
    Ok(default_extractor()?.extract(text))
}

/// The crate version and the embedded model's name, e.g. `0.1.0 (conll-en)`.
#[cfg(feature = "embedded-model")]
pub fn version_string() -> String {
    match default_extractor() {
        Ok(e) => format!("{} ({})", env!("CARGO_PKG_VERSION"), e.model().name()),
        Err(err) => format!("{} (model error: {err})", env!("CARGO_PKG_VERSION")),
    }
}
