//! `locate()` against the server's own answer: `postgres -C name` prints a
//! parameter after the server has processed its configuration files
//! (SelectConfigFiles(): data_directory first, then everything including
//! postgresql.auto.conf), without starting anything.
//!
//! The server is run the way Debian's pg_ctlcluster runs it
//! (`-D <data> -c config_file=<conf>`) when the configuration lives
//! outside the data directory, and from the directory holding
//! postgresql.conf (our convention for relative paths).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pgtls_cluster::{OsUser, PgBin};
use pgtls_conf::{load, locate, ServerFiles};

fn dash_c(bin: &PgBin, user: &OsUser, files: &ServerFiles, cwd: &Path, name: &str) -> String {
    let mut cmd = Command::new(bin.tool("postgres"));
    match &files.data_directory {
        Some(d) if Some(d.as_path()) != files.config_file.parent() => {
            cmd.arg("-D")
                .arg(d)
                .arg("-c")
                .arg(format!("config_file={}", files.config_file.display()));
        }
        _ => {
            cmd.arg("-D").arg(files.config_file.parent().unwrap());
            cmd.arg("-c").arg("config_file=postgresql.conf");
        }
    }
    cmd.arg("-C").arg(name).current_dir(cwd).env("LC_ALL", "C");
    if !user.is_current() {
        cmd.uid(user.uid).gid(user.gid);
    }
    let out = cmd.output().expect("run postgres -C");
    assert!(
        out.status.success(),
        "postgres -C {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

fn compare(bin: &PgBin, user: &OsUser, dir: &Path, label: &str) {
    let files = locate(dir).unwrap_or_else(|e| panic!("{label}: {e}"));
    let cwd = files.config_file.parent().unwrap().to_path_buf();
    let set = load(&files);
    assert!(!set.has_errors(), "{label}: {:?}", set.errors);
    let want = |n: &str| PathBuf::from(dash_c(bin, user, &files, &cwd, n));
    assert_eq!(
        Some(want("data_directory")),
        files.data_directory,
        "{label}: data_directory"
    );
    assert_eq!(want("hba_file"), files.hba_file, "{label}: hba_file");
    assert_eq!(want("ident_file"), files.ident_file, "{label}: ident_file");
    assert_eq!(
        want("config_file"),
        files.config_file,
        "{label}: config_file"
    );
    for name in ["ssl_cert_file", "ssl_ciphers", "cluster_name"] {
        if let Some(e) = set.effective(name) {
            let v = dash_c(bin, user, &files, &cwd, name);
            assert_eq!(v, e.value, "{label}: {name}");
        }
    }
}

fn write(p: &Path, text: &str) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    for a in p.ancestors().skip(1) {
        if a == Path::new("/tmp") {
            break;
        }
        let _ = fs::set_permissions(a, fs::Permissions::from_mode(0o755));
    }
    fs::write(p, text).unwrap();
    fs::set_permissions(p, fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn debian_style_layouts_match_postgres_dash_c() {
    let Ok(bin) = PgBin::find(Some(15)).or_else(|_| PgBin::find(None)) else {
        panic!("no PostgreSQL binaries found");
    };
    let user = OsUser::for_server().unwrap();
    let major = bin.major;
    for case in 0..12u32 {
        let tmp = tempfile::Builder::new()
            .prefix("pgtls-locate-")
            .tempdir_in("/tmp")
            .unwrap();
        let root = tmp.path();
        let etc = root.join("etc/postgresql/x/main");
        let data = root.join("var/lib/x/main");
        write(&data.join("PG_VERSION"), &format!("{major}\n"));
        let data_line = match case % 4 {
            0 => format!("data_directory = '{}'", data.display()),
            1 => "data_directory = '../../../../var/lib/x/main'".to_string(),
            2 => format!("data_directory '{}/'", data.display()),
            _ => format!("include 'conf.d/dd.conf'\n# {}", data.display()),
        };
        if case % 4 == 3 {
            write(
                &etc.join("conf.d/dd.conf"),
                &format!("data_directory = '{}'\n", data.display()),
            );
        } else {
            write(&etc.join("conf.d/other.conf"), "ssl = on\n");
        }
        let hba_line = match case % 3 {
            0 => format!("hba_file = '{}/pg_hba.conf'", etc.display()),
            1 => String::new(),
            _ => "hba_file = 'hba/custom.conf'".to_string(),
        };
        let ident_line = if case % 2 == 0 {
            format!("ident_file = '{}/pg_ident.conf'", etc.display())
        } else {
            String::new()
        };
        write(
            &etc.join("postgresql.conf"),
            &format!(
                "{data_line}\n{hba_line}\n{ident_line}\nssl_cert_file = '/etc/ssl/x.pem'\ncluster_name = 'c{case}'\ninclude_dir = 'conf.d'\n"
            ),
        );
        if case % 5 == 1 {
            // ALTER SYSTEM may set hba_file; it cannot move the data directory.
            write(
                &data.join("postgresql.auto.conf"),
                &format!(
                    "hba_file = '{}/auto_hba.conf'\nssl_ciphers = 'HIGH'\n",
                    etc.display()
                ),
            );
        }
        compare(&bin, &user, &etc, &format!("layout {case}"));
    }
}

#[test]
fn data_directory_layouts_match_postgres_dash_c() {
    let Ok(bin) = PgBin::find(None) else {
        panic!("no PostgreSQL binaries found");
    };
    let user = OsUser::for_server().unwrap();
    let tmp = tempfile::Builder::new()
        .prefix("pgtls-locate-")
        .tempdir_in("/tmp")
        .unwrap();
    let data = tmp.path().join("data");
    write(&data.join("PG_VERSION"), &format!("{}\n", bin.major));
    write(
        &data.join("postgresql.conf"),
        "ssl = on\ninclude_if_exists 'extra.conf'\n",
    );
    write(&data.join("extra.conf"), "cluster_name = 'x'\n");
    compare(&bin, &user, &data, "data directory");
    // DIR may also name postgresql.conf itself.
    let files = locate(&data.join("postgresql.conf")).unwrap();
    assert_eq!(files.data_directory.as_deref(), Some(data.as_path()));
}

#[test]
fn this_machines_debian_cluster_matches_postgres_dash_c() {
    let dir = Path::new("/etc/postgresql/15/main");
    if !dir.join("postgresql.conf").is_file() {
        eprintln!(
            "skipped: no Debian cluster configuration at {}",
            dir.display()
        );
        return;
    }
    let bin = PgBin::at(Path::new("/usr/lib/postgresql/15/bin")).unwrap();
    let user = OsUser::for_server().unwrap();
    let files = locate(dir).unwrap();
    assert_eq!(files.pg_version, Some(15));
    compare(&bin, &user, dir, "/etc/postgresql/15/main");
}
