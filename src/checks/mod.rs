//! Policy over facts. A check never opens a file or a socket: it reads
//! [`ServerFacts`] and returns findings. Every check is documented once, in
//! its own `CheckDoc`, next to its code; [`registry`] lists them all.

pub mod registry;
pub mod sessions;
pub mod settings;

use pgtls_model::Finding;

use crate::facts::ServerFacts;

/// Run every server check over the facts, most severe first.
pub fn run(facts: &ServerFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(settings::check(facts));
    out.extend(sessions::check(facts));
    if let Some(hba) = &facts.hba {
        // ssl unknown (a lone --hba): judge as on, like `pgtls hba check`.
        let ssl_on = facts.ssl_on().unwrap_or(true);
        let opts = pgtls_hba::AnalyzeOptions {
            ssl_on,
            ..Default::default()
        };
        let reach = pgtls_hba::analyze(hba, &opts);
        out.extend(pgtls_hba::checks::findings(hba, &reach, ssl_on));
    }
    sort(&mut out);
    out
}

/// Most severe first, then by code, then by location: a stable order.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.title.cmp(&b.title))
    });
}
