use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A TLS protocol version, spelled as PostgreSQL's `ssl_min_protocol_version`
/// and OpenSSL's `SSL_get_version()` spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TlsVersion {
    #[serde(rename = "TLSv1")]
    Tls10,
    #[serde(rename = "TLSv1.1")]
    Tls11,
    #[serde(rename = "TLSv1.2")]
    Tls12,
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

impl TlsVersion {
    pub const ALL: [TlsVersion; 4] = [Self::Tls10, Self::Tls11, Self::Tls12, Self::Tls13];

    /// PostgreSQL's spelling (`TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`).
    pub fn as_pg_str(self) -> &'static str {
        match self {
            Self::Tls10 => "TLSv1",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }

    /// The record-layer / ClientHello version number (0x0301 .. 0x0304).
    pub fn wire(self) -> u16 {
        match self {
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 => 0x0303,
            Self::Tls13 => 0x0304,
        }
    }

    pub fn from_wire(v: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.wire() == v)
    }

    /// The server's effective `ssl_min_protocol_version` when the setting is
    /// absent from every configuration file: `TLSv1` on 12, `TLSv1.2` from 13.
    pub fn server_default_min(version_num: u32) -> Self {
        if version_num < 130000 {
            Self::Tls10
        } else {
            Self::Tls12
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_pg_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsVersionError(pub String);

impl fmt::Display for TlsVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid TLS version \"{}\" (expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)",
            self.0
        )
    }
}

impl std::error::Error for TlsVersionError {}

impl FromStr for TlsVersion {
    type Err = TlsVersionError;

    /// Accepts PostgreSQL's spelling case-insensitively (the GUC is an enum
    /// compared with `pg_strcasecmp`), and the short forms `1.0`..`1.3`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tlsv1" | "tlsv1.0" | "1.0" | "1" => Ok(Self::Tls10),
            "tlsv1.1" | "1.1" => Ok(Self::Tls11),
            "tlsv1.2" | "1.2" => Ok(Self::Tls12),
            "tlsv1.3" | "1.3" => Ok(Self::Tls13),
            _ => Err(TlsVersionError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_floor_is_tls1_on_12_and_tls12_from_13() {
        assert_eq!(TlsVersion::server_default_min(120022), TlsVersion::Tls10);
        assert_eq!(TlsVersion::server_default_min(130000), TlsVersion::Tls12);
        assert_eq!(TlsVersion::server_default_min(180004), TlsVersion::Tls12);
    }

    #[test]
    fn parses_guc_spelling_case_insensitively() {
        assert_eq!("tlsv1.1".parse::<TlsVersion>().unwrap(), TlsVersion::Tls11);
        assert_eq!("TLSv1".parse::<TlsVersion>().unwrap(), TlsVersion::Tls10);
        assert!("SSLv3".parse::<TlsVersion>().is_err());
        assert!(TlsVersion::Tls10 < TlsVersion::Tls12);
    }
}
