//! PostgreSQL's path string helpers (`src/port/path.c`), on bytes.
//!
//! The file names PostgreSQL reports (pg_file_settings.sourcefile, error
//! messages) are produced by these string operations, not by the file
//! system, so we reproduce them instead of using `fs::canonicalize`.

/// `is_absolute_path()` on Unix.
pub fn is_absolute(p: &[u8]) -> bool {
    p.first() == Some(&b'/')
}

fn trim_trailing_separator(p: &mut Vec<u8>) {
    while p.len() > 1 && p.last() == Some(&b'/') {
        p.pop();
    }
}

/// `trim_directory()`: cut the last component (and the separator before it).
fn trim_directory(p: &mut Vec<u8>) {
    if p.is_empty() {
        return;
    }
    let mut i = p.len() - 1;
    while i > 0 && p[i] == b'/' {
        i -= 1;
    }
    while i > 0 && p[i] != b'/' {
        i -= 1;
    }
    p.truncate(i);
}

/// `get_parent_directory()`.
pub fn parent_directory(p: &[u8]) -> Vec<u8> {
    let mut v = p.to_vec();
    trim_directory(&mut v);
    trim_trailing_separator(&mut v);
    v
}

/// `join_path_components()`. Before 15 it also dropped leading `./`
/// components of `tail` (`modern` = false selects that).
pub fn join(head: &[u8], tail: &[u8], modern: bool) -> Vec<u8> {
    let mut tail = tail;
    if !modern {
        while tail.len() >= 2 && tail[0] == b'.' && tail[1] == b'/' {
            tail = &tail[2..];
        }
    }
    let mut v = head.to_vec();
    if !tail.is_empty() {
        if !head.is_empty() {
            v.push(b'/');
        }
        v.extend_from_slice(tail);
    }
    v
}

/// `canonicalize_path()`. PostgreSQL 15 rewrote it to resolve `.` and `..`
/// anywhere in the path; before that only trailing `.`/`..` components were
/// processed (and `a/./b`, `a/../b` were left as written). `modern` selects
/// the 15+ behaviour.
pub fn canonicalize(p: &[u8], modern: bool) -> Vec<u8> {
    // Trailing separators off, duplicate separators collapsed.
    let mut v: Vec<u8> = Vec::with_capacity(p.len());
    for &b in p {
        if b == b'/' && v.last() == Some(&b'/') {
            continue;
        }
        v.push(b);
    }
    trim_trailing_separator(&mut v);
    if modern {
        canonicalize_modern(&v)
    } else {
        canonicalize_legacy(v)
    }
}

fn canonicalize_modern(v: &[u8]) -> Vec<u8> {
    let absolute = is_absolute(v);
    let mut parts: Vec<&[u8]> = Vec::new();
    // Leading ".." components of a relative path that could not be removed.
    let mut ups = 0usize;
    for comp in v.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() && !absolute {
                    ups += 1;
                }
            }
            c => parts.push(c),
        }
    }
    let mut out = Vec::with_capacity(v.len());
    if absolute {
        out.push(b'/');
    }
    let mut first = true;
    for _ in 0..ups {
        if !first {
            out.push(b'/');
        }
        out.extend_from_slice(b"..");
        first = false;
    }
    for c in parts {
        if !first {
            out.push(b'/');
        }
        out.extend_from_slice(c);
        first = false;
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

fn canonicalize_legacy(mut v: Vec<u8>) -> Vec<u8> {
    let mut pending: usize = 0;
    loop {
        let len = v.len();
        if len >= 2 && v.ends_with(b"/.") {
            trim_directory(&mut v);
        } else if v == b"." {
            if pending > 0 {
                v.clear();
            }
            break;
        } else if (len >= 3 && v.ends_with(b"/..")) || v == b".." {
            trim_directory(&mut v);
            pending += 1;
        } else if pending > 0 && !v.is_empty() {
            trim_directory(&mut v);
            pending -= 1;
            if v.is_empty() {
                v.push(b'.');
            }
        } else {
            break;
        }
    }
    if pending > 0 {
        for _ in 1..pending {
            v.extend_from_slice(b"../");
        }
        v.extend_from_slice(b"..");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(p: &str, modern: bool) -> String {
        String::from_utf8(canonicalize(p.as_bytes(), modern)).unwrap()
    }

    #[test]
    fn modern_canonicalization_resolves_dots_everywhere() {
        assert_eq!(c("/a/b/../c.conf", true), "/a/c.conf");
        assert_eq!(c("/a/./b//c.conf/", true), "/a/b/c.conf");
        assert_eq!(c("/..", true), "/");
        assert_eq!(c("../x", true), "../x");
        assert_eq!(c("a/..", true), ".");
    }

    #[test]
    fn legacy_canonicalization_only_trims_trailing_dots() {
        assert_eq!(c("/a/b/../c.conf", false), "/a/b/../c.conf");
        assert_eq!(c("/a/./b//c.conf/", false), "/a/./b/c.conf");
        assert_eq!(c("/a/b/.", false), "/a/b");
        assert_eq!(c("/a/b/..", false), "/a");
    }

    #[test]
    fn parent_and_join_match_path_c() {
        assert_eq!(parent_directory(b"/etc/pg/a.conf"), b"/etc/pg");
        assert_eq!(parent_directory(b"/a.conf"), b"");
        assert_eq!(join(b"/etc/pg", b"x.conf", true), b"/etc/pg/x.conf");
        assert_eq!(join(b"", b"x.conf", true), b"x.conf");
        assert_eq!(join(b"/d", b"././x/./y", true), b"/d/././x/./y");
        assert_eq!(join(b"/d", b"././x/./y", false), b"/d/x/./y");
    }
}
