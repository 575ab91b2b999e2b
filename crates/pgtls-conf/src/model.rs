//! Plain data: what the configuration files say. No I/O here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One `name = value` line as PostgreSQL read it (one pg_file_settings row
/// with a name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfEntry {
    /// The file as PostgreSQL names it (absolute, canonicalized the way
    /// `canonicalize_path()` does; not symlink-resolved).
    pub file: String,
    /// 1-based line number (pg_file_settings.sourceline).
    pub line: u32,
    /// Position in processing order over entries *and* error rows
    /// (pg_file_settings.seqno; starts at 1).
    pub seqno: u32,
    /// The name as spelled in the file (not case-folded).
    pub name: String,
    /// The value, de-escaped when it was quoted. Non-UTF-8 bytes are
    /// replaced by U+FFFD; a NUL ends the value as in PostgreSQL.
    pub value: String,
    /// The whole line as written (without its newline).
    pub raw_line: String,
    /// pg_file_settings.applied: false when a later line with the *same
    /// spelling* overrides it, and for every entry when the file set has
    /// an error (nothing is applied then).
    pub applied: bool,
    /// Byte range of the value token (quotes included) in the file.
    pub value_span: (usize, usize),
    /// Byte range of the line (without the newline) in the file.
    pub line_span: (usize, usize),
    /// pg_file_settings.error for this row, e.g. "unrecognized
    /// configuration parameter" (only when known names were supplied).
    pub error: Option<String>,
}

impl ConfEntry {
    /// file:line, for findings.
    pub fn location(&self) -> pgtls_model::Location {
        pgtls_model::Location {
            file: self.file.clone(),
            line: self.line,
        }
    }

    /// Whether this entry sets `name` (ASCII case-insensitive, like
    /// `guc_name_compare()`; no alias mapping).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfErrorKind {
    /// A line that does not fit `name [=] value`.
    Syntax,
    /// After 100 syntax errors the server abandons a file.
    TooManySyntaxErrors,
    /// `include ''` (all-blank file name).
    EmptyFileName,
    /// `include_dir ''`.
    EmptyDirName,
    /// More than 10 levels of includes.
    NestingDepth,
    /// A file includes itself directly.
    Recursion,
    /// An `include`d (or the main) file cannot be opened.
    OpenFile,
    /// An `include_dir` directory cannot be opened.
    OpenDir,
    /// A `*.conf` entry of an include_dir cannot be stat()ed.
    StatFile,
    /// The file could be opened but not read (e.g. it is a directory):
    /// flex's "input in flex scanner failed".
    ReadFile,
    /// A name PostgreSQL does not know (only with known names supplied).
    UnknownName,
    /// pgtls refuses to read a file above its size cap.
    TooLarge,
    /// `locate()`: no postgresql.conf in the directory.
    NoConfigFile,
}

/// An error in the configuration file set, with PostgreSQL's own message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ConfError {
    pub kind: ConfErrorKind,
    /// The file the error is reported against (for include problems: the
    /// file holding the directive), `None` for the main file itself.
    pub file: Option<String>,
    /// Line in `file` (0 when there is no file).
    pub line: u32,
    /// pg_file_settings.seqno of the error row (0 when it makes no row).
    pub seqno: u32,
    /// The text pg_file_settings shows in `error` ("syntax error",
    /// "could not open file \"...\"", ...); `None` when PostgreSQL makes
    /// no row for it.
    pub view_error: Option<String>,
    /// The message PostgreSQL logs, e.g. `syntax error in file "..." line 3,
    /// near token "*"`.
    pub message: String,
}

impl ConfError {
    /// file:line, for findings (`None` when no file is involved).
    pub fn location(&self) -> Option<pgtls_model::Location> {
        self.file.as_ref().map(|f| pgtls_model::Location {
            file: f.clone(),
            line: self.line,
        })
    }

    pub(crate) fn new(kind: ConfErrorKind, message: String) -> Self {
        ConfError {
            kind,
            file: None,
            line: 0,
            seqno: 0,
            view_error: None,
            message,
        }
    }
}

/// One pg_file_settings row, as PostgreSQL would list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSettingRow {
    pub sourcefile: Option<String>,
    pub sourceline: Option<u32>,
    pub seqno: u32,
    pub name: Option<String>,
    pub setting: Option<String>,
    pub applied: bool,
    pub error: Option<String>,
}

/// How syntax errors are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseMode {
    /// Like the postmaster at start/reload: every syntax error is reported
    /// (up to 100 per file) and parsing goes on after each.
    #[default]
    Server,
    /// Like `pg_file_settings`: a file is abandoned at its first syntax
    /// error (the view parses at DEBUG level, which gives up at once).
    FileSettingsView,
}

/// The whole configuration file set: postgresql.conf with its includes,
/// then postgresql.auto.conf.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigSet {
    pub entries: Vec<ConfEntry>,
    pub errors: Vec<ConfError>,
    /// Every file read, in the order it was opened.
    pub files: Vec<PathBuf>,
    /// `include_if_exists` targets that were missing (PostgreSQL logs
    /// "skipping missing configuration file" and goes on).
    pub skipped_files: Vec<String>,
    /// Major version the set was read for (aliases such as 18's
    /// `ssl_ecdh_curve` -> `ssl_groups` depend on it).
    pub pg_major: Option<u32>,
}

/// Old names PostgreSQL maps to current ones (`map_old_guc_names`).
pub fn canonical_name(name: &str, pg_major: Option<u32>) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "sort_mem" => "work_mem".to_string(),
        "vacuum_mem" => "maintenance_work_mem".to_string(),
        "ssl_ecdh_curve" if pg_major.is_some_and(|m| m >= 18) => "ssl_groups".to_string(),
        _ => lower,
    }
}

/// Whether two spellings name the same setting (ASCII case folding, old
/// aliases mapped).
pub fn same_setting(a: &str, b: &str, pg_major: Option<u32>) -> bool {
    let alias = |n: &str| -> Option<&'static str> {
        if n.eq_ignore_ascii_case("sort_mem") {
            Some("work_mem")
        } else if n.eq_ignore_ascii_case("vacuum_mem") {
            Some("maintenance_work_mem")
        } else if n.eq_ignore_ascii_case("ssl_ecdh_curve") && pg_major.is_some_and(|m| m >= 18) {
            Some("ssl_groups")
        } else {
            None
        }
    };
    let a = alias(a).unwrap_or(a);
    let b = alias(b).unwrap_or(b);
    a.eq_ignore_ascii_case(b)
}

impl ConfigSet {
    /// The entry that sets `name` after the whole set is applied: the last
    /// applied entry whose name matches case-insensitively (old aliases
    /// included). `None` when the setting is absent *or* when the set has
    /// errors (PostgreSQL applies nothing then; see [`ConfigSet::intended`]).
    pub fn effective(&self, name: &str) -> Option<&ConfEntry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.applied && same_setting(&e.name, name, self.pg_major))
    }

    /// The last entry that sets `name`, ignoring whether errors elsewhere
    /// block the file set: what the files ask for. (As in PostgreSQL,
    /// postgresql.auto.conf is not read at all when postgresql.conf or one
    /// of its includes has an error.)
    pub fn intended(&self, name: &str) -> Option<&ConfEntry> {
        self.entries
            .iter()
            .rev()
            .find(|e| same_setting(&e.name, name, self.pg_major))
    }

    /// Every entry setting `name`, in processing order.
    pub fn all(&self, name: &str) -> Vec<&ConfEntry> {
        self.entries
            .iter()
            .filter(|e| same_setting(&e.name, name, self.pg_major))
            .collect()
    }

    /// Whether PostgreSQL would refuse this file set (server start fails,
    /// a reload applies nothing).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.entries.iter().any(|e| e.error.is_some())
    }

    /// The rows `SELECT * FROM pg_file_settings` would show (except rows
    /// that depend on the running server: values that fail validation and
    /// postmaster-level settings changed or removed without a restart).
    pub fn rows(&self) -> Vec<FileSettingRow> {
        let mut rows: Vec<FileSettingRow> = self
            .entries
            .iter()
            .map(|e| FileSettingRow {
                sourcefile: Some(e.file.clone()),
                sourceline: Some(e.line),
                seqno: e.seqno,
                name: Some(e.name.clone()),
                setting: Some(e.value.clone()),
                applied: e.applied,
                error: e.error.clone(),
            })
            .collect();
        for er in &self.errors {
            if let Some(v) = &er.view_error {
                rows.push(FileSettingRow {
                    sourcefile: er.file.clone(),
                    sourceline: er.file.as_ref().map(|_| er.line),
                    seqno: er.seqno,
                    name: None,
                    setting: None,
                    applied: false,
                    error: Some(v.clone()),
                });
            }
        }
        rows.sort_by_key(|r| r.seqno);
        rows
    }
}

/// Where a server's files are, found offline by [`crate::locate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerFiles {
    /// postgresql.conf.
    pub config_file: PathBuf,
    /// The data directory, when known (DIR itself when it holds
    /// PG_VERSION, else postgresql.conf's `data_directory`).
    pub data_directory: Option<PathBuf>,
    /// `hba_file`, else `<data_directory>/pg_hba.conf` (else beside
    /// postgresql.conf).
    pub hba_file: PathBuf,
    /// `ident_file`, else `<data_directory>/pg_ident.conf`.
    pub ident_file: PathBuf,
    /// `<data_directory>/postgresql.auto.conf`, when the data directory
    /// is known.
    pub auto_conf: Option<PathBuf>,
    /// Major version from `<data_directory>/PG_VERSION`, when readable.
    pub pg_version: Option<u32>,
}
