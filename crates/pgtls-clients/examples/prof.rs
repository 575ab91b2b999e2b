//! Phase timings of the scanner on a tree (development aid).
use std::io::Read;
use std::time::Instant;

fn walk(root: &str, f: impl Fn(&[u8]) + Sync) -> (u64, f64) {
    let t = Instant::now();
    let bytes = std::sync::atomic::AtomicU64::new(0);
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .build_parallel()
        .run(|| {
            let f = &f;
            let bytes = &bytes;
            let mut buf = Vec::new();
            Box::new(move |e| {
                let e = e.unwrap();
                if e.file_type().is_some_and(|t| t.is_file()) {
                    buf.clear();
                    std::fs::File::open(e.path())
                        .unwrap()
                        .read_to_end(&mut buf)
                        .unwrap();
                    bytes.fetch_add(buf.len() as u64, std::sync::atomic::Ordering::Relaxed);
                    f(&buf);
                }
                ignore::WalkState::Continue
            })
        });
    (bytes.into_inner(), t.elapsed().as_secs_f64())
}

fn main() {
    let root = std::env::args().nth(1).unwrap();
    let pats = pgtls_clients::scan::TRIGGERS;
    let alt = pats
        .iter()
        .map(|p| regex::escape(p))
        .collect::<Vec<_>>()
        .join("|");
    let re = regex::bytes::Regex::new(&alt).unwrap();
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
    let variants: Vec<(&str, AhoCorasick)> = vec![
        ("ac default", AhoCorasick::new(pats).unwrap()),
        (
            "ac dfa",
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::DFA))
                .build(pats)
                .unwrap(),
        ),
        (
            "ac leftmost-first",
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(pats)
                .unwrap(),
        ),
    ];
    for _ in 0..2 {
        let (b, t) = walk(&root, |_| {});
        println!("walk+read        {:.3}s {:.0} MB/s", t, b as f64 / 1e6 / t);
        for (name, ac) in &variants {
            let (b, t) = walk(&root, |buf| {
                std::hint::black_box(ac.is_match(buf));
            });
            println!("{name:<16} {:.3}s {:.0} MB/s", t, b as f64 / 1e6 / t);
        }
        let (b, t) = walk(&root, |buf| {
            std::hint::black_box(re.is_match(buf));
        });
        println!("regex alt        {:.3}s {:.0} MB/s", t, b as f64 / 1e6 / t);
        let (b, t) = walk(&root, |buf| {
            std::hint::black_box(pgtls_clients::scan::scan_bytes(
                std::path::Path::new("x.py"),
                buf,
            ));
        });
        println!("+extract         {:.3}s {:.0} MB/s", t, b as f64 / 1e6 / t);
        let t = Instant::now();
        let r = pgtls_clients::scan::scan(&[root.clone().into()], &Default::default()).unwrap();
        let t = t.elapsed().as_secs_f64();
        println!(
            "full scan        {:.3}s {:.0} MB/s ({} findings)",
            t,
            r.stats.bytes_scanned as f64 / 1e6 / t,
            r.findings.len()
        );
    }
}
