//! What a client does on the wire, as data: the ordered connection attempts,
//! what each TLS attempt verifies, and which failures make it try the next.
//! The verdict, the JSON booleans and the end-to-end predictions are all
//! derived from this one description.

use serde::Serialize;

/// How a TLS attempt treats the server certificate chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChainCheck {
    /// Any certificate is accepted.
    None,
    /// Verified only if a default root file exists on the client machine
    /// (libpq's `~/.postgresql/root.crt` legacy rule, asyncpg, lib/pq).
    IfRootFileExists,
    /// Always verified against the configured CA.
    Always,
    /// Decided by code outside the string (tokio-postgres's TLS connector,
    /// pg8000's ssl_context).
    ExternalConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Attempt {
    Plain,
    Tls { chain: ChainCheck, hostname: bool },
}

/// Which failures of an attempt make the client try the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FallbackOn {
    /// The server answered 'N' to SSLRequest (TLS off on the server).
    pub refusal: bool,
    /// The TLS handshake failed (e.g. certificate verification).
    pub handshake: bool,
    /// The server sent an error during startup/authentication (e.g. no
    /// pg_hba.conf entry for this encryption state).
    pub server_error: bool,
}

impl FallbackOn {
    pub const NEVER: FallbackOn = FallbackOn {
        refusal: false,
        handshake: false,
        server_error: false,
    };
    pub const ANY: FallbackOn = FallbackOn {
        refusal: true,
        handshake: true,
        server_error: true,
    };
}

/// The wire behaviour of one configured client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behavior {
    pub attempts: Vec<Attempt>,
    pub fallback: FallbackOn,
}

impl Behavior {
    pub fn plain() -> Self {
        Behavior {
            attempts: vec![Attempt::Plain],
            fallback: FallbackOn::NEVER,
        }
    }
    pub fn tls(chain: ChainCheck, hostname: bool) -> Self {
        Behavior {
            attempts: vec![Attempt::Tls { chain, hostname }],
            fallback: FallbackOn::NEVER,
        }
    }
    pub fn tls_then_plain(chain: ChainCheck, fallback: FallbackOn) -> Self {
        Behavior {
            attempts: vec![
                Attempt::Tls {
                    chain,
                    hostname: false,
                },
                Attempt::Plain,
            ],
            fallback,
        }
    }
    pub fn plain_then_tls(chain: ChainCheck, fallback: FallbackOn) -> Self {
        Behavior {
            attempts: vec![
                Attempt::Plain,
                Attempt::Tls {
                    chain,
                    hostname: false,
                },
            ],
            fallback,
        }
    }

    pub fn may_be_plaintext(&self) -> bool {
        self.attempts.contains(&Attempt::Plain)
    }

    fn tls_attempts(&self) -> impl Iterator<Item = (ChainCheck, bool)> + '_ {
        self.attempts.iter().filter_map(|a| match a {
            Attempt::Tls { chain, hostname } => Some((*chain, *hostname)),
            Attempt::Plain => None,
        })
    }

    /// Every TLS attempt verifies the chain against a configured CA.
    pub fn verifies_server_cert(&self) -> bool {
        let mut any = false;
        for (c, _) in self.tls_attempts() {
            any = true;
            if c != ChainCheck::Always {
                return false;
            }
        }
        any
    }

    /// Every TLS attempt also checks the host name.
    pub fn verifies_hostname(&self) -> bool {
        let mut any = false;
        for (c, h) in self.tls_attempts() {
            any = true;
            if c != ChainCheck::Always || !h {
                return false;
            }
        }
        any
    }

    pub fn verdict(&self) -> Verdict {
        if self.attempts.iter().all(|a| *a == Attempt::Plain) {
            Verdict::Plaintext
        } else if self.may_be_plaintext() {
            Verdict::MayBePlaintext
        } else if self.verifies_server_cert() {
            Verdict::Verified
        } else {
            Verdict::EncryptedUnverified
        }
    }

    /// What happens against a server (see [`Scenario`]).
    pub fn simulate(&self, server: &Scenario) -> Outcome {
        let mut last = Outcome::Fails(FailReason::NoAttempt);
        for (i, a) in self.attempts.iter().enumerate() {
            let failure = match a {
                Attempt::Plain => {
                    if server.hba_allows_plain {
                        return Outcome::Connects { ssl: false };
                    }
                    Failure::ServerError
                }
                Attempt::Tls { chain, hostname } => {
                    let checks_chain = *chain == ChainCheck::Always
                        || (*chain == ChainCheck::IfRootFileExists && server.client_has_root_file);
                    let chain_fails = checks_chain && !server.cert_trusted;
                    let name_fails =
                        *chain == ChainCheck::Always && *hostname && !server.hostname_matches;
                    if !server.ssl_on {
                        Failure::Refusal
                    } else if chain_fails || name_fails {
                        Failure::Handshake
                    } else if server.hba_allows_ssl {
                        return Outcome::Connects { ssl: true };
                    } else {
                        Failure::ServerError
                    }
                }
            };
            last = Outcome::Fails(match failure {
                Failure::Refusal => FailReason::TlsRefused,
                Failure::Handshake => FailReason::CertificateRejected,
                Failure::ServerError => FailReason::ServerRejected,
            });
            let go_on = match failure {
                Failure::Refusal => self.fallback.refusal,
                Failure::Handshake => self.fallback.handshake,
                Failure::ServerError => self.fallback.server_error,
            };
            if !go_on || i + 1 == self.attempts.len() {
                return last;
            }
        }
        last
    }
}

enum Failure {
    Refusal,
    Handshake,
    ServerError,
}

/// A server (and client machine) to predict against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// `ssl = on`.
    pub ssl_on: bool,
    /// pg_hba.conf has a `host`/`hostnossl` line for this client.
    pub hba_allows_plain: bool,
    /// pg_hba.conf has a `host`/`hostssl` line for this client.
    pub hba_allows_ssl: bool,
    /// The client's CA file validates the server certificate.
    pub cert_trusted: bool,
    /// The server certificate names the host the client connects to.
    pub hostname_matches: bool,
    /// A default root file (`~/.postgresql/root.crt`) exists on the client.
    pub client_has_root_file: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    Connects { ssl: bool },
    Fails(FailReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailReason {
    TlsRefused,
    CertificateRejected,
    ServerRejected,
    NoAttempt,
}

/// The judgement of one client configuration.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Never encrypted.
    Plaintext,
    /// Encrypted when all goes well, plaintext when TLS is refused or fails.
    MayBePlaintext,
    /// Always encrypted, server not authenticated.
    EncryptedUnverified,
    /// Always encrypted, certificate verified (see `verifies_hostname`).
    Verified,
    /// Unix-domain socket only (not on the network).
    LocalSocket,
    /// The driver rejects the setting: the client cannot connect as written.
    Invalid,
    /// Decided at run time (templated value).
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plaintext => "plaintext",
            Self::MayBePlaintext => "may-be-plaintext",
            Self::EncryptedUnverified => "encrypted-unverified",
            Self::Verified => "verified",
            Self::LocalSocket => "local-socket",
            Self::Invalid => "invalid",
            Self::Unknown => "unknown",
        }
    }

    /// Words for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Plaintext => "plaintext",
            Self::MayBePlaintext => "may fall back to plaintext",
            Self::EncryptedUnverified => "encrypted but unverified",
            Self::Verified => "verified",
            Self::LocalSocket => "local socket (not on the network)",
            Self::Invalid => "invalid setting (cannot connect)",
            Self::Unknown => "unknown (set at run time)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: Scenario = Scenario {
        ssl_on: true,
        hba_allows_plain: true,
        hba_allows_ssl: true,
        cert_trusted: true,
        hostname_matches: true,
        client_has_root_file: false,
    };

    #[test]
    fn libpq_prefer_falls_back_to_plaintext_when_the_root_file_rejects_the_server() {
        let prefer_with_root = Behavior::tls_then_plain(ChainCheck::Always, FallbackOn::ANY);
        let wrong_ca = Scenario {
            cert_trusted: false,
            ..GOOD
        };
        assert_eq!(
            prefer_with_root.simulate(&wrong_ca),
            Outcome::Connects { ssl: false }
        );
        assert_eq!(
            prefer_with_root.simulate(&GOOD),
            Outcome::Connects { ssl: true }
        );
        assert_eq!(prefer_with_root.verdict(), Verdict::MayBePlaintext);
    }

    #[test]
    fn require_without_fallback_fails_on_a_server_without_tls() {
        let b = Behavior::tls(ChainCheck::None, false);
        let no_ssl = Scenario {
            ssl_on: false,
            ..GOOD
        };
        assert_eq!(b.simulate(&no_ssl), Outcome::Fails(FailReason::TlsRefused));
        assert_eq!(b.verdict(), Verdict::EncryptedUnverified);
        assert!(!b.verifies_server_cert());
    }

    #[test]
    fn allow_tries_plaintext_first_and_tls_after_a_hostssl_rejection() {
        let b = Behavior::plain_then_tls(ChainCheck::None, FallbackOn::ANY);
        assert_eq!(b.simulate(&GOOD), Outcome::Connects { ssl: false });
        let hostssl_only = Scenario {
            hba_allows_plain: false,
            ..GOOD
        };
        assert_eq!(b.simulate(&hostssl_only), Outcome::Connects { ssl: true });
    }

    #[test]
    fn verify_full_rejects_a_wrong_host_name() {
        let b = Behavior::tls(ChainCheck::Always, true);
        let wrong_name = Scenario {
            hostname_matches: false,
            ..GOOD
        };
        assert_eq!(
            b.simulate(&wrong_name),
            Outcome::Fails(FailReason::CertificateRejected)
        );
        assert!(b.verifies_hostname());
        assert_eq!(b.verdict(), Verdict::Verified);
    }
}
