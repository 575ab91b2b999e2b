use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::{emit, emitln};
use super::{ConnArgs, Format};
use crate::fix::{self, FixOptions, MinTls, Via};

#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
pub struct FixArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Offline: a data directory or a Debian-style config directory.
    #[arg(long, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// PostgreSQL major for offline parsing (default: PG_VERSION, else 18).
    #[arg(long, value_name = "N")]
    pub pg_version: Option<u32>,
    /// Write the changes (default: a dry run that only shows the plan).
    #[arg(long)]
    pub apply: bool,
    /// Offline with --apply: reload the server with `pg_ctl reload -D DATADIR`.
    #[arg(long)]
    pub reload: bool,
    /// Keep plaintext from this network as explicit `hostnossl` rules (repeatable).
    #[arg(long, value_name = "CIDR")]
    pub allow_plaintext_from: Vec<ipnet::IpNet>,
    /// Leave rules that admit plaintext only from loopback as they are.
    #[arg(long)]
    pub keep_loopback: bool,
    /// Add `hostnossl all all 0.0.0.0/0 reject` and `::/0` guard lines, as evidence for auditors.
    #[arg(long)]
    pub guard: bool,
    /// TLS floor to set: 1.2 (default) or 1.3.
    #[arg(long, value_name = "VERSION", default_value = "1.2")]
    pub min_tls: MinTls,
    /// How to change settings: `alter-system` (live) or `file` (edit the line that takes effect).
    #[arg(long, value_enum)]
    pub via: Option<Via>,
    /// The JSON of `pgtls clients scan`: clients not connected now, for the impact preview.
    #[arg(long, value_name = "FILE")]
    pub client_inventory: Option<PathBuf>,
    /// Access that must survive the change (repeatable), e.g. `dba@10.0.0.5`.
    #[arg(long, value_name = "USER@ADDR")]
    pub keep_access: Vec<String>,
    /// Apply even when the lockout guard or the impact preview objects.
    #[arg(long)]
    pub force: bool,
    /// After the reload, end the sessions that are still unencrypted (pg_terminate_backend).
    #[arg(long)]
    pub terminate_plaintext: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Save the plan as JSON (to review, then apply with --plan).
    #[arg(long, value_name = "FILE")]
    pub plan_out: Option<PathBuf>,
    /// With --apply: apply only if the plan is still exactly this reviewed one.
    #[arg(long = "plan", value_name = "FILE")]
    pub reviewed_plan: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

pub fn run(a: FixArgs) -> Result<ExitCode> {
    let live = if a.conn.given() || a.config_dir.is_none() {
        Some(a.conn.to_spec(&|k| std::env::var(k).ok())?)
    } else {
        None
    };
    let opts = FixOptions {
        live,
        config_dir: a.config_dir,
        pg_version: a.pg_version,
        apply: a.apply,
        reload: a.reload,
        allow_plaintext_from: a.allow_plaintext_from,
        keep_loopback: a.keep_loopback,
        guard: a.guard,
        min_tls: a.min_tls,
        via: a.via,
        client_inventory: a.client_inventory,
        keep_access: a.keep_access,
        force: a.force,
        terminate_plaintext: a.terminate_plaintext,
        yes: a.yes,
        reviewed_plan: a.reviewed_plan,
    };
    let outcome = fix::run(&opts)?;
    if let Some(p) = &a.plan_out {
        std::fs::write(p, serde_json::to_string_pretty(&outcome.plan)? + "\n")
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
    }
    match a.format {
        Format::Text => emit(&fix::render_text(&outcome)),
        Format::Json => emitln(&serde_json::to_string_pretty(&outcome)?),
    }
    Ok(ExitCode::from(outcome.exit_code()))
}
