//! `--fix`: rewrite settings in place, byte for byte preserving everything
//! else; show a (redacted) diff; write atomically with `--apply`.

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::assess::Setting;
use crate::driver::Driver;
use crate::forms::{self, Syntax};
use crate::model::Verdict;
use crate::redact::redact;
use crate::scan::{EditKind, Finding, ScanReport, ValueKind};

/// The level `--fix` raises clients to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixMode {
    Require,
    VerifyFull,
}

impl std::str::FromStr for FixMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "require" => Ok(Self::Require),
            "verify-full" => Ok(Self::VerifyFull),
            _ => Err(format!(
                "invalid mode \"{s}\" (expected require or verify-full)"
            )),
        }
    }
}

impl FixMode {
    fn libpq(self) -> &'static str {
        match self {
            Self::Require => "require",
            Self::VerifyFull => "verify-full",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FixOptions {
    pub mode: FixMode,
    /// Added as `sslrootcert` (Npgsql: `Root Certificate`) with verify-full
    /// where the setting has none.
    pub sslrootcert: Option<String>,
}

/// One replacement in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub line: u32,
    #[serde(skip)]
    pub range: Range<usize>,
    #[serde(skip)]
    pub replacement: String,
    /// Redacted description (`sslmode=disable -> sslmode=require`).
    pub description: String,
}

/// All edits of one file.
#[derive(Debug, Clone)]
pub struct FilePlan {
    pub path: PathBuf,
    pub original: Vec<u8>,
    pub updated: Vec<u8>,
    pub edits: Vec<Edit>,
}

/// A finding that could not be fixed automatically, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotFixed {
    pub file: String,
    pub line: u32,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub files: Vec<FilePlan>,
    pub not_fixed: Vec<NotFixed>,
}

/// Whether a finding is below the requested level.
pub fn needs_fix(f: &Finding, mode: FixMode) -> bool {
    let a = &f.assessment;
    match a.verdict {
        Verdict::Plaintext | Verdict::MayBePlaintext => true,
        // (PgBouncer's client leg at require is reported as PGT405: done.)
        Verdict::EncryptedUnverified => {
            mode == FixMode::VerifyFull && a.code != crate::docs::VERIFIED.code
        }
        Verdict::Verified => mode == FixMode::VerifyFull && !a.verifies_hostname,
        Verdict::Invalid => {
            matches!(f.candidate.edit, EditKind::ConnString)
                && a.effective_sslmode.is_some()
                && a.driver.driver != Driver::Npgsql
        }
        Verdict::LocalSocket | Verdict::Unknown => false,
    }
}

/// Set `key=value` in a URI query (replacing the last occurrence, or
/// appending); `remove` keys are dropped.
pub fn uri_set(uri: &str, key: &str, value: &str, remove: &[&str]) -> String {
    let (base, frag) = match uri.find('#') {
        Some(i) => (&uri[..i], &uri[i..]),
        None => (uri, ""),
    };
    let (path, query) = match base.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (base, None),
    };
    let mut items: Vec<String> = query
        .map(|q| q.split('&').map(str::to_string).collect())
        .unwrap_or_default();
    items.retain(|it| {
        let k = it.split('=').next().unwrap_or("");
        !remove.contains(&k)
    });
    let pos = items
        .iter()
        .rposition(|it| it.split('=').next() == Some(key));
    let pair = format!("{key}={value}");
    match pos {
        Some(i) => items[i] = pair,
        None => {
            if items.len() == 1 && items[0].is_empty() {
                items[0] = pair;
            } else {
                items.push(pair);
            }
        }
    }
    format!("{path}?{}{frag}", items.join("&"))
}

/// Set `key=value` in a libpq keyword/value string: the value of the last
/// `key=` is replaced in place, otherwise ` key=value` is appended.
pub fn kv_set(s: &str, key: &str, value: &str) -> String {
    // Tokenise with positions using libpq's rules.
    let b = s.as_bytes();
    let mut i = 0;
    let mut last: Option<Range<usize>> = None;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let k = &s[ks..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            break;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let vs = i;
        if i < b.len() && b[i] == b'\'' {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = i.min(b.len());
        }
        if k == key {
            last = Some(vs..i);
        }
    }
    match last {
        Some(r) => format!("{}{}{}", &s[..r.start], value, &s[r.end..]),
        None => {
            let sep = if s.is_empty() || s.ends_with(char::is_whitespace) {
                ""
            } else {
                " "
            };
            format!("{s}{sep}{key}={value}")
        }
    }
}

/// Set a key in an ADO.NET string; `keys` are the normalized synonyms.
pub fn ado_set(s: &str, keys: &[&str], display_key: &str, value: &str) -> String {
    let pairs = forms::parse_ado(s);
    if let Some((_, _, range)) = pairs
        .iter()
        .rev()
        .find(|(k, _, _)| keys.contains(&k.as_str()))
    {
        let pair = &s[range.clone()];
        let eq = pair.find('=').unwrap_or(pair.len());
        let key_text = &pair[..eq];
        return format!(
            "{}{}={}{}",
            &s[..range.start],
            key_text.trim_end(),
            value,
            &s[range.end..]
        );
    }
    let trimmed = s.trim_end();
    let sep = if trimmed.ends_with(';') || trimmed.is_empty() {
        ""
    } else {
        ";"
    };
    format!("{trimmed}{sep}{display_key}={value}{}", &s[trimmed.len()..])
}

fn encode_uri_value(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The new text for one finding (`None` = no automatic fix, with reason).
fn replacement(f: &Finding, opts: &FixOptions) -> Result<(Range<usize>, String), String> {
    let a = &f.assessment;
    let c = &f.candidate;
    let mode = opts.mode;
    let d = a.driver.driver;
    let root = if mode == FixMode::VerifyFull {
        opts.sslrootcert.as_deref()
    } else {
        None
    };
    match &c.edit {
        EditKind::None => Err("no safe automatic rewrite for this form; see the fix text".into()),
        EditKind::ConnString => {
            let raw = &c.raw;
            let new = match c.syntax {
                Syntax::Npgsql => {
                    let v = match mode {
                        FixMode::Require => "Require",
                        FixMode::VerifyFull => "VerifyFull",
                    };
                    let mut s = ado_set(raw, &["sslmode"], "SSL Mode", v);
                    if let Some(r) = root {
                        if !forms::parse_ado(&s)
                            .iter()
                            .any(|(k, _, _)| k == "rootcertificate")
                        {
                            s = ado_set(&s, &["rootcertificate"], "Root Certificate", r);
                        }
                    }
                    s
                }
                Syntax::LibpqKeywordValue => {
                    if d == Driver::TokioPostgres && mode == FixMode::VerifyFull {
                        kv_set(raw, "sslmode", "require")
                    } else {
                        let mut s = kv_set(raw, "sslmode", mode.libpq());
                        if let Some(r) = root {
                            if !raw.contains("sslrootcert") && !r.contains([' ', '\'', '\\']) {
                                s = kv_set(&s, "sslrootcert", r);
                            }
                        }
                        s
                    }
                }
                _ => {
                    let (key, value, remove): (&str, &str, &[&str]) = match (d, c.syntax) {
                        (Driver::Asyncpg, Syntax::SqlalchemyUrl) => {
                            ("ssl", mode.libpq(), &["sslmode"])
                        }
                        (Driver::NodePostgres, _) => (
                            "sslmode",
                            match mode {
                                FixMode::Require => "no-verify",
                                FixMode::VerifyFull => "verify-full",
                            },
                            &[],
                        ),
                        (Driver::TokioPostgres, _) => ("sslmode", "require", &[]),
                        (Driver::Pgjdbc, _) => ("sslmode", mode.libpq(), &[]),
                        _ => ("sslmode", mode.libpq(), &[]),
                    };
                    if forms::is_templated(raw) && raw.contains("sslmode=$") {
                        return Err("sslmode is templated".into());
                    }
                    let mut s = uri_set(raw, key, value, remove);
                    if let Some(r) = root {
                        if !raw.contains("sslrootcert=") && d != Driver::TokioPostgres {
                            s = uri_set(&s, "sslrootcert", &encode_uri_value(r), &[]);
                        }
                    }
                    s
                }
            };
            if new == *raw {
                return Err("already at the requested level".into());
            }
            Ok((c.span.clone(), new))
        }
        EditKind::GucConninfo => {
            let mut s = kv_set(&c.raw, "sslmode", mode.libpq());
            if let Some(r) = root {
                if !c.raw.contains("sslrootcert") && !r.contains([' ', '\'', '\\']) {
                    s = kv_set(&s, "sslrootcert", r);
                }
            }
            Ok((c.span.clone(), s))
        }
        EditKind::Value(kind) => {
            let v = value_for(*kind, f, mode)?;
            Ok((c.span.clone(), v))
        }
        EditKind::InsertLine { at, indent, style } => {
            let v = value_for(*style, f, mode)?;
            let line = match style {
                ValueKind::YamlSslmode => format!("{indent}sslmode: {v}"),
                ValueKind::ServiceSslmode => format!("{indent}sslmode={v}"),
                ValueKind::PgbouncerClient => format!("{indent}client_tls_sslmode = {v}"),
                ValueKind::PgbouncerServer => format!("{indent}server_tls_sslmode = {v}"),
                _ => return Err("no insertion for this form".into()),
            };
            Ok((*at..*at, line))
        }
    }
}

fn value_for(kind: ValueKind, f: &Finding, mode: FixMode) -> Result<String, String> {
    Ok(match kind {
        ValueKind::EnvSslmode
        | ValueKind::YamlSslmode
        | ValueKind::ServiceSslmode
        | ValueKind::DjangoSslmode => mode.libpq().to_string(),
        ValueKind::PgbouncerClient => match &f.candidate.setting {
            Setting::PgbouncerClient {
                has_cert_and_key: true,
                ..
            } => "require".into(),
            _ => return Err("client_tls_key_file/client_tls_cert_file are not configured".into()),
        },
        ValueKind::PgbouncerServer => match (&f.candidate.setting, mode) {
            (Setting::PgbouncerServer { has_ca: true, .. }, FixMode::VerifyFull) => {
                "verify-full".into()
            }
            _ => "require".into(),
        },
        ValueKind::NodeSsl => match mode {
            FixMode::Require => "{ rejectUnauthorized: false }".into(),
            FixMode::VerifyFull => "true".into(),
        },
        ValueKind::NodeRejectUnauthorized => match mode {
            FixMode::Require => return Err("already encrypted".into()),
            FixMode::VerifyFull => "true".into(),
        },
    })
}

/// Plan the edits for every finding below `opts.mode`. Files are read again
/// and each edit checks that the text it replaces is still what was scanned.
pub fn plan(report: &ScanReport, opts: &FixOptions) -> Plan {
    let mut plan = Plan::default();
    let mut by_file: Vec<(PathBuf, Vec<&Finding>)> = Vec::new();
    for f in &report.findings {
        if !needs_fix(f, opts.mode) {
            continue;
        }
        match by_file
            .iter_mut()
            .find(|(p, _)| p.as_path() == Path::new(&f.file))
        {
            Some((_, v)) => v.push(f),
            None => by_file.push((PathBuf::from(&f.file), vec![f])),
        }
    }
    for (path, findings) in by_file {
        let original = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                for f in findings {
                    plan.not_fixed.push(NotFixed {
                        file: f.file.clone(),
                        line: f.line,
                        reason: format!("cannot read: {e}"),
                    });
                }
                continue;
            }
        };
        let changed = findings
            .first()
            .is_some_and(|f| f.file_len != original.len() as u64);
        let mut edits: Vec<Edit> = Vec::new();
        for f in findings {
            let nf = |reason: String| NotFixed {
                file: f.file.clone(),
                line: f.line,
                reason,
            };
            if changed {
                plan.not_fixed
                    .push(nf("file changed since the scan".into()));
                continue;
            }
            match replacement(f, opts) {
                Ok((range, text)) => {
                    if range.end > original.len()
                        || (!range.is_empty()
                            && original[range.clone()] != *f.candidate.raw.as_bytes())
                    {
                        plan.not_fixed
                            .push(nf("file changed since the scan".into()));
                        continue;
                    }
                    let e = Edit {
                        line: f.line,
                        description: redact(&format!(
                            "{} -> {}",
                            if range.is_empty() {
                                "(missing)".to_string()
                            } else {
                                f.candidate.raw.clone()
                            },
                            text
                        )),
                        range,
                        replacement: text,
                    };
                    if edits
                        .iter()
                        .any(|x| x.range == e.range && x.replacement == e.replacement)
                    {
                        continue;
                    }
                    if edits.iter().any(|x| {
                        x.range.start < e.range.end && e.range.start < x.range.end
                            || (x.range.is_empty()
                                && e.range.is_empty()
                                && x.range.start == e.range.start)
                    }) {
                        plan.not_fixed.push(nf("overlaps another edit".into()));
                        continue;
                    }
                    edits.push(e);
                }
                Err(reason) => plan.not_fixed.push(nf(reason)),
            }
        }
        if edits.is_empty() {
            continue;
        }
        edits.sort_by_key(|e| e.range.start);
        let nl: &[u8] = if original.windows(2).any(|w| w == b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        };
        let mut updated = Vec::with_capacity(original.len() + 64);
        let mut pos = 0;
        for e in &edits {
            updated.extend_from_slice(&original[pos..e.range.start]);
            if e.range.is_empty() {
                // An inserted line.
                if e.range.start > 0 && original[e.range.start - 1] != b'\n' {
                    updated.extend_from_slice(nl);
                }
                updated.extend_from_slice(e.replacement.as_bytes());
                updated.extend_from_slice(nl);
            } else {
                updated.extend_from_slice(e.replacement.as_bytes());
            }
            pos = e.range.end;
        }
        updated.extend_from_slice(&original[pos..]);
        plan.files.push(FilePlan {
            path,
            original,
            updated,
            edits,
        });
    }
    plan
}

/// A unified diff of the plan with every line redacted.
pub fn diff(plan: &Plan) -> String {
    let mut out = String::new();
    for f in &plan.files {
        let old = String::from_utf8_lossy(&f.original);
        let new = String::from_utf8_lossy(&f.updated);
        let d = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
        let name = f.path.display().to_string();
        let text = d
            .unified_diff()
            .context_radius(2)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        for line in text.split_inclusive('\n') {
            out.push_str(&redact(line));
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Write every planned file atomically: a temporary file in the same
/// directory, fsync, the original permissions, rename over the original.
pub fn apply(plan: &Plan) -> std::io::Result<()> {
    for f in &plan.files {
        let dir = f
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let meta = std::fs::metadata(&f.path)?;
        let current = std::fs::read(&f.path)?;
        if current != f.original {
            return Err(std::io::Error::other(format!(
                "{}: changed since the scan; not written",
                f.path.display()
            )));
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".pgtls-fix-")
            .tempfile_in(dir)?;
        tmp.write_all(&f.updated)?;
        tmp.as_file().sync_all()?;
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
        tmp.persist(&f.path).map_err(|e| e.error)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_set_replaces_or_appends_and_keeps_the_rest() {
        assert_eq!(
            uri_set("postgres://u@h/db", "sslmode", "require", &[]),
            "postgres://u@h/db?sslmode=require"
        );
        assert_eq!(
            uri_set("postgres://h/db?a=1", "sslmode", "require", &[]),
            "postgres://h/db?a=1&sslmode=require"
        );
        assert_eq!(
            uri_set(
                "postgres://h/db?sslmode=disable&a=1",
                "sslmode",
                "verify-full",
                &[]
            ),
            "postgres://h/db?sslmode=verify-full&a=1"
        );
        assert_eq!(
            uri_set(
                "postgresql+asyncpg://h/db?sslmode=require",
                "ssl",
                "require",
                &["sslmode"]
            ),
            "postgresql+asyncpg://h/db?ssl=require"
        );
        assert_eq!(
            uri_set("postgres://h/db?", "sslmode", "require", &[]),
            "postgres://h/db?sslmode=require"
        );
    }

    #[test]
    fn kv_set_keeps_quoting_and_spacing() {
        assert_eq!(
            kv_set("host=db  dbname=x", "sslmode", "require"),
            "host=db  dbname=x sslmode=require"
        );
        assert_eq!(
            kv_set("host=db sslmode=disable port=1", "sslmode", "require"),
            "host=db sslmode=require port=1"
        );
        assert_eq!(
            kv_set("host=db sslmode = 'allow'", "sslmode", "require"),
            "host=db sslmode = require"
        );
        assert_eq!(
            kv_set("password='a b' host=db", "sslmode", "require"),
            "password='a b' host=db sslmode=require"
        );
    }

    #[test]
    fn ado_set_keeps_the_key_spelling() {
        assert_eq!(
            ado_set(
                "Host=db;SslMode=Disable;Database=x",
                &["sslmode"],
                "SSL Mode",
                "Require"
            ),
            "Host=db;SslMode=Require;Database=x"
        );
        assert_eq!(
            ado_set("Host=db;Database=x", &["sslmode"], "SSL Mode", "Require"),
            "Host=db;Database=x;SSL Mode=Require"
        );
        assert_eq!(
            ado_set("Host=db;Database=x;", &["sslmode"], "SSL Mode", "Require"),
            "Host=db;Database=x;SSL Mode=Require"
        );
    }
}
