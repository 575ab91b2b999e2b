//! `parse_hba_line()` and `parse_hba_auth_opt()` of each major: turns a
//! tokenized line into an [`HbaRule`] or PostgreSQL's error message.

use crate::ip::{cidr_mask, numeric_host, Numeric};
use crate::lexer::TokLine;
use crate::version::Features;
use crate::{Address, AuthMethod, ClientCert, ConnType, HbaRule, ParseOptions, Token};

/// Why a line failed: `view` is the text of the view's `error` column
/// (`None` when PostgreSQL fails the line without setting one), `log` what
/// the server logs.
pub(crate) struct Fail {
    pub view: Option<String>,
    pub log: String,
}

fn fail(m: impl Into<String>) -> Fail {
    let m = m.into();
    Fail {
        view: Some(m.clone()),
        log: m,
    }
}

fn silent(log: impl Into<String>) -> Fail {
    Fail {
        view: None,
        log: log.into(),
    }
}

#[derive(Default)]
struct Opts {
    usermap: Option<String>,
    clientcert: ClientCert,
    clientname_dn: bool,
    pamservice: Option<String>,
    ldapserver: Option<String>,
    ldapport: i32,
    ldapscheme: Option<String>,
    ldaptls: bool,
    ldapprefix: Option<String>,
    ldapsuffix: Option<String>,
    ldapbasedn: Option<String>,
    ldapbinddn: Option<String>,
    ldapbindpasswd: Option<String>,
    ldapsearchattribute: Option<String>,
    ldapsearchfilter: Option<String>,
    ldapscope: i32,
    krb_realm: Option<String>,
    include_realm: bool,
    radiusservers: Option<Vec<String>>,
    radiusservers_s: Option<String>,
    radiussecrets: Option<Vec<String>>,
    radiussecrets_s: Option<String>,
    radiusports: Option<Vec<String>>,
    radiusports_s: Option<String>,
    radiusidentifiers: Option<Vec<String>>,
    radiusidentifiers_s: Option<String>,
    oauth_issuer: Option<String>,
    oauth_scope: Option<String>,
    oauth_validator: Option<String>,
    oauth_skip_usermap: bool,
}

/// Parse one tokenized line; on failure the line's file, number and raw
/// text come back with the reason.
pub(crate) fn parse_line(
    tl: TokLine,
    feat: &Features,
    opts: &ParseOptions,
) -> Result<HbaRule, Box<(Fail, TokLine)>> {
    let mut warning: Option<String> = None;
    let TokLine {
        file,
        line,
        raw,
        fields,
        err,
    } = tl;
    match parse_inner(fields, feat, opts, &mut warning) {
        Ok(mut rule) => {
            rule.warning = warning;
            rule.file = file;
            rule.line = line;
            rule.raw = raw;
            Ok(rule)
        }
        Err(mut f) => {
            if f.view.is_none() {
                // The hostssl/hostgssenc warning stays the line's error text.
                f.view = warning;
            }
            Err(Box::new((
                f,
                TokLine {
                    file,
                    line,
                    raw,
                    fields: Vec::new(),
                    err,
                },
            )))
        }
    }
}

fn compile_regex(tok: &mut Token, feat: &Features) -> Result<(), Fail> {
    if !feat.regex || !tok.text.starts_with('/') {
        return Ok(());
    }
    let pat = &tok.text[1..];
    match crate::regexes::compile(pat) {
        Ok(re) => {
            tok.regex = Some(re);
            Ok(())
        }
        Err(e) => Err(fail(format!("invalid regular expression \"{pat}\": {e}"))),
    }
}

fn parse_inner(
    fields: Vec<Vec<Token>>,
    feat: &Features,
    opts: &ParseOptions,
    warning: &mut Option<String>,
) -> Result<HbaRule, Fail> {
    let mut fi = fields.into_iter();
    let f0 = fi.next().expect("a tokenized line has a field");
    let f0 = &f0;
    if f0.len() > 1 {
        return Err(fail("multiple values specified for connection type"));
    }
    let t = f0[0].text.as_str();
    let conn_type = match t {
        "local" => ConnType::Local,
        "host" => ConnType::Host,
        "hostssl" => {
            if !opts.build.ssl {
                *warning = Some(
                    "hostssl record cannot match because SSL is not supported by this build".into(),
                );
            } else if !opts.ssl_on {
                *warning = Some("hostssl record cannot match because SSL is disabled".into());
            }
            ConnType::HostSsl
        }
        "hostnossl" => ConnType::HostNoSsl,
        "hostgssenc" => {
            if !opts.build.gss {
                *warning = Some(
                    "hostgssenc record cannot match because GSSAPI is not supported by this build"
                        .into(),
                );
            }
            ConnType::HostGssEnc
        }
        "hostnogssenc" => ConnType::HostNoGssEnc,
        _ => return Err(fail(format!("invalid connection type \"{t}\""))),
    };

    let Some(dbs) = fi.next() else {
        return Err(fail("end-of-line before database specification"));
    };
    let mut databases = dbs;
    for d in &mut databases {
        compile_regex(d, feat)?;
    }
    let Some(us) = fi.next() else {
        return Err(fail("end-of-line before role specification"));
    };
    let mut users = us;
    for u in &mut users {
        compile_regex(u, feat)?;
    }

    let mut address = Address::None;
    if conn_type != ConnType::Local {
        let Some(af) = fi.next() else {
            return Err(fail("end-of-line before IP address specification"));
        };
        if af.len() > 1 {
            return Err(fail("multiple values specified for host address"));
        }
        let tok = &af[0];
        address = if tok.is_keyword("all") {
            Address::All
        } else if tok.is_keyword("samehost") {
            Address::SameHost
        } else if tok.is_keyword("samenet") {
            Address::SameNet
        } else {
            let s = tok.text.as_str();
            let (host, bits) = match s.find('/') {
                Some(p) => (&s[..p], Some(&s[p + 1..])),
                None => (s, None),
            };
            match numeric_host(host) {
                Numeric::NoName => {
                    if bits.is_some() {
                        return Err(fail(format!(
                            "specifying both host name and CIDR mask is invalid: \"{s}\""
                        )));
                    }
                    Address::Hostname(host.to_string())
                }
                Numeric::Ip(addr) => {
                    if let Some(bits) = bits {
                        let Some(mask) = cidr_mask(bits, addr.is_ipv6()) else {
                            return Err(fail(format!("invalid CIDR mask in address \"{s}\"")));
                        };
                        Address::Ip {
                            addr,
                            mask,
                            cidr: true,
                        }
                    } else {
                        let Some(mf) = fi.next() else {
                            return Err(fail("end-of-line before netmask specification"));
                        };
                        if mf.len() > 1 {
                            return Err(fail("multiple values specified for netmask"));
                        }
                        let mt = mf[0].text.as_str();
                        let mask = match numeric_host(mt) {
                            Numeric::Ip(m) => m,
                            Numeric::NoName => {
                                return Err(fail(format!(
                                    "invalid IP mask \"{mt}\": Name or service not known"
                                )))
                            }
                        };
                        if mask.is_ipv6() != addr.is_ipv6() {
                            return Err(fail("IP address and mask do not match"));
                        }
                        Address::Ip {
                            addr,
                            mask,
                            cidr: false,
                        }
                    }
                }
            }
        };
    }

    let Some(mf) = fi.next() else {
        return Err(fail("end-of-line before authentication method"));
    };
    if mf.len() > 1 {
        return Err(fail("multiple values specified for authentication type"));
    }
    let mt = mf[0].text.as_str();
    let b = &opts.build;
    let (mut method, supported) = match mt {
        "trust" => (AuthMethod::Trust, true),
        "ident" => (AuthMethod::Ident, true),
        "peer" => (AuthMethod::Peer, true),
        "password" => (AuthMethod::Password, true),
        "gss" => (AuthMethod::Gss, b.gss),
        "sspi" => (AuthMethod::Sspi, b.sspi),
        "reject" => (AuthMethod::Reject, true),
        "md5" => (AuthMethod::Md5, true),
        "scram-sha-256" => (AuthMethod::ScramSha256, true),
        "pam" => (AuthMethod::Pam, b.pam),
        "bsd" => (AuthMethod::Bsd, b.bsd),
        "ldap" => (AuthMethod::Ldap, b.ldap),
        "cert" => (AuthMethod::Cert, b.ssl),
        "radius" => (AuthMethod::Radius, true),
        "oauth" if feat.oauth => (AuthMethod::OAuth, true),
        _ => return Err(fail(format!("invalid authentication method \"{mt}\""))),
    };
    if !supported {
        return Err(fail(format!(
            "invalid authentication method \"{mt}\": not supported by this build"
        )));
    }
    if conn_type == ConnType::Local && method == AuthMethod::Ident {
        method = AuthMethod::Peer;
    }
    if conn_type == ConnType::Local && method == AuthMethod::Gss {
        return Err(fail(
            "gssapi authentication is not supported on local sockets",
        ));
    }
    if conn_type != ConnType::Local && method == AuthMethod::Peer {
        return Err(fail(
            "peer authentication is only supported on local sockets",
        ));
    }
    if conn_type != ConnType::HostSsl && method == AuthMethod::Cert {
        return Err(fail(
            "cert authentication is only supported on hostssl connections",
        ));
    }
    let mut o = Opts {
        include_realm: matches!(method, AuthMethod::Gss | AuthMethod::Sspi),
        ..Default::default()
    };
    let mut written: Vec<(String, String)> = Vec::new();
    for field in fi {
        for tok in field {
            let Some(eq) = tok.text.find('=') else {
                return Err(fail(format!(
                    "authentication option not in name=value format: {}",
                    tok.text
                )));
            };
            let (name, val) = (&tok.text[..eq], &tok.text[eq + 1..]);
            parse_opt(name, val, conn_type, method, feat, opts, &mut o)?;
            written.push((name.to_string(), val.to_string()));
        }
    }
    if method == AuthMethod::Ldap {
        if o.ldapprefix.is_some() || o.ldapsuffix.is_some() {
            if o.ldapbasedn.is_some()
                || o.ldapbinddn.is_some()
                || o.ldapbindpasswd.is_some()
                || o.ldapsearchattribute.is_some()
                || o.ldapsearchfilter.is_some()
            {
                return Err(fail(if feat.major >= 18 {
                    "cannot mix options for simple bind and search+bind modes"
                } else {
                    "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix"
                }));
            }
        } else if o.ldapbasedn.is_none() {
            return Err(fail("authentication method \"ldap\" requires argument \"ldapbasedn\", \"ldapprefix\", or \"ldapsuffix\" to be set"));
        }
        if o.ldapsearchattribute.is_some() && o.ldapsearchfilter.is_some() {
            return Err(fail(
                "cannot use ldapsearchattribute together with ldapsearchfilter",
            ));
        }
    }
    if method == AuthMethod::Radius {
        let mandatory = |name: &str| {
            fail(format!(
                "authentication method \"radius\" requires argument \"{name}\" to be set"
            ))
        };
        let servers = match &o.radiusservers {
            Some(v) if !v.is_empty() => v.len(),
            _ => return Err(mandatory("radiusservers")),
        };
        let secrets = match &o.radiussecrets {
            Some(v) if !v.is_empty() => v.len(),
            _ => return Err(mandatory("radiussecrets")),
        };
        if !(secrets == 1 || secrets == servers) {
            return Err(fail(format!("the number of RADIUS secrets ({secrets}) must be 1 or the same as the number of RADIUS servers ({servers})")));
        }
        let ports = o.radiusports.as_ref().map_or(0, |v| v.len());
        if !(ports == 0 || ports == 1 || ports == servers) {
            return Err(fail(format!("the number of RADIUS ports ({ports}) must be 1 or the same as the number of RADIUS servers ({servers})")));
        }
        let ids = o.radiusidentifiers.as_ref().map_or(0, |v| v.len());
        if !(ids == 0 || ids == 1 || ids == servers) {
            return Err(fail(format!("the number of RADIUS identifiers ({ids}) must be 1 or the same as the number of RADIUS servers ({servers})")));
        }
    }
    if method == AuthMethod::Cert {
        // cert implies verify-full in every major checked (12.22 and 13.23
        // included, although 12.0 implied verify-ca).
        o.clientcert = ClientCert::VerifyFull;
    }
    if method == AuthMethod::OAuth {
        if o.oauth_scope.is_none() {
            return Err(fail(
                "authentication method \"oauth\" requires argument \"scope\" to be set",
            ));
        }
        if o.oauth_issuer.is_none() {
            return Err(fail(
                "authentication method \"oauth\" requires argument \"issuer\" to be set",
            ));
        }
        let libs = &opts.oauth_validator_libraries;
        if libs.is_empty() {
            return Err(fail(
                "oauth_validator_libraries must be set for authentication method oauth",
            ));
        }
        match &o.oauth_validator {
            Some(v) if !libs.contains(v) => {
                return Err(fail(format!(
                    "validator \"{v}\" is not permitted by oauth_validator_libraries"
                )))
            }
            None if libs.len() > 1 => {
                return Err(fail("authentication method \"oauth\" requires argument \"validator\" to be set when oauth_validator_libraries contains multiple options"))
            }
            _ => {}
        }
        if o.oauth_skip_usermap && o.usermap.is_some() {
            return Err(fail(
                "map cannot be used in combination with delegate_ident_mapping",
            ));
        }
    }

    let view_options = view_options(method, &o);
    Ok(HbaRule {
        file: String::new(),
        line: 0,
        raw: String::new(),
        rule_number: 0,
        conn_type,
        databases,
        users,
        address,
        method,
        options: written,
        view_options,
        clientcert: o.clientcert,
        clientname_dn: o.clientname_dn,
        usermap: o.usermap,
        warning: None,
    })
}

fn view_options(method: AuthMethod, o: &Opts) -> Vec<String> {
    let mut v = Vec::new();
    if matches!(method, AuthMethod::Gss | AuthMethod::Sspi) {
        if o.include_realm {
            v.push("include_realm=true".to_string());
        }
        if let Some(r) = &o.krb_realm {
            v.push(format!("krb_realm={r}"));
        }
    }
    if let Some(m) = &o.usermap {
        v.push(format!("map={m}"));
    }
    match o.clientcert {
        ClientCert::Off => {}
        ClientCert::VerifyCa => v.push("clientcert=verify-ca".into()),
        ClientCert::VerifyFull => v.push("clientcert=verify-full".into()),
    }
    if let Some(p) = &o.pamservice {
        v.push(format!("pamservice={p}"));
    }
    if method == AuthMethod::Ldap {
        let mut push = |k: &str, x: &Option<String>| {
            if let Some(x) = x {
                v.push(format!("{k}={x}"));
            }
        };
        push("ldapserver", &o.ldapserver);
        if o.ldapport != 0 {
            v.push(format!("ldapport={}", o.ldapport));
        }
        let mut push = |k: &str, x: &Option<String>| {
            if let Some(x) = x {
                v.push(format!("{k}={x}"));
            }
        };
        push("ldapscheme", &o.ldapscheme);
        if o.ldaptls {
            v.push("ldaptls=true".into());
        }
        let mut push = |k: &str, x: &Option<String>| {
            if let Some(x) = x {
                v.push(format!("{k}={x}"));
            }
        };
        push("ldapprefix", &o.ldapprefix);
        push("ldapsuffix", &o.ldapsuffix);
        push("ldapbasedn", &o.ldapbasedn);
        push("ldapbinddn", &o.ldapbinddn);
        push("ldapbindpasswd", &o.ldapbindpasswd);
        push("ldapsearchattribute", &o.ldapsearchattribute);
        push("ldapsearchfilter", &o.ldapsearchfilter);
        if o.ldapscope != 0 {
            v.push(format!("ldapscope={}", o.ldapscope));
        }
    }
    if method == AuthMethod::Radius {
        for (k, x) in [
            ("radiusservers", &o.radiusservers_s),
            ("radiussecrets", &o.radiussecrets_s),
            ("radiusidentifiers", &o.radiusidentifiers_s),
            ("radiusports", &o.radiusports_s),
        ] {
            if let Some(x) = x {
                v.push(format!("{k}={x}"));
            }
        }
    }
    if method == AuthMethod::OAuth {
        for (k, x) in [
            ("issuer", &o.oauth_issuer),
            ("scope", &o.oauth_scope),
            ("validator", &o.oauth_validator),
        ] {
            if let Some(x) = x {
                v.push(format!("{k}={x}"));
            }
        }
        if o.oauth_skip_usermap {
            v.push("delegate_ident_mapping=true".into());
        }
    }
    v
}

/// C `atoi`: optional blanks and sign, digits, stop at the first other byte.
pub(crate) fn atoi(s: &str) -> i32 {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let mut v: i64 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add((b[i] - b'0') as i64);
        if v == i64::MAX {
            overflow = true;
        }
        i += 1;
    }
    if overflow {
        // strtol clamps to LONG_MAX / LONG_MIN; atoi truncates to int.
        return if neg { 0 } else { -1 };
    }
    let v = if neg { -v } else { v };
    v as i32
}

/// `SplitGUCList(val, ',')`.
pub(crate) fn split_guc_list(s: &str) -> Option<Vec<String>> {
    let b = s.as_bytes();
    let sp = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c);
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() && sp(b[i]) {
        i += 1;
    }
    if i == b.len() {
        return Some(out);
    }
    loop {
        let name: Vec<u8> = if b[i] == b'"' {
            let mut cur = Vec::new();
            i += 1;
            loop {
                if i >= b.len() {
                    return None;
                }
                if b[i] == b'"' {
                    if i + 1 < b.len() && b[i + 1] == b'"' {
                        cur.push(b'"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                cur.push(b[i]);
                i += 1;
            }
            cur
        } else {
            let st = i;
            while i < b.len() && b[i] != b',' && !sp(b[i]) {
                i += 1;
            }
            if st == i {
                return None;
            }
            b[st..i].to_vec()
        };
        while i < b.len() && sp(b[i]) {
            i += 1;
        }
        out.push(String::from_utf8_lossy(&name).into_owned());
        if i < b.len() && b[i] == b',' {
            i += 1;
            while i < b.len() && sp(b[i]) {
                i += 1;
            }
            if i == b.len() {
                // a trailing separator: the next name is empty
                return None;
            }
        } else if i == b.len() {
            return Some(out);
        } else {
            return None;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn parse_opt(
    name: &str,
    val: &str,
    conn_type: ConnType,
    method: AuthMethod,
    feat: &Features,
    opts: &ParseOptions,
    o: &mut Opts,
) -> Result<(), Fail> {
    if opts.build.ldap {
        o.ldapscope = 2; // LDAP_SCOPE_SUBTREE, reset by every option
    }
    let invalid = |n: &str, methods: &str| {
        fail(format!(
            "authentication option \"{n}\" is only valid for authentication methods {methods}"
        ))
    };
    let require = |m: AuthMethod, n: &str, methods: &str| {
        if method != m {
            Err(invalid(n, methods))
        } else {
            Ok(())
        }
    };
    match name {
        "map" => {
            let ok = matches!(
                method,
                AuthMethod::Ident
                    | AuthMethod::Peer
                    | AuthMethod::Gss
                    | AuthMethod::Sspi
                    | AuthMethod::Cert
            ) || (feat.oauth && method == AuthMethod::OAuth);
            if !ok {
                return Err(invalid(
                    "map",
                    if feat.oauth {
                        "ident, peer, gssapi, sspi, cert, and oauth"
                    } else {
                        "ident, peer, gssapi, sspi, and cert"
                    },
                ));
            }
            o.usermap = Some(val.to_string());
        }
        "clientcert" => {
            if conn_type != ConnType::HostSsl {
                return Err(fail(
                    "clientcert can only be configured for \"hostssl\" rows",
                ));
            }
            if feat.clientcert_strict {
                match val {
                    "verify-full" => o.clientcert = ClientCert::VerifyFull,
                    "verify-ca" => {
                        if method == AuthMethod::Cert {
                            return Err(Fail {
                                view: Some("clientcert can only be set to \"verify-full\" when using \"cert\" authentication".into()),
                                log: "clientcert only accepts \"verify-full\" when using \"cert\" authentication".into(),
                            });
                        }
                        o.clientcert = ClientCert::VerifyCa;
                    }
                    _ => return Err(silent(format!("invalid value for clientcert: \"{val}\""))),
                }
            } else {
                match val {
                    "1" | "verify-ca" => o.clientcert = ClientCert::VerifyCa,
                    "verify-full" => o.clientcert = ClientCert::VerifyFull,
                    "0" | "no-verify" => {
                        if method == AuthMethod::Cert {
                            return Err(fail("clientcert cannot be set to \"no-verify\" when using \"cert\" authentication"));
                        }
                        o.clientcert = ClientCert::Off;
                    }
                    _ => return Err(silent(format!("invalid value for clientcert: \"{val}\""))),
                }
            }
        }
        "clientname" if feat.clientname => {
            if conn_type != ConnType::HostSsl {
                return Err(fail(
                    "clientname can only be configured for \"hostssl\" rows",
                ));
            }
            match val {
                "CN" => o.clientname_dn = false,
                "DN" => o.clientname_dn = true,
                _ => return Err(silent(format!("invalid value for clientname: \"{val}\""))),
            }
        }
        "pamservice" => {
            require(AuthMethod::Pam, "pamservice", "pam")?;
            o.pamservice = Some(val.to_string());
        }
        "pam_use_hostname" => require(AuthMethod::Pam, "pam_use_hostname", "pam")?,
        "ldapurl" => {
            require(AuthMethod::Ldap, "ldapurl", "ldap")?;
            let u = crate::ldapurl::parse(val)
                .map_err(|e| fail(format!("could not parse LDAP URL \"{val}\": {e}")))?;
            if u.scheme != "ldap" && u.scheme != "ldaps" {
                return Err(fail(format!("unsupported LDAP URL scheme: {}", u.scheme)));
            }
            o.ldapscheme = Some(u.scheme);
            if let Some(h) = u.host {
                o.ldapserver = Some(h);
            }
            o.ldapport = u.port;
            if let Some(dn) = u.dn {
                o.ldapbasedn = Some(dn);
            }
            if let Some(a) = u.attr {
                o.ldapsearchattribute = Some(a);
            }
            o.ldapscope = u.scope;
            if let Some(f) = u.filter {
                o.ldapsearchfilter = Some(f);
            }
        }
        "ldaptls" => {
            require(AuthMethod::Ldap, "ldaptls", "ldap")?;
            o.ldaptls = val == "1";
        }
        "ldapscheme" => {
            require(AuthMethod::Ldap, "ldapscheme", "ldap")?;
            o.ldapscheme = Some(val.to_string());
        }
        "ldapport" => {
            require(AuthMethod::Ldap, "ldapport", "ldap")?;
            o.ldapport = atoi(val);
            if o.ldapport == 0 {
                return Err(fail(format!("invalid LDAP port number: \"{val}\"")));
            }
        }
        "ldapserver"
        | "ldapbinddn"
        | "ldapbindpasswd"
        | "ldapsearchattribute"
        | "ldapsearchfilter"
        | "ldapbasedn"
        | "ldapprefix"
        | "ldapsuffix" => {
            require(AuthMethod::Ldap, name, "ldap")?;
            let v = Some(val.to_string());
            match name {
                "ldapserver" => o.ldapserver = v,
                "ldapbinddn" => o.ldapbinddn = v,
                "ldapbindpasswd" => o.ldapbindpasswd = v,
                "ldapsearchattribute" => o.ldapsearchattribute = v,
                "ldapsearchfilter" => o.ldapsearchfilter = v,
                "ldapbasedn" => o.ldapbasedn = v,
                "ldapprefix" => o.ldapprefix = v,
                _ => o.ldapsuffix = v,
            }
        }
        "krb_realm" | "include_realm" => {
            if !matches!(method, AuthMethod::Gss | AuthMethod::Sspi) {
                return Err(invalid(name, "gssapi and sspi"));
            }
            if name == "krb_realm" {
                o.krb_realm = Some(val.to_string());
            } else {
                o.include_realm = val == "1";
            }
        }
        "compat_realm" | "upn_username" => {
            if method != AuthMethod::Sspi {
                return Err(invalid(name, "sspi"));
            }
        }
        "radiusservers" => {
            require(AuthMethod::Radius, "radiusservers", "radius")?;
            let Some(list) = split_guc_list(val) else {
                return Err(silent(format!(
                    "could not parse RADIUS server list \"{val}\""
                )));
            };
            for s in &list {
                if !resolves(s) {
                    return Err(silent(format!(
                        "could not translate RADIUS server name \"{s}\" to address"
                    )));
                }
            }
            o.radiusservers = Some(list);
            o.radiusservers_s = Some(val.to_string());
        }
        "radiusports" => {
            require(AuthMethod::Radius, "radiusports", "radius")?;
            let Some(list) = split_guc_list(val) else {
                return Err(Fail {
                    view: Some(format!("invalid RADIUS port number: \"{val}\"")),
                    log: format!("could not parse RADIUS port list \"{val}\""),
                });
            };
            if list.iter().any(|p| atoi(p) == 0) {
                return Err(silent(format!("invalid RADIUS port number: \"{val}\"")));
            }
            o.radiusports = Some(list);
            o.radiusports_s = Some(val.to_string());
        }
        "radiussecrets" | "radiusidentifiers" => {
            require(AuthMethod::Radius, name, "radius")?;
            let Some(list) = split_guc_list(val) else {
                return Err(silent(format!(
                    "could not parse RADIUS {} list \"{val}\"",
                    if name == "radiussecrets" {
                        "secret"
                    } else {
                        "identifiers"
                    }
                )));
            };
            if name == "radiussecrets" {
                o.radiussecrets = Some(list);
                o.radiussecrets_s = Some(val.to_string());
            } else {
                o.radiusidentifiers = Some(list);
                o.radiusidentifiers_s = Some(val.to_string());
            }
        }
        "issuer" | "scope" | "validator" | "delegate_ident_mapping" if feat.oauth => {
            require(AuthMethod::OAuth, name, "oauth")?;
            match name {
                "issuer" => o.oauth_issuer = Some(val.to_string()),
                "scope" => o.oauth_scope = Some(val.to_string()),
                "validator" => o.oauth_validator = Some(val.to_string()),
                _ => o.oauth_skip_usermap = val == "1",
            }
        }
        _ => {
            return Err(fail(format!(
                "unrecognized authentication option name: \"{name}\""
            )))
        }
    }
    Ok(())
}

/// `getaddrinfo(name, SOCK_DGRAM)` for RADIUS servers: numeric addresses and
/// `localhost` without asking DNS, other names through the system resolver.
fn resolves(name: &str) -> bool {
    if let Numeric::Ip(_) = numeric_host(name) {
        return true;
    }
    if name == "localhost" {
        return true;
    }
    use std::net::ToSocketAddrs;
    (name, 0u16)
        .to_socket_addrs()
        .map(|mut it| it.next().is_some())
        .unwrap_or(false)
}

/// Text of the view's address and netmask columns.
pub(crate) fn view_address(a: &Address) -> (Option<String>, Option<String>) {
    match a {
        Address::None => (None, None),
        Address::All => (Some("all".into()), None),
        Address::SameHost => (Some("samehost".into()), None),
        Address::SameNet => (Some("samenet".into()), None),
        Address::Hostname(h) => (Some(h.clone()), None),
        Address::Ip { addr, mask, .. } => {
            (Some(crate::ip::ntop(*addr)), Some(crate::ip::ntop(*mask)))
        }
    }
}
