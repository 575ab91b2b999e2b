//! Writing a configuration file so that it is never half-written: a temporary
//! file in the same directory, fsync, rename over the original, fsync the
//! directory. The original is first copied to a timestamped backup beside
//! it, and the new file keeps the original's owner, group and mode.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Fault injection for the fault tests: `PGTLS_FAULT=<point>` makes the
/// step fail there, `PGTLS_FAULT=abort:<point>` kills the process there (as
/// a crash or `kill -9` would). Write points: `before-temp`, `after-temp`,
/// `before-rename`, `after-rename`; apply points are in `apply.rs`.
pub fn fault(point: &str) -> Result<()> {
    match std::env::var("PGTLS_FAULT") {
        Ok(v) if v == point => anyhow::bail!("injected fault at {point}"),
        Ok(v) if v.strip_prefix("abort:") == Some(point) => std::process::abort(),
        _ => Ok(()),
    }
}

/// Copy `path` to `path.pgtls-<stamp>.bak` (same owner and mode) and return
/// the backup's path.
pub fn backup(path: &Path, stamp: &str) -> Result<PathBuf> {
    let name = path
        .file_name()
        .with_context(|| format!("{} has no file name", path.display()))?;
    let bak = path.with_file_name(format!("{}.pgtls-{stamp}.bak", name.to_string_lossy()));
    let meta = fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    write_with_meta(&bak, &fs::read(path)?, &meta, false)
        .with_context(|| format!("writing backup {}", bak.display()))?;
    Ok(bak)
}

/// Replace `path` with `bytes` atomically, keeping its owner, group and mode.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let meta = fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    write_with_meta(path, bytes, &meta, true)
}

/// [`replace`] without fault injection: restoring a backup during a
/// rollback.
pub fn restore(path: &Path, bytes: &[u8]) -> Result<()> {
    let meta = fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    write_with_meta(path, bytes, &meta, false)
}

fn write_with_meta(path: &Path, bytes: &[u8], meta: &fs::Metadata, faults: bool) -> Result<()> {
    let fault = |p: &str| if faults { fault(p) } else { Ok(()) };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    fault("before-temp")?;
    let tmp = dir.join(format!(".{name}.pgtls-tmp-{}", std::process::id()));
    let result = (|| -> Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("creating {}", tmp.display()))?;
        f.write_all(bytes)?;
        fault("after-temp")?;
        f.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        // Keep owner and group (only root may give a file away; elsewhere the
        // file is ours already).
        let _ = std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid()));
        f.sync_all()
            .with_context(|| format!("fsync {}", tmp.display()))?;
        fault("before-rename")?;
        fs::rename(&tmp, path)
            .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
        fault("after-rename")?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("fsync directory {}", dir.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_keeps_mode_and_leaves_no_temp_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pg_hba.conf");
        fs::write(&p, "old\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        let bak = backup(&p, "20261203T000000").unwrap();
        replace(&p, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new\n");
        assert_eq!(fs::read_to_string(&bak).unwrap(), "old\n");
        assert_eq!(fs::metadata(&p).unwrap().mode() & 0o777, 0o640);
        assert_eq!(fs::metadata(&bak).unwrap().mode() & 0o777, 0o640);
        let names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
