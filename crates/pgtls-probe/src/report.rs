//! The facts one probe gathers about one target (plain data, serde).
//! JSON field names are stable: add fields, never rename them.

use std::collections::BTreeMap;

use pgtls_model::{Finding, TlsVersion};
use serde::Serialize;

use crate::cert::CertificateFacts;
use crate::suites::CipherFact;
use crate::wire::AuthRequest;

/// Everything learned about one target.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TargetReport {
    /// The target as given (passwords removed).
    pub target: String,
    /// Position in the `--targets` file (1-based line or record), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub host: String,
    pub port: u16,
    /// The socket address actually probed (names resolved once).
    pub address: Option<String>,
    /// 'S' or 'N', or null when the exchange failed.
    pub ssl_request: Option<String>,
    /// 'G', 'N', 'E' (an ErrorResponse: server before 12) or "closed"
    /// (hung up, as some poolers do), or null when not asked.
    pub gssenc_request: Option<String>,
    pub plaintext: PlaintextFacts,
    /// PostgreSQL 17+ direct TLS with ALPN "postgresql": true/false, or
    /// null when not tested or the exchange broke.
    pub direct_tls: Option<bool>,
    /// What the direct TLS attempt saw.
    pub direct_tls_detail: Option<String>,
    pub tls: TlsFacts,
    pub certificate: Option<CertificateFacts>,
    pub findings: Vec<Finding>,
    /// Null when every step finished; otherwise the first step failure.
    pub error: Option<String>,
    /// Every step that could not finish (timeouts, broken exchanges).
    pub step_errors: Vec<StepFailure>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFailure {
    pub step: String,
    pub message: String,
}

/// Plaintext (no SSLRequest) acceptance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlaintextFacts {
    /// true: some user/database pair got an authentication request over
    /// plaintext; false: every pair was refused by pg_hba.conf; null: unknown.
    pub accepted: Option<bool>,
    /// One line for people.
    pub message: String,
    pub attempts: Vec<PlaintextAttempt>,
}

/// One plaintext StartupMessage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaintextAttempt {
    pub user: String,
    pub database: String,
    pub accepted: Option<bool>,
    /// The authentication request received (then the connection was
    /// closed without sending anything further).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqlstate: Option<String>,
    /// The server's message verbatim, or what happened.
    pub message: String,
}

/// TLS facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TlsFacts {
    /// Versions the server accepted, lowest first.
    pub versions: Vec<TlsVersion>,
    /// What each version probe saw (accepted, or the alert received).
    pub version_answers: BTreeMap<String, String>,
    /// Accepted suites per version (OpenSSL names, IANA names, weakness).
    pub ciphers: BTreeMap<String, Vec<CipherFact>>,
    /// Whether suite enumeration ran to its end for each version.
    pub ciphers_complete: bool,
    /// TLS 1.3 key-exchange groups accepted (empty when not probed).
    pub groups: Vec<String>,
    /// TLS 1.2 ECDHE curve or DHE prime size seen in ServerKeyExchange.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls12_key_exchange: Option<String>,
    /// The session a modern client (rustls) negotiates after SSLRequest.
    pub negotiated: Option<Negotiated>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Negotiated {
    pub version: String,
    pub cipher: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl TargetReport {
    /// The worst severity among the findings.
    pub fn worst(&self) -> Option<pgtls_model::Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}
