//! Hand-built TLS ClientHellos and a parser for what the server answers.
//!
//! Why by hand: rustls (like every maintained Rust TLS crate) cannot speak
//! TLS 1.0 or 1.1, cannot offer an arbitrary cipher suite list, and cannot
//! offer one key-exchange group at a time, which is exactly what version,
//! suite and group enumeration need. The `openssl` crate at `@SECLEVEL=0`
//! could, but it binds to the system libssl (OpenSSL 3 here, which may not
//! even build RC4 or 3DES, so it could never see a server offering them),
//! adds a C dependency and costs a full handshake per question. A ClientHello
//! is a few hundred bytes of well-specified structure (RFC 5246 §7.4.1.2,
//! RFC 8446 §4.1.2), and the answer we need — ServerHello, HelloRetryRequest
//! or alert — is in the first plaintext records, so no cryptography is
//! needed at all: for TLS 1.3 we send an empty `key_share`, and a server
//! that accepts answers with a HelloRetryRequest naming its version, suite
//! and group. rustls does the one real handshake (certificate capture).

use crate::io::{Conn, StepError};

pub const REC_CHANGE_CIPHER_SPEC: u8 = 20;
pub const REC_ALERT: u8 = 21;
pub const REC_HANDSHAKE: u8 = 22;
/// Largest TLSPlaintext/TLSCiphertext fragment (2^14 + 2048).
const MAX_RECORD: usize = 16384 + 2048;
/// Cap on everything read for one hello (a long certificate chain fits).
const MAX_FLIGHT: usize = 256 * 1024;

/// SHA-256("HelloRetryRequest"), the ServerHello.random of an HRR.
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// What one ClientHello offers.
#[derive(Debug, Clone)]
pub struct Hello<'a> {
    /// 0x0301..0x0304. For 0x0304 the legacy version is 0x0303 and
    /// `supported_versions` carries only 0x0304.
    pub version: u16,
    pub suites: &'a [u16],
    pub groups: &'a [u16],
    /// SNI host name (never an IP address, RFC 6066 §3).
    pub sni: Option<&'a str>,
    pub alpn: Option<&'a [u8]>,
    /// Read on past the ServerHello for the plaintext Certificate and
    /// ServerKeyExchange messages (TLS 1.2 and earlier only).
    pub want_certificate: bool,
}

/// The default `supported_groups` offer: every group we know.
pub fn default_groups() -> Vec<u16> {
    crate::suites::GROUPS.iter().map(|g| g.0).collect()
}

const SIG_ALGS: &[u16] = &[
    0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256, secp384r1_sha384, secp521r1_sha512
    0x0807, 0x0808, // ed25519, ed448
    0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256/384/512
    0x0809, 0x080A, 0x080B, // rsa_pss_pss_sha256/384/512
    0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256/384/512
    0x0203, 0x0201, 0x0202, // ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1
    0x0402, 0x0502, 0x0602, // dsa_sha256/384/512
];

fn put_u16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

fn put_u24(v: &mut Vec<u8>, x: usize) {
    v.extend_from_slice(&(x as u32).to_be_bytes()[1..]);
}

fn ext(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    put_u16(out, typ);
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

fn random32() -> [u8; 32] {
    let mut r = [0u8; 32];
    // Any bytes do: the random only has to be fresh, not secret, here.
    if rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut r)
        .is_err()
    {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        r[..16].copy_from_slice(&t.to_le_bytes());
    }
    r
}

/// The whole ClientHello as one TLS record.
pub fn client_hello(h: &Hello<'_>) -> Vec<u8> {
    let tls13 = h.version >= 0x0304;
    let legacy = if tls13 { 0x0303 } else { h.version };
    let mut body = Vec::with_capacity(512);
    put_u16(&mut body, legacy);
    body.extend_from_slice(&random32());
    // Session id: 32 bytes for TLS 1.3 middlebox compatibility, empty before.
    if tls13 {
        body.push(32);
        body.extend_from_slice(&random32());
    } else {
        body.push(0);
    }
    put_u16(&mut body, (h.suites.len() * 2) as u16);
    for s in h.suites {
        put_u16(&mut body, *s);
    }
    body.extend_from_slice(&[1, 0]); // compression: null only

    let mut exts = Vec::with_capacity(256);
    if let Some(name) = h.sni {
        let mut d = Vec::new();
        put_u16(&mut d, (name.len() + 3) as u16);
        d.push(0); // host_name
        put_u16(&mut d, name.len() as u16);
        d.extend_from_slice(name.as_bytes());
        ext(&mut exts, 0x0000, &d);
    }
    if !h.groups.is_empty() {
        let mut d = Vec::new();
        put_u16(&mut d, (h.groups.len() * 2) as u16);
        for g in h.groups {
            put_u16(&mut d, *g);
        }
        ext(&mut exts, 0x000A, &d);
    }
    if !tls13 {
        ext(&mut exts, 0x000B, &[1, 0]); // ec_point_formats: uncompressed
    }
    if h.version >= 0x0303 {
        let mut d = Vec::new();
        put_u16(&mut d, (SIG_ALGS.len() * 2) as u16);
        for s in SIG_ALGS {
            put_u16(&mut d, *s);
        }
        ext(&mut exts, 0x000D, &d);
    }
    if let Some(p) = h.alpn {
        let mut d = Vec::new();
        put_u16(&mut d, (p.len() + 1) as u16);
        d.push(p.len() as u8);
        d.extend_from_slice(p);
        ext(&mut exts, 0x0010, &d);
    }
    if tls13 {
        ext(&mut exts, 0x002B, &[2, 0x03, 0x04]); // supported_versions: TLS 1.3
        ext(&mut exts, 0x002D, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
        ext(&mut exts, 0x0033, &[0, 0]); // key_share: empty -> HelloRetryRequest
    } else {
        ext(&mut exts, 0x0017, &[]); // extended_master_secret
        ext(&mut exts, 0xFF01, &[0]); // renegotiation_info (initial)
    }
    put_u16(&mut body, exts.len() as u16);
    body.extend_from_slice(&exts);

    let mut hs = vec![1u8]; // client_hello
    put_u24(&mut hs, body.len());
    hs.extend_from_slice(&body);

    let mut rec = vec![REC_HANDSHAKE, 0x03, 0x01];
    put_u16(&mut rec, hs.len() as u16);
    rec.extend_from_slice(&hs);
    rec
}

/// The server accepted the hello.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerHello {
    /// The negotiated version (from `supported_versions` when present).
    pub version: u16,
    pub suite: u16,
    pub hello_retry: bool,
    /// TLS 1.3: the group of the HRR or key_share; TLS 1.2: the ECDHE curve
    /// of the ServerKeyExchange when read.
    pub group: Option<u16>,
    /// DHE prime size in bits from a TLS ≤1.2 ServerKeyExchange.
    pub dh_bits: Option<u32>,
    pub alpn: Option<Vec<u8>>,
    /// DER certificates of a TLS ≤1.2 Certificate message, when asked for.
    pub certificates: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloAnswer {
    Accepted(ServerHello),
    /// A TLS alert instead of a ServerHello.
    Alert {
        level: u8,
        description: u8,
    },
    /// The server closed the connection without sending a single byte.
    ClosedSilently,
}

pub fn alert_name(d: u8) -> &'static str {
    match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        120 => "no_application_protocol",
        _ => "unknown alert",
    }
}

/// Reads records and reassembles handshake messages, within limits.
struct Reader {
    hs: Vec<u8>,
    total: usize,
}

enum Record {
    Handshake(Vec<u8>),
    Alert(u8, u8),
    Other(u8),
}

impl Reader {
    async fn record(&mut self, conn: &mut Conn, first: bool) -> Result<Option<Record>, StepError> {
        conn.phase("a TLS record from the server");
        let t = if first {
            match conn.read_byte_or_eof().await? {
                Some(b) => b,
                None => return Ok(None),
            }
        } else {
            let mut b = [0u8; 1];
            conn.read_exact(&mut b).await?;
            b[0]
        };
        if !(REC_CHANGE_CIPHER_SPEC..=24).contains(&t) {
            return Err(StepError::protocol(format!(
                "the server answered the ClientHello with byte 0x{t:02X}, not a TLS record{}",
                if t == b'E' {
                    " (an ErrorResponse: the server does not speak TLS here)"
                } else {
                    ""
                }
            )));
        }
        let mut hdr = [0u8; 4];
        conn.read_exact(&mut hdr).await?;
        let ver = u16::from_be_bytes([hdr[0], hdr[1]]);
        if !(0x0300..=0x0304).contains(&ver) {
            return Err(StepError::protocol(format!(
                "TLS record with version 0x{ver:04X}, which is no SSL/TLS version"
            )));
        }
        let len = u16::from_be_bytes([hdr[2], hdr[3]]) as usize;
        if len == 0 || len > MAX_RECORD {
            return Err(StepError::protocol(format!(
                "TLS record of {len} bytes (allowed 1 to {MAX_RECORD})"
            )));
        }
        self.total += len + 5;
        if self.total > MAX_FLIGHT {
            return Err(StepError::protocol(format!(
                "the server sent more than {MAX_FLIGHT} bytes before finishing its hello"
            )));
        }
        let mut body = vec![0u8; len];
        conn.read_exact(&mut body).await?;
        Ok(Some(match t {
            REC_HANDSHAKE => Record::Handshake(body),
            REC_ALERT => {
                if len < 2 {
                    return Err(StepError::protocol("TLS alert record shorter than 2 bytes"));
                }
                Record::Alert(body[0], body[1])
            }
            other => Record::Other(other),
        }))
    }

    /// The next whole handshake message (type, body), reading records as needed.
    async fn message(
        &mut self,
        conn: &mut Conn,
    ) -> Result<Result<(u8, Vec<u8>), (u8, u8)>, StepError> {
        loop {
            if self.hs.len() >= 4 {
                let len = u32::from_be_bytes([0, self.hs[1], self.hs[2], self.hs[3]]) as usize;
                if len > MAX_FLIGHT {
                    return Err(StepError::protocol(format!(
                        "handshake message of {len} bytes (limit {MAX_FLIGHT})"
                    )));
                }
                if self.hs.len() >= 4 + len {
                    let typ = self.hs[0];
                    let body = self.hs[4..4 + len].to_vec();
                    self.hs.drain(..4 + len);
                    return Ok(Ok((typ, body)));
                }
            }
            match self.record(conn, false).await? {
                Some(Record::Handshake(b)) => self.hs.extend_from_slice(&b),
                Some(Record::Alert(l, d)) => return Ok(Err((l, d))),
                Some(Record::Other(t)) => {
                    return Err(StepError::protocol(format!(
                        "TLS record of type {t} in the middle of the server's hello"
                    )))
                }
                None => unreachable!("record(first=false) never returns None"),
            }
        }
    }
}

/// Parse a ServerHello (or HelloRetryRequest) body.
pub fn parse_server_hello(b: &[u8]) -> Result<ServerHello, StepError> {
    let short = || StepError::protocol("truncated ServerHello");
    let mut p = Parser { b, i: 0 };
    let legacy = p.u16().ok_or_else(short)?;
    let random = p.take(32).ok_or_else(short)?;
    let sid_len = p.u8().ok_or_else(short)? as usize;
    p.take(sid_len).ok_or_else(short)?;
    let suite = p.u16().ok_or_else(short)?;
    let _compression = p.u8().ok_or_else(short)?;
    let mut sh = ServerHello {
        version: legacy,
        suite,
        hello_retry: random == HRR_RANDOM,
        ..ServerHello::default()
    };
    if let Some(ext_len) = p.u16() {
        let exts = p.take(ext_len as usize).ok_or_else(short)?;
        let mut e = Parser { b: exts, i: 0 };
        while let Some(typ) = e.u16() {
            let len = e.u16().ok_or_else(short)? as usize;
            let data = e.take(len).ok_or_else(short)?;
            match typ {
                0x002B if data.len() == 2 => sh.version = u16::from_be_bytes([data[0], data[1]]),
                0x0033 if data.len() >= 2 => {
                    sh.group = Some(u16::from_be_bytes([data[0], data[1]]))
                }
                0x0010 if data.len() >= 3 => {
                    let n = data[2] as usize;
                    sh.alpn = data.get(3..3 + n).map(|s| s.to_vec());
                }
                _ => {}
            }
        }
    }
    Ok(sh)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.i..self.i.checked_add(n)?)?;
        self.i += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|s| s[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|s| u16::from_be_bytes([s[0], s[1]]))
    }
    fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|s| u32::from_be_bytes([0, s[0], s[1], s[2]]) as usize)
    }
}

fn parse_certificates(b: &[u8]) -> Vec<Vec<u8>> {
    let mut p = Parser { b, i: 0 };
    let Some(total) = p.u24() else {
        return Vec::new();
    };
    let Some(list) = p.take(total) else {
        return Vec::new();
    };
    let mut l = Parser { b: list, i: 0 };
    let mut out = Vec::new();
    while let Some(n) = l.u24() {
        match l.take(n) {
            Some(der) => out.push(der.to_vec()),
            None => break,
        }
    }
    out
}

/// ServerKeyExchange: ECDHE named curve, or DHE prime size.
fn parse_ske(b: &[u8], sh: &mut ServerHello) {
    let Some(s) = crate::suites::Suite::by_id(sh.suite) else {
        return;
    };
    let mut p = Parser { b, i: 0 };
    if s.kx == "ECDH" {
        if p.u8() == Some(3) {
            sh.group = p.u16();
        }
    } else if s.kx == "DH" {
        if let Some(n) = p.u16() {
            if let Some(prime) = p.take(n as usize) {
                let lead = prime.iter().take_while(|&&x| x == 0).count();
                let rest = &prime[lead..];
                let bits = rest
                    .first()
                    .map(|f| (rest.len() as u32) * 8 - f.leading_zeros())
                    .unwrap_or(0);
                sh.dh_bits = Some(bits);
            }
        }
    }
}

/// Send `hello` on a connection that is ready for TLS (after an 'S', or
/// fresh for direct TLS) and read the server's answer.
pub async fn exchange(conn: &mut Conn, hello: &Hello<'_>) -> Result<HelloAnswer, StepError> {
    conn.phase("the server's answer to a ClientHello");
    conn.write_all(&client_hello(hello)).await?;
    let mut r = Reader {
        hs: Vec::new(),
        total: 0,
    };
    match r.record(conn, true).await? {
        None => return Ok(HelloAnswer::ClosedSilently),
        Some(Record::Alert(level, description)) => {
            return Ok(HelloAnswer::Alert { level, description })
        }
        Some(Record::Handshake(b)) => r.hs.extend_from_slice(&b),
        Some(Record::Other(t)) => {
            return Err(StepError::protocol(format!(
                "TLS record of type {t} where a ServerHello belongs"
            )))
        }
    }
    conn.phase("the ServerHello");
    let (typ, body) = match r.message(conn).await? {
        Ok(m) => m,
        Err((level, description)) => return Ok(HelloAnswer::Alert { level, description }),
    };
    if typ != 2 {
        return Err(StepError::protocol(format!(
            "handshake message type {typ} where a ServerHello (2) belongs"
        )));
    }
    let mut sh = parse_server_hello(&body)?;
    if hello.want_certificate && sh.version <= 0x0303 && !sh.hello_retry {
        conn.phase("the server's Certificate message");
        // Certificate (11), then ServerKeyExchange (12) for (EC)DHE, then
        // ServerHelloDone (14). Stop at the first that ends what we need.
        for _ in 0..6 {
            let (typ, body) = match r.message(conn).await? {
                Ok(m) => m,
                Err(_) => break,
            };
            match typ {
                11 => sh.certificates = parse_certificates(&body),
                12 => {
                    parse_ske(&body, &mut sh);
                    break;
                }
                14 => break,
                _ => {}
            }
        }
    }
    Ok(HelloAnswer::Accepted(sh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls12_hello_has_record_and_handshake_framing() {
        let suites = [0xC02B, 0xC009];
        let rec = client_hello(&Hello {
            version: 0x0303,
            suites: &suites,
            groups: &[0x0017],
            sni: Some("db.example"),
            alpn: None,
            want_certificate: false,
        });
        assert_eq!(rec[0], REC_HANDSHAKE);
        let len = u16::from_be_bytes([rec[3], rec[4]]) as usize;
        assert_eq!(len, rec.len() - 5);
        assert_eq!(rec[5], 1);
        let hs_len = u32::from_be_bytes([0, rec[6], rec[7], rec[8]]) as usize;
        assert_eq!(hs_len, rec.len() - 9);
        assert_eq!(&rec[9..11], &[0x03, 0x03]);
        // The SNI host name appears verbatim.
        assert!(rec.windows(10).any(|w| w == b"db.example"));
    }

    #[test]
    fn tls13_hello_offers_only_1_3_with_an_empty_key_share() {
        let rec = client_hello(&Hello {
            version: 0x0304,
            suites: &[0x1301],
            groups: &[0x001D],
            sni: None,
            alpn: Some(b"postgresql"),
            want_certificate: false,
        });
        assert_eq!(&rec[9..11], &[0x03, 0x03]);
        assert!(rec
            .windows(7)
            .any(|w| w == [0x00, 0x2B, 0x00, 0x03, 0x02, 0x03, 0x04]));
        assert!(rec
            .windows(6)
            .any(|w| w == [0x00, 0x33, 0x00, 0x02, 0x00, 0x00]));
        assert!(rec.windows(10).any(|w| w == b"postgresql"));
    }

    #[test]
    fn server_hello_and_hello_retry_request_parse() {
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&HRR_RANDOM);
        b.push(0);
        b.extend_from_slice(&[0x13, 0x02, 0]);
        let exts = [
            0x00, 0x2B, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00, 0x1D,
        ];
        b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        b.extend_from_slice(&exts);
        let sh = parse_server_hello(&b).unwrap();
        assert!(sh.hello_retry);
        assert_eq!(
            (sh.version, sh.suite, sh.group),
            (0x0304, 0x1302, Some(0x001D))
        );
        // Truncated: an error, not a panic.
        for n in 0..b.len() - exts.len() - 2 {
            assert!(parse_server_hello(&b[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn certificate_list_parses_and_tolerates_truncation() {
        let mut b = Vec::new();
        put_u24(&mut b, 3 + 4 + 3 + 2);
        put_u24(&mut b, 4);
        b.extend_from_slice(&[1, 2, 3, 4]);
        put_u24(&mut b, 2);
        b.extend_from_slice(&[5, 6]);
        assert_eq!(parse_certificates(&b), vec![vec![1, 2, 3, 4], vec![5, 6]]);
        assert!(parse_certificates(&b[..5]).is_empty());
    }
}
