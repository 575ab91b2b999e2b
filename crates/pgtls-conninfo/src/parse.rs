//! libpq's two connection-string grammars, byte for byte as `fe-connect.c`
//! (`conninfo_parse`, `conninfo_uri_parse_options`, `conninfo_uri_parse_params`,
//! `conninfo_uri_decode`, `conninfo_storeval`).
//!
//! Hand-written on purpose: no crate reproduces libpq's quirks (backslash
//! escapes without quotes, `''` closing a value, percent-decoding of the
//! whole host list, 18's space trimming), and every one of them changes what
//! a client actually connects with. The tests compare this module with the
//! real libpq of every major on generated strings.

use crate::conninfo::{ConnInfo, Form, Source};
use crate::error::{ConnInfoError, Quoted};
use crate::keywords;

const URI_DESIGNATOR: &str = "postgresql://";
const SHORT_URI_DESIGNATOR: &str = "postgres://";

/// libpq's `uri_prefix_length()`: the case-sensitive prefix `postgresql://`
/// or `postgres://`, or 0.
pub fn uri_prefix_length(s: &str) -> usize {
    if s.starts_with(URI_DESIGNATOR) {
        URI_DESIGNATOR.len()
    } else if s.starts_with(SHORT_URI_DESIGNATOR) {
        SHORT_URI_DESIGNATOR.len()
    } else {
        0
    }
}

/// libpq's `recognized_connection_string()`: a URI prefix or any `=`. This
/// decides whether a `dbname` value is expanded as a connection string.
pub fn recognized_connection_string(s: &str) -> bool {
    uri_prefix_length(s) != 0 || s.contains('=')
}

/// C's `isspace()` in the C locale.
pub(crate) fn c_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Parse as libpq `major` (12..=18) would (`PQconninfoParse`): no defaults.
pub fn parse_as(s: &str, major: u32) -> Result<ConnInfo, ConnInfoError> {
    let major = keywords::clamp_major(major);
    // libpq sees a C string: anything after a NUL does not exist.
    let s = match s.find('\0') {
        Some(i) => &s[..i],
        None => s,
    };
    if uri_prefix_length(s) != 0 {
        parse_uri(s, major)
    } else {
        parse_keyword_value(s, major)
    }
}

/// `conninfo_storeval()`: `requiressl` is rewritten to `sslmode`, unknown
/// keywords are refused. Returns false for an unknown keyword.
fn storeval(info: &mut ConnInfo, keyword: &str, value: String) -> bool {
    let (keyword, value) = if keyword == "requiressl" {
        let v = if value.as_bytes().first() == Some(&b'1') {
            "require"
        } else {
            "prefer"
        };
        ("sslmode", v.to_string())
    } else {
        (keyword, value)
    };
    match keywords::lookup(keyword, info.major()) {
        Some(k) => {
            info.store(k, value, Source::ConnString);
            true
        }
        None => false,
    }
}

fn parse_keyword_value(s: &str, major: u32) -> Result<ConnInfo, ConnInfoError> {
    let b = s.as_bytes();
    let len = b.len();
    let mut info = ConnInfo::empty(major, Form::KeyValue);
    let mut i = 0;
    let mut last_was_secret = false;
    while i < len {
        if c_isspace(b[i]) {
            i += 1;
            continue;
        }
        // The parameter name runs to '=' or whitespace.
        let start = i;
        let mut name_end = len;
        while i < len {
            if b[i] == b'=' {
                name_end = i;
                break;
            }
            if c_isspace(b[i]) {
                name_end = i;
                i += 1;
                while i < len && c_isspace(b[i]) {
                    i += 1;
                }
                break;
            }
            i += 1;
        }
        if i >= len {
            name_end = name_end.min(len);
        }
        let name = &b[start..name_end];
        if i >= len || b[i] != b'=' {
            return Err(ConnInfoError::MissingEquals(Quoted::new(
                lossy(name),
                last_was_secret,
            )));
        }
        i += 1;
        while i < len && c_isspace(b[i]) {
            i += 1;
        }
        let mut value = Vec::new();
        if i < len && b[i] == b'\'' {
            i += 1;
            loop {
                if i >= len {
                    return Err(ConnInfoError::UnterminatedQuote);
                }
                match b[i] {
                    b'\\' => {
                        i += 1;
                        if i < len {
                            value.push(b[i]);
                            i += 1;
                        }
                    }
                    b'\'' => {
                        i += 1;
                        break;
                    }
                    c => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < len {
                let c = b[i];
                if c_isspace(c) {
                    i += 1;
                    break;
                }
                if c == b'\\' {
                    i += 1;
                    if i < len {
                        value.push(b[i]);
                        i += 1;
                    }
                } else {
                    value.push(c);
                    i += 1;
                }
            }
        }
        let name = lossy(name);
        if !storeval(&mut info, &name, lossy(&value)) {
            return Err(ConnInfoError::InvalidOption(name));
        }
        last_was_secret = keywords::is_secret(&name);
    }
    Ok(info)
}

/// `conninfo_uri_decode()`. From 18 leading and trailing raw spaces are
/// dropped and an interior raw space is an error.
fn uri_decode(raw: &[u8], major: u32, secret: bool) -> Result<Vec<u8>, ConnInfoError> {
    let quoted = || Quoted::new(lossy(raw), secret);
    let mut out = Vec::with_capacity(raw.len());
    let mut q = 0;
    let len = raw.len();
    let trims = major >= 18;
    if trims {
        while q < len && raw[q] == b' ' {
            q += 1;
        }
    }
    while q < len {
        let c = raw[q];
        if c != b'%' {
            if trims && c == b' ' {
                break;
            }
            out.push(c);
            q += 1;
            continue;
        }
        q += 1;
        let hi = raw.get(q).and_then(|d| (*d as char).to_digit(16));
        let lo = raw.get(q + 1).and_then(|d| (*d as char).to_digit(16));
        let (Some(hi), Some(lo)) = (hi, lo) else {
            return Err(ConnInfoError::InvalidPercentToken(quoted()));
        };
        q += 2;
        let v = (hi << 4 | lo) as u8;
        if v == 0 {
            return Err(ConnInfoError::ForbiddenPercentZero(quoted()));
        }
        out.push(v);
    }
    if trims {
        while q < len && raw[q] == b' ' {
            q += 1;
        }
        if q < len {
            return Err(ConnInfoError::UnexpectedSpaces(quoted()));
        }
    }
    Ok(out)
}

/// The URI with its password replaced by `***`, for error messages.
fn redacted_uri(s: &str, prefix: usize, password: Option<(usize, usize)>) -> Quoted {
    match password {
        Some((a, b)) if b > a => {
            let _ = prefix;
            Quoted::plain(format!("{}***{}", &s[..a], &s[b..]))
        }
        _ => Quoted::plain(s),
    }
}

fn parse_uri(s: &str, major: u32) -> Result<ConnInfo, ConnInfoError> {
    let b = s.as_bytes();
    let len = b.len();
    let prefix = uri_prefix_length(s);
    let mut info = ConnInfo::empty(major, Form::Uri);
    let start = prefix;
    let mut p = start;
    let mut password_span = None;

    // Look ahead for a user credentials designator before any '/'.
    while p < len && b[p] != b'@' && b[p] != b'/' {
        p += 1;
    }
    if p < len && b[p] == b'@' {
        p = start;
        while b[p] != b':' && b[p] != b'@' {
            p += 1;
        }
        let prev = b[p];
        let user = &b[start..p];
        if !user.is_empty() {
            let v = uri_decode(user, major, false)?;
            storeval(&mut info, "user", lossy(&v));
        }
        if prev == b':' {
            let pw_start = p + 1;
            p = pw_start;
            while b[p] != b'@' {
                p += 1;
            }
            password_span = Some((pw_start, p));
            let pw = &b[pw_start..p];
            if !pw.is_empty() {
                let v = uri_decode(pw, major, true)?;
                storeval(&mut info, "password", lossy(&v));
            }
        }
        p += 1;
    } else {
        p = start;
    }
    let uri_q = || redacted_uri(s, prefix, password_span);

    let mut hostbuf: Vec<u8> = Vec::new();
    let mut portbuf: Vec<u8> = Vec::new();
    let mut prev: Option<u8>;
    loop {
        let host: &[u8];
        if p < len && b[p] == b'[' {
            p += 1;
            let h = p;
            while p < len && b[p] != b']' {
                p += 1;
            }
            if p >= len {
                return Err(ConnInfoError::UnterminatedIpv6(uri_q()));
            }
            if p == h {
                return Err(ConnInfoError::EmptyIpv6(uri_q()));
            }
            host = &b[h..p];
            p += 1;
            if p < len && !matches!(b[p], b':' | b'/' | b'?' | b',') {
                let ch = s[p..].chars().next().unwrap_or('?');
                return Err(ConnInfoError::UnexpectedUriCharacter {
                    ch,
                    position: p + 1,
                    uri: uri_q(),
                });
            }
        } else {
            let h = p;
            while p < len && !matches!(b[p], b':' | b'/' | b'?' | b',') {
                p += 1;
            }
            host = &b[h..p];
        }
        prev = b.get(p).copied();
        hostbuf.extend_from_slice(host);
        if prev == Some(b':') {
            p += 1;
            let ps = p;
            while p < len && !matches!(b[p], b'/' | b'?' | b',') {
                p += 1;
            }
            prev = b.get(p).copied();
            portbuf.extend_from_slice(&b[ps..p]);
        }
        if prev != Some(b',') {
            break;
        }
        p += 1;
        hostbuf.push(b',');
        portbuf.push(b',');
    }
    if !hostbuf.is_empty() {
        let v = uri_decode(&hostbuf, major, false)?;
        storeval(&mut info, "host", lossy(&v));
    }
    if !portbuf.is_empty() {
        let v = uri_decode(&portbuf, major, false)?;
        storeval(&mut info, "port", lossy(&v));
    }
    if prev.is_some() && prev != Some(b'?') {
        p += 1;
        let ds = p;
        while p < len && b[p] != b'?' {
            p += 1;
        }
        prev = b.get(p).copied();
        let db = &b[ds..p];
        if !db.is_empty() {
            let v = uri_decode(db, major, false)?;
            storeval(&mut info, "dbname", lossy(&v));
        }
    }
    if prev.is_some() {
        p += 1;
        parse_uri_params(&b[p.min(len)..], &mut info, major)?;
    }
    Ok(info)
}

fn parse_uri_params(b: &[u8], info: &mut ConnInfo, major: u32) -> Result<(), ConnInfoError> {
    let len = b.len();
    let mut i = 0;
    while i < len {
        let kstart = i;
        let mut eq: Option<usize> = None;
        let end;
        loop {
            if i < len && b[i] == b'=' {
                if let Some(e) = eq {
                    return Err(ConnInfoError::ExtraQuerySeparator(Quoted::plain(lossy(
                        &b[kstart..e],
                    ))));
                }
                eq = Some(i);
                i += 1;
            } else if i >= len || b[i] == b'&' {
                end = i;
                if i < len {
                    i += 1;
                }
                break;
            } else {
                i += 1;
            }
        }
        let Some(e) = eq else {
            return Err(ConnInfoError::MissingQuerySeparator(Quoted::plain(lossy(
                &b[kstart..end],
            ))));
        };
        let keyword = lossy(&uri_decode(&b[kstart..e], major, false)?);
        let secret = keywords::is_secret(&keyword);
        let value = lossy(&uri_decode(&b[e + 1..end], major, secret)?);
        let (keyword, value) = if keyword == "ssl" && value == "true" {
            ("sslmode".to_string(), "require".to_string())
        } else {
            (keyword, value)
        };
        if !storeval(info, &keyword, value) {
            return Err(ConnInfoError::InvalidUriQueryParameter(keyword));
        }
    }
    Ok(())
}
