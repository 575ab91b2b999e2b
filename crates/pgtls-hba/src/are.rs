//! PostgreSQL's regular expressions (Spencer's ARE flavour, compiled with
//! `REG_ADVANCED` and the C collation for pg_hba.conf's `/regex` names)
//! translated into the `regex` crate's syntax, with the compile errors
//! PostgreSQL gives, found in the order its lexer and parser meet them
//! (`src/backend/regex/regc_lex.c`, `regcomp.c`).
//!
//! Written by hand because no crate parses AREs. What the `regex` crate
//! cannot express (back references, lookahead and lookbehind constraints,
//! the BRE/ERE/expanded embedded options, multi-character collating
//! element names) is refused with [`OUTSIDE`]; everything else is
//! translated exactly. The postmaster compiles these before any database
//! encoding is set (SQL_ASCII): every byte of the pattern and of a name is
//! one character. So the output is a byte regex (`(?-u)`, for
//! `regex::bytes`): a literal byte becomes `\x{..}` unless it is ASCII
//! alphanumeric, `.` and `[^..]` match one byte (a newline too), `{` not
//! followed by a digit is a literal, and `\d` `\s` `\w`, `[:class:]`, word
//! boundaries and case folding are ASCII (the C collation).

/// The error for a valid ARE that pgtls cannot evaluate.
pub(crate) const OUTSIDE: &str =
    "invalid regular expression (pgtls: pattern outside the subset it shares with PostgreSQL)";

const BADRPT: &str = "quantifier operand invalid";
const EPAREN: &str = "parentheses () not balanced";
const EBRACK: &str = "brackets [] not balanced";
const EBRACE: &str = "braces {} not balanced";
const BADBR: &str = "invalid repetition count(s)";
const EESCAPE: &str = "invalid escape \\ sequence";
const ERANGE: &str = "invalid character range";
const ECTYPE: &str = "invalid character class";
const ECOLLATE: &str = "invalid collating element";
const ESUBREG: &str = "invalid backreference number";
const BADOPT: &str = "invalid embedded option";
const BADPAT: &str = "invalid regexp (reg version 0.8)";

/// An open lookaround constraint in [`Are::open`].
const LOOK: u32 = u32::MAX;

/// DUPMAX: the largest repetition count.
const DUPMAX: u32 = 255;

/// Class names `[:name:]` accepts (`lookupcclass`).
const CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "xdigit", "word",
];

/// What an escape stands for.
enum Esc {
    Plain(u32),
    /// `\d` `\s` `\w` (false) or `\D` `\S` `\W` (true): the ASCII set.
    Class(&'static str, bool),
    /// A constraint (takes no quantifier), in the `regex` crate's syntax.
    Constraint(&'static str),
    Backref(u32),
}

/// Translate an ARE into the `regex` crate's syntax, or give PostgreSQL's
/// error text.
pub(crate) fn translate(pattern: &str) -> Result<String, &'static str> {
    // one char per byte (0..=255), as the postmaster sees the pattern
    let p: Vec<char> = pattern.bytes().map(char::from).collect();
    let mut i = 0;
    let mut out = String::with_capacity(pattern.len() * 2 + 5);
    out.push_str("(?-u)");
    // prefixes: "***=" literal, "***:" ARE, then embedded options
    if p.len() >= 4 && p[..3] == ['*', '*', '*'] {
        match p[3] {
            '?' => return Err(BADPAT),
            '=' => return Ok(format!("(?-u){}", literal(&p[4..]))),
            ':' => i = 4,
            _ => return Err(BADRPT),
        }
    }
    if p.len() >= i + 3 && p[i] == '(' && p[i + 1] == '?' && p[i + 2].is_ascii_alphabetic() {
        i += 2;
        // in order: `q` quotes, a later `b` or `e` ends the quoting (and
        // leaves ARE syntax)
        let (mut icase, mut quote, mut outside, mut expanded) = (false, false, false, false);
        while i < p.len() && p[i].is_ascii_alphabetic() {
            match p[i] {
                'c' => icase = false,
                'i' => icase = true,
                'q' => quote = true,
                // newline handling: a role or database name holds none
                'm' | 'n' | 'p' | 's' | 't' | 'w' => {}
                'b' | 'e' => {
                    quote = false;
                    outside = true;
                }
                'x' => expanded = true,
                _ => return Err(BADOPT),
            }
            i += 1;
        }
        if i >= p.len() || p[i] != ')' {
            return Err(BADOPT);
        }
        i += 1;
        // Unicode case folding: the same as the C collation's for ASCII
        // names (`(?i-u)` would refuse `.` and `[^a]` in a text regex)
        if icase {
            out.push_str("(?i)");
        }
        if quote {
            out.push_str(&literal(&p[i..]));
            return Ok(out);
        }
        if outside {
            return Err(OUTSIDE);
        }
        if expanded {
            // Expanded syntax (blanks and `#` comments ignored) is not
            // translated, but its errors are still PostgreSQL's where the
            // rest parses as a tight ARE would.
            Are::new(&p, i, String::new()).parse()?;
            return Err(OUTSIDE);
        }
    }
    let mut v = Are::new(&p, i, out);
    v.parse()?;
    if v.outside {
        return Err(OUTSIDE);
    }
    Ok(v.out)
}

/// The rest of the pattern as literal text.
fn literal(p: &[char]) -> String {
    let mut s = String::new();
    for &c in p {
        push_lit(&mut s, c as u32);
    }
    s
}

/// A literal character (a byte), safe anywhere (inside a class too).
fn push_lit(out: &mut String, c: u32) {
    match c {
        0..=0xff if (c as u8).is_ascii_alphanumeric() => out.push(c as u8 as char),
        // `\xHH`: in byte mode the byte (`\x{HH}` would be the code point)
        0..=0xff => out.push_str(&format!("\\x{c:02X}")),
        // a character above 255 (`\u0100`): no byte string holds it
        _ => out.push_str(NEVER),
    }
}

/// Matches nothing (in byte mode).
const NEVER: &str = "[^\\x00-\\xFF]";

fn class_set(name: &str) -> &'static str {
    match name {
        "digit" => "0-9",
        "space" => "\\t\\n\\x0B\\x0C\\r ",
        _ => "0-9A-Za-z_", // word
    }
}

struct Are<'a> {
    p: &'a [char],
    i: usize,
    out: String,
    /// Open groups: capture number (0 for `(?:`, [`LOOK`] for a
    /// lookaround constraint).
    open: Vec<u32>,
    /// Capturing groups opened so far (`nsubexp`).
    opened: u32,
    /// Capture numbers whose group has closed.
    closed: Vec<u32>,
    /// Valid, but not expressible (the first error still wins).
    outside: bool,
}

impl<'a> Are<'a> {
    /// A parser of `p` from `i`, appending to `out`.
    fn new(p: &'a [char], i: usize, out: String) -> Self {
        Are {
            p,
            i,
            out,
            open: Vec::new(),
            opened: 0,
            closed: Vec::new(),
            outside: false,
        }
    }

    fn peek(&self) -> Option<char> {
        self.p.get(self.i).copied()
    }

    fn parse(&mut self) -> Result<(), &'static str> {
        // whether the last token is an atom that may take a quantifier
        let mut quantifiable = false;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '|' => {
                    self.out.push('|');
                    quantifiable = false;
                }
                '*' | '+' | '?' => {
                    if !quantifiable {
                        return Err(BADRPT);
                    }
                    self.out.push(c);
                    if self.peek() == Some('?') {
                        self.i += 1;
                        self.out.push('?');
                    }
                    quantifiable = false;
                }
                '{' if self.peek().is_some_and(|d| d.is_ascii_digit()) => {
                    if !quantifiable {
                        return Err(BADRPT);
                    }
                    self.bound()?;
                    quantifiable = false;
                }
                '(' => {
                    if self.peek() == Some('?') {
                        self.i += 1;
                        let Some(k) = self.peek() else {
                            return Err(BADRPT);
                        };
                        self.i += 1;
                        match k {
                            ':' => {
                                self.out.push_str("(?:");
                                self.open.push(0);
                                quantifiable = false;
                            }
                            // a comment: as if it were not there
                            '#' => {
                                while self.peek().is_some_and(|x| x != ')') {
                                    self.i += 1;
                                }
                                if self.peek().is_some() {
                                    self.i += 1;
                                }
                            }
                            '=' | '!' => self.lookaround()?,
                            '<' => match self.peek() {
                                Some('=') | Some('!') => {
                                    self.i += 1;
                                    self.lookaround()?;
                                }
                                _ => return Err(BADRPT),
                            },
                            _ => return Err(BADRPT),
                        }
                        if k == ':' || k == '#' {
                            continue;
                        }
                        quantifiable = false;
                    } else {
                        self.opened += 1;
                        self.open.push(self.opened);
                        self.out.push('(');
                        quantifiable = false;
                    }
                }
                ')' => {
                    let Some(n) = self.open.pop() else {
                        return Err(EPAREN);
                    };
                    if n > 0 && n != LOOK {
                        self.closed.push(n);
                    }
                    self.out.push(')');
                    // a constraint takes no quantifier
                    quantifiable = n != LOOK;
                }
                '[' => {
                    let word_edge = |x: char| {
                        self.p.len() >= self.i + 5
                            && self.p[self.i..self.i + 5] == ['[', ':', x, ':', ']']
                            && self.p[self.i + 5..].first() == Some(&']')
                    };
                    if word_edge('<') || word_edge('>') {
                        let start = self.p[self.i + 2] == '<';
                        self.i += 6;
                        self.out.push_str(if start {
                            "(?-u:\\b{start})"
                        } else {
                            "(?-u:\\b{end})"
                        });
                        quantifiable = false;
                    } else {
                        self.bracket()?;
                        quantifiable = true;
                    }
                }
                '.' => {
                    self.out.push_str("(?s:.)");
                    quantifiable = true;
                }
                '^' | '$' => {
                    self.out.push(c);
                    quantifiable = false;
                }
                '\\' => {
                    if self.peek().is_none() {
                        return Err(EESCAPE);
                    }
                    quantifiable = true;
                    match self.escape()? {
                        Esc::Plain(x) => push_lit(&mut self.out, x),
                        Esc::Class(name, neg) => {
                            self.out.push('[');
                            if neg {
                                self.out.push('^');
                            }
                            self.out.push_str(class_set(name));
                            self.out.push(']');
                        }
                        Esc::Constraint(s) => {
                            self.out.push_str(s);
                            quantifiable = false;
                        }
                        Esc::Backref(n) => {
                            // the group must exist and be closed already,
                            // and no lookaround constraint may hold it
                            if !self.closed.contains(&n) || self.open.contains(&LOOK) {
                                return Err(ESUBREG);
                            }
                            self.outside = true;
                        }
                    }
                }
                _ => {
                    push_lit(&mut self.out, c as u32);
                    quantifiable = true;
                }
            }
        }
        if !self.open.is_empty() {
            return Err(EPAREN);
        }
        Ok(())
    }

    /// A lookahead or lookbehind constraint (its opening read): parsed for
    /// errors, not expressible.
    fn lookaround(&mut self) -> Result<(), &'static str> {
        self.outside = true;
        self.open.push(LOOK);
        self.out.push_str("(?:");
        Ok(())
    }

    /// `{m}`, `{m,}`, `{m,n}`, each maybe followed by `?`, the `{` read.
    /// The lexer reads one token ahead of the parser, so its errors (a
    /// character that is not a digit, comma or `}`: BADBR; the end of the
    /// pattern: EBRACE) come before the parser's.
    fn bound(&mut self) -> Result<(), &'static str> {
        #[derive(PartialEq)]
        enum T {
            Digit(u32),
            Comma,
            Close(bool),
        }
        let next = |v: &mut Self| -> Result<T, &'static str> {
            let Some(c) = v.peek() else {
                return Err(EBRACE);
            };
            v.i += 1;
            match c {
                '0'..='9' => Ok(T::Digit(c as u32 - '0' as u32)),
                ',' => Ok(T::Comma),
                '}' => {
                    let lazy = v.peek() == Some('?');
                    if lazy {
                        v.i += 1;
                    }
                    Ok(T::Close(lazy))
                }
                _ => Err(BADBR),
            }
        };
        let scannum = |v: &mut Self, tok: &mut T| -> Result<u32, &'static str> {
            let mut n = 0u32;
            while let T::Digit(d) = *tok {
                if n >= DUPMAX {
                    break;
                }
                n = n * 10 + d;
                *tok = next(v)?;
            }
            if matches!(tok, T::Digit(_)) || n > DUPMAX {
                return Err(BADBR);
            }
            Ok(n)
        };
        let mut tok = next(self)?;
        let m = scannum(self, &mut tok)?;
        let mut hi = Some(m);
        if tok == T::Comma {
            tok = next(self)?;
            hi = if matches!(tok, T::Digit(_)) {
                Some(scannum(self, &mut tok)?)
            } else {
                None
            };
            if hi.is_some_and(|n| m > n) {
                return Err(BADBR);
            }
        }
        let T::Close(lazy) = tok else {
            return Err(BADBR);
        };
        let q = match hi {
            Some(n) if n == m => format!("{{{m}}}"),
            Some(n) => format!("{{{m},{n}}}"),
            None => format!("{{{m},}}"),
        };
        self.out.push_str(&q);
        if lazy {
            self.out.push('?');
        }
        Ok(())
    }

    /// Up to `max` digits of `base` (at least `min`), as `lexdigits`:
    /// 32-bit arithmetic that wraps.
    fn digits(&mut self, base: u32, min: usize, max: usize) -> Result<u32, &'static str> {
        let mut n: u32 = 0;
        let mut len = 0;
        while len < max {
            let Some(d) = self
                .peek()
                .and_then(|c| c.to_digit(16))
                .filter(|&d| d < base)
            else {
                break;
            };
            n = n.wrapping_mul(base).wrapping_add(d);
            self.i += 1;
            len += 1;
        }
        if len < min {
            return Err(EESCAPE);
        }
        Ok(n)
    }

    /// An escape, the backslash read and a character known to follow.
    fn escape(&mut self) -> Result<Esc, &'static str> {
        let c = self.p[self.i];
        self.i += 1;
        if !c.is_ascii_alphanumeric() {
            return Ok(Esc::Plain(c as u32));
        }
        // CHR_MAX: larger values are errors
        let ranged = |x: u32| {
            if x <= 0x7fff_fffe {
                Ok(Esc::Plain(x))
            } else {
                Err(EESCAPE)
            }
        };
        Ok(match c {
            'a' => Esc::Plain(7),
            'A' => Esc::Constraint("\\A"),
            'b' => Esc::Plain(8),
            'B' => Esc::Plain('\\' as u32),
            'c' => {
                let Some(x) = self.peek() else {
                    return Err(EESCAPE);
                };
                self.i += 1;
                Esc::Plain(x as u32 & 0o37)
            }
            'd' => Esc::Class("digit", false),
            'D' => Esc::Class("digit", true),
            'e' => Esc::Plain(0x1b),
            'f' => Esc::Plain(0x0c),
            'm' => Esc::Constraint("(?-u:\\b{start})"),
            'M' => Esc::Constraint("(?-u:\\b{end})"),
            'n' => Esc::Plain(0x0a),
            'r' => Esc::Plain(0x0d),
            's' => Esc::Class("space", false),
            'S' => Esc::Class("space", true),
            't' => Esc::Plain(0x09),
            'u' => return ranged(self.digits(16, 4, 4)?),
            'U' => return ranged(self.digits(16, 8, 8)?),
            'v' => Esc::Plain(0x0b),
            'w' => Esc::Class("word", false),
            'W' => Esc::Class("word", true),
            'x' => return ranged(self.digits(16, 1, 255)?),
            'y' => Esc::Constraint("(?-u:\\b)"),
            'Y' => Esc::Constraint("(?-u:\\B)"),
            'Z' => Esc::Constraint("\\z"),
            '1'..='9' => {
                let save = self.i;
                self.i -= 1;
                let n = self.digits(10, 1, 255)?;
                if self.i == save || (n > 0 && n <= self.opened) {
                    return Ok(Esc::Backref(n));
                }
                self.i = save - 1;
                self.octal()?
            }
            '0' => {
                self.i -= 1;
                self.octal()?
            }
            _ => return Err(EESCAPE),
        })
    }

    fn octal(&mut self) -> Result<Esc, &'static str> {
        let mut n = self.digits(8, 1, 3)?;
        if n > 0xff {
            self.i -= 1;
            n >>= 3;
        }
        Ok(Esc::Plain(n))
    }

    /// A bracket expression, the `[` read.
    fn bracket(&mut self) -> Result<(), &'static str> {
        let negated = self.peek() == Some('^');
        if negated {
            self.i += 1;
        }
        // the items go to `out` for now; taken back below
        let outer = std::mem::take(&mut self.out);
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(EBRACK);
            };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            // one part: a character or collating element, maybe the start
            // of a range; a class; an escape
            let start = match self.bracket_token(first)? {
                BTok::Char(x) => x,
                BTok::Range => return Err(ERANGE),
                BTok::Set(s) => {
                    self.out.push_str(&s);
                    first = false;
                    continue;
                }
            };
            first = false;
            // a range?
            // (at the end of the pattern too: the range's end is then
            // missing, "brackets [] not balanced")
            if self.peek() == Some('-') && self.p.get(self.i + 1) != Some(&']') {
                self.i += 1;
                let end = match self.bracket_token(false)? {
                    BTok::Char(x) => x,
                    // a `-` right after the range's `-` is its end
                    BTok::Range => '-' as u32,
                    BTok::Set(_) => return Err(ERANGE),
                };
                // the lexer, a token ahead, meets the end of the pattern
                // before the parser checks the range
                if self.peek().is_none() {
                    return Err(EBRACK);
                }
                if start > end {
                    return Err(ERANGE);
                }
                // no byte is above 255
                if start <= 0xff {
                    push_lit(&mut self.out, start);
                    self.out.push('-');
                    push_lit(&mut self.out, end.min(0xff));
                }
            } else if start <= 0xff {
                push_lit(&mut self.out, start);
            }
        }
        let items = std::mem::replace(&mut self.out, outer);
        match (items.is_empty(), negated) {
            (true, false) => self.out.push_str(NEVER),
            (true, true) => self.out.push_str("(?s:.)"),
            (false, _) => {
                self.out.push('[');
                if negated {
                    self.out.push('^');
                }
                self.out.push_str(&items);
                self.out.push(']');
            }
        }
        Ok(())
    }

    /// One token inside brackets (`first`: right after `[` or `[^`, where
    /// `]` and `-` are plain).
    fn bracket_token(&mut self, first: bool) -> Result<BTok, &'static str> {
        let Some(c) = self.peek() else {
            return Err(EBRACK);
        };
        self.i += 1;
        match c {
            '-' if !first && self.peek() != Some(']') => Ok(BTok::Range),
            '\\' => {
                if self.peek().is_none() {
                    return Err(EESCAPE);
                }
                match self.escape()? {
                    Esc::Plain(x) => Ok(BTok::Char(x)),
                    Esc::Class(name, neg) => Ok(BTok::Set(if neg {
                        format!("[^{}]", class_set(name))
                    } else {
                        class_set(name).to_string()
                    })),
                    Esc::Constraint(_) | Esc::Backref(_) => Err(EESCAPE),
                }
            }
            '[' if matches!(self.peek(), Some('.') | Some('=') | Some(':')) => {
                let kind = self.p[self.i];
                self.i += 1;
                let from = self.i;
                loop {
                    match self.peek() {
                        None => return Err(EBRACK),
                        Some(x) if x == kind && self.p.get(self.i + 1) == Some(&']') => break,
                        Some(_) => self.i += 1,
                    }
                }
                let name: String = self.p[from..self.i].iter().collect();
                self.i += 2;
                // the lexer reads the token after `:]` before the name is
                // looked up
                if self.peek().is_none() {
                    return Err(EBRACK);
                }
                match kind {
                    ':' => {
                        if name.is_empty() || !CLASSES.contains(&name.as_str()) {
                            return Err(ECTYPE);
                        }
                        Ok(BTok::Set(format!("[:{name}:]")))
                    }
                    _ => {
                        let mut it = name.chars();
                        match (it.next(), it.next()) {
                            (None, _) => Err(ECOLLATE),
                            // an equivalence class is no range endpoint
                            (Some(x), None) if kind == '=' => {
                                let mut s = String::new();
                                push_lit(&mut s, x as u32);
                                Ok(BTok::Set(s))
                            }
                            (Some(x), None) => Ok(BTok::Char(x as u32)),
                            // named collating elements (`[.space.]`)
                            _ => {
                                self.outside = true;
                                Ok(BTok::Set(String::new()))
                            }
                        }
                    }
                }
            }
            _ => Ok(BTok::Char(c as u32)),
        }
    }
}

enum BTok {
    Char(u32),
    /// A `-` where a range's start or end is due.
    Range,
    /// A set of characters, in the `regex` crate's class syntax.
    Set(String),
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn errors_come_in_postgres_order() {
        for (p, e) in [
            ("a++", "quantifier operand invalid"),
            ("a{2}{3}", "quantifier operand invalid"),
            ("a+??", "quantifier operand invalid"),
            ("^*", "quantifier operand invalid"),
            ("a{2", "braces {} not balanced"),
            ("a{2x}", "invalid repetition count(s)"),
            ("a{3,1}", "invalid repetition count(s)"),
            ("a{256}", "invalid repetition count(s)"),
            ("(a", "parentheses () not balanced"),
            ("a)", "parentheses () not balanced"),
            ("[a", "brackets [] not balanced"),
            ("[c-a]", "invalid character range"),
            ("[a-c-e]", "invalid character range"),
            ("[[:nope:]]", "invalid character class"),
            ("\\q", "invalid escape \\ sequence"),
            ("\\1", "invalid backreference number"),
            ("(?z)", "invalid embedded option"),
            ("(?=(a)\\1)", "invalid backreference number"),
            ("(a)(?=\\1)", "invalid backreference number"),
            ("***?", "invalid regexp (reg version 0.8)"),
            ("(?qe)a.c", super::OUTSIDE),
        ] {
            assert_eq!(translate(p), Err(e), "{p}");
        }
    }

    #[test]
    fn valid_patterns_become_equivalent_rust_patterns() {
        for (p, yes, no) in [
            ("{}", "x{}y", "xy"),
            ("a{,2}", "a{,2}", "aa"),
            ("^[]a]+$", "]a]", "b"),
            ("[[a]", "[", "b"),
            ("a{2}?", "aa", "a"),
            ("\\d\\.", "1.", "a."),
            ("[a&&b]", "&", "c"),
            ("***=a.b", "a.b", "axb"),
            ("(?i)^ab$", "AB", "ac"),
            ("(?i)a.[^b]\\W", "AxC-", "AxB-"),
            ("(?qi)A.B", "a.b", "axb"),
            // one byte is one character: é is two
            ("^..$", "\u{e9}", "ab\u{e9}"),
            ("^\u{e9}$", "\u{e9}", "e"),
            ("[\u{e9}]{2}", "\u{e9}", "e"),
            ("(?i)^\u{c9}$", "\u{c9}", "\u{e9}"),
            ("\\u0100|b", "b", "\u{100}"),
            ("a(?#note)+", "aaa", "b"),
            ("[[:digit:]-]", "-", "a"),
            ("\\x41", "A", "B"),
        ] {
            let re = regex::bytes::Regex::new(&translate(p).unwrap()).unwrap();
            assert!(
                re.is_match(yes.as_bytes()) && !re.is_match(no.as_bytes()),
                "{p}: {re}"
            );
        }
    }
}
