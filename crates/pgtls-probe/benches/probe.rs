//! `pgtls probe` beside sslyze, testssl.sh and nmap against one local
//! cluster, then a fleet of 1,000 loopback addresses on one cluster.
//! Run through `bench/probe.sh` (installs the tools, builds release).
//!
//! Environment: PGTLS_BIN (the binary whose `probe` subcommand is timed),
//! PGTLS_BENCH_RUNS (default 3), PGTLS_BENCH_FLEET (default 1000),
//! PGTLS_BENCH_MAJOR (server major; default: the first discovered).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use pgtls_cluster::{Cluster, PgBin};

fn env_num(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

struct Timed {
    secs: f64,
    max_rss_kb: Option<u64>,
    ok: bool,
    stdout: String,
}

/// Run under /usr/bin/time when present (peak RSS), else plainly.
fn run(argv: &[String]) -> Timed {
    let time = Path::new("/usr/bin/time");
    let rss_file = std::env::temp_dir().join(format!("pgtls-bench-rss-{}", std::process::id()));
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).args(argv);
        c
    } else {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        c
    };
    let t0 = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("spawn");
    let secs = t0.elapsed().as_secs_f64();
    let max_rss_kb = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    let _ = std::fs::remove_file(&rss_file);
    Timed {
        secs,
        max_rss_kb,
        ok: out.status.code().is_some_and(|c| c == 0 || c == 1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn pgtls_bin() -> PathBuf {
    std::env::var_os("PGTLS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/pgtls"))
}

fn s(x: &str) -> String {
    x.to_string()
}

fn main() {
    // `cargo bench` passes --bench; nothing else is accepted.
    let runs = env_num("PGTLS_BENCH_RUNS", 3).max(1);
    let fleet_n = env_num("PGTLS_BENCH_FLEET", 1000);
    let bin = match std::env::var("PGTLS_BENCH_MAJOR")
        .ok()
        .and_then(|m| m.parse().ok())
    {
        Some(m) => PgBin::find(Some(m)),
        None => PgBin::find(None),
    }
    .expect("PostgreSQL server binaries");
    let pgtls = pgtls_bin();
    assert!(
        pgtls.exists(),
        "{} not found: set PGTLS_BIN",
        pgtls.display()
    );
    println!(
        "server: PostgreSQL {} ({})",
        bin.version_num,
        bin.dir.display()
    );
    println!("pgtls:  {}", pgtls.display());

    // ---- one server, same facts ----
    let c = Cluster::builder(bin.clone())
        .conf("log_connections = off")
        .conf("max_connections = 200")
        .start()
        .expect("cluster");
    let target = format!("127.0.0.1:{}", c.port);
    let port = c.port.to_string();
    let ca = c.certs.ca_cert.display().to_string();
    let mut tools: Vec<(&str, Vec<String>)> = vec![(
        "pgtls probe (plaintext, GSS, SSL, direct TLS, versions, all suites, groups, cert)",
        vec![
            pgtls.display().to_string(),
            s("probe"),
            target.clone(),
            s("--ca"),
            ca.clone(),
            s("--format"),
            s("json"),
            s("--no-progress"),
        ],
    )];
    if have("sslyze") {
        tools.push((
            "sslyze --starttls postgres (versions, suites, groups, certinfo)",
            vec![
                s("sslyze"),
                s("--starttls"),
                s("postgres"),
                s("--tlsv1"),
                s("--tlsv1_1"),
                s("--tlsv1_2"),
                s("--tlsv1_3"),
                s("--certinfo"),
                s("--elliptic_curves"),
                target.clone(),
            ],
        ));
    }
    let testssl = ["testssl", "testssl.sh"].into_iter().find(|t| have(t));
    if let Some(t) = testssl {
        tools.push((
            "testssl.sh --starttls postgres -p -E -S (versions, suites, cert)",
            vec![
                s(t),
                s("--starttls"),
                s("postgres"),
                s("-p"),
                s("-E"),
                s("-S"),
                s("--color"),
                s("0"),
                s("--warnings"),
                s("off"),
                s("--quiet"),
                target.clone(),
            ],
        ));
    }
    if have("nmap") {
        tools.push((
            "nmap -sV --script ssl-enum-ciphers,ssl-cert (-sV: a port other than 5432 needs service detection for STARTTLS)",
            vec![
                s("nmap"),
                s("-Pn"),
                s("-sV"),
                s("-p"),
                port.clone(),
                s("--script"),
                s("ssl-enum-ciphers,ssl-cert"),
                s("127.0.0.1"),
            ],
        ));
    }
    let mut rows = Vec::new();
    for (name, argv) in &tools {
        let mut times = Vec::new();
        let mut ok = true;
        let mut last = String::new();
        for _ in 0..runs {
            let t = run(argv);
            ok &= t.ok;
            times.push(t.secs);
            last = t.stdout;
        }
        rows.push((name.to_string(), median(times), ok, last));
    }
    let base = rows[0].1;
    // The probe's own answer, so the table shows the facts were found.
    let v: serde_json::Value = serde_json::from_str(&rows[0].3).expect("pgtls JSON");
    let t0 = &v["targets"][0];
    println!(
        "pgtls facts: ssl_request={} plaintext.accepted={} versions={} suites={} groups={} cert={} error={}",
        t0["ssl_request"],
        t0["plaintext"]["accepted"],
        t0["tls"]["versions"],
        t0["tls"]["ciphers"].as_object().map(|m| m.values().map(|l| l.as_array().map_or(0, |a| a.len())).sum::<usize>()).unwrap_or(0),
        t0["tls"]["groups"],
        t0["certificate"]["subject"],
        t0["error"]
    );
    println!();
    println!("| tool (same local cluster, {runs} runs, median) | seconds | x pgtls |");
    println!("|---|---:|---:|");
    for (name, secs, ok, _) in &rows {
        println!(
            "| {name}{} | {secs:.3} | {:.1} |",
            if *ok { "" } else { " (exit status not 0/1)" },
            secs / base
        );
    }
    drop(c);

    // ---- fleet: one cluster answering on every 127.x.y.z ----
    if fleet_n == 0 {
        return;
    }
    let c = Cluster::builder(bin)
        .listen_addresses("0.0.0.0")
        .conf("log_connections = off")
        .conf("max_connections = 400")
        .start()
        .expect("fleet cluster");
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for n in [fleet_n / 4, fleet_n] {
        if n == 0 {
            continue;
        }
        let file = dir.path().join(format!("targets-{n}.txt"));
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&format!(
                "127.{}.{}.{}:{}\n",
                1 + i / 62500,
                (i / 250) % 250,
                1 + i % 250,
                c.port
            ));
        }
        std::fs::write(&file, text).unwrap();
        let argv = vec![
            pgtls.display().to_string(),
            s("probe"),
            s("--targets"),
            file.display().to_string(),
            s("--skip"),
            s("ciphers,groups"),
            s("--ca"),
            c.certs.ca_cert.display().to_string(),
            s("--concurrency"),
            s("48"),
            s("--format"),
            s("json"),
            s("--no-progress"),
        ];
        let t = run(&argv);
        let v: serde_json::Value = serde_json::from_str(&t.stdout).expect("fleet JSON");
        let targets = v["targets"].as_array().unwrap();
        let complete = targets
            .iter()
            .filter(|r| {
                r["error"].is_null()
                    && r["plaintext"]["accepted"] == serde_json::Value::Bool(true)
                    && r["tls"]["versions"]
                        .as_array()
                        .is_some_and(|a| !a.is_empty())
                    && r["certificate"]["subject"].is_string()
            })
            .count();
        results.push((n, t.secs, t.max_rss_kb, complete));
    }
    println!();
    println!("| fleet (plaintext + versions + certificate + direct TLS) | seconds | targets/s | peak RSS MiB | complete |");
    println!("|---|---:|---:|---:|---:|");
    for (n, secs, rss, complete) in &results {
        println!(
            "| {n} targets, --concurrency 48 | {secs:.1} | {:.0} | {} | {complete}/{n} |",
            *n as f64 / secs,
            rss.map(|k| format!("{:.1}", k as f64 / 1024.0))
                .unwrap_or_else(|| "-".into())
        );
    }
}
