use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use pgtls_model::Severity;

use super::emit;
use super::{ConnArgs, Format};
use crate::audit::{self, AuditOptions};
use crate::offline::OfflineInput;
use crate::report::{render_text, to_json};

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// A data directory, or a Debian-style config directory such as /etc/postgresql/15/main.
    #[arg(long, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// A pg_hba.conf to read (offline, or instead of the live server's).
    #[arg(long, value_name = "FILE")]
    pub hba: Option<PathBuf>,
    /// A postgresql.conf to read (offline).
    #[arg(long, value_name = "FILE")]
    pub conf: Option<PathBuf>,
    /// PostgreSQL major (12..18) for offline parsing; default: PG_VERSION, else 18.
    #[arg(long, value_name = "N")]
    pub pg_version: Option<u32>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    pub fail_on: Severity,
    /// Also probe the server from the network (plaintext acceptance, TLS versions, certificate);
    /// default target: where -d points (a Unix socket: 127.0.0.1 and the server's port).
    #[arg(long, value_name = "HOST:PORT", num_args = 0..=1, default_missing_value = "")]
    pub probe: Option<String>,
    /// CA certificates for the probe's verification (default: the system roots).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

pub fn run(a: AuditArgs) -> Result<ExitCode> {
    let offline = OfflineInput {
        config_dir: a.config_dir,
        hba: a.hba,
        conf: a.conf,
        pg_version: a.pg_version,
    };
    let has_offline =
        offline.config_dir.is_some() || offline.hba.is_some() || offline.conf.is_some();
    if a.conn.given() && (offline.config_dir.is_some() || offline.conf.is_some()) {
        anyhow::bail!(
            "--config-dir and --conf are for offline audits: with a live server (-d/-h/-p/-U) the settings come from the server itself (--hba FILE may still replace its pg_hba.conf)"
        );
    }
    let live = if a.conn.given() || !has_offline {
        Some(a.conn.to_spec(&|k| std::env::var(k).ok())?)
    } else {
        None
    };
    let mut opts = AuditOptions::new(live, offline, a.fail_on);
    opts.probe = a.probe.map(|p| (!p.is_empty()).then_some(p));
    opts.probe_ca = a.ca;
    let report = audit::run(&opts)?;
    match a.format {
        Format::Text => emit(&render_text(&report)),
        Format::Json => emit(&to_json(&report)),
    }
    Ok(if report.summary.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
