use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// The OS account a throwaway server runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

impl OsUser {
    /// Who runs the server: this process's user, or, when this process is
    /// root, `postgres` if that account exists and else `nobody`.
    pub fn for_server() -> Result<OsUser> {
        let me = current_uid()?;
        if me != 0 {
            return Ok(OsUser {
                name: std::env::var("USER").unwrap_or_else(|_| me.to_string()),
                uid: me,
                gid: current_gid()?,
            });
        }
        let passwd = fs::read_to_string("/etc/passwd").context("reading /etc/passwd")?;
        for wanted in ["postgres", "nobody"] {
            if let Some(u) = passwd.lines().find_map(|l| parse_passwd_line(l, wanted)) {
                return Ok(u);
            }
        }
        bail!("running as root and neither a `postgres` nor a `nobody` account exists: create an unprivileged user for the server (postgres refuses to run as root)")
    }

    pub fn is_current(&self) -> bool {
        current_uid().map(|u| u == self.uid).unwrap_or(false)
    }

    /// Give `path` to this user (no-op when it is already ours).
    pub fn chown(&self, path: &Path) -> Result<()> {
        if self.is_current() {
            return Ok(());
        }
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
            .with_context(|| format!("chown {} to {}", path.display(), self.name))
    }
}

fn parse_passwd_line(line: &str, wanted: &str) -> Option<OsUser> {
    let mut f = line.split(':');
    let name = f.next()?;
    if name != wanted {
        return None;
    }
    let _pw = f.next()?;
    let uid = f.next()?.parse().ok()?;
    let gid = f.next()?.parse().ok()?;
    Some(OsUser {
        name: name.to_string(),
        uid,
        gid,
    })
}

fn status_field(field: &str) -> Result<u32> {
    let status = fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no effective {field} in /proc/self/status"))
}

fn current_uid() -> Result<u32> {
    status_field("Uid:")
}

fn current_gid() -> Result<u32> {
    status_field("Gid:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_passwd_entries() {
        let u = parse_passwd_line(
            "postgres:x:101:104:PostgreSQL:/var/lib/postgresql:/bin/bash",
            "postgres",
        )
        .unwrap();
        assert_eq!((u.uid, u.gid), (101, 104));
        assert!(parse_passwd_line("nobody:x:65534:65534::/:/bin/false", "postgres").is_none());
    }
}
