//! Live collection: connect to a running server and read the views that
//! matter for encryption in transit. Collectors gather facts; they never
//! judge them.

mod collect;
mod connect;
mod tls;

pub use collect::{collect, readable_path, HbaView, LiveFacts, SETTINGS};
pub use connect::{connect, ConnectSpec, SslMode};
