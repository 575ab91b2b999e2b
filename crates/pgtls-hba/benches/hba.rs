//! Benchmark (not a test): parse and fully check generated files of 1k, 10k
//! and 100k rules, and in the same run time PostgreSQL's own parse of the
//! same file (`SELECT count(*) FROM pg_hba_file_rules` on a real server).
//!
//! Run: `cargo bench -p pgtls-hba --bench hba` (PGTLS_BENCH_MAJOR=15 picks
//! the server major, default 15; PGTLS_BENCH_SIZES=1000,10000 the sizes).

use std::time::{Duration, Instant};

// The same allocator the pgtls binary uses (glibc malloc spends more time
// than the analysis itself on the many small objects of a 100k-rule file).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pgtls_cluster::{Cluster, PgBin};
use pgtls_hba::{analyze, checks, gen, parse_file, AnalyzeOptions, ParseOptions};

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.unwrap())
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
    let server = PgBin::find(Some(major)).ok().and_then(|b| {
        let c = Cluster::builder(b)
            .hba("local all all trust\n")
            .start()
            .ok()?;
        let client = postgres::Client::connect(
            &format!(
                "host={} port={} user=postgres dbname=postgres",
                c.socket_dir.display(),
                c.port
            ),
            postgres::NoTls,
        )
        .ok()?;
        Some((c, client))
    });
    let mut server = server;
    if server.is_none() {
        eprintln!("no PostgreSQL {major} server binaries: timing pgtls only");
    }
    println!(
        "{:>8}  {:>10}  {:>10}  {:>10}  {:>12}  {:>13}  {:>13}  {:>9}",
        "rules", "parse", "check", "total", "PostgreSQL", "parse vs PG", "total vs PG", "ns/rule"
    );
    let dir = tempfile::tempdir().unwrap();
    for &n in &sizes {
        let text = gen::bench_file(42, n);
        let path = dir.path().join(format!("pg_hba_{n}.conf"));
        std::fs::write(&path, &text).unwrap();
        let opts = ParseOptions::version(major * 10000);
        let runs = if n >= 100_000 { 3 } else { 5 };
        let (tp, file) = best_of(runs, || parse_file(&path, &opts));
        assert!(
            file.loads(),
            "generated file loads: {:?}",
            file.errors.first()
        );
        assert_eq!(file.rules.len(), n);
        let (tc, reach) = best_of(runs, || {
            let r = analyze(&file, &AnalyzeOptions::default());
            let f = checks::findings(&file, &r, true);
            (r, f)
        });
        let total = tp + tc;
        if std::env::var("PGTLS_BENCH_SPLIT").is_ok() {
            let (ta, r) = best_of(runs, || analyze(&file, &AnalyzeOptions::default()));
            let (tf, f) = best_of(runs, || checks::findings(&file, &r, true));
            eprintln!(
                "  analyze {:.1}ms, findings {:.1}ms ({} findings)",
                ta.as_secs_f64() * 1e3,
                tf.as_secs_f64() * 1e3,
                f.len()
            );
        }
        let pg = server.as_mut().map(|(c, client)| {
            c.write_hba(&text).unwrap();
            best_of(runs, || {
                let row = client
                    .query_one("SELECT count(*) FROM pg_hba_file_rules", &[])
                    .unwrap();
                let k: i64 = row.get(0);
                assert_eq!(k as usize, n);
            })
            .0
        });
        let ratio = |ours: Duration| {
            pg.map(|d| format!("{:.1}x", d.as_secs_f64() / ours.as_secs_f64()))
                .unwrap_or_else(|| "-".into())
        };
        println!(
            "{:>8}  {:>8.1}ms  {:>8.1}ms  {:>8.1}ms  {:>12}  {:>13}  {:>13}  {:>9.0}",
            n,
            tp.as_secs_f64() * 1e3,
            tc.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            pg.map(|d| format!("{:.1}ms", d.as_secs_f64() * 1e3))
                .unwrap_or_else(|| "-".into()),
            ratio(tp),
            ratio(total),
            total.as_nanos() as f64 / n as f64,
        );
        let _ = reach;
        // restore a usable hba for the next size
        if let Some((c, _)) = server.as_mut() {
            c.write_hba("local all all trust\n").unwrap();
        }
    }
}
