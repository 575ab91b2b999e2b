// Shared helpers for the root crate's integration tests (included with `mod common;`).
#![allow(dead_code)]

use std::process::{Command, Output};

use pgtls_cluster::PgBin;

/// Debian's 15 when present, else any discovered server.
pub fn bin() -> PgBin {
    PgBin::find(Some(15))
        .or_else(|_| PgBin::find(None))
        .expect("PostgreSQL server binaries (run scripts/install-pg)")
}

pub fn pgtls(args: &[&str]) -> Output {
    pgtls_env(args, &[])
}

pub fn pgtls_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgtls"))
        .args(args)
        .env_remove("PGPASSWORD")
        .env_remove("PGSSLMODE")
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGUSER")
        .env_remove("PGDATABASE")
        .env_remove("PGSERVICE")
        .env_remove("PGPASSFILE")
        .envs(env.iter().copied())
        .output()
        .expect("running pgtls")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}
