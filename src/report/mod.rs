//! Rendering: the audit report model, and its text and JSON forms.

mod json;
mod model;
mod text;

pub use json::to_json;
pub use model::{
    AuditReport, OwnSession, ReplicationSection, SessionSection, Summary, TargetInfo,
    SCHEMA_VERSION,
};
pub use text::{render_findings, render_text, Table};
