//! `nerlight`: train, evaluate and run the entity extractor from the command line.

// The CLI is native-only (clap, files, stdin); on wasm32 the binary compiles to an empty stub so
// that `cargo test --target wasm32-unknown-unknown` can build the package.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use nerlight::conll::{self, Layout, Recase};
use nerlight::eval::evaluate;
use nerlight::offsets::{OffsetUnit, convert_entity_offsets};
use nerlight::resources::{
    join_clusters, load_gazetteers, parse_brown_paths, parse_case_priors, parse_flat_clusters, read_text,
};
use nerlight::train::{Resources, TrainConfig, train};
use nerlight::{Extractor, default_extractor};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(name = "nerlight", version, about = "Find people, places and organizations in text")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model on CoNLL-format files (deterministic for a given seed).
    Train {
        /// Training corpus (CoNLL format); repeat the flag to train on several files.
        #[arg(long, required = true)]
        train: Vec<PathBuf>,
        /// Development corpus, used to pick the epoch and calibrate confidences.
        #[arg(long)]
        dev: PathBuf,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Brown clusters, `bit-path<TAB>word[<TAB>logprob]` lines (e.g. spaCy's en_brown_paths.tsv).
        #[arg(long)]
        clusters: Option<PathBuf>,
        /// A second, flat clustering, `word<TAB>cluster` lines (e.g. Snips NLU's brown_clusters.txt).
        #[arg(long)]
        flat_clusters: Option<PathBuf>,
        /// Word probabilities with letter case, a JSON object `{"word": logprob}`, gzipped or
        /// not (e.g. spaCy's en_lexeme_prob.json.gz): each clustered word's case prior.
        #[arg(long)]
        case_priors: Option<PathBuf>,
        /// Gazetteer folder laid out as shared/data/gazetteers (GeoNames, NLTK names).
        #[arg(long)]
        gazetteers: Option<PathBuf>,
        /// Passes over the training data.
        #[arg(long, default_value_t = TrainConfig::default().epochs)]
        epochs: usize,
        /// Run exactly this many epochs for stage 1 and stage 2 (`E1,E2`) instead of choosing them
        /// on dev: for training on dev as well, with the epochs a run without it chose.
        #[arg(long, value_delimiter = ',')]
        fixed_epochs: Option<Vec<usize>>,
        /// Use this confidence temperature instead of calibrating one on dev.
        #[arg(long)]
        temperature: Option<f32>,
        /// Seed of the sentence-order shuffle.
        #[arg(long, default_value_t = TrainConfig::default().seed)]
        seed: u64,
        /// Perceptrons trained in different orders and averaged into the model.
        #[arg(long, default_value_t = TrainConfig::default().replicas)]
        replicas: usize,
        /// Drop features seen fewer times than this.
        #[arg(long, default_value_t = TrainConfig::default().min_count)]
        min_count: u32,
        /// Drop averaged weights smaller than this in magnitude.
        #[arg(long, default_value_t = TrainConfig::default().prune)]
        prune: f32,
        /// While training, raise every wrong tag's score by this much before decoding (0: the
        /// plain perceptron).
        #[arg(long, default_value_t = TrainConfig::default().margin)]
        margin: f32,
        /// Jackknife folds: stage 2 learns from stage-1 labels of each fold by a model trained
        /// on the other folds (2 to 64).
        #[arg(long, default_value_t = TrainConfig::default().folds,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=64))]
        folds: usize,
        /// Train without lower- and upper-cased copies of training documents.
        #[arg(long)]
        no_case_augmentation: bool,
        /// Train only the sentence-level stage, without document-level features.
        #[arg(long)]
        no_document_stage: bool,
    },
    /// Score a model on a CoNLL-format file: entity-level P/R/F1 for PER, LOC, ORG.
    Eval {
        /// The corpus to score on.
        file: PathBuf,
        /// Rebuild plain text from the file and run the whole text pipeline, tokenizer included.
        #[arg(long)]
        raw: bool,
        /// Evaluate on a lower- or upper-cased copy of the file.
        #[arg(long, value_enum)]
        case: Option<CaseArg>,
        /// Before the scores, list each document's missed and spurious entities.
        #[arg(long)]
        errors: bool,
        /// Model file (default: the embedded model).
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Extract entities from JSON lines `{"id": ..., "text": ...}` on stdin, or from --text.
    /// Offsets are Unicode code points, end exclusive.
    Extract {
        /// One text to process instead of stdin.
        #[arg(long)]
        text: Option<String>,
        /// Model file (default: the embedded model).
        #[arg(long)]
        model: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CaseArg {
    Lower,
    Upper,
}

#[derive(Deserialize)]
struct Input {
    #[serde(default)]
    id: serde_json::Value,
    text: String,
}

#[derive(Serialize)]
struct OutputEntity<'a> {
    start: usize,
    end: usize,
    label: &'static str,
    text: &'a str,
    score: f32,
}

#[derive(Serialize)]
struct Output<'a> {
    id: &'a serde_json::Value,
    entities: Vec<OutputEntity<'a>>,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("nerlight: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The embedded model, or the model file at `path` (kept for the life of the process).
fn load_extractor(path: Option<&Path>) -> Result<&'static Extractor, String> {
    match path {
        None => default_extractor().map_err(|e| format!("embedded model: {e}")),
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let extractor = Extractor::from_bytes(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
            Ok(Box::leak(Box::new(extractor)))
        }
    }
}

/// `line` with every JSON escape of a lone UTF-16 surrogate (`\ud800` not followed by a low
/// surrogate's escape, or a low one alone) replaced by `\ufffd`, as a browser does when it
/// encodes such a string. Python's `json.dumps` writes these escapes; serde_json refuses them.
/// Code-point offsets stay valid: the replacement is one code point, like the surrogate was
/// in the caller's string.
fn lone_surrogates_replaced(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("\\u") {
        return std::borrow::Cow::Borrowed(line);
    }
    let unit = |i: usize| -> Option<u16> {
        let b = line.as_bytes();
        (b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u'))
            .then(|| line.get(i + 2..i + 6).and_then(|h| u16::from_str_radix(h, 16).ok()))
            .flatten()
    };
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line.as_bytes()[i] != b'\\' {
            let c = line[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        match unit(i) {
            Some(0xd800..=0xdbff) if matches!(unit(i + 6), Some(0xdc00..=0xdfff)) => {
                out.push_str(&line[i..i + 12]);
                i += 12;
            }
            Some(0xd800..=0xdfff) => {
                out.push_str("\\ufffd");
                i += 6;
            }
            _ => {
                // Any other escape, `\\` included, is copied whole so its second character is
                // never read as the start of another escape.
                let next = line[i + 1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&line[i..i + 1 + next]);
                i += 1 + next;
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

fn read_corpus(path: &Path) -> Result<Vec<conll::Document>, String> {
    conll::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Train {
            train: train_path,
            dev,
            out,
            clusters,
            flat_clusters,
            case_priors,
            gazetteers,
            epochs,
            fixed_epochs,
            temperature,
            seed,
            replicas,
            min_count,
            prune,
            margin,
            folds,
            no_case_augmentation,
            no_document_stage,
        } => {
            let started = Instant::now();
            let mut train_docs = Vec::new();
            for path in &train_path {
                train_docs.extend(read_corpus(path)?);
            }
            let dev_docs = read_corpus(&dev)?;
            let mut resources = Resources::default();
            let brown = match &clusters {
                Some(p) => parse_brown_paths(&read_text(p)?).map_err(|e| format!("{}: {e}", p.display()))?,
                None => Vec::new(),
            };
            let flat = match &flat_clusters {
                Some(p) => parse_flat_clusters(&read_text(p)?).map_err(|e| format!("{}: {e}", p.display()))?,
                None => Vec::new(),
            };
            let priors = match &case_priors {
                Some(p) => parse_case_priors(&read_text(p)?).map_err(|e| format!("{}: {e}", p.display()))?,
                None => Vec::new(),
            };
            resources.clusters = join_clusters(&brown, &flat, &priors);
            if let Some(dir) = gazetteers {
                resources.gazetteer = load_gazetteers(&dir)?;
            }
            let config = TrainConfig {
                epochs,
                fixed_epochs: match fixed_epochs.as_deref() {
                    None => None,
                    Some(&[one]) => Some([one, one]),
                    Some(&[one, two]) => Some([one, two]),
                    Some(_) => return Err("--fixed-epochs takes E1,E2: one count per stage".into()),
                },
                temperature,
                seed,
                replicas,
                min_count,
                prune,
                margin,
                folds,
                augment_case: !no_case_augmentation,
                document_stage: !no_document_stage,
                ..TrainConfig::default()
            };
            // The epoch each stage keeps: its first best on dev, as training chooses.
            let mut chosen = [(0usize, f64::MIN); 2];
            let data = train(&train_docs, &dev_docs, &resources, &config, |r| {
                if r.dev_f1 > chosen[r.stage - 1].1 {
                    chosen[r.stage - 1] = (r.epoch, r.dev_f1);
                }
                println!(
                    "stage {} epoch {:>2}  mistakes {:>5}  dev micro F1 PER/LOC/ORG {:.2}  ({:.0} s)",
                    r.stage,
                    r.epoch,
                    r.mistakes,
                    r.dev_f1,
                    started.elapsed().as_secs_f64()
                );
            });
            let bytes = data.to_bytes();
            // Read back as a check, and for the number of features the file keeps (those with a
            // weight in any stage once quantised).
            let written = nerlight::model::Model::from_bytes(&bytes).map_err(|e| format!("the model written: {e}"))?;
            std::fs::write(&out, &bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            println!(
                "wrote {} ({} bytes, {} features, {} cluster words, {} gazetteer entries, temperature {}) in {:.0} s",
                out.display(),
                bytes.len(),
                written.weights().n_keys(),
                data.clusters.len(),
                data.gazetteer.len(),
                data.temperature,
                started.elapsed().as_secs_f64()
            );
            if config.fixed_epochs.is_none() {
                let stages = data.stages.len();
                let epochs: Vec<String> = chosen[..stages].iter().map(|(e, _)| e.to_string()).collect();
                println!("chosen on dev: --fixed-epochs {} --temperature {}", epochs.join(","), data.temperature);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { file, raw, case, errors, model } => {
            let extractor = load_extractor(model.as_deref())?;
            let mut docs = read_corpus(&file)?;
            if let Some(case) = case {
                let case = match case {
                    CaseArg::Lower => Recase::Lower,
                    CaseArg::Upper => Recase::Upper,
                };
                docs = conll::recase(&docs, case);
            }
            let layout = if raw { Layout::Raw } else { Layout::Gold };
            let (scores, doc_errors) = evaluate(extractor, &docs, layout);
            if errors {
                for d in &doc_errors {
                    println!("document {}", d.index + 1);
                    for (text, label) in &d.false_negatives {
                        println!("  missed   {label} {text}");
                    }
                    for (text, label) in &d.false_positives {
                        println!("  spurious {label} {text}");
                    }
                }
            }
            println!("{}", scores.report());
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract { text, model } => {
            let extractor = load_extractor(model.as_deref())?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            if let Some(text) = text {
                write_result(&mut out, extractor, &serde_json::Value::Null, &text)?;
                out.flush().map_err(|e| e.to_string())?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut failed = false;
            for (n, line) in std::io::stdin().lock().lines().enumerate() {
                let line = line.map_err(|e| format!("cannot read stdin: {e}"))?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Input>(&lone_surrogates_replaced(&line)) {
                    Ok(input) => write_result(&mut out, extractor, &input.id, &input.text)?,
                    Err(e) => {
                        out.flush().map_err(|e| e.to_string())?;
                        eprintln!("nerlight: line {}: expected {{\"id\": ..., \"text\": \"...\"}}: {e}", n + 1);
                        failed = true;
                    }
                }
            }
            out.flush().map_err(|e| e.to_string())?;
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
    }
}

fn write_result(out: &mut impl Write, extractor: &Extractor, id: &serde_json::Value, text: &str) -> Result<(), String> {
    let entities = extractor.extract(text);
    let offsets = convert_entity_offsets(text, &entities, OffsetUnit::CodePoint);
    let output = Output {
        id,
        entities: entities
            .iter()
            .zip(offsets)
            .map(|(e, (start, end))| OutputEntity { start, end, label: e.label.as_str(), text: e.text, score: e.score })
            .collect(),
    };
    let line = serde_json::to_string(&output).map_err(|e| e.to_string())?;
    writeln!(out, "{line}").map_err(|e| format!("cannot write stdout: {e}"))
}
