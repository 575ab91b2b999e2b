//! The file extractors on arbitrary bytes under every kind of file name.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

const NAMES: &[&str] = &[
    "x.py", "x.js", "x.ts", "x.go", "x.java", "x.cs", "x.rb", "x.yml", ".env", "x.sh",
    "Dockerfile", "pg_service.conf", "pgbouncer.ini", "database.yml", "postgresql.auto.conf",
    "package.json", "go.mod", "settings.py", "x.txt",
];

fuzz_target!(|data: &[u8]| {
    for n in NAMES {
        if let Some(facts) = pgtls_clients::scan::scan_bytes(Path::new(n), data) {
            for c in &facts.candidates {
                // Spans are byte offsets of the file itself (fixes rely on it).
                assert!(c.span.end <= data.len());
                if std::str::from_utf8(&data[c.span.clone()]).is_ok() {
                    assert_eq!(&data[c.span.clone()], c.raw.as_bytes());
                }
            }
        }
    }
});
