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
        spec_from_conninfo(&ci)
    }
}

fn looks_like_conninfo(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://") || s.contains('=')
}

/// Resolve a defaulted [`ConnInfo`] into what the audit connects with.
pub fn spec_from_conninfo(ci: &ConnInfo) -> Result<ConnectSpec> {
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
    Ok(ConnectSpec {
        hosts: pairs,
        user: ci.user().unwrap_or("postgres").to_string(),
        dbname: ci.dbname().or(ci.user()).unwrap_or("postgres").to_string(),
        password: ci.password().cloned(),
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
