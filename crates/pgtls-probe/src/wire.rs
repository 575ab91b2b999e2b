//! The PostgreSQL side of the wire: SSLRequest, GSSENCRequest and the
//! StartupMessage, with every length field checked before anything is
//! allocated (a hostile server can announce 1 GB; we refuse past 64 KiB).

use serde::Serialize;

use crate::io::{Conn, StepError};

/// `00 00 00 08 04 D2 16 2F` (1234/5679).
pub const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F];
/// `00 00 00 08 04 D2 16 30` (1234/5680, PostgreSQL 12+).
pub const GSSENC_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x30];
/// Protocol 3.0.
const PROTOCOL_3_0: u32 = 3 << 16;
/// The largest backend message we accept before the session starts.
/// PostgreSQL's own error messages are far below this.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// An ErrorResponse (or NoticeResponse) split into its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerError {
    /// `S`: ERROR, FATAL, PANIC (possibly translated).
    pub severity: String,
    /// `C`: the SQLSTATE.
    pub sqlstate: String,
    /// `M`: the primary message, verbatim.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ServerError {
    pub fn parse(body: &[u8]) -> ServerError {
        let mut e = ServerError::default();
        let mut rest = body;
        while let Some((&code, tail)) = rest.split_first() {
            if code == 0 {
                break;
            }
            let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
            let val = String::from_utf8_lossy(&tail[..end]).into_owned();
            match code {
                b'V' => e.severity = val,
                b'S' if e.severity.is_empty() => e.severity = val,
                b'C' => e.sqlstate = val,
                b'M' => e.message = val,
                b'D' => e.detail = Some(val),
                b'H' => e.hint = Some(val),
                _ => {}
            }
            rest = tail.get(end + 1..).unwrap_or(&[]);
        }
        e
    }

    /// `FATAL 28000: no pg_hba.conf entry for ...`
    pub fn one_line(&self) -> String {
        format!("{} {}: {}", self.severity, self.sqlstate, self.message)
    }
}

/// Read one framed backend message: tag, Int32 length, body.
pub async fn read_message(conn: &mut Conn, tag: u8) -> Result<Vec<u8>, StepError> {
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len < 4 {
        return Err(StepError::protocol(format!(
            "message '{}' has an invalid length field {len} (below 4)",
            tag as char
        )));
    }
    if len - 4 > MAX_MESSAGE {
        return Err(StepError::protocol(format!(
            "message '{}' announces {len} bytes, over the {MAX_MESSAGE}-byte limit for a pre-session message: not a PostgreSQL server?",
            printable(tag)
        )));
    }
    let mut body = vec![0u8; len - 4];
    conn.read_exact(&mut body).await?;
    Ok(body)
}

pub fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("{}", b as char)
    } else {
        format!("\\x{b:02X}")
    }
}

/// A byte of text a peer sent, for a message: printable ASCII and spaces as
/// they are, the rest escaped.
fn printable_text(b: u8) -> String {
    if b == b' ' {
        " ".into()
    } else {
        printable(b)
    }
}

/// The one-byte answer to an SSLRequest or GSSENCRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestAnswer {
    /// 'S' or 'G': go ahead with the handshake.
    Yes,
    /// 'N'.
    No,
    /// An ErrorResponse instead (pre-12 servers for GSSENCRequest).
    Error(ServerError),
}

/// Send an 8-byte negotiation request and read its one-byte answer.
pub async fn negotiate(
    conn: &mut Conn,
    request: &[u8; 8],
    yes: u8,
    what: &'static str,
) -> Result<RequestAnswer, StepError> {
    conn.phase(what);
    conn.write_all(request).await?;
    let b = match conn.read_byte_or_eof().await? {
        Some(b) => b,
        None => {
            return Err(StepError::Closed {
                waiting_for: what.to_string(),
                bytes: conn.tracker.bytes(),
            })
        }
    };
    match b {
        b'N' => Ok(RequestAnswer::No),
        b'E' => {
            let body = read_message(conn, b'E').await?;
            Ok(RequestAnswer::Error(ServerError::parse(&body)))
        }
        b if b == yes => {
            // PostgreSQL sends the one byte and waits for the handshake.
            // More bytes already here mean something else answered (an SSH
            // or HTTP server whose text starts with that letter), or data
            // was injected in front of the handshake: libpq 14+ refuses
            // this too ("received unencrypted data after SSL response").
            let extra = conn.already_received(64);
            if extra.is_empty() {
                Ok(RequestAnswer::Yes)
            } else {
                let mut all = vec![b];
                all.extend_from_slice(&extra);
                Err(StepError::protocol(format!(
                    "{what}: received unencrypted data after the '{}' answer (\"{}\"): not a PostgreSQL server, or something in between injects data",
                    yes as char,
                    all.iter().map(|&c| printable_text(c)).collect::<String>()
                )))
            }
        }
        other => Err(StepError::protocol(format!(
            "{what}: got byte 0x{other:02X} ('{}'), expected '{}' or 'N': not a PostgreSQL server?",
            printable(other),
            yes as char
        ))),
    }
}

/// What the server asked for after a plaintext StartupMessage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthRequest {
    /// AuthenticationOk: no credential at all (`trust`).
    Ok,
    /// AuthenticationCleartextPassword (`password`, `ldap`, `radius`, `pam`, `bsd`).
    CleartextPassword,
    /// AuthenticationMD5Password.
    Md5Password,
    /// AuthenticationSASL with its mechanism list (`scram-sha-256`).
    Sasl(Vec<String>),
    /// AuthenticationGSS.
    Gss,
    /// AuthenticationSSPI.
    Sspi,
    /// AuthenticationKerberosV5 (pre-9.4 servers).
    KerberosV5,
    /// Any other code.
    Other(u32),
}

impl AuthRequest {
    pub fn describe(&self) -> String {
        match self {
            AuthRequest::Ok => "AuthenticationOk: logged in without any credential (trust)".into(),
            AuthRequest::CleartextPassword => {
                "AuthenticationCleartextPassword: the password would cross the network in clear text"
                    .into()
            }
            AuthRequest::Md5Password => "AuthenticationMD5Password".into(),
            AuthRequest::Sasl(m) => format!("AuthenticationSASL ({})", m.join(", ")),
            AuthRequest::Gss => "AuthenticationGSS".into(),
            AuthRequest::Sspi => "AuthenticationSSPI".into(),
            AuthRequest::KerberosV5 => "AuthenticationKerberosV5".into(),
            AuthRequest::Other(c) => format!("Authentication request code {c}"),
        }
    }
}

/// The first meaningful reply to a plaintext StartupMessage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartupReply {
    Auth(AuthRequest),
    Error(ServerError),
}

pub fn startup_message(user: &str, database: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(64);
    body.extend_from_slice(&PROTOCOL_3_0.to_be_bytes());
    for (k, v) in [
        ("user", user),
        ("database", database),
        ("application_name", "pgtls-probe"),
    ] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut msg = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    msg.extend_from_slice(&body);
    msg
}

/// Send a plaintext StartupMessage and classify the first reply. Never
/// sends a password: the caller closes the connection right after.
pub async fn plaintext_startup(
    conn: &mut Conn,
    user: &str,
    database: &str,
) -> Result<StartupReply, StepError> {
    conn.phase("the reply to a plaintext StartupMessage");
    conn.write_all(&startup_message(user, database)).await?;
    // NoticeResponse and NegotiateProtocolVersion may come first; skip a few.
    for _ in 0..8 {
        let mut tag = [0u8; 1];
        conn.read_exact(&mut tag).await?;
        let tag = tag[0];
        match tag {
            b'R' | b'E' | b'N' | b'v' => {}
            other => {
                return Err(StepError::protocol(format!(
                    "StartupMessage answered with message type 0x{other:02X} ('{}'): not a PostgreSQL server?",
                    printable(other)
                )))
            }
        }
        let body = read_message(conn, tag).await?;
        match tag {
            b'R' => return Ok(StartupReply::Auth(parse_auth(&body)?)),
            b'E' => return Ok(StartupReply::Error(ServerError::parse(&body))),
            _ => continue,
        }
    }
    Err(StepError::protocol(
        "more than 8 notices before any authentication request",
    ))
}

fn parse_auth(body: &[u8]) -> Result<AuthRequest, StepError> {
    let code = body
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| StepError::protocol("authentication request shorter than 4 bytes"))?;
    Ok(match code {
        0 => AuthRequest::Ok,
        2 => AuthRequest::KerberosV5,
        3 => AuthRequest::CleartextPassword,
        5 => AuthRequest::Md5Password,
        7 => AuthRequest::Gss,
        9 => AuthRequest::Sspi,
        10 => AuthRequest::Sasl(
            body[4..]
                .split(|&b| b == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        c => AuthRequest::Other(c),
    })
}

/// Whether an error answering a plaintext StartupMessage is pg_hba.conf
/// refusing it. The file name is never translated, so this also holds
/// when the server's `lc_messages` is not English; 12–13 end the message
/// with `SSL off`, 14+ with `no encryption`.
pub fn is_hba_refusal(e: &ServerError) -> bool {
    e.sqlstate == "28000" && e.message.contains("pg_hba.conf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_message_is_framed_as_protocol_3() {
        let m = startup_message("u", "d");
        assert_eq!(
            u32::from_be_bytes([m[0], m[1], m[2], m[3]]) as usize,
            m.len()
        );
        assert_eq!(&m[4..8], &[0, 3, 0, 0]);
        assert!(m.ends_with(b"pgtls-probe\0\0"));
    }

    #[test]
    fn error_fields_parse_including_translated_severity() {
        let body = b"SFATAL\0VFATAL\0C28000\0Mno pg_hba.conf entry for host \"127.0.0.1\", user \"u\", database \"d\", no encryption\0Rauth.c\0\0";
        let e = ServerError::parse(body);
        assert_eq!(e.sqlstate, "28000");
        assert!(is_hba_refusal(&e));
        assert_eq!(e.severity, "FATAL");
        let e = ServerError::parse(b"SFATAL\0C3D000\0Mdatabase \"x\" does not exist\0\0");
        assert!(!is_hba_refusal(&e));
        // Truncated without terminators: no panic.
        let e = ServerError::parse(b"C28");
        assert_eq!(e.sqlstate, "28");
    }

    #[test]
    fn sasl_mechanisms_are_listed() {
        let mut b = 10u32.to_be_bytes().to_vec();
        b.extend_from_slice(b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0");
        assert_eq!(
            parse_auth(&b).unwrap(),
            AuthRequest::Sasl(vec!["SCRAM-SHA-256-PLUS".into(), "SCRAM-SHA-256".into()])
        );
        assert!(parse_auth(&[0, 0]).is_err());
    }
}
