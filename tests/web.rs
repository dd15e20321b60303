//! The JavaScript API as the page sees it: `extract()` returns plain objects whose `start`/`end`
//! are JavaScript string indices (UTF-16 code units), `extractSpans()` the same entities as flat
//! numbers, and `version()`.
//!
//! Runs on wasm32 only, under Node by default:
//! `cargo test --target wasm32-unknown-unknown` (the runner is set in `.cargo/config.toml`).
//! `WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver` runs the same tests in Chromium.
#![cfg(target_arch = "wasm32")]

mod js_entities;

use js_entities::{Ent, read};
use js_sys::{Array, JsString};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// Calls the exported `extract` and reads the array it returns.
fn extract(text: &str) -> Vec<Ent> {
    read(nerlight::wasm::extract(&JsValue::from_str(text)).expect("extract threw"))
}

/// The invariants every result must meet, checked against the JS string itself.
fn check_all(js: &JsString, ents: &[Ent]) {
    let len = js.length();
    let mut prev_end = 0;
    for e in ents {
        assert!(matches!(e.label.as_str(), "PER" | "LOC" | "ORG"), "unexpected label {:?} in {e:?}", e.label);
        assert!(e.start < e.end && e.end <= len, "bad range {e:?} (length {len})");
        assert!(e.start >= prev_end, "entities overlap or are unsorted at {e:?}");
        assert!((0.0..=1.0).contains(&e.score), "score out of 0..1 in {e:?}");
        let slice: String = js.slice(e.start, e.end).into();
        assert_eq!(slice, e.text, "text.slice({}, {}) differs from entity text", e.start, e.end);
        prev_end = e.end;
    }
}

/// The UTF-16 index of `needle` in `js` at or after `from`, as JavaScript's `indexOf` gives it.
fn js_index_of(js: &JsString, needle: &str, from: i32) -> u32 {
    let i = js.index_of(needle, from);
    assert!(i >= 0, "{needle:?} not in the test text");
    i as u32
}

fn assert_found(js: &JsString, ents: &[Ent], needle: &str, label: &str, from: i32) {
    let start = js_index_of(js, needle, from);
    let end = start + JsString::from(needle).length();
    let want = (start, end, label, needle);
    assert!(
        ents.iter().any(|e| (e.start, e.end, e.label.as_str(), e.text.as_str()) == want),
        "expected {want:?} among {ents:#?}"
    );
}

// ZWJ family emoji, accented letter, CJK and a flag before and between the entities.
const MIXED: &str = "👨‍👩‍👧 Zoë said: Jens Stoltenberg met 東京 officials in Bucharest 🇷🇴 with NATO.";

#[wasm_bindgen_test]
fn offsets_are_utf16_with_emoji_accents_and_cjk() {
    let js = JsString::from(MIXED);
    // Sanity: the JS string really is longer in UTF-16 units than in chars, shorter than in bytes.
    assert!(js.length() as usize > MIXED.chars().count());
    assert!((js.length() as usize) < MIXED.len());

    let ents = extract(MIXED);
    check_all(&js, &ents);
    assert_found(&js, &ents, "Jens Stoltenberg", "PER", 0);
    assert_found(&js, &ents, "Bucharest", "LOC", 0);
    assert_found(&js, &ents, "NATO", "ORG", 0);
}

#[wasm_bindgen_test]
fn offsets_stay_exact_with_combining_marks_and_astral_chars_between_entities() {
    // "Café" with a combining acute (e + U+0301), a supplementary-plane CJK ideograph (𠮷,
    // two UTF-16 units), Devanagari with a vowel sign, and emoji with a skin-tone modifier.
    let text = "Cafe\u{301} 𠮷野家 owners 👍🏽 said Jens Stoltenberg visited Bucharest. \
                नमस्ते 🇷🇴 Later NATO met Jens Stoltenberg in Bucharest again.";
    let js = JsString::from(text);
    let ents = extract(text);
    check_all(&js, &ents);
    assert_found(&js, &ents, "Jens Stoltenberg", "PER", 0);
    assert_found(&js, &ents, "Bucharest", "LOC", 0);
    assert_found(&js, &ents, "NATO", "ORG", 0);
    // The second occurrences, after more multi-unit characters, are found at their own offsets.
    let later = js_index_of(&js, "Later", 0) as i32;
    assert_found(&js, &ents, "Jens Stoltenberg", "PER", later);
    assert_found(&js, &ents, "Bucharest", "LOC", later);
}

#[wasm_bindgen_test]
fn entity_objects_are_plain_objects_with_exactly_the_documented_fields() {
    let value = nerlight::wasm::extract(&JsValue::from_str(MIXED)).expect("extract threw");
    let arr: Array = value.unchecked_into();
    assert!(arr.length() > 0);
    for o in arr.iter() {
        let mut keys: Vec<String> =
            js_sys::Object::keys(o.unchecked_ref::<js_sys::Object>()).iter().map(|k| k.as_string().unwrap()).collect();
        keys.sort();
        assert_eq!(keys, ["end", "label", "score", "start", "text"]);
    }
}

#[wasm_bindgen_test]
fn empty_and_entity_free_text_give_empty_arrays() {
    for text in ["", " \n\t ", "👨‍👩‍👧🇷🇴", "the cat sat on the mat ."] {
        let ents = extract(text);
        check_all(&JsString::from(text), &ents);
        if text.trim().is_empty() || !text.is_ascii() {
            assert!(ents.is_empty(), "{text:?} gave {ents:?}");
        }
    }
}

/// `extractSpans` on `text`, read back into entities through the JS string (the page's worker
/// path: the entity text is `text.slice(start, end)`).
fn spans(text: &str) -> Vec<Ent> {
    let js = JsString::from(text);
    let flat = nerlight::wasm::extract_spans(&JsValue::from_str(text)).expect("extractSpans threw");
    assert_eq!(flat.len() % 4, 0, "four numbers per entity");
    flat.chunks(4)
        .map(|s| Ent {
            start: s[0],
            end: s[1],
            label: ["PER", "LOC", "ORG"][s[2] as usize].to_string(),
            text: js.slice(s[0], s[1]).into(),
            score: f64::from(f32::from_bits(s[3])),
        })
        .collect()
}

#[wasm_bindgen_test]
fn spans_are_the_entities_of_extract_as_flat_numbers() {
    let texts = [
        MIXED,
        "Cafe\u{301} 𠮷野家 owners 👍🏽 said Jens Stoltenberg visited Bucharest. नमस्ते 🇷🇴 Later NATO met him.",
        "",
        "the cat sat on the mat .",
    ];
    for text in texts {
        let ents = spans(text);
        check_all(&JsString::from(text), &ents);
        assert_eq!(ents, extract(text), "extractSpans and extract differ on {text:?}");
    }
    assert!(!spans(MIXED).is_empty());
}

#[wasm_bindgen_test]
fn results_are_deterministic() {
    assert_eq!(extract(MIXED), extract(MIXED));
}

#[wasm_bindgen_test]
fn version_names_crate_version_and_model() {
    let v = nerlight::wasm::version();
    let prefix = format!("{} (", env!("CARGO_PKG_VERSION"));
    assert!(v.starts_with(&prefix), "version() = {v:?}, want it to start with {prefix:?}");
    assert!(v.ends_with(')') && v.len() > prefix.len() + 1, "version() = {v:?}: no model name");
    assert!(!v.contains("error"), "version() reports a model error: {v:?}");
}
