//! Network probe: PostgreSQL wire negotiation, plaintext acceptance, TLS versions and certificates
