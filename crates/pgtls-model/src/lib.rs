//! Plain typed facts shared by every pgtls crate.
//!
//! Nothing in here does I/O. Collectors produce these types, checks consume
//! them and produce [`Finding`]s, reports render them.

mod finding;
mod secret;
mod tls;

pub use finding::{CheckDoc, Finding, FixSafety, Location, Severity};
pub use secret::Secret;
pub use tls::{TlsVersion, TlsVersionError};
