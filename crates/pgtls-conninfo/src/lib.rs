//! Client connection strings: libpq key=value and URI grammar, environment and service-file precedence, sslmode semantics.
//!
//! ```
//! let ci = pgtls_conninfo::parse("postgresql://app:pw@db1:5433,db2/shop?sslmode=verify-full").unwrap();
//! assert_eq!(ci.get("host"), Some("db1,db2"));
//! assert_eq!(ci.to_string(), "user=app password=*** host=db1,db2 port=5433, dbname=shop sslmode=verify-full");
//! assert_eq!(ci.effective_sslmode().unwrap(), pgtls_conninfo::SslMode::VerifyFull);
//! ```

mod conninfo;
mod defaults;
mod error;
pub mod keywords;
mod parse;
mod sslmode;

pub use conninfo::{is_unix_socket_path, ConnInfo, Form, HostKind, HostSpec, Source};
pub use defaults::{
    default_socket_dir, default_sysconfdir, os_user, service_sections, DefaultsContext,
    ServiceEntry,
};
pub use error::{ConnInfoError, Quoted};
pub use keywords::{LATEST_MAJOR, OLDEST_MAJOR};
pub use parse::{parse_as, recognized_connection_string, uri_prefix_length};
pub use sslmode::{GssEncMode, SslMode, SslNegotiation};

/// Parse a connection string exactly as libpq 18's `PQconninfoParse()` does
/// (key=value or `postgres[ql]://` URI; no defaults applied). Use
/// [`parse_as`] for another libpq major.
pub fn parse(s: &str) -> Result<ConnInfo, ConnInfoError> {
    parse_as(s, LATEST_MAJOR)
}
