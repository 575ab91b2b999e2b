//! libpq's `conninfo_add_defaults()` and `parseServiceInfo()/parseServiceFile()`.

use std::path::{Path, PathBuf};

use crate::conninfo::{ConnInfo, Source};
use crate::error::ConnInfoError;
use crate::keywords::{self, KEYWORDS};
use crate::parse::c_isspace;

/// Everything outside the string that libpq consults, passed in so tests
/// (and the scanner, which models a repository rather than this machine)
/// need no global state.
pub struct DefaultsContext<'a> {
    /// Environment lookup (`&|k| std::env::var(k).ok()` for the real one).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// File reader: `None` when the file does not exist / cannot be opened.
    pub read_file: &'a dyn Fn(&Path) -> Option<Vec<u8>>,
    /// What `pg_fe_getauthname()` returns (the effective OS user).
    pub os_user: Option<String>,
    /// Home directory when `HOME` is unset (libpq falls back to the passwd entry).
    pub passwd_home: Option<PathBuf>,
    /// libpq's compiled `SYSCONFDIR` (Debian: `/etc/postgresql-common`).
    pub sysconfdir: PathBuf,
    /// libpq's compiled `DEFAULT_PGSOCKET_DIR` (Debian: `/var/run/postgresql`).
    pub socket_dir: String,
    /// Whether libpq was built with GSSAPI (decides the gssencmode default).
    pub gssapi: bool,
}

fn read_real_file(p: &Path) -> Option<Vec<u8>> {
    std::fs::read(p).ok()
}

/// `/var/run/postgresql` when that directory exists (Debian/Ubuntu/RHEL
/// packages), else upstream's `/tmp`.
pub fn default_socket_dir() -> String {
    if Path::new("/var/run/postgresql").is_dir() {
        "/var/run/postgresql".into()
    } else {
        "/tmp".into()
    }
}

/// Debian's `/etc/postgresql-common` when it exists, else upstream's
/// `/usr/local/pgsql/etc`.
pub fn default_sysconfdir() -> PathBuf {
    let debian = Path::new("/etc/postgresql-common");
    if debian.is_dir() {
        debian.into()
    } else {
        PathBuf::from("/usr/local/pgsql/etc")
    }
}

/// The effective user name and home of this process, read from
/// `/proc/self/status` and `/etc/passwd` (libpq: `getpwuid(geteuid())`).
pub fn os_user() -> (Option<String>, Option<PathBuf>) {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_string))
        });
    if let (Some(uid), Ok(passwd)) = (uid, std::fs::read_to_string("/etc/passwd")) {
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 6 && f[2] == uid {
                return (Some(f[0].to_string()), Some(PathBuf::from(f[5])));
            }
        }
    }
    (
        std::env::var("USER")
            .ok()
            .or_else(|| std::env::var("LOGNAME").ok()),
        None,
    )
}

impl<'a> DefaultsContext<'a> {
    /// This machine: real files, the process's OS user, Debian-or-upstream
    /// compiled paths, GSSAPI assumed (as in distribution builds).
    pub fn system(env: &'a dyn Fn(&str) -> Option<String>) -> Self {
        let (user, home) = os_user();
        DefaultsContext {
            env,
            read_file: &read_real_file,
            os_user: user,
            passwd_home: home,
            sysconfdir: default_sysconfdir(),
            socket_dir: default_socket_dir(),
            gssapi: true,
        }
    }
}

impl ConnInfo {
    /// Fill every unset keyword as libpq does (`conninfo_add_defaults()`):
    /// explicit > service file > environment > `PGREQUIRESSL` > compiled
    /// default > OS user; then `sslmode` becomes `verify-full` when it came
    /// from the compiled default and `sslrootcert=system` (16+). Also fills
    /// what `connectOptions2()` substitutes: `host` (the default socket
    /// directory, when neither host nor hostaddr is set) and `dbname` (the
    /// user name). Every value records its [`Source`].
    pub fn with_defaults(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ConnInfo, ConnInfoError> {
        self.with_defaults_in(&DefaultsContext::system(env))
    }

    /// [`ConnInfo::with_defaults`] with every outside input given.
    pub fn with_defaults_in(&self, ctx: &DefaultsContext<'_>) -> Result<ConnInfo, ConnInfoError> {
        let major = self.major();
        let mut out = self.clone();
        apply_service(&mut out, ctx)?;
        let mut sslmode_from_default = false;
        for k in KEYWORDS.iter().filter(|k| k.exists_in(major)) {
            if out.contains(k.name) {
                continue;
            }
            if let Some(var) = k.envvar {
                if let Some(v) = (ctx.env)(var) {
                    out.store(
                        k,
                        v,
                        Source::Env {
                            var: var.to_string(),
                        },
                    );
                    continue;
                }
            }
            if k.name == "sslmode" {
                if let Some(v) = (ctx.env)("PGREQUIRESSL") {
                    if v.starts_with('1') {
                        out.store(
                            k,
                            "require".into(),
                            Source::Env {
                                var: "PGREQUIRESSL".into(),
                            },
                        );
                        continue;
                    }
                }
                sslmode_from_default = true;
            }
            if let Some(v) = keywords::compiled_default(k.name, major, ctx.gssapi) {
                out.store(k, v.to_string(), Source::Default);
                continue;
            }
            if k.name == "user" {
                if let Some(u) = &ctx.os_user {
                    out.store(k, u.clone(), Source::Default);
                }
            }
        }
        if sslmode_from_default && major >= 16 && out.get("sslrootcert") == Some("system") {
            let k = keywords::lookup("sslmode", major).expect("sslmode exists");
            out.store(k, "verify-full".into(), Source::Default);
        }
        // connectOptions2(): an empty host list means the default socket dir.
        let no_host = out.host().is_none_or(str::is_empty);
        let no_addr = out.hostaddr().is_none_or(str::is_empty);
        if no_host && no_addr {
            let k = keywords::lookup("host", major).expect("host exists");
            out.store(k, ctx.socket_dir.clone(), Source::Default);
        }
        if out.dbname().is_none_or(str::is_empty) {
            if let Some(u) = out.user().map(str::to_string) {
                let k = keywords::lookup("dbname", major).expect("dbname exists");
                out.store(k, u, Source::Default);
            }
        }
        Ok(out)
    }
}

/// `parseServiceInfo()`: the service named by `service=` or `PGSERVICE`,
/// looked up in `PGSERVICEFILE` (which must exist) or `~/.pg_service.conf`
/// (if it exists), then in `PGSYSCONFDIR`/`SYSCONFDIR` `pg_service.conf`.
fn apply_service(info: &mut ConnInfo, ctx: &DefaultsContext<'_>) -> Result<(), ConnInfoError> {
    let service = match info.get("service") {
        Some(s) => s.to_string(),
        None => match (ctx.env)("PGSERVICE") {
            Some(s) => s,
            None => return Ok(()),
        },
    };
    let mut first: Option<PathBuf> = None;
    if let Some(f) = (ctx.env)("PGSERVICEFILE") {
        first = Some(PathBuf::from(f));
    } else {
        // pqGetHomeDirectory(): $HOME from 15 on (checked against libpq
        // 12..18), the passwd entry's directory before.
        let home = (ctx.env)("HOME")
            .filter(|h| !h.is_empty() && info.major() >= 15)
            .map(PathBuf::from)
            .or_else(|| ctx.passwd_home.clone());
        if let Some(h) = home {
            let p = h.join(".pg_service.conf");
            if (ctx.read_file)(&p).is_some() {
                first = Some(p);
            }
        }
    }
    if let Some(path) = first {
        let text = (ctx.read_file)(&path)
            .ok_or_else(|| ConnInfoError::ServiceFileNotFound(path.clone()))?;
        if parse_service_file(&path, &text, &service, info)? {
            return Ok(());
        }
    }
    let dir = (ctx.env)("PGSYSCONFDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| ctx.sysconfdir.clone());
    let path = dir.join("pg_service.conf");
    if let Some(text) = (ctx.read_file)(&path) {
        if parse_service_file(&path, &text, &service, info)? {
            return Ok(());
        }
    }
    Err(ConnInfoError::ServiceNotFound(service))
}

/// One `pg_service.conf` entry as written (for scanners and the fixer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    pub keyword: String,
    pub value: String,
    pub line: u32,
}

/// Split a service file into its sections without validating keywords
/// (libpq validates only the section it reads): `(name, header line,
/// entries)`. Lines that are not `key=value` inside a section are skipped.
pub fn service_sections(text: &[u8]) -> Vec<(String, u32, Vec<ServiceEntry>)> {
    let mut out: Vec<(String, u32, Vec<ServiceEntry>)> = Vec::new();
    for (idx, raw) in text.split(|b| *b == b'\n').enumerate() {
        let line = trim_c(raw);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let lineno = idx as u32 + 1;
        if line[0] == b'[' {
            let name = match line.iter().position(|b| *b == b']') {
                Some(e) => &line[1..e],
                None => &line[1..],
            };
            out.push((String::from_utf8_lossy(name).into_owned(), lineno, vec![]));
        } else if let Some(sec) = out.last_mut() {
            if let Some(eq) = line.iter().position(|b| *b == b'=') {
                sec.2.push(ServiceEntry {
                    keyword: String::from_utf8_lossy(&line[..eq]).into_owned(),
                    value: String::from_utf8_lossy(&line[eq + 1..]).into_owned(),
                    line: lineno,
                });
            }
        }
    }
    out
}

fn trim_c(mut s: &[u8]) -> &[u8] {
    while let Some((l, rest)) = s.split_last() {
        if c_isspace(*l) {
            s = rest;
        } else {
            break;
        }
    }
    while let Some((f, rest)) = s.split_first() {
        if c_isspace(*f) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// `parseServiceFile()`: returns whether the group was found. Values fill
/// only keywords still unset; the first occurrence in the section wins.
fn parse_service_file(
    path: &Path,
    text: &[u8],
    service: &str,
    info: &mut ConnInfo,
) -> Result<bool, ConnInfoError> {
    let major = info.major();
    let mut found = false;
    // fgets() with a 1024-byte buffer: a chunk (line incl. newline) of
    // 1023 bytes or more is "too long".
    let mut lineno = 0u32;
    let mut rest = text;
    while !rest.is_empty() {
        let (raw, next) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..=i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        lineno += 1;
        // A NUL ends the C string early.
        let raw = match raw.iter().position(|b| *b == 0) {
            Some(i) => &raw[..i],
            None => raw,
        };
        if raw.len() >= 1023 {
            return Err(ConnInfoError::ServiceLineTooLong {
                file: path.into(),
                line: lineno,
            });
        }
        // 13+: every trailing blank goes; 12 dropped only the newline and a
        // carriage return (checked against libpq 12..18).
        let line = if major >= 13 {
            trim_c(raw)
        } else {
            let mut l = raw;
            for end in [b'\n', b'\r'] {
                if l.last() == Some(&end) {
                    l = &l[..l.len() - 1];
                }
            }
            let lead = l.iter().take_while(|b| c_isspace(**b)).count();
            &l[lead..]
        };
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        if line[0] == b'[' {
            if found {
                return Ok(true);
            }
            let s = service.as_bytes();
            found =
                line.len() > s.len() + 1 && &line[1..=s.len()] == s && line[s.len() + 1] == b']';
            continue;
        }
        if !found {
            continue;
        }
        if line.starts_with(b"ldap") {
            // LDAP service lookups are not performed offline.
            continue;
        }
        let Some(eq) = line.iter().position(|b| *b == b'=') else {
            return Err(ConnInfoError::ServiceSyntax {
                file: path.into(),
                line: lineno,
            });
        };
        let key = String::from_utf8_lossy(&line[..eq]);
        let val = String::from_utf8_lossy(&line[eq + 1..]).into_owned();
        if key == "service" {
            return Err(ConnInfoError::ServiceNested {
                file: path.into(),
                line: lineno,
            });
        }
        let Some(k) = keywords::lookup(&key, major) else {
            return Err(ConnInfoError::ServiceSyntax {
                file: path.into(),
                line: lineno,
            });
        };
        if !info.contains(k.name) {
            info.store(
                k,
                val,
                Source::Service {
                    file: path.into(),
                    line: lineno,
                    service: service.to_string(),
                },
            );
        }
    }
    Ok(found)
}
