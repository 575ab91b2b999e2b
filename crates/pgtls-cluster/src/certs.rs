use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};

/// A generated CA and a server certificate signed by it (SAN `localhost`,
/// `127.0.0.1`, `::1`), written as PEM files.
#[derive(Debug, Clone)]
pub struct Certs {
    pub ca_cert: PathBuf,
    pub ca_pem: String,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl Certs {
    /// Generate into `dir`: `root.crt`, `server.crt`, `server.key` (0600).
    pub fn generate(dir: &Path) -> Result<Certs> {
        let ca_key = KeyPair::generate().context("generating CA key")?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "pgtls throwaway CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).context("self-signing CA")?;

        let key = KeyPair::generate().context("generating server key")?;
        let mut sp = CertificateParams::new(vec!["localhost".to_string()])?;
        sp.distinguished_name.push(DnType::CommonName, "localhost");
        sp.subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        sp.subject_alt_names
            .push(SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        let cert = sp
            .signed_by(&key, &ca_cert, &ca_key)
            .context("signing server certificate")?;

        let certs = Certs {
            ca_cert: dir.join("root.crt"),
            ca_pem: ca_cert.pem(),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
        };
        fs::write(&certs.ca_cert, &certs.ca_pem)?;
        fs::write(&certs.server_cert, cert.pem())?;
        write_private(&certs.server_key, key.serialize_pem().as_bytes())?;
        Ok(certs)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}
