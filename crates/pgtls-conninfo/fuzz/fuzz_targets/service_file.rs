//! pg_service.conf parsing through with_defaults_in: never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = pgtls_conninfo::service_sections(data);
    let bytes = data.to_vec();
    let env = |k: &str| match k {
        "PGSERVICEFILE" => Some("/fuzz/pg_service.conf".to_string()),
        "PGSERVICE" => Some("a".to_string()),
        _ => None,
    };
    let read = move |_: &Path| Some(bytes.clone());
    let ctx = pgtls_conninfo::DefaultsContext {
        env: &env,
        read_file: &read,
        os_user: None,
        passwd_home: None,
        sysconfdir: "/etc".into(),
        socket_dir: "/tmp".into(),
        gssapi: true,
    };
    if let Ok(d) = pgtls_conninfo::ConnInfo::new(18).with_defaults_in(&ctx) {
        let _ = d.effective_sslmode();
    }
});
