//! Impact preview and lockout guard: what the new rules would reject,
//! computed with the hba engine's first-match simulator.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;

use anyhow::{Context, Result};
use pgtls_hba::{
    explain, Connection, Encryption as HbaEnc, HbaFile, Interface, MatchContext, Roles,
};
use serde::Serialize;

use crate::facts::{Encryption, HbaSource, ServerFacts, Session, SessionKind};
use crate::stats::Bucket;

/// A current session the new rules would reject (on its next connection).
#[derive(Debug, Clone, Serialize)]
pub struct RejectedSession {
    #[serde(flatten)]
    pub session: Session,
    /// What the server would log.
    pub message: String,
}

/// A client from `--client-inventory` that would stop working: the scan's
/// own entry (`pgtls clients scan --format json`).
pub type InventoryClient = pgtls_clients::inventory::InventoryEntry;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Impact {
    /// False offline: no live sessions were seen, so none are judged.
    pub sessions_known: bool,
    /// Current sessions whose kind of connection the new rules reject.
    pub rejected_sessions: u32,
    pub by_user: Vec<Bucket>,
    pub by_database: Vec<Bucket>,
    pub by_application: Vec<Bucket>,
    pub by_client_addr: Vec<Bucket>,
    pub sessions: Vec<RejectedSession>,
    /// Clients from the inventory that never ask for TLS.
    pub inventory: Vec<InventoryClient>,
}

impl Impact {
    pub fn would_break(&self) -> bool {
        self.rejected_sessions > 0 || !self.inventory.is_empty()
    }
}

/// The matcher's view of this server: role memberships from the live
/// server, interfaces when this is the server's host.
pub fn match_context(facts: &ServerFacts, version_num: u32) -> MatchContext {
    let mut member_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, r) in &facts.memberships {
        member_of.entry(m.clone()).or_default().insert(r.clone());
    }
    let mut ctx = MatchContext::new(version_num);
    ctx.ssl_on = true;
    ctx.roles = Roles {
        member_of,
        known: facts.sessions.is_some(),
    };
    if facts.files.hba_source == Some(HbaSource::File) {
        ctx.interfaces = Interface::local();
    }
    ctx
}

fn enc(e: Encryption) -> HbaEnc {
    match e {
        Encryption::None => HbaEnc::None,
        Encryption::Ssl => HbaEnc::Ssl,
        Encryption::Gss => HbaEnc::Gss,
    }
}

pub fn connection_of(s: &Session) -> Connection {
    Connection {
        addr: Some(s.client_addr),
        user: s.user.clone().unwrap_or_default(),
        // A physical walsender has no database.
        database: s.database.clone().unwrap_or_default(),
        encryption: enc(s.encryption),
        replication: s.kind == SessionKind::Walsender && s.database.is_none(),
    }
}

fn group(rejected: &[RejectedSession], key: impl Fn(&Session) -> String) -> Vec<Bucket> {
    let mut m: BTreeMap<String, u32> = BTreeMap::new();
    for r in rejected {
        *m.entry(key(&r.session)).or_default() += 1;
    }
    let mut v: Vec<Bucket> = m
        .into_iter()
        .map(|(key, n)| Bucket {
            key,
            total: n,
            unencrypted: n,
        })
        .collect();
    v.sort_by(|a, b| b.total.cmp(&a.total).then(a.key.cmp(&b.key)));
    v
}

/// Current sessions that the rules admit today and the new rules reject.
/// A session the current rules already reject (one left over from an
/// earlier change) is not this change's doing.
pub fn sessions(
    before: &HbaFile,
    after: &HbaFile,
    ctx: &MatchContext,
    sessions: &[Session],
) -> Impact {
    let rejected: Vec<RejectedSession> = sessions
        .iter()
        .filter_map(|s| {
            let conn = connection_of(s);
            if explain(before, &conn, ctx).rejected {
                return None;
            }
            let v = explain(after, &conn, ctx);
            v.rejected.then(|| RejectedSession {
                session: s.clone(),
                message: v.message.unwrap_or_default(),
            })
        })
        .collect();
    let none = || crate::stats::NULL_KEY.to_string();
    Impact {
        sessions_known: true,
        rejected_sessions: rejected.len() as u32,
        by_user: group(&rejected, |s| s.user.clone().unwrap_or_else(none)),
        by_database: group(&rejected, |s| s.database.clone().unwrap_or_else(none)),
        by_application: group(&rejected, |s| {
            s.application_name.clone().unwrap_or_else(none)
        }),
        by_client_addr: group(&rejected, |s| s.client_addr.to_string()),
        sessions: rejected,
        inventory: Vec::new(),
    }
}

/// Clients in a `pgtls clients scan --format json` inventory that never
/// ask for TLS: they break once plaintext is refused. (`prefer` and
/// `allow` clients switch to TLS by themselves; the scan's verdict says
/// which is which.)
pub fn inventory(path: &Path) -> Result<Vec<InventoryClient>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the client inventory {}", path.display()))?;
    let inv = pgtls_clients::inventory::parse_inventory(&text).with_context(|| {
        format!(
            "{}: expected the JSON of `pgtls clients scan --format json`",
            path.display()
        )
    })?;
    Ok(inv
        .findings
        .into_iter()
        .filter(|c| c.breaks_under_hostssl())
        .collect())
}

/// Connections that must survive: the tool's own, and each `--keep-access`
/// USER@ADDR[/DB]. Returns the lockouts; adds warnings for access that
/// survives only over TLS.
pub fn lockout(
    before: &HbaFile,
    after: &HbaFile,
    ctx: &MatchContext,
    facts: &ServerFacts,
    keep: &[String],
    warnings: &mut Vec<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if let Some(own) = facts.sessions.as_ref().and_then(|s| s.own.as_ref()) {
        let v = explain(after, &connection_of(own), ctx);
        if v.rejected {
            out.push(format!(
                "the tool's own connection ({}@{}, {}) would be rejected: {}",
                own.user.as_deref().unwrap_or("?"),
                own.client_addr,
                enc(own.encryption).as_str(),
                v.message.unwrap_or_default()
            ));
        }
    }
    for k in keep {
        let (user, rest) = k
            .split_once('@')
            .with_context(|| format!("--keep-access {k}: expected USER@ADDR[/DB]"))?;
        let (addr, db) = rest.split_once('/').unwrap_or((rest, "postgres"));
        let addr: IpAddr = addr
            .trim_matches(['[', ']'])
            .parse()
            .with_context(|| format!("--keep-access {k}: {addr} is not an IP address"))?;
        let conn = |e| Connection {
            addr: Some(addr),
            user: user.to_string(),
            database: db.to_string(),
            encryption: e,
            replication: false,
        };
        let admitted = |f: &HbaFile, e| !explain(f, &conn(e), ctx).rejected;
        let before_any = admitted(before, HbaEnc::None) || admitted(before, HbaEnc::Ssl);
        let after_plain = admitted(after, HbaEnc::None);
        let after_ssl = admitted(after, HbaEnc::Ssl);
        if !after_plain && !after_ssl {
            out.push(format!(
                "--keep-access {k}: would be rejected{}",
                if before_any {
                    " (admitted today)"
                } else {
                    " (already rejected today)"
                }
            ));
        } else if !after_plain && admitted(before, HbaEnc::None) {
            warnings.push(format!(
                "--keep-access {k}: admitted only over TLS after the change (use sslmode=require or better)"
            ));
        }
    }
    Ok(out)
}
