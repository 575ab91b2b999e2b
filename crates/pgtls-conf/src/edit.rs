//! Editing configuration text in place, for `pgtls fix`.
//!
//! Which to use:
//! * [`set_value_in_text`] when the setting already has an entry: edit the
//!   entry [`crate::ConfigSet::effective`] (or `intended`) returns, in the
//!   file it names, so the new value lands exactly where PostgreSQL reads
//!   the winning value. Only the value token changes; comments, spacing
//!   and every other byte stay as they were.
//! * [`append_setting`] when no entry exists: append `name = 'value'` to
//!   postgresql.conf (settings later in the set win, so appending is
//!   enough unless postgresql.auto.conf sets it; that case has an entry
//!   and takes the first path).
//! * [`comment_out_line`] to drop an overriding entry instead.
//!
//! After writing, re-load the set and check `effective()` shows the new
//! value: an entry with the same spelling later in the set would still win.

use crate::lex::{Lexer, TokenKind};

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("line {0} does not exist (the text has {1} lines)")]
    NoSuchLine(u32, u32),
    #[error("line {0} is not a `name = value` setting")]
    NotASetting(u32),
    #[error("line {line} sets \"{found}\", not \"{expected}\"")]
    OtherName {
        line: u32,
        found: String,
        expected: String,
    },
    #[error("a value cannot contain a NUL character")]
    NulInValue,
    #[error("\"{0}\" is not a valid setting name (letters, digits and _, at most one dot)")]
    BadName(String),
}

/// `'...'`: doubles `'`, escapes `\` and control characters the lexer
/// would otherwise not accept (`\n`) or might mangle.
pub fn quote_value(value: &str) -> Result<String, EditError> {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\0' => return Err(EditError::NulInValue),
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

/// Byte offset of the start of 1-based `line`, and the line count.
fn line_start(text: &str, line: u32) -> Result<usize, EditError> {
    let total = text.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    if line == 0 || line > total {
        return Err(EditError::NoSuchLine(line, total));
    }
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n').map_or(0, |i| i + 1);
    }
    Ok(start)
}

/// A byte range.
type Span = (usize, usize);

/// The (name range, value range) of a setting line starting at `start`.
fn setting_tokens(text: &str, start: usize, line: u32) -> Result<(Span, Span), EditError> {
    let mut lex = Lexer::at(text.as_bytes(), start);
    let bad = EditError::NotASetting(line);
    let name = lex
        .next_token()
        .filter(|t| t.kind.is_name())
        .ok_or(bad.clone())?;
    let mut t = lex.next_token().ok_or(bad.clone())?;
    if t.kind == TokenKind::Equals {
        t = lex.next_token().ok_or(bad.clone())?;
    }
    if !t.kind.is_value() {
        return Err(bad);
    }
    match lex.next_token() {
        None => {}
        Some(e) if e.kind == TokenKind::Eol => {}
        Some(_) => return Err(bad),
    }
    let n = &text[name.start..name.end];
    if ["include", "include_if_exists", "include_dir"]
        .iter()
        .any(|d| n.eq_ignore_ascii_case(d))
    {
        return Err(bad);
    }
    Ok(((name.start, name.end), (t.start, t.end)))
}

/// Replace the value of the setting on 1-based `entry_line` with
/// `new_value`, quoted. Every other byte is kept.
pub fn set_value_in_text(
    text: &str,
    entry_line: u32,
    new_value: &str,
) -> Result<String, EditError> {
    let start = line_start(text, entry_line)?;
    let (_, (vs, ve)) = setting_tokens(text, start, entry_line)?;
    let q = quote_value(new_value)?;
    let mut out = String::with_capacity(text.len() + q.len());
    out.push_str(&text[..vs]);
    out.push_str(&q);
    out.push_str(&text[ve..]);
    Ok(out)
}

/// Like [`set_value_in_text`], but first checks that the line sets `name`
/// (ASCII case-insensitive), so a stale line number cannot edit the wrong
/// setting.
pub fn set_named_value_in_text(
    text: &str,
    entry_line: u32,
    name: &str,
    new_value: &str,
) -> Result<String, EditError> {
    let start = line_start(text, entry_line)?;
    let ((ns, ne), _) = setting_tokens(text, start, entry_line)?;
    if !text[ns..ne].eq_ignore_ascii_case(name) {
        return Err(EditError::OtherName {
            line: entry_line,
            found: text[ns..ne].to_string(),
            expected: name.to_string(),
        });
    }
    set_value_in_text(text, entry_line, new_value)
}

fn check_name(name: &str) -> Result<(), EditError> {
    let mut lex = Lexer::new(name.as_bytes());
    match (lex.next_token(), lex.next_token()) {
        (Some(t), None) if t.kind.is_name() && t.end == name.len() => Ok(()),
        _ => Err(EditError::BadName(name.to_string())),
    }
}

/// Append `name = 'value'` on a line of its own (adding a newline first if
/// the text does not end with one).
pub fn append_setting(text: &str, name: &str, value: &str) -> Result<String, EditError> {
    check_name(name)?;
    let q = quote_value(value)?;
    let mut out = String::with_capacity(text.len() + name.len() + q.len() + 5);
    out.push_str(text);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(name);
    out.push_str(" = ");
    out.push_str(&q);
    out.push('\n');
    Ok(out)
}

/// Turn 1-based `line` into a comment by prefixing `#`.
pub fn comment_out_line(text: &str, line: u32) -> Result<String, EditError> {
    let start = line_start(text, line)?;
    let mut out = String::with_capacity(text.len() + 1);
    out.push_str(&text[..start]);
    out.push('#');
    out.push_str(&text[start..]);
    Ok(out)
}
