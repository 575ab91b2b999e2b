//! Offline collection: configuration files only, no server.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use pgtls_model::Location;

use crate::facts::{FileState, HbaSource, ServerFacts, SettingFact, SettingSource, SslFileFact};

/// The newest major pgtls knows; used when nothing says which one.
pub const NEWEST_VERSION_NUM: u32 = 180000;

/// The settings whose absence means "compiled default", with the default.
const DEFAULTS: &[(&str, &str)] = &[
    ("ssl", "off"),
    ("ssl_cert_file", "server.crt"),
    ("ssl_key_file", "server.key"),
    ("ssl_ca_file", ""),
    ("ssl_crl_file", ""),
    ("listen_addresses", "localhost"),
    ("log_connections", "off"),
];

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct OfflineInput {
    pub config_dir: Option<PathBuf>,
    pub hba: Option<PathBuf>,
    pub conf: Option<PathBuf>,
    pub pg_version: Option<u32>,
}

/// Turn a `major` (15) or a `version_num` (150004) into a version_num.
pub fn version_num_of(v: u32) -> u32 {
    if v < 100 {
        v * 10000
    } else {
        v
    }
}

pub fn collect(input: &OfflineInput) -> Result<ServerFacts> {
    let mut facts = ServerFacts::default();
    let mut hba_path = input.hba.clone();
    let mut data_dir: Option<PathBuf> = None;
    let set = if let Some(dir) = &input.config_dir {
        let files = pgtls_conf::locate(dir)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("reading the configuration directory {}", dir.display()))?;
        if hba_path.is_none() {
            hba_path = Some(files.hba_file.clone());
        }
        data_dir = files.data_directory.clone();
        if facts.version_num.is_none() {
            facts.version_num = files.pg_version.map(version_num_of);
        }
        facts.files.config_file = Some(files.config_file.display().to_string());
        Some(pgtls_conf::load(&files))
    } else {
        input.conf.as_ref().map(|c| {
            facts.files.config_file = Some(c.display().to_string());
            data_dir = c.parent().map(Path::to_path_buf);
            pgtls_conf::load_file(c)
        })
    };
    if set.is_none() {
        // Only a pg_hba.conf: the server settings are unknown.
        facts.hidden_settings = vec!["ssl".into(), "ssl_min_protocol_version".into()];
    }
    if let Some(v) = input.pg_version {
        facts.version_num = Some(version_num_of(v));
    }
    if let Some(set) = &set {
        if let Some(e) = set.errors.first() {
            // A configuration file with errors does not load: say so plainly.
            anyhow::bail!("{e}");
        }
        for (name, default) in DEFAULTS
            .iter()
            .copied()
            .chain(crate::live::SETTINGS.iter().map(|n| (*n, "")))
        {
            if facts.setting(name).is_some() {
                continue;
            }
            match set.effective(name) {
                Some(e) => facts.settings.push(SettingFact {
                    name: name.to_string(),
                    value: e.value.clone(),
                    source: SettingSource::ConfigFile,
                    source_detail: Some("configuration file".into()),
                    location: Some(Location::new(e.file.clone(), e.line)),
                    raw: Some(e.raw_line.clone()),
                }),
                None if DEFAULTS.iter().any(|(n, _)| *n == name) => {
                    facts.settings.push(SettingFact {
                        name: name.to_string(),
                        value: default.to_string(),
                        source: SettingSource::Default,
                        source_detail: Some("default".into()),
                        location: None,
                        raw: None,
                    })
                }
                None => {}
            }
        }
    }
    facts.files.data_directory = data_dir.as_ref().map(|d| d.display().to_string());
    if let Some(dd) = &data_dir {
        facts.ssl_files = ssl_files(&facts, dd, FileState::of_path);
    }
    let version_num = facts.version_num.unwrap_or(NEWEST_VERSION_NUM);
    if let Some(h) = &hba_path {
        let opts = pgtls_hba::ParseOptions {
            version_num,
            // Without postgresql.conf, ssl is unknown: judge the rules as
            // if it were on (as `pgtls hba check` does) instead of inventing
            // "ssl is off" findings.
            ssl_on: facts.ssl_on().unwrap_or(true),
            ..Default::default()
        };
        let hba = pgtls_hba::parse_file(h, &opts);
        if let Some(e) = hba
            .errors
            .iter()
            .find(|e| e.kind == pgtls_hba::ErrorKind::Unreadable)
        {
            anyhow::bail!("{}: {}", h.display(), e.message);
        }
        facts.hba = Some(hba);
        facts.files.hba_file = Some(h.display().to_string());
        facts.files.hba_source = Some(HbaSource::File);
    }
    Ok(facts)
}

/// The ssl_*_file settings, resolved against the data directory as the
/// postmaster does, and inspected with `inspect`.
pub fn ssl_files(
    facts: &ServerFacts,
    data_dir: &Path,
    inspect: impl Fn(&Path) -> FileState,
) -> Vec<SslFileFact> {
    let mut v = Vec::new();
    for name in [
        "ssl_cert_file",
        "ssl_key_file",
        "ssl_ca_file",
        "ssl_crl_file",
    ] {
        let Some(s) = facts.setting(name) else {
            continue;
        };
        if s.value.is_empty() {
            continue;
        }
        let p = Path::new(&s.value);
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            data_dir.join(p)
        };
        v.push(SslFileFact {
            setting: name.to_string(),
            path: full.display().to_string(),
            state: inspect(&full),
        });
    }
    check_key_pair(&mut v);
    v
}

/// A key that does not belong to the certificate: the server refuses to
/// start with it. Compared only when both files were inspected here and
/// hold PEM.
fn check_key_pair(files: &mut [SslFileFact]) {
    let at = |name: &str| {
        files
            .iter()
            .position(|f| f.setting == name && f.state == FileState::Readable)
    };
    let (Some(c), Some(k)) = (at("ssl_cert_file"), at("ssl_key_file")) else {
        return;
    };
    let (Ok(cert), Ok(key)) = (std::fs::read(&files[c].path), std::fs::read(&files[k].path)) else {
        return;
    };
    if crate::keypair::key_matches_cert(&cert, &key) == Some(false) {
        files[k].state = FileState::Unusable(format!(
            "it does not belong to the certificate in {} (the server stops with \"could not load private key file ...: key values mismatch\")",
            files[c].path
        ));
    }
}
