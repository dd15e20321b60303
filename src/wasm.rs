//! The JavaScript boundary: converts core types to plain JS objects (or flat typed arrays of
//! them), nothing more.
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
/// string indices (end exclusive). Throws a `TypeError` if `text` is not a string, and an
/// `Error` if the embedded model cannot be loaded.
#[wasm_bindgen]
pub fn extract(text: &JsValue) -> Result<JsValue, JsValue> {
    let s = string_arg(text, "extract")?;
    let extractor = crate::default_extractor().map_err(|e| JsError::new(&e.to_string()))?;
    to_js(text, &s, &extractor.extract(&s))
}

/// Like `extract`, as one flat `Uint32Array` instead of an object per entity: four numbers per
/// entity, `start, end, label, score`, with `start`/`end` as JavaScript string indices, `label`
/// the index of the entity's label in `PER, LOC, ORG` (`LABELS` in www/nerlight.js) and `score`
/// the bits of its `f32` (read it through a `Float32Array` over the same buffer).
///
/// Why: the page's worker sends each result to the main thread, and this buffer is transferred
/// as is, where objects (a string for each `label` and `text`) would be built in wasm, read back
/// into typed arrays and rebuilt. The entity text is `text.slice(start, end)` of the string given,
/// lone surrogates included. Throws as `extract` does.
#[wasm_bindgen(js_name = extractSpans)]
pub fn extract_spans(text: &JsValue) -> Result<Vec<u32>, JsValue> {
    let s = string_arg(text, "extractSpans")?;
    let extractor = crate::default_extractor().map_err(|e| JsError::new(&e.to_string()))?;
    Ok(to_spans(&s, &extractor.extract(&s)))
}

/// The string `value`, or a `TypeError` saying that `function` expects one (no coercion: not
/// `null`, a number or a `String` object either).
///
/// A lone surrogate (ill-formed UTF-16) arrives as U+FFFD, which is one UTF-16 unit like the
/// surrogate it replaces, so UTF-16 offsets computed on the Rust string index the JS string.
fn string_arg(value: &JsValue, function: &str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| js_sys::TypeError::new(&format!("{function}() expects a string")).into())
}

/// Converts entities with byte offsets into `text` (the string of `js_text`) into the JS array
/// `extract` returns.
fn to_js(js_text: &JsValue, text: &str, entities: &[crate::Entity]) -> Result<JsValue, JsValue> {
    let spans = convert_entity_offsets(text, entities, OffsetUnit::Utf16);
    let out: Vec<JsEntity> = entities
        .iter()
        .zip(&spans)
        .map(|(e, &(start, end))| JsEntity { start, end, label: e.label.as_str(), text: e.text, score: e.score })
        .collect();
    let array = serde_wasm_bindgen::to_value(&out)?;
    // Where U+FFFD stood for a lone surrogate, the entity's text is sliced from the JS string
    // itself, so that `text.slice(e.start, e.end) === e.text` still holds.
    if text.contains('\u{FFFD}') {
        let original: &js_sys::JsString = js_text.unchecked_ref();
        let array: &js_sys::Array = array.unchecked_ref();
        for (i, (e, &(start, end))) in entities.iter().zip(&spans).enumerate() {
            if e.text.contains('\u{FFFD}') {
                let slice = original.slice(start as u32, end as u32);
                js_sys::Reflect::set(&array.get(i as u32), &JsValue::from_str("text"), &slice)?;
            }
        }
    }
    Ok(array)
}

/// Entities with byte offsets into `text` as the flat `[start, end, label, score bits, ...]` that
/// `extractSpans` returns.
fn to_spans(text: &str, entities: &[crate::Entity]) -> Vec<u32> {
    let spans = convert_entity_offsets(text, entities, OffsetUnit::Utf16);
    let mut out = Vec::with_capacity(4 * entities.len());
    for (e, &(start, end)) in entities.iter().zip(&spans) {
        let label = crate::Label::ALL.iter().position(|&l| l == e.label).expect("a reported label");
        out.extend([start as u32, end as u32, label as u32, e.score.to_bits()]);
    }
    out
}

/// Checks that `bytes` (a `Uint8Array` or an `ArrayBuffer`) hold a model file that this build
/// can load, and returns the model's name. Throws an `Error` saying what is wrong otherwise (not
/// a nerlight model, another format version, truncated, corrupted), and a `TypeError` if
/// `bytes` is neither.
#[wasm_bindgen(js_name = validateModel)]
pub fn validate_model(bytes: &JsValue) -> Result<String, JsValue> {
    let bytes = if let Some(array) = bytes.dyn_ref::<js_sys::Uint8Array>() {
        array.to_vec()
    } else if let Some(buffer) = bytes.dyn_ref::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(buffer).to_vec()
    } else {
        return Err(js_sys::TypeError::new("validateModel() expects a Uint8Array or an ArrayBuffer").into());
    };
    let extractor = crate::Extractor::from_bytes(&bytes).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(extractor.model().name().to_string())
}

/// A custom dictionary (see `crate::dictionary`): names found alongside the model, each with
/// its label, and names whose model entities are dropped.
#[wasm_bindgen(js_name = Dictionary)]
pub struct JsDictionary {
    inner: crate::Dictionary,
}

#[wasm_bindgen(js_class = Dictionary)]
impl JsDictionary {
    /// `names[i]` gets `labels[i]` (`"PER"`, `"LOC"` or `"ORG"`); `suppress` lists names whose
    /// model entities are dropped. Throws on an unknown label or unequal lengths.
    #[wasm_bindgen(constructor)]
    pub fn new(
        names: Vec<String>,
        labels: Vec<String>,
        suppress: Vec<String>,
        ignore_case: bool,
    ) -> Result<JsDictionary, JsError> {
        if names.len() != labels.len() {
            return Err(JsError::new(&format!("{} names but {} labels", names.len(), labels.len())));
        }
        let mut entries = Vec::with_capacity(names.len());
        for (name, label) in names.iter().zip(&labels) {
            let label = crate::Label::from_name(label).ok_or_else(|| {
                JsError::new(&format!("unknown label {label:?} for {name:?}: use \"PER\", \"LOC\" or \"ORG\""))
            })?;
            entries.push((name.as_str(), label));
        }
        let inner = crate::Dictionary::new(entries, suppress.iter().map(String::as_str), ignore_case);
        Ok(JsDictionary { inner })
    }

    /// The number of distinct names to find.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.inner.len()
    }
}

/// Like `extract`, with the model's entities merged with `dictionary`'s matches: a dictionary
/// match (score 1) wins over any model entity it overlaps; suppressed names are dropped.
#[wasm_bindgen(js_name = extractWith)]
pub fn extract_with(text: &JsValue, dictionary: &JsDictionary) -> Result<JsValue, JsValue> {
    let s = string_arg(text, "extractWith")?;
    let extractor = crate::default_extractor().map_err(|e| JsError::new(&e.to_string()))?;
    let entities = dictionary.inner.apply(&s, extractor.extract(&s));
    to_js(text, &s, &entities)
}

/// Like `extractWith`, as the flat `Uint32Array` of `extractSpans` (see there for why).
#[wasm_bindgen(js_name = extractSpansWith)]
pub fn extract_spans_with(text: &JsValue, dictionary: &JsDictionary) -> Result<Vec<u32>, JsValue> {
    let s = string_arg(text, "extractSpansWith")?;
    let extractor = crate::default_extractor().map_err(|e| JsError::new(&e.to_string()))?;
    Ok(to_spans(&s, &dictionary.inner.apply(&s, extractor.extract(&s))))
}

/// The crate version and the embedded model's name, e.g. `"0.1.0 (conll-en)"`.
#[wasm_bindgen]
pub fn version() -> String {
    crate::version_string()
}
