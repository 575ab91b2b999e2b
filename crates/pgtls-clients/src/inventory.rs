//! Reading a saved `pgtls clients scan --format json` back (what
//! `pgtls fix --client-inventory FILE` consumes): typed, version-checked.

use serde::{Deserialize, Serialize};

use crate::model::Verdict;
use crate::scan::SCHEMA_VERSION;

/// One client setting of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryEntry {
    pub file: String,
    pub line: u32,
    pub code: String,
    pub verdict: Verdict,
    pub driver: String,
    pub effective_sslmode: Option<String>,
    pub may_be_plaintext: bool,
    pub verifies_server_cert: bool,
    pub verifies_hostname: bool,
    pub host: Option<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub database: Option<String>,
    pub fix: String,
}

impl InventoryEntry {
    /// Would this client break (or stay plaintext) once the server allows
    /// only `hostssl`? True for clients that never ask for TLS; `prefer`
    /// and `allow` clients switch to TLS by themselves.
    pub fn breaks_under_hostssl(&self) -> bool {
        self.verdict == Verdict::Plaintext
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Inventory {
    pub schema_version: u32,
    pub roots: Vec<String>,
    pub findings: Vec<InventoryEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("not a pgtls clients scan JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("client inventory has schema_version {found}; this pgtls reads {expected}")]
    Version { found: u32, expected: u32 },
}

/// Parse a scan JSON document.
pub fn parse_inventory(text: &str) -> Result<Inventory, InventoryError> {
    let inv: Inventory = serde_json::from_str(text)?;
    if inv.schema_version != SCHEMA_VERSION {
        return Err(InventoryError::Version {
            found: inv.schema_version,
            expected: SCHEMA_VERSION,
        });
    }
    Ok(inv)
}
