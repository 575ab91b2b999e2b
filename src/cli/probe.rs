//! `pgtls probe`: what servers do on the wire (plaintext acceptance,
//! SSLRequest/GSSENCRequest, direct TLS, TLS versions, suites, certificate).
//! Parsing only; the work and the rendering are in `pgtls-probe`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Result};
use pgtls_model::Severity;
use pgtls_probe::app::{self, RunRequest};
use pgtls_probe::fleet::FleetOptions;
use pgtls_probe::{ProbeOptions, TrustRoots};

use super::Format;

/// Probe steps that can be skipped.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The plaintext StartupMessage test.
    Plaintext,
    /// GSSENCRequest.
    Gss,
    /// PostgreSQL 17 direct TLS.
    Direct,
    /// Cipher-suite enumeration (the first suite of each version is still shown).
    Ciphers,
    /// TLS 1.3 group enumeration.
    Groups,
}

#[derive(clap::Args, Debug)]
pub struct ProbeArgs {
    /// Servers: host, host:port, [v6]:port, postgresql:// URIs or key=value conninfo strings.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Inventory: one target per line, a CSV with a `target` or `host` column
    /// (and optional port, user, dbname), a JSON array, or JSON Lines.
    #[arg(long = "targets", value_name = "FILE")]
    pub targets_file: Option<PathBuf>,
    /// User for the plaintext test (repeatable; default: the target's, else postgres).
    #[arg(long = "user", short = 'U', value_name = "NAME")]
    pub users: Vec<String>,
    /// Database for the plaintext test (repeatable; default: the target's, else postgres).
    #[arg(long = "db", short = 'd', value_name = "NAME")]
    pub dbs: Vec<String>,
    /// CA certificates (PEM) to verify the server chain with; default: system roots.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Targets probed at once.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// Connections in flight at once per target.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub parallel: usize,
    /// Seconds to wait for a TCP connection.
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    pub connect_timeout: f64,
    /// Seconds one exchange (connect, request, answer) may take.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub step_timeout: f64,
    /// Seconds one target may take in all.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub target_timeout: f64,
    /// Steps to leave out (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STEP")]
    pub skip: Vec<Skip>,
    /// No progress bar (there is none anyway when stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    pub fail_on: Severity,
}

fn secs(name: &str, v: f64) -> Result<Duration> {
    if !(v.is_finite() && v > 0.0 && v <= 86400.0) {
        return Err(anyhow!(
            "--{name} must be a number of seconds above 0 (got {v})"
        ));
    }
    Ok(Duration::from_secs_f64(v))
}

pub fn run(a: ProbeArgs) -> Result<ExitCode> {
    let roots = match &a.ca {
        Some(p) => TrustRoots::from_ca_file(p).map_err(|e| anyhow!(e))?,
        None => TrustRoots::System,
    };
    if a.concurrency == 0 || a.parallel == 0 {
        return Err(anyhow!("--concurrency and --parallel must be at least 1"));
    }
    let probe = ProbeOptions {
        users: a.users,
        databases: a.dbs,
        roots,
        connect_timeout: secs("connect-timeout", a.connect_timeout)?,
        step_timeout: secs("step-timeout", a.step_timeout)?,
        target_timeout: secs("target-timeout", a.target_timeout)?,
        plaintext: !a.skip.contains(&Skip::Plaintext),
        gss: !a.skip.contains(&Skip::Gss),
        direct_tls: !a.skip.contains(&Skip::Direct),
        ciphers: !a.skip.contains(&Skip::Ciphers),
        groups: !a.skip.contains(&Skip::Groups),
        parallel: a.parallel,
    };
    let req = RunRequest {
        targets: a.targets,
        targets_file: a.targets_file,
        fleet: FleetOptions {
            probe,
            concurrency: a.concurrency,
            progress: !a.no_progress,
        },
        json: a.format == Format::Json,
        fail_on: a.fail_on,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = app::run(&req, &mut out).map_err(|e| anyhow!(e))?;
    let code = outcome.exit_code();
    if code == 2 {
        for u in &outcome.unprobed_examples {
            eprintln!("pgtls: error: could not probe {u}");
        }
    }
    Ok(ExitCode::from(code))
}
