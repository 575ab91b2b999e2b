//! Profiling aid: parse a generated 100k-rule file once, then run the full
//! check repeatedly (`perf record` this). `cargo run --release -p pgtls-hba
//! --example profile_check -- [rules] [iterations] [shadow|reachable]`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Resident memory now (from /proc).
fn mem() -> String {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    format!("rss {} MB", (pages * 4096) >> 20)
}

use pgtls_hba::{analyze, checks, gen, parse_str, AnalyzeOptions, ParseOptions};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let iters: usize = match args.next().as_deref() {
        Some("max") => usize::MAX,
        a => a.and_then(|a| a.parse().ok()).unwrap_or(10),
    };
    let text = match args.next().as_deref() {
        Some("reachable") => gen::bench_file_reachable(42, n),
        _ => gen::bench_file(42, n),
    };
    if iters == usize::MAX {
        // `-- N max`: generate only (to subtract from instruction counts)
        println!("{} bytes", text.len());
        return;
    }
    let opts = ParseOptions::version(150000);
    let t = Instant::now();
    let file = parse_str(&text, "pg_hba.conf", &opts);
    println!("parse {:?} ({})", t.elapsed(), mem());
    for _ in 0..iters {
        let t = Instant::now();
        let r = analyze(&file, &AnalyzeOptions::default());
        let a = t.elapsed();
        let f = checks::findings(&file, &r, true);
        println!(
            "analyze {:?} findings {:?} ({} findings; {})",
            a,
            t.elapsed() - a,
            f.len(),
            mem()
        );
    }
}
