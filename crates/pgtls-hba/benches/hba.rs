//! Benchmark (not a test): parse and fully check generated files of 1k, 10k
//! and 100k rules, and in the same run time PostgreSQL's own parse of the
//! same file (`SELECT count(*) FROM pg_hba_file_rules` on a real server).
//!
//! Two file shapes: `shadowed` ([`gen::bench_file`]: a realistic mix in
//! which early catch-all lines shadow most of the file) and `reachable`
//! ([`gen::bench_file_reachable`]: one application per line, nearly every
//! line reachable, so the analysis places every rule's space).
//!
//! Two clocks: wall time (best of several runs; pgtls uses both cores of the
//! machine, a PostgreSQL backend one) and CPU time (user + system of this
//! process, or of the server backend, from /proc, averaged over the runs).
//! The target is on wall time: `x PG` is PostgreSQL's parse time over ours
//! (`total`: parse and full check timed together, best run; `parse` and
//! `check` are timed apart for reference). `cpu x PG` compares CPU time
//! (parse + check, averaged).
//!
//! Run: `cargo bench -p pgtls-hba --bench hba` (PGTLS_BENCH_MAJOR=15 picks
//! the server major, default 15; PGTLS_BENCH_SIZES=1000,10000 the sizes;
//! PGTLS_BENCH_SHAPES=shadowed,reachable the file shapes).

use std::time::{Duration, Instant};

// The same allocator as the pgtls binary is expected to use (glibc malloc
// spends more time than the analysis itself on the many small objects of a
// 100k-rule file).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pgtls_cluster::{Cluster, PgBin};
use pgtls_hba::{analyze, checks, gen, parse_file, AnalyzeOptions, ParseOptions};

/// utime + stime of a process (or of this one), in seconds.
fn cpu_seconds(pid: Option<i32>) -> f64 {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_string(),
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0.0;
    };
    // fields after the parenthesised command name
    let rest = &text[text.rfind(')').map_or(0, |p| p + 2)..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap_or(0.0) + f[12].parse::<f64>().unwrap_or(0.0);
    ticks / 100.0 // USER_HZ is 100 on Linux
}

/// (best wall time, mean CPU time) over `runs` runs.
fn measure<T>(runs: usize, pid: Option<i32>, mut f: impl FnMut() -> T) -> (Duration, f64, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    let c0 = cpu_seconds(pid);
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    let cpu = (cpu_seconds(pid) - c0) / runs as f64;
    (best, cpu, last.unwrap())
}

fn ms(d: Duration) -> String {
    format!("{:.1}ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let major: u32 = std::env::var("PGTLS_BENCH_MAJOR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let sizes: Vec<usize> = std::env::var("PGTLS_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    let mut server = PgBin::find(Some(major)).ok().and_then(|b| {
        let c = Cluster::builder(b)
            .hba("local all all trust\n")
            .start()
            .ok()?;
        let mut client = postgres::Client::connect(
            &format!(
                "host={} port={} user=postgres dbname=postgres",
                c.socket_dir.display(),
                c.port
            ),
            postgres::NoTls,
        )
        .ok()?;
        let pid: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .ok()?
            .get(0);
        Some((c, client, pid))
    });
    if server.is_none() {
        eprintln!("no PostgreSQL {major} server binaries: timing pgtls only");
    }
    let shapes: Vec<String> = std::env::var("PGTLS_BENCH_SHAPES")
        .unwrap_or_else(|_| "shadowed,reachable".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    println!(
        "{:>9} {:>7} | {:>9} {:>9} {:>9} {:>9} | {:>7} | {:>9} {:>9} | {:>8}",
        "shape",
        "rules",
        "parse",
        "check",
        "total",
        "PG",
        "x PG",
        "cpu total",
        "cpu PG",
        "cpu x PG"
    );
    let dir = tempfile::tempdir().unwrap();
    for shape in &shapes {
        for &n in &sizes {
            let text = match shape.as_str() {
                "reachable" => gen::bench_file_reachable(42, n),
                _ => gen::bench_file(42, n),
            };
            let path = dir.path().join(format!("pg_hba_{n}.conf"));
            std::fs::write(&path, &text).unwrap();
            let opts = ParseOptions::version(major * 10000);
            let runs = (2_000_000 / n).clamp(5, 200);
            let (tp, cp, file) = measure(runs, None, || parse_file(&path, &opts));
            assert!(
                file.loads(),
                "generated file loads: {:?}",
                file.errors.first()
            );
            assert_eq!(file.rules.len(), n);
            let (tc, cc, _) = measure(runs, None, || {
                let r = analyze(&file, &AnalyzeOptions::default());
                let f = checks::findings(&file, &r, true);
                (r, f)
            });
            // the figure compared: parse and check timed together, best run
            let (tt, _, _) = measure(runs, None, || {
                let file = parse_file(&path, &opts);
                let r = analyze(&file, &AnalyzeOptions::default());
                let f = checks::findings(&file, &r, true);
                (file, r, f)
            });
            let pg = server.as_mut().map(|(c, client, pid)| {
                c.write_hba(&text).unwrap();
                let (t, cpu, _) = measure(runs, Some(*pid), || {
                    let k: i64 = client
                        .query_one("SELECT count(*) FROM pg_hba_file_rules", &[])
                        .unwrap()
                        .get(0);
                    assert_eq!(k as usize, n);
                });
                c.write_hba("local all all trust\n").unwrap();
                (t, cpu)
            });
            let wall_ratio = match pg {
                Some((t, _)) => format!("{:.1}x", t.as_secs_f64() / tt.as_secs_f64()),
                None => "-".into(),
            };
            let cpu_ratio = match pg {
                Some((_, c)) if cp + cc > 0.0 => format!("{:.1}x", c / (cp + cc)),
                _ => "-".into(),
            };
            println!(
                "{:>9} {:>7} | {:>9} {:>9} {:>9} {:>9} | {:>7} | {:>9} {:>9} | {:>8}",
                shape,
                n,
                ms(tp),
                ms(tc),
                ms(tt),
                pg.map(|(t, _)| ms(t)).unwrap_or_else(|| "-".into()),
                wall_ratio,
                format!("{:.1}ms", (cp + cc) * 1e3),
                pg.map(|(_, c)| format!("{:.1}ms", c * 1e3))
                    .unwrap_or_else(|| "-".into()),
                cpu_ratio,
            );
        }
    }
}
