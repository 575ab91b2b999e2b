use pgtls_hba::*;
use std::net::IpAddr;

fn p(text: &str, v: u32) -> HbaFile {
    parse_str(text, "/etc/pg/pg_hba.conf", &ParseOptions::version(v))
}

fn conn(addr: &str, user: &str, db: &str, enc: Encryption) -> Connection {
    Connection {
        addr: Some(addr.parse::<IpAddr>().unwrap()),
        user: user.into(),
        database: db.into(),
        encryption: enc,
        replication: false,
    }
}

#[test]
fn quoted_all_is_a_name_and_late_quote_is_keyword() {
    let f = p(
        "host \"all\" all 0.0.0.0/0 md5\nhost al\"l\" bob 0.0.0.0/0 trust\n",
        180000,
    );
    assert!(f.loads());
    let ctx = MatchContext::new(180000);
    let v = explain(
        &f,
        &conn("10.0.0.1", "alice", "app", Encryption::None),
        &ctx,
    );
    assert!(v.rejected);
    assert_eq!(v.matched_line, None);
    let v = explain(&f, &conn("10.0.0.1", "bob", "app", Encryption::None), &ctx);
    assert_eq!(v.matched_line, Some(2));
    let v = explain(
        &f,
        &conn("10.0.0.1", "alice", "all", Encryption::None),
        &ctx,
    );
    assert_eq!(v.matched_line, Some(1));
}

#[test]
fn ipv4_rule_does_not_cover_ipv6_client() {
    let f = p(
        "hostnossl all all 0.0.0.0/0 reject\nhost all all all md5\n",
        160000,
    );
    let ctx = MatchContext::new(160000);
    let v = explain(
        &f,
        &conn("::ffff:192.0.2.10", "u", "d", Encryption::None),
        &ctx,
    );
    assert_eq!(v.matched_line, Some(2));
    assert!(!v.rejected);
    let v = explain(&f, &conn("192.0.2.10", "u", "d", Encryption::None), &ctx);
    assert!(v.rejected);
    assert_eq!(
        v.message.as_deref(),
        Some("pg_hba.conf rejects connection for host \"192.0.2.10\", user \"u\", database \"d\", no encryption")
    );
}

#[test]
fn loopback_host_line_shadows_hostnossl_guard() {
    let text = "host all all 127.0.0.1/32 md5\nhostnossl all all 0.0.0.0/0 reject\nhostssl all all 0.0.0.0/0 scram-sha-256\n";
    let f = p(text, 170000);
    let r = analyze(&f, &AnalyzeOptions::default());
    assert!(r.rules[0].plaintext_reachable);
    assert!(r.rules[0].plaintext_loopback_only);
    assert!(!r.rules[1].plaintext_reachable);
    assert!(r.rules[1].plaintext_matched);
    assert_eq!(r.guard_bypasses.len(), 1);
    assert_eq!(r.guard_bypasses[0].guard_line, 2);
    assert_eq!(r.guard_bypasses[0].by_line, 1);
    assert_eq!(r.guard_bypasses[0].witness.addr, "127.0.0.1");
    let fs = checks::findings(&f, &r, true);
    assert!(fs.iter().any(|x| x.code == "PGT308"));
    assert!(fs.iter().any(|x| x.code == "PGT302"));
}

#[test]
fn fully_shadowed_rule_never_matches_and_names_the_shadow() {
    let text =
        "host all all 0.0.0.0/0 md5\nhost all all ::/0 md5\nhost app alice 10.0.0.0/8 trust\n";
    let f = p(text, 150000);
    let r = analyze(&f, &AnalyzeOptions::default());
    assert!(r.rules[2].never_matches);
    assert_eq!(r.rules[2].shadowed_by, vec!["line 1".to_string()]);
    assert!(!r.rules[0].never_matches);
}

#[test]
fn only_host_lines_give_one_301_or_302_each() {
    let text = "host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\nhost all all 10.0.0.0/8 scram-sha-256\nhost app all 0.0.0.0/0 md5\n";
    let f = p(text, 180000);
    let r = analyze(&f, &AnalyzeOptions::default());
    let fs = checks::findings(&f, &r, true);
    for (line, code) in [(1, "PGT302"), (2, "PGT302"), (3, "PGT301"), (4, "PGT301")] {
        let hits: Vec<_> = fs
            .iter()
            .filter(|x| {
                (x.code == "PGT301" || x.code == "PGT302")
                    && x.location.as_ref().unwrap().line == line
            })
            .collect();
        assert_eq!(hits.len(), 1, "line {line}: {fs:?}");
        assert_eq!(hits[0].code, code);
    }
}

#[test]
fn errors_carry_postgres_messages_and_lines() {
    let f = p(
        "host all all 10.0.0.300/8 md5\nhost db1 ,db2 app 10.0.0.0/8 md5\nlocal all all ident\n",
        160000,
    );
    assert!(!f.loads());
    assert_eq!(f.errors[0].line, 1);
    assert_eq!(
        f.errors[0].message,
        "specifying both host name and CIDR mask is invalid: \"10.0.0.300/8\""
    );
    assert_eq!(
        f.errors[1].message,
        "invalid authentication method \"10.0.0.0/8\""
    );
    assert_eq!(f.rules[0].method, AuthMethod::Peer);
}

#[test]
fn hostssl_with_ssl_off_loads_but_warns() {
    let mut o = ParseOptions::version(160000);
    o.ssl_on = false;
    let f = parse_str(
        "hostssl all all 0.0.0.0/0 md5\nhost all all 0.0.0.0/0 md5\n",
        "/x/pg_hba.conf",
        &o,
    );
    assert!(f.loads());
    let rows = view_rows(&f);
    assert_eq!(rows[0].rule_number, None);
    assert_eq!(
        rows[0].error.as_deref(),
        Some("hostssl record cannot match because SSL is disabled")
    );
    assert_eq!(rows[1].rule_number, Some(1));
    let r = analyze(
        &f,
        &AnalyzeOptions {
            ssl_on: false,
            ..Default::default()
        },
    );
    assert!(r.rules[0].never_matches);
}

#[test]
fn localhost_host_name_counts_as_loopback_and_others_stay_symbolic() {
    let f = p(
        "host all all localhost md5\nhost all all db.example.com md5\n",
        160000,
    );
    let r = analyze(&f, &AnalyzeOptions::default());
    assert!(r.rules[0].plaintext_reachable && r.rules[0].plaintext_loopback_only);
    assert!(r.rules[1].plaintext_reachable && !r.rules[1].plaintext_loopback_only);
    assert!(r.rules[1].plaintext_witness.as_ref().unwrap().symbolic);
    assert!(r.rules[1].notes.iter().any(|n| n.contains("DNS")));
    let fs = checks::findings(&f, &r, true);
    let codes: Vec<_> = fs.iter().map(|x| x.code.as_ref()).collect();
    assert_eq!(codes, vec!["PGT302", "PGT301"]);
}

#[test]
fn replication_and_sameuser_regions_get_their_own_witnesses() {
    let f = p("host replication repl 10.0.0.0/8 md5\nhost sameuser all 10.0.0.0/8 md5\nhost all all 10.0.0.0/8 reject\n", 170000);
    let r = analyze(&f, &AnalyzeOptions::default());
    let w0 = r.rules[0].plaintext_witness.as_ref().unwrap();
    assert!(w0.replication);
    assert_eq!(w0.user, "repl");
    let w1 = r.rules[1].plaintext_witness.as_ref().unwrap();
    assert_eq!(w1.user, w1.db);
    assert!(
        !r.rules[2].never_matches,
        "other users/databases still reach the reject line"
    );
}

#[test]
fn a_garbage_file_gives_a_bounded_number_of_line_error_findings() {
    let mut text = String::new();
    for i in 0..500 {
        text.push_str(&format!("bogus{i} all all 0.0.0.0/0 md5\n"));
    }
    let f = pgtls_hba::parse_str(&text, "pg_hba.conf", &pgtls_hba::ParseOptions::default());
    assert_eq!(f.errors.len(), 500);
    let reach = pgtls_hba::analyze(&f, &pgtls_hba::AnalyzeOptions::default());
    let found = pgtls_hba::checks::findings(&f, &reach, true);
    let pgt306: Vec<_> = found.iter().filter(|x| x.code == "PGT306").collect();
    // 50 one by one and one summary of the other 450.
    assert_eq!(pgt306.len(), pgtls_hba::checks::MAX_LINE_ERROR_FINDINGS + 1);
    assert!(
        pgt306.iter().any(|x| x
            .title
            .starts_with("450 more lines do not load (from line 51")),
        "{pgt306:#?}"
    );
}

#[test]
fn shadowing_evidence_names_only_rules_whose_addresses_meet() {
    let text = "hostssl all all 10.0.0.0/8 scram-sha-256\nhost all all 0.0.0.0/0 md5\nhost all all 172.16.0.0/12 md5\n";
    let f = pgtls_hba::parse_str(text, "pg_hba.conf", &pgtls_hba::ParseOptions::default());
    let reach = pgtls_hba::analyze(&f, &pgtls_hba::AnalyzeOptions::default());
    let r3 = reach.rules.iter().find(|r| r.line == 3).unwrap();
    assert!(r3.never_matches);
    assert_eq!(r3.shadowed_by, vec!["line 2".to_string()]);
}

/// The postmaster keeps 63 bytes of a user or database name (found by a
/// reviewer on a real 16 server): a 64-byte user matches a 63-byte line,
/// and a 64-byte literal never matches anything.
#[test]
fn names_are_cut_to_63_bytes_like_the_postmaster() {
    let long = "a".repeat(64);
    let opts = pgtls_hba::ParseOptions::version(160000);
    let text = format!("local all {} trust\nlocal all all reject\n", &long[..63]);
    let f = pgtls_hba::parse_str(&text, "pg_hba.conf", &opts);
    let conn = pgtls_hba::Connection {
        addr: None,
        user: long.clone(),
        database: "d".into(),
        encryption: pgtls_hba::Encryption::None,
        replication: false,
    };
    let v = pgtls_hba::explain(&f, &conn, &pgtls_hba::MatchContext::new(160000));
    assert_eq!(v.matched_line, Some(1));

    let text = format!("local all {long} trust\nlocal all all reject\n");
    let f = pgtls_hba::parse_str(&text, "pg_hba.conf", &opts);
    let v = pgtls_hba::explain(&f, &conn, &pgtls_hba::MatchContext::new(160000));
    assert_eq!(v.matched_line, Some(2));
    let r = pgtls_hba::analyze(&f, &pgtls_hba::AnalyzeOptions::default());
    assert!(r.rules[0].never_matches, "{:?}", r.rules[0]);
}
