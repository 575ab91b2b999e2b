use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Self::Critical,
        Self::High,
        Self::Medium,
        Self::Low,
        Self::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("invalid severity \"{s}\" (expected critical, high, medium, low or info)")
            })
    }
}

/// A place in a file: what a finding points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
}

impl Location {
    pub fn new(file: impl Into<String>, line: u32) -> Self {
        Location {
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Whether applying a check's fix automatically can change behaviour beyond
/// what the finding describes (ruff's safe / unsafe fixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixSafety {
    /// No automatic fix exists; the fix text says what to do.
    None,
    /// The automatic fix only does what the finding says.
    Safe,
    /// The automatic fix can reject clients that work today: review the
    /// impact preview first.
    Unsafe,
}

/// The one place a check is documented: `pgtls rules` and `pgtls explain`
/// print exactly this text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckDoc {
    /// Stable code, e.g. `PGT101`. Never reused for another meaning.
    pub code: &'static str,
    /// Short kebab-case name, e.g. `unencrypted-sessions`.
    pub name: &'static str,
    /// The default severity (a check may raise or lower it per finding and
    /// says so in its `why`).
    pub severity: Severity,
    /// One line: what the check detects.
    pub summary: &'static str,
    /// Why it matters for encryption in transit.
    pub why: &'static str,
    /// An example that triggers it.
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    pub fix_safety: FixSafety,
}

/// One diagnostic: a stable code, a severity, evidence and a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check's code (static text: a large file yields a finding per
    /// line, and copying fixed texts was a measurable share of the work).
    pub code: Cow<'static, str>,
    pub severity: Severity,
    pub title: Cow<'static, str>,
    /// Where in a configuration file, or `None` for live or network facts.
    pub location: Option<Location>,
    /// The facts that prove it: source lines, view rows, wire answers.
    pub evidence: Vec<String>,
    pub fix: Cow<'static, str>,
}

impl Finding {
    /// A finding with the documented severity of `doc`.
    pub fn new(doc: &CheckDoc, title: impl Into<Cow<'static, str>>) -> Self {
        Finding {
            code: Cow::Borrowed(doc.code),
            severity: doc.severity,
            title: title.into(),
            location: None,
            evidence: Vec::new(),
            fix: Cow::Borrowed(doc.fix),
        }
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn at_opt(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    pub fn fix(mut self, fix: impl Into<Cow<'static, str>>) -> Self {
        self.fix = fix.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_from_info_to_critical() {
        assert!(Severity::Info < Severity::Low);
        assert!(Severity::High < Severity::Critical);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().is_err());
    }

    #[test]
    fn finding_serializes_with_the_documented_field_names() {
        const DOC: CheckDoc = CheckDoc {
            code: "PGT999",
            name: "example",
            severity: Severity::Medium,
            summary: "s",
            why: "w",
            example: "e",
            fix: "do this",
            fix_safety: FixSafety::None,
        };
        let f = Finding::new(&DOC, "t")
            .at(Location::new("pg_hba.conf", 3))
            .evidence("x");
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["code"], "PGT999");
        assert_eq!(v["severity"], "medium");
        assert_eq!(v["location"]["file"], "pg_hba.conf");
        assert_eq!(v["location"]["line"], 3);
        assert_eq!(v["fix"], "do this");
    }
}
