//! Reading what `extract()` returns to JavaScript, field by field, for the wasm-bindgen tests
//! (`tests/web.rs`, `tests/web_reliability.rs`): one reader, so both hold the results to the
//! same shape (an Array of objects with integer indices).

use js_sys::{Array, JsString, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// One entity as returned to JavaScript.
#[derive(Debug, Clone, PartialEq)]
pub struct Ent {
    pub start: u32,
    pub end: u32,
    pub label: String,
    /// The entity's text, lone surrogates read as U+FFFD (compare raw units with [`units`]).
    pub text: String,
    pub score: f64,
}

/// The field `name` of `obj`, which must be present.
pub fn field(obj: &JsValue, name: &str) -> JsValue {
    let v = Reflect::get(obj, &JsValue::from_str(name)).expect("Reflect::get");
    assert!(!v.is_undefined(), "entity object has no `{name}`: {obj:?}");
    v
}

fn index(obj: &JsValue, name: &str) -> u32 {
    let f = field(obj, name).as_f64().unwrap_or_else(|| panic!("`{name}` is not a number"));
    assert!(f >= 0.0 && f.fract() == 0.0 && f <= u32::MAX as f64, "`{name}` = {f} is not an index");
    f as u32
}

/// The UTF-16 code units of a JS string, lone surrogates kept.
pub fn units(js: &JsString) -> Vec<u16> {
    js.iter().collect()
}

/// The entities in the value `extract()` returned.
pub fn read(value: JsValue) -> Vec<Ent> {
    assert!(Array::is_array(&value), "extract() must return an Array, got {value:?}");
    value
        .unchecked_into::<Array>()
        .iter()
        .map(|o| {
            assert!(o.is_object(), "array element is not an object: {o:?}");
            Ent {
                start: index(&o, "start"),
                end: index(&o, "end"),
                label: field(&o, "label").as_string().expect("label is a string"),
                text: String::from_utf16_lossy(&units(
                    field(&o, "text").dyn_ref::<JsString>().expect("text is a string"),
                )),
                score: field(&o, "score").as_f64().expect("score is a number"),
            }
        })
        .collect()
}
