//! Checks over server settings and the files they name (PGT201-PGT219).

use pgtls_model::{CheckDoc, Finding, FixSafety, Severity, TlsVersion};

use crate::facts::{FileState, ServerFacts, SettingFact};

pub const SSL_OFF: CheckDoc = CheckDoc {
    code: "PGT201",
    name: "ssl-off",
    severity: Severity::Critical,
    summary: "`ssl` is off: the server cannot encrypt any TCP connection.",
    why: "With ssl = off the server answers every SSLRequest with 'N', so every TCP session is plaintext whatever the \
clients ask for (libpq sslmode=require then fails), and every `hostssl` rule is dead.",
    example: "postgresql.conf: ssl = off  (or ALTER SYSTEM SET ssl = off in postgresql.auto.conf, which wins)",
    fix: "Install a certificate and key (ssl_cert_file, ssl_key_file; key mode 0600), set ssl = on where it takes \
effect (postgresql.auto.conf overrides postgresql.conf) and reload.",
    fix_safety: FixSafety::Safe,
};

pub const SSL_FILES_MISSING: CheckDoc = CheckDoc {
    code: "PGT202",
    name: "ssl-files-missing",
    severity: Severity::Critical,
    summary: "`ssl` is on but the certificate or key file it names is missing, unreadable or not PEM.",
    why: "At the next start the server refuses to run (FATAL: could not load server certificate file, or could not \
load private key file); on reload it keeps the old SSL context and logs \"SSL configuration was not reloaded\". Either \
way TLS is one restart away from gone. PostgreSQL reads certificates and keys as PEM only: an empty file or a DER file \
fails the same way as a missing one. Relative paths are resolved against the data directory.",
    example: "ssl = on, ssl_cert_file = 'server.crt' but $PGDATA/server.crt does not exist (or is empty, or is DER)",
    fix: "Put the certificate and key where the settings point, as PEM (convert DER with `openssl x509 -inform DER -in \
server.der -out server.crt` and `openssl pkey -inform DER -in key.der -out server.key`), key owned by the server user \
with mode 0600 (or by root with 0640), or correct the settings.",
    fix_safety: FixSafety::None,
};

pub const TLS_FLOOR_LOW: CheckDoc = CheckDoc {
    code: "PGT203",
    name: "tls-floor-below-1.2",
    severity: Severity::High,
    summary: "The effective ssl_min_protocol_version allows TLS 1.0 or 1.1.",
    why: "TLS 1.0 and 1.1 are deprecated (RFC 8996) and not accepted by PCI DSS. PostgreSQL 12's default is TLSv1; \
from 13 the default is TLSv1.2, so an unset value is fine on 13+ but not on 12.",
    example: "PostgreSQL 12 with ssl_min_protocol_version unset (effective TLSv1)",
    fix: "ssl_min_protocol_version = 'TLSv1.2' (or 'TLSv1.3' when every client supports it), then reload.",
    fix_safety: FixSafety::Safe,
};

pub const TLS_FLOOR_IMPLICIT: CheckDoc = CheckDoc {
    code: "PGT204",
    name: "tls-floor-implicit",
    severity: Severity::Low,
    summary: "ssl_min_protocol_version is not set: the TLS floor is the compiled default of this major.",
    why: "The floor is acceptable today (TLSv1.2 on 13+), but it is not stated anywhere an auditor can point at, and a \
pg_upgrade or a packaging change can move it. Pinning it makes the control explicit and reviewable.",
    example: "PostgreSQL 15 with no ssl_min_protocol_version line: effective TLSv1.2 from the default.",
    fix: "ssl_min_protocol_version = 'TLSv1.2' in postgresql.conf (or ALTER SYSTEM), then reload.",
    fix_safety: FixSafety::Safe,
};

pub const NO_CONNECTION_LOG: CheckDoc = CheckDoc {
    code: "PGT205",
    name: "log-connections-off",
    severity: Severity::Info,
    summary: "log_connections is off: the server log holds no record of who connected with or without TLS.",
    why: "Sessions come and go between audits; the \"connection authorized ... SSL enabled\" log lines are the \
evidence of what happened in between, and the way to find clients that are not connected right now.",
    example: "log_connections = off (the default)",
    fix: "log_connections = on (18: 'receipt,authentication,authorization'), then reload.",
    fix_safety: FixSafety::Safe,
};

pub const DOCS: &[CheckDoc] = &[
    SSL_OFF,
    SSL_FILES_MISSING,
    TLS_FLOOR_LOW,
    TLS_FLOOR_IMPLICIT,
    NO_CONNECTION_LOG,
];

fn evidence(s: &SettingFact) -> String {
    match (&s.location, &s.raw) {
        (Some(l), Some(raw)) => format!("{l}: {}", raw.trim()),
        (Some(l), None) => format!("{l}: {} = '{}'", s.name, s.value),
        _ => format!(
            "{} = '{}' ({})",
            s.name,
            s.value,
            s.source_detail.as_deref().unwrap_or(match s.source {
                crate::facts::SettingSource::Default => "default",
                _ => "set",
            })
        ),
    }
}

pub fn check(facts: &ServerFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let ssl = facts.setting("ssl");
    let ssl_on = facts.ssl_on();
    match (ssl, ssl_on) {
        (Some(s), Some(false)) => out.push(
            Finding::new(&SSL_OFF, "ssl is off")
                .at_opt(s.location.clone())
                .evidence(evidence(s)),
        ),
        // Only when the setting is knowable: a lone pg_hba.conf (or a role
        // that may not read it) says nothing about ssl.
        (None, _) if !facts.hidden_settings.iter().any(|h| h == "ssl") => out.push(
            Finding::new(
                &SSL_OFF,
                "ssl is off (not set anywhere; the default is off)",
            )
            .evidence("no `ssl` line in any configuration file read"),
        ),
        _ => {}
    }
    if ssl_on == Some(true) {
        for f in &facts.ssl_files {
            let required = f.setting == "ssl_cert_file" || f.setting == "ssl_key_file";
            let problem = match &f.state {
                FileState::Missing => Some("does not exist".to_string()),
                FileState::Unreadable(e) => Some(format!("cannot be read: {e}")),
                FileState::Unusable(e) => Some(format!("cannot be loaded: {e}")),
                _ => None,
            };
            if let Some(p) = problem {
                let sev = if required {
                    Severity::Critical
                } else {
                    Severity::High
                };
                let setting = facts.setting(&f.setting);
                let mut finding =
                    Finding::new(&SSL_FILES_MISSING, format!("{} {} {p}", f.setting, f.path))
                        .severity(sev)
                        .at_opt(setting.and_then(|s| s.location.clone()));
                if let Some(s) = setting {
                    finding = finding.evidence(evidence(s));
                }
                out.push(finding.evidence(format!("{}: {p}", f.path)));
            }
        }
    }
    if ssl_on != Some(false) {
        if let Some((floor, explicit)) = facts.effective_min_tls() {
            let setting = facts.setting("ssl_min_protocol_version");
            if floor < TlsVersion::Tls12 {
                let mut f = Finding::new(
                    &TLS_FLOOR_LOW,
                    format!(
                        "TLS floor is {floor}{}",
                        if explicit {
                            ""
                        } else {
                            " (compiled default of PostgreSQL 12)"
                        }
                    ),
                )
                .at_opt(setting.and_then(|s| s.location.clone()));
                f = match setting {
                    Some(s) if explicit => f.evidence(evidence(s)),
                    _ => f.evidence(
                        "ssl_min_protocol_version not set; PostgreSQL 12 defaults to TLSv1",
                    ),
                };
                out.push(f);
            } else if !explicit {
                out.push(
                    Finding::new(
                        &TLS_FLOOR_IMPLICIT,
                        format!("TLS floor is {floor} only by default"),
                    )
                    .evidence(format!(
                        "ssl_min_protocol_version not set in any configuration file; the default of PostgreSQL {} is {floor}",
                        facts.version_num.map(|v| v / 10000).unwrap_or(0)
                    )),
                );
            }
        }
    }
    if let Some(s) = facts.setting("log_connections") {
        let off = match pgtls_conf::parse_bool(&s.value) {
            Some(b) => !b,
            None => s.value.trim().is_empty(),
        };
        if off {
            out.push(
                Finding::new(&NO_CONNECTION_LOG, "log_connections is off")
                    .at_opt(s.location.clone())
                    .evidence(evidence(s)),
            );
        }
    }
    out
}
