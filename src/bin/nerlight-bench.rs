//! `nerlight-bench`: the native half of `make bench`.
//!
//! `corpus` writes the benchmark corpus (CoNLL-2003 test documents laid out as text, and the
//! seed articles) as one JSON array of strings, so that the native, Node and Chromium rows of
//! the table all time exactly the same documents. `native` times the native extractor on it and
//! prints one JSON object: throughput, cold start, and per-token time at growing input sizes.
//!
//! Tokens are counted the same way for every tool: whitespace-separated words of the text.

#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use nerlight::conll::{self, Layout};
use nerlight::{EMBEDDED_MODEL, Extractor};
use serde::Serialize;

#[derive(Parser)]
#[command(name = "nerlight-bench", about = "Benchmark corpus and native timings for `make bench`")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the benchmark corpus: a JSON array of document texts.
    Corpus {
        /// CoNLL-format file whose documents are laid out as text (skipped if absent).
        #[arg(long)]
        conll: Option<PathBuf>,
        /// Folder of `.txt` articles, each one document.
        #[arg(long)]
        articles: PathBuf,
        /// Where to write the JSON array.
        #[arg(long)]
        out: PathBuf,
    },
    /// Time native extraction on a corpus written by `corpus`; prints one JSON object.
    Native {
        /// The corpus JSON.
        #[arg(long)]
        corpus: PathBuf,
        /// Timed passes over the corpus (after one warm-up pass); the median is reported.
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Largest scaling input in bytes (10 kB × 10ⁿ up to this).
        #[arg(long, default_value_t = 10_000_000)]
        max_scale: usize,
    },
}

/// What `native` prints.
#[derive(Serialize)]
struct NativeReport {
    documents: usize,
    tokens: usize,
    bytes: usize,
    /// Median seconds for one pass over every document.
    seconds: f64,
    /// Fastest pass (the least disturbed by other processes).
    best_seconds: f64,
    tokens_per_second: f64,
    mb_per_second: f64,
    /// Threads of the parallel passes: one per core.
    threads: usize,
    /// Median seconds for one pass with the documents shared among `threads` threads, all
    /// extracting with the one extractor.
    parallel_seconds: f64,
    parallel_tokens_per_second: f64,
    /// Model bytes in hand to the first result (validate + build the serving form + extract).
    cold_start_ms: f64,
    /// `(input bytes, tokens, nanoseconds per token)` for inputs of growing size.
    scaling: Vec<(usize, usize, f64)>,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("nerlight-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Corpus { conll: conll_path, articles, out } => {
            let mut docs = Vec::new();
            match conll_path {
                Some(p) if p.exists() => {
                    let corpus = conll::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                    docs.extend(corpus.iter().map(|d| conll::lay_out(d, Layout::Raw).text));
                }
                Some(p) => eprintln!("nerlight-bench: {} is absent: the corpus holds the articles only", p.display()),
                None => {}
            }
            let mut paths: Vec<PathBuf> = std::fs::read_dir(&articles)
                .map_err(|e| format!("cannot read {}: {e}", articles.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            paths.sort();
            for p in paths {
                docs.push(std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?);
            }
            let json = serde_json::to_string(&docs).map_err(|e| e.to_string())?;
            std::fs::write(&out, json).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            eprintln!("nerlight-bench: {} documents, {} tokens → {}", docs.len(), tokens(&docs), out.display());
            Ok(())
        }
        Command::Native { corpus, runs, max_scale } => {
            let json =
                std::fs::read_to_string(&corpus).map_err(|e| format!("cannot read {}: {e}", corpus.display()))?;
            let docs: Vec<String> = serde_json::from_str(&json).map_err(|e| format!("{}: {e}", corpus.display()))?;
            let report = native(&docs, runs.max(1), max_scale)?;
            println!("{}", serde_json::to_string(&report).map_err(|e| e.to_string())?);
            Ok(())
        }
    }
}

/// Whitespace-separated words: the token count every row of the table uses.
fn tokens(docs: &[String]) -> usize {
    docs.iter().map(|d| d.split_whitespace().count()).sum()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn native(docs: &[String], runs: usize, max_scale: usize) -> Result<NativeReport, String> {
    let started = Instant::now();
    let extractor = Extractor::from_bytes(EMBEDDED_MODEL).map_err(|e| e.to_string())?;
    std::hint::black_box(extractor.extract("Jens Stoltenberg spoke in Bucharest."));
    let cold_start_ms = started.elapsed().as_secs_f64() * 1e3;

    let pass = || {
        let t = Instant::now();
        let found: usize = docs.iter().map(|d| extractor.extract(d).len()).sum();
        std::hint::black_box(found);
        t.elapsed().as_secs_f64()
    };
    pass();
    let times: Vec<f64> = (0..runs).map(|_| pass()).collect();
    let best_seconds = times.iter().copied().fold(f64::INFINITY, f64::min);
    let seconds = median(times);
    let n_tokens = tokens(docs);

    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let parallel_pass = || {
        let t = Instant::now();
        std::thread::scope(|scope| {
            for first in 0..threads {
                let extractor = &extractor;
                scope.spawn(move || {
                    let found: usize =
                        docs.iter().skip(first).step_by(threads).map(|d| extractor.extract(d).len()).sum();
                    std::hint::black_box(found);
                });
            }
        });
        t.elapsed().as_secs_f64()
    };
    parallel_pass();
    let parallel_seconds = median((0..runs).map(|_| parallel_pass()).collect());
    let bytes: usize = docs.iter().map(String::len).sum();

    let mut scaling = Vec::new();
    let mut size = 10_000;
    while size <= max_scale {
        let text = concatenate(docs, size);
        let n = text.split_whitespace().count();
        let reps = (3_000_000 / size).clamp(1, 50);
        let time = median(
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    for _ in 0..reps {
                        std::hint::black_box(extractor.extract(&text));
                    }
                    t.elapsed().as_secs_f64() / reps as f64
                })
                .collect(),
        );
        scaling.push((text.len(), n, time * 1e9 / n as f64));
        size *= 10;
    }
    Ok(NativeReport {
        documents: docs.len(),
        tokens: n_tokens,
        bytes,
        seconds,
        best_seconds,
        tokens_per_second: n_tokens as f64 / seconds,
        mb_per_second: bytes as f64 / 1e6 / seconds,
        threads,
        parallel_seconds,
        parallel_tokens_per_second: n_tokens as f64 / parallel_seconds,
        cold_start_ms,
        scaling,
    })
}

/// The documents joined by blank lines, repeated, until the text is about `size` bytes long
/// (cut at a document boundary at or past `size`, so no word is cut).
fn concatenate(docs: &[String], size: usize) -> String {
    let mut text = String::with_capacity(size + 10_000);
    for d in docs.iter().cycle() {
        if text.len() >= size {
            break;
        }
        text.push_str(d);
        text.push_str("\n\n");
    }
    text
}
