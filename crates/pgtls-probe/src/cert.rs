//! Certificate facts (x509-parser), the verify-full name decision (libpq's
//! own rules, not webpki's) and chain verification (rustls-webpki) against
//! `--ca FILE` or the system roots.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::RootCertStore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;

/// Where chain verification takes its trust anchors from.
#[derive(Debug, Clone)]
pub enum TrustRoots {
    /// The operating system's store (rustls-native-certs: the same files
    /// OpenSSL reads, `SSL_CERT_FILE`/`SSL_CERT_DIR` honoured), what
    /// libpq's `sslrootcert=system` uses.
    System,
    /// A PEM file of CA certificates, like libpq's `sslrootcert`.
    File {
        path: PathBuf,
        store: Arc<RootCertStore>,
        /// The certificates as read, to recognise a pinned self-signed leaf.
        ders: Arc<Vec<Vec<u8>>>,
    },
}

impl TrustRoots {
    /// Read a PEM bundle; the error names the file.
    pub fn from_ca_file(path: &Path) -> Result<TrustRoots, String> {
        let data = std::fs::read(path)
            .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?;
        let mut store = RootCertStore::empty();
        let mut ders = Vec::new();
        let mut n = 0;
        for item in rustls_pemfile::certs(&mut data.as_slice()) {
            let der = item.map_err(|e| format!("{}: invalid PEM: {e}", path.display()))?;
            ders.push(der.as_ref().to_vec());
            store.add(der).map_err(|e| {
                format!(
                    "{}: certificate {} is unusable as a trust anchor: {e}",
                    path.display(),
                    n + 1
                )
            })?;
            n += 1;
        }
        if n == 0 {
            return Err(format!(
                "{}: no \"-----BEGIN CERTIFICATE-----\" block found",
                path.display()
            ));
        }
        Ok(TrustRoots::File {
            path: path.to_path_buf(),
            store: Arc::new(store),
            ders: Arc::new(ders),
        })
    }

    pub fn describe(&self) -> String {
        match self {
            TrustRoots::System => "system roots".to_string(),
            TrustRoots::File { path, .. } => format!("--ca {}", path.display()),
        }
    }

    fn store(&self) -> Result<Arc<RootCertStore>, String> {
        match self {
            TrustRoots::File { store, .. } => Ok(store.clone()),
            TrustRoots::System => {
                static SYSTEM: OnceLock<Result<Arc<RootCertStore>, String>> = OnceLock::new();
                SYSTEM
                    .get_or_init(|| {
                        let res = rustls_native_certs::load_native_certs();
                        let mut store = RootCertStore::empty();
                        let (added, _) = store.add_parsable_certificates(res.certs);
                        if added == 0 {
                            Err(format!(
                                "no system root certificates found{}",
                                res.errors
                                    .first()
                                    .map(|e| format!(": {e}"))
                                    .unwrap_or_default()
                            ))
                        } else {
                            Ok(Arc::new(store))
                        }
                    })
                    .clone()
            }
        }
    }
}

/// One certificate of the chain, briefly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    pub signature_algorithm: String,
}

/// What the server's certificate says, and what a verifying client decides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateFacts {
    /// RFC 4514-style, e.g. `CN=db.example.com`.
    pub subject: String,
    pub issuer: String,
    /// `DNS:name` and `IP:address` entries.
    pub san: Vec<String>,
    pub serial: String,
    /// Subject equals issuer (the certificate is its own root).
    pub self_signed: bool,
    pub not_before: String,
    pub not_after: String,
    /// Whole days from the probe to `not_after`; negative once expired.
    pub days_to_expiry: i64,
    pub expired: bool,
    pub not_yet_valid: bool,
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or the algorithm OID.
    pub key_type: String,
    pub key_bits: Option<u32>,
    /// For EC keys: `P-256`, `P-384`, `P-521` or the curve OID.
    pub key_curve: Option<String>,
    pub signature_algorithm: String,
    pub sha256_fingerprint: String,
    /// The host name compared (the target's host, as libpq compares it).
    pub checked_name: String,
    /// What `sslmode=verify-full` decides about the name (libpq rules:
    /// SANs of the host's type first, CN only without such SANs).
    pub name_matches: bool,
    /// libpq's error text when the name does not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_mismatch: Option<String>,
    /// `--ca FILE` or `system roots`.
    pub trust_anchors: String,
    /// Whether the chain verifies (what `verify-ca` decides, name aside);
    /// null when the trust anchors could not be loaded.
    pub chain_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_error: Option<String>,
    /// Certificates the server sent, leaf first.
    pub chain: Vec<ChainEntry>,
    /// Which exchange the certificate came from.
    pub source: String,
}

fn fmt_time(t: &ASN1Time) -> String {
    t.to_datetime()
        .format(&::time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn sig_name(oid: &x509_parser::oid_registry::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(|s| s.to_string())
        .unwrap_or_else(|_| oid.to_id_string())
}

fn rsa_bits(modulus: &[u8]) -> u32 {
    let lead = modulus.iter().take_while(|&&b| b == 0).count();
    let m = &modulus[lead..];
    m.first()
        .map(|f| m.len() as u32 * 8 - f.leading_zeros())
        .unwrap_or(0)
}

fn key_facts(cert: &X509Certificate<'_>) -> (String, Option<u32>, Option<String>) {
    use x509_parser::oid_registry as oids;
    let spki = cert.public_key();
    let alg = &spki.algorithm.algorithm;
    if *alg == oids::OID_PKCS1_RSAENCRYPTION || *alg == oids::OID_PKCS1_RSASSAPSS {
        let bits = match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(r)) => Some(rsa_bits(r.modulus)),
            _ => None,
        };
        return ("RSA".into(), bits, None);
    }
    if *alg == oids::OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        let (name, bits) = match curve {
            Some(c) if c == oids::OID_EC_P256 => ("P-256".to_string(), 256),
            Some(c) if c == oids::OID_NIST_EC_P384 => ("P-384".to_string(), 384),
            Some(c) if c == oids::OID_NIST_EC_P521 => ("P-521".to_string(), 521),
            Some(c) => (
                c.to_id_string(),
                spki.parsed().map(|k| k.key_size() as u32).unwrap_or(0),
            ),
            None => ("unknown".to_string(), 0),
        };
        return ("EC".into(), Some(bits).filter(|b| *b > 0), Some(name));
    }
    if *alg == oids::OID_SIG_ED25519 {
        return ("Ed25519".into(), Some(256), None);
    }
    if *alg == oids::OID_SIG_ED448 {
        return ("Ed448".into(), Some(456), None);
    }
    if let Ok(x509_parser::public_key::PublicKey::DSA(y)) = spki.parsed() {
        return ("DSA".into(), Some(y.len() as u32 * 8), None);
    }
    (alg.to_id_string(), None, None)
}

/// libpq's `wildcard_certificate_match`: `*.` prefix only, the `*` covers
/// exactly one label, case-insensitive.
fn wildcard_match(pattern: &str, host: &str) -> bool {
    let Some(suffix) = pattern.strip_prefix('*') else {
        return false;
    };
    if !suffix.starts_with('.') || pattern.len() < 3 || pattern.len() > host.len() {
        return false;
    }
    let cut = host.len() - suffix.len();
    if !host.is_char_boundary(cut) || !host[cut..].eq_ignore_ascii_case(suffix) {
        return false;
    }
    !host[..cut].contains('.')
}

fn name_match(name: &str, host: &str) -> bool {
    name.eq_ignore_ascii_case(host) || wildcard_match(name, host)
}

/// The SAN entries that libpq examines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum San {
    Dns(String),
    Ip(Vec<u8>),
}

/// `pgtls_verify_peer_name_matches_certificate_guts` (libpq 14+):
/// returns (matches, names examined, first name) for the error text.
pub fn libpq_name_check(
    host: &str,
    sans: &[San],
    cn: Option<&str>,
) -> (bool, usize, Option<String>) {
    let host_ip: Option<IpAddr> = host.parse().ok();
    let mut check_cn = true;
    let mut examined = 0;
    let mut first: Option<String> = None;
    for san in sans {
        let same_type = matches!((san, host_ip), (San::Ip(_), Some(_)) | (San::Dns(_), None));
        if same_type {
            check_cn = false;
        }
        let (matched, shown) = match san {
            San::Dns(n) => {
                if n.contains('\0') {
                    return (false, examined + 1, Some(n.clone()));
                }
                (name_match(n, host), n.clone())
            }
            San::Ip(bytes) => {
                let shown = ip_string(bytes);
                let m = match (host_ip, bytes.len()) {
                    (Some(IpAddr::V4(a)), 4) => a.octets().as_slice() == bytes.as_slice(),
                    (Some(IpAddr::V6(a)), 16) => a.octets().as_slice() == bytes.as_slice(),
                    _ => false,
                };
                (m, shown)
            }
        };
        examined += 1;
        if first.is_none() {
            first = Some(shown);
        }
        if matched {
            return (true, examined, first);
        }
    }
    if check_cn {
        if let Some(cn) = cn {
            examined += 1;
            if first.is_none() {
                first = Some(cn.to_string());
            }
            if name_match(cn, host) {
                return (true, examined, first);
            }
        }
    }
    (false, examined, first)
}

fn ip_string(b: &[u8]) -> String {
    match b.len() {
        4 => IpAddr::from([b[0], b[1], b[2], b[3]]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            IpAddr::from(a).to_string()
        }
        _ => format!("<{} byte address>", b.len()),
    }
}

/// libpq's message for a mismatch.
fn mismatch_message(host: &str, examined: usize, first: Option<&str>) -> String {
    match (examined, first) {
        (0, _) | (_, None) => "could not get server's host name from server certificate".into(),
        (1, Some(f)) => format!("server certificate for \"{f}\" does not match host name \"{host}\""),
        (n, Some(f)) => format!(
            "server certificate for \"{f}\" (and {} other name{}) does not match host name \"{host}\"",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    }
}

/// Verify the chain (not the name) with webpki against `roots`.
fn verify_chain(
    chain: &[Vec<u8>],
    host: &str,
    roots: &TrustRoots,
) -> (Option<bool>, Option<String>) {
    // A leaf that is itself one of the `--ca` certificates (a self-signed
    // server certificate pinned as the client's root, a common setup) is
    // trusted by OpenSSL and so by libpq's verify-ca; webpki refuses a CA
    // certificate as end entity, so decide this case first, as libpq does.
    if let TrustRoots::File { ders, .. } = roots {
        if ders.iter().any(|d| *d == chain[0]) {
            return (Some(true), None);
        }
    }
    let store = match roots.store() {
        Ok(s) => s,
        Err(e) => return (None, Some(e)),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = match WebPkiServerVerifier::builder_with_provider(store, provider).build() {
        Ok(v) => v,
        Err(e) => return (None, Some(e.to_string())),
    };
    let ee = CertificateDer::from(chain[0].as_slice());
    let inter: Vec<CertificateDer<'_>> = chain[1..]
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    // The name is judged by libpq's rules above; give webpki a name and
    // ignore only its name verdict (it checks the chain first).
    let name = match host.parse::<IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.to_string())
            .unwrap_or_else(|_| ServerName::try_from("invalid.invalid").expect("valid name")),
    };
    match verifier.verify_server_cert(&ee, &inter, &name, &[], UnixTime::now()) {
        Ok(_) => (Some(true), None),
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. },
        )) => (Some(true), None),
        Err(e) => (Some(false), Some(e.to_string())),
    }
}

/// Facts of a chain (leaf first) for a client that connected to `host`.
pub fn facts(
    chain: &[Vec<u8>],
    host: &str,
    roots: &TrustRoots,
    source: &str,
) -> Result<CertificateFacts, String> {
    let leaf_der = chain.first().ok_or("the server sent no certificate")?;
    let (_, leaf) = X509Certificate::from_der(leaf_der)
        .map_err(|e| format!("cannot parse the server certificate: {e}"))?;
    let mut sans = Vec::new();
    let mut san_text = Vec::new();
    if let Ok(Some(ext)) = leaf.subject_alternative_name() {
        for g in &ext.value.general_names {
            match g {
                GeneralName::DNSName(n) => {
                    sans.push(San::Dns(n.to_string()));
                    san_text.push(format!("DNS:{n}"));
                }
                GeneralName::IPAddress(b) => {
                    sans.push(San::Ip(b.to_vec()));
                    san_text.push(format!("IP:{}", ip_string(b)));
                }
                other => san_text.push(format!("{other:?}")),
            }
        }
    }
    let cn = leaf
        .subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok().map(str::to_string));
    let (name_matches, examined, first) = libpq_name_check(host, &sans, cn.as_deref());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let nb = leaf.validity().not_before.timestamp();
    let na = leaf.validity().not_after.timestamp();
    let (key_type, key_bits, key_curve) = key_facts(&leaf);
    let (chain_verified, chain_error) = verify_chain(chain, host, roots);
    let entries = chain
        .iter()
        .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
        .map(|c| ChainEntry {
            subject: c.subject().to_string(),
            issuer: c.issuer().to_string(),
            not_after: fmt_time(&c.validity().not_after),
            signature_algorithm: sig_name(&c.signature_algorithm.algorithm),
        })
        .collect();
    Ok(CertificateFacts {
        subject: leaf.subject().to_string(),
        issuer: leaf.issuer().to_string(),
        san: san_text,
        serial: leaf.raw_serial_as_string(),
        self_signed: leaf.subject().as_raw() == leaf.issuer().as_raw(),
        not_before: fmt_time(&leaf.validity().not_before),
        not_after: fmt_time(&leaf.validity().not_after),
        days_to_expiry: (na - now).div_euclid(86400),
        expired: now > na,
        not_yet_valid: now < nb,
        key_type,
        key_bits,
        key_curve,
        signature_algorithm: sig_name(&leaf.signature_algorithm.algorithm),
        sha256_fingerprint: hex::encode(Sha256::digest(leaf_der)),
        checked_name: host.to_string(),
        name_matches,
        name_mismatch: (!name_matches).then(|| mismatch_message(host, examined, first.as_deref())),
        trust_anchors: roots.describe(),
        chain_verified,
        chain_error,
        chain: entries,
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dns(s: &str) -> San {
        San::Dns(s.into())
    }

    #[test]
    fn wildcards_cover_exactly_one_label_like_libpq() {
        assert!(wildcard_match("*.example.com", "db.example.com"));
        assert!(wildcard_match("*.example.com", "DB.Example.COM"));
        assert!(!wildcard_match("*.example.com", "a.b.example.com"));
        assert!(!wildcard_match("*.example.com", "example.com"));
        assert!(!wildcard_match("db*.example.com", "db1.example.com"));
        assert!(!wildcard_match("*", "x"));
    }

    #[test]
    fn dns_sans_hide_the_cn_for_names_but_not_for_ip_hosts() {
        // Name host, DNS SAN present: CN ignored.
        let (m, n, first) = libpq_name_check(
            "db.example.com",
            &[dns("other.example")],
            Some("db.example.com"),
        );
        assert!(!m);
        assert_eq!((n, first.as_deref()), (1, Some("other.example")));
        // IP host, only DNS SANs: CN still considered (libpq departs from RFC 6125 here).
        let (m, _, _) = libpq_name_check("10.0.0.5", &[dns("db.example.com")], Some("10.0.0.5"));
        assert!(m);
        // IP host with an IP SAN: CN ignored, bytes compared.
        let sans = [San::Ip(vec![127, 0, 0, 1])];
        assert!(libpq_name_check("127.0.0.1", &sans, None).0);
        assert!(!libpq_name_check("127.0.0.2", &sans, Some("127.0.0.2")).0);
        let v6 = [San::Ip(std::net::Ipv6Addr::LOCALHOST.octets().to_vec())];
        assert!(libpq_name_check("::1", &v6, None).0);
        // No SAN at all: CN decides.
        assert!(libpq_name_check("db", &[], Some("DB")).0);
        let (m, n, _) = libpq_name_check("db", &[], None);
        assert!(!m && n == 0);
    }

    #[test]
    fn mismatch_messages_match_libpq_wording() {
        assert_eq!(
            mismatch_message("h", 1, Some("x")),
            "server certificate for \"x\" does not match host name \"h\""
        );
        assert_eq!(
            mismatch_message("h", 3, Some("x")),
            "server certificate for \"x\" (and 2 other names) does not match host name \"h\""
        );
        assert_eq!(
            mismatch_message("h", 0, None),
            "could not get server's host name from server certificate"
        );
    }

    #[test]
    fn rsa_modulus_bits_ignore_the_sign_byte() {
        let mut m = vec![0u8];
        m.extend(std::iter::repeat_n(0xFF, 256));
        assert_eq!(rsa_bits(&m), 2048);
        assert_eq!(rsa_bits(&[0x01, 0x00]), 9);
    }
}
