//! The SQL the audit runs, per server version, and what it makes of the rows.

use std::net::IpAddr;
use std::path::Path;

use anyhow::{Context, Result};
use pgtls_model::Location;
use postgres::error::SqlState;
use postgres::Client;

use crate::facts::{
    Encryption, FileFacts, ServerFacts, Session, SessionFacts, SessionKind, SettingFact,
    SettingSource, VisibilityGap,
};

/// The settings that matter for encryption in transit.
pub const SETTINGS: &[&str] = &[
    "ssl",
    "ssl_cert_file",
    "ssl_key_file",
    "ssl_ca_file",
    "ssl_crl_file",
    "ssl_ciphers",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "password_encryption",
    "listen_addresses",
    "hba_file",
    "config_file",
    "data_directory",
    "log_connections",
    "port",
];

/// Settings only superusers and pg_read_all_settings members may read.
const SUPERUSER_ONLY: &[&str] = &[
    "ssl_ciphers",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "hba_file",
    "config_file",
    "data_directory",
];

/// What live collection gives: the facts, and the raw view rows.
#[derive(Debug, Clone)]
pub struct LiveFacts {
    pub facts: ServerFacts,
    pub hba_view: Option<HbaView>,
    pub current_user: String,
    pub is_superuser: bool,
}

#[derive(Debug, Clone)]
pub struct HbaView {
    pub rows: Vec<pgtls_hba::ViewRow>,
}

/// Read everything the audit needs from a connected server. Missing
/// privileges become [`VisibilityGap`]s, never errors.
pub fn collect(client: &mut Client) -> Result<LiveFacts> {
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int4, current_setting('server_version'), \
             current_user::text, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), \
             pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'), \
             pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')",
            &[],
        )
        .context("reading the server version")?;
    let version_num: i32 = row.get(0);
    let version_num = version_num as u32;
    let current_user: String = row.get(2);
    let is_superuser: bool = row.get::<_, Option<bool>>(3).unwrap_or(false);
    let read_all_stats: bool = row.get(4);
    let read_all_settings: bool = row.get(5);

    let mut facts = ServerFacts {
        version_num: Some(version_num),
        version: Some(row.get(1)),
        ..Default::default()
    };

    // Settings.
    let names: Vec<String> = SETTINGS.iter().map(|s| s.to_string()).collect();
    for r in client
        .query(
            "SELECT name, setting, source, sourcefile, sourceline FROM pg_settings WHERE name = ANY($1)",
            &[&names],
        )
        .context("reading pg_settings")?
    {
        let source: String = r.get(2);
        let file: Option<String> = r.get(3);
        let line: Option<i32> = r.get(4);
        facts.settings.push(SettingFact {
            name: r.get(0),
            value: r.get(1),
            source: match source.as_str() {
                "default" => SettingSource::Default,
                "configuration file" => SettingSource::ConfigFile,
                _ => SettingSource::Other,
            },
            source_detail: Some(source),
            location: file.zip(line).map(|(f, l)| Location::new(f, l as u32)),
            raw: None,
        });
    }
    let hidden: Vec<&str> = SUPERUSER_ONLY
        .iter()
        .copied()
        .filter(|n| facts.setting(n).is_none())
        .collect();
    if !hidden.is_empty() {
        facts.gaps.push(VisibilityGap {
            what: format!("settings {}", hidden.join(", ")),
            why: format!(
                "role {current_user} is neither superuser nor a member of pg_read_all_settings"
            ),
            remedy: format!(
                "GRANT pg_read_all_settings TO {};",
                quote_ident(&current_user)
            ),
            material: false,
        });
        facts.hidden_settings = hidden.iter().map(|h| h.to_string()).collect();
    }
    if !is_superuser && !read_all_settings {
        facts.gaps.push(VisibilityGap {
            what: "the file and line that set each setting (pg_settings.sourcefile, sourceline)"
                .into(),
            why: format!("role {current_user} lacks pg_read_all_settings"),
            remedy: format!(
                "GRANT pg_read_all_settings TO {};",
                quote_ident(&current_user)
            ),
            material: false,
        });
    }
    facts.files = FileFacts {
        config_file: facts.setting("config_file").map(|s| s.value.clone()),
        hba_file: facts.setting("hba_file").map(|s| s.value.clone()),
        data_directory: facts.setting("data_directory").map(|s| s.value.clone()),
        hba_source: None,
    };

    facts.sessions = Some(collect_sessions(
        client,
        &current_user,
        read_all_stats || is_superuser,
        &mut facts.gaps,
    )?);

    // Role memberships, direct and indirect (pg_auth_members is public).
    for r in client.query(
        "WITH RECURSIVE m(member, roleid) AS ( \
           SELECT member, roleid FROM pg_auth_members \
           UNION SELECT m.member, a.roleid FROM m JOIN pg_auth_members a ON a.member = m.roleid) \
         SELECT u.rolname::text, r.rolname::text FROM m \
           JOIN pg_roles u ON u.oid = m.member JOIN pg_roles r ON r.oid = m.roleid",
        &[],
    )? {
        facts.memberships.push((r.get(0), r.get(1)));
    }

    let hba_view = collect_hba_view(client, version_num, &current_user, &mut facts.gaps)?;
    Ok(LiveFacts {
        facts,
        hba_view,
        current_user,
        is_superuser,
    })
}

fn collect_sessions(
    client: &mut Client,
    current_user: &str,
    sees_all: bool,
    gaps: &mut Vec<VisibilityGap>,
) -> Result<SessionFacts> {
    let rows = client
        .query(
            "SELECT a.pid, a.backend_type, a.usename::text, a.datname::text, a.application_name, \
                    host(a.client_addr), a.client_port, s.ssl, s.version, s.cipher, g.encrypted, \
                    a.pid = pg_backend_pid(), a.datname IS NOT NULL AS has_db, \
                    coalesce(a.backend_start < pg_conf_load_time(), false) \
             FROM pg_stat_activity a \
             LEFT JOIN pg_stat_ssl s ON s.pid = a.pid \
             LEFT JOIN pg_stat_gssapi g ON g.pid = a.pid",
            &[],
        )
        .context("reading pg_stat_activity, pg_stat_ssl and pg_stat_gssapi")?;
    let mut out = SessionFacts::default();
    for r in rows {
        let backend_type: Option<String> = r.get(1);
        let own: bool = r.get(11);
        let addr: Option<String> = r.get(5);
        let port: Option<i32> = r.get(6);
        let kind = match backend_type.as_deref() {
            Some("client backend") => SessionKind::ClientBackend,
            Some("walsender") => SessionKind::Walsender,
            Some(_) => continue,
            None => {
                // Details hidden: another role's session and no
                // pg_read_all_stats. Background processes are hidden too;
                // only those connected to a database are counted.
                let has_db: bool = r.get(12);
                if has_db {
                    out.hidden_sessions += 1;
                }
                continue;
            }
        };
        let Some(addr) = addr else {
            if port == Some(-1) {
                if own {
                    out.own_is_unix_socket = true;
                } else if kind == SessionKind::ClientBackend {
                    out.unix_socket_sessions += 1;
                }
            }
            continue;
        };
        let Ok(client_addr) = addr.parse::<IpAddr>() else {
            continue;
        };
        let ssl: Option<bool> = r.get(7);
        let gss: Option<bool> = r.get(10);
        let encryption = if ssl == Some(true) {
            Encryption::Ssl
        } else if gss == Some(true) {
            Encryption::Gss
        } else {
            Encryption::None
        };
        let s = Session {
            pid: r.get(0),
            kind,
            user: r.get(2),
            database: r.get(3),
            application_name: r.get::<_, Option<String>>(4).filter(|a| !a.is_empty()),
            client_addr,
            client_port: port,
            encryption,
            tls_version: r.get(8),
            cipher: r.get(9),
            before_last_reload: r.get(13),
        };
        if own {
            out.own = Some(s);
        } else if kind == SessionKind::Walsender {
            out.replication.push(s);
        } else {
            out.clients.push(s);
        }
    }
    if !sees_all && out.hidden_sessions > 0 {
        gaps.push(VisibilityGap {
            what: format!(
                "{} session(s) of other roles (their address, user, and encryption)",
                out.hidden_sessions
            ),
            why: format!("role {current_user} lacks pg_read_all_stats"),
            remedy: format!("GRANT pg_monitor TO {};", quote_ident(current_user)),
            material: true,
        });
    }
    Ok(out)
}

fn collect_hba_view(
    client: &mut Client,
    version_num: u32,
    current_user: &str,
    gaps: &mut Vec<VisibilityGap>,
) -> Result<Option<HbaView>> {
    let sql = if version_num >= 160000 {
        "SELECT rule_number, file_name, line_number, type, database, user_name, address, netmask, auth_method, options, error FROM pg_hba_file_rules"
    } else {
        "SELECT NULL::int4, NULL::text, line_number, type, database, user_name, address, netmask, auth_method, options, error FROM pg_hba_file_rules"
    };
    match client.query(sql, &[]) {
        Ok(rows) => Ok(Some(HbaView {
            rows: rows
                .into_iter()
                .map(|r| pgtls_hba::ViewRow {
                    rule_number: r.get(0),
                    file_name: r.get(1),
                    line_number: r.get(2),
                    r#type: r.get(3),
                    database: r.get(4),
                    user_name: r.get(5),
                    address: r.get(6),
                    netmask: r.get(7),
                    auth_method: r.get(8),
                    options: r.get(9),
                    error: r.get(10),
                })
                .collect(),
        })),
        Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
            let u = quote_ident(current_user);
            gaps.push(VisibilityGap {
                what: "pg_hba_file_rules (the server's view of pg_hba.conf)".into(),
                why: format!("role {current_user} may not read it (superuser only by default)"),
                remedy: format!(
                    "GRANT SELECT ON pg_hba_file_rules TO {u}; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO {u};"
                ),
                material: false,
            });
            Ok(None)
        }
        Err(e) => Err(e).context("reading pg_hba_file_rules"),
    }
}

fn quote_ident(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
    {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// Whether a path named by the server can be read from here (same host).
pub fn readable_path(p: &Path) -> bool {
    std::fs::File::open(p).is_ok()
}
