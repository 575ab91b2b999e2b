//! `pgtls probe` as a library call: targets in, text or streamed JSON out,
//! an outcome for the exit status. The CLI only maps its flags onto
//! [`RunRequest`].

use std::io::Write;
use std::path::PathBuf;

use pgtls_model::Severity;

use crate::fleet::{probe_fleet_blocking, FleetOptions, FleetSummary, Inventory};
use crate::render::{self, JsonStream};
use crate::target::Target;

/// Unreachable targets named on stderr at most.
const MAX_EXAMPLES: usize = 20;

#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Targets from the command line.
    pub targets: Vec<String>,
    /// `--targets FILE`.
    pub targets_file: Option<PathBuf>,
    pub fleet: FleetOptions,
    pub json: bool,
    pub fail_on: Severity,
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub summary: FleetSummary,
    /// Some finding is at or above `fail_on`.
    pub failed: bool,
    /// How many targets could not be probed at all (unreachable, not PostgreSQL).
    pub unprobed: usize,
    /// The first few of them with their errors (bounded, for stderr).
    pub unprobed_examples: Vec<String>,
}

impl RunOutcome {
    /// 0: clean, 1: findings at/above `--fail-on`, 2: nothing could be probed.
    pub fn exit_code(&self) -> u8 {
        if self.summary.targets > 0 && self.unprobed == self.summary.targets {
            2
        } else if self.failed {
            1
        } else {
            0
        }
    }
}

/// Run the probe and write the report to `out`. Errors are problems with
/// the request itself (bad target text, unreadable inventory), reported
/// before anything is probed.
pub fn run(req: &RunRequest, out: &mut dyn Write) -> Result<RunOutcome, String> {
    let mut cli_targets = Vec::new();
    for (i, t) in req.targets.iter().enumerate() {
        cli_targets.push((i + 1, Target::parse(t).map_err(|e| e.to_string())?));
    }
    let file_count = match &req.targets_file {
        Some(p) => Inventory::validate(p).map_err(|e| e.to_string())?,
        None => 0,
    };
    let total = cli_targets.len() + file_count;
    if total == 0 {
        return Err(match &req.targets_file {
            Some(p) => format!("{}: no targets in the file", p.display()),
            None => {
                "no target given: name one (host[:port] or a conninfo) or use --targets FILE".into()
            }
        });
    }
    let file_iter: Box<dyn Iterator<Item = (usize, Target)> + Send> = match &req.targets_file {
        Some(p) => {
            // Validated above; a file changed since then ends the list at the bad entry.
            let inv = Inventory::open(p).map_err(|e| e.to_string())?;
            Box::new(inv.map_while(Result::ok))
        }
        None => Box::new(std::iter::empty()),
    };
    let single = total == 1;
    let iter = cli_targets.into_iter().chain(file_iter);

    let mut unprobed = 0usize;
    let mut examples: Vec<String> = Vec::new();
    let mut write_err: Option<std::io::Error> = None;
    let summary = if req.json {
        let mut js = JsonStream::begin(&mut *out).map_err(|e| e.to_string())?;
        let summary = probe_fleet_blocking(iter, Some(total), &req.fleet, |r| {
            if r.ssl_request.is_none() && r.error.is_some() {
                unprobed += 1;
                if examples.len() < MAX_EXAMPLES {
                    examples.push(format!(
                        "{}: {}",
                        r.target,
                        r.error.as_deref().unwrap_or("")
                    ));
                }
            }
            if write_err.is_none() {
                if let Err(e) = js.push(&r) {
                    write_err = Some(e);
                }
            }
        })
        .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
        js.finish(&summary).map_err(|e| e.to_string())?;
        summary
    } else {
        if !single {
            writeln!(out, "{}", render::table_header()).map_err(|e| e.to_string())?;
        }
        let summary = probe_fleet_blocking(iter, Some(total), &req.fleet, |r| {
            if r.ssl_request.is_none() && r.error.is_some() {
                unprobed += 1;
                if examples.len() < MAX_EXAMPLES {
                    examples.push(format!(
                        "{}: {}",
                        r.target,
                        r.error.as_deref().unwrap_or("")
                    ));
                }
            }
            let text = if single {
                render::target_text(&r)
            } else {
                let mut s = render::table_row(&r);
                s.push('\n');
                for f in &r.findings {
                    s.push_str(&format!(
                        "    {:<8} {}  {}\n",
                        f.severity.as_str().to_uppercase(),
                        f.code,
                        f.title
                    ));
                }
                s.pop();
                s
            };
            if write_err.is_none() {
                if let Err(e) = writeln!(out, "{text}").and_then(|_| out.flush()) {
                    write_err = Some(e);
                }
            }
        })
        .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
        writeln!(out, "\n{}", render::summary_line(&summary)).map_err(|e| e.to_string())?;
        summary
    };
    if let Some(e) = write_err {
        return Err(format!("cannot write the report: {e}"));
    }
    Ok(RunOutcome {
        failed: summary.at_or_above(req.fail_on) > 0,
        summary,
        unprobed,
        unprobed_examples: examples,
    })
}
