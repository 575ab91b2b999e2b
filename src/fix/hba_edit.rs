//! In-place edits of pg_hba.conf text that change nothing but what they
//! must: the connection-type word of a record, keeping comments, order,
//! quoting, spacing and column alignment. Records are never re-sorted.

use std::fmt;

const TAB: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError(pub String);

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EditError {}

fn visual_width(s: &str, start_col: usize) -> usize {
    let mut col = start_col;
    for c in s.chars() {
        if c == '\t' {
            col = (col / TAB + 1) * TAB;
        } else {
            col += 1;
        }
    }
    col
}

/// Whitespace from `col` to reach `target`, in the style of `orig` (tabs
/// when it used tabs); at least one blank.
fn pad(col: usize, target: usize, orig: &str) -> String {
    let use_tabs = orig.contains('\t');
    if target > col {
        if use_tabs {
            let mut s = String::new();
            let mut c = col;
            while (c / TAB + 1) * TAB <= target {
                s.push('\t');
                c = (c / TAB + 1) * TAB;
            }
            while c < target {
                s.push(' ');
                c += 1;
            }
            if !s.is_empty() {
                return s;
            }
        } else {
            return " ".repeat(target - col);
        }
    }
    if use_tabs { "\t" } else { " " }.to_string()
}

/// The byte range of each physical line (without its `\n`).
fn line_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            v.push((start, i));
            start = i + 1;
        }
    }
    if start < text.len() {
        v.push((start, text.len()));
    }
    v
}

/// Replace the first word (the connection type) of physical line `line`
/// (1-based) with `to`, when it currently reads `from` (quoted or not).
/// The next column keeps its visual position whenever the blanks allow.
pub fn set_conn_type(text: &str, line: u32, from: &str, to: &str) -> Result<String, EditError> {
    let ranges = line_ranges(text);
    let (ls, le) = *ranges
        .get(line.saturating_sub(1) as usize)
        .ok_or_else(|| EditError(format!("line {line} does not exist")))?;
    let l = &text[ls..le];
    let indent_len = l.len() - l.trim_start_matches([' ', '\t']).len();
    let rest = &l[indent_len..];
    let (tok_len, quoted) = if let Some(q) = rest.strip_prefix('"') {
        let end = q
            .find('"')
            .ok_or_else(|| EditError(format!("line {line}: unterminated quote")))?;
        (end + 2, true)
    } else {
        (
            rest.find([' ', '\t', '\r', '#', ',']).unwrap_or(rest.len()),
            false,
        )
    };
    let tok = &rest[..tok_len];
    let word = if quoted { &tok[1..tok.len() - 1] } else { tok };
    if word != from {
        return Err(EditError(format!(
            "line {line}: expected connection type `{from}`, found `{word}`"
        )));
    }
    let after = &rest[tok_len..];
    let ws_len = after.len() - after.trim_start_matches([' ', '\t']).len();
    let ws = &after[..ws_len];
    let tail = &after[ws_len..];
    let indent = &l[..indent_len];
    let new_tok = if quoted {
        format!("\"{to}\"")
    } else {
        to.to_string()
    };
    let mut new_line = String::with_capacity(l.len() + to.len());
    new_line.push_str(indent);
    new_line.push_str(&new_tok);
    if tail.is_empty() || tail.starts_with('\r') {
        new_line.push_str(ws);
    } else {
        let start = visual_width(indent, 0);
        let target = visual_width(ws, visual_width(tok, start));
        let col = visual_width(&new_tok, start);
        new_line.push_str(&pad(col, target, ws));
    }
    new_line.push_str(tail);
    let mut out = String::with_capacity(text.len() + to.len());
    out.push_str(&text[..ls]);
    out.push_str(&new_line);
    out.push_str(&text[le..]);
    Ok(out)
}

/// Lay out `fields` in the columns of an existing record line, so inserted
/// lines look like their neighbours.
pub fn aligned_like(model_line: &str, fields: &[&str]) -> String {
    // Column starts of the model's fields.
    let mut cols = Vec::new();
    let mut col = 0;
    let mut in_tok = false;
    let mut in_quote = false;
    let uses_tabs = model_line.contains('\t');
    for c in model_line.chars() {
        if c == '#' && !in_quote {
            break;
        }
        let blank = (c == ' ' || c == '\t') && !in_quote;
        if !blank && !in_tok {
            cols.push(col);
            in_tok = true;
        } else if blank {
            in_tok = false;
        }
        if c == '"' {
            in_quote = !in_quote;
        }
        col = if c == '\t' {
            (col / TAB + 1) * TAB
        } else {
            col + 1
        };
    }
    let mut out = String::new();
    let mut cur = 0;
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            let target = cols.get(i).copied().unwrap_or(cur + 1);
            out.push_str(&pad(cur, target, if uses_tabs { "\t" } else { " " }));
        }
        out.push_str(f);
        cur = visual_width(&out, 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_becomes_hostssl_keeping_the_next_column() {
        let t = "# c\nhost    all             all             10.0.0.0/8   md5  # app\nlocal all all peer\n";
        let out = set_conn_type(t, 2, "host", "hostssl").unwrap();
        assert_eq!(
            out,
            "# c\nhostssl all             all             10.0.0.0/8   md5  # app\nlocal all all peer\n"
        );
    }

    #[test]
    fn tab_separated_columns_stay_on_their_tab_stops() {
        let t = "host\tall\tall\t127.0.0.1/32\ttrust\n";
        let out = set_conn_type(t, 1, "host", "hostssl").unwrap();
        assert_eq!(out, "hostssl\tall\tall\t127.0.0.1/32\ttrust\n");
        let out = set_conn_type(t, 1, "host", "hostnossl").unwrap();
        assert_eq!(out, "hostnossl\tall\tall\t127.0.0.1/32\ttrust\n");
    }

    #[test]
    fn a_single_blank_stays_a_single_blank_and_quotes_are_kept() {
        let t = "  \"host\" all all ::1/128 md5\r\n";
        let out = set_conn_type(t, 1, "host", "hostssl").unwrap();
        assert_eq!(out, "  \"hostssl\" all all ::1/128 md5\r\n");
    }

    #[test]
    fn refuses_to_edit_a_line_that_is_not_what_the_plan_says() {
        let t = "hostssl all all all md5\n";
        assert!(set_conn_type(t, 1, "host", "hostssl").is_err());
        assert!(set_conn_type(t, 3, "host", "hostssl").is_err());
    }

    #[test]
    fn inserted_lines_follow_the_model_columns() {
        let model = "host    all             all             10.0.0.0/8              scram-sha-256";
        let l = aligned_like(model, &["hostnossl", "all", "all", "0.0.0.0/0", "reject"]);
        assert_eq!(
            l,
            "hostnossl all           all             0.0.0.0/0               reject"
        );
    }
}
