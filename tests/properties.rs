//! Property tests over hostile and realistic Unicode text (proptest, native only).
//!
//! Every result of `extract`, whatever the input, must hold these invariants:
//! - no panic, and the same answer twice;
//! - entities sorted and non-overlapping, each non-empty;
//! - byte offsets in bounds and on char boundaries, `text[start..end] == entity.text`;
//! - the entity holds a letter or digit and neither starts nor ends with whitespace;
//! - label PER/LOC/ORG, score finite in `0..=1`;
//! - the same spans in code points (the CLI's unit) and UTF-16 code units (JavaScript's unit)
//!   through [`nerlight::offsets`], and the CLI binary itself gives code-point offsets that slice
//!   its input to the entity text and agree with the library.
//!
//! Case counts per property are in [`CASES`]; `PROPTEST_CASES=N` overrides all of them
//! (e.g. `PROPTEST_CASES=20000 cargo test --release --test properties` for a long run).
//! Seeds are random on each run; a failure prints the shrunk input, which then belongs in
//! `tests/regressions.rs`.

#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::process::{Command, Stdio};

use nerlight::offsets::{OffsetUnit, convert_entity_offsets};
use nerlight::{Entity, extract};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Cases per property (overridden by `PROPTEST_CASES`).
const CASES: Cases = Cases { arbitrary: 1000, controls: 500, hostile: 1000, news: 1000, cli: 300 };

struct Cases {
    arbitrary: u32,
    controls: u32,
    hostile: u32,
    news: u32,
    cli: u32,
}

/// Capitalised names, places and organisations, so that the model actually finds entities.
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
    "United",
    "Nations",
    "Angela",
    "Merkel",
    "Berlin",
    "Microsoft",
    "O'Brien",
    "McDonald's",
    "Al-Qaeda",
    "São",
    "Paulo",
    "Müller",
    "Łódź",
    "U.S.",
    "Mr.",
    "New",
    "York",
    "Bank",
    "England",
    "FIFA",
    "Ålesund",
    "Dvořák",
    "Paris",
    "Washington",
    "Obama",
    "European",
    "Union",
    "Moscow",
    "Kremlin",
    "Google",
    "Toyota",
    "Smith",
    "Ireland",
    "Lee",
];
/// Frequent lower-case words of news text.
const WORDS: &[&str] = &[
    "the",
    "said",
    "met",
    "in",
    "and",
    "for",
    "with",
    "officials",
    "on",
    "Tuesday",
    "a",
    "president",
    "of",
    "visited",
    "told",
    "reporters",
    "which",
    "minister",
    "summit",
    "at",
    "to",
    "from",
    "its",
    "company",
    "was",
    "by",
    "leader",
    "The",
    "He",
    "She",
    "It",
    "On",
    "In",
    "after",
    "talks",
    "shares",
    "rose",
    "percent",
    "2008",
    "1,500",
    "3.5",
];
/// Punctuation and clitics.
const PUNCT: &[&str] = &[
    ".", ",", ";", ":", "!", "?", "…", "\"", "“", "”", "'", "’s", "'s", "(", ")", "-", "—", "–", "/", "&", "%", "$",
    "#", "@", "...", "n't", "[", "]", "*", "«", "»", "„",
];
/// Combining marks, ZWJ sequences, RTL and bidi controls, control characters, CRLF, odd spaces,
/// astral and private-use code points, URLs, e-mail, markup, compatibility forms.
const HOSTILE: &[&str] = &[
    "e\u{301}",
    "a\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}",
    "\u{301}",
    "Z\u{335}\u{31b}\u{350}a\u{336}\u{35c}l\u{337}g\u{338}o",
    "👨‍👩‍👧",
    "👨‍👩‍👧‍👦",
    "👍🏽",
    "🇷🇴",
    "🇷",
    "🏳️‍🌈",
    "1️⃣",
    "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
    "\u{200D}",
    "\u{200C}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{202E}",
    "\u{202D}",
    "\u{2066}",
    "\u{200F}",
    "\u{061C}",
    "مرحبا بالعالم",
    "שָׁלוֹם",
    "\u{202E}NATO\u{202C}",
    "\0",
    "\x01",
    "\x1b[31m",
    "\x7f",
    "\u{85}",
    "\r\n",
    "\r",
    "\n",
    "\n\n\n",
    "\t",
    "\x0b",
    "\x0c",
    "\u{2028}",
    "\u{2029}",
    "\u{A0}",
    "\u{3000}",
    "\u{1680}",
    "東京",
    "𠮷野家",
    "ｶﾀｶﾅ",
    "\u{FFFD}",
    "\u{FFFE}",
    "\u{FFFF}",
    "\u{10FFFF}",
    "\u{E000}",
    "\u{D7FF}",
    "https://example.com/a?b=c&d=e#f",
    "www.nato.int",
    "jens@nato.int",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "ﬁ",
    "ǅ",
    "İ",
    "ß",
    "ΣΑΣ",
    "नमस्ते",
    "Ⅻ",
    "①",
    "٣",
    "＄",
    "ＮＡＴＯ",
    "'''",
    "’’",
    "--",
    "U.S.A.B.C.D.E.",
    "A.",
    "Mr.Mrs.",
    "UkraineStoltenberg",
    "Ukrainesaid",
    "aB",
];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(list).prop_map(str::to_string)
}

/// A very long token: one character (ASCII letter, accented, CJK, digit, emoji, mark, dash)
/// repeated up to 5,000 times, or a capitalised word of that length.
fn long_token() -> impl Strategy<Value = String> {
    let ch = proptest::sample::select(&['a', 'Z', 'é', '東', '9', '😀', '\u{301}', '-', '.', '\'', '_'][..]);
    prop_oneof![
        (ch, 1..5000usize).prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
        (1..5000usize).prop_map(|n| format!("N{}", "a".repeat(n))),
        (1..2000usize).prop_map(|n| "Ab".repeat(n)),
    ]
}

/// One piece of text: mostly realistic, with hostile pieces mixed in.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => pick(NAMES),
        4 => pick(WORDS),
        2 => pick(PUNCT),
        3 => pick(HOSTILE),
        1 => any::<char>().prop_map(String::from),
        1 => pick(NAMES).prop_map(|s| s.to_uppercase()),
        1 => pick(NAMES).prop_map(|s| s.to_lowercase()),
        1 => long_token(),
    ]
}

/// Mostly spaces between pieces, sometimes nothing, line breaks or odd spaces.
fn gap() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        8 => Just(" "),
        2 => Just(""),
        1 => Just("\n"),
        1 => Just("\r\n"),
        1 => Just("  "),
        1 => Just("\t"),
        1 => Just("\u{A0}"),
        1 => Just("\n\n"),
    ]
}

fn join(parts: Vec<(String, &'static str)>) -> String {
    parts.into_iter().flat_map(|(p, g)| [p, g.to_string()]).collect()
}

/// Realistic pieces with hostile ones mixed in.
fn hostile_text() -> impl Strategy<Value = String> {
    vec((piece(), gap()), 0..120).prop_map(join)
}

/// News-like text: names, words and punctuation only, with sentence ends.
fn news_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![5 => pick(NAMES), 6 => pick(WORDS), 2 => pick(PUNCT)];
    vec((word, gap()), 1..150).prop_map(join)
}

/// Any Unicode scalar values (proptest biases towards special and boundary code points).
fn arbitrary_text() -> impl Strategy<Value = String> {
    vec(any::<char>(), 0..400).prop_map(|c| c.into_iter().collect())
}

/// Control characters, NUL, CR/LF, C1 controls and a few letters.
fn control_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        4 => proptest::char::range('\0', '\u{1f}'),
        1 => proptest::char::range('\u{7f}', '\u{9f}'),
        2 => proptest::char::range('A', 'Z'),
        2 => proptest::char::range('a', 'z'),
        1 => Just(' '),
        1 => Just('.'),
    ];
    vec(c, 0..400).prop_map(|c| c.into_iter().collect())
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// Checks every invariant of one result; returns the number of entities.
fn check(text: &str, entities: &[Entity]) -> Result<usize, TestCaseError> {
    let mut prev_end = 0;
    for e in entities {
        prop_assert!(e.start < e.end, "empty or reversed entity {e:?}");
        prop_assert!(e.start >= prev_end, "entities unsorted or overlapping at {e:?}");
        prop_assert!(e.end <= text.len(), "entity {e:?} past the end ({} bytes)", text.len());
        prop_assert!(text.is_char_boundary(e.start) && text.is_char_boundary(e.end), "{e:?} not on char boundaries");
        prop_assert_eq!(&text[e.start..e.end], e.text);
        prop_assert!(e.text.chars().any(char::is_alphanumeric), "no letter or digit in {e:?}");
        prop_assert!(!e.text.starts_with(char::is_whitespace) && !e.text.ends_with(char::is_whitespace), "{e:?}");
        prop_assert!(e.score.is_finite() && (0.0..=1.0).contains(&e.score), "score of {e:?}");
        prev_end = e.end;
    }

    // Code points (the CLI's unit) and UTF-16 code units (JavaScript's unit).
    let chars: Vec<char> = text.chars().collect();
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let cps = convert_entity_offsets(text, entities, OffsetUnit::CodePoint);
    let units = convert_entity_offsets(text, entities, OffsetUnit::Utf16);
    let bytes = convert_entity_offsets(text, entities, OffsetUnit::Byte);
    for (((e, &(cs, ce)), &(us, ue)), &(bs, be)) in entities.iter().zip(&cps).zip(&units).zip(&bytes) {
        prop_assert_eq!((bs, be), (e.start, e.end));
        prop_assert!(cs < ce && ce <= chars.len(), "code points {cs}..{ce} of {} for {e:?}", chars.len());
        prop_assert_eq!(chars[cs..ce].iter().collect::<String>(), e.text);
        prop_assert!(us < ue && ue <= utf16.len(), "UTF-16 {us}..{ue} of {} for {e:?}", utf16.len());
        let slice = String::from_utf16(&utf16[us..ue]);
        prop_assert_eq!(slice.as_deref().ok(), Some(e.text), "UTF-16 slice of {:?}", e);
    }
    Ok(entities.len())
}

/// Runs `strategy` for `cases` cases, checking every result; returns (texts with entities, entities).
fn run_property(name: &str, cases: u32, strategy: impl Strategy<Value = String>) -> (usize, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    let (with, total) = (AtomicUsize::new(0), AtomicUsize::new(0));
    runner(cases)
        .run(&strategy, |text| {
            let entities = extract(&text).expect("the embedded model loads");
            let n = check(&text, &entities)?;
            prop_assert_eq!(&entities, &extract(&text).unwrap(), "not deterministic");
            with.fetch_add((n > 0) as usize, Relaxed);
            total.fetch_add(n, Relaxed);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let (with, total) = (with.into_inner(), total.into_inner());
    eprintln!("{name}: {cases} cases passed; {with} texts had entities, {total} entities in all");
    (with, total)
}

#[test]
fn arbitrary_unicode_never_breaks_the_invariants() {
    run_property("arbitrary unicode", cases(CASES.arbitrary), arbitrary_text());
}

#[test]
fn control_characters_nul_and_crlf_never_break_the_invariants() {
    run_property("controls", cases(CASES.controls), control_text());
}

#[test]
fn hostile_mixes_never_break_the_invariants() {
    let n = cases(CASES.hostile);
    let (with, _) = run_property("hostile mix", n, hostile_text());
    // The generator must exercise the entity path, not only the empty one.
    assert!(with as u32 >= n / 5, "only {with} of {n} hostile texts had entities: the generator is too weak");
}

#[test]
fn news_like_text_never_breaks_the_invariants() {
    let n = cases(CASES.news);
    let (with, _) = run_property("news-like", n, news_text());
    assert!(with as u32 >= n / 2, "only {with} of {n} news-like texts had entities: the generator is too weak");
}

/// The CLI binary, fed generated texts as JSON lines: code-point offsets that slice each input
/// to the entity text, and the same spans as the library.
#[test]
fn the_cli_gives_code_point_offsets_that_agree_with_the_library() {
    let n = cases(CASES.cli);
    let mut runner = runner(n);
    let strategy = prop_oneof![3 => hostile_text(), 1 => arbitrary_text(), 1 => control_text(), 2 => news_text()];
    let texts: Vec<String> = (0..n).map(|_| strategy.new_tree(&mut runner).unwrap().current()).collect();
    let input: String = texts
        .iter()
        .enumerate()
        .map(|(id, text)| format!("{}\n", serde_json::json!({"id": id, "text": text})))
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nerlight"))
        .arg("extract")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the nerlight binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), texts.len(), "one output line per input line");
    let mut entities_seen = 0;
    for (id, (text, line)) in texts.iter().zip(&lines).enumerate() {
        assert_eq!(line["id"], id);
        let chars: Vec<char> = text.chars().collect();
        let got = line["entities"].as_array().unwrap();
        let lib = extract(text).unwrap();
        let want = convert_entity_offsets(text, &lib, OffsetUnit::CodePoint);
        assert_eq!(got.len(), lib.len(), "CLI and library disagree on {text:?}");
        for ((e, l), &(s, t)) in got.iter().zip(&lib).zip(&want) {
            let (start, end) = (e["start"].as_u64().unwrap() as usize, e["end"].as_u64().unwrap() as usize);
            assert!(start < end && end <= chars.len(), "{e} out of bounds in {text:?}");
            assert_eq!(chars[start..end].iter().collect::<String>(), e["text"].as_str().unwrap(), "in {text:?}");
            assert_eq!((start, end, e["label"].as_str().unwrap()), (s, t, l.label.as_str()), "in {text:?}");
        }
        entities_seen += got.len();
    }
    eprintln!("cli: {n} texts through the binary, {entities_seen} entities checked");
    assert!(entities_seen > 0);
}
