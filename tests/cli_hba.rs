//! `pgtls hba parse|explain|check` end to end, running the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn pgtls(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgtls"))
        .args(args)
        .output()
        .expect("run pgtls")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const SHADOWED_GUARD: &str = "\
# the classic gap: a loopback host line above the plaintext guard
local   all  all                 peer
host    all  all  127.0.0.1/32   scram-sha-256
hostnossl all all 0.0.0.0/0      reject
hostssl all  all  0.0.0.0/0      scram-sha-256
host    all  all  ::/0           scram-sha-256
";

#[test]
fn parse_json_follows_the_view_of_each_version() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "pg_hba.conf", SHADOWED_GUARD);
    let p = f.to_str().unwrap();
    let o = pgtls(&["hba", "parse", p, "--pg-version", "16", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let rows = v["rules"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[1]["rule_number"], 2);
    assert_eq!(rows[1]["file_name"], p);
    assert_eq!(rows[1]["line_number"], 3);
    assert_eq!(rows[1]["address"], "127.0.0.1");
    assert_eq!(rows[1]["netmask"], "255.255.255.255");
    assert_eq!(rows[2]["type"], "hostnossl");
    let o = pgtls(&["hba", "parse", p, "--pg-version", "13", "--format", "json"]);
    let v = json(&o);
    assert!(
        v["rules"][0].get("rule_number").is_none(),
        "13 has no rule_number column"
    );
}

#[test]
fn parse_reports_postgres_errors_with_lines_and_exit_1() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "pg_hba.conf",
        "host all all 10.0.0.300/8 md5\nhost db1 ,db2 app 10.0.0.0/8 md5\nlocal all all trust\n",
    );
    let o = pgtls(&["hba", "parse", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["loads"], false);
    assert_eq!(v["rules"][0]["line_number"], 1);
    assert_eq!(
        v["rules"][0]["error"],
        "specifying both host name and CIDR mask is invalid: \"10.0.0.300/8\""
    );
    assert_eq!(
        v["rules"][1]["error"],
        "invalid authentication method \"10.0.0.0/8\""
    );
}

#[test]
fn explain_names_the_first_match_and_the_server_message() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "pg_hba.conf", SHADOWED_GUARD);
    let p = f.to_str().unwrap();
    let o = pgtls(&[
        "hba",
        "explain",
        p,
        "--addr",
        "10.0.0.5",
        "--user",
        "app",
        "--db",
        "shop",
        "--encryption",
        "none",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["matched_line"], 4);
    assert_eq!(v["method"], "reject");
    assert_eq!(v["rejected"], true);
    assert_eq!(
        v["message"],
        "pg_hba.conf rejects connection for host \"10.0.0.5\", user \"app\", database \"shop\", no encryption"
    );
    // loopback plaintext slips past the guard through line 3
    let o = pgtls(&[
        "hba",
        "explain",
        p,
        "--addr",
        "127.0.0.1",
        "--user",
        "app",
        "--db",
        "shop",
        "--format",
        "json",
    ]);
    let v = json(&o);
    assert_eq!(v["matched_line"], 3);
    assert_eq!(v["rejected"], false);
    assert!(v["message"].is_null());
    // no line at all: implicit reject
    let o = pgtls(&[
        "hba",
        "explain",
        p,
        "--local",
        "--user",
        "app",
        "--db",
        "shop",
        "--encryption",
        "none",
        "--format",
        "json",
        "--pg-version",
        "12",
    ]);
    let v = json(&o);
    assert_eq!(v["matched_line"], 2);
    let f2 = write(
        d.path(),
        "only_ssl.conf",
        "hostssl all all 0.0.0.0/0 scram-sha-256\n",
    );
    let o = pgtls(&[
        "hba",
        "explain",
        f2.to_str().unwrap(),
        "--addr",
        "192.0.2.7",
        "--user",
        "u",
        "--db",
        "d",
        "--format",
        "json",
    ]);
    let v = json(&o);
    assert!(v["matched_line"].is_null());
    assert_eq!(v["rejected"], true);
    assert_eq!(
        v["message"],
        "no pg_hba.conf entry for host \"192.0.2.7\", user \"u\", database \"d\", no encryption"
    );
}

#[test]
fn explain_group_membership_comes_from_member_of() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "pg_hba.conf",
        "host all +admins 0.0.0.0/0 trust\nhost all all 0.0.0.0/0 reject\n",
    );
    let p = f.to_str().unwrap();
    let base = [
        "hba", "explain", p, "--addr", "10.1.1.1", "--user", "bob", "--db", "x", "--format", "json",
    ];
    let v = json(&pgtls(&base));
    assert_eq!(v["matched_line"], 2);
    let mut with = base.to_vec();
    with.extend(["--member-of", "ops,admins"]);
    let v = json(&pgtls(&with));
    assert_eq!(v["matched_line"], 1);
    assert_eq!(v["method"], "trust");
}

#[test]
fn check_finds_the_shadowed_guard_and_plaintext_regions() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "pg_hba.conf", SHADOWED_GUARD);
    let o = pgtls(&["hba", "check", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "high findings fail the run");
    let v = json(&o);
    let rules = v["rules"].as_array().unwrap();
    let by_line = |l: u64| rules.iter().find(|r| r["line"] == l).unwrap();
    assert_eq!(by_line(3)["plaintext_reachable"], true);
    assert_eq!(by_line(4)["plaintext_reachable"], false);
    assert_eq!(by_line(4)["never_matches"], false);
    assert_eq!(by_line(5)["plaintext_reachable"], false);
    assert_eq!(by_line(6)["plaintext_reachable"], true);
    let regions = v["plaintext_regions"].as_array().unwrap();
    let lines: Vec<u64> = regions
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 6]);
    assert_eq!(regions[0]["witness"]["addr"], "127.0.0.1");
    assert!(regions[1]["witness"]["addr"]
        .as_str()
        .unwrap()
        .contains(':'));
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"PGT308"), "{codes:?}");
    assert!(codes.contains(&"PGT302"));
    assert!(codes.contains(&"PGT301"));
    let o = pgtls(&["hba", "check", f.to_str().unwrap(), "--fail-on", "critical"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("PGT308"), "{text}");
}

#[test]
fn check_reports_never_matching_rules_and_why() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "pg_hba.conf",
        "host all all 0.0.0.0/0 md5\nhostnossl all all 0.0.0.0/0 reject\nhostssl all all 0.0.0.0/0 md5\n",
    );
    let v = json(&pgtls(&[
        "hba",
        "check",
        f.to_str().unwrap(),
        "--ssl",
        "off",
        "--format",
        "json",
    ]));
    let rules = v["rules"].as_array().unwrap();
    assert_eq!(rules[1]["never_matches"], true);
    assert!(rules[1]["reason"].as_str().unwrap().contains("line 1"));
    assert_eq!(rules[2]["never_matches"], true);
    assert!(rules[2]["reason"]
        .as_str()
        .unwrap()
        .contains("SSL is disabled"));
}

#[test]
fn missing_file_is_exit_2_with_the_path() {
    let o = pgtls(&["hba", "check", "/nonexistent/pg_hba.conf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/pg_hba.conf"));
}

#[test]
fn live_server_supplies_version_and_memberships() {
    let Ok(bin) = pgtls_cluster::PgBin::find(Some(16)) else {
        eprintln!("no PostgreSQL 16 binaries: skipped");
        return;
    };
    let c = pgtls_cluster::Cluster::builder(bin).start().unwrap();
    c.psql("CREATE ROLE admins NOLOGIN; CREATE ROLE bob LOGIN; GRANT admins TO bob;")
        .unwrap();
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "pg_hba.conf",
        "host all +admins 0.0.0.0/0 trust\nhost all all 0.0.0.0/0 reject\n",
    );
    let dsn = c.socket_conninfo("postgres") + " sslmode=disable";
    let v = json(&pgtls(&[
        "hba",
        "explain",
        f.to_str().unwrap(),
        "--addr",
        "10.1.1.1",
        "--user",
        "bob",
        "--db",
        "x",
        "-d",
        &dsn,
        "--format",
        "json",
    ]));
    assert_eq!(v["matched_line"], 1, "{v}");
    let v = json(&pgtls(&[
        "hba",
        "parse",
        f.to_str().unwrap(),
        "-d",
        &dsn,
        "--format",
        "json",
    ]));
    assert_eq!(v["pg_version"].as_u64().unwrap() / 10000, 16);
}
