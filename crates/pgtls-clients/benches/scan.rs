//! Benchmark: `pgtls clients scan` against ripgrep searching the same
//! trigger words, on the same generated tree, in the same run.
//!
//!     cargo bench -p pgtls-clients --bench scan            # or bench/clients.sh
//!
//! The tree (>= 1 GiB, >= 100k files of mixed languages with embedded
//! connection settings) is produced by a deterministic generator into
//! `$PGTLS_BENCH_TREE` (default /var/tmp/pgtls-clients-bench) and reused
//! while its marker matches. ripgrep (`rg` on PATH, or `$PGTLS_RG`) reads
//! exactly the files we read: hidden files included, `.git` excluded,
//! .gitignore honoured with or without a repository; its matching lines are
//! drained through a pipe (ripgrep short-cuts when stdout is /dev/null).
//! Environment: PGTLS_BENCH_FILES (default 110000), PGTLS_BENCH_BYTES
//! (default 1.1 GB), PGTLS_BENCH_RUNS (default 3).

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use pgtls_clients::report;
use pgtls_clients::scan::{scan, ScanOptions, TRIGGERS};

const GENERATOR_VERSION: u32 = 1;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const WORDS: &[&str] = &[
    "order", "customer", "invoice", "total", "amount", "status", "request", "response", "user_id",
    "payload", "config", "handler", "result", "items", "count", "value", "index", "buffer",
    "session", "token", "cache", "queue", "worker", "logger", "metrics", "timeout", "retry",
    "context", "service", "client", "server", "record", "schema", "table", "column", "row",
];

struct Lang {
    ext: &'static str,
    comment: &'static str,
    settings: &'static [&'static str],
}

const LANGS: &[Lang] = &[
    Lang { ext: "py", comment: "#", settings: &[
        "    conn = psycopg2.connect(\"host=db{N}.internal dbname=app user=svc{N} sslmode=prefer\")",
        "engine = create_engine(\"postgresql+psycopg2://svc:pw{N}@db{N}.internal/app?sslmode=require\")",
        "engine = create_async_engine(\"postgresql+asyncpg://svc@db{N}.internal/app?ssl=verify-full\")",
        "    dbname = get_dbname()  # not a setting",
    ] },
    Lang { ext: "js", comment: "//", settings: &[
        "const pool = new Pool({ connectionString: 'postgres://svc@db{N}.internal/app?sslmode=no-verify' });",
        "const url = \"postgresql://svc:pw{N}@db{N}.internal:5432/app\";",
        "// Postgres connection handled elsewhere",
    ] },
    Lang { ext: "ts", comment: "//", settings: &[
        "export const DB = 'postgres://svc@db{N}.internal/app?sslmode=verify-full&sslrootcert=/etc/ca.pem';",
        "  const dbname: string = process.env.DB_NAME ?? 'app';",
    ] },
    Lang { ext: "go", comment: "//", settings: &[
        "\tdb, err := sql.Open(\"postgres\", \"host=db{N}.internal dbname=app sslmode=disable\")",
        "\tconn, err := pgx.Connect(ctx, \"postgres://svc@db{N}.internal/app\")",
    ] },
    Lang { ext: "java", comment: "//", settings: &[
        "    private static final String URL = \"jdbc:postgresql://db{N}.internal:5432/app?ssl=true\";",
        "    String url = \"jdbc:postgresql://db{N}.internal/app?sslmode=require\";",
    ] },
    Lang { ext: "cs", comment: "//", settings: &[
        "        var cs = \"Host=db{N}.internal;Database=app;Username=svc;Password=pw{N};SSL Mode=Require\";",
    ] },
    Lang { ext: "rb", comment: "#", settings: &[
        "  conn = PG.connect(\"host=db{N}.internal dbname=app sslmode=verify-full\")",
    ] },
    Lang { ext: "yml", comment: "#", settings: &[
        "      DATABASE_URL: postgres://svc:pw{N}@db{N}.internal:5432/app",
        "      PGSSLMODE: disable",
        "            - name: PGSSLMODE\n              value: \"prefer\"",
    ] },
    Lang { ext: "env", comment: "#", settings: &[
        "DATABASE_URL=postgresql://svc:pw{N}@db{N}.internal/app?sslmode=require",
        "PGSSLMODE=allow",
    ] },
    Lang { ext: "json", comment: "", settings: &[
        "    \"Default\": \"Server=db{N}.internal;Database=app;User Id=svc;SSL Mode=Disable\",",
    ] },
    Lang { ext: "md", comment: "", settings: &[
        "Connect with `psql \"host=db{N}.internal dbname=app sslmode=verify-full\"`.",
        "We use Postgres for everything.",
    ] },
    Lang { ext: "rs", comment: "//", settings: &[
        "    let pool = PgPool::connect(\"postgres://svc@db{N}.internal/app?sslmode=verify-full\").await?;",
    ] },
    Lang { ext: "sh", comment: "#", settings: &[
        "export PGSSLMODE=require",
        "pg_dump \"service=legacy{N}\" > dump.sql",
    ] },
    Lang { ext: "txt", comment: "", settings: &["see DATABASE_URL in the vault"] },
];

fn filler_line(r: &mut Rng, lang: &Lang, out: &mut String) {
    let indent = ["", "    ", "        ", "\t"][r.below(4)];
    out.push_str(indent);
    match r.below(10) {
        0 if !lang.comment.is_empty() => {
            out.push_str(lang.comment);
            out.push(' ');
            for _ in 0..4 + r.below(8) {
                out.push_str(r.pick(WORDS));
                out.push(' ');
            }
        }
        _ => {
            let a = r.pick(WORDS);
            let b = r.pick(WORDS);
            let c = r.pick(WORDS);
            out.push_str(&format!(
                "{a}_{b} = compute_{c}({a}, {}, \"{b}-{c}\");",
                r.below(10_000)
            ));
        }
    }
    out.push('\n');
}

/// Deterministic tree: `files` files totalling about `bytes` bytes.
fn generate(root: &Path, files: usize, bytes: u64) -> std::io::Result<()> {
    let mut r = Rng(42);
    let per_file = (bytes / files as u64) as usize;
    std::fs::create_dir_all(root)?;
    std::fs::write(root.join(".gitignore"), "generated-ignored/\n")?;
    let ign = root.join("generated-ignored");
    std::fs::create_dir_all(&ign)?;
    std::fs::write(
        ign.join("secret.env"),
        "DATABASE_URL=postgres://x@y/z?sslmode=disable\n",
    )?;
    let mut text = String::with_capacity(per_file * 3);
    for i in 0..files {
        let dir = root.join(format!("d{:03}/s{:02}", i / 1000, (i / 100) % 10));
        if i % 100 == 0 {
            std::fs::create_dir_all(&dir)?;
        }
        let lang = &LANGS[r.below(LANGS.len())];
        let name = if lang.ext == "env" && r.below(2) == 0 {
            ".env".to_string()
        } else {
            format!("f{i}.{}", lang.ext)
        };
        let target = per_file / 2 + r.below(per_file + 1);
        text.clear();
        // About one file in four holds settings (1..3 of them).
        let settings = if r.below(4) == 0 { 1 + r.below(3) } else { 0 };
        let mut next_setting = if settings > 0 {
            r.below(target.max(1))
        } else {
            usize::MAX
        };
        let mut placed = 0;
        while text.len() < target {
            if text.len() >= next_setting && placed < settings {
                let s = r.pick(lang.settings).replace("{N}", &(i % 97).to_string());
                text.push_str(&s);
                text.push('\n');
                placed += 1;
                next_setting = text.len() + r.below(target.max(1));
            }
            filler_line(&mut r, lang, &mut text);
        }
        let mut f = BufWriter::new(std::fs::File::create(dir.join(name))?);
        f.write_all(text.as_bytes())?;
        f.flush()?;
    }
    Ok(())
}

fn tree_size(root: &Path) -> (u64, u64) {
    let mut n = 0;
    let mut b = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                if e.file_name() != "generated-ignored" {
                    stack.push(e.path());
                }
            } else {
                n += 1;
                b += e.metadata().unwrap().len();
            }
        }
    }
    (n, b)
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn reset_hwm() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn run_rg(rg: &str, root: &Path) -> (f64, u64) {
    let mut cmd = Command::new(rg);
    cmd.args([
        "-F",
        "--hidden",
        "--no-require-git",
        "-g",
        "!.git",
        "--no-config",
    ]);
    for t in TRIGGERS {
        cmd.arg("-e").arg(t);
    }
    cmd.arg(root).stdout(Stdio::piped()).stderr(Stdio::null());
    let t = Instant::now();
    let mut child = cmd.spawn().expect("running rg");
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = out.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    child.wait().unwrap();
    (t.elapsed().as_secs_f64(), total)
}

fn run_ours(root: &Path) -> (f64, u64, usize, u64, usize) {
    run_ours_on(&[root.to_path_buf()])
}

fn run_ours_on(roots: &[PathBuf]) -> (f64, u64, usize, u64, usize) {
    reset_hwm();
    let t = Instant::now();
    let r = scan(roots, &ScanOptions::default()).expect("scan");
    let mut json = Vec::new();
    report::write_scan_json(&mut json, &r, None).unwrap();
    let secs = t.elapsed().as_secs_f64();
    (
        secs,
        r.stats.bytes_scanned,
        r.findings.len(),
        vm_hwm_kib(),
        json.len(),
    )
}

/// Peak RSS of one scan (+ JSON rendering) in a fresh process: the bench
/// binary runs itself with PGTLS_BENCH_CHILD set to the roots.
fn child_peak_rss(roots: &[PathBuf]) -> (u64, usize) {
    let exe = std::env::current_exe().unwrap();
    let joined = roots
        .iter()
        .map(|r| r.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let out = Command::new(exe)
        .arg("--bench")
        .env("PGTLS_BENCH_CHILD", joined)
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    let mut it = s.split_whitespace().map(|x| x.parse::<u64>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0) as usize)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` too: only run for real with --bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if let Ok(roots) = std::env::var("PGTLS_BENCH_CHILD") {
        let roots: Vec<PathBuf> = roots.lines().map(PathBuf::from).collect();
        let (_, _, findings, hwm, _) = run_ours_on(&roots);
        println!("{hwm} {findings}");
        return;
    }
    let root = PathBuf::from(
        std::env::var("PGTLS_BENCH_TREE").unwrap_or_else(|_| "/var/tmp/pgtls-clients-bench".into()),
    );
    let files: usize = std::env::var("PGTLS_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(112_000);
    let bytes: u64 = std::env::var("PGTLS_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_150_000_000);
    let runs: usize = std::env::var("PGTLS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let rg = std::env::var("PGTLS_RG").unwrap_or_else(|_| "rg".into());
    let marker = root.join(".pgtls-bench-marker");
    let want = format!("v{GENERATOR_VERSION} files={files} bytes={bytes}\n");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(want.as_str()) {
        eprintln!(
            "generating {files} files, {bytes} bytes under {} ...",
            root.display()
        );
        let _ = std::fs::remove_dir_all(&root);
        let t = Instant::now();
        generate(&root, files, bytes).expect("generating the tree");
        std::fs::write(&marker, &want).unwrap();
        eprintln!("generated in {:.1}s", t.elapsed().as_secs_f64());
    }
    let (n, size) = tree_size(&root);
    let rg_version = Command::new(&rg)
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_else(|_| "rg not found".into());
    eprintln!(
        "tree: {n} files, {size} bytes; {rg_version}; {} CPUs",
        std::thread::available_parallelism()
            .map(|p| p.get())
            .unwrap_or(1)
    );
    // Warm the page cache for both.
    let _ = run_rg(&rg, &root);
    let _ = run_ours(&root);
    let mut rg_times = vec![];
    let mut our_times = vec![];
    let mut findings = 0;
    let mut scanned = 0;
    let mut hwm = 0;
    let mut rg_out = 0;
    for _ in 0..runs {
        let (t, o) = run_rg(&rg, &root);
        rg_times.push(t);
        rg_out = o;
        let (t, b, f, m, _json_len) = run_ours(&root);
        our_times.push(t);
        findings = f;
        scanned = b;
        hwm = hwm.max(m);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let rg_t = med(&mut rg_times);
    let our_t = med(&mut our_times);
    let mb = size as f64 / 1e6;
    let ratio = rg_t / our_t;
    println!("pgtls clients scan benchmark ({runs} runs, median, warm cache)");
    println!(
        "  tree            {n} files, {:.0} MB (scanned by pgtls: {:.0} MB)",
        mb,
        scanned as f64 / 1e6
    );
    println!(
        "  ripgrep         {rg_t:.2} s  {:.0} MB/s  ({} bytes of matching lines)",
        mb / rg_t,
        rg_out
    );
    println!(
        "  pgtls scan      {our_t:.2} s  {:.0} MB/s  ({findings} findings, JSON rendered)",
        mb / our_t
    );
    println!("  ratio           {ratio:.2} of ripgrep's throughput (target >= 0.50)");
    // Memory in fresh processes: the whole tree and a tenth of it.
    let tenth: Vec<PathBuf> = (0..(files / 10_000).max(1))
        .map(|i| root.join(format!("d{i:03}")))
        .filter(|p| p.exists())
        .collect();
    let (whole_hwm, whole_findings) = child_peak_rss(std::slice::from_ref(&root));
    let (sub_hwm, sub_findings) = child_peak_rss(&tenth);
    hwm = whole_hwm;
    println!(
        "  peak RSS        {:.0} MiB whole tree ({whole_findings} findings), {:.0} MiB a tenth ({sub_findings} findings): {:.1} KiB per finding above the tenth",
        whole_hwm as f64 / 1024.0,
        sub_hwm as f64 / 1024.0,
        (whole_hwm.saturating_sub(sub_hwm)) as f64 / (whole_findings.saturating_sub(sub_findings)).max(1) as f64
    );
    let result = serde_json::json!({
        "files": n, "bytes": size, "runs": runs, "rg_seconds": rg_t, "pgtls_seconds": our_t,
        "ratio": ratio, "findings": findings, "peak_rss_kib": hwm, "rg_version": rg_version,
    });
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-clients.json");
    let _ = std::fs::write(out, serde_json::to_string_pretty(&result).unwrap());
}
