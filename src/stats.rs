//! The headline numbers of an audit: how many TCP sessions are unencrypted,
//! and who they are. Pure functions over [`SessionFacts`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::facts::{Encryption, Session, SessionFacts};

/// One row of a breakdown table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub key: String,
    pub total: u32,
    pub unencrypted: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionStats {
    pub total: u32,
    pub unencrypted: u32,
    pub encrypted_ssl: u32,
    pub encrypted_gss: u32,
    /// `round(100.0 * unencrypted / total, 1)`, as PostgreSQL's numeric
    /// `round` computes it (half away from zero); 0.0 when there are none.
    pub unencrypted_pct: f64,
    pub distinct_clients: u32,
    pub distinct_unencrypted_clients: u32,
    pub by_user: Vec<Bucket>,
    pub by_database: Vec<Bucket>,
    pub by_application: Vec<Bucket>,
    pub by_client_addr: Vec<Bucket>,
}

/// `round(100.0 * part / total, 1)` in exact integer arithmetic.
pub fn pct_1(part: u32, total: u32) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let (p, t) = (u64::from(part), u64::from(total));
    let tenths = (2000 * p + t) / (2 * t);
    tenths as f64 / 10.0
}

pub const NULL_KEY: &str = "(none)";

fn breakdown<'a>(sessions: &'a [Session], key: impl Fn(&'a Session) -> String) -> Vec<Bucket> {
    let mut m: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for s in sessions {
        let e = m.entry(key(s)).or_default();
        e.0 += 1;
        if s.encryption == Encryption::None {
            e.1 += 1;
        }
    }
    let mut v: Vec<Bucket> = m
        .into_iter()
        .map(|(key, (total, unencrypted))| Bucket {
            key,
            total,
            unencrypted,
        })
        .collect();
    // Most unencrypted first, then by key, so the output is stable.
    v.sort_by(|a, b| {
        b.unencrypted
            .cmp(&a.unencrypted)
            .then(b.total.cmp(&a.total))
            .then(a.key.cmp(&b.key))
    });
    v
}

impl SessionStats {
    pub fn of(sessions: &[Session]) -> SessionStats {
        let total = sessions.len() as u32;
        let unencrypted = sessions
            .iter()
            .filter(|s| s.encryption == Encryption::None)
            .count() as u32;
        let count = |e| sessions.iter().filter(|s| s.encryption == e).count() as u32;
        let mut addrs: Vec<_> = sessions.iter().map(|s| s.client_addr).collect();
        addrs.sort();
        addrs.dedup();
        let mut plain_addrs: Vec<_> = sessions
            .iter()
            .filter(|s| s.encryption == Encryption::None)
            .map(|s| s.client_addr)
            .collect();
        plain_addrs.sort();
        plain_addrs.dedup();
        let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| NULL_KEY.to_string());
        SessionStats {
            total,
            unencrypted,
            encrypted_ssl: count(Encryption::Ssl),
            encrypted_gss: count(Encryption::Gss),
            unencrypted_pct: pct_1(unencrypted, total),
            distinct_clients: addrs.len() as u32,
            distinct_unencrypted_clients: plain_addrs.len() as u32,
            by_user: breakdown(sessions, |s| opt(&s.user)),
            by_database: breakdown(sessions, |s| opt(&s.database)),
            by_application: breakdown(sessions, |s| opt(&s.application_name)),
            by_client_addr: breakdown(sessions, |s| s.client_addr.to_string()),
        }
    }

    pub fn of_facts(f: &SessionFacts) -> SessionStats {
        Self::of(&f.clients)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentage_rounds_like_postgres_numeric_round() {
        assert_eq!(pct_1(8, 10), 80.0);
        assert_eq!(pct_1(1, 3), 33.3);
        assert_eq!(pct_1(2, 3), 66.7);
        assert_eq!(pct_1(1, 8), 12.5);
        // 100/16 = 6.25 -> 6.3 (half away from zero)
        assert_eq!(pct_1(1, 16), 6.3);
        assert_eq!(pct_1(0, 0), 0.0);
        assert_eq!(pct_1(7, 7), 100.0);
    }
}
