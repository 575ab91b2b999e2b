//! Text and JSON output of `pgtls hba parse|explain|check`.

use serde::Serialize;
use serde_json::{json, Value};

use crate::{checks, view_rows, Connection, HbaFile, Reachability, Verdict};
use pgtls_model::Finding;

/// `hba parse --format json`: the view rows of that version.
pub fn parse_json(f: &HbaFile) -> Value {
    json!({
        "pg_version": f.version_num,
        "file": f.file,
        "loads": f.loads(),
        "rules": view_rows(f),
        "errors": f.errors,
        "notes": f.notes,
    })
}

fn arr(v: &Option<Vec<String>>) -> String {
    match v {
        Some(v) => format!("{{{}}}", v.join(",")),
        None => String::new(),
    }
}

fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{:<width$}  ", c, width = w[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(header.iter().map(|s| s.to_string()).collect()));
    for r in rows {
        out.push_str(&line(r.clone()));
    }
    out
}

/// `hba parse` for people.
pub fn parse_text(f: &HbaFile) -> String {
    let rows = view_rows(f);
    let with_file = f.major() >= 16;
    let mut header = vec![];
    if with_file {
        header.extend(["rule", "file"]);
    }
    header.extend([
        "line",
        "type",
        "database",
        "user_name",
        "address",
        "netmask",
        "auth_method",
        "options",
        "error",
    ]);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = Vec::new();
            if with_file {
                v.push(r.rule_number.map(|n| n.to_string()).unwrap_or_default());
                v.push(r.file_name.clone().unwrap_or_default());
            }
            v.push(r.line_number.to_string());
            v.push(r.r#type.clone().unwrap_or_default());
            v.push(arr(&r.database));
            v.push(arr(&r.user_name));
            v.push(r.address.clone().unwrap_or_default());
            v.push(r.netmask.clone().unwrap_or_default());
            v.push(r.auth_method.clone().unwrap_or_default());
            v.push(arr(&r.options));
            v.push(r.error.clone().unwrap_or_default());
            v
        })
        .collect();
    let mut out = table(&header, &body);
    for n in &f.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    for e in f.errors.iter().filter(|e| e.view_error.is_none()) {
        out.push_str(&format!("error: {e}\n"));
    }
    out.push_str(&format!(
        "{} rules, {} errors (PostgreSQL {}): {}\n",
        f.rules.len(),
        f.errors.len(),
        crate::major_of(f.version_num),
        if f.loads() {
            "the file loads"
        } else {
            "the file would NOT load (startup fails; a reload keeps the old rules)"
        }
    ));
    out
}

pub fn explain_json(v: &Verdict, c: &Connection) -> Value {
    json!({
        "connection": c,
        "matched_file": v.matched_file,
        "matched_line": v.matched_line,
        "matched_raw": v.matched_raw,
        "rule_number": v.rule_number,
        "method": v.method.map(|m| m.as_str()),
        "rejected": v.rejected,
        "message": v.message,
        "uncertain": v.uncertain,
        "notes": v.notes,
    })
}

pub fn explain_text(v: &Verdict, c: &Connection) -> String {
    let mut out = String::new();
    let who = format!(
        "{} user={} db={} encryption={}{}",
        c.addr
            .map(|a| format!("host={a}"))
            .unwrap_or_else(|| "[local]".into()),
        c.user,
        c.database,
        c.encryption.as_str(),
        if c.replication { " replication" } else { "" }
    );
    out.push_str(&format!("connection: {who}\n"));
    match (&v.matched_file, v.matched_line) {
        (Some(f), Some(l)) => {
            out.push_str(&format!(
                "matched:    {f}:{l}: {}\n",
                v.matched_raw.clone().unwrap_or_default().trim()
            ));
            out.push_str(&format!(
                "method:     {}{}\n",
                v.method.map(|m| m.as_str()).unwrap_or("-"),
                if v.rejected { " (rejected)" } else { "" }
            ));
        }
        _ => out.push_str("matched:    no line (implicit reject)\n"),
    }
    if let Some(m) = &v.message {
        out.push_str(&format!("server log: FATAL:  {m}\n"));
    }
    for n in &v.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

/// `hba check --format json`.
/// The `hba check --format json` document. It borrows the analysis and is
/// serialized straight to the output (a 100k-rule file makes a 100 MB
/// document: building a `serde_json::Value` first doubled time and memory).
#[derive(Serialize)]
pub struct CheckJson<'a> {
    pub pg_version: u32,
    pub file: &'a str,
    pub ssl: bool,
    pub loads: bool,
    pub rules: &'a [crate::RuleReach],
    pub plaintext_regions: &'a [crate::Region],
    pub guard_bypasses: &'a [crate::reach::GuardBypass],
    pub errors: &'a [crate::HbaError],
    pub notes: &'a [String],
    pub findings: &'a [Finding],
}

pub fn check_json<'a>(
    f: &'a HbaFile,
    r: &'a Reachability,
    findings: &'a [Finding],
) -> CheckJson<'a> {
    CheckJson {
        pg_version: f.version_num,
        file: &f.file,
        ssl: f.ssl_on,
        loads: f.loads(),
        rules: &r.rules,
        plaintext_regions: &r.plaintext_regions,
        guard_bypasses: &r.guard_bypasses,
        errors: &r.errors,
        notes: &r.notes,
        findings,
    }
}

pub fn check_text(f: &HbaFile, r: &Reachability, findings: &[Finding]) -> String {
    let mut out = String::new();
    let rows: Vec<Vec<String>> = r
        .rules
        .iter()
        .map(|x| {
            let status = if x.never_matches {
                "never matches".to_string()
            } else if x.plaintext_reachable {
                if x.plaintext_loopback_only {
                    "PLAINTEXT (loopback)".into()
                } else {
                    "PLAINTEXT".into()
                }
            } else if x.guard && x.plaintext_matched {
                "guard".into()
            } else {
                let mut k = Vec::new();
                if x.local_matched {
                    k.push("local");
                }
                if x.ssl_matched {
                    k.push("ssl");
                }
                if x.gss_matched {
                    k.push("gss");
                }
                if x.plaintext_matched {
                    k.push("plain");
                }
                k.join("+")
            };
            let detail = if let Some(reason) = &x.reason {
                reason.clone()
            } else if let Some(w) = &x.plaintext_witness {
                if x.plaintext_reachable {
                    format!("e.g. host={} user={} db={}", w.addr, w.user, w.db)
                } else {
                    String::new()
                }
            } else {
                x.notes.first().cloned().unwrap_or_default()
            };
            vec![
                format!("{}:{}", x.file, x.line),
                x.conn_type.as_str().to_string(),
                x.method.as_str().to_string(),
                status,
                detail,
            ]
        })
        .collect();
    out.push_str(&table(
        &["line", "type", "method", "reached by", "detail"],
        &rows,
    ));
    if !r.plaintext_regions.is_empty() {
        out.push_str("\nunencrypted TCP admitted:\n");
        for g in &r.plaintext_regions {
            out.push_str(&format!(
                "  {}:{} {}: addresses {}{}; users {}; databases {}\n",
                g.file,
                g.line,
                g.method.as_str(),
                g.addresses.join(", "),
                if g.truncated { ", ..." } else { "" },
                g.users,
                g.databases
            ));
        }
    }
    if !findings.is_empty() {
        out.push_str("\nfindings:\n");
        let mut fs: Vec<&Finding> = findings.iter().collect();
        fs.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.location.cmp(&b.location))
        });
        for x in fs {
            out.push_str(&format!(
                "  {:<8} {} {}{}\n",
                x.severity.as_str().to_uppercase(),
                x.code,
                x.location
                    .as_ref()
                    .map(|l| format!("{l}: "))
                    .unwrap_or_default(),
                x.title
            ));
            for e in &x.evidence {
                out.push_str(&format!("           {e}\n"));
            }
        }
    }
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    let plain = r.rules.iter().filter(|x| x.plaintext_reachable).count();
    let never = r.rules.iter().filter(|x| x.never_matches).count();
    out.push_str(&format!(
        "\n{} rules: {} admit unencrypted TCP, {} never match, {} guard bypasses, {} errors; {} findings\n",
        r.rules.len(),
        plain,
        never,
        r.guard_bypasses.len(),
        r.errors.len(),
        findings.len()
    ));
    if !f.loads() {
        out.push_str("the file would NOT load: PostgreSQL refuses to start with it, and a reload keeps the previous rules\n");
    }
    let _ = checks::DOCS;
    out
}
