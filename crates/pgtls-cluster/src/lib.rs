//! Throwaway PostgreSQL clusters for tests and `pgtls demo`.
//!
//! A [`Cluster`] is `initdb` into a fresh temporary directory, its own free
//! loopback port, its Unix socket directory inside that temporary directory,
//! and (by default) `ssl = on` with a freshly generated CA and server
//! certificate. It stops (`pg_ctl stop -m immediate`) and removes its files
//! when dropped, which also happens while a failing test unwinds.
//!
//! PostgreSQL refuses to run as root, so when this process is root the server
//! runs as an unprivileged OS user (`postgres` when it exists, else `nobody`)
//! and every file it needs lives outside `/root`.

mod bin;
mod certs;
mod cluster;
mod osuser;

pub use bin::{PgBin, PG_ROOT_DEFAULT};
pub use certs::Certs;
pub use cluster::{find_psql, Cluster, ClusterBuilder, SUPERUSER};
pub use osuser::OsUser;
