//! Plain typed facts about one server, gathered by the collectors (`live`,
//! `offline`) and judged by `checks`. No I/O here.

use std::net::IpAddr;

use pgtls_model::{Location, TlsVersion};
use serde::Serialize;

/// Everything the audit knows about one server.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerFacts {
    /// `server_version_num`, e.g. 150018; `None` offline without PG_VERSION.
    pub version_num: Option<u32>,
    /// `server_version` text, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    pub version: Option<String>,
    pub settings: Vec<SettingFact>,
    /// Live sessions; `None` offline.
    pub sessions: Option<SessionFacts>,
    /// The configuration files as read, when they were readable.
    pub files: FileFacts,
    /// The certificate and key files `ssl` needs, as found on disk.
    pub ssl_files: Vec<SslFileFact>,
    /// What the audit could not see, and how to let it.
    pub gaps: Vec<VisibilityGap>,
    /// Settings whose value is unknown (not the default): the audit's role
    /// may not read them, or no configuration file was given.
    pub hidden_settings: Vec<String>,
    /// The pg_hba rules (parsed from the file, or from pg_hba_file_rules).
    #[serde(skip)]
    pub hba: Option<pgtls_hba::HbaFile>,
    /// Role memberships (member, role), direct and indirect, when live.
    #[serde(skip)]
    pub memberships: Vec<(String, String)>,
}

impl ServerFacts {
    pub fn setting(&self, name: &str) -> Option<&SettingFact> {
        self.settings
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// PostgreSQL's boolean reading of a setting (`on`, `true`, `1`, ...).
    pub fn setting_bool(&self, name: &str) -> Option<bool> {
        self.setting(name)
            .and_then(|s| pgtls_conf::parse_bool(&s.value))
    }

    /// The server's `port` setting, when read.
    pub fn port(&self) -> Option<u16> {
        self.setting("port").and_then(|p| p.value.parse().ok())
    }

    pub fn ssl_on(&self) -> Option<bool> {
        self.setting_bool("ssl")
    }

    /// The effective `ssl_min_protocol_version`: the setting, else the
    /// compiled default of the server's major.
    pub fn effective_min_tls(&self) -> Option<(TlsVersion, bool)> {
        if self
            .hidden_settings
            .iter()
            .any(|h| h == "ssl_min_protocol_version")
        {
            return None;
        }
        match self.setting("ssl_min_protocol_version") {
            Some(s) if !s.is_default() => s.value.parse().ok().map(|v| (v, true)),
            _ => self
                .version_num
                .map(|v| (TlsVersion::server_default_min(v), false)),
        }
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    /// The compiled-in default (not in any file).
    Default,
    /// A configuration file (postgresql.conf, an include, postgresql.auto.conf).
    ConfigFile,
    /// Anything else pg_settings reports (command line, environment, ...).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingFact {
    pub name: String,
    pub value: String,
    pub source: SettingSource,
    /// pg_settings.source text as the server gave it, when live.
    pub source_detail: Option<String>,
    /// File and line that set the value, when visible.
    pub location: Option<Location>,
    /// The raw source line, when the file was read.
    pub raw: Option<String>,
}

impl SettingFact {
    pub fn is_default(&self) -> bool {
        self.source == SettingSource::Default
    }
}

/// How a session's traffic is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encryption {
    None,
    Ssl,
    Gss,
}

/// Whether a session is an ordinary client or a replication connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    ClientBackend,
    Walsender,
}

/// One TCP session from pg_stat_activity joined with pg_stat_ssl and
/// pg_stat_gssapi.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub pid: i32,
    pub kind: SessionKind,
    pub user: Option<String>,
    pub database: Option<String>,
    pub application_name: Option<String>,
    pub client_addr: IpAddr,
    pub client_port: Option<i32>,
    pub encryption: Encryption,
    /// TLS protocol version, when encrypted with SSL.
    pub tls_version: Option<String>,
    pub cipher: Option<String>,
    /// The session started before the last configuration reload
    /// (`backend_start < pg_conf_load_time()`): the rules in force now did
    /// not admit it.
    pub before_last_reload: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SessionFacts {
    /// TCP client backends other than the audit's own.
    pub clients: Vec<Session>,
    /// TCP walsenders (physical and logical replication).
    pub replication: Vec<Session>,
    /// The audit's own session, when it is TCP.
    pub own: Option<Session>,
    /// Whether the audit's own connection uses a Unix socket.
    pub own_is_unix_socket: bool,
    /// Client backends on Unix sockets (encryption does not apply).
    pub unix_socket_sessions: u32,
    /// Sessions whose details the audit's role may not see.
    pub hidden_sessions: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FileFacts {
    pub config_file: Option<String>,
    pub hba_file: Option<String>,
    pub data_directory: Option<String>,
    /// Where the hba rules came from.
    pub hba_source: Option<HbaSource>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HbaSource {
    /// Parsed from the file itself (quoting and raw text kept).
    File,
    /// From the pg_hba_file_rules view (quoting lost).
    View,
}

/// Something the audit could not see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisibilityGap {
    pub what: String,
    pub why: String,
    /// The statement (or action) that would let the audit see it.
    pub remedy: String,
    /// True when what is hidden could hide findings (other roles'
    /// sessions): the audit then cannot pass.
    pub material: bool,
}

/// A file named by an `ssl_*_file` setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SslFileFact {
    /// `ssl_cert_file`, `ssl_key_file`, `ssl_ca_file` or `ssl_crl_file`.
    pub setting: String,
    /// The path as the server resolves it (relative to the data directory).
    pub path: String,
    pub state: FileState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum FileState {
    Readable,
    Missing,
    Unreadable(String),
    /// Readable, but not something the server can load (PostgreSQL reads
    /// certificates, keys, CAs and CRLs as PEM).
    Unusable(String),
    /// This host cannot see the server's files.
    Unknown,
}

impl std::fmt::Display for FileState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileState::Readable => f.write_str("readable"),
            FileState::Missing => f.write_str("does not exist"),
            FileState::Unreadable(e) => write!(f, "cannot be read: {e}"),
            FileState::Unusable(e) => write!(f, "cannot be loaded: {e}"),
            FileState::Unknown => f.write_str("cannot be checked from here"),
        }
    }
}

impl FileState {
    /// Inspect a path on this host.
    /// Inspect a path on this host: it must open, and hold a PEM block (an
    /// empty or DER file makes the server fail at its next start with "no
    /// start line").
    pub fn of_path(path: &std::path::Path) -> FileState {
        use std::io::Read;
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileState::Missing,
            Err(e) => return FileState::Unreadable(e.to_string()),
        };
        // certificates, chains and CRLs are small; a PEM header comes early
        let mut head = Vec::new();
        if let Err(e) = file.take(1 << 20).read_to_end(&mut head) {
            return FileState::Unreadable(e.to_string());
        }
        if head.is_empty() {
            FileState::Unusable("the file is empty".into())
        } else if !head.windows(11).any(|w| w == b"-----BEGIN ") {
            FileState::Unusable("no PEM block in it (\"-----BEGIN ...\")".into())
        } else {
            FileState::Readable
        }
    }
}
