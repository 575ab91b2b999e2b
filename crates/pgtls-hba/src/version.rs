//! What changes between majors 12 to 18 (PostgreSQL's `version_num`, e.g.
//! 150018 for 15.18; a bare major such as 15 is accepted too).

/// The newest major this engine knows; the default version.
pub const LATEST_MAJOR: u32 = 18;
pub const OLDEST_MAJOR: u32 = 12;

/// Normalise `15`, `150018` or `1500` style input to a major.
pub fn major_of(version_num: u32) -> u32 {
    if version_num >= 10000 {
        version_num / 10000
    } else if version_num >= 100 {
        version_num / 100
    } else {
        version_num
    }
}

/// Turn a user's `--pg-version` (`15`, `15.4`, `150004`) into a version_num.
pub fn parse_version_arg(s: &str) -> Option<u32> {
    let s = s.trim();
    let mut it = s.split('.');
    let major: u32 = it.next()?.parse().ok()?;
    if major >= 10000 {
        return (OLDEST_MAJOR..=LATEST_MAJOR)
            .contains(&(major / 10000))
            .then_some(major);
    }
    let minor: u32 = match it.next() {
        Some(m) => m.parse().ok()?,
        None => 0,
    };
    (OLDEST_MAJOR..=LATEST_MAJOR)
        .contains(&major)
        .then_some(major * 10000 + minor)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features {
    pub major: u32,
    /// 14+: a trailing backslash joins the next physical line.
    pub continuation: bool,
    /// 16+: include, include_if_exists, include_dir.
    pub includes: bool,
    /// 16+: `/regex` database and user names.
    pub regex: bool,
    /// 16+: rule_number and file_name view columns.
    pub view_has_file: bool,
    /// 12-15: fixed token buffer size (`MAX_TOKEN`); 0 = unlimited.
    pub max_token: usize,
    /// 12-13: fixed line buffer (`MAX_LINE`); 0 = unlimited.
    pub max_line: usize,
    /// 14+: clientcert accepts only verify-ca / verify-full.
    pub clientcert_strict: bool,
    /// 14+: the clientname option exists.
    pub clientname: bool,
    /// 18+: oauth method.
    pub oauth: bool,
    /// 14+: reject messages say "no encryption" / "SSL encryption" /
    /// "GSS encryption" instead of "SSL off" / "SSL on".
    pub encryption_words: bool,
}

impl Features {
    pub fn of(version_num: u32) -> Features {
        let major = major_of(version_num).clamp(OLDEST_MAJOR, LATEST_MAJOR);
        Features {
            major,
            continuation: major >= 14,
            includes: major >= 16,
            regex: major >= 16,
            view_has_file: major >= 16,
            // 12.0/13.1 had 256; the late minors (12.22, 13.23) share 14's
            // 10240 (checked against the servers).
            max_token: if major <= 15 { 10240 } else { 0 },
            // 12.0/13.1 read lines with fgets(8192); the minors installed
            // here (12.22, 13.23) have no line limit (checked against the
            // servers), so none is applied.
            max_line: 0,
            clientcert_strict: major >= 14,
            clientname: major >= 14,
            oauth: major >= 18,
            encryption_words: major >= 14,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn version_arguments_accept_major_minor_and_num() {
        assert_eq!(parse_version_arg("15"), Some(150000));
        assert_eq!(parse_version_arg("15.4"), Some(150004));
        assert_eq!(parse_version_arg("180004"), Some(180004));
        assert_eq!(parse_version_arg("11"), None);
        assert_eq!(major_of(150018), 15);
        assert_eq!(major_of(16), 16);
    }
}
