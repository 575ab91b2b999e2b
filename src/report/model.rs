//! The audit report: the one structure both text and JSON are made from.
//! Its JSON form is the stable schema documented in docs/audit-json.md.

use pgtls_model::{Finding, Severity};
use serde::Serialize;

use crate::facts::{Encryption, ServerFacts, Session, SettingFact, VisibilityGap};
use crate::stats::SessionStats;

/// Bumped only when a field is renamed or removed; new fields do not bump it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub target: TargetInfo,
    pub server: ServerSection,
    /// Null offline.
    pub sessions: Option<SessionSection>,
    pub replication: Option<ReplicationSection>,
    pub own_session: Option<OwnSession>,
    pub visibility: Vec<VisibilityGap>,
    /// What `--probe` saw on the wire (null without --probe); its findings
    /// are merged into `findings`.
    pub probe: Option<pgtls_probe::TargetReport>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TargetInfo {
    /// `live` or `offline`.
    pub mode: &'static str,
    /// `user@host:port/db` (never a password), when live.
    pub connection: Option<String>,
    pub config_file: Option<String>,
    pub hba_file: Option<String>,
    pub data_directory: Option<String>,
    /// `file` or `view`: where the pg_hba rules came from.
    pub hba_source: Option<crate::facts::HbaSource>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerSection {
    pub version_num: Option<u32>,
    pub version: Option<String>,
    pub settings: Vec<SettingFact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionSection {
    #[serde(flatten)]
    pub stats: SessionStats,
    /// Client sessions on Unix sockets (not counted: encryption does not apply).
    pub unix_socket_sessions: u32,
    /// Sessions whose details the audit's role could not see (not counted).
    pub hidden_sessions: u32,
    /// Every counted session.
    pub list: Vec<Session>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplicationSection {
    pub total: u32,
    pub unencrypted: u32,
    pub list: Vec<Session>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OwnSession {
    pub unix_socket: bool,
    pub encryption: Option<Encryption>,
    pub tls_version: Option<String>,
    pub client_addr: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub info: u32,
    pub fail_on: Severity,
    /// True when a finding is at or above `fail_on` (exit status 1).
    pub failed: bool,
}

impl Summary {
    pub fn of(findings: &[Finding], fail_on: Severity) -> Summary {
        let n = |s| findings.iter().filter(|f| f.severity == s).count() as u32;
        Summary {
            critical: n(Severity::Critical),
            high: n(Severity::High),
            medium: n(Severity::Medium),
            low: n(Severity::Low),
            info: n(Severity::Info),
            fail_on,
            failed: findings.iter().any(|f| f.severity >= fail_on),
        }
    }
}

impl AuditReport {
    pub fn build(
        facts: &ServerFacts,
        target: TargetInfo,
        findings: Vec<Finding>,
        fail_on: Severity,
    ) -> AuditReport {
        let sessions = facts.sessions.as_ref().map(|sf| SessionSection {
            stats: SessionStats::of(&sf.clients),
            unix_socket_sessions: sf.unix_socket_sessions,
            hidden_sessions: sf.hidden_sessions,
            list: sf.clients.clone(),
        });
        let replication = facts.sessions.as_ref().map(|sf| ReplicationSection {
            total: sf.replication.len() as u32,
            unencrypted: sf
                .replication
                .iter()
                .filter(|s| s.encryption == Encryption::None)
                .count() as u32,
            list: sf.replication.clone(),
        });
        let own_session = facts.sessions.as_ref().map(|sf| OwnSession {
            unix_socket: sf.own_is_unix_socket,
            encryption: sf.own.as_ref().map(|s| s.encryption),
            tls_version: sf.own.as_ref().and_then(|s| s.tls_version.clone()),
            client_addr: sf.own.as_ref().map(|s| s.client_addr.to_string()),
        });
        let summary = Summary::of(&findings, fail_on);
        AuditReport {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo {
                name: "pgtls",
                version: env!("CARGO_PKG_VERSION"),
            },
            target,
            server: ServerSection {
                version_num: facts.version_num,
                version: facts.version.clone(),
                settings: facts.settings.clone(),
            },
            sessions,
            replication,
            own_session,
            visibility: facts.gaps.clone(),
            probe: None,
            findings,
            summary,
        }
    }
}
