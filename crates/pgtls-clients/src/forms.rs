//! The connection-string syntaxes other than libpq's (which lives in
//! `pgtls-conninfo`): generic URLs as the non-libpq drivers read them, JDBC
//! URLs, SQLAlchemy URLs, ADO.NET (Npgsql) strings, and a keyword/value
//! reader that accepts unknown keys (pgx, lib/pq, tokio-postgres).

use serde::Serialize;

/// Which syntax a setting was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Syntax {
    LibpqKeywordValue,
    LibpqUri,
    JdbcUrl,
    SqlalchemyUrl,
    Npgsql,
    NodeConfig,
    EnvVar,
    ServiceFile,
    PgbouncerIni,
    RailsYaml,
    DjangoSettings,
    PrimaryConninfo,
}

impl Syntax {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LibpqKeywordValue => "libpq-keyword-value",
            Self::LibpqUri => "uri",
            Self::JdbcUrl => "jdbc-url",
            Self::SqlalchemyUrl => "sqlalchemy-url",
            Self::Npgsql => "npgsql",
            Self::NodeConfig => "node-postgres-config",
            Self::EnvVar => "environment",
            Self::ServiceFile => "pg_service.conf",
            Self::PgbouncerIni => "pgbouncer.ini",
            Self::RailsYaml => "database.yml",
            Self::DjangoSettings => "django-settings",
            Self::PrimaryConninfo => "primary_conninfo",
        }
    }
}

/// A URL split as the WHATWG/`net/url`-style parsers of the non-libpq
/// drivers split it: `scheme://[user[:password]@]hosts[/path][?query]`.
/// Percent escapes are decoded; `+` is kept (only JDBC's URLDecoder turns
/// it into a space).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// `host[:port]` items, brackets removed from IPv6 literals.
    pub hosts: Vec<(String, Option<String>)>,
    pub path: Option<String>,
    /// Query parameters in order (duplicates kept; callers take the last).
    pub query: Vec<(String, String)>,
}

impl Url {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn param_ci(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
    pub fn database(&self) -> Option<&str> {
        self.path.as_deref().filter(|p| !p.is_empty())
    }
}

/// Decode `%XX` escapes leniently (a bad escape stays as written).
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let h = (b[i + 1] as char).to_digit(16);
                let l = (b[i + 2] as char).to_digit(16);
                if let (Some(h), Some(l)) = (h, l) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
                i += 1;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse `scheme://...` leniently. `None` when there is no `://`.
pub fn parse_url(s: &str, plus_is_space: bool) -> Option<Url> {
    let (scheme, rest) = s.split_once("://")?;
    let mut url = Url {
        scheme: scheme.to_string(),
        ..Url::default()
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => (&before_query[..i], Some(&before_query[i + 1..])),
        None => (before_query, None),
    };
    let hostpart = match authority.rfind('@') {
        Some(i) => {
            let userinfo = &authority[..i];
            match userinfo.split_once(':') {
                Some((u, p)) => {
                    url.user = Some(percent_decode(u, false)).filter(|u| !u.is_empty());
                    url.password = Some(percent_decode(p, false));
                }
                None => url.user = Some(percent_decode(userinfo, false)).filter(|u| !u.is_empty()),
            }
            &authority[i + 1..]
        }
        None => authority,
    };
    for item in hostpart.split(',') {
        if item.is_empty() {
            continue;
        }
        let (h, p) = if let Some(rest) = item.strip_prefix('[') {
            match rest.split_once(']') {
                Some((h, tail)) => (h.to_string(), tail.strip_prefix(':').map(str::to_string)),
                None => (rest.to_string(), None),
            }
        } else {
            match item.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p.to_string())),
                None => (item.to_string(), None),
            }
        };
        url.hosts
            .push((percent_decode(&h, false), p.filter(|p| !p.is_empty())));
    }
    url.path = path.map(|p| percent_decode(p, false));
    if let Some(q) = query {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            url.query.push((
                percent_decode(k, plus_is_space),
                percent_decode(v, plus_is_space),
            ));
        }
    }
    Some(url)
}

/// A JDBC URL: `jdbc:postgresql://host[:port][,host[:port]]/[db][?k=v&...]`
/// or `jdbc:postgresql:db` / `jdbc:postgresql:/`. pgjdbc decodes the query
/// with `URLDecoder` (`+` is a space).
pub fn parse_jdbc(s: &str) -> Option<Url> {
    let rest = s.strip_prefix("jdbc:postgresql:")?;
    if rest.starts_with("//") {
        let mut u = parse_url(
            &format!("jdbc{rest}").replacen("jdbc//", "jdbc://", 1),
            true,
        )?;
        u.scheme = "jdbc:postgresql".into();
        Some(u)
    } else {
        let (db, q) = match rest.split_once('?') {
            Some((d, q)) => (d, Some(q)),
            None => (rest, None),
        };
        let mut u = parse_url(
            &format!(
                "jdbc://localhost/{}{}",
                db.trim_start_matches('/'),
                q.map(|q| format!("?{q}")).unwrap_or_default()
            ),
            true,
        )?;
        u.scheme = "jdbc:postgresql".into();
        u.hosts.clear();
        Some(u)
    }
}

/// `postgresql+DRIVER://` → DRIVER (`psycopg2`, `asyncpg`, ...).
pub fn sqlalchemy_dialect(s: &str) -> Option<&str> {
    let scheme = s.split("://").next()?;
    let (base, driver) = scheme.split_once('+')?;
    (base == "postgresql" || base == "postgres").then_some(driver)
}

/// An ADO.NET connection string (`Key=Value;Key='Value'`), as
/// `DbConnectionStringBuilder` reads it: keys case-insensitive and trimmed,
/// values trimmed, single or double quotes with doubled quotes inside.
/// Returns (normalized key: lowercase without spaces/underscores, value,
/// byte range of the whole pair in `s`).
pub fn parse_ado(s: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b';' || b[i].is_ascii_whitespace()) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b';' {
            i += 1;
        }
        if i >= b.len() || b[i] == b';' {
            continue;
        }
        let key = s[start..i].trim();
        i += 1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && (b[i] == b'\'' || b[i] == b'"') {
            let q = b[i];
            i += 1;
            let vs = i;
            let mut seg_start = vs;
            loop {
                if i >= b.len() {
                    value.push_str(&s[seg_start..i]);
                    break;
                }
                if b[i] == q {
                    if i + 1 < b.len() && b[i + 1] == q {
                        value.push_str(&s[seg_start..=i]);
                        i += 2;
                        seg_start = i;
                        continue;
                    }
                    value.push_str(&s[seg_start..i]);
                    i += 1;
                    break;
                }
                i += 1;
            }
            while i < b.len() && b[i] != b';' {
                i += 1;
            }
        } else {
            let vs = i;
            while i < b.len() && b[i] != b';' {
                i += 1;
            }
            value = s[vs..i].trim().to_string();
        }
        let norm: String = key
            .chars()
            .filter(|c| *c != ' ' && *c != '_')
            .flat_map(|c| c.to_lowercase())
            .collect();
        out.push((norm, value, start..i));
    }
    out
}

/// Does this look like an ADO.NET / Npgsql connection string?
pub fn looks_like_ado(s: &str) -> bool {
    if !s.contains(';') || !s.contains('=') {
        return false;
    }
    let pairs = parse_ado(s);
    let known = pairs
        .iter()
        .filter(|(k, _, _)| {
            matches!(
                k.as_str(),
                "host"
                    | "server"
                    | "database"
                    | "username"
                    | "userid"
                    | "port"
                    | "password"
                    | "sslmode"
                    | "trustservercertificate"
            )
        })
        .count();
    known >= 2 && pairs.iter().any(|(k, _, _)| k == "host" || k == "server")
}

/// A keyword/value DSN read with libpq's quoting but accepting any keyword
/// (pgx, lib/pq and tokio-postgres pass unknown keys on as run-time
/// parameters or reject them later). `None` on an unterminated quote or a
/// word without `=`.
pub fn parse_kv_lenient(s: &str) -> Option<Vec<(String, String)>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let sp = |c: u8| c.is_ascii_whitespace();
    while i < b.len() {
        if sp(b[i]) {
            i += 1;
            continue;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && !sp(b[i]) {
            i += 1;
        }
        let key = &s[ks..i];
        while i < b.len() && sp(b[i]) {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            return None;
        }
        i += 1;
        while i < b.len() && sp(b[i]) {
            i += 1;
        }
        let mut v = Vec::new();
        if i < b.len() && b[i] == b'\'' {
            i += 1;
            loop {
                if i >= b.len() {
                    return None;
                }
                match b[i] {
                    b'\\' if i + 1 < b.len() => {
                        v.push(b[i + 1]);
                        i += 2;
                    }
                    b'\'' => {
                        i += 1;
                        break;
                    }
                    c => {
                        v.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < b.len() && !sp(b[i]) {
                if b[i] == b'\\' && i + 1 < b.len() {
                    v.push(b[i + 1]);
                    i += 2;
                } else {
                    v.push(b[i]);
                    i += 1;
                }
            }
        }
        out.push((key.to_string(), String::from_utf8_lossy(&v).into_owned()));
    }
    Some(out)
}

/// A value decided at run time: `${X}`, `$X`, `{x}`, `%(x)s`, `<%= %>`, `{{ }}`.
pub fn is_templated(v: &str) -> bool {
    v.contains("${")
        || v.contains("{{")
        || v.contains("%(")
        || v.contains("<%")
        || v.starts_with('$')
        || (v.starts_with('{') && v.ends_with('}'))
        || v.contains("#{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_splits_userinfo_hosts_path_and_query() {
        let u = parse_url(
            "postgres://a%40b:p%3Aw@[::1]:5433,h2/db?sslmode=require&x=1",
            false,
        )
        .unwrap();
        assert_eq!(u.user.as_deref(), Some("a@b"));
        assert_eq!(u.password.as_deref(), Some("p:w"));
        assert_eq!(
            u.hosts,
            vec![("::1".into(), Some("5433".into())), ("h2".into(), None)]
        );
        assert_eq!(u.database(), Some("db"));
        assert_eq!(u.param("sslmode"), Some("require"));
    }

    #[test]
    fn jdbc_urls_in_both_shapes() {
        let u = parse_jdbc("jdbc:postgresql://db:5432/shop?ssl=true&sslmode=verify-full").unwrap();
        assert_eq!(u.hosts, vec![("db".into(), Some("5432".into()))]);
        assert_eq!(u.database(), Some("shop"));
        assert_eq!(u.param("sslmode"), Some("verify-full"));
        let u = parse_jdbc("jdbc:postgresql:shop?ssl=true").unwrap();
        assert!(u.hosts.is_empty());
        assert_eq!(u.database(), Some("shop"));
        assert_eq!(u.param("ssl"), Some("true"));
    }

    #[test]
    fn ado_strings_with_quotes_and_synonyms() {
        let p = parse_ado("Server=db;Port=5432; SSL Mode = Require ;Password='a;''b';Trust Server Certificate=true");
        let keys: Vec<_> = p.iter().map(|(k, v, _)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            keys,
            vec![
                ("server", "db"),
                ("port", "5432"),
                ("sslmode", "Require"),
                ("password", "a;'b"),
                ("trustservercertificate", "true")
            ]
        );
        assert!(looks_like_ado("Host=db;Database=x;Username=u"));
        assert!(!looks_like_ado("a=1;b=2"));
    }

    #[test]
    fn sqlalchemy_dialect_names_the_dbapi() {
        assert_eq!(
            sqlalchemy_dialect("postgresql+asyncpg://u@h/db"),
            Some("asyncpg")
        );
        assert_eq!(sqlalchemy_dialect("postgresql://u@h/db"), None);
    }

    #[test]
    fn templated_values_are_recognised() {
        for v in [
            "${PGSSLMODE}",
            "{sslmode}",
            "%(mode)s",
            "<%= ENV['X'] %>",
            "{{ .Values.mode }}",
            "$MODE",
        ] {
            assert!(is_templated(v), "{v}");
        }
        assert!(!is_templated("require"));
    }
}
