//! The `nerlight` command line: extract (code-point offsets, JSON lines, errors by line),
//! eval's report format, and deterministic training.

#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn nerlight(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nerlight"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the nerlight binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The code-point slice `start..end` of `text`, as Python's `text[start:end]`.
fn cp_slice(text: &str, start: u64, end: u64) -> String {
    text.chars().skip(start as usize).take((end - start) as usize).collect()
}

const TRICKY: &str =
    "👨‍👩‍👧 Zoë said: Jens Stoltenberg met 東京 officials in Bucharest 🇷🇴 with cafe\u{301} owners from NATO.";

#[test]
fn extract_text_gives_code_point_offsets() {
    let out = nerlight(&["extract", "--text", TRICKY], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let entities = lines[0]["entities"].as_array().unwrap();
    for e in entities {
        let (s, t) = (e["start"].as_u64().unwrap(), e["end"].as_u64().unwrap());
        assert_eq!(cp_slice(TRICKY, s, t), e["text"].as_str().unwrap());
        assert!(["PER", "LOC", "ORG"].contains(&e["label"].as_str().unwrap()));
    }
    let cp_start = |name: &str| TRICKY[..TRICKY.find(name).unwrap()].chars().count() as u64;
    let has = |name: &str, label: &str| {
        entities.iter().any(|e| {
            e["start"] == cp_start(name)
                && e["end"] == cp_start(name) + name.chars().count() as u64
                && e["label"] == label
        })
    };
    assert!(has("Jens Stoltenberg", "PER") && has("Bucharest", "LOC") && has("NATO", "ORG"), "{entities:?}");
}

#[test]
fn extract_reads_json_lines_and_reports_bad_lines_by_number() {
    let input = format!(
        "{}\nnot json\n{}\n{{\"id\": 3}}\n",
        serde_json::json!({"id": "a", "text": "NATO met in Bucharest."}),
        serde_json::json!({"id": 7, "text": TRICKY}),
    );
    let out = nerlight(&["extract"], &input);
    assert!(!out.status.success(), "a malformed line makes the exit status non-zero");
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("line 4"), "{stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "the good lines are still processed");
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[1]["id"], 7);
    let first = &lines[0]["entities"];
    assert_eq!(first[0]["text"], "NATO");
    assert_eq!((first[0]["start"].as_u64(), first[0]["end"].as_u64()), (Some(0), Some(4)));
    assert_eq!(first[1]["text"], "Bucharest");
    assert_eq!((first[1]["start"].as_u64(), first[1]["end"].as_u64()), (Some(12), Some(21)));
}

#[test]
fn lone_surrogate_escapes_read_as_replacement_characters() {
    // What Python's json.dumps writes for a string holding lone surrogates; a valid pair (😀)
    // and an escaped backslash followed by "ud800" stay as they are.
    let line = r#"{"id": 1, "text": "\ud800 \udc00 Jens Stoltenberg met NATO \ud83d\ude00 in \\ud800 Bucharest."}"#;
    let out = nerlight(&["extract"], &format!("{line}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = "\u{FFFD} \u{FFFD} Jens Stoltenberg met NATO 😀 in \\ud800 Bucharest.";
    let lines = json_lines(&out);
    let entities = lines[0]["entities"].as_array().unwrap();
    let found: Vec<(String, &str)> = entities
        .iter()
        .map(|e| {
            (cp_slice(text, e["start"].as_u64().unwrap(), e["end"].as_u64().unwrap()), e["text"].as_str().unwrap())
        })
        .collect();
    assert!(found.iter().all(|(slice, text)| slice == text), "{found:?}");
    assert!(found.iter().any(|(s, _)| s == "Jens Stoltenberg"), "{found:?}");
    assert!(found.iter().any(|(s, _)| s == "Bucharest"), "{found:?}");
}

#[test]
fn eval_ends_with_the_micro_f1_line() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny.conll");
    for args in [vec!["eval", fixture], vec!["eval", fixture, "--raw"]] {
        let out = nerlight(&args, "");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let last = stdout.lines().last().unwrap();
        let f1: f64 = last.strip_prefix("micro F1 PER/LOC/ORG: ").expect(last).parse().unwrap();
        assert!((0.0..=100.0).contains(&f1));
        for row in ["PER ", "LOC ", "ORG "] {
            assert!(stdout.lines().any(|l| l.starts_with(row)), "{stdout}");
        }
    }
}

#[test]
fn training_reports_its_choices_and_can_replay_them_on_more_data() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny.conll");
    let dir = std::env::temp_dir().join(format!("nerlight-cli-fixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_path = dir.join("m.bin");
    let out_path = out_path.to_str().unwrap();
    let common = ["train", "--dev", fixture, "--out", out_path, "--epochs", "2", "--replicas", "2"];
    let out = nerlight(&[&common[..], &["--train", fixture]].concat(), "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let chosen = stdout.lines().find(|l| l.starts_with("chosen on dev: --fixed-epochs ")).expect("choices printed");
    let replay: Vec<&str> = chosen.trim_start_matches("chosen on dev: ").split(' ').collect();
    assert_eq!(replay.len(), 4, "{chosen}");

    // Two training files and the printed choices: no epoch is scored on dev, none is chosen.
    let out = nerlight(&[&common[..], &["--train", fixture, "--train", fixture], &replay[..]].concat(), "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("epoch") && !stdout.contains("chosen on dev"), "{stdout}");
    let temperature = replay[3];
    assert!(stdout.contains(&format!("temperature {temperature})")), "{stdout}");

    let out = nerlight(&[&common[..], &["--train", fixture, "--fixed-epochs", "1,2,3"]].concat(), "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fixed-epochs takes E1,E2"));

    let out = nerlight(&[&common[..], &["--train", fixture, "--folds", "1"]].concat(), "");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--folds") && stderr.contains("2.."), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn training_is_deterministic_and_its_model_loads() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny.conll");
    let dir = std::env::temp_dir().join(format!("nerlight-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths = [dir.join("a.bin"), dir.join("b.bin")];
    for p in &paths {
        let out = nerlight(
            &[
                "train",
                "--train",
                fixture,
                "--dev",
                fixture,
                "--out",
                p.to_str().unwrap(),
                "--epochs",
                "3",
                "--min-count",
                "1",
            ],
            "",
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("epoch  3"), "dev F1 is printed per epoch: {stdout}");
    }
    let (a, b) = (std::fs::read(&paths[0]).unwrap(), std::fs::read(&paths[1]).unwrap());
    assert_eq!(a, b, "same data and seed, same bytes");
    let out = nerlight(&["extract", "--model", paths[0].to_str().unwrap(), "--text", "Jens Stoltenberg"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_model_file_is_refused_with_its_reason() {
    let dir = std::env::temp_dir().join(format!("nerlight-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.bin");
    std::fs::write(&path, b"GARBAGE!").unwrap();
    let out = nerlight(&["extract", "--model", path.to_str().unwrap(), "--text", "NATO"], "");
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("not a nerlight model"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
