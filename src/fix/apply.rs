//! Applying a plan: refuse when the files moved since the plan, back up,
//! write atomically, reload, verify against the server, and restore
//! everything when any step fails.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use pgtls_hba::{explain, ConnType, Connection, Encryption as HbaEnc};

use super::atomic::{self, fault};
use super::plan::{sha256, PlanContext};
use super::{FixOptions, FixOutcome, Verification};
use crate::facts::{Encryption, Session};
use crate::live::{self, ConnectSpec, SslMode};

struct Written {
    path: PathBuf,
    backup: PathBuf,
}

fn stamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // UTC, no external time crate: days since the epoch -> civil date.
    let (days, secs) = ((now / 86400) as i64, now % 86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub fn apply(opts: &FixOptions, mut ctx: PlanContext, out: &mut FixOutcome) -> Result<()> {
    let plan = &out.plan;
    if !plan.lockout.is_empty() && !opts.force {
        out.error = Some(format!(
            "refused by the lockout guard (use --force to override): {}",
            plan.lockout.join("; ")
        ));
        return Ok(());
    }
    if plan.impact.would_break() && !opts.force {
        out.error = Some(format!(
            "refused: {} current session(s) and {} inventoried client(s) would be rejected by the new rules; review the impact preview, move those clients to TLS, or rerun with --force",
            plan.impact.rejected_sessions,
            plan.impact.inventory.len()
        ));
        return Ok(());
    }
    if !plan.nothing_to_do {
        // Files must be exactly what the plan was made from.
        for (path, (orig, _)) in &ctx.writes {
            let now =
                std::fs::read(path).with_context(|| format!("re-reading {}", path.display()))?;
            if sha256(&now) != sha256(orig) {
                out.error = Some(format!(
                    "refused: {} changed since the plan was made (sha256 {} -> {}); run pgtls fix again",
                    path.display(),
                    sha256(orig),
                    sha256(&now)
                ));
                return Ok(());
            }
        }
        if let Some(reviewed) = &opts.reviewed_plan {
            check_reviewed(reviewed, out)?;
            if out.error.is_some() {
                return Ok(());
            }
        }
        let mut written: Vec<Written> = Vec::new();
        let result = write_reload_verify(opts, &mut ctx, out, &mut written);
        if let Err(e) = result {
            out.applied = !written.is_empty() || !ctx.statements.is_empty();
            let restore = rollback(opts, &mut ctx, &written);
            out.rolled_back = true;
            out.error = Some(match restore {
                Ok(()) => format!("{e:#}; every change was rolled back and the server reloaded"),
                Err(r) => format!(
                    "{e:#}; ROLLBACK INCOMPLETE: {r:#}. Backups: {}",
                    written
                        .iter()
                        .map(|w| w.backup.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            return Ok(());
        }
        out.applied = true;
    }
    if let Some(client) = ctx.client.as_mut() {
        out.remaining_plaintext = remaining_plaintext(client)?;
        if opts.terminate_plaintext && !out.remaining_plaintext.is_empty() {
            if !opts.yes && !confirm(out.remaining_plaintext.len())? {
                out.error = Some(
                    "not terminating the plaintext sessions: not confirmed (use --yes)".into(),
                );
                return Ok(());
            }
            for s in &out.remaining_plaintext {
                let ok: bool = client
                    .query_one("SELECT pg_terminate_backend($1)", &[&s.pid])?
                    .get(0);
                if ok {
                    out.terminated.push(s.pid);
                }
            }
            // pg_terminate_backend only signals: wait until they are gone.
            let pids = out.terminated.clone();
            poll("terminated sessions are still listed after 5 s", || {
                let n: i64 = client
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)",
                        &[&pids],
                    )?
                    .get(0);
                Ok((n == 0).then_some(()))
            })?;
        }
    }
    Ok(())
}

fn check_reviewed(path: &Path, out: &mut FixOutcome) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the reviewed plan {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a plan written by --plan-out", path.display()))?;
    let files = v["plan"]["files"]
        .as_array()
        .or_else(|| v["files"].as_array())
        .with_context(|| format!("{}: no files[]", path.display()))?;
    let reviewed: Vec<(String, String, String)> = files
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["sha256_before"].as_str().unwrap_or("").to_string(),
                f["sha256_after"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let now: Vec<(String, String, String)> = out
        .plan
        .files
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                f.sha256_before.clone(),
                f.sha256_after.clone(),
            )
        })
        .collect();
    if reviewed != now {
        for (p, before, _) in &reviewed {
            let cur = std::fs::read(p).map(|b| sha256(&b)).unwrap_or_default();
            if &cur != before {
                out.error = Some(format!(
                    "refused: {p} changed since the reviewed plan {} was made (sha256 {before} -> {cur})",
                    path.display()
                ));
                return Ok(());
            }
        }
        out.error = Some(format!(
            "refused: the plan computed now differs from the reviewed plan {}; review again",
            path.display()
        ));
    }
    Ok(())
}

fn confirm(n: usize) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("Terminate {n} unencrypted session(s) now? [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

fn write_reload_verify(
    opts: &FixOptions,
    ctx: &mut PlanContext,
    out: &mut FixOutcome,
    written: &mut Vec<Written>,
) -> Result<()> {
    let stamp = stamp();
    for (path, (_, new)) in &ctx.writes {
        let backup = atomic::backup(path, &stamp)?;
        written.push(Written {
            path: path.clone(),
            backup,
        });
        let mut bytes = new.clone().into_bytes();
        if std::env::var("PGTLS_FAULT").ok().as_deref() == Some("corrupt-hba")
            && *path == ctx.hba_top
        {
            bytes.extend_from_slice(b"host all all 10.0.0.0/33 md5\n");
        }
        atomic::replace(path, &bytes)?;
    }
    fault("after-write")?;
    if let Some(client) = ctx.client.as_mut() {
        for (stmt, _) in &ctx.statements {
            client
                .batch_execute(stmt)
                .with_context(|| format!("running {stmt}"))?;
        }
    }
    fault("before-reload")?;
    if std::env::var("PGTLS_FAULT").ok().as_deref() == Some("server-gone") {
        if let Some(client) = ctx.client.as_mut() {
            let _ = client.batch_execute("SELECT pg_terminate_backend(pg_backend_pid())");
        }
    }
    out.reloaded = reload(opts, ctx)?;
    fault("after-reload")?;
    if ctx.client.is_some() {
        verify(ctx, out)?;
    }
    Ok(())
}

/// Reload when possible; `Ok(false)` when nothing could be told (offline
/// without `--reload`).
fn reload(opts: &FixOptions, ctx: &mut PlanContext) -> Result<bool> {
    if let Some(client) = ctx.client.as_mut() {
        let ok: bool = client
            .query_one("SELECT pg_reload_conf()", &[])
            .context("reloading the server (pg_reload_conf)")?
            .get(0);
        if !ok {
            bail!("pg_reload_conf() returned false");
        }
        std::thread::sleep(Duration::from_millis(200));
        Ok(true)
    } else if opts.reload {
        let dd = ctx
            .data_dir
            .clone()
            .context("--reload needs the data directory")?;
        pg_ctl_reload(&dd, ctx.facts.version_num).map(|()| true)
    } else {
        Ok(false)
    }
}

/// `pg_ctl reload -D DIR`, run as the data directory's owner (pg_ctl
/// refuses root).
fn pg_ctl_reload(dd: &Path, version_num: Option<u32>) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    let bin = pgtls_cluster::PgBin::find(version_num.map(|v| v / 10000))
        .or_else(|_| pgtls_cluster::PgBin::find(None))?;
    let meta = std::fs::metadata(dd).with_context(|| format!("reading {}", dd.display()))?;
    let mut cmd = std::process::Command::new(bin.tool("pg_ctl"));
    cmd.arg("reload").arg("-D").arg(dd);
    if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
        == 0
    {
        cmd.uid(meta.uid()).gid(meta.gid());
    }
    let o = cmd.output().context("running pg_ctl reload")?;
    if !o.status.success() {
        bail!(
            "pg_ctl reload failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    Ok(())
}

fn poll<T>(what: &str, mut f: impl FnMut() -> Result<Option<T>>) -> Result<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f()? {
            return Ok(v);
        }
        if start.elapsed() > Duration::from_secs(5) {
            bail!("{what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn verify(ctx: &mut PlanContext, out: &mut FixOutcome) -> Result<()> {
    let version_num = ctx.facts.version_num.unwrap_or(0);
    let client = ctx.client.as_mut().expect("live");
    // 1. pg_hba_file_rules: no error rows, and the rules we intended.
    let on_disk = pgtls_hba::parse_file(
        &ctx.hba_top,
        &pgtls_hba::ParseOptions {
            version_num,
            ssl_on: true,
            ..Default::default()
        },
    );
    let intended: Vec<(u32, String)> = on_disk
        .rules
        .iter()
        .map(|r| (r.line, r.conn_type.as_str().to_string()))
        .collect();
    let rows = client
        .query(
            "SELECT line_number, type, error FROM pg_hba_file_rules",
            &[],
        )
        .context("reading pg_hba_file_rules to verify")?;
    let errors: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.get::<_, Option<String>>(2)
                .map(|e| format!("line {}: {e}", r.get::<_, i32>(0)))
        })
        .collect();
    if !errors.is_empty() {
        bail!(
            "the new pg_hba.conf has errors, so the server kept the old rules: {}",
            errors.join("; ")
        );
    }
    let got: Vec<(u32, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<_, i32>(0) as u32,
                r.get::<_, Option<String>>(1).unwrap_or_default(),
            )
        })
        .collect();
    let same = got == intended;
    out.verification.push(Verification {
        what: "pg_hba_file_rules".into(),
        ok: same,
        detail: format!(
            "{} rules, no error rows{}",
            got.len(),
            if same { ", equal to the plan" } else { "" }
        ),
    });
    if !same {
        bail!("pg_hba_file_rules does not show the intended rules: got {got:?}, intended {intended:?}");
    }
    // 2. Settings as intended.
    for s in &out.plan.settings {
        let name = s.name.clone();
        let want = s.new.clone();
        let got = poll(
            &format!("{name} did not become {want} after the reload"),
            || {
                let v: String = client
                    .query_one("SELECT setting FROM pg_settings WHERE name = $1", &[&name])?
                    .get(0);
                Ok((v.eq_ignore_ascii_case(&want)).then_some(v))
            },
        )?;
        out.verification.push(Verification {
            what: format!("SHOW {name}"),
            ok: true,
            detail: got,
        });
    }
    // 3. From the network: plaintext refused where the plan says so, TLS accepted.
    if let Some(spec) = ctx.spec.clone() {
        let (host, port) = spec.tcp_endpoint(ctx.facts.port());
        let Ok(addr) = host.parse::<std::net::IpAddr>() else {
            return Ok(());
        };
        let base = ConnectSpec {
            hosts: vec![(host.clone(), port)],
            connect_timeout: Duration::from_secs(5),
            ..spec.clone()
        };
        let conn = |e| Connection {
            addr: Some(addr),
            user: spec.user.clone(),
            database: spec.dbname.clone(),
            encryption: e,
            replication: false,
        };
        let mctx = super::impact::match_context(&ctx.facts, version_num);
        let expect_plain_rejected = explain(&ctx.hba_after, &conn(HbaEnc::None), &mctx).rejected;
        let plain = live::connect(&ConnectSpec {
            sslmode: SslMode::Disable,
            ..base.clone()
        });
        let plain_refused = match &plain {
            Ok(_) => false,
            Err(e) => {
                let m = format!("{e:#}");
                m.contains("28000") && (m.contains("no encryption") || m.contains("SSL off"))
            }
        };
        let detail = match &plain {
            Ok(_) => format!("{host}:{port} accepted a plaintext login"),
            Err(e) => format!("{e:#}"),
        };
        let ok = plain_refused == expect_plain_rejected;
        out.verification.push(Verification {
            what: format!("plaintext connection to {host}:{port}"),
            ok,
            detail: detail.clone(),
        });
        if !ok {
            bail!(
                "plaintext check failed: expected {}, got: {detail}",
                if expect_plain_rejected {
                    "refusal"
                } else {
                    "acceptance"
                }
            );
        }
        let tls = live::connect(&ConnectSpec {
            sslmode: SslMode::Require,
            sslrootcert: None,
            ..base
        });
        let tls_hba_ok = match &tls {
            Ok(_) => true,
            // Reaching authentication means hba admitted the connection.
            Err(e) => !format!("{e:#}").contains("28000"),
        };
        out.verification.push(Verification {
            what: format!("TLS connection to {host}:{port}"),
            ok: tls_hba_ok,
            detail: match &tls {
                Ok(_) => "accepted".into(),
                Err(e) if format!("{e:#}").contains("password missing") => {
                    "admitted by pg_hba (authentication then asked for a password, which this connection has none of)".into()
                }
                Err(e) => format!("{e:#}"),
            },
        });
    }
    let _ = ConnType::HostSsl;
    Ok(())
}

fn rollback(opts: &FixOptions, ctx: &mut PlanContext, written: &[Written]) -> Result<()> {
    let mut errors = Vec::new();
    for w in written.iter().rev() {
        match std::fs::read(&w.backup) {
            Ok(b) => {
                if let Err(e) = atomic::restore(&w.path, &b) {
                    errors.push(format!("restoring {}: {e:#}", w.path.display()));
                }
            }
            Err(e) => errors.push(format!("reading backup {}: {e}", w.backup.display())),
        }
    }
    // Undo ALTER SYSTEM, reconnecting when the old connection is gone.
    if let Some(spec) = ctx.spec.clone() {
        let alive = ctx
            .client
            .as_mut()
            .map(|c| c.simple_query("SELECT 1").is_ok())
            .unwrap_or(false);
        if !alive {
            ctx.client = live::connect(&spec).ok();
        }
        match ctx.client.as_mut() {
            Some(c) => {
                for (_, undo) in ctx.statements.iter().rev() {
                    if let Err(e) = c.batch_execute(undo) {
                        errors.push(format!("{undo}: {e}"));
                    }
                }
            }
            None if !ctx.statements.is_empty() => {
                errors.push("server unreachable: could not undo ALTER SYSTEM".into())
            }
            None => {}
        }
    }
    if let Err(e) = reload(opts, ctx) {
        errors.push(format!("reload after restore: {e:#}"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        bail!("{}", errors.join("; "))
    }
}

fn remaining_plaintext(client: &mut postgres::Client) -> Result<Vec<Session>> {
    let lf = live::collect(client)?;
    let s = lf.facts.sessions.unwrap_or_default();
    Ok(s.clients
        .into_iter()
        .chain(s.replication)
        .filter(|s| s.encryption == Encryption::None)
        .collect())
}
