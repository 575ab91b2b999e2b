//! Every driver's reading of an arbitrary string: never panics, never
//! reveals a password it was given.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pgtls_clients::{check, Context, Driver, DriverSpec};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let ctx = Context::default().with_env("PGSSLMODE", "prefer", "fuzz");
    let _ = check(s, None, &ctx);
    for d in Driver::ALL {
        let a = check(s, Some(DriverSpec::new(d)), &ctx);
        let _ = serde_json::to_string(&pgtls_clients::report::check_json(&a));
    }
});
