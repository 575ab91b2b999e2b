//! The tokenizer of `guc-file.l`, byte for byte.
//!
//! Hand-written because no crate implements flex's longest-match rules for
//! this particular grammar; the rules are small and pinned by the
//! differential tests against real servers. Works on bytes: every byte
//! 0x80..=0xFF is a LETTER, exactly as in PostgreSQL, so non-UTF-8 input
//! cannot panic and UTF-8 sequences are never split.
//!
//! flex picks the longest match; on a tie the rule listed first wins. The
//! rule order is: `\n`, blanks, `#` comment, ID, QUALIFIED_ID, STRING,
//! UNQUOTED_STRING, INTEGER, REAL, `=`, any other byte (error).

/// What kind of token (PostgreSQL's `GUC_*` token codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `[A-Za-z_\x80-\xff][A-Za-z_0-9\x80-\xff]*`
    Id,
    /// `ID.ID`
    QualifiedId,
    /// `'...'` with `''` and backslash escapes, no raw newline.
    String,
    /// LETTER followed by letters, digits and `-._:/`.
    UnquotedString,
    /// `[+-]?(digits|0xhex)[A-Za-z]*`
    Integer,
    /// `[+-]?digits*.digits*([Ee][+-]?digits)?`
    Real,
    /// `=`
    Equals,
    /// End of a line (`\n`).
    Eol,
    /// Any byte no other rule matches.
    Error,
}

/// One token: its kind and byte range in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl TokenKind {
    /// Whether the token may be a setting's value.
    pub fn is_value(self) -> bool {
        matches!(
            self,
            TokenKind::Id
                | TokenKind::String
                | TokenKind::Integer
                | TokenKind::Real
                | TokenKind::UnquotedString
        )
    }

    /// Whether the token may be a setting's name.
    pub fn is_name(self) -> bool {
        matches!(self, TokenKind::Id | TokenKind::QualifiedId)
    }
}

fn is_letter(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_letter_or_digit(b: u8) -> bool {
    is_letter(b) || b.is_ascii_digit()
}

fn run(buf: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    buf[from.min(buf.len())..]
        .iter()
        .take_while(|&&b| pred(b))
        .count()
}

/// A tokenizer over one file's bytes.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Quotes in `dead.0..dead.1` cannot start a STRING (see
    /// [`string_len`]); remembering this keeps lines full of unclosed
    /// quotes linear instead of quadratic.
    dead: (usize, usize),
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Lexer {
            buf,
            pos: 0,
            dead: (0, 0),
        }
    }

    /// Start at a byte offset (used by the editor to lex one line).
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Lexer {
            buf,
            pos,
            dead: (0, 0),
        }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next token, skipping blanks and comments; `None` at end of input.
    pub fn next_token(&mut self) -> Option<Token> {
        loop {
            let p = self.pos;
            let &c = self.buf.get(p)?;
            let (kind, len) = match c {
                b'\n' => (TokenKind::Eol, 1),
                b' ' | b'\t' | b'\r' => {
                    self.pos += run(self.buf, p, |b| matches!(b, b' ' | b'\t' | b'\r'));
                    continue;
                }
                b'#' => {
                    self.pos += run(self.buf, p, |b| b != b'\n');
                    continue;
                }
                c if is_letter(c) => word(self.buf, p),
                b'\'' => {
                    let found = if self.dead.0 <= p && p < self.dead.1 {
                        None
                    } else {
                        let (best, stop) = string_len(self.buf, p);
                        self.dead = (best.map_or(p + 1, |n| p + n), stop);
                        best
                    };
                    match found {
                        Some(n) => (TokenKind::String, n),
                        None => (TokenKind::Error, 1),
                    }
                }
                b'+' | b'-' | b'.' | b'0'..=b'9' => {
                    let i = integer_len(self.buf, p).unwrap_or(0);
                    let r = real_len(self.buf, p).unwrap_or(0);
                    if i == 0 && r == 0 {
                        (TokenKind::Error, 1)
                    } else if i >= r {
                        (TokenKind::Integer, i)
                    } else {
                        (TokenKind::Real, r)
                    }
                }
                b'=' => (TokenKind::Equals, 1),
                _ => (TokenKind::Error, 1),
            };
            self.pos = p + len;
            return Some(Token {
                kind,
                start: p,
                end: p + len,
            });
        }
    }
}

/// ID / QUALIFIED_ID / UNQUOTED_STRING at a LETTER.
fn word(buf: &[u8], p: usize) -> (TokenKind, usize) {
    let id = 1 + run(buf, p + 1, is_letter_or_digit);
    let unquoted = 1 + run(buf, p + 1, |b| {
        is_letter_or_digit(b) || matches!(b, b'-' | b'.' | b'_' | b':' | b'/')
    });
    if unquoted == id {
        return (TokenKind::Id, id);
    }
    // QUALIFIED_ID: the greedy ID, a dot, then another ID.
    if buf.get(p + id) == Some(&b'.') && buf.get(p + id + 1).is_some_and(|&b| is_letter(b)) {
        let q = id + 2 + run(buf, p + id + 2, is_letter_or_digit);
        if q == unquoted {
            return (TokenKind::QualifiedId, q);
        }
    }
    (TokenKind::UnquotedString, unquoted)
}

/// Length of the longest STRING match at `p` (which holds `'`), and where
/// the scan stopped.
///
/// Every quote the scan passed after its last accepting position is either
/// escaped (`\'`) or the second of a `''` pair, so a scan started there
/// continues exactly in step with this one and finds no closing quote
/// before the same stop: such starts fail, and the caller skips them.
fn string_len(buf: &[u8], p: usize) -> (Option<usize>, usize) {
    let mut i = p + 1;
    let mut best = None;
    while i < buf.len() {
        match buf[i] {
            b'\'' => {
                best = Some(i + 1 - p);
                if buf.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    break;
                }
            }
            b'\\' => match buf.get(i + 1) {
                Some(&b) if b != b'\n' => i += 2,
                _ => break,
            },
            b'\n' => break,
            _ => i += 1,
        }
    }
    (best, i.min(buf.len()))
}

fn sign_len(buf: &[u8], p: usize) -> usize {
    usize::from(matches!(buf.get(p), Some(b'+' | b'-')))
}

/// `{SIGN}?({DIGIT}+|0x{HEXDIGIT}+){UNIT_LETTER}*`
fn integer_len(buf: &[u8], p: usize) -> Option<usize> {
    let s = p + sign_len(buf, p);
    let mut best = None;
    let d = run(buf, s, |b| b.is_ascii_digit());
    if d > 0 {
        let l = run(buf, s + d, |b| b.is_ascii_alphabetic());
        best = Some(s + d + l - p);
    }
    if buf.get(s) == Some(&b'0') && buf.get(s + 1) == Some(&b'x') {
        let h = run(buf, s + 2, |b| b.is_ascii_hexdigit());
        if h > 0 {
            let l = run(buf, s + 2 + h, |b| b.is_ascii_alphabetic());
            let n = s + 2 + h + l - p;
            best = Some(best.map_or(n, |b: usize| b.max(n)));
        }
    }
    best
}

/// `{SIGN}?{DIGIT}*"."{DIGIT}*([Ee]{SIGN}?{DIGIT}+)?`
fn real_len(buf: &[u8], p: usize) -> Option<usize> {
    let mut i = p + sign_len(buf, p);
    i += run(buf, i, |b| b.is_ascii_digit());
    if buf.get(i) != Some(&b'.') {
        return None;
    }
    i += 1;
    i += run(buf, i, |b| b.is_ascii_digit());
    if matches!(buf.get(i), Some(b'e' | b'E')) {
        let s = i + 1 + sign_len(buf, i + 1);
        let d = run(buf, s, |b| b.is_ascii_digit());
        if d > 0 {
            i = s + d;
        }
    }
    Some(i - p)
}

/// `DeescapeQuotedString()`: strip the outer quotes, turn `''` into `'`,
/// decode `\b \f \n \r \t`, `\` + 1..3 octal digits, and `\` + any other
/// byte as that byte. Like the C original the result is a C string: it ends
/// at the first NUL byte (`\0`, `\400`, or a raw NUL in the file).
pub fn deescape(token: &[u8]) -> Vec<u8> {
    let body = if token.len() >= 2 {
        &token[1..token.len() - 1]
    } else {
        &[][..]
    };
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b == b'\\' && i + 1 < body.len() {
            i += 1;
            let e = body[i];
            let v = match e {
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'0'..=b'7' => {
                    let mut val: u32 = 0;
                    let mut k = 0;
                    while k < 3 && i + k < body.len() && (b'0'..=b'7').contains(&body[i + k]) {
                        val = (val << 3) + u32::from(body[i + k] - b'0');
                        k += 1;
                    }
                    i += k - 1;
                    (val & 0xff) as u8
                }
                other => other,
            };
            out.push(v);
        } else if b == b'\'' && body.get(i + 1) == Some(&b'\'') {
            out.push(b'\'');
            i += 1;
        } else {
            out.push(b);
        }
        i += 1;
    }
    if let Some(nul) = out.iter().position(|&b| b == 0) {
        out.truncate(nul);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(TokenKind, std::string::String)> {
        let mut l = Lexer::new(s.as_bytes());
        let mut v = Vec::new();
        while let Some(t) = l.next_token() {
            v.push((t.kind, s[t.start..t.end].to_string()));
        }
        v
    }

    use TokenKind::*;

    #[test]
    fn dotted_words_follow_longest_match() {
        assert_eq!(kinds("a.b"), vec![(QualifiedId, "a.b".into())]);
        assert_eq!(kinds("a.b.c"), vec![(UnquotedString, "a.b.c".into())]);
        assert_eq!(kinds("a.1"), vec![(UnquotedString, "a.1".into())]);
        assert_eq!(kinds("ab"), vec![(Id, "ab".into())]);
        assert_eq!(kinds("TLSv1.2"), vec![(UnquotedString, "TLSv1.2".into())]);
        assert_eq!(kinds("a.b-"), vec![(UnquotedString, "a.b-".into())]);
    }

    #[test]
    fn numbers_follow_flex_rules() {
        assert_eq!(
            kinds("1.5GB"),
            vec![(Real, "1.5".into()), (Id, "GB".into())]
        );
        assert_eq!(
            kinds("1e3"),
            vec![(Integer, "1e".into()), (Integer, "3".into())]
        );
        assert_eq!(kinds("0x1Fzz"), vec![(Integer, "0x1Fzz".into())]);
        assert_eq!(
            kinds("0X1F"),
            vec![(Integer, "0X".into()), (Integer, "1F".into())]
        );
        assert_eq!(kinds("."), vec![(Real, ".".into())]);
        assert_eq!(kinds("-"), vec![(Error, "-".into())]);
        assert_eq!(
            kinds("-.5e+3x"),
            vec![(Real, "-.5e+3".into()), (Id, "x".into())]
        );
        assert_eq!(kinds("1.5e"), vec![(Real, "1.5".into()), (Id, "e".into())]);
        assert_eq!(kinds("+3DES"), vec![(Integer, "+3DES".into())]);
    }

    #[test]
    fn strings_take_the_longest_closing_quote() {
        assert_eq!(kinds("'a''b'"), vec![(String, "'a''b'".into())]);
        assert_eq!(
            kinds("'a' 'b'"),
            vec![(String, "'a'".into()), (String, "'b'".into())]
        );
        assert_eq!(
            kinds("'it''s"),
            vec![
                (String, "'it'".into()),
                (Error, "'".into()),
                (Id, "s".into())
            ]
        );
        assert_eq!(kinds("'a\\'b'"), vec![(String, "'a\\'b'".into())]);
        assert_eq!(
            kinds("'a\nb'"),
            vec![
                (Error, "'".into()),
                (Id, "a".into()),
                (Eol, "\n".into()),
                (Id, "b".into()),
                (Error, "'".into())
            ]
        );
    }

    #[test]
    fn deescape_handles_every_escape() {
        assert_eq!(deescape(b"'a''b'"), b"a'b");
        assert_eq!(deescape(b"'\\b\\f\\n\\r\\t'"), b"\x08\x0c\n\r\t");
        assert_eq!(deescape(b"'\\101\\1012'"), b"AA2");
        assert_eq!(deescape(b"'\\q\\\\'"), b"q\\");
        assert_eq!(deescape(b"'ab\\0cd'"), b"ab");
        assert_eq!(deescape(b"'ab\\400cd'"), b"ab");
        assert_eq!(deescape(b"'\\377'"), b"\xff");
        assert_eq!(deescape(b"''''"), b"'");
        assert_eq!(deescape(b"''"), b"");
    }

    #[test]
    fn skipping_dead_quotes_changes_no_token() {
        // A fresh lexer per token never skips; it must agree with one lexer
        // that remembers dead regions.
        let mut seed = 7u64;
        for _ in 0..20_000 {
            let mut buf = Vec::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = (seed >> 33) % 60;
            for _ in 0..n {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let alpha = b"''\\\\a \n#=x";
                buf.push(alpha[((seed >> 33) % alpha.len() as u64) as usize]);
            }
            let mut one = Lexer::new(&buf);
            let mut pos = 0;
            loop {
                let a = one.next_token();
                let b = Lexer::at(&buf, pos).next_token();
                assert_eq!(a, b, "{:?}", std::string::String::from_utf8_lossy(&buf));
                match a {
                    Some(t) => pos = t.end,
                    None => break,
                }
            }
        }
    }

    #[test]
    fn a_megabyte_of_unclosed_quotes_lexes_in_linear_time() {
        // Without remembering dead quotes this is ~10^11 steps.
        let n = 500_000;
        let mut buf = b"'".to_vec();
        buf.extend_from_slice(&b"\\'".repeat(n));
        let mut l = Lexer::new(&buf);
        let mut count = 0;
        while let Some(t) = l.next_token() {
            assert_eq!(t.kind, Error);
            count += 1;
        }
        assert_eq!(count, 2 * n + 1);
    }

    #[test]
    fn high_bytes_are_letters() {
        let buf = b"\xff\xfe = \xc3\xa9t\xc3\xa9";
        let mut l = Lexer::new(buf);
        let t = l.next_token().unwrap();
        assert_eq!((t.kind, t.start, t.end), (Id, 0, 2));
    }
}
