//! Arbitrary input never panics the parser or the accessors.

mod common;

use common::{gen_any, mutate, Rng};
use pgtls_conninfo::{parse_as, ConnInfo, DefaultsContext};
use std::path::Path;

fn exercise(ci: &ConnInfo) {
    let _ = ci.effective_sslmode();
    let _ = ci.hosts_with("/tmp");
    let _ = ci.connect_timeout();
    let _ = ci.to_string();
    let env = |_: &str| None;
    let read = |_: &Path| Some(b"[x]\nhost=a\n".to_vec());
    let ctx = DefaultsContext {
        env: &env,
        read_file: &read,
        os_user: None,
        passwd_home: None,
        sysconfdir: "/e".into(),
        socket_dir: "/tmp".into(),
        gssapi: false,
    };
    let _ = ci.with_defaults_in(&ctx).map(|d| d.effective_sslmode());
}

#[test]
fn random_strings_never_panic() {
    let n = if std::env::var("PGTLS_LONG").is_ok() {
        1_000_000
    } else {
        30_000
    };
    let mut r = Rng::new(7);
    for i in 0..n {
        let mut s = gen_any(&mut r);
        if i % 3 == 0 {
            s = mutate(&mut r, &s);
        }
        if i % 11 == 0 {
            // Raw random Unicode / control characters.
            s = (0..r.below(40))
                .map(|_| char::from_u32(r.below(0x3000) as u32).unwrap_or('x'))
                .collect();
        }
        for major in [12, 14, 17, 18] {
            if let Ok(ci) = parse_as(&s, major) {
                exercise(&ci);
            }
        }
    }
}
