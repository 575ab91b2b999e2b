//! Password redaction for every text pgtls shows from a scanned file
//! (snippets, diffs). Values are replaced by `***`.

use std::sync::LazyLock;

use regex::Regex;

static URI_USERINFO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(://[^:/@\s'\x22]*:)[^@\s'\x22]*@").unwrap());
static PASSWORD_KV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)((?:ssl|oauth_client_)?(?:password|passwd|pwd|psw|secret)[\x22']?\s*(?:=|:|=>)\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s;&,'"}\)]+)"#,
    )
    .unwrap()
});

/// Replace URI passwords and `password=`/`Password:` values with `***`.
pub fn redact(text: &str) -> String {
    let t = URI_USERINFO.replace_all(text, "${1}***@");
    PASSWORD_KV.replace_all(&t, "${1}***").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_password_spelling() {
        let c = "canary-pw";
        for s in [
            format!("postgres://u:{c}@h/db"),
            format!("host=h password={c} user=u"),
            format!("host=h password='{c} x'"),
            format!("Host=h;Password={c};Database=d"),
            format!("password: \"{c}\""),
            format!("'PASSWORD': '{c}',"),
            format!("jdbc:postgresql://h/db?user=u&password={c}&ssl=true"),
            format!("sslpassword={c}"),
            format!("PGPASSWORD={c}"),
        ] {
            let r = redact(&s);
            assert!(!r.contains(c), "{s} -> {r}");
            assert!(r.contains("***"), "{r}");
        }
        assert_eq!(redact("host=h sslmode=require"), "host=h sslmode=require");
    }
}
