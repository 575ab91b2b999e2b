//! Network probe for PostgreSQL encryption in transit: what a server
//! *does* on the wire, also where its configuration files are invisible
//! (managed services).
//!
//! Per target: plaintext acceptance (a StartupMessage without SSLRequest,
//! closed at the first authentication request: no password is ever sent),
//! SSLRequest / GSSENCRequest answers, PostgreSQL 17 direct TLS (ALPN
//! `postgresql`), accepted TLS versions 1.0–1.3, cipher suites and TLS 1.3
//! groups (hand-built ClientHellos, see [`hello`]), and the certificate
//! (rustls handshake, x509-parser facts, libpq's verify-full name rules,
//! webpki chain verification). Facts are judged by [`checks::evaluate`]
//! into PGT501.. findings.
//!
//! Entry points: [`probe_target`] (async), [`probe_blocking`], and
//! [`fleet::probe_fleet`] for many targets with bounded memory.

pub mod app;
pub mod cert;
pub mod checks;
pub mod fleet;
pub mod hello;
pub mod io;
pub mod probe;
pub mod render;
pub mod report;
pub mod suites;
pub mod target;
pub mod tlsclient;
pub mod wire;

pub use cert::{CertificateFacts, TrustRoots};
pub use checks::{evaluate, DOCS};
pub use probe::{probe_blocking, probe_target, ProbeOptions};
pub use report::{PlaintextAttempt, PlaintextFacts, StepFailure, TargetReport, TlsFacts};
pub use target::{Target, TargetError};
