//! Text and JSON output. JSON is streamed: `{"version":1,"targets":[`,
//! one report per element as it completes, then the summary.

use std::io::{self, Write};

use pgtls_model::{Finding, Severity};

use crate::fleet::FleetSummary;
use crate::report::TargetReport;

/// JSON output schema version (add fields freely; bump on renames).
pub const JSON_VERSION: u32 = 1;

/// Writes `{"version":1,"targets":[ ... ],"summary":{...}}` incrementally.
pub struct JsonStream<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonStream<W> {
    pub fn begin(mut out: W) -> io::Result<Self> {
        write!(out, "{{\"version\":{JSON_VERSION},\"targets\":[")?;
        Ok(JsonStream { out, first: true })
    }

    pub fn push(&mut self, r: &TargetReport) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, r)?;
        self.out.flush()
    }

    pub fn finish(mut self, summary: &FleetSummary) -> io::Result<W> {
        self.out.write_all(b"\n],\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn sev_label(s: Severity) -> String {
    format!("{:<8}", s.as_str().to_uppercase())
}

pub fn finding_text(f: &Finding) -> String {
    let mut s = format!("{} {}  {}\n", sev_label(f.severity), f.code, f.title);
    for e in &f.evidence {
        s.push_str(&format!("           | {e}\n"));
    }
    s.push_str(&format!("           fix: {}\n", f.fix));
    s
}

/// A full report of one target, for people.
pub fn target_text(r: &TargetReport) -> String {
    let mut s = String::new();
    let addr = r.address.as_deref().unwrap_or("-");
    s.push_str(&format!(
        "target {}  (address {addr}, {} ms)\n",
        r.target, r.elapsed_ms
    ));
    let row = |s: &mut String, k: &str, v: String| s.push_str(&format!("  {k:<16} {v}\n"));
    row(
        &mut s,
        "SSLRequest",
        r.ssl_request.clone().unwrap_or_else(|| "-".into()),
    );
    row(
        &mut s,
        "GSSENCRequest",
        r.gssenc_request.clone().unwrap_or_else(|| "-".into()),
    );
    row(
        &mut s,
        "plaintext",
        format!("{} ({})", yes_no(r.plaintext.accepted), r.plaintext.message),
    );
    for a in &r.plaintext.attempts {
        row(
            &mut s,
            "",
            format!(
                "user={} database={}: {}{}",
                a.user,
                a.database,
                a.sqlstate
                    .as_deref()
                    .map(|c| format!("{c} "))
                    .unwrap_or_default(),
                a.message
            ),
        );
    }
    row(
        &mut s,
        "direct TLS",
        format!(
            "{}{}",
            yes_no(r.direct_tls),
            r.direct_tls_detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
    );
    let versions: Vec<&str> = r.tls.versions.iter().map(|v| v.as_pg_str()).collect();
    row(
        &mut s,
        "TLS versions",
        if versions.is_empty() {
            "none".into()
        } else {
            versions.join(", ")
        },
    );
    for (v, a) in &r.tls.version_answers {
        row(&mut s, "", format!("{v}: {a}"));
    }
    if let Some(n) = &r.tls.negotiated {
        row(
            &mut s,
            "negotiated",
            format!(
                "{} {}{}",
                n.version,
                n.cipher,
                n.group
                    .as_deref()
                    .map(|g| format!(" ({g})"))
                    .unwrap_or_default()
            ),
        );
    }
    for (v, list) in &r.tls.ciphers {
        let names: Vec<String> = list
            .iter()
            .map(|c| match &c.weakness {
                Some(_) => format!("{}(!)", c.name),
                None => c.name.clone(),
            })
            .collect();
        row(&mut s, &format!("ciphers {v}"), names.join(" "));
    }
    if !r.tls.groups.is_empty() {
        row(&mut s, "groups TLSv1.3", r.tls.groups.join(" "));
    }
    if let Some(kx) = &r.tls.tls12_key_exchange {
        row(&mut s, "kx TLSv1.2", kx.clone());
    }
    if let Some(c) = &r.certificate {
        row(&mut s, "certificate", c.subject.clone());
        row(
            &mut s,
            "  issuer",
            format!(
                "{}{}",
                c.issuer,
                if c.self_signed { " (self-signed)" } else { "" }
            ),
        );
        row(
            &mut s,
            "  SAN",
            if c.san.is_empty() {
                "none".into()
            } else {
                c.san.join(", ")
            },
        );
        row(
            &mut s,
            "  validity",
            format!(
                "{} .. {} ({} days left)",
                c.not_before, c.not_after, c.days_to_expiry
            ),
        );
        row(
            &mut s,
            "  key",
            format!(
                "{}{}{}, signed {}",
                c.key_type,
                c.key_curve
                    .as_deref()
                    .map(|k| format!(" {k}"))
                    .unwrap_or_default(),
                c.key_bits
                    .map(|b| format!(" ({b} bits)"))
                    .unwrap_or_default(),
                c.signature_algorithm
            ),
        );
        row(
            &mut s,
            "  verify-full",
            if c.name_matches {
                format!("name \"{}\" matches", c.checked_name)
            } else {
                format!("fails: {}", c.name_mismatch.as_deref().unwrap_or(""))
            },
        );
        row(
            &mut s,
            "  chain",
            match c.chain_verified {
                Some(true) => format!("verifies against {}", c.trust_anchors),
                Some(false) => format!(
                    "does not verify against {}: {}",
                    c.trust_anchors,
                    c.chain_error.as_deref().unwrap_or("")
                ),
                None => format!("not checked: {}", c.chain_error.as_deref().unwrap_or("")),
            },
        );
        row(&mut s, "  sha256", c.sha256_fingerprint.clone());
    }
    if let Some(e) = &r.error {
        row(&mut s, "error", e.clone());
    }
    if !r.findings.is_empty() {
        s.push('\n');
        for f in &r.findings {
            s.push_str(&finding_text(f));
        }
    }
    s
}

/// Column headers of the fleet table.
pub fn table_header() -> String {
    format!(
        "{:<28} {:<3} {:<9} {:<27} {:<6} {:>7} {:<8} {:>3}  {}",
        "TARGET", "SSL", "PLAINTEXT", "TLS VERSIONS", "DIRECT", "CERT(d)", "WORST", "#F", "ERROR"
    )
}

/// One fixed-width row per target (rows stream as targets complete).
pub fn table_row(r: &TargetReport) -> String {
    let mut t = r.target.clone();
    if t.chars().count() > 28 {
        t = t.chars().take(27).collect::<String>() + "…";
    }
    let versions: Vec<&str> = r
        .tls
        .versions
        .iter()
        .map(|v| match v {
            pgtls_model::TlsVersion::Tls10 => "1.0",
            pgtls_model::TlsVersion::Tls11 => "1.1",
            pgtls_model::TlsVersion::Tls12 => "1.2",
            pgtls_model::TlsVersion::Tls13 => "1.3",
        })
        .collect();
    let versions = if r.ssl_request.as_deref() == Some("S") {
        if versions.is_empty() {
            "none".into()
        } else {
            format!("TLS {}", versions.join(" "))
        }
    } else {
        "-".to_string()
    };
    format!(
        "{:<28} {:<3} {:<9} {:<27} {:<6} {:>7} {:<8} {:>3}  {}",
        t,
        r.ssl_request.as_deref().unwrap_or("?"),
        yes_no(r.plaintext.accepted),
        versions,
        match r.direct_tls {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        },
        r.certificate
            .as_ref()
            .map(|c| c.days_to_expiry.to_string())
            .unwrap_or_else(|| "-".into()),
        r.worst().map(|s| s.as_str()).unwrap_or("-"),
        r.findings.len(),
        r.error.as_deref().unwrap_or("")
    )
}

/// The one-line summary at the end of text output.
pub fn summary_line(s: &FleetSummary) -> String {
    format!(
        "{} target(s) in {:.1} s: {} finding(s) ({} critical, {} high, {} medium, {} low, {} info); plaintext accepted on {}, TLS off on {}, legacy TLS on {}, errors on {}",
        s.targets,
        s.elapsed_ms as f64 / 1000.0,
        s.findings,
        s.critical,
        s.high,
        s.medium,
        s.low,
        s.info,
        s.plaintext_accepted,
        s.ssl_off,
        s.legacy_tls,
        s.errors
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_stream_is_one_valid_document() {
        let mut buf = Vec::new();
        let mut js = JsonStream::begin(&mut buf).unwrap();
        let mut s = FleetSummary::default();
        for i in 0..3 {
            let r = TargetReport {
                target: format!("h{i}:5432"),
                ..TargetReport::default()
            };
            s.add(&r);
            js.push(&r).unwrap();
        }
        js.finish(&s).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["targets"].as_array().unwrap().len(), 3);
        assert_eq!(v["targets"][2]["target"], "h2:5432");
        assert!(v["targets"][0]["plaintext"]["accepted"].is_null());
        assert!(v["targets"][0]["direct_tls"].is_null());
        assert_eq!(v["summary"]["targets"], 3);
    }

    #[test]
    fn empty_stream_is_valid_json() {
        let mut buf = Vec::new();
        JsonStream::begin(&mut buf)
            .unwrap()
            .finish(&FleetSummary::default())
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert!(v["targets"].as_array().unwrap().is_empty());
    }
}
