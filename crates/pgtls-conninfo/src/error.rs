use std::path::PathBuf;

use thiserror::Error;

/// A text from the input that may be a secret: printed as `***` when it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    text: String,
    secret: bool,
}

impl Quoted {
    pub(crate) fn new(text: impl Into<String>, secret: bool) -> Self {
        Quoted {
            text: text.into(),
            secret,
        }
    }
    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Self::new(text, false)
    }
    /// The text as libpq would print it (never use for a secret).
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

impl std::fmt::Display for Quoted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.secret {
            write!(f, "{}", pgtls_model::Secret::default())
        } else {
            f.write_str(&self.text)
        }
    }
}

/// Every error carries libpq's own message text (`fe-connect.c`), except that
/// a password (or another secret value) quoted by libpq is printed as `***`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConnInfoError {
    #[error("missing \"=\" after \"{0}\" in connection info string")]
    MissingEquals(Quoted),
    #[error("unterminated quoted string in connection info string")]
    UnterminatedQuote,
    #[error("invalid connection option \"{0}\"")]
    InvalidOption(String),
    #[error("invalid URI query parameter: \"{0}\"")]
    InvalidUriQueryParameter(String),
    #[error("missing key/value separator \"=\" in URI query parameter: \"{0}\"")]
    MissingQuerySeparator(Quoted),
    #[error("extra key/value separator \"=\" in URI query parameter: \"{0}\"")]
    ExtraQuerySeparator(Quoted),
    #[error("invalid percent-encoded token: \"{0}\"")]
    InvalidPercentToken(Quoted),
    #[error("forbidden value %00 in percent-encoded value: \"{0}\"")]
    ForbiddenPercentZero(Quoted),
    #[error("unexpected spaces found in \"{0}\", use percent-encoded spaces (%20) instead")]
    UnexpectedSpaces(Quoted),
    #[error(
        "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"{0}\""
    )]
    UnterminatedIpv6(Quoted),
    #[error("IPv6 host address may not be empty in URI: \"{0}\"")]
    EmptyIpv6(Quoted),
    #[error(
        "unexpected character \"{ch}\" at position {position} in URI (expected \":\" or \"/\"): \"{uri}\""
    )]
    UnexpectedUriCharacter {
        ch: char,
        position: usize,
        uri: Quoted,
    },
    /// `invalid %s value: "%s"` (sslmode, gssencmode, sslnegotiation, ...).
    #[error("invalid {keyword} value: \"{value}\"")]
    InvalidValue { keyword: String, value: String },
    #[error("invalid integer value \"{value}\" for connection option \"{keyword}\"")]
    InvalidInteger { keyword: String, value: String },
    #[error("invalid port number: \"{0}\"")]
    InvalidPort(String),
    #[error("weak sslmode \"{0}\" may not be used with sslrootcert=system (use \"verify-full\")")]
    WeakSslmodeForSystemRoot(String),
    #[error("weak sslmode \"{0}\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")")]
    WeakSslmodeForDirect(String),
    #[error("could not match {hosts} host names to {hostaddrs} hostaddr values")]
    HostCountMismatch { hosts: usize, hostaddrs: usize },
    #[error("could not match {ports} port numbers to {hosts} hosts")]
    PortCountMismatch { ports: usize, hosts: usize },
    #[error("service file \"{}\" not found", .0.display())]
    ServiceFileNotFound(PathBuf),
    #[error("definition of service \"{0}\" not found")]
    ServiceNotFound(String),
    #[error("syntax error in service file \"{}\", line {line}", file.display())]
    ServiceSyntax { file: PathBuf, line: u32 },
    #[error("nested service specifications not supported in service file \"{}\", line {line}", file.display())]
    ServiceNested { file: PathBuf, line: u32 },
    #[error("line {line} too long in service file \"{}\"", file.display())]
    ServiceLineTooLong { file: PathBuf, line: u32 },
}
