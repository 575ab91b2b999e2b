//! The plan and outcome, for people.

use std::fmt::Write;

use super::plan::ReachRow;
use super::FixOutcome;
use crate::report::Table;
use crate::stats::Bucket;

fn reach_table(rows: &[ReachRow]) -> String {
    let mut t = Table::new(&["rule", "type", "method", "plaintext", "witness"]);
    for r in rows {
        t.row(vec![
            format!("{}:{}", r.file, r.line),
            r.r#type.clone(),
            r.method.clone(),
            if r.plaintext_reachable {
                "ADMITTED"
            } else {
                "-"
            }
            .to_string(),
            r.witness.clone().unwrap_or_default(),
        ]);
    }
    t.render("  ")
}

fn buckets(title: &str, b: &[Bucket]) -> String {
    let mut t = Table::new(&[title, "sessions"]);
    for x in b {
        t.row(vec![x.key.clone(), x.total.to_string()]);
    }
    t.render("    ")
}

pub fn render_text(o: &FixOutcome) -> String {
    let p = &o.plan;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "pgtls fix: {} (PostgreSQL {})",
        p.target,
        p.version_num / 10000
    );
    if p.nothing_to_do {
        s.push_str(
            "\nNothing to do: no rule admits plaintext and the settings are already in place.\n",
        );
    }
    if !p.hba_changes.is_empty() || !p.hba_inserts.is_empty() {
        s.push_str("\npg_hba.conf changes\n");
        for c in &p.hba_changes {
            let _ = writeln!(
                s,
                "  {}:{}  {} -> {}  ({})",
                c.file, c.line, c.from, c.to, c.reason
            );
        }
        for i in &p.hba_inserts {
            let _ = writeln!(
                s,
                "  {}: insert before line {}: {}  ({})",
                i.file,
                i.before_line,
                i.text.trim(),
                i.reason
            );
        }
    }
    if !p.settings.is_empty() {
        s.push_str("\nSettings\n");
        for c in &p.settings {
            let place = match (&c.statement, &c.file, c.line) {
                (Some(st), _, _) => st.clone(),
                (None, Some(f), Some(l)) => format!("{f}:{l}"),
                (None, Some(f), None) => f.clone(),
                _ => String::new(),
            };
            // the same value already in effect is a compiled default the
            // plan pins, not a change of value
            let change = if c.current.is_empty() {
                format!("(not set) -> '{}'", c.new)
            } else if c.current == c.new {
                format!("'{}' (default) -> '{}' (set explicitly)", c.current, c.new)
            } else {
                format!("'{}' -> '{}'", c.current, c.new)
            };
            let _ = writeln!(s, "  {}: {change} via {}  ({})", c.name, place, c.reason);
        }
    }
    if !p.reachability_before.is_empty() {
        s.push_str("\nPlaintext reachability before\n");
        s.push_str(&reach_table(&p.reachability_before));
        s.push_str("\nPlaintext reachability after\n");
        s.push_str(&reach_table(&p.reachability_after));
    }
    for f in &p.files {
        let _ = write!(s, "\n{}", f.diff);
    }
    s.push_str("\nImpact preview\n");
    if !p.impact.sessions_known && p.impact.inventory.is_empty() {
        s.push_str("  Offline plan: no live sessions seen. Connect with -d for the impact preview, or pass --client-inventory.\n");
    } else if p.impact.rejected_sessions == 0 && p.impact.inventory.is_empty() {
        s.push_str("  No current session and no inventoried client would be rejected.\n");
    } else {
        let _ = writeln!(
            s,
            "  {} current session(s) would be rejected on their next connection:",
            p.impact.rejected_sessions
        );
        s.push_str(&buckets("user", &p.impact.by_user));
        s.push_str(&buckets("database", &p.impact.by_database));
        s.push_str(&buckets("application_name", &p.impact.by_application));
        s.push_str(&buckets("client_addr", &p.impact.by_client_addr));
        for c in &p.impact.inventory {
            let _ = writeln!(
                s,
                "  client {}:{} ({}, sslmode {}) never asks for TLS",
                c.file,
                c.line,
                c.driver,
                c.effective_sslmode.as_deref().unwrap_or("?")
            );
        }
    }
    for l in &p.lockout {
        let _ = writeln!(s, "  LOCKOUT: {l}");
    }
    for w in &p.warnings {
        let _ = writeln!(s, "  note: {w}");
    }
    if !o.verification.is_empty() {
        s.push_str("\nVerification\n");
        for v in &o.verification {
            let _ = writeln!(
                s,
                "  [{}] {}: {}",
                if v.ok { "ok" } else { "FAIL" },
                v.what,
                v.detail
            );
        }
    }
    if !o.remaining_plaintext.is_empty() {
        let _ = writeln!(
            s,
            "\n{} unencrypted session(s) are still open (a reload ends none){}",
            o.remaining_plaintext.len(),
            if o.terminated.is_empty() {
                "; end them with --terminate-plaintext"
            } else {
                ""
            }
        );
        for r in &o.remaining_plaintext {
            let _ = writeln!(
                s,
                "  pid {} {}@{} from {} ({})",
                r.pid,
                r.user.as_deref().unwrap_or("?"),
                r.database.as_deref().unwrap_or("?"),
                r.client_addr,
                r.application_name.as_deref().unwrap_or("")
            );
        }
    }
    if !o.terminated.is_empty() {
        let _ = writeln!(
            s,
            "Terminated {} session(s): {:?}",
            o.terminated.len(),
            o.terminated
        );
    }
    s.push('\n');
    let verdict = match (&o.error, o.applied, o.rolled_back) {
        (Some(e), _, true) => format!("FAILED and rolled back: {e}"),
        (Some(e), _, false) => e.clone(),
        (None, true, _) if !o.verification.is_empty() => "Applied, reloaded and verified.".into(),
        (None, true, _) if o.reloaded => {
            "Applied and reloaded (offline: not verified against the server; run pgtls audit -d ... to check).".into()
        }
        (None, true, _) => {
            "Applied; NOT reloaded: the server still runs the old rules (reload it, or rerun with --reload).".into()
        }
        (None, false, _) if p.nothing_to_do => "Nothing to do.".into(),
        (None, false, _) => format!(
            "Dry run: nothing written. {}",
            if !p.lockout.is_empty() {
                "The lockout guard objects (see above): --apply refuses without --force."
            } else if p.impact.would_break() {
                "Something would break (see above): --apply refuses without --force."
            } else {
                "Apply with --apply."
            }
        ),
    };
    s.push_str(&verdict);
    s.push('\n');
    s
}
