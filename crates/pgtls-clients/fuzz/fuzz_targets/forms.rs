//! The non-libpq string parsers: URLs, JDBC, ADO.NET, lenient key=value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pgtls_clients::forms;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = forms::parse_url(s, false);
    let _ = forms::parse_url(s, true);
    let _ = forms::parse_jdbc(s);
    for (_, _, r) in forms::parse_ado(s) {
        assert!(s.get(r).is_some(), "ADO ranges are on char boundaries");
    }
    let _ = forms::looks_like_ado(s);
    let _ = forms::parse_kv_lenient(s);
    let _ = forms::sqlalchemy_dialect(s);
    let _ = pgtls_clients::redact(s);
});
