//! What to probe: `host`, `host:port`, `[v6]:port`, a bare IPv6 address,
//! a `postgresql://` URI or a libpq `key=value` conninfo.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

pub const DEFAULT_PORT: u16 = 5432;

/// One server to probe. `user`/`dbname` come from a conninfo or URI and
/// are used for the plaintext test when no `--user`/`--db` was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The text the target was given as (conninfo passwords removed).
    pub raw: String,
    pub host: String,
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dbname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid target \"{input}\": {reason}")]
pub struct TargetError {
    pub input: String,
    pub reason: String,
}

fn err(input: &str, reason: impl Into<String>) -> TargetError {
    TargetError {
        input: input.to_string(),
        reason: reason.into(),
    }
}

impl Target {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        let host = host.into();
        let raw = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Target {
            raw,
            host,
            port,
            user: None,
            dbname: None,
        }
    }

    /// The host as an IP address, when it is one (then no SNI is sent and
    /// certificate name matching compares iPAddress SANs, as libpq does).
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// `host:port` with brackets around IPv6 addresses.
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(err(input, "empty"));
        }
        if let Some(rest) = s
            .strip_prefix("postgresql://")
            .or_else(|| s.strip_prefix("postgres://"))
        {
            return parse_uri(input, rest);
        }
        if s.contains('=') {
            return parse_conninfo(input, s);
        }
        parse_host_port(input, s)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl std::str::FromStr for Target {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

fn parse_port(input: &str, p: &str) -> Result<u16, TargetError> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(err(
            input,
            format!("port \"{p}\" is not a number from 1 to 65535"),
        )),
        Ok(n) => Ok(n),
    }
}

fn check_host(input: &str, host: &str) -> Result<(), TargetError> {
    if host.is_empty() {
        return Err(err(input, "no host"));
    }
    if host.starts_with('/') {
        return Err(err(
            input,
            "a Unix-socket directory cannot be probed over the network (give a TCP host)",
        ));
    }
    if host.contains(',') {
        return Err(err(
            input,
            "several hosts in one target: give one target per host",
        ));
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err(input, "the host contains white space"));
    }
    Ok(())
}

fn parse_host_port(input: &str, s: &str) -> Result<Target, TargetError> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| err(input, "missing ']' after the IPv6 address"))?;
        let port = match after {
            "" => DEFAULT_PORT,
            p => parse_port(
                input,
                p.strip_prefix(':')
                    .ok_or_else(|| err(input, "expected ':port' after ']'"))?,
            )?,
        };
        (h.to_string(), port)
    } else if s.matches(':').count() > 1 {
        // A bare IPv6 address: the whole text is the host.
        (s.to_string(), DEFAULT_PORT)
    } else if let Some((h, p)) = s.rsplit_once(':') {
        (h.to_string(), parse_port(input, p)?)
    } else {
        (s.to_string(), DEFAULT_PORT)
    };
    check_host(input, &host)?;
    let mut t = Target::new(host, port);
    t.raw = s.to_string();
    Ok(t)
}

fn percent_decode(input: &str, s: &str) -> Result<String, TargetError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    err(
                        input,
                        format!("invalid percent-encoding at \"{}\"", &s[i..]),
                    )
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| err(input, "percent-encoding is not UTF-8"))
}

fn parse_uri(input: &str, rest: &str) -> Result<Target, TargetError> {
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let user = match userinfo {
        Some(u) => {
            let name = u.split_once(':').map(|(n, _)| n).unwrap_or(u);
            Some(percent_decode(input, name)?).filter(|s| !s.is_empty())
        }
        None => None,
    };
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_query, ""),
    };
    let mut dbname = match path.strip_prefix('/') {
        Some(d) if !d.is_empty() => Some(percent_decode(input, d)?),
        _ => None,
    };
    let mut host_override = None;
    let mut port_override = None;
    let mut user = user;
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let v = percent_decode(input, v)?;
        match k {
            "host" | "hostaddr" => host_override = Some(v),
            "port" => port_override = Some(parse_port(input, &v)?),
            "user" => user = Some(v),
            "dbname" => dbname = Some(v),
            _ => {}
        }
    }
    let mut t = if let Some(h) = host_override {
        check_host(input, &h)?;
        Target::new(h, DEFAULT_PORT)
    } else if hostport.is_empty() {
        return Err(err(input, "no host in the URI"));
    } else {
        let decoded = percent_decode(input, hostport)?;
        parse_host_port(input, &decoded)?
    };
    if let Some(p) = port_override {
        t.port = p;
    }
    t.user = user;
    t.dbname = dbname;
    t.raw = redact_uri(input.trim());
    Ok(t)
}

/// `postgresql://u:secret@h/db` -> `postgresql://u@h/db`.
fn redact_uri(s: &str) -> String {
    let (scheme, rest) = s.split_once("://").unwrap_or(("", s));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((u, h)) => format!("{}@{h}", u.split_once(':').map(|(n, _)| n).unwrap_or(u)),
        None => authority.to_string(),
    };
    let tail: String = match tail.split_once('?') {
        Some((p, q)) => {
            let kept: Vec<&str> = q
                .split('&')
                .filter(|kv| !kv.starts_with("password="))
                .collect();
            if kept.is_empty() {
                p.to_string()
            } else {
                format!("{p}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// libpq `key = value` pairs; values may be single-quoted with `\'` and `\\`.
fn conninfo_pairs(input: &str, s: &str) -> Result<Vec<(String, String)>, TargetError> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    loop {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        if it.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = it.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            it.next();
        }
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        if it.next() != Some('=') {
            return Err(err(
                input,
                format!("missing \"=\" after \"{key}\" in connection info string"),
            ));
        }
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        let mut val = String::new();
        if it.peek() == Some(&'\'') {
            it.next();
            loop {
                match it.next() {
                    None => {
                        return Err(err(
                            input,
                            "unterminated quoted string in connection info string",
                        ))
                    }
                    Some('\\') => {
                        if let Some(c) = it.next() {
                            val.push(c)
                        }
                    }
                    Some('\'') => break,
                    Some(c) => val.push(c),
                }
            }
        } else {
            while let Some(&c) = it.peek() {
                if c.is_whitespace() {
                    break;
                }
                it.next();
                if c == '\\' {
                    if let Some(n) = it.next() {
                        val.push(n);
                    }
                } else {
                    val.push(c);
                }
            }
        }
        out.push((key, val));
    }
}

fn parse_conninfo(input: &str, s: &str) -> Result<Target, TargetError> {
    let pairs = conninfo_pairs(input, s)?;
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let host = get("host")
        .filter(|h| !h.is_empty())
        .or_else(|| get("hostaddr").filter(|h| !h.is_empty()))
        .ok_or_else(|| err(input, "no host= or hostaddr= in the conninfo"))?;
    check_host(input, &host)?;
    let port = match get("port").filter(|p| !p.is_empty()) {
        Some(p) => parse_port(input, &p)?,
        None => DEFAULT_PORT,
    };
    let mut t = Target::new(host, port);
    t.user = get("user").filter(|v| !v.is_empty());
    t.dbname = get("dbname").filter(|v| !v.is_empty());
    // Never echo a password given in the conninfo.
    t.raw = pairs
        .iter()
        .filter(|(k, _)| k != "password" && k != "sslpassword")
        .map(|(k, v)| {
            if v.is_empty() || v.contains(|c: char| c.is_whitespace() || c == '\'' || c == '\\') {
                format!("{k}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(s: &str) -> (String, u16) {
        let t = Target::parse(s).unwrap();
        (t.host, t.port)
    }

    #[test]
    fn host_port_forms_for_ipv4_ipv6_and_names() {
        assert_eq!(hp("db.example.com"), ("db.example.com".into(), 5432));
        assert_eq!(hp("127.0.0.1:6543"), ("127.0.0.1".into(), 6543));
        assert_eq!(hp("[::1]:7000"), ("::1".into(), 7000));
        assert_eq!(hp("[::1]"), ("::1".into(), 5432));
        assert_eq!(hp("::1"), ("::1".into(), 5432));
        assert_eq!(hp("fe80::1:2"), ("fe80::1:2".into(), 5432));
        assert!(Target::parse("host:99999").is_err());
        assert!(Target::parse("host:0").is_err());
        assert!(Target::parse("[::1").is_err());
        assert!(Target::parse("").is_err());
    }

    #[test]
    fn conninfo_gives_host_port_user_and_db_and_hides_the_password() {
        let t =
            Target::parse("host=10.1.2.3 port=5433 user=app dbname='my db' password=canary-7f3a")
                .unwrap();
        assert_eq!((t.host.as_str(), t.port), ("10.1.2.3", 5433));
        assert_eq!(t.user.as_deref(), Some("app"));
        assert_eq!(t.dbname.as_deref(), Some("my db"));
        assert!(!t.raw.contains("canary"), "{}", t.raw);
        assert!(Target::parse("port=5432").is_err());
        assert!(Target::parse("host=/var/run/postgresql").is_err());
        assert!(Target::parse("host=a,b").is_err());
    }

    #[test]
    fn uri_gives_host_port_user_and_db_and_hides_the_password() {
        let t =
            Target::parse("postgresql://app:canary-7f3a@[::1]:6000/sales?sslmode=require").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 6000));
        assert_eq!(t.user.as_deref(), Some("app"));
        assert_eq!(t.dbname.as_deref(), Some("sales"));
        assert!(!t.raw.contains("canary"), "{}", t.raw);
        let t =
            Target::parse("postgres://h.example/db%20x?port=7777&password=canary-7f3a").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("h.example", 7777));
        assert_eq!(t.dbname.as_deref(), Some("db x"));
        assert!(!t.raw.contains("canary"), "{}", t.raw);
        assert!(Target::parse("postgresql:///db").is_err());
    }
}
