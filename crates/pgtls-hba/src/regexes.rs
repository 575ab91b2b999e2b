//! `/regex` names (16+): compiled through [`crate::are`], which translates
//! PostgreSQL's ARE syntax into the `regex` crate's and gives PostgreSQL's
//! own error texts; samples of the names a pattern matches, for witnesses.

/// A compiled `/regex` value. The postmaster compiles and matches these
/// before any database encoding is set, so every byte is one character:
/// the pattern is a byte regex (`(?-u)`), and names are matched as bytes.
#[derive(Clone, Debug)]
pub struct HbaRegex(regex::bytes::Regex);

impl HbaRegex {
    pub fn is_match(&self, name: &str) -> bool {
        self.0.is_match(name.as_bytes())
    }
    /// The translated pattern (the `regex` crate's syntax).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Display for HbaRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub(crate) fn compile(pat: &str) -> Result<HbaRegex, String> {
    let rust = crate::are::translate(pat).map_err(str::to_string)?;
    // a size limit, say: valid for PostgreSQL, beyond what pgtls evaluates
    regex::bytes::Regex::new(&rust)
        .map(HbaRegex)
        .map_err(|_| crate::are::OUTSIDE.to_string())
}

/// The translated pattern as regex-syntax reads it (bytes, not UTF-8).
pub(crate) fn hir(re: &HbaRegex) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(re.as_str())
        .ok()
}

/// Strings that match `re` (unanchored), shortest first, for witnesses.
pub(crate) fn samples(re: &HbaRegex) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(hir) = hir(re) {
        let mut s = String::new();
        if gen(&hir, &mut s) {
            for cand in [s.clone(), format!("{s}_pgtls"), format!("pgtls_{s}")] {
                if re.is_match(&cand) && !out.contains(&cand) {
                    out.push(cand);
                }
            }
        }
    }
    for cand in ["a", "pgtls", "x1"] {
        if re.is_match(cand) && !out.iter().any(|o| o == cand) {
            out.push(cand.to_string());
        }
    }
    out
}

/// Names that differ where patterns usually look: every printable ASCII
/// first character, alone and followed by more, and a few common shapes.
/// A name no line of a file covers is searched among these (and a
/// pattern's own samples): `/^[^a]` leaves `a_user` free, `/^[a-y]` leaves
/// `z_user`, `/.` leaves nothing.
pub(crate) fn name_pool() -> &'static [String] {
    static POOL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let mut v: Vec<String> = Vec::new();
        for c in '!'..='~' {
            v.push(format!("{c}_pgtls"));
            v.push(c.to_string());
        }
        for w in ["user name", "x.y", "x@y", "x-y", "0", "00", "Z", "zz"] {
            v.push(w.to_string());
        }
        v
    })
}

/// Up to `max` distinct, non-empty names the pattern matches, one for
/// each way a name can meet the file: `sig` gives a name's signature (is
/// it a name the file mentions, which of the column's other patterns match
/// it). Names with the smallest signatures come first: a name nothing else
/// covers is the one earlier lines are least likely to take, but any
/// signature can be the one left free (`/^[^a]` after `/^[^q]` is reached
/// by `q...` names only). Candidates: `exact` (shortest names of the exact
/// search, see `name_search`), [`samples`], the [`name_pool`] names it
/// matches, and names drawn at random (fixed seed) from the pattern's own
/// structure: another character of each class, another branch of each
/// alternation, another repetition count.
pub(crate) fn samples_diverse(
    re: &HbaRegex,
    exact: &[String],
    sig: &dyn Fn(&str) -> Vec<bool>,
    max: usize,
) -> Vec<String> {
    // names from the exact search come first: shortest for their signature
    let mut all: Vec<String> = exact.iter().filter(|x| re.is_match(x)).cloned().collect();
    for s in samples(re) {
        if !all.contains(&s) {
            all.push(s);
        }
    }
    for p in name_pool() {
        if re.is_match(p) && !all.contains(p) {
            all.push(p.clone());
        }
    }
    if let Some(hir) = hir(re) {
        let mut rng = crate::gen::Rng::new(0x5EED);
        for _ in 0..48 {
            let mut s = String::new();
            if gen_random(&hir, &mut s, &mut rng) && re.is_match(&s) && !all.contains(&s) {
                all.push(s);
            }
        }
    }
    // PostgreSQL refuses a startup packet without a user name, and an
    // empty database name means the user's own
    all.retain(|x| !x.is_empty());
    let mut by_sig: Vec<(Vec<bool>, String)> = Vec::new();
    for x in &all {
        let s = sig(x);
        if !by_sig.iter().any(|(t, _)| *t == s) {
            by_sig.push((s, x.clone()));
        }
    }
    by_sig.sort_by_key(|(s, _)| s.iter().filter(|&&b| b).count());
    let mut out: Vec<String> = by_sig.into_iter().take(max).map(|(_, x)| x).collect();
    // Two names at least, where the pattern has them: `sameuser` on an
    // earlier line takes a user's own name as database, so a database
    // class with one name can look covered when any other name is free.
    if out.len() < 2.min(max) {
        if let Some(x) = all.iter().find(|x| !out.contains(x)) {
            out.push(x.clone());
        }
    }
    out
}

/// Longest sample drawn (nested repetitions multiply: `((a{8}){8}){8}`);
/// a name longer than NAMEDATALEN is of no use anyway.
const MAX_SAMPLE: usize = 256;

/// Like [`gen`], with random choices.
fn gen_random(h: &regex_syntax::hir::Hir, out: &mut String, rng: &mut crate::gen::Rng) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match h.kind() {
        HirKind::Class(Class::Unicode(c)) => {
            // printable ASCII members of the class, else the first char
            let mut cands: Vec<char> = Vec::new();
            for r in c.ranges() {
                let (a, b) = (r.start().max('!'), r.end().min('~'));
                if a <= b {
                    cands.extend(a..=b);
                }
                if cands.len() > 256 {
                    break;
                }
            }
            match cands.get(rng.below(cands.len() as u64) as usize) {
                Some(&ch) if !cands.is_empty() => {
                    out.push(ch);
                    true
                }
                _ => gen(h, out),
            }
        }
        HirKind::Repetition(r) => {
            let extra = match r.max {
                Some(m) => (m.min(r.min + 2) - r.min) as u64,
                None => 2,
            };
            let n = r.min + rng.below(extra + 1) as u32;
            (0..n.min(8)).all(|_| out.len() <= MAX_SAMPLE && gen_random(&r.sub, out, rng))
        }
        HirKind::Capture(c) => gen_random(&c.sub, out, rng),
        HirKind::Concat(v) => v.iter().all(|x| gen_random(x, out, rng)),
        HirKind::Alternation(v) => {
            let k = rng.below(v.len() as u64) as usize;
            gen_random(&v[k], out, rng)
        }
        HirKind::Class(Class::Bytes(c)) => {
            // printable ASCII members of the class (names stay UTF-8)
            let mut cands: Vec<u8> = Vec::new();
            for r in c.ranges() {
                let (a, b) = (r.start().max(b'!'), r.end().min(b'~'));
                if a <= b {
                    cands.extend(a..=b);
                }
            }
            match cands.get(rng.below(cands.len().max(1) as u64) as usize) {
                Some(&ch) => {
                    out.push(ch as char);
                    true
                }
                None => gen(h, out),
            }
        }
        _ => gen(h, out),
    }
}

fn gen(h: &regex_syntax::hir::Hir, out: &mut String) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(l) => match std::str::from_utf8(&l.0) {
            Ok(s) => {
                out.push_str(s);
                true
            }
            Err(_) => false,
        },
        HirKind::Class(Class::Unicode(c)) => {
            let Some(r) = c.ranges().first() else {
                return false;
            };
            let mut ch = r.start();
            // prefer a printable, non-blank character inside the range
            for cand in ['a', 'x', '0', '_'] {
                if c.ranges()
                    .iter()
                    .any(|r| r.start() <= cand && cand <= r.end())
                {
                    ch = cand;
                    break;
                }
            }
            if ch < ' ' {
                if let Some(r) = c.ranges().iter().find(|r| r.end() > ' ') {
                    ch = if r.start() > ' ' { r.start() } else { '!' };
                }
            }
            out.push(ch);
            true
        }
        HirKind::Class(Class::Bytes(c)) => {
            let Some(r) = c.ranges().first() else {
                return false;
            };
            if r.start() < 0x80 {
                out.push(r.start().max(b'!').min(r.end()) as char);
                true
            } else {
                false
            }
        }
        HirKind::Repetition(r) => {
            for _ in 0..r.min.min(8) {
                if out.len() > MAX_SAMPLE || !gen(&r.sub, out) {
                    return false;
                }
            }
            true
        }
        HirKind::Capture(c) => gen(&c.sub, out),
        HirKind::Concat(v) => v.iter().all(|x| gen(x, out)),
        HirKind::Alternation(v) => v.first().is_some_and(|x| gen(x, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_patterns_get_postgres_error_texts() {
        assert_eq!(compile("(a").unwrap_err(), "parentheses () not balanced");
        assert_eq!(compile("a)").unwrap_err(), "parentheses () not balanced");
        assert_eq!(compile("[a").unwrap_err(), "brackets [] not balanced");
        assert_eq!(compile("*a").unwrap_err(), "quantifier operand invalid");
        assert_eq!(
            compile("a{2,1}").unwrap_err(),
            "invalid repetition count(s)"
        );
        // a quantifier after a quantifier, except one `?` (non-greedy);
        // each checked against PostgreSQL 16
        for p in [
            "a++", "a**", "a?+", "a{2}+", "a+{2}", "a+??", "a{2}??", "a???", "a{2}{3}",
        ] {
            assert_eq!(compile(p).unwrap_err(), "quantifier operand invalid", "{p}");
        }
        for p in ["a+?", "a*?", "a??", "a{2}?", "(a+)+", "(a)+?b", "[a]+?"] {
            assert!(compile(p).is_ok(), "{p}");
        }
        assert!(compile("^app_[a-z]+$").is_ok());
        assert!(compile("").is_ok());
    }

    #[test]
    fn diverse_samples_cover_every_signature_least_covered_first() {
        let re = compile("^u[12]$").unwrap();
        let s = samples_diverse(&re, &[], &|x| vec![x == "u1"], 4);
        assert_eq!(s, vec!["u2".to_string(), "u1".to_string()]);
        let re = compile("^(app|web)_[a-z]+$").unwrap();
        let s = samples_diverse(&re, &[], &|x| vec![x.starts_with("app")], 3);
        assert_eq!(s.len(), 2, "two signatures: {s:?}");
        assert!(s[0].starts_with("web_"), "{s:?}");
        assert!(s.iter().all(|x| re.is_match(x)));
        // `.` next to `^[^q]`: the one free name starts with q
        let other = compile("^[^q]").unwrap();
        let re = compile(".").unwrap();
        let s = samples_diverse(&re, &[], &|x| vec![other.is_match(x)], 2);
        assert!(s[0].starts_with('q'), "{s:?}");
        // /^[^a] after /^[^q] and /^[a-y]: a q name is one of the choices
        let (o1, o2) = (compile("^[^q]").unwrap(), compile("^[a-y]").unwrap());
        let re = compile("^[^a]").unwrap();
        let s = samples_diverse(&re, &[], &|x| vec![o1.is_match(x), o2.is_match(x)], 8);
        assert!(s.iter().any(|x| x.starts_with('q')), "{s:?}");
        // never an empty name
        let re = compile("^a?$").unwrap();
        let s = samples_diverse(&re, &[], &|_| Vec::new(), 5);
        assert_eq!(s, vec!["a".to_string()]);
    }

    #[test]
    fn samples_match_their_pattern() {
        for p in ["^app_[a-z]+$", "foo|bar", "x{3}", "^[0-9]+", "a.b", ""] {
            let re = compile(p).unwrap();
            let s = samples(&re);
            assert!(!s.is_empty(), "{p}");
            assert!(s.iter().all(|x| re.is_match(x)), "{p}: {s:?}");
        }
    }
}
