//! Generated hostile strings through every parser and extractor (the fuzz
//! targets under fuzz/ do the same with libFuzzer; this runs in `cargo test`).

use std::path::Path;

use pgtls_clients::{check, fix, forms, scan, Context, Driver, DriverSpec};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ATOMS: &[&str] = &[
    "postgres://",
    "postgresql+asyncpg://",
    "jdbc:postgresql:",
    "jdbc:postgresql://",
    "u:p@",
    "[::1]",
    "[",
    "]",
    ":",
    "/",
    "?",
    "&",
    "=",
    ";",
    "'",
    "\"",
    "\\",
    "%",
    "%zz",
    "%00",
    "sslmode=",
    "ssl=",
    "require",
    "disable",
    "verify-full",
    "Host=",
    "SSL Mode=",
    "Trust Server Certificate=true",
    "${X}",
    "{",
    "}",
    "\n",
    " ",
    "\t",
    "é",
    "PGSSLMODE=",
    "- name: PGSSLMODE\n  value: ",
    "[pgbouncer]\n",
    "client_tls_sslmode = ",
    "primary_conninfo = '",
    "new Pool({ssl: ",
    "adapter: postgresql\n",
    "django.db.backends.postgresql",
    "'sslmode': '",
    "service=",
    "[svc]\n",
    "dbname=",
    "\u{0}",
    "\r\n",
];

fn gen(r: &mut Rng) -> String {
    (0..r.below(24))
        .map(|_| ATOMS[r.below(ATOMS.len())])
        .collect()
}

const NAMES: &[&str] = &[
    "x.py",
    "x.js",
    "x.ts",
    "x.go",
    "x.java",
    "x.cs",
    "x.rb",
    "x.yml",
    ".env",
    "x.sh",
    "Dockerfile",
    "pg_service.conf",
    "pgbouncer.ini",
    "database.yml",
    "postgresql.auto.conf",
    "package.json",
    "x.txt",
];

#[test]
fn generated_garbage_never_panics_any_parser() {
    let n = if std::env::var("PGTLS_LONG").is_ok() {
        200_000
    } else {
        5_000
    };
    let mut r = Rng(99);
    let ctx = Context::default().with_env("PGSSLMODE", "prefer", "test");
    for _ in 0..n {
        let s = gen(&mut r);
        let _ = check(&s, None, &ctx);
        let d = Driver::ALL[r.below(Driver::ALL.len())];
        let a = check(&s, Some(DriverSpec::new(d)), &ctx);
        let _ = pgtls_clients::report::check_json(&a);
        let _ = forms::parse_url(&s, true);
        let _ = forms::parse_jdbc(&s);
        let _ = forms::parse_ado(&s);
        let _ = forms::parse_kv_lenient(&s);
        let _ = fix::uri_set(&s, "sslmode", "require", &["ssl"]);
        let _ = fix::kv_set(&s, "sslmode", "require");
        let _ = fix::ado_set(&s, &["sslmode"], "SSL Mode", "Require");
        let name = NAMES[r.below(NAMES.len())];
        let mut bytes = s.clone().into_bytes();
        if r.below(5) == 0 {
            bytes.push(0xff);
        }
        let _ = scan::scan_bytes(Path::new(name), &bytes);
    }
}

/// Regression (fuzz/scan_bytes crash-6628bd6f): invalid UTF-8 before a hit
/// line shifted offsets between the lossy text and the file bytes.
#[test]
fn invalid_utf8_before_a_hit_keeps_byte_offsets() {
    let data = b"h\xff\x02\xff\xff333\xff\n\"pg\"\xf8";
    for name in NAMES {
        let _ = scan::scan_bytes(Path::new(name), data);
    }
    let data = b"x = '\xff\xfe'\nurl = \"postgres://u@h/db?sslmode=disable\"\n";
    let facts = scan::scan_bytes(Path::new("x.py"), data).unwrap();
    let c = &facts.candidates[0];
    assert_eq!(&data[c.span.clone()], b"postgres://u@h/db?sslmode=disable");
    assert_eq!(c.line, 2);
}
