//! The checks of `pgtls clients` (PGT401..PGT419), each documented once.

use pgtls_model::{CheckDoc, FixSafety, Severity};

pub const PLAINTEXT_CLIENT: CheckDoc = CheckDoc {
    code: "PGT401",
    name: "client-plaintext",
    severity: Severity::High,
    summary: "A client is configured so that it never encrypts its connection.",
    why: "Passwords (unless SCRAM), queries and results cross the network readable and \
modifiable. `hostssl`-only rules on the server will reject this client: it breaks the day \
TLS is enforced. Typical causes: `sslmode=disable`, node-postgres without `ssl`, Npgsql 5 \
and older without `SSL Mode`, sqlx `sslmode=allow`, PgBouncer `client_tls_sslmode=disable`.",
    example: "DATABASE_URL=postgres://app@db.internal/shop?sslmode=disable",
    fix: "Ask for TLS: `sslmode=verify-full` with `sslrootcert=<CA file>` (or at least \
`sslmode=require`); for node-postgres `ssl: true` / `?sslmode=verify-full`; for Npgsql \
`SSL Mode=VerifyFull`.",
    fix_safety: FixSafety::Unsafe,
};

pub const PLAINTEXT_FALLBACK: CheckDoc = CheckDoc {
    code: "PGT402",
    name: "client-plaintext-fallback",
    severity: Severity::Medium,
    summary: "A client tries TLS but silently continues in plaintext when TLS fails or is refused.",
    why: "libpq's default `prefer` (and pgx's, pgjdbc's, asyncpg's, Npgsql 6+'s) retries \
without TLS when the server says no, when the handshake fails (for libpq even when a stale \
`~/.postgresql/root.crt` does not validate the server) or, for libpq, after any startup \
error. An attacker who can answer 'N' to the SSLRequest gets plaintext. `allow` is worse: it \
tries plaintext first.",
    example: "host=db.internal dbname=shop user=app   # no sslmode: libpq uses prefer",
    fix: "Set `sslmode=require` (encrypted) or better `sslmode=verify-full` with a CA file; \
after every client is fixed, enforce with `hostssl` rules on the server.",
    fix_safety: FixSafety::Unsafe,
};

pub const UNVERIFIED_TLS: CheckDoc = CheckDoc {
    code: "PGT403",
    name: "client-tls-unverified",
    severity: Severity::Medium,
    summary: "A client encrypts but does not verify the server certificate.",
    why: "Encryption without authentication stops passive sniffing only: anyone who can \
intercept the TCP connection can present any certificate and read everything. libpq \
`require`, node-postgres `rejectUnauthorized: false` / `sslmode=no-verify`, Npgsql `Trust \
Server Certificate=true`, lib/pq's default `require`.",
    example: "jdbc:postgresql://db.internal/shop?sslmode=require",
    fix: "Distribute the server's CA and use `sslmode=verify-full` (`sslrootcert=<CA file>`, \
or `sslrootcert=system` with libpq 16+ for publicly trusted certificates).",
    fix_safety: FixSafety::Unsafe,
};

pub const NO_HOSTNAME_CHECK: CheckDoc = CheckDoc {
    code: "PGT404",
    name: "client-no-hostname-check",
    severity: Severity::Low,
    summary: "A client verifies the certificate chain but not the host name (`verify-ca`).",
    why: "Any certificate issued by the same CA is accepted for any server: a compromised \
or repurposed certificate of another host from that CA can impersonate the database.",
    example: "postgresql://db.internal/shop?sslmode=verify-ca&sslrootcert=/etc/ssl/pg-ca.crt",
    fix: "Use `sslmode=verify-full` and make sure the server certificate names the host the \
clients connect to (SAN).",
    fix_safety: FixSafety::Unsafe,
};

pub const VERIFIED: CheckDoc = CheckDoc {
    code: "PGT405",
    name: "client-verified",
    severity: Severity::Info,
    summary: "A client requires TLS and verifies the server certificate and host name.",
    why: "Inventory entry: this client is ready for `hostssl` enforcement and is protected \
against interception.",
    example: "postgresql://db.internal/shop?sslmode=verify-full&sslrootcert=/etc/ssl/pg-ca.crt",
    fix: "Nothing to do.",
    fix_safety: FixSafety::None,
};

pub const INVALID_SETTING: CheckDoc = CheckDoc {
    code: "PGT406",
    name: "client-setting-invalid",
    severity: Severity::Medium,
    summary: "The driver rejects this connection setting, so the client cannot connect as written.",
    why: "A setting the driver refuses usually means someone copied another driver's syntax: \
libpq's case-sensitive `sslmode=Require`, `sslmode=` in a SQLAlchemy `postgresql+asyncpg` \
URL (asyncpg takes `ssl=`), `verify-full` for tokio-postgres, `prefer` for lib/pq before \
1.12, `sslrootcert=system` with a weak sslmode. The error often leads to someone \"fixing\" \
it by turning TLS off.",
    example: "postgresql+asyncpg://app@db/shop?sslmode=require",
    fix: "Use the driver's own spelling (the finding names it).",
    fix_safety: FixSafety::Safe,
};

pub const ENV_DOWNGRADE: CheckDoc = CheckDoc {
    code: "PGT407",
    name: "client-environment-sslmode",
    severity: Severity::Medium,
    summary:
        "An environment variable or service file sets a weak sslmode for the clients in its scope.",
    why: "PGSSLMODE / PGREQUIRESSL / a pg_service.conf entry change every libpq-based client \
(and pgx, lib/pq, asyncpg, sqlx; node-postgres when `ssl` is unset) that does not set \
sslmode itself — invisible in the application's own connection string.",
    example: "PGSSLMODE=disable   # in .env",
    fix: "Set PGSSLMODE=verify-full (or require), or remove it and set sslmode per connection.",
    fix_safety: FixSafety::Unsafe,
};

pub const POOLER_CLIENT_TLS: CheckDoc = CheckDoc {
    code: "PGT408",
    name: "pgbouncer-client-tls",
    severity: Severity::High,
    summary:
        "PgBouncer accepts client connections without TLS (`client_tls_sslmode` below `require`).",
    why: "`client_tls_sslmode` defaults to `disable`: PgBouncer then refuses TLS entirely and \
every application behind it talks plaintext, whatever the database server enforces. \
`allow`/`prefer` accept both.",
    example: "[pgbouncer]\nclient_tls_sslmode = disable",
    fix: "Configure `client_tls_key_file` and `client_tls_cert_file`, then \
`client_tls_sslmode = require`.",
    fix_safety: FixSafety::Unsafe,
};

pub const POOLER_SERVER_TLS: CheckDoc = CheckDoc {
    code: "PGT409",
    name: "pgbouncer-server-tls",
    severity: Severity::Medium,
    summary: "PgBouncer's connections to PostgreSQL are not verified TLS (`server_tls_sslmode`).",
    why: "PgBouncer is itself a client: `server_tls_sslmode` (default `prefer` since PgBouncer \
1.21, `disable` before) decides whether the pooler-to-database leg is encrypted and verified.",
    example: "[pgbouncer]\nserver_tls_sslmode = prefer",
    fix: "Set `server_tls_ca_file` and `server_tls_sslmode = verify-full` (at least `require`).",
    fix_safety: FixSafety::Unsafe,
};

pub const GSS_INSTEAD_OF_TLS: CheckDoc = CheckDoc {
    code: "PGT410",
    name: "client-gss-may-replace-tls",
    severity: Severity::Low,
    summary: "With Kerberos credentials, libpq uses GSSAPI encryption and skips the TLS certificate check.",
    why: "libpq tries GSS encryption first when `gssencmode` is `prefer` (the default in \
GSSAPI-enabled builds); a GSS-encrypted session satisfies `sslmode=require/verify-*` \
without any certificate check.",
    example: "host=db sslmode=verify-full   # and a Kerberos ticket in the cache",
    fix: "Add `gssencmode=disable` when TLS with certificate verification is the policy.",
    fix_safety: FixSafety::Safe,
};

pub const LOCAL_SOCKET: CheckDoc = CheckDoc {
    code: "PGT411",
    name: "client-unix-socket",
    severity: Severity::Info,
    summary: "A client connects over a Unix-domain socket (never encrypted, not on the network).",
    why: "Inventory entry: socket connections match `local` rules, not `hostssl`; they do not \
cross the network.",
    example: "host=/var/run/postgresql dbname=shop",
    fix: "Nothing to do for transport encryption.",
    fix_safety: FixSafety::None,
};

pub const UNRESOLVED: CheckDoc = CheckDoc {
    code: "PGT412",
    name: "client-setting-unresolved",
    severity: Severity::Low,
    summary: "The TLS setting is filled in at run time (a variable or template), so it cannot be judged here.",
    why: "`sslmode=${SSLMODE}` or an f-string decides encryption at deploy time; the scan \
cannot tell whether the deployed value is safe.",
    example: "postgres://app@db/shop?sslmode=${PG_SSLMODE}",
    fix: "Check the deployed value, or pin the mode in the code (`sslmode=verify-full`).",
    fix_safety: FixSafety::None,
};

pub const SKIPPED_INPUT: CheckDoc = CheckDoc {
    code: "PGT413",
    name: "client-scan-skipped",
    severity: Severity::Info,
    summary: "Some inputs could not be scanned (binary, too large, unreadable, symlink loop, invalid UTF-8 lines).",
    why: "A connection setting in a skipped file is not in the inventory.",
    example: "vendor/blob.bin (binary)",
    fix: "Review the skipped list; raise --max-filesize if needed.",
    fix_safety: FixSafety::None,
};

/// Every check of this crate, in code order.
pub const DOCS: &[CheckDoc] = &[
    PLAINTEXT_CLIENT,
    PLAINTEXT_FALLBACK,
    UNVERIFIED_TLS,
    NO_HOSTNAME_CHECK,
    VERIFIED,
    INVALID_SETTING,
    ENV_DOWNGRADE,
    POOLER_CLIENT_TLS,
    POOLER_SERVER_TLS,
    GSS_INSTEAD_OF_TLS,
    LOCAL_SOCKET,
    UNRESOLVED,
    SKIPPED_INPUT,
];
