//! More of `pgtls fix`: options, inventories, offline apply, bad input.

mod common;

use std::fs;
use std::process::Command;

use pgtls::scenario::Scenario;
use pgtls_cluster::{Cluster, PgBin};
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", common::stdout(out), common::stderr(out)))
}

#[test]
fn keep_loopback_converts_only_the_rule_beyond_loopback() {
    let sc = Scenario::start(common::bin()).unwrap();
    let ci = sc.cluster.socket_conninfo("postgres");
    let out = common::pgtls(&["fix", "-d", &ci, "--keep-loopback", "--format", "json"]);
    let v = json(&out);
    let lines: Vec<u64> = v["plan"]["hba_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![12]);
    assert_eq!(v["plan"]["warnings"].as_array().unwrap().len(), 3, "{v:#}");
    // The loopback sessions keep working, so nothing current would break.
    assert_eq!(v["plan"]["impact"]["rejected_sessions"], 0);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn client_inventory_names_the_clients_that_never_ask_for_tls() {
    let sc = Scenario::start(common::bin()).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let scan = common::pgtls(&[
        "clients",
        "scan",
        &format!("{root}/examples/clients"),
        "--format",
        "json",
    ]);
    let inv: Value = json(&scan);
    let expected: Vec<(String, u64)> = inv["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["may_be_plaintext"] == true
                && !matches!(
                    f["effective_sslmode"].as_str(),
                    Some("prefer") | Some("allow")
                )
        })
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        expected.len() >= 3,
        "the sample repository has plaintext-only clients: {expected:?}"
    );
    let f = tempfile::NamedTempFile::new().unwrap();
    fs::write(f.path(), &scan.stdout).unwrap();
    let ci = sc.cluster.socket_conninfo("postgres");
    let out = common::pgtls(&[
        "fix",
        "-d",
        &ci,
        "--client-inventory",
        f.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json(&out);
    let got: Vec<(String, u64)> = v["plan"]["impact"]["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["file"].as_str().unwrap().to_string(),
                c["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(out.status.code(), Some(1));
    // A file that is not an inventory is a clear error.
    fs::write(f.path(), "{\"x\": 1}").unwrap();
    let out = common::pgtls(&[
        "fix",
        "-d",
        &ci,
        "--client-inventory",
        f.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("not a pgtls clients scan JSON"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn offline_apply_edits_the_files_and_reloads_with_pg_ctl() {
    let c = Cluster::builder(common::bin())
        .hba("local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n")
        .start()
        .unwrap();
    let dd = c.data_dir.to_str().unwrap();
    let out = common::pgtls(&[
        "fix",
        "--config-dir",
        dd,
        "--apply",
        "--reload",
        "--format",
        "json",
    ]);
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(v["applied"], true);
    assert_eq!(v["reloaded"], true);
    assert_eq!(v["plan"]["impact"]["sessions_known"], false);
    let conf = fs::read_to_string(c.conf_path()).unwrap();
    assert!(
        conf.ends_with("ssl_min_protocol_version = 'TLSv1.2'\n"),
        "{conf}"
    );
    let login = c
        .psql_raw(
            &c.tcp_conninfo("127.0.0.1", "postgres", "postgres", "disable"),
            "SELECT 1",
        )
        .unwrap();
    assert!(!login.status.success());
    assert!(
        common::stderr(&login).contains("no encryption"),
        "{}",
        common::stderr(&login)
    );
    assert_eq!(c.psql("SHOW ssl_min_protocol_version").unwrap(), "TLSv1.2");
}

#[test]
fn a_pg_hba_conf_that_does_not_load_is_refused_with_its_errors() {
    let bin = PgBin::find(Some(16))
        .or_else(|_| PgBin::find(None))
        .unwrap();
    let c = Cluster::builder(bin.clone())
        .hba("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        .start()
        .unwrap();
    let broken = if bin.major >= 16 {
        "local all all trust\ninclude missing.conf\nhost all all 127.0.0.1/32 trust\n"
    } else {
        "local all all trust\nhost all all 127.0.0.1/33 trust\n"
    };
    c.write_hba(broken).unwrap();
    let ci = c.socket_conninfo("postgres");
    let out = common::pgtls(&["fix", "-d", &ci, "--apply", "--force"]);
    assert_eq!(out.status.code(), Some(2));
    let e = common::stderr(&out);
    assert!(e.contains("pg_hba.conf:2"), "{e}");
    assert!(e.contains("does not load"), "{e}");
    assert_eq!(fs::read_to_string(c.hba_path()).unwrap(), broken);
}

/// `chattr +i` makes a file immune even to root; undone on drop.
struct Immutable(std::path::PathBuf);
impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_file_that_cannot_be_replaced_fails_cleanly_and_nothing_changes() {
    let sc = Scenario::start(common::bin()).unwrap();
    let hba = sc.cluster.hba_path();
    let before = fs::read_to_string(&hba).unwrap();
    let ok = Command::new("chattr")
        .arg("+i")
        .arg(&hba)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPED: chattr +i is not available on this filesystem");
        return;
    }
    let _guard = Immutable(hba.clone());
    let ci = sc.cluster.socket_conninfo("postgres");
    let out = common::pgtls(&["fix", "-d", &ci, "--apply", "--force", "--format", "json"]);
    let v = json(&out);
    assert_eq!(out.status.code(), Some(2), "{v:#}");
    assert_eq!(v["rolled_back"], true);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("Operation not permitted"),
        "{v:#}"
    );
    drop(_guard);
    assert_eq!(fs::read_to_string(&hba).unwrap(), before);
    let leftovers: Vec<_> = fs::read_dir(&sc.cluster.data_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("pgtls-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let auto = fs::read_to_string(sc.cluster.data_dir.join("postgresql.auto.conf")).unwrap();
    assert!(
        !auto.contains("ssl_min_protocol_version"),
        "ALTER SYSTEM not undone: {auto}"
    );
}
