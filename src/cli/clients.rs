//! `pgtls clients check|scan`: argument parsing only; the work and the
//! rendering live in the `pgtls-clients` crate.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use pgtls_clients::fix::{self, FixMode, FixOptions};
use pgtls_clients::report;
use pgtls_clients::scan::{self, ScanOptions};
use pgtls_clients::{Context, DriverSpec};
use pgtls_model::Severity;

use super::Format;

#[derive(clap::Subcommand, Debug)]
pub enum ClientsCommand {
    /// Judge one connection string: effective sslmode, plaintext risk, certificate and host-name checks, fix.
    Check(CheckArgs),
    /// Find PostgreSQL connection settings in source trees (honours .gitignore) and judge each.
    Scan(ScanArgs),
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The connection string (libpq key=value or URI, JDBC URL, SQLAlchemy URL, Npgsql string, PGSSLMODE=...).
    pub string: String,
    /// Driver (and version) to judge it for, e.g. libpq, pgjdbc, npgsql@7, node-postgres, asyncpg, go-pq@1.10, pgx, sqlx, tokio-postgres.
    #[arg(long, value_name = "NAME[@VERSION]")]
    pub driver: Option<DriverSpec>,
    /// Environment of the client, e.g. --env PGSSLMODE=disable (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Use this process's PG* environment and this machine's service files.
    #[arg(long)]
    pub use_env: bool,
    /// libpq major version to model (12..18; default 18).
    #[arg(long, value_name = "N")]
    pub libpq_major: Option<u32>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when the verdict's severity is at or above this.
    #[arg(long, default_value = "high")]
    pub fail_on: Severity,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Propose in-place rewrites (shown as a diff; nothing is written without --apply).
    #[arg(long)]
    pub fix: bool,
    /// Level --fix raises clients to.
    #[arg(long, default_value = "require", value_name = "require|verify-full")]
    pub mode: FixMode,
    /// CA file to add as sslrootcert with --mode verify-full.
    #[arg(long, value_name = "PATH")]
    pub sslrootcert: Option<String>,
    /// Write the fixes (atomically); implies --fix.
    #[arg(long)]
    pub apply: bool,
    /// Judge every setting as this driver instead of inferring it.
    #[arg(long, value_name = "NAME[@VERSION]")]
    pub driver: Option<DriverSpec>,
    /// Follow symbolic links (loops are detected, skipped and counted).
    #[arg(long, short = 'L')]
    pub follow: bool,
    /// Do not honour .gitignore/.ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    pub max_filesize: u64,
    /// Worker threads (0 = one per CPU).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub threads: usize,
    /// Show findings at or above this severity in text output.
    #[arg(long, default_value = "info")]
    pub min_severity: Severity,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, default_value = "high")]
    pub fail_on: Severity,
}

pub fn run(cmd: ClientsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ClientsCommand::Check(a) => run_check(a),
        ClientsCommand::Scan(a) => run_scan(a),
    }
}

fn run_check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut ctx = if a.use_env {
        Context::from_process_env()
    } else {
        Context::default()
    };
    ctx.libpq_major = a.libpq_major;
    for kv in &a.env {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--env {kv}: expected KEY=VALUE");
        };
        ctx = ctx.with_env(k, v, "--env");
    }
    let r = pgtls_clients::check(&a.string, a.driver, &ctx);
    match a.format {
        Format::Text => print!("{}", report::check_text(&r)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&report::check_json(&r))?),
    }
    Ok(if r.severity >= a.fail_on {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_scan(a: ScanArgs) -> anyhow::Result<ExitCode> {
    let opts = ScanOptions {
        max_filesize: a.max_filesize,
        follow_links: a.follow,
        no_ignore: a.no_ignore,
        threads: a.threads,
        driver: a.driver,
        ..ScanOptions::default()
    };
    let r = scan::scan(&a.paths, &opts).context("scanning")?;
    let fixing = a.fix || a.apply;
    let plan = fixing.then(|| {
        fix::plan(
            &r,
            &FixOptions {
                mode: a.mode,
                sslrootcert: a.sslrootcert.clone(),
            },
        )
    });
    if let (true, Some(p)) = (a.apply, &plan) {
        fix::apply(p).context("writing fixes")?;
    }
    match a.format {
        Format::Json => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            report::write_scan_json(&mut out, &r, plan.as_ref().map(|p| (p, a.mode, a.apply)))?;
            writeln!(out)?;
            out.flush()?;
        }
        Format::Text => {
            print!("{}", report::scan_text(&r, a.min_severity));
            if let Some(p) = &plan {
                print!("{}", fix::diff(p));
                for n in &p.not_fixed {
                    println!("not fixed: {}:{}: {}", n.file, n.line, n.reason);
                }
                let edits: usize = p.files.iter().map(|f| f.edits.len()).sum();
                println!(
                    "{} {} edits in {} files (mode {})",
                    if a.apply {
                        "applied"
                    } else {
                        "proposed (use --apply to write)"
                    },
                    edits,
                    p.files.len(),
                    match a.mode {
                        FixMode::Require => "require",
                        FixMode::VerifyFull => "verify-full",
                    }
                );
            }
        }
    }
    let worst = r.findings.iter().map(|f| f.assessment.severity).max();
    Ok(if worst.is_some_and(|w| w >= a.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
