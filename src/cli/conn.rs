//! psql-compatible connection arguments: `-d` takes a database name, a
//! libpq key=value string or a URI; `-h -p -U` as in psql; PG* environment
//! variables and service files apply as libpq applies them.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use pgtls_conninfo::ConnInfo;

use crate::live::ConnectSpec;

#[derive(clap::Args, Debug, Default, Clone)]
pub struct ConnArgs {
    /// Database name, libpq connection string (`host=db sslmode=verify-full`) or URI (`postgresql://...`).
    #[arg(
        short = 'd',
        long = "dsn",
        visible_alias = "dbname",
        value_name = "CONNINFO"
    )]
    pub dsn: Option<String>,
    /// Server host or socket directory (psql's -h).
    #[arg(short = 'h', long, value_name = "HOST")]
    pub host: Option<String>,
    /// Server port (psql's -p).
    #[arg(short = 'p', long, value_name = "PORT")]
    pub port: Option<String>,
    /// User name (psql's -U).
    #[arg(short = 'U', long = "username", value_name = "USER")]
    pub username: Option<String>,
}

impl ConnArgs {
    pub fn given(&self) -> bool {
        self.dsn.is_some() || self.host.is_some() || self.port.is_some() || self.username.is_some()
    }

    /// The parameters libpq would use, as a [`ConnectSpec`].
    pub fn to_spec(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<ConnectSpec> {
        let mut ci = match &self.dsn {
            Some(d) if looks_like_conninfo(d) => {
                pgtls_conninfo::parse(d).map_err(|e| anyhow::anyhow!("-d: {e}"))?
            }
            Some(d) => {
                let mut c = ConnInfo::new(pgtls_conninfo::LATEST_MAJOR);
                c.set("dbname", d).map_err(|e| anyhow::anyhow!("-d: {e}"))?;
                c
            }
            None => ConnInfo::new(pgtls_conninfo::LATEST_MAJOR),
        };
        // psql passes -h/-p/-U before the expanded dbname: the string wins.
        for (kw, v) in [
            ("host", &self.host),
            ("port", &self.port),
            ("user", &self.username),
        ] {
            if let Some(v) = v {
                if ci.get(kw).is_none() {
                    ci.set(kw, v).map_err(|e| anyhow::anyhow!("{e}"))?;
                }
            }
        }
        let ci = ci
            .with_defaults(env)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("applying PG* environment variables and service files")?;
        spec_from_conninfo(&ci, env)
    }
}

fn looks_like_conninfo(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://") || s.contains('=')
}

/// Resolve a defaulted [`ConnInfo`] into what the audit connects with.
pub fn spec_from_conninfo(
    ci: &ConnInfo,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ConnectSpec> {
    let hosts = ci.hosts().map_err(|e| anyhow::anyhow!("{e}"))?;
    if hosts.is_empty() {
        bail!("no host to connect to");
    }
    let pairs: Vec<(String, u16)> = hosts
        .into_iter()
        .map(|h| {
            // hostaddr, when given, is where libpq connects; host then only
            // names the server for verify-full.
            let where_ = h.hostaddr.clone().or(h.host.clone()).unwrap_or_default();
            (where_, h.port)
        })
        .collect();
    let sslmode = ci.effective_sslmode().map_err(|e| anyhow::anyhow!("{e}"))?;
    let timeout = ci
        .connect_timeout()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .filter(|t| *t > 0)
        .map(u64::from)
        .unwrap_or(10)
        .max(2);
    let password = ci.password().cloned().or_else(|| {
        let (host, port) = pairs.first().cloned().unwrap_or_default();
        let user = ci.user().unwrap_or("postgres");
        let db = ci.dbname().or(ci.user()).unwrap_or("postgres");
        passfile_path(ci, env).and_then(|f| password_from_file(&f, &host, port, db, user))
    });
    Ok(ConnectSpec {
        hosts: pairs,
        user: ci.user().unwrap_or("postgres").to_string(),
        dbname: ci.dbname().or(ci.user()).unwrap_or("postgres").to_string(),
        password,
        sslmode,
        sslrootcert: ci
            .sslrootcert()
            .map(PathBuf::from)
            .or_else(default_root_cert),
        application_name: ci
            .application_name()
            .or(ci.get("fallback_application_name"))
            .unwrap_or("pgtls")
            .to_string(),
        connect_timeout: Duration::from_secs(timeout),
    })
}

/// libpq's default root certificate: ~/.postgresql/root.crt.
fn default_root_cert() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".postgresql/root.crt"))
}

/// libpq's password file: `passfile`, else `PGPASSFILE`, else `~/.pgpass`.
fn passfile_path(ci: &ConnInfo, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    ci.get("passfile")
        .map(PathBuf::from)
        .or_else(|| env("PGPASSFILE").map(PathBuf::from))
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".pgpass")))
}

/// libpq's `passwordFromFile()`: the first `host:port:db:user:password`
/// line that matches (`*` matches anything, `\` escapes `:` and `\`). A
/// Unix-socket host matches `localhost`. Like libpq, a file readable by
/// group or others is ignored, with a warning.
fn password_from_file(
    path: &std::path::Path,
    host: &str,
    port: u16,
    db: &str,
    user: &str,
) -> Option<pgtls_model::Secret> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        eprintln!(
            "pgtls: warning: password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
            path.display()
        );
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let host = if host.is_empty() || host.starts_with('/') || host.starts_with('@') {
        "localhost"
    } else {
        host
    };
    let port = port.to_string();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let ok = |f: &str, v: &str| f == "*" || f == v;
        if ok(&fields[0], host)
            && ok(&fields[1], &port)
            && ok(&fields[2], db)
            && ok(&fields[3], user)
        {
            return Some(pgtls_model::Secret::new(fields[4..].join(":")));
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().expect("non-empty").push(n);
                }
            }
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut().expect("non-empty").push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pgpass");
        std::fs::write(
            &p,
            "# comment\ndb.example.com:5432:*:app:first\nlocalhost:*:*:app:sock\\:et\n*:*:*:*:any:thing\n",
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let pw = |h: &str, u: &str| {
            password_from_file(&p, h, 5432, "shop", u).map(|s| s.expose().to_string())
        };
        assert_eq!(pw("db.example.com", "app").as_deref(), Some("first"));
        assert_eq!(pw("/var/run/postgresql", "app").as_deref(), Some("sock:et"));
        assert_eq!(pw("10.0.0.1", "other").as_deref(), Some("any:thing"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            pw("db.example.com", "app"),
            None,
            "group/world-readable files are ignored"
        );
    }
}
