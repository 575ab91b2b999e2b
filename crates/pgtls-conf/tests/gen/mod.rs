//! Deterministic generator of postgresql.conf file sets for the
//! differential tests (no RNG crate: splitmix64 is enough and stable).

#![allow(dead_code)]

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
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

    /// True with probability `pct`%.
    pub fn chance(&mut self, pct: u32) -> bool {
        self.below(100) < pct as usize
    }

    pub fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }
}

/// A generated file set: files relative to the data directory (the
/// cluster's postgresql.conf includes `gen/main.conf`), plus
/// postgresql.auto.conf, plus symlinks (relative path, target).
#[derive(Debug, Clone, Default)]
pub struct Case {
    pub seed: u64,
    pub files: Vec<(String, Vec<u8>)>,
    pub dirs: Vec<String>,
    pub symlinks: Vec<(String, String)>,
    pub auto_conf: Option<Vec<u8>>,
    /// Whether the generator put a deliberate error in.
    pub has_planned_error: bool,
}

#[derive(Clone, Copy)]
enum Kind {
    Bool,
    /// Only complete words (PG 18's log_connections is a list).
    BoolWords,
    Tls,
    TlsOrEmpty,
    Mem,
    Time,
    PwEnc,
    Text,
    MsgLevel,
    Curve,
}

/// Settings safe to set in a running throwaway cluster, valid in 12..18.
const SETTINGS: &[(&str, Kind)] = &[
    ("ssl", Kind::Bool),
    ("ssl_min_protocol_version", Kind::Tls),
    ("ssl_max_protocol_version", Kind::TlsOrEmpty),
    ("ssl_prefer_server_ciphers", Kind::Bool),
    ("ssl_ecdh_curve", Kind::Curve),
    ("work_mem", Kind::Mem),
    ("sort_mem", Kind::Mem),
    ("statement_timeout", Kind::Time),
    ("log_connections", Kind::BoolWords),
    ("log_disconnections", Kind::Bool),
    ("password_encryption", Kind::PwEnc),
    ("application_name", Kind::Text),
    ("client_min_messages", Kind::MsgLevel),
    ("myext.x", Kind::Text),
    ("myext.y", Kind::Text),
    ("other.opt", Kind::Text),
];

/// Custom names the cluster defines at start so their placeholders exist.
pub const PLACEHOLDERS: &[&str] = &["myext.x", "myext.y", "other.opt"];

/// Built-in names (as PostgreSQL names them) whose winning entry the
/// reload comparison checks.
pub const BUILTIN_NAMES: &[&str] = &[
    "ssl",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "ssl_prefer_server_ciphers",
    "work_mem",
    "statement_timeout",
    "log_connections",
    "log_disconnections",
    "password_encryption",
    "client_min_messages",
];

fn raw_value(rng: &mut Rng, k: Kind) -> String {
    let s: &str = match k {
        Kind::Bool => rng.pick(&[
            "on", "off", "true", "false", "yes", "no", "1", "0", "ON", "Off", "t", "f", "y", "n",
            "tr", "fa", "TRUE",
        ]),
        Kind::BoolWords => rng.pick(&["on", "off", "true", "false", "yes", "no", "1", "0"]),
        Kind::Tls => rng.pick(&[
            "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "tlsv1.2", "TLSV1.3",
        ]),
        Kind::TlsOrEmpty => rng.pick(&["", "TLSv1.2", "TLSv1.3", "tlsv1.3"]),
        Kind::Mem => rng.pick(&[
            "64kB", "1MB", "4MB", "8 MB", "1024", "1.5MB", "0x100", "010000", "2GB", "+128kB",
        ]),
        Kind::Time => rng.pick(&["0", "1000", "5s", "1min", "250 ms", "2h", "1.5s"]),
        Kind::PwEnc => rng.pick(&["md5", "scram-sha-256", "MD5", "SCRAM-SHA-256"]),
        Kind::MsgLevel => rng.pick(&["debug1", "log", "notice", "warning", "error", "NOTICE"]),
        Kind::Curve => "prime256v1",
        Kind::Text => {
            let n = rng.below(12);
            let mut s = String::new();
            for _ in 0..n {
                let c = rng.pick(&[
                    'a', 'b', 'Z', '0', '9', ' ', '\'', '\\', '#', '=', '-', '.', ':', '/', '_',
                    'é', '"', ',', '*', '\t',
                ]);
                s.push(c);
            }
            return s;
        }
    };
    s.to_string()
}

/// Whether `v` lexes as one bare value token, by a rule independent of the
/// crate's lexer (so the two can disagree and the server decide).
fn bare_ok(v: &str) -> bool {
    let b = v.as_bytes();
    if b.is_empty() {
        return false;
    }
    let letter = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
    if letter(b[0]) {
        return b[1..]
            .iter()
            .all(|&c| letter(c) || c.is_ascii_digit() || b"-._:/".contains(&c));
    }
    // numbers: sign? digits letters*  |  sign? 0x hex letters*
    let s = usize::from(b[0] == b'+' || b[0] == b'-');
    let rest = &b[s..];
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    let hex = rest.starts_with(b"0x")
        && rest[2..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
            > 0;
    let tail_from = if hex {
        2 + rest[2..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
    } else {
        digits
    };
    rest[tail_from..].iter().all(|c| c.is_ascii_alphabetic())
}

/// Render a value: bare when possible (half the time), else quoted with
/// varying escape styles.
fn render_value(rng: &mut Rng, v: &str, free_text: bool) -> String {
    if bare_ok(v) && rng.chance(50) {
        return v.to_string();
    }
    let mut out = String::from("'");
    for c in v.chars() {
        match c {
            '\'' => out.push_str(if rng.chance(50) { "''" } else { "\\'" }),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str(if rng.chance(50) { "\\t" } else { "\t" }),
            'a'..='z' if rng.chance(8) => out.push_str(&format!("\\{:o}", c as u32)),
            'b' if free_text && rng.chance(5) => out.push_str("\\b"),
            c if c.is_ascii_alphabetic() && !"bfnrt01234567".contains(c) && rng.chance(5) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if free_text && rng.chance(3) {
        out.push_str(rng.pick(&["\\0tail", "\\400x", "\\n"]));
    }
    out.push('\'');
    out
}

fn spell(rng: &mut Rng, name: &str) -> String {
    if !rng.chance(25) {
        return name.to_string();
    }
    name.chars()
        .map(|c| {
            if rng.chance(30) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn setting_line(rng: &mut Rng) -> String {
    let (name, kind) = rng.pick(SETTINGS);
    let v = raw_value(rng, kind);
    let sep = rng.pick(&[" = ", "=", " ", "\t=\t", "  =", " =  "]);
    let mut line = format!(
        "{}{}{}",
        spell(rng, name),
        sep,
        render_value(rng, &v, matches!(kind, Kind::Text))
    );
    if rng.chance(20) {
        line = format!("{}{}", rng.pick(&["  ", "\t", ""]), line);
    }
    if rng.chance(25) {
        line.push_str(rng.pick(&[" # comment", "#c", "\t# 'quoted' = x", " #"]));
    }
    line
}

/// Deliberately broken lines (syntax errors).
const BROKEN: &[&str] = &[
    "listen_addresses = *",
    "work_mem = 1.5GB",
    "shared_buffers = 128 MB",
    "x = 1e3",
    "my.ext.setting = 1",
    "= 5",
    "work_mem =",
    "work_mem",
    "'quoted' = 1",
    "ssl = on off",
    "ssl_ciphers = HIGH:MEDIUM:+3DES:!aNULL",
    "application_name = 'unterminated",
    "application_name = \"dq\"",
    "x = 0X1F",
    "ssl = on;",
    "ssl == on",
    "-x = 1",
    "a = 'b' 'c'",
    "a.b.c",
    "x = @",
    "x = 'a\\",
];

fn garbage_line(rng: &mut Rng) -> String {
    let first = rng.pick(b"0='-*\"/!.@");
    let mut s = vec![first];
    for _ in 0..rng.below(10) {
        s.push(rng.pick(b"az09 .=_'-:/+*#\\\"x"));
    }
    String::from_utf8(s).unwrap()
}

const UNKNOWN: &[&str] = &[
    "bogus_param = 1",
    "ssl_bogus = on",
    "Work_Memory = 1",
    "\u{e9}_x = 1",
];

struct Files {
    data_dir: String,
    files: Vec<(String, Vec<u8>)>,
    planned_error: bool,
    /// Files created so far (relative to gen/).
    counter: usize,
}

impl Files {
    fn add(&mut self, rel: &str, text: String) {
        self.files.push((format!("gen/{rel}"), text.into_bytes()));
    }
}

fn lines_for(rng: &mut Rng, f: &mut Files, depth: usize, here: &str, n: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    for _ in 0..n {
        let r = rng.below(100);
        let line = if r < 55 {
            setting_line(rng)
        } else if r < 63 {
            rng.pick(&["", "# a comment", "   ", "\t# x = y", "#include 'x'"])
                .to_string()
        } else if r < 78 && depth < 3 {
            include_line(rng, f, depth, here)
        } else if r < 81 {
            f.planned_error = true;
            rng.pick(BROKEN).to_string()
        } else if r < 82 {
            f.planned_error = true;
            garbage_line(rng)
        } else if r < 83 {
            f.planned_error = true;
            rng.pick(UNKNOWN).to_string()
        } else {
            setting_line(rng)
        };
        out.push(line);
    }
    let eol = if rng.chance(10) { "\r\n" } else { "\n" };
    let mut text = out.join(eol);
    if !out.is_empty() && !rng.chance(15) {
        text.push_str(eol);
    }
    text
}

/// Directory of a gen-relative file ("" for top level).
fn dir_of(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn include_line(rng: &mut Rng, f: &mut Files, depth: usize, here: &str) -> String {
    let here_dir = dir_of(here).to_string();
    let r = rng.below(100);
    f.counter += 1;
    let id = f.counter;
    let kw = |rng: &mut Rng, k: &str| spell(rng, k);
    let eq = |rng: &mut Rng| rng.pick(&[" ", " = ", "="]).to_string();
    if r < 45 {
        // include of a new file somewhere below, with path variants.
        let sub = rng.pick(&["sub", "sub/deeper", "x"]).to_string();
        let name = format!("f{id}.conf");
        let target_rel = if here_dir.is_empty() {
            format!("{sub}/{name}")
        } else {
            format!("{here_dir}/{sub}/{name}")
        };
        let n = rng.below(6);
        let body = lines_for(rng, f, depth + 1, &target_rel, n);
        f.add(&target_rel, body);
        let spelled = match rng.below(9) {
            0 => format!("./{sub}/{name}"),
            6 => format!("{sub}/zz/../{name}"),
            7 if here_dir.is_empty() => format!("../gen/{sub}/{name}"),
            8 => format!("{sub}/./{name}"),
            1 => format!("{sub}//{name}"),
            2 => format!("{sub}/../{sub}/{name}"),
            3 => format!("{}/gen/{target_rel}", f.data_dir),
            4 => format!("{}/gen//{target_rel}", f.data_dir),
            _ => format!("{sub}/{name}"),
        };
        let k = if rng.chance(30) {
            "include_if_exists"
        } else {
            "include"
        };
        format!("{}{}'{}'", kw(rng, k), eq(rng), spelled)
    } else if r < 60 {
        // include_dir with several files, some of which are skipped.
        let d = format!("d{id}");
        let drel = if here_dir.is_empty() {
            d.clone()
        } else {
            format!("{here_dir}/{d}")
        };
        let names = [
            "a.conf",
            "B.conf",
            "01-x.conf",
            "zz.conf",
            ".hidden.conf",
            "c.conf.bak",
            ".conf",
            "ab.cnf",
        ];
        let k = 1 + rng.below(4);
        for _ in 0..k {
            let nm = rng.pick(&names);
            let rel = format!("{drel}/{nm}");
            if f.files.iter().any(|(p, _)| p == &format!("gen/{rel}")) {
                continue;
            }
            let n = rng.below(5);
            let body = lines_for(rng, f, depth + 1, &rel, n);
            f.add(&rel, body);
        }
        let spelled = match rng.below(8) {
            0 => format!("./{d}/"),
            1 => format!("{d}/."),
            2 => format!("{d}//"),
            _ => d,
        };
        format!("{}{}'{}'", kw(rng, "include_dir"), eq(rng), spelled)
    } else if r < 75 {
        format!(
            "include_if_exists '{}'",
            rng.pick(&["missing.conf", "nope/x.conf", "/nonexistent/pgtls.conf"])
        )
    } else {
        // rare error shapes
        f.planned_error = true;
        match rng.below(9) {
            0 => "include 'missing.conf'".to_string(),
            1 => "include ''".to_string(),
            2 => "include_dir ' '".to_string(),
            3 => "include_dir 'no_such_dir'".to_string(),
            4 => {
                // include a directory: fopen succeeds, reading fails
                let d = format!("dir{id}");
                let rel = if here_dir.is_empty() {
                    d.clone()
                } else {
                    format!("{here_dir}/{d}")
                };
                f.add(&format!("{rel}/keep.txt"), String::new());
                format!("include '{d}'")
            }
            5 => {
                let base = here.rsplit('/').next().unwrap_or(here).to_string();
                format!("include '{base}'")
            }
            6 => {
                let base = here.rsplit('/').next().unwrap_or(here).to_string();
                format!("include './{base}'")
            }
            7 => {
                // a chain deeper than ten
                let mut prev = String::new();
                for i in (0..12).rev() {
                    let rel = format!("chain{id}/c{i}.conf");
                    let body = if prev.is_empty() {
                        "work_mem = '1MB'\n".to_string()
                    } else {
                        format!("include '{prev}'\n")
                    };
                    f.add(&rel, body);
                    prev = format!("c{i}.conf");
                }
                format!("include 'chain{id}/c0.conf'")
            }
            _ => {
                // a loop a -> b -> a (stopped by the depth limit)
                let a = format!("loop{id}/a.conf");
                let b = format!("loop{id}/b.conf");
                f.add(&a, "include 'b.conf'\n".to_string());
                f.add(&b, "ssl = on\ninclude 'a.conf'\n".to_string());
                format!("include '{a}'")
            }
        }
    }
}

/// Generate one case. `data_dir` is the cluster's (absolute) data directory.
pub fn generate(seed: u64, data_dir: &str) -> Case {
    let mut rng = Rng::new(seed);
    let mut f = Files {
        data_dir: data_dir.to_string(),
        files: Vec::new(),
        planned_error: false,
        counter: 0,
    };
    let n = rng.below(10);
    let main = lines_for(&mut rng, &mut f, 0, "main.conf", n);
    f.add("main.conf", main);
    let mut symlinks = Vec::new();
    if rng.chance(3) {
        f.planned_error = true;
        f.files.retain(|(p, _)| p != "gen/main.conf");
        f.add("main.conf", "include_dir 'links'\n".to_string());
        f.add("links/a.conf", "ssl = on\n".to_string());
        symlinks.push((
            "gen/links/b.conf".to_string(),
            "/nonexistent/target".to_string(),
        ));
    }
    let auto_conf = match rng.below(10) {
        0..=3 => None,
        4 => Some(b"# Do not edit this file manually!\n".to_vec()),
        _ => {
            let n = 1 + rng.below(4);
            let mut lines = vec!["# Do not edit this file manually!".to_string()];
            for _ in 0..n {
                let r = rng.below(100);
                lines.push(if r < 80 {
                    setting_line(&mut rng)
                } else if r < 88 {
                    "include_if_exists 'gen/sub/f1.conf'".to_string()
                } else if r < 94 {
                    f.planned_error = true;
                    rng.pick(BROKEN).to_string()
                } else {
                    f.planned_error = true;
                    rng.pick(UNKNOWN).to_string()
                });
            }
            Some((lines.join("\n") + "\n").into_bytes())
        }
    };
    Case {
        seed,
        files: f.files,
        dirs: Vec::new(),
        symlinks,
        auto_conf,
        has_planned_error: f.planned_error,
    }
}

fn fixed(seed: u64, files: &[(&str, &str)], auto_conf: Option<&str>) -> Case {
    Case {
        seed,
        files: files
            .iter()
            .map(|(p, t)| (format!("gen/{p}"), t.as_bytes().to_vec()))
            .collect(),
        auto_conf: auto_conf.map(|t| t.as_bytes().to_vec()),
        ..Case::default()
    }
}

/// Hand-written cases: every input that ever disagreed with PostgreSQL
/// (kept as regression tests even after the generator changed) and the
/// reference's tricky cases. `seed` is a label here (0..100).
pub fn fixed_cases() -> Vec<Case> {
    vec![
        // Disagreed on PG 12 (generated seed 1043 of the first generator):
        // before 15, join_path_components() drops a leading "./".
        fixed(
            1,
            &[
                ("main.conf", "include='./x/f1.conf'\n"),
                ("x/f1.conf", "ssl = on\n"),
            ],
            None,
        ),
        // Disagreed on PG 12 (seed 1064): "./main.conf" is direct recursion
        // there too, because the "./" is dropped before the comparison.
        fixed(
            2,
            &[("main.conf", "include './main.conf'\nssl = on\n")],
            None,
        ),
        // A lone name without newline: "near end of line" on line 0.
        fixed(3, &[("main.conf", "ssl")], None),
        fixed(4, &[("main.conf", "work_mem = 1\nssl =")], None),
        // §9: duplicate spellings, aliases, auto.conf precedence.
        fixed(
            5,
            &[(
                "main.conf",
                "Work_Mem = '8MB'\nwork_mem = '16MB'\nsort_mem = 1024\nwork_mem = 64kB\nssl = on\n",
            )],
            Some("ssl = off\nssl_ecdh_curve = 'prime256v1'\n"),
        ),
        fixed(6, &[("main.conf", "listen_addresses = *\n")], None),
        fixed(
            7,
            &[("main.conf", "ssl_ciphers = HIGH:MEDIUM:+3DES:!aNULL\n")],
            None,
        ),
        fixed(8, &[("main.conf", "shared_buffers = 1.5GB\n")], None),
        fixed(9, &[("main.conf", "my.ext.setting = 1\n")], None),
        fixed(
            10,
            &[(
                "main.conf",
                "ssl_min_protocol_version = TLSv1.2\nmyext.x = '\\101\\0b'\n",
            )],
            None,
        ),
        // An error in auto.conf only.
        fixed(11, &[("main.conf", "ssl = on\n")], Some("ssl = = off\n")),
        // include_dir stops at the first failing file.
        fixed(
            12,
            &[
                ("main.conf", "include_dir 'd'\nssl = on\n"),
                ("d/a.conf", "ssl = off\n= bad\n"),
                ("d/b.conf", "ssl = on\n"),
            ],
            None,
        ),
        // include_dir '.' from a file in that directory includes itself.
        fixed(
            13,
            &[
                ("main.conf", "include 'd/a.conf'\n"),
                ("d/a.conf", "include_dir '.'\n"),
                ("d/b.conf", "ssl = on\n"),
            ],
            None,
        ),
    ]
}
