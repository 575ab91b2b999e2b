//! Parsing speed, as a ratio against a named reference measured in the
//! same run: a naive `name = value` splitter (`str::lines()`, strip `#`
//! comments, `split_once('=')`, trim) over the same text. The naive
//! splitter is wrong in many ways (quotes, escapes, `=`-less lines), so it
//! is a floor, not a competitor.
//!
//! `cargo bench -p pgtls-conf --bench parse`

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use pgtls_conf::{parse_text, LoadOptions};

fn sample(target_bytes: usize) -> String {
    let lines = [
        "# - Connection Settings -",
        "",
        "listen_addresses = '*'\t\t# what IP address(es) to listen on;",
        "#port = 5432\t\t\t\t# (change requires restart)",
        "ssl = on",
        "ssl_min_protocol_version = 'TLSv1.2'",
        "ssl_ciphers = 'HIGH:MEDIUM:+3DES:!aNULL' # allowed SSL ciphers",
        "work_mem 64MB",
        "application_name = 'it''s \\'quoted\\' \\101'",
        "myext.setting=on",
    ];
    let mut s = String::with_capacity(target_bytes + 100);
    let mut i = 0;
    while s.len() < target_bytes {
        s.push_str(lines[i % lines.len()]);
        s.push('\n');
        i += 1;
    }
    s
}

fn naive(text: &str) -> usize {
    let mut n = 0;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        if let Some((k, v)) = line.split_once('=') {
            n += k.trim().len() + v.trim().trim_matches('\'').len();
        }
    }
    n
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

/// Peak resident memory of this process so far (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    for size in [1usize << 20, 16 << 20] {
        let text = sample(size);
        let opts = LoadOptions::default();
        let ours = best_of(5, || {
            let set = parse_text(
                Path::new("/bench/postgresql.conf"),
                black_box(text.as_bytes()),
                &opts,
            );
            black_box(set.entries.len());
        });
        let reference = best_of(5, || {
            black_box(naive(black_box(&text)));
        });
        let mbps = |d: Duration| text.len() as f64 / d.as_secs_f64() / 1e6;
        println!(
            "{:>5} MiB: pgtls-conf {:>8.2?} ({:>6.1} MB/s), naive splitter {:>8.2?} ({:>6.1} MB/s), ratio {:.2}x",
            size >> 20,
            ours,
            mbps(ours),
            reference,
            mbps(reference),
            ours.as_secs_f64() / reference.as_secs_f64()
        );
    }
    // Memory: a file just under the 64 MiB cap, parsed once.
    let text = sample(60 << 20);
    let before = peak_rss_mib().unwrap_or(0.0);
    let set = parse_text(
        Path::new("/bench/postgresql.conf"),
        text.as_bytes(),
        &LoadOptions::default(),
    );
    let after = peak_rss_mib().unwrap_or(0.0);
    println!(
        "   60 MiB: {} entries; peak RSS {:.0} MiB before parsing (text held), {:.0} MiB after ({:.1}x the file)",
        set.entries.len(),
        before,
        after,
        (after - before) / 60.0
    );
}
