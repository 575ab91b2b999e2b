//! Enough of OpenLDAP's `ldap_url_parse()` for `ldapurl=` options:
//! `scheme://host:port/dn?attrs?scope?filter`, with the library's defaults
//! (port 389/636, scope base). Hand-written: no crate mirrors OpenLDAP's
//! defaults; malformed URLs get OpenLDAP's (odd) `ldap_err2string` texts.

pub(crate) struct LdapUrl {
    pub scheme: String,
    pub host: Option<String>,
    pub port: i32,
    pub dn: Option<String>,
    pub attr: Option<String>,
    pub scope: i32,
    pub filter: Option<String>,
}

fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn parse(url: &str) -> Result<LdapUrl, &'static str> {
    let u = url.trim();
    let u = u
        .strip_prefix('<')
        .and_then(|x| x.strip_suffix('>'))
        .unwrap_or(u);
    let u = u.strip_prefix("URL:").unwrap_or(u);
    let Some(p) = u.find("://") else {
        // LDAP_URL_ERR_BADSCHEME (3) through ldap_err2string
        return Err("Time limit exceeded");
    };
    let scheme = u[..p].to_ascii_lowercase();
    if !matches!(scheme.as_str(), "ldap" | "ldaps" | "ldapi" | "cldap") {
        return Err("Time limit exceeded");
    }
    let rest = &u[p + 3..];
    let (hostport, tail) = match rest.find('/') {
        Some(k) => (&rest[..k], Some(&rest[k + 1..])),
        None => (rest, None),
    };
    let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
        let Some(e) = h.find(']') else {
            return Err("Size limit exceeded");
        };
        let port = h[e + 1..].strip_prefix(':').unwrap_or("");
        (h[..e].to_string(), port.to_string())
    } else {
        match hostport.rfind(':') {
            Some(k) => (hostport[..k].to_string(), hostport[k + 1..].to_string()),
            None => (hostport.to_string(), String::new()),
        }
    };
    let mut port_v: i32 = 0;
    if !port.is_empty() {
        match port.parse::<i32>() {
            Ok(v) if (1..=65535).contains(&v) => port_v = v,
            _ => return Err("Partial results and referral received"),
        }
    }
    if port_v == 0 {
        port_v = if scheme == "ldaps" { 636 } else { 389 };
    }
    let mut out = LdapUrl {
        scheme,
        host: (!host.is_empty()).then(|| unescape(&host)),
        port: port_v,
        dn: None,
        attr: None,
        scope: 0,
        filter: None,
    };
    if let Some(t) = tail {
        let mut parts = t.split('?');
        if let Some(dn) = parts.next() {
            out.dn = Some(unescape(dn));
        }
        if let Some(a) = parts.next() {
            if !a.is_empty() {
                out.attr = Some(unescape(a.split(',').next().unwrap_or("")));
            }
        }
        if let Some(s) = parts.next() {
            out.scope = match s.to_ascii_lowercase().as_str() {
                "" | "base" => 0,
                "one" | "onelevel" => 1,
                "sub" | "subtree" => 2,
                "children" | "subordinate" => 3,
                _ => return Err("Compare False"),
            };
        }
        if let Some(f) = parts.next() {
            if !f.is_empty() {
                out.filter = Some(unescape(f));
            }
        }
    }
    Ok(out)
}
