//! Text for people: the headline, breakdown tables, findings by severity,
//! and a one-line summary at the end.

use std::fmt::Write;

use pgtls_model::{Finding, Severity};

use super::AuditReport;
use crate::stats::Bucket;

/// A plain aligned table.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self, indent: &str) -> String {
        let cols = self.header.len();
        let mut w = vec![0usize; cols];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(cols) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |r: &Vec<String>, out: &mut String| {
            out.push_str(indent);
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<width$}", width = w[i]))
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.header, &mut out);
        line(
            &w.iter().map(|n| "-".repeat(*n)).collect::<Vec<_>>(),
            &mut out,
        );
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }
}

fn buckets(title: &str, b: &[Bucket]) -> String {
    let mut t = Table::new(&[title, "sessions", "unencrypted"]);
    for x in b {
        t.row(vec![
            x.key.clone(),
            x.total.to_string(),
            x.unencrypted.to_string(),
        ]);
    }
    t.render("  ")
}

pub fn render_findings(findings: &[Finding], out: &mut String) {
    for sev in Severity::ALL {
        let group: Vec<&Finding> = findings.iter().filter(|f| f.severity == sev).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{} ({})", sev.as_str().to_uppercase(), group.len());
        for f in group {
            let loc = f
                .location
                .as_ref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}{loc}  {}", f.code, f.title);
            for e in &f.evidence {
                let _ = writeln!(out, "      | {e}");
            }
            let _ = writeln!(out, "      fix: {}", f.fix);
        }
        out.push('\n');
    }
}

pub fn render_text(r: &AuditReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "pgtls audit ({}){}",
        r.target.mode,
        r.target
            .connection
            .as_ref()
            .map(|c| format!(": {c}"))
            .unwrap_or_default()
    );
    if let Some(v) = &r.server.version {
        let _ = writeln!(out, "server: PostgreSQL {v}");
    } else if let Some(v) = r.server.version_num {
        let _ = writeln!(
            out,
            "server: PostgreSQL {} (from PG_VERSION or --pg-version)",
            v / 10000
        );
    }
    for (k, v) in [
        ("config_file", &r.target.config_file),
        ("hba_file", &r.target.hba_file),
    ] {
        if let Some(v) = v {
            let _ = writeln!(out, "{k}: {v}");
        }
    }
    out.push('\n');
    if let Some(s) = &r.sessions {
        let st = &s.stats;
        let _ = writeln!(
            out,
            "Encryption in transit: {} of {} TCP client sessions unencrypted ({:.1}%), {} TLS, {} GSS; {} distinct client address(es)",
            st.unencrypted, st.total, st.unencrypted_pct, st.encrypted_ssl, st.encrypted_gss, st.distinct_clients
        );
        if s.unix_socket_sessions > 0 || s.hidden_sessions > 0 {
            let _ = writeln!(
                out,
                "  not counted: {} Unix-socket session(s), {} session(s) hidden from this role",
                s.unix_socket_sessions, s.hidden_sessions
            );
        }
        if st.total > 0 {
            out.push('\n');
            out.push_str(&buckets("user", &st.by_user));
            out.push('\n');
            out.push_str(&buckets("database", &st.by_database));
            out.push('\n');
            out.push_str(&buckets("application_name", &st.by_application));
            out.push('\n');
            out.push_str(&buckets("client_addr", &st.by_client_addr));
        }
        out.push('\n');
    }
    if let Some(rep) = &r.replication {
        if rep.total > 0 {
            let _ = writeln!(
                out,
                "Replication: {} of {} walsender connection(s) unencrypted\n",
                rep.unencrypted, rep.total
            );
        }
    }
    if let Some(own) = &r.own_session {
        let how = if own.unix_socket {
            "Unix socket (no encryption needed)".to_string()
        } else {
            match (&own.encryption, &own.tls_version) {
                (Some(crate::facts::Encryption::Ssl), Some(v)) => format!("TLS ({v})"),
                (Some(crate::facts::Encryption::Gss), _) => "GSS encryption".into(),
                (Some(_), _) => "UNENCRYPTED".into(),
                (None, _) => "unknown".into(),
            }
        };
        let _ = writeln!(out, "Audit connection: {how}\n");
    }
    if r.findings.is_empty() {
        out.push_str("No findings.\n\n");
    } else {
        render_findings(&r.findings, &mut out);
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "{} finding(s): {} critical, {} high, {} medium, {} low, {} info; {} at or above --fail-on {}.",
        r.findings.len(),
        s.critical,
        s.high,
        s.medium,
        s.low,
        s.info,
        if s.failed { "FAIL: some" } else { "pass: none" },
        s.fail_on
    );
    out
}
