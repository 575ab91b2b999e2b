//! `pgtls fix` on real clusters: plan, impact preview, atomic apply, verify,
//! roll back, and the traps the issue names.

mod common;

use std::fs;

use pgtls::scenario::{Scenario, HOST_LINES};
use serde_json::Value;

fn fix(sc: &Scenario, extra: &[&str], env: &[(&str, &str)]) -> (Value, i32, String) {
    let conninfo = sc.cluster.socket_conninfo("postgres");
    let mut args = vec!["fix", "-d", conninfo.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = common::pgtls_env(&args, env);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", common::stdout(&out), common::stderr(&out)));
    (v, out.status.code().unwrap_or(-1), common::stderr(&out))
}

fn plaintext_login(sc: &Scenario) -> std::process::Output {
    sc.cluster
        .psql_raw(
            &format!(
                "{} password=app-secret",
                sc.cluster
                    .tcp_conninfo("127.0.0.1", "app", "appdb", "disable")
            ),
            "SELECT 1",
        )
        .unwrap()
}

/// Every line of `after` equals the line of `before`, except that the first
/// word `host` became `hostssl` (and blanks after it shrank to keep columns).
fn only_types_changed(before: &str, after: &str) -> Vec<usize> {
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len(), "line count changed:\n{after}");
    let mut changed = Vec::new();
    for (i, (x, y)) in b.iter().zip(&a).enumerate() {
        if x != y {
            assert!(
                x.starts_with("host ") && y.starts_with("hostssl "),
                "{x:?} -> {y:?}"
            );
            let norm = |s: &str| s.split_whitespace().skip(1).collect::<Vec<_>>().join(" ");
            assert_eq!(norm(x), norm(y));
            assert_eq!(x.len(), y.len(), "column alignment changed: {x:?} -> {y:?}");
            changed.push(i + 1);
        }
    }
    changed
}

#[test]
fn dry_run_shows_every_rule_and_the_sessions_it_would_reject_and_writes_nothing() {
    let sc = Scenario::start(common::bin()).unwrap();
    let before = fs::read(sc.cluster.hba_path()).unwrap();
    let (v, code, _) = fix(&sc, &[], &[]);
    assert_eq!(code, 1, "8 plaintext sessions would break: {v:#}");
    let lines: Vec<u64> = v["plan"]["hba_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        HOST_LINES.iter().map(|l| *l as u64).collect::<Vec<_>>()
    );
    let imp = &v["plan"]["impact"];
    assert_eq!(imp["rejected_sessions"], 8);
    let by_app = imp["by_application"].as_array().unwrap();
    assert_eq!(by_app[0]["key"], "billing-api");
    assert_eq!(by_app[0]["total"], 4);
    assert_eq!(v["applied"], false);
    assert!(v["plan"]["settings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "ssl_min_protocol_version" && s["new"] == "TLSv1.2"));
    let after_rows = v["plan"]["reachability_after"].as_array().unwrap();
    assert!(after_rows.iter().all(|r| r["plaintext_reachable"] == false));
    assert_eq!(
        fs::read(sc.cluster.hba_path()).unwrap(),
        before,
        "dry run wrote"
    );
    assert!(plaintext_login(&sc).status.success());
}

#[test]
fn apply_enforces_tls_keeps_the_file_layout_and_a_second_run_changes_nothing() {
    let sc = Scenario::start(common::bin()).unwrap();
    let before = fs::read_to_string(sc.cluster.hba_path()).unwrap();
    let (v, code, err) = fix(&sc, &["--apply", "--force"], &[]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(v["applied"], true);
    assert!(
        v["verification"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true),
        "{v:#}"
    );
    let after = fs::read_to_string(sc.cluster.hba_path()).unwrap();
    let changed = only_types_changed(&before, &after);
    assert_eq!(
        changed,
        HOST_LINES.iter().map(|l| *l as usize).collect::<Vec<_>>()
    );
    // A backup sits beside the file with the old content.
    let bak = fs::read_dir(&sc.cluster.data_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("pg_hba.conf.pgtls-"))
        .expect("backup");
    assert_eq!(fs::read_to_string(bak).unwrap(), before);

    // The server refuses plaintext with its own message and accepts TLS.
    let out = plaintext_login(&sc);
    assert!(!out.status.success());
    let e = common::stderr(&out);
    assert!(
        e.contains("no pg_hba.conf entry for host \"127.0.0.1\", user \"app\", database \"appdb\""),
        "{e}"
    );
    assert!(e.contains("no encryption") || e.contains("SSL off"), "{e}");
    let tls = sc
        .cluster
        .psql_raw(
            &format!(
                "{} password=app-secret",
                sc.cluster.tcp_conninfo("::1", "app", "appdb", "require")
            ),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        )
        .unwrap();
    assert_eq!(common::stdout(&tls).trim(), "t", "{}", common::stderr(&tls));
    assert_eq!(
        sc.cluster.psql("SHOW ssl_min_protocol_version").unwrap(),
        "TLSv1.2"
    );
    // Existing plaintext sessions are listed, not ended.
    assert_eq!(v["remaining_plaintext"].as_array().unwrap().len(), 8);

    // Idempotent: the second run plans nothing and writes nothing.
    let (v2, code2, _) = fix(&sc, &["--apply"], &[]);
    assert_eq!(code2, 0, "{v2:#}");
    assert_eq!(v2["plan"]["nothing_to_do"], true);
    assert_eq!(fs::read_to_string(sc.cluster.hba_path()).unwrap(), after);
    // Same input, same output.
    let (v3, _, _) = fix(&sc, &[], &[]);
    assert_eq!(v3["plan"], v2["plan"]);

    // --terminate-plaintext --yes ends the 8 old sessions.
    let (v4, code4, _) = fix(&sc, &["--apply", "--terminate-plaintext", "--yes"], &[]);
    assert_eq!(code4, 0);
    assert_eq!(v4["terminated"].as_array().unwrap().len(), 8);
}

#[test]
fn an_error_after_writing_rolls_everything_back() {
    for fault in [
        "corrupt-hba",
        "before-reload",
        "server-gone",
        "after-rename",
    ] {
        let sc = Scenario::start(common::bin()).unwrap();
        let before = fs::read_to_string(sc.cluster.hba_path()).unwrap();
        let (v, code, err) = fix(
            &sc,
            &["--apply", "--force", "--via", "alter-system"],
            &[("PGTLS_FAULT", fault)],
        );
        assert_eq!(code, 2, "{fault}: {v:#}\n{err}");
        assert_eq!(v["rolled_back"], true, "{fault}");
        assert!(
            !v["error"].as_str().unwrap().contains("INCOMPLETE"),
            "{fault}: {v:#}"
        );
        assert_eq!(
            fs::read_to_string(sc.cluster.hba_path()).unwrap(),
            before,
            "{fault}"
        );
        // The old rules are in force again: plaintext still works, and ALTER SYSTEM was undone.
        assert!(plaintext_login(&sc).status.success(), "{fault}");
        let auto = fs::read_to_string(sc.cluster.data_dir.join("postgresql.auto.conf")).unwrap();
        assert!(
            !auto.contains("ssl_min_protocol_version"),
            "{fault}: {auto}"
        );
    }
}

#[test]
fn a_crash_between_any_two_write_steps_leaves_the_file_whole() {
    for (point, expect_new) in [
        ("before-temp", false),
        ("after-temp", false),
        ("before-rename", false),
        ("after-rename", true),
    ] {
        let sc = Scenario::start(common::bin()).unwrap();
        let before = fs::read_to_string(sc.cluster.hba_path()).unwrap();
        let conninfo = sc.cluster.socket_conninfo("postgres");
        let fault = format!("abort:{point}");
        let out = common::pgtls_env(
            &[
                "fix", "-d", &conninfo, "--apply", "--force", "--via", "file",
            ],
            &[("PGTLS_FAULT", &fault)],
        );
        assert!(
            !out.status.success(),
            "{point}: the process should have died"
        );
        let now = fs::read_to_string(sc.cluster.hba_path()).unwrap();
        if expect_new {
            only_types_changed(&before, &now);
            assert_ne!(now, before);
        } else {
            assert_eq!(now, before, "{point}");
        }
        // The server can load whatever is on disk.
        let errs = sc
            .cluster
            .psql("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL")
            .unwrap();
        assert_eq!(errs, "0", "{point}");
    }
}

#[test]
fn a_file_changed_after_the_reviewed_plan_is_refused() {
    let sc = Scenario::start(common::bin()).unwrap();
    let plan = tempfile::NamedTempFile::new().unwrap();
    let p = plan.path().to_str().unwrap();
    let (_, code, _) = fix(&sc, &["--plan-out", p], &[]);
    assert_eq!(code, 1);
    let mut text = fs::read_to_string(sc.cluster.hba_path()).unwrap();
    text.push_str("# edited by a colleague\n");
    sc.cluster.write_hba(&text).unwrap();
    let (v, code, _) = fix(&sc, &["--apply", "--force", "--plan", p], &[]);
    assert_eq!(code, 1, "{v:#}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("changed since the reviewed plan"),
        "{v:#}"
    );
    assert_eq!(fs::read_to_string(sc.cluster.hba_path()).unwrap(), text);
}

#[test]
fn the_lockout_guard_refuses_to_cut_off_the_tools_own_plaintext_connection() {
    let sc = Scenario::start(common::bin()).unwrap();
    let before = fs::read_to_string(sc.cluster.hba_path()).unwrap();
    sc.cluster
        .psql("ALTER ROLE postgres PASSWORD 'pg-secret'")
        .unwrap();
    let dsn = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres password=pg-secret sslmode=disable",
        sc.cluster.port
    );
    let out = common::pgtls(&["fix", "-d", &dsn, "--apply", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    assert!(v["error"].as_str().unwrap().contains("lockout"), "{v:#}");
    assert!(v["plan"]["lockout"][0]
        .as_str()
        .unwrap()
        .contains("own connection"));
    assert_eq!(fs::read_to_string(sc.cluster.hba_path()).unwrap(), before);
    // --keep-access names access that must survive.
    let conninfo = sc.cluster.socket_conninfo("postgres");
    let out = common::pgtls(&[
        "fix",
        "-d",
        &conninfo,
        "--keep-access",
        "app@10.9.9.9/appdb",
        "--keep-access",
        "nobody@192.168.1.1",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lock = v["plan"]["lockout"].as_array().unwrap();
    assert_eq!(lock.len(), 1, "{v:#}");
    assert!(lock[0].as_str().unwrap().contains("nobody@192.168.1.1"));
    assert!(lock[0].as_str().unwrap().contains("already rejected today"));
}
