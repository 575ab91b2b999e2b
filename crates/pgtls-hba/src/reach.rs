//! Reachability: for every kind of connection (Unix socket, unencrypted
//! TCP, SSL, GSS-encrypted), which rule gets which part of the space of
//! (client address, user, database) first.
//!
//! Method. Address space is exact: each rule's address is a set of
//! integer intervals (IPv4 and IPv6 apart), and for every (user key,
//! database key) pair the addresses already taken by earlier rules are kept
//! as merged interval sets; a rule is reachable for a witness (user, db)
//! when its intervals are not covered by the union of the sets that apply
//! to that witness. Users and databases are finite classes: every literal
//! name in the file, "a name the file never mentions", members of each
//! `+group`, a sample for each `/regex`, `sameuser`/`samerole` pairs and
//! physical replication. Witnesses are drawn from each rule's own values,
//! choosing the least-covered member of each class (no memberships beyond
//! the one needed, names that no other value mentions). Host names and
//! unresolved samehost/samenet are symbolic: they may match (DNS or the
//! interfaces decide) and never cover anything for later rules.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::net::IpAddr;

use serde::Serialize;

use crate::explain::{db_matches, user_matches};
use crate::{
    ip, Address, AuthMethod, ConnType, Encryption, HbaError, HbaFile, HbaRule, Interface, Roles,
    Token,
};

/// Inputs of [`analyze`] besides the file.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub ssl_on: bool,
    /// Server built with GSSAPI (else hostgssenc never matches and no
    /// connection is GSS-encrypted).
    pub gss_build: bool,
    /// Known role memberships (from the server); `None` = unknown, any
    /// user may be a member of any group.
    pub roles: Option<Roles>,
    /// The server's interfaces when the analysis runs on the server;
    /// `None` keeps samehost / samenet symbolic.
    pub interfaces: Option<Vec<Interface>>,
    /// At most this many address ranges listed per region.
    pub max_ranges_per_region: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            ssl_on: true,
            gss_build: true,
            roles: None,
            interfaces: None,
            max_ranges_per_region: 8,
        }
    }
}

/// A concrete connection that reaches a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// Client address, `[local]` for a Unix socket, or a host name /
    /// samehost / samenet placeholder when `symbolic`.
    pub addr: String,
    pub user: String,
    pub db: String,
    /// Roles the user must be a member of for this witness.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub member_of: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replication: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub symbolic: bool,
}

/// A part of the connection space that a rule gets first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub file: String,
    pub line: u32,
    #[serde(rename = "type")]
    pub conn_type: ConnType,
    pub method: AuthMethod,
    pub encryption: Encryption,
    /// Address ranges (CIDR or `first-last`), or the symbolic address.
    pub addresses: Vec<String>,
    /// More ranges exist than are listed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Which users: a name, `any user not named elsewhere`, `members of X`,
    /// `names matching /re`.
    pub users: String,
    pub databases: String,
    /// Only loopback addresses (127.0.0.0/8, ::1).
    pub loopback_only: bool,
    pub witness: Witness,
}

/// A guard (`hostnossl ... reject`) that an earlier rule bypasses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuardBypass {
    pub guard_file: String,
    pub guard_line: u32,
    pub by_file: String,
    pub by_line: u32,
    pub by_method: AuthMethod,
    pub witness: Witness,
}

/// Per-rule result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleReach {
    pub file: String,
    pub line: u32,
    #[serde(rename = "type")]
    pub conn_type: ConnType,
    pub method: AuthMethod,
    pub raw: String,
    /// Some unencrypted TCP connection matches this rule first and the
    /// method is not `reject`.
    pub plaintext_reachable: bool,
    /// Reached by unencrypted TCP at all (guards included).
    pub plaintext_matched: bool,
    pub ssl_matched: bool,
    pub gss_matched: bool,
    pub local_matched: bool,
    /// No connection of any kind matches it first.
    pub never_matches: bool,
    pub reason: Option<String>,
    /// Earlier rules that take its space (when it never matches).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shadowed_by: Vec<String>,
    /// Its plaintext region lies within loopback addresses only.
    pub plaintext_loopback_only: bool,
    pub plaintext_witness: Option<Witness>,
    /// The rule is a plaintext guard (`hostnossl ... reject`).
    pub guard: bool,
    /// Depends on DNS / interfaces / memberships that are unknown here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The `hba check` model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reachability {
    pub rules: Vec<RuleReach>,
    pub plaintext_regions: Vec<Region>,
    pub guard_bypasses: Vec<GuardBypass>,
    pub errors: Vec<HbaError>,
    pub notes: Vec<String>,
}

// ---------------------------------------------------------------- keys

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum UK {
    All,
    Lit(u32),
    Group(u32),
    Re(u32),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum DK {
    All,
    Lit(u32),
    SameUser,
    SameRole,
    Re(u32),
    Repl,
}

#[derive(Default, Clone)]
/// Names of one column of the file (borrowed from its tokens), numbered.
struct Interner<'a> {
    map: FxHashMap<&'a str, u32>,
}

/// The names of the USER column (literal names and `+group` names) and of
/// the DATABASE column, numbered apart: an index key never compares a
/// user id with a database id (`sameuser` and `samerole` compare names),
/// so each column is interned on its own thread.
struct Names<'a> {
    users: Interner<'a>,
    dbs: Interner<'a>,
}

impl Names<'_> {
    /// Whether the file mentions `s` in either column.
    fn mentioned(&self, s: &str) -> bool {
        self.users.get(s).is_some() || self.dbs.get(s).is_some()
    }
    fn len(&self) -> usize {
        self.users.map.len() + self.dbs.map.len()
    }
}

/// One column of the file: its names, its distinct patterns and, per rule,
/// one index key per value (aligned with the rule's values, so that a
/// witness drawn from value `k` knows its name's id).
struct Column<'a, K> {
    names: Interner<'a>,
    res: Vec<crate::regexes::HbaRegex>,
    keys: Vec<SmallVec<[K; 3]>>,
}

/// One column's names, patterns and keys: `values` picks the column,
/// `key` makes the key of a value that is not a pattern.
fn column<'a, K>(
    file: &'a HbaFile,
    values: fn(&HbaRule) -> &[Token],
    pattern: fn(u32) -> K,
    key: impl Fn(&'a Token, &mut Interner<'a>) -> K,
) -> Column<'a, K> {
    let tokens: usize = file.rules.iter().map(|r| values(r).len()).sum();
    let mut names = Interner {
        map: FxHashMap::with_capacity_and_hasher(tokens, Default::default()),
    };
    let mut res = Vec::new();
    let mut re_idx: HashMap<&str, u32> = HashMap::new();
    let mut keys = Vec::with_capacity(file.rules.len());
    for r in &file.rules {
        let mut ks = SmallVec::new();
        for t in values(r) {
            ks.push(if let Some(re) = &t.regex {
                let next = res.len() as u32;
                let i = *re_idx.entry(&t.text).or_insert(next);
                if i == next {
                    res.push(re.clone());
                }
                pattern(i)
            } else {
                key(t, &mut names)
            });
        }
        keys.push(ks);
    }
    Column { names, res, keys }
}

fn user_column(file: &HbaFile) -> Column<'_, UK> {
    column(
        file,
        |r| &r.users,
        UK::Re,
        |t, names| {
            if let Some(g) = t.group() {
                UK::Group(names.intern(g))
            } else if t.is_keyword("all") {
                UK::All
            } else {
                UK::Lit(names.intern(&t.text))
            }
        },
    )
}

fn db_column(file: &HbaFile) -> Column<'_, DK> {
    column(
        file,
        |r| &r.databases,
        DK::Re,
        |t, names| {
            if t.is_keyword("all") {
                DK::All
            } else if t.is_keyword("sameuser") {
                DK::SameUser
            } else if t.is_keyword("samerole") || t.is_keyword("samegroup") {
                DK::SameRole
            } else if t.is_keyword("replication") {
                DK::Repl
            } else {
                DK::Lit(names.intern(&t.text))
            }
        },
    )
}

impl<'a> Interner<'a> {
    fn intern(&mut self, s: &'a str) -> u32 {
        let next = self.map.len() as u32;
        *self.map.entry(s).or_insert(next)
    }
    fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
}

// ------------------------------------------------------- interval sets

const V4_MAX: u128 = u32::MAX as u128;
const V6_MAX: u128 = u128::MAX;

/// Merged, sorted, disjoint intervals of covered addresses, each with the
/// first few rules that contributed to it (for "shadowed by"). Small sets
/// are a sorted vector; past `BIG` segments they move to a B-tree so that
/// inserting stays logarithmic.
#[derive(Default)]
struct Iv {
    /// Most cells hold one merged interval: kept inline.
    v: SmallVec<[Seg; 1]>,
    big: Option<BTreeMap<u128, Seg>>,
}

const BIG: usize = 64;

#[derive(Clone, Copy)]
struct Seg {
    lo: u128,
    hi: u128,
    owners: [u32; 4],
    n: u8,
}

impl Seg {
    fn add_owner(&mut self, o: u32) {
        if (self.n as usize) < self.owners.len() && !self.owners[..self.n as usize].contains(&o) {
            self.owners[self.n as usize] = o;
            self.n += 1;
        }
    }
}

impl Iv {
    fn is_empty(&self) -> bool {
        self.v.is_empty() && self.big.as_ref().is_none_or(|b| b.is_empty())
    }

    /// The last segment starting at or before `p`.
    fn seg_at(&self, p: u128) -> Option<&Seg> {
        match &self.big {
            Some(b) => b.range(..=p).next_back().map(|(_, s)| s),
            None => {
                let i = self.v.partition_point(|s| s.lo <= p);
                i.checked_sub(1).map(|i| &self.v[i])
            }
        }
    }

    /// End of the merged interval holding `p`.
    fn covering_end(&self, p: u128) -> Option<u128> {
        let s = self.seg_at(p)?;
        (s.hi >= p).then_some(s.hi)
    }

    /// Start of the first interval starting after `p`.
    fn next_start(&self, p: u128) -> Option<u128> {
        match &self.big {
            Some(b) => {
                if p == u128::MAX {
                    None
                } else {
                    b.range(p + 1..).next().map(|(&k, _)| k)
                }
            }
            None => {
                let i = self.v.partition_point(|s| s.lo <= p);
                self.v.get(i).map(|s| s.lo)
            }
        }
    }

    fn insert(&mut self, a: u128, b: u128, owner: u32) {
        if self.big.is_none() && self.v.len() >= BIG {
            self.big = Some(self.v.drain(..).map(|s| (s.lo, s)).collect());
        }
        // segments touching [a,b] (adjacent counts), in order
        let touching: SmallVec<[Seg; 4]> = match &self.big {
            Some(m) => {
                let from = m
                    .range(..=a)
                    .next_back()
                    .filter(|(_, s)| s.hi.saturating_add(1) >= a)
                    .map(|(&k, _)| k)
                    .unwrap_or(a);
                m.range(from..)
                    .take_while(|(&lo, _)| b == u128::MAX || lo <= b + 1)
                    .map(|(_, s)| *s)
                    .collect()
            }
            None => {
                let first = self.v.partition_point(|s| s.hi.saturating_add(1) < a);
                self.v[first..]
                    .iter()
                    .take_while(|s| b == u128::MAX || s.lo <= b + 1)
                    .copied()
                    .collect()
            }
        };
        let mut seg = Seg {
            lo: a,
            hi: b,
            owners: [owner, 0, 0, 0],
            n: 1,
        };
        if let Some(first) = touching.first() {
            // keep the earlier contributors first
            let mut o = *first;
            if !(first.lo <= a && first.hi >= b) {
                o.add_owner(owner);
            }
            o.lo = o.lo.min(a);
            o.hi = o.hi.max(b);
            for t in &touching[1..] {
                o.hi = o.hi.max(t.hi);
                for k in 0..t.n as usize {
                    o.add_owner(t.owners[k]);
                }
            }
            seg = o;
        }
        match &mut self.big {
            Some(m) => {
                for t in &touching {
                    m.remove(&t.lo);
                }
                m.insert(seg.lo, seg);
            }
            None => {
                let first = self.v.partition_point(|s| s.hi.saturating_add(1) < a);
                if touching.is_empty() {
                    self.v.insert(first, seg);
                } else {
                    // the merged segment replaces the ones it absorbed
                    self.v[first] = seg;
                    self.v.drain(first + 1..first + touching.len());
                }
            }
        }
    }

    /// Rules that contributed to the intervals over [a,b] (at most `max`).
    fn owners(&self, a: u128, b: u128, max: usize, out: &mut Owners) {
        let start = self.seg_at(a).map_or(a, |s| s.lo);
        let mut visit = |s: &Seg| -> bool {
            if s.hi >= a {
                for &o in &s.owners[..s.n as usize] {
                    if !out.contains(&o) {
                        out.push(o);
                        if out.len() >= max {
                            return false;
                        }
                    }
                }
            }
            true
        };
        match &self.big {
            Some(m) => {
                for (_, s) in m.range(start..=b.max(start)) {
                    if !visit(s) {
                        return;
                    }
                }
            }
            None => {
                let i = self.v.partition_point(|s| s.lo < start);
                for s in self.v[i..].iter().take_while(|s| s.lo <= b) {
                    if !visit(s) {
                        return;
                    }
                }
            }
        }
    }

    #[cfg(test)]
    fn segments(&self) -> Vec<(u128, u128)> {
        match &self.big {
            Some(m) => m.values().map(|s| (s.lo, s.hi)).collect(),
            None => self.v.iter().map(|s| (s.lo, s.hi)).collect(),
        }
    }
}

/// First point of [lo,hi] no cover holds.
fn first_gap(covers: &[&Iv], lo: u128, hi: u128) -> Option<u128> {
    let mut p = lo;
    loop {
        let mut moved = false;
        for c in covers {
            if let Some(e) = c.covering_end(p) {
                if e >= hi {
                    return None;
                }
                p = e + 1;
                moved = true;
            }
        }
        if !moved {
            return Some(p);
        }
    }
}

/// Uncovered sub-ranges of [lo,hi] (at most `max`; the flag says more).
fn gaps(covers: &[&Iv], lo: u128, hi: u128, max: usize) -> (Vec<(u128, u128)>, bool) {
    let mut out = Vec::new();
    let mut p = lo;
    while let Some(g) = first_gap(covers, p, hi) {
        let end = covers
            .iter()
            .filter_map(|c| c.next_start(g))
            .filter(|&s| s <= hi)
            .min()
            .map(|s| s - 1)
            .unwrap_or(hi);
        if out.len() == max {
            return (out, true);
        }
        out.push((g, end));
        if end >= hi {
            break;
        }
        p = end + 1;
    }
    (out, false)
}

// ------------------------------------------------------------ addresses

type Ranges = SmallVec<[(bool, u128, u128); 2]>;
/// Up to five earlier rules that take a rule's space.
type Owners = SmallVec<[u32; 5]>;
type UKs = SmallVec<[UK; 3]>;
type DKs = SmallVec<[DK; 3]>;

#[derive(Clone, Debug)]
enum AddrSpec {
    /// (is_v6, lo, hi) inclusive ranges.
    Ranges(Ranges),
    /// Host name, or samehost / samenet without interfaces.
    Symbolic(String),
}

fn loopback_ranges() -> [(bool, u128, u128); 2] {
    [(false, 0x7f00_0000, 0x7fff_ffff), (true, 1, 1)]
}

fn range_of(addr: IpAddr, mask: IpAddr) -> Option<(bool, u128, u128)> {
    let p = ip::mask_prefix(mask)?;
    let v6 = addr.is_ipv6();
    let bits = if v6 { 128 } else { 32 };
    let a = ip::to_u128(addr);
    let host = if p as u32 == bits {
        0
    } else if v6 {
        u128::MAX >> p
    } else {
        (V4_MAX >> p) & V4_MAX
    };
    let lo = a & !host;
    Some((v6, lo, lo | host))
}

/// Intervals of a non-contiguous mask when there are few of them.
fn noncontiguous(addr: IpAddr, mask: IpAddr, limit: usize) -> Option<Vec<(bool, u128, u128)>> {
    let v6 = addr.is_ipv6();
    let bits: u32 = if v6 { 128 } else { 32 };
    let m = ip::to_u128(mask);
    let a = ip::to_u128(addr) & m;
    // trailing free bits form one interval; the other free bits enumerate
    let tz = if m == 0 {
        bits
    } else {
        m.trailing_zeros().min(bits)
    };
    let free_high: Vec<u32> = (tz..bits).filter(|b| m & (1u128 << b) == 0).collect();
    if free_high.len() > 20 || (1usize << free_high.len()) > limit {
        return None;
    }
    let low_mask = if tz == 0 {
        0
    } else if tz >= 128 {
        u128::MAX
    } else {
        (1u128 << tz) - 1
    };
    let mut out = Vec::new();
    for combo in 0..(1u128 << free_high.len()) {
        let mut base = a;
        for (i, b) in free_high.iter().enumerate() {
            if combo & (1 << i) != 0 {
                base |= 1u128 << b;
            }
        }
        out.push((v6, base & !low_mask, base | low_mask));
    }
    out.sort();
    Some(out)
}

fn addr_spec(r: &HbaRule, o: &AnalyzeOptions, notes: &mut Vec<String>) -> AddrSpec {
    match &r.address {
        Address::None => AddrSpec::Ranges(smallvec::smallvec![(false, 0, 0)]),
        Address::All => {
            AddrSpec::Ranges(smallvec::smallvec![(false, 0, V4_MAX), (true, 0, V6_MAX)])
        }
        Address::Ip { addr, mask, .. } => match range_of(*addr, *mask) {
            Some(x) => AddrSpec::Ranges(smallvec::smallvec![x]),
            None => match noncontiguous(*addr, *mask, 4096) {
                Some(v) => AddrSpec::Ranges(v.into()),
                None => {
                    notes.push(format!(
                        "non-contiguous mask {} splits into too many ranges: only its first address is analysed",
                        ip::ntop(*mask)
                    ));
                    let a = ip::to_u128(*addr) & ip::to_u128(*mask);
                    AddrSpec::Ranges(smallvec::smallvec![(addr.is_ipv6(), a, a)])
                }
            },
        },
        Address::Hostname(h) => {
            notes.push(format!(
                "host name \"{h}\": reverse and forward DNS of each client decide at connection time"
            ));
            AddrSpec::Symbolic(h.clone())
        }
        Address::SameHost | Address::SameNet => {
            let host = r.address == Address::SameHost;
            let word = if host { "samehost" } else { "samenet" };
            match &o.interfaces {
                Some(ifs) => {
                    let mut v = Vec::new();
                    for i in ifs {
                        let m = if host {
                            if i.addr.is_ipv6() {
                                IpAddr::V6(u128::MAX.into())
                            } else {
                                IpAddr::V4(u32::MAX.into())
                            }
                        } else {
                            i.netmask
                        };
                        if let Some(x) = range_of(i.addr, m) {
                            v.push(x);
                        }
                    }
                    notes.push(format!(
                        "{word} resolved from this host's interfaces: {}",
                        v.iter()
                            .map(|x| range_text(*x))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    AddrSpec::Ranges(v.into())
                }
                None => {
                    notes.push(format!(
                        "{word}: the server's interfaces decide (run the check on the server to resolve it)"
                    ));
                    AddrSpec::Symbolic(word.to_string())
                }
            }
        }
    }
}

fn range_text((v6, lo, hi): (bool, u128, u128)) -> String {
    let bits: u32 = if v6 { 128 } else { 32 };
    let size = hi.wrapping_sub(lo).wrapping_add(1);
    let full = if v6 {
        lo == 0 && hi == V6_MAX
    } else {
        lo == 0 && hi == V4_MAX
    };
    if full {
        return format!("{}/0", ip::ntop(ip::from_u128(v6, 0)));
    }
    if size.is_power_of_two() && lo % size == 0 {
        let p = bits - size.trailing_zeros();
        return format!("{}/{}", ip::ntop(ip::from_u128(v6, lo)), p);
    }
    format!(
        "{}-{}",
        ip::ntop(ip::from_u128(v6, lo)),
        ip::ntop(ip::from_u128(v6, hi))
    )
}

/// A readable address inside [lo,hi].
fn nice_point(v6: bool, lo: u128, hi: u128, avoid_loopback: bool) -> u128 {
    let cands: &[&str] = if v6 {
        &["2001:db8::10", "fd00::10", "::1"]
    } else {
        &[
            "203.0.113.10",
            "10.1.2.3",
            "192.168.1.10",
            "172.16.0.10",
            "127.0.0.1",
        ]
    };
    for c in cands {
        let x = ip::to_u128(c.parse().unwrap());
        if x >= lo && x <= hi && !(avoid_loopback && is_loopback(v6, x)) {
            return x;
        }
    }
    if lo < hi && lo & 0xff == 0 {
        lo + 1
    } else {
        lo
    }
}

fn is_loopback(v6: bool, x: u128) -> bool {
    if v6 {
        x == 1
    } else {
        (0x7f00_0000..=0x7fff_ffff).contains(&x)
    }
}

// ------------------------------------------------------------- witnesses

#[derive(Clone, Debug)]
struct W<'a> {
    /// Borrowed from the file's tokens when the rule names them.
    user: Cow<'a, str>,
    member_of: BTreeSet<String>,
    db: Cow<'a, str>,
    repl: bool,
    /// Index of the user / database value of the rule it came from.
    ut: usize,
    dt: usize,
    /// The name's id in its column when it is a literal value of the rule
    /// (saves a lookup); `None`: look it up.
    uid: Option<u32>,
    did: Option<u32>,
}

fn users_desc(r: &HbaRule, ut: usize) -> String {
    let t = &r.users[ut];
    if let Some(g) = t.group() {
        format!("members of {g}")
    } else if t.is_keyword("all") {
        "any user".into()
    } else if t.regex.is_some() {
        format!("names matching {}", t.text)
    } else {
        t.text.clone()
    }
}

fn dbs_desc(r: &HbaRule, dt: usize) -> String {
    let t = &r.databases[dt];
    if t.is_keyword("all") {
        "any database".into()
    } else if t.is_keyword("sameuser") {
        "the database named like the user".into()
    } else if t.is_keyword("samerole") || t.is_keyword("samegroup") {
        "a database named like a role of the user".into()
    } else if t.is_keyword("replication") {
        "physical replication".into()
    } else if t.regex.is_some() {
        format!("names matching {}", t.text)
    } else {
        t.text.clone()
    }
}

#[derive(Clone)]
struct Ctx<'a> {
    // Read-only after `new` and shared by the sweep threads' clones.
    names: Arc<Names<'a>>,
    user_res: Arc<Vec<crate::regexes::HbaRegex>>,
    db_res: Arc<Vec<crate::regexes::HbaRegex>>,
    re_cache_u: HashMap<String, Vec<u32>>,
    re_cache_d: HashMap<String, Vec<u32>>,
    /// Per pattern: the names tried for it (see `regex_names`).
    re_names: RefCell<HashMap<(bool, String), Vec<String>>>,
    /// Distinct patterns in the file (bounds the name scans).
    re_count: usize,
    fresh_user: String,
    fresh_db: String,
    /// "Any other name" needs one stand-in per way the file's patterns can
    /// treat a name: `/^[^a]` covers `someone_else`, another line may
    /// still get `a_pgtls`. The first is `fresh_user` / `fresh_db`.
    fresh_users: Vec<String>,
    fresh_dbs: Vec<String>,
    fresh_role: String,
    roles: Option<&'a Roles>,
}

/// A name for "any name the file does not single out": `base` when nothing
/// mentions or matches it, else the least covered of its variants and of
/// the shared name pool (an earlier `/^[^a]` line covers `someone_else`,
/// not `a_pgtls`).
fn fresh(base: &str, taken: &dyn Fn(&str) -> usize) -> String {
    let mut best = (usize::MAX, base.to_string());
    let variants = (0..8).map(|i| {
        if i == 0 {
            base.to_string()
        } else {
            format!("{base}{i}")
        }
    });
    for cand in variants.chain(crate::regexes::name_pool().iter().cloned()) {
        let score = taken(&cand);
        if score < best.0 {
            best = (score, cand);
        }
        if best.0 == 0 {
            break;
        }
    }
    best.1
}

/// Stand-ins for "a name the file does not mention": `first`, then one
/// name of the pool for each other set of the column's patterns a name can
/// match (at most 8), names the file mentions left out.
fn stand_ins(
    first: &str,
    mentioned: &dyn Fn(&str) -> bool,
    res: &[crate::regexes::HbaRegex],
) -> Vec<String> {
    let mut out = vec![first.to_string()];
    if res.is_empty() {
        return out;
    }
    let sig = |x: &str| -> Vec<bool> { res.iter().map(|r| r.is_match(x)).collect() };
    let mut seen = vec![sig(first)];
    // the exact search first (a combination of patterns can leave only
    // names like `ab` free), then the shared pool
    let pats: Vec<&str> = res.iter().map(|r| r.as_str()).collect();
    let exact = crate::name_search::distinct_names(&pats, false, mentioned, 16).unwrap_or_default();
    for cand in exact.iter().chain(crate::regexes::name_pool()) {
        if out.len() >= 8 {
            break;
        }
        if mentioned(cand) {
            continue;
        }
        let s = sig(cand);
        if !seen.contains(&s) {
            seen.push(s);
            out.push(cand.clone());
        }
    }
    out
}

impl<'a> Ctx<'a> {
    /// The context, from the two columns' names and patterns.
    fn new(
        users: Interner<'a>,
        user_res: Vec<crate::regexes::HbaRegex>,
        dbs: Interner<'a>,
        db_res: Vec<crate::regexes::HbaRegex>,
        roles: Option<&'a Roles>,
    ) -> Ctx<'a> {
        let names = Names { users, dbs };
        let re_count = user_res.len() + db_res.len();
        let mut c = Ctx {
            names: Arc::new(names),
            user_res: Arc::new(user_res),
            db_res: Arc::new(db_res),
            re_cache_u: HashMap::new(),
            re_cache_d: HashMap::new(),
            re_names: RefCell::new(HashMap::new()),
            re_count,
            fresh_user: String::new(),
            fresh_db: String::new(),
            fresh_users: Vec::new(),
            fresh_dbs: Vec::new(),
            fresh_role: String::new(),
            roles,
        };
        let names = &c.names;
        let (ur, dr) = (&c.user_res, &c.db_res);
        let score_u = |s: &str| {
            (names.mentioned(s) as usize) * 1000 + ur.iter().filter(|r| r.is_match(s)).count()
        };
        let score_d = |s: &str| {
            (names.mentioned(s) as usize) * 1000 + dr.iter().filter(|r| r.is_match(s)).count()
        };
        c.fresh_user = fresh("someone_else", &score_u);
        c.fresh_db = fresh("other_db", &score_d);
        // both columns' patterns: sameuser and samerole make a user's name
        // a database name
        let both: Vec<crate::regexes::HbaRegex> = ur.iter().chain(dr.iter()).cloned().collect();
        c.fresh_users = stand_ins(&c.fresh_user, &|x| names.mentioned(x), &both);
        c.fresh_dbs = stand_ins(&c.fresh_db, &|x| names.mentioned(x), &both);
        c.fresh_role = fresh("some_role", &|s: &str| score_u(s) + score_d(s));
        c
    }

    fn closure(&self, user: &str, extra: &BTreeSet<String>) -> BTreeSet<String> {
        let mut m = match self.roles {
            Some(r) => r.closure(user),
            None => [user.to_string()].into_iter().collect(),
        };
        for e in extra {
            m.insert(e.clone());
            if let Some(r) = self.roles {
                m.extend(r.closure(e));
            }
        }
        m
    }

    fn ure(&mut self, s: &str) -> Vec<u32> {
        if self.user_res.is_empty() {
            return Vec::new();
        }
        if let Some(v) = self.re_cache_u.get(s) {
            return v.clone();
        }
        let v: Vec<u32> = (0..self.user_res.len() as u32)
            .filter(|&i| self.user_res[i as usize].is_match(s))
            .collect();
        self.re_cache_u.insert(s.to_string(), v.clone());
        v
    }

    fn dre(&mut self, s: &str) -> Vec<u32> {
        if self.db_res.is_empty() {
            return Vec::new();
        }
        if let Some(v) = self.re_cache_d.get(s) {
            return v.clone();
        }
        let v: Vec<u32> = (0..self.db_res.len() as u32)
            .filter(|&i| self.db_res[i as usize].is_match(s))
            .collect();
        self.re_cache_d.insert(s.to_string(), v.clone());
        v
    }

    /// Names a `/regex` value matches, the ones the file does not mention
    /// first, then names the file mentions (an earlier line may cover the
    /// first but not the others). Cached per pattern.
    fn regex_names(&self, re: &crate::regexes::HbaRegex, db: bool) -> Vec<String> {
        let key = (db, re.as_str().to_string());
        if let Some(v) = self.re_names.borrow().get(&key) {
            return v.clone();
        }
        let names = &self.names;
        // least covered first: not a name the file mentions, matched by as
        // few of the column's other patterns as possible
        // The other column's patterns count too: `sameuser` and `samerole`
        // use a user's name, or a role's, as the database name.
        let (own, other) = if db {
            (&self.db_res, &self.user_res)
        } else {
            (&self.user_res, &self.db_res)
        };
        let sig = |x: &str| -> Vec<bool> {
            let mut v = vec![names.mentioned(x)];
            v.extend(
                own.iter()
                    .filter(|o| o.as_str() != re.as_str())
                    .chain(other.iter())
                    .map(|o| o.is_match(x)),
            );
            v
        };
        // exact: one shortest name per way the file's patterns can treat it
        let pats: Vec<&str> = std::iter::once(re.as_str())
            .chain(own.iter().map(|o| o.as_str()).filter(|o| *o != re.as_str()))
            .chain(other.iter().map(|o| o.as_str()))
            .collect();
        let exact =
            crate::name_search::distinct_names(&pats, true, &|_| false, 16).unwrap_or_default();
        let mut v = crate::regexes::samples_diverse(re, &exact, &sig, 8);
        // every name of the file it matches (bounded: the scan is once per
        // pattern, the list is tried per rule)
        if names.len() * self.re_count <= 4_000_000 {
            let mut mentioned: Vec<&str> = names
                .users
                .map
                .keys()
                .chain(names.dbs.map.keys())
                .copied()
                .filter(|k| re.is_match(k))
                .collect();
            mentioned.sort_unstable();
            mentioned.dedup();
            for k in mentioned.into_iter().take(MEMBER_LIMIT) {
                if !v.iter().any(|x| x == k) {
                    v.push(k.to_string());
                }
            }
        }
        // and, when the roles are known, existing roles it matches (samerole
        // and groups need a user that exists)
        if let Some(roles) = self.roles {
            let mut existing: Vec<&String> =
                roles.member_of.keys().filter(|k| re.is_match(k)).collect();
            existing.sort_by_key(|k| roles.member_of[*k].is_empty());
            for k in existing.into_iter().take(MEMBER_LIMIT) {
                if !v.contains(k) {
                    v.push(k.clone());
                }
            }
        }
        self.re_names.borrow_mut().insert(key, v.clone());
        v
    }

    /// Existing roles that are members of `g` (itself included), when the
    /// roles are known.
    fn members(&self, g: &str) -> Vec<String> {
        let Some(roles) = self.roles else {
            return Vec::new();
        };
        let mut v: Vec<String> = roles
            .member_of
            .keys()
            .filter(|u| roles.closure(u).contains(g))
            .take(MEMBER_LIMIT)
            .cloned()
            .collect();
        // a member that is not the group itself first
        v.sort_by_key(|u| u == g);
        v
    }

    /// Candidate witnesses (user, memberships, db) for a rule. Where a
    /// value stands for many names (a group's members, a regex, a role of
    /// the user for samerole), several are tried: one of them may be left
    /// free by earlier lines when another is not.
    /// `uks` and `dks` are the rule's index keys (one per value).
    fn witnesses(&self, r: &'a HbaRule, uks: &UKs, dks: &DKs, limit: usize) -> Vec<W<'a>> {
        let mut users: Vec<(Cow<'a, str>, BTreeSet<String>, usize)> = Vec::new();
        let samerole = r
            .databases
            .iter()
            .any(|t| t.is_keyword("samerole") || t.is_keyword("samegroup"));
        for (ut, t) in r.users.iter().enumerate() {
            // a value repeated on the line adds no candidate
            if r.users[..ut].contains(t) {
                continue;
            }
            if let Some(g) = t.group() {
                match self.roles {
                    Some(_) => {
                        for u in self.members(g) {
                            users.push((Cow::Owned(u), BTreeSet::new(), ut));
                        }
                    }
                    None => {
                        for f in &self.fresh_users {
                            users.push((
                                Cow::Owned(f.clone()),
                                [g.to_string()].into_iter().collect(),
                                ut,
                            ));
                        }
                    }
                }
            } else if t.is_keyword("all") {
                for f in &self.fresh_users {
                    users.push((Cow::Owned(f.clone()), BTreeSet::new(), ut));
                }
                if let (true, Some(roles)) = (samerole, self.roles) {
                    // samerole needs a user that exists and has roles
                    for u in roles.member_of.keys().take(MEMBER_LIMIT) {
                        users.push((Cow::Borrowed(u), BTreeSet::new(), ut));
                    }
                }
            } else if let Some(re) = &t.regex {
                for s in self.regex_names(re, false) {
                    users.push((Cow::Owned(s), BTreeSet::new(), ut));
                }
            } else {
                users.push((Cow::Borrowed(&t.text), BTreeSet::new(), ut));
            }
        }
        let lit_u = |ut: usize| match uks.get(ut) {
            Some(UK::Lit(i)) => Some(*i),
            _ => None,
        };
        // Every candidate pair is made (up to a hard bound), ranked by the
        // later of the user's and the database's place among their value's
        // candidates; past `limit` the lowest ranks are kept, in the order
        // made: the k-th name of one value never crowds out the first name
        // of a later value.
        let mut urank = vec![0u32; users.len()];
        for k in 1..users.len() {
            if users[k].2 == users[k - 1].2 {
                urank[k] = urank[k - 1] + 1;
            }
        }
        const BOUND: usize = 4096;
        let mut made: Vec<(u32, W<'a>)> = Vec::with_capacity(users.len() * r.databases.len());
        'outer: for (ui, (u, m, ut)) in users.iter().enumerate() {
            // a literal value's own name (other values draw names)
            let uid = lit_u(*ut);
            for (dt, t) in r.databases.iter().enumerate() {
                if r.databases[..dt].contains(t) {
                    continue;
                }
                let w = |db: Cow<'a, str>, member_of: BTreeSet<String>, repl: bool| W {
                    user: u.clone(),
                    member_of,
                    db,
                    repl,
                    ut: *ut,
                    dt,
                    uid,
                    did: None,
                };
                // most values give one candidate: kept inline
                let run: SmallVec<[W<'a>; 1]> = if t.is_keyword("all") {
                    self.fresh_dbs
                        .iter()
                        .map(|f| w(Cow::Owned(f.clone()), m.clone(), false))
                        .collect()
                } else if t.is_keyword("sameuser") {
                    smallvec::smallvec![w(u.clone(), m.clone(), false)]
                } else if t.is_keyword("samerole") || t.is_keyword("samegroup") {
                    match self.roles {
                        Some(_) => {
                            let roles = self.closure(u, m);
                            // a role other than the user itself first
                            let (others, own): (Vec<String>, Vec<String>) =
                                roles.into_iter().partition(|x| x != u);
                            others
                                .into_iter()
                                .chain(own)
                                .take(MEMBER_LIMIT)
                                .map(|role| w(Cow::Owned(role), m.clone(), false))
                                .collect()
                        }
                        None => {
                            let mut m = m.clone();
                            m.insert(self.fresh_role.clone());
                            smallvec::smallvec![w(Cow::Owned(self.fresh_role.clone()), m, false)]
                        }
                    }
                } else if t.is_keyword("replication") {
                    smallvec::smallvec![w(Cow::Borrowed("replication"), m.clone(), true)]
                } else if let Some(re) = &t.regex {
                    self.regex_names(re, true)
                        .into_iter()
                        .map(|s| w(Cow::Owned(s), m.clone(), false))
                        .collect()
                } else {
                    let mut x = w(Cow::Borrowed(&t.text), m.clone(), false);
                    if let Some(DK::Lit(i)) = dks.get(dt) {
                        x.did = Some(*i);
                    }
                    smallvec::smallvec![x]
                };
                for (j, x) in run.into_iter().enumerate() {
                    made.push((urank[ui].max(j as u32), x));
                }
                if made.len() >= BOUND {
                    break 'outer;
                }
            }
        }
        if made.len() > limit {
            let mut order: Vec<usize> = (0..made.len()).collect();
            order.sort_by_key(|&k| made[k].0);
            order.truncate(limit);
            order.sort_unstable();
            let mut keep = vec![false; made.len()];
            for k in order {
                keep[k] = true;
            }
            let mut k = 0;
            made.retain(|_| {
                k += 1;
                keep[k - 1]
            });
        }
        made.into_iter().map(|(_, x)| x).collect()
    }

    /// Index keys a witness matches.
    fn witness_keys(&mut self, w: &W) -> (UKs, DKs) {
        let mut uks: UKs = smallvec::smallvec![UK::All];
        let uid = w.uid.or_else(|| self.names.users.get(&w.user));
        if let Some(i) = uid {
            uks.push(UK::Lit(i));
        }
        // every role the user is a member of, itself included (`+name`)
        let mut groups: SmallVec<[u32; 4]> = SmallVec::new();
        let mut add = |i: Option<u32>| {
            if let Some(i) = i {
                if !groups.contains(&i) {
                    groups.push(i);
                }
            }
        };
        match self.roles {
            None => {
                add(uid);
                for m in &w.member_of {
                    add(self.names.users.get(m));
                }
            }
            Some(_) => {
                for m in self.closure(&w.user, &w.member_of) {
                    add(self.names.users.get(&m));
                }
            }
        }
        uks.extend(groups.into_iter().map(UK::Group));
        for i in self.ure(&w.user) {
            uks.push(UK::Re(i));
        }
        let mut dks = DKs::new();
        if w.repl {
            dks.push(DK::Repl);
        } else {
            dks.push(DK::All);
            if let Some(i) = w.did.or_else(|| self.names.dbs.get(&w.db)) {
                dks.push(DK::Lit(i));
            }
            if w.db == w.user {
                dks.push(DK::SameUser);
            }
            if self.is_member(w, &w.db) {
                dks.push(DK::SameRole);
            }
            for i in self.dre(&w.db) {
                dks.push(DK::Re(i));
            }
        }
        (uks, dks)
    }

    fn is_member(&self, w: &W, x: &str) -> bool {
        match self.roles {
            None => w.user == x || w.member_of.contains(x),
            Some(_) => self.closure(&w.user, &w.member_of).contains(x),
        }
    }

    fn rule_matches(&self, r: &HbaRule, w: &W) -> bool {
        let mf = |x: &str| self.is_member(w, x);
        db_matches(&r.databases, &w.db, &w.user, w.repl, &mf)
            && user_matches(&r.users, &w.user, &mf)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Local,
    Plain,
    Ssl,
    Gss,
}

impl Kind {
    fn enc(self) -> Option<Encryption> {
        match self {
            Kind::Local => None,
            Kind::Plain => Some(Encryption::None),
            Kind::Ssl => Some(Encryption::Ssl),
            Kind::Gss => Some(Encryption::Gss),
        }
    }
}

struct Hit {
    witness: Option<Witness>,
    region: Option<Region>,
    loopback_only: bool,
}

struct Sweep {
    /// Addresses taken so far, per (user key, database key, IPv6?): an
    /// index into `cells` (a small table to probe; the sets themselves
    /// are large and stay put as it grows).
    covers: FxHashMap<(UK, DK, bool), u32>,
    cells: Vec<Iv>,
}

impl Sweep {
    fn covers_for<'s>(&'s self, uks: &[UK], dks: &[DK], v6: bool) -> SmallVec<[&'s Iv; 8]> {
        let mut v = SmallVec::new();
        for u in uks {
            for d in dks {
                if let Some(&c) = self.covers.get(&(*u, *d, v6)) {
                    let iv = &self.cells[c as usize];
                    if !iv.is_empty() {
                        v.push(iv);
                    }
                }
            }
        }
        v
    }

    fn cell(&self, key: (UK, DK, bool)) -> Option<&Iv> {
        self.covers.get(&key).map(|&c| &self.cells[c as usize])
    }
}

const WITNESS_LIMIT: usize = 256;
/// At most this many members of a group, roles of a user or names of a
/// regex are tried for one value.
const MEMBER_LIMIT: usize = 32;

/// Run the analysis.
pub fn analyze<'f>(file: &'f HbaFile, opts: &'f AnalyzeOptions) -> Reachability {
    let n = file.rules.len();
    // the user column, and the database column with the addresses, on two
    // threads
    let (ucol, (dcol, specs, notes_per_rule)) = std::thread::scope(|sc| {
        let h = sc.spawn(|| {
            let dcol = db_column(file);
            let mut notes_per_rule: Vec<Vec<String>> = vec![Vec::new(); n];
            let specs: Vec<AddrSpec> = file
                .rules
                .iter()
                .enumerate()
                .map(|(i, r)| addr_spec(r, opts, &mut notes_per_rule[i]))
                .collect();
            (dcol, specs, notes_per_rule)
        });
        let ucol = user_column(file);
        (ucol, h.join().expect("database column thread"))
    });
    let keys = Keys {
        users: ucol.keys,
        dbs: dcol.keys,
    };
    let mut ctx = Ctx::new(
        ucol.names,
        ucol.res,
        dcol.names,
        dcol.res,
        opts.roles.as_ref(),
    );
    // witnesses that match their rule, with the index keys they hit: made
    // when a sweep first needs them (a rule that an earlier catch-all
    // already covers never does)
    let prep: Vec<OnceLock<Prep>> = (0..n).map(|_| OnceLock::new()).collect();
    let guard_index = GuardIndex::new(&file.rules, &specs);
    let mut kinds = vec![Kind::Local, Kind::Plain];
    if opts.ssl_on {
        kinds.push(Kind::Ssl);
    }
    if opts.gss_build {
        kinds.push(Kind::Gss);
    }
    // results[kind][rule]
    // matched[kind][rule]; details (witness, region) only for plaintext
    let mut matched: Vec<Vec<bool>> = vec![vec![false; n]; kinds.len()];
    let mut shadow: Vec<Owners> = vec![Owners::new(); n];

    // The sweeps are independent: two threads, the kinds split so that
    // each thread gets about as many rules to place.
    let (plain_out, others): (SweepOut, Vec<(Kind, SweepOut)>) = {
        // Without hostgssenc / hostnogssenc lines a GSS-encrypted client
        // meets exactly the lines a plaintext one does: reuse that sweep.
        let gss_like_plain = !file
            .rules
            .iter()
            .any(|r| matches!(r.conn_type, ConnType::HostGssEnc | ConnType::HostNoGssEnc));
        let has_local = file.rules.iter().any(|r| r.conn_type == ConnType::Local);
        let mut todo: Vec<(usize, Kind)> = kinds
            .iter()
            .copied()
            .filter(|&k| !(k == Kind::Gss && gss_like_plain))
            .filter(|&k| k != Kind::Local || has_local)
            .map(|k| {
                let admitted = file
                    .rules
                    .iter()
                    .filter(|r| r.conn_type.admits(k.enc()))
                    .count();
                // the plaintext sweep also checks guards and builds regions
                let w = if k == Kind::Plain {
                    admitted * 3 / 2
                } else {
                    admitted
                };
                (w + n / 16, k)
            })
            .collect();
        todo.sort_by_key(|&(w, _)| std::cmp::Reverse(w));
        let (mut mine, mut theirs): (Vec<Kind>, Vec<Kind>) = (Vec::new(), Vec::new());
        let (mut wm, mut wt) = (0usize, 0usize);
        for (w, k) in todo {
            if wm <= wt {
                mine.push(k);
                wm += w;
            } else {
                theirs.push(k);
                wt += w;
            }
        }
        let (specs, prep, keys, guards) = (&specs, &prep, &keys, &guard_index);
        // Each thread runs its sweeps, then prepares witnesses for the
        // other thread's sweeps from the end of the file backwards until
        // they meet (witness preparation is most of a sweep's work, and
        // one sweep can outlast the other thread's).
        let progress = [AtomicUsize::new(0), AtomicUsize::new(0)];
        let run = |me: usize, kinds: &[Kind], other: &[Kind], ctx: &mut Ctx<'f>| {
            let outs: Vec<(Kind, SweepOut)> = kinds
                .iter()
                .map(|&k| {
                    let o =
                        sweep_kind(k, ctx, file, prep, specs, keys, guards, opts, &progress[me]);
                    (k, o)
                })
                .collect();
            progress[me].store(usize::MAX, Ordering::Relaxed);
            for i in (0..n).rev() {
                if progress[1 - me].load(Ordering::Relaxed).saturating_add(64) >= i {
                    break;
                }
                let r = &file.rules[i];
                if other.iter().any(|k| r.conn_type.admits(k.enc())) {
                    prep[i].get_or_init(|| prepare(ctx, r, keys, i));
                }
            }
            outs
        };
        let mut ctx2 = ctx.clone();
        let ctx1 = &mut ctx;
        let mut outs = std::thread::scope(|sc| {
            let h = sc.spawn(|| run(1, &theirs, &mine, &mut ctx2));
            let mut v = run(0, &mine, &theirs, ctx1);
            v.extend(h.join().expect("sweep thread"));
            v
        });
        let p = outs
            .iter()
            .position(|(k, _)| *k == Kind::Plain)
            .expect("the plaintext sweep always runs");
        (outs.swap_remove(p).1, outs)
    };
    for (ki, &k) in kinds.iter().enumerate() {
        let found = others.iter().find(|(x, _)| *x == k).map(|x| &x.1);
        let out = match (k, found) {
            (_, Some(o)) => o,
            (Kind::Local, None) => continue, // no local lines: nothing matched
            _ => &plain_out,                 // Plain, or GSS that equals it
        };
        matched[ki] = out.matched.clone();
        for (e, v) in shadow.iter_mut().zip(&out.shadow) {
            for o in v {
                if !e.contains(o) && e.len() < 5 {
                    e.push(*o);
                }
            }
        }
    }
    let mut plain_hits = plain_out.plain_hits;
    plain_hits.resize_with(n, || None);
    let bypasses = plain_out.bypasses;
    let guard_truncated = plain_out.guard_truncated;

    // Per-rule results, independent of each other: two threads for big files.
    let flags = |k: Kind| kinds.iter().position(|&x| x == k).map(|ki| &matched[ki]);
    let got = RuleFlags {
        local: flags(Kind::Local),
        plain: flags(Kind::Plain),
        ssl: flags(Kind::Ssl),
        gss: flags(Kind::Gss),
    };
    let inputs: Vec<(Option<Box<Hit>>, Vec<String>)> =
        plain_hits.into_iter().zip(notes_per_rule).collect();
    let assemble_range = |start: usize, inputs: Vec<(Option<Box<Hit>>, Vec<String>)>| {
        let mut rules = Vec::with_capacity(inputs.len());
        let mut regions = Vec::new();
        for (k, (plain, notes)) in inputs.into_iter().enumerate() {
            let i = start + k;
            let (rr, region) = rule_result(file, opts, i, &got, &shadow[i], plain, notes);
            rules.push(rr);
            regions.extend(region);
        }
        (rules, regions)
    };
    // The witnesses go too, half on each thread (freeing 100k rules'
    // witnesses takes about 7 ms).
    let (rules, regions) = if n > 20_000 {
        let mut first = inputs;
        let second = first.split_off(n / 2);
        let mut prep_first = prep;
        let prep_second = prep_first.split_off(n / 2);
        std::thread::scope(|sc| {
            let h = sc.spawn(|| {
                let out = assemble_range(n / 2, second);
                drop(prep_second);
                out
            });
            let (mut rules, mut regions) = assemble_range(0, first);
            drop(prep_first);
            let (r2, g2) = h.join().expect("assembly thread");
            rules.extend(r2);
            regions.extend(g2);
            (rules, regions)
        })
    } else {
        assemble_range(0, inputs)
    };
    let mut notes = Vec::new();
    if guard_truncated {
        notes.push("guard bypass analysis stopped early (very many guards times rules)".into());
    }
    if file.from_view {
        notes.push("rules come from pg_hba_file_rules, which drops quoting: a quoted \"all\" or \"+name\" is read as the keyword".into());
    }
    if !file.loads() {
        notes.push("the file has errors: PostgreSQL would not load it (startup fails; a reload keeps the previous rules); the analysis covers the lines that parse".into());
    }
    let membership_lines = file.rules.iter().any(|r| {
        r.users.iter().any(|t| t.group().is_some())
            || r.databases
                .iter()
                .any(|t| t.is_keyword("samerole") || t.is_keyword("samegroup"))
    });
    if opts.roles.is_none() && membership_lines {
        notes.push("role memberships are unknown: +group and samerole lines are analysed for users who may be members (with -d the server's memberships are used)".into());
    }
    if rules.iter().any(|x| {
        x.plaintext_witness
            .as_ref()
            .is_some_and(|w| w.user == ctx.fresh_user || w.db == ctx.fresh_db)
    }) {
        notes.push(format!(
            "in witnesses, user {} and database {} stand for any name the file does not single out",
            ctx.fresh_user, ctx.fresh_db
        ));
    }
    Reachability {
        rules,
        plaintext_regions: regions,
        guard_bypasses: bypasses,
        errors: file.errors.clone(),
        notes,
    }
}

/// Which rules each kind of connection reaches (`None`: kind not swept).
struct RuleFlags<'a> {
    local: Option<&'a Vec<bool>>,
    plain: Option<&'a Vec<bool>>,
    ssl: Option<&'a Vec<bool>>,
    gss: Option<&'a Vec<bool>>,
}

/// The per-rule result, and the rule's plaintext region.
fn rule_result(
    file: &HbaFile,
    opts: &AnalyzeOptions,
    i: usize,
    got: &RuleFlags,
    shadow: &Owners,
    mut plain: Option<Box<Hit>>,
    mut notes: Vec<String>,
) -> (RuleReach, Option<Region>) {
    let r = &file.rules[i];
    let at = |f: Option<&Vec<bool>>| f.is_some_and(|m| m[i]);
    let (local, plain_m, ssl, gss) = (at(got.local), at(got.plain), at(got.ssl), at(got.gss));
    let any = local || plain_m || ssl || gss;
    let mut shadowed_by: Vec<String> = Vec::new();
    if !any {
        let mut v = shadow.clone();
        v.sort_unstable();
        v.dedup();
        // Name only rules whose addresses meet this one's: the sweep
        // records every rule seen in a cell's history, which can
        // include disjoint ranges.
        v.retain(|o| addresses_meet(&file.rules[*o as usize].address, &r.address));
        shadowed_by = v
            .iter()
            .map(|&o| {
                let x = &file.rules[o as usize];
                let mut s = String::with_capacity(16);
                if x.file == r.file {
                    s.push_str("line ");
                } else {
                    s.push_str(&x.file);
                    s.push(':');
                }
                s.push_str(itoa::Buffer::new().format(x.line));
                s
            })
            .collect();
    }
    let reason = if any {
        None
    } else if r.conn_type == ConnType::HostSsl && !opts.ssl_on {
        shadowed_by.clear();
        Some("hostssl record cannot match because SSL is disabled (ssl = off)".to_string())
    } else if r.conn_type == ConnType::HostGssEnc && !opts.gss_build {
        shadowed_by.clear();
        Some("hostgssenc record cannot match: the server is built without GSSAPI".to_string())
    } else if !shadowed_by.is_empty() {
        let mut s = String::from("fully shadowed by earlier rules: ");
        for (k, x) in shadowed_by.iter().enumerate() {
            if k > 0 {
                s.push_str(", ");
            }
            s.push_str(x);
        }
        Some(s)
    } else {
        Some(
            "no connection can match it (its users, databases or addresses are never reachable)"
                .to_string(),
        )
    };
    let plaintext_reachable = plain_m && r.method != AuthMethod::Reject;
    let region = if plaintext_reachable {
        plain.as_mut().and_then(|h| h.region.take())
    } else {
        None
    };
    if let Address::Ip {
        addr: IpAddr::V4(_),
        ..
    } = r.address
    {
        if plaintext_reachable
            || (r.method == AuthMethod::Reject && r.conn_type == ConnType::HostNoSsl)
        {
            notes.push("IPv4 only: IPv6 clients never match this rule".into());
        }
    }
    let rr = RuleReach {
        file: r.file.clone(),
        line: r.line,
        conn_type: r.conn_type,
        method: r.method,
        raw: r.raw.clone(),
        plaintext_reachable,
        plaintext_matched: plain_m,
        ssl_matched: ssl,
        gss_matched: gss,
        local_matched: local,
        never_matches: !any,
        reason,
        shadowed_by,
        plaintext_loopback_only: plain.as_ref().is_some_and(|h| h.loopback_only),
        plaintext_witness: plain.and_then(|h| h.witness),
        guard: r.conn_type == ConnType::HostNoSsl && r.method == AuthMethod::Reject,
        notes,
    };
    (rr, region)
}

/// Per rule, the index keys of its values (one per value, in file order).
struct Keys {
    users: Vec<UKs>,
    dbs: Vec<DKs>,
}

/// Record that rule `i` takes its addresses for its user and database keys.
fn add_space(sweep: &mut Sweep, spec: &AddrSpec, keys: &Keys, i: usize) {
    if let AddrSpec::Ranges(ranges) = spec {
        let (uks, dks) = (&keys.users[i], &keys.dbs[i]);
        for u in uks {
            for d in dks {
                for &(v6, lo, hi) in ranges {
                    let cells = &mut sweep.cells;
                    let c = *sweep.covers.entry((*u, *d, v6)).or_insert_with(|| {
                        cells.push(Iv::default());
                        cells.len() as u32 - 1
                    });
                    cells[c as usize].insert(lo, hi, i as u32);
                }
            }
        }
    }
}

struct SweepOut {
    matched: Vec<bool>,
    /// Per rule: the plaintext hit (plaintext sweep only).
    plain_hits: Vec<Option<Box<Hit>>>,
    /// Per rule: who takes its space, when nothing reaches it.
    shadow: Vec<Owners>,
    bypasses: Vec<GuardBypass>,
    guard_truncated: bool,
}

type Prep<'a> = Vec<(W<'a>, UKs, DKs)>;

/// A rule's witnesses that match it, with the index keys each one hits.
fn prepare<'a>(ctx: &mut Ctx<'a>, r: &'a HbaRule, keys: &Keys, i: usize) -> Prep<'a> {
    let ws = ctx.witnesses(r, &keys.users[i], &keys.dbs[i], WITNESS_LIMIT);
    let mut v = Vec::with_capacity(ws.len());
    for mut w in ws {
        // the server keeps 63 bytes of each name: a longer literal name
        // never matches itself
        use crate::explain::{truncate_name, NAME_MAX};
        if w.user.len() > NAME_MAX {
            w.user = Cow::Owned(truncate_name(&w.user).to_string());
            w.uid = None;
        }
        if w.db.len() > NAME_MAX {
            w.db = Cow::Owned(truncate_name(&w.db).to_string());
            w.did = None;
        }
        if ctx.rule_matches(r, &w) {
            let (u, d) = ctx.witness_keys(&w);
            v.push((w, u, d));
        }
    }
    v
}

/// The plaintext guards (`hostnossl ... reject` with an address range),
/// indexed by address so that an admitting rule meets only the guards its
/// addresses overlap (a fleet file can hold thousands of each).
struct GuardIndex {
    /// Per family (v4, v6): guard ranges sorted by start.
    fams: [IntervalIndex; 2],
}

impl GuardIndex {
    fn new(rules: &[HbaRule], specs: &[AddrSpec]) -> GuardIndex {
        let mut v: [Vec<(u128, u128, u32)>; 2] = [Vec::new(), Vec::new()];
        for (i, r) in rules.iter().enumerate() {
            if r.conn_type == ConnType::HostNoSsl && r.method == AuthMethod::Reject {
                if let AddrSpec::Ranges(rs) = &specs[i] {
                    for &(v6, lo, hi) in rs {
                        v[v6 as usize].push((lo, hi, i as u32));
                    }
                }
            }
        }
        let [a, b] = v;
        GuardIndex {
            fams: [IntervalIndex::new(a), IntervalIndex::new(b)],
        }
    }

    /// Guards after rule `after` whose ranges meet any of `ranges`, in file
    /// order, without repeats.
    fn meeting(&self, ranges: &[(bool, u128, u128)], after: usize, out: &mut Vec<usize>) {
        out.clear();
        for &(v6, lo, hi) in ranges {
            self.fams[v6 as usize].overlapping(lo, hi, &mut |g| {
                if g as usize > after {
                    out.push(g as usize);
                }
            });
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Static intervals sorted by start, with a max-end segment tree: the
/// intervals meeting a query range are found in O((k + 1) log n).
struct IntervalIndex {
    items: Vec<(u128, u128, u32)>,
    /// tree[1] is the root; leaves start at `size`.
    max_hi: Vec<u128>,
    size: usize,
}

impl IntervalIndex {
    fn new(mut items: Vec<(u128, u128, u32)>) -> IntervalIndex {
        items.sort_unstable();
        let size = items.len().next_power_of_two();
        let mut max_hi = vec![0u128; 2 * size];
        for (k, it) in items.iter().enumerate() {
            max_hi[size + k] = it.1;
        }
        for k in (1..size).rev() {
            max_hi[k] = max_hi[2 * k].max(max_hi[2 * k + 1]);
        }
        IntervalIndex {
            items,
            max_hi,
            size,
        }
    }

    fn overlapping(&self, lo: u128, hi: u128, f: &mut dyn FnMut(u32)) {
        // candidates start at or before `hi`: positions [0, end)
        let end = self.items.partition_point(|it| it.0 <= hi);
        if end == 0 {
            return;
        }
        // (node, node's first position, node's width)
        let mut stack = vec![(1usize, 0usize, self.size)];
        while let Some((node, first, width)) = stack.pop() {
            if first >= end || self.max_hi[node] < lo {
                continue;
            }
            if width == 1 {
                f(self.items[first].2);
                continue;
            }
            let half = width / 2;
            stack.push((2 * node + 1, first + half, half));
            stack.push((2 * node, first, half));
        }
    }
}

#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
fn sweep_kind<'a>(
    kind: Kind,
    ctx: &mut Ctx<'a>,
    file: &'a HbaFile,
    prep: &[OnceLock<Prep<'a>>],
    specs: &[AddrSpec],
    keys: &Keys,
    guards: &GuardIndex,
    opts: &AnalyzeOptions,
    progress: &AtomicUsize,
) -> SweepOut {
    let n = file.rules.len();
    progress.store(0, Ordering::Relaxed);
    let mut matched = vec![false; n];
    // boxed: a hit is large and most rules of a big file have none
    let mut plain_hits: Vec<Option<Box<Hit>>> = Vec::new();
    if kind == Kind::Plain {
        plain_hits.resize_with(n, || None);
    }
    let mut shadow: Vec<Owners> = vec![Owners::new(); n];
    let mut bypasses: Vec<GuardBypass> = Vec::new();
    let mut guard_budget: usize = 2_000_000;
    let mut guard_truncated = false;
    let mut guard_buf: Vec<usize> = Vec::new();
    let mut guard_ws: FxHashMap<usize, Vec<W>> = FxHashMap::default();

    let mut sweep = Sweep {
        covers: FxHashMap::default(),
        cells: Vec::new(),
    };
    for i in 0..n {
        if i % 64 == 0 {
            progress.store(i, Ordering::Relaxed);
        }
        let r = &file.rules[i];
        if !r.conn_type.admits(kind.enc()) {
            continue;
        }
        // Fast path: the space every connection shares (user `all`,
        // database `all`) already holds this rule's addresses, so no
        // witness can reach it (replication witnesses meet the
        // `replication` keyword only, so rules naming it take the long way).
        if !keys.dbs[i].contains(&DK::Repl) {
            let all4 = sweep.cell((UK::All, DK::All, false));
            let all6 = sweep.cell((UK::All, DK::All, true));
            if all4.is_some() || all6.is_some() {
                let fam = |v6: bool| if v6 { all6 } else { all4 };
                let held = |&(v6, lo, hi): &(bool, u128, u128)| {
                    fam(v6).is_some_and(|c| c.covering_end(lo).is_some_and(|e| e >= hi))
                };
                let covered = match &specs[i] {
                    AddrSpec::Ranges(rs) => rs.iter().all(held),
                    AddrSpec::Symbolic(_) => {
                        [(false, 0, V4_MAX), (true, 0, V6_MAX)].iter().all(held)
                    }
                };
                if covered {
                    let e = &mut shadow[i];
                    if let AddrSpec::Ranges(rs) = &specs[i] {
                        for &(v6, lo, hi) in rs {
                            if let Some(c) = fam(v6) {
                                c.owners(lo, hi, 5, e);
                            }
                        }
                    }
                    // Its space adds nothing either: every lookup that
                    // would meet its cells meets (all, all) too.
                    continue;
                }
            }
        }
        let prep_i = prep[i].get_or_init(|| prepare(ctx, r, keys, i));
        let mut hit: Option<Hit> = None;
        let mut first_region_done = false;
        let detail = kind == Kind::Plain && r.method != AuthMethod::Reject;
        for (w, uks, dks) in prep_i {
            let (uks, dks) = (uks.as_slice(), dks.as_slice());
            if !detail {
                // only whether anything is left: no witness text needed
                let free =
                    match &specs[i] {
                        AddrSpec::Symbolic(_) => [(false, 0, V4_MAX), (true, 0, V6_MAX)]
                            .iter()
                            .any(|&(v6, lo, hi)| {
                                first_gap(&sweep.covers_for(uks, dks, v6), lo, hi).is_some()
                            }),
                        AddrSpec::Ranges(ranges) => ranges.iter().any(|&(v6, lo, hi)| {
                            first_gap(&sweep.covers_for(uks, dks, v6), lo, hi).is_some()
                        }),
                    };
                if free {
                    hit = Some(Hit {
                        witness: None,
                        region: None,
                        loopback_only: false,
                    });
                    break;
                }
                continue;
            }
            match &specs[i] {
                AddrSpec::Symbolic(s) => {
                    // may match unless every address is already taken
                    let taken =
                        [(false, 0, V4_MAX), (true, 0, V6_MAX)]
                            .iter()
                            .all(|&(v6, lo, hi)| {
                                first_gap(&sweep.covers_for(uks, dks, v6), lo, hi).is_none()
                            });
                    if !taken {
                        // `localhost` resolves to loopback addresses only
                        let lb = s.eq_ignore_ascii_case("localhost");
                        let wit = Witness {
                            addr: s.clone(),
                            user: w.user.to_string(),
                            db: w.db.to_string(),
                            member_of: w.member_of.iter().cloned().collect(),
                            replication: w.repl,
                            symbolic: true,
                        };
                        if kind == Kind::Plain && r.method != AuthMethod::Reject {
                            let reg = Region {
                                file: r.file.clone(),
                                line: r.line,
                                conn_type: r.conn_type,
                                method: r.method,
                                encryption: Encryption::None,
                                addresses: vec![s.clone()],
                                truncated: false,
                                users: users_desc(r, w.ut),
                                databases: dbs_desc(r, w.dt),
                                loopback_only: lb,
                                witness: wit.clone(),
                            };
                            if hit.is_none() {
                                hit = Some(Hit {
                                    witness: Some(wit),
                                    region: Some(reg),
                                    loopback_only: lb,
                                });
                            }
                        } else if hit.is_none() {
                            hit = Some(Hit {
                                witness: Some(wit),
                                region: None,
                                loopback_only: false,
                            });
                        }
                        break;
                    }
                }
                AddrSpec::Ranges(ranges) => {
                    let mut found: Option<(bool, u128)> = None;
                    let mut nonloop: Option<(bool, u128)> = None;
                    let mut all_gaps: Vec<(bool, u128, u128)> = Vec::new();
                    let mut truncated = false;
                    for &(v6, lo, hi) in ranges {
                        let cov = sweep.covers_for(uks, dks, v6);
                        if kind == Kind::Local {
                            if first_gap(&cov, lo, hi).is_some() {
                                found = Some((false, 0));
                            }
                            continue;
                        }
                        let (g, t) = gaps(&cov, lo, hi, opts.max_ranges_per_region);
                        truncated |= t;
                        for (a, b) in g {
                            if found.is_none() {
                                found = Some((v6, nice_point(v6, a, b, false)));
                            }
                            if nonloop.is_none() {
                                // a non-loopback point inside [a,b]
                                for &(lv6, la, lb) in &loopback_ranges() {
                                    if lv6 != v6 {
                                        continue;
                                    }
                                    if b > lb {
                                        nonloop =
                                            Some((v6, nice_point(v6, a.max(lb + 1), b, true)));
                                    } else if a < la {
                                        nonloop =
                                            Some((v6, nice_point(v6, a, b.min(la - 1), true)));
                                    }
                                }
                            }
                            all_gaps.push((v6, a, b));
                        }
                        if truncated && nonloop.is_none() {
                            // more gaps beyond the listed ones: look for
                            // a non-loopback one directly
                            for &(lv6, la, lb) in &loopback_ranges() {
                                if lv6 != v6 {
                                    continue;
                                }
                                if lo < la {
                                    if let Some(p) = first_gap(&cov, lo, hi.min(la - 1)) {
                                        nonloop = Some((v6, p));
                                    }
                                }
                                if nonloop.is_none() && hi > lb {
                                    if let Some(p) = first_gap(&cov, lo.max(lb + 1), hi) {
                                        nonloop = Some((v6, p));
                                    }
                                }
                            }
                        }
                    }
                    if let Some((v6, p)) = found {
                        let point = nonloop.unwrap_or((v6, p));
                        let wit = Witness {
                            addr: if kind == Kind::Local {
                                "[local]".into()
                            } else {
                                ip::ntop(ip::from_u128(point.0, point.1))
                            },
                            user: w.user.to_string(),
                            db: w.db.to_string(),
                            member_of: w.member_of.iter().cloned().collect(),
                            replication: w.repl,
                            symbolic: false,
                        };
                        let loopback_only = kind != Kind::Local && nonloop.is_none();
                        let region =
                            (kind == Kind::Plain && r.method != AuthMethod::Reject).then(|| {
                                Region {
                                    file: r.file.clone(),
                                    line: r.line,
                                    conn_type: r.conn_type,
                                    method: r.method,
                                    encryption: Encryption::None,
                                    addresses: all_gaps.iter().map(|&x| range_text(x)).collect(),
                                    truncated,
                                    users: users_desc(r, w.ut),
                                    databases: dbs_desc(r, w.dt),
                                    loopback_only,
                                    witness: wit.clone(),
                                }
                            });
                        match &mut hit {
                            None => {
                                hit = Some(Hit {
                                    witness: Some(wit),
                                    region,
                                    loopback_only,
                                });
                            }
                            Some(h) => {
                                if h.loopback_only && !loopback_only {
                                    h.loopback_only = false;
                                    h.witness = Some(wit);
                                    if region.is_some() {
                                        h.region = region;
                                    }
                                }
                            }
                        }
                        first_region_done = true;
                        if !loopback_only {
                            break;
                        }
                    }
                }
            }
        }
        let _ = first_region_done;
        // guards: does this (earlier, admitting) rule take a guard's space?
        if kind == Kind::Plain && r.method != AuthMethod::Reject && hit.is_some() {
            if let AddrSpec::Ranges(ranges) = &specs[i] {
                guards.meeting(ranges, i, &mut guard_buf);
                for &g in &guard_buf {
                    if guard_budget == 0 {
                        guard_truncated = true;
                        break;
                    }
                    guard_budget = guard_budget.saturating_sub(prep_i.len().max(1));
                    let gr = &file.rules[g];
                    let gws = guard_ws.entry(g).or_insert_with(|| {
                        ctx.witnesses(gr, &keys.users[g], &keys.dbs[g], WITNESS_LIMIT)
                    });
                    if let Some(w) =
                        guard_overlap(ctx, &sweep, r, gr, &specs[i], &specs[g], prep_i, gws)
                    {
                        bypasses.push(GuardBypass {
                            guard_file: gr.file.clone(),
                            guard_line: gr.line,
                            by_file: r.file.clone(),
                            by_line: r.line,
                            by_method: r.method,
                            witness: w,
                        });
                    }
                }
            }
        }
        match hit {
            Some(h) => {
                matched[i] = true;
                if kind == Kind::Plain {
                    plain_hits[i] = Some(Box::new(h));
                }
            }
            None => {
                // attribution: who took this rule's space
                let e = &mut shadow[i];
                if e.len() < 5 {
                    if let (AddrSpec::Ranges(ranges), Some((_, uks, dks))) =
                        (&specs[i], prep_i.first())
                    {
                        for &(v6, lo, hi) in ranges {
                            for c in sweep.covers_for(uks, dks, v6) {
                                c.owners(lo, hi, 5, e);
                            }
                        }
                    }
                }
            }
        }
        add_space(&mut sweep, &specs[i], keys, i);
    }

    SweepOut {
        matched,
        plain_hits,
        shadow,
        bypasses,
        guard_truncated,
    }
}

/// Intersect an admitting rule with a later guard: a witness in both that
/// the rules before the admitting one leave free.
#[allow(clippy::too_many_arguments)]
fn guard_overlap(
    ctx: &mut Ctx,
    sweep: &Sweep,
    e: &HbaRule,
    g: &HbaRule,
    espec: &AddrSpec,
    gspec: &AddrSpec,
    eprep: &Prep,
    gws: &[W],
) -> Option<Witness> {
    let (AddrSpec::Ranges(er), AddrSpec::Ranges(gr)) = (espec, gspec) else {
        return None;
    };
    // witnesses of both rules, adjusted to satisfy the other one
    let cands = eprep.iter().map(|x| &x.0).chain(gws.iter());
    let mut merged = Vec::new();
    for w in cands {
        merged.push(w.clone());
        // add group memberships the other rule needs
        for t in e.users.iter().chain(g.users.iter()) {
            if let Some(grp) = t.group() {
                if ctx.roles.is_none() {
                    let mut w2 = w.clone();
                    w2.member_of.insert(grp.to_string());
                    merged.push(w2);
                }
            }
        }
    }
    for w in merged {
        if !ctx.rule_matches(e, &w) || !ctx.rule_matches(g, &w) {
            continue;
        }
        let (uks, dks) = ctx.witness_keys(&w);
        for &(v6, a, b) in er {
            for &(gv6, c, d) in gr {
                if v6 != gv6 {
                    continue;
                }
                let (lo, hi) = (a.max(c), b.min(d));
                if lo > hi {
                    continue;
                }
                let cov = sweep.covers_for(&uks, &dks, v6);
                if let Some(p) = first_gap(&cov, lo, hi) {
                    let (gs, _) = gaps(&cov, p, hi, 1);
                    let point = gs
                        .first()
                        .map(|&(x, y)| nice_point(v6, x, y, true))
                        .unwrap_or(p);
                    return Some(Witness {
                        addr: ip::ntop(ip::from_u128(v6, point)),
                        user: w.user.to_string(),
                        db: w.db.to_string(),
                        member_of: w.member_of.iter().cloned().collect(),
                        replication: w.repl,
                        symbolic: false,
                    });
                }
            }
        }
    }
    None
}

/// Whether two ADDRESS columns can admit a common client address (symbolic
/// forms are assumed to).
fn addresses_meet(a: &Address, b: &Address) -> bool {
    match (a, b) {
        (
            Address::Ip {
                addr: a1, mask: m1, ..
            },
            Address::Ip {
                addr: a2, mask: m2, ..
            },
        ) => {
            if a1.is_ipv4() != a2.is_ipv4() {
                return false;
            }
            let (x1, y1) = (ip::to_u128(*a1), ip::to_u128(*m1));
            let (x2, y2) = (ip::to_u128(*a2), ip::to_u128(*m2));
            // Two masked ranges meet when they agree on the bits both fix.
            (x1 ^ x2) & y1 & y2 == 0
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_sets_agree_with_a_bitmap() {
        let mut r = crate::gen::Rng::new(7);
        for _ in 0..300 {
            let mut iv = Iv::default();
            let mut bits = [false; 64];
            for k in 0..r.below(90) {
                let a = r.below(64) as u128;
                let b = (a + r.below(3) as u128).min(63);
                iv.insert(a, b, k as u32);
                for x in a..=b {
                    bits[x as usize] = true;
                }
            }
            for w in iv.segments().windows(2) {
                assert!(w[0].1 + 1 < w[1].0, "disjoint, non-adjacent, sorted");
            }
            let lo = r.below(64) as u128;
            let hi = (lo + r.below(20) as u128).min(63);
            let want = (lo..=hi).find(|&x| !bits[x as usize]);
            assert_eq!(first_gap(&[&iv], lo, hi), want);
        }
    }

    #[test]
    fn large_interval_sets_agree_with_a_bitmap() {
        let mut r = crate::gen::Rng::new(11);
        for _ in 0..20 {
            let mut iv = Iv::default();
            let mut bits = vec![false; 3000];
            for k in 0..400 {
                let a = r.below(2990) as u128;
                let width = if r.chance(10) { 60 } else { 2 };
                let b = a + r.below(width) as u128;
                let b = b.min(2999);
                iv.insert(a, b, k);
                for x in a..=b {
                    bits[x as usize] = true;
                }
            }
            assert!(iv.big.is_some(), "the B-tree form is exercised");
            let segs = iv.segments();
            for w in segs.windows(2) {
                assert!(w[0].1 + 1 < w[1].0);
            }
            for _ in 0..200 {
                let lo = r.below(3000) as u128;
                let hi = (lo + r.below(100) as u128).min(2999);
                let want = (lo..=hi).find(|&x| !bits[x as usize]);
                assert_eq!(first_gap(&[&iv], lo, hi), want);
            }
        }
    }
}
