//! Numeric address handling the way PostgreSQL gets it from glibc:
//! `getaddrinfo(AI_NUMERICHOST)` (IPv4 through `inet_aton` rules, IPv6
//! through `inet_pton` with an optional `%scope`), `strtol` for CIDR
//! lengths and `inet_ntop` for the text shown by `pg_hba_file_rules`.
//!
//! Hand-written: no crate reproduces glibc's `inet_aton` leniency (`127.1`,
//! `0x7f.1`, octal parts) nor its exact `inet_ntop` text.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Result of `getaddrinfo(name, AI_NUMERICHOST)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Numeric {
    Ip(IpAddr),
    /// EAI_NONAME: PostgreSQL then takes the text as a host name.
    NoName,
}

/// glibc `inet_aton_exact`: `a.b.c.d`, `a.b.c`, `a.b`, `a`, each part
/// decimal, octal (leading 0) or hex (0x).
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut parts: Vec<u32> = Vec::with_capacity(4);
    let last: u64;
    loop {
        if i >= b.len() || !b[i].is_ascii_digit() {
            return None;
        }
        // strtoul(base 0) from here
        let (val, next) = strtoul0(b, i)?;
        i = next;
        if i < b.len() && b[i] == b'.' {
            if parts.len() > 2 || val > 0xff {
                return None;
            }
            parts.push(val as u32);
            i += 1;
        } else {
            last = val;
            break;
        }
    }
    if i != b.len() {
        return None;
    }
    let max: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    if last > max[parts.len()] {
        return None;
    }
    let mut word: u32 = 0;
    for (k, p) in parts.iter().enumerate() {
        word |= p << (24 - 8 * k);
    }
    word |= last as u32;
    Some(Ipv4Addr::from(word))
}

/// C `strtoul(s, &end, 0)` starting at a digit; `None` on overflow past
/// 32 bits (glibc then rejects the address anyway).
fn strtoul0(b: &[u8], start: usize) -> Option<(u64, usize)> {
    let mut i = start;
    let mut val: u64 = 0;
    let over = |v: u64| v > 0xffff_ffff;
    if b[i] == b'0' {
        if i + 2 < b.len() + 1
            && i + 1 < b.len()
            && (b[i + 1] == b'x' || b[i + 1] == b'X')
            && i + 2 < b.len()
            && b[i + 2].is_ascii_hexdigit()
        {
            i += 2;
            while i < b.len() && b[i].is_ascii_hexdigit() {
                val = val * 16 + (b[i] as char).to_digit(16).unwrap() as u64;
                if over(val) {
                    return None;
                }
                i += 1;
            }
            return Some((val, i));
        }
        i += 1;
        while i < b.len() && (b'0'..=b'7').contains(&b[i]) {
            val = val * 8 + (b[i] - b'0') as u64;
            if over(val) {
                return None;
            }
            i += 1;
        }
        return Some((val, i));
    }
    while i < b.len() && b[i].is_ascii_digit() {
        val = val * 10 + (b[i] - b'0') as u64;
        if over(val) {
            return None;
        }
        i += 1;
    }
    Some((val, i))
}

/// `getaddrinfo(s, AI_NUMERICHOST, AF_UNSPEC)` as glibc answers it.
pub fn numeric_host(s: &str) -> Numeric {
    if let Some(v4) = inet_aton(s) {
        return Numeric::Ip(IpAddr::V4(v4));
    }
    let (addr, scope) = match s.find('%') {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    if let Some(v6) = inet_pton6(addr) {
        if let Some(scope) = scope {
            if !scope_ok(scope) {
                return Numeric::NoName;
            }
        }
        return Numeric::Ip(IpAddr::V6(v6));
    }
    Numeric::NoName
}

fn scope_ok(scope: &str) -> bool {
    if scope.is_empty() {
        return false;
    }
    if scope.bytes().all(|c| c.is_ascii_digit()) {
        return true;
    }
    !scope.contains('/') && std::path::Path::new("/sys/class/net").join(scope).exists()
}

/// glibc `inet_pton(AF_INET6)`: hex groups of 1-4 digits, one `::`, an
/// optional dotted-quad tail (strict: no leading zeros, 4 parts).
pub fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut words: Vec<u16> = Vec::with_capacity(8);
    let mut gap: Option<usize> = None;
    let mut i = 0;
    if b[0] == b':' {
        if b.len() < 2 || b[1] != b':' {
            return None;
        }
        gap = Some(0);
        i = 2;
        if i == b.len() {
            return Some(Ipv6Addr::UNSPECIFIED);
        }
    }
    loop {
        // one group or a dotted quad
        let start = i;
        let mut val: u32 = 0;
        let mut n = 0;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            val = (val << 4) | (b[i] as char).to_digit(16).unwrap();
            n += 1;
            if n > 4 {
                return None;
            }
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            // IPv4 tail
            if words.len() + 2 > 8 {
                return None;
            }
            let v4 = inet_pton4(&s[start..])?;
            let o = v4.octets();
            words.push(u16::from_be_bytes([o[0], o[1]]));
            words.push(u16::from_be_bytes([o[2], o[3]]));
            i = b.len();
            break;
        }
        if n == 0 {
            return None;
        }
        words.push(val as u16);
        if words.len() > 8 {
            return None;
        }
        if i == b.len() {
            break;
        }
        if b[i] != b':' {
            return None;
        }
        i += 1;
        if i < b.len() && b[i] == b':' {
            if gap.is_some() {
                return None;
            }
            gap = Some(words.len());
            i += 1;
            if i == b.len() {
                break;
            }
        } else if i == b.len() {
            return None;
        }
    }
    let _ = i;
    let mut out = [0u16; 8];
    match gap {
        None => {
            if words.len() != 8 {
                return None;
            }
            out.copy_from_slice(&words);
        }
        Some(g) => {
            if words.len() > 7 {
                return None;
            }
            out[..g].copy_from_slice(&words[..g]);
            let tail = &words[g..];
            out[8 - tail.len()..].copy_from_slice(tail);
        }
    }
    Some(Ipv6Addr::from(out))
}

/// glibc `inet_pton(AF_INET)`: exactly four decimal parts, no leading zeros.
pub fn inet_pton4(s: &str) -> Option<Ipv4Addr> {
    let mut o = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4 || part.is_empty() || part.len() > 3 || !part.bytes().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        if part.len() > 1 && part.starts_with('0') {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        o[n] = v as u8;
        n += 1;
    }
    (n == 4).then(|| Ipv4Addr::from(o))
}

/// `pg_sockaddr_cidr_mask`: `strtol(bits, 10)` with nothing after it.
pub fn cidr_mask(bits: &str, v6: bool) -> Option<IpAddr> {
    let b = bits.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let ds = i;
    let mut val: i128 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        val = (val * 10 + (b[i] - b'0') as i128).min(1 << 70);
        i += 1;
    }
    if i == ds || i != b.len() {
        // strtol consumed nothing (endptr = start) or trailing junk
        return None;
    }
    if neg {
        val = -val;
    }
    if v6 {
        if !(0..=128).contains(&val) {
            return None;
        }
        Some(IpAddr::V6(Ipv6Addr::from(prefix_mask128(val as u32))))
    } else {
        if !(0..=32).contains(&val) {
            return None;
        }
        Some(IpAddr::V4(Ipv4Addr::from(prefix_mask32(val as u32))))
    }
}

pub fn prefix_mask32(bits: u32) -> u32 {
    if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    }
}

pub fn prefix_mask128(bits: u32) -> u128 {
    if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    }
}

/// The prefix length when `mask` is contiguous ones then zeros.
pub fn mask_prefix(mask: IpAddr) -> Option<u8> {
    match mask {
        IpAddr::V4(m) => {
            let v = u32::from(m);
            let ones = v.leading_ones();
            (prefix_mask32(ones) == v).then_some(ones as u8)
        }
        IpAddr::V6(m) => {
            let v = u128::from(m);
            let ones = v.leading_ones();
            (prefix_mask128(ones) == v).then_some(ones as u8)
        }
    }
}

/// `pg_range_sockaddr`: same family and `((client ^ addr) & mask) == 0`.
pub fn in_range(client: IpAddr, addr: IpAddr, mask: IpAddr) -> bool {
    match (client, addr, mask) {
        (IpAddr::V4(c), IpAddr::V4(a), IpAddr::V4(m)) => {
            (u32::from(c) ^ u32::from(a)) & u32::from(m) == 0
        }
        (IpAddr::V6(c), IpAddr::V6(a), IpAddr::V6(m)) => {
            (u128::from(c) ^ u128::from(a)) & u128::from(m) == 0
        }
        _ => false,
    }
}

/// glibc `inet_ntop` text (what `pg_hba_file_rules` shows).
pub fn ntop(a: IpAddr) -> String {
    match a {
        IpAddr::V4(v) => v.to_string(),
        IpAddr::V6(v) => ntop6(v),
    }
}

fn ntop6(v: Ipv6Addr) -> String {
    let w = v.segments();
    // longest run of zero words, length >= 2, first one wins on ties
    let (mut best_base, mut best_len) = (usize::MAX, 0usize);
    let mut i = 0;
    while i < 8 {
        if w[i] == 0 {
            let s = i;
            while i < 8 && w[i] == 0 {
                i += 1;
            }
            if i - s > best_len {
                best_base = s;
                best_len = i - s;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_base = usize::MAX;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if best_base != usize::MAX && i >= best_base && i < best_base + best_len {
            if i == best_base {
                out.push(':');
            }
            i += 1;
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let o = v.octets();
            out.push_str(&format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]));
            return out;
        }
        out.push_str(&format!("{:x}", w[i]));
        i += 1;
    }
    if best_base != usize::MAX && best_base + best_len == 8 {
        out.push(':');
    }
    out
}

/// Address space of a family as an inclusive integer interval.
pub fn to_u128(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u32::from(v) as u128,
        IpAddr::V6(v) => u128::from(v),
    }
}

pub fn from_u128(v6: bool, x: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(x))
    } else {
        IpAddr::V4(Ipv4Addr::from(x as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_accepts_glibc_short_and_radix_forms() {
        assert_eq!(inet_aton("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("0x7f.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("010.0.0.1"), Some(Ipv4Addr::new(8, 0, 0, 1)));
        assert_eq!(inet_aton("2130706433"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("10.0.0.300"), None);
        assert_eq!(inet_aton("08.0.0.1"), None);
        assert_eq!(inet_aton("1.2.3.4."), None);
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton("0x"), None);
    }

    #[test]
    fn numeric_host_falls_back_to_host_name() {
        assert_eq!(numeric_host("db.example.com"), Numeric::NoName);
        assert_eq!(numeric_host("10.0.0.300"), Numeric::NoName);
        assert_eq!(
            numeric_host("::1"),
            Numeric::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
        );
        assert_eq!(
            numeric_host("fe80::1%99"),
            Numeric::Ip("fe80::1".parse().unwrap())
        );
        assert_eq!(numeric_host("1:2:3:4:5:6:7:8:9"), Numeric::NoName);
        assert_eq!(
            numeric_host("::ffff:1.2.3.4"),
            Numeric::Ip("::ffff:1.2.3.4".parse().unwrap())
        );
        assert_eq!(numeric_host("::1.2.3.04"), Numeric::NoName);
    }

    #[test]
    fn ntop_matches_glibc_text() {
        for (i, o) in [
            ("::", "::"),
            ("::1", "::1"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("ffff:ffff:ffff:ffff::", "ffff:ffff:ffff:ffff::"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("fe80::", "fe80::"),
        ] {
            assert_eq!(ntop(i.parse().unwrap()), o, "{i}");
        }
    }

    #[test]
    fn cidr_lengths_follow_strtol() {
        assert!(cidr_mask("8", false).is_some());
        assert!(cidr_mask("+8", false).is_some());
        assert!(cidr_mask(" 8", false).is_some());
        assert!(cidr_mask("8 ", false).is_none());
        assert!(cidr_mask("33", false).is_none());
        assert!(cidr_mask("", false).is_none());
        assert!(cidr_mask("128", true).is_some());
        assert_eq!(mask_prefix(cidr_mask("12", false).unwrap()), Some(12));
    }
}
