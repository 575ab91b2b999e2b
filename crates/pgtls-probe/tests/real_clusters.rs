//! The probe against real throwaway clusters of every installed major,
//! with libpq (psql) as the oracle: for each TLS version the probe reports,
//! psql pinned to exactly that version must get through the TLS layer,
//! and for every other version it must not; for each plaintext verdict,
//! psql with sslmode=disable must be let in (or asked for a password), or
//! be refused by pg_hba.conf. Server configurations are generated from a
//! seed (`PGTLS_LONG=1` runs more of them on every major).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use pgtls_cluster::{find_psql, Cluster, PgBin};
use pgtls_model::TlsVersion;
use pgtls_probe::{probe_blocking, ProbeOptions, Target, TargetReport, TrustRoots};

/// An OpenSSL configuration that lets the client (Debian's libpq on
/// OpenSSL 3) speak TLS 1.0/1.1, so it can be the oracle for them.
fn client_openssl_conf() -> PathBuf {
    let p = std::env::temp_dir().join("pgtls-probe-test-openssl.cnf");
    std::fs::write(
        &p,
        "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = sd\n[sd]\nCipherString = DEFAULT:@SECLEVEL=0\nMinProtocol = TLSv1\n",
    )
    .unwrap();
    p
}

/// psql's outcome: Ok(()) when it connected, Err(stderr) otherwise.
fn psql(c: &Cluster, conninfo: &str) -> Result<(), String> {
    let out = Command::new(find_psql(&c.bin).unwrap())
        .args([
            "-X", "-w", "-q", "-A", "-t", "-d", conninfo, "-c", "select 1",
        ])
        .env_remove("PGPASSWORD")
        .env_remove("PGSSLMODE")
        .env("PGCONNECT_TIMEOUT", "10")
        .env("OPENSSL_CONF", client_openssl_conf())
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Did psql pinned to `v` get through TLS? Errors raised after the
/// handshake (pg_hba.conf, passwords) prove that it did.
fn oracle_version(c: &Cluster, v: TlsVersion) -> bool {
    let ci = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require ssl_min_protocol_version={} ssl_max_protocol_version={}",
        c.port,
        v.as_pg_str(),
        v.as_pg_str()
    );
    match psql(c, &ci) {
        Ok(()) => true,
        Err(e) => e.contains("pg_hba.conf") || e.contains("password"),
    }
}

/// Plaintext verdict of psql with sslmode=disable: Some(true) when let in
/// or asked for a password, Some(false) when pg_hba.conf refuses.
fn oracle_plaintext(c: &Cluster, user: &str) -> Option<bool> {
    let ci = format!(
        "host=127.0.0.1 port={} user={user} dbname=postgres sslmode=disable",
        c.port
    );
    match psql(c, &ci) {
        Ok(()) => Some(true),
        Err(e)
            if e.contains("no password supplied")
                || e.contains("password authentication failed") =>
        {
            Some(true)
        }
        Err(e) if e.contains("pg_hba.conf") => Some(false),
        Err(_) => None,
    }
}

fn opts_with_ca(c: &Cluster) -> ProbeOptions {
    ProbeOptions {
        roots: TrustRoots::from_ca_file(&c.certs.ca_cert).unwrap(),
        step_timeout: Duration::from_secs(10),
        target_timeout: Duration::from_secs(60),
        ..ProbeOptions::default()
    }
}

fn probe(c: &Cluster, host: &str, opts: &ProbeOptions) -> TargetReport {
    let t = Target::new(host, c.port);
    probe_blocking(&t, opts)
}

fn assert_versions_match_psql(c: &Cluster, r: &TargetReport, what: &str) {
    for v in TlsVersion::ALL {
        let ours = r.tls.versions.contains(&v);
        let theirs = oracle_version(c, v);
        assert_eq!(
            ours, theirs,
            "{what}: {v}: probe says {ours}, psql says {theirs}; answers {:#?}",
            r.tls.version_answers
        );
    }
}

#[test]
fn every_major_reports_what_libpq_sees() {
    let bins = PgBin::one_per_major();
    assert!(
        !bins.is_empty(),
        "no PostgreSQL server binaries: run scripts/install-pg"
    );
    for bin in bins {
        let major = bin.major;
        let mut b = Cluster::builder(bin);
        if major >= 17 {
            // The server's own account of each negotiation, as the oracle.
            b = b.conf("trace_connection_negotiation = on");
        }
        let c = b.start().unwrap();
        let opts = opts_with_ca(&c);
        let r = probe(&c, "127.0.0.1", &opts);
        let what = format!("PG{major}");
        let log = c.log();
        if major >= 17 {
            assert!(
                log.contains("direct SSL connection accepted"),
                "{what}: {log}"
            );
            assert!(log.contains("SSLRequest accepted"), "{what}");
        } else {
            // Before 17 the TLS record header reads as an absurd length.
            assert!(
                log.contains("invalid length of startup packet"),
                "{what}: {log}"
            );
        }
        assert_eq!(r.error, None, "{what}: {r:#?}");
        assert_eq!(r.ssl_request.as_deref(), Some("S"), "{what}");
        // The initdb pg_hba.conf trusts loopback: plaintext is accepted.
        assert_eq!(r.plaintext.accepted, Some(true), "{what}");
        assert_eq!(oracle_plaintext(&c, "postgres"), Some(true), "{what}");
        assert_eq!(
            r.direct_tls,
            Some(major >= 17),
            "{what}: {:?}",
            r.direct_tls_detail
        );
        assert_versions_match_psql(&c, &r, &what);
        // PostgreSQL 12's default floor is TLSv1; 13+ is TLSv1.2.
        assert_eq!(
            r.tls.versions.first().copied(),
            Some(TlsVersion::server_default_min(c.version_num())),
            "{what}"
        );
        assert!(r.tls.versions.contains(&TlsVersion::Tls13), "{what}");
        let cert = r.certificate.as_ref().expect("certificate");
        assert_eq!(cert.subject, "CN=localhost");
        assert_eq!(cert.issuer, "CN=pgtls throwaway CA");
        assert!(!cert.self_signed);
        assert_eq!((cert.key_type.as_str(), cert.key_bits), ("EC", Some(256)));
        assert_eq!(cert.signature_algorithm, "ecdsa-with-SHA256");
        assert!(cert.san.contains(&"IP:127.0.0.1".to_string()));
        assert!(
            cert.name_matches && cert.chain_verified == Some(true),
            "{cert:#?}"
        );
        let full = format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert={}",
            c.port,
            c.certs.ca_cert.display()
        );
        assert_eq!(psql(&c, &full), Ok(()), "{what}: verify-full");
        // Cipher suites: the negotiated one is among those enumerated.
        let n = r.tls.negotiated.as_ref().expect("negotiated");
        let listed = &r.tls.ciphers[&n.version];
        assert!(
            listed.iter().any(|s| s.name == n.cipher),
            "{what}: {n:?} not in {listed:?}"
        );
        if major == 12 {
            assert!(r.findings.iter().any(|f| f.code == "PGT503"), "{what}");
        } else {
            assert!(!r.findings.iter().any(|f| f.code == "PGT503"), "{what}");
        }
        // Without --ca the private CA is unknown to the system roots.
        let sys = probe(&c, "127.0.0.1", &ProbeOptions::default());
        let sc = sys.certificate.expect("certificate");
        assert_eq!(sc.chain_verified, Some(false), "{what}: {sc:#?}");
        assert!(sys.findings.iter().any(|f| f.code == "PGT510"));
        // IPv6 and a host name reach the same server.
        let v6 = probe(&c, "::1", &opts);
        assert_eq!(
            (v6.error.as_deref(), v6.tls.versions.clone()),
            (None, r.tls.versions.clone())
        );
        assert!(v6.certificate.as_ref().unwrap().name_matches);
    }
}

#[test]
fn name_target_is_matched_like_verify_full() {
    let c = Cluster::builder(PgBin::find(None).unwrap())
        .start()
        .unwrap();
    let opts = opts_with_ca(&c);
    let r = probe(&c, "localhost", &opts);
    assert_eq!(r.error, None, "{r:#?}");
    assert!(r.certificate.as_ref().unwrap().name_matches);
    // 127.0.0.2 is loopback too but not in the certificate: verify-full fails,
    // exactly as libpq decides.
    let c2 = Cluster::builder(PgBin::find(None).unwrap())
        .listen_addresses("127.0.0.1,127.0.0.2")
        .start()
        .unwrap();
    let r = probe(&c2, "127.0.0.2", &opts_with_ca(&c2));
    let cert = r.certificate.as_ref().unwrap();
    assert!(!cert.name_matches);
    let msg = cert.name_mismatch.as_deref().unwrap();
    let full = format!(
        "host=127.0.0.2 port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert={}",
        c2.port,
        c2.certs.ca_cert.display()
    );
    let e = psql(&c2, &full).unwrap_err();
    assert!(e.contains(msg), "libpq said {e}, we said {msg}");
    assert!(r.findings.iter().any(|f| f.code == "PGT509"));
}

#[test]
fn ssl_off_answers_n_and_refuses_direct_tls() {
    let bin = PgBin::one_per_major().into_iter().last().unwrap();
    let major = bin.major;
    let c = Cluster::builder(bin).ssl(false).start().unwrap();
    let r = probe(&c, "127.0.0.1", &opts_with_ca(&c));
    assert_eq!(r.error, None, "{r:#?}");
    assert_eq!(r.ssl_request.as_deref(), Some("N"));
    assert!(r.tls.versions.is_empty() && r.certificate.is_none());
    assert_eq!(r.direct_tls, Some(false), "PG{major}");
    assert!(r.findings.iter().any(|f| f.code == "PGT502"));
    assert!(psql(
        &c,
        &format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require",
            c.port
        )
    )
    .is_err());
}

#[test]
fn hostssl_only_refuses_plaintext_with_the_servers_own_words() {
    let hba =
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n";
    for bin in PgBin::one_per_major()
        .into_iter()
        .filter(|b| b.major == 12 || b.major == 14 || b.major == 18)
    {
        let major = bin.major;
        let c = Cluster::builder(bin).hba(hba).start().unwrap();
        let r = probe(&c, "127.0.0.1", &opts_with_ca(&c));
        assert_eq!(
            r.plaintext.accepted,
            Some(false),
            "PG{major}: {:#?}",
            r.plaintext
        );
        let a = &r.plaintext.attempts[0];
        assert_eq!(a.sqlstate.as_deref(), Some("28000"));
        let suffix = if major >= 14 {
            "no encryption"
        } else {
            "SSL off"
        };
        assert!(a.message.starts_with("no pg_hba.conf entry for host \"127.0.0.1\", user \"postgres\", database \"postgres\""), "{}", a.message);
        assert!(a.message.ends_with(suffix), "PG{major}: {}", a.message);
        assert_eq!(oracle_plaintext(&c, "postgres"), Some(false));
        assert!(!r.findings.iter().any(|f| f.code == "PGT501"));
        // TLS still works for the same user.
        assert!(r.tls.negotiated.is_some());
    }
}

#[test]
fn debian_15_at_seclevel_0_with_tlsv1_floor_accepts_tls_1_0_and_1_1() {
    let Some(bin) = PgBin::discover_all()
        .into_iter()
        .find(|b| b.dir.starts_with("/usr/lib/postgresql"))
    else {
        panic!("Debian's PostgreSQL server is not installed (apt-get install postgresql)");
    };
    let c = Cluster::builder(bin)
        .conf("ssl_min_protocol_version = 'TLSv1'")
        .conf("ssl_ciphers = 'DEFAULT:@SECLEVEL=0'")
        .start()
        .unwrap();
    let r = probe(&c, "127.0.0.1", &opts_with_ca(&c));
    assert_eq!(r.error, None, "{r:#?}");
    assert_eq!(
        r.tls.versions,
        vec![
            TlsVersion::Tls10,
            TlsVersion::Tls11,
            TlsVersion::Tls12,
            TlsVersion::Tls13
        ],
        "{:#?}",
        r.tls.version_answers
    );
    assert_versions_match_psql(&c, &r, "Debian 15 SECLEVEL=0");
    assert!(r.tls.ciphers["TLSv1"]
        .iter()
        .any(|s| s.name.starts_with("ECDHE-ECDSA-")));
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "PGT503")
        .expect("PGT503");
    assert_eq!(f.severity, pgtls_model::Severity::High);
    // Debian's build has GSSAPI: GSSENCRequest is answered 'G'.
    assert_eq!(r.gssenc_request.as_deref(), Some("G"));
}

/// Deterministic generator (xorshift64*), no external RNG.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

#[derive(Debug)]
struct Config {
    min: &'static str,
    max: &'static str,
    ciphers: &'static str,
    hba: String,
}

fn generate(seed: u64) -> Config {
    let mut g = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let versions = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
    let min_i = (g.next() % 4) as usize;
    let max_i = min_i + (g.next() % (4 - min_i as u64)) as usize;
    let max = if max_i == 3 && g.next().is_multiple_of(2) {
        ""
    } else {
        versions[max_i]
    };
    let ciphers = *g.pick(&[
        "HIGH:MEDIUM:+3DES:!aNULL",
        "DEFAULT:@SECLEVEL=0",
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA",
        "HIGH:!SHA1:!SHA256:!SHA384",
    ]);
    let mut hba = String::from("local all all trust\n");
    for user in ["app", "all"] {
        for _ in 0..(g.next() % 3) {
            let typ = g.pick(&["host", "hostssl", "hostnossl"]);
            let method = g.pick(&["trust", "scram-sha-256", "md5", "password", "reject"]);
            hba.push_str(&format!("{typ} all {user} 127.0.0.1/32 {method}\n"));
        }
    }
    Config {
        min: versions[min_i],
        max,
        ciphers,
        hba,
    }
}

/// Seeds that ever disagreed with psql would be listed here and kept.
const REGRESSION_SEEDS: &[u64] = &[];

#[test]
fn generated_server_configurations_agree_with_psql() {
    let long = std::env::var_os("PGTLS_LONG").is_some();
    let bins: Vec<PgBin> = PgBin::one_per_major()
        .into_iter()
        .filter(|b| long || b.major == 13 || b.major == 17)
        .collect();
    let per_major: u64 = if long { 12 } else { 4 };
    for bin in bins {
        let major = bin.major;
        let c = Cluster::builder(bin).start().unwrap();
        c.psql("CREATE ROLE app LOGIN PASSWORD 'canary-7f3a'")
            .unwrap();
        let seeds: Vec<u64> = REGRESSION_SEEDS
            .iter()
            .copied()
            .chain((0..per_major).map(|i| major as u64 * 1000 + i))
            .collect();
        for seed in seeds {
            let cfg = generate(seed);
            c.write_file(
                "pgtls_probe_test.conf",
                &format!(
                    "ssl_min_protocol_version = '{}'\nssl_max_protocol_version = '{}'\nssl_ciphers = '{}'\n",
                    cfg.min, cfg.max, cfg.ciphers
                ),
            )
            .unwrap();
            ensure_include(&c);
            c.write_hba(&cfg.hba).unwrap();
            c.reload().unwrap();
            let what = format!("PG{major} seed {seed} {cfg:?}");
            let mut opts = opts_with_ca(&c);
            opts.users = vec!["app".into(), "postgres".into()];
            let r = probe(&c, "127.0.0.1", &opts);
            assert_eq!(r.error, None, "{what}: {r:#?}");
            eprintln!(
                "{what}: versions {:?}, plaintext {:?}",
                r.tls.versions,
                r.plaintext
                    .attempts
                    .iter()
                    .map(|a| (&a.user, a.accepted))
                    .collect::<Vec<_>>()
            );
            assert_versions_match_psql(&c, &r, &what);
            for a in &r.plaintext.attempts {
                let theirs = oracle_plaintext(&c, &a.user);
                assert_eq!(a.accepted, theirs, "{what}: user {}: {}", a.user, a.message);
            }
            // No password ever leaves the probe: the canary is nowhere in the report.
            assert!(!serde_json::to_string(&r).unwrap().contains("canary-7f3a"));
        }
    }
}

fn ensure_include(c: &Cluster) {
    let conf = c.conf_path();
    let text = std::fs::read_to_string(&conf).unwrap();
    if !text.contains("pgtls_probe_test.conf") {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(Path::new(&conf))
            .unwrap();
        use std::io::Write;
        writeln!(f, "include 'pgtls_probe_test.conf'").unwrap();
    }
}

/// Does `openssl s_client` (STARTTLS postgres) complete a handshake with
/// exactly this suite? The local OpenSSL 3 at @SECLEVEL=0 is the oracle.
fn s_client_accepts(port: u16, tls13: bool, suite: &str) -> bool {
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{port}"),
        "-starttls",
        "postgres",
    ]);
    if tls13 {
        cmd.args(["-tls1_3", "-ciphersuites", suite]);
    } else {
        cmd.args(["-tls1_2", "-cipher", &format!("{suite}:@SECLEVEL=0")]);
    }
    let out = cmd
        .env("OPENSSL_CONF", client_openssl_conf())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl");
    String::from_utf8_lossy(&out.stdout).contains(&format!("Cipher is {suite}"))
}

/// Suite names the local OpenSSL can offer (3DES and RC4 are not built).
fn local_openssl_suites() -> Vec<String> {
    let out = Command::new("openssl")
        .args(["ciphers", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
        .output()
        .expect("openssl");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .split(':')
        .map(str::to_string)
        .collect()
}

#[test]
fn tls12_and_tls13_suites_match_openssl_s_client() {
    let known = local_openssl_suites();
    let setups: Vec<(PgBin, Vec<&str>)> = vec![
        (PgBin::find(Some(16)).unwrap(), vec![]),
        (
            PgBin::find(Some(15)).unwrap(),
            vec![
                "ssl_ciphers = 'ALL:@SECLEVEL=0'",
                "ssl_min_protocol_version = 'TLSv1'",
            ],
        ),
    ];
    for (bin, conf) in setups {
        let what = format!("PG{} {conf:?}", bin.major);
        let mut b = Cluster::builder(bin).conf("log_connections = off");
        for l in &conf {
            b = b.conf(l);
        }
        let c = b.start().unwrap();
        let r = probe(&c, "127.0.0.1", &opts_with_ca(&c));
        assert!(r.tls.ciphers_complete, "{what}");
        for (version, tls13) in [("TLSv1.2", false), ("TLSv1.3", true)] {
            let ours: Vec<&str> = r.tls.ciphers[version]
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            let candidates = pgtls_probe::suites::SUITES.iter().filter(|s| {
                (s.min == pgtls_probe::suites::Min::Tls13) == tls13
                    && known.iter().any(|k| k == s.openssl)
            });
            let mut checked = 0;
            for s in candidates {
                let theirs = s_client_accepts(c.port, tls13, s.openssl);
                assert_eq!(
                    ours.contains(&s.openssl),
                    theirs,
                    "{what}: {version} {}: probe {ours:?}",
                    s.openssl
                );
                checked += 1;
            }
            assert!(checked >= 3, "{what}: only {checked} suites checked");
        }
    }
}

#[test]
fn pinned_self_signed_certificate_verifies_like_libpq_verify_full() {
    let c = Cluster::builder(PgBin::find(None).unwrap())
        .start()
        .unwrap();
    // A self-signed CA:TRUE certificate, as `openssl req -x509` makes them.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    p.subject_alt_names.push(rcgen::SanType::IpAddress(
        std::net::Ipv4Addr::LOCALHOST.into(),
    ));
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = p.self_signed(&key).unwrap();
    c.write_file("server.crt", &cert.pem()).unwrap();
    c.write_file("server.key", &key.serialize_pem()).unwrap();
    c.reload().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pin = dir.path().join("pinned.crt");
    std::fs::write(&pin, cert.pem()).unwrap();
    let opts = ProbeOptions {
        roots: TrustRoots::from_ca_file(&pin).unwrap(),
        ..ProbeOptions::default()
    };
    let r = probe(&c, "127.0.0.1", &opts);
    let f = r.certificate.as_ref().expect("certificate");
    assert!(f.self_signed, "{f:#?}");
    assert_eq!(f.chain_verified, Some(true), "{f:#?}");
    assert!(f.name_matches);
    let full = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert={}",
        c.port,
        pin.display()
    );
    assert_eq!(psql(&c, &full), Ok(()));
    assert!(r.findings.iter().any(|f| f.code == "PGT508"));
    assert!(!r.findings.iter().any(|f| f.code == "PGT510"));
    // Against the cluster's own CA (not the pinned certificate) it fails, for both.
    let other = probe(&c, "127.0.0.1", &opts_with_ca(&c));
    assert_eq!(other.certificate.unwrap().chain_verified, Some(false));
    let via_ca = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-ca sslrootcert={}",
        c.port,
        c.certs.ca_cert.display()
    );
    assert!(psql(&c, &via_ca).is_err());
}
