//! What people read: the text report of one target and the fleet table,
//! from hand-built facts (so the snapshots are stable), reviewed on purpose.

use std::collections::BTreeMap;

use pgtls_model::TlsVersion;
use pgtls_probe::fleet::FleetSummary;
use pgtls_probe::render;
use pgtls_probe::report::{Negotiated, PlaintextAttempt, PlaintextFacts, TargetReport, TlsFacts};
use pgtls_probe::suites::Suite;
use pgtls_probe::wire::AuthRequest;

fn report() -> TargetReport {
    let mut ciphers = BTreeMap::new();
    ciphers.insert(
        "TLSv1".to_string(),
        vec![Suite::by_id(0xC00A).unwrap().fact()],
    );
    ciphers.insert(
        "TLSv1.2".to_string(),
        vec![
            Suite::by_id(0xC02C).unwrap().fact(),
            Suite::by_id(0xC009).unwrap().fact(),
        ],
    );
    let mut answers = BTreeMap::new();
    answers.insert(
        "TLSv1".to_string(),
        "accepted: TLSv1 ECDHE-ECDSA-AES256-SHA".to_string(),
    );
    answers.insert(
        "TLSv1.1".to_string(),
        "refused: fatal alert protocol_version (70)".to_string(),
    );
    answers.insert(
        "TLSv1.2".to_string(),
        "accepted: TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384".to_string(),
    );
    answers.insert(
        "TLSv1.3".to_string(),
        "refused: fatal alert protocol_version (70)".to_string(),
    );
    let mut r = TargetReport {
        target: "db1.example:5432".into(),
        host: "db1.example".into(),
        port: 5432,
        address: Some("127.0.0.1:5432".into()),
        ssl_request: Some("S".into()),
        gssenc_request: Some("N".into()),
        plaintext: PlaintextFacts {
            accepted: Some(true),
            message:
                "plaintext accepted for user \"app\", database \"sales\": AuthenticationMD5Password"
                    .into(),
            attempts: vec![PlaintextAttempt {
                user: "app".into(),
                database: "sales".into(),
                accepted: Some(true),
                auth: Some(AuthRequest::Md5Password),
                sqlstate: None,
                message: "AuthenticationMD5Password".into(),
            }],
        },
        direct_tls: Some(false),
        direct_tls_detail: Some(
            "connection closed without a TLS answer (server before PostgreSQL 17, or ssl = off)"
                .into(),
        ),
        tls: TlsFacts {
            versions: vec![TlsVersion::Tls10, TlsVersion::Tls12],
            version_answers: answers,
            ciphers,
            ciphers_complete: true,
            groups: vec![],
            tls12_key_exchange: Some("secp256r1".into()),
            negotiated: Some(Negotiated {
                version: "TLSv1.2".into(),
                cipher: "ECDHE-ECDSA-AES256-GCM-SHA384".into(),
                group: Some("secp256r1".into()),
            }),
        },
        elapsed_ms: 42,
        ..TargetReport::default()
    };
    r.findings = pgtls_probe::evaluate(&r);
    r
}

#[test]
fn single_target_text_report() {
    insta::assert_snapshot!(render::target_text(&report()));
}

#[test]
fn fleet_table_rows_and_summary() {
    let r = report();
    let unreachable = TargetReport {
        target: "10.9.9.9:5432".into(),
        error: Some(
            "negotiation: could not connect to 10.9.9.9:5432: Connection refused (os error 111)"
                .into(),
        ),
        ..TargetReport::default()
    };
    let mut s = FleetSummary::default();
    s.add(&r);
    s.add(&unreachable);
    s.elapsed_ms = 1234;
    let text = [
        render::table_header(),
        render::table_row(&r),
        render::table_row(&unreachable),
        render::summary_line(&s),
    ]
    .join("\n");
    insta::assert_snapshot!(text);
}
