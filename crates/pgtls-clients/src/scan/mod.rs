//! `pgtls clients scan`: walk trees (honouring .gitignore), find connection
//! settings, judge each with the environment and service files of its scope.

pub mod extract;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use serde::Serialize;

use crate::assess::{assess, Assessment, Context, EnvValue, Setting};
use crate::driver::{Driver, DriverSpec};
use crate::forms::Syntax;
use crate::model::Verdict;
pub use extract::{Candidate, EditKind, FileFacts, FileKind, ValueKind, TRIGGERS};

/// The version of the scan JSON (`schema_version`); bumped on any rename.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files larger than this are skipped and counted (memory bound per thread).
    pub max_filesize: u64,
    pub follow_links: bool,
    /// Also scan hidden files (.env!). Default true; `.git` is always skipped.
    pub hidden: bool,
    /// Do not honour .gitignore / .ignore files.
    pub no_ignore: bool,
    /// Worker threads (0 = one per CPU).
    pub threads: usize,
    /// Judge every setting as this driver (instead of inferring it).
    pub driver: Option<DriverSpec>,
    pub libpq_major: Option<u32>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_filesize: 64 * 1024 * 1024,
            follow_links: false,
            hidden: true,
            no_ignore: false,
            threads: 0,
            driver: None,
            libpq_major: None,
        }
    }
}

/// Counters of what was read and what was skipped.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanStats {
    pub files_seen: u64,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub files_with_settings: u64,
    pub skipped_binary: u64,
    pub skipped_too_large: u64,
    pub skipped_unreadable: u64,
    pub skipped_symlink_loop: u64,
    pub skipped_walk_error: u64,
    pub skipped_special: u64,
    pub skipped_invalid_utf8_lines: u64,
    pub skipped_long_lines: u64,
}

impl ScanStats {
    pub fn skipped_total(&self) -> u64 {
        self.skipped_binary
            + self.skipped_too_large
            + self.skipped_unreadable
            + self.skipped_symlink_loop
            + self.skipped_walk_error
            + self.skipped_special
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// One judged setting at a place in a file.
#[derive(Debug, Clone)]
pub struct Finding {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Redacted source line.
    pub setting: String,
    /// How the driver was decided.
    pub driver_source: String,
    pub assessment: Assessment,
    pub(crate) candidate: Candidate,
    pub(crate) file_len: u64,
}

impl Finding {
    pub fn edit_kind(&self) -> &EditKind {
        &self.candidate.edit
    }
}

/// The result of a scan.
#[derive(Debug, Clone)]
pub struct ScanReport {
    pub roots: Vec<String>,
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
    /// The first 1000 skipped inputs (all are counted in `stats`).
    pub skipped: Vec<Skipped>,
}

struct FileResult {
    path: PathBuf,
    kind: FileKind,
    facts: FileFacts,
    service_text: Option<Vec<u8>>,
    len: u64,
}

#[derive(Default)]
struct Counters {
    seen: AtomicU64,
    scanned: AtomicU64,
    bytes: AtomicU64,
    binary: AtomicU64,
    too_large: AtomicU64,
    unreadable: AtomicU64,
    loops: AtomicU64,
    walk_error: AtomicU64,
    special: AtomicU64,
    bad_utf8: AtomicU64,
    long_lines: AtomicU64,
}

const MAX_SKIPPED_LISTED: usize = 1000;

fn classify_walk_error(e: &ignore::Error) -> (&'static str, Option<PathBuf>) {
    match e {
        ignore::Error::Loop { child, .. } => ("symlink loop", Some(child.clone())),
        ignore::Error::WithPath { path, err } => (classify_walk_error(err).0, Some(path.clone())),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            classify_walk_error(err)
        }
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            ("unreadable", None)
        }
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => ("unreadable", None),
        _ => ("walk error", None),
    }
}

/// Scan one file's bytes (exposed for the benchmark and fuzzing).
pub fn scan_bytes(path: &Path, bytes: &[u8]) -> Option<FileFacts> {
    let kind = FileKind::of(path);
    let whole = matches!(
        kind,
        FileKind::ServiceFile
            | FileKind::Pgbouncer
            | FileKind::RailsDb
            | FileKind::Manifest
            | FileKind::PgConf
    );
    let first = match extract::PREFILTER.find(bytes) {
        Some(m) => m.start(),
        None if whole => 0,
        None => return None,
    };
    // Line-level search may start at the line of the first hit.
    let from = memchr::memrchr(b'\n', &bytes[..first]).map_or(0, |i| i + 1);
    Some(extract::extract_from(
        path,
        bytes,
        kind,
        if whole { 0 } else { from },
    ))
}

/// Walk `roots` and judge every connection setting found.
pub fn scan(roots: &[PathBuf], opts: &ScanOptions) -> std::io::Result<ScanReport> {
    if roots.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "no path to scan",
        ));
    }
    for r in roots {
        if std::fs::symlink_metadata(r).is_err() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{}: no such file or directory", r.display()),
            ));
        }
    }
    let mut wb = ignore::WalkBuilder::new(&roots[0]);
    for r in &roots[1..] {
        wb.add(r);
    }
    wb.hidden(!opts.hidden)
        .follow_links(opts.follow_links)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    let counters = Arc::new(Counters::default());
    let skipped = Arc::new(Mutex::new(Vec::<Skipped>::new()));
    let (tx, rx) = mpsc::channel::<FileResult>();
    let max = opts.max_filesize;
    let note_skip = {
        let skipped = Arc::clone(&skipped);
        move |path: String, reason: &str| {
            let mut s = skipped.lock().expect("not poisoned");
            if s.len() < MAX_SKIPPED_LISTED {
                s.push(Skipped {
                    path,
                    reason: reason.to_string(),
                });
            }
        }
    };
    let collector = std::thread::spawn(move || rx.into_iter().collect::<Vec<FileResult>>());
    wb.build_parallel().run(|| {
        let tx = tx.clone();
        let c = Arc::clone(&counters);
        let note_skip = note_skip.clone();
        let mut buf: Vec<u8> = Vec::with_capacity(256 * 1024);
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let (reason, path) = classify_walk_error(&err);
                    match reason {
                        "symlink loop" => c.loops.fetch_add(1, Ordering::Relaxed),
                        "unreadable" => c.unreadable.fetch_add(1, Ordering::Relaxed),
                        _ => c.walk_error.fetch_add(1, Ordering::Relaxed),
                    };
                    note_skip(
                        path.map(|p| p.display().to_string())
                            .unwrap_or_else(|| err.to_string()),
                        reason,
                    );
                    return ignore::WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return ignore::WalkState::Continue;
            };
            if ft.is_dir() {
                return ignore::WalkState::Continue;
            }
            c.seen.fetch_add(1, Ordering::Relaxed);
            let path = entry.path();
            if !ft.is_file() {
                // Sockets, FIFOs, devices (opening a FIFO would block);
                // dangling symlinks when not following.
                if ft.is_symlink() {
                    if std::fs::metadata(path).is_err() {
                        c.unreadable.fetch_add(1, Ordering::Relaxed);
                        note_skip(path.display().to_string(), "unreadable (dangling symlink)");
                    }
                    return ignore::WalkState::Continue;
                }
                c.special.fetch_add(1, Ordering::Relaxed);
                note_skip(path.display().to_string(), "not a regular file");
                return ignore::WalkState::Continue;
            }
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            if len > max {
                c.too_large.fetch_add(1, Ordering::Relaxed);
                note_skip(path.display().to_string(), "too large");
                return ignore::WalkState::Continue;
            }
            buf.clear();
            let read =
                std::fs::File::open(path).and_then(|f| f.take(max + 1).read_to_end(&mut buf));
            if let Err(e) = read {
                c.unreadable.fetch_add(1, Ordering::Relaxed);
                note_skip(path.display().to_string(), &format!("unreadable ({e})"));
                return ignore::WalkState::Continue;
            }
            if buf.len() as u64 > max {
                c.too_large.fetch_add(1, Ordering::Relaxed);
                note_skip(path.display().to_string(), "too large");
                return ignore::WalkState::Continue;
            }
            if memchr::memchr(0, &buf).is_some() {
                c.binary.fetch_add(1, Ordering::Relaxed);
                note_skip(path.display().to_string(), "binary");
                return ignore::WalkState::Continue;
            }
            c.scanned.fetch_add(1, Ordering::Relaxed);
            c.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
            if let Some(facts) = scan_bytes(path, &buf) {
                c.bad_utf8
                    .fetch_add(facts.invalid_utf8_lines, Ordering::Relaxed);
                c.long_lines.fetch_add(facts.long_lines, Ordering::Relaxed);
                if facts.invalid_utf8_lines > 0 {
                    note_skip(path.display().to_string(), "invalid UTF-8 lines");
                }
                if facts.long_lines > 0 {
                    note_skip(path.display().to_string(), "lines too long");
                }
                let interesting = !facts.candidates.is_empty()
                    || !facts.env.is_empty()
                    || !facts.manifest_drivers.is_empty()
                    || facts.service_file;
                if interesting {
                    let kind = FileKind::of(path);
                    let _ = tx.send(FileResult {
                        path: path.to_path_buf(),
                        kind,
                        service_text: facts.service_file.then(|| buf.clone()),
                        facts,
                        len: buf.len() as u64,
                    });
                }
            }
            if buf.capacity() > 4 * 1024 * 1024 {
                buf = Vec::with_capacity(256 * 1024);
            }
            ignore::WalkState::Continue
        })
    });
    drop(tx);
    let mut results = collector.join().expect("collector thread");
    results.sort_by(|a, b| a.path.cmp(&b.path));
    let c = &counters;
    let mut stats = ScanStats {
        files_seen: c.seen.load(Ordering::Relaxed),
        files_scanned: c.scanned.load(Ordering::Relaxed),
        bytes_scanned: c.bytes.load(Ordering::Relaxed),
        files_with_settings: 0,
        skipped_binary: c.binary.load(Ordering::Relaxed),
        skipped_too_large: c.too_large.load(Ordering::Relaxed),
        skipped_unreadable: c.unreadable.load(Ordering::Relaxed),
        skipped_symlink_loop: c.loops.load(Ordering::Relaxed),
        skipped_walk_error: c.walk_error.load(Ordering::Relaxed),
        skipped_special: c.special.load(Ordering::Relaxed),
        skipped_invalid_utf8_lines: c.bad_utf8.load(Ordering::Relaxed),
        skipped_long_lines: c.long_lines.load(Ordering::Relaxed),
    };
    let findings = judge(&results, opts);
    stats.files_with_settings = results
        .iter()
        .filter(|r| !r.facts.candidates.is_empty())
        .count() as u64;
    let mut skipped = std::mem::take(&mut *skipped.lock().expect("not poisoned"));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(ScanReport {
        roots: roots.iter().map(|r| r.display().to_string()).collect(),
        findings,
        stats,
        skipped,
    })
}

fn accepts_syntax(d: Driver, s: Syntax) -> bool {
    match d {
        Driver::Npgsql => s == Syntax::Npgsql,
        Driver::NodePostgres | Driver::Asyncpg | Driver::Pg8000 => {
            matches!(
                s,
                Syntax::LibpqUri | Syntax::NodeConfig | Syntax::SqlalchemyUrl
            )
        }
        Driver::Pgjdbc => s == Syntax::JdbcUrl,
        _ => !matches!(s, Syntax::JdbcUrl | Syntax::Npgsql | Syntax::NodeConfig),
    }
}

fn ancestors_of(file: &Path) -> Vec<PathBuf> {
    // Nearest first.
    let mut v = Vec::new();
    let mut p = file.parent();
    while let Some(d) = p {
        v.push(d.to_path_buf());
        p = d.parent();
    }
    v
}

fn judge(results: &[FileResult], opts: &ScanOptions) -> Vec<Finding> {
    // Directory-scoped environment, manifests, service files.
    let mut dir_env: BTreeMap<PathBuf, Vec<(String, EnvValue)>> = BTreeMap::new();
    let mut manifests: BTreeMap<PathBuf, Vec<(Driver, String)>> = BTreeMap::new();
    let mut services: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for r in results {
        let dir = r.path.parent().map(Path::to_path_buf).unwrap_or_default();
        if r.kind.env_is_dir_scoped() {
            for e in &r.facts.env {
                dir_env.entry(dir.clone()).or_default().push((
                    e.name.clone(),
                    EnvValue {
                        value: e.value.clone(),
                        origin: format!("{}:{}", r.path.display(), e.line),
                    },
                ));
            }
        }
        for d in &r.facts.manifest_drivers {
            let name = r
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            manifests.entry(dir.clone()).or_default().push((*d, name));
        }
        if let Some(t) = &r.service_text {
            services.push((r.path.clone(), t.clone()));
        }
    }
    let judge_file = |r: &FileResult, out: &mut Vec<Finding>| {
        let ancestors = ancestors_of(&r.path);
        let mut svc: Vec<(PathBuf, Vec<u8>)> = services.clone();
        svc.sort_by_key(|(p, _)| {
            let pd = p.parent().map(Path::to_path_buf).unwrap_or_default();
            ancestors
                .iter()
                .position(|a| *a == pd)
                .unwrap_or(usize::MAX)
        });
        let svc = std::sync::Arc::new(svc);
        for cand in &r.facts.candidates {
            // Environment: farther directories first, nearer override, then
            // the same file's group (compose service / k8s document).
            let mut ctx = Context {
                libpq_major: opts.libpq_major,
                ..Context::default()
            };
            for d in ancestors.iter().rev() {
                if let Some(vars) = dir_env.get(d) {
                    for (k, v) in vars {
                        ctx.env.insert(k.clone(), v.clone());
                    }
                }
            }
            if !r.kind.env_is_dir_scoped() {
                for e in &r.facts.env {
                    if cand.group.is_some() && e.group == cand.group {
                        ctx.env.insert(
                            e.name.clone(),
                            EnvValue {
                                value: e.value.clone(),
                                origin: format!("{}:{}", r.path.display(), e.line),
                            },
                        );
                    }
                }
            }
            ctx.service_files = std::sync::Arc::clone(&svc);
            // Driver.
            let (driver, driver_source) = match (&cand.driver, opts.driver) {
                (Some(d), _) => (*d, "syntax".to_string()),
                (None, Some(d)) if accepts_syntax(d.driver, cand.syntax) => {
                    (d, "--driver".to_string())
                }
                _ => {
                    let mut chosen = None;
                    if let Some(h) = r.facts.driver_hint {
                        if accepts_syntax(h, cand.syntax) {
                            chosen = Some((h, "imports in the file".to_string()));
                        }
                    }
                    if chosen.is_none() {
                        'outer: for d in &ancestors {
                            if let Some(ms) = manifests.get(d) {
                                for (m, name) in ms {
                                    if accepts_syntax(*m, cand.syntax) {
                                        chosen = Some((*m, format!("{}", d.join(name).display())));
                                        break 'outer;
                                    }
                                }
                            }
                        }
                    }
                    let (d, s) = chosen.unwrap_or((Driver::Libpq, "assumed (libpq)".to_string()));
                    (DriverSpec::new(d), s)
                }
            };
            let mut a = assess(&cand.setting, Some(driver), &ctx);
            if cand.local_socket && a.verdict != Verdict::Invalid {
                a.verdict = Verdict::LocalSocket;
                a.may_be_plaintext = false;
                a.code = crate::docs::LOCAL_SOCKET.code;
                a.severity = crate::docs::LOCAL_SOCKET.severity;
                a.fix = "nothing to do (Unix-domain socket)".into();
            }
            if let Some(n) = &cand.note {
                a.notes.insert(0, n.clone());
            }
            if let (Setting::PgbouncerServer { .. }, Some(n)) = (&cand.setting, &cand.note) {
                // host/port/db of the [databases] entry, for the impact preview.
                for part in n.split(" -> ").nth(1).unwrap_or("").split(' ') {
                    if let Some((k, v)) = part.split_once('=') {
                        match k {
                            "host" if !v.starts_with('(') => a.host = Some(v.to_string()),
                            "port" => a.port = v.parse().ok(),
                            "dbname" => a.database = Some(v.to_string()),
                            _ => {}
                        }
                    }
                }
            }
            out.push(Finding {
                file: r.path.display().to_string(),
                line: cand.line,
                column: cand.column,
                setting: cand.snippet.clone(),
                driver_source,
                assessment: a,
                candidate: cand.clone(),
                file_len: r.len,
            });
        }
    };
    // Judge in parallel: one chunk of files per CPU.
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let chunk = results.len().div_ceil(threads.max(1)).max(1);
    let mut out: Vec<Finding> = std::thread::scope(|s| {
        let handles: Vec<_> = results
            .chunks(chunk)
            .map(|part| {
                let judge_file = &judge_file;
                s.spawn(move || {
                    let mut v = Vec::new();
                    for r in part {
                        judge_file(r, &mut v);
                    }
                    v
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("judging thread"))
            .collect()
    });
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    out
}
