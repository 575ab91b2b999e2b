use std::process::ExitCode;

use anyhow::{bail, Result};

use super::Format;
use super::{emit, emitln};
use crate::checks::registry;

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A check code (PGT101) or name (unencrypted-sessions).
    pub code: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run_rules(a: RulesArgs) -> Result<ExitCode> {
    let docs = registry::all();
    match a.format {
        Format::Json => emitln(&serde_json::to_string_pretty(&docs)?),
        Format::Text => {
            let mut t = crate::report::Table::new(&["code", "severity", "name", "summary"]);
            for d in &docs {
                t.row(vec![
                    d.code.to_string(),
                    d.severity.to_string(),
                    d.name.to_string(),
                    d.summary.to_string(),
                ]);
            }
            emit(&format!(
                "{}\n{} checks. `pgtls explain CODE` prints one in full.\n",
                t.render(""),
                docs.len()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_explain(a: ExplainArgs) -> Result<ExitCode> {
    let Some(d) = registry::find(&a.code) else {
        bail!("no check named {} (see `pgtls rules`)", a.code);
    };
    match a.format {
        Format::Json => emitln(&serde_json::to_string_pretty(d)?),
        Format::Text => {
            emitln(&format!(
                "{} {} (default severity: {})\n\n{}\n\nWhy it matters\n  {}\n\nExample\n  {}\n\nFix ({})\n  {}",
                d.code,
                d.name,
                d.severity,
                d.summary,
                d.why,
                d.example,
                match d.fix_safety {
                    pgtls_model::FixSafety::None => "manual",
                    pgtls_model::FixSafety::Safe => "automatic fix: safe",
                    pgtls_model::FixSafety::Unsafe =>
                        "automatic fix: unsafe, review the impact preview",
                },
                d.fix
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
