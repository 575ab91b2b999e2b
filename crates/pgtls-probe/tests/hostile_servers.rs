//! Hostile or broken servers, played by small purpose-built fakes on
//! loopback: each must end in bounded time, without large allocations,
//! with a clear per-target error.

use std::net::SocketAddr;
use std::time::Duration;

use pgtls_probe::{probe_target, ProbeOptions, Target, TargetReport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::sleep;

const GSSENC: u32 = 80877104;
const SSL: u32 = 80877103;

#[derive(Clone, Copy, Debug)]
enum Fake {
    /// Answers the first request with an HTTP error page.
    Garbage,
    /// Accepts and never answers.
    Silent,
    /// 'S', then a TLS record trickling one byte per second.
    Trickle,
    /// Answers SSLRequest with an ErrorResponse announcing 1 GB.
    HugeErrorLength,
    /// 'N' to SSLRequest, then an authentication message announcing 1 GB.
    HugeAuthLength,
    /// 'S', then a handshake message announcing 16 MB.
    HugeHandshake,
    /// 'S', then three bytes of a record header and close.
    CloseMidRecord,
    /// 'S', then a record of version 0x0200.
    WrongRecordVersion,
    /// Hangs up on GSSENCRequest (old poolers), 'N' to SSLRequest, trust.
    PoolerWithoutGss,
    /// An SSH server: its banner, sent on connect, starts with 'S'.
    Ssh,
}

async fn handle(mut s: TcpStream, f: Fake) {
    if matches!(f, Fake::Ssh) {
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n").await;
        let mut sink = [0u8; 256];
        while let Ok(n) = s.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
        return;
    }
    loop {
        let mut hdr = [0u8; 8];
        if s.read_exact(&mut hdr).await.is_err() {
            return;
        }
        let len = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize;
        let code = u32::from_be_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]);
        match f {
            Fake::Garbage => {
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                return;
            }
            Fake::Silent => {
                sleep(Duration::from_secs(60)).await;
                return;
            }
            _ => {}
        }
        if code == GSSENC && len == 8 {
            if matches!(f, Fake::PoolerWithoutGss) {
                return;
            }
            let _ = s.write_all(b"N").await;
            continue;
        }
        if code == SSL && len == 8 {
            let reply: Vec<u8> = match f {
                Fake::HugeErrorLength => vec![b'E', 0x40, 0, 0, 0, b'S'],
                Fake::HugeAuthLength | Fake::PoolerWithoutGss => vec![b'N'],
                Fake::Trickle => {
                    let _ = s.write_all(b"S").await;
                    let mut hello = [0u8; 1];
                    if s.read_exact(&mut hello).await.is_err() {
                        return;
                    }
                    for b in [0x16u8, 3, 3, 0x3F, 0xFF].iter().cycle() {
                        if s.write_all(&[*b]).await.is_err() {
                            return;
                        }
                        sleep(Duration::from_secs(1)).await;
                    }
                    return;
                }
                Fake::HugeHandshake => vec![b'S', 0x16, 3, 3, 0, 4, 2, 0xFF, 0xFF, 0xFF],
                Fake::CloseMidRecord => vec![b'S', 0x16, 3, 3],
                Fake::WrongRecordVersion => vec![b'S', 0x16, 2, 0, 0, 5, 2, 0, 0, 1, 0],
                Fake::Garbage | Fake::Silent | Fake::Ssh => unreachable!(),
            };
            // Like a TLS server: 'S', then the rest only once the
            // ClientHello is in (bytes sent before it would be "data after
            // the 'S' answer", a different error).
            let (first, rest) = reply.split_at(1);
            let _ = s
                .write_all(if first == b"S" { first } else { &reply })
                .await;
            if first == b"S" && !rest.is_empty() {
                let mut hello = [0u8; 1];
                if s.read_exact(&mut hello).await.is_err() {
                    return;
                }
                let _ = s.write_all(rest).await;
            }
            if matches!(f, Fake::CloseMidRecord) {
                // Wait for the ClientHello, then vanish mid-record.
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                return;
            }
            if matches!(f, Fake::HugeAuthLength | Fake::PoolerWithoutGss) {
                continue;
            }
            sleep(Duration::from_secs(30)).await;
            return;
        }
        // A StartupMessage (or a direct TLS hello, which PostgreSQL < 17
        // also reads as an absurd length and drops).
        if !(8..=10000).contains(&len) {
            return;
        }
        let mut rest = vec![0u8; len - 8];
        if s.read_exact(&mut rest).await.is_err() {
            return;
        }
        if matches!(f, Fake::HugeAuthLength) {
            let _ = s.write_all(&[b'R', 0x40, 0, 0, 0, 0, 0, 0, 0]).await;
        }
        if matches!(f, Fake::PoolerWithoutGss) {
            // AuthenticationOk.
            let _ = s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 0]).await;
            return;
        }
        sleep(Duration::from_secs(30)).await;
        return;
    }
}

async fn fake(f: Fake) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        // Bounded: a test makes a few dozen connections at most.
        for _ in 0..200 {
            let Ok((s, _)) = l.accept().await else { return };
            tokio::spawn(handle(s, f));
        }
    });
    addr
}

fn quick() -> ProbeOptions {
    ProbeOptions {
        connect_timeout: Duration::from_secs(1),
        step_timeout: Duration::from_millis(1500),
        target_timeout: Duration::from_secs(6),
        ..ProbeOptions::default()
    }
}

async fn probe_fake(f: Fake) -> TargetReport {
    let addr = fake(f).await;
    let t = Target::parse(&addr.to_string()).unwrap();
    // The outer bound only guards against a hung test: it is far above
    // target_timeout and never reached when the probe is correct.
    tokio::time::timeout(Duration::from_secs(60), probe_target(&t, &quick()))
        .await
        .unwrap_or_else(|_| panic!("{f:?}: probe did not end"))
}

fn error(r: &TargetReport) -> String {
    r.error
        .clone()
        .unwrap_or_else(|| panic!("no error for {}: {r:#?}", r.target))
}

#[tokio::test]
async fn garbage_answer_is_not_a_postgresql_server() {
    let r = probe_fake(Fake::Garbage).await;
    let e = error(&r);
    assert!(
        e.contains("0x48 ('H')") && e.contains("not a PostgreSQL server"),
        "{e}"
    );
    assert_eq!(r.ssl_request, None);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].code, "PGT517");
}

#[tokio::test]
async fn ssh_banner_starting_with_s_is_not_taken_for_tls_support() {
    let r = probe_fake(Fake::Ssh).await;
    let e = error(&r);
    assert!(
        e.contains("received unencrypted data after the 'S' answer")
            && e.contains("SSH-2.0-OpenSSH_9.2p1 Debian-2\\x0D\\x0A"),
        "{e}"
    );
    assert_eq!(r.ssl_request, None, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.code == "PGT517"), "{r:#?}");
}

#[tokio::test]
async fn silent_server_times_out_naming_what_was_awaited() {
    let r = probe_fake(Fake::Silent).await;
    let e = error(&r);
    assert!(
        e.contains("timed out after 1.5 s") && e.contains("the answer to SSLRequest"),
        "{e}"
    );
}

#[tokio::test]
async fn one_byte_per_second_server_ends_with_timeouts() {
    let r = probe_fake(Fake::Trickle).await;
    let e = error(&r);
    assert_eq!(r.ssl_request.as_deref(), Some("S"));
    assert!(e.contains("timed out"), "{e}");
    assert!(r.tls.versions.is_empty());
    assert!(r.findings.iter().any(|f| f.code == "PGT516"));
}

#[tokio::test]
async fn gigabyte_error_length_is_refused_without_reading_it() {
    let r = probe_fake(Fake::HugeErrorLength).await;
    let e = error(&r);
    assert!(
        e.contains("1073741824") && e.contains("65536-byte limit"),
        "{e}"
    );
}

#[tokio::test]
async fn gigabyte_authentication_length_is_refused_without_reading_it() {
    let r = probe_fake(Fake::HugeAuthLength).await;
    assert_eq!(r.ssl_request.as_deref(), Some("N"));
    assert_eq!(r.plaintext.accepted, None);
    let e = error(&r);
    assert!(
        e.contains("plaintext startup") && e.contains("1073741824"),
        "{e}"
    );
}

#[tokio::test]
async fn sixteen_megabyte_handshake_message_is_refused() {
    let r = probe_fake(Fake::HugeHandshake).await;
    assert_eq!(r.ssl_request.as_deref(), Some("S"));
    let hello_errors: Vec<_> = r
        .step_errors
        .iter()
        .filter(|s| s.step.ends_with("ClientHello"))
        .collect();
    assert_eq!(hello_errors.len(), 4, "{r:#?}");
    for s in hello_errors {
        assert!(
            s.message.contains("16777215 bytes (limit 262144)"),
            "{}",
            s.message
        );
    }
    assert!(r.error.is_some());
}

#[tokio::test]
async fn close_mid_record_is_a_clear_error() {
    let r = probe_fake(Fake::CloseMidRecord).await;
    let e = error(&r);
    assert!(e.contains("closed the connection"), "{e}");
    assert!(r
        .step_errors
        .iter()
        .any(|s| s.step == "TLSv1.2 ClientHello" && s.message.contains("closed the connection")));
}

#[tokio::test]
async fn record_of_the_wrong_version_is_a_clear_error() {
    let r = probe_fake(Fake::WrongRecordVersion).await;
    assert!(!error(&r).is_empty());
    assert!(
        r.step_errors
            .iter()
            .any(|s| s.message.contains("TLS record with version 0x0200")),
        "{r:#?}"
    );
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    // Bind then drop: the port is (almost certainly) closed now.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let t = Target::parse(&addr.to_string()).unwrap();
    let r = probe_target(&t, &quick()).await;
    let e = error(&r);
    assert!(
        e.contains("could not connect") && e.contains("refused"),
        "{e}"
    );
}

#[tokio::test]
async fn target_timeout_cuts_the_remaining_steps_and_says_so() {
    let addr = fake(Fake::Trickle).await;
    let t = Target::parse(&addr.to_string()).unwrap();
    let opts = ProbeOptions {
        parallel: 1,
        step_timeout: Duration::from_millis(800),
        target_timeout: Duration::from_secs(2),
        ..quick()
    };
    let r = tokio::time::timeout(Duration::from_secs(60), probe_target(&t, &opts))
        .await
        .expect("probe did not end");
    assert!(
        r.step_errors.iter().any(|s| s
            .message
            .contains("time budget of 2.0 s (--target-timeout) is used up")),
        "{r:#?}"
    );
    assert!(r
        .step_errors
        .iter()
        .any(|s| s.message.starts_with("timed out after 0.8 s")));
}

#[tokio::test]
async fn pooler_hanging_up_on_gssencrequest_is_still_probed() {
    let r = probe_fake(Fake::PoolerWithoutGss).await;
    assert_eq!(r.error, None, "{r:#?}");
    assert_eq!(r.gssenc_request.as_deref(), Some("closed"));
    assert_eq!(r.ssl_request.as_deref(), Some("N"));
    assert_eq!(r.plaintext.accepted, Some(true));
    assert_eq!(r.direct_tls, Some(false));
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code.as_ref()).collect();
    assert_eq!(codes, ["PGT501", "PGT502"], "{r:#?}");
    assert_eq!(r.findings[0].severity, pgtls_model::Severity::Critical);
}
