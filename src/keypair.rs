//! Does a server key belong to its certificate? PostgreSQL refuses to
//! start with one that does not (PostgreSQL 15 with OpenSSL 3: `FATAL:
//! could not load private key file "server.key": key values mismatch`),
//! and a reload keeps the old context. The public key is derived from the
//! private key with `ring` and compared with the certificate's
//! SubjectPublicKeyInfo (`x509-parser`).

use ring::signature::{self, KeyPair};
use rustls::pki_types::PrivateKeyDer;
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

/// `Some(true)` / `Some(false)` when the pair could be compared, `None`
/// when it could not (encrypted or unsupported key, unreadable PEM).
pub fn key_matches_cert(cert_pem: &[u8], key_pem: &[u8]) -> Option<bool> {
    let cert_der = rustls_pemfile::certs(&mut &cert_pem[..]).next()?.ok()?;
    let (_, cert) = X509Certificate::from_der(&cert_der).ok()?;
    let spki = cert.public_key();
    let key = rustls_pemfile::private_key(&mut &key_pem[..]).ok()??;
    let ours = public_of(&key)?;
    Some(match (spki.parsed().ok()?, ours) {
        (PublicKey::RSA(r), Derived::Rsa(n)) => strip(r.modulus) == strip(&n),
        (PublicKey::EC(p), Derived::Point(q)) => p.data() == q.as_slice(),
        (_, Derived::Raw(raw)) => spki.subject_public_key.data.as_ref() == raw.as_slice(),
        // an RSA key for an EC certificate, or the reverse
        _ => false,
    })
}

enum Derived {
    /// RSA modulus, big-endian.
    Rsa(Vec<u8>),
    /// Uncompressed EC point.
    Point(Vec<u8>),
    /// Other public keys (Ed25519), as the certificate holds them.
    Raw(Vec<u8>),
}

fn public_of(key: &PrivateKeyDer<'_>) -> Option<Derived> {
    match key {
        PrivateKeyDer::Pkcs1(k) => {
            rsa_modulus(signature::RsaKeyPair::from_der(k.secret_pkcs1_der()).ok()?)
        }
        PrivateKeyDer::Pkcs8(k) => {
            let der = k.secret_pkcs8_der();
            if let Ok(kp) = signature::RsaKeyPair::from_pkcs8(der) {
                return rsa_modulus(kp);
            }
            let rng = ring::rand::SystemRandom::new();
            for alg in [
                &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            ] {
                if let Ok(kp) = signature::EcdsaKeyPair::from_pkcs8(alg, der, &rng) {
                    return Some(Derived::Point(kp.public_key().as_ref().to_vec()));
                }
            }
            signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .ok()
                .map(|kp| Derived::Raw(kp.public_key().as_ref().to_vec()))
        }
        // SEC1 ("EC PRIVATE KEY") is not parsed here: not compared
        _ => None,
    }
}

fn rsa_modulus(kp: signature::RsaKeyPair) -> Option<Derived> {
    let c: ring::rsa::PublicKeyComponents<Vec<u8>> = kp.public().into();
    Some(Derived::Rsa(c.n))
}

fn strip(b: &[u8]) -> &[u8] {
    let k = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[k..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn a_key_matches_its_own_certificate_only() {
        let (c1, k1) = pair();
        let (c2, k2) = pair();
        assert_eq!(key_matches_cert(c1.as_bytes(), k1.as_bytes()), Some(true));
        assert_eq!(key_matches_cert(c2.as_bytes(), k2.as_bytes()), Some(true));
        assert_eq!(key_matches_cert(c1.as_bytes(), k2.as_bytes()), Some(false));
        assert_eq!(key_matches_cert(b"not pem", k1.as_bytes()), None);
        assert_eq!(key_matches_cert(c1.as_bytes(), b""), None);
    }
}
