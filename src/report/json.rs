use super::AuditReport;

/// The stable JSON form (pretty-printed, trailing newline).
pub fn to_json(report: &AuditReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("the report serializes");
    s.push('\n');
    s
}
