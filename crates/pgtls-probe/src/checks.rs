//! Judgement over probe facts: PGT501..PGT519. Each check is documented
//! once in its `CheckDoc`; `evaluate` never opens a socket.

use pgtls_model::{CheckDoc, Finding, FixSafety, Severity, TlsVersion};

use crate::report::TargetReport;
use crate::suites::{Suite, Weakness};
use crate::wire::AuthRequest;

pub const PLAINTEXT_ACCEPTED: CheckDoc = CheckDoc {
    code: "PGT501",
    name: "plaintext-login-accepted",
    severity: Severity::High,
    summary: "The server starts authentication for a client that did not ask for encryption",
    why: "A StartupMessage sent without SSLRequest got an authentication request, so pg_hba.conf has a `host` (or `hostnossl`) line that lets this user and database in without TLS: the session, its queries and results cross the network in clear text, and any client with sslmode=disable/allow/prefer can end up there. Raised to critical when the server asks for a cleartext password (the password itself is exposed) or asks for nothing at all (trust).",
    example: "pg_hba.conf: `host all all 0.0.0.0/0 scram-sha-256`; `pgtls probe db:5432` gets AuthenticationSASL over plaintext.",
    fix: "Replace `host` lines by `hostssl` (and add `hostnossl all all 0.0.0.0/0 reject` before them), reload, and probe again.",
    fix_safety: FixSafety::Unsafe,
};

pub const SSL_NOT_OFFERED: CheckDoc = CheckDoc {
    code: "PGT502",
    name: "ssl-not-offered",
    severity: Severity::High,
    summary: "The server answers SSLRequest with 'N': TLS is off",
    why: "With `ssl = off` (or a build without SSL) no client can encrypt its session; sslmode=require fails and every other mode silently runs in plaintext.",
    example: "postgresql.conf: `ssl = off`.",
    fix: "Set `ssl = on` with `ssl_cert_file`/`ssl_key_file`, reload, and probe again.",
    fix_safety: FixSafety::None,
};

pub const LEGACY_TLS: CheckDoc = CheckDoc {
    code: "PGT503",
    name: "legacy-tls-accepted",
    severity: Severity::High,
    summary: "The server accepts TLS 1.0 or TLS 1.1",
    why: "TLS 1.0 and 1.1 are deprecated (RFC 8996) and not allowed by PCI DSS; a client or attacker can negotiate them down to CBC-mode suites with SHA-1. PostgreSQL 12 allows TLS 1.0 by default (`ssl_min_protocol_version` defaults to TLSv1 before 13). Medium when only 1.1 is accepted.",
    example: "postgresql.conf: `ssl_min_protocol_version = 'TLSv1'` with `ssl_ciphers = 'DEFAULT:@SECLEVEL=0'`.",
    fix: "Set `ssl_min_protocol_version = 'TLSv1.2'` (the default from PostgreSQL 13), reload.",
    fix_safety: FixSafety::Unsafe,
};

pub const NO_TLS13: CheckDoc = CheckDoc {
    code: "PGT504",
    name: "tls13-not-accepted",
    severity: Severity::Low,
    summary: "The server does not accept TLS 1.3",
    why: "TLS 1.3 removes every non-forward-secret and CBC construction; without it clients fall back to TLS 1.2 suite negotiation, whose safety depends on `ssl_ciphers`.",
    example: "`ssl_max_protocol_version = 'TLSv1.2'`, or a server built with OpenSSL 1.0.2.",
    fix: "Clear `ssl_max_protocol_version` (or set it to TLSv1.3) and use an OpenSSL 1.1.1+ build.",
    fix_safety: FixSafety::None,
};

pub const WEAK_CIPHERS: CheckDoc = CheckDoc {
    code: "PGT505",
    name: "weak-cipher-suites",
    severity: Severity::Medium,
    summary: "The server accepts weak TLS cipher suites",
    why: "NULL, anonymous, RC4 and single-DES suites give no real protection (high); 3DES (SWEET32) and RSA key transport without forward secrecy are weak (medium); CBC suites with SHA-1 MACs are legacy (low). Any accepted suite is one a client or attacker can select.",
    example: "`ssl_ciphers = 'ALL'` or `'DEFAULT:@SECLEVEL=0'`.",
    fix: "Set `ssl_ciphers = 'HIGH:!aNULL:!kRSA:!SHA1:!3DES'` (or an explicit ECDHE+AEAD list), reload.",
    fix_safety: FixSafety::Unsafe,
};

pub const CERT_EXPIRED: CheckDoc = CheckDoc {
    code: "PGT506",
    name: "certificate-expired",
    severity: Severity::Critical,
    summary: "The server certificate is expired or not yet valid",
    why: "Clients with sslmode=verify-ca/verify-full refuse the connection; clients that do not verify keep connecting, which trains everyone to turn verification off.",
    example: "A certificate whose notAfter is in the past.",
    fix: "Install a renewed certificate (`ssl_cert_file`) and reload (`SELECT pg_reload_conf()`).",
    fix_safety: FixSafety::None,
};

pub const CERT_EXPIRING: CheckDoc = CheckDoc {
    code: "PGT507",
    name: "certificate-expiring-soon",
    severity: Severity::Medium,
    summary: "The server certificate expires within 30 days",
    why: "Once it expires, verifying clients cannot connect. High within 7 days.",
    example: "notAfter 12 days from now.",
    fix: "Renew the certificate, replace `ssl_cert_file`, and reload.",
    fix_safety: FixSafety::None,
};

pub const CERT_SELF_SIGNED: CheckDoc = CheckDoc {
    code: "PGT508",
    name: "certificate-self-signed",
    severity: Severity::Medium,
    summary: "The server certificate is self-signed",
    why: "No CA vouches for it: clients can only verify it by pinning this exact certificate as their root, and in practice use sslmode=require, which an active attacker defeats.",
    example: "`openssl req -x509 ... -out server.crt` used directly as `ssl_cert_file`.",
    fix: "Issue the server certificate from an internal CA and distribute the CA certificate to clients (`sslrootcert`).",
    fix_safety: FixSafety::None,
};

pub const CERT_NAME_MISMATCH: CheckDoc = CheckDoc {
    code: "PGT509",
    name: "certificate-name-mismatch",
    severity: Severity::High,
    summary: "The certificate does not match the name clients use (verify-full would fail)",
    why: "libpq's sslmode=verify-full compares the host name with the certificate's SANs (CN only without SANs of that type); a mismatch forces clients down to verify-ca or require, which do not stop an attacker holding any certificate from the same CA.",
    example: "Certificate for `db1.internal`, clients connect to `10.0.0.5` (no IP SAN).",
    fix: "Reissue the certificate with a subjectAltName for every name and IP address clients use.",
    fix_safety: FixSafety::None,
};

pub const CHAIN_UNVERIFIED: CheckDoc = CheckDoc {
    code: "PGT510",
    name: "certificate-chain-unverified",
    severity: Severity::Medium,
    summary: "The certificate chain does not verify against the trust anchors (verify-ca would fail)",
    why: "Clients using these trust anchors (`--ca FILE`, or the system roots) cannot use sslmode=verify-ca or verify-full, so they cannot detect an impostor server.",
    example: "Server certificate from a private CA probed without `--ca`.",
    fix: "Probe with `--ca` set to the CA clients use; if it still fails, send the intermediate certificates in `ssl_cert_file` or reissue from the right CA.",
    fix_safety: FixSafety::None,
};

pub const WEAK_KEY: CheckDoc = CheckDoc {
    code: "PGT511",
    name: "weak-certificate-key",
    severity: Severity::High,
    summary: "The certificate key is too small (RSA below 2048 bits, EC below 256, or DSA)",
    why: "Small keys can be factored or broken offline; an attacker holding the key impersonates the server and decrypts sessions without forward secrecy.",
    example: "An RSA 1024 server key.",
    fix: "Generate a new key (ECDSA P-256 or RSA 3072) and reissue the certificate.",
    fix_safety: FixSafety::None,
};

pub const WEAK_SIGNATURE: CheckDoc = CheckDoc {
    code: "PGT512",
    name: "weak-certificate-signature",
    severity: Severity::High,
    summary: "The certificate is signed with MD5 or SHA-1",
    why: "Collisions against MD5 and SHA-1 allow forged certificates; modern clients (OpenSSL 3 at its default security level) refuse them.",
    example: "signature algorithm sha1WithRSAEncryption.",
    fix: "Reissue the certificate with a SHA-256 (or stronger) signature.",
    fix_safety: FixSafety::None,
};

pub const NO_DIRECT_TLS: CheckDoc = CheckDoc {
    code: "PGT513",
    name: "direct-tls-unavailable",
    severity: Severity::Info,
    summary: "The server does not accept PostgreSQL 17 direct TLS (ALPN \"postgresql\")",
    why: "Direct TLS (`sslnegotiation=direct`) saves a round trip and lets TLS-terminating proxies route PostgreSQL by ALPN; servers before 17, or with ssl off, do not offer it. Informational.",
    example: "A PostgreSQL 16 server.",
    fix: "Upgrade to PostgreSQL 17 or later with `ssl = on` if clients or proxies need direct TLS.",
    fix_safety: FixSafety::None,
};

pub const WEAK_DH: CheckDoc = CheckDoc {
    code: "PGT514",
    name: "weak-dh-parameters",
    severity: Severity::Medium,
    summary: "DHE suites use a prime below 2048 bits",
    why: "Finite-field Diffie-Hellman with 1024-bit or smaller primes is within reach of precomputation attacks (Logjam).",
    example: "`ssl_dh_params_file` holding 1024-bit parameters.",
    fix: "Generate 2048-bit or larger parameters (`openssl dhparam 3072`) or remove DHE suites from `ssl_ciphers`.",
    fix_safety: FixSafety::None,
};

pub const TLS_BROKEN: CheckDoc = CheckDoc {
    code: "PGT515",
    name: "tls-handshake-fails",
    severity: Severity::High,
    summary: "The server answers 'S' to SSLRequest but completes no TLS handshake",
    why: "Clients that require TLS cannot connect at all, and those with sslmode=prefer fall back to plaintext.",
    example: "`ssl_ciphers` matching no suite usable with the certificate's key.",
    fix: "Check the server log for `could not accept SSL connection`, fix the certificate, key or `ssl_ciphers`, reload.",
    fix_safety: FixSafety::None,
};

pub const PROBE_INCOMPLETE: CheckDoc = CheckDoc {
    code: "PGT516",
    name: "probe-incomplete",
    severity: Severity::Low,
    summary: "Some probe steps did not finish, so some facts are unknown",
    why: "A timeout or broken exchange means the report cannot vouch for what that step checks; absence of a finding there proves nothing.",
    example: "A server that stops answering after the ServerHello.",
    fix: "Probe again with larger `--step-timeout`; check for firewalls, poolers or proxies in the path.",
    fix_safety: FixSafety::None,
};

pub const UNREACHABLE: CheckDoc = CheckDoc {
    code: "PGT517",
    name: "target-not-probed",
    severity: Severity::Medium,
    summary: "The target could not be probed at all (unreachable, or not a PostgreSQL server)",
    why: "Nothing is known about its encryption; an inventory entry that cannot be checked is an audit gap.",
    example: "Connection refused, or a server that answers SSLRequest with garbage.",
    fix: "Check the address, port and firewall, then probe again.",
    fix_safety: FixSafety::None,
};

/// Every check of this crate, in code order.
pub const DOCS: &[CheckDoc] = &[
    PLAINTEXT_ACCEPTED,
    SSL_NOT_OFFERED,
    LEGACY_TLS,
    NO_TLS13,
    WEAK_CIPHERS,
    CERT_EXPIRED,
    CERT_EXPIRING,
    CERT_SELF_SIGNED,
    CERT_NAME_MISMATCH,
    CHAIN_UNVERIFIED,
    WEAK_KEY,
    WEAK_SIGNATURE,
    NO_DIRECT_TLS,
    WEAK_DH,
    TLS_BROKEN,
    PROBE_INCOMPLETE,
    UNREACHABLE,
];

fn at(r: &TargetReport) -> String {
    format!(
        "target {} ({})",
        r.target,
        r.address.as_deref().unwrap_or("unresolved")
    )
}

/// Findings from the facts of one target, worst first.
pub fn evaluate(r: &TargetReport) -> Vec<Finding> {
    let mut out = Vec::new();
    if r.ssl_request.is_none() {
        if let Some(e) = &r.error {
            out.push(
                Finding::new(&UNREACHABLE, format!("{} could not be probed", r.target))
                    .evidence(at(r))
                    .evidence(e.clone()),
            );
            return out;
        }
    }
    // PGT501
    for a in r
        .plaintext
        .attempts
        .iter()
        .filter(|a| a.accepted == Some(true))
    {
        let sev = match &a.auth {
            Some(AuthRequest::Ok) | Some(AuthRequest::CleartextPassword) => Severity::Critical,
            _ => PLAINTEXT_ACCEPTED.severity,
        };
        out.push(
            Finding::new(
                &PLAINTEXT_ACCEPTED,
                format!(
                    "plaintext login accepted for user \"{}\", database \"{}\"",
                    a.user, a.database
                ),
            )
            .severity(sev)
            .evidence(at(r))
            .evidence(format!(
                "StartupMessage without SSLRequest (user={}, database={}) -> {}",
                a.user, a.database, a.message
            )),
        );
    }
    // PGT502
    if r.ssl_request.as_deref() == Some("N") {
        out.push(
            Finding::new(&SSL_NOT_OFFERED, "the server does not offer TLS")
                .evidence(at(r))
                .evidence("SSLRequest -> 'N'"),
        );
    }
    let v = &r.tls.versions;
    // PGT503
    let legacy: Vec<&str> = v
        .iter()
        .filter(|x| **x < TlsVersion::Tls12)
        .map(|x| x.as_pg_str())
        .collect();
    if !legacy.is_empty() {
        let sev = if v.contains(&TlsVersion::Tls10) {
            Severity::High
        } else {
            Severity::Medium
        };
        let mut f = Finding::new(
            &LEGACY_TLS,
            format!("legacy TLS accepted: {}", legacy.join(", ")),
        )
        .severity(sev)
        .evidence(at(r));
        for l in &legacy {
            if let Some(a) = r.tls.version_answers.get(*l) {
                f = f.evidence(format!("{l} ClientHello -> {a}"));
            }
        }
        out.push(f);
    }
    // PGT504
    if !v.is_empty() && !v.contains(&TlsVersion::Tls13) {
        let mut f = Finding::new(&NO_TLS13, "TLS 1.3 is not accepted").evidence(at(r));
        if let Some(a) = r.tls.version_answers.get("TLSv1.3") {
            f = f.evidence(format!("TLSv1.3 ClientHello -> {a}"));
        }
        out.push(f);
    }
    // PGT505
    let mut weak: Vec<(Weakness, String)> = Vec::new();
    for (ver, list) in &r.tls.ciphers {
        for c in list {
            let w = u16::from_str_radix(c.id.trim_start_matches("0x"), 16)
                .ok()
                .and_then(Suite::by_id)
                .and_then(|s| s.weakness());
            if let Some(w) = w {
                weak.push((w, format!("{ver} {} ({})", c.name, w.text())));
            }
        }
    }
    if !weak.is_empty() {
        let sev = if weak.iter().any(|(w, _)| matches!(w, Weakness::Broken(_))) {
            Severity::High
        } else if weak.iter().any(|(w, _)| matches!(w, Weakness::Weak(_))) {
            Severity::Medium
        } else {
            Severity::Low
        };
        let mut f = Finding::new(
            &WEAK_CIPHERS,
            format!("{} weak cipher suite(s) accepted", weak.len()),
        )
        .severity(sev)
        .evidence(at(r));
        for (_, e) in weak {
            f = f.evidence(e);
        }
        out.push(f);
    }
    // PGT514
    if let Some(kx) = &r.tls.tls12_key_exchange {
        if let Some(bits) = kx
            .strip_prefix("DHE ")
            .and_then(|s| s.strip_suffix(" bits"))
            .and_then(|b| b.parse::<u32>().ok())
        {
            if bits < 2048 {
                out.push(
                    Finding::new(&WEAK_DH, format!("DHE prime of {bits} bits"))
                        .evidence(at(r))
                        .evidence(format!("TLSv1.2 ServerKeyExchange: {kx}")),
                );
            }
        }
    }
    // PGT515
    if r.ssl_request.as_deref() == Some("S")
        && v.is_empty()
        && r.tls.negotiated.is_none()
        && r.tls.version_answers.len() >= TlsVersion::ALL.len()
    {
        let mut f = Finding::new(
            &TLS_BROKEN,
            "SSLRequest accepted but no TLS version negotiates",
        )
        .evidence(at(r))
        .evidence("SSLRequest -> 'S'");
        for (k, a) in &r.tls.version_answers {
            f = f.evidence(format!("{k}: {a}"));
        }
        out.push(f);
    }
    // PGT513
    if r.ssl_request.as_deref() == Some("S") && r.direct_tls == Some(false) {
        out.push(
            Finding::new(
                &NO_DIRECT_TLS,
                "direct TLS (sslnegotiation=direct) not available",
            )
            .evidence(at(r))
            .evidence(format!(
                "TLS ClientHello with ALPN \"postgresql\" as first bytes -> {}",
                r.direct_tls_detail.as_deref().unwrap_or("refused")
            )),
        );
    }
    if let Some(c) = &r.certificate {
        let cev = format!("certificate subject {} issuer {}", c.subject, c.issuer);
        if c.expired || c.not_yet_valid {
            out.push(
                Finding::new(
                    &CERT_EXPIRED,
                    if c.expired {
                        format!("certificate expired {} day(s) ago", -c.days_to_expiry)
                    } else {
                        "certificate not yet valid".to_string()
                    },
                )
                .evidence(at(r))
                .evidence(cev.clone())
                .evidence(format!(
                    "notBefore {} notAfter {}",
                    c.not_before, c.not_after
                )),
            );
        } else if c.days_to_expiry < 30 {
            let sev = if c.days_to_expiry < 7 {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(
                Finding::new(
                    &CERT_EXPIRING,
                    format!("certificate expires in {} day(s)", c.days_to_expiry),
                )
                .severity(sev)
                .evidence(at(r))
                .evidence(cev.clone())
                .evidence(format!("notAfter {}", c.not_after)),
            );
        }
        if c.self_signed {
            out.push(
                Finding::new(&CERT_SELF_SIGNED, "certificate is self-signed")
                    .evidence(at(r))
                    .evidence(cev.clone()),
            );
        }
        if !c.name_matches {
            out.push(
                Finding::new(
                    &CERT_NAME_MISMATCH,
                    format!("verify-full would fail for host \"{}\"", c.checked_name),
                )
                .evidence(at(r))
                .evidence(c.name_mismatch.clone().unwrap_or_default())
                .evidence(format!(
                    "subjectAltName: {}",
                    if c.san.is_empty() {
                        "none".to_string()
                    } else {
                        c.san.join(", ")
                    }
                )),
            );
        }
        if c.chain_verified == Some(false) {
            out.push(
                Finding::new(
                    &CHAIN_UNVERIFIED,
                    format!(
                        "certificate chain does not verify against {}",
                        c.trust_anchors
                    ),
                )
                .evidence(at(r))
                .evidence(cev.clone())
                .evidence(c.chain_error.clone().unwrap_or_default()),
            );
        }
        let weak_key = match (c.key_type.as_str(), c.key_bits) {
            ("RSA", Some(b)) => b < 2048,
            ("EC", Some(b)) => b < 256,
            ("DSA", _) => true,
            _ => false,
        };
        if weak_key {
            out.push(
                Finding::new(
                    &WEAK_KEY,
                    format!("{} key of {} bits", c.key_type, c.key_bits.unwrap_or(0)),
                )
                .evidence(at(r))
                .evidence(cev.clone()),
            );
        }
        let sig = c.signature_algorithm.to_ascii_lowercase();
        if sig.contains("md5") || sig.contains("sha1") || sig.contains("sha-1") {
            out.push(
                Finding::new(
                    &WEAK_SIGNATURE,
                    format!("certificate signed with {}", c.signature_algorithm),
                )
                .evidence(at(r))
                .evidence(cev),
            );
        }
    }
    // PGT516
    if !r.step_errors.is_empty() {
        let mut f = Finding::new(
            &PROBE_INCOMPLETE,
            format!("{} probe step(s) did not finish", r.step_errors.len()),
        )
        .evidence(at(r));
        for s in &r.step_errors {
            f = f.evidence(format!("{}: {}", s.step, s.message));
        }
        out.push(f);
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(&b.code))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::PlaintextAttempt;

    #[test]
    fn codes_are_unique_in_range_and_documented() {
        let mut codes: Vec<&str> = DOCS.iter().map(|d| d.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), DOCS.len());
        for d in DOCS {
            let n: u32 = d.code[3..].parse().unwrap();
            assert!((501..=519).contains(&n), "{}", d.code);
            assert!(!d.why.is_empty() && !d.fix.is_empty() && !d.example.is_empty());
        }
    }

    fn base() -> TargetReport {
        TargetReport {
            target: "db:5432".into(),
            address: Some("127.0.0.1:5432".into()),
            ssl_request: Some("S".into()),
            ..TargetReport::default()
        }
    }

    #[test]
    fn trust_over_plaintext_is_critical_and_scram_is_high() {
        let mut r = base();
        for (user, auth) in [
            ("a", AuthRequest::Ok),
            ("b", AuthRequest::Sasl(vec!["SCRAM-SHA-256".into()])),
        ] {
            r.plaintext.attempts.push(PlaintextAttempt {
                user: user.into(),
                database: "d".into(),
                accepted: Some(true),
                message: auth.describe(),
                auth: Some(auth),
                sqlstate: None,
            });
        }
        let f = evaluate(&r);
        let p: Vec<_> = f.iter().filter(|f| f.code == "PGT501").collect();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].severity, Severity::Critical);
        assert!(p[0].title.contains("\"a\""));
        assert_eq!(p[1].severity, Severity::High);
    }

    #[test]
    fn tls10_is_high_tls11_only_is_medium_and_missing_13_is_low() {
        let mut r = base();
        r.tls.versions = vec![TlsVersion::Tls11, TlsVersion::Tls12];
        let f = evaluate(&r);
        let l = f.iter().find(|f| f.code == "PGT503").unwrap();
        assert_eq!(l.severity, Severity::Medium);
        assert!(f.iter().any(|f| f.code == "PGT504"));
        r.tls.versions.insert(0, TlsVersion::Tls10);
        let f = evaluate(&r);
        assert_eq!(
            f.iter().find(|f| f.code == "PGT503").unwrap().severity,
            Severity::High
        );
    }

    #[test]
    fn unreachable_target_gets_only_the_not_probed_finding() {
        let r = TargetReport {
            target: "x".into(),
            error: Some("could not connect".into()),
            ..TargetReport::default()
        };
        let f = evaluate(&r);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "PGT517");
    }
}
