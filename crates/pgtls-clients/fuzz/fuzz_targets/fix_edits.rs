//! The rewriting helpers of --fix: never panic; the set key is present.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pgtls_clients::fix;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let u = fix::uri_set(s, "sslmode", "require", &["ssl"]);
    assert!(u.contains("sslmode=require"));
    let k = fix::kv_set(s, "sslmode", "require");
    assert!(k.contains("require"));
    let a = fix::ado_set(s, &["sslmode"], "SSL Mode", "Require");
    assert!(a.contains("Require"));
});
