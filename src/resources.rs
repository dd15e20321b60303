//! Reading the external knowledge sources that training copies into a model: Brown clusters
//! and gazetteers from the files in `shared/data`. Native only.

use std::collections::{BTreeMap, HashMap};
use std::path::Path as FsPath;

use crate::gazetteer::{CATEGORIES, match_form};
use crate::lexicon::{CasePrior, Classes, MAX_FLAT, Path, pack_path};

/// Reads the text file `path`, gunzipping it first when its name ends in `.gz`: spaCy ships its
/// word-probability table gzipped, and training reads it as it is.
pub fn read_text(path: &FsPath) -> Result<String, String> {
    let failed = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        let file = std::fs::File::open(path).map_err(failed)?;
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(file), &mut text).map_err(failed)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(failed)
    }
}

/// Parses Brown clusters as `bit-path<TAB>word[<TAB>log-probability]` lines (the layout of
/// `en_brown_paths.tsv`), keeping words with a letter, keyed lower-case; where several forms of
/// a word differ, the most probable form's path wins.
pub fn parse_brown_paths(text: &str) -> Result<Vec<(String, Path)>, String> {
    let mut best: HashMap<String, (Path, f64)> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let mut cols = line.split('\t');
        let (Some(bits), Some(word)) = (cols.next(), cols.next()) else {
            return Err(format!("line {}: expected bit-path<TAB>word", n + 1));
        };
        let path = pack_path(bits).ok_or_else(|| format!("line {}: {bits:?} is not a bit path", n + 1))?;
        let logprob = cols.next().and_then(|p| p.parse::<f64>().ok()).unwrap_or(f64::MIN);
        if !word.chars().any(char::is_alphabetic) || word.contains('\n') {
            continue;
        }
        let lower = word.to_lowercase();
        if best.get(&lower).is_none_or(|&(_, lp)| logprob > lp) {
            best.insert(lower, (path, logprob));
        }
    }
    let mut out: Vec<(String, Path)> = best.into_iter().map(|(w, (p, _))| (w, p)).collect();
    out.sort();
    Ok(out)
}

/// Parses a flat clustering as `word<TAB>cluster` lines (the layout of Snips NLU's
/// `brown_clusters.txt`, whose values are opaque numbers), keeping words with a letter, keyed
/// lower-case (the first line of a word wins). Clusters are renumbered 1, 2, … in the order of
/// their values.
pub fn parse_flat_clusters(text: &str) -> Result<Vec<(String, u16)>, String> {
    let mut words: BTreeMap<String, u64> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let Some((word, value)) = line.split_once('\t') else {
            return Err(format!("line {}: expected word<TAB>cluster", n + 1));
        };
        let value: u64 = value.trim().parse().map_err(|_| format!("line {}: {value:?} is not a number", n + 1))?;
        if word.chars().any(char::is_alphabetic) {
            words.entry(word.to_lowercase()).or_insert(value);
        }
    }
    let mut values: Vec<u64> = words.values().copied().collect();
    values.sort_unstable();
    values.dedup();
    if values.len() > usize::from(MAX_FLAT) {
        return Err(format!("{} clusters, at most {MAX_FLAT} fit", values.len()));
    }
    let number = |v: &u64| values.binary_search(v).expect("listed") as u16 + 1;
    Ok(words.iter().map(|(w, v)| (w.clone(), number(v))).collect())
}

/// Reads a word-probability table, a JSON object `{"word": log-probability}` whose words keep
/// their letter case (the layout of spaCy's `en_lexeme_prob.json`), into each lower-cased
/// word's [`CasePrior`]: how its probability mass splits between the lower-case form and the
/// capitalised ones. Words without a cased letter are left out.
pub fn parse_case_priors(json: &str) -> Result<Vec<(String, CasePrior)>, String> {
    let table: BTreeMap<String, f64> =
        serde_json::from_str(json).map_err(|e| format!("not a word → log-probability object: {e}"))?;
    // Per lower-cased word: the probability of its lower-case form, and of its other forms.
    let mut mass: HashMap<String, (f64, f64)> = HashMap::new();
    for (form, logprob) in &table {
        let lower = form.to_lowercase();
        if lower == form.to_uppercase() {
            continue;
        }
        let is_lower = *form == lower;
        let m = mass.entry(lower).or_default();
        if is_lower {
            m.0 += logprob.exp();
        } else {
            m.1 += logprob.exp();
        }
    }
    let mut out: Vec<(String, CasePrior)> =
        mass.into_iter().map(|(w, (lower, cased))| (w, case_prior(lower, cased))).collect();
    out.sort();
    Ok(out)
}

/// The [`CasePrior`] of a word whose lower-case form has probability `lower` and whose
/// capitalised forms have `cased` together: 1 only capitalised, 2–6 from mostly capitalised
/// (20 times as often or more) to mostly lower case, 7 only lower case.
pub fn case_prior(lower: f64, cased: f64) -> CasePrior {
    if lower <= 0.0 {
        return 1;
    }
    if cased <= 0.0 {
        return 7;
    }
    match (cased / lower).ln() {
        r if r >= 3.0 => 2,
        r if r >= 1.0 => 3,
        r if r >= -1.0 => 4,
        r if r >= -3.0 => 5,
        _ => 6,
    }
}

/// Joins a Brown clustering, a flat one and case priors into each word's [`Classes`], sorted
/// by word. Only the Brown clustering's words are kept: the others add a second opinion on
/// them, not words of their own (Snips' vocabulary beyond spaCy's is mostly social-media noise,
/// hashtags, user names and misspellings, that would double the lexicon's download).
pub fn join_clusters(
    brown: &[(String, Path)],
    flat: &[(String, u16)],
    priors: &[(String, CasePrior)],
) -> Vec<(String, Classes)> {
    let flat: BTreeMap<&str, u16> = flat.iter().map(|(w, n)| (w.as_str(), *n)).collect();
    let priors: BTreeMap<&str, CasePrior> = priors.iter().map(|(w, p)| (w.as_str(), *p)).collect();
    let classes = |w: &str, p: Path| {
        Classes::new(p, flat.get(w).copied().unwrap_or(0)).with_case_prior(priors.get(w).copied().unwrap_or(0))
    };
    let mut joined: Vec<(String, Classes)> = brown.iter().map(|(w, p)| (w.clone(), classes(w, *p))).collect();
    joined.sort();
    joined
}

/// Reads the permissively licensed name lists under `dir` (the layout of
/// `shared/data/gazetteers`) as `(phrase in match form, category)` entries:
///
/// - GeoNames (CC-BY 4.0): country names and capitals, cities of 15,000+ people with the Latin
///   alternate names of those of 100,000+, US states, continents;
/// - NLTK names corpus (free use with credit): first names;
/// - NLTK nationalities list (public domain).
///
/// The GFDL lists of NLTK and the LGPL ANNIE lists are deliberately not read: their licences
/// would bind the shipped model.
pub fn load_gazetteers(dir: &FsPath) -> Result<Vec<(String, u8)>, String> {
    let category = |name: &str| CATEGORIES.iter().position(|c| *c == name).expect("known category") as u8;
    let (country, city, region, first_name, nationality) =
        (category("country"), category("city"), category("region"), category("first-name"), category("nationality"));
    let read = |rel: &str| -> Result<String, String> {
        let p = dir.join(rel);
        std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let json = |rel: &str| -> Result<serde_json::Value, String> {
        serde_json::from_str(&read(rel)?).map_err(|e| format!("{rel}: {e}"))
    };
    let mut out: Vec<(String, u8)> = Vec::new();
    let mut add = |phrase: &str, c: u8| {
        let form = match_form(phrase);
        if !form.is_empty() && form.chars().any(char::is_alphabetic) {
            out.push((form, c));
        }
    };
    for c in json("geonames/countries.json")?.as_object().ok_or("countries.json: not an object")?.values() {
        add(c["name"].as_str().unwrap_or_default(), country);
        add(c["capital"].as_str().unwrap_or_default(), city);
    }
    for c in json("geonames/cities15000.json")?.as_object().ok_or("cities15000.json: not an object")?.values() {
        add(c["name"].as_str().unwrap_or_default(), city);
        if c["population"].as_u64().unwrap_or(0) >= 100_000 {
            for alt in c["alternatenames"].as_array().into_iter().flatten().filter_map(|a| a.as_str()) {
                if is_latin_name(alt) {
                    add(alt, city);
                }
            }
        }
    }
    for s in json("geonames/us_states.json")?.as_object().ok_or("us_states.json: not an object")?.values() {
        add(s["name"].as_str().unwrap_or_default(), region);
    }
    for c in json("geonames/continents.json")?.as_object().ok_or("continents.json: not an object")?.values() {
        add(c["name"].as_str().unwrap_or_default(), region);
    }
    for file in ["nltk/names/male.txt", "nltk/names/female.txt"] {
        for name in read(file)?.lines().filter(|l| !l.starts_with('#')) {
            add(name.trim(), first_name);
        }
    }
    for n in read("nltk/gazetteers/nationalities.txt")?.lines() {
        add(n.trim(), nationality);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A capitalised Latin-script name of four or more letters (GeoNames alternate names mix
/// scripts, transliterations and airport codes).
fn is_latin_name(name: &str) -> bool {
    name.chars().count() >= 4
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphabetic() || " '-.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brown_paths_keep_the_most_probable_form() {
        let text = "0110\tParis\t-10.0\n0111\tparis\t-14.0\n0001\t.\t-3.0\n10\tNATO\t-12.0\n";
        let clusters = parse_brown_paths(text).unwrap();
        assert_eq!(clusters, vec![("nato".to_string(), 0b1_10), ("paris".to_string(), 0b1_0110)]);
        assert!(parse_brown_paths("01x\tword").unwrap_err().contains("line 1"));
    }

    #[test]
    fn flat_clusters_are_renumbered_in_value_order() {
        let text = "Kyiv\t40000\nkyiv\t7\nnato\t7\n!!\t36352\n";
        let flat = parse_flat_clusters(text).unwrap();
        assert_eq!(flat, vec![("kyiv".to_string(), 2), ("nato".to_string(), 1)]);
        assert!(parse_flat_clusters("word\tx").unwrap_err().contains("line 1"));
        let joined = join_clusters(&[("nato".to_string(), 0b1_10), ("paris".to_string(), 0b1_0110)], &flat, &[]);
        let words: Vec<(&str, u32, u16)> = joined.iter().map(|(w, c)| (w.as_str(), c.path(), c.flat())).collect();
        assert_eq!(words, vec![("nato", 0b1_10, 1), ("paris", 0b1_0110, 0)]);
    }

    #[test]
    fn case_priors_split_each_words_mass_between_its_forms() {
        // "Bank" is twice as common as "bank"; "nato" is only ever capitalised; "the" only in
        // lower case; "paris" as often capitalised as upper-cased, both forms counting as cased.
        let json =
            r#"{"Bank": -2.0, "bank": -2.6931, "NATO": -9.0, "the": -1.0, "Paris": -8.0, "PARIS": -8.0, "42": -5.0}"#;
        let priors = parse_case_priors(json).unwrap();
        let expected = [("bank", 4), ("nato", 1), ("paris", 1), ("the", 7)].map(|(w, p)| (w.to_string(), p));
        assert_eq!(priors, expected);
        assert!(parse_case_priors("[1, 2]").unwrap_err().contains("not a word"));
    }

    #[test]
    fn case_prior_buckets_run_from_only_capitalised_to_only_lower_case() {
        let e = std::f64::consts::E;
        let buckets = [
            (0.0, 1.0),
            (1.0, e.powi(4)),
            (1.0, e.powi(2)),
            (1.0, 1.0),
            (e.powi(2), 1.0),
            (e.powi(4), 1.0),
            (1.0, 0.0),
        ];
        let priors: Vec<CasePrior> = buckets.iter().map(|&(lower, cased)| case_prior(lower, cased)).collect();
        assert_eq!(priors, [1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn text_is_read_through_gzip_when_the_name_says_so() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("nerlight-read-text-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (plain, zipped) = (dir.join("p.json"), dir.join("p.json.gz"));
        std::fs::write(&plain, "{\"Kyiv\": -9.5}").unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"{\"Kyiv\": -9.5}").unwrap();
        std::fs::write(&zipped, encoder.finish().unwrap()).unwrap();
        assert_eq!(read_text(&plain).unwrap(), "{\"Kyiv\": -9.5}");
        assert_eq!(read_text(&zipped).unwrap(), "{\"Kyiv\": -9.5}");
        std::fs::write(&zipped, b"not gzip").unwrap();
        assert!(read_text(&zipped).unwrap_err().starts_with("cannot read"));
        assert!(read_text(&dir.join("absent.txt")).unwrap_err().contains("absent.txt"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn latin_alternate_names_only() {
        assert!(is_latin_name("Kyiv") && is_latin_name("Les Escaldes"));
        assert!(!is_latin_name("IEV") && !is_latin_name("Київ") && !is_latin_name("bu jia lei si te"));
    }
}
