//! Tokenizer + parser + analysis on arbitrary bytes, every major: must never
//! panic. Run: `cargo +nightly fuzz run tokenize_parse` from crates/pgtls-hba.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgtls_hba::{analyze, checks, parse_bytes, view_rows, AnalyzeOptions, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let (major, body) = match data.split_first() {
        Some((m, rest)) => (12 + (*m as u32 % 7), rest),
        None => (18, data),
    };
    let opts = ParseOptions {
        version_num: major * 10000,
        read_files: false,
        ..Default::default()
    };
    let f = parse_bytes(body, "/fuzz/pg_hba.conf", &opts);
    let _ = view_rows(&f);
    let r = analyze(&f, &AnalyzeOptions::default());
    let _ = checks::findings(&f, &r, opts.ssl_on);
});
