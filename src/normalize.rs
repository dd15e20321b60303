//! Normalisation for matching and features only: the text and its offsets are never changed.

/// Curly quotes, primes and dashes as the ASCII characters the training corpus uses, so that
/// `’s` and `“` in pasted text get the features of `'s` and `"`.
pub fn typographic_to_ascii(c: char) -> char {
    match c {
        '‘' | '’' | '‚' | '‛' | '′' | '`' | '´' => '\'',
        '“' | '”' | '„' | '‟' | '″' | '«' | '»' => '"',
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => '-',
        _ => c,
    }
}

/// Appends the lower-cased, ASCII-punctuated form of `word` to `out`: the form dictionary
/// entries are matched in.
pub fn push_match_form(word: &str, out: &mut String) {
    out.extend(word.chars().map(typographic_to_ascii).flat_map(char::to_lowercase));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_form_is_lower_case_ascii_punctuated() {
        let mut s = String::new();
        push_match_form("Bosnia–Herzegovina’s", &mut s);
        assert_eq!(s, "bosnia-herzegovina's");
    }
}
