//! Checks over live sessions (PGT101-PGT119).

use pgtls_model::{CheckDoc, Finding, FixSafety, Severity};

use crate::facts::{Encryption, ServerFacts, Session};
use crate::stats::SessionStats;

pub const UNENCRYPTED_SESSIONS: CheckDoc = CheckDoc {
    code: "PGT101",
    name: "unencrypted-sessions",
    severity: Severity::High,
    summary: "Client sessions over TCP are not encrypted (pg_stat_ssl.ssl = false and no GSS encryption).",
    why: "Every query, result row and (with md5/password methods) credential of these sessions crosses the \
network in clear text. Compliance regimes (PCI DSS 4.2.1, HIPAA 164.312(e), SOC 2 CC6.7, ISO 27001 A.8.24) require \
encryption in transit for every connection. `ssl = on` alone does not encrypt anything: pg_hba `host` rules accept \
plaintext and libpq's default `sslmode=prefer` falls back to it.",
    example: "pg_stat_ssl shows ssl = false for 8 of 10 TCP sessions: 80.0% unencrypted.",
    fix: "Make the clients ask for TLS (sslmode=require or better, verify-full with sslrootcert), then enforce it on the \
server: turn `host` rules into `hostssl` (`pgtls fix`), reload, and end the remaining plaintext sessions.",
    fix_safety: FixSafety::Unsafe,
};

pub const UNENCRYPTED_REPLICATION: CheckDoc = CheckDoc {
    code: "PGT102",
    name: "unencrypted-replication",
    severity: Severity::High,
    summary: "Replication connections (walsenders) are not encrypted.",
    why: "A walsender streams every change of every table, so an unencrypted one leaks the whole database. Standbys \
and logical subscribers take their sslmode from primary_conninfo / the subscription's connection string, whose \
libpq default is prefer.",
    example: "A standby connected from 10.0.0.12 as user `replicator` with ssl = false.",
    fix: "Set sslmode=verify-full (or at least require) in the standby's primary_conninfo or the subscription's \
CONNECTION, and make the `replication` hba rules `hostssl`.",
    fix_safety: FixSafety::Unsafe,
};

pub const OWN_SESSION_UNENCRYPTED: CheckDoc = CheckDoc {
    code: "PGT103",
    name: "audit-connection-unencrypted",
    severity: Severity::Medium,
    summary: "The audit's own connection to the server is not encrypted.",
    why: "The audit reads security-relevant views over this connection; over plaintext its credentials and results \
can be read or altered on the way. It also shows that the server still accepts plaintext from this client.",
    example: "pgtls audit -d 'host=db.example.com sslmode=prefer' connected without TLS.",
    fix: "Connect with sslmode=verify-full and sslrootcert=<CA file> (or over the local Unix socket on the server \
itself).",
    fix_safety: FixSafety::None,
};

pub const VISIBILITY_GAP: CheckDoc = CheckDoc {
    code: "PGT104",
    name: "incomplete-visibility",
    severity: Severity::Info,
    summary: "The audit could not see everything: its role lacks a privilege.",
    why: "Findings are only as complete as the facts. A role with pg_monitor sees every session and setting but not \
pg_hba_file_rules, which is superuser-only by default. Severity is info, except when other roles' sessions are \
hidden: they could be unencrypted, so the audit cannot pass (high).",
    example: "pg_hba_file_rules is not readable by role `auditor`.",
    fix: "Run the GRANT shown in the evidence, or audit as a superuser, or give the audit the files (--config-dir).",
    fix_safety: FixSafety::None,
};

pub const DOCS: &[CheckDoc] = &[
    UNENCRYPTED_SESSIONS,
    UNENCRYPTED_REPLICATION,
    OWN_SESSION_UNENCRYPTED,
    VISIBILITY_GAP,
];

fn describe(s: &Session) -> String {
    format!(
        "pid {} user={} database={} application_name={} client_addr={}",
        s.pid,
        s.user.as_deref().unwrap_or("?"),
        s.database.as_deref().unwrap_or("?"),
        s.application_name.as_deref().unwrap_or(""),
        s.client_addr
    )
}

pub fn check(facts: &ServerFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(sf) = &facts.sessions {
        let st = SessionStats::of(&sf.clients);
        if st.unencrypted > 0 {
            let mut f = Finding::new(
                &UNENCRYPTED_SESSIONS,
                format!(
                    "{} of {} TCP client sessions are unencrypted ({:.1}%)",
                    st.unencrypted, st.total, st.unencrypted_pct
                ),
            )
            .evidence(format!(
                "pg_stat_ssl/pg_stat_gssapi: {} unencrypted, {} TLS, {} GSS; {} distinct client address(es), {} of them unencrypted",
                st.unencrypted, st.encrypted_ssl, st.encrypted_gss, st.distinct_clients, st.distinct_unencrypted_clients
            ));
            let stale = sf
                .clients
                .iter()
                .filter(|s| s.encryption == Encryption::None && s.before_last_reload)
                .count();
            if stale > 0 {
                f = f.evidence(format!(
                    "{stale} of them connected before the last configuration reload (pg_conf_load_time()): a reload ends no session, so they may predate the current rules"
                ));
            }
            for b in st.by_user.iter().filter(|b| b.unencrypted > 0) {
                f = f.evidence(format!(
                    "user {}: {} of {} unencrypted",
                    b.key, b.unencrypted, b.total
                ));
            }
            for b in st.by_client_addr.iter().filter(|b| b.unencrypted > 0) {
                f = f.evidence(format!(
                    "client_addr {}: {} of {} unencrypted",
                    b.key, b.unencrypted, b.total
                ));
            }
            out.push(f);
        }
        let plain_repl: Vec<&Session> = sf
            .replication
            .iter()
            .filter(|s| s.encryption == Encryption::None)
            .collect();
        if !plain_repl.is_empty() {
            let mut f = Finding::new(
                &UNENCRYPTED_REPLICATION,
                format!(
                    "{} of {} replication connections are unencrypted",
                    plain_repl.len(),
                    sf.replication.len()
                ),
            );
            for s in plain_repl {
                f = f.evidence(describe(s));
            }
            out.push(f);
        }
        if let Some(own) = &sf.own {
            if own.encryption == Encryption::None {
                out.push(
                    Finding::new(
                        &OWN_SESSION_UNENCRYPTED,
                        "The audit's own connection is unencrypted",
                    )
                    .evidence(describe(own)),
                );
            }
        }
    }
    for g in &facts.gaps {
        // Hidden sessions could be unencrypted ones: the audit cannot pass.
        let sev = if g.material {
            Severity::High
        } else {
            Severity::Info
        };
        out.push(
            Finding::new(&VISIBILITY_GAP, format!("Could not see {}", g.what))
                .severity(sev)
                .evidence(g.why.clone())
                .fix(g.remedy.clone()),
        );
    }
    out
}
