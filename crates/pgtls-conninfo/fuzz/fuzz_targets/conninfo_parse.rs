//! libpq key=value / URI grammar of every major: never panics; what parses
//! renders back to a string that parses to the same keywords.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    for major in 12..=18 {
        if let Ok(ci) = pgtls_conninfo::parse_as(s, major) {
            let _ = ci.effective_sslmode();
            let _ = ci.hosts_with("/tmp");
            let _ = ci.connect_timeout();
            let again = pgtls_conninfo::parse_as(&ci.expose_to_string(), major)
                .expect("rendered connection strings parse");
            assert_eq!(again.keywords().collect::<Vec<_>>(), ci.keywords().collect::<Vec<_>>());
        }
    }
});
