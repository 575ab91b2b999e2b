use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ConnInfoError;

/// libpq's `sslmode` (`fe-connect.c` accepts exactly these six spellings,
/// case-sensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub const ALL: [SslMode; 6] = [
        Self::Disable,
        Self::Allow,
        Self::Prefer,
        Self::Require,
        Self::VerifyCa,
        Self::VerifyFull,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Allow => "allow",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }

    /// libpq: plaintext is among the allowed methods (`disable`, `allow`,
    /// `prefer`), so a connection can end up unencrypted.
    pub fn allows_plaintext(self) -> bool {
        matches!(self, Self::Disable | Self::Allow | Self::Prefer)
    }

    /// libpq: the server certificate chain is checked against a root
    /// certificate file whatever else happens (`verify-ca`, `verify-full`).
    /// With the lower modes it is checked only if a root file exists.
    pub fn requires_verification(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }

    /// The host name is matched against the certificate (`verify-full`).
    pub fn verifies_hostname(self) -> bool {
        self == Self::VerifyFull
    }

    /// Case-insensitive parse (pgjdbc, sqlx, Npgsql accept any case; libpq
    /// does not).
    pub fn parse_ignore_case(s: &str) -> Option<SslMode> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SslMode {
    type Err = ConnInfoError;
    /// libpq's exact, case-sensitive parse; the error is libpq's
    /// `invalid sslmode value: "..."`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| ConnInfoError::InvalidValue {
                keyword: "sslmode".into(),
                value: s.into(),
            })
    }
}

/// libpq's `gssencmode` (12+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GssEncMode {
    Disable,
    Prefer,
    Require,
}

impl GssEncMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
        }
    }
}

impl fmt::Display for GssEncMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GssEncMode {
    type Err = ConnInfoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            _ => Err(ConnInfoError::InvalidValue {
                keyword: "gssencmode".into(),
                value: s.into(),
            }),
        }
    }
}

/// libpq's `sslnegotiation` (17+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SslNegotiation {
    Postgres,
    Direct,
}

impl SslNegotiation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Direct => "direct",
        }
    }
}

impl fmt::Display for SslNegotiation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SslNegotiation {
    type Err = ConnInfoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "postgres" => Ok(Self::Postgres),
            "direct" => Ok(Self::Direct),
            _ => Err(ConnInfoError::InvalidValue {
                keyword: "sslnegotiation".into(),
                value: s.into(),
            }),
        }
    }
}
