//! Driver families and versions.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A PostgreSQL client driver family (how it reads settings and what its
/// sslmode means).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Driver {
    /// libpq itself (psql, pg_dump, C programs, PHP pgsql/PDO, Ruby pg, Rails).
    Libpq,
    /// psycopg 3 (libpq underneath).
    Psycopg,
    /// psycopg2 (libpq underneath; SQLAlchemy's default PostgreSQL driver).
    Psycopg2,
    /// Django (psycopg, `DATABASES[...]['OPTIONS']`).
    Django,
    /// Rails / ActiveRecord `database.yml` (Ruby pg, libpq underneath).
    Rails,
    /// asyncpg (Python, own protocol implementation).
    Asyncpg,
    /// pg8000 (pure Python; TLS only through `ssl_context`).
    Pg8000,
    /// pgjdbc (Java).
    Pgjdbc,
    /// Npgsql (.NET).
    Npgsql,
    /// node-postgres (`pg` on npm).
    NodePostgres,
    /// Go lib/pq.
    GoPq,
    /// Go pgx v5.
    Pgx,
    /// Rust sqlx.
    Sqlx,
    /// Rust tokio-postgres / postgres.
    TokioPostgres,
    /// PgBouncer (both legs).
    Pgbouncer,
    /// A PostgreSQL standby's `primary_conninfo` (walreceiver: libpq).
    Walreceiver,
    /// A bare environment variable (PGSSLMODE, ...): libpq semantics for
    /// every consumer that reads it.
    Environment,
}

impl Driver {
    pub const ALL: [Driver; 17] = [
        Self::Libpq,
        Self::Psycopg,
        Self::Psycopg2,
        Self::Django,
        Self::Rails,
        Self::Asyncpg,
        Self::Pg8000,
        Self::Pgjdbc,
        Self::Npgsql,
        Self::NodePostgres,
        Self::GoPq,
        Self::Pgx,
        Self::Sqlx,
        Self::TokioPostgres,
        Self::Pgbouncer,
        Self::Walreceiver,
        Self::Environment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Libpq => "libpq",
            Self::Psycopg => "psycopg",
            Self::Psycopg2 => "psycopg2",
            Self::Django => "django",
            Self::Rails => "rails",
            Self::Asyncpg => "asyncpg",
            Self::Pg8000 => "pg8000",
            Self::Pgjdbc => "pgjdbc",
            Self::Npgsql => "npgsql",
            Self::NodePostgres => "node-postgres",
            Self::GoPq => "go-pq",
            Self::Pgx => "pgx",
            Self::Sqlx => "sqlx",
            Self::TokioPostgres => "tokio-postgres",
            Self::Pgbouncer => "pgbouncer",
            Self::Walreceiver => "walreceiver",
            Self::Environment => "environment",
        }
    }

    /// Whether the driver hands everything to libpq (so libpq's grammar,
    /// environment variables and service files apply).
    pub fn is_libpq_based(self) -> bool {
        matches!(
            self,
            Self::Libpq
                | Self::Psycopg
                | Self::Psycopg2
                | Self::Django
                | Self::Rails
                | Self::Walreceiver
                | Self::Environment
        )
    }

    /// Whether the driver reads `PGSSLMODE` (and friends) from the environment.
    pub fn reads_pgsslmode(self) -> bool {
        self.is_libpq_based()
            || matches!(
                self,
                Self::Asyncpg | Self::GoPq | Self::Pgx | Self::Sqlx | Self::NodePostgres
            )
    }
}

impl fmt::Display for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Driver {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl FromStr for Driver {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s.to_ascii_lowercase();
        Ok(match l.as_str() {
            "libpq" | "psql" | "pg_dump" | "php" | "pdo_pgsql" | "ruby-pg" | "pq-c" => Self::Libpq,
            "psycopg" | "psycopg3" => Self::Psycopg,
            "psycopg2" => Self::Psycopg2,
            "django" => Self::Django,
            "rails" | "activerecord" => Self::Rails,
            "asyncpg" => Self::Asyncpg,
            "pg8000" => Self::Pg8000,
            "pgjdbc" | "jdbc" => Self::Pgjdbc,
            "npgsql" | ".net" | "dotnet" => Self::Npgsql,
            "node-postgres" | "pg" | "node-pg" | "nodepg" => Self::NodePostgres,
            "go-pq" | "lib/pq" | "pq" | "libpq-go" => Self::GoPq,
            "pgx" => Self::Pgx,
            "sqlx" => Self::Sqlx,
            "tokio-postgres" | "rust-postgres" | "postgres-rs" => Self::TokioPostgres,
            "pgbouncer" => Self::Pgbouncer,
            "walreceiver" | "primary_conninfo" => Self::Walreceiver,
            "environment" | "env" => Self::Environment,
            _ => {
                return Err(format!(
                    "unknown driver \"{s}\" (expected one of: {})",
                    Self::ALL.map(|d| d.as_str()).join(", ")
                ))
            }
        })
    }
}

/// A dotted version (`8`, `6.0`, `1.12.0`); missing parts are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    pub fn major(self) -> u32 {
        self.0
    }
}

impl FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_start_matches(['v', 'V']);
        let mut parts = t.split('.').map(|p| {
            let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse::<u32>()
        });
        let a = parts
            .next()
            .and_then(|r| r.ok())
            .ok_or_else(|| format!("invalid version \"{s}\""))?;
        let b = parts.next().and_then(|r| r.ok()).unwrap_or(0);
        let c = parts.next().and_then(|r| r.ok()).unwrap_or(0);
        Ok(Version(a, b, c))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `NAME[@VERSION]` as given to `--driver`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DriverSpec {
    pub driver: Driver,
    pub version: Option<Version>,
}

impl DriverSpec {
    pub fn new(driver: Driver) -> Self {
        DriverSpec {
            driver,
            version: None,
        }
    }
}

impl FromStr for DriverSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, ver) = match s.split_once('@') {
            Some((n, v)) => (n, Some(v.parse::<Version>()?)),
            None => (s, None),
        };
        Ok(DriverSpec {
            driver: name.parse()?,
            version: ver,
        })
    }
}

impl fmt::Display for DriverSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(v) => write!(f, "{}@{}", self.driver, v),
            None => write!(f, "{}", self.driver),
        }
    }
}
