//! Findings over the parsed file and its reachability (PGT301-PGT319).
//! Pure functions of facts: no file or socket is opened here.

use pgtls_model::{CheckDoc, Finding, FixSafety, Location, Severity};
use rustc_hash::FxHashMap;

use crate::{AuthMethod, ConnType, ErrorKind, HbaFile, Reachability, RuleReach, Witness};

pub const PGT301: CheckDoc = CheckDoc {
    code: "PGT301",
    name: "hba-plaintext-admitted",
    severity: Severity::High,
    summary: "A TCP rule (host, hostnossl, hostnogssenc) admits unencrypted clients from beyond loopback",
    why: "pg_hba.conf is PostgreSQL's only server-side way to refuse unencrypted sessions. A `host` line matches plaintext and TLS alike, so any client that connects without TLS (sslmode=disable, prefer against a misconfigured server, or an attacker downgrading the connection) is admitted and its password exchange and queries cross the network readable.",
    example: "host all all 0.0.0.0/0 scram-sha-256",
    fix: "Change the line's type to `hostssl` (and keep a `hostnossl all all 0.0.0.0/0 reject` / `::/0 reject` guard at the top). Clients then need sslmode=require at least, verify-full to also authenticate the server, with the CA certificate installed.",
    fix_safety: FixSafety::Unsafe,
};

pub const PGT302: CheckDoc = CheckDoc {
    code: "PGT302",
    name: "hba-plaintext-loopback",
    severity: Severity::Low,
    summary: "A TCP rule admits unencrypted clients, but only from loopback addresses",
    why: "Loopback traffic does not leave the host, but port forwards (ssh -L, kubectl port-forward), sidecar proxies and connection poolers on the same host arrive on loopback: a remote client behind them is indistinguishable and gets in without encryption on its own leg.",
    example: "host all all 127.0.0.1/32 scram-sha-256",
    fix: "Use `hostssl` for loopback too when anything forwards or proxies to it, or make sure every forwarder encrypts its remote leg; otherwise accept the risk knowingly.",
    fix_safety: FixSafety::Unsafe,
};

pub const PGT303: CheckDoc = CheckDoc {
    code: "PGT303",
    name: "hba-hostssl-without-ssl",
    severity: Severity::High,
    summary: "A hostssl rule can never match because ssl is off",
    why: "With ssl = off no connection is encrypted, so every hostssl line is dead: clients fall through to later lines (often a plaintext `host` line) or are rejected. The intent to require TLS is silently not enforced.",
    example: "hostssl all all 0.0.0.0/0 scram-sha-256   (with ssl = off)",
    fix: "Set ssl = on with ssl_cert_file / ssl_key_file in postgresql.conf and reload, or remove the hostssl lines if TLS is really not wanted.",
    fix_safety: FixSafety::None,
};

pub const PGT304: CheckDoc = CheckDoc {
    code: "PGT304",
    name: "hba-cleartext-password-plaintext",
    severity: Severity::Critical,
    summary: "The `password` method (cleartext password) on a rule reachable without encryption",
    why: "`password` sends the user's password itself; without TLS anyone on the path reads it. This is the worst combination pg_hba.conf allows.",
    example: "host all all 0.0.0.0/0 password",
    fix: "Use `hostssl` and `scram-sha-256` (re-set passwords with password_encryption = scram-sha-256).",
    fix_safety: FixSafety::Unsafe,
};

pub const PGT305: CheckDoc = CheckDoc {
    code: "PGT305",
    name: "hba-trust-over-tcp",
    severity: Severity::High,
    summary: "`trust` on a TCP rule: anyone who can reach the port connects as any listed user without a password",
    why: "trust skips authentication; over TCP it relies entirely on who can reach the address. With plaintext allowed, session contents are also exposed. Severity drops to medium when only loopback addresses reach it.",
    example: "host all all 10.0.0.0/8 trust",
    fix: "Use scram-sha-256 (or cert) on hostssl lines; keep trust for `local` socket lines at most.",
    fix_safety: FixSafety::Unsafe,
};

pub const PGT306: CheckDoc = CheckDoc {
    code: "PGT306",
    name: "hba-line-error",
    severity: Severity::High,
    summary: "pg_hba.conf has an error: the file would not load",
    why: "One bad line invalidates the whole file: at startup the server refuses to start, and on reload it logs the error and keeps the previous rules, so the protection you just wrote is not in force (and pg_hba_file_rules shows the error only if someone looks).",
    example: "hostssl all all 10.0.0.0/8 scram-sha-256 clientcert=1   (PostgreSQL 14+)",
    fix: "Correct the line (the message is PostgreSQL's own), check `SELECT * FROM pg_hba_file_rules WHERE error IS NOT NULL` is empty, then reload.",
    fix_safety: FixSafety::None,
};

pub const PGT307: CheckDoc = CheckDoc {
    code: "PGT307",
    name: "hba-rule-never-matches",
    severity: Severity::Low,
    summary: "A rule can never match (shadowed by earlier rules, wrong address family, unknown roles)",
    why: "pg_hba.conf is first-match: a line fully covered by earlier lines is dead code, often a guard or a hostssl line someone believes is in force.",
    example: "host all all 0.0.0.0/0 md5\nhostnossl all all 0.0.0.0/0 reject   <- never reached",
    fix: "Move the line above the lines that shadow it (guards belong at the top), or delete it.",
    fix_safety: FixSafety::None,
};

pub const PGT308: CheckDoc = CheckDoc {
    code: "PGT308",
    name: "hba-guard-bypassed",
    severity: Severity::High,
    summary: "A plaintext guard (hostnossl ... reject) is bypassed for part of its space by an earlier rule",
    why: "A `hostnossl ... reject` line only protects connections that reach it. An earlier `host` line (a loopback line, a specific subnet, a replication line) matches first and admits plaintext, so the guard gives a false sense of enforcement.",
    example: "host all all 10.0.0.0/8 md5\nhostnossl all all 0.0.0.0/0 reject",
    fix: "Move the guard above every host line, or turn the earlier host lines into hostssl.",
    fix_safety: FixSafety::Unsafe,
};

/// Every check of this crate, documented once.
pub const DOCS: &[CheckDoc] = &[
    PGT301, PGT302, PGT303, PGT304, PGT305, PGT306, PGT307, PGT308,
];

fn wtext(w: &Witness) -> String {
    let mut s = format!("host={} user={} dbname={}", w.addr, w.user, w.db);
    if w.replication {
        s.push_str(" replication=true");
    }
    if !w.member_of.is_empty() {
        s.push_str(&format!(" (user member of {})", w.member_of.join(", ")));
    }
    if w.symbolic {
        s.push_str(" (address decided by DNS / interfaces)");
    }
    s
}

/// `file:line: raw` (built by hand: `format!` costs more than the rest of
/// a finding, and a large file has one per line).
fn raw_evidence(r: &RuleReach) -> String {
    let raw = r.raw.trim();
    let mut s = String::with_capacity(r.file.len() + raw.len() + 14);
    s.push_str(&r.file);
    s.push(':');
    s.push_str(itoa::Buffer::new().format(r.line));
    s.push_str(": ");
    s.push_str(raw);
    s
}

/// Line errors reported one finding each; beyond this, the rest of a file's
/// errors are summed up in one more finding (a binary or garbage file can
/// have hundreds of thousands).
pub const MAX_LINE_ERROR_FINDINGS: usize = 50;

/// All findings for a file and its analysis.
pub fn findings(file: &HbaFile, reach: &Reachability, ssl_on: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let line_errors = file
        .errors
        .iter()
        .filter(|e| e.kind == ErrorKind::Line)
        .count();
    if line_errors > MAX_LINE_ERROR_FINDINGS {
        let rest: Vec<_> = file
            .errors
            .iter()
            .filter(|e| e.kind == ErrorKind::Line)
            .skip(MAX_LINE_ERROR_FINDINGS)
            .collect();
        let first = rest[0];
        out.push(
            Finding::new(
                &PGT306,
                format!(
                    "{} more lines do not load (from line {} of {} on); {} line errors in all",
                    rest.len(),
                    first.line,
                    first.file,
                    line_errors
                ),
            )
            .at(Location::new(first.file.clone(), first.line))
            .evidence(format!(
                "the first {MAX_LINE_ERROR_FINDINGS} errors are reported one by one; `pgtls hba parse` lists them all"
            )),
        );
    }
    let mut shown = 0;
    for e in &file.errors {
        if e.kind == ErrorKind::Line {
            shown += 1;
            if shown > MAX_LINE_ERROR_FINDINGS {
                continue;
            }
        }
        let title = match e.kind {
            ErrorKind::Line => format!("line {} does not load: {}", e.line, e.message),
            ErrorKind::Unreadable => e.message.clone(),
            ErrorKind::NoEntries => e.message.clone(),
        };
        let mut f = Finding::new(&PGT306, title)
            .at_opt((e.line > 0).then(|| Location::new(e.file.clone(), e.line)))
            .evidence(match &e.raw {
                Some(raw) => format!("{}:{}: {}", e.file, e.line, raw.trim()),
                None => e.file.clone(),
            });
        if e.view_error.is_none() && e.kind == ErrorKind::Line {
            f = f.evidence(
                "pg_hba_file_rules shows this line with every column NULL and no error text",
            );
        }
        out.push(f);
    }
    // One rule's findings do not depend on another's: two threads for big
    // files.
    let rules = &reach.rules;
    if rules.len() > 20_000 {
        let (first, second) = rules.split_at(rules.len() / 2);
        // about one finding per rule at most, usually
        out.reserve(rules.len());
        let tail = std::thread::scope(|sc| {
            let h = sc.spawn(|| {
                let mut v = Vec::with_capacity(second.len());
                for r in second {
                    rule_findings(r, ssl_on, &mut v);
                }
                v
            });
            for r in first {
                rule_findings(r, ssl_on, &mut out);
            }
            h.join().expect("findings thread")
        });
        out.extend(tail);
    } else {
        for r in rules {
            rule_findings(r, ssl_on, &mut out);
        }
    }
    let by_line: FxHashMap<(&str, u32), &RuleReach> = reach
        .rules
        .iter()
        .map(|r| ((r.file.as_str(), r.line), r))
        .collect();
    for b in &reach.guard_bypasses {
        let by = by_line.get(&(b.by_file.as_str(), b.by_line));
        let guard = by_line.get(&(b.guard_file.as_str(), b.guard_line));
        let mut f = Finding::new(
            &PGT308,
            format!(
                "guard at line {} is bypassed by line {} ({})",
                b.guard_line,
                b.by_line,
                b.by_method.as_str()
            ),
        )
        .at(Location::new(b.guard_file.clone(), b.guard_line));
        if let Some(g) = guard {
            f = f.evidence(raw_evidence(g));
        }
        if let Some(r) = by {
            f = f.evidence(raw_evidence(r));
        }
        f = f.evidence(format!(
            "matched first without encryption: {}",
            wtext(&b.witness)
        ));
        out.push(f);
    }
    out
}

/// The findings about one rule.
fn rule_findings(r: &RuleReach, ssl_on: bool, out: &mut Vec<Finding>) {
    let loc = || Location::new(r.file.clone(), r.line);
    let tcp_plain_type = matches!(
        r.conn_type,
        ConnType::Host | ConnType::HostNoSsl | ConnType::HostNoGssEnc
    );
    if r.plaintext_reachable && tcp_plain_type {
        let w = r.plaintext_witness.as_ref();
        let (doc, title) = if r.plaintext_loopback_only {
            (
                &PGT302,
                format!(
                    "{} line admits unencrypted connections from loopback only",
                    r.conn_type.as_str()
                ),
            )
        } else {
            (
                &PGT301,
                format!(
                    "{} line admits unencrypted connections",
                    r.conn_type.as_str()
                ),
            )
        };
        let mut f = Finding::new(doc, title).at(loc()).evidence(raw_evidence(r));
        if let Some(w) = w {
            f = f.evidence(format!("reached without encryption by: {}", wtext(w)));
        }
        out.push(f);
    }
    if r.plaintext_reachable && r.method == AuthMethod::Password {
        let mut f = Finding::new(
            &PGT304,
            "cleartext password method on a line reachable without encryption",
        )
        .at(loc())
        .evidence(raw_evidence(r));
        if let Some(w) = &r.plaintext_witness {
            f = f.evidence(format!("e.g. {}", wtext(w)));
        }
        out.push(f);
    }
    if r.conn_type != ConnType::Local
        && r.method == AuthMethod::Trust
        && (r.plaintext_matched || r.ssl_matched || r.gss_matched)
    {
        let mut f = Finding::new(&PGT305, "trust authentication on a TCP line")
            .at(loc())
            .evidence(raw_evidence(r));
        if r.plaintext_matched && r.plaintext_loopback_only {
            f = f.severity(Severity::Medium);
        }
        out.push(f);
    }
    if r.conn_type == ConnType::HostSsl && !ssl_on {
        out.push(
            Finding::new(&PGT303, "hostssl line can never match: ssl is off")
                .at(loc())
                .evidence(raw_evidence(r)),
        );
    } else if r.never_matches {
        let mut f = Finding::new(&PGT307, "line never matches")
            .at(loc())
            .evidence(raw_evidence(r));
        if let Some(why) = &r.reason {
            f = f.evidence(why.clone());
        }
        if r.guard {
            f = f.severity(Severity::Medium);
        }
        out.push(f);
    }
}
