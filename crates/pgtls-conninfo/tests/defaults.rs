//! libpq's precedence (`conninfo_add_defaults()` / `parseServiceInfo()`,
//! fe-connect.c): explicit > service file > environment > PGREQUIRESSL >
//! compiled default; shared/reference/libpq_conninfo.md §4 and §9.8-10.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pgtls_conninfo::{parse, parse_as, ConnInfo, ConnInfoError, DefaultsContext, Source, SslMode};

struct World {
    env: HashMap<String, String>,
    files: HashMap<PathBuf, Vec<u8>>,
}

impl World {
    fn new(env: &[(&str, &str)], files: &[(&str, &str)]) -> Self {
        World {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            files: files
                .iter()
                .map(|(k, v)| (PathBuf::from(k), v.as_bytes().to_vec()))
                .collect(),
        }
    }
    fn defaults(&self, ci: &ConnInfo) -> Result<ConnInfo, ConnInfoError> {
        let env = |k: &str| self.env.get(k).cloned();
        let read = |p: &Path| self.files.get(p).cloned();
        let ctx = DefaultsContext {
            env: &env,
            read_file: &read,
            os_user: Some("alice".into()),
            passwd_home: Some("/home/alice".into()),
            sysconfdir: "/etc/postgresql-common".into(),
            socket_dir: "/var/run/postgresql".into(),
            gssapi: true,
        };
        ci.with_defaults_in(&ctx)
    }
    fn mode(&self, s: &str) -> Result<SslMode, ConnInfoError> {
        self.defaults(&parse(s).unwrap())?.effective_sslmode()
    }
}

const SVC: &str =
    "# services\n[prod]\nhost=db.prod\nsslmode=require\nsslmode=disable\n\n[dev]\nhost=db.dev\n";

#[test]
fn service_file_beats_environment_and_explicit_beats_both() {
    let w = World::new(
        &[
            ("PGSERVICEFILE", "/svc.conf"),
            ("PGSSLMODE", "disable"),
            ("PGHOST", "envhost"),
        ],
        &[("/svc.conf", SVC)],
    );
    assert_eq!(w.mode("service=prod").unwrap(), SslMode::Require);
    assert_eq!(
        w.mode("service=prod sslmode=allow").unwrap(),
        SslMode::Allow
    );
    let d = w.defaults(&parse("service=prod").unwrap()).unwrap();
    assert_eq!(d.get("host"), Some("db.prod"));
    assert_eq!(
        d.source("sslmode"),
        Some(&Source::Service {
            file: "/svc.conf".into(),
            line: 4,
            service: "prod".into()
        })
    );
    // dev has no sslmode: the environment fills it.
    assert_eq!(w.mode("service=dev").unwrap(), SslMode::Disable);
    assert_eq!(
        w.defaults(&parse("service=dev").unwrap())
            .unwrap()
            .source("sslmode"),
        Some(&Source::Env {
            var: "PGSSLMODE".into()
        })
    );
}

#[test]
fn pgservice_environment_names_the_service() {
    let w = World::new(
        &[("PGSERVICE", "prod"), ("PGSERVICEFILE", "/svc.conf")],
        &[("/svc.conf", SVC)],
    );
    assert_eq!(w.mode("").unwrap(), SslMode::Require);
}

#[test]
fn home_service_file_then_sysconfdir() {
    let w = World::new(
        &[("HOME", "/h")],
        &[
            ("/h/.pg_service.conf", "[a]\nsslmode=verify-ca\n"),
            (
                "/etc/postgresql-common/pg_service.conf",
                "[b]\nsslmode=require\n",
            ),
        ],
    );
    assert_eq!(w.mode("service=a").unwrap(), SslMode::VerifyCa);
    assert_eq!(w.mode("service=b").unwrap(), SslMode::Require);
    assert_eq!(
        w.mode("service=c").unwrap_err().to_string(),
        "definition of service \"c\" not found"
    );
    let w = World::new(
        &[("PGSYSCONFDIR", "/etc/pg")],
        &[("/etc/pg/pg_service.conf", "[b]\nsslmode=verify-full\n")],
    );
    assert_eq!(w.mode("service=b").unwrap(), SslMode::VerifyFull);
}

#[test]
fn service_file_errors_use_libpq_text() {
    let w = World::new(&[("PGSERVICEFILE", "/missing")], &[]);
    assert_eq!(
        w.mode("service=a").unwrap_err().to_string(),
        "service file \"/missing\" not found"
    );
    let w = World::new(
        &[("PGSERVICEFILE", "/s")],
        &[("/s", "[a]\nsslmode = require\n")],
    );
    assert_eq!(
        w.mode("service=a").unwrap_err().to_string(),
        "syntax error in service file \"/s\", line 2"
    );
    let w = World::new(
        &[("PGSERVICEFILE", "/s")],
        &[("/s", "[a]\nhost=x\nservice=b\n")],
    );
    assert_eq!(
        w.mode("service=a").unwrap_err().to_string(),
        "nested service specifications not supported in service file \"/s\", line 3"
    );
    let long = format!("[a]\nhost={}\n", "x".repeat(1017)); // 5 + 1017 + newline = 1023 bytes
    let w = World::new(&[("PGSERVICEFILE", "/s")], &[("/s", long.as_str())]);
    assert_eq!(
        w.mode("service=a").unwrap_err().to_string(),
        "line 2 too long in service file \"/s\""
    );
    let ok = format!("[a]\nhost={}\n", "x".repeat(1016));
    let w = World::new(&[("PGSERVICEFILE", "/s")], &[("/s", ok.as_str())]);
    assert!(w.mode("service=a").is_ok());
    // Lines of other sections are not validated; a prefix header does not match.
    let w = World::new(
        &[("PGSERVICEFILE", "/s")],
        &[(
            "/s",
            "[b]\nbogus line\n[ab]\nsslmode=disable\n[a]\nsslmode=require\n",
        )],
    );
    assert_eq!(w.mode("service=a").unwrap(), SslMode::Require);
}

#[test]
fn requiressl_environment_yields_to_pgsslmode() {
    let w = World::new(&[("PGREQUIRESSL", "1")], &[]);
    assert_eq!(w.mode("").unwrap(), SslMode::Require);
    let w = World::new(&[("PGREQUIRESSL", "1"), ("PGSSLMODE", "prefer")], &[]);
    assert_eq!(w.mode("").unwrap(), SslMode::Prefer);
    let w = World::new(&[("PGREQUIRESSL", "0")], &[]);
    assert_eq!(w.mode("").unwrap(), SslMode::Prefer);
}

#[test]
fn system_root_upgrades_only_the_compiled_default() {
    let w = World::new(&[("PGSSLROOTCERT", "system")], &[]);
    assert_eq!(w.mode("host=h").unwrap(), SslMode::VerifyFull);
    assert_eq!(
        w.mode("sslmode=disable").unwrap_err().to_string(),
        "weak sslmode \"disable\" may not be used with sslrootcert=system (use \"verify-full\")"
    );
    let w = World::new(&[("PGSSLMODE", "require")], &[]);
    assert_eq!(
        w.mode("sslrootcert=system").unwrap_err().to_string(),
        "weak sslmode \"require\" may not be used with sslrootcert=system (use \"verify-full\")"
    );
    let w = World::new(&[("PGSSLROOTCERT", "system")], &[]);
    let d = w.defaults(&parse_as("host=h", 15).unwrap()).unwrap();
    assert_eq!(d.effective_sslmode().unwrap(), SslMode::Prefer);
}

#[test]
fn compiled_defaults_and_os_user_fill_the_rest() {
    let w = World::new(&[], &[]);
    let d = w.defaults(&parse("").unwrap()).unwrap();
    assert_eq!(d.get("sslmode"), Some("prefer"));
    assert_eq!(d.get("port"), Some("5432"));
    assert_eq!(d.get("user"), Some("alice"));
    assert_eq!(d.get("dbname"), Some("alice"));
    assert_eq!(d.get("host"), Some("/var/run/postgresql"));
    assert_eq!(d.get("gssencmode"), Some("prefer"));
    assert_eq!(d.get("sslnegotiation"), Some("postgres"));
    assert_eq!(d.source("user"), Some(&Source::Default));
    let d13 = w.defaults(&parse_as("", 13).unwrap()).unwrap();
    assert_eq!(d13.get("sslnegotiation"), None);
    let w = World::new(
        &[
            ("PGUSER", "bob"),
            ("PGHOSTADDR", "127.0.0.1"),
            ("PGPASSWORD", "canary-x"),
        ],
        &[],
    );
    let d = w.defaults(&parse("").unwrap()).unwrap();
    assert_eq!(
        (d.get("user"), d.get("dbname"), d.get("host")),
        (Some("bob"), Some("bob"), None)
    );
    assert!(!d.to_string().contains("canary-x"));
    assert_eq!(d.password().unwrap().expose(), "canary-x");
}

/// Regression (libpq oracle, PGTLS_LONG run): 12 keeps trailing blanks of a
/// service-file line, 13+ drop them.
#[test]
fn service_file_trailing_blanks_matter_only_in_12() {
    let w = World::new(
        &[("PGSERVICEFILE", "/s")],
        &[("/s", "[a]\n  sslmode=disable  \n")],
    );
    let m = |major| {
        w.defaults(&parse_as("service=a", major).unwrap())
            .unwrap()
            .effective_sslmode()
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        m(12),
        Err("invalid sslmode value: \"disable  \"".to_string())
    );
    assert_eq!(m(13), Ok(SslMode::Disable));
    let w = World::new(
        &[("PGSERVICEFILE", "/s")],
        &[("/s", "[a]\r\nsslmode=disable\r\n")],
    );
    assert_eq!(
        w.defaults(&parse_as("service=a", 12).unwrap())
            .unwrap()
            .effective_sslmode()
            .unwrap(),
        SslMode::Disable
    );
}

/// Regression (libpq oracle): before 15 libpq finds ~/.pg_service.conf
/// through the passwd entry, not $HOME.
#[test]
fn home_service_file_follows_home_only_from_15() {
    let w = World::new(
        &[("HOME", "/h")],
        &[
            ("/h/.pg_service.conf", "[a]\nsslmode=require\n"),
            ("/home/alice/.pg_service.conf", "[a]\nsslmode=verify-ca\n"),
        ],
    );
    let m = |major| {
        w.defaults(&parse_as("service=a", major).unwrap())
            .unwrap()
            .effective_sslmode()
            .unwrap()
    };
    assert_eq!(m(15), SslMode::Require);
    assert_eq!(m(14), SslMode::VerifyCa);
}
