//! Argument parsing and dispatch. Every command's work is in the library.

mod audit;
mod clients;
mod conn;
mod fix;
mod hba;
mod probe;
mod rules;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub use conn::ConnArgs;

/// Make PostgreSQL encryption in transit auditable, provable and enforceable.
#[derive(Parser, Debug)]
#[command(name = "pgtls", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Measure and explain unencrypted connections: live server and/or config files.
    #[command(disable_help_flag = true)]
    Audit(audit::AuditArgs),
    /// Reproduce the classic gap on a throwaway local cluster, audit it, and stop it.
    Demo(DemoArgs),
    /// List every check pgtls has.
    Rules(rules::RulesArgs),
    /// Print the documentation of one check (e.g. `pgtls explain PGT301`).
    Explain(rules::ExplainArgs),
    /// Enforce encryption: hostssl rules and a TLS floor, with impact preview, atomic apply, verify and rollback.
    Fix(fix::FixArgs),
    /// pg_hba.conf engine: parse, explain a connection, check plaintext reachability.
    #[command(subcommand)]
    Hba(hba::HbaCommand),
    /// Client connection strings and configuration: check one, scan trees (and fix them with scan --fix).
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// Prove from the network what the server accepts: plaintext, TLS versions, certificate.
    Probe(probe::ProbeArgs),
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// PostgreSQL server binaries to use (default: discovered).
    #[arg(long, value_name = "DIR")]
    pub pg_bin: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output format.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Write command output. A reader that went away (`pgtls ... | head`) is
/// not an error: the rest of the output is dropped and the command goes on
/// to its end (the demo still stops its cluster), instead of the panic
/// `print!` gives on a broken pipe.
pub fn emit(s: &str) {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static CLOSED: AtomicBool = AtomicBool::new(false);
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("pgtls: error: writing the output: {e}");
        }
    }
}

/// [`emit`] with a newline.
pub fn emitln(s: &str) {
    emit(&format!("{s}\n"));
}

/// Exit status 2: the command could not run.
pub fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("pgtls: error: {e:#}");
    ExitCode::from(2)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.command {
        Command::Audit(a) => audit::run(a),
        Command::Demo(d) => crate::demo::run(d.pg_bin.as_deref(), d.format),
        Command::Rules(r) => rules::run_rules(r),
        Command::Explain(e) => rules::run_explain(e),
        Command::Fix(f) => fix::run(f),
        Command::Hba(h) => hba::run(h),
        Command::Clients(c) => clients::run(c),
        Command::Probe(p) => probe::run(p),
    };
    match r {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}
