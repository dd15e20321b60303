//! Entity-level evaluation by the CoNLL convention: an entity counts only if its span and type
//! both match exactly. Scored on PER, LOC and ORG, the labels nerlight reports.

use std::fmt::Write as _;

use crate::Extractor;
use crate::conll::{Document, Layout, lay_out};
use crate::tags::Label;

/// True positives, false positives and false negatives of one label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Predicted and in the gold standard.
    pub tp: usize,
    /// Predicted but not in the gold standard.
    pub fp: usize,
    /// In the gold standard but not predicted.
    pub fn_: usize,
}

impl Counts {
    /// Precision in percent.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Recall in percent.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// F1 in percent.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 }
}

/// Counts per label, in [`Label::ALL`] order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scores {
    /// One entry per reported label.
    pub per_label: [Counts; 3],
}

impl Scores {
    /// Micro-averaged counts over PER, LOC and ORG.
    pub fn micro(&self) -> Counts {
        let mut all = Counts::default();
        for c in self.per_label {
            all.add(c);
        }
        all
    }

    /// Adds the comparison of one document's gold and predicted spans `(start, end, label)`.
    pub fn add_document(&mut self, gold: &[(usize, usize, Label)], predicted: &[(usize, usize, Label)]) {
        for (i, label) in Label::ALL.into_iter().enumerate() {
            let g: Vec<_> = gold.iter().filter(|s| s.2 == label).collect();
            let p: Vec<_> = predicted.iter().filter(|s| s.2 == label).collect();
            let tp = p.iter().filter(|s| g.contains(s)).count();
            self.per_label[i].add(Counts { tp, fp: p.len() - tp, fn_: g.len() - tp });
        }
    }

    /// The report `nerlight eval` prints: a row per label, then the micro F1 line last.
    pub fn report(&self) -> String {
        let mut out = String::new();
        writeln!(out, "{:<6}{:>10}{:>10}{:>10}{:>8}{:>8}{:>8}", "type", "precision", "recall", "F1", "tp", "fp", "fn")
            .unwrap();
        let rows = Label::ALL.iter().map(|l| l.as_str()).zip(self.per_label).chain([("micro", self.micro())]);
        for (name, c) in rows {
            writeln!(
                out,
                "{name:<6}{:>10.2}{:>10.2}{:>10.2}{:>8}{:>8}{:>8}",
                c.precision(),
                c.recall(),
                c.f1(),
                c.tp,
                c.fp,
                c.fn_
            )
            .unwrap();
        }
        write!(out, "micro F1 PER/LOC/ORG: {:.2}", self.micro().f1()).unwrap();
        out
    }
}

/// One document's disagreements, for the error dump.
#[derive(Clone, Debug, Default)]
pub struct DocumentErrors {
    /// Index of the document in the corpus.
    pub index: usize,
    /// Predicted spans not in the gold standard: `(text, label)`.
    pub false_positives: Vec<(String, Label)>,
    /// Gold spans not predicted: `(text, label)`.
    pub false_negatives: Vec<(String, Label)>,
}

/// Scores `extractor` on `docs`, laid out with `layout`; also returns each document's errors.
pub fn evaluate(extractor: &Extractor, docs: &[Document], layout: Layout) -> (Scores, Vec<DocumentErrors>) {
    let mut scores = Scores::default();
    let mut errors = Vec::new();
    for (index, doc) in docs.iter().enumerate() {
        let laid = lay_out(doc, layout);
        let predicted: Vec<(usize, usize, Label)> = match layout {
            Layout::Gold => extractor.extract_tokens(&laid.text, &laid.tokens, &laid.sentences),
            Layout::Raw => extractor.extract(&laid.text),
        }
        .into_iter()
        .map(|e| (e.start, e.end, e.label))
        .collect();
        let gold: Vec<(usize, usize, Label)> =
            laid.entities.iter().filter_map(|(s, e, ty)| Label::from_name(ty).map(|l| (*s, *e, l))).collect();
        scores.add_document(&gold, &predicted);
        let text_of = |&(s, e, l): &(usize, usize, Label)| (laid.text[s..e].to_string(), l);
        let doc_errors = DocumentErrors {
            index,
            false_positives: predicted.iter().filter(|p| !gold.contains(p)).map(text_of).collect(),
            false_negatives: gold.iter().filter(|g| !predicted.contains(g)).map(text_of).collect(),
        };
        if !doc_errors.false_positives.is_empty() || !doc_errors.false_negatives.is_empty() {
            errors.push(doc_errors);
        }
    }
    (scores, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_span_and_type_are_both_required() {
        let gold = [(0, 4, Label::Per), (10, 16, Label::Loc), (20, 24, Label::Org)];
        let predicted = [(0, 4, Label::Per), (10, 16, Label::Org), (20, 23, Label::Org)];
        let mut s = Scores::default();
        s.add_document(&gold, &predicted);
        assert_eq!(s.per_label[0], Counts { tp: 1, fp: 0, fn_: 0 });
        assert_eq!(s.per_label[1], Counts { tp: 0, fp: 0, fn_: 1 });
        assert_eq!(s.per_label[2], Counts { tp: 0, fp: 2, fn_: 1 });
        let m = s.micro();
        assert_eq!((m.tp, m.fp, m.fn_), (1, 2, 2));
        assert!((m.f1() - 100.0 / 3.0).abs() < 1e-9);
        assert!(s.report().ends_with("micro F1 PER/LOC/ORG: 33.33"));
    }
}
