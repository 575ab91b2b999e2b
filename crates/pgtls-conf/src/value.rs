//! Interpreting values the way the server does.

/// `parse_bool()`: case-insensitive `on off true false yes no 1 0`, and
/// any unambiguous prefix of `true false yes no` (`t`, `tr`, `f`, `y`,
/// `n`); `on`/`off` need at least two letters (`o` alone is rejected).
/// No surrounding blanks are allowed.
///
/// PostgreSQL 18's `log_connections` is a list, not a bool: it accepts
/// only the complete words (see the reference, §9 case 19).
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.as_bytes();
    let first = *v.first()?;
    let prefix_of = |word: &str, min: usize| {
        v.len() >= min
            && v.len() <= word.len()
            && word.as_bytes()[..v.len()].eq_ignore_ascii_case(v)
    };
    match first.to_ascii_lowercase() {
        b't' if prefix_of("true", 1) => Some(true),
        b'f' if prefix_of("false", 1) => Some(false),
        b'y' if prefix_of("yes", 1) => Some(true),
        b'n' if prefix_of("no", 1) => Some(false),
        b'o' if prefix_of("on", 2) => Some(true),
        b'o' if prefix_of("off", 2) => Some(false),
        b'1' if v.len() == 1 => Some(true),
        b'0' if v.len() == 1 => Some(false),
        _ => None,
    }
}

/// Enum values compare with `pg_strcasecmp()`: ASCII case-insensitive,
/// exact otherwise.
pub fn enum_eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_words_and_prefixes() {
        for (s, want) in [
            ("on", Some(true)),
            ("ON", Some(true)),
            ("off", Some(false)),
            ("of", Some(false)),
            ("o", None),
            ("t", Some(true)),
            ("TR", Some(true)),
            ("true", Some(true)),
            ("truex", None),
            ("f", Some(false)),
            ("y", Some(true)),
            ("Yes", Some(true)),
            ("n", Some(false)),
            ("no", Some(false)),
            ("1", Some(true)),
            ("0", Some(false)),
            ("01", None),
            ("", None),
            (" on", None),
            ("onn", None),
            ("offf", None),
        ] {
            assert_eq!(parse_bool(s), want, "{s:?}");
        }
    }

    #[test]
    fn enums_ignore_ascii_case_only() {
        assert!(enum_eq("TLSv1.2", "tlsv1.2"));
        assert!(enum_eq("SCRAM-SHA-256", "scram-sha-256"));
        assert!(!enum_eq("TLSv1.2", "TLSv1.2 "));
    }
}
