//! Shared test helpers: a deterministic generator of connection strings and
//! the real-libpq oracle (`tests/oracle/libpq_parse.py` over ctypes).

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pgtls_conninfo::{ConnInfo, ConnInfoError};

/// SplitMix64: deterministic, no external RNG crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

const KEYWORDS: &[&str] = &[
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "requiressl",
    "application_name",
    "sslrootcert",
    "options",
    "sslnegotiation",
    "service",
    "hostaddr",
    "bogus",
    "Host",
    "",
    "ssl",
    "sslcrldir",
    "sslpassword",
    "channel_binding",
    "tty",
    "authtype",
    "sslsni",
    "load_balance_hosts",
    "oauth_client_secret",
    "require_auth",
    "gssencmode",
];

const VALUE_ATOMS: &[&str] = &[
    "a",
    "db",
    "require",
    "verify-full",
    "1",
    "0",
    "x y",
    " ",
    "\t",
    "'",
    "\\",
    "\\'",
    "''",
    "=",
    "%",
    "%20",
    "%41",
    "%zz",
    "%00",
    ",",
    "/",
    "@",
    ":",
    "?",
    "&",
    "é",
    "[",
    "]",
    "::1",
    "5432",
    "system",
    "prefer",
    "/tmp",
    "\n",
    "\\\\",
    "%2C",
    "#",
];

fn value(r: &mut Rng) -> String {
    let n = r.below(5);
    (0..n).map(|_| *r.pick(VALUE_ATOMS)).collect()
}

const GOOD_KEYWORDS: &[&str] = &[
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "requiressl",
    "application_name",
    "sslrootcert",
    "options",
    "hostaddr",
    "gssencmode",
];

pub fn gen_keyword_value(r: &mut Rng) -> String {
    let clean = r.chance(50);
    let mut s = String::new();
    if r.chance(10) {
        s.push_str(r.pick_str(&[" ", "\t", "\n "]));
    }
    let pairs = 1 + r.below(4);
    for i in 0..pairs {
        if i > 0 {
            s.push_str(r.pick_str(&[" ", "  ", "\n", "", "\t"]));
        }
        if clean {
            s.push_str(r.pick_str(GOOD_KEYWORDS));
            s.push_str(r.pick_str(&["=", "=", " = "]));
        } else {
            s.push_str(r.pick_str(KEYWORDS));
            s.push_str(r.pick_str(&["=", "=", "=", " = ", "= ", " =", "\t=\t", "", "=="]));
        }
        let v = value(r);
        if clean && !v.contains(['\\', '\'']) {
            s.push('\'');
            s.push_str(&v);
            s.push('\'');
        } else if r.chance(35) {
            s.push('\'');
            s.push_str(&v);
            if r.chance(90) {
                s.push('\'');
            }
        } else {
            s.push_str(&v);
        }
    }
    if !clean && r.chance(8) {
        s.push_str(r.pick_str(&[" ", "x", "=", "'"]));
    }
    s
}

const HOST_ATOMS: &[&str] = &[
    "h",
    "db1",
    "example.com",
    "127.0.0.1",
    "[::1]",
    "[2001:db8::1]",
    "[]",
    "[::1",
    "[::1]z",
    "%68ost",
    "%2Fvar%2Frun%2Fpostgresql",
    "a%00b",
    "%zz",
    "",
    " h ",
    "h h",
    "@abs",
    "%2C",
];

const QUERY_KEYS: &[&str] = &[
    "sslmode",
    "ssl",
    "requiressl",
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "application_name",
    "sslrootcert",
    "uzer",
    "u%73er",
    "%73slmode",
    " sslmode",
    "sslnegotiation",
    "options",
    "",
    "ssl%6Dode",
    "tty",
];

const QUERY_VALUES: &[&str] = &[
    "require",
    "true",
    "false",
    "1",
    "0",
    "verify-full",
    "system",
    "a%20b",
    "a b",
    " x ",
    "%XXfoo",
    "%00",
    "",
    "=",
    "disable",
    "Require",
    "/tmp",
    "%",
    "%4",
    "é",
    "-c%20a=b",
];

const GOOD_QUERY_KEYS: &[&str] = &[
    "sslmode",
    "ssl",
    "requiressl",
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "application_name",
    "sslrootcert",
    "options",
    "u%73er",
];

pub fn gen_uri(r: &mut Rng) -> String {
    if r.chance(50) {
        return gen_clean_uri(r);
    }
    let mut s = String::from(*r.pick(&[
        "postgresql://",
        "postgres://",
        "postgresql://",
        "postgres://",
        "postgresql:/",
        "POSTGRESQL://",
        " postgresql://",
    ]));
    if r.chance(50) {
        s.push_str(r.pick_str(&["u", "app", "u%40x", "", "us er", "%zz", "a:b:c"]));
        if r.chance(60) {
            s.push(':');
            s.push_str(r.pick_str(&["p", "s3cr%21t", "", "p@ss", "%zz", "pa ss", " pw "]));
        }
        s.push('@');
    }
    let hosts = r.below(4);
    for i in 0..hosts {
        if i > 0 {
            s.push(',');
        }
        s.push_str(r.pick_str(HOST_ATOMS));
        if r.chance(40) {
            s.push(':');
            s.push_str(r.pick_str(&["5432", "", "x", "65536", " 5433", "1"]));
        }
    }
    if r.chance(70) {
        s.push('/');
        s.push_str(r.pick_str(&["db", "", "my%20db", "d b", "%zz", "a/b", "db ", "%2Fx"]));
    }
    if r.chance(70) {
        s.push('?');
        let n = r.below(4);
        for i in 0..n {
            if i > 0 {
                s.push_str(r.pick_str(&["&", "&", "&&"]));
            }
            s.push_str(r.pick_str(QUERY_KEYS));
            if r.chance(92) {
                s.push('=');
            }
            s.push_str(r.pick_str(QUERY_VALUES));
            if r.chance(4) {
                s.push('=');
            }
        }
    }
    s
}

/// Insert, delete or replace a few bytes (on char boundaries).
pub fn mutate(r: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + r.below(3) {
        let pos = if chars.is_empty() {
            0
        } else {
            r.below(chars.len() + 1)
        };
        let c = *r.pick(&[
            ' ', '\'', '\\', '=', '%', '@', ':', '/', '?', '&', ',', '[', ']', 'a', '\t', '0',
        ]);
        match r.below(3) {
            0 => chars.insert(pos, c),
            1 if pos < chars.len() => {
                chars.remove(pos);
            }
            _ if pos < chars.len() => chars[pos] = c,
            _ => chars.push(c),
        }
    }
    chars.into_iter().collect()
}

pub fn gen_any(r: &mut Rng) -> String {
    let s = if r.chance(50) {
        gen_uri(r)
    } else {
        gen_keyword_value(r)
    };
    if r.chance(15) {
        mutate(r, &s)
    } else {
        s
    }
}

/// The libpq shared library of `major`, if installed: `scripts/install-pg`
/// unpacks one per major under /var/tmp/pgtls-pg/NN; Debian's libpq5 is 15.
pub fn libpq_for(major: u32) -> Option<PathBuf> {
    let root = std::env::var("PGTLS_PG_ROOT").unwrap_or_else(|_| "/var/tmp/pgtls-pg".into());
    let p = Path::new(&root)
        .join(major.to_string())
        .join("lib/libpq.so.5");
    if p.exists() {
        return Some(p);
    }
    if major == 15 {
        let d = Path::new("/usr/lib/x86_64-linux-gnu/libpq.so.5");
        if d.exists() {
            return Some(d.to_path_buf());
        }
    }
    None
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(Vec<(String, String)>),
    Err(String),
}

fn oracle_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/libpq_parse.py")
}

/// Run the real libpq on every input (one python process per call).
pub fn libpq_parse_all(lib: &Path, inputs: &[String]) -> Vec<Outcome> {
    let mut child = Command::new("python3")
        .arg(oracle_script())
        .arg(lib)
        .env("LD_LIBRARY_PATH", lib.parent().unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 is needed for the libpq oracle");
    let mut stdin = child.stdin.take().unwrap();
    let payload: String = inputs
        .iter()
        .map(|s| serde_json::to_string(s).unwrap() + "\n")
        .collect();
    let writer = std::thread::spawn(move || {
        stdin.write_all(payload.as_bytes()).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "oracle failed: {:?}", out.status);
    let text = String::from_utf8(out.stdout).unwrap();
    let res: Vec<Outcome> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            if let Some(e) = v.get("err") {
                Outcome::Err(e.as_str().unwrap().to_string())
            } else {
                let mut pairs: Vec<(String, String)> = v["ok"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap().to_string(),
                            p[1].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                pairs.sort();
                Outcome::Ok(pairs)
            }
        })
        .collect();
    assert_eq!(res.len(), inputs.len(), "oracle answered every input");
    res
}

pub fn ours(r: &Result<ConnInfo, ConnInfoError>) -> Outcome {
    match r {
        Ok(ci) => {
            let mut pairs: Vec<(String, String)> = ci
                .keywords()
                .map(|k| {
                    let v = match ci.get(k) {
                        Some(v) => v.to_string(),
                        None => ci.secret(k).unwrap().expose().to_string(),
                    };
                    (k.to_string(), v)
                })
                .collect();
            pairs.sort();
            Outcome::Ok(pairs)
        }
        Err(e) => Outcome::Err(e.to_string()),
    }
}

/// `***` in ours stands for a redacted secret: it matches any text.
pub fn same(ours: &Outcome, libpq: &Outcome) -> bool {
    match (ours, libpq) {
        (Outcome::Ok(a), Outcome::Ok(b)) => a == b,
        (Outcome::Err(a), Outcome::Err(b)) => wildcard_eq(a, b),
        _ => false,
    }
}

fn wildcard_eq(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split("***").collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

const CLEAN_VALUES: &[&str] = &[
    "require",
    "true",
    "1",
    "0",
    "verify-full",
    "system",
    "a%20b",
    " x ",
    "disable",
    "/tmp",
    "%C3%A9",
    "-c%20a=b",
    "prefer",
    "h1,h2",
];

/// A URI libpq usually accepts (some values are still invalid for 12..17).
pub fn gen_clean_uri(r: &mut Rng) -> String {
    let mut s = String::from(*r.pick(&["postgresql://", "postgres://"]));
    if r.chance(50) {
        s.push_str(r.pick_str(&["u", "app", "u%40x", "", "a:b:c"]));
        if r.chance(60) {
            s.push(':');
            s.push_str(r.pick_str(&["p", "s3cr%21t", "", "p%40ss", " pw "]));
        }
        s.push('@');
    }
    let hosts = r.below(3);
    for i in 0..hosts {
        if i > 0 {
            s.push(',');
        }
        s.push_str(r.pick_str(&[
            "h",
            "db1",
            "127.0.0.1",
            "[::1]",
            "[2001:db8::1]",
            "%68ost",
            "%2Ftmp",
            "",
        ]));
        if r.chance(40) {
            s.push(':');
            s.push_str(r.pick_str(&["5432", "", "6543"]));
        }
    }
    if r.chance(70) {
        s.push('/');
        s.push_str(r.pick_str(&["db", "", "my%20db", "%2Fx"]));
    }
    if r.chance(70) {
        s.push('?');
        let n = r.below(4);
        for i in 0..n {
            if i > 0 {
                s.push('&');
            }
            s.push_str(r.pick_str(GOOD_QUERY_KEYS));
            s.push('=');
            s.push_str(r.pick_str(CLEAN_VALUES));
        }
    }
    s
}
