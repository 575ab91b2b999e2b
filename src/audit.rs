//! `pgtls audit`: collect -> checks -> report, live or offline.

use std::path::Path;

use anyhow::Result;
use pgtls_model::Severity;

use crate::facts::{FileState, HbaSource, ServerFacts};
use crate::live::{self, ConnectSpec};
use crate::offline::{self, OfflineInput};
use crate::report::{AuditReport, TargetInfo};

#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub live: Option<ConnectSpec>,
    pub offline: OfflineInput,
    pub fail_on: Severity,
    /// Probe the server from the network too (`--probe`); `Some(None)`
    /// probes where the live connection points.
    pub probe: Option<Option<String>>,
    /// CA file for the probe's certificate verification.
    pub probe_ca: Option<std::path::PathBuf>,
}

impl AuditOptions {
    pub fn new(live: Option<ConnectSpec>, offline: OfflineInput, fail_on: Severity) -> Self {
        AuditOptions {
            live,
            offline,
            fail_on,
            probe: None,
            probe_ca: None,
        }
    }
}

/// Where `--probe` without a value points: the live connection's TCP host,
/// else (a Unix socket on this host) 127.0.0.1 and the server's port.
fn probe_target(opts: &AuditOptions, facts: &ServerFacts) -> Option<String> {
    if let Some(Some(t)) = &opts.probe {
        return Some(t.clone());
    }
    let (host, port) = opts.live.as_ref()?.tcp_endpoint(facts.port());
    Some(if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    })
}

fn run_probe(
    opts: &AuditOptions,
    facts: &ServerFacts,
) -> Result<Option<pgtls_probe::TargetReport>> {
    if opts.probe.is_none() {
        return Ok(None);
    }
    let Some(t) = probe_target(opts, facts) else {
        anyhow::bail!("--probe: no target (give one: --probe HOST:PORT)");
    };
    let target = pgtls_probe::Target::parse(&t).map_err(|e| anyhow::anyhow!("--probe: {e}"))?;
    let mut popts = pgtls_probe::ProbeOptions::default();
    if let Some(ca) = &opts.probe_ca {
        popts.roots = pgtls_probe::TrustRoots::from_ca_file(ca).map_err(|e| anyhow::anyhow!(e))?;
    }
    if let Some(spec) = &opts.live {
        popts.users = vec![spec.user.clone()];
        popts.databases = vec![spec.dbname.clone()];
    }
    Ok(Some(pgtls_probe::probe_blocking(&target, &popts)))
}

/// Connect and collect every live fact, completed from the server's own
/// files when this is its host. The client stays open for the caller.
pub fn collect_live(
    spec: &ConnectSpec,
    input: &OfflineInput,
) -> Result<(ServerFacts, postgres::Client, live::LiveFacts)> {
    let mut client = live::connect(spec)?;
    let lf = live::collect(&mut client)?;
    let mut facts = lf.facts.clone();
    complete_from_local_files(&mut facts, lf.hba_view.clone(), input);
    Ok((facts, client, lf))
}

/// Run the audit and build its report. `Err` means the audit could not run
/// (exit status 2).
pub fn run(opts: &AuditOptions) -> Result<AuditReport> {
    let (facts, target) = match &opts.live {
        Some(spec) => {
            let (facts, _client, _) = collect_live(spec, &opts.offline)?;
            let target = TargetInfo {
                mode: "live",
                connection: Some(spec.describe()),
                config_file: facts.files.config_file.clone(),
                hba_file: facts.files.hba_file.clone(),
                data_directory: facts.files.data_directory.clone(),
                hba_source: facts.files.hba_source,
            };
            (facts, target)
        }
        None => {
            let facts = offline::collect(&opts.offline)?;
            let target = TargetInfo {
                mode: "offline",
                connection: None,
                config_file: facts.files.config_file.clone(),
                hba_file: facts.files.hba_file.clone(),
                data_directory: facts.files.data_directory.clone(),
                hba_source: facts.files.hba_source,
            };
            (facts, target)
        }
    };
    let mut findings = crate::checks::run(&facts);
    let probe = run_probe(opts, &facts)?;
    if let Some(p) = &probe {
        findings.extend(p.findings.iter().cloned());
        crate::checks::sort(&mut findings);
    }
    let mut report = AuditReport::build(&facts, target, findings, opts.fail_on);
    report.probe = probe;
    Ok(report)
}

/// On the server's own host the files the server names can be read: parse
/// pg_hba.conf itself (quoting and raw text kept), read the raw setting
/// lines, and look at the certificate files. Elsewhere fall back to the
/// pg_hba_file_rules view.
fn complete_from_local_files(
    facts: &mut ServerFacts,
    view: Option<live::HbaView>,
    input: &OfflineInput,
) {
    let version_num = facts.version_num.unwrap_or(offline::NEWEST_VERSION_NUM);
    let same_host = facts
        .files
        .data_directory
        .as_deref()
        .map(|d| same_server(Path::new(d), version_num))
        .unwrap_or(false);
    let hba_path = input
        .hba
        .clone()
        .or_else(|| facts.files.hba_file.as_ref().map(Into::into))
        .filter(|p: &std::path::PathBuf| {
            input.hba.is_some() || (same_host && live::readable_path(p))
        });
    if let Some(p) = hba_path {
        let opts = pgtls_hba::ParseOptions {
            version_num,
            ssl_on: facts.ssl_on().unwrap_or(false),
            ..Default::default()
        };
        facts.hba = Some(pgtls_hba::parse_file(&p, &opts));
        facts.files.hba_file = Some(p.display().to_string());
        facts.files.hba_source = Some(HbaSource::File);
    } else if let Some(v) = view {
        facts.hba = Some(pgtls_hba::rules_from_view(v.rows));
        facts.files.hba_source = Some(HbaSource::View);
    }
    // Raw lines for settings whose file:line the server told us.
    for s in &mut facts.settings {
        if let Some(loc) = &s.location {
            if let Ok(text) = std::fs::read(&loc.file) {
                let text = String::from_utf8_lossy(&text);
                s.raw = text
                    .lines()
                    .nth(loc.line.saturating_sub(1) as usize)
                    .map(|l| l.to_string());
            }
        }
    }
    if let Some(dd) = facts.files.data_directory.clone() {
        let dd = std::path::PathBuf::from(dd);
        facts.ssl_files = offline::ssl_files(facts, &dd, |p| {
            if same_host {
                FileState::of_path(p)
            } else {
                FileState::Unknown
            }
        });
    }
}

/// Whether `data_dir` on this host is the connected server's: its
/// PG_VERSION names the same major.
fn same_server(data_dir: &Path, version_num: u32) -> bool {
    std::fs::read_to_string(data_dir.join("PG_VERSION"))
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map(|major| major == version_num / 10000)
        .unwrap_or(false)
}
