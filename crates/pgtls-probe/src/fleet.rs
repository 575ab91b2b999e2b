//! Many targets: inventory files, bounded concurrency, streamed results.
//!
//! Memory stays flat in the number of targets: the inventory is read
//! lazily (plain lists, CSV and JSON Lines; a JSON array is the one format
//! parsed whole), at most `concurrency` probes are in flight, and each
//! report is handed to the caller's sink as soon as it is complete and
//! then dropped. Only counters are kept for the summary.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use pgtls_model::Severity;
use serde::Serialize;

use crate::probe::{probe_target, ProbeOptions};
use crate::report::TargetReport;
use crate::target::Target;

#[derive(Debug, Clone)]
pub struct FleetOptions {
    pub probe: ProbeOptions,
    /// Targets probed at once.
    pub concurrency: usize,
    /// Draw a progress bar on stderr (only when stderr is a terminal).
    pub progress: bool,
}

/// Counters over every report seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FleetSummary {
    pub targets: usize,
    /// Targets with a non-null `error`.
    pub errors: usize,
    pub ssl_off: usize,
    pub plaintext_accepted: usize,
    pub plaintext_refused: usize,
    pub legacy_tls: usize,
    pub direct_tls: usize,
    pub findings: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    pub worst: Option<Severity>,
    pub elapsed_ms: u64,
}

impl FleetSummary {
    pub fn add(&mut self, r: &TargetReport) {
        self.targets += 1;
        self.errors += r.error.is_some() as usize;
        self.ssl_off += (r.ssl_request.as_deref() == Some("N")) as usize;
        match r.plaintext.accepted {
            Some(true) => self.plaintext_accepted += 1,
            Some(false) => self.plaintext_refused += 1,
            None => {}
        }
        self.legacy_tls += r
            .tls
            .versions
            .iter()
            .any(|v| *v < pgtls_model::TlsVersion::Tls12) as usize;
        self.direct_tls += (r.direct_tls == Some(true)) as usize;
        for f in &r.findings {
            self.findings += 1;
            match f.severity {
                Severity::Critical => self.critical += 1,
                Severity::High => self.high += 1,
                Severity::Medium => self.medium += 1,
                Severity::Low => self.low += 1,
                Severity::Info => self.info += 1,
            }
            self.worst = self.worst.max(Some(f.severity));
        }
    }

    /// Findings at or above `level`.
    pub fn at_or_above(&self, level: Severity) -> usize {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Info, self.info),
        ]
        .iter()
        .filter(|(s, _)| *s >= level)
        .map(|(_, n)| n)
        .sum()
    }
}

/// An inventory file that cannot be used, with its file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct InventoryError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Lines,
    Csv,
    JsonArray,
    JsonLines,
}

fn detect(path: &Path) -> Result<Format, InventoryError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    Ok(match ext.as_str() {
        "csv" => Format::Csv,
        "jsonl" | "ndjson" => Format::JsonLines,
        "json" => {
            // A .json file may also hold JSON Lines: sniff the first byte.
            let f = open(path)?;
            let first = BufReader::new(f)
                .lines()
                .map_while(Result::ok)
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            if first.trim_start().starts_with('[') {
                Format::JsonArray
            } else {
                Format::JsonLines
            }
        }
        _ => Format::Lines,
    })
}

fn open(path: &Path) -> Result<File, InventoryError> {
    File::open(path).map_err(|e| InventoryError {
        file: path.display().to_string(),
        line: 0,
        message: format!("cannot open: {e}"),
    })
}

/// A JSON inventory entry: `"host:port"`, or an object with `target`
/// (any target syntax) or `host` (+ `port`, `user`, `dbname`).
fn from_json(v: &serde_json::Value) -> Result<Target, String> {
    match v {
        serde_json::Value::String(s) => Target::parse(s).map_err(|e| e.to_string()),
        serde_json::Value::Object(o) => {
            let s = |k: &str| o.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let mut t = if let Some(t) = s("target").or_else(|| s("conninfo")) {
                Target::parse(&t).map_err(|e| e.to_string())?
            } else if let Some(h) = s("host") {
                let port = match o.get("port") {
                    None | Some(serde_json::Value::Null) => crate::target::DEFAULT_PORT,
                    Some(serde_json::Value::Number(n)) => n
                        .as_u64()
                        .filter(|p| (1..=65535).contains(p))
                        .ok_or_else(|| format!("port {n} is not a number from 1 to 65535"))?
                        as u16,
                    Some(serde_json::Value::String(p)) => {
                        p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                            format!("port \"{p}\" is not a number from 1 to 65535")
                        })?
                    }
                    Some(other) => return Err(format!("port {other} is not a number")),
                };
                let host = if h.contains(':') && !h.starts_with('[') {
                    format!("[{h}]:{port}")
                } else {
                    format!("{h}:{port}")
                };
                Target::parse(&host).map_err(|e| e.to_string())?
            } else {
                return Err("object without \"target\" or \"host\"".into());
            };
            if let Some(u) = s("user") {
                t.user = Some(u);
            }
            if let Some(d) = s("dbname").or_else(|| s("database")) {
                t.dbname = Some(d);
            }
            Ok(t)
        }
        other => Err(format!("expected a string or an object, found {other}")),
    }
}

/// A lazily read inventory: `(position, target)` items, or the first
/// error with its file and line.
pub struct Inventory {
    path: PathBuf,
    inner: Box<dyn Iterator<Item = Result<(usize, Target), InventoryError>> + Send>,
}

impl Iterator for Inventory {
    type Item = Result<(usize, Target), InventoryError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl Inventory {
    pub fn open(path: &Path) -> Result<Inventory, InventoryError> {
        let file = path.display().to_string();
        let fmt = detect(path)?;
        let f = open(path)?;
        let err = {
            let file = file.clone();
            move |line: usize, message: String| InventoryError {
                file: file.clone(),
                line,
                message,
            }
        };
        let inner: Box<dyn Iterator<Item = Result<(usize, Target), InventoryError>> + Send> =
            match fmt {
                Format::Lines => Box::new(BufReader::new(f).lines().enumerate().filter_map(
                    move |(i, l)| {
                        let n = i + 1;
                        let l = match l {
                            Ok(l) => l,
                            Err(e) => return Some(Err(err(n, format!("cannot read: {e}")))),
                        };
                        let t = l.trim();
                        if t.is_empty() || t.starts_with('#') {
                            return None;
                        }
                        Some(
                            Target::parse(t)
                                .map(|t| (n, t))
                                .map_err(|e| err(n, e.to_string())),
                        )
                    },
                )),
                Format::JsonLines => Box::new(BufReader::new(f).lines().enumerate().filter_map(
                    move |(i, l)| {
                        let n = i + 1;
                        let l = match l {
                            Ok(l) => l,
                            Err(e) => return Some(Err(err(n, format!("cannot read: {e}")))),
                        };
                        if l.trim().is_empty() {
                            return None;
                        }
                        let v: serde_json::Value = match serde_json::from_str(&l) {
                            Ok(v) => v,
                            Err(e) => return Some(Err(err(n, format!("invalid JSON: {e}")))),
                        };
                        Some(from_json(&v).map(|t| (n, t)).map_err(|m| err(n, m)))
                    },
                )),
                Format::JsonArray => {
                    let v: serde_json::Value = serde_json::from_reader(BufReader::new(f))
                        .map_err(|e| err(e.line(), format!("invalid JSON: {e}")))?;
                    let arr = match v {
                        serde_json::Value::Array(a) => a,
                        serde_json::Value::Object(mut o) => match o.remove("targets") {
                            Some(serde_json::Value::Array(a)) => a,
                            _ => {
                                return Err(err(
                                    1,
                                    "expected an array of targets or {\"targets\": [...]}".into(),
                                ))
                            }
                        },
                        _ => return Err(err(1, "expected an array of targets".into())),
                    };
                    Box::new(arr.into_iter().enumerate().map(move |(i, v)| {
                        // JSON arrays have no useful line: report the entry number.
                        from_json(&v)
                            .map(|t| (i + 1, t))
                            .map_err(|m| err(i + 1, format!("entry {}: {m}", i + 1)))
                    }))
                }
                Format::Csv => {
                    let mut rdr = csv::ReaderBuilder::new()
                        .flexible(true)
                        .trim(csv::Trim::All)
                        .comment(Some(b'#'))
                        .from_reader(f);
                    let headers = rdr
                        .headers()
                        .map_err(|e| err(1, format!("cannot read the CSV header: {e}")))?
                        .clone();
                    let col = |names: &[&str]| {
                        headers
                            .iter()
                            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
                    };
                    let (tc, hc, pc, uc, dc) = (
                        col(&["target", "conninfo"]),
                        col(&["host", "hostname", "address"]),
                        col(&["port"]),
                        col(&["user", "username"]),
                        col(&["dbname", "database", "db"]),
                    );
                    if tc.is_none() && hc.is_none() {
                        return Err(err(
                            1,
                            "the CSV header needs a \"target\" or \"host\" column".into(),
                        ));
                    }
                    Box::new(rdr.into_records().filter_map(move |rec| {
                        let rec = match rec {
                            Ok(r) => r,
                            Err(e) => {
                                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                                return Some(Err(err(line, format!("invalid CSV: {e}"))));
                            }
                        };
                        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
                        let get = |c: Option<usize>| {
                            c.and_then(|c| rec.get(c))
                                .filter(|s| !s.is_empty())
                                .map(str::to_string)
                        };
                        let mut o = serde_json::Map::new();
                        if let Some(t) = get(tc) {
                            o.insert("target".into(), t.into());
                        }
                        if let Some(h) = get(hc) {
                            o.insert("host".into(), h.into());
                        }
                        if o.is_empty() {
                            return None;
                        }
                        if let Some(p) = get(pc) {
                            o.insert("port".into(), p.into());
                        }
                        if let Some(u) = get(uc) {
                            o.insert("user".into(), u.into());
                        }
                        if let Some(d) = get(dc) {
                            o.insert("dbname".into(), d.into());
                        }
                        Some(
                            from_json(&serde_json::Value::Object(o))
                                .map(|t| (line, t))
                                .map_err(|m| err(line, m)),
                        )
                    }))
                }
            };
        Ok(Inventory {
            path: path.to_path_buf(),
            inner,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read the whole inventory once (streaming, constant memory) to find
    /// the first bad entry before anything is probed; returns the count.
    pub fn validate(path: &Path) -> Result<usize, InventoryError> {
        let mut n = 0;
        for item in Inventory::open(path)? {
            item?;
            n += 1;
        }
        Ok(n)
    }
}

/// Probe every target with at most `concurrency` in flight, handing each
/// report to `sink` in completion order. `total` sizes the progress bar.
pub async fn probe_fleet<I>(
    targets: I,
    total: Option<usize>,
    opts: &FleetOptions,
    mut sink: impl FnMut(TargetReport),
) -> FleetSummary
where
    I: Iterator<Item = (usize, Target)>,
{
    use std::io::IsTerminal;
    let started = Instant::now();
    let bar = if opts.progress && std::io::stderr().is_terminal() {
        let b = match total {
            Some(n) => indicatif::ProgressBar::new(n as u64),
            None => indicatif::ProgressBar::new_spinner(),
        };
        b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} targets, {per_sec} {msg}",
        ) {
            b.set_style(style);
        }
        Some(b)
    } else {
        None
    };
    let probe = Arc::new(opts.probe.clone());
    let mut summary = FleetSummary::default();
    let mut stream = futures_util::stream::iter(targets)
        .map(|(i, t)| {
            let probe = probe.clone();
            let handle = tokio::spawn(async move {
                let mut r = probe_target(&t, &probe).await;
                r.index = Some(i);
                r
            });
            handle
        })
        .buffer_unordered(opts.concurrency.max(1));
    while let Some(joined) = stream.next().await {
        let r = match joined {
            Ok(r) => r,
            // A panicking probe is a bug; keep the run going and say so.
            Err(e) => TargetReport {
                target: "?".into(),
                error: Some(format!("internal error: probe task failed: {e}")),
                ..TargetReport::default()
            },
        };
        summary.add(&r);
        if let Some(b) = &bar {
            b.inc(1);
            if r.error.is_some() {
                b.set_message(format!("{} errors", summary.errors));
            }
        }
        // Rows and the bar share the terminal: hide the bar while writing.
        match &bar {
            Some(b) => b.suspend(|| sink(r)),
            None => sink(r),
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    summary
}

/// [`probe_fleet`] on its own multi-threaded runtime.
pub fn probe_fleet_blocking<I>(
    targets: I,
    total: Option<usize>,
    opts: &FleetOptions,
    sink: impl FnMut(TargetReport),
) -> std::io::Result<FleetSummary>
where
    I: Iterator<Item = (usize, Target)>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(probe_fleet(targets, total, opts, sink)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        (d, p)
    }

    fn hosts(p: &Path) -> Vec<(usize, String, u16)> {
        Inventory::open(p)
            .unwrap()
            .map(|r| r.unwrap())
            .map(|(i, t)| (i, t.host, t.port))
            .collect()
    }

    #[test]
    fn line_lists_skip_comments_and_blank_lines() {
        let (_d, p) = write(
            "t.txt",
            "# fleet\n127.0.0.1:5433\n\n[::1]:6000\nhost=db port=7 user=u\n",
        );
        assert_eq!(
            hosts(&p),
            vec![
                (2, "127.0.0.1".into(), 5433),
                (4, "::1".into(), 6000),
                (5, "db".into(), 7)
            ]
        );
        assert_eq!(Inventory::validate(&p).unwrap(), 3);
    }

    #[test]
    fn bad_line_is_reported_with_file_and_line() {
        let (_d, p) = write("t.txt", "127.0.0.1\n\nhost:99999\n");
        let e = Inventory::validate(&p).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().contains("t.txt:3:"), "{e}");
    }

    #[test]
    fn csv_inventory_with_host_port_user_columns() {
        let (_d, p) = write(
            "inv.csv",
            "name,host,port,user\na,10.0.0.1,5433,app\nb,::1,,\n",
        );
        let v: Vec<Target> = Inventory::open(&p).unwrap().map(|r| r.unwrap().1).collect();
        assert_eq!(
            (v[0].host.as_str(), v[0].port, v[0].user.as_deref()),
            ("10.0.0.1", 5433, Some("app"))
        );
        assert_eq!((v[1].host.as_str(), v[1].port), ("::1", 5432));
        let (_d2, p2) = write("bad.csv", "name,zone\na,b\n");
        assert!(Inventory::open(&p2).is_err());
    }

    #[test]
    fn json_array_objects_and_json_lines() {
        let (_d, p) = write(
            "inv.json",
            r#"[ "127.0.0.1:1", {"host":"::1","port":2,"dbname":"x"}, {"target":"postgresql://u@h:3/d"} ]"#,
        );
        assert_eq!(
            hosts(&p),
            vec![
                (1, "127.0.0.1".into(), 1),
                (2, "::1".into(), 2),
                (3, "h".into(), 3)
            ]
        );
        let (_d2, p2) = write("inv.jsonl", "{\"host\":\"a\"}\n\n\"b:9\"\n{\"port\":1}\n");
        let items: Vec<_> = Inventory::open(&p2).unwrap().collect();
        assert!(items[0].is_ok() && items[1].is_ok());
        assert_eq!(items[2].as_ref().unwrap_err().line, 4);
    }
}
