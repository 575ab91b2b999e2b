//! `pgtls fix`: enforce encryption safely.
//!
//! Plan (always): which pg_hba rules become `hostssl`, which settings
//! change and where they take effect, the plaintext-reachability table
//! before and after, the unified diff of every file, the live sessions the
//! new rules would reject, and the lockout guard. Apply (only with
//! `--apply`): re-check file hashes, back up, write atomically, reload,
//! verify against the server, and roll everything back on any failure.

mod apply;
mod atomic;
pub mod hba_edit;
mod impact;
mod plan;
mod render;

use std::path::PathBuf;

use serde::Serialize;

pub use apply::apply;
pub use impact::{Impact, InventoryClient};
pub use plan::{make_plan, FileChange, Plan, PlanContext, RuleChange, RuleInsert, SettingChange};
pub use render::render_text;

use crate::facts::Session;
use crate::live::ConnectSpec;

/// The TLS floor `fix` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MinTls {
    #[serde(rename = "TLSv1.2")]
    Tls12,
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

impl MinTls {
    pub fn as_pg(self) -> &'static str {
        match self {
            MinTls::Tls12 => "TLSv1.2",
            MinTls::Tls13 => "TLSv1.3",
        }
    }
    pub fn version(self) -> pgtls_model::TlsVersion {
        match self {
            MinTls::Tls12 => pgtls_model::TlsVersion::Tls12,
            MinTls::Tls13 => pgtls_model::TlsVersion::Tls13,
        }
    }
}

impl std::str::FromStr for MinTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().trim_start_matches("tlsv") {
            "1.2" => Ok(MinTls::Tls12),
            "1.3" => Ok(MinTls::Tls13),
            _ => Err(format!("--min-tls takes 1.2 or 1.3, not {s}")),
        }
    }
}

/// Where setting changes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// `ALTER SYSTEM SET` on the live server (postgresql.auto.conf).
    AlterSystem,
    /// Edit the file and line that define the effective value.
    File,
}

#[derive(Debug, Clone)]
pub struct FixOptions {
    pub live: Option<ConnectSpec>,
    pub config_dir: Option<PathBuf>,
    pub pg_version: Option<u32>,
    pub apply: bool,
    pub reload: bool,
    pub allow_plaintext_from: Vec<ipnet::IpNet>,
    pub keep_loopback: bool,
    pub guard: bool,
    pub min_tls: MinTls,
    pub via: Option<Via>,
    pub client_inventory: Option<PathBuf>,
    pub keep_access: Vec<String>,
    pub force: bool,
    pub terminate_plaintext: bool,
    pub yes: bool,
    /// A plan saved with `--plan-out`: apply only if it is still what would
    /// be done (same files, same hashes).
    pub reviewed_plan: Option<PathBuf>,
}

impl Default for FixOptions {
    fn default() -> Self {
        FixOptions {
            live: None,
            config_dir: None,
            pg_version: None,
            apply: false,
            reload: false,
            allow_plaintext_from: Vec::new(),
            keep_loopback: false,
            guard: false,
            min_tls: MinTls::Tls12,
            via: None,
            client_inventory: None,
            keep_access: Vec::new(),
            force: false,
            terminate_plaintext: false,
            yes: false,
            reviewed_plan: None,
        }
    }
}

/// One verification step after the reload.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// Everything `fix` did or would do.
#[derive(Debug, Clone, Serialize)]
pub struct FixOutcome {
    pub plan: Plan,
    /// True when files or settings were written.
    pub applied: bool,
    /// True when the server was told to reload (live, or `--reload`).
    pub reloaded: bool,
    pub verification: Vec<Verification>,
    /// True when an apply failed and everything was restored.
    pub rolled_back: bool,
    /// Why the apply stopped (refused, or failed and rolled back).
    pub error: Option<String>,
    /// Unencrypted sessions still open after the reload (a reload ends none).
    pub remaining_plaintext: Vec<Session>,
    pub terminated: Vec<i32>,
}

impl FixOutcome {
    /// 0: nothing would break / applied and verified; 1: the plan would
    /// reject current sessions or lock someone out, or apply was refused;
    /// 2: the apply failed (and was rolled back).
    pub fn exit_code(&self) -> u8 {
        let would_break = self.plan.impact.would_break() || !self.plan.lockout.is_empty();
        if self.rolled_back || (self.error.is_some() && self.applied) {
            2
        } else if self.error.is_some() || (!self.applied && would_break) {
            1
        } else {
            0
        }
    }
}

/// Plan, and apply when asked.
pub fn run(opts: &FixOptions) -> anyhow::Result<FixOutcome> {
    let (plan, ctx) = make_plan(opts)?;
    let mut outcome = FixOutcome {
        plan,
        applied: false,
        reloaded: false,
        verification: Vec::new(),
        rolled_back: false,
        error: None,
        remaining_plaintext: Vec::new(),
        terminated: Vec::new(),
    };
    if opts.apply {
        apply(opts, ctx, &mut outcome)?;
    }
    Ok(outcome)
}
