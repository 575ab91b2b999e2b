//! Bad input never panics and memory stays bounded.

use std::fs;
use std::path::Path;

use pgtls_conf::{load_file, parse_text, ConfErrorKind, Lexer, LoadOptions, ParseMode};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn random_buffer(rng: &mut Rng) -> Vec<u8> {
    let len = (rng.next() % 400) as usize;
    let biased = rng.next() & 1 == 0;
    (0..len)
        .map(|_| {
            let r = rng.next();
            if biased {
                b"ab_.=' \n\\#0x1e-+:/\r\t\xff\xc3\x00"[(r % 23) as usize]
            } else {
                r as u8
            }
        })
        .collect()
}

fn check_invariants(buf: &[u8], set: &pgtls_conf::ConfigSet) {
    let lines = buf.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    for e in &set.entries {
        assert!(e.value_span.0 < e.value_span.1 && e.value_span.1 <= buf.len());
        assert!(e.line_span.0 <= e.value_span.0 && e.value_span.1 <= e.line_span.1);
        assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
        assert!(!buf[e.line_span.0..e.line_span.1].contains(&b'\n'));
    }
    for er in &set.errors {
        assert!(er.line <= lines);
        assert!(!er.message.is_empty());
    }
    let rows = set.rows();
    for w in rows.windows(2) {
        assert!(w[0].seqno < w[1].seqno);
    }
}

#[test]
fn random_bytes_never_panic_and_keep_spans_in_bounds() {
    let mut rng = Rng(2024);
    for _ in 0..20_000 {
        let buf = random_buffer(&mut rng);
        let mut lex = Lexer::new(&buf);
        let mut last = 0;
        while let Some(t) = lex.next_token() {
            assert!(t.start >= last && t.end > t.start && t.end <= buf.len());
            last = t.end;
        }
        if let Ok(s) = std::str::from_utf8(&buf) {
            if let Ok(text) = pgtls_conf::append_setting("", "fuzz.value", s) {
                let set = parse_text(
                    Path::new("/x/p.conf"),
                    text.as_bytes(),
                    &LoadOptions::default(),
                );
                assert!(!set.has_errors(), "{text:?}");
                assert_eq!(
                    set.effective("fuzz.value").map(|e| e.value.as_str()),
                    Some(s)
                );
            }
        }
        for mode in [ParseMode::Server, ParseMode::FileSettingsView] {
            let opts = LoadOptions {
                mode,
                ..LoadOptions::default()
            };
            let set = parse_text(Path::new("/nonexistent/dir/p.conf"), &buf, &opts);
            check_invariants(&buf, &set);
        }
    }
}

#[test]
fn a_one_megabyte_value_is_read_whole() {
    let big = "x".repeat(1 << 20);
    let text = format!("a = 1\napplication_name = '{big}' # long\nb = 2\n");
    let set = parse_text(
        Path::new("/x/p.conf"),
        text.as_bytes(),
        &LoadOptions::default(),
    );
    assert!(!set.has_errors());
    let e = set.effective("application_name").unwrap();
    assert_eq!(e.value.len(), 1 << 20);
    assert_eq!(e.line, 2);
    assert_eq!(set.effective("b").unwrap().line, 3);
}

#[test]
fn a_one_megabyte_garbage_line_is_one_syntax_error() {
    let mut text = b"= ".to_vec();
    text.extend(std::iter::repeat_n(b'*', 1 << 20));
    text.extend_from_slice(b"\nssl = on\n");
    let set = parse_text(Path::new("/x/p.conf"), &text, &LoadOptions::default());
    assert_eq!(set.errors.len(), 1);
    assert_eq!(set.errors[0].kind, ConfErrorKind::Syntax);
    assert_eq!(set.entries.len(), 1);
}

#[test]
fn a_100_megabyte_file_is_refused_by_name_without_reading_it() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("huge.conf");
    let f = fs::File::create(&p).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap(); // sparse: no disk, no time
    let set = load_file(&p);
    assert_eq!(set.errors.len(), 1);
    assert_eq!(set.errors[0].kind, ConfErrorKind::TooLarge);
    assert!(
        set.errors[0].message.contains("huge.conf"),
        "{}",
        set.errors[0].message
    );
    assert!(set.has_errors());
}
