//! Reading CoNLL-format corpora and laying them out as text, for training and evaluation.
//!
//! A corpus document becomes the plain text a person would paste: tokens joined by one space,
//! sentences by a newline. Gold entities become byte spans of that text, so the labeller can be
//! scored on gold tokenisation ([`Layout::Gold`]: each corpus token cut further only where the
//! runtime tokenizer would cut it) or on the full text pipeline ([`Layout::Raw`]), with one
//! scorer for both.

use std::ops::Range;

use crate::tokenize::{Token, tokenize_into};

/// One sentence of a corpus: tokens and their IOB tags (IOB1 or IOB2).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sentence {
    /// The tokens.
    pub tokens: Vec<String>,
    /// The entity tag of each token (`O`, `B-PER`, `I-LOC`, ...).
    pub tags: Vec<String>,
}

/// A corpus document: the sentences between two `-DOCSTART-` lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The sentences, in order.
    pub sentences: Vec<Sentence>,
}

/// Parses CoNLL text: one token per line, the token in the first column and its entity tag in
/// the last; blank lines end sentences; `-DOCSTART-` lines start documents. A file without
/// `-DOCSTART-` is one document.
pub fn parse(text: &str) -> Vec<Document> {
    let mut docs = vec![Document::default()];
    let mut sentence = Sentence::default();
    let end_sentence = |docs: &mut Vec<Document>, s: &mut Sentence| {
        if !s.tokens.is_empty() {
            docs.last_mut().expect("at least one document").sentences.push(std::mem::take(s));
        }
    };
    for line in text.lines() {
        let mut cols = line.split_whitespace();
        let Some(token) = cols.next() else {
            end_sentence(&mut docs, &mut sentence);
            continue;
        };
        if token == "-DOCSTART-" {
            end_sentence(&mut docs, &mut sentence);
            if !docs.last().expect("at least one document").sentences.is_empty() {
                docs.push(Document::default());
            }
            continue;
        }
        let tag = cols.last().unwrap_or("O");
        sentence.tokens.push(token.to_string());
        sentence.tags.push(tag.to_string());
    }
    end_sentence(&mut docs, &mut sentence);
    docs.retain(|d| !d.sentences.is_empty());
    docs
}

/// Reads and parses a CoNLL file.
pub fn read(path: &std::path::Path) -> std::io::Result<Vec<Document>> {
    Ok(parse(&std::fs::read_to_string(path)?))
}

/// Entity chunks `(first, last_exclusive, type)` of an IOB tag sequence, by the conlleval rules:
/// a chunk starts at `B-X`, or at `I-X` after anything but `B-X`/`I-X` of the same type.
pub fn chunks(tags: &[String]) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let (prefix, ty) = tag.split_once('-').unwrap_or((tag.as_str(), ""));
        let continues = prefix == "I" && open.is_some_and(|(_, t)| t == ty);
        if !continues {
            if let Some((s, t)) = open.take() {
                out.push((s, i, t.to_string()));
            }
            if prefix == "B" || prefix == "I" {
                open = Some((i, ty));
            }
        }
    }
    if let Some((s, t)) = open {
        out.push((s, tags.len(), t.to_string()));
    }
    out
}

/// A letter case to force on a corpus, to measure robustness to text typed in lower case or
/// written in capitals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recase {
    /// Every token lower-cased.
    Lower,
    /// Every token upper-cased.
    Upper,
}

/// A copy of `docs` with every token re-cased; tags are unchanged.
pub fn recase(docs: &[Document], case: Recase) -> Vec<Document> {
    let apply = |t: &String| match case {
        Recase::Lower => t.to_lowercase(),
        Recase::Upper => t.to_uppercase(),
    };
    docs.iter()
        .map(|d| Document {
            sentences: d
                .sentences
                .iter()
                .map(|s| Sentence { tokens: s.tokens.iter().map(apply).collect(), tags: s.tags.clone() })
                .collect(),
        })
        .collect()
}

/// How a laid-out document is tokenised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The corpus tokens and sentences, each token cut further where the runtime tokenizer
    /// would cut it.
    Gold,
    /// Only the text: the caller runs the whole pipeline on it.
    Raw,
}

/// A document laid out as text, with gold entities as byte spans.
#[derive(Clone, Debug)]
pub struct LaidOut {
    /// Tokens joined by a space, sentences by a newline.
    pub text: String,
    /// Gold-layout tokens (empty for [`Layout::Raw`]).
    pub tokens: Vec<Token>,
    /// Token ranges of the gold sentences (empty for [`Layout::Raw`]).
    pub sentences: Vec<Range<usize>>,
    /// Gold entities `(start_byte, end_byte, type)`.
    pub entities: Vec<(usize, usize, String)>,
    /// Gold entities as token ranges `(first, last_exclusive, type)` (empty for [`Layout::Raw`]).
    pub token_entities: Vec<(usize, usize, String)>,
}

/// Lays a document out as text.
pub fn lay_out(doc: &Document, layout: Layout) -> LaidOut {
    let mut text = String::new();
    let mut tokens = Vec::new();
    let mut sentences = Vec::new();
    let mut entities = Vec::new();
    let mut token_entities = Vec::new();
    let mut sub = Vec::new();
    for (si, sentence) in doc.sentences.iter().enumerate() {
        if si > 0 {
            text.push('\n');
        }
        let first_token = tokens.len();
        // Byte range and sub-token range of each corpus token.
        let mut extents = Vec::with_capacity(sentence.tokens.len());
        for (ti, token) in sentence.tokens.iter().enumerate() {
            if ti > 0 {
                text.push(' ');
            }
            let start = text.len();
            text.push_str(token);
            let sub_start = tokens.len();
            if layout == Layout::Gold {
                tokenize_into(token, &mut sub);
                if sub.is_empty() {
                    sub.push(Token { start: 0, end: token.len() });
                }
                tokens.extend(sub.iter().map(|t| Token { start: start + t.start, end: start + t.end }));
            }
            extents.push((start, text.len(), sub_start, tokens.len()));
        }
        if layout == Layout::Gold {
            sentences.push(first_token..tokens.len());
        }
        for (s, e, ty) in chunks(&sentence.tags) {
            entities.push((extents[s].0, extents[e - 1].1, ty.clone()));
            if layout == Layout::Gold {
                token_entities.push((extents[s].2, extents[e - 1].3, ty));
            }
        }
    }
    LaidOut { text, tokens, sentences, entities, token_entities }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\
call NN I-NP O\n.\t. O O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- -X- O\n\n\
Clinton NNP B-NP B-PER\n's POS B-NP O\nU.S. NNP I-NP B-LOC\n";

    #[test]
    fn parses_documents_and_sentences() {
        let docs = parse(SAMPLE);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences.len(), 2);
        assert_eq!(docs[0].sentences[1].tokens, ["Peter", "Blackburn"]);
        assert_eq!(docs[0].sentences[1].tags, ["B-PER", "I-PER"]);
    }

    #[test]
    fn chunks_follow_conlleval() {
        let tags: Vec<String> = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "B-ORG", "I-ORG"].map(String::from).to_vec();
        assert_eq!(
            chunks(&tags),
            vec![(0, 2, "PER".into()), (2, 3, "PER".into()), (4, 5, "LOC".into()), (5, 7, "ORG".into())]
        );
    }

    #[test]
    fn lays_out_text_with_byte_spans() {
        let docs = parse(SAMPLE);
        let laid = lay_out(&docs[0], Layout::Gold);
        assert_eq!(laid.text, "EU rejects German call .\nPeter Blackburn");
        assert_eq!(laid.entities[0], (0, 2, "ORG".into()));
        assert_eq!(&laid.text[laid.entities[2].0..laid.entities[2].1], "Peter Blackburn");
        assert_eq!(laid.sentences, vec![0..5, 5..7]);
        let second = lay_out(&docs[1], Layout::Gold);
        assert_eq!(second.tokens.len(), 3);
        assert_eq!(second.token_entities, vec![(0, 1, "PER".into()), (2, 3, "LOC".into())]);
        assert!(lay_out(&docs[1], Layout::Raw).tokens.is_empty());
    }

    #[test]
    fn recasing_changes_tokens_not_tags() {
        let docs = parse(SAMPLE);
        let lower = recase(&docs, Recase::Lower);
        assert_eq!(lower[0].sentences[1].tokens, ["peter", "blackburn"]);
        assert_eq!(lower[0].sentences[1].tags, docs[0].sentences[1].tags);
        assert_eq!(recase(&docs, Recase::Upper)[1].sentences[0].tokens, ["CLINTON", "'S", "U.S."]);
    }
}
