//! Table-driven suite: each driver's documented default and each parameter
//! form, with the doc page or source file it comes from.

use pgtls_clients::{check, Context, DriverSpec, Verdict};

struct Case {
    driver: Option<&'static str>,
    input: &'static str,
    env: &'static [(&'static str, &'static str)],
    mode: Option<&'static str>,
    verdict: Verdict,
    /// may_be_plaintext, verifies_server_cert, verifies_hostname
    flags: (bool, bool, bool),
    source: &'static str,
}

use Verdict::*;

const PLAIN: (bool, bool, bool) = (true, false, false);
const MAYBE: (bool, bool, bool) = (true, false, false);
const MAYBE_CHAIN: (bool, bool, bool) = (true, true, false);
const UNVERIFIED: (bool, bool, bool) = (false, false, false);
const CA: (bool, bool, bool) = (false, true, false);
const FULL: (bool, bool, bool) = (false, true, true);
const NONE: (bool, bool, bool) = (false, false, false);

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---- libpq: fe-connect.c (conninfo_add_defaults, connectOptions2), libpq-connect.html, libpq-ssl.html
    Case { driver: None, input: "host=db dbname=app", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "libpq-connect.html: sslmode default prefer" },
    Case { driver: None, input: "host=db sslmode=disable", env: &[], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "libpq-ssl.html table 34.1" },
    Case { driver: None, input: "host=db sslmode=allow", env: &[], mode: Some("allow"), verdict: MayBePlaintext, flags: MAYBE, source: "libpq-ssl.html: allow tries non-SSL first" },
    Case { driver: None, input: "host=db sslmode=require", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "libpq-ssl.html: require = no verification unless root.crt" },
    Case { driver: None, input: "host=db sslmode=require sslrootcert=/ca.crt", env: &[], mode: Some("require"), verdict: Verified, flags: CA, source: "libpq-ssl.html 34.19.1: root CA file present => verified like verify-ca" },
    Case { driver: None, input: "host=db sslmode=prefer sslrootcert=/ca.crt", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE_CHAIN, source: "fe-secure-openssl.c initialize_SSL: root file verified in every mode" },
    Case { driver: None, input: "host=db sslmode=verify-ca", env: &[], mode: Some("verify-ca"), verdict: Verified, flags: CA, source: "libpq-ssl.html" },
    Case { driver: None, input: "postgresql://db/app?sslmode=verify-full", env: &[], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "libpq-ssl.html" },
    Case { driver: None, input: "postgresql://db/app?ssl=true", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "fe-connect.c conninfo_uri_parse_params: JDBC ssl=true => require" },
    Case { driver: None, input: "postgresql://db/app?ssl=false", env: &[], mode: None, verdict: Invalid, flags: NONE, source: "fe-connect.c: invalid URI query parameter \"ssl\"" },
    Case { driver: None, input: "host=db requiressl=1", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "fe-connect.c conninfo_storeval: requiressl=1 => require" },
    Case { driver: None, input: "host=db sslmode=Require", env: &[], mode: Some("Require"), verdict: Invalid, flags: NONE, source: "fe-connect.c connectOptions2: invalid sslmode value (case-sensitive)" },
    Case { driver: None, input: "host=db sslrootcert=system", env: &[], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "fe-connect.c conninfo_add_defaults (16+): sslrootcert=system => verify-full" },
    Case { driver: None, input: "host=db sslrootcert=system sslmode=require", env: &[], mode: Some("require"), verdict: Invalid, flags: NONE, source: "fe-connect.c connectOptions2: weak sslmode with sslrootcert=system" },
    Case { driver: None, input: "host=db", env: &[("PGSSLMODE", "disable")], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "libpq-envars.html: PGSSLMODE" },
    Case { driver: None, input: "host=db", env: &[("PGREQUIRESSL", "1")], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "fe-connect.c: PGREQUIRESSL" },
    Case { driver: None, input: "host=db sslmode=verify-full", env: &[("PGSSLMODE", "disable")], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "explicit beats environment" },
    Case { driver: None, input: "host=/var/run/postgresql dbname=app", env: &[], mode: Some("prefer"), verdict: LocalSocket, flags: NONE, source: "fe-connect.c: SSL never attempted on Unix sockets" },
    Case { driver: None, input: "dbname=app", env: &[], mode: Some("prefer"), verdict: LocalSocket, flags: NONE, source: "libpq default host = socket directory" },
    Case { driver: None, input: "postgresql://h/db?sslmode=${PGSSLMODE}", env: &[], mode: None, verdict: Unknown, flags: NONE, source: "templated value" },
    Case { driver: Some("psycopg2"), input: "postgresql+psycopg2://u@db/app?sslmode=require", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "sqlalchemy/dialects/postgresql/psycopg2.py: query => connect kwargs => libpq" },
    Case { driver: None, input: "postgresql+psycopg://u@db/app", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "psycopg3 over libpq: default prefer" },
    // ---- pgjdbc: pgjdbc/src/main/java/org/postgresql/jdbc/SslMode.java (of()), docs ssl-client.md
    Case { driver: None, input: "jdbc:postgresql://db:5432/app", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "SslMode.java: no sslmode, no ssl => PREFER" },
    Case { driver: None, input: "jdbc:postgresql://db/app?ssl=true", env: &[], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "SslMode.java: ssl=true => VERIFY_FULL" },
    Case { driver: None, input: "jdbc:postgresql://db/app?ssl", env: &[], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "SslMode.java: empty ssl => VERIFY_FULL" },
    Case { driver: None, input: "jdbc:postgresql://db/app?ssl=false", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "SslMode.java: ssl=false without sslmode => PREFER" },
    Case { driver: None, input: "jdbc:postgresql://db/app?sslmode=REQUIRE", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "SslMode.java equalsIgnoreCase; ssl-client.md: require accepts any certificate" },
    Case { driver: None, input: "jdbc:postgresql://db/app?sslmode=verify-ca", env: &[], mode: Some("verify-ca"), verdict: Verified, flags: CA, source: "ssl-client.md" },
    Case { driver: None, input: "jdbc:postgresql://db/app", env: &[("PGSSLMODE", "verify-full")], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "PGEnvironment.java: PGSSLMODE not read" },
    Case { driver: None, input: "jdbc:postgresql://db/app?sslmode=verify-full&sslfactory=org.postgresql.ssl.NonValidatingFactory", env: &[], mode: Some("verify-full"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "NonValidatingFactory.java" },
    Case { driver: None, input: "jdbc:postgresql://db/app?sslmode=strict", env: &[], mode: Some("strict"), verdict: Invalid, flags: NONE, source: "SslMode.java: Invalid sslmode value" },
    // ---- Npgsql: conceptual/Npgsql/security.md, release-notes/6.0.md, 8.0.md
    Case { driver: None, input: "Host=db;Database=app;Username=u", env: &[], mode: Some("Prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "security.md: default Prefer (6.0+)" },
    Case { driver: Some("npgsql@5"), input: "Host=db;Database=app;Username=u", env: &[], mode: Some("Disable"), verdict: Plaintext, flags: PLAIN, source: "release-notes/6.0.md: default was Disable" },
    Case { driver: Some("npgsql@5"), input: "Host=db;Database=app;SSL Mode=Require", env: &[], mode: Some("Require"), verdict: Verified, flags: FULL, source: "release-notes/6.0.md: Require used to validate" },
    Case { driver: Some("npgsql@5"), input: "Host=db;SSL Mode=Require;Trust Server Certificate=true", env: &[], mode: Some("Require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "security.md: Trust Server Certificate" },
    Case { driver: Some("npgsql@7"), input: "Host=db;Database=app;SSL Mode=Require", env: &[], mode: Some("Require"), verdict: Invalid, flags: NONE, source: "release-notes/6.0.md: Require needs Trust Server Certificate=true" },
    Case { driver: Some("npgsql@8"), input: "Host=db;Database=app;SslMode=Require", env: &[], mode: Some("Require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "release-notes/8.0.md: Require no longer validates nor needs TSC" },
    Case { driver: None, input: "Server=db;Database=app;SSL Mode=VerifyFull", env: &[], mode: Some("VerifyFull"), verdict: Verified, flags: FULL, source: "security.md" },
    Case { driver: None, input: "Host=db;Database=app;sslmode=verify-full", env: &[], mode: Some("verify-full"), verdict: Invalid, flags: NONE, source: "Npgsql enum names: VerifyFull, not verify-full" },
    Case { driver: None, input: "Host=db;Database=app", env: &[("PGSSLMODE", "disable")], mode: Some("Prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "security.md: PGSSLMODE not among Npgsql's environment variables" },
    // ---- node-postgres: packages/pg/lib/connection-parameters.js, packages/pg-connection-string/index.js
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app", env: &[], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "defaults.js: ssl false" },
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app?sslmode=require", env: &[], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "pg-connection-string: require => ssl {} (verified)" },
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app?sslmode=prefer", env: &[], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "pg-connection-string: prefer => verified, no fallback" },
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app?sslmode=no-verify", env: &[], mode: Some("no-verify"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "pg-connection-string: no-verify => rejectUnauthorized false" },
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app?sslmode=require&uselibpqcompat=true", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "pg-connection-string 2.8: uselibpqcompat require => unverified" },
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app?ssl=false", env: &[], mode: Some("ssl=false"), verdict: Invalid, flags: NONE, source: "pg-connection-string keeps ssl='false' as a string; pg 8.23.0 connection.js upgradeToSSL throws on it (observed, tests/e2e_drivers.rs)" },
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app?ssl=0", env: &[], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "pg-connection-string: ssl=0 => false" },
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app", env: &[("PGSSLMODE", "require")], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "connection-parameters.js readSSLConfigFromEnvironment" },
    Case { driver: Some("node-postgres"), input: "postgres://u@db/app", env: &[("PGSSLMODE", "allow")], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "readSSLConfigFromEnvironment: allow => default (off)" },
    // ---- asyncpg: asyncpg/connect_utils.py
    Case { driver: Some("asyncpg"), input: "postgresql://u@db/app", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "connect_utils.py: default prefer (0.22+)" },
    Case { driver: Some("asyncpg@0.21"), input: "postgresql://u@db/app", env: &[], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "asyncpg < 0.22: no SSL by default" },
    Case { driver: Some("asyncpg"), input: "postgresql://u@db/app?sslmode=require", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "connect_utils.py: require verifies only with a root file" },
    Case { driver: Some("asyncpg"), input: "postgresql://u@db/app?sslmode=verify-full", env: &[], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "connect_utils.py" },
    Case { driver: Some("asyncpg"), input: "postgresql://u@db/app", env: &[("PGSSLMODE", "disable")], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "connect_utils.py: PGSSLMODE" },
    Case { driver: None, input: "postgresql+asyncpg://u@db/app?sslmode=require", env: &[], mode: Some("require"), verdict: Invalid, flags: NONE, source: "sqlalchemy asyncpg dialect create_connect_args; asyncpg#737" },
    Case { driver: None, input: "postgresql+asyncpg://u@db/app?ssl=require", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "asyncpg connect(ssl='require')" },
    Case { driver: None, input: "postgresql+asyncpg://u@db/app?ssl=true", env: &[], mode: Some("true"), verdict: Invalid, flags: NONE, source: "asyncpg SSLMode.parse rejects 'true' as a string" },
    // ---- Go lib/pq: connector.go, ssl.go, CHANGELOG.md
    Case { driver: Some("go-pq"), input: "host=db dbname=app", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "lib/pq connector.go: default sslmode require" },
    Case { driver: Some("go-pq@1.10"), input: "postgres://u@db/app?sslmode=prefer", env: &[], mode: Some("prefer"), verdict: Invalid, flags: NONE, source: "lib/pq < 1.12: unsupported sslmode" },
    Case { driver: Some("go-pq@1.12"), input: "postgres://u@db/app?sslmode=prefer", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "lib/pq CHANGELOG 1.12.0: prefer supported" },
    Case { driver: Some("go-pq"), input: "host=db sslmode=disable", env: &[], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "lib/pq ssl.go" },
    Case { driver: Some("go-pq"), input: "host=db", env: &[("PGSSLMODE", "verify-full")], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "lib/pq honours PGSSLMODE" },
    // ---- pgx v5: pgconn/config.go
    Case { driver: Some("pgx"), input: "postgres://u@db/app", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "pgconn/config.go: default prefer = TLS InsecureSkipVerify + plaintext fallback" },
    Case { driver: Some("pgx"), input: "postgres://u@db/app?sslmode=require", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "pgconn/config.go: require skips verification" },
    Case { driver: Some("pgx"), input: "postgres://u@db/app?sslmode=require&sslrootcert=/ca.crt", env: &[], mode: Some("require"), verdict: Verified, flags: CA, source: "pgconn/config.go: require with sslrootcert => verify-ca" },
    Case { driver: Some("pgx"), input: "postgres://u@db/app?sslrootcert=system", env: &[], mode: Some("prefer"), verdict: Verified, flags: FULL, source: "pgconn/config.go: sslrootcert=system => verify-full" },
    // ---- sqlx: sqlx-postgres/src/options/ssl_mode.rs, connection/tls.rs
    Case { driver: Some("sqlx"), input: "postgres://u@db/app", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "ssl_mode.rs: default Prefer" },
    Case { driver: Some("sqlx"), input: "postgres://u@db/app?sslmode=allow", env: &[], mode: Some("allow"), verdict: Plaintext, flags: PLAIN, source: "connection/tls.rs: Allow treated as Disable" },
    Case { driver: Some("sqlx"), input: "postgres://u@db/app?ssl-mode=Require&sslrootcert=/ca.crt", env: &[], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "ssl_mode.rs: case-insensitive, ssl-mode alias; tls.rs: require never verifies" },
    // ---- tokio-postgres: tokio-postgres/src/config.rs
    Case { driver: Some("tokio-postgres"), input: "host=db user=u", env: &[], mode: Some("prefer"), verdict: MayBePlaintext, flags: MAYBE, source: "config.rs: SslMode default Prefer" },
    Case { driver: Some("tokio-postgres"), input: "host=db user=u sslmode=verify-full", env: &[], mode: Some("verify-full"), verdict: Invalid, flags: NONE, source: "config.rs: only disable|prefer|require" },
    Case { driver: Some("tokio-postgres"), input: "postgres://u@db/app?sslmode=require", env: &[("PGSSLMODE", "disable")], mode: Some("require"), verdict: EncryptedUnverified, flags: UNVERIFIED, source: "config.rs: reads no PG* environment; verification is the connector's" },
    // ---- pg8000
    Case { driver: None, input: "postgresql+pg8000://u@db/app", env: &[], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "pg8000: TLS only with ssl_context" },
    // ---- environment variables
    Case { driver: Some("environment"), input: "PGSSLMODE=disable", env: &[], mode: Some("disable"), verdict: Plaintext, flags: PLAIN, source: "libpq-envars.html" },
    Case { driver: Some("environment"), input: "PGSSLMODE=verify-full", env: &[], mode: Some("verify-full"), verdict: Verified, flags: FULL, source: "libpq-envars.html" },
];

#[test]
fn every_driver_form_gets_its_documented_verdict() {
    let mut failures = vec![];
    for c in CASES {
        let mut ctx = Context::default();
        for (k, v) in c.env {
            ctx = ctx.with_env(k, v, "test");
        }
        let d: Option<DriverSpec> = c.driver.map(|d| d.parse().unwrap());
        let a = check(c.input, d, &ctx);
        let got = (
            a.effective_sslmode
                .as_deref()
                .map(|m| m.split(" (written").next().unwrap().to_string()),
            a.verdict,
            (
                a.may_be_plaintext,
                a.verifies_server_cert,
                a.verifies_hostname,
            ),
        );
        let want = (c.mode.map(str::to_string), c.verdict, c.flags);
        if got != want {
            failures.push(format!(
                "{:?} {:?} env {:?} [{}]\n   got  {got:?} ({:?})\n   want {want:?}",
                c.driver, c.input, c.env, c.source, a.error
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn codes_follow_the_verdict() {
    let ctx = Context::default();
    let code = |s: &str, d: Option<&str>| check(s, d.map(|d| d.parse().unwrap()), &ctx).code;
    assert_eq!(code("host=db sslmode=disable", None), "PGT401");
    assert_eq!(code("host=db", None), "PGT402");
    assert_eq!(code("host=db sslmode=require", None), "PGT403");
    assert_eq!(code("host=db sslmode=verify-ca", None), "PGT404");
    assert_eq!(code("host=db sslmode=verify-full", None), "PGT405");
    assert_eq!(code("host=db sslmode=Require", None), "PGT406");
    assert_eq!(code("PGSSLMODE=prefer", Some("environment")), "PGT407");
    assert_eq!(code("host=/tmp", None), "PGT411");
    assert_eq!(code("host=db sslmode=$MODE", None), "PGT412");
}

#[test]
fn passwords_never_reach_the_assessment() {
    let canary = "canary-91c4";
    let ctx = Context::default();
    for s in [
        format!("postgresql://u:{canary}@db/app"),
        format!("host=db password={canary}"),
        format!("jdbc:postgresql://db/app?password={canary}"),
        format!("Host=db;Database=a;Password={canary}"),
        format!("postgresql+asyncpg://u:{canary}@db/app?sslmode=require"),
        format!("postgresql://u:{canary}%zz@db/app"),
    ] {
        let a = check(&s, None, &ctx);
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains(canary), "{json}");
    }
}

#[test]
fn node_postgres_does_not_verify_ip_literal_hosts() {
    // pg/lib/connection.js upgradeToSSL: servername only for non-IP hosts.
    let ctx = Context::default();
    let d = Some("node-postgres".parse().unwrap());
    let a = check("postgres://u@10.0.0.5/app?sslmode=verify-full", d, &ctx);
    assert!(a.verifies_server_cert && !a.verifies_hostname);
    assert_eq!(a.code, "PGT404");
    let a = check("postgres://u@db.internal/app?sslmode=verify-full", d, &ctx);
    assert!(a.verifies_hostname);
}
