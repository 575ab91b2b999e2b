//! `pgtls demo`: reproduce the classic gap on a throwaway local cluster,
//! audit it, and stop it. Without server binaries, audit the bundled example
//! configuration offline instead.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pgtls_cluster::PgBin;
use pgtls_model::Severity;

use crate::audit::{self, AuditOptions};
use crate::cli::{emit, emitln, Format};
use crate::fix::{self, FixOptions};
use crate::live::{ConnectSpec, SslMode};
use crate::offline::OfflineInput;
use crate::report::{render_text, to_json, AuditReport};
use crate::scenario::{Scenario, SESSIONS};

/// The bundled example configuration (examples/scenario), embedded so the
/// demo works from any directory.
const EXAMPLE_FILES: &[(&str, &str)] = &[
    (
        "postgresql.conf",
        include_str!("../examples/scenario/postgresql.conf"),
    ),
    (
        "postgresql.auto.conf",
        include_str!("../examples/scenario/postgresql.auto.conf"),
    ),
    (
        "pg_hba.conf",
        include_str!("../examples/scenario/pg_hba.conf"),
    ),
    (
        "PG_VERSION",
        include_str!("../examples/scenario/PG_VERSION"),
    ),
    (
        "conf.d/site.conf",
        include_str!("../examples/scenario/conf.d/site.conf"),
    ),
];

fn say(format: Format, msg: &str) {
    // Narration goes to stderr when stdout carries JSON.
    match format {
        Format::Text => emitln(&format!("==> {msg}")),
        Format::Json => eprintln!("==> {msg}"),
    }
}

fn print_report(r: &AuditReport) {
    // JSON mode prints one combined document at the end instead.
    emitln(&render_text(r));
}

pub fn run(pg_bin: Option<&Path>, format: Format) -> Result<ExitCode> {
    let bin = match pg_bin {
        Some(d) => Some(PgBin::at(d)?),
        None => PgBin::find(None).ok(),
    };
    let Some(bin) = bin else {
        return offline_demo(format);
    };
    say(
        format,
        &format!(
            "Starting a throwaway PostgreSQL {}.{} cluster ({}) with ssl = on, generated certificates, `host` rules only, ssl_min_protocol_version unset",
            bin.major,
            bin.version_num % 10000,
            bin.dir.display()
        ),
    );
    let scenario = Scenario::start(bin)?;
    let plain = SESSIONS.iter().filter(|s| !s.4).count();
    say(
        format,
        &format!(
            "Opened {} client sessions over 127.0.0.1 and ::1: {} without SSL (sslmode=disable), {} with SSL; port {}",
            SESSIONS.len(),
            plain,
            SESSIONS.len() - plain,
            scenario.cluster.port
        ),
    );
    say(
        format,
        "Auditing the live server and its configuration files",
    );
    let report = audit::run(&AuditOptions::new(
        Some(scenario.audit_spec()),
        OfflineInput::default(),
        Severity::High,
    ))?;
    if format == Format::Text {
        print_report(&report);
    }

    say(
        format,
        "Planning the fix (dry run): host -> hostssl, TLS floor, and which live sessions the new rules would reject",
    );
    let fix_opts = FixOptions {
        live: Some(scenario.audit_spec()),
        ..Default::default()
    };
    let plan = fix::run(&fix_opts)?;
    if format == Format::Text {
        emitln(&fix::render_text(&plan));
    }

    say(
        format,
        "Applying it (--apply --force --terminate-plaintext --yes: the demo's plaintext clients are expendable; in production move them to TLS first)",
    );
    let applied = fix::run(&FixOptions {
        apply: true,
        force: true,
        terminate_plaintext: true,
        yes: true,
        ..fix_opts
    })?;
    if format == Format::Text {
        emitln(&fix::render_text(&applied));
    }
    if applied.error.is_some() || !applied.applied {
        anyhow::bail!(
            "the fix did not apply: {}",
            applied.error.as_deref().unwrap_or("nothing applied")
        );
    }

    say(
        format,
        "Auditing again: the 8 plaintext sessions were ended and cannot come back without TLS",
    );
    let after = audit::run(&AuditOptions::new(
        Some(scenario.audit_spec()),
        OfflineInput::default(),
        Severity::High,
    ))?;
    if format == Format::Text {
        print_report(&after);
    }

    say(
        format,
        "Proving it: a new plaintext login as app from 127.0.0.1 (sslmode=disable)",
    );
    let attempt = plaintext_attempt(&scenario);
    if format == Format::Text {
        match &attempt {
            Ok(msg) => emitln(&format!("    refused by the server: {msg}\n")),
            Err(e) => emitln(&format!("    NOT refused: {e}\n")),
        }
    }
    if format == Format::Json {
        let v = serde_json::json!({
            "before": report,
            "plan": plan,
            "apply": applied,
            "after": after,
            "plaintext_attempt": match &attempt {
                Ok(m) => serde_json::json!({"refused": true, "message": m}),
                Err(e) => serde_json::json!({"refused": false, "message": e.to_string()}),
            },
        });
        emitln(&serde_json::to_string_pretty(&v)?);
    }
    say(format, "Stopping the throwaway cluster");
    drop(scenario);
    match attempt {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e),
    }
}

/// A new plaintext connection after the fix: `Ok(server message)` when
/// refused, `Err` when it got in.
fn plaintext_attempt(scenario: &Scenario) -> Result<String> {
    let spec = ConnectSpec {
        hosts: vec![("127.0.0.1".into(), scenario.cluster.port)],
        user: "app".into(),
        dbname: "appdb".into(),
        password: Some(pgtls_model::Secret::new("app-secret")),
        sslmode: SslMode::Disable,
        ..scenario.audit_spec()
    };
    match crate::live::connect(&spec) {
        Ok(_) => anyhow::bail!("a plaintext login was accepted after the fix"),
        Err(e) => Ok(format!("{e:#}")
            .rsplit("could not connect to app@127.0.0.1:")
            .next()
            .map(|s| s.split_once(": ").map(|x| x.1).unwrap_or(s).to_string())
            .unwrap_or_default()),
    }
}

fn offline_demo(format: Format) -> Result<ExitCode> {
    eprintln!(
        "pgtls demo: no PostgreSQL server binaries found (looked at PGTLS_PG_BIN, pg_config --bindir, /usr/lib/postgresql/*/bin, {}/*/bin and PATH).\n\
         Install them to run the live demo: `apt-get install postgresql` (Debian/Ubuntu) or `scripts/install-pg`.\n\
         Auditing the bundled example configuration (examples/scenario) offline instead.\n",
        pgtls_cluster::PG_ROOT_DEFAULT
    );
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    for (name, text) in EXAMPLE_FILES {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&p, text)?;
    }
    // The scenario has its certificates in place.
    let certs = pgtls_cluster::Certs::generate(dir.path())?;
    std::fs::rename(&certs.ca_cert, dir.path().join("root.crt"))?;
    let report = audit::run(&AuditOptions::new(
        None,
        OfflineInput {
            config_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        },
        Severity::High,
    ))?;
    match format {
        Format::Text => emitln(&render_text(&report)),
        Format::Json => emit(&to_json(&report)),
    }
    Ok(ExitCode::SUCCESS)
}
