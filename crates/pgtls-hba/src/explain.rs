//! First-match simulation of `check_hba()` and the message the server logs
//! when it rejects.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::{ip, Address, AuthMethod, ConnType, HbaFile, HbaRule, Token};

/// Transport encryption of a connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encryption {
    None,
    Ssl,
    Gss,
}

impl Encryption {
    pub fn as_str(self) -> &'static str {
        match self {
            Encryption::None => "none",
            Encryption::Ssl => "ssl",
            Encryption::Gss => "gss",
        }
    }
}

/// A connection attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// Client address; `None` for a Unix-socket connection.
    pub addr: Option<IpAddr>,
    pub user: String,
    pub database: String,
    pub encryption: Encryption,
    /// Physical replication (`replication=true`); only the `replication`
    /// database keyword can match it.
    pub replication: bool,
}

/// A server network interface (for samehost / samenet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub addr: IpAddr,
    pub netmask: IpAddr,
}

impl Interface {
    /// This machine's interfaces (what the server sees when it runs here).
    pub fn local() -> Option<Vec<Interface>> {
        let ifs = if_addrs::get_if_addrs().ok()?;
        Some(
            ifs.into_iter()
                .map(|i| match i.addr {
                    if_addrs::IfAddr::V4(a) => Interface {
                        addr: IpAddr::V4(a.ip),
                        netmask: IpAddr::V4(a.netmask),
                    },
                    if_addrs::IfAddr::V6(a) => Interface {
                        addr: IpAddr::V6(a.ip),
                        netmask: IpAddr::V6(a.netmask),
                    },
                })
                .collect(),
        )
    }
}

/// Role memberships: role -> roles it is a direct member of.
/// Superusers are not implicitly members (PostgreSQL's
/// `is_member_of_role_nosuper`), but every existing role is a member of
/// itself (`+alice` matches alice, `samerole` matches database alice).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    /// With `known`, every existing role is a key (maybe with no roles).
    pub member_of: BTreeMap<String, BTreeSet<String>>,
    /// Whether these come from the server: then a role that is not a key
    /// does not exist (and is a member of nothing, not even itself).
    /// Otherwise the connecting user is assumed to exist.
    pub known: bool,
}

impl Roles {
    /// Direct memberships of one user (e.g. from `--member-of`).
    pub fn for_user(user: &str, roles: impl IntoIterator<Item = String>) -> Roles {
        let mut m = BTreeMap::new();
        m.insert(user.to_string(), roles.into_iter().collect());
        Roles {
            member_of: m,
            known: false,
        }
    }

    /// Every role `user` is a direct or indirect member of, itself included
    /// when it exists.
    pub fn closure(&self, user: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        if !self.known || self.member_of.contains_key(user) {
            seen.insert(user.to_string());
        }
        let mut stack: Vec<&str> = vec![user];
        while let Some(u) = stack.pop() {
            if let Some(ms) = self.member_of.get(u) {
                for m in ms {
                    if seen.insert(m.clone()) {
                        stack.push(m);
                    }
                }
            }
        }
        seen
    }
}

/// What the matcher knows about the server.
#[derive(Debug, Clone)]
pub struct MatchContext {
    pub ssl_on: bool,
    pub version_num: u32,
    pub roles: Roles,
    /// Server interfaces for samehost / samenet; `None` = unknown.
    pub interfaces: Option<Vec<Interface>>,
    /// Server built with GSSAPI (hostgssenc can match at all).
    pub gss_build: bool,
}

impl MatchContext {
    pub fn new(version_num: u32) -> MatchContext {
        MatchContext {
            ssl_on: true,
            version_num,
            roles: Roles::default(),
            interfaces: None,
            gss_build: true,
        }
    }
}

/// The outcome of [`explain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub matched_file: Option<String>,
    pub matched_line: Option<u32>,
    pub matched_raw: Option<String>,
    pub rule_number: Option<u32>,
    /// `None` when nothing matches (implicit reject).
    pub method: Option<AuthMethod>,
    /// A `reject` rule or no match.
    pub rejected: bool,
    /// What PostgreSQL logs (FATAL) when it rejects.
    pub message: Option<String>,
    /// Earlier rules whose outcome depends on DNS or interfaces that are
    /// unknown here, and other caveats.
    pub notes: Vec<String>,
    /// True when some earlier rule might have matched (see `notes`).
    pub uncertain: bool,
}

impl Verdict {
    pub fn matched(&self) -> Option<(String, u32)> {
        Some((self.matched_file.clone()?, self.matched_line?))
    }
}

pub(crate) fn db_matches(
    tokens: &[Token],
    db: &str,
    user: &str,
    replication: bool,
    member: &dyn Fn(&str) -> bool,
) -> bool {
    for t in tokens {
        if replication {
            if t.is_keyword("replication") {
                return true;
            }
        } else if t.is_keyword("all") {
            return true;
        } else if t.is_keyword("sameuser") {
            if db == user {
                return true;
            }
        } else if t.is_keyword("samegroup") || t.is_keyword("samerole") {
            if member(db) {
                return true;
            }
        } else if t.is_keyword("replication") {
            continue;
        } else if let Some(re) = &t.regex {
            if re.is_match(db) {
                return true;
            }
        } else if t.text == db {
            return true;
        }
    }
    false
}

pub(crate) fn user_matches(tokens: &[Token], user: &str, member: &dyn Fn(&str) -> bool) -> bool {
    for t in tokens {
        if let Some(g) = t.group() {
            if member(g) {
                return true;
            }
        } else if t.is_keyword("all") {
            return true;
        } else if let Some(re) = &t.regex {
            if re.is_match(user) {
                return true;
            }
        } else if t.text == user {
            return true;
        }
    }
    false
}

fn iface_match(ifs: &[Interface], c: IpAddr, same_host: bool) -> bool {
    ifs.iter().any(|i| {
        if same_host {
            i.addr == c
        } else {
            ip::in_range(c, i.addr, i.netmask)
        }
    })
}

/// Does the rule's type accept this connection (socket kind, SSL, GSS)?
pub(crate) fn type_admits(r: &HbaRule, c: &Connection, gss_build: bool) -> bool {
    if r.conn_type == ConnType::HostGssEnc && !gss_build {
        return false;
    }
    r.conn_type.admits(c.addr.map(|_| c.encryption))
}

/// NAMEDATALEN - 1: the longest user or database name the server keeps.
pub(crate) const NAME_MAX: usize = 63;

/// A name as the postmaster keeps it: at most 63 bytes (cut at a character
/// boundary here; the server cuts bytes).
pub(crate) fn truncate_name(s: &str) -> &str {
    if s.len() <= NAME_MAX {
        return s;
    }
    let mut end = NAME_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Which record PostgreSQL picks for `conn` (first match, no fall-through).
pub fn explain(file: &HbaFile, conn: &Connection, ctx: &MatchContext) -> Verdict {
    // The postmaster cuts both names to NAMEDATALEN - 1 bytes first.
    let cut = |s: &str| s.len() > NAME_MAX;
    let owned;
    let conn = if cut(&conn.user) || cut(&conn.database) {
        owned = Connection {
            user: truncate_name(&conn.user).to_string(),
            database: truncate_name(&conn.database).to_string(),
            ..conn.clone()
        };
        &owned
    } else {
        conn
    };
    let closure = ctx.roles.closure(&conn.user);
    let member = |r: &str| closure.contains(r);
    let mut notes = Vec::new();
    let mut uncertain = false;
    if !file.loads() {
        notes.push(format!(
            "{} has errors: PostgreSQL refuses to start with it, and a reload keeps the previous rules; the verdict below uses the lines that parse",
            file.file
        ));
    }
    if conn.encryption == Encryption::Ssl && !ctx.ssl_on {
        notes.push("the server has ssl = off: no SSL connection can be made".into());
    }
    for r in &file.rules {
        if !type_admits(r, conn, ctx.gss_build) {
            continue;
        }
        if let Some(c) = conn.addr {
            match &r.address {
                Address::None => continue,
                Address::All => {}
                Address::Ip { addr, mask, .. } => {
                    if !ip::in_range(c, *addr, *mask) {
                        continue;
                    }
                }
                Address::Hostname(h) => {
                    if db_matches(
                        &r.databases,
                        &conn.database,
                        &conn.user,
                        conn.replication,
                        &member,
                    ) && user_matches(&r.users, &conn.user, &member)
                    {
                        uncertain = true;
                        notes.push(format!(
                            "{}:{}: host name \"{h}\" was not resolved (reverse DNS of the client decides); treated as no match",
                            r.file, r.line
                        ));
                    }
                    continue;
                }
                Address::SameHost | Address::SameNet => {
                    let same_host = r.address == Address::SameHost;
                    match &ctx.interfaces {
                        Some(ifs) => {
                            if !iface_match(ifs, c, same_host) {
                                continue;
                            }
                        }
                        None => {
                            if db_matches(
                                &r.databases,
                                &conn.database,
                                &conn.user,
                                conn.replication,
                                &member,
                            ) && user_matches(&r.users, &conn.user, &member)
                            {
                                uncertain = true;
                                notes.push(format!(
                                    "{}:{}: {} depends on the server's interfaces, unknown here; treated as no match",
                                    r.file,
                                    r.line,
                                    if same_host { "samehost" } else { "samenet" }
                                ));
                            }
                            continue;
                        }
                    }
                }
            }
        }
        if !db_matches(
            &r.databases,
            &conn.database,
            &conn.user,
            conn.replication,
            &member,
        ) {
            continue;
        }
        if !user_matches(&r.users, &conn.user, &member) {
            continue;
        }
        let rejected = r.method == AuthMethod::Reject;
        return Verdict {
            matched_file: Some(r.file.clone()),
            matched_line: Some(r.line),
            matched_raw: Some(r.raw.clone()),
            rule_number: Some(r.rule_number),
            method: Some(r.method),
            rejected,
            message: rejected.then(|| reject_message(conn, ctx.version_num, true)),
            notes,
            uncertain,
        };
    }
    Verdict {
        matched_file: None,
        matched_line: None,
        matched_raw: None,
        rule_number: None,
        method: None,
        rejected: true,
        message: Some(reject_message(conn, ctx.version_num, false)),
        notes,
        uncertain,
    }
}

/// The FATAL text of `ClientAuthentication()` for an explicit (`reject`
/// line) or implicit (no line) rejection.
pub fn reject_message(conn: &Connection, version_num: u32, explicit: bool) -> String {
    let feat = crate::version::Features::of(version_num);
    let host = match conn.addr {
        Some(a) => ip::ntop(a),
        None => "[local]".to_string(),
    };
    let enc = if feat.encryption_words {
        match conn.encryption {
            Encryption::Gss => "GSS encryption",
            Encryption::Ssl => "SSL encryption",
            Encryption::None => "no encryption",
        }
    } else if conn.encryption == Encryption::Ssl {
        "SSL on"
    } else {
        "SSL off"
    };
    let user = &conn.user;
    let db = &conn.database;
    match (explicit, conn.replication) {
        (true, true) => format!(
            "pg_hba.conf rejects replication connection for host \"{host}\", user \"{user}\", {enc}"
        ),
        (true, false) => format!(
            "pg_hba.conf rejects connection for host \"{host}\", user \"{user}\", database \"{db}\", {enc}"
        ),
        (false, true) => format!(
            "no pg_hba.conf entry for replication connection from host \"{host}\", user \"{user}\", {enc}"
        ),
        (false, false) => format!(
            "no pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{db}\", {enc}"
        ),
    }
}
