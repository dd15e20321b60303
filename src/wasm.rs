//! The JavaScript boundary: converts core types to plain JS objects, nothing more.
//!
//! Offsets cross the boundary as JavaScript string indices (UTF-16 code units), so that
//! `text.slice(e.start, e.end) === e.text` holds for every entity, emoji included.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::offsets::{OffsetUnit, convert_entity_offsets};

/// One entity as JavaScript sees it: a plain object with UTF-16 offsets.
#[derive(Serialize)]
struct JsEntity<'a> {
    start: usize,
    end: usize,
    label: &'static str,
    text: &'a str,
    score: f32,
}

/// Finds the people, places and organizations in `text`.
///
/// Returns an array of `{start, end, label, text, score}` with `start`/`end` as JavaScript
/// string indices (end exclusive). Throws if the embedded model cannot be loaded.
#[wasm_bindgen]
pub fn extract(text: &str) -> Result<JsValue, JsError> {
    let extractor = crate::default_extractor().map_err(|e| JsError::new(&e.to_string()))?;
    let entities = extractor.extract(text);
    let spans = convert_entity_offsets(text, &entities, OffsetUnit::Utf16);
    let out: Vec<JsEntity> = entities
        .iter()
        .zip(spans)
        .map(|(e, (start, end))| JsEntity { start, end, label: e.label.as_str(), text: e.text, score: e.score })
        .collect();
    Ok(serde_wasm_bindgen::to_value(&out)?)
}

/// The crate version and the embedded model's name, e.g. `"0.1.0 (conll-en)"`.
#[wasm_bindgen]
pub fn version() -> String {
    crate::version_string()
}
