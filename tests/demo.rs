//! `pgtls demo` end to end, as the README runs it.

mod common;

#[test]
fn demo_reproduces_audits_fixes_and_proves() {
    let out = common::pgtls(&["demo"]);
    let text = common::stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        common::stderr(&out)
    );
    assert!(
        text.contains("8 of 10 TCP client sessions unencrypted (80.0%)"),
        "{text}"
    );
    for line in pgtls::scenario::HOST_LINES {
        assert!(
            text.contains(&format!("pg_hba.conf:{line}  host -> hostssl")),
            "line {line}: {text}"
        );
    }
    assert!(
        text.contains("8 current session(s) would be rejected"),
        "{text}"
    );
    assert!(text.contains("Applied, reloaded and verified."), "{text}");
    assert!(
        text.contains("0 of 2 TCP client sessions unencrypted (0.0%)"),
        "{text}"
    );
    assert!(
        text.contains("refused by the server: FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"app\", database \"appdb\""),
        "{text}"
    );
}

#[test]
fn demo_json_is_one_document_with_before_and_after() {
    let out = common::pgtls(&["demo", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["before"]["sessions"]["unencrypted_pct"], 80.0);
    assert_eq!(v["after"]["sessions"]["unencrypted"], 0);
    assert_eq!(v["apply"]["applied"], true);
    assert_eq!(v["plaintext_attempt"]["refused"], true);
}

#[test]
fn demo_without_server_binaries_audits_the_bundled_example_offline() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgtls"))
        .arg("demo")
        .env("PGTLS_PG_BIN", "none")
        .output()
        .unwrap();
    let err = common::stderr(&out);
    let text = common::stdout(&out);
    assert!(err.contains("apt-get install postgresql"), "{err}");
    assert!(text.contains("pgtls audit (offline)"), "{text}");
    for line in pgtls::scenario::HOST_LINES {
        assert!(text.contains(&format!("pg_hba.conf:{line}")), "{text}");
    }
}
