//! Differential test of `with_defaults_in` + `effective_sslmode` against the
//! real libpq of every installed major: generated combinations of explicit
//! keywords, environment variables and service files (in ~, PGSERVICEFILE
//! and PGSYSCONFDIR), compared on the values libpq ends up using and on its
//! error messages.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{libpq_for, Rng};
use pgtls_conninfo::{parse_as, DefaultsContext, Source};

const SERVICE_FILES: &[&str] = &[
    "[a]\nsslmode=require\nhost=127.0.0.2\n[b]\nsslmode=verify-ca\nsslrootcert=/nonexistent/ca.crt\n",
    "# comment\n[a]\n  sslmode=disable  \napplication_name=from-file\n",
    "[b]\nsslmode = require\n",
    "[a]\nservice=b\n",
    "[ab]\nsslmode=allow\n[a]\nsslmode=prefer\nsslmode=disable\n",
    "[c]\nhost=/tmp/sock\nport=1\n",
];

struct Case {
    conninfo: String,
    env: BTreeMap<String, String>,
}

fn gen(r: &mut Rng, dir: &Path) -> Case {
    let mut parts = vec!["port=1".to_string()];
    let pick = |r: &mut Rng, v: &[&str]| v[r.below(v.len())].to_string();
    if r.chance(60) {
        parts.push(format!(
            "host={}",
            pick(
                r,
                &["127.0.0.1", "/nonexistent-sock", "127.0.0.1,127.0.0.2"]
            )
        ));
    }
    if r.chance(20) {
        parts.push("hostaddr=127.0.0.1".into());
    }
    if r.chance(40) {
        parts.push(format!(
            "sslmode={}",
            pick(
                r,
                &[
                    "disable",
                    "allow",
                    "prefer",
                    "require",
                    "verify-ca",
                    "verify-full",
                    "Require"
                ]
            )
        ));
    }
    if r.chance(10) {
        parts.push(format!("requiressl={}", pick(r, &["1", "0"])));
    }
    if r.chance(40) {
        parts.push(format!("service={}", pick(r, &["a", "b", "c", "zz"])));
    }
    if r.chance(20) {
        parts.push(format!(
            "sslrootcert={}",
            pick(r, &["system", "/nonexistent/root.crt"])
        ));
    }
    if r.chance(15) {
        parts.push("user=alice dbname=shop".into());
    }
    let mut env = BTreeMap::new();
    let d = dir.display();
    env.insert("HOME".to_string(), format!("{d}/home{}", r.below(3)));
    env.insert("PGSYSCONFDIR".to_string(), format!("{d}/sys{}", r.below(3)));
    let mut maybe = |r: &mut Rng, k: &str, p: u32, v: &[&str]| {
        if r.chance(p as usize) {
            env.insert(k.to_string(), v[r.below(v.len())].to_string());
        }
    };
    maybe(
        r,
        "PGSSLMODE",
        30,
        &["disable", "require", "verify-full", "prefer", "bogus"],
    );
    maybe(r, "PGREQUIRESSL", 15, &["1", "0"]);
    maybe(r, "PGSERVICE", 20, &["a", "b", "zz"]);
    maybe(r, "PGSSLROOTCERT", 15, &["system", "/nonexistent/ca.pem"]);
    maybe(r, "PGHOST", 20, &["127.0.0.3", "/nonexistent-env-sock"]);
    maybe(r, "PGUSER", 15, &["bob"]);
    maybe(r, "PGAPPNAME", 10, &["from-env"]);
    if r.chance(30) {
        let f = r.below(SERVICE_FILES.len() + 1);
        env.insert("PGSERVICEFILE".to_string(), format!("{d}/svc{f}.conf"));
    }
    Case {
        conninfo: parts.join(" "),
        env,
    }
}

fn ours(
    c: &Case,
    major: u32,
    socket_dir: &str,
    gssapi: bool,
) -> Result<BTreeMap<String, String>, String> {
    let ci = parse_as(&c.conninfo, major).map_err(|e| e.to_string())?;
    let env = |k: &str| c.env.get(k).cloned();
    let read = |p: &Path| std::fs::read(p).ok();
    let ctx = DefaultsContext {
        env: &env,
        read_file: &read,
        os_user: pgtls_conninfo::os_user().0,
        passwd_home: pgtls_conninfo::os_user().1,
        sysconfdir: "/nonexistent-sysconfdir".into(),
        socket_dir: socket_dir.into(),
        gssapi,
    };
    let d = ci.with_defaults_in(&ctx).map_err(|e| e.to_string())?;
    d.hosts_with(socket_dir).map_err(|e| e.to_string())?;
    d.effective_sslmode().map_err(|e| e.to_string())?;
    let mut m = BTreeMap::new();
    for k in [
        "sslmode",
        "host",
        "hostaddr",
        "port",
        "user",
        "dbname",
        "sslrootcert",
        "application_name",
    ] {
        if let Some(v) = d.get(k) {
            if k == "host" && d.source(k) == Some(&Source::Default) {
                continue; // libpq keeps pghost NULL and fills connhost[] instead
            }
            m.insert(k.to_string(), v.to_string());
        }
    }
    Ok(m)
}

#[test]
fn defaults_and_precedence_agree_with_real_libpq() {
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in SERVICE_FILES.iter().enumerate() {
        std::fs::write(dir.path().join(format!("svc{i}.conf")), text).unwrap();
    }
    for i in 0..3 {
        let h = dir.path().join(format!("home{i}"));
        let s = dir.path().join(format!("sys{i}"));
        std::fs::create_dir_all(&h).unwrap();
        std::fs::create_dir_all(&s).unwrap();
        if i > 0 {
            std::fs::write(
                h.join(".pg_service.conf"),
                SERVICE_FILES[(i * 2) % SERVICE_FILES.len()],
            )
            .unwrap();
            std::fs::write(
                s.join("pg_service.conf"),
                SERVICE_FILES[(i * 2 + 1) % SERVICE_FILES.len()],
            )
            .unwrap();
        }
    }
    let n = if std::env::var("PGTLS_LONG").is_ok() {
        20_000
    } else {
        1_500
    };
    let mut r = Rng::new(0xdefa_0175);
    let cases: Vec<Case> = (0..n).map(|_| gen(&mut r, dir.path())).collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/libpq_defaults.py");
    let mut failures = vec![];
    let mut ran = vec![];
    for major in 12..=18 {
        let Some(lib) = libpq_for(major) else {
            continue;
        };
        ran.push(major);
        // Debian's libpq (/usr/lib/...) is built with GSSAPI and the Debian
        // socket directory; the embedded builds are upstream defaults.
        let debian = lib.starts_with("/usr/lib");
        let socket_dir = if debian {
            "/var/run/postgresql"
        } else {
            "/tmp"
        };
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(&lib)
            .env("LD_LIBRARY_PATH", lib.parent().unwrap())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 for the libpq oracle");
        let mut stdin = child.stdin.take().unwrap();
        let payload: String = cases
            .iter()
            .map(|c| serde_json::json!({"conninfo": c.conninfo, "env": c.env}).to_string() + "\n")
            .collect();
        let w = std::thread::spawn(move || stdin.write_all(payload.as_bytes()).unwrap());
        let out = child.wait_with_output().unwrap();
        w.join().unwrap();
        let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
        assert_eq!(lines.len(), cases.len(), "oracle answered every case");
        for (c, l) in cases.iter().zip(lines) {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let theirs: Result<BTreeMap<String, String>, String> = match v.get("err") {
                Some(e) => Err(e.as_str().unwrap().to_string()),
                None => Ok(serde_json::from_value(v["ok"].clone()).unwrap()),
            };
            let mine = ours(c, major, socket_dir, debian);
            if mine != theirs {
                failures.push(format!(
                    "libpq {major}: {:?} env {:?}\n   ours:  {mine:?}\n   libpq: {theirs:?}",
                    c.conninfo, c.env
                ));
            }
        }
    }
    assert!(
        ran.contains(&15),
        "no libpq found: install libpq5 or run scripts/install-pg"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements (first 10):\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
