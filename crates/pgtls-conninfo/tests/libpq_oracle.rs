//! Differential test: our parser against the real libpq of every installed
//! major (12..18) on deterministic generated strings, plus every input that
//! ever disagreed (tests/oracle/regressions.jsonl).
//!
//! `PGTLS_LONG=1` raises the number of generated strings per major.

mod common;

use common::*;
use pgtls_conninfo::parse_as;

fn regressions() -> Vec<String> {
    let text = include_str!("oracle/regressions.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<String>(l).unwrap())
        .collect()
}

fn inputs() -> Vec<String> {
    let n = if std::env::var("PGTLS_LONG").is_ok() {
        200_000
    } else {
        4_000
    };
    let mut r = Rng::new(0x5eed_c0de);
    let mut v = regressions();
    v.extend((0..n).map(|_| gen_any(&mut r)));
    v
}

#[test]
fn parser_agrees_with_real_libpq_of_every_installed_major() {
    let inputs = inputs();
    let mut majors_run = vec![];
    let mut failures = vec![];
    for major in 12..=18 {
        let Some(lib) = libpq_for(major) else {
            continue;
        };
        majors_run.push(major);
        let theirs = libpq_parse_all(&lib, &inputs);
        let oks = theirs
            .iter()
            .filter(|t| matches!(t, Outcome::Ok(_)))
            .count();
        // The generator must exercise both accepted and rejected strings.
        assert!(
            oks * 5 > inputs.len() && (inputs.len() - oks) * 5 > inputs.len(),
            "libpq {major}: {oks} of {} accepted",
            inputs.len()
        );
        eprintln!("libpq {major}: {oks} of {} accepted", inputs.len());
        for (s, t) in inputs.iter().zip(theirs) {
            let o = ours(&parse_as(s, major));
            if !same(&o, &t) {
                failures.push(format!(
                    "libpq {major}: {s:?}\n   ours:  {o:?}\n   libpq: {t:?}"
                ));
            }
        }
    }
    assert!(
        majors_run.contains(&15),
        "no libpq found: install libpq5 (apt) or run scripts/install-pg"
    );
    if majors_run.len() < 7 {
        eprintln!("WARNING: libpq oracle ran only for majors {majors_run:?}; run scripts/install-pg for all of 12..18");
    }
    assert!(
        failures.is_empty(),
        "{} disagreements with libpq (first 15):\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
