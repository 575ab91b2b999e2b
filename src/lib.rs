//! pgtls: make PostgreSQL encryption in transit auditable, provable and
//! enforceable.
//!
//! Data flows one way: collect ([`live`], [`offline`]) -> model ([`facts`])
//! -> [`checks`] -> [`report`]. The engines live in their own crates:
//! `pgtls-hba` (pg_hba.conf), `pgtls-conf` (postgresql.conf),
//! `pgtls-conninfo` (client connection strings), `pgtls-probe` (the wire),
//! `pgtls-clients` (client configuration), `pgtls-cluster` (throwaway
//! servers).

pub mod audit;
pub mod checks;
pub mod cli;
pub mod demo;
pub mod facts;
pub mod fix;
pub mod keypair;
pub mod live;
pub mod offline;
pub mod report;
pub mod scenario;
pub mod stats;
