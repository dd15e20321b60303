//! Splits text into tokens that keep their byte offsets into the original text.
//!
//! The tokenizer never normalises the text it indexes: every token is a `start..end` byte range
//! of the input, so offsets stay exact whatever the script. It follows the CoNLL-2003
//! conventions the model was trained on (possessive `'s` and `n't` split off, hyphenated words
//! and numbers kept whole, `U.S.`-style abbreviations and known abbreviations like `Mr.` kept
//! with their period), keeps URLs and e-mail addresses as one token, gives every CJK ideograph
//! and every emoji (with its modifiers and ZWJ sequence) a token of its own, and splits words
//! glued together in camel case (`UkraineStoltenberg` → `Ukraine` + `Stoltenberg`), a common
//! artefact of scraped text.

/// A token: the byte range `start..end` of the text it was cut from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Token {
    /// The token's text, given the text it was cut from.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

/// Words that keep a following period, as in the CoNLL-2003 tokenisation (`Mr.`, `Inc.`).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "inc", "corp", "co", "ltd", "plc", "gen", "gov", "sen", "rep",
    "col", "lt", "sgt", "capt", "cmdr", "adm", "maj", "rev", "hon", "pres", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "ave", "blvd", "vs", "etc", "no", "nos", "vol", "dept",
    "univ", "assn", "bros", "messrs", "mln", "bln", "approx", "est", "fig", "ca",
];

/// Appends the tokens of `text` to `out` (cleared first).
pub fn tokenize_into(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut emails = EmailScan::new(text);
    let mut i = 0;
    while i < bytes.len() {
        // ASCII spaces and line breaks, most of the separators, without decoding a character.
        if matches!(bytes[i], b' ' | b'\n' | b'\r' | b'\t') {
            i += 1;
            continue;
        }
        let c = char_at(text, i);
        if is_separator(c) {
            i += c.len_utf8();
            continue;
        }
        let end = if let Some(end) = scan_url(text, i).or_else(|| emails.at(i)) {
            end
        } else if is_cjk(c) {
            i + c.len_utf8()
        } else if is_word_char(c) {
            let end = scan_word(text, i);
            push_camel_split(text, i, end, out);
            i = end;
            continue;
        } else if c == '\'' || c == '’' {
            scan_clitic(text, i).unwrap_or(i + c.len_utf8())
        } else if is_symbol_sequence_start(c) {
            scan_symbol_sequence(text, i)
        } else {
            scan_punct_run(text, i, c)
        };
        out.push(Token { start: i, end });
        i = end;
    }
}

/// Tokenizes `text` into a new vector.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    tokenize_into(text, &mut out);
    out
}

fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().expect("index is on a char boundary inside the text")
}

fn next_char(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|s| s.chars().next())
}

/// Whitespace and control characters (NUL included) separate tokens and are never part of one.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || c.is_control() || c == '\u{FEFF}'
}

/// Marks that belong to the preceding character: combining diacritics, variation selectors,
/// zero-width joiners, emoji skin-tone modifiers and tag characters.
fn is_joining_mark(c: char) -> bool {
    // The first test settles the common case, ASCII and Latin text, in one comparison.
    c >= '\u{0300}'
        && matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0900}'..='\u{0903}'
        | '\u{093A}'..='\u{094F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{200C}' | '\u{200D}' | '\u{20D0}'..='\u{20FF}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphanumeric() } else { c.is_alphanumeric() || is_joining_mark(c) }
}

/// Ideographic scripts written without spaces: one character, one token.
fn is_cjk(c: char) -> bool {
    c >= '\u{3040}'
        && matches!(c,
        '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

fn is_symbol_sequence_start(c: char) -> bool {
    let cp = c as u32;
    (0x1F000..=0x1FAFF).contains(&cp) || (0x2600..=0x27BF).contains(&cp) || (0x2B00..=0x2BFF).contains(&cp)
}

/// An emoji with its modifiers, keycaps, ZWJ continuations, or a regional-indicator flag pair.
fn scan_symbol_sequence(text: &str, start: usize) -> usize {
    let first = char_at(text, start);
    let mut end = start + first.len_utf8();
    let is_regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    if is_regional(first)
        && let Some(c) = next_char(text, end).filter(|&c| is_regional(c))
    {
        end += c.len_utf8();
    }
    while let Some(c) = next_char(text, end) {
        if c == '\u{200D}' {
            end += c.len_utf8();
            if let Some(n) = next_char(text, end).filter(|&n| !is_separator(n)) {
                end += n.len_utf8();
            }
        } else if is_joining_mark(c) {
            end += c.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// A run of one repeated punctuation character (`...`, `--`, `!!`) or a single one, with any
/// combining marks that follow it.
fn scan_punct_run(text: &str, start: usize, c: char) -> usize {
    let mut end = start + c.len_utf8();
    while let Some(n) = next_char(text, end) {
        let repeats = n == c && matches!(c, '.' | '-' | '!' | '?' | '=' | '*' | '_' | '~' | '#');
        if repeats || is_joining_mark(n) {
            end += n.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// `'s` and `n't` split off a preceding word, as CoNLL-2003 writes them.
fn scan_clitic(text: &str, start: usize) -> Option<usize> {
    let after = start + char_at(text, start).len_utf8();
    let possessive = matches!(next_char(text, after), Some('s' | 'S')) && clitic_len(text, after).is_some();
    possessive.then_some(after + 1)
}

/// The letters after the apostrophe of a clitic that does not join the word before it: a
/// possessive `'s` after any word, and `'m`, `'re`, `'ve`, `'ll`, `'d` after a pronoun.
/// CoNLL-2003 writes these as tokens of their own (`I 'm`); only `'s` is kept whole (the model
/// was trained with the others cut at their apostrophe, `'` `m`, which is how they come out).
const CLITICS: &[&str] = &["s", "m", "d", "re", "ve", "ll"];

/// The words that `'m`, `'re`, `'ve`, `'ll` and `'d` split off (`I'm`, `they've`, `who'd`):
/// after other words an apostrophe more likely belongs to a name (`Rev'd`, `Ma'ad`).
const PRONOUNS: &[&str] =
    &["i", "you", "he", "she", "it", "we", "they", "that", "there", "here", "who", "what", "where", "how", "this"];

/// Whether `word` is one of [`PRONOUNS`], in any letter case.
fn is_pronoun(word: &str) -> bool {
    PRONOUNS.iter().any(|p| p.eq_ignore_ascii_case(word))
}

/// The length of the clitic that starts at byte `at` (just after an apostrophe), if the word
/// ends with it: `'d` in `he'd`, but not in `O'Donnell`.
fn clitic_len(text: &str, at: usize) -> Option<usize> {
    let rest = &text.as_bytes()[at..];
    CLITICS
        .iter()
        .find(|c| {
            rest.get(..c.len()).is_some_and(|r| r.eq_ignore_ascii_case(c.as_bytes()))
                && !next_char(text, at + c.len()).is_some_and(is_word_char)
        })
        .map(|c| c.len())
}

const URL_PREFIXES: &[&str] = &["http://", "https://", "www."];

// [`scan_url`] rules a token out by its first byte: every prefix starts with `h` or `w`.
const _: () = {
    let mut i = 0;
    while i < URL_PREFIXES.len() {
        assert!(matches!(URL_PREFIXES[i].as_bytes()[0], b'h' | b'w'));
        i += 1;
    }
};

/// A URL from its scheme (or `www.`) to the next whitespace, less trailing punctuation.
fn scan_url(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    // Every prefix starts with `h` or `w`: most tokens are ruled out by their first byte.
    if !matches!(rest.as_bytes().first(), Some(b'h' | b'H' | b'w' | b'W')) {
        return None;
    }
    let prefix = URL_PREFIXES
        .iter()
        .find(|p| rest.len() > p.len() && rest.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)))?;
    let body = &rest[prefix.len()..];
    if !body.chars().next().is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    let len = rest.find(is_separator).unwrap_or(rest.len());
    let trimmed = rest[..len].trim_end_matches(|c: char| ".,;:!?)]}>'\"”’»".contains(c));
    Some(start + trimmed.len())
}

/// Looks for e-mail addresses at token starts, in time linear in the text.
///
/// Each token start inside a run of local-part characters (`a_b_c`, `Mr.Mr.`, `a+a+`) would
/// otherwise scan the rest of the run for its `@`: quadratic in the run's length (160 kB of
/// `a_` took 9.5 s). A failed scan says that every later start in the same run fails too (they
/// reach the same `@`, or the same missing one, and the same domain), so it is remembered; and a
/// text without any `@` is never scanned at all.
struct EmailScan<'a> {
    text: &'a str,
    /// Whether the text holds an `@`.
    possible: bool,
    /// No e-mail address starts before this offset (the end of the last run that held none).
    none_before: usize,
}

impl<'a> EmailScan<'a> {
    fn new(text: &'a str) -> EmailScan<'a> {
        EmailScan { text, possible: text.as_bytes().contains(&b'@'), none_before: 0 }
    }

    /// The end of the e-mail address starting at `start`, if one does.
    fn at(&mut self, start: usize) -> Option<usize> {
        if !self.possible || start < self.none_before {
            return None;
        }
        scan_email(self.text, start).map_err(|run_end| self.none_before = run_end).ok()
    }
}

/// An e-mail address `local@domain.tld` starting at `start`, scanned over ASCII only: its end,
/// or, if there is none, the end of the run of local-part characters from `start` on.
fn scan_email(text: &str, start: usize) -> Result<usize, usize> {
    let bytes = text.as_bytes();
    let is_local = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    let is_domain = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    if !bytes[start].is_ascii_alphanumeric() {
        return Err(start);
    }
    let mut i = start;
    while i < bytes.len() && is_local(bytes[i]) {
        i += 1;
    }
    if i >= bytes.len() || bytes[i] != b'@' {
        return Err(i);
    }
    let domain_start = i + 1;
    let mut j = domain_start;
    while j < bytes.len() && is_domain(bytes[j]) {
        j += 1;
    }
    while j > domain_start && bytes[j - 1] == b'.' {
        j -= 1;
    }
    let domain = &text[domain_start..j];
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if domain.contains('.') && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()) { Ok(j) } else { Err(i) }
}

/// A word: letters and digits joined by in-word hyphens, apostrophes (`O'Neill`), and, between
/// digits, by `.,:/` (`3.5`, `1,000`, `12:30`); plus the `U.S.`-style and known-abbreviation
/// periods. Stops before a possessive `'s`, before `n't`, and before the clitics of a pronoun
/// (`I'm`, `we're`, `they've`, `it'll`, `he'd`).
fn scan_word(text: &str, start: usize) -> usize {
    let mut end = start;
    let mut letters_and_dots = true; // the word so far looks like `U.S.` (single letters + dots)
    let mut prev: Option<char> = None;
    let bytes = text.as_bytes();
    loop {
        // A run of ASCII letters and digits, the bulk of most words, byte by byte: what the
        // character loop below would do for each of them.
        let run = bytes[end..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if run > 0 {
            if run > 1 || prev.is_some_and(is_word_char) {
                letters_and_dots = false;
            }
            end += run;
            prev = Some(char::from(bytes[end - 1]));
        }
        let Some(c) = next_char(text, end) else { break };
        if is_word_char(c) && !is_cjk(c) {
            if prev.is_some_and(is_word_char) && c.is_alphanumeric() {
                letters_and_dots = false;
            }
            end += c.len_utf8();
            prev = Some(c);
            continue;
        }
        let after = end + c.len_utf8();
        let next = next_char(text, after);
        let next_is_word = next.is_some_and(|n| is_word_char(n) && !is_cjk(n));
        let prev_digit = prev.is_some_and(|p| p.is_ascii_digit());
        let next_digit = next.is_some_and(|n| n.is_ascii_digit());
        let joins = match c {
            '-' | '\u{2010}' | '\u{2011}' => next_is_word,
            '\'' | '’' => {
                let word = &text[start..end];
                // A possessive `'s` splits off anything (`1994 's`), the other clitics a pronoun.
                let splits = matches!(next, Some('s' | 'S')) || is_pronoun(word);
                if splits && clitic_len(text, after).is_some() {
                    false
                } else if matches!(next, Some('t' | 'T')) && word.ends_with(['n', 'N']) {
                    if word.len() == 1 {
                        true
                    } else {
                        return end - 1;
                    }
                } else {
                    next.is_some_and(|n| n.is_alphabetic())
                }
            }
            '.' if prev_digit && next_digit => true,
            '.' if letters_and_dots && prev.is_some_and(char::is_alphabetic) => {
                // `U.S.`, `U.N.`: single letters, each followed by a period
                let letter_then_period = next.is_some_and(char::is_alphabetic)
                    && next_char(text, after + next.map_or(0, char::len_utf8)) == Some('.');
                if letter_then_period {
                    true
                } else if text[start..end].contains('.') {
                    return after;
                } else {
                    false
                }
            }
            ',' | ':' | '/' if prev_digit && next_digit => true,
            _ => false,
        };
        if !joins {
            break;
        }
        end = after;
        prev = Some(c);
    }
    end_with_abbreviation(text, start, end)
}

/// Extends a word over a following period when the word is a known abbreviation or a single
/// capital letter (an initial, as in `J. Smith`).
fn end_with_abbreviation(text: &str, start: usize, end: usize) -> usize {
    if next_char(text, end) != Some('.') {
        return end;
    }
    let word = &text[start..end];
    let mut chars = word.chars();
    let is_initial = matches!((chars.next(), chars.next()), (Some(c), None) if c.is_uppercase());
    let is_known = word.len() <= 7 && ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word));
    if is_initial || is_known { end + 1 } else { end }
}

/// Capitalised words that open sentences: glued after another word (`KyivThe`, `UkraineHe`),
/// they mark two sentences run together, never a compound name.
const SENTENCE_OPENERS: &[&str] = &[
    "A", "An", "The", "This", "That", "These", "Those", "He", "She", "It", "We", "They", "I", "His", "Her", "Its",
    "Their", "Our", "In", "On", "At", "As", "But", "And", "Or", "If", "When", "While", "After", "Before", "For",
    "From", "With", "By", "To", "Of", "There", "Read", "Share",
];

/// The shortest camel-case pair of humps that counts as two words glued together: compound
/// names are short (`NationsBank`, `KeyCorp`, `AstraZeneca`, `MaliVai`: 7 to 11 letters), two
/// whole names run together are long (`UkraineStoltenberg`: 18).
const MIN_GLUED_LETTERS: usize = 15;

/// Pushes the word `start..end`, split at camel-case seams that glue two words together, a
/// scraping artefact: `defensesNATO` (a lower-case word, then a capital), `UkraineStoltenberg`
/// (two long humps), `KyivThe` (a sentence opener). Compound names stay whole: `McDonald`,
/// `iPhone`, `NationsBank`, `MaliVai`, `GlaxoSmithKline`.
fn push_camel_split(text: &str, start: usize, end: usize, out: &mut Vec<Token>) {
    let word = &text[start..end];
    let mut seams = false;
    let mut prev_lower = false;
    for c in word.chars() {
        if !(c.is_alphabetic() || is_joining_mark(c)) {
            out.push(Token { start, end });
            return;
        }
        seams |= c.is_uppercase() && prev_lower;
        prev_lower = c.is_lowercase();
    }
    let mut seg_start = start;
    if seams {
        // Each seam is judged on the humps either side of it, once the right one has ended.
        let (mut left, mut hump) = (None, 0);
        let mut judge = |left: usize, seam: usize, right_end: usize| {
            if is_glue(&word[left..seam], &word[seam..right_end]) {
                out.push(Token { start: seg_start, end: start + seam });
                seg_start = start + seam;
            }
        };
        prev_lower = false;
        for (i, c) in word.char_indices() {
            if c.is_uppercase() && prev_lower {
                if let Some(l) = left {
                    judge(l, hump, i);
                }
                (left, hump) = (Some(hump), i);
            }
            prev_lower = c.is_lowercase();
        }
        if let Some(l) = left {
            judge(l, hump, word.len());
        }
    }
    out.push(Token { start: seg_start, end });
}

/// Whether the hump `left` and the hump `right` that follows it are two words glued together.
fn is_glue(left: &str, right: &str) -> bool {
    let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count();
    let (l, r) = (letters(left), letters(right));
    if l < 3 {
        return false;
    }
    left.starts_with(char::is_lowercase)
        || SENTENCE_OPENERS.contains(&right)
        || (l >= 4 && r >= 4 && l + r >= MIN_GLUED_LETTERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.text(text)).collect()
    }

    /// (input, expected tokens): each row checks the cut and, through `text()`, the offsets.
    const CASES: &[(&str, &[&str])] = &[
        ("Jens Stoltenberg said.", &["Jens", "Stoltenberg", "said", "."]),
        ("Clinton's aide", &["Clinton", "'s", "aide"]),
        ("Clinton’s aide", &["Clinton", "’s", "aide"]),
        ("Clinton 's aide", &["Clinton", "'s", "aide"]),
        ("He doesn't know", &["He", "does", "n't", "know"]),
        ("I'm sure we’re right", &["I", "'", "m", "sure", "we", "’", "re", "right"]),
        ("THEY'VE SAID I'LL GO", &["THEY", "'", "VE", "SAID", "I", "'", "LL", "GO"]),
        ("he'd seen O'Donnell and O'Reilly", &["he", "'", "d", "seen", "O'Donnell", "and", "O'Reilly"]),
        ("I 'm here", &["I", "'", "m", "here"]),
        ("The Rev'd Ma'ad", &["The", "Rev'd", "Ma'ad"]),
        ("the 90's rock'n'roll", &["the", "90", "'s", "rock'n'roll"]),
        ("does n't", &["does", "n't"]),
        ("O'Neill and D’Alema", &["O'Neill", "and", "D’Alema"]),
        ("the U.S. and U.N. said", &["the", "U.S.", "and", "U.N.", "said"]),
        ("in the U.S.", &["in", "the", "U.S."]),
        ("Mr. Smith of Acme Inc. left", &["Mr.", "Smith", "of", "Acme", "Inc.", "left"]),
        ("J. Smith", &["J.", "Smith"]),
        ("It ended.", &["It", "ended", "."]),
        ("Russian-born 3-1 win", &["Russian-born", "3-1", "win"]),
        ("1,000.50 dollars at 12:30", &["1,000.50", "dollars", "at", "12:30"]),
        ("“use winter as a weapon”", &["“", "use", "winter", "as", "a", "weapon", "”"]),
        ("Wait... what?!", &["Wait", "...", "what", "?", "!"]),
        ("see https://example.com/a?b=1, then", &["see", "https://example.com/a?b=1", ",", "then"]),
        ("mail bob.smith@example.co.uk.", &["mail", "bob.smith@example.co.uk", "."]),
        // Failed scans (no `@`, a domain without a dot) do not hide a later address.
        (
            "Mr.Smith a_b@c or mr.x+y@example.com",
            &["Mr.", "Smith", "a", "_", "b", "@", "c", "or", "mr.x+y@example.com"],
        ),
        ("in UkraineStoltenberg said", &["in", "Ukraine", "Stoltenberg", "said"]),
        ("McDonald and iPhone and JPMorgan", &["McDonald", "and", "iPhone", "and", "JPMorgan"]),
        ("of defensesNATO said", &["of", "defenses", "NATO", "said"]),
        ("in KyivThe war", &["in", "Kyiv", "The", "war"]),
        ("NationsBank KeyCorp MaliVai AstraZeneca", &["NationsBank", "KeyCorp", "MaliVai", "AstraZeneca"]),
        ("GlaxoSmithKline JosepGuardiola KwaZulu-Natal", &["GlaxoSmithKline", "JosepGuardiola", "KwaZulu-Natal"]),
        ("AbelardoFernandez", &["Abelardo", "Fernandez"]),
        ("東京は晴れ", &["東", "京", "は", "晴", "れ"]),
        ("café Zoë", &["café", "Zoë"]),
        ("cafe\u{301} ok", &["cafe\u{301}", "ok"]),
        ("hi 👍🏽 👨‍👩‍👧 🇫🇷!", &["hi", "👍🏽", "👨‍👩‍👧", "🇫🇷", "!"]),
        ("a\u{0}b\r\nc", &["a", "b", "c"]),
        ("", &[]),
    ];

    #[test]
    fn table() {
        for (input, expected) in CASES {
            assert_eq!(toks(input), *expected, "input: {input:?}");
        }
    }

    #[test]
    fn offsets_are_byte_ranges_of_the_input() {
        let text = "Zoë 😀 met Jens";
        let t = tokenize(text);
        assert_eq!(t[0], Token { start: 0, end: 4 });
        assert_eq!(t[1], Token { start: 5, end: 9 });
        assert_eq!(t[3], Token { start: 14, end: 18 });
    }
}
