//! Per-driver semantics: from a setting as written to its wire behaviour and
//! verdict. Each driver's rules cite the source they come from; the table
//! tests in `tests/drivers.rs` pin them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pgtls_conninfo::{
    ConnInfo, ConnInfoError, DefaultsContext, HostKind, Source, SslMode, LATEST_MAJOR,
};
use pgtls_model::{CheckDoc, Severity};
use serde::Serialize;

use crate::docs;
use crate::driver::{Driver, DriverSpec, Version};
use crate::forms::{self, Syntax, Url};
use crate::model::{Behavior, ChainCheck, FallbackOn, Verdict};

/// A value of an environment variable and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvValue {
    pub value: String,
    /// `".env:3"`, `"docker-compose.yml:12"`, `"--env"`, `"process environment"`.
    pub origin: String,
}

/// What surrounds a setting: the environment in its scope and the service
/// files that may define its `service=`.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub env: BTreeMap<String, EnvValue>,
    /// pg_service.conf candidates (searched in order for a section).
    pub service_files: std::sync::Arc<Vec<(PathBuf, Vec<u8>)>>,
    /// libpq major to model (default: the newest).
    pub libpq_major: Option<u32>,
    /// Also read this machine's service files (`~/.pg_service.conf`, ...).
    pub system_files: bool,
}

impl Context {
    pub fn with_env(mut self, k: &str, v: &str, origin: &str) -> Self {
        self.env.insert(
            k.to_string(),
            EnvValue {
                value: v.to_string(),
                origin: origin.to_string(),
            },
        );
        self
    }
    /// The process environment (for `pgtls clients check --use-env`).
    pub fn from_process_env() -> Self {
        let mut c = Context {
            system_files: true,
            ..Context::default()
        };
        for (k, v) in std::env::vars() {
            if k.starts_with("PG") || k == "DATABASE_URL" {
                c = c.with_env(&k, &v, "process environment");
            }
        }
        c
    }
    fn get(&self, k: &str) -> Option<&EnvValue> {
        self.env.get(k)
    }
}

/// A setting to judge.
#[derive(Debug, Clone)]
pub enum Setting {
    /// A connection string in any supported syntax (detected).
    Text(String),
    /// Already expressed as libpq keywords (database.yml, Django OPTIONS,
    /// a pg_service.conf section, primary_conninfo).
    Libpq(ConnInfo, Syntax),
    /// A node-postgres config object.
    Node(NodeConfig),
    /// An environment variable assignment (PGSSLMODE, PGREQUIRESSL).
    Env { name: String, value: String },
    /// PgBouncer `client_tls_sslmode` (the client-facing leg).
    PgbouncerClient {
        mode: Option<String>,
        has_cert_and_key: bool,
    },
    /// PgBouncer `server_tls_sslmode` (the pooler-to-PostgreSQL leg), for one
    /// `[databases]` entry (its connection string) or the section itself.
    PgbouncerServer {
        mode: Option<String>,
        has_ca: bool,
        database: Option<String>,
    },
}

/// What a node-postgres config object says about TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeConfig {
    pub ssl: Option<NodeSsl>,
    pub connection_string: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub user: Option<String>,
    pub database: Option<String>,
}

/// The `ssl` option of node-postgres.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeSsl {
    Bool(bool),
    /// A string value (`'false'` is truthy: TLS on).
    Str(String),
    /// An object: `rejectUnauthorized`, `ca`, a no-op `checkServerIdentity`.
    Object {
        reject_unauthorized: Option<bool>,
        has_ca: bool,
        skips_identity: bool,
    },
    /// An expression evaluated at run time.
    Unresolved(String),
}

/// The judgement of one setting.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub driver: DriverSpec,
    pub syntax: Syntax,
    /// The mode in the driver's own vocabulary (`prefer`, `no-verify`,
    /// `Require`, ...); `None` when not applicable or unknown.
    pub effective_sslmode: Option<String>,
    /// Where the mode came from.
    pub sslmode_source: String,
    pub verdict: Verdict,
    pub may_be_plaintext: bool,
    pub verifies_server_cert: bool,
    pub verifies_hostname: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior: Option<Behavior>,
    pub code: &'static str,
    pub severity: Severity,
    /// The driver's own error when the setting is invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub notes: Vec<String>,
    pub fix: String,
    pub hosts: Vec<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub database: Option<String>,
}

impl Assessment {
    fn new(driver: DriverSpec, syntax: Syntax) -> Self {
        Assessment {
            driver,
            syntax,
            effective_sslmode: None,
            sslmode_source: "driver default".into(),
            verdict: Verdict::Unknown,
            may_be_plaintext: false,
            verifies_server_cert: false,
            verifies_hostname: false,
            behavior: None,
            code: docs::UNRESOLVED.code,
            severity: docs::UNRESOLVED.severity,
            error: None,
            notes: vec![],
            fix: String::new(),
            hosts: vec![],
            host: None,
            port: None,
            user: None,
            database: None,
        }
    }

    fn with_behavior(&mut self, mode: &str, b: Behavior) {
        self.effective_sslmode = Some(mode.to_string());
        self.verdict = b.verdict();
        self.may_be_plaintext = b.may_be_plaintext();
        self.verifies_server_cert = b.verifies_server_cert();
        self.verifies_hostname = b.verifies_hostname();
        self.behavior = Some(b);
    }

    fn invalid(&mut self, mode: Option<&str>, error: impl Into<String>) {
        self.effective_sslmode = mode.map(str::to_string);
        self.verdict = Verdict::Invalid;
        self.error = Some(error.into());
        self.behavior = None;
        self.may_be_plaintext = false;
        self.verifies_server_cert = false;
        self.verifies_hostname = false;
    }

    fn unresolved(&mut self, what: &str) {
        self.verdict = Verdict::Unknown;
        self.effective_sslmode = None;
        self.behavior = None;
        self.notes
            .push(format!("the TLS setting is decided at run time: {what}"));
    }

    fn set_targets_from_url(&mut self, u: &Url) {
        self.hosts = u.hosts.iter().map(|(h, _)| h.clone()).collect();
        self.host = self.hosts.first().cloned();
        self.port = u
            .hosts
            .first()
            .and_then(|(_, p)| p.as_deref())
            .and_then(|p| p.parse().ok());
        self.user = u.user.clone();
        self.database = u.database().map(str::to_string);
    }

    /// The documented check this assessment falls under.
    pub fn doc(&self) -> &'static CheckDoc {
        docs::DOCS
            .iter()
            .find(|d| d.code == self.code)
            .expect("codes come from DOCS")
    }

    fn finish(mut self, fix_hint: &str) -> Self {
        let doc = match self.verdict {
            Verdict::Plaintext => &docs::PLAINTEXT_CLIENT,
            Verdict::MayBePlaintext => &docs::PLAINTEXT_FALLBACK,
            Verdict::EncryptedUnverified => &docs::UNVERIFIED_TLS,
            Verdict::Verified if !self.verifies_hostname => &docs::NO_HOSTNAME_CHECK,
            Verdict::Verified => &docs::VERIFIED,
            Verdict::LocalSocket => &docs::LOCAL_SOCKET,
            Verdict::Invalid => &docs::INVALID_SETTING,
            Verdict::Unknown => &docs::UNRESOLVED,
        };
        let fully_verified = self.verdict == Verdict::Verified && self.verifies_hostname;
        let judged = !matches!(self.verdict, Verdict::Invalid | Verdict::Unknown);
        let doc = match self.driver.driver {
            Driver::Environment if judged && !fully_verified => &docs::ENV_DOWNGRADE,
            Driver::Pgbouncer if judged && self.code == docs::POOLER_CLIENT_TLS.code => {
                &docs::POOLER_CLIENT_TLS
            }
            Driver::Pgbouncer if judged && !fully_verified => &docs::POOLER_SERVER_TLS,
            _ => doc,
        };
        self.code = doc.code;
        self.severity = doc.severity;
        self.fix = match self.verdict {
            Verdict::Verified if self.verifies_hostname => "nothing to do".into(),
            Verdict::LocalSocket => "nothing to do (Unix-domain socket)".into(),
            Verdict::Verified => format!("verify the host name too: {fix_hint}"),
            _ => fix_hint.to_string(),
        };
        self
    }
}

/// The fix text for one driver/syntax, naming its own spelling.
pub fn fix_hint(driver: Driver, syntax: Syntax) -> &'static str {
    match (driver, syntax) {
        (Driver::Pgjdbc, _) => "add `sslmode=verify-full&sslrootcert=/path/to/root.crt` to the JDBC URL (at least `sslmode=require`; pgjdbc reads no PGSSLMODE)",
        (Driver::Npgsql, _) => "use `SSL Mode=VerifyFull;Root Certificate=/path/to/root.crt` (at least `SSL Mode=Require`)",
        (Driver::NodePostgres, Syntax::NodeConfig) => "set `ssl: { ca: fs.readFileSync('/path/to/root.crt') }` (or `ssl: true` for a publicly trusted certificate); never `rejectUnauthorized: false`",
        (Driver::NodePostgres, _) => "add `sslmode=verify-full&sslrootcert=/path/to/root.crt` to the URL (node-postgres verifies for prefer/require/verify-*; `no-verify` does not)",
        (Driver::Asyncpg, Syntax::SqlalchemyUrl) => "use `?ssl=verify-full` (asyncpg takes `ssl=`, not `sslmode=`) with the CA in PGSSLROOTCERT or connect_args",
        (Driver::Asyncpg, _) => "pass `ssl='verify-full'` (or `?sslmode=verify-full` in the DSN) with the CA in `sslrootcert`/PGSSLROOTCERT",
        (Driver::Pg8000, _) => "pass `ssl_context=ssl.create_default_context(cafile='/path/to/root.crt')` (SQLAlchemy: connect_args)",
        (Driver::TokioPostgres, _) => "use `sslmode=require` with a verifying TLS connector (tokio-postgres-rustls / postgres-openssl); it has no verify-full keyword",
        (Driver::Sqlx, _) => "add `sslmode=verify-full&sslrootcert=/path/to/root.crt` (sqlx `require` never verifies)",
        (Driver::GoPq | Driver::Pgx, _) => "add `sslmode=verify-full sslrootcert=/path/to/root.crt` (at least `sslmode=require`)",
        (Driver::Pgbouncer, _) => "set `server_tls_sslmode = verify-full` with `server_tls_ca_file` (client leg: `client_tls_sslmode = require` with client_tls_key_file/cert_file)",
        (Driver::Environment, _) => "set `PGSSLMODE=verify-full` with `PGSSLROOTCERT=/path/to/root.crt` (at least `require`)",
        (_, Syntax::RailsYaml) => "add `sslmode: verify-full` and `sslrootcert: /path/to/root.crt` (at least `sslmode: require`)",
        (_, Syntax::DjangoSettings) => "set `'OPTIONS': {'sslmode': 'verify-full', 'sslrootcert': '/path/to/root.crt'}` (at least 'require')",
        (_, Syntax::ServiceFile) => "add `sslmode=verify-full` and `sslrootcert=/path/to/root.crt` to the section (at least `sslmode=require`)",
        (_, Syntax::PrimaryConninfo) => "add `sslmode=verify-full sslrootcert=/path/to/root.crt` to primary_conninfo (at least `sslmode=require`)",
        (_, Syntax::LibpqUri | Syntax::SqlalchemyUrl) => "add `sslmode=verify-full&sslrootcert=/path/to/root.crt` to the URI (at least `sslmode=require`)",
        _ => "add `sslmode=verify-full sslrootcert=/path/to/root.crt` (at least `sslmode=require`)",
    }
}

/// Judge a setting for a driver (or the driver inferred from the syntax).
pub fn assess(setting: &Setting, driver: Option<DriverSpec>, ctx: &Context) -> Assessment {
    match setting {
        Setting::Text(t) => assess_text(t, driver, ctx),
        Setting::Libpq(ci, syntax) => {
            let d = driver.unwrap_or(DriverSpec::new(Driver::Libpq));
            assess_libpq(ci.clone(), d, *syntax, ctx)
        }
        Setting::Node(cfg) => assess_node(cfg, driver, ctx),
        Setting::Env { name, value } => assess_env(name, value, ctx),
        Setting::PgbouncerClient {
            mode,
            has_cert_and_key,
        } => assess_pgbouncer_client(mode.as_deref(), *has_cert_and_key, driver),
        Setting::PgbouncerServer {
            mode,
            has_ca,
            database,
        } => assess_pgbouncer_server(mode.as_deref(), *has_ca, database.as_deref(), driver),
    }
}

/// Which syntax and driver a bare string is written for.
pub fn detect(text: &str, driver: Option<DriverSpec>) -> (Syntax, DriverSpec) {
    let t = text.trim();
    if t.starts_with("jdbc:postgresql:") {
        return (
            Syntax::JdbcUrl,
            driver.unwrap_or(DriverSpec::new(Driver::Pgjdbc)),
        );
    }
    if let Some(d) = forms::sqlalchemy_dialect(t) {
        let inferred = match d {
            "asyncpg" => Driver::Asyncpg,
            "psycopg" | "psycopg_async" => Driver::Psycopg,
            "pg8000" => Driver::Pg8000,
            _ => Driver::Psycopg2,
        };
        return (
            Syntax::SqlalchemyUrl,
            driver.unwrap_or(DriverSpec::new(inferred)),
        );
    }
    if pgtls_conninfo::uri_prefix_length(t) != 0 {
        return (
            Syntax::LibpqUri,
            driver.unwrap_or(DriverSpec::new(Driver::Libpq)),
        );
    }
    if forms::looks_like_ado(t) && driver.is_none_or(|d| d.driver == Driver::Npgsql) {
        return (
            Syntax::Npgsql,
            driver.unwrap_or(DriverSpec::new(Driver::Npgsql)),
        );
    }
    (
        Syntax::LibpqKeywordValue,
        driver.unwrap_or(DriverSpec::new(Driver::Libpq)),
    )
}

fn assess_text(text: &str, driver: Option<DriverSpec>, ctx: &Context) -> Assessment {
    let text = text.trim();
    let (syntax, d) = detect(text, driver);
    match d.driver {
        Driver::Pgjdbc => assess_jdbc(text, d),
        Driver::Npgsql => assess_npgsql(text, d, syntax),
        Driver::NodePostgres => assess_node(
            &NodeConfig {
                connection_string: Some(text.to_string()),
                ..NodeConfig::default()
            },
            Some(d),
            ctx,
        ),
        Driver::Asyncpg => assess_asyncpg(text, d, syntax, ctx),
        Driver::Pg8000 => assess_pg8000(text, d, syntax),
        Driver::GoPq | Driver::Pgx | Driver::Sqlx | Driver::TokioPostgres => {
            assess_go_rust(text, d, syntax, ctx)
        }
        Driver::Pgbouncer => {
            let mut a = Assessment::new(d, syntax);
            a.invalid(None, "a PgBouncer setting is a pgbouncer.ini line, not a connection string (scan the file instead)");
            a.finish(fix_hint(Driver::Pgbouncer, syntax))
        }
        Driver::Environment => {
            let mut a = Assessment::new(d, syntax);
            match text.split_once('=') {
                Some((k, v)) => return assess_env(k.trim(), v.trim(), ctx),
                None => a.invalid(None, "expected NAME=VALUE (e.g. PGSSLMODE=require)"),
            }
            a.finish(fix_hint(Driver::Environment, syntax))
        }
        _ => {
            // libpq-based: the string is libpq's (SQLAlchemy psycopg URLs
            // become libpq keywords).
            let major = ctx.libpq_major.unwrap_or(libpq_major_for(d));
            let parsed = if syntax == Syntax::SqlalchemyUrl {
                sqlalchemy_to_libpq(text, major)
            } else if syntax == Syntax::Npgsql {
                Err(ConnInfoError::InvalidOption(
                    "(an Npgsql/ADO.NET string is not a libpq connection string)".into(),
                ))
            } else {
                pgtls_conninfo::parse_as(text, major)
            };
            match parsed {
                Ok(ci) => assess_libpq(ci, d, syntax, ctx),
                Err(e) => {
                    let mut a = Assessment::new(d, syntax);
                    a.invalid(None, e.to_string());
                    a.finish(fix_hint(d.driver, syntax))
                }
            }
        }
    }
}

fn libpq_major_for(d: DriverSpec) -> u32 {
    match (d.driver, d.version) {
        (Driver::Libpq | Driver::Walreceiver, Some(v)) if (12..=18).contains(&v.major()) => {
            v.major()
        }
        _ => LATEST_MAJOR,
    }
}

/// SQLAlchemy's psycopg/psycopg2 dialects: URL parts and query items become
/// connect() keyword arguments, which psycopg merges into a libpq conninfo
/// (sqlalchemy/dialects/postgresql/psycopg2.py, `create_connect_args`).
fn sqlalchemy_to_libpq(text: &str, major: u32) -> Result<ConnInfo, ConnInfoError> {
    let u = forms::parse_url(text, false).ok_or(ConnInfoError::InvalidOption(text.into()))?;
    let mut ci = ConnInfo::new(major);
    if !u.hosts.is_empty() {
        let hosts: Vec<&str> = u.hosts.iter().map(|(h, _)| h.as_str()).collect();
        ci.set("host", &hosts.join(","))?;
        let ports: Vec<&str> = u
            .hosts
            .iter()
            .map(|(_, p)| p.as_deref().unwrap_or(""))
            .collect();
        if ports.iter().any(|p| !p.is_empty()) {
            ci.set("port", &ports.join(","))?;
        }
    }
    if let Some(x) = &u.user {
        ci.set("user", x)?;
    }
    if let Some(x) = &u.password {
        ci.set("password", x)?;
    }
    if let Some(x) = u.database() {
        ci.set("dbname", x)?;
    }
    for (k, v) in &u.query {
        ci.set(k, v)?;
    }
    Ok(ci)
}

fn service_context(ci: &ConnInfo, ctx: &Context) -> Option<(PathBuf, Vec<u8>)> {
    let name = ci
        .get("service")
        .map(str::to_string)
        .or_else(|| ctx.get("PGSERVICE").map(|e| e.value.clone()))?;
    ctx.service_files
        .iter()
        .find(|(_, text)| {
            pgtls_conninfo::service_sections(text)
                .iter()
                .any(|(n, _, _)| *n == name)
        })
        .cloned()
}

fn describe_source(src: Option<&Source>, ctx: &Context) -> String {
    match src {
        Some(Source::ConnString) | None => "connection string".into(),
        Some(Source::Service {
            file,
            line,
            service,
        }) => format!("service \"{service}\" ({}:{line})", file.display()),
        Some(Source::Env { var }) => match ctx.get(var) {
            Some(e) => format!("{var} ({})", e.origin),
            None => var.clone(),
        },
        Some(Source::Default) => "libpq default".into(),
    }
}

/// libpq (and every driver that hands its settings to libpq).
/// fe-connect.c: conninfo_add_defaults, connectOptions2; fe-secure-openssl.c:
/// initialize_SSL (a present root file is verified in every mode).
pub fn assess_libpq(ci: ConnInfo, d: DriverSpec, syntax: Syntax, ctx: &Context) -> Assessment {
    let mut a = Assessment::new(d, syntax);
    let hint = fix_hint(d.driver, syntax);
    // Environment and service file of this setting's scope.
    let svc = service_context(&ci, ctx);
    let mut env_map: BTreeMap<String, String> = ctx
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    if let Some((p, _)) = &svc {
        env_map.insert("PGSERVICEFILE".into(), p.display().to_string());
    }
    let env_fn = |k: &str| env_map.get(k).cloned();
    let svc_bytes = svc.clone();
    let system = ctx.system_files;
    let read = move |p: &Path| -> Option<Vec<u8>> {
        if let Some((sp, b)) = &svc_bytes {
            if sp == p {
                return Some(b.clone());
            }
        }
        if system {
            std::fs::read(p).ok()
        } else {
            None
        }
    };
    let dctx = DefaultsContext {
        env: &env_fn,
        read_file: &read,
        os_user: None,
        passwd_home: None,
        sysconfdir: pgtls_conninfo::default_sysconfdir(),
        socket_dir: "/var/run/postgresql".into(),
        gssapi: true,
    };
    let full = match ci.with_defaults_in(&dctx) {
        Ok(f) => f,
        Err(e @ (ConnInfoError::ServiceNotFound(_) | ConnInfoError::ServiceFileNotFound(_)))
            if !system =>
        {
            a.notes.push(format!(
                "{e}: the service is defined outside the scanned files; judged without it"
            ));
            let mut c = ci.clone();
            c.remove("service");
            let env_fn2 = |k: &str| {
                if k == "PGSERVICE" {
                    None
                } else {
                    env_map.get(k).cloned()
                }
            };
            let dctx2 = DefaultsContext {
                env: &env_fn2,
                ..dctx
            };
            match c.with_defaults_in(&dctx2) {
                Ok(f) => f,
                Err(e) => {
                    a.invalid(None, e.to_string());
                    return a.finish(hint);
                }
            }
        }
        Err(e) => {
            a.invalid(None, e.to_string());
            return a.finish(hint);
        }
    };
    // Targets (explicit, environment or service values; not compiled defaults).
    let known = |k: &str| {
        full.get(k)
            .filter(|_| full.source(k) != Some(&Source::Default))
            .map(str::to_string)
    };
    a.user = known("user");
    a.database = known("dbname");
    let hosts = full.hosts_with("/var/run/postgresql");
    if let Ok(h) = &hosts {
        a.hosts = h
            .iter()
            .map(|h| {
                h.host
                    .clone()
                    .or_else(|| h.hostaddr.clone())
                    .unwrap_or_default()
            })
            .collect();
        if full.source("host") != Some(&Source::Default) || full.hostaddr().is_some() {
            a.host = a.hosts.first().cloned();
        }
        a.port = h.first().map(|h| h.port);
    }
    let raw_mode = full.get("sslmode").unwrap_or("prefer").to_string();
    a.sslmode_source = describe_source(full.source("sslmode"), ctx);
    if forms::is_templated(&raw_mode) {
        a.unresolved(&format!("sslmode={raw_mode}"));
        return a.finish(hint);
    }
    let mode = match full.effective_sslmode() {
        Ok(m) => m,
        Err(e) => {
            a.invalid(Some(&raw_mode), e.to_string());
            return a.finish(hint);
        }
    };
    if let Err(e) = &hosts {
        a.invalid(Some(mode.as_str()), e.to_string());
        return a.finish(hint);
    }
    let root = full.sslrootcert().filter(|r| !r.is_empty());
    let lower_chain = match root {
        Some("system") if full.major() >= 16 => ChainCheck::Always,
        Some(r) if forms::is_templated(r) => ChainCheck::IfRootFileExists,
        Some(_) => ChainCheck::Always,
        None => ChainCheck::IfRootFileExists,
    };
    let b = match mode {
        SslMode::Disable => Behavior::plain(),
        SslMode::Allow => Behavior::plain_then_tls(lower_chain, FallbackOn::ANY),
        SslMode::Prefer => Behavior::tls_then_plain(lower_chain, FallbackOn::ANY),
        SslMode::Require => Behavior::tls(lower_chain, false),
        SslMode::VerifyCa => Behavior::tls(ChainCheck::Always, false),
        SslMode::VerifyFull => Behavior::tls(ChainCheck::Always, true),
    };
    a.with_behavior(mode.as_str(), b);
    if let Ok(h) = &hosts {
        if !h.is_empty() && h.iter().all(|h| h.kind == HostKind::UnixSocket) {
            a.verdict = Verdict::LocalSocket;
            a.may_be_plaintext = false;
            a.notes
                .push("Unix-domain socket: libpq never uses SSL or GSS here".into());
            return a.finish(hint);
        }
    }
    if lower_chain == ChainCheck::IfRootFileExists
        && mode <= SslMode::Require
        && mode != SslMode::Disable
    {
        a.notes.push(format!(
            "no sslrootcert: libpq verifies the chain only if ~/.postgresql/root.crt exists on the client{}",
            if mode == SslMode::Prefer {
                ", and with prefer a failed verification silently falls back to plaintext"
            } else {
                ""
            }
        ));
    }
    if mode == SslMode::Prefer && lower_chain == ChainCheck::Always {
        a.notes.push("prefer with a root certificate: a server that fails verification gets a plaintext retry".into());
    }
    if mode >= SslMode::Require && full.get("gssencmode") != Some("disable") {
        a.notes.push(
            "with a Kerberos ticket, libpq uses GSS encryption first and skips the certificate check (PGT410): add gssencmode=disable to force TLS".into(),
        );
    }
    if full.get("sslnegotiation") == Some("direct") {
        a.notes.push(
            "sslnegotiation=direct (17+): TLS without SSLRequest; servers before 17 refuse it"
                .into(),
        );
    }
    a.finish(hint)
}

fn env_or(ctx: &Context, driver: Driver, var: &str) -> Option<EnvValue> {
    if driver.reads_pgsslmode() {
        ctx.get(var).cloned()
    } else {
        None
    }
}

/// pgjdbc: `pgjdbc/src/main/java/org/postgresql/jdbc/SslMode.java` (`of()`):
/// sslmode (case-insensitive) else `ssl=true`/empty → verify-full, else
/// prefer; `require` does not verify (ssl-client.md); PGSSLMODE is not read
/// (`PGEnvironment.java`).
fn assess_jdbc(text: &str, d: DriverSpec) -> Assessment {
    let syntax = Syntax::JdbcUrl;
    let hint = fix_hint(Driver::Pgjdbc, syntax);
    let mut a = Assessment::new(d, syntax);
    let Some(u) = forms::parse_jdbc(text) else {
        a.invalid(None, "not a jdbc:postgresql: URL");
        return a.finish(hint);
    };
    a.set_targets_from_url(&u);
    if a.port.is_none() && !u.hosts.is_empty() {
        a.port = Some(5432);
    }
    if let Some(x) = u.param("user") {
        a.user = Some(x.to_string());
    }
    let mode = match u.param("sslmode") {
        Some(m) if forms::is_templated(m) => {
            a.unresolved(&format!("sslmode={m}"));
            return a.finish(hint);
        }
        Some(m) => match SslMode::parse_ignore_case(m) {
            Some(m) => {
                a.sslmode_source = "connection string".into();
                m
            }
            None => {
                a.invalid(Some(m), format!("Invalid sslmode value: {m}"));
                return a.finish(hint);
            }
        },
        None => match u.param("ssl") {
            Some(v) if v.is_empty() || v.eq_ignore_ascii_case("true") => {
                a.sslmode_source = "ssl=true (pgjdbc: verify-full)".into();
                SslMode::VerifyFull
            }
            Some(v) => {
                a.sslmode_source = format!("ssl={v} without sslmode (pgjdbc: prefer)");
                SslMode::Prefer
            }
            None => SslMode::Prefer,
        },
    };
    let nonvalidating = u
        .param("sslfactory")
        .is_some_and(|f| f.ends_with("NonValidatingFactory"));
    let chain = |strong: ChainCheck| {
        if nonvalidating {
            ChainCheck::None
        } else {
            strong
        }
    };
    let jdbc_fallback = FallbackOn {
        refusal: true,
        handshake: false,
        server_error: true,
    };
    let b = match mode {
        SslMode::Disable => Behavior::plain(),
        SslMode::Allow => Behavior::plain_then_tls(ChainCheck::None, jdbc_fallback),
        SslMode::Prefer => Behavior::tls_then_plain(ChainCheck::None, jdbc_fallback),
        SslMode::Require => Behavior::tls(ChainCheck::None, false),
        SslMode::VerifyCa => Behavior::tls(chain(ChainCheck::Always), false),
        SslMode::VerifyFull => Behavior::tls(chain(ChainCheck::Always), true),
    };
    a.with_behavior(mode.as_str(), b);
    if nonvalidating {
        a.notes
            .push("sslfactory=NonValidatingFactory: the certificate chain is never checked".into());
    }
    if mode >= SslMode::VerifyCa && u.param("sslrootcert").is_none() {
        a.notes.push("no sslrootcert: pgjdbc's LibPQFactory uses ~/.postgresql/root.crt and fails without it".into());
    }
    a.notes
        .push("pgjdbc reads no PGSSLMODE: only the URL and Properties count".into());
    a.finish(hint)
}

/// Npgsql: `conceptual/Npgsql/security.md` and release notes 6.0 / 8.0:
/// ≤5 default Disable and Require validates unless Trust Server Certificate;
/// 6–7 default Prefer and Require demands Trust Server Certificate=true;
/// 8+ Require = encrypt without validation.
fn assess_npgsql(text: &str, d: DriverSpec, syntax: Syntax) -> Assessment {
    let hint = fix_hint(Driver::Npgsql, syntax);
    let mut a = Assessment::new(d, Syntax::Npgsql);
    if syntax != Syntax::Npgsql && syntax != Syntax::LibpqKeywordValue {
        a.invalid(None, "Npgsql takes Key=Value; connection strings, not URIs");
        return a.finish(hint);
    }
    let pairs = forms::parse_ado(text);
    let get = |keys: &[&str]| {
        pairs
            .iter()
            .rev()
            .find(|(k, _, _)| keys.contains(&k.as_str()))
            .map(|(_, v, _)| v.clone())
    };
    a.host = get(&["host", "server"]);
    a.hosts = a
        .host
        .as_deref()
        .map(|h| h.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    a.port = get(&["port"]).and_then(|p| p.parse().ok()).or(Some(5432));
    a.user = get(&["username", "userid", "user", "uid", "userName"]);
    a.database = get(&["database", "db"]);
    let v = d.version.unwrap_or(Version(10, 0, 0));
    let trust = get(&["trustservercertificate"]).is_some_and(|t| t.eq_ignore_ascii_case("true"));
    let mode_raw = get(&["sslmode"]);
    if let Some(m) = &mode_raw {
        if forms::is_templated(m) {
            a.unresolved(&format!("SSL Mode={m}"));
            return a.finish(hint);
        }
    }
    let mode = match &mode_raw {
        Some(m) => {
            a.sslmode_source = "connection string".into();
            match m.to_ascii_lowercase().as_str() {
                "disable" => SslMode::Disable,
                "allow" => SslMode::Allow,
                "prefer" => SslMode::Prefer,
                "require" => SslMode::Require,
                "verifyca" if v.major() >= 6 => SslMode::VerifyCa,
                "verifyfull" if v.major() >= 6 => SslMode::VerifyFull,
                _ => {
                    a.invalid(Some(m), format!("invalid SSL Mode \"{m}\" (Npgsql {}: Disable, Allow, Prefer, Require{})", v.major(), if v.major() >= 6 { ", VerifyCA, VerifyFull" } else { "" }));
                    return a.finish(hint);
                }
            }
        }
        None => {
            a.sslmode_source = format!(
                "Npgsql {} default",
                if v.major() >= 6 { "6+" } else { "≤5" }
            );
            if v.major() >= 6 {
                SslMode::Prefer
            } else {
                SslMode::Disable
            }
        }
    };
    let name = match mode {
        SslMode::VerifyCa => "VerifyCA",
        SslMode::VerifyFull => "VerifyFull",
        SslMode::Disable => "Disable",
        SslMode::Allow => "Allow",
        SslMode::Prefer => "Prefer",
        SslMode::Require => "Require",
    };
    let refusal = FallbackOn {
        refusal: true,
        ..FallbackOn::NEVER
    };
    let b = if v.major() < 6 {
        let validate = if trust {
            ChainCheck::None
        } else {
            ChainCheck::Always
        };
        match mode {
            SslMode::Disable => Behavior::plain(),
            SslMode::Allow => Behavior::plain_then_tls(
                validate,
                FallbackOn {
                    server_error: true,
                    ..FallbackOn::NEVER
                },
            ),
            SslMode::Prefer => Behavior {
                attempts: vec![
                    crate::model::Attempt::Tls {
                        chain: validate,
                        hostname: !trust,
                    },
                    crate::model::Attempt::Plain,
                ],
                fallback: refusal,
            },
            _ => Behavior::tls(validate, !trust),
        }
    } else {
        match mode {
            SslMode::Disable => Behavior::plain(),
            SslMode::Allow => Behavior::plain_then_tls(
                ChainCheck::None,
                FallbackOn {
                    server_error: true,
                    ..FallbackOn::NEVER
                },
            ),
            SslMode::Prefer => Behavior::tls_then_plain(ChainCheck::None, refusal),
            SslMode::Require => {
                if v.major() < 8 && !trust {
                    a.invalid(Some(name), "To validate server certificates, please use VerifyFull or VerifyCA instead of Require. To disable validation, explicitly set 'Trust Server Certificate' to true. (Npgsql 6/7)");
                    return a.finish(hint);
                }
                Behavior::tls(ChainCheck::None, false)
            }
            SslMode::VerifyCa => Behavior::tls(ChainCheck::Always, false),
            SslMode::VerifyFull => Behavior::tls(ChainCheck::Always, true),
        }
    };
    a.with_behavior(name, b);
    if d.version.is_none() {
        a.notes.push("Npgsql version unknown: judged as 8+ (Prefer default; Require does not validate). Give --driver npgsql@5 or @7 for older semantics".into());
    }
    a.notes.push("Npgsql reads no PGSSLMODE".into());
    a.finish(hint)
}

/// node-postgres: packages/pg/lib/connection-parameters.js (the connection
/// string's ssl wins, then the object's, then PGSSLMODE via
/// `readSSLConfigFromEnvironment`), packages/pg-connection-string/index.js
/// (sslmode mapping, `uselibpqcompat`). No plaintext fallback ever.
pub fn assess_node(cfg: &NodeConfig, driver: Option<DriverSpec>, ctx: &Context) -> Assessment {
    let d = driver.unwrap_or(DriverSpec::new(Driver::NodePostgres));
    let syntax = if cfg.connection_string.is_some() && cfg.ssl.is_none() && cfg.host.is_none() {
        Syntax::LibpqUri
    } else {
        Syntax::NodeConfig
    };
    let hint = fix_hint(Driver::NodePostgres, syntax);
    let mut a = Assessment::new(d, syntax);
    a.host = cfg.host.clone();
    a.port = cfg.port.as_deref().and_then(|p| p.parse().ok());
    a.user = cfg.user.clone();
    a.database = cfg.database.clone();
    // What the connection string contributes.
    let mut from_string: Option<NodeSsl> = None;
    let mut compat_chain_only = false;
    let mut compat_unverified = false;
    let mut mode_name: Option<String> = None;
    if let Some(cs) = &cfg.connection_string {
        let variable = forms::is_templated(cs) && !cs.contains("://");
        if variable && cfg.ssl.is_none() {
            a.unresolved("connectionString comes from a variable and the object has no ssl");
            return a.finish(hint);
        }
        if variable {
            a.notes.push("connectionString comes from a variable: an sslmode/ssl in that URL would override the object's ssl".into());
        }
        if let Some(u) = forms::parse_url(cs, false).filter(|_| !variable) {
            a.set_targets_from_url(&u);
            let compat = u.param("uselibpqcompat") == Some("true");
            if let Some(s) = u.param("ssl") {
                from_string = Some(match s {
                    "true" | "1" => NodeSsl::Bool(true),
                    "0" => NodeSsl::Bool(false),
                    other => NodeSsl::Str(other.to_string()),
                });
            }
            let root = u.param("sslrootcert").is_some();
            if u.param("sslcert").is_some()
                || u.param("sslkey").is_some()
                || root
                || u.param("sslmode").is_some()
            {
                from_string = Some(NodeSsl::Object {
                    reject_unauthorized: None,
                    has_ca: root,
                    skips_identity: false,
                });
            }
            if let Some(m) = u.param("sslmode") {
                if forms::is_templated(m) {
                    a.unresolved(&format!("sslmode={m}"));
                    return a.finish(hint);
                }
                mode_name = Some(m.to_string());
                a.sslmode_source = "connection string".into();
                if compat {
                    match m {
                        "disable" => from_string = Some(NodeSsl::Bool(false)),
                        "prefer" => compat_unverified = true,
                        "require" if root => compat_chain_only = true,
                        "require" => compat_unverified = true,
                        "verify-ca" if root => compat_chain_only = true,
                        "verify-ca" => {
                            a.invalid(Some(m), "SECURITY WARNING: Using sslmode=verify-ca requires specifying a CA with sslrootcert. If a public CA is used, verify-ca allows connections to a server that somebody else may have registered with the CA, making you vulnerable to Man-in-the-Middle attacks. Either specify a custom CA certificate with sslrootcert parameter or use sslmode=verify-full for proper security.");
                            return a.finish(hint);
                        }
                        _ => {}
                    }
                } else {
                    match m {
                        "disable" => from_string = Some(NodeSsl::Bool(false)),
                        "no-verify" => {
                            from_string = Some(NodeSsl::Object {
                                reject_unauthorized: Some(false),
                                has_ca: root,
                                skips_identity: false,
                            })
                        }
                        "prefer" | "require" | "verify-ca" => a.notes.push(format!(
                            "node-postgres treats sslmode={m} as verify-full (full verification, no plaintext fallback); pg 8.17+ prints a SECURITY WARNING; add uselibpqcompat=true for libpq's meaning"
                        )),
                        _ => {}
                    }
                }
            }
        }
    }
    let (ssl, source) = match (from_string, &cfg.ssl) {
        (Some(s), _) => (Some(s), a.sslmode_source.clone()),
        (None, Some(s)) => (
            Some(s.clone()),
            "ssl option of the config object".to_string(),
        ),
        (None, None) => match env_or(ctx, Driver::NodePostgres, "PGSSLMODE") {
            Some(e) => {
                let s = match e.value.as_str() {
                    "disable" => NodeSsl::Bool(false),
                    "prefer" | "require" | "verify-ca" | "verify-full" => NodeSsl::Bool(true),
                    "no-verify" => NodeSsl::Object {
                        reject_unauthorized: Some(false),
                        has_ca: false,
                        skips_identity: false,
                    },
                    _ => NodeSsl::Bool(false),
                };
                mode_name = Some(e.value.clone());
                (Some(s), format!("PGSSLMODE ({})", e.origin))
            }
            None => (None, "node-postgres default (ssl: false)".to_string()),
        },
    };
    a.sslmode_source = source;
    let (name, b) = match ssl {
        None | Some(NodeSsl::Bool(false)) => ("disable".to_string(), Behavior::plain()),
        Some(NodeSsl::Str(s)) if s.is_empty() => ("disable".to_string(), Behavior::plain()),
        Some(NodeSsl::Unresolved(e)) => {
            a.unresolved(&format!("ssl: {e}"));
            return a.finish(hint);
        }
        Some(NodeSsl::Object {
            reject_unauthorized: Some(false),
            ..
        }) => (
            "no-verify".to_string(),
            Behavior::tls(ChainCheck::None, false),
        ),
        Some(NodeSsl::Object {
            skips_identity: true,
            ..
        }) => (
            "verify-ca".to_string(),
            Behavior::tls(ChainCheck::Always, false),
        ),
        Some(NodeSsl::Str(s)) => {
            // Observed with pg 8.23.0 (tests/e2e_drivers.rs): a string other
            // than 'true'/'1'/'0' is truthy, so an SSLRequest is sent, and
            // Connection.upgradeToSSL then evaluates `'key' in self.ssl` on
            // the string and throws.
            a.invalid(
                Some(&format!("ssl={s}")),
                format!("TypeError: Cannot use 'in' operator to search for 'key' in {s} (node-postgres Connection.upgradeToSSL): a string ssl value other than 'true'/'1'/'0' is truthy, requests TLS, then crashes the client when the server accepts it"),
            );
            return a.finish(hint);
        }
        Some(_) if compat_unverified => (
            "require".to_string(),
            Behavior::tls(ChainCheck::None, false),
        ),
        Some(_) if compat_chain_only => (
            "verify-ca".to_string(),
            Behavior::tls(ChainCheck::Always, false),
        ),
        Some(_) => (
            "verify-full".to_string(),
            Behavior::tls(ChainCheck::Always, true),
        ),
    };
    // pg's Connection.upgradeToSSL sets `servername` only for host names
    // (`net.isIP(host) === 0`) and passes no `host`, so for an IP literal
    // Node's tls.connect checks the certificate against its default host
    // "localhost": the address itself is never verified (observed in
    // tests/e2e_drivers.rs with pg 8.23.0).
    let ip_host = a
        .host
        .as_deref()
        .is_some_and(|h| h.parse::<std::net::IpAddr>().is_ok());
    let b = if ip_host && b.verifies_hostname() {
        a.notes.push("the host is an IP address: node-postgres sends no servername and Node checks the certificate against \"localhost\", not the address".into());
        Behavior::tls(ChainCheck::Always, false)
    } else {
        b
    };
    let shown = match (&mode_name, name.as_str()) {
        (Some(m), n) if m != n => format!("{n} (written sslmode={m})"),
        _ => name.clone(),
    };
    a.with_behavior(&shown, b);
    if name == "verify-full" {
        a.notes.push("Node verifies against its bundled public CAs unless `ca` is given: a private CA needs ssl.ca".into());
    }
    a.notes.push(
        "node-postgres never falls back to plaintext: a server without TLS is an error".into(),
    );
    a.finish(hint)
}

/// asyncpg: asyncpg/connect_utils.py (`_parse_connect_dsn_and_args`,
/// `SSLMode`): `ssl` argument, else DSN sslmode, else PGSSLMODE, else
/// prefer (0.22+); prefer/allow retry only on 28000/28P01 or a refusal.
fn assess_asyncpg(text: &str, d: DriverSpec, syntax: Syntax, ctx: &Context) -> Assessment {
    let hint = fix_hint(Driver::Asyncpg, syntax);
    let mut a = Assessment::new(d, syntax);
    let Some(u) = forms::parse_url(text, false) else {
        a.invalid(None, "asyncpg takes a postgres:// DSN");
        return a.finish(hint);
    };
    a.set_targets_from_url(&u);
    let mut raw = None;
    if syntax == Syntax::SqlalchemyUrl {
        if let Some(m) = u.param("sslmode") {
            a.invalid(Some(m), "TypeError: connect() got an unexpected keyword argument 'sslmode' (SQLAlchemy passes URL query items to asyncpg.connect(), which takes ssl=)");
            return a.finish(hint);
        }
        if let Some(s) = u.param("ssl") {
            raw = Some((s.to_string(), "ssl= in the SQLAlchemy URL".to_string()));
        }
    } else if let Some(m) = u.param("sslmode").or(u.param("ssl")) {
        raw = Some((m.to_string(), "connection string".to_string()));
    }
    if raw.is_none() {
        if let Some(e) = env_or(ctx, Driver::Asyncpg, "PGSSLMODE") {
            raw = Some((e.value.clone(), format!("PGSSLMODE ({})", e.origin)));
        }
    }
    let old = d.version.is_some_and(|v| v < Version(0, 22, 0));
    let (mode, src) = match raw {
        Some((m, src)) => {
            if forms::is_templated(&m) {
                a.unresolved(&format!("ssl={m}"));
                return a.finish(hint);
            }
            match m.parse::<SslMode>() {
                Ok(x) => (x, src),
                Err(_) => {
                    a.invalid(Some(&m), "`sslmode` parameter must be one of: disable, allow, prefer, require, verify-ca, verify-full");
                    return a.finish(hint);
                }
            }
        }
        None if old => (SslMode::Disable, "asyncpg < 0.22 default (no TLS)".into()),
        None => (SslMode::Prefer, "asyncpg default (prefer)".into()),
    };
    a.sslmode_source = src;
    let root = u.param("sslrootcert").is_some() || ctx.get("PGSSLROOTCERT").is_some();
    let req_chain = if root {
        ChainCheck::Always
    } else {
        ChainCheck::IfRootFileExists
    };
    let retry = FallbackOn {
        refusal: true,
        handshake: false,
        server_error: true,
    };
    let b = match mode {
        SslMode::Disable => Behavior::plain(),
        SslMode::Allow => Behavior::plain_then_tls(ChainCheck::None, retry),
        SslMode::Prefer => Behavior::tls_then_plain(ChainCheck::None, retry),
        SslMode::Require => Behavior::tls(req_chain, false),
        SslMode::VerifyCa => Behavior::tls(ChainCheck::Always, false),
        SslMode::VerifyFull => Behavior::tls(ChainCheck::Always, true),
    };
    a.with_behavior(mode.as_str(), b);
    if mode == SslMode::Prefer {
        a.notes.push("asyncpg prefer retries in plaintext when the server refuses TLS or rejects the login (SQLSTATE 28000/28P01)".into());
    }
    a.finish(hint)
}

/// pg8000: no TLS unless `ssl_context` is passed in code; SQLAlchemy's
/// pg8000 dialect passes URL query items to `pg8000.connect()`, which has no
/// `sslmode`.
fn assess_pg8000(text: &str, d: DriverSpec, syntax: Syntax) -> Assessment {
    let hint = fix_hint(Driver::Pg8000, syntax);
    let mut a = Assessment::new(d, syntax);
    if let Some(u) = forms::parse_url(text, false) {
        a.set_targets_from_url(&u);
        if let Some(m) = u.param("sslmode") {
            a.invalid(Some(m), "TypeError: connect() got an unexpected keyword argument 'sslmode' (pg8000 takes ssl_context)");
            return a.finish(hint);
        }
    }
    a.sslmode_source = "pg8000 default (no ssl_context)".into();
    a.with_behavior("disable", Behavior::plain());
    a.notes.push("TLS is on only if the code passes ssl_context (SQLAlchemy: connect_args); not visible in the URL".into());
    a.finish(hint)
}

/// lib/pq (connector.go, ssl.go), pgx v5 (pgconn/config.go), sqlx
/// (sqlx-postgres/src/options/ssl_mode.rs, connection/tls.rs),
/// tokio-postgres (tokio-postgres/src/config.rs, connect_tls.rs).
fn assess_go_rust(text: &str, d: DriverSpec, syntax: Syntax, ctx: &Context) -> Assessment {
    let hint = fix_hint(d.driver, syntax);
    let mut a = Assessment::new(d, syntax);
    let params: Vec<(String, String)> = if syntax == Syntax::LibpqUri || text.contains("://") {
        match forms::parse_url(text, false) {
            Some(u) => {
                a.set_targets_from_url(&u);
                u.query.clone()
            }
            None => vec![],
        }
    } else {
        match forms::parse_kv_lenient(text) {
            Some(p) => {
                let g = |k: &str| p.iter().rev().find(|(x, _)| x == k).map(|(_, v)| v.clone());
                a.host = g("host");
                a.hosts = a.host.iter().cloned().collect();
                a.port = g("port").and_then(|p| p.parse().ok());
                a.user = g("user");
                a.database = g("dbname");
                p
            }
            None => {
                a.invalid(None, "malformed key=value connection string");
                return a.finish(hint);
            }
        }
    };
    let param = |k: &str| {
        params
            .iter()
            .rev()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
    };
    let mut raw = param("sslmode");
    if raw.is_none() && d.driver == Driver::Sqlx {
        raw = param("ssl-mode");
    }
    a.sslmode_source = "connection string".into();
    if raw.is_none() {
        if let Some(e) = env_or(ctx, d.driver, "PGSSLMODE") {
            a.sslmode_source = format!("PGSSLMODE ({})", e.origin);
            raw = Some(e.value);
        }
    }
    let rootcert =
        param("sslrootcert").or_else(|| env_or(ctx, d.driver, "PGSSLROOTCERT").map(|e| e.value));
    let default = match d.driver {
        Driver::GoPq => "require",
        _ => "prefer",
    };
    let raw = match raw {
        Some(r) => r,
        None => {
            a.sslmode_source = format!("{} default ({default})", d.driver);
            default.to_string()
        }
    };
    if forms::is_templated(&raw) {
        a.unresolved(&format!("sslmode={raw}"));
        return a.finish(hint);
    }
    let parsed = match d.driver {
        Driver::Sqlx => SslMode::parse_ignore_case(&raw),
        _ => raw.parse::<SslMode>().ok(),
    };
    let mode = match (d.driver, parsed) {
        (Driver::TokioPostgres, Some(m))
            if matches!(m, SslMode::Disable | SslMode::Prefer | SslMode::Require) =>
        {
            m
        }
        (Driver::TokioPostgres, _) => {
            a.invalid(Some(&raw), "invalid value for option `sslmode` (tokio-postgres knows disable, prefer, require; certificate checks belong to the TLS connector)");
            return a.finish(hint);
        }
        (Driver::GoPq, Some(m @ (SslMode::Prefer | SslMode::Allow)))
            if d.version.is_some_and(|v| v < Version(1, 12, 0)) =>
        {
            a.invalid(Some(&raw), format!("pq: unsupported sslmode \"{m}\"; only \"require\" (default), \"verify-full\", \"verify-ca\", and \"disable\" supported"));
            return a.finish(hint);
        }
        (Driver::Sqlx, None) => {
            a.invalid(Some(&raw), format!("unknown value {raw:?} for `ssl_mode`"));
            return a.finish(hint);
        }
        (Driver::Pgx, None) => {
            a.invalid(Some(&raw), "sslmode is invalid");
            return a.finish(hint);
        }
        (_, None) => {
            a.invalid(Some(&raw), format!("pq: unsupported sslmode \"{raw}\""));
            return a.finish(hint);
        }
        (_, Some(m)) => m,
    };
    let system_root = rootcert.as_deref() == Some("system");
    let b = match d.driver {
        Driver::GoPq => {
            let lower = if rootcert.is_some() {
                ChainCheck::Always
            } else {
                ChainCheck::IfRootFileExists
            };
            match mode {
                SslMode::Disable => Behavior::plain(),
                SslMode::Allow => Behavior::plain_then_tls(
                    ChainCheck::None,
                    FallbackOn {
                        server_error: true,
                        ..FallbackOn::NEVER
                    },
                ),
                SslMode::Prefer => Behavior::tls_then_plain(
                    ChainCheck::None,
                    FallbackOn {
                        refusal: true,
                        ..FallbackOn::NEVER
                    },
                ),
                SslMode::Require => Behavior::tls(lower, false),
                SslMode::VerifyCa => Behavior::tls(ChainCheck::Always, false),
                SslMode::VerifyFull => Behavior::tls(ChainCheck::Always, true),
            }
        }
        Driver::Pgx => {
            let lower = if rootcert.is_some() {
                ChainCheck::Always
            } else {
                ChainCheck::None
            };
            match mode {
                _ if system_root => Behavior::tls(ChainCheck::Always, true),
                SslMode::Disable => Behavior::plain(),
                SslMode::Allow => Behavior::plain_then_tls(ChainCheck::None, FallbackOn::ANY),
                SslMode::Prefer => Behavior::tls_then_plain(ChainCheck::None, FallbackOn::ANY),
                SslMode::Require => Behavior::tls(lower, false),
                SslMode::VerifyCa => Behavior::tls(ChainCheck::Always, false),
                SslMode::VerifyFull => Behavior::tls(ChainCheck::Always, true),
            }
        }
        Driver::Sqlx => match mode {
            SslMode::Disable | SslMode::Allow => Behavior::plain(),
            SslMode::Prefer => Behavior::tls_then_plain(
                ChainCheck::None,
                FallbackOn {
                    refusal: true,
                    ..FallbackOn::NEVER
                },
            ),
            SslMode::Require => Behavior::tls(ChainCheck::None, false),
            SslMode::VerifyCa => Behavior::tls(ChainCheck::Always, false),
            SslMode::VerifyFull => Behavior::tls(ChainCheck::Always, true),
        },
        _ => match mode {
            SslMode::Disable => Behavior::plain(),
            SslMode::Prefer => Behavior::tls_then_plain(
                ChainCheck::ExternalConfig,
                FallbackOn {
                    refusal: true,
                    ..FallbackOn::NEVER
                },
            ),
            _ => Behavior::tls(ChainCheck::ExternalConfig, true),
        },
    };
    a.with_behavior(mode.as_str(), b);
    match d.driver {
        Driver::GoPq => {
            if mode == SslMode::Require && rootcert.is_none() {
                a.notes.push("lib/pq default is require: encrypted without verification (verify-ca behaviour only when a root certificate is configured)".into());
            }
            if matches!(mode, SslMode::Prefer | SslMode::Allow) && d.version.is_none() {
                a.notes.push("lib/pq before v1.12.0 rejects prefer/allow (\"unsupported sslmode\")".into());
            }
        }
        Driver::Pgx if mode == SslMode::Prefer => a.notes.push("pgx prefer: TLS without verification, then a plaintext retry on any error except 28P01, 3D000, 42501".into()),
        Driver::Sqlx if mode == SslMode::Allow => a.notes.push("sqlx treats allow like disable: it never upgrades to TLS".into()),
        Driver::Sqlx if mode == SslMode::Require => a.notes.push("sqlx require never verifies, even with sslrootcert".into()),
        Driver::TokioPostgres => a.notes.push("certificate checks depend on the TLS connector in code: NoTls never encrypts (prefer then connects in plaintext); tokio-postgres-rustls / postgres-openssl verify by default".into()),
        _ => {}
    }
    a.finish(hint)
}

/// PGSSLMODE / PGREQUIRESSL assignments: libpq semantics for every reader.
fn assess_env(name: &str, value: &str, ctx: &Context) -> Assessment {
    let d = DriverSpec::new(Driver::Environment);
    let syntax = Syntax::EnvVar;
    let hint = fix_hint(Driver::Environment, syntax);
    let mut a = Assessment::new(d, syntax);
    a.sslmode_source = format!("{name} assignment");
    if forms::is_templated(value) {
        a.unresolved(&format!("{name}={value}"));
        return a.finish(hint);
    }
    let mode = match name {
        "PGREQUIRESSL" => {
            if value.starts_with('1') {
                SslMode::Require
            } else {
                SslMode::Prefer
            }
        }
        _ => match value.parse::<SslMode>() {
            Ok(m) => m,
            Err(e) => {
                a.invalid(Some(value), e.to_string());
                return a.finish(hint);
            }
        },
    };
    let root = ctx.get("PGSSLROOTCERT").is_some();
    let lower = if root {
        ChainCheck::Always
    } else {
        ChainCheck::IfRootFileExists
    };
    let b = match mode {
        SslMode::Disable => Behavior::plain(),
        SslMode::Allow => Behavior::plain_then_tls(lower, FallbackOn::ANY),
        SslMode::Prefer => Behavior::tls_then_plain(lower, FallbackOn::ANY),
        SslMode::Require => Behavior::tls(lower, false),
        SslMode::VerifyCa => Behavior::tls(ChainCheck::Always, false),
        SslMode::VerifyFull => Behavior::tls(ChainCheck::Always, true),
    };
    a.with_behavior(mode.as_str(), b);
    a.notes.push(format!(
        "{name} applies to libpq, psycopg, asyncpg, pgx, lib/pq, sqlx (and node-postgres when ssl is unset) in this scope; not to pgjdbc, Npgsql, tokio-postgres"
    ));
    a.finish(hint)
}

/// PgBouncer `client_tls_sslmode` (default disable): the leg from the
/// applications to the pooler (pgbouncer doc/config.md).
fn assess_pgbouncer_client(
    mode: Option<&str>,
    has_cert: bool,
    driver: Option<DriverSpec>,
) -> Assessment {
    let d = driver.unwrap_or(DriverSpec::new(Driver::Pgbouncer));
    let mut a = Assessment::new(d, Syntax::PgbouncerIni);
    let m = mode.unwrap_or("disable");
    a.sslmode_source = if mode.is_some() {
        "client_tls_sslmode".into()
    } else {
        "PgBouncer default (client_tls_sslmode = disable)".into()
    };
    a.code = docs::POOLER_CLIENT_TLS.code;
    let hint = "configure client_tls_key_file and client_tls_cert_file, then `client_tls_sslmode = require`";
    match m.parse::<SslMode>() {
        Ok(SslMode::Disable) => {
            a.with_behavior(m, Behavior::plain());
            a.notes.push("PgBouncer refuses TLS from clients: every application connection through it is plaintext, and clients with sslmode=require cannot connect".into());
        }
        Ok(x @ (SslMode::Allow | SslMode::Prefer)) => {
            a.with_behavior(
                m,
                Behavior::tls_then_plain(ChainCheck::None, FallbackOn::ANY),
            );
            a.notes.push(format!(
                "client_tls_sslmode={x}: PgBouncer accepts both; each client's own sslmode decides"
            ));
        }
        Ok(_) => {
            a.with_behavior(m, Behavior::tls(ChainCheck::None, false));
            a.code = docs::VERIFIED.code;
            a.notes.push("clients must use TLS; whether they verify PgBouncer's certificate is their own setting".into());
            if !has_cert {
                a.invalid(Some(m), "client_tls_sslmode requires client_tls_key_file and client_tls_cert_file (PgBouncer will not start)");
                a.code = docs::INVALID_SETTING.code;
            }
            let mut a = a;
            a.severity = docs::VERIFIED.severity;
            a.fix = "nothing to do".into();
            if a.verdict == Verdict::Invalid {
                a.severity = docs::INVALID_SETTING.severity;
                a.fix = hint.into();
            }
            return a;
        }
        Err(_) => {
            a.invalid(Some(m), format!("invalid client_tls_sslmode value \"{m}\""));
            a.code = docs::INVALID_SETTING.code;
        }
    }
    let mut a = a.finish(hint);
    if a.verdict == Verdict::Invalid {
        a.code = docs::INVALID_SETTING.code;
        a.severity = docs::INVALID_SETTING.severity;
    }
    a
}

/// PgBouncer `server_tls_sslmode` (default prefer since PgBouncer PR #866,
/// 1.21; disable before): libpq-like semantics for the pooler's own
/// connections; verify modes need `server_tls_ca_file`.
fn assess_pgbouncer_server(
    mode: Option<&str>,
    has_ca: bool,
    database: Option<&str>,
    driver: Option<DriverSpec>,
) -> Assessment {
    let d = driver.unwrap_or(DriverSpec::new(Driver::Pgbouncer));
    let mut a = Assessment::new(d, Syntax::PgbouncerIni);
    a.database = database.map(str::to_string);
    let old = d.version.is_some_and(|v| v < Version(1, 21, 0));
    let default = if old { "disable" } else { "prefer" };
    let m = mode.unwrap_or(default);
    a.sslmode_source = if mode.is_some() {
        "server_tls_sslmode".into()
    } else {
        format!("PgBouncer default (server_tls_sslmode = {default})")
    };
    let hint =
        "set `server_tls_ca_file` and `server_tls_sslmode = verify-full` (at least `require`)";
    let chain = if has_ca {
        ChainCheck::Always
    } else {
        ChainCheck::None
    };
    match m.parse::<SslMode>() {
        Ok(x) => {
            let b = match x {
                SslMode::Disable => Behavior::plain(),
                SslMode::Allow => Behavior::plain_then_tls(
                    ChainCheck::None,
                    FallbackOn {
                        refusal: true,
                        ..FallbackOn::NEVER
                    },
                ),
                SslMode::Prefer => Behavior::tls_then_plain(
                    ChainCheck::None,
                    FallbackOn {
                        refusal: true,
                        ..FallbackOn::NEVER
                    },
                ),
                SslMode::Require => Behavior::tls(ChainCheck::None, false),
                SslMode::VerifyCa => Behavior::tls(chain, false),
                SslMode::VerifyFull => Behavior::tls(chain, true),
            };
            if x >= SslMode::VerifyCa && !has_ca {
                a.invalid(
                    Some(m),
                    "server_tls_sslmode verify-ca/verify-full needs server_tls_ca_file",
                );
            } else {
                a.with_behavior(m, b);
            }
        }
        Err(_) => a.invalid(Some(m), format!("invalid server_tls_sslmode value \"{m}\"")),
    }
    if mode.is_none() && d.version.is_none() {
        a.notes
            .push("default is prefer since PgBouncer 1.21 and disable before it".into());
    }
    a.finish(hint)
}
