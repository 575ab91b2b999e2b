use std::fmt;
use std::path::PathBuf;

use pgtls_model::Secret;
use serde::Serialize;

use crate::error::ConnInfoError;
use crate::keywords::{self, Keyword};
use crate::sslmode::{GssEncMode, SslMode, SslNegotiation};

/// Which grammar the string was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// `host=db sslmode=require`
    KeyValue,
    /// `postgresql://db/app?sslmode=require`
    Uri,
}

/// Where a value came from (libpq's precedence, highest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// Written in the connection string (or set by the caller).
    ConnString,
    /// A `pg_service.conf` entry.
    Service {
        file: PathBuf,
        line: u32,
        service: String,
    },
    /// An environment variable (`PGSSLMODE`, or `PGREQUIRESSL` for sslmode).
    Env { var: String },
    /// libpq's compiled-in default (or, for `user`, the OS user name; for
    /// `host`/`dbname` what `connectOptions2()` substitutes).
    Default,
}

#[derive(Clone, PartialEq, Eq)]
enum Value {
    Plain(String),
    Secret(Secret),
}

impl Value {
    fn new(keyword: &Keyword, v: String) -> Self {
        if keyword.secret {
            Value::Secret(Secret::new(v))
        } else {
            Value::Plain(v)
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
struct Entry {
    keyword: &'static str,
    value: Value,
    source: Source,
}

/// A parsed connection string: libpq keyword -> value, in the order the
/// keywords first appeared (a repeated keyword keeps its first position and
/// its last value, as libpq's "last one wins").
///
/// Secret values (`password`, `sslpassword`, 18's `oauth_client_secret`,
/// `scram_*_key`) are kept as [`Secret`]: `get` does not return them,
/// `Display`/`Debug`/`Serialize` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    major: u32,
    form: Form,
    entries: Vec<Entry>,
}

/// One host to try, after libpq's `connectOptions2()` split of the
/// comma-separated `host`, `hostaddr` and `port` lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostSpec {
    /// The host name or socket directory as written (empty when only a
    /// hostaddr was given).
    pub host: Option<String>,
    pub hostaddr: Option<String>,
    pub port: u16,
    pub kind: HostKind,
}

/// libpq's `pg_conn_host_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostKind {
    /// A DNS name or IP literal in `host` (TCP; SSL possible).
    Name,
    /// A numeric `hostaddr` (TCP; SSL possible; verify-full still checks `host`).
    Address,
    /// A Unix-domain socket directory (`/...`, or `@...` abstract namespace
    /// from 14): never SSL or GSS.
    UnixSocket,
}

impl HostSpec {
    pub fn is_tcp(&self) -> bool {
        self.kind != HostKind::UnixSocket
    }
}

/// libpq's `is_unixsock_path()`: `/` always, `@` (Linux abstract
/// namespace) from 14.
pub fn is_unix_socket_path(host: &str, major: u32) -> bool {
    host.starts_with('/') || (major >= 14 && host.starts_with('@'))
}

impl ConnInfo {
    pub(crate) fn empty(major: u32, form: Form) -> Self {
        ConnInfo {
            major,
            form,
            entries: Vec::new(),
        }
    }

    /// An empty connection string for libpq `major` (as `""` parses).
    pub fn new(major: u32) -> Self {
        Self::empty(keywords::clamp_major(major), Form::KeyValue)
    }

    pub(crate) fn store(&mut self, keyword: &'static Keyword, value: String, source: Source) {
        let value = Value::new(keyword, value);
        if let Some(e) = self.entries.iter_mut().find(|e| e.keyword == keyword.name) {
            e.value = value;
            e.source = source;
        } else {
            self.entries.push(Entry {
                keyword: keyword.name,
                value,
                source,
            });
        }
    }

    /// The libpq major whose grammar and keyword set this follows.
    pub fn major(&self) -> u32 {
        self.major
    }

    pub fn form(&self) -> Form {
        self.form
    }

    /// The value of a non-secret keyword. Secret keywords (`password`, ...)
    /// return `None`: use [`ConnInfo::secret`].
    pub fn get(&self, keyword: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.keyword == keyword)
            .and_then(|e| match &e.value {
                Value::Plain(v) => Some(v.as_str()),
                Value::Secret(_) => None,
            })
    }

    /// The value of a secret keyword (`password`, `sslpassword`, ...).
    pub fn secret(&self, keyword: &str) -> Option<&Secret> {
        self.entries
            .iter()
            .find(|e| e.keyword == keyword)
            .and_then(|e| match &e.value {
                Value::Secret(s) => Some(s),
                Value::Plain(_) => None,
            })
    }

    /// Whether the keyword has a value (secret or not).
    pub fn contains(&self, keyword: &str) -> bool {
        self.entries.iter().any(|e| e.keyword == keyword)
    }

    /// Where the keyword's value came from.
    pub fn source(&self, keyword: &str) -> Option<&Source> {
        self.entries
            .iter()
            .find(|e| e.keyword == keyword)
            .map(|e| &e.source)
    }

    /// Keywords with a value, in order.
    pub fn keywords(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|e| e.keyword)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Set a keyword as if written in the string (libpq's `conninfo_storeval`:
    /// `requiressl` becomes `sslmode`; unknown keywords are refused with
    /// libpq's "invalid connection option").
    pub fn set(&mut self, keyword: &str, value: &str) -> Result<(), ConnInfoError> {
        let (keyword, value) = if keyword == "requiressl" {
            (
                "sslmode",
                if value.starts_with('1') {
                    "require"
                } else {
                    "prefer"
                },
            )
        } else {
            (keyword, value)
        };
        let k = keywords::lookup(keyword, self.major)
            .ok_or_else(|| ConnInfoError::InvalidOption(keyword.to_string()))?;
        self.store(k, value.to_string(), Source::ConnString);
        Ok(())
    }

    /// Remove a keyword; returns whether it was present.
    pub fn remove(&mut self, keyword: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.keyword != keyword);
        before != self.entries.len()
    }

    pub fn password(&self) -> Option<&Secret> {
        self.secret("password")
    }
    pub fn user(&self) -> Option<&str> {
        self.get("user")
    }
    pub fn dbname(&self) -> Option<&str> {
        self.get("dbname")
    }
    pub fn host(&self) -> Option<&str> {
        self.get("host")
    }
    pub fn hostaddr(&self) -> Option<&str> {
        self.get("hostaddr")
    }
    pub fn port(&self) -> Option<&str> {
        self.get("port")
    }
    pub fn sslrootcert(&self) -> Option<&str> {
        self.get("sslrootcert")
    }
    pub fn sslcert(&self) -> Option<&str> {
        self.get("sslcert")
    }
    pub fn sslkey(&self) -> Option<&str> {
        self.get("sslkey")
    }
    pub fn application_name(&self) -> Option<&str> {
        self.get("application_name")
    }
    pub fn service(&self) -> Option<&str> {
        self.get("service")
    }

    /// `connect_timeout` in seconds as libpq reads it (`pqParseIntParam`:
    /// surrounding whitespace allowed; `<= 0` means no timeout and is
    /// returned as `None`; libpq raises 1 to 2 seconds, so do we).
    pub fn connect_timeout(&self) -> Result<Option<u32>, ConnInfoError> {
        let Some(v) = self.get("connect_timeout") else {
            return Ok(None);
        };
        let n = parse_int_param(v, "connect_timeout")?;
        Ok(match n {
            n if n <= 0 => None,
            1 => Some(2),
            n => Some(n as u32),
        })
    }

    /// The sslmode libpq would use with what is in this ConnInfo (call it on
    /// the result of [`ConnInfo::with_defaults`] to include the service file
    /// and environment): the explicit value, else `prefer`, upgraded to
    /// `verify-full` when `sslrootcert=system` (16+). `requiressl` was
    /// already rewritten to `sslmode` while parsing. Errors are libpq's
    /// `connectOptions2()` checks: an invalid value, a weak mode with
    /// `sslrootcert=system` (16+) or with `sslnegotiation=direct` (17+).
    pub fn effective_sslmode(&self) -> Result<SslMode, ConnInfoError> {
        let mode = match self.get("sslmode") {
            Some(v) => v.parse::<SslMode>()?,
            None if self.major >= 16 && self.sslrootcert() == Some("system") => SslMode::VerifyFull,
            None => SslMode::Prefer,
        };
        if self.major >= 16 && self.sslrootcert() == Some("system") && mode != SslMode::VerifyFull {
            return Err(ConnInfoError::WeakSslmodeForSystemRoot(mode.to_string()));
        }
        if self.major >= 17
            && self.sslnegotiation()? == SslNegotiation::Direct
            && !matches!(
                mode,
                SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
            )
        {
            return Err(ConnInfoError::WeakSslmodeForDirect(mode.to_string()));
        }
        Ok(mode)
    }

    /// `sslnegotiation` (17+; `postgres` when unset or before 17).
    pub fn sslnegotiation(&self) -> Result<SslNegotiation, ConnInfoError> {
        match self.get("sslnegotiation") {
            Some(v) if self.major >= 17 => v.parse(),
            _ => Ok(SslNegotiation::Postgres),
        }
    }

    /// `gssencmode`, or `None` when unset (the default depends on whether
    /// libpq was built with GSSAPI: `prefer` if so, else `disable`).
    pub fn gssencmode(&self) -> Result<Option<GssEncMode>, ConnInfoError> {
        self.get("gssencmode").map(str::parse).transpose()
    }

    /// The hosts libpq would try, in order (`connectOptions2()`): the
    /// `hostaddr` list decides the count when given, else the `host` list;
    /// one port applies to every host, else the counts must match; an empty
    /// port is 5432 and an empty host the default socket directory
    /// `default_socket_dir` (Debian's libpq: `/var/run/postgresql`, upstream
    /// `/tmp`).
    pub fn hosts_with(&self, default_socket_dir: &str) -> Result<Vec<HostSpec>, ConnInfoError> {
        let host = self.host().filter(|h| !h.is_empty());
        let hostaddr = self.hostaddr().filter(|h| !h.is_empty());
        let n = if let Some(a) = hostaddr {
            a.split(',').count()
        } else if let Some(h) = host {
            h.split(',').count()
        } else {
            1
        };
        let addrs: Vec<Option<String>> = match hostaddr {
            Some(a) => a.split(',').map(|s| Some(s.to_string())).collect(),
            None => vec![None; n],
        };
        let names: Vec<Option<String>> = match host {
            Some(h) => {
                let v: Vec<_> = h.split(',').map(|s| Some(s.to_string())).collect();
                if v.len() != n {
                    return Err(ConnInfoError::HostCountMismatch {
                        hosts: v.len(),
                        hostaddrs: n,
                    });
                }
                v
            }
            None => vec![None; n],
        };
        let ports: Vec<String> = match self.port().filter(|p| !p.is_empty()) {
            Some(p) => {
                let v: Vec<String> = p.split(',').map(str::to_string).collect();
                if v.len() == 1 {
                    vec![v[0].clone(); n]
                } else if v.len() != n {
                    return Err(ConnInfoError::PortCountMismatch {
                        ports: v.len(),
                        hosts: n,
                    });
                } else {
                    v
                }
            }
            None => vec![String::new(); n],
        };
        let mut out = Vec::with_capacity(n);
        for ((name, addr), port) in names.into_iter().zip(addrs).zip(ports) {
            let addr = addr.filter(|a| !a.is_empty());
            let name = name.filter(|h| !h.is_empty());
            let (name, kind) = if addr.is_some() {
                (name, HostKind::Address)
            } else if let Some(h) = name {
                let k = if is_unix_socket_path(&h, self.major) {
                    HostKind::UnixSocket
                } else {
                    HostKind::Name
                };
                (Some(h), k)
            } else {
                (Some(default_socket_dir.to_string()), HostKind::UnixSocket)
            };
            let port = if port.is_empty() {
                5432
            } else {
                let v = parse_int_param(&port, "port")?;
                if !(1..=65535).contains(&v) {
                    return Err(ConnInfoError::InvalidPort(port));
                }
                v as u16
            };
            out.push(HostSpec {
                host: name,
                hostaddr: addr,
                port,
                kind,
            });
        }
        Ok(out)
    }

    /// [`ConnInfo::hosts_with`] the default socket directory of this machine
    /// (`/var/run/postgresql` if it exists, else `/tmp`).
    pub fn hosts(&self) -> Result<Vec<HostSpec>, ConnInfoError> {
        self.hosts_with(&crate::defaults::default_socket_dir())
    }

    /// The keyword/value string with every value, secrets included. Only
    /// for handing to a connection library; never print it.
    pub fn expose_to_string(&self) -> String {
        self.render(true)
    }

    fn render(&self, expose: bool) -> String {
        let mut out = String::new();
        for e in &self.entries {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(e.keyword);
            out.push('=');
            match &e.value {
                Value::Plain(v) => push_quoted(&mut out, v),
                Value::Secret(s) if expose => push_quoted(&mut out, s.expose()),
                Value::Secret(s) => out.push_str(&s.to_string()),
            }
        }
        out
    }
}

/// libpq quoting: bare when the value is non-empty and has no whitespace,
/// quote or backslash; else single-quoted with `\'` and `\\`.
fn push_quoted(out: &mut String, v: &str) {
    let plain = !v.is_empty()
        && !v
            .bytes()
            .any(|b| crate::parse::c_isspace(b) || b == b'\'' || b == b'\\');
    if plain {
        out.push_str(v);
        return;
    }
    out.push('\'');
    for c in v.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
}

/// libpq's `pqParseIntParam()`: strtol with surrounding whitespace.
fn parse_int_param(v: &str, keyword: &str) -> Result<i64, ConnInfoError> {
    let err = || ConnInfoError::InvalidInteger {
        keyword: keyword.to_string(),
        value: v.to_string(),
    };
    let t = v.trim_matches(|c: char| c.is_ascii() && crate::parse::c_isspace(c as u8));
    let n: i64 = t.parse().map_err(|_| err())?;
    if i32::try_from(n).is_err() {
        return Err(err());
    }
    Ok(n)
}

impl fmt::Display for ConnInfo {
    /// The keyword/value form with secrets as `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnInfo({}; libpq {})", self.render(false), self.major)
    }
}

impl Serialize for ConnInfo {
    /// A map keyword -> value in order, secrets as `***`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.entries.len()))?;
        for e in &self.entries {
            match &e.value {
                Value::Plain(v) => m.serialize_entry(e.keyword, v)?,
                Value::Secret(v) => m.serialize_entry(e.keyword, v)?,
            }
        }
        m.end()
    }
}
