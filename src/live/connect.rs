//! Opening the audit's own connection, with libpq's sslmode semantics.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use pgtls_model::Secret;

use super::tls::{client_config, Verification};

pub use pgtls_conninfo::SslMode;

/// Where and how to connect: the resolved libpq parameters the audit uses.
#[derive(Debug, Clone)]
pub struct ConnectSpec {
    /// (host or socket directory, port) pairs, tried in order.
    pub hosts: Vec<(String, u16)>,
    pub user: String,
    pub dbname: String,
    pub password: Option<Secret>,
    pub sslmode: SslMode,
    pub sslrootcert: Option<PathBuf>,
    pub application_name: String,
    pub connect_timeout: Duration,
}

impl ConnectSpec {
    /// Where the server answers over TCP: the first TCP host of this spec,
    /// else (a Unix socket on the server's own host) 127.0.0.1; the port is
    /// the server's `port` setting when known.
    pub fn tcp_endpoint(&self, server_port: Option<u16>) -> (String, u16) {
        let port = server_port
            .or(self.hosts.first().map(|h| h.1))
            .unwrap_or(5432);
        let host = self
            .hosts
            .iter()
            .find(|(h, _)| !h.starts_with('/'))
            .map(|(h, _)| h.clone())
            .unwrap_or_else(|| "127.0.0.1".into());
        (host, port)
    }

    /// `user@host:port/db`, for messages. Never contains the password.
    pub fn describe(&self) -> String {
        let hosts: Vec<String> = self
            .hosts
            .iter()
            .map(|(h, p)| {
                if h.contains(':') && !h.starts_with('/') {
                    format!("[{h}]:{p}")
                } else {
                    format!("{h}:{p}")
                }
            })
            .collect();
        format!("{}@{}/{}", self.user, hosts.join(","), self.dbname)
    }
}

/// Connect as libpq would for this sslmode: `prefer` tries TLS and falls
/// back to plaintext, `allow` tries plaintext first and then TLS.
pub fn connect(spec: &ConnectSpec) -> Result<postgres::Client> {
    if spec.hosts.is_empty() {
        bail!("no host to connect to");
    }
    let root = spec.sslrootcert.as_deref().filter(|p| p.exists());
    let verification = match spec.sslmode {
        SslMode::VerifyFull => Verification::Full,
        SslMode::VerifyCa => Verification::Chain,
        // libpq: require with an existing root certificate acts as verify-ca.
        SslMode::Require if root.is_some() => Verification::Chain,
        _ => Verification::None,
    };
    if matches!(verification, Verification::Chain | Verification::Full) && root.is_none() {
        bail!(
            "sslmode={} needs a root certificate: set sslrootcert (the file {} does not exist)",
            spec.sslmode.as_str(),
            spec.sslrootcert
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.postgresql/root.crt".into())
        );
    }
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(client_config(verification, root)?);
    let attempts: &[postgres::config::SslMode] = match spec.sslmode {
        SslMode::Disable => &[postgres::config::SslMode::Disable],
        SslMode::Allow => &[
            postgres::config::SslMode::Disable,
            postgres::config::SslMode::Require,
        ],
        SslMode::Prefer => &[postgres::config::SslMode::Prefer],
        _ => &[postgres::config::SslMode::Require],
    };
    let mut last_err: Option<anyhow::Error> = None;
    for (host, port) in &spec.hosts {
        for mode in attempts {
            let mut cfg = postgres::Config::new();
            if host.starts_with('/') {
                cfg.host_path(host);
            } else {
                cfg.host(host);
            }
            cfg.port(*port)
                .user(&spec.user)
                .dbname(&spec.dbname)
                .application_name(&spec.application_name)
                .connect_timeout(spec.connect_timeout)
                .ssl_mode(*mode);
            if let Some(pw) = &spec.password {
                cfg.password(pw.expose());
            }
            match connect_within(cfg, tls.clone(), spec.connect_timeout) {
                Ok(c) => return Ok(c),
                Err(e) => last_err = Some(e),
            }
        }
    }
    let e = last_err.expect("at least one attempt");
    Err(e).with_context(|| format!("could not connect to {}", spec.describe()))
}

/// `connect_timeout` bounds the whole connection establishment, as in
/// libpq, not only the TCP connect: a server that accepts and then says
/// nothing must not hang the tool. The attempt runs on its own thread; on
/// timeout it is abandoned (the process does not wait for it).
fn connect_within(
    cfg: postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    timeout: std::time::Duration,
) -> Result<postgres::Client> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(cfg.connect(tls));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(describe_error(e)),
        Err(_) => Err(anyhow::anyhow!(
            "timeout expired after {} s (connect_timeout) without a complete answer from the server",
            timeout.as_secs()
        )),
    }
}

fn describe_error(e: postgres::Error) -> anyhow::Error {
    if let Some(db) = e.as_db_error() {
        anyhow::anyhow!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        )
    } else {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        if let Some(hint) = protocol_hint(&msg) {
            msg.push_str(hint);
        }
        anyhow::anyhow!(msg)
    }
}

/// A hint for errors that mean the other end does not speak PostgreSQL's
/// protocol (an SSH server answers the SSLRequest with "SSH-...", whose
/// first byte 'S' reads as "SSL supported"; an HTTP server with "HTTP/").
fn protocol_hint(msg: &str) -> Option<&'static str> {
    const SIGNS: [&str; 5] = [
        "corrupt message",
        "bytes remaining on stream",
        "unexpected message",
        "invalid message length",
        "unexpected response",
    ];
    SIGNS.iter().any(|s| msg.contains(s)).then_some(
        " (the answer is not PostgreSQL's protocol: check that host and port name a PostgreSQL server)",
    )
}
