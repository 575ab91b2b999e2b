//! The seed scenario: a server that looks secure (`ssl = on`, certificates
//! in place) yet carries mostly plaintext traffic. Used by `pgtls demo` and
//! by the tests, so both exercise exactly the same thing.

use std::time::Duration;

use anyhow::{Context, Result};
use pgtls_cluster::{Cluster, PgBin};

use crate::live::{connect, ConnectSpec, SslMode};

/// pg_hba.conf of the scenario: `host` rules only (SSL optional).
pub const HBA: &str = include_str!("../examples/scenario/pg_hba.conf");

/// Line numbers of the `host` rules in [`HBA`].
pub const HOST_LINES: [u32; 4] = [8, 9, 12, 15];

/// Roles the scenario creates: (name, password, database).
pub const ROLES: &[(&str, &str, &str)] = &[
    ("app", "app-secret", "appdb"),
    ("reporting", "reporting-secret", "reports"),
    ("etl", "etl-secret", "appdb"),
];

/// One client session the scenario opens: (user, database, application_name, host, ssl).
pub const SESSIONS: &[(&str, &str, &str, &str, bool)] = &[
    ("app", "appdb", "billing-api", "127.0.0.1", false),
    ("app", "appdb", "billing-api", "127.0.0.1", false),
    ("app", "appdb", "billing-api", "127.0.0.1", false),
    ("app", "appdb", "billing-api", "::1", false),
    ("reporting", "reports", "metabase", "127.0.0.1", false),
    ("reporting", "reports", "metabase", "127.0.0.1", false),
    ("etl", "appdb", "airflow", "::1", false),
    ("etl", "appdb", "airflow", "::1", false),
    ("app", "appdb", "billing-api-v2", "127.0.0.1", true),
    ("reporting", "reports", "psql", "::1", true),
];

/// A running scenario: the cluster and the open client sessions.
pub struct Scenario {
    pub cluster: Cluster,
    pub sessions: Vec<postgres::Client>,
}

impl Scenario {
    /// Start the cluster (ssl on, host rules only, ssl_min_protocol_version
    /// unset), create the roles and databases, and open the sessions.
    pub fn start(bin: PgBin) -> Result<Scenario> {
        let cluster = Cluster::builder(bin)
            .hba(HBA)
            .start()
            .context("starting the scenario cluster")?;
        let mut sql = String::from("SET password_encryption = 'scram-sha-256';\n");
        for (role, pw, _) in ROLES {
            sql.push_str(&format!("CREATE ROLE {role} LOGIN PASSWORD '{pw}';\n"));
        }
        sql.push_str("CREATE ROLE replicator LOGIN REPLICATION PASSWORD 'replicator-secret';\n");
        cluster.psql(&sql)?;
        for db in ["appdb", "reports"] {
            cluster.psql(&format!("CREATE DATABASE {db}"))?;
        }
        let mut sessions = Vec::new();
        for (user, db, app, host, ssl) in SESSIONS {
            let pw = ROLES
                .iter()
                .find(|r| r.0 == *user)
                .map(|r| r.1)
                .unwrap_or("");
            let spec = ConnectSpec {
                hosts: vec![(host.to_string(), cluster.port)],
                user: user.to_string(),
                dbname: db.to_string(),
                password: Some(pgtls_model::Secret::new(pw)),
                sslmode: if *ssl {
                    SslMode::Require
                } else {
                    SslMode::Disable
                },
                sslrootcert: None,
                application_name: app.to_string(),
                connect_timeout: Duration::from_secs(10),
            };
            sessions.push(
                connect(&spec).with_context(|| format!("opening a session as {user}@{host}"))?,
            );
        }
        Ok(Scenario { cluster, sessions })
    }

    /// The audit's connection: the superuser over the Unix socket.
    pub fn audit_spec(&self) -> ConnectSpec {
        ConnectSpec {
            hosts: vec![(
                self.cluster.socket_dir.display().to_string(),
                self.cluster.port,
            )],
            user: pgtls_cluster::SUPERUSER.to_string(),
            dbname: "postgres".to_string(),
            password: None,
            sslmode: SslMode::Prefer,
            sslrootcert: None,
            application_name: "pgtls".to_string(),
            connect_timeout: Duration::from_secs(10),
        }
    }
}
