//! Client configuration scanner: finds connection settings in source trees and judges their encryption.
//!
//! Facts first: [`assess`] turns one setting (a connection string in any
//! supported syntax, a node-postgres config object, a PgBouncer line, an
//! environment variable) into a [`model::Behavior`] — the ordered
//! connection attempts and what each verifies — and derives the verdict
//! from it. [`scan`] walks trees and feeds every setting it finds to
//! [`assess`]; [`fix`] rewrites settings in place.

pub mod assess;
pub mod docs;
pub mod driver;
pub mod fix;
pub mod forms;
pub mod inventory;
pub mod model;
mod redact;
pub mod report;
pub mod scan;

pub use redact::redact;

pub use assess::{assess, Assessment, Context, EnvValue, NodeConfig, NodeSsl, Setting};
pub use docs::DOCS;
pub use driver::{Driver, DriverSpec, Version};
pub use forms::Syntax;
pub use model::{Behavior, Outcome, Scenario, Verdict};

/// `pgtls clients check`: judge one connection string.
pub fn check(text: &str, driver: Option<DriverSpec>, ctx: &Context) -> Assessment {
    assess(&Setting::Text(text.to_string()), driver, ctx)
}
