//! PostgreSQL's authentication-file tokenizer: physical and logical lines,
//! `next_token`, comma lists, `@file` expansion and (16+) include
//! directives. Mirrors `tokenize_auth_file()` / `tokenize_file()` of each
//! major; see the crate docs for the version differences.

use crate::version::Features;
use crate::{ParseOptions, Token};

/// One logical line after tokenizing, before `parse_hba_line`.
#[derive(Debug, Clone)]
pub(crate) struct TokLine {
    pub file: String,
    pub line: u32,
    pub raw: String,
    pub fields: Vec<Vec<Token>>,
    pub err: Option<String>,
}

/// Include nesting limit (`CONF_FILE_MAX_DEPTH`, 16+).
const MAX_DEPTH: u32 = 10;
/// Our own guard for 12-15 `@file` recursion, where PostgreSQL has none.
const OLD_MAX_DEPTH: u32 = 64;

pub(crate) struct Tokenizer<'a> {
    pub feat: Features,
    pub opts: &'a ParseOptions,
    /// Messages PostgreSQL logs without failing (skipped missing files).
    pub notes: Vec<String>,
}

enum Content {
    Bytes(Vec<u8>),
    /// fopen() of a directory succeeds on Linux; reading it fails.
    Dir,
}

fn read_content(path: &str, opts: &ParseOptions) -> Result<Content, String> {
    if !opts.read_files {
        return Err("file access disabled".to_string());
    }
    let p = std::path::Path::new(path);
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => return Ok(Content::Dir),
        Ok(m) if m.len() > opts.max_file_bytes => {
            return Err(format!(
                "File too large (pgtls reads at most {} bytes)",
                opts.max_file_bytes
            ))
        }
        _ => {}
    }
    std::fs::read(p)
        .map(Content::Bytes)
        .map_err(|e| strerror(&e))
}

/// The C library's `strerror` text for an I/O error (PostgreSQL's `%m`).
pub fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(2) => "No such file or directory".into(),
        Some(13) => "Permission denied".into(),
        Some(20) => "Not a directory".into(),
        Some(21) => "Is a directory".into(),
        Some(24) => "Too many open files".into(),
        Some(36) => "File name too long".into(),
        Some(40) => "Too many levels of symbolic links".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(p) => s[..p].to_string(),
                None => s,
            }
        }
    }
}

fn is_not_found(msg: &str) -> bool {
    msg == "No such file or directory"
}

/// `get_parent_directory` + `join_path_components` + `canonicalize_path`
/// (`AbsoluteConfigLocation` in 16+, the same logic inline before).
pub(crate) fn resolve(outer: &str, inc: &str, feat: &Features) -> String {
    if inc.starts_with('/') {
        return inc.to_string();
    }
    let parent = match outer.rfind('/') {
        Some(0) => "/".to_string(),
        Some(p) => outer[..p].to_string(),
        None => String::new(),
    };
    let joined = if parent.is_empty() {
        inc.to_string()
    } else if inc.is_empty() {
        parent
    } else {
        format!("{parent}/{inc}")
    };
    canonicalize(&joined, feat.major >= 16)
}

fn canonicalize(path: &str, full: bool) -> String {
    let abs = path.starts_with('/');
    // collapse duplicate separators, trim trailing ones
    let mut comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    if full {
        let mut out: Vec<&str> = Vec::new();
        for c in comps {
            match c {
                "." => {}
                ".." => {
                    if matches!(out.last(), Some(l) if *l != "..") {
                        out.pop();
                    } else if !abs {
                        out.push("..");
                    }
                }
                _ => out.push(c),
            }
        }
        comps = out;
    } else {
        while comps.len() > 1 && comps.last() == Some(&".") {
            comps.pop();
        }
    }
    let body = comps.join("/");
    if abs {
        format!("/{body}")
    } else if body.is_empty() {
        ".".to_string()
    } else {
        body
    }
}

/// A logical line: its first physical line number, text, and an error
/// found while reading it (12/13 line length).
struct Logical {
    line: u32,
    text: Vec<u8>,
    err: Option<String>,
}

/// Split file bytes into logical lines the way each major reads them.
fn logical_lines(bytes: &[u8], feat: &Features, read_error: Option<&str>) -> Vec<Logical> {
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
    if let Some(e) = read_error {
        // 12/13 report a read failure (e.g. EISDIR) as a line-1 error.
        out.push(Logical {
            line: 1,
            text: Vec::new(),
            err: Some(e.to_string()),
        });
        return out;
    }
    let n = bytes.len();
    let mut pos = 0usize;
    if feat.max_line > 0 {
        // fgets(rawline, MAX_LINE): chunks of at most MAX_LINE-1 bytes.
        let mut line_no = 1u32;
        while pos < n {
            let limit = (pos + feat.max_line - 1).min(n);
            let end = match memchr(b'\n', &bytes[pos..limit]) {
                Some(k) => pos + k + 1,
                None => limit,
            };
            let chunk = &bytes[pos..end];
            pos = end;
            let visible = match memchr(0, chunk) {
                Some(k) => &chunk[..k],
                None => chunk,
            };
            let mut text = visible.to_vec();
            let err = (text.len() == feat.max_line - 1)
                .then(|| "authentication file line too long".to_string());
            while matches!(text.last(), Some(b'\n') | Some(b'\r')) {
                text.pop();
            }
            out.push(Logical {
                line: line_no,
                text,
                err,
            });
            line_no += 1;
        }
        return out;
    }
    let mut line_no = 1u32;
    while pos < n {
        let mut buf: Vec<u8> = Vec::new();
        let mut last_bs = 0usize;
        let mut continuations = 0u32;
        let mut got_any = false;
        loop {
            // pg_get_line_append: read through the next newline; a NUL hides
            // the rest of that physical line, newline included.
            let start_len = buf.len();
            let mut appended = false;
            let mut complete = false;
            while pos < n {
                let end = match memchr(b'\n', &bytes[pos..]) {
                    Some(k) => pos + k + 1,
                    None => n,
                };
                let chunk = &bytes[pos..end];
                pos = end;
                match memchr(0, chunk) {
                    Some(k) => {
                        buf.extend_from_slice(&chunk[..k]);
                        if k > 0 {
                            appended = true;
                        }
                    }
                    None => {
                        buf.extend_from_slice(chunk);
                        appended = true;
                        complete = true;
                        break;
                    }
                }
            }
            let _ = complete;
            if !appended && buf.len() == start_len {
                break;
            }
            got_any = true;
            while matches!(buf.last(), Some(b'\n') | Some(b'\r')) {
                buf.pop();
            }
            if feat.continuation && buf.len() > last_bs && buf.last() == Some(&b'\\') {
                buf.pop();
                last_bs = buf.len();
                continuations += 1;
                if pos < n {
                    continue;
                }
            }
            break;
        }
        if got_any || !buf.is_empty() {
            out.push(Logical {
                line: line_no,
                text: buf,
                err: None,
            });
        }
        line_no += continuations + 1;
    }
    out
}

fn memchr(c: u8, s: &[u8]) -> Option<usize> {
    memchr::memchr(c, s)
}

#[inline]
fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

struct RawTok {
    text: Vec<u8>,
    initial_quote: bool,
    terminating_comma: bool,
}

/// `next_token()`. `Err` = token too long (12-15 fixed buffers).
fn next_token(line: &[u8], pos: &mut usize, max_token: usize) -> Result<Option<RawTok>, ()> {
    let n = line.len();
    let get = |p: &mut usize| -> u8 {
        let c = if *p < n { line[*p] } else { 0 };
        *p += 1;
        c
    };
    let mut c = get(pos);
    while c != 0 && (blank(c) || c == b',') {
        c = get(pos);
    }
    // allocated on first use: exactly sized for the common one-run token
    let mut buf: Vec<u8> = Vec::new();
    let (mut in_quote, mut was_quote, mut saw_quote) = (false, false, false);
    let mut initial_quote = false;
    let mut terminating_comma = false;
    while c != 0 && (!blank(c) || in_quote) {
        // fast path: a run of ordinary bytes outside quotes
        if !in_quote && !was_quote && !matches!(c, b'#' | b',' | b'"') {
            let start = *pos - 1;
            let mut end = start + 1;
            while end < n && !matches!(line[end], b' ' | b'\t' | b'\r' | b'#' | b',' | b'"' | 0) {
                end += 1;
            }
            let room = if max_token > 0 {
                (max_token - 1).saturating_sub(buf.len())
            } else {
                usize::MAX
            };
            let take = (end - start).min(room);
            if take > 0 {
                if buf.is_empty() {
                    buf = line[start..start + take].to_vec();
                } else {
                    buf.extend_from_slice(&line[start..start + take]);
                }
                *pos = start + take;
                c = get(pos);
                continue;
            }
            // no room left: the byte-at-a-time path reports "too long"
        }
        if c == b'#' && !in_quote {
            // the comment runs to the end of the line (or a NUL)
            *pos = match memchr(0, &line[(*pos).min(n)..]) {
                Some(k) => *pos + k + 1,
                None => n + 1,
            };
            break;
        }
        if max_token > 0 && buf.len() >= max_token - 1 {
            *pos = n;
            return Err(());
        }
        if c == b',' && !in_quote {
            terminating_comma = true;
            break;
        }
        if c != b'"' || was_quote {
            buf.push(c);
        }
        if in_quote && c == b'"' {
            was_quote = !was_quote;
        } else {
            was_quote = false;
        }
        if c == b'"' {
            in_quote = !in_quote;
            saw_quote = true;
            if buf.is_empty() {
                initial_quote = true;
            }
        }
        c = get(pos);
    }
    *pos -= 1;
    if saw_quote || !buf.is_empty() {
        Ok(Some(RawTok {
            text: buf,
            initial_quote,
            terminating_comma,
        }))
    } else {
        Ok(None)
    }
}

pub(crate) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Bytes to text without copying when they are valid UTF-8.
pub(crate) fn into_text(v: Vec<u8>) -> String {
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => lossy(e.as_bytes()),
    }
}

/// Where tokenized lines go: each is handed to `f` as soon as it is
/// tokenized (the parser parses it while its tokens are still in cache, and
/// a large file never holds all its token lists at once).
pub(crate) struct Sink<'f, T> {
    items: Vec<T>,
    f: &'f (dyn Fn(TokLine) -> T + Sync),
}

impl<T> Sink<'_, T> {
    fn push(&mut self, tl: TokLine) {
        self.items.push((self.f)(tl));
    }
    fn reserve(&mut self, n: usize) {
        self.items.reserve(n);
    }
}

impl Tokenizer<'_> {
    /// Tokenize the top-level file (or given text); `f` turns each line
    /// into the caller's item, in file order.
    pub fn top<T: Send>(
        &mut self,
        file: &str,
        text: Option<&[u8]>,
        f: &(dyn Fn(TokLine) -> T + Sync),
    ) -> Result<Vec<T>, String> {
        let mut sink = Sink {
            items: Vec::new(),
            f,
        };
        let out = &mut sink;
        match text {
            Some(b) => self.tokenize_top(file, b, out),
            None => match read_content(file, self.opts) {
                Ok(Content::Bytes(b)) => self.tokenize_top(file, &b, out),
                Ok(Content::Dir) => self.tokenize_dir_as_file(file, 0, out),
                Err(e) => return Err(format!("could not open file \"{file}\": {e}")),
            },
        }
        Ok(sink.items)
    }

    fn tokenize_dir_as_file<T: Send>(&mut self, file: &str, depth: u32, out: &mut Sink<'_, T>) {
        if self.feat.max_line > 0 {
            // 12.0/13.1 (fgets reader): the read error is a line-1 entry.
            let msg = format!("could not read file \"{file}\": Is a directory");
            self.tokenize_bytes(file, &[], Some(&msg), depth, out);
        }
        // pg_get_line_append reader (14+, and the late 12/13 minors): the
        // read error ends tokenizing without an entry.
    }

    /// The top file: large files without `@` references or include
    /// directives are tokenized in two halves on two threads.
    fn tokenize_top<T: Send>(&mut self, file: &str, bytes: &[u8], out: &mut Sink<'_, T>) {
        let simple = bytes.len() > (1 << 20)
            && memchr::memchr(b'@', bytes).is_none()
            && memchr::memmem::find(bytes, b"include").is_none();
        if !simple {
            return self.tokenize_bytes(file, bytes, None, 0, out);
        }
        let mut lines = logical_lines(bytes, &self.feat, None);
        let second = lines.split_off(lines.len() / 2);
        out.reserve(lines.len() + second.len());
        let (feat, opts) = (self.feat, self.opts);
        let mut out2 = Sink {
            items: Vec::new(),
            f: out.f,
        };
        std::thread::scope(|sc| {
            let h = sc.spawn(|| {
                let mut t = Tokenizer {
                    feat,
                    opts,
                    notes: Vec::new(),
                };
                t.tokenize_lines(file, second, 0, &mut out2);
            });
            self.tokenize_lines(file, lines, 0, out);
            h.join().expect("tokenizer thread");
        });
        out.items.append(&mut out2.items);
    }

    fn tokenize_bytes<T: Send>(
        &mut self,
        file: &str,
        bytes: &[u8],
        read_error: Option<&str>,
        depth: u32,
        out: &mut Sink<'_, T>,
    ) {
        let lines = logical_lines(bytes, &self.feat, read_error);
        out.reserve(lines.len());
        self.tokenize_lines(file, lines, depth, out);
    }

    fn tokenize_lines<T: Send>(
        &mut self,
        file: &str,
        lines: Vec<Logical>,
        depth: u32,
        out: &mut Sink<'_, T>,
    ) {
        for l in lines {
            let mut err = l.err;
            let mut fields: Vec<Vec<Token>> = Vec::with_capacity(6);
            let line = &l.text;
            let mut pos = 0usize;
            while pos < line.len() && err.is_none() {
                let field = self.next_field_expand(file, line, &mut pos, depth, &mut err);
                if !field.is_empty() {
                    fields.push(field);
                }
            }
            if fields.is_empty() && err.is_none() {
                continue;
            }
            if err.is_none() && fields.len() == 2 && self.feat.includes {
                let first = fields[0][0].text.as_str();
                let second = fields[1][0].text.clone();
                let handled = match first {
                    "include" => Some(self.include_file(file, &second, depth + 1, false, out)),
                    "include_if_exists" => {
                        Some(self.include_file(file, &second, depth + 1, true, out))
                    }
                    "include_dir" => Some(self.include_dir(file, &second, depth + 1, out)),
                    _ => None,
                };
                match handled {
                    Some(Ok(())) => continue,
                    Some(Err(e)) => err = Some(e),
                    None => {}
                }
            }
            out.push(TokLine {
                file: file.to_string(),
                line: l.line,
                raw: into_text(l.text),
                fields,
                err,
            });
        }
    }

    fn next_field_expand(
        &mut self,
        file: &str,
        line: &[u8],
        pos: &mut usize,
        depth: u32,
        err: &mut Option<String>,
    ) -> Vec<Token> {
        // most fields hold one token (a list grows it)
        let mut tokens = Vec::with_capacity(1);
        loop {
            let t = match next_token(line, pos, self.feat.max_token) {
                Err(()) => {
                    *err = Some("authentication file token too long".to_string());
                    break;
                }
                Ok(None) => break,
                Ok(Some(t)) => t,
            };
            if !t.initial_quote && t.text.len() > 1 && t.text[0] == b'@' {
                let name = lossy(&t.text[1..]);
                self.expand_file(file, &name, depth + 1, &mut tokens, err);
            } else {
                tokens.push(Token::new(into_text(t.text), t.initial_quote));
            }
            if !(t.terminating_comma && err.is_none()) {
                break;
            }
        }
        tokens
    }

    /// `@file`: every token of every line of the file joins the field.
    fn expand_file(
        &mut self,
        outer: &str,
        name: &str,
        depth: u32,
        tokens: &mut Vec<Token>,
        err: &mut Option<String>,
    ) {
        let full = resolve(outer, name, &self.feat);
        let keep = |tl: TokLine| tl;
        let mut lines = Sink {
            items: Vec::new(),
            f: &keep,
        };
        if self.feat.includes {
            if depth > MAX_DEPTH {
                *err = Some(format!(
                    "could not open file \"{full}\": maximum nesting depth exceeded"
                ));
                return;
            }
            match read_content(&full, self.opts) {
                Ok(Content::Bytes(b)) => self.tokenize_bytes(&full, &b, None, depth, &mut lines),
                Ok(Content::Dir) => self.tokenize_dir_as_file(&full, depth, &mut lines),
                Err(e) => {
                    *err = Some(format!("could not open file \"{full}\": {e}"));
                    return;
                }
            }
        } else {
            let fail = |e: &str| {
                format!(
                    "could not open secondary authentication file \"@{name}\" as \"{full}\": {e}"
                )
            };
            if depth > OLD_MAX_DEPTH {
                *err = Some(fail(
                    "nesting deeper than 64 levels (pgtls stops here; PostgreSQL would run out of file descriptors)",
                ));
                return;
            }
            match read_content(&full, self.opts) {
                Ok(Content::Bytes(b)) => self.tokenize_bytes(&full, &b, None, depth, &mut lines),
                Ok(Content::Dir) => self.tokenize_dir_as_file(&full, depth, &mut lines),
                Err(e) => {
                    *err = Some(fail(&e));
                    return;
                }
            }
        }
        for l in lines.items {
            if let Some(e) = l.err {
                *err = Some(e);
                break;
            }
            for f in l.fields {
                tokens.extend(f);
            }
        }
    }

    fn include_file<T: Send>(
        &mut self,
        outer: &str,
        name: &str,
        depth: u32,
        missing_ok: bool,
        out: &mut Sink<'_, T>,
    ) -> Result<(), String> {
        let full = resolve(outer, name, &self.feat);
        if depth > MAX_DEPTH {
            return Err(format!(
                "could not open file \"{full}\": maximum nesting depth exceeded"
            ));
        }
        match read_content(&full, self.opts) {
            Ok(Content::Bytes(b)) => {
                self.tokenize_bytes(&full, &b, None, depth, out);
                Ok(())
            }
            Ok(Content::Dir) => {
                self.tokenize_dir_as_file(&full, depth, out);
                Ok(())
            }
            Err(e) if missing_ok && is_not_found(&e) => {
                self.notes
                    .push(format!("skipping missing authentication file \"{full}\""));
                Ok(())
            }
            Err(e) => Err(format!("could not open file \"{full}\": {e}")),
        }
    }

    fn include_dir<T: Send>(
        &mut self,
        outer: &str,
        dir: &str,
        depth: u32,
        out: &mut Sink<'_, T>,
    ) -> Result<(), String> {
        if dir
            .bytes()
            .all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            return Err("empty configuration directory name".to_string());
        }
        let full = resolve(outer, dir, &self.feat);
        if !self.opts.read_files {
            return Err(format!("could not open directory \"{full}\""));
        }
        let rd =
            std::fs::read_dir(&full).map_err(|_| format!("could not open directory \"{full}\""))?;
        let mut names: Vec<String> = Vec::new();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.len() < 6 || name.starts_with('.') || !name.ends_with(".conf") {
                continue;
            }
            let path = canonicalize(&format!("{full}/{name}"), true);
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => names.push(path),
                Err(_) => return Err(format!("could not stat file \"{path}\"")),
            }
        }
        names.sort();
        let mut errs: Vec<String> = Vec::new();
        for n in names {
            if let Err(e) = self.include_file(outer, &n, depth, false, out) {
                errs.push(e);
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs.join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<(String, bool, bool)> {
        let mut pos = 0;
        let mut v = Vec::new();
        while let Ok(Some(t)) = next_token(s.as_bytes(), &mut pos, 0) {
            v.push((lossy(&t.text), t.initial_quote, t.terminating_comma));
        }
        v
    }

    #[test]
    fn tokens_follow_quote_comma_and_comment_rules() {
        assert_eq!(
            toks(r#"a,b "c d" al"l" "" x#y"#),
            vec![
                ("a".into(), false, true),
                ("b".into(), false, false),
                ("c d".into(), true, false),
                ("all".into(), false, false),
                ("".into(), true, false),
                ("x".into(), false, false),
            ]
        );
        assert_eq!(toks(r#""a""b""#), vec![(r#"a"b"#.into(), true, false)]);
    }

    #[test]
    fn continuation_joins_lines_from_14_on() {
        let f14 = Features::of(140000);
        let l = logical_lines(b"host all \\\nall\nlocal x\n", &f14, None);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].text, b"host all all");
        assert_eq!(l[1].line, 3);
        let f13 = Features::of(130000);
        let l = logical_lines(b"host all \\\nall\n", &f13, None);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].text, b"host all \\");
    }

    #[test]
    fn paths_resolve_against_the_including_file() {
        let f = Features::of(160000);
        assert_eq!(resolve("/d/pg_hba.conf", "x.conf", &f), "/d/x.conf");
        assert_eq!(resolve("/d/pg_hba.conf", "/abs//x", &f), "/abs//x");
        assert_eq!(resolve("pg_hba.conf", "x", &f), "x");
        assert_eq!(resolve("/d/e/f", "../x", &f), "/d/x");
        assert_eq!(resolve("/d/f", "sub/", &f), "/d/sub");
    }
}
