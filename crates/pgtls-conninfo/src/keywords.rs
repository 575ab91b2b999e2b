//! libpq's connection keywords, per major version.
//!
//! The table was produced from `PQconndefaults()` of the libpq shipped with
//! every PostgreSQL major 12..18 (the `PQconninfoOptions` array of
//! `src/interfaces/libpq/fe-connect.c`), so the set of accepted keywords,
//! their environment variables and their compiled defaults match exactly.

/// Oldest libpq major this crate models.
pub const OLDEST_MAJOR: u32 = 12;
/// Newest libpq major this crate models; [`crate::parse`] uses it.
pub const LATEST_MAJOR: u32 = 18;

/// One libpq connection keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    pub name: &'static str,
    /// The environment variable libpq reads when the keyword is unset.
    pub envvar: Option<&'static str>,
    /// First and last major that accept the keyword.
    pub since: u32,
    pub until: u32,
    /// A value that must never be printed (libpq's dispchar `*`, plus the
    /// SCRAM key material of 18).
    pub secret: bool,
}

impl Keyword {
    pub fn exists_in(&self, major: u32) -> bool {
        (self.since..=self.until).contains(&major)
    }
}

const fn kw(
    name: &'static str,
    envvar: Option<&'static str>,
    since: u32,
    until: u32,
    secret: bool,
) -> Keyword {
    Keyword {
        name,
        envvar,
        since,
        until,
        secret,
    }
}

/// Every keyword of libpq 12..18, in `PQconninfoOptions` order.
pub const KEYWORDS: &[Keyword] = &[
    kw("authtype", Some("PGAUTHTYPE"), 12, 13, false),
    kw("service", Some("PGSERVICE"), 12, 18, false),
    kw("user", Some("PGUSER"), 12, 18, false),
    kw("password", Some("PGPASSWORD"), 12, 18, true),
    kw("passfile", Some("PGPASSFILE"), 12, 18, false),
    kw("channel_binding", Some("PGCHANNELBINDING"), 13, 18, false),
    kw("connect_timeout", Some("PGCONNECT_TIMEOUT"), 12, 18, false),
    kw("dbname", Some("PGDATABASE"), 12, 18, false),
    kw("host", Some("PGHOST"), 12, 18, false),
    kw("hostaddr", Some("PGHOSTADDR"), 12, 18, false),
    kw("port", Some("PGPORT"), 12, 18, false),
    kw("client_encoding", Some("PGCLIENTENCODING"), 12, 18, false),
    kw("tty", Some("PGTTY"), 12, 13, false),
    kw("options", Some("PGOPTIONS"), 12, 18, false),
    kw("application_name", Some("PGAPPNAME"), 12, 18, false),
    kw("fallback_application_name", None, 12, 18, false),
    kw("keepalives", None, 12, 18, false),
    kw("keepalives_idle", None, 12, 18, false),
    kw("keepalives_interval", None, 12, 18, false),
    kw("keepalives_count", None, 12, 18, false),
    kw("tcp_user_timeout", None, 12, 18, false),
    kw("sslmode", Some("PGSSLMODE"), 12, 18, false),
    kw("sslnegotiation", Some("PGSSLNEGOTIATION"), 17, 18, false),
    kw("sslcompression", Some("PGSSLCOMPRESSION"), 12, 18, false),
    kw("sslcert", Some("PGSSLCERT"), 12, 18, false),
    kw("sslkey", Some("PGSSLKEY"), 12, 18, false),
    kw("sslcertmode", Some("PGSSLCERTMODE"), 16, 18, false),
    kw("sslpassword", None, 13, 18, true),
    kw("sslrootcert", Some("PGSSLROOTCERT"), 12, 18, false),
    kw("sslcrl", Some("PGSSLCRL"), 12, 18, false),
    kw("sslcrldir", Some("PGSSLCRLDIR"), 14, 18, false),
    kw("sslsni", Some("PGSSLSNI"), 14, 18, false),
    kw("requirepeer", Some("PGREQUIREPEER"), 12, 18, false),
    kw("require_auth", Some("PGREQUIREAUTH"), 16, 18, false),
    kw(
        "min_protocol_version",
        Some("PGMINPROTOCOLVERSION"),
        18,
        18,
        false,
    ),
    kw(
        "max_protocol_version",
        Some("PGMAXPROTOCOLVERSION"),
        18,
        18,
        false,
    ),
    kw(
        "ssl_min_protocol_version",
        Some("PGSSLMINPROTOCOLVERSION"),
        13,
        18,
        false,
    ),
    kw(
        "ssl_max_protocol_version",
        Some("PGSSLMAXPROTOCOLVERSION"),
        13,
        18,
        false,
    ),
    kw("gssencmode", Some("PGGSSENCMODE"), 12, 18, false),
    kw("krbsrvname", Some("PGKRBSRVNAME"), 12, 18, false),
    kw("gsslib", Some("PGGSSLIB"), 12, 18, false),
    kw("gssdelegation", Some("PGGSSDELEGATION"), 16, 18, false),
    kw("replication", None, 12, 18, false),
    kw(
        "target_session_attrs",
        Some("PGTARGETSESSIONATTRS"),
        12,
        18,
        false,
    ),
    kw(
        "load_balance_hosts",
        Some("PGLOADBALANCEHOSTS"),
        16,
        18,
        false,
    ),
    kw("scram_client_key", None, 18, 18, true),
    kw("scram_server_key", None, 18, 18, true),
    kw("oauth_issuer", None, 18, 18, false),
    kw("oauth_client_id", None, 18, 18, false),
    kw("oauth_client_secret", None, 18, 18, true),
    kw("oauth_scope", None, 18, 18, false),
    kw("sslkeylogfile", None, 18, 18, false),
];

/// The keyword named `name` if libpq `major` accepts it (exact, case-sensitive).
pub fn lookup(name: &str, major: u32) -> Option<&'static Keyword> {
    KEYWORDS
        .iter()
        .find(|k| k.name == name && k.exists_in(major))
}

/// Whether `name` is a secret keyword in any version.
pub fn is_secret(name: &str) -> bool {
    KEYWORDS.iter().any(|k| k.name == name && k.secret)
}

/// libpq's compiled default for `name` in `major` (a build with SSL; with
/// GSSAPI when `gssapi` is true, as Debian's and most distributions' are).
/// `None` = libpq leaves the keyword unset.
pub fn compiled_default(name: &str, major: u32, gssapi: bool) -> Option<&'static str> {
    let v = match name {
        "authtype" | "tty" if major <= 13 => "",
        "channel_binding" if major >= 13 => "prefer",
        "port" => "5432",
        "options" => "",
        "sslmode" => "prefer",
        "sslnegotiation" if major >= 17 => "postgres",
        "sslcompression" => "0",
        "sslsni" if major >= 14 => "1",
        "ssl_min_protocol_version" if major >= 13 => "TLSv1.2",
        "gssencmode" => {
            if gssapi {
                "prefer"
            } else {
                "disable"
            }
        }
        "krbsrvname" => "postgres",
        "gssdelegation" if major >= 16 => "0",
        "target_session_attrs" => "any",
        "load_balance_hosts" if major >= 16 => "disable",
        _ => return None,
    };
    Some(v)
}

/// Clamp a major version into the modelled range.
pub fn clamp_major(major: u32) -> u32 {
    major.clamp(OLDEST_MAJOR, LATEST_MAJOR)
}
