//! Real drivers against a real cluster: the verdict's wire behaviour
//! (`Behavior::simulate`) must predict what each driver actually does —
//! whether it connects, and `pg_stat_ssl.ssl` of its session — with the
//! right CA, a wrong CA, a host name not in the certificate, and a server
//! without TLS. Drivers come from `scripts/install-drivers` (run here when
//! missing); a driver whose registry is unreachable is skipped LOUDLY.

use std::path::{Path, PathBuf};
use std::process::Command;

use pgtls_clients::{
    assess, check, Context, DriverSpec, NodeConfig, NodeSsl, Outcome, Scenario, Setting,
};
use pgtls_cluster::{Certs, Cluster, PgBin};

fn drivers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-drivers")
}

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e")
}

/// "ok" / "unreachable ..." / "failed ..." per driver, installing when needed.
fn driver_status() -> Vec<(String, String)> {
    let status = drivers_dir().join("status");
    let need = std::fs::read_to_string(&status)
        .map(|s| s.lines().any(|l| !l.contains(" ok")))
        .unwrap_or(true);
    if need {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/install-drivers");
        let out = Command::new(script)
            .output()
            .expect("running scripts/install-drivers");
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    }
    std::fs::read_to_string(&status)
        .expect("scripts/install-drivers writes target/e2e-drivers/status")
        .lines()
        .filter_map(|l| {
            l.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect()
}

fn usable(status: &[(String, String)], name: &str) -> bool {
    let s = status
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s.as_str())
        .unwrap_or("failed not installed");
    if s == "ok" {
        return true;
    }
    if let Some(why) = s.strip_prefix("unreachable") {
        eprintln!("\n!!!!! SKIPPED {name} end-to-end tests: its package registry is unreachable ({}) !!!!!\n", why.trim());
        return false;
    }
    panic!("driver {name} could not be installed: {s} (see target/e2e-drivers/*.log)");
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    Psql,
    Psycopg,
    Asyncpg,
    Node,
    Jdbc,
}

struct Case {
    runner: Runner,
    driver: &'static str,
    /// Connection string / JSON with {HOST} {PORT} {CA} placeholders.
    input: &'static str,
    /// asyncpg ssl= argument.
    extra: Option<&'static str>,
}

const fn c(runner: Runner, driver: &'static str, input: &'static str) -> Case {
    Case {
        runner,
        driver,
        input,
        extra: None,
    }
}

const KV: &str = "host={HOST} port={PORT} user=postgres dbname=postgres";

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Runner::*;
    let kv = |tail: &'static str| -> &'static str { Box::leak(format!("{KV}{tail}").into_boxed_str()) };
    vec![
        c(Psql, "libpq", kv(" sslmode=disable")),
        c(Psql, "libpq", kv(" sslmode=allow")),
        c(Psql, "libpq", kv("")),
        c(Psql, "libpq", kv(" sslmode=prefer sslrootcert={CA}")),
        c(Psql, "libpq", kv(" sslmode=require")),
        c(Psql, "libpq", kv(" sslmode=require sslrootcert={CA}")),
        c(Psql, "libpq", kv(" sslmode=verify-ca sslrootcert={CA}")),
        c(Psql, "libpq", kv(" sslmode=verify-full sslrootcert={CA}")),
        c(Psql, "libpq", kv(" sslmode=verify-full")),
        c(Psql, "libpq", "postgresql://postgres@{HOST}:{PORT}/postgres?ssl=true"),
        c(Psycopg, "psycopg", kv("")),
        c(Psycopg, "psycopg", kv(" sslmode=prefer sslrootcert={CA}")),
        c(Psycopg, "psycopg", kv(" sslmode=verify-full sslrootcert={CA}")),
        c(Asyncpg, "asyncpg", "postgresql://postgres@{HOST}:{PORT}/postgres"),
        c(Asyncpg, "asyncpg", "postgresql://postgres@{HOST}:{PORT}/postgres?sslmode=disable"),
        c(Asyncpg, "asyncpg", "postgresql://postgres@{HOST}:{PORT}/postgres?sslmode=require"),
        c(Asyncpg, "asyncpg", "postgresql://postgres@{HOST}:{PORT}/postgres?sslmode=require&sslrootcert={CA}"),
        c(Asyncpg, "asyncpg", "postgresql://postgres@{HOST}:{PORT}/postgres?sslmode=verify-full&sslrootcert={CA}"),
        Case { runner: Asyncpg, driver: "asyncpg", input: "postgresql+asyncpg://postgres@{HOST}:{PORT}/postgres?ssl=require", extra: Some("require") },
        c(Node, "node-postgres", "postgres://postgres@{HOST}:{PORT}/postgres"),
        c(Node, "node-postgres", "postgres://postgres@{HOST}:{PORT}/postgres?sslmode=require&sslrootcert={CA}"),
        c(Node, "node-postgres", "postgres://postgres@{HOST}:{PORT}/postgres?sslmode=prefer"),
        c(Node, "node-postgres", "postgres://postgres@{HOST}:{PORT}/postgres?sslmode=no-verify"),
        c(Node, "node-postgres", "postgres://postgres@{HOST}:{PORT}/postgres?sslmode=require&uselibpqcompat=true"),
        c(Node, "node-postgres", "postgres://postgres@{HOST}:{PORT}/postgres?ssl=false"),
        c(Node, "node-postgres", r#"{"host":"{HOST}","port":{PORT},"user":"postgres","database":"postgres","ssl":false}"#),
        c(Node, "node-postgres", r#"{"host":"{HOST}","port":{PORT},"user":"postgres","database":"postgres","ssl":{"rejectUnauthorized":false}}"#),
        c(Node, "node-postgres", r#"{"host":"{HOST}","port":{PORT},"user":"postgres","database":"postgres","ssl":{"caFile":"{CA}"}}"#),
        c(Jdbc, "pgjdbc", "jdbc:postgresql://{HOST}:{PORT}/postgres?user=postgres"),
        c(Jdbc, "pgjdbc", "jdbc:postgresql://{HOST}:{PORT}/postgres?user=postgres&ssl=true&sslrootcert={CA}"),
        c(Jdbc, "pgjdbc", "jdbc:postgresql://{HOST}:{PORT}/postgres?user=postgres&sslmode=require"),
    ]
}

/// The model's input for a case (node JSON objects become a NodeConfig).
fn setting(input: &str) -> Setting {
    if input.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(input).unwrap();
        let ssl = match &v["ssl"] {
            serde_json::Value::Bool(b) => Some(NodeSsl::Bool(*b)),
            serde_json::Value::Object(o) => Some(NodeSsl::Object {
                reject_unauthorized: o.get("rejectUnauthorized").and_then(|r| r.as_bool()),
                has_ca: o.contains_key("caFile"),
                skips_identity: false,
            }),
            _ => None,
        };
        Setting::Node(NodeConfig {
            ssl,
            host: v["host"].as_str().map(str::to_string),
            ..NodeConfig::default()
        })
    } else {
        Setting::Text(input.to_string())
    }
}

struct Env {
    home: PathBuf,
    node_module: PathBuf,
    python: PathBuf,
    java_cp: Option<String>,
}

fn run(runner: Runner, input: &str, extra: Option<&str>, env: &Env) -> Outcome {
    let mut cmd = match runner {
        Runner::Psql => {
            let mut c = Command::new("psql");
            c.arg(input).args([
                "-Atc",
                "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
            ]);
            c
        }
        Runner::Psycopg => {
            let mut c = Command::new("python3");
            c.arg(e2e_dir().join("probe_psycopg.py")).arg(input);
            c
        }
        Runner::Asyncpg => {
            let mut c = Command::new("python3");
            let dsn = input.replacen("postgresql+asyncpg://", "postgresql://", 1);
            let dsn = match dsn.split_once("?ssl=") {
                Some((d, _)) => d.to_string(),
                None => dsn,
            };
            c.arg(e2e_dir().join("probe_asyncpg.py")).arg(dsn);
            if let Some(x) = extra {
                c.arg(x);
            }
            c
        }
        Runner::Node => {
            let mut c = Command::new("node");
            let spec = if input.starts_with('{') {
                input.to_string()
            } else {
                serde_json::json!({ "connectionString": input }).to_string()
            };
            c.arg(e2e_dir().join("probe_node.js")).arg(spec);
            c
        }
        Runner::Jdbc => {
            let mut c = Command::new("java");
            c.args(["-cp", env.java_cp.as_deref().unwrap(), "Probe", input]);
            c
        }
    };
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &env.home)
        .env("PYTHONPATH", &env.python)
        .env("PGTLS_PG_MODULE", &env.node_module)
        .env("PGCONNECT_TIMEOUT", "10");
    let out = cmd.output().expect("running a driver probe");
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if runner == Runner::Psql {
        return match (out.status.success(), stdout.as_str()) {
            (true, "t") => Outcome::Connects { ssl: true },
            (true, "f") => Outcome::Connects { ssl: false },
            _ => Outcome::Fails(pgtls_clients::model::FailReason::ServerRejected),
        };
    }
    let v: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|_| {
            panic!(
                "probe output: {stdout} / {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    if v["ok"] == true {
        Outcome::Connects {
            ssl: v["ssl"] == true,
        }
    } else {
        Outcome::Fails(pgtls_clients::model::FailReason::ServerRejected)
    }
}

fn same(pred: Outcome, seen: Outcome) -> bool {
    match (pred, seen) {
        (Outcome::Connects { ssl: a }, Outcome::Connects { ssl: b }) => a == b,
        (Outcome::Fails(_), Outcome::Fails(_)) => true,
        _ => false,
    }
}

#[test]
fn real_drivers_behave_as_the_verdicts_predict() {
    let status = driver_status();
    let bin = PgBin::find(Some(15))
        .or_else(|_| PgBin::find(None))
        .expect("a PostgreSQL server (scripts/install-pg)");
    let hba = "local all all trust\nhost all all 127.0.0.0/8 trust\nhost all all ::1/128 trust\n";
    let tls = Cluster::builder(bin.clone())
        .ssl(true)
        .hba(hba)
        .listen_addresses("127.0.0.1,127.0.0.2")
        .start()
        .expect("starting the TLS cluster");
    let plain = Cluster::builder(bin)
        .ssl(false)
        .hba(hba)
        .listen_addresses("127.0.0.1")
        .start()
        .expect("starting the plaintext cluster");
    let work = tempfile::tempdir().unwrap();
    let wrong_dir = work.path().join("wrong");
    std::fs::create_dir(&wrong_dir).unwrap();
    let wrong = Certs::generate(&wrong_dir).unwrap();
    let home = work.path().join("home");
    std::fs::create_dir(&home).unwrap();

    let mut java_cp = None;
    let jdbc_ok = usable(&status, "pgjdbc");
    if jdbc_ok {
        let jar = std::fs::read_dir(drivers_dir().join("java"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "jar"))
            .unwrap();
        let classes = drivers_dir().join("java/classes");
        std::fs::create_dir_all(&classes).unwrap();
        let st = Command::new("javac")
            .arg("-d")
            .arg(&classes)
            .arg(e2e_dir().join("Probe.java"))
            .status()
            .unwrap();
        assert!(st.success(), "javac Probe.java");
        java_cp = Some(format!("{}:{}", jar.display(), classes.display()));
    }
    let env = Env {
        home,
        node_module: drivers_dir().join("node/node_modules/pg"),
        python: drivers_dir().join("python"),
        java_cp,
    };
    let enabled = |r: Runner| match r {
        Runner::Psql => true,
        Runner::Psycopg => usable(&status, "psycopg"),
        Runner::Asyncpg => usable(&status, "asyncpg"),
        Runner::Node => usable(&status, "node-postgres"),
        Runner::Jdbc => jdbc_ok,
    };
    struct Sc<'a> {
        name: &'a str,
        host: &'a str,
        port: u16,
        ca: &'a Path,
        scenario: Scenario,
    }
    let base = Scenario {
        ssl_on: true,
        hba_allows_plain: true,
        hba_allows_ssl: true,
        cert_trusted: true,
        hostname_matches: true,
        client_has_root_file: false,
    };
    let scenarios = [
        Sc {
            name: "right CA",
            host: "127.0.0.1",
            port: tls.port,
            ca: &tls.certs.ca_cert,
            scenario: base,
        },
        Sc {
            name: "wrong CA",
            host: "127.0.0.1",
            port: tls.port,
            ca: &wrong.ca_cert,
            scenario: Scenario {
                cert_trusted: false,
                ..base
            },
        },
        Sc {
            name: "host not in certificate",
            host: "127.0.0.2",
            port: tls.port,
            ca: &tls.certs.ca_cert,
            scenario: Scenario {
                hostname_matches: false,
                ..base
            },
        },
        Sc {
            name: "server without TLS",
            host: "127.0.0.1",
            port: plain.port,
            ca: &tls.certs.ca_cert,
            scenario: Scenario {
                ssl_on: false,
                ..base
            },
        },
    ];
    let mut ran = 0;
    let mut failures = vec![];
    for case in cases() {
        if !enabled(case.runner) {
            continue;
        }
        let spec: DriverSpec = case.driver.parse().unwrap();
        for sc in &scenarios {
            let input = case
                .input
                .replace("{HOST}", sc.host)
                .replace("{PORT}", &sc.port.to_string())
                .replace("{CA}", &sc.ca.display().to_string());
            let ctx = Context {
                libpq_major: Some(15),
                ..Context::default()
            };
            let a = match setting(&input) {
                Setting::Text(t) => check(&t, Some(spec), &ctx),
                s => assess(&s, Some(spec), &ctx),
            };
            // Without a CA file the client cannot trust the throwaway CA.
            let scenario = Scenario {
                cert_trusted: sc.scenario.cert_trusted && case.input.contains("{CA}"),
                ..sc.scenario
            };
            // An invalid setting predicts a failure to connect.
            let predicted = match &a.behavior {
                Some(b) => b.simulate(&scenario),
                None => Outcome::Fails(pgtls_clients::model::FailReason::NoAttempt),
            };
            let seen = run(case.runner, &input, case.extra, &env);
            ran += 1;
            if !same(predicted, seen) {
                failures.push(format!(
                    "{:?} {} [{}]: predicted {predicted:?}, observed {seen:?} (verdict {:?}, mode {:?})",
                    case.runner, case.input, sc.name, a.verdict, a.effective_sslmode
                ));
            }
        }
    }
    eprintln!("end-to-end: {ran} driver runs compared with the model");
    assert!(ran >= 40, "too few runs ({ran})");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
