//! The embedded model on the user's sample articles (scraped news, in tests/fixtures/seeds):
//! exact byte spans for the entities a reader expects.

#![cfg(not(target_arch = "wasm32"))]

use nerlight::{Entity, Label, extract};

const NATO_ARTICLE: &str = include_str!("fixtures/seeds/000_715a7ecace717eaf.txt");
const INTERFAX_ARTICLE: &str = include_str!("fixtures/seeds/003_dac5c722acc4d44b.txt");

fn spans(entities: &[Entity]) -> Vec<(usize, usize, Label)> {
    entities.iter().map(|e| (e.start, e.end, e.label)).collect()
}

/// The byte span of every whole-word occurrence of `name` in `text`.
fn occurrences(text: &str, name: &str) -> Vec<(usize, usize)> {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(name)
        .map(|(i, _)| (i, i + name.len()))
        .filter(|&(s, e)| !is_word(text[..s].chars().next_back()) && !is_word(text[e..].chars().next()))
        .collect()
}

#[test]
fn every_mention_in_the_nato_article_has_its_exact_span() {
    let found = spans(&extract(NATO_ARTICLE).unwrap());
    for (name, label, at_least) in [
        ("Jens Stoltenberg", Label::Per, 2),
        ("Vladimir Putin", Label::Per, 2),
        ("Bucharest", Label::Loc, 3),
        ("Romania", Label::Loc, 1),
        ("NATO", Label::Org, 5),
    ] {
        let mentions = occurrences(NATO_ARTICLE, name);
        assert!(mentions.len() >= at_least, "{name}: only {} mentions in the fixture", mentions.len());
        for (s, e) in mentions {
            assert!(found.contains(&(s, e, label)), "{name} at {s}..{e} not found as {label}; found {found:?}");
        }
    }
}

/// (sentence of a seed article, every entity expected in it when the article is pasted whole)
const SENTENCES: &[(&str, &[(&str, Label)])] = &[
    (
        "At the 2008 NATO summit in Bucharest, Allied leaders decided that Ukraine would become a member",
        &[("NATO", Label::Org), ("Bucharest", Label::Loc), ("Ukraine", Label::Loc)],
    ),
    (
        "Stoltenberg claimed that Russian President Vladimir Putin “is failing in Ukraine”.",
        &[("Stoltenberg", Label::Per), ("Vladimir Putin", Label::Per), ("Ukraine", Label::Loc)],
    ),
    (
        "NATO Secretary-General Jens Stoltenberg has accused Russia of “trying to use winter as a weapon of war”",
        &[("NATO", Label::Org), ("Jens Stoltenberg", Label::Per), ("Russia", Label::Loc)],
    ),
    (
        "Secretary-General Jens Stoltenberg said in a speech in Bucharest, Romania",
        &[("Jens Stoltenberg", Label::Per), ("Bucharest", Label::Loc), ("Romania", Label::Loc)],
    ),
];

const NEWS_ARTICLE: &str = include_str!("fixtures/seeds/001_72e219e2d95a4b34.txt");

#[test]
fn sentences_of_pasted_articles_give_exactly_their_entities() {
    let articles = [NATO_ARTICLE, NEWS_ARTICLE];
    for &(sentence, expected) in SENTENCES {
        let (article, at) = articles
            .iter()
            .find_map(|a| a.find(sentence).map(|at| (*a, at)))
            .expect("the sentence is in a fixture article");
        let want: Vec<(usize, usize, Label)> = expected
            .iter()
            .map(|&(name, label)| {
                let s = at + sentence.find(name).expect("expected entity is in the sentence");
                (s, s + name.len(), label)
            })
            .collect();
        let got: Vec<_> = spans(&extract(article).unwrap())
            .into_iter()
            .filter(|&(s, e, _)| s >= at && e <= at + sentence.len())
            .collect();
        assert_eq!(got, want, "in {sentence:?}");
    }
}

#[test]
fn camel_glued_words_from_scraping_are_separate_entities() {
    let glued = "in UkraineStoltenberg said.";
    let at = NATO_ARTICLE.find(glued).expect("the fixture has the glued words");
    let found = spans(&extract(NATO_ARTICLE).unwrap());
    let ukraine = at + 3;
    let stoltenberg = ukraine + "Ukraine".len();
    assert!(found.contains(&(ukraine, ukraine + 7, Label::Loc)), "{found:?}");
    assert!(found.contains(&(stoltenberg, stoltenberg + 11, Label::Per)), "{found:?}");
}

#[test]
fn entities_are_sorted_non_overlapping_and_never_edged_by_punctuation() {
    for article in [NATO_ARTICLE, INTERFAX_ARTICLE] {
        let entities = extract(article).unwrap();
        assert!(entities.windows(2).all(|w| w[0].end <= w[1].start), "overlap or disorder");
        for e in &entities {
            assert_eq!(&article[e.start..e.end], e.text);
            assert!(
                e.text.starts_with(char::is_alphanumeric) && e.text.ends_with(char::is_alphanumeric),
                "{:?}",
                e.text
            );
            assert!((0.0..=1.0).contains(&e.score), "{e:?}");
        }
    }
}

#[test]
fn byte_offsets_survive_emoji_accents_cjk_and_combining_marks() {
    let text = "👨‍👩‍👧 Zoë said: Jens Stoltenberg met 東京 officials in Bucharest 🇷🇴 with cafe\u{301} owners from NATO.";
    let found = extract(text).unwrap();
    for e in &found {
        assert_eq!(&text[e.start..e.end], e.text);
    }
    let at = |name: &str| text.find(name).unwrap();
    let got = spans(&found);
    assert!(got.contains(&(at("Jens Stoltenberg"), at("Jens Stoltenberg") + 16, Label::Per)), "{got:?}");
    assert!(got.contains(&(at("Bucharest"), at("Bucharest") + 9, Label::Loc)), "{got:?}");
    assert!(got.contains(&(at("NATO"), at("NATO") + 4, Label::Org)), "{got:?}");
}

#[test]
fn contractions_of_pronouns_are_not_entities() {
    let article = INTERFAX_ARTICLE;
    let sentence = "I’m absolutely certain that President Putin";
    let at = article.find(sentence).expect("the fixture has the sentence");
    let putin = at + sentence.find("Putin").expect("in the sentence");
    let got: Vec<_> = spans(&extract(article).unwrap())
        .into_iter()
        .filter(|&(s, e, _)| s >= at && e <= at + sentence.len())
        .collect();
    assert_eq!(got, [(putin, putin + 5, Label::Per)], "in {sentence:?}");
    for text in ["I'm sure we're right.", "I’ll say they've left and he'd stay."] {
        assert!(extract(text).unwrap().is_empty(), "{text:?}: {:?}", extract(text).unwrap());
    }
}

#[test]
fn text_without_names_gives_nothing() {
    assert!(extract("").unwrap().is_empty());
    assert!(extract("   \n\n  ").unwrap().is_empty());
    assert!(extract("it was cold and the lights went out at night.").unwrap().is_empty());
}
