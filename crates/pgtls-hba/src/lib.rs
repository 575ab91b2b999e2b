//! pg_hba.conf engine: PostgreSQL's exact tokenizer and parser (majors 12
//! to 18), a first-match simulator ([`explain`]) and a plaintext
//! reachability analysis ([`analyze`]).
//!
//! Versions are PostgreSQL `version_num` integers (`150018` for 15.18); a
//! bare major (`15`) is accepted wherever a version is taken.
//!
//! Version differences this crate reproduces:
//! * 12-13: no line continuation; clientcert accepts `1`, `0`,
//!   `no-verify`. (12.0/13.1 limited tokens to 255 bytes and lines to 8191;
//!   the late minors checked here, 12.22 and 13.23, have 14's limits.)
//! * 12-15: tokens longer than 10239 bytes are errors ("authentication
//!   file token too long").
//! * 14-15: trailing `\` joins lines; 10239-byte token limit; clientcert
//!   only `verify-ca` / `verify-full`; `clientname`.
//! * 16+: `include`, `include_if_exists`, `include_dir`, `/regex` names,
//!   `rule_number` and `file_name` view columns, `@file` nesting limit.
//! * 18: `oauth`.

mod are;
mod explain;
#[doc(hidden)]
pub mod gen;
pub mod ip;
mod ldapurl;
mod lexer;
mod name_search;
mod parser;
mod reach;
mod regexes;
pub mod version;
mod view;

pub mod checks;
pub mod render;

use std::net::IpAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use explain::{explain, Connection, Encryption, Interface, MatchContext, Roles, Verdict};
pub use reach::{analyze, AnalyzeOptions, Reachability, Region, RuleReach, Witness};
pub use regexes::HbaRegex;
pub use version::{major_of, parse_version_arg, LATEST_MAJOR, OLDEST_MAJOR};
pub use view::{rules_from_view, rules_from_view_version, view_rows, ViewRow};

/// The newest version's `version_num` (the default).
pub const LATEST_VERSION_NUM: u32 = LATEST_MAJOR * 10000;

/// What the server binary was built with; changes which methods and
/// connection types are accepted. The default is a typical Linux package
/// (OpenSSL, GSSAPI, PAM, OpenLDAP; no SSPI, no BSD auth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildFeatures {
    pub ssl: bool,
    pub gss: bool,
    pub sspi: bool,
    pub pam: bool,
    pub bsd: bool,
    pub ldap: bool,
}

impl Default for BuildFeatures {
    fn default() -> Self {
        BuildFeatures {
            ssl: true,
            gss: true,
            sspi: false,
            pam: true,
            bsd: false,
            ldap: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// `server_version_num`, e.g. 150018 (a bare major works too).
    pub version_num: u32,
    /// The server's `ssl` setting (hostssl lines warn when off).
    pub ssl_on: bool,
    pub build: BuildFeatures,
    /// 18: `oauth_validator_libraries` (oauth lines need one).
    pub oauth_validator_libraries: Vec<String>,
    /// Read `@file`, include files and directories from disk (fuzzing and
    /// text-only callers turn it off; references then fail as unreadable).
    pub read_files: bool,
    /// Refuse to read files larger than this (default 1 GiB).
    pub max_file_bytes: u64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            version_num: LATEST_VERSION_NUM,
            ssl_on: true,
            build: BuildFeatures::default(),
            oauth_validator_libraries: Vec::new(),
            read_files: true,
            max_file_bytes: 1 << 30,
        }
    }
}

impl ParseOptions {
    pub fn version(version_num: u32) -> Self {
        ParseOptions {
            version_num,
            ..Default::default()
        }
    }
}

/// Connection type of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnType {
    Local,
    Host,
    HostSsl,
    HostNoSsl,
    HostGssEnc,
    HostNoGssEnc,
}

impl ConnType {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnType::Local => "local",
            ConnType::Host => "host",
            ConnType::HostSsl => "hostssl",
            ConnType::HostNoSsl => "hostnossl",
            ConnType::HostGssEnc => "hostgssenc",
            ConnType::HostNoGssEnc => "hostnogssenc",
        }
    }

    pub fn from_name(s: &str) -> Option<ConnType> {
        Some(match s {
            "local" => ConnType::Local,
            "host" => ConnType::Host,
            "hostssl" => ConnType::HostSsl,
            "hostnossl" => ConnType::HostNoSsl,
            "hostgssenc" => ConnType::HostGssEnc,
            "hostnogssenc" => ConnType::HostNoGssEnc,
            _ => return None,
        })
    }

    /// Whether a connection with this encryption can match the type
    /// (`check_hba()`'s SSL and GSS filters). `None` = Unix socket.
    pub fn admits(self, enc: Option<Encryption>) -> bool {
        match (self, enc) {
            (ConnType::Local, None) => true,
            (ConnType::Local, Some(_)) | (_, None) => false,
            (ConnType::Host, Some(_)) => true,
            (ConnType::HostSsl, Some(e)) => e == Encryption::Ssl,
            (ConnType::HostNoSsl, Some(e)) => e != Encryption::Ssl,
            (ConnType::HostGssEnc, Some(e)) => e == Encryption::Gss,
            (ConnType::HostNoGssEnc, Some(e)) => e != Encryption::Gss,
        }
    }
}

/// Authentication method (`ident` on a `local` line is stored as `Peer`,
/// as PostgreSQL does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthMethod {
    #[serde(rename = "trust")]
    Trust,
    #[serde(rename = "reject")]
    Reject,
    #[serde(rename = "scram-sha-256")]
    ScramSha256,
    #[serde(rename = "md5")]
    Md5,
    #[serde(rename = "password")]
    Password,
    #[serde(rename = "gss")]
    Gss,
    #[serde(rename = "sspi")]
    Sspi,
    #[serde(rename = "ident")]
    Ident,
    #[serde(rename = "peer")]
    Peer,
    #[serde(rename = "pam")]
    Pam,
    #[serde(rename = "ldap")]
    Ldap,
    #[serde(rename = "radius")]
    Radius,
    #[serde(rename = "cert")]
    Cert,
    #[serde(rename = "bsd")]
    Bsd,
    #[serde(rename = "oauth")]
    OAuth,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Trust => "trust",
            AuthMethod::Reject => "reject",
            AuthMethod::ScramSha256 => "scram-sha-256",
            AuthMethod::Md5 => "md5",
            AuthMethod::Password => "password",
            AuthMethod::Gss => "gss",
            AuthMethod::Sspi => "sspi",
            AuthMethod::Ident => "ident",
            AuthMethod::Peer => "peer",
            AuthMethod::Pam => "pam",
            AuthMethod::Ldap => "ldap",
            AuthMethod::Radius => "radius",
            AuthMethod::Cert => "cert",
            AuthMethod::Bsd => "bsd",
            AuthMethod::OAuth => "oauth",
        }
    }

    pub fn from_name(s: &str) -> Option<AuthMethod> {
        Some(match s {
            "trust" => AuthMethod::Trust,
            "reject" => AuthMethod::Reject,
            "scram-sha-256" => AuthMethod::ScramSha256,
            "md5" => AuthMethod::Md5,
            "password" => AuthMethod::Password,
            "gss" => AuthMethod::Gss,
            "sspi" => AuthMethod::Sspi,
            "ident" => AuthMethod::Ident,
            "peer" => AuthMethod::Peer,
            "pam" => AuthMethod::Pam,
            "ldap" => AuthMethod::Ldap,
            "radius" => AuthMethod::Radius,
            "cert" => AuthMethod::Cert,
            "bsd" => AuthMethod::Bsd,
            "oauth" => AuthMethod::OAuth,
            _ => return None,
        })
    }

    /// Methods that send the password itself over the connection.
    pub fn sends_cleartext_password(self) -> bool {
        matches!(
            self,
            AuthMethod::Password
                | AuthMethod::Ldap
                | AuthMethod::Radius
                | AuthMethod::Pam
                | AuthMethod::Bsd
        )
    }
}

/// `clientcert` level of a hostssl record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientCert {
    #[default]
    Off,
    VerifyCa,
    VerifyFull,
}

/// One database or user value. `quoted` is PostgreSQL's `initial_quote`:
/// a quoted `"all"` is a name, not the keyword.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    pub text: String,
    pub quoted: bool,
    /// Compiled `/regex` (16+), `None` for other values.
    #[serde(skip)]
    pub regex: Option<HbaRegex>,
}

impl PartialEq for Token {
    fn eq(&self, o: &Token) -> bool {
        self.text == o.text && self.quoted == o.quoted
    }
}
impl Eq for Token {}

impl Token {
    pub fn new(text: impl Into<String>, quoted: bool) -> Token {
        Token {
            text: text.into(),
            quoted,
            regex: None,
        }
    }

    pub fn is_keyword(&self, k: &str) -> bool {
        !self.quoted && self.text == k
    }

    /// `+role` membership test (unquoted).
    pub fn group(&self) -> Option<&str> {
        if !self.quoted && self.text.starts_with('+') {
            Some(&self.text[1..])
        } else {
            None
        }
    }
}

/// The ADDRESS column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Address {
    /// `local` records have none.
    None,
    All,
    SameHost,
    SameNet,
    /// A numeric address with its mask (from `/len`, or the mask column
    /// when `cidr` is false). Host bits are kept as written.
    Ip {
        addr: IpAddr,
        mask: IpAddr,
        cidr: bool,
    },
    /// Anything not numeric: a host name, or a `.suffix` pattern. DNS
    /// decides at connection time.
    Hostname(String),
}

impl Address {
    /// The address as PostgreSQL's view shows it, with `/len` for
    /// contiguous masks.
    pub fn display(&self) -> String {
        match self {
            Address::None => String::new(),
            Address::All => "all".into(),
            Address::SameHost => "samehost".into(),
            Address::SameNet => "samenet".into(),
            Address::Hostname(h) => h.clone(),
            Address::Ip { addr, mask, .. } => match ip::mask_prefix(*mask) {
                Some(p) => format!("{}/{}", ip::ntop(*addr), p),
                None => format!("{} {}", ip::ntop(*addr), ip::ntop(*mask)),
            },
        }
    }
}

/// One loaded record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HbaRule {
    pub file: String,
    pub line: u32,
    /// The logical source line (continuations joined).
    pub raw: String,
    /// The view's `rule_number` (1-based among lines without an error).
    pub rule_number: u32,
    #[serde(rename = "type")]
    pub conn_type: ConnType,
    pub databases: Vec<Token>,
    pub users: Vec<Token>,
    pub address: Address,
    pub method: AuthMethod,
    /// Options as written (`name`, `value`).
    pub options: Vec<(String, String)>,
    /// Options as the view shows them (normalised, implied ones included).
    pub view_options: Vec<String>,
    pub clientcert: ClientCert,
    pub clientname_dn: bool,
    pub usermap: Option<String>,
    /// A load-time warning that keeps the record but means it can never
    /// match (hostssl with ssl = off, hostgssenc without GSSAPI).
    pub warning: Option<String>,
}

impl HbaRule {
    pub fn location(&self) -> pgtls_model::Location {
        pgtls_model::Location::new(self.file.clone(), self.line)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A line PostgreSQL rejects: the file does not load.
    Line,
    /// The top-level file cannot be read.
    Unreadable,
    /// No valid record at all ("contains no entries").
    NoEntries,
}

/// An error: PostgreSQL's message text with the file and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HbaError {
    pub file: String,
    /// 0 when the error is not about a line.
    pub line: u32,
    pub raw: Option<String>,
    /// What the server logs.
    pub message: String,
    /// What `pg_hba_file_rules.error` shows (`None`: PostgreSQL fails the
    /// line without a message there).
    pub view_error: Option<String>,
    /// The view's rule_number for such message-less failures (16+).
    pub rule_number: Option<u32>,
    pub kind: ErrorKind,
}

impl std::fmt::Display for HbaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// Rows of the view in order: a rule or an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "lowercase")]
pub enum Entry {
    Rule(usize),
    Error(usize),
}

/// A parsed pg_hba.conf with everything it includes.
#[derive(Debug, Clone, Serialize)]
pub struct HbaFile {
    pub file: String,
    pub version_num: u32,
    pub ssl_on: bool,
    pub rules: Vec<HbaRule>,
    pub errors: Vec<HbaError>,
    /// View order of rules and errors.
    pub entries: Vec<Entry>,
    /// Things PostgreSQL logs without failing (skipped missing includes).
    pub notes: Vec<String>,
    /// Built from `pg_hba_file_rules` rows: quoting is lost.
    pub from_view: bool,
}

impl HbaFile {
    /// Whether PostgreSQL would load this file (no error of any kind).
    pub fn loads(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn major(&self) -> u32 {
        major_of(self.version_num)
    }
}

/// Parse a file from disk (its includes and `@` files too).
pub fn parse_file(path: &Path, opts: &ParseOptions) -> HbaFile {
    let name = path.to_string_lossy().into_owned();
    parse_impl(&name, None, opts)
}

/// Parse text as if it were the file `file_name` (relative `@` and include
/// references resolve against that name's directory).
pub fn parse_str(text: &str, file_name: &str, opts: &ParseOptions) -> HbaFile {
    parse_impl(file_name, Some(text.as_bytes()), opts)
}

/// Like [`parse_str`] for raw bytes (invalid UTF-8 is kept as U+FFFD).
pub fn parse_bytes(bytes: &[u8], file_name: &str, opts: &ParseOptions) -> HbaFile {
    parse_impl(file_name, Some(bytes), opts)
}

fn parse_impl(file: &str, text: Option<&[u8]>, opts: &ParseOptions) -> HbaFile {
    let feat = version::Features::of(opts.version_num);
    let mut tk = lexer::Tokenizer {
        feat,
        opts,
        notes: Vec::new(),
    };
    let mut out = HbaFile {
        file: file.to_string(),
        version_num: opts.version_num,
        ssl_on: opts.ssl_on,
        rules: Vec::new(),
        errors: Vec::new(),
        entries: Vec::new(),
        notes: Vec::new(),
        from_view: false,
    };
    // parse_hba_line is independent per line: each line is parsed as soon
    // as it is tokenized (on the tokenizer's threads for big files)
    type Parsed = Result<HbaRule, Box<(parser::Fail, lexer::TokLine)>>;
    let parse_one = |tl: lexer::TokLine| -> (Option<String>, Parsed) {
        match tl.err.clone() {
            Some(e) => (
                Some(e.clone()),
                Err(Box::new((
                    parser::Fail {
                        view: Some(e.clone()),
                        log: e,
                    },
                    tl,
                ))),
            ),
            None => (None, parser::parse_line(tl, &feat, opts)),
        }
    };
    let parsed = match tk.top(file, text, &parse_one) {
        Ok(l) => l,
        Err(msg) => {
            out.errors.push(HbaError {
                file: file.to_string(),
                line: 0,
                raw: None,
                message: msg.clone(),
                view_error: Some(msg),
                rule_number: None,
                kind: ErrorKind::Unreadable,
            });
            out.entries.push(Entry::Error(0));
            return out;
        }
    };
    out.notes = std::mem::take(&mut tk.notes);
    let mut rule_number = 0u32;
    out.rules.reserve(parsed.len());
    out.entries.reserve(parsed.len());
    for (tok_err, res) in parsed {
        if tok_err.is_some() {
            let (f, tl) = *res.expect_err("tokenizer error");
            out.entries.push(Entry::Error(out.errors.len()));
            out.errors.push(HbaError {
                file: tl.file,
                line: tl.line,
                raw: Some(tl.raw),
                message: f.log,
                view_error: f.view,
                rule_number: None,
                kind: ErrorKind::Line,
            });
            continue;
        }
        match res {
            Ok(mut rule) => {
                if rule.warning.is_none() {
                    rule_number += 1;
                    rule.rule_number = rule_number;
                }
                out.entries.push(Entry::Rule(out.rules.len()));
                out.rules.push(rule);
            }
            Err(b) => {
                let (f, tl) = *b;
                let rn = if f.view.is_none() {
                    rule_number += 1;
                    Some(rule_number)
                } else {
                    None
                };
                out.entries.push(Entry::Error(out.errors.len()));
                out.errors.push(HbaError {
                    file: tl.file.clone(),
                    line: tl.line,
                    raw: Some(tl.raw.clone()),
                    message: f.log,
                    view_error: f.view,
                    rule_number: rn,
                    kind: ErrorKind::Line,
                });
            }
        }
    }
    if out.errors.is_empty() && out.rules.is_empty() {
        out.errors.push(HbaError {
            file: file.to_string(),
            line: 0,
            raw: None,
            message: format!("configuration file \"{file}\" contains no entries"),
            view_error: None,
            rule_number: None,
            kind: ErrorKind::NoEntries,
        });
    }
    out
}

/// The major in `PG_VERSION` of the data directory holding `hba_path`
/// (as a version_num, e.g. 160000), when there is one.
pub fn version_from_data_dir(hba_path: &Path) -> Option<u32> {
    let dir = hba_path.parent()?;
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let text = std::fs::read_to_string(dir.join("PG_VERSION")).ok()?;
    let major: u32 = text.trim().parse().ok()?;
    (OLDEST_MAJOR..=LATEST_MAJOR)
        .contains(&major)
        .then_some(major * 10000)
}
