//! `pgtls clients check|scan` end to end through the built binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn pgtls() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pgtls"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/clients")
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&t).unwrap();
            copy_tree(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

#[test]
fn check_reports_plaintext_with_exit_1_and_stable_json() {
    let out = pgtls()
        .args([
            "clients",
            "check",
            "--format",
            "json",
            "postgres://app:canary-cli@db/shop?sslmode=disable",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("canary-cli"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["driver"], "libpq");
    assert_eq!(v["effective_sslmode"], "disable");
    assert_eq!(v["may_be_plaintext"], true);
    assert_eq!(v["verifies_server_cert"], false);
    assert_eq!(v["verifies_hostname"], false);
    assert_eq!(v["code"], "PGT401");
    assert!(v["fix"].as_str().unwrap().contains("sslmode=verify-full"));
}

#[test]
fn check_takes_a_driver_and_its_version() {
    let out = pgtls()
        .args([
            "clients",
            "check",
            "--driver",
            "npgsql@7",
            "Host=db;Database=shop;SSL Mode=Require",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("PGT406"), "{text}");
    assert!(text.contains("Trust Server Certificate"), "{text}");
    let out = pgtls()
        .args([
            "clients",
            "check",
            "--driver",
            "libpq",
            "--env",
            "PGSSLMODE=verify-full",
            "host=db sslrootcert=/ca.crt",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("verify-full (PGSSLMODE (--env))"), "{text}");
}

#[test]
fn check_rejects_an_unknown_driver_with_exit_2() {
    let out = pgtls()
        .args(["clients", "check", "--driver", "cobol", "host=db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown driver \"cobol\""));
}

#[test]
fn scan_json_inventories_the_sample_repository() {
    let out = pgtls()
        .args(["clients", "scan", "--format", "json"])
        .arg(sample())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("canary-"), "password leaked");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], 1);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 27);
    assert!(findings.iter().all(|f| f["file"].is_string()
        && f["line"].is_u64()
        && f["may_be_plaintext"].is_boolean()));
    assert_eq!(v["summary"]["by_verdict"]["plaintext"], 8);
}

#[test]
fn scan_fix_shows_a_diff_and_apply_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample(), dir.path());
    let env = dir.path().join("web/.env");
    let before = std::fs::read(&env).unwrap();
    let out = pgtls()
        .args(["clients", "scan", "--fix"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("+DATABASE_URL=postgres://web:***@db.internal:5432/shop?sslmode=no-verify"),
        "{text}"
    );
    assert!(!text.contains("canary-"));
    assert!(text.contains("use --apply to write"));
    assert_eq!(
        std::fs::read(&env).unwrap(),
        before,
        "--fix alone must not write"
    );
    let out = pgtls()
        .args(["clients", "scan", "--apply", "--min-severity", "high"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.code().is_some());
    let after = std::fs::read_to_string(&env).unwrap();
    assert!(after.contains("shop?sslmode=no-verify\n"), "{after}");
    // Rescan: nothing plaintext is left.
    let out = pgtls()
        .args(["clients", "scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["summary"]["by_verdict"].get("plaintext").is_none(),
        "{}",
        v["summary"]
    );
}

#[test]
fn scan_of_a_missing_path_exits_2_naming_it() {
    let out = pgtls()
        .args(["clients", "scan", "/nonexistent/repo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/repo"));
}
