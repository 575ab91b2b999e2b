//! `pgtls hba parse|explain|check`: argument parsing and live-server facts;
//! parsing, matching, analysis and rendering live in `pgtls-hba`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use pgtls_hba::{
    analyze, checks, explain, parse_file, render, AnalyzeOptions, Connection, Encryption, HbaFile,
    Interface, MatchContext, ParseOptions, Roles,
};
use pgtls_model::Severity;

use super::{ConnArgs, Format};

#[derive(clap::Subcommand, Debug)]
pub enum HbaCommand {
    /// Parse pg_hba.conf exactly as PostgreSQL does; print the pg_hba_file_rules view of that version.
    Parse(ParseArgs),
    /// Which line a connection attempt matches first, and what the server logs when it rejects.
    Explain(ExplainArgs),
    /// Reachability: which rules admit unencrypted TCP, which never match, which guards are bypassed.
    Check(CheckArgs),
}

#[derive(clap::Args, Debug)]
pub struct Common {
    /// The pg_hba.conf file.
    pub file: PathBuf,
    /// PostgreSQL major (12-18) or version_num; default: the live server (-d), PG_VERSION beside the file, else 18.
    #[arg(long, value_name = "N")]
    pub pg_version: Option<String>,
    /// The server's ssl setting (default: the live server's, else on).
    #[arg(long, value_enum)]
    pub ssl: Option<OnOff>,
    /// Live server (libpq conninfo, URI or database name) for version, ssl and role memberships.
    #[arg(short = 'd', long = "dsn", value_name = "CONNINFO")]
    pub dsn: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnOff {
    On,
    Off,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enc {
    None,
    Ssl,
    Gss,
}

#[derive(clap::Args, Debug)]
pub struct ParseArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub common: Common,
    /// Client address (IPv4 or IPv6); omit with --local.
    #[arg(long, value_name = "IP")]
    pub addr: Option<IpAddr>,
    /// A Unix-socket connection.
    #[arg(long)]
    pub local: bool,
    #[arg(long, value_name = "U")]
    pub user: String,
    #[arg(long, value_name = "D")]
    pub db: String,
    #[arg(long, value_enum, default_value_t = Enc::None)]
    pub encryption: Enc,
    /// Roles the user is a member of (direct or indirect), comma separated.
    #[arg(long, value_name = "R1,R2", value_delimiter = ',')]
    pub member_of: Vec<String>,
    /// A physical replication connection (replication=true).
    #[arg(long)]
    pub replication: bool,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Exit 1 when a finding has at least this severity.
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// samehost/samenet: resolve from this host's interfaces (`local`), keep symbolic (`none`), or `auto` (local when the file sits in a data directory here).
    #[arg(long, value_enum, default_value_t = Ifaces::Auto)]
    pub interfaces: Ifaces,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ifaces {
    Auto,
    Local,
    None,
}

/// Facts read from a live server.
struct Live {
    version_num: u32,
    ssl_on: bool,
    roles: Roles,
}

fn live(dsn: &str) -> Result<Live> {
    let args = ConnArgs {
        dsn: Some(dsn.to_string()),
        ..Default::default()
    };
    let spec = args.to_spec(&|k| std::env::var(k).ok())?;
    let mut c = crate::live::connect(&spec)
        .with_context(|| format!("connecting to {}", spec.describe()))?;
    let v: String = c
        .query_one("SELECT current_setting('server_version_num')", &[])?
        .get(0);
    let ssl: String = c.query_one("SELECT current_setting('ssl')", &[])?.get(0);
    let mut member_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in c.query(
        "SELECT r.rolname::text, g.rolname::text FROM pg_roles r LEFT JOIN pg_auth_members m ON m.member = r.oid LEFT JOIN pg_roles g ON g.oid = m.roleid",
        &[],
    )? {
        let u: String = row.get(0);
        let g: Option<String> = row.get(1);
        let e = member_of.entry(u).or_default();
        if let Some(g) = g {
            e.insert(g);
        }
    }
    Ok(Live {
        version_num: v.trim().parse().context("server_version_num")?,
        ssl_on: ssl == "on",
        roles: Roles {
            member_of,
            known: true,
        },
    })
}

struct Setup {
    file: HbaFile,
    ssl_on: bool,
    roles: Option<Roles>,
    version_num: u32,
}

fn setup(c: &Common) -> Result<Setup> {
    let live = match &c.dsn {
        Some(d) => Some(live(d)?),
        None => None,
    };
    let version_num = match &c.pg_version {
        Some(v) => pgtls_hba::parse_version_arg(v).with_context(|| {
            format!(
                "--pg-version {v}: expected a major from 12 to 18 (or a version_num like 150004)"
            )
        })?,
        None => live
            .as_ref()
            .map(|l| l.version_num)
            .or_else(|| pgtls_hba::version_from_data_dir(&c.file))
            .unwrap_or(pgtls_hba::LATEST_VERSION_NUM),
    };
    let ssl_on = match c.ssl {
        Some(OnOff::On) => true,
        Some(OnOff::Off) => false,
        None => live.as_ref().map(|l| l.ssl_on).unwrap_or(true),
    };
    if !c.file.exists() {
        bail!("{}: no such file", c.file.display());
    }
    let opts = ParseOptions {
        version_num,
        ssl_on,
        ..Default::default()
    };
    let file = parse_file(&c.file, &opts);
    Ok(Setup {
        file,
        ssl_on,
        roles: live.map(|l| l.roles),
        version_num,
    })
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> Result<()> {
    super::emit(text);
    Ok(())
}

/// Pretty JSON straight to stdout, buffered (no intermediate string).
fn print_json(v: &impl serde::Serialize) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let r = serde_json::to_writer_pretty(&mut out, v)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn on_server(file: &Path) -> bool {
    pgtls_hba::version_from_data_dir(file).is_some()
}

pub fn run(cmd: HbaCommand) -> Result<ExitCode> {
    match cmd {
        HbaCommand::Parse(a) => {
            let s = setup(&a.common)?;
            if s.file
                .errors
                .iter()
                .any(|e| e.kind == pgtls_hba::ErrorKind::Unreadable)
            {
                bail!("{}", s.file.errors[0]);
            }
            match a.common.format {
                Format::Json => print_json(&render::parse_json(&s.file))?,
                Format::Text => emit(&render::parse_text(&s.file))?,
            }
            Ok(ExitCode::from(if s.file.loads() { 0 } else { 1 }))
        }
        HbaCommand::Explain(a) => {
            let s = setup(&a.common)?;
            if s.file
                .errors
                .iter()
                .any(|e| e.kind == pgtls_hba::ErrorKind::Unreadable)
            {
                bail!("{}", s.file.errors[0]);
            }
            let addr = match (a.addr, a.local) {
                (Some(_), true) => bail!("give either --addr or --local, not both"),
                (None, false) => {
                    bail!("give the client address with --addr IP (or --local for a Unix socket)")
                }
                (addr, _) => addr,
            };
            let conn = Connection {
                addr,
                user: a.user.clone(),
                database: a.db.clone(),
                encryption: match a.encryption {
                    Enc::None => Encryption::None,
                    Enc::Ssl => Encryption::Ssl,
                    Enc::Gss => Encryption::Gss,
                },
                replication: a.replication,
            };
            let mut roles = s.roles.clone().unwrap_or_default();
            if !a.member_of.is_empty() {
                roles
                    .member_of
                    .entry(a.user.clone())
                    .or_default()
                    .extend(a.member_of.iter().map(|r| r.trim().to_string()));
            }
            let ctx = MatchContext {
                ssl_on: s.ssl_on,
                version_num: s.version_num,
                roles,
                interfaces: on_server(&a.common.file).then(Interface::local).flatten(),
                gss_build: true,
            };
            let v = explain(&s.file, &conn, &ctx);
            match a.common.format {
                Format::Json => print_json(&render::explain_json(&v, &conn))?,
                Format::Text => emit(&render::explain_text(&v, &conn))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        HbaCommand::Check(a) => {
            let s = setup(&a.common)?;
            if s.file
                .errors
                .iter()
                .any(|e| e.kind == pgtls_hba::ErrorKind::Unreadable)
            {
                bail!("{}", s.file.errors[0]);
            }
            let interfaces = match a.interfaces {
                Ifaces::Local => Interface::local(),
                Ifaces::None => None,
                Ifaces::Auto => on_server(&a.common.file).then(Interface::local).flatten(),
            };
            let opts = AnalyzeOptions {
                ssl_on: s.ssl_on,
                roles: s.roles.clone(),
                interfaces,
                ..Default::default()
            };
            let r = analyze(&s.file, &opts);
            let fs = checks::findings(&s.file, &r, s.ssl_on);
            match a.common.format {
                Format::Json => print_json(&render::check_json(&s.file, &r, &fs))?,
                Format::Text => emit(&render::check_text(&s.file, &r, &fs))?,
            }
            let fail = fs.iter().any(|f| f.severity >= a.fail_on);
            Ok(ExitCode::from(if fail { 1 } else { 0 }))
        }
    }
}
