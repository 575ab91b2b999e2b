//! Finding connection settings inside one file's bytes.
//!
//! Generic files are searched only around prefilter hits (lines holding a
//! trigger word); files whose name says what they are (pg_service.conf,
//! pgbouncer.ini, database.yml, Django settings, manifests) are parsed whole.

use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use pgtls_conninfo::ConnInfo;
use regex::Regex;

use crate::assess::{NodeConfig, NodeSsl, Setting};
use crate::driver::{Driver, DriverSpec};
use crate::forms::{self, Syntax};
use crate::redact::redact;

/// The words a line must contain to be looked at (case-sensitive). The
/// benchmark gives ripgrep exactly these.
pub const TRIGGERS: &[&str] = &[
    "postgres",
    "Postgres",
    "POSTGRES",
    "sslmode",
    "SSL Mode",
    "SslMode",
    "Ssl Mode",
    "SSLMode",
    "PGSSL",
    "PGHOST",
    "PGREQUIRESSL",
    "PGSERVICE",
    "DATABASE_URL",
    "dbname",
    "atabase=",
    "conninfo",
    "asyncpg",
    "psycopg",
    "Npgsql",
    "'pg'",
    "\"pg\"",
    "client_tls",
    "server_tls",
    "service=",
];

pub(crate) static PREFILTER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(TRIGGERS)
        .expect("valid patterns")
});

/// What kind of file this is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    ServiceFile,
    Pgbouncer,
    PgConf,
    RailsDb,
    Manifest,
    Env,
    Shell,
    Dockerfile,
    Yaml,
    Python,
    JsTs,
    Go,
    Rust,
    Jvm,
    CSharp,
    Ruby,
    Php,
    Other,
}

impl FileKind {
    pub fn of(path: &Path) -> FileKind {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match name.as_str() {
            "pg_service.conf" | ".pg_service.conf" => return FileKind::ServiceFile,
            "postgresql.conf" | "postgresql.auto.conf" | "recovery.conf" => {
                return FileKind::PgConf
            }
            "database.yml" | "database.yaml" => return FileKind::RailsDb,
            "package.json" | "requirements.txt" | "pyproject.toml" | "pipfile" | "setup.py"
            | "setup.cfg" | "go.mod" | "gemfile" | "cargo.toml" | "pom.xml" | "build.gradle"
            | "build.gradle.kts" | "packages.config" | "gemfile.lock" => return FileKind::Manifest,
            ".envrc" | ".bashrc" | ".profile" | ".bash_profile" | ".zshrc" => {
                return FileKind::Shell
            }
            _ => {}
        }
        if name.starts_with("requirements") && ext == "txt" {
            return FileKind::Manifest;
        }
        if name.contains("pgbouncer") && ext == "ini" {
            return FileKind::Pgbouncer;
        }
        if name == ".env" || name.starts_with(".env.") || ext == "env" {
            return FileKind::Env;
        }
        if name == "dockerfile" || name.starts_with("dockerfile.") || ext == "dockerfile" {
            return FileKind::Dockerfile;
        }
        match ext.as_str() {
            "csproj" | "fsproj" | "vbproj" => FileKind::Manifest,
            "sh" | "bash" | "zsh" | "ksh" => FileKind::Shell,
            "yml" | "yaml" => FileKind::Yaml,
            "py" | "pyi" => FileKind::Python,
            "js" | "mjs" | "cjs" | "ts" | "mts" | "cts" | "jsx" | "tsx" => FileKind::JsTs,
            "go" => FileKind::Go,
            "rs" => FileKind::Rust,
            "java" | "kt" | "kts" | "scala" | "groovy" | "properties" => FileKind::Jvm,
            "cs" | "fs" | "vb" | "config" => FileKind::CSharp,
            "rb" | "erb" => FileKind::Ruby,
            "php" => FileKind::Php,
            "conf" if name.contains("pgbouncer") => FileKind::Pgbouncer,
            _ => FileKind::Other,
        }
    }

    /// Environment assignments here apply to the directory subtree.
    pub fn env_is_dir_scoped(self) -> bool {
        matches!(self, FileKind::Env | FileKind::Shell | FileKind::Dockerfile)
    }
}

/// How `--fix` rewrites a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditKind {
    None,
    /// `raw` is a whole connection string; set keys according to its syntax.
    ConnString,
    /// `raw` is the bare value of an sslmode-like setting.
    Value(ValueKind),
    /// Insert `<indent><key><sep><mode>` as a new line at byte `at`
    /// (the start of the line after the anchor line).
    InsertLine {
        at: usize,
        indent: String,
        style: ValueKind,
    },
    /// `raw` is a libpq conninfo inside PostgreSQL GUC quotes.
    GucConninfo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    EnvSslmode,
    YamlSslmode,
    ServiceSslmode,
    DjangoSslmode,
    PgbouncerClient,
    PgbouncerServer,
    NodeSsl,
    NodeRejectUnauthorized,
}

/// One setting found in a file.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub line: u32,
    pub column: u32,
    /// Bytes of `raw` in the file.
    pub span: Range<usize>,
    pub raw: String,
    pub setting: Setting,
    pub syntax: Syntax,
    /// Decided by the syntax (JDBC, ADO.NET, SQLAlchemy, node config...);
    /// `None` = inferred later from the file and its project.
    pub driver: Option<DriverSpec>,
    /// Same-file environment group (compose service, k8s document).
    pub group: Option<u32>,
    pub edit: EditKind,
    /// Redacted text to show.
    pub snippet: String,
    /// Extra facts for the assessment (e.g. PgBouncer host is a socket).
    pub note: Option<String>,
    pub local_socket: bool,
}

/// An environment variable assignment.
#[derive(Debug, Clone)]
pub struct EnvAssign {
    pub name: String,
    pub value: String,
    pub line: u32,
    pub group: Option<u32>,
}

/// Everything extracted from one file.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    pub candidates: Vec<Candidate>,
    pub env: Vec<EnvAssign>,
    pub service_file: bool,
    pub manifest_drivers: Vec<Driver>,
    pub driver_hint: Option<Driver>,
    pub invalid_utf8_lines: u64,
    pub long_lines: u64,
}

/// Line starts of a buffer, for offset → line/column.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(b: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', b).map(|i| i + 1));
        Lines { starts }
    }
    /// 1-based line and column of a byte offset.
    pub fn at(&self, off: usize) -> (u32, u32) {
        let i = match self.starts.binary_search(&off) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (i as u32 + 1, (off - self.starts[i]) as u32 + 1)
    }
    pub fn start_of(&self, line: u32) -> usize {
        self.starts[(line as usize - 1).min(self.starts.len() - 1)]
    }
    pub fn count(&self) -> usize {
        self.starts.len()
    }
}

static URI_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"jdbc:postgresql:|postgres(?:ql)?(?:\+[A-Za-z0-9_]+)?://").unwrap()
});
static LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`\n]*)`"#).unwrap()
});
static KV_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)(host|hostaddr|dbname|user|port|sslmode|service|password|sslrootcert|requiressl|application_name|connect_timeout)\s*=").unwrap()
});
static ENV_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:export\s+|ENV\s+|-\s+|set\s+)?["']?(PG[A-Z_]+)["']?\s*(=|:|\s)\s*(.*)$"#)
        .unwrap()
});
static K8S_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*-\s*name:\s*["']?(PG[A-Z_]+)["']?\s*$"#).unwrap());
static K8S_VALUE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"^\s*value:\s*(.*)$"#).unwrap());
static PRIMARY_CONNINFO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*primary_conninfo\s*=?\s*'((?:[^']|'')*)'").unwrap());
static NODE_CTOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"new\s+(?:pg\.|Pg\.)?(?:Pool|Client)\s*\(\s*\{").unwrap());

/// Environment variables that change how libpq-like clients connect.
pub const ENV_VARS: &[&str] = &[
    "PGSSLMODE",
    "PGREQUIRESSL",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGSSLNEGOTIATION",
    "PGGSSENCMODE",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGSYSCONFDIR",
    "PGAPPNAME",
    "PGCONNECT_TIMEOUT",
    "PGTARGETSESSIONATTRS",
    "PGOPTIONS",
];

/// Lines longer than this are skipped (minified bundles) and counted.
pub const MAX_LINE: usize = 64 * 1024;

fn strip_value(v: &str) -> (&str, usize) {
    // Returns the value without quotes / trailing comment and its offset in v.
    let t = v.trim_end();
    let lead = t.len() - t.trim_start().len();
    let t = t.trim_start();
    if let Some(rest) = t.strip_prefix('"') {
        if let Some(end) = rest.find('"') {
            return (&rest[..end], lead + 1);
        }
    }
    if let Some(rest) = t.strip_prefix('\'') {
        if let Some(end) = rest.find('\'') {
            return (&rest[..end], lead + 1);
        }
    }
    let end = t.find(" #").unwrap_or(t.len());
    (t[..end].trim_end(), lead)
}

fn yaml_groups(text: &str) -> Vec<u32> {
    // One group id per line: document index * 10000 + compose service index.
    let mut out = Vec::new();
    let mut doc = 0u32;
    let mut in_services = false;
    let mut svc_indent: Option<usize> = None;
    let mut svc = 0u32;
    for line in text.split('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" {
            doc += 1;
            in_services = false;
            svc_indent = None;
        }
        let indent = line.len() - line.trim_start().len();
        let content = line.trim();
        if indent == 0 && !content.is_empty() && !content.starts_with('#') {
            in_services = content.starts_with("services:");
            svc_indent = None;
        } else if in_services && !content.is_empty() && !content.starts_with('#') {
            match svc_indent {
                None => {
                    svc_indent = Some(indent);
                    svc += 1;
                }
                Some(i) if indent == i => svc += 1,
                _ => {}
            }
        }
        out.push(doc * 10000 + if in_services { svc } else { 0 });
    }
    out
}

struct Ctx<'a> {
    text: &'a str,
    lines: &'a Lines,
    groups: Option<Vec<u32>>,
    facts: FileFacts,
    seen_spans: Spans,
}

/// Spans already judged whole (a connection string inside one is not
/// judged again). Spans arrive in file order almost always: then a
/// containment query is a binary search over the starts and a prefix
/// maximum of the ends, not a scan of every earlier span (which made one
/// file with 100k connection strings quadratic).
#[derive(Default)]
struct Spans {
    spans: Vec<Range<usize>>,
    /// max end of spans[..=i]
    max_end: Vec<usize>,
    /// Every span started at or after the one before it.
    in_order: bool,
}

impl Spans {
    fn push(&mut self, r: Range<usize>) {
        if self.spans.is_empty() {
            self.in_order = true;
        } else if self.spans.last().is_some_and(|l| r.start < l.start) {
            self.in_order = false;
        }
        let m = self.max_end.last().map_or(r.end, |&m| m.max(r.end));
        self.max_end.push(m);
        self.spans.push(r);
    }

    /// Whether some span holds all of `r`.
    fn contain(&self, r: &Range<usize>) -> bool {
        if self.in_order {
            let k = self.spans.partition_point(|s| s.start <= r.start);
            k > 0 && self.max_end[k - 1] >= r.end
        } else {
            self.spans
                .iter()
                .any(|s| s.start <= r.start && r.end <= s.end)
        }
    }
}

impl<'a> Ctx<'a> {
    fn group_at(&self, line: u32) -> Option<u32> {
        self.groups
            .as_ref()
            .and_then(|g| g.get(line as usize - 1).copied())
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        span: Range<usize>,
        setting: Setting,
        syntax: Syntax,
        driver: Option<DriverSpec>,
        edit: EditKind,
        anchor: usize,
    ) {
        let line_level = matches!(
            syntax,
            Syntax::LibpqUri
                | Syntax::JdbcUrl
                | Syntax::SqlalchemyUrl
                | Syntax::LibpqKeywordValue
                | Syntax::Npgsql
                | Syntax::PrimaryConninfo
        ) || matches!(setting, Setting::Env { .. });
        if line_level && self.seen_spans.contain(&span) {
            return;
        }
        let (line, column) = self.lines.at(anchor);
        let raw = self.text[span.clone()].to_string();
        let snippet = {
            let ls = self.lines.start_of(line);
            let le = self.text[ls..]
                .find('\n')
                .map(|i| ls + i)
                .unwrap_or(self.text.len());
            let l = self.text[ls..le].trim();
            let l: String = l.chars().take(200).collect();
            redact(&l)
        };
        if line_level {
            self.seen_spans.push(span.clone());
        }
        self.facts.candidates.push(Candidate {
            line,
            column,
            span,
            raw,
            setting,
            syntax,
            driver,
            group: self.group_at(line),
            edit,
            snippet,
            note: None,
            local_socket: false,
        });
    }
}

/// Extract everything from one file. `text` is the whole file (lossy
/// decoded only for whole-file kinds); `hit_lines` are the byte ranges of
/// lines holding a trigger (ignored for whole-file kinds).
pub fn extract(path: &Path, bytes: &[u8], kind: FileKind) -> FileFacts {
    extract_from(path, bytes, kind, 0)
}

/// [`extract`], with line-level search starting at byte `from` (the first
/// prefilter hit: nothing before it can match).
pub fn extract_from(path: &Path, bytes: &[u8], kind: FileKind, from: usize) -> FileFacts {
    let owned;
    let text: &str = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => {
            owned = same_length_text(bytes);
            &owned
        }
    };
    let lines = Lines::new(text.as_bytes());
    let groups = matches!(kind, FileKind::Yaml | FileKind::RailsDb).then(|| yaml_groups(text));
    let mut cx = Ctx {
        text,
        lines: &lines,
        groups,
        facts: FileFacts::default(),
        seen_spans: Spans::default(),
    };
    match kind {
        FileKind::ServiceFile => {
            cx.facts.service_file = true;
            service_file(&mut cx);
        }
        FileKind::Pgbouncer => pgbouncer(&mut cx),
        FileKind::RailsDb => rails(&mut cx),
        FileKind::Manifest => {
            cx.facts.manifest_drivers = manifest_drivers(path, text);
        }
        _ => {}
    }
    if matches!(kind, FileKind::Other | FileKind::PgConf) && text.contains("[pgbouncer]") {
        pgbouncer(&mut cx);
    }
    if kind == FileKind::Python && text.contains("django.db.backends.postg") {
        django(&mut cx);
    }
    if kind == FileKind::JsTs && NODE_CTOR.is_match(text) {
        node_objects(&mut cx);
    }
    if !matches!(
        kind,
        FileKind::ServiceFile | FileKind::Pgbouncer | FileKind::Manifest
    ) {
        // Line-level extraction around prefilter hits.
        let b = text.as_bytes();
        let mut last_line_start = usize::MAX;
        let from = from.min(b.len());
        for m in PREFILTER.find_iter(&b[from..]) {
            let m = aho_corasick::Match::new(m.pattern(), from + m.start()..from + m.end());
            let ls = memchr::memrchr(b'\n', &b[..m.start()]).map_or(0, |i| i + 1);
            if ls == last_line_start {
                continue;
            }
            last_line_start = ls;
            let le = memchr::memchr(b'\n', &b[m.start()..]).map_or(b.len(), |i| m.start() + i);
            if le - ls > MAX_LINE {
                cx.facts.long_lines += 1;
                continue;
            }
            if std::str::from_utf8(&bytes[ls..le]).is_err() {
                cx.facts.invalid_utf8_lines += 1;
                continue;
            }
            line_level(&mut cx, ls, le);
        }
    }
    if !cx.facts.candidates.is_empty() {
        cx.facts.driver_hint = driver_hint(kind, text);
    }
    cx.facts
}

/// The file as text with every byte offset unchanged: each byte of an
/// invalid UTF-8 sequence becomes `?` (spans and line numbers stay those of
/// the file; lines holding such bytes are skipped and counted).
fn same_length_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(t) => {
                out.push_str(t);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).expect("valid prefix"));
                let n = e.error_len().unwrap_or(bad.len());
                out.extend(std::iter::repeat_n('?', n));
                rest = &bad[n..];
            }
        }
    }
    out
}

/// Driver hints from the file itself (imports).
fn driver_hint(kind: FileKind, text: &str) -> Option<Driver> {
    let has = |s: &str| text.contains(s);
    match kind {
        FileKind::Python => {
            if has("asyncpg") {
                Some(Driver::Asyncpg)
            } else if has("psycopg2") {
                Some(Driver::Psycopg2)
            } else if has("psycopg") {
                Some(Driver::Psycopg)
            } else if has("django") {
                Some(Driver::Django)
            } else {
                None
            }
        }
        FileKind::JsTs => (has("require('pg')")
            || has("require(\"pg\")")
            || has("from 'pg'")
            || has("from \"pg\"")
            || has("'pg'")
            || has("\"pg\""))
        .then_some(Driver::NodePostgres),
        FileKind::Go => {
            if has("jackc/pgx") {
                Some(Driver::Pgx)
            } else if has("lib/pq") {
                Some(Driver::GoPq)
            } else {
                None
            }
        }
        FileKind::Rust => {
            if has("sqlx") {
                Some(Driver::Sqlx)
            } else if has("tokio_postgres") || has("postgres::") {
                Some(Driver::TokioPostgres)
            } else {
                None
            }
        }
        FileKind::CSharp => Some(Driver::Npgsql),
        FileKind::Ruby | FileKind::Php => Some(Driver::Libpq),
        FileKind::Jvm => Some(Driver::Pgjdbc),
        _ => None,
    }
}

/// Which drivers a manifest pulls in.
pub fn manifest_drivers(path: &Path, text: &str) -> Vec<Driver> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut v = Vec::new();
    let has = |s: &str| text.contains(s);
    if name == "package.json" && has("\"pg\"") {
        v.push(Driver::NodePostgres);
    }
    if name.starts_with("requirements")
        || matches!(
            name.as_str(),
            "pyproject.toml" | "pipfile" | "setup.py" | "setup.cfg"
        )
    {
        if has("asyncpg") {
            v.push(Driver::Asyncpg);
        }
        if has("psycopg2") {
            v.push(Driver::Psycopg2);
        } else if has("psycopg") {
            v.push(Driver::Psycopg);
        }
        if has("pg8000") {
            v.push(Driver::Pg8000);
        }
        if has("Django") || has("django") {
            v.push(Driver::Django);
        }
    }
    if name == "go.mod" {
        if has("jackc/pgx") {
            v.push(Driver::Pgx);
        }
        if has("lib/pq") {
            v.push(Driver::GoPq);
        }
    }
    if name == "gemfile" && (has("'pg'") || has("\"pg\"")) {
        v.push(Driver::Rails);
    }
    if name == "cargo.toml" {
        if has("sqlx") {
            v.push(Driver::Sqlx);
        }
        if has("tokio-postgres") || has("postgres =") {
            v.push(Driver::TokioPostgres);
        }
    }
    if (name == "pom.xml" || name.starts_with("build.gradle")) && has("org.postgresql") {
        v.push(Driver::Pgjdbc);
    }
    if (name.ends_with("proj") || name == "packages.config") && has("Npgsql") {
        v.push(Driver::Npgsql);
    }
    v
}

fn uri_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || matches!(c, b'\'' | b'"' | b'`' | b'<' | b'>' | b'\\') {
            break;
        }
        i += 1;
    }
    // Trim unbalanced closing punctuation and sentence ends.
    loop {
        let s = &text[start..i];
        let Some(last) = s.chars().last() else { break };
        let unbalanced = |o: char, c: char| s.matches(c).count() > s.matches(o).count();
        let drop = match last {
            '.' | ',' | ';' => true,
            ')' => unbalanced('(', ')'),
            ']' => unbalanced('[', ']'),
            '}' => unbalanced('{', '}'),
            _ => false,
        };
        if drop {
            i -= last.len_utf8();
        } else {
            break;
        }
    }
    i
}

fn line_level(cx: &mut Ctx<'_>, ls: usize, le: usize) {
    let text = cx.text;
    let line = &text[ls..le];
    // Comments in config languages still hold real settings often enough
    // (commented-out examples are reported too: they are what people copy).
    // 0. primary_conninfo (before the quoted-literal rule sees its value).
    if let Some(c) = PRIMARY_CONNINFO.captures(line) {
        let g = c.get(1).unwrap();
        let guc = g.as_str().replace("''", "'");
        let abs = ls + g.start();
        match pgtls_conninfo::parse(&guc) {
            Ok(ci) => cx.push(
                abs..abs + g.as_str().len(),
                Setting::Libpq(ci, Syntax::PrimaryConninfo),
                Syntax::PrimaryConninfo,
                Some(DriverSpec::new(Driver::Walreceiver)),
                if g.as_str().contains('\'') || g.as_str().contains('\\') {
                    EditKind::None
                } else {
                    EditKind::GucConninfo
                },
                ls,
            ),
            Err(_) => cx.push(
                abs..abs + g.as_str().len(),
                Setting::Text(guc),
                Syntax::PrimaryConninfo,
                Some(DriverSpec::new(Driver::Walreceiver)),
                EditKind::None,
                ls,
            ),
        }
    }
    // 1. URIs.
    for m in URI_START.find_iter(line) {
        let abs = ls + m.start();
        if abs > 0 {
            let prev = text.as_bytes()[abs - 1];
            if prev.is_ascii_alphanumeric() || prev == b'+' || prev == b'-' || prev == b'.' {
                continue;
            }
        }
        let end = uri_end(text, abs);
        let raw = &text[abs..end];
        if raw.len() <= "postgres://".len() && !raw.starts_with("jdbc") {
            // A bare scheme mention ("postgres://" in docs) is not a setting.
            if raw.ends_with("://") {
                continue;
            }
        }
        let (syntax, driver) = crate::assess::detect(raw, None);
        let driver = match syntax {
            Syntax::JdbcUrl | Syntax::SqlalchemyUrl => Some(driver),
            _ => None,
        };
        cx.push(
            abs..end,
            Setting::Text(raw.to_string()),
            syntax,
            driver,
            EditKind::ConnString,
            abs,
        );
    }
    // 2. Quoted literals holding libpq key=value or ADO.NET strings.
    for caps in LITERAL.captures_iter(line) {
        let Some(g) = caps.get(1).or(caps.get(2)).or(caps.get(3)) else {
            continue;
        };
        let content = g.as_str();
        if content.contains("://") || content.len() < 6 {
            continue;
        }
        let abs = ls + g.start();
        let span = abs..abs + content.len();
        if forms::looks_like_ado(content) {
            cx.push(
                span,
                Setting::Text(content.to_string()),
                Syntax::Npgsql,
                Some(DriverSpec::new(Driver::Npgsql)),
                if content.contains('\\') {
                    EditKind::None
                } else {
                    EditKind::ConnString
                },
                abs,
            );
            continue;
        }
        if looks_like_libpq_kv(content) {
            cx.push(
                span,
                Setting::Text(content.to_string()),
                Syntax::LibpqKeywordValue,
                None,
                if content.contains('\\') {
                    EditKind::None
                } else {
                    EditKind::ConnString
                },
                abs,
            );
        }
    }
    // 4. Environment assignments.
    env_line(cx, ls, le);
}

fn looks_like_libpq_kv(s: &str) -> bool {
    let keys: Vec<&str> = KV_KEY
        .captures_iter(s)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    if keys.is_empty() {
        return false;
    }
    let strong = keys.iter().any(|k| {
        matches!(
            *k,
            "dbname" | "sslmode" | "service" | "hostaddr" | "requiressl"
        )
    });
    let distinct = {
        let mut k = keys.clone();
        k.sort();
        k.dedup();
        k.len()
    };
    // Every word must be key=value for libpq to accept it; require that
    // the string starts with a keyword so prose is not taken for a DSN.
    let starts_with_key = KV_KEY
        .find(s)
        .is_some_and(|m| s[..m.start()].trim().is_empty());
    starts_with_key && (strong || distinct >= 3)
}

fn env_line(cx: &mut Ctx<'_>, ls: usize, le: usize) {
    let text = cx.text;
    let line = &text[ls..le];
    let (name, value, voff) = if let Some(c) = ENV_LINE.captures(line) {
        let name = c.get(1).unwrap().as_str();
        let sep = c.get(2).unwrap().as_str();
        if sep == " " && !line.trim_start().starts_with("ENV") {
            return;
        }
        let vm = c.get(3).unwrap();
        let (v, off) = strip_value(vm.as_str());
        (name.to_string(), v.to_string(), ls + vm.start() + off)
    } else if let Some(c) = K8S_NAME.captures(line) {
        // `- name: PGSSLMODE` then `value: ...` within the next lines.
        let name = c.get(1).unwrap().as_str().to_string();
        let mut found = None;
        let mut pos = le + 1;
        for _ in 0..3 {
            if pos >= text.len() {
                break;
            }
            let nle = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
            if let Some(v) = K8S_VALUE.captures(&text[pos..nle]) {
                let vm = v.get(1).unwrap();
                let (val, off) = strip_value(vm.as_str());
                found = Some((val.to_string(), pos + vm.start() + off));
                break;
            }
            pos = nle + 1;
        }
        match found {
            Some((v, o)) => (name, v, o),
            None => return,
        }
    } else {
        return;
    };
    if !ENV_VARS.contains(&name.as_str()) {
        return;
    }
    let (line_no, _) = cx.lines.at(ls);
    let group = cx.group_at(line_no);
    cx.facts.env.push(EnvAssign {
        name: name.clone(),
        value: value.clone(),
        line: line_no,
        group,
    });
    if name == "PGSSLMODE" || name == "PGREQUIRESSL" {
        let edit = if name == "PGSSLMODE" && !value.is_empty() {
            EditKind::Value(ValueKind::EnvSslmode)
        } else {
            EditKind::None
        };
        cx.push(
            voff..voff + value.len(),
            Setting::Env {
                name: name.clone(),
                value,
            },
            Syntax::EnvVar,
            Some(DriverSpec::new(Driver::Environment)),
            edit,
            ls,
        );
    }
}

/// pg_service.conf: one candidate per section.
fn service_file(cx: &mut Ctx<'_>) {
    let text = cx.text;
    for (name, header_line, entries) in pgtls_conninfo::service_sections(text.as_bytes()) {
        let mut ci = ConnInfo::new(pgtls_conninfo::LATEST_MAJOR);
        let mut bad = None;
        for e in &entries {
            if e.keyword == "service" {
                bad = Some(format!(
                    "nested service specifications not supported in service file, line {}",
                    e.line
                ));
            } else if ci.set(&e.keyword, &e.value).is_err() || e.keyword == "requiressl" {
                bad.get_or_insert(format!(
                    "syntax error in service file, line {} (\"{}\")",
                    e.line, e.keyword
                ));
            }
        }
        let ssl = entries.iter().rev().find(|e| e.keyword == "sslmode");
        let header_start = cx.lines.start_of(header_line);
        let (anchor, span, edit) = match ssl {
            Some(e) => {
                let ls = cx.lines.start_of(e.line);
                let le = text[ls..].find('\n').map_or(text.len(), |i| ls + i);
                let l = &text[ls..le];
                let vstart = ls + l.find('=').map_or(0, |i| i + 1);
                let vend = ls + l.trim_end().len();
                (ls, vstart..vend, EditKind::Value(ValueKind::ServiceSslmode))
            }
            None => {
                let next = text[header_start..]
                    .find('\n')
                    .map_or(text.len(), |i| header_start + i + 1);
                (
                    header_start,
                    header_start..header_start,
                    EditKind::InsertLine {
                        at: next,
                        indent: String::new(),
                        style: ValueKind::ServiceSslmode,
                    },
                )
            }
        };
        let setting = match bad {
            Some(msg) => Setting::Text(format!("service={name} {msg}")),
            None => Setting::Libpq(ci, Syntax::ServiceFile),
        };
        let invalid = matches!(setting, Setting::Text(_));
        cx.push(
            span,
            setting,
            Syntax::ServiceFile,
            Some(DriverSpec::new(Driver::Libpq)),
            if invalid { EditKind::None } else { edit },
            anchor,
        );
        if let Some(c) = cx.facts.candidates.last_mut() {
            c.snippet = format!("[{name}]");
        }
    }
}

/// pgbouncer.ini: `[pgbouncer]` client/server TLS and `[databases]` entries.
fn pgbouncer(cx: &mut Ctx<'_>) {
    let text = cx.text;
    let mut section = String::new();
    let mut header_at: Option<usize> = None;
    let mut kv: Vec<(String, String, usize, Range<usize>)> = Vec::new(); // [pgbouncer] keys
    let mut dbs: Vec<(String, String, usize)> = Vec::new();
    let mut pos = 0;
    for l in text.split_inclusive('\n') {
        let ls = pos;
        pos += l.len();
        let t = l.trim();
        if t.is_empty() || t.starts_with(';') || t.starts_with('#') {
            continue;
        }
        if t.starts_with('[') {
            section = t
                .trim_matches(|c| c == '[' || c == ']')
                .to_ascii_lowercase();
            if section == "pgbouncer" {
                header_at = Some(ls);
            }
            continue;
        }
        let Some(eq) = l.find('=') else { continue };
        let key = l[..eq].trim().to_string();
        let raw_v = &l[eq + 1..];
        let v = raw_v.trim();
        let voff = ls + eq + 1 + (raw_v.len() - raw_v.trim_start().len());
        match section.as_str() {
            "pgbouncer" => kv.push((
                key.to_ascii_lowercase(),
                v.to_string(),
                ls,
                voff..voff + v.len(),
            )),
            "databases" => dbs.push((key, v.to_string(), ls)),
            _ => {}
        }
    }
    let Some(header) = header_at else { return };
    let get = |k: &str| kv.iter().rev().find(|(x, ..)| x == k);
    let has_cert = get("client_tls_key_file").is_some() && get("client_tls_cert_file").is_some();
    let has_ca = get("server_tls_ca_file").is_some();
    let after_header = text[header..]
        .find('\n')
        .map_or(text.len(), |i| header + i + 1);
    // Client leg.
    let client = get("client_tls_sslmode").cloned();
    let (span, edit, anchor) = match &client {
        Some((_, _, ls, vs)) => (vs.clone(), EditKind::Value(ValueKind::PgbouncerClient), *ls),
        None => (
            header..header,
            EditKind::InsertLine {
                at: after_header,
                indent: String::new(),
                style: ValueKind::PgbouncerClient,
            },
            header,
        ),
    };
    cx.push(
        span,
        Setting::PgbouncerClient {
            mode: client.as_ref().map(|c| c.1.clone()),
            has_cert_and_key: has_cert,
        },
        Syntax::PgbouncerIni,
        Some(DriverSpec::new(Driver::Pgbouncer)),
        if has_cert { edit } else { EditKind::None },
        anchor,
    );
    // Server leg: one candidate per database entry (or the section when none).
    let server = get("server_tls_sslmode").cloned();
    let (sspan, sedit) = match &server {
        Some((_, _, _, vs)) => (vs.clone(), EditKind::Value(ValueKind::PgbouncerServer)),
        None => (
            header..header,
            EditKind::InsertLine {
                at: after_header,
                indent: String::new(),
                style: ValueKind::PgbouncerServer,
            },
        ),
    };
    let server_anchor = server.as_ref().map_or(header, |s| s.2);
    if dbs.is_empty() {
        cx.push(
            sspan.clone(),
            Setting::PgbouncerServer {
                mode: server.as_ref().map(|s| s.1.clone()),
                has_ca,
                database: None,
            },
            Syntax::PgbouncerIni,
            Some(DriverSpec::new(Driver::Pgbouncer)),
            sedit.clone(),
            server_anchor,
        );
    }
    for (name, connstr, ls) in dbs {
        let params = forms::parse_kv_lenient(&connstr).unwrap_or_default();
        let p = |k: &str| {
            params
                .iter()
                .rev()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.clone())
        };
        let host = p("host");
        let before = cx.facts.candidates.len();
        // The span is the whole entry line so that entries stay distinct;
        // the edit goes to server_tls_sslmode (shared).
        cx.push(
            sspan.clone(),
            Setting::PgbouncerServer {
                mode: server.as_ref().map(|s| s.1.clone()),
                has_ca,
                database: Some(name.clone()),
            },
            Syntax::PgbouncerIni,
            Some(DriverSpec::new(Driver::Pgbouncer)),
            sedit.clone(),
            ls,
        );
        if let Some(c) = cx.facts.candidates.get_mut(before) {
            c.local_socket = host.as_deref().is_none_or(|h| h.starts_with('/'));
            c.note = Some(format!(
                "database \"{name}\" -> host={} port={} dbname={}",
                host.clone().unwrap_or_else(|| "(unix socket)".into()),
                p("port").unwrap_or_else(|| "5432".into()),
                p("dbname").unwrap_or_else(|| name.clone())
            ));
        }
    }
}

fn yaml_kv(line: &str) -> Option<(usize, &str, &str, usize)> {
    // (indent, key, raw value, value offset in line)
    let indent = line.len() - line.trim_start().len();
    let t = &line[indent..];
    if t.starts_with('#') || t.starts_with('-') {
        return None;
    }
    let colon = t.find(':')?;
    let key = t[..colon].trim();
    if key.is_empty() || key.contains(' ') {
        return None;
    }
    let rest = &t[colon + 1..];
    let voff = indent + colon + 1 + (rest.len() - rest.trim_start().len());
    Some((indent, key, rest.trim(), voff))
}

/// Rails database.yml: each section whose adapter is postgresql/postgis.
fn rails(cx: &mut Ctx<'_>) {
    let text = cx.text;
    struct Sec {
        name: String,
        header: usize,
        anchor: Option<String>,
        merges: Vec<String>,
        keys: Vec<(String, String, usize, Range<usize>)>, // key, value, line start, value span
        first_child_end: usize,
        indent: String,
    }
    let mut secs: Vec<Sec> = Vec::new();
    let mut pos = 0;
    for l in text.split_inclusive('\n') {
        let ls = pos;
        pos += l.len();
        let line = l.trim_end_matches(['\n', '\r']);
        let Some((indent, key, val, voff)) = yaml_kv(line) else {
            continue;
        };
        if indent == 0 {
            let anchor = val
                .strip_prefix('&')
                .map(|a| a.split_whitespace().next().unwrap_or("").to_string());
            secs.push(Sec {
                name: key.to_string(),
                header: ls,
                anchor,
                merges: vec![],
                keys: vec![],
                first_child_end: pos,
                indent: "  ".into(),
            });
        } else if let Some(s) = secs.last_mut() {
            if s.keys.is_empty() && s.merges.is_empty() {
                s.indent = line[..indent].to_string();
            }
            if key == "<<" {
                if let Some(a) = val.strip_prefix('*') {
                    s.merges.push(a.trim().to_string());
                }
                s.first_child_end = pos;
                continue;
            }
            if key == "adapter" {
                s.first_child_end = pos;
            }
            let (v, off) = strip_value(val);
            let vs = ls + voff + off;
            s.keys
                .push((key.to_string(), v.to_string(), ls, vs..vs + v.len()));
        }
    }
    let resolve = |s: &Sec, secs: &Vec<Sec>| {
        let mut all: Vec<(String, String, usize, Range<usize>)> = Vec::new();
        for m in &s.merges {
            if let Some(base) = secs
                .iter()
                .find(|b| b.anchor.as_deref() == Some(m.as_str()))
            {
                all.extend(base.keys.iter().cloned());
            }
        }
        all.extend(s.keys.iter().cloned());
        all
    };
    for s in &secs {
        if s.anchor.is_some() {
            continue;
        }
        let keys = resolve(s, &secs);
        let get = |k: &str| keys.iter().rev().find(|(x, ..)| x == k);
        let adapter = get("adapter").map(|a| a.1.as_str()).unwrap_or("");
        if !adapter.starts_with("postg") {
            continue;
        }
        let mut ci = ConnInfo::new(pgtls_conninfo::LATEST_MAJOR);
        if let Some((_, url, ..)) = get("url") {
            if let Ok(u) = pgtls_conninfo::parse(url) {
                ci = u;
            }
        }
        for (k, v, ..) in &keys {
            let kw = match k.as_str() {
                "database" => "dbname",
                "username" => "user",
                "adapter"
                | "url"
                | "pool"
                | "encoding"
                | "timeout"
                | "schema_search_path"
                | "min_messages"
                | "variables"
                | "prepared_statements"
                | "advisory_locks" => continue,
                other => other,
            };
            // ActiveRecord forwards only libpq's own keywords (conndefaults).
            let _ = ci.set(kw, v);
        }
        let ssl = get("sslmode");
        let (span, edit, anchor) = match ssl {
            Some((_, _, ls, vs)) => (vs.clone(), EditKind::Value(ValueKind::YamlSslmode), *ls),
            None => (
                s.header..s.header,
                EditKind::InsertLine {
                    at: s.first_child_end,
                    indent: s.indent.clone(),
                    style: ValueKind::YamlSslmode,
                },
                s.header,
            ),
        };
        let before = cx.facts.candidates.len();
        cx.push(
            span,
            Setting::Libpq(ci, Syntax::RailsYaml),
            Syntax::RailsYaml,
            Some(DriverSpec::new(Driver::Rails)),
            edit,
            anchor,
        );
        if let Some(c) = cx.facts.candidates.get_mut(before) {
            c.snippet = format!("{}: (adapter {adapter})", s.name);
        }
    }
}

fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0i32;
    let mut i = open;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'\'' | b'"' | b'`' => quote = Some(c),
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

static PY_STR_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"['"](HOST|PORT|NAME|USER|sslmode|sslrootcert)['"]\s*:\s*(?:['"]([^'"]*)['"]|([0-9]+))"#,
    )
    .unwrap()
});

/// Django settings: the dict around each postgresql ENGINE.
fn django(cx: &mut Ctx<'_>) {
    let text = cx.text;
    let mut from = 0;
    while let Some(i) = text[from..].find("django.db.backends.postg") {
        let at = from + i;
        from = at + 10;
        // Enclosing dict: the nearest '{' before ENGINE at depth 0.
        let b = text.as_bytes();
        let mut depth = 0;
        let mut open = None;
        let mut j = at;
        while j > 0 {
            j -= 1;
            match b[j] {
                b'}' => depth += 1,
                b'{' if depth == 0 => {
                    open = Some(j);
                    break;
                }
                b'{' => depth -= 1,
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let Some(close) = matching_brace(text, open) else {
            continue;
        };
        let body = &text[open..=close];
        let mut ci = ConnInfo::new(pgtls_conninfo::LATEST_MAJOR);
        let mut ssl_span = None;
        for c in PY_STR_KEY.captures_iter(body) {
            let k = c.get(1).unwrap().as_str();
            let vm = c.get(2).or(c.get(3)).unwrap();
            let kw = match k {
                "HOST" => "host",
                "PORT" => "port",
                "NAME" => "dbname",
                "USER" => "user",
                other => other,
            };
            if !vm.as_str().is_empty() {
                let _ = ci.set(kw, vm.as_str());
            }
            if k == "sslmode" {
                ssl_span = Some(open + vm.start()..open + vm.end());
            }
        }
        let (span, edit, anchor) = match ssl_span {
            Some(s) => (
                s.clone(),
                EditKind::Value(ValueKind::DjangoSslmode),
                s.start,
            ),
            None => (at..at, EditKind::None, at),
        };
        cx.push(
            span,
            Setting::Libpq(ci, Syntax::DjangoSettings),
            Syntax::DjangoSettings,
            Some(DriverSpec::new(Driver::Django)),
            edit,
            anchor,
        );
    }
}

static NODE_SSL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bssl\s*:\s*(true|false|'[^']*'|"[^"]*"|\{|[A-Za-z_$][\w.$]*(?:\([^)]*\))?)"#)
        .unwrap()
});
static NODE_REJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\brejectUnauthorized\s*:\s*(true|false|[A-Za-z_$][\w.$]*)").unwrap()
});
static NODE_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(host|port|user|database|connectionString)\s*:\s*(?:['"`]([^'"`]*)['"`]|([0-9]+)|([A-Za-z_$][\w.$]*))"#).unwrap()
});

/// node-postgres `new Pool({...})` / `new Client({...})` objects.
fn node_objects(cx: &mut Ctx<'_>) {
    let text = cx.text;
    let found: Vec<(usize, usize)> = NODE_CTOR
        .find_iter(text)
        .filter_map(|m| {
            let open = m.end() - 1;
            matching_brace(text, open).map(|c| (open, c))
        })
        .collect();
    for (open, close) in found {
        let body = &text[open..=close];
        let mut cfg = NodeConfig::default();
        for c in NODE_FIELD.captures_iter(body) {
            let k = c.get(1).unwrap().as_str();
            let lit = c.get(2).or(c.get(3)).map(|m| m.as_str().to_string());
            let var = c.get(4).map(|m| m.as_str().to_string());
            match k {
                "host" => cfg.host = lit,
                "port" => cfg.port = lit,
                "user" => cfg.user = lit,
                "database" => cfg.database = lit,
                "connectionString" => {
                    cfg.connection_string = lit.or(var.map(|v| format!("${{{v}}}")))
                }
                _ => {}
            }
        }
        let mut edit = EditKind::None;
        let mut span = open..open;
        if let Some(c) = NODE_SSL.captures(body) {
            let vm = c.get(1).unwrap();
            let v = vm.as_str();
            let vstart = open + vm.start();
            cfg.ssl = Some(match v {
                "true" => NodeSsl::Bool(true),
                "false" => NodeSsl::Bool(false),
                "{" => {
                    let obj_end = matching_brace(text, vstart).unwrap_or(close);
                    let obj = &text[vstart..=obj_end];
                    let reject = NODE_REJECT.captures(obj);
                    let ru = reject.as_ref().map(|r| r.get(1).unwrap().as_str());
                    if let Some(r) = &reject {
                        let m = r.get(1).unwrap();
                        span = vstart + m.start()..vstart + m.end();
                        edit = EditKind::Value(ValueKind::NodeRejectUnauthorized);
                    }
                    match ru {
                        Some(x) if x != "true" && x != "false" => {
                            NodeSsl::Unresolved(format!("rejectUnauthorized: {x}"))
                        }
                        _ => NodeSsl::Object {
                            reject_unauthorized: ru.map(|x| x == "true"),
                            has_ca: obj.contains("ca:") || obj.contains("ca :"),
                            skips_identity: obj.contains("checkServerIdentity"),
                        },
                    }
                }
                s if s.starts_with('\'') || s.starts_with('"') => {
                    NodeSsl::Str(s[1..s.len() - 1].to_string())
                }
                other => NodeSsl::Unresolved(other.to_string()),
            });
            if v == "true" || v == "false" {
                span = vstart..vstart + v.len();
                edit = EditKind::Value(ValueKind::NodeSsl);
            }
        }
        let before = cx.facts.candidates.len();
        cx.push(
            span.clone(),
            Setting::Node(cfg),
            Syntax::NodeConfig,
            Some(DriverSpec::new(Driver::NodePostgres)),
            edit,
            if span.is_empty() { open } else { span.start },
        );
        if cx.facts.candidates.len() > before {
            // The connection string inside is judged as part of the object.
            let (a, b) = (open, close);
            cx.seen_spans.push(a..b);
        }
    }
}

#[cfg(test)]
mod spans_tests {
    use super::Spans;

    #[test]
    fn containment_agrees_with_a_scan_in_and_out_of_order() {
        let mut r = 7u64;
        let mut next = |n: u64| {
            r = r
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (r >> 33) % n
        };
        for ordered in [true, false] {
            let mut sp = Spans::default();
            let mut all: Vec<std::ops::Range<usize>> = Vec::new();
            let mut start = 0usize;
            for _ in 0..300 {
                let a = if ordered {
                    start += next(5) as usize;
                    start
                } else {
                    next(500) as usize
                };
                let b = a + next(40) as usize;
                sp.push(a..b);
                all.push(a..b);
                for _ in 0..5 {
                    let x = next(520) as usize;
                    let q = x..x + next(30) as usize;
                    let want = all.iter().any(|s| s.start <= q.start && q.end <= s.end);
                    assert_eq!(sp.contain(&q), want, "{q:?} ordered={ordered}");
                }
            }
        }
    }
}
