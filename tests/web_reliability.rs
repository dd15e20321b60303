//! Hostile input at the JavaScript boundary (wasm-bindgen tests, under Node and in Chromium):
//! - a seeded generator of hostile and realistic UTF-16 strings, lone surrogates included:
//!   every result is sorted, non-overlapping, in bounds, `text.slice(start, end) === e.text` on
//!   the original JS string, and equal to the core's answer on the same text;
//! - `extractSpans` and `extractSpansWith` give the same entities as `extract` and `extractWith`,
//!   as flat numbers, on the same strings;
//! - non-string arguments throw a `TypeError`, empty strings give `[]`;
//! - `validateModel` refuses truncated, bit-flipped, wrong-magic and wrong-version model files
//!   with an `Error` that says why, never a trap;
//! - 10,000 calls (`extract` and `extractSpans`) do not grow the wasm linear memory.
//!
//! `cargo test --target wasm32-unknown-unknown --test web_reliability` (Node);
//! `WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver` in front runs it in Chromium.
#![cfg(target_arch = "wasm32")]

mod js_entities;

use js_entities::{field, read, units};
use js_sys::{Array, JsString, Uint8Array};
use nerlight::model::{FORMAT_VERSION, MAGIC};
use nerlight::offsets::{OffsetUnit, convert_entity_offsets};
use nerlight::wasm::{JsDictionary, extract, extract_spans, extract_spans_with, extract_with, validate_model};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// Cases of the seeded property test (each a string of up to ~60 pieces).
const CASES: usize = 400;

/// xorshift64*: a small seeded generator (proptest does not run on wasm32).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

const NAMES: &[&str] = &[
    "Jens",
    "Stoltenberg",
    "Vladimir",
    "Putin",
    "Zoë",
    "Bucharest",
    "Romania",
    "NATO",
    "Ukraine",
    "Kyiv",
    "Reuters",
    "Angela",
    "Merkel",
    "Berlin",
    "Microsoft",
    "O'Brien",
    "São",
    "Paulo",
    "U.S.",
    "Mr.",
    "New",
    "York",
    "Paris",
];
const WORDS: &[&str] =
    &["the", "said", "met", "in", "and", "for", "officials", "on", "Tuesday", "visited", "of", "The"];
const PUNCT: &[&str] = &[".", ",", ";", ":", "!", "?", "…", "\"", "“", "”", "’s", "(", ")", "-", "—"];
const HOSTILE: &[&str] = &[
    "e\u{301}",
    "👨‍👩‍👧",
    "👍🏽",
    "🇷🇴",
    "\u{200D}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{202E}",
    "مرحبا",
    "שָׁלוֹם",
    "\0",
    "\x1b",
    "\r\n",
    "\r",
    "\n",
    "\t",
    "\u{2028}",
    "\u{A0}",
    "東京",
    "𠮷",
    "\u{FFFD}",
    "\u{10FFFF}",
    "<script>alert(1)</script>",
    "ＮＡＴＯ",
];

/// One generated string as UTF-16 units: realistic pieces, hostile ones, lone or reversed
/// surrogates and random units, separated mostly by spaces.
fn generate(rng: &mut Rng) -> Vec<u16> {
    let mut units: Vec<u16> = Vec::new();
    for _ in 0..rng.below(60) {
        match rng.below(20) {
            0..=5 => units.extend(rng.pick(NAMES).encode_utf16()),
            6..=9 => units.extend(rng.pick(WORDS).encode_utf16()),
            10..=11 => units.extend(rng.pick(PUNCT).encode_utf16()),
            12..=14 => units.extend(rng.pick(HOSTILE).encode_utf16()),
            15 => units.push(0xD800 + rng.below(0x400) as u16), // lone high surrogate
            16 => units.push(0xDC00 + rng.below(0x400) as u16), // lone low surrogate
            17 => units.extend([0xDC00, 0xD800]),               // a reversed pair
            18 => units.push(rng.next() as u16),                // any unit at all
            _ => units.extend(std::iter::repeat_n(u16::from(b'a' + rng.below(26) as u8), 1 + rng.below(300))),
        }
        let gap: &[u16] = match rng.below(10) {
            0 => &[],
            1 => &[0x0A],
            2 => &[0xD800], // a lone surrogate glued to the next piece
            _ => &[0x20],
        };
        units.extend(gap);
    }
    units
}

/// The invariants of every result, checked against the original JS string, and equality with
/// the core's answer on the same text (lone surrogates read as U+FFFD). Returns the number of
/// entities and how many of them hold a lone surrogate.
fn check(js: &JsString, value: JsValue) -> (usize, usize) {
    let raw = value.clone();
    let ents = read(value);
    let len = js.length();
    let mut prev_end = 0;
    let mut with_surrogate = 0;
    for (i, e) in ents.iter().enumerate() {
        assert!(matches!(e.label.as_str(), "PER" | "LOC" | "ORG"), "{e:?}");
        assert!(prev_end <= e.start && e.start < e.end && e.end <= len, "bad span {e:?} (length {len})");
        assert!((0.0..=1.0).contains(&e.score), "{e:?}");
        // Strict equality of UTF-16 units with the original string's slice, lone surrogates too.
        let text: JsString = field(&Array::from(&raw).get(i as u32), "text").unchecked_into();
        assert_eq!(units(&js.slice(e.start, e.end)), units(&text), "text.slice({}, {}) !== e.text", e.start, e.end);
        with_surrogate += char::decode_utf16(units(&text)).any(|c| c.is_err()) as usize;
        prev_end = e.end;
    }
    let lossy = String::from_utf16_lossy(&units(js));
    let core = nerlight::extract(&lossy).unwrap();
    let want: Vec<(u32, u32, &str)> = convert_entity_offsets(&lossy, &core, OffsetUnit::Utf16)
        .into_iter()
        .zip(&core)
        .map(|((s, e), c)| (s as u32, e as u32, c.label.as_str()))
        .collect();
    let got: Vec<(u32, u32, &str)> = ents.iter().map(|e| (e.start, e.end, e.label.as_str())).collect();
    assert_eq!(got, want, "the wasm and the core disagree on {lossy:?}");
    (ents.len(), with_surrogate)
}

/// Asserts that the flat `spans` of `extractSpans` hold exactly the entities of the `extract`
/// result `value`: the same offsets, label (as an index into `PER, LOC, ORG`) and score.
fn assert_spans_match(spans: &[u32], value: &JsValue) {
    let want: Vec<[u32; 4]> = read(value.clone())
        .iter()
        .map(|e| {
            let label = ["PER", "LOC", "ORG"].iter().position(|&l| l == e.label).unwrap() as u32;
            [e.start, e.end, label, (e.score as f32).to_bits()]
        })
        .collect();
    assert_eq!(spans.len() % 4, 0, "four numbers per entity");
    let got: Vec<[u32; 4]> = spans.chunks(4).map(|s| [s[0], s[1], s[2], s[3]]).collect();
    assert_eq!(got, want, "extractSpans differs from extract");
}

#[wasm_bindgen_test]
fn seeded_hostile_strings_keep_every_invariant() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut with_entities, mut total, mut with_surrogates, mut entities_with_surrogates) = (0, 0, 0, 0);
    for _ in 0..CASES {
        let units = generate(&mut rng);
        with_surrogates += units.iter().any(|u| (0xD800..0xE000).contains(u)) as usize;
        let js = JsString::from_char_code(&units);
        let value = extract(&js).expect("extract threw");
        assert_spans_match(&extract_spans(&js).expect("extractSpans threw"), &value);
        let (n, s) = check(&js, value);
        with_entities += (n > 0) as usize;
        total += n;
        entities_with_surrogates += s;
    }
    wasm_bindgen_test::console_log!(
        "{CASES} cases ({with_surrogates} with surrogates): {with_entities} had entities, {total} entities in all, \
         {entities_with_surrogates} of them holding a lone surrogate"
    );
    assert!(with_entities >= CASES / 2, "the generator is too weak: {with_entities} of {CASES} had entities");
}

#[wasm_bindgen_test]
fn lone_surrogates_keep_offsets_into_the_original_string() {
    let cases: &[&[u16]] = &[
        &[0xD800, b'a' as u16, b'b' as u16, b'c' as u16],
        &[0xDC00],
        &[0xD800],
        &[0xDBFF, 0xDFFF], // a valid pair: U+10FFFF
    ];
    for &c in cases {
        let js = JsString::from_char_code(c);
        let value = extract(&js).unwrap();
        assert_spans_match(&extract_spans(&js).unwrap(), &value);
        check(&js, value);
    }
    // Lone surrogates before, between and inside names: offsets after them must still be exact.
    let mut units: Vec<u16> = vec![0xD800];
    units.extend("Jens Stoltenberg met NATO officials in Bucharest".encode_utf16());
    units.push(0xDC00);
    units.extend(" on Tuesday. Zoë\u{D7FF}".encode_utf16());
    units.extend([0xDFFF, 0xD800]);
    units.extend(" Jens Stoltenberg left Bucharest.".encode_utf16());
    let js = JsString::from_char_code(&units);
    let value = extract(&js).unwrap();
    assert_spans_match(&extract_spans(&js).unwrap(), &value);
    let (n, _) = check(&js, value);
    assert!(n > 0, "names between lone surrogates are still found");
    // An entity with a lone surrogate inside, if the model makes one, is covered by check().
    let mut glued: Vec<u16> = "Jens".encode_utf16().collect();
    glued.push(0xD800);
    glued.extend("Stoltenberg met officials in Bucha".encode_utf16());
    glued.push(0xDC00);
    glued.extend("rest.".encode_utf16());
    let js = JsString::from_char_code(&glued);
    let value = extract(&js).unwrap();
    assert_spans_match(&extract_spans(&js).unwrap(), &value);
    check(&js, value);
}

#[wasm_bindgen_test]
fn spans_with_a_dictionary_match_extract_with_around_lone_surrogates() {
    let dictionary = JsDictionary::new(
        vec!["Acme Rockets".into(), "Zoë".into()],
        vec!["ORG".into(), "PER".into()],
        vec!["Bucharest".into()],
        true,
    )
    .unwrap();
    let mut units: Vec<u16> = vec![0xD800];
    units.extend("Zoë joined ACME Rockets 😀 with Jens Stoltenberg".encode_utf16());
    units.push(0xDC00);
    units.extend(" in Bucharest and Kyiv; acme rockets grew.".encode_utf16());
    let js = JsString::from_char_code(&units);
    let value = extract_with(&js, &dictionary).unwrap();
    assert!(Array::from(&value).length() >= 3, "dictionary names and model names are found");
    assert_spans_match(&extract_spans_with(&js, &dictionary).unwrap(), &value);
    check_dictionary_result(&js, &value);
}

/// The invariants of an `extractWith` result on the original string (its entities differ from
/// the core's, so `check` does not apply).
fn check_dictionary_result(js: &JsString, value: &JsValue) {
    let mut prev_end = 0;
    for (i, e) in read(value.clone()).iter().enumerate() {
        assert!(prev_end <= e.start && e.start < e.end && e.end <= js.length(), "bad span {e:?}");
        let text: JsString = field(&Array::from(value).get(i as u32), "text").unchecked_into();
        assert_eq!(units(&js.slice(e.start, e.end)), units(&text), "text.slice({}, {}) !== e.text", e.start, e.end);
        prev_end = e.end;
    }
}

#[wasm_bindgen_test]
fn empty_and_blank_strings_give_empty_arrays() {
    for text in ["", " ", "\n\r\n\t", "\0\0\0", "\u{FEFF}"] {
        let value = extract(&JsValue::from_str(text)).unwrap();
        assert_eq!(Array::from(&value).length(), 0, "{text:?}");
    }
}

fn assert_type_error(result: Result<JsValue, JsValue>, what: &str, message: &str) {
    let err = result.expect_err(&format!("{what} was accepted"));
    let err = err.dyn_into::<js_sys::TypeError>().unwrap_or_else(|e| panic!("{what}: not a TypeError: {e:?}"));
    assert_eq!(String::from(err.message()), message, "{what}");
}

fn non_strings() -> Vec<(&'static str, JsValue)> {
    vec![
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
        ("a number", JsValue::from_f64(42.0)),
        ("NaN", JsValue::from_f64(f64::NAN)),
        ("a boolean", JsValue::TRUE),
        ("an object", js_sys::Object::new().into()),
        ("an array of strings", Array::of1(&JsValue::from_str("NATO")).into()),
        ("a symbol", js_sys::Symbol::for_("NATO").into()),
        ("a bigint", js_sys::BigInt::from(7u32).into()),
        ("a Uint8Array", Uint8Array::new_with_length(3).into()),
    ]
}

#[wasm_bindgen_test]
fn non_string_arguments_throw_a_type_error() {
    let dictionary = JsDictionary::new(vec!["Bucharest".into()], vec!["LOC".into()], vec![], false).unwrap();
    for (what, value) in non_strings() {
        assert_type_error(extract(&value), what, "extract() expects a string");
        assert_type_error(extract_with(&value, &dictionary), what, "extractWith() expects a string");
        let spans = |r: Result<Vec<u32>, JsValue>| r.map(|_| JsValue::UNDEFINED);
        assert_type_error(spans(extract_spans(&value)), what, "extractSpans() expects a string");
        assert_type_error(spans(extract_spans_with(&value, &dictionary)), what, "extractSpansWith() expects a string");
    }
    // Still works afterwards.
    assert!(Array::from(&extract(&JsValue::from_str("NATO met in Bucharest.")).unwrap()).length() > 0);
}

/// `validateModel` on `bytes`: `Ok(name)` or the `Error`'s message; a `TypeError` or anything
/// that is not an `Error` (a trap is a `WebAssembly.RuntimeError`) fails the test.
fn validate(bytes: &[u8]) -> Result<String, String> {
    validate_model(&Uint8Array::from(bytes).into()).map_err(|e| {
        assert!(!e.is_instance_of::<js_sys::TypeError>(), "TypeError for bytes: {e:?}");
        assert!(!e.is_instance_of::<js_sys::WebAssembly::RuntimeError>(), "a trap: {e:?}");
        let err = e.dyn_into::<js_sys::Error>().expect("an Error");
        let message = String::from(err.message());
        assert!(message.contains("model"), "unclear message {message:?}");
        message
    })
}

#[wasm_bindgen_test]
fn validate_model_accepts_the_embedded_model_in_both_byte_forms() {
    let name = validate(nerlight::EMBEDDED_MODEL).expect("the embedded model is valid");
    assert!(!name.is_empty());
    let buffer = Uint8Array::from(nerlight::EMBEDDED_MODEL).buffer();
    assert_eq!(validate_model(&buffer.into()).unwrap(), name);
}

#[wasm_bindgen_test]
fn damaged_models_throw_an_error_that_says_why() {
    let model = nerlight::EMBEDDED_MODEL;
    let err = |bytes: &[u8]| validate(bytes).expect_err("a damaged model was accepted");

    assert!(err(&model[..model.len() / 2]).contains("truncated"));
    assert!(err(&model[..model.len() - 1]).contains("truncated"));
    assert!(err(&model[..12]).contains("truncated"));
    assert!(err(&model[..5]).contains("not a nerlight model"));
    assert!(err(&[]).contains("not a nerlight model"));
    assert!(err(b"PK\x03\x04 a zip file, not a model").contains("not a nerlight model"));

    let mut wrong_magic = model.to_vec();
    wrong_magic[..MAGIC.len()].copy_from_slice(b"NERLITE!");
    assert!(err(&wrong_magic).contains("not a nerlight model"));

    let mut future = model.to_vec();
    future[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let message = err(&future);
    assert!(message.contains(&format!("version {}", FORMAT_VERSION + 1)), "{message}");

    let mut flipped = model.to_vec();
    flipped[model.len() / 2] ^= 0x04;
    assert!(err(&flipped).contains("corrupted"));

    let mut longer = model.to_vec();
    longer.push(0);
    assert!(err(&longer).contains("after the end"));

    // Seeded bit flips and truncations anywhere: each an Error with a message, never a trap.
    let mut rng = Rng(42);
    for _ in 0..40 {
        let mut copy = model.to_vec();
        let at = rng.below(copy.len());
        copy[at] ^= 1 << rng.below(8);
        err(&copy);
        err(&model[..rng.below(model.len())]);
    }
    // Flips behind a recomputed checksum reach the parser's own checks: loaded or refused, never a trap.
    for _ in 0..40 {
        let mut copy = model.to_vec();
        let n = copy.len();
        let at = 14 + rng.below(n - 18);
        copy[at] ^= 1 << rng.below(8);
        let sum = nerlight::model::checksum(&copy[..n - 4]);
        copy[n - 4..].copy_from_slice(&sum.to_le_bytes());
        let _ = validate(&copy);
    }
    // A wrong argument type is a TypeError.
    for (what, value) in non_strings().into_iter().filter(|(w, _)| *w != "a Uint8Array") {
        let e = validate_model(&value).expect_err(what);
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{what}: {e:?}");
    }
    assert!(validate_model(&JsValue::from_str("NERLIGHT")).unwrap_err().is_instance_of::<js_sys::TypeError>());
}

fn memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64
}

#[wasm_bindgen_test]
fn ten_thousand_calls_do_not_grow_linear_memory() {
    let mut rng = Rng(7);
    let texts: Vec<JsString> = (0..20)
        .map(|_| JsString::from_char_code(&generate(&mut rng)))
        .chain([JsString::from(include_str!("fixtures/seeds/000_715a7ecace717eaf.txt"))])
        .collect();
    let run = |calls: usize| {
        for i in 0..calls {
            let text = &texts[i % texts.len()];
            // Every other call through extractSpans, whose result is allocated in linear memory.
            if i % 2 == 0 {
                drop(extract(text).unwrap());
            } else {
                drop(extract_spans(text).unwrap());
            }
            if i % 7 == 0 {
                let _ = extract(&JsValue::from_f64(i as f64)); // the error path too
                let _ = extract_spans(&JsValue::from_f64(i as f64));
            }
        }
    };
    run(500); // warm-up: the model, the allocator's free lists
    let before = memory_bytes();
    run(10_000);
    let after = memory_bytes();
    wasm_bindgen_test::console_log!("linear memory: {before} bytes before 10,000 calls, {after} after");
    assert_eq!(after, before, "linear memory grew from {before} to {after} bytes over 10,000 calls");
}
