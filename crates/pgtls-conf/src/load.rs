//! Reading the file set: `ParseConfigFile()`, `ParseConfigFp()`,
//! `ParseConfigDirectory()` and the checking half of
//! `ProcessConfigFileInternal()`.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::lex::{deescape, Lexer, Token, TokenKind};
use crate::model::{canonical_name, ConfEntry, ConfError, ConfErrorKind, ConfigSet, ParseMode};
use crate::pgpath;

/// Nesting limit of includes (`CONF_FILE_MAX_DEPTH`, 10 in every version).
pub const MAX_DEPTH: u32 = 10;

/// Files above this size are refused with [`ConfErrorKind::TooLarge`]
/// (PostgreSQL has no limit; we read whole files into memory).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How to read a file set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Major version of the server the files belong to: selects the path
    /// canonicalization (15+ resolves `..`) and 18's `ssl_ecdh_curve`
    /// alias. `None`: newest behaviour.
    pub pg_major: Option<u32>,
    pub mode: ParseMode,
    /// Names the server knows (lower case; aliases are mapped before the
    /// lookup). When given, any other name without a dot is an
    /// "unrecognized configuration parameter" error, as in PostgreSQL.
    /// `None`: every name is accepted (we cannot know every GUC of every
    /// version and extension offline). Take it from `pg_settings` when a
    /// live server is at hand.
    pub known_names: Option<BTreeSet<String>>,
    /// Per-file size cap.
    pub max_file_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            pg_major: None,
            mode: ParseMode::Server,
            known_names: None,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

pub(crate) fn bytes(p: &Path) -> &[u8] {
    p.as_os_str().as_bytes()
}

pub(crate) fn path_of(b: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(b))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `%m`: the C library's text for an errno.
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `make_absolute_path()`: prefix the working directory when relative,
/// then canonicalize.
pub(crate) fn make_absolute(p: &Path, modern: bool) -> Vec<u8> {
    let b = bytes(p);
    if pgpath::is_absolute(b) {
        pgpath::canonicalize(b, modern)
    } else {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        pgpath::canonicalize(&pgpath::join(bytes(&cwd), b, modern), modern)
    }
}

enum Item {
    Entry(ConfEntry),
    Error(ConfError),
}

pub(crate) struct Loader<'o> {
    opts: &'o LoadOptions,
    modern_paths: bool,
    data_dir: Option<Vec<u8>>,
    items: Vec<Item>,
    files: Vec<PathBuf>,
    skipped: Vec<String>,
}

impl<'o> Loader<'o> {
    pub(crate) fn new(opts: &'o LoadOptions, data_dir: Option<&Path>) -> Self {
        let modern_paths = opts.pg_major.is_none_or(|m| m >= 15);
        Loader {
            opts,
            modern_paths,
            data_dir: data_dir.map(|d| make_absolute(d, modern_paths)),
            items: Vec::new(),
            files: Vec::new(),
            skipped: Vec::new(),
        }
    }

    fn error(
        &mut self,
        kind: ConfErrorKind,
        calling: Option<(&[u8], u32)>,
        view_error: Option<String>,
        message: String,
    ) {
        self.items.push(Item::Error(ConfError {
            kind,
            file: calling.map(|(f, _)| lossy(f)),
            line: calling.map_or(0, |(_, l)| l),
            seqno: 0,
            view_error,
            message,
        }));
    }

    /// `AbsoluteConfigLocation()`.
    fn absolute_location(&self, location: &[u8], calling_file: Option<&[u8]>) -> Vec<u8> {
        if pgpath::is_absolute(location) {
            return location.to_vec();
        }
        let base = match calling_file {
            Some(f) => pgpath::parent_directory(f),
            None => match &self.data_dir {
                Some(d) => d.clone(),
                None => {
                    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
                    bytes(&cwd).to_vec()
                }
            },
        };
        pgpath::canonicalize(
            &pgpath::join(&base, location, self.modern_paths),
            self.modern_paths,
        )
    }

    /// Read a file, honouring the size cap. `Err((kind, errno text))`.
    fn read(&self, path: &[u8]) -> Result<Vec<u8>, (ConfErrorKind, String)> {
        let p = path_of(path);
        let f = fs::File::open(&p).map_err(|e| (ConfErrorKind::OpenFile, strerror(&e)))?;
        // Refuse big files before reading them; `take` below also bounds
        // files that grow while we read.
        if f.metadata()
            .is_ok_and(|m| m.is_file() && m.len() > self.opts.max_file_bytes)
        {
            return Err((ConfErrorKind::TooLarge, String::new()));
        }
        let mut buf = Vec::new();
        f.take(self.opts.max_file_bytes + 1)
            .read_to_end(&mut buf)
            .map_err(|e| (ConfErrorKind::ReadFile, strerror(&e)))?;
        if buf.len() as u64 > self.opts.max_file_bytes {
            return Err((ConfErrorKind::TooLarge, String::new()));
        }
        Ok(buf)
    }

    /// `ParseConfigFile()`.
    pub(crate) fn parse_config_file(
        &mut self,
        location: &[u8],
        strict: bool,
        calling: Option<(&[u8], u32)>,
        depth: u32,
    ) -> bool {
        if location
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.error(
                ConfErrorKind::EmptyFileName,
                calling,
                Some("empty configuration file name".into()),
                format!("empty configuration file name: \"{}\"", lossy(location)),
            );
            return false;
        }
        if depth > MAX_DEPTH {
            self.error(
                ConfErrorKind::NestingDepth,
                calling,
                Some("nesting depth exceeded".into()),
                format!(
                    "could not open configuration file \"{}\": maximum nesting depth exceeded",
                    lossy(location)
                ),
            );
            return false;
        }
        let abs = self.absolute_location(location, calling.map(|(f, _)| f));
        if let Some((cf, _)) = calling {
            if abs == cf {
                self.error(
                    ConfErrorKind::Recursion,
                    calling,
                    Some("configuration file recursion".into()),
                    format!("configuration file recursion in \"{}\"", lossy(cf)),
                );
                return false;
            }
        }
        match self.read(&abs) {
            Ok(buf) => {
                self.files.push(path_of(&abs));
                self.parse_fp(&buf, &abs, depth)
            }
            Err((ConfErrorKind::OpenFile, errno)) => {
                if strict {
                    self.error(
                        ConfErrorKind::OpenFile,
                        calling,
                        Some(format!("could not open file \"{}\"", lossy(&abs))),
                        format!(
                            "could not open configuration file \"{}\": {errno}",
                            lossy(&abs)
                        ),
                    );
                    false
                } else {
                    self.skipped.push(lossy(&abs));
                    true
                }
            }
            Err((ConfErrorKind::TooLarge, _)) => {
                self.error(
                    ConfErrorKind::TooLarge,
                    Some((&abs, 0)),
                    None,
                    format!(
                        "configuration file \"{}\" is larger than {} bytes; pgtls does not read it",
                        lossy(&abs),
                        self.opts.max_file_bytes
                    ),
                );
                false
            }
            Err((kind, _)) => {
                // fopen() succeeded but reading failed (a directory, an I/O
                // error): flex's fatal error, reported at line 1.
                self.files.push(path_of(&abs));
                self.error(
                    kind,
                    Some((&abs, 1)),
                    Some("input in flex scanner failed".into()),
                    format!(
                        "input in flex scanner failed at file \"{}\" line 1",
                        lossy(&abs)
                    ),
                );
                false
            }
        }
    }

    /// Parse an in-memory buffer as the main file `path`.
    pub(crate) fn parse_buffer(&mut self, buf: &[u8], path: &[u8]) -> bool {
        self.files.push(path_of(path));
        self.parse_fp(buf, path, 0)
    }

    /// `ParseConfigDirectory()` / `GetConfFilesInDir()`.
    fn parse_config_dir(&mut self, location: &[u8], calling: (&[u8], u32), depth: u32) -> bool {
        if location
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.error(
                ConfErrorKind::EmptyDirName,
                Some(calling),
                Some("empty configuration directory name".into()),
                format!(
                    "empty configuration directory name: \"{}\"",
                    lossy(location)
                ),
            );
            return false;
        }
        let dir = self.absolute_location(location, Some(calling.0));
        let rd = match fs::read_dir(path_of(&dir)) {
            Ok(rd) => rd,
            Err(e) => {
                self.error(
                    ConfErrorKind::OpenDir,
                    Some(calling),
                    Some(format!("could not open directory \"{}\"", lossy(&dir))),
                    format!(
                        "could not open configuration directory \"{}\": {}",
                        lossy(&dir),
                        strerror(&e)
                    ),
                );
                return false;
            }
        };
        let mut names: Vec<Vec<u8>> = Vec::new();
        for de in rd {
            let Ok(de) = de else { continue };
            let name = de.file_name();
            let n = name.as_bytes();
            if n.len() < 6 || n[0] == b'.' || !n.ends_with(b".conf") {
                continue;
            }
            let full =
                pgpath::canonicalize(&pgpath::join(&dir, n, self.modern_paths), self.modern_paths);
            match fs::metadata(path_of(&full)) {
                Ok(md) if md.is_dir() => {}
                Ok(_) => names.push(full),
                Err(e) => {
                    self.error(
                        ConfErrorKind::StatFile,
                        Some(calling),
                        Some(format!("could not stat file \"{}\"", lossy(&full))),
                        format!("could not stat file \"{}\": {}", lossy(&full), strerror(&e)),
                    );
                    return false;
                }
            }
        }
        names.sort();
        for f in names {
            if !self.parse_config_file(&f, true, Some(calling), depth) {
                return false;
            }
        }
        true
    }

    /// `ParseConfigFp()`: one file's lines, includes processed in place.
    fn parse_fp(&mut self, buf: &[u8], path: &[u8], depth: u32) -> bool {
        let mut st = LineState {
            lex: Lexer::new(buf),
            lineno: 1,
            line_start: 0,
        };
        let mut ok = true;
        let mut errorcount = 0;
        while let Some(first) = st.next() {
            if first.kind == TokenKind::Eol {
                continue;
            }
            let line_start = st.line_start;
            let mut tok = Some(first);
            let parsed = (|| {
                let name_tok = tok.filter(|t| t.kind.is_name())?;
                tok = st.next();
                if tok.is_some_and(|t| t.kind == TokenKind::Equals) {
                    tok = st.next();
                }
                let value_tok = tok.filter(|t| t.kind.is_value())?;
                tok = st.next();
                match tok {
                    Some(t) if t.kind == TokenKind::Eol => {}
                    None => st.lineno += 1,
                    Some(_) => return None,
                }
                Some((name_tok, value_tok))
            })();
            match parsed {
                Some((name_tok, value_tok)) => {
                    let line = st.lineno - 1;
                    let name = &buf[name_tok.start..name_tok.end];
                    let raw_value = &buf[value_tok.start..value_tok.end];
                    let value = if value_tok.kind == TokenKind::String {
                        deescape(raw_value)
                    } else {
                        raw_value.to_vec()
                    };
                    let directive = self.directive(name, &value, path, line, depth);
                    if directive == Some(false) {
                        ok = false;
                    }
                    if directive.is_none() {
                        let line_end = buf[value_tok.end..]
                            .iter()
                            .position(|&b| b == b'\n')
                            .map_or(buf.len(), |i| value_tok.end + i);
                        self.items.push(Item::Entry(ConfEntry {
                            file: lossy(path),
                            line,
                            seqno: 0,
                            name: lossy(name),
                            value: lossy(&value),
                            raw_line: lossy(&buf[line_start..line_end]),
                            applied: false,
                            value_span: (value_tok.start, value_tok.end),
                            line_span: (line_start, line_end),
                            error: None,
                        }));
                    }
                    if tok.is_none() {
                        break;
                    }
                }
                None => {
                    let (line, message) = match tok {
                        Some(t) if t.kind != TokenKind::Eol => {
                            let text = &buf[t.start..t.end];
                            let text = match text.iter().position(|&b| b == 0) {
                                Some(n) => &text[..n],
                                None => text,
                            };
                            (
                                st.lineno,
                                format!(
                                    "syntax error in file \"{}\" line {}, near token \"{}\"",
                                    lossy(path),
                                    st.lineno,
                                    lossy(text)
                                ),
                            )
                        }
                        _ => (
                            st.lineno - 1,
                            format!(
                                "syntax error in file \"{}\" line {}, near end of line",
                                lossy(path),
                                st.lineno - 1
                            ),
                        ),
                    };
                    self.error(
                        ConfErrorKind::Syntax,
                        Some((path, line)),
                        Some("syntax error".into()),
                        message,
                    );
                    ok = false;
                    errorcount += 1;
                    if errorcount >= 100 || self.opts.mode == ParseMode::FileSettingsView {
                        self.error(
                            ConfErrorKind::TooManySyntaxErrors,
                            Some((path, line)),
                            None,
                            format!(
                                "too many syntax errors found, abandoning file \"{}\"",
                                lossy(path)
                            ),
                        );
                        break;
                    }
                    while tok.is_some_and(|t| t.kind != TokenKind::Eol) {
                        tok = st.next();
                    }
                    if tok.is_none() {
                        break;
                    }
                }
            }
        }
        ok
    }
}

struct LineState<'a> {
    lex: Lexer<'a>,
    /// `ConfigFileLineno`: incremented by every newline token.
    lineno: u32,
    /// Byte offset where the current line starts.
    line_start: usize,
}

impl LineState<'_> {
    fn next(&mut self) -> Option<Token> {
        let t = self.lex.next_token()?;
        if t.kind == TokenKind::Eol {
            self.lineno = self.lineno.wrapping_add(1);
            self.line_start = t.end;
        }
        Some(t)
    }
}

impl Loader<'_> {
    /// Handle `include`, `include_if_exists`, `include_dir`: `Some(ok)`;
    /// `None` when `name` is an ordinary setting.
    fn directive(
        &mut self,
        name: &[u8],
        value: &[u8],
        path: &[u8],
        line: u32,
        depth: u32,
    ) -> Option<bool> {
        let calling = Some((path, line));
        let ok = if name.eq_ignore_ascii_case(b"include_dir") {
            self.parse_config_dir(value, (path, line), depth + 1)
        } else if name.eq_ignore_ascii_case(b"include_if_exists") {
            self.parse_config_file(value, false, calling, depth + 1)
        } else if name.eq_ignore_ascii_case(b"include") {
            self.parse_config_file(value, true, calling, depth + 1)
        } else {
            return None;
        };
        Some(ok)
    }

    /// The checking half of `ProcessConfigFileInternal()`: unknown names,
    /// duplicates, `applied`.
    pub(crate) fn finish(self, parsed_ok: bool) -> ConfigSet {
        let mut error = !parsed_ok;
        let pg_major = self.opts.pg_major;
        let mut items = self.items;
        // A name is "known" when PostgreSQL finds a variable for it: any
        // name when no list was given, a listed (or aliased) name, or a
        // custom `prefix.name` (assumed to have its placeholder, as after
        // the server has loaded the file once).
        let known = |name: &str| match &self.opts.known_names {
            None => true,
            Some(k) => name.contains('.') || k.contains(&canonical_name(name, pg_major)),
        };
        if !error {
            for it in items.iter_mut() {
                if let Item::Entry(e) = it {
                    if !known(&e.name) {
                        e.error = Some("unrecognized configuration parameter".into());
                        error = true;
                    }
                }
            }
        }
        if !error {
            // An entry is overridden when a later entry with the very same
            // spelling exists (PostgreSQL compares with strcmp()).
            let mut later: HashMap<&str, ()> = HashMap::new();
            let mut ignored = vec![false; items.len()];
            for (i, it) in items.iter().enumerate().rev() {
                if let Item::Entry(e) = it {
                    if later.insert(e.name.as_str(), ()).is_some() {
                        ignored[i] = true;
                    }
                }
            }
            for (it, ign) in items.iter_mut().zip(ignored) {
                if let Item::Entry(e) = it {
                    e.applied = !ign;
                }
            }
        }
        let mut set = ConfigSet {
            files: self.files,
            skipped_files: self.skipped,
            pg_major,
            ..ConfigSet::default()
        };
        let mut seqno = 0u32;
        for it in items {
            match it {
                Item::Entry(mut e) => {
                    seqno += 1;
                    e.seqno = seqno;
                    set.entries.push(e);
                }
                Item::Error(mut er) => {
                    if er.view_error.is_some() {
                        seqno += 1;
                        er.seqno = seqno;
                    }
                    set.errors.push(er);
                }
            }
        }
        set
    }
}
