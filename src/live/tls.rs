//! rustls client configurations for each libpq `sslmode`.
//!
//! libpq semantics (libpq-ssl.html): `require` verifies nothing unless a root
//! certificate file exists, in which case it behaves like `verify-ca`;
//! `verify-ca` checks the chain but not the host name; `verify-full` checks
//! both.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// What to check of the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Encrypt, check nothing (libpq `require` without a root certificate).
    None,
    /// Chain to a trusted root, any host name (`verify-ca`).
    Chain,
    /// Chain and host name (`verify-full`).
    Full,
}

pub fn client_config(verification: Verification, root_cert: Option<&Path>) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let (chain, pinned) = match verification {
        Verification::None => (None, Vec::new()),
        Verification::Chain | Verification::Full => {
            let (roots, pinned) = load_roots(root_cert)?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .context("building the certificate verifier")?;
            (Some(webpki), pinned)
        }
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(LibpqVerifier {
            chain,
            pinned,
            check_name: verification == Verification::Full,
            provider,
        }))
        .with_no_client_auth();
    Ok(config)
}

/// The trust anchors from `sslrootcert`, and the certificates themselves
/// (to recognise a self-signed server certificate pinned as its own root).
fn load_roots(root_cert: Option<&Path>) -> Result<(RootCertStore, Vec<CertificateDer<'static>>)> {
    let mut roots = RootCertStore::empty();
    let mut pinned = Vec::new();
    // Without sslrootcert a verify mode trusts nothing, and the handshake
    // fails with a clear message (as libpq does without ~/.postgresql/root.crt).
    if let Some(path) = root_cert {
        let pem = std::fs::read(path)
            .with_context(|| format!("reading sslrootcert {}", path.display()))?;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert = cert.with_context(|| format!("parsing {}", path.display()))?;
            roots
                .add(cert.clone())
                .with_context(|| format!("adding a root from {}", path.display()))?;
            pinned.push(cert);
        }
    }
    Ok((roots, pinned))
}

/// libpq's certificate checks: none (`chain` is `None`: `require` without
/// a root certificate), `verify-ca` (`check_name` false: a host-name
/// mismatch is accepted) and `verify-full`. Like OpenSSL under libpq, a
/// self-signed server certificate that is itself in `sslrootcert` verifies
/// (webpki alone refuses a CA used as an end entity). Handshake signatures
/// are always checked.
#[derive(Debug)]
struct LibpqVerifier {
    chain: Option<Arc<WebPkiServerVerifier>>,
    pinned: Vec<CertificateDer<'static>>,
    check_name: bool,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for LibpqVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use rustls::CertificateError as C;
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(C::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. }))
                if !self.check_name =>
            {
                Ok(ServerCertVerified::assertion())
            }
            // webpki reports it as `Other(CaUsedAsEndEntity)`.
            Err(rustls::Error::InvalidCertificate(C::Other(e)))
                if format!("{e:?}").contains("CaUsedAsEndEntity")
                    && self
                        .pinned
                        .iter()
                        .any(|p| p.as_ref() == end_entity.as_ref()) =>
            {
                if self.check_name {
                    let ee = webpki::EndEntityCert::try_from(end_entity)
                        .map_err(|_| rustls::Error::InvalidCertificate(C::BadEncoding))?;
                    ee.verify_is_valid_for_subject_name(server_name)
                        .map_err(|_| rustls::Error::InvalidCertificate(C::NotValidForName))?;
                }
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
