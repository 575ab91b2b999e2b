//! `pgtls audit` against the seed scenario on a real cluster.

mod common;

use pgtls::audit::{self, AuditOptions};
use pgtls::offline::OfflineInput;
use pgtls::scenario::{Scenario, HOST_LINES};
use pgtls_model::Severity;
use serde_json::Value;

fn audit_json(sc: &Scenario, extra: &[&str]) -> (Value, i32) {
    let conninfo = sc.cluster.socket_conninfo("postgres");
    let mut args = vec!["audit", "-d", conninfo.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = common::pgtls(&args);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", common::stdout(&out), common::stderr(&out)));
    (v, out.status.code().unwrap())
}

fn bucket(v: &Value, table: &str, key: &str) -> (u64, u64) {
    let b = v["sessions"][table]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {table}"));
    (
        b["total"].as_u64().unwrap(),
        b["unencrypted"].as_u64().unwrap(),
    )
}

#[test]
fn scenario_is_80_percent_unencrypted_with_one_enforcement_finding_per_host_line() {
    let sc = Scenario::start(common::bin()).unwrap();
    let (v, code) = audit_json(&sc, &[]);
    assert_eq!(code, 1, "findings at or above high must exit 1");
    assert_eq!(v["sessions"]["total"], 10);
    assert_eq!(v["sessions"]["unencrypted"], 8);
    assert_eq!(v["sessions"]["unencrypted_pct"], 80.0);
    assert_eq!(bucket(&v, "by_user", "app"), (5, 4));
    assert_eq!(bucket(&v, "by_user", "reporting"), (3, 2));
    assert_eq!(bucket(&v, "by_user", "etl"), (2, 2));
    assert_eq!(bucket(&v, "by_database", "appdb"), (7, 6));
    assert_eq!(bucket(&v, "by_application", "billing-api"), (4, 4));
    assert_eq!(bucket(&v, "by_application", "psql"), (1, 0));
    assert_eq!(bucket(&v, "by_client_addr", "::1"), (4, 3));
    assert_eq!(bucket(&v, "by_client_addr", "127.0.0.1"), (6, 5));
    assert!(v["server"]["version_num"].as_u64().unwrap() >= 120000);

    // One enforcement finding (PGT301 or PGT302) per `host` line, with its line number.
    let findings = v["findings"].as_array().unwrap();
    let mut lines: Vec<u64> = findings
        .iter()
        .filter(|f| f["code"] == "PGT301" || f["code"] == "PGT302")
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        HOST_LINES.iter().map(|l| *l as u64).collect::<Vec<_>>()
    );
    let f10 = findings
        .iter()
        .find(|f| f["location"]["line"] == 12)
        .unwrap();
    assert_eq!(f10["code"], "PGT301", "10.0.0.0/8 is beyond loopback");
    assert_eq!(f10["severity"], "high");
    assert!(findings.iter().any(|f| f["code"] == "PGT101"));

    // The same numbers from the scenario's own SQL through psql (psql's own
    // session is on the Unix socket, so it has no client address).
    let sql = "SELECT count(*), count(*) FILTER (WHERE NOT s.ssl), \
               round(100.0 * count(*) FILTER (WHERE NOT s.ssl) / count(*), 1) \
               FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
               WHERE a.client_addr IS NOT NULL AND a.backend_type = 'client backend'";
    let row = sc.cluster.psql(sql).unwrap();
    assert_eq!(row, "10|8|80.0");
    let per_user = sc
        .cluster
        .psql(
            "SELECT a.usename, count(*), count(*) FILTER (WHERE NOT s.ssl) FROM pg_stat_activity a \
             JOIN pg_stat_ssl s USING (pid) WHERE a.client_addr IS NOT NULL \
             AND a.backend_type = 'client backend' GROUP BY 1 ORDER BY 1",
        )
        .unwrap();
    for line in per_user.lines() {
        let p: Vec<&str> = line.split('|').collect();
        let (t, u) = bucket(&v, "by_user", p[0]);
        assert_eq!(
            (t.to_string(), u.to_string()),
            (p[1].to_string(), p[2].to_string())
        );
    }
}

#[test]
fn hostssl_rules_refuse_plaintext_and_clear_the_enforcement_findings() {
    let sc = Scenario::start(common::bin()).unwrap();
    let hba = std::fs::read_to_string(sc.cluster.hba_path()).unwrap();
    let enforced: String = hba
        .lines()
        .map(|l| {
            if l.starts_with("host ") {
                l.replacen("host ", "hostssl ", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    sc.cluster.write_hba(&(enforced + "\n")).unwrap();
    sc.cluster.reload().unwrap();

    // A new plaintext connection is refused with SQLSTATE 28000.
    let out = sc
        .cluster
        .psql_raw(
            &format!(
                "{} password=app-secret",
                sc.cluster
                    .tcp_conninfo("127.0.0.1", "app", "appdb", "disable")
            ),
            "SELECT 1",
        )
        .unwrap();
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(err.contains("no pg_hba.conf entry"), "{err}");
    let spec = pgtls::live::ConnectSpec {
        sslmode: pgtls::live::SslMode::Disable,
        hosts: vec![("127.0.0.1".into(), sc.cluster.port)],
        user: "app".into(),
        dbname: "appdb".into(),
        password: Some(pgtls_model::Secret::new("app-secret")),
        ..sc.audit_spec()
    };
    let e = match pgtls::live::connect(&spec) {
        Ok(_) => panic!("plaintext connection accepted"),
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains("SQLSTATE 28000"), "{e}");

    let r = audit::run(&AuditOptions::new(
        Some(sc.audit_spec()),
        OfflineInput::default(),
        Severity::High,
    ))
    .unwrap();
    let enforcement: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == "PGT301" || f.code == "PGT302")
        .collect();
    assert!(enforcement.is_empty(), "{enforcement:#?}");
}

/// The scenario's audit spec, as `auditor` over TLS on 127.0.0.1.
fn auditor_spec(sc: &Scenario) -> pgtls::live::ConnectSpec {
    pgtls::live::ConnectSpec {
        sslmode: pgtls::live::SslMode::Require,
        hosts: vec![("127.0.0.1".into(), sc.cluster.port)],
        user: "auditor".into(),
        password: Some(pgtls_model::Secret::new("auditor-pw")),
        ..sc.audit_spec()
    }
}

#[test]
fn least_privilege_audit_runs_and_names_what_it_could_not_see() {
    let sc = Scenario::start(common::bin()).unwrap();
    sc.cluster
        .psql("CREATE ROLE auditor LOGIN PASSWORD 'auditor-pw'; GRANT pg_monitor TO auditor;")
        .unwrap();
    let spec = auditor_spec(&sc);
    let r = audit::run(&AuditOptions::new(
        Some(spec),
        OfflineInput::default(),
        Severity::High,
    ))
    .unwrap();
    // pg_monitor sees every session...
    let s = r.sessions.as_ref().unwrap();
    assert_eq!((s.stats.total, s.stats.unencrypted), (10, 8));
    assert_eq!(s.hidden_sessions, 0);
    // ...and is told exactly what it could not see, and the GRANT that shows it.
    let gap = r
        .visibility
        .iter()
        .find(|g| g.what.contains("pg_hba_file_rules"))
        .expect("a pg_hba_file_rules gap");
    assert_eq!(
        gap.remedy,
        "GRANT SELECT ON pg_hba_file_rules TO auditor; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO auditor;"
    );
    assert!(r.findings.iter().any(|f| f.code == "PGT104"));
    // Its own connection is TLS.
    let own = r.own_session.as_ref().unwrap();
    assert!(!own.unix_socket);
    assert_eq!(own.encryption, Some(pgtls::facts::Encryption::Ssl));

    // Without pg_monitor, other roles' sessions are hidden and counted as such.
    sc.cluster.psql("REVOKE pg_monitor FROM auditor").unwrap();
    let spec = auditor_spec(&sc);
    let r = audit::run(&AuditOptions::new(
        Some(spec),
        OfflineInput::default(),
        Severity::High,
    ))
    .unwrap();
    let s = r.sessions.as_ref().unwrap();
    assert_eq!(s.stats.total, 0);
    // The 10 client sessions, not the background processes (an autovacuum
    // worker may add one).
    assert!(
        (10..=11).contains(&s.hidden_sessions),
        "{}",
        s.hidden_sessions
    );
    // Hidden sessions could be unencrypted: the audit must not pass.
    assert!(r.summary.failed);
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "PGT104" && f.severity == Severity::High));
    // The TLS floor is unknown to this role, not "the default".
    assert!(!r
        .findings
        .iter()
        .any(|f| f.code == "PGT204" || f.code == "PGT203"));
    assert!(r
        .visibility
        .iter()
        .any(|g| g.remedy == "GRANT pg_monitor TO auditor;"));
}

#[test]
fn a_server_that_accepts_and_never_answers_ends_at_connect_timeout() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held = l.accept();
        std::thread::sleep(std::time::Duration::from_secs(20));
        drop(held);
    });
    let out = common::pgtls(&[
        "audit",
        "-d",
        &format!("host=127.0.0.1 port={port} user=x connect_timeout=2"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("timeout expired"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn an_ssh_server_on_the_port_is_named_as_not_postgres() {
    // An SSH server answers the SSLRequest with "SSH-2.0-...": its 'S'
    // reads as "SSL supported", then the TLS handshake meets the banner.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(4) {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                use std::io::Write;
                let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
                std::thread::sleep(std::time::Duration::from_secs(3));
            });
        }
    });
    let out = common::pgtls(&[
        "audit",
        "-d",
        &format!("host=127.0.0.1 port={port} user=x sslmode=require connect_timeout=5"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains("not PostgreSQL's protocol") && err.contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn canary_password_never_appears_in_any_output() {
    const CANARY: &str = "Canary-7f3a9-PW";
    let sc = Scenario::start(common::bin()).unwrap();
    sc.cluster
        .psql(&format!("ALTER ROLE app PASSWORD '{CANARY}'"))
        .unwrap();
    let kv = format!(
        "host=127.0.0.1 port={} user=app dbname=appdb password={CANARY} sslmode=require",
        sc.cluster.port
    );
    let uri = format!(
        "postgresql://app:{CANARY}@127.0.0.1:{}/appdb?sslmode=require",
        sc.cluster.port
    );
    let wrong_kv = format!(
        "host=127.0.0.1 port={} user=app dbname=appdb password={CANARY}x",
        sc.cluster.port
    );
    let unreachable = format!("postgresql://app:{CANARY}@127.0.0.1:1/appdb");
    for dsn in [&kv, &uri, &wrong_kv, &unreachable] {
        for fmt in ["text", "json"] {
            let out = common::pgtls(&["audit", "-d", dsn, "--format", fmt]);
            let all = format!("{}{}", common::stdout(&out), common::stderr(&out));
            assert!(!all.contains(CANARY), "password leaked for {fmt}: {all}");
            assert!(!all.is_empty());
        }
    }
    // The wrong password is an error (exit 2) that names the failure.
    let out = common::pgtls(&["audit", "-d", &wrong_kv]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("password authentication failed"),
        "{}",
        common::stderr(&out)
    );
    // The unreachable server too.
    let out = common::pgtls(&["audit", "-d", &unreachable]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("could not connect"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn the_password_comes_from_pgpassfile_as_in_psql() {
    use std::os::unix::fs::PermissionsExt;
    let sc = Scenario::start(common::bin()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let pass = d.path().join("pgpass");
    std::fs::write(
        &pass,
        format!("127.0.0.1:{}:appdb:app:app-secret\n", sc.cluster.port),
    )
    .unwrap();
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let port = sc.cluster.port.to_string();
    let args = [
        "audit",
        "-h",
        "127.0.0.1",
        "-p",
        port.as_str(),
        "-U",
        "app",
        "-d",
        "appdb",
        "--format",
        "json",
    ];
    let out = common::pgtls_env(
        &args,
        &[
            ("PGPASSFILE", pass.to_str().unwrap()),
            ("PGSSLMODE", "require"),
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::stderr(&out)));
    assert_eq!(v["own_session"]["encryption"], "ssl");
    assert!(!common::stdout(&out).contains("app-secret"));
}

#[test]
fn a_self_signed_server_certificate_pinned_as_sslrootcert_verifies_like_libpq() {
    let sc = Scenario::start(common::bin()).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    sc.cluster.write_file("server.crt", &cert.pem()).unwrap();
    sc.cluster
        .write_file("server.key", &key.serialize_pem())
        .unwrap();
    sc.cluster.reload().unwrap();
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("server.crt");
    std::fs::write(&root, cert.pem()).unwrap();
    let dsn = |host: &str, mode: &str| {
        format!(
            "host={host} port={} user=app dbname=appdb password=app-secret sslmode={mode} sslrootcert={}",
            sc.cluster.port,
            root.display()
        )
    };
    // psql (libpq + OpenSSL) is the oracle.
    for (host, mode, ok) in [
        ("localhost", "verify-full", true),
        ("127.0.0.1", "verify-ca", true),
        ("127.0.0.1", "verify-full", false),
    ] {
        let psql = sc.cluster.psql_raw(&dsn(host, mode), "SELECT 1").unwrap();
        assert_eq!(
            psql.status.success(),
            ok,
            "psql {host} {mode}: {}",
            common::stderr(&psql)
        );
        let out = common::pgtls(&["audit", "-d", &dsn(host, mode), "--format", "json"]);
        assert_eq!(
            out.status.code() != Some(2),
            ok,
            "pgtls {host} {mode}: {}",
            common::stderr(&out)
        );
    }
}
