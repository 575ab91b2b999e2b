//! The one real TLS handshake per path (after SSLRequest, and direct TLS),
//! done by rustls: it proves a modern client can complete a session and
//! captures the certificate chain, also when only TLS 1.3 is on (where the
//! certificate is encrypted and no hand-built hello can read it).
//!
//! The verifier accepts everything on purpose: this connection never
//! carries a credential or data, and judging the chain is done afterwards,
//! separately, against `--ca` or the system roots (see `cert.rs`), so a
//! broken chain is a reported fact instead of an aborted probe.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;

use crate::io::StepError;

#[derive(Debug)]
struct AcceptAnything(Vec<SignatureScheme>);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.clone()
    }
}

fn config(alpn: bool) -> Arc<ClientConfig> {
    static PLAIN: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    static ALPN: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let cell = if alpn { &ALPN } else { &PLAIN };
    cell.get_or_init(|| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let schemes = provider
            .signature_verification_algorithms
            .supported_schemes();
        let mut c = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .expect("ring supports TLS 1.2 and 1.3")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnything(schemes)))
            .with_no_client_auth();
        if alpn {
            c.alpn_protocols = vec![b"postgresql".to_vec()];
        }
        c.resumption = rustls::client::Resumption::disabled();
        Arc::new(c)
    })
    .clone()
}

/// A completed handshake.
#[derive(Debug, Clone)]
pub struct Session {
    pub version: u16,
    pub suite: u16,
    pub group: Option<String>,
    pub alpn: Option<Vec<u8>>,
    pub chain: Vec<Vec<u8>>,
}

/// The handshake did not complete, for a reason the server gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A TLS alert from the server (e.g. `protocol_version` when it only
    /// speaks TLS 1.0/1.1, which rustls does not).
    Alert(String),
    /// The server closed without any TLS answer (pre-17 servers given a
    /// direct TLS hello, or `ssl = off` on 17+).
    Closed,
}

/// Run a rustls handshake on `tcp` (ready for TLS). `Ok(Err(_))` is a
/// negative answer, `Err(_)` a broken exchange.
pub async fn handshake(
    tcp: TcpStream,
    host: &str,
    alpn: bool,
) -> Result<Result<Session, Refusal>, StepError> {
    let name = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.to_string()).map_err(|_| {
            StepError::protocol(format!("\"{host}\" is not a valid TLS server name"))
        })?,
    };
    let connector = tokio_rustls::TlsConnector::from(config(alpn));
    match connector.connect(name, tcp).await {
        Ok(tls) => {
            let (_, c) = tls.get_ref();
            Ok(Ok(Session {
                version: c.protocol_version().map(u16::from).unwrap_or_default(),
                suite: c
                    .negotiated_cipher_suite()
                    .map(|s| u16::from(s.suite()))
                    .unwrap_or_default(),
                group: c
                    .negotiated_key_exchange_group()
                    .map(|g| format!("{:?}", g.name()).to_lowercase()),
                alpn: c.alpn_protocol().map(|p| p.to_vec()),
                chain: c
                    .peer_certificates()
                    .map(|v| v.iter().map(|d| d.as_ref().to_vec()).collect())
                    .unwrap_or_default(),
            }))
        }
        Err(e) => {
            let inner = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .cloned();
            match inner {
                Some(rustls::Error::AlertReceived(a)) => {
                    Ok(Err(Refusal::Alert(format!("{a:?}").to_lowercase())))
                }
                Some(rustls::Error::PeerIncompatible(p)) => Ok(Err(Refusal::Alert(format!(
                    "incompatible with rustls: {p:?}"
                )))),
                Some(other) => Err(StepError::protocol(format!(
                    "TLS handshake failed: {other}"
                ))),
                None => match e.kind() {
                    std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe => Ok(Err(Refusal::Closed)),
                    _ => Err(StepError::Io {
                        waiting_for: "the TLS handshake".into(),
                        message: e.to_string(),
                    }),
                },
            }
        }
    }
}
