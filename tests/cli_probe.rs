//! `pgtls probe` end to end: the built binary against real throwaway
//! clusters and closed ports.

use std::process::{Command, Output};

use pgtls_cluster::{Cluster, PgBin};

fn pgtls(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgtls"))
        .args(args)
        .output()
        .expect("run pgtls")
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn json_reports_plaintext_tls_and_certificate_of_a_real_cluster() {
    let c = Cluster::builder(PgBin::find(None).unwrap())
        .start()
        .unwrap();
    let target = format!(
        "host=127.0.0.1 port={} user=postgres password=canary-7f3a",
        c.port
    );
    let ca = c.certs.ca_cert.display().to_string();
    let out = pgtls(&["probe", &target, "--ca", &ca, "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("canary-7f3a"), "password leaked: {stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let t = &v["targets"][0];
    assert_eq!(t["ssl_request"], "S");
    assert_eq!(t["plaintext"]["accepted"], true);
    assert!(t["tls"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "TLSv1.3"));
    assert_eq!(t["certificate"]["subject"], "CN=localhost");
    assert_eq!(t["certificate"]["chain_verified"], true);
    assert!(t["error"].is_null());
    assert!(t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "PGT501"));
    assert_eq!(v["summary"]["targets"], 1);
    // Trust over plaintext is critical: at/above the default --fail-on high.
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn hostssl_only_cluster_passes_fail_on_high() {
    let hba = "local all all trust\nhostssl all all 127.0.0.1/32 trust\n";
    let c = Cluster::builder(PgBin::find(None).unwrap())
        .hba(hba)
        .start()
        .unwrap();
    let ca = c.certs.ca_cert.display().to_string();
    let out = pgtls(&["probe", &format!("127.0.0.1:{}", c.port), "--ca", &ca]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("plaintext        no (refused by pg_hba.conf: no pg_hba.conf entry"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().starts_with("1 target(s) in"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
}

#[test]
fn targets_file_streams_a_table_row_per_target_and_a_summary() {
    let c = Cluster::builder(PgBin::find(None).unwrap())
        .start()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.txt");
    let dead = closed_port();
    std::fs::write(
        &file,
        format!("# two servers\n127.0.0.1:{}\n127.0.0.1:{dead}\n", c.port),
    )
    .unwrap();
    let out = pgtls(&[
        "probe",
        "--targets",
        file.to_str().unwrap(),
        "--skip",
        "ciphers,groups",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("TARGET "), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{}", c.port)));
    assert!(text.contains("could not connect"), "{text}");
    assert!(text.contains("2 target(s) in"), "{text}");
    // One target could be probed and has a critical finding.
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unreachable_single_target_exits_2_and_says_why() {
    let out = pgtls(&[
        "probe",
        &format!("127.0.0.1:{}", closed_port()),
        "--connect-timeout",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not probe") && err.contains("refused"),
        "{err}"
    );
}

#[test]
fn bad_inventory_line_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inv.txt");
    std::fs::write(&file, "127.0.0.1:5432\nhost:notaport\n").unwrap();
    let out = pgtls(&["probe", "--targets", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("inv.txt:2:") && err.contains("notaport"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing probed, nothing printed");
}
