//! The entity labels nerlight reports and the BILOU tag set the sequence labeller predicts.
//!
//! BILOU (Begin, Inside, Last, Outside, Unit) rather than BIO: Ratinov & Roth (2009) found it
//! clearly better for linear models, because single-token entities and entity ends get weights
//! of their own. Illegal tag sequences (`O` → `I-PER`, `B-PER` → `I-ORG`) are excluded during
//! decoding, so every prediction decodes into well-formed, non-overlapping spans.

/// The kind of a reported entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// A person.
    Per,
    /// A place: country, city, region, geographic feature.
    Loc,
    /// An organization: company, institution, team, party, agency.
    Org,
}

impl Label {
    /// All reported labels, in display order.
    pub const ALL: [Label; 3] = [Label::Per, Label::Loc, Label::Org];

    /// The CoNLL name: `PER`, `LOC` or `ORG`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Per => "PER",
            Label::Loc => "LOC",
            Label::Org => "ORG",
        }
    }

    /// Parses a CoNLL type name; `None` for types nerlight does not report (such as `MISC`).
    pub fn from_name(name: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The position of a token inside an entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// First token of a multi-token entity.
    Begin,
    /// Middle token of a multi-token entity.
    Inside,
    /// Last token of a multi-token entity.
    Last,
    /// A single-token entity.
    Unit,
}

/// A tag index: 0 is `O`; entity type `t` owns tags `1 + 4t ..= 4 + 4t` (B, I, L, U).
pub type Tag = usize;

/// The outside tag.
pub const OUTSIDE: Tag = 0;

/// The number of tags for `n_types` entity types.
pub fn tag_count(n_types: usize) -> usize {
    1 + 4 * n_types
}

/// The tag for a type index and position.
pub fn tag(type_index: usize, position: Position) -> Tag {
    1 + 4 * type_index
        + match position {
            Position::Begin => 0,
            Position::Inside => 1,
            Position::Last => 2,
            Position::Unit => 3,
        }
}

/// The type index and position of a tag, or `None` for `O`.
pub fn split(tag: Tag) -> Option<(usize, Position)> {
    if tag == OUTSIDE {
        return None;
    }
    let position = match (tag - 1) % 4 {
        0 => Position::Begin,
        1 => Position::Inside,
        2 => Position::Last,
        _ => Position::Unit,
    };
    Some(((tag - 1) / 4, position))
}

/// Whether a sequence may start with `tag`.
pub fn can_start(tag: Tag) -> bool {
    matches!(split(tag), None | Some((_, Position::Begin | Position::Unit)))
}

/// Whether a sequence may end with `tag`.
pub fn can_end(tag: Tag) -> bool {
    matches!(split(tag), None | Some((_, Position::Last | Position::Unit)))
}

/// Whether `next` may follow `prev` in a well-formed BILOU sequence.
pub fn can_follow(prev: Tag, next: Tag) -> bool {
    match split(prev) {
        Some((t, Position::Begin | Position::Inside)) => {
            matches!(split(next), Some((u, Position::Inside | Position::Last)) if u == t)
        }
        _ => can_start(next),
    }
}

/// Entity spans `(first_token, last_token_exclusive, type_index)` in a well-formed tag sequence.
pub fn spans(tags: &[Tag]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (i, &t) in tags.iter().enumerate() {
        match split(t) {
            Some((ty, Position::Unit)) => out.push((i, i + 1, ty)),
            Some((ty, Position::Begin)) => open = Some((i, ty)),
            Some((ty, Position::Last)) => {
                if let Some((s, open_ty)) = open.take()
                    && open_ty == ty
                {
                    out.push((s, i + 1, ty));
                }
            }
            Some((_, Position::Inside)) => {}
            None => open = None,
        }
    }
    out
}

/// BILOU tags for `len` tokens holding the entity spans `(first, last_exclusive, type_index)`.
pub fn from_spans(len: usize, spans: &[(usize, usize, usize)]) -> Vec<Tag> {
    let mut tags = vec![OUTSIDE; len];
    for &(s, e, ty) in spans {
        if e - s == 1 {
            tags[s] = tag(ty, Position::Unit);
        } else {
            tags[s] = tag(ty, Position::Begin);
            for t in &mut tags[s + 1..e - 1] {
                *t = tag(ty, Position::Inside);
            }
            tags[e - 1] = tag(ty, Position::Last);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_round_trip_through_tags() {
        let spans_in = vec![(0, 2, 0), (3, 4, 2), (5, 8, 1)];
        let tags = from_spans(9, &spans_in);
        assert_eq!(spans(&tags), spans_in);
        assert!(tags.windows(2).all(|w| can_follow(w[0], w[1])));
        assert!(can_start(tags[0]) && can_end(tags[8]));
    }

    #[test]
    fn illegal_transitions_are_refused() {
        let b_per = tag(0, Position::Begin);
        let i_org = tag(2, Position::Inside);
        assert!(!can_follow(OUTSIDE, i_org));
        assert!(!can_follow(b_per, i_org));
        assert!(!can_follow(b_per, OUTSIDE));
        assert!(can_follow(b_per, tag(0, Position::Last)));
        assert!(!can_end(b_per));
        assert!(!can_start(tag(0, Position::Last)));
    }

    #[test]
    fn label_names() {
        assert_eq!(Label::from_name("ORG"), Some(Label::Org));
        assert_eq!(Label::from_name("MISC"), None);
        assert_eq!(Label::Per.to_string(), "PER");
    }
}
