//! The traps of the fix issue, each on a real cluster.

mod common;

use std::fs;

use pgtls_cluster::Cluster;
use serde_json::Value;

fn run(c: &Cluster, args: &[&str]) -> (Value, i32, String) {
    let conninfo = c.socket_conninfo("postgres");
    let mut a = vec![args[0], "-d", conninfo.as_str(), "--format", "json"];
    a.extend_from_slice(&args[1..]);
    let out = common::pgtls(&a);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (v, out.status.code().unwrap_or(-1), common::stderr(&out))
}

fn login(c: &Cluster, host: &str, sslmode: &str) -> Result<(), String> {
    let out = c
        .psql_raw(
            &c.tcp_conninfo(host, "postgres", "postgres", sslmode),
            "SELECT 1",
        )
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(common::stderr(&out))
    }
}

fn codes(v: &Value) -> Vec<(String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn loopback_host_line_above_a_hostnossl_reject_guard_is_found_and_fixed() {
    let hba = "local all all trust\nhost all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\nhostssl all all 0.0.0.0/0 trust\nhostssl all all ::/0 trust\n";
    let c = Cluster::builder(common::bin()).hba(hba).start().unwrap();
    assert!(
        login(&c, "127.0.0.1", "disable").is_ok(),
        "the trap: plaintext gets past the guard"
    );
    let (v, code, _) = run(&c, &["audit"]);
    assert_eq!(code, 1);
    let cs = codes(&v);
    assert!(cs.contains(&("PGT302".into(), 2)), "{cs:?}");
    assert!(cs.contains(&("PGT305".into(), 2)), "trust over TCP: {cs:?}");
    assert!(
        cs.iter().any(|(c, l)| c == "PGT308" && *l == 3),
        "bypassed guard: {cs:?}"
    );
    let (v, code, err) = run(&c, &["fix", "--apply"]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let e = login(&c, "127.0.0.1", "disable").unwrap_err();
    assert!(
        e.contains("rejects connection") || e.contains("no pg_hba.conf entry"),
        "{e}"
    );
    assert!(login(&c, "127.0.0.1", "require").is_ok());
}

#[test]
fn hostssl_rules_while_ssl_is_off_are_dead_until_fix_turns_ssl_on() {
    let hba =
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n";
    let c = Cluster::builder(common::bin())
        .ssl(false)
        .hba(hba)
        .start()
        .unwrap();
    assert!(login(&c, "127.0.0.1", "require").is_err());
    let (v, _, _) = run(&c, &["audit"]);
    let cs = codes(&v);
    assert!(cs.iter().any(|(c, _)| c == "PGT201"), "{cs:?}");
    assert!(
        cs.contains(&("PGT303".into(), 2)) && cs.contains(&("PGT303".into(), 3)),
        "{cs:?}"
    );
    let (v, code, err) = run(&c, &["fix", "--apply"]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(c.psql("SHOW ssl").unwrap(), "on");
    assert!(login(&c, "127.0.0.1", "require").is_ok());
    assert!(login(&c, "::1", "disable").is_err());
}

#[test]
fn ssl_off_in_postgresql_auto_conf_wins_and_is_fixed_where_it_takes_effect() {
    let c = Cluster::builder(common::bin())
        .hba("local all all trust\nhostssl all all 127.0.0.1/32 trust\n")
        .start()
        .unwrap();
    c.psql("ALTER SYSTEM SET ssl = off").unwrap();
    c.reload().unwrap();
    assert_eq!(c.psql("SHOW ssl").unwrap(), "off");
    let conf_before = fs::read_to_string(c.conf_path()).unwrap();
    let (v, _, _) = run(&c, &["audit"]);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PGT201")
        .expect("ssl off");
    assert!(
        f["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("postgresql.auto.conf"),
        "{f:#}"
    );
    let (v, code, err) = run(&c, &["fix", "--apply", "--via", "file"]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let s = v["plan"]["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ssl")
        .unwrap()
        .clone();
    assert!(
        s["file"]
            .as_str()
            .unwrap()
            .ends_with("postgresql.auto.conf"),
        "{s:#}"
    );
    assert_eq!(c.psql("SHOW ssl").unwrap(), "on");
    // postgresql.conf only gained the TLS floor line; its ssl line is untouched.
    let conf_after = fs::read_to_string(c.conf_path()).unwrap();
    assert!(
        conf_after.starts_with(&conf_before),
        "postgresql.conf was rewritten, not appended to"
    );
    assert!(conf_after[conf_before.len()..].contains("ssl_min_protocol_version = 'TLSv1.2'"));
    assert!(login(&c, "127.0.0.1", "require").is_ok());
}

#[test]
fn ssl_on_without_certificate_files_is_refused() {
    let c = Cluster::builder(common::bin())
        .ssl(false)
        .hba("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        .start()
        .unwrap();
    fs::remove_file(c.data_dir.join("server.crt")).unwrap();
    let hba_before = fs::read_to_string(c.hba_path()).unwrap();
    let (_, code, err) = run(&c, &["fix", "--apply"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ssl_cert_file") && err.contains("refusing"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(c.hba_path()).unwrap(), hba_before);
    assert!(login(&c, "127.0.0.1", "disable").is_ok());
}

#[test]
fn allow_plaintext_from_keeps_an_explicit_hostnossl_exception_and_guard_lines_take_effect() {
    let hba = "local all all trust\nhost all all 127.0.0.0/8 trust\nhost all all ::1/128 trust\n";
    let c = Cluster::builder(common::bin()).hba(hba).start().unwrap();
    let (v, code, err) = run(
        &c,
        &[
            "fix",
            "--apply",
            "--allow-plaintext-from",
            "127.0.0.1/32",
            "--guard",
        ],
    );
    assert_eq!(code, 0, "{v:#}\n{err}");
    let text = fs::read_to_string(c.hba_path()).unwrap();
    assert!(
        text.contains("hostnossl all all 127.0.0.1/32 trust"),
        "{text}"
    );
    assert!(
        text.contains("hostnossl all all 0.0.0.0/0 reject"),
        "{text}"
    );
    assert!(text.contains("hostnossl all all ::/0 reject"), "{text}");
    // 127.0.0.1 may still use plaintext; ::1 may not (the guard refuses it).
    assert!(login(&c, "127.0.0.1", "disable").is_ok());
    let e = login(&c, "::1", "disable").unwrap_err();
    assert!(
        e.contains("pg_hba.conf rejects connection"),
        "the guard line decides: {e}"
    );
    assert!(login(&c, "::1", "require").is_ok());
    let after = v["plan"]["reachability_after"].as_array().unwrap();
    let admitted: Vec<&Value> = after
        .iter()
        .filter(|r| r["plaintext_reachable"] == true)
        .collect();
    assert_eq!(admitted.len(), 1, "{after:#?}");
    // The same command again plans nothing: the exception and the guards are recognised.
    let (v2, code2, _) = run(
        &c,
        &[
            "fix",
            "--apply",
            "--allow-plaintext-from",
            "127.0.0.1/32",
            "--guard",
        ],
    );
    assert_eq!(code2, 0, "{v2:#}");
    assert_eq!(v2["plan"]["nothing_to_do"], true, "{v2:#}");
    assert_eq!(fs::read_to_string(c.hba_path()).unwrap(), text);
}

#[test]
fn after_fix_the_wire_shows_tls_1_0_and_1_1_refused() {
    let c = Cluster::builder(common::bin())
        .hba("local all all trust\nhostssl all all 127.0.0.1/32 trust\n")
        .conf("ssl_min_protocol_version = 'TLSv1'")
        .conf("ssl_ciphers = 'DEFAULT:@SECLEVEL=0'")
        .start()
        .unwrap();
    let versions = |v: &Value| -> Vec<String> {
        v["probe"]["tls"]["versions"]
            .as_array()
            .unwrap_or_else(|| panic!("{v:#}"))
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let (v, code, err) = run(&c, &["audit", "--probe"]);
    assert_eq!(code, 1, "{err}");
    let before = versions(&v);
    assert!(
        before.contains(&"TLSv1".to_string()) && before.contains(&"TLSv1.1".to_string()),
        "{before:?}"
    );
    assert_eq!(
        v["probe"]["plaintext"]["accepted"], false,
        "{:#}",
        v["probe"]
    );
    let cs = codes(&v);
    assert!(cs.iter().any(|(c, _)| c == "PGT203"), "{cs:?}");
    assert!(
        cs.iter().any(|(c, _)| c.starts_with("PGT5")),
        "probe findings merged: {cs:?}"
    );

    let (v, code, err) = run(&c, &["fix", "--apply"]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let (v, _, _) = run(&c, &["audit", "--probe"]);
    let after = versions(&v);
    assert!(
        !after.contains(&"TLSv1".to_string()) && !after.contains(&"TLSv1.1".to_string()),
        "{after:?}"
    );
    assert!(after.contains(&"TLSv1.2".to_string()) || after.contains(&"TLSv1.3".to_string()));
    assert!(!codes(&v).iter().any(|(c, _)| c == "PGT203"));
}
