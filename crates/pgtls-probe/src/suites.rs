//! TLS cipher suites and key-exchange groups the probe offers.
//!
//! The table was generated from `openssl ciphers -V -stdname
//! 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` (OpenSSL 3.0, PSK and SRP suites left
//! out: PostgreSQL configures neither), plus the legacy suites OpenSSL 3
//! no longer builds (3DES, RC4) and the TLS 1.3 CCM suites, so that a server
//! with an old OpenSSL or `ssl_ciphers = 'ALL'` is caught offering them.
//! Names are OpenSSL's (what `ssl_ciphers` and `pg_stat_ssl.cipher` use)
//! beside the IANA names (what other scanners print).

use serde::Serialize;

/// The lowest protocol version a suite can be negotiated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Min {
    /// SSLv3 / TLS 1.0 and later (up to 1.2).
    Tls10,
    /// TLS 1.2 only.
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub id: u16,
    pub iana: &'static str,
    pub openssl: &'static str,
    pub min: Min,
    pub kx: &'static str,
    pub au: &'static str,
    pub enc: &'static str,
    pub mac: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn c(
    id: u16,
    iana: &'static str,
    openssl: &'static str,
    min: Min,
    kx: &'static str,
    au: &'static str,
    enc: &'static str,
    mac: &'static str,
) -> Suite {
    Suite {
        id,
        iana,
        openssl,
        min,
        kx,
        au,
        enc,
        mac,
    }
}

pub const SUITES: &[Suite] = &[
    c(
        0x1302,
        "TLS_AES_256_GCM_SHA384",
        "TLS_AES_256_GCM_SHA384",
        Min::Tls13,
        "any",
        "any",
        "AESGCM(256)",
        "AEAD",
    ),
    c(
        0x1303,
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256",
        Min::Tls13,
        "any",
        "any",
        "CHACHA20/POLY1305(256)",
        "AEAD",
    ),
    c(
        0x1301,
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_128_GCM_SHA256",
        Min::Tls13,
        "any",
        "any",
        "AESGCM(128)",
        "AEAD",
    ),
    c(
        0xC02C,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "AESGCM(256)",
        "AEAD",
    ),
    c(
        0xC030,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        Min::Tls12,
        "ECDH",
        "RSA",
        "AESGCM(256)",
        "AEAD",
    ),
    c(
        0x00A3,
        "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
        "DHE-DSS-AES256-GCM-SHA384",
        Min::Tls12,
        "DH",
        "DSS",
        "AESGCM(256)",
        "AEAD",
    ),
    c(
        0x009F,
        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        "DHE-RSA-AES256-GCM-SHA384",
        Min::Tls12,
        "DH",
        "RSA",
        "AESGCM(256)",
        "AEAD",
    ),
    c(
        0xCCA9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "CHACHA20/POLY1305(256)",
        "AEAD",
    ),
    c(
        0xCCA8,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "ECDHE-RSA-CHACHA20-POLY1305",
        Min::Tls12,
        "ECDH",
        "RSA",
        "CHACHA20/POLY1305(256)",
        "AEAD",
    ),
    c(
        0xCCAA,
        "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "DHE-RSA-CHACHA20-POLY1305",
        Min::Tls12,
        "DH",
        "RSA",
        "CHACHA20/POLY1305(256)",
        "AEAD",
    ),
    c(
        0xC0AF,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
        "ECDHE-ECDSA-AES256-CCM8",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "AESCCM8(256)",
        "AEAD",
    ),
    c(
        0xC0AD,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
        "ECDHE-ECDSA-AES256-CCM",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "AESCCM(256)",
        "AEAD",
    ),
    c(
        0xC0A3,
        "TLS_DHE_RSA_WITH_AES_256_CCM_8",
        "DHE-RSA-AES256-CCM8",
        Min::Tls12,
        "DH",
        "RSA",
        "AESCCM8(256)",
        "AEAD",
    ),
    c(
        0xC09F,
        "TLS_DHE_RSA_WITH_AES_256_CCM",
        "DHE-RSA-AES256-CCM",
        Min::Tls12,
        "DH",
        "RSA",
        "AESCCM(256)",
        "AEAD",
    ),
    c(
        0xC05D,
        "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
        "ECDHE-ECDSA-ARIA256-GCM-SHA384",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "ARIAGCM(256)",
        "AEAD",
    ),
    c(
        0xC061,
        "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
        "ECDHE-ARIA256-GCM-SHA384",
        Min::Tls12,
        "ECDH",
        "RSA",
        "ARIAGCM(256)",
        "AEAD",
    ),
    c(
        0xC057,
        "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384",
        "DHE-DSS-ARIA256-GCM-SHA384",
        Min::Tls12,
        "DH",
        "DSS",
        "ARIAGCM(256)",
        "AEAD",
    ),
    c(
        0xC053,
        "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
        "DHE-RSA-ARIA256-GCM-SHA384",
        Min::Tls12,
        "DH",
        "RSA",
        "ARIAGCM(256)",
        "AEAD",
    ),
    c(
        0x00A7,
        "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
        "ADH-AES256-GCM-SHA384",
        Min::Tls12,
        "DH",
        "None",
        "AESGCM(256)",
        "AEAD",
    ),
    c(
        0xC02B,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "AESGCM(128)",
        "AEAD",
    ),
    c(
        0xC02F,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        Min::Tls12,
        "ECDH",
        "RSA",
        "AESGCM(128)",
        "AEAD",
    ),
    c(
        0x00A2,
        "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
        "DHE-DSS-AES128-GCM-SHA256",
        Min::Tls12,
        "DH",
        "DSS",
        "AESGCM(128)",
        "AEAD",
    ),
    c(
        0x009E,
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        "DHE-RSA-AES128-GCM-SHA256",
        Min::Tls12,
        "DH",
        "RSA",
        "AESGCM(128)",
        "AEAD",
    ),
    c(
        0xC0AE,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        "ECDHE-ECDSA-AES128-CCM8",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "AESCCM8(128)",
        "AEAD",
    ),
    c(
        0xC0AC,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        "ECDHE-ECDSA-AES128-CCM",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "AESCCM(128)",
        "AEAD",
    ),
    c(
        0xC0A2,
        "TLS_DHE_RSA_WITH_AES_128_CCM_8",
        "DHE-RSA-AES128-CCM8",
        Min::Tls12,
        "DH",
        "RSA",
        "AESCCM8(128)",
        "AEAD",
    ),
    c(
        0xC09E,
        "TLS_DHE_RSA_WITH_AES_128_CCM",
        "DHE-RSA-AES128-CCM",
        Min::Tls12,
        "DH",
        "RSA",
        "AESCCM(128)",
        "AEAD",
    ),
    c(
        0xC05C,
        "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
        "ECDHE-ECDSA-ARIA128-GCM-SHA256",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "ARIAGCM(128)",
        "AEAD",
    ),
    c(
        0xC060,
        "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
        "ECDHE-ARIA128-GCM-SHA256",
        Min::Tls12,
        "ECDH",
        "RSA",
        "ARIAGCM(128)",
        "AEAD",
    ),
    c(
        0xC056,
        "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256",
        "DHE-DSS-ARIA128-GCM-SHA256",
        Min::Tls12,
        "DH",
        "DSS",
        "ARIAGCM(128)",
        "AEAD",
    ),
    c(
        0xC052,
        "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
        "DHE-RSA-ARIA128-GCM-SHA256",
        Min::Tls12,
        "DH",
        "RSA",
        "ARIAGCM(128)",
        "AEAD",
    ),
    c(
        0x00A6,
        "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
        "ADH-AES128-GCM-SHA256",
        Min::Tls12,
        "DH",
        "None",
        "AESGCM(128)",
        "AEAD",
    ),
    c(
        0xC024,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "ECDHE-ECDSA-AES256-SHA384",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "AES(256)",
        "SHA384",
    ),
    c(
        0xC028,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        "ECDHE-RSA-AES256-SHA384",
        Min::Tls12,
        "ECDH",
        "RSA",
        "AES(256)",
        "SHA384",
    ),
    c(
        0x006B,
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        "DHE-RSA-AES256-SHA256",
        Min::Tls12,
        "DH",
        "RSA",
        "AES(256)",
        "SHA256",
    ),
    c(
        0x006A,
        "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
        "DHE-DSS-AES256-SHA256",
        Min::Tls12,
        "DH",
        "DSS",
        "AES(256)",
        "SHA256",
    ),
    c(
        0xC073,
        "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
        "ECDHE-ECDSA-CAMELLIA256-SHA384",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "Camellia(256)",
        "SHA384",
    ),
    c(
        0xC077,
        "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        "ECDHE-RSA-CAMELLIA256-SHA384",
        Min::Tls12,
        "ECDH",
        "RSA",
        "Camellia(256)",
        "SHA384",
    ),
    c(
        0x00C4,
        "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        "DHE-RSA-CAMELLIA256-SHA256",
        Min::Tls12,
        "DH",
        "RSA",
        "Camellia(256)",
        "SHA256",
    ),
    c(
        0x00C3,
        "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
        "DHE-DSS-CAMELLIA256-SHA256",
        Min::Tls12,
        "DH",
        "DSS",
        "Camellia(256)",
        "SHA256",
    ),
    c(
        0x006D,
        "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
        "ADH-AES256-SHA256",
        Min::Tls12,
        "DH",
        "None",
        "AES(256)",
        "SHA256",
    ),
    c(
        0x00C5,
        "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256",
        "ADH-CAMELLIA256-SHA256",
        Min::Tls12,
        "DH",
        "None",
        "Camellia(256)",
        "SHA256",
    ),
    c(
        0xC023,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        "ECDHE-ECDSA-AES128-SHA256",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "AES(128)",
        "SHA256",
    ),
    c(
        0xC027,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        "ECDHE-RSA-AES128-SHA256",
        Min::Tls12,
        "ECDH",
        "RSA",
        "AES(128)",
        "SHA256",
    ),
    c(
        0x0067,
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        "DHE-RSA-AES128-SHA256",
        Min::Tls12,
        "DH",
        "RSA",
        "AES(128)",
        "SHA256",
    ),
    c(
        0x0040,
        "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
        "DHE-DSS-AES128-SHA256",
        Min::Tls12,
        "DH",
        "DSS",
        "AES(128)",
        "SHA256",
    ),
    c(
        0xC072,
        "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
        "ECDHE-ECDSA-CAMELLIA128-SHA256",
        Min::Tls12,
        "ECDH",
        "ECDSA",
        "Camellia(128)",
        "SHA256",
    ),
    c(
        0xC076,
        "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        "ECDHE-RSA-CAMELLIA128-SHA256",
        Min::Tls12,
        "ECDH",
        "RSA",
        "Camellia(128)",
        "SHA256",
    ),
    c(
        0x00BE,
        "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        "DHE-RSA-CAMELLIA128-SHA256",
        Min::Tls12,
        "DH",
        "RSA",
        "Camellia(128)",
        "SHA256",
    ),
    c(
        0x00BD,
        "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
        "DHE-DSS-CAMELLIA128-SHA256",
        Min::Tls12,
        "DH",
        "DSS",
        "Camellia(128)",
        "SHA256",
    ),
    c(
        0x006C,
        "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
        "ADH-AES128-SHA256",
        Min::Tls12,
        "DH",
        "None",
        "AES(128)",
        "SHA256",
    ),
    c(
        0x00BF,
        "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256",
        "ADH-CAMELLIA128-SHA256",
        Min::Tls12,
        "DH",
        "None",
        "Camellia(128)",
        "SHA256",
    ),
    c(
        0xC00A,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        "ECDHE-ECDSA-AES256-SHA",
        Min::Tls10,
        "ECDH",
        "ECDSA",
        "AES(256)",
        "SHA1",
    ),
    c(
        0xC014,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        "ECDHE-RSA-AES256-SHA",
        Min::Tls10,
        "ECDH",
        "RSA",
        "AES(256)",
        "SHA1",
    ),
    c(
        0x0039,
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        "DHE-RSA-AES256-SHA",
        Min::Tls10,
        "DH",
        "RSA",
        "AES(256)",
        "SHA1",
    ),
    c(
        0x0038,
        "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
        "DHE-DSS-AES256-SHA",
        Min::Tls10,
        "DH",
        "DSS",
        "AES(256)",
        "SHA1",
    ),
    c(
        0x0088,
        "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
        "DHE-RSA-CAMELLIA256-SHA",
        Min::Tls10,
        "DH",
        "RSA",
        "Camellia(256)",
        "SHA1",
    ),
    c(
        0x0087,
        "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
        "DHE-DSS-CAMELLIA256-SHA",
        Min::Tls10,
        "DH",
        "DSS",
        "Camellia(256)",
        "SHA1",
    ),
    c(
        0xC019,
        "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
        "AECDH-AES256-SHA",
        Min::Tls10,
        "ECDH",
        "None",
        "AES(256)",
        "SHA1",
    ),
    c(
        0x003A,
        "TLS_DH_anon_WITH_AES_256_CBC_SHA",
        "ADH-AES256-SHA",
        Min::Tls10,
        "DH",
        "None",
        "AES(256)",
        "SHA1",
    ),
    c(
        0x0089,
        "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA",
        "ADH-CAMELLIA256-SHA",
        Min::Tls10,
        "DH",
        "None",
        "Camellia(256)",
        "SHA1",
    ),
    c(
        0xC009,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        "ECDHE-ECDSA-AES128-SHA",
        Min::Tls10,
        "ECDH",
        "ECDSA",
        "AES(128)",
        "SHA1",
    ),
    c(
        0xC013,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "ECDHE-RSA-AES128-SHA",
        Min::Tls10,
        "ECDH",
        "RSA",
        "AES(128)",
        "SHA1",
    ),
    c(
        0x0033,
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        "DHE-RSA-AES128-SHA",
        Min::Tls10,
        "DH",
        "RSA",
        "AES(128)",
        "SHA1",
    ),
    c(
        0x0032,
        "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
        "DHE-DSS-AES128-SHA",
        Min::Tls10,
        "DH",
        "DSS",
        "AES(128)",
        "SHA1",
    ),
    c(
        0x0045,
        "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
        "DHE-RSA-CAMELLIA128-SHA",
        Min::Tls10,
        "DH",
        "RSA",
        "Camellia(128)",
        "SHA1",
    ),
    c(
        0x0044,
        "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
        "DHE-DSS-CAMELLIA128-SHA",
        Min::Tls10,
        "DH",
        "DSS",
        "Camellia(128)",
        "SHA1",
    ),
    c(
        0xC018,
        "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
        "AECDH-AES128-SHA",
        Min::Tls10,
        "ECDH",
        "None",
        "AES(128)",
        "SHA1",
    ),
    c(
        0x0034,
        "TLS_DH_anon_WITH_AES_128_CBC_SHA",
        "ADH-AES128-SHA",
        Min::Tls10,
        "DH",
        "None",
        "AES(128)",
        "SHA1",
    ),
    c(
        0x0046,
        "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA",
        "ADH-CAMELLIA128-SHA",
        Min::Tls10,
        "DH",
        "None",
        "Camellia(128)",
        "SHA1",
    ),
    c(
        0x009D,
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
        "AES256-GCM-SHA384",
        Min::Tls12,
        "RSA",
        "RSA",
        "AESGCM(256)",
        "AEAD",
    ),
    c(
        0xC0A1,
        "TLS_RSA_WITH_AES_256_CCM_8",
        "AES256-CCM8",
        Min::Tls12,
        "RSA",
        "RSA",
        "AESCCM8(256)",
        "AEAD",
    ),
    c(
        0xC09D,
        "TLS_RSA_WITH_AES_256_CCM",
        "AES256-CCM",
        Min::Tls12,
        "RSA",
        "RSA",
        "AESCCM(256)",
        "AEAD",
    ),
    c(
        0xC051,
        "TLS_RSA_WITH_ARIA_256_GCM_SHA384",
        "ARIA256-GCM-SHA384",
        Min::Tls12,
        "RSA",
        "RSA",
        "ARIAGCM(256)",
        "AEAD",
    ),
    c(
        0x009C,
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "AES128-GCM-SHA256",
        Min::Tls12,
        "RSA",
        "RSA",
        "AESGCM(128)",
        "AEAD",
    ),
    c(
        0xC0A0,
        "TLS_RSA_WITH_AES_128_CCM_8",
        "AES128-CCM8",
        Min::Tls12,
        "RSA",
        "RSA",
        "AESCCM8(128)",
        "AEAD",
    ),
    c(
        0xC09C,
        "TLS_RSA_WITH_AES_128_CCM",
        "AES128-CCM",
        Min::Tls12,
        "RSA",
        "RSA",
        "AESCCM(128)",
        "AEAD",
    ),
    c(
        0xC050,
        "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
        "ARIA128-GCM-SHA256",
        Min::Tls12,
        "RSA",
        "RSA",
        "ARIAGCM(128)",
        "AEAD",
    ),
    c(
        0x003D,
        "TLS_RSA_WITH_AES_256_CBC_SHA256",
        "AES256-SHA256",
        Min::Tls12,
        "RSA",
        "RSA",
        "AES(256)",
        "SHA256",
    ),
    c(
        0x00C0,
        "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        "CAMELLIA256-SHA256",
        Min::Tls12,
        "RSA",
        "RSA",
        "Camellia(256)",
        "SHA256",
    ),
    c(
        0x003C,
        "TLS_RSA_WITH_AES_128_CBC_SHA256",
        "AES128-SHA256",
        Min::Tls12,
        "RSA",
        "RSA",
        "AES(128)",
        "SHA256",
    ),
    c(
        0x00BA,
        "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        "CAMELLIA128-SHA256",
        Min::Tls12,
        "RSA",
        "RSA",
        "Camellia(128)",
        "SHA256",
    ),
    c(
        0x0035,
        "TLS_RSA_WITH_AES_256_CBC_SHA",
        "AES256-SHA",
        Min::Tls10,
        "RSA",
        "RSA",
        "AES(256)",
        "SHA1",
    ),
    c(
        0x0084,
        "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
        "CAMELLIA256-SHA",
        Min::Tls10,
        "RSA",
        "RSA",
        "Camellia(256)",
        "SHA1",
    ),
    c(
        0x002F,
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "AES128-SHA",
        Min::Tls10,
        "RSA",
        "RSA",
        "AES(128)",
        "SHA1",
    ),
    c(
        0x0041,
        "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
        "CAMELLIA128-SHA",
        Min::Tls10,
        "RSA",
        "RSA",
        "Camellia(128)",
        "SHA1",
    ),
    c(
        0xC006,
        "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
        "ECDHE-ECDSA-NULL-SHA",
        Min::Tls10,
        "ECDH",
        "ECDSA",
        "None",
        "SHA1",
    ),
    c(
        0xC010,
        "TLS_ECDHE_RSA_WITH_NULL_SHA",
        "ECDHE-RSA-NULL-SHA",
        Min::Tls10,
        "ECDH",
        "RSA",
        "None",
        "SHA1",
    ),
    c(
        0xC015,
        "TLS_ECDH_anon_WITH_NULL_SHA",
        "AECDH-NULL-SHA",
        Min::Tls10,
        "ECDH",
        "None",
        "None",
        "SHA1",
    ),
    c(
        0x003B,
        "TLS_RSA_WITH_NULL_SHA256",
        "NULL-SHA256",
        Min::Tls12,
        "RSA",
        "RSA",
        "None",
        "SHA256",
    ),
    c(
        0x0002,
        "TLS_RSA_WITH_NULL_SHA",
        "NULL-SHA",
        Min::Tls10,
        "RSA",
        "RSA",
        "None",
        "SHA1",
    ),
    c(
        0x0001,
        "TLS_RSA_WITH_NULL_MD5",
        "NULL-MD5",
        Min::Tls10,
        "RSA",
        "RSA",
        "None",
        "MD5",
    ),
    // TLS 1.3 CCM suites (not in OpenSSL's default TLS 1.3 list).
    c(
        0x1304,
        "TLS_AES_128_CCM_SHA256",
        "TLS_AES_128_CCM_SHA256",
        Min::Tls13,
        "any",
        "any",
        "AESCCM(128)",
        "AEAD",
    ),
    c(
        0x1305,
        "TLS_AES_128_CCM_8_SHA256",
        "TLS_AES_128_CCM_8_SHA256",
        Min::Tls13,
        "any",
        "any",
        "AESCCM8(128)",
        "AEAD",
    ),
    // Legacy suites OpenSSL 3 no longer builds but OpenSSL 1.x servers may offer.
    c(
        0xC008,
        "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        "ECDHE-ECDSA-DES-CBC3-SHA",
        Min::Tls10,
        "ECDH",
        "ECDSA",
        "3DES(168)",
        "SHA1",
    ),
    c(
        0xC012,
        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "ECDHE-RSA-DES-CBC3-SHA",
        Min::Tls10,
        "ECDH",
        "RSA",
        "3DES(168)",
        "SHA1",
    ),
    c(
        0x0016,
        "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "DHE-RSA-DES-CBC3-SHA",
        Min::Tls10,
        "DH",
        "RSA",
        "3DES(168)",
        "SHA1",
    ),
    c(
        0x000A,
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        "DES-CBC3-SHA",
        Min::Tls10,
        "RSA",
        "RSA",
        "3DES(168)",
        "SHA1",
    ),
    c(
        0xC007,
        "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        "ECDHE-ECDSA-RC4-SHA",
        Min::Tls10,
        "ECDH",
        "ECDSA",
        "RC4(128)",
        "SHA1",
    ),
    c(
        0xC011,
        "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        "ECDHE-RSA-RC4-SHA",
        Min::Tls10,
        "ECDH",
        "RSA",
        "RC4(128)",
        "SHA1",
    ),
    c(
        0x0005,
        "TLS_RSA_WITH_RC4_128_SHA",
        "RC4-SHA",
        Min::Tls10,
        "RSA",
        "RSA",
        "RC4(128)",
        "SHA1",
    ),
    c(
        0x0004,
        "TLS_RSA_WITH_RC4_128_MD5",
        "RC4-MD5",
        Min::Tls10,
        "RSA",
        "RSA",
        "RC4(128)",
        "MD5",
    ),
    c(
        0x0009,
        "TLS_RSA_WITH_DES_CBC_SHA",
        "DES-CBC-SHA",
        Min::Tls10,
        "RSA",
        "RSA",
        "DES(56)",
        "SHA1",
    ),
];

impl Suite {
    pub fn by_id(id: u16) -> Option<&'static Suite> {
        SUITES.iter().find(|s| s.id == id)
    }

    /// Every suite a ClientHello of protocol `wire` (0x0301..0x0304) may offer.
    pub fn offered_for(wire: u16) -> Vec<u16> {
        SUITES
            .iter()
            .filter(|s| match s.min {
                Min::Tls13 => wire == 0x0304,
                Min::Tls12 => wire == 0x0303,
                Min::Tls10 => (0x0301..=0x0303).contains(&wire),
            })
            .map(|s| s.id)
            .collect()
    }

    /// Why this suite is weak, when it is: the worst reason first.
    pub fn weakness(&self) -> Option<Weakness> {
        if self.enc == "None" {
            return Some(Weakness::Broken("no encryption (NULL cipher)"));
        }
        if self.au == "None" {
            return Some(Weakness::Broken(
                "anonymous key exchange: no server authentication",
            ));
        }
        if self.enc.starts_with("RC4") || self.enc.starts_with("DES(") {
            return Some(Weakness::Broken("broken bulk cipher (RC4 or single DES)"));
        }
        if self.enc.starts_with("3DES") {
            return Some(Weakness::Weak("64-bit block cipher 3DES (SWEET32)"));
        }
        if self.kx == "RSA" {
            return Some(Weakness::Weak("RSA key transport: no forward secrecy"));
        }
        if self.mac == "SHA1" || self.mac == "MD5" {
            return Some(Weakness::Legacy("CBC mode with a SHA-1 MAC"));
        }
        None
    }

    pub fn fact(&self) -> CipherFact {
        CipherFact {
            name: self.openssl.to_string(),
            iana: self.iana.to_string(),
            id: format!("0x{:04X}", self.id),
            weakness: self.weakness().map(|w| w.text().to_string()),
        }
    }
}

/// How bad a suite is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// Gives no confidentiality or no authentication at all.
    Broken(&'static str),
    /// Known attacks or no forward secrecy.
    Weak(&'static str),
    /// Deprecated construction, no practical break against PostgreSQL traffic.
    Legacy(&'static str),
}

impl Weakness {
    pub fn text(self) -> &'static str {
        match self {
            Weakness::Broken(t) | Weakness::Weak(t) | Weakness::Legacy(t) => t,
        }
    }
}

/// One accepted suite as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CipherFact {
    /// OpenSSL's name, as `ssl_ciphers` and `pg_stat_ssl.cipher` spell it.
    pub name: String,
    pub iana: String,
    pub id: String,
    /// Why it is weak, or null.
    pub weakness: Option<String>,
}

/// Named groups (RFC 8446 / RFC 8422 registry) the probe can offer.
pub const GROUPS: &[(u16, &str)] = &[
    (0x001D, "x25519"),
    (0x0017, "secp256r1"),
    (0x0018, "secp384r1"),
    (0x0019, "secp521r1"),
    (0x001E, "x448"),
    (0x0100, "ffdhe2048"),
    (0x0101, "ffdhe3072"),
    (0x0102, "ffdhe4096"),
    (0x0103, "ffdhe6144"),
    (0x0104, "ffdhe8192"),
    (0x0016, "secp256k1"),
    (0x001A, "brainpoolP256r1"),
    (0x001B, "brainpoolP384r1"),
    (0x001C, "brainpoolP512r1"),
];

pub fn group_name(id: u16) -> String {
    GROUPS
        .iter()
        .find(|(g, _)| *g == id)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| format!("0x{id:04X}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_ids_are_unique_and_offers_respect_versions() {
        let mut ids: Vec<u16> = SUITES.iter().map(|s| s.id).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate suite id");
        let t13 = Suite::offered_for(0x0304);
        assert!(t13.iter().all(|id| (0x1301..=0x1305).contains(id)));
        assert_eq!(t13.len(), 5);
        let t10 = Suite::offered_for(0x0301);
        assert!(t10.contains(&0xC009) && !t10.contains(&0xC02B) && !t10.contains(&0x1301));
        let t12 = Suite::offered_for(0x0303);
        assert!(t12.contains(&0xC009) && t12.contains(&0xC02B));
    }

    #[test]
    fn weakness_ranks_null_anon_rc4_3des_rsa_and_sha1() {
        let w = |id| Suite::by_id(id).unwrap().weakness();
        assert!(matches!(w(0x0002), Some(Weakness::Broken(_)))); // NULL-SHA
        assert!(matches!(w(0x00A6), Some(Weakness::Broken(_)))); // ADH
        assert!(matches!(w(0x0005), Some(Weakness::Broken(_)))); // RC4
        assert!(matches!(w(0xC012), Some(Weakness::Weak(_)))); // 3DES
        assert!(matches!(w(0x009C), Some(Weakness::Weak(_)))); // RSA kx
        assert!(matches!(w(0xC009), Some(Weakness::Legacy(_)))); // CBC-SHA1
        assert_eq!(w(0xC02B), None);
        assert_eq!(w(0x1301), None);
    }
}
