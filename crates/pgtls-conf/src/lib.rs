//! postgresql.conf reader: PostgreSQL's lexer, include chain,
//! postgresql.auto.conf precedence, file:line for every value.
//!
//! Behaves like PostgreSQL 12..18 (`guc-file.l`, `conffiles.c`,
//! `ProcessConfigFileInternal()`); the differential tests in `tests/`
//! compare it with `pg_file_settings` of real servers.
//!
//! ```no_run
//! use std::path::Path;
//! let files = pgtls_conf::locate(Path::new("/etc/postgresql/15/main")).unwrap();
//! let set = pgtls_conf::load(&files);
//! if let Some(e) = set.effective("ssl") {
//!     println!("{}:{}: ssl = {}", e.file, e.line, e.value);
//! }
//! ```
//!
//! Entry points: [`locate`] (DIR -> [`ServerFiles`]), [`load`] /
//! [`load_with`] (postgresql.conf + includes + postgresql.auto.conf ->
//! [`ConfigSet`]), [`load_file`] (one file, no auto.conf), [`parse_text`]
//! (in-memory text). [`ConfigSet::effective`] answers "which line wins",
//! [`ConfigSet::rows`] reproduces `pg_file_settings`. Editing for fixes:
//! [`set_value_in_text`], [`append_setting`], [`comment_out_line`] (see the
//! `edit` module docs for which to use when).
//!
//! Version differences handled (set [`LoadOptions::pg_major`], which
//! [`load`] takes from PG_VERSION): before 15, file names keep `..` and
//! `/./` (leading `./` dropped), so pg_file_settings.sourcefile and the
//! self-inclusion check differ; 18 maps `ssl_ecdh_curve` to `ssl_groups`.
//!
//! What it cannot know offline (documented gaps, not bugs): whether a value
//! is valid for its setting (pg_file_settings' "setting could not be
//! applied"), postmaster-level settings changed without a restart, and
//! which names exist (pass [`LoadOptions::known_names`] to check them).

mod edit;
mod lex;
mod load;
mod locate;
mod model;
mod pgpath;
mod value;

pub use edit::{
    append_setting, comment_out_line, quote_value, set_named_value_in_text, set_value_in_text,
    EditError,
};
pub use lex::{deescape, Lexer, Token, TokenKind};
pub use load::{LoadOptions, DEFAULT_MAX_FILE_BYTES, MAX_DEPTH};
pub use locate::{load, load_file, load_file_with, load_with, locate, parse_text};
pub use model::{
    canonical_name, same_setting, ConfEntry, ConfError, ConfErrorKind, ConfigSet, FileSettingRow,
    ParseMode, ServerFiles,
};
pub use value::{enum_eq, parse_bool};
