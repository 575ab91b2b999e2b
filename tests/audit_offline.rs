//! `pgtls audit` on configuration files alone: include chains,
//! postgresql.auto.conf precedence, file:line evidence.

mod common;

use std::fs;
use std::path::Path;

use serde_json::Value;

/// Stand-ins the offline audit accepts: it checks a PEM block is there, not
/// the key material.
const PEM_CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PEM_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn audit(dir: &Path, extra: &[&str]) -> (Value, i32) {
    let d = dir.display().to_string();
    let mut args = vec!["audit", "--config-dir", d.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = common::pgtls(&args);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", common::stdout(&out), common::stderr(&out)));
    (v, out.status.code().unwrap())
}

fn findings<'a>(v: &'a Value, code: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

#[test]
fn auto_conf_overrides_an_included_ssl_on() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "PG_VERSION", "16\n");
    write(
        d,
        "postgresql.conf",
        "# main\nlisten_addresses = '*'\ninclude 'conf.d/tls.conf'\n",
    );
    write(
        d,
        "conf.d/tls.conf",
        "ssl = on\nssl_min_protocol_version = 'TLSv1.1'\n",
    );
    write(d, "postgresql.auto.conf", "# ALTER SYSTEM\nssl = 'off'\n");
    write(d, "server.crt", PEM_CERT);
    write(d, "server.key", PEM_KEY);
    write(
        d,
        "pg_hba.conf",
        "local all all peer\nhostssl all all 0.0.0.0/0 scram-sha-256\nhost all all 10.1.0.0/16 scram-sha-256\n",
    );
    let (v, code) = audit(d, &[]);
    assert_eq!(code, 1);
    assert!(v["sessions"].is_null());
    let off = findings(&v, "PGT201");
    assert_eq!(off.len(), 1, "{v:#}");
    let loc = &off[0]["location"];
    assert!(loc["file"]
        .as_str()
        .unwrap()
        .ends_with("postgresql.auto.conf"));
    assert_eq!(loc["line"], 2);
    // With ssl off the hostssl rule can never match...
    let dead = findings(&v, "PGT303");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["location"]["line"], 2);
    // ...and the host rule admits plaintext from beyond loopback.
    let open = findings(&v, "PGT301");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["location"]["line"], 3);
    // The TLS floor is not judged while ssl is off.
    assert!(findings(&v, "PGT203").is_empty());
}

#[test]
fn include_chain_floor_below_tls12_is_reported_at_its_line() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "PG_VERSION", "15\n");
    write(d, "postgresql.conf", "ssl = on\n\ninclude_dir 'conf.d'\n");
    write(
        d,
        "conf.d/10-tls.conf",
        "# tls\nssl_min_protocol_version = 'TLSv1.2'\n",
    );
    write(
        d,
        "conf.d/20-legacy.conf",
        "\n\nssl_min_protocol_version = 'TLSv1.1'  # for old JDBC\n",
    );
    write(d, "server.crt", PEM_CERT);
    write(d, "server.key", PEM_KEY);
    write(d, "pg_hba.conf", "hostssl all all all scram-sha-256\n");
    let (v, code) = audit(d, &[]);
    let low = findings(&v, "PGT203");
    assert_eq!(low.len(), 1, "{v:#}");
    assert!(low[0]["location"]["file"]
        .as_str()
        .unwrap()
        .ends_with("conf.d/20-legacy.conf"));
    assert_eq!(low[0]["location"]["line"], 3);
    assert_eq!(code, 1);
    assert!(findings(&v, "PGT301").is_empty());
    assert!(findings(&v, "PGT302").is_empty());
}

#[test]
fn pg12_unset_floor_is_tls1_and_missing_key_is_critical() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "PG_VERSION", "12\n");
    write(
        d,
        "postgresql.conf",
        "ssl = on\nssl_key_file = 'keys/server.key'\n",
    );
    write(d, "server.crt", PEM_CERT);
    write(d, "pg_hba.conf", "hostssl all all all md5\n");
    let (v, code) = audit(d, &[]);
    assert_eq!(code, 1);
    let floor = findings(&v, "PGT203");
    assert_eq!(floor.len(), 1);
    assert!(floor[0]["title"].as_str().unwrap().contains("TLSv1"));
    let missing = findings(&v, "PGT202");
    assert_eq!(missing.len(), 1, "{v:#}");
    assert_eq!(missing[0]["severity"], "critical");
    assert_eq!(missing[0]["location"]["line"], 2);
    assert!(missing[0]["title"]
        .as_str()
        .unwrap()
        .contains("keys/server.key"));
}

#[test]
fn bundled_example_reports_every_host_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenario");
    let t = tempfile::tempdir().unwrap();
    for e in [
        "postgresql.conf",
        "postgresql.auto.conf",
        "pg_hba.conf",
        "PG_VERSION",
        "conf.d/site.conf",
    ] {
        write(t.path(), e, &fs::read_to_string(root.join(e)).unwrap());
    }
    write(t.path(), "server.crt", PEM_CERT);
    write(t.path(), "server.key", PEM_KEY);
    let (v, code) = audit(t.path(), &[]);
    assert_eq!(code, 1);
    let mut lines: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "PGT301" || f["code"] == "PGT302")
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect();
    lines.sort();
    assert_eq!(lines, vec![8, 9, 12, 15]);
    assert_eq!(
        findings(&v, "PGT204").len(),
        1,
        "floor only by default on 15"
    );
}

#[test]
fn unreadable_and_malformed_inputs_are_clear_errors() {
    let t = tempfile::tempdir().unwrap();
    let missing = t.path().join("nope");
    let out = common::pgtls(&["audit", "--config-dir", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("nope"),
        "{}",
        common::stderr(&out)
    );

    write(
        t.path(),
        "postgresql.conf",
        "ssl = on\nlisten_addresses = *\n",
    );
    write(t.path(), "pg_hba.conf", "host all all 0.0.0.0/0 md5\n");
    let out = common::pgtls(&["audit", "--config-dir", t.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", common::stdout(&out));
    let err = common::stderr(&out);
    assert!(
        err.contains("postgresql.conf") && err.contains("line 2"),
        "{err}"
    );

    // A named pg_hba.conf that cannot be read: exit 2, naming it.
    let out = common::pgtls(&["audit", "--hba", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("nope")
            && common::stderr(&out).contains("could not open file"),
        "{}",
        common::stderr(&out)
    );

    // Non-UTF-8 bytes in pg_hba.conf: no panic, a finding or an error naming the file.
    write(t.path(), "postgresql.conf", "ssl = on\n");
    fs::write(
        t.path().join("pg_hba.conf"),
        b"host all \xff\xfe 0.0.0.0/0 md5\n\x00\x01garbage\n",
    )
    .unwrap();
    let out = common::pgtls(&["audit", "--config-dir", t.path().to_str().unwrap()]);
    assert!(matches!(out.status.code(), Some(1) | Some(2)), "{out:?}");
    assert!(!common::stderr(&out).contains("panicked"));
}

#[test]
fn a_lone_pg_hba_conf_does_not_invent_server_settings() {
    let t = tempfile::tempdir().unwrap();
    let h = t.path().join("pg_hba.conf");
    fs::write(&h, "hostssl all all 0.0.0.0/0 scram-sha-256\nhostssl all all ::/0 scram-sha-256\nhost all all 10.0.0.0/8 md5\n").unwrap();
    let out = common::pgtls(&[
        "audit",
        "--hba",
        h.to_str().unwrap(),
        "--pg-version",
        "16",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["PGT301"], "ssl is unknown, not off: {v:#}");
    assert_eq!(v["server"]["version_num"], 160000);
}

#[test]
fn conf_options_with_a_live_server_are_refused_not_ignored() {
    let out = common::pgtls(&[
        "audit",
        "-d",
        "host=127.0.0.1 port=1",
        "--conf",
        "postgresql.conf",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("are for offline audits"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn an_empty_key_or_a_der_certificate_is_not_loadable() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "PG_VERSION", "16\n");
    write(
        d,
        "postgresql.conf",
        "ssl = on\nssl_min_protocol_version = 'TLSv1.2'\n",
    );
    write(d, "server.crt", "0\x02\x01binary DER, not PEM");
    write(d, "server.key", "");
    write(d, "pg_hba.conf", "hostssl all all all scram-sha-256\n");
    let (v, code) = audit(d, &[]);
    assert_eq!(code, 1);
    let bad = findings(&v, "PGT202");
    let titles: Vec<&str> = bad.iter().map(|f| f["title"].as_str().unwrap()).collect();
    assert_eq!(bad.len(), 2, "{titles:?}");
    assert!(
        titles.iter().any(|t| t.starts_with("ssl_cert_file")
            && t.contains("cannot be loaded: no PEM block")),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("ssl_key_file")
                && t.ends_with("cannot be loaded: the file is empty")),
        "{titles:?}"
    );
    assert!(bad.iter().all(|f| f["severity"] == "critical"));
}

#[test]
fn a_key_of_another_certificate_is_not_loadable() {
    let gen = || {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["db.example.com".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let ((cert, _), (_, other_key)) = (gen(), gen());
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "PG_VERSION", "16\n");
    write(
        d,
        "postgresql.conf",
        "ssl = on\nssl_min_protocol_version = 'TLSv1.2'\n",
    );
    write(d, "server.crt", &cert);
    write(d, "server.key", &other_key);
    write(d, "pg_hba.conf", "hostssl all all all scram-sha-256\n");
    let (v, code) = audit(d, &[]);
    assert_eq!(code, 1);
    let bad = findings(&v, "PGT202");
    assert_eq!(bad.len(), 1, "{v:#}");
    let title = bad[0]["title"].as_str().unwrap();
    assert!(
        title.starts_with("ssl_key_file") && title.contains("does not belong to the certificate"),
        "{title}"
    );
    // the matching pair passes
    let (cert, key) = gen();
    write(d, "server.crt", &cert);
    write(d, "server.key", &key);
    let (v, _) = audit(d, &[]);
    assert!(findings(&v, "PGT202").is_empty(), "{v:#}");
}
