//! Rendering for people (text) and machines (JSON, `schema_version` 1).
//!
//! The scan JSON is what `pgtls fix --client-inventory` reads:
//! `{schema_version, tool, roots, summary, stats, findings[], skipped[]}`;
//! each finding has `file, line, column, code, severity, verdict, driver,
//! driver_version, driver_source, syntax, setting, effective_sslmode,
//! sslmode_source, may_be_plaintext, verifies_server_cert,
//! verifies_hostname, host, hosts, port, user, database, error, notes, fix,
//! fixable`. Passwords never appear (redacted at the type and text level).

use std::collections::BTreeMap;
use std::fmt::Write;

use pgtls_model::Severity;
use serde::Serialize;
use serde_json::{json, Value};

use crate::assess::Assessment;
use crate::fix::{self, FixMode, Plan};
use crate::model::Verdict;
use crate::scan::{Finding, ScanReport, SCHEMA_VERSION};

fn assessment_json(a: &Assessment) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("code".into(), json!(a.code));
    m.insert("severity".into(), json!(a.severity));
    m.insert("verdict".into(), json!(a.verdict));
    m.insert("driver".into(), json!(a.driver.driver));
    m.insert(
        "driver_version".into(),
        json!(a.driver.version.map(|v| v.to_string())),
    );
    m.insert("syntax".into(), json!(a.syntax.as_str()));
    m.insert("effective_sslmode".into(), json!(a.effective_sslmode));
    m.insert("sslmode_source".into(), json!(a.sslmode_source));
    m.insert("may_be_plaintext".into(), json!(a.may_be_plaintext));
    m.insert("verifies_server_cert".into(), json!(a.verifies_server_cert));
    m.insert("verifies_hostname".into(), json!(a.verifies_hostname));
    m.insert("host".into(), json!(a.host));
    m.insert("hosts".into(), json!(a.hosts));
    m.insert("port".into(), json!(a.port));
    m.insert("user".into(), json!(a.user));
    m.insert("database".into(), json!(a.database));
    m.insert("error".into(), json!(a.error.as_deref().map(crate::redact)));
    m.insert("notes".into(), json!(a.notes));
    m.insert("fix".into(), json!(a.fix));
    m
}

/// `pgtls clients check --format json`.
pub fn check_json(a: &Assessment) -> Value {
    let mut m = assessment_json(a);
    m.insert("schema_version".into(), json!(SCHEMA_VERSION));
    if let Some(b) = &a.behavior {
        m.insert("attempts".into(), json!(b.attempts));
        m.insert("fallback".into(), json!(b.fallback));
    }
    Value::Object(m)
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `pgtls clients check` for people.
pub fn check_text(a: &Assessment) -> String {
    let mut s = String::new();
    let doc = a.doc();
    let _ = writeln!(
        s,
        "{:<8} {}  {}: {}",
        a.severity.as_str().to_uppercase(),
        a.code,
        a.verdict.describe(),
        doc.summary
    );
    let rows: Vec<(&str, String)> = vec![
        ("driver", a.driver.to_string()),
        ("syntax", a.syntax.as_str().to_string()),
        (
            "effective sslmode",
            format!(
                "{} ({})",
                a.effective_sslmode.as_deref().unwrap_or("-"),
                a.sslmode_source
            ),
        ),
        ("may be plaintext", yes(a.may_be_plaintext).into()),
        ("verifies server cert", yes(a.verifies_server_cert).into()),
        ("verifies host name", yes(a.verifies_hostname).into()),
        (
            "target",
            format!(
                "host {} port {} user {} database {}",
                a.host.as_deref().unwrap_or("-"),
                a.port.map(|p| p.to_string()).unwrap_or("-".into()),
                a.user.as_deref().unwrap_or("-"),
                a.database.as_deref().unwrap_or("-")
            ),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(s, "  {k:<21} {v}");
    }
    if let Some(e) = &a.error {
        let _ = writeln!(s, "  {:<21} {}", "driver error", crate::redact(e));
    }
    let _ = writeln!(s, "  {:<21} {}", "fix", a.fix);
    for n in &a.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    s
}

/// One finding as the scan JSON shows it (borrowed: rendering streams).
#[derive(Serialize)]
struct FindingOut<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    code: &'static str,
    severity: Severity,
    verdict: Verdict,
    driver: crate::driver::Driver,
    driver_version: Option<String>,
    driver_source: &'a str,
    syntax: &'static str,
    setting: &'a str,
    effective_sslmode: Option<&'a str>,
    sslmode_source: &'a str,
    may_be_plaintext: bool,
    verifies_server_cert: bool,
    verifies_hostname: bool,
    host: Option<&'a str>,
    hosts: &'a [String],
    port: Option<u16>,
    user: Option<&'a str>,
    database: Option<&'a str>,
    error: Option<String>,
    notes: &'a [String],
    fix: &'a str,
    fixable: bool,
}

impl<'a> FindingOut<'a> {
    fn of(f: &'a Finding, mode: FixMode) -> Self {
        let a = &f.assessment;
        FindingOut {
            file: &f.file,
            line: f.line,
            column: f.column,
            code: a.code,
            severity: a.severity,
            verdict: a.verdict,
            driver: a.driver.driver,
            driver_version: a.driver.version.map(|v| v.to_string()),
            driver_source: &f.driver_source,
            syntax: a.syntax.as_str(),
            setting: &f.setting,
            effective_sslmode: a.effective_sslmode.as_deref(),
            sslmode_source: &a.sslmode_source,
            may_be_plaintext: a.may_be_plaintext,
            verifies_server_cert: a.verifies_server_cert,
            verifies_hostname: a.verifies_hostname,
            host: a.host.as_deref(),
            hosts: &a.hosts,
            port: a.port,
            user: a.user.as_deref(),
            database: a.database.as_deref(),
            error: a.error.as_deref().map(crate::redact),
            notes: &a.notes,
            fix: &a.fix,
            fixable: fix::needs_fix(f, mode)
                && !matches!(f.edit_kind(), crate::scan::EditKind::None),
        }
    }
}

#[derive(Serialize)]
struct FixOut<'a> {
    mode: FixMode,
    applied: bool,
    files: Vec<Value>,
    not_fixed: &'a [fix::NotFixed],
    diff: String,
}

#[derive(Serialize)]
struct ScanOut<'a> {
    schema_version: u32,
    tool: &'static str,
    roots: &'a [String],
    summary: Value,
    stats: &'a crate::scan::ScanStats,
    findings: Vec<FindingOut<'a>>,
    skipped: &'a [crate::scan::Skipped],
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixOut<'a>>,
}

fn scan_out<'a>(r: &'a ScanReport, plan: Option<(&'a Plan, FixMode, bool)>) -> ScanOut<'a> {
    let mode = plan.map(|p| p.1).unwrap_or(FixMode::Require);
    ScanOut {
        schema_version: SCHEMA_VERSION,
        tool: "pgtls clients scan",
        roots: &r.roots,
        summary: summary(r),
        stats: &r.stats,
        findings: r.findings.iter().map(|f| FindingOut::of(f, mode)).collect(),
        skipped: &r.skipped,
        fix: plan.map(|(p, mode, applied)| FixOut {
            mode,
            applied,
            files: p
                .files
                .iter()
                .map(|f| json!({"file": f.path.display().to_string(), "edits": f.edits}))
                .collect(),
            not_fixed: &p.not_fixed,
            diff: fix::diff(p),
        }),
    }
}

/// `pgtls clients scan --format json`, streamed to `w` (pretty-printed).
pub fn write_scan_json<W: std::io::Write>(
    w: W,
    r: &ScanReport,
    plan: Option<(&Plan, FixMode, bool)>,
) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(w, &scan_out(r, plan))
}

fn summary(r: &ScanReport) -> Value {
    let mut by_verdict: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_driver: BTreeMap<String, u64> = BTreeMap::new();
    for f in &r.findings {
        *by_verdict.entry(f.assessment.verdict.as_str()).or_default() += 1;
        *by_driver
            .entry(f.assessment.driver.driver.to_string())
            .or_default() += 1;
    }
    json!({
        "findings": r.findings.len(),
        "by_verdict": by_verdict,
        "by_driver": by_driver,
        "may_be_plaintext": r.findings.iter().filter(|f| f.assessment.may_be_plaintext).count(),
    })
}

/// The scan JSON as a value (tests, embedding in other reports).
pub fn scan_json(r: &ScanReport, plan: Option<(&Plan, FixMode, bool)>) -> Value {
    serde_json::to_value(scan_out(r, plan)).expect("serializable")
}

/// `pgtls clients scan` for people: severity first, aligned, summary last.
pub fn scan_text(r: &ScanReport, min: Severity) -> String {
    let mut s = String::new();
    let mut shown: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.assessment.severity >= min)
        .collect();
    shown.sort_by(|a, b| {
        b.assessment
            .severity
            .cmp(&a.assessment.severity)
            .then((&a.file, a.line).cmp(&(&b.file, b.line)))
    });
    let loc_w = shown
        .iter()
        .map(|f| f.file.len() + 1 + f.line.to_string().len())
        .max()
        .unwrap_or(0)
        .min(60);
    let drv_w = shown
        .iter()
        .map(|f| f.assessment.driver.to_string().len())
        .max()
        .unwrap_or(0);
    for f in &shown {
        let a = &f.assessment;
        let loc = format!("{}:{}", f.file, f.line);
        let _ = writeln!(
            s,
            "{:<8} {} {:<loc_w$}  {:<drv_w$}  {:<12} {}",
            a.severity.as_str().to_uppercase(),
            a.code,
            loc,
            a.driver.to_string(),
            a.effective_sslmode.as_deref().unwrap_or("-"),
            a.verdict.describe(),
        );
        let _ = writeln!(s, "         {}", f.setting);
        if let Some(e) = &a.error {
            let _ = writeln!(s, "         error: {}", crate::redact(e));
        }
        if a.severity > Severity::Info {
            let _ = writeln!(s, "         fix: {}", a.fix);
        }
    }
    let count = |v: Verdict| {
        r.findings
            .iter()
            .filter(|f| f.assessment.verdict == v)
            .count()
    };
    let st = &r.stats;
    let _ = writeln!(
        s,
        "{} settings in {} files ({} scanned, {} bytes): {} plaintext, {} may fall back to plaintext, {} encrypted but unverified, {} verified, {} local socket, {} invalid, {} unknown; {} files skipped ({} binary, {} too large, {} unreadable, {} symlink loops), {} lines skipped ({} invalid UTF-8, {} too long)",
        r.findings.len(),
        st.files_with_settings,
        st.files_scanned,
        st.bytes_scanned,
        count(Verdict::Plaintext),
        count(Verdict::MayBePlaintext),
        count(Verdict::EncryptedUnverified),
        count(Verdict::Verified),
        count(Verdict::LocalSocket),
        count(Verdict::Invalid),
        count(Verdict::Unknown),
        st.skipped_total(),
        st.skipped_binary,
        st.skipped_too_large,
        st.skipped_unreadable,
        st.skipped_symlink_loop,
        st.skipped_invalid_utf8_lines + st.skipped_long_lines,
        st.skipped_invalid_utf8_lines,
        st.skipped_long_lines,
    );
    s
}
