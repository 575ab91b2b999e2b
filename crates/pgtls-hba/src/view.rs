//! The `pg_hba_file_rules` view: our rows for a parsed file, and a parsed
//! file rebuilt from the live server's rows.

use serde::{Deserialize, Serialize};

use crate::parser::view_address;
use crate::{
    Address, AuthMethod, ClientCert, ConnType, Entry, ErrorKind, HbaError, HbaFile, HbaRule, Token,
};

/// One row of `pg_hba_file_rules` (12-15 have no rule_number / file_name).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ViewRow {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rule_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file_name: Option<String>,
    pub line_number: i32,
    pub r#type: Option<String>,
    pub database: Option<Vec<String>>,
    pub user_name: Option<Vec<String>>,
    pub address: Option<String>,
    pub netmask: Option<String>,
    pub auth_method: Option<String>,
    pub options: Option<Vec<String>>,
    pub error: Option<String>,
}

/// The rows PostgreSQL's view would show for this file. 12-15 rows have
/// `rule_number` and `file_name` set to `None`.
pub fn view_rows(f: &HbaFile) -> Vec<ViewRow> {
    let has_file = f.major() >= 16;
    let mut rows = Vec::with_capacity(f.entries.len());
    for e in &f.entries {
        match *e {
            Entry::Rule(i) => {
                let r = &f.rules[i];
                let (address, netmask) = view_address(&r.address);
                rows.push(ViewRow {
                    rule_number: (has_file && r.warning.is_none()).then_some(r.rule_number as i32),
                    file_name: has_file.then(|| r.file.clone()),
                    line_number: r.line as i32,
                    r#type: Some(r.conn_type.as_str().to_string()),
                    database: Some(r.databases.iter().map(|t| t.text.clone()).collect()),
                    user_name: Some(r.users.iter().map(|t| t.text.clone()).collect()),
                    address,
                    netmask,
                    auth_method: Some(r.method.as_str().to_string()),
                    options: (!r.view_options.is_empty()).then(|| r.view_options.clone()),
                    error: r.warning.clone(),
                });
            }
            Entry::Error(i) => {
                let er = &f.errors[i];
                rows.push(ViewRow {
                    rule_number: if has_file {
                        er.rule_number.map(|n| n as i32)
                    } else {
                        None
                    },
                    file_name: has_file.then(|| er.file.clone()),
                    line_number: er.line as i32,
                    error: er.view_error.clone(),
                    ..Default::default()
                });
            }
        }
    }
    rows
}

/// Rebuild a file from the live view's rows (version guessed from the
/// columns: `file_name` present means 16+). The view loses quoting: a
/// quoted `"all"` comes back as the keyword `all`, `"+x"` as a group test,
/// `"samehost"` as the keyword; the analysis then errs on the permissive
/// side for such names.
pub fn rules_from_view(rows: Vec<ViewRow>) -> HbaFile {
    let v = if rows.iter().any(|r| r.file_name.is_some()) {
        crate::LATEST_VERSION_NUM
    } else {
        150000
    };
    rules_from_view_version(rows, v)
}

/// [`rules_from_view`] with the server's `version_num`.
pub fn rules_from_view_version(rows: Vec<ViewRow>, version_num: u32) -> HbaFile {
    let regex = crate::major_of(version_num) >= 16;
    let file = rows
        .iter()
        .find_map(|r| r.file_name.clone())
        .unwrap_or_else(|| "pg_hba.conf".to_string());
    let mut out = HbaFile {
        file: file.clone(),
        version_num,
        ssl_on: true,
        rules: Vec::new(),
        errors: Vec::new(),
        entries: Vec::new(),
        notes: Vec::new(),
        from_view: true,
    };
    for row in rows {
        let fname = row.file_name.clone().unwrap_or_else(|| file.clone());
        let line = row.line_number.max(0) as u32;
        let ct = row.r#type.as_deref().and_then(ConnType::from_name);
        let method = row.auth_method.as_deref().and_then(AuthMethod::from_name);
        let (Some(conn_type), Some(method)) = (ct, method) else {
            out.entries.push(Entry::Error(out.errors.len()));
            out.errors.push(HbaError {
                file: fname,
                line,
                raw: None,
                message: row
                    .error
                    .clone()
                    .unwrap_or_else(|| "line fails to load (the view shows no message: typically an invalid clientcert, clientname or RADIUS option value)".into()),
                view_error: row.error.clone(),
                rule_number: row.rule_number.map(|n| n.max(0) as u32),
                kind: ErrorKind::Line,
            });
            continue;
        };
        let toks = |v: &Option<Vec<String>>| -> Vec<Token> {
            v.clone()
                .unwrap_or_default()
                .into_iter()
                .map(|s| {
                    let mut t = Token::new(s, false);
                    if regex && t.text.starts_with('/') {
                        t.regex = crate::regexes::compile(&t.text[1..]).ok();
                    }
                    t
                })
                .collect()
        };
        let address = match (conn_type, row.address.as_deref()) {
            (ConnType::Local, _) | (_, None) => Address::None,
            (_, Some("all")) => Address::All,
            (_, Some("samehost")) => Address::SameHost,
            (_, Some("samenet")) => Address::SameNet,
            (_, Some(a)) => {
                let mask = row.netmask.as_deref().and_then(|m| m.parse().ok());
                match (a.parse(), mask) {
                    (Ok(addr), Some(mask)) => Address::Ip {
                        addr,
                        mask,
                        cidr: false,
                    },
                    _ => Address::Hostname(a.to_string()),
                }
            }
        };
        let databases = toks(&row.database);
        let users = toks(&row.user_name);
        let view_options = row.options.clone().unwrap_or_default();
        let options: Vec<(String, String)> = view_options
            .iter()
            .map(|o| match o.find('=') {
                Some(p) => (o[..p].to_string(), o[p + 1..].to_string()),
                None => (o.clone(), String::new()),
            })
            .collect();
        let clientcert = match options
            .iter()
            .find(|(k, _)| k == "clientcert")
            .map(|(_, v)| v.as_str())
        {
            Some("verify-ca") => ClientCert::VerifyCa,
            Some("verify-full") => ClientCert::VerifyFull,
            _ => ClientCert::Off,
        };
        let usermap = options
            .iter()
            .find(|(k, _)| k == "map")
            .map(|(_, v)| v.clone());
        let (a, m) = view_address(&address);
        let raw = {
            let mut parts = vec![
                conn_type.as_str().to_string(),
                databases
                    .iter()
                    .map(|t| t.text.clone())
                    .collect::<Vec<_>>()
                    .join(","),
                users
                    .iter()
                    .map(|t| t.text.clone())
                    .collect::<Vec<_>>()
                    .join(","),
            ];
            if let Some(a) = a {
                parts.push(a);
            }
            if let Some(m) = m {
                parts.push(m);
            }
            parts.push(method.as_str().to_string());
            parts.extend(view_options.iter().cloned());
            parts.join(" ")
        };
        if row.error.is_some() {
            // hostssl with ssl = off and similar: loaded, never matches.
            out.ssl_on = out.ssl_on && conn_type != ConnType::HostSsl;
        }
        out.entries.push(Entry::Rule(out.rules.len()));
        out.rules.push(HbaRule {
            file: fname,
            line,
            raw,
            rule_number: row.rule_number.map(|n| n.max(0) as u32).unwrap_or(0),
            conn_type,
            databases,
            users,
            address,
            method,
            options,
            view_options,
            clientcert,
            clientname_dn: false,
            usermap,
            warning: row.error.clone(),
        });
    }
    out
}
