//! Finding a server's files offline, and reading them.

use std::fs;
use std::path::{Path, PathBuf};

use crate::load::{bytes, make_absolute, path_of, LoadOptions, Loader};
use crate::model::{ConfError, ConfErrorKind, ConfigSet, ServerFiles};
use crate::pgpath;

/// Where a server's configuration lives, from a directory that is either
/// a data directory (postgresql.conf and PG_VERSION inside) or a
/// Debian-style configuration directory such as `/etc/postgresql/15/main`
/// (postgresql.conf with `data_directory`, `hba_file`, `ident_file`
/// pointing elsewhere). DIR may also name postgresql.conf itself.
///
/// Follows `SelectConfigFiles()`: the data directory is the last line
/// spelled exactly `data_directory` in postgresql.conf (includes
/// expanded), else DIR; `hba_file`/`ident_file` come from the files
/// (auto.conf included) and default to the data directory. Relative
/// `data_directory`/`hba_file` values are relative to the postmaster's
/// working directory, which is unknowable offline: we resolve them against
/// the directory holding postgresql.conf.
pub fn locate(dir: &Path) -> Result<ServerFiles, ConfError> {
    let (config_dir, config_file) = if dir.is_file() {
        let parent = dir.parent().map(Path::to_path_buf).unwrap_or_default();
        (parent, dir.to_path_buf())
    } else {
        (dir.to_path_buf(), dir.join("postgresql.conf"))
    };
    if let Err(e) = fs::metadata(&config_file) {
        let mut err = ConfError::new(
            ConfErrorKind::NoConfigFile,
            format!(
                "could not access the server configuration file \"{}\": {}",
                config_file.display(),
                e.to_string().split(" (os error").next().unwrap_or_default()
            ),
        );
        err.file = Some(config_file.display().to_string());
        return Err(err);
    }
    let version_in = |d: &Path| -> Option<u32> {
        let text = fs::read_to_string(d.join("PG_VERSION")).ok()?;
        text.trim().parse().ok()
    };
    // A first pass over postgresql.conf alone, as the postmaster does
    // before it knows the data directory.
    let guess_major = version_in(&config_dir);
    let opts = LoadOptions {
        pg_major: guess_major,
        ..LoadOptions::default()
    };
    let mut loader = Loader::new(&opts, None);
    let main = make_absolute(&config_file, opts.pg_major.is_none_or(|m| m >= 15));
    let ok = loader.parse_config_file(&main, true, None, 0);
    let first = loader.finish(ok);
    let conf_dir_abs = path_of(&pgpath::parent_directory(&main));
    // make_absolute_path(), with the directory of postgresql.conf standing
    // in for the postmaster's working directory.
    let resolve = |v: &str, major: Option<u32>| -> PathBuf {
        let modern = major.is_none_or(|m| m >= 15);
        let b = v.as_bytes();
        let abs = if pgpath::is_absolute(b) {
            b.to_vec()
        } else {
            pgpath::join(bytes(&conf_dir_abs), b, modern)
        };
        path_of(&pgpath::canonicalize(&abs, modern))
    };
    let data_directory = first
        .entries
        .iter()
        .rev()
        .find(|e| e.name == "data_directory")
        .map(|e| resolve(&e.value, guess_major))
        .or_else(|| {
            config_dir
                .join("PG_VERSION")
                .is_file()
                .then(|| conf_dir_abs.clone())
        });
    let pg_version = data_directory
        .as_deref()
        .and_then(version_in)
        .or_else(|| debian_major(&conf_dir_abs));
    let auto_conf = data_directory
        .as_ref()
        .map(|d| d.join("postgresql.auto.conf"));
    let mut files = ServerFiles {
        config_file: path_of(&main),
        data_directory: data_directory.clone(),
        hba_file: PathBuf::new(),
        ident_file: PathBuf::new(),
        auto_conf,
        pg_version,
    };
    let set = load(&files);
    let base = data_directory.unwrap_or(conf_dir_abs.clone());
    files.hba_file = set
        .intended("hba_file")
        .map(|e| resolve(&e.value, pg_version))
        .unwrap_or_else(|| base.join("pg_hba.conf"));
    files.ident_file = set
        .intended("ident_file")
        .map(|e| resolve(&e.value, pg_version))
        .unwrap_or_else(|| base.join("pg_ident.conf"));
    Ok(files)
}

/// Read postgresql.conf (includes expanded in place), then
/// postgresql.auto.conf when the data directory is known.
pub fn load(files: &ServerFiles) -> ConfigSet {
    load_with(
        files,
        &LoadOptions {
            pg_major: files.pg_version,
            ..LoadOptions::default()
        },
    )
}

/// [`load`] with explicit options.
pub fn load_with(files: &ServerFiles, opts: &LoadOptions) -> ConfigSet {
    let mut loader = Loader::new(opts, files.data_directory.as_deref());
    let modern = opts.pg_major.is_none_or(|m| m >= 15);
    let main = make_absolute(&files.config_file, modern);
    let mut ok = loader.parse_config_file(&main, true, None, 0);
    if ok {
        if let Some(auto) = &files.auto_conf {
            let auto = make_absolute(auto, modern);
            ok = loader.parse_config_file(&auto, false, None, 0);
        }
    }
    loader.finish(ok)
}

/// Read one file (with its includes) on its own, e.g. `--conf FILE`: no
/// postgresql.auto.conf.
pub fn load_file(path: &Path) -> ConfigSet {
    load_file_with(path, &LoadOptions::default())
}

/// [`load_file`] with explicit options.
pub fn load_file_with(path: &Path, opts: &LoadOptions) -> ConfigSet {
    let mut loader = Loader::new(opts, path.parent());
    let main = make_absolute(path, opts.pg_major.is_none_or(|m| m >= 15));
    let ok = loader.parse_config_file(&main, true, None, 0);
    loader.finish(ok)
}

/// Parse text as if it were the file `name` (includes are resolved
/// against `name`'s directory and read from disk).
pub fn parse_text(name: &Path, text: &[u8], opts: &LoadOptions) -> ConfigSet {
    let mut loader = Loader::new(opts, name.parent());
    let main = make_absolute(name, opts.pg_major.is_none_or(|m| m >= 15));
    let ok = loader.parse_buffer(text, &main);
    loader.finish(ok)
}

/// Debian's `/etc/postgresql/<major>/<cluster>` names the major version;
/// used when PG_VERSION cannot be read (the data directory is usually
/// readable only by `postgres`).
fn debian_major(config_dir: &Path) -> Option<u32> {
    let cluster_parent = config_dir.parent()?;
    let under = cluster_parent.parent()?;
    if under != Path::new("/etc/postgresql") {
        return None;
    }
    cluster_parent.file_name()?.to_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_config_dirs_name_their_major() {
        assert_eq!(debian_major(Path::new("/etc/postgresql/15/main")), Some(15));
        assert_eq!(debian_major(Path::new("/etc/postgresql/x/main")), None);
        assert_eq!(debian_major(Path::new("/srv/pg/15/main")), None);
    }
}
