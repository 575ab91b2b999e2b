//! Bad input never panics and gets PostgreSQL's error or a clear one of ours.

use pgtls_hba::gen::Rng;
use pgtls_hba::{analyze, checks, parse_bytes, parse_file, AnalyzeOptions, ParseOptions};

fn opts(major: u32) -> ParseOptions {
    ParseOptions::version(major * 10000)
}

#[test]
fn include_cycle_stops_at_the_nesting_limit() {
    let d = tempfile::tempdir().unwrap();
    let main = d.path().join("pg_hba.conf");
    std::fs::write(&main, "include loop.conf\nlocal all all trust\n").unwrap();
    std::fs::write(d.path().join("loop.conf"), "include loop.conf\n").unwrap();
    let f = parse_file(&main, &opts(16));
    assert!(!f.loads());
    let e = &f.errors[0];
    assert_eq!(e.line, 1);
    assert_eq!(
        e.message,
        format!(
            "could not open file \"{}\": maximum nesting depth exceeded",
            d.path().join("loop.conf").display()
        )
    );
    assert!(
        e.file.ends_with("loop.conf"),
        "reported in the deepest including file"
    );
}

#[test]
fn self_referencing_at_file_before_16_is_stopped_by_our_guard() {
    let d = tempfile::tempdir().unwrap();
    let main = d.path().join("pg_hba.conf");
    std::fs::write(&main, "local @self.txt all trust\n").unwrap();
    std::fs::write(d.path().join("self.txt"), "a @self.txt\n").unwrap();
    let f = parse_file(&main, &opts(15));
    assert!(!f.loads());
    assert!(f.errors[0]
        .message
        .contains("could not open secondary authentication file \"@self.txt\""));
    assert!(f.errors[0].message.contains("64 levels"));
    let f = parse_file(&main, &opts(16));
    assert!(f.errors[0]
        .message
        .ends_with("maximum nesting depth exceeded"));
}

#[test]
fn missing_and_directory_files_get_postgres_messages() {
    let d = tempfile::tempdir().unwrap();
    let main = d.path().join("pg_hba.conf");
    std::fs::write(
        &main,
        "include nothere.conf\ninclude_if_exists nothere.conf\nlocal @nolist all trust\n",
    )
    .unwrap();
    let f = parse_file(&main, &opts(17));
    let missing = d.path().join("nothere.conf");
    assert_eq!(
        f.errors[0].message,
        format!(
            "could not open file \"{}\": No such file or directory",
            missing.display()
        )
    );
    assert_eq!(
        f.errors.len(),
        2,
        "include_if_exists skips silently: {:?}",
        f.errors
    );
    assert_eq!(f.notes.len(), 1);
    let f = parse_file(&main, &opts(14));
    assert!(f.errors.iter().any(|e| e.message
        == format!(
            "could not open secondary authentication file \"@nolist\" as \"{}\": No such file or directory",
            d.path().join("nolist").display()
        )));
    let gone = parse_file(&d.path().join("absent.conf"), &opts(18));
    assert_eq!(gone.errors[0].line, 0);
    assert!(gone.errors[0].message.contains("No such file or directory"));
    // fopen() of a directory succeeds, reading fails: no entries at all
    let dir = parse_file(d.path(), &opts(13));
    assert!(
        dir.errors[0].message.contains("contains no entries"),
        "{:?}",
        dir.errors
    );
}

#[test]
fn megabyte_line_is_a_token_error_before_16_and_fine_after() {
    let long = format!("host all {} 10.0.0.0/8 md5\n", "u".repeat(1 << 20));
    let f = parse_bytes(long.as_bytes(), "/x/pg_hba.conf", &opts(15));
    assert_eq!(f.errors[0].message, "authentication file token too long");
    let f = parse_bytes(long.as_bytes(), "/x/pg_hba.conf", &opts(16));
    assert!(f.loads());
    assert_eq!(f.rules[0].users[0].text.len(), 1 << 20);
}

#[test]
fn hundred_megabyte_file_parses_without_trouble() {
    let mut text = String::with_capacity(100 << 20);
    text.push_str("hostssl all all 0.0.0.0/0 scram-sha-256\n");
    let comment = format!("# {}\n", "x".repeat(1 << 20));
    while text.len() < 100 << 20 {
        text.push_str(&comment);
    }
    text.push_str("host all all 10.0.0.0/8 md5\n");
    let f = parse_bytes(text.as_bytes(), "/x/pg_hba.conf", &opts(18));
    assert!(f.loads());
    assert_eq!(f.rules.len(), 2);
    assert_eq!(
        f.rules[1].line,
        2 + (100u32 << 20).div_ceil(comment.len() as u32)
    );
}

#[test]
fn binary_garbage_never_panics_on_any_version() {
    let mut r = Rng::new(99);
    let alphabet: &[u8] = b"host all local ssl nossl 0.0.0.0/0 ::1/128 \"#,@\\\n\r\t+/=reject trust md5 include samenet \x00\xff\xc3";
    for i in 0..3000u64 {
        let len = r.below(200) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if r.chance(70) {
                    alphabet[r.below(alphabet.len() as u64) as usize]
                } else {
                    r.below(256) as u8
                }
            })
            .collect();
        let major = 12 + (i % 7) as u32;
        let mut o = opts(major);
        o.read_files = false;
        let f = parse_bytes(&bytes, "/nonexistent/pg_hba.conf", &o);
        let reach = analyze(&f, &AnalyzeOptions::default());
        let _ = checks::findings(&f, &reach, true);
        let _ = pgtls_hba::view_rows(&f);
    }
}

/// Found by the fuzz target (a timeout: samples for a pattern of twenty
/// stacked `+` grew exponentially). PostgreSQL refuses `%++`; nested
/// repetitions that it accepts give bounded samples.
#[test]
fn stacked_and_nested_quantifiers_stay_cheap() {
    let input: &[u8] =
        include_bytes!("../fuzz/corpus/tokenize_parse/regression-stacked-quantifiers");
    let opts = ParseOptions {
        version_num: 160000,
        read_files: false,
        ..Default::default()
    };
    let f = parse_bytes(&input[1..], "/fuzz/pg_hba.conf", &opts);
    assert!(f
        .errors
        .iter()
        .any(|e| e.message.contains("quantifier operand invalid")));
    let r = analyze(&f, &AnalyzeOptions::default());
    let _ = checks::findings(&f, &r, true);

    let text = "local all /^((a{8}){8}){8}(b+)+$ trust\nlocal all all trust\n";
    let f = parse_bytes(text.as_bytes(), "/t/pg_hba.conf", &opts);
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    let r = analyze(&f, &AnalyzeOptions::default());
    assert_eq!(r.rules.len(), 2);
}
