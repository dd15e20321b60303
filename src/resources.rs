//! Reading the external knowledge sources that training copies into a model: Brown clusters
//! and gazetteers from the files in `shared/data`. Native only.

use std::collections::{BTreeMap, HashMap};
use std::path::Path as FsPath;

use crate::gazetteer::{CATEGORIES, match_form};
use crate::lexicon::{Classes, MAX_FLAT, Path, pack_path};

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

/// Joins a Brown clustering and a flat one into each word's [`Classes`], sorted by word. Only
/// the Brown clustering's words are kept: the flat one adds a second opinion on them, not words
/// of its own (Snips' vocabulary beyond spaCy's is mostly social-media noise, hashtags, user
/// names and misspellings, that would double the lexicon's download).
pub fn join_clusters(brown: &[(String, Path)], flat: &[(String, u16)]) -> Vec<(String, Classes)> {
    let flat: BTreeMap<&str, u16> = flat.iter().map(|(w, n)| (w.as_str(), *n)).collect();
    let mut joined: Vec<(String, Classes)> =
        brown.iter().map(|(w, p)| (w.clone(), Classes::new(*p, flat.get(w.as_str()).copied().unwrap_or(0)))).collect();
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
        let joined = join_clusters(&[("nato".to_string(), 0b1_10), ("paris".to_string(), 0b1_0110)], &flat);
        let words: Vec<(&str, u32, u16)> = joined.iter().map(|(w, c)| (w.as_str(), c.path(), c.flat())).collect();
        assert_eq!(words, vec![("nato", 0b1_10, 1), ("paris", 0b1_0110, 0)]);
    }

    #[test]
    fn latin_alternate_names_only() {
        assert!(is_latin_name("Kyiv") && is_latin_name("Les Escaldes"));
        assert!(!is_latin_name("IEV") && !is_latin_name("Київ") && !is_latin_name("bu jia lei si te"));
    }
}
