//! The one list of every check pgtls has, from every crate.

use pgtls_model::CheckDoc;

/// Every check, ordered by code.
pub fn all() -> Vec<&'static CheckDoc> {
    let mut v: Vec<&'static CheckDoc> = super::sessions::DOCS
        .iter()
        .chain(super::settings::DOCS)
        .chain(pgtls_hba::checks::DOCS)
        .chain(pgtls_probe::DOCS)
        .chain(pgtls_clients::DOCS)
        .collect();
    v.sort_by_key(|d| d.code);
    v
}

/// The check with this code (case-insensitive), if any.
pub fn find(code: &str) -> Option<&'static CheckDoc> {
    all()
        .into_iter()
        .find(|d| d.code.eq_ignore_ascii_case(code) || d.name.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let docs = all();
        for w in docs.windows(2) {
            assert_ne!(w[0].code, w[1].code, "duplicate code");
        }
        for d in docs {
            assert!(d.code.starts_with("PGT") && d.code.len() == 6, "{}", d.code);
            assert!(
                !d.why.is_empty() && !d.example.is_empty() && !d.fix.is_empty(),
                "{} lacks docs",
                d.code
            );
        }
    }
}
