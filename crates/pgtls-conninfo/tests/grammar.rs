//! Table-driven grammar tests. Expected values come from PostgreSQL's own
//! URI regression table (src/interfaces/libpq/t/001_uri.pl) and from
//! shared/reference/libpq_conninfo.md §9; the oracle test checks the same
//! parser against the real libpq on generated input.

use pgtls_conninfo::{parse, parse_as, ConnInfoError, Form, HostKind, SslMode};

fn kv(s: &str) -> Vec<(String, String)> {
    let ci = parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    ci.keywords()
        .map(|k| {
            let v = ci
                .get(k)
                .map(str::to_string)
                .unwrap_or_else(|| ci.secret(k).unwrap().expose().to_string());
            (k.to_string(), v)
        })
        .collect()
}

fn err(s: &str) -> String {
    parse(s).unwrap_err().to_string()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn uri_regression_table_of_libpq_parses_alike() {
    // (uri, expected keyword=value pairs in URI storing order) from 001_uri.pl
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "postgresql://uri-user:secret@host:12345/db",
            &[
                ("user", "uri-user"),
                ("password", "secret"),
                ("host", "host"),
                ("port", "12345"),
                ("dbname", "db"),
            ],
        ),
        (
            "postgresql://uri-user@host/",
            &[("user", "uri-user"), ("host", "host")],
        ),
        ("postgresql://uri-user@", &[("user", "uri-user")]),
        (
            "postgresql://host:12345",
            &[("host", "host"), ("port", "12345")],
        ),
        ("postgresql://", &[]),
        (
            "postgresql://?hostaddr=127.0.0.1",
            &[("hostaddr", "127.0.0.1")],
        ),
        ("postgresql://%68ost/", &[("host", "host")]),
        (
            "postgresql://host/db?u%73er=someotheruser&port=12345",
            &[
                ("host", "host"),
                ("dbname", "db"),
                ("user", "someotheruser"),
                ("port", "12345"),
            ],
        ),
        (
            "postgresql://[::1]:12345/db",
            &[("host", "::1"), ("port", "12345"), ("dbname", "db")],
        ),
        (
            "postgresql://[200z:db8::1234]/",
            &[("host", "200z:db8::1234")],
        ),
        ("postgres:///db", &[("dbname", "db")]),
        (
            "postgres://?host=/path/to/socket/dir",
            &[("host", "/path/to/socket/dir")],
        ),
        ("postgres://@host", &[("host", "host")]),
        ("postgres://host:/", &[("host", "host")]),
        ("postgres://:12345/", &[("port", "12345")]),
        (
            "postgres://otheruser@:12345?host=/no/such/socket/path",
            &[
                ("user", "otheruser"),
                ("port", "12345"),
                ("host", "/no/such/socket/path"),
            ],
        ),
        (
            "postgres://%2Fvar%2Flib%2Fpostgresql/dbname",
            &[("host", "/var/lib/postgresql"), ("dbname", "dbname")],
        ),
    ];
    for (uri, want) in cases {
        let mut got = kv(uri);
        let mut want = pairs(want);
        got.sort();
        want.sort();
        assert_eq!(got, want, "{uri}");
        assert_eq!(parse(uri).unwrap().form(), Form::Uri);
    }
}

#[test]
fn uri_errors_carry_libpq_message_text() {
    let cases = [
        ("postgresql://host/db?u%7aer=someotheruser&port=12345", "invalid URI query parameter: \"uzer\""),
        ("postgre://", "missing \"=\" after \"postgre://\" in connection info string"),
        ("postgres://[::1", "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgres://[::1\""),
        ("postgres://[]", "IPv6 host address may not be empty in URI: \"postgres://[]\""),
        ("postgres://[::1]z", "unexpected character \"z\" at position 17 in URI (expected \":\" or \"/\"): \"postgres://[::1]z\""),
        ("postgresql://host?zzz", "missing key/value separator \"=\" in URI query parameter: \"zzz\""),
        ("postgresql://host?value1&value2", "missing key/value separator \"=\" in URI query parameter: \"value1\""),
        ("postgresql://host?key=key=value", "extra key/value separator \"=\" in URI query parameter: \"key\""),
        ("postgres://host?dbname=%XXfoo", "invalid percent-encoded token: \"%XXfoo\""),
        ("postgresql://a%00b", "forbidden value %00 in percent-encoded value: \"a%00b\""),
        ("postgresql://%1", "invalid percent-encoded token: \"%1\""),
        ("postgresql://host?  user user  =  uri  & port = 12345 12 ", "unexpected spaces found in \"  user user  \", use percent-encoded spaces (%20) instead"),
    ];
    for (s, want) in cases {
        assert_eq!(err(s), want, "{s}");
    }
}

#[test]
fn keyword_value_quoting_and_escapes_follow_conninfo_parse() {
    assert_eq!(
        kv("host = db1  port=5433"),
        pairs(&[("host", "db1"), ("port", "5433")])
    );
    assert_eq!(
        kv(r"application_name=a\ b"),
        pairs(&[("application_name", "a b")])
    );
    assert_eq!(
        kv(r"password='it\'s' user='\\x'"),
        pairs(&[("password", "it's"), ("user", r"\x")])
    );
    // A quoted value needs no separator after it.
    assert_eq!(kv("host='a'port=5"), pairs(&[("host", "a"), ("port", "5")]));
    // Blanks after '=' are skipped, so `host= port=5` sets host to "port=5"
    // (shared/reference §2 says it is an empty value: libpq disagrees).
    assert_eq!(kv("host= port=5"), pairs(&[("host", "port=5")]));
    assert_eq!(kv("host='' port=5"), pairs(&[("host", ""), ("port", "5")]));
    assert_eq!(kv("host="), pairs(&[("host", "")]));
    // Last one wins, first position kept.
    assert_eq!(
        kv("host=a port=1 host=b"),
        pairs(&[("host", "b"), ("port", "1")])
    );
    // requiressl is rewritten at store time: order against sslmode decides.
    assert_eq!(
        kv("sslmode=disable requiressl=1"),
        pairs(&[("sslmode", "require")])
    );
    assert_eq!(
        kv("requiressl=1 sslmode=disable"),
        pairs(&[("sslmode", "disable")])
    );
    assert_eq!(kv("requiressl=yes"), pairs(&[("sslmode", "prefer")]));
    assert_eq!(parse("host=a").unwrap().form(), Form::KeyValue);
}

#[test]
fn reference_tricky_cases_give_libpq_results() {
    // §9.1: libpq's sslmode is case-sensitive.
    let ci = parse("host=db sslmode=Require").unwrap();
    assert_eq!(
        ci.effective_sslmode().unwrap_err().to_string(),
        "invalid sslmode value: \"Require\""
    );
    // §9.2: '' closes the value; the rest starts a new keyword.
    assert_eq!(
        err("password='it''s'"),
        "missing \"=\" after \"***\" in connection info string"
    );
    // §9.3: ssl=true is JDBC compatibility, ssl=false is unknown.
    assert_eq!(
        kv("postgresql://u@h/db?sslmode=require&ssl=true"),
        pairs(&[
            ("user", "u"),
            ("host", "h"),
            ("dbname", "db"),
            ("sslmode", "require")
        ])
    );
    assert_eq!(
        err("postgresql://u@h/db?ssl=false"),
        "invalid URI query parameter: \"ssl\""
    );
    // §9.4: the prefix is case-sensitive.
    assert_eq!(
        err("POSTGRESQL://h/db"),
        "missing \"=\" after \"POSTGRESQL://h/db\" in connection info string"
    );
    // §9.5: the first @ ends the userinfo.
    assert_eq!(
        kv("postgresql://u:p@ss@h/db"),
        pairs(&[
            ("user", "u"),
            ("password", "p"),
            ("host", "ss@h"),
            ("dbname", "db")
        ])
    );
    // §9.6: multiple hosts, empty port entry.
    assert_eq!(
        kv("postgresql://[::1]:5433,db2/app"),
        pairs(&[("host", "::1,db2"), ("port", "5433,"), ("dbname", "app")])
    );
    // §9.7: 18 trims raw blanks, 12..17 keep them; %20 is never trimmed.
    assert_eq!(
        parse_as("postgresql://h/db?sslmode=require ", 18)
            .unwrap()
            .effective_sslmode()
            .unwrap(),
        SslMode::Require
    );
    assert_eq!(
        parse_as("postgresql://h/db?sslmode=require ", 17)
            .unwrap()
            .effective_sslmode()
            .unwrap_err()
            .to_string(),
        "invalid sslmode value: \"require \""
    );
    assert!(parse("postgresql://h/db?sslmode=require%20")
        .unwrap()
        .effective_sslmode()
        .is_err());
}

#[test]
fn keywords_follow_the_major_that_parses_them() {
    assert!(parse_as("sslnegotiation=direct", 17).is_ok());
    assert_eq!(
        parse_as("sslnegotiation=direct", 16).unwrap_err(),
        ConnInfoError::InvalidOption("sslnegotiation".into())
    );
    assert!(parse_as("tty=x", 13).is_ok());
    assert_eq!(
        parse_as("tty=x", 14).unwrap_err().to_string(),
        "invalid connection option \"tty\""
    );
    assert_eq!(
        parse_as("postgresql://h?sslnegotiation=direct", 16)
            .unwrap_err()
            .to_string(),
        "invalid URI query parameter: \"sslnegotiation\""
    );
}

#[test]
fn passwords_never_appear_in_display_debug_json_or_errors() {
    let canary = "canary-7f3a-pw";
    for s in [
        format!("host=db password={canary} user=u"),
        format!("postgresql://u:{canary}@db/app"),
        format!("postgresql://db/app?password={canary}&sslpassword={canary}"),
    ] {
        let ci = parse(&s).unwrap();
        let shown = format!("{ci} {ci:?} {}", serde_json::to_string(&ci).unwrap());
        assert!(!shown.contains(canary), "{shown}");
        assert!(shown.contains("password=***"), "{shown}");
        assert_eq!(ci.password().unwrap().expose(), canary);
        assert!(ci.get("password").is_none());
        assert!(ci.expose_to_string().contains(canary));
    }
    for s in [
        format!("postgresql://u:{canary}%zz@db/app"),
        format!("postgresql://u:{canary}@[::1/app"),
        format!("postgresql://db/app?password={canary}%00"),
        format!("postgresql://u:{canary}@[::1]x/app"),
        format!("password='{canary}''x'"),
    ] {
        let e = parse(&s).unwrap_err().to_string();
        assert!(!e.contains(canary), "{e}");
    }
}

#[test]
fn display_round_trips_through_the_parser() {
    let ci = parse(r"host='a b' application_name='it\'s' options='-c x=\\y' port=5").unwrap();
    let again = parse(&ci.expose_to_string()).unwrap();
    assert_eq!(again, ci);
    assert_eq!(
        ci.to_string(),
        r"host='a b' application_name='it\'s' options='-c x=\\y' port=5"
    );
}

#[test]
fn set_and_remove_behave_like_storeval() {
    let mut ci = parse("postgresql://h/db").unwrap();
    ci.set("sslmode", "verify-full").unwrap();
    assert_eq!(ci.get("sslmode"), Some("verify-full"));
    ci.set("requiressl", "1").unwrap();
    assert_eq!(ci.get("sslmode"), Some("require"));
    assert_eq!(
        ci.set("sslmod", "x").unwrap_err().to_string(),
        "invalid connection option \"sslmod\""
    );
    assert!(ci.remove("sslmode"));
    assert!(!ci.remove("sslmode"));
    assert_eq!(ci.get("sslmode"), None);
}

#[test]
fn hosts_split_like_connect_options2() {
    let ci = parse("host=db1,/tmp,,@abs hostaddr='' port=5433").unwrap();
    let h = ci.hosts_with("/var/run/postgresql").unwrap();
    assert_eq!(h.len(), 4);
    assert_eq!(
        (h[0].host.as_deref(), h[0].kind, h[0].port),
        (Some("db1"), HostKind::Name, 5433)
    );
    assert_eq!(h[1].kind, HostKind::UnixSocket);
    assert_eq!(
        (h[2].host.as_deref(), h[2].kind),
        (Some("/var/run/postgresql"), HostKind::UnixSocket)
    );
    assert_eq!(h[3].kind, HostKind::UnixSocket);
    // 13 did not know abstract sockets.
    let h13 = parse_as("host=@abs", 13)
        .unwrap()
        .hosts_with("/tmp")
        .unwrap();
    assert_eq!(h13[0].kind, HostKind::Name);

    let ci = parse("postgresql://[::1]:5433,db2/app").unwrap();
    let h = ci.hosts_with("/tmp").unwrap();
    assert_eq!((h[0].host.as_deref(), h[0].port), (Some("::1"), 5433));
    assert_eq!((h[1].host.as_deref(), h[1].port), (Some("db2"), 5432));

    let ci = parse("host=a,b hostaddr=127.0.0.1,127.0.0.2").unwrap();
    let h = ci.hosts_with("/tmp").unwrap();
    assert_eq!(
        (h[1].host.as_deref(), h[1].hostaddr.as_deref(), h[1].kind),
        (Some("b"), Some("127.0.0.2"), HostKind::Address)
    );

    assert_eq!(
        parse("host=a,b,c hostaddr=127.0.0.1")
            .unwrap()
            .hosts_with("/tmp")
            .unwrap_err()
            .to_string(),
        "could not match 3 host names to 1 hostaddr values"
    );
    assert_eq!(
        parse("host=a,b,c port=1,2")
            .unwrap()
            .hosts_with("/tmp")
            .unwrap_err()
            .to_string(),
        "could not match 2 port numbers to 3 hosts"
    );
    assert_eq!(
        parse("port=70000")
            .unwrap()
            .hosts_with("/tmp")
            .unwrap_err()
            .to_string(),
        "invalid port number: \"70000\""
    );
    assert_eq!(
        parse("port=x")
            .unwrap()
            .hosts_with("/tmp")
            .unwrap_err()
            .to_string(),
        "invalid integer value \"x\" for connection option \"port\""
    );
}

#[test]
fn effective_sslmode_applies_system_root_and_direct_negotiation_rules() {
    assert_eq!(
        parse("host=h").unwrap().effective_sslmode().unwrap(),
        SslMode::Prefer
    );
    assert_eq!(
        parse("sslrootcert=system")
            .unwrap()
            .effective_sslmode()
            .unwrap(),
        SslMode::VerifyFull
    );
    // Before 16 "system" is just a file name.
    assert_eq!(
        parse_as("sslrootcert=system", 15)
            .unwrap()
            .effective_sslmode()
            .unwrap(),
        SslMode::Prefer
    );
    assert_eq!(
        parse("sslrootcert=system sslmode=require")
            .unwrap()
            .effective_sslmode()
            .unwrap_err()
            .to_string(),
        "weak sslmode \"require\" may not be used with sslrootcert=system (use \"verify-full\")"
    );
    assert_eq!(
        parse("sslnegotiation=direct").unwrap().effective_sslmode().unwrap_err().to_string(),
        "weak sslmode \"prefer\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")"
    );
    assert_eq!(
        parse("sslnegotiation=direct sslmode=require")
            .unwrap()
            .effective_sslmode()
            .unwrap(),
        SslMode::Require
    );
    assert_eq!(
        parse("sslnegotiation=Direct sslmode=require")
            .unwrap()
            .effective_sslmode()
            .unwrap_err()
            .to_string(),
        "invalid sslnegotiation value: \"Direct\""
    );
}

#[test]
fn sslmode_round_trips_its_spellings() {
    for m in SslMode::ALL {
        assert_eq!(m.to_string().parse::<SslMode>().unwrap(), m);
        assert_eq!(
            SslMode::parse_ignore_case(&m.to_string().to_uppercase()),
            Some(m)
        );
    }
    assert!("VERIFY-FULL".parse::<SslMode>().is_err());
    assert!(SslMode::Prefer.allows_plaintext() && !SslMode::Require.allows_plaintext());
}
