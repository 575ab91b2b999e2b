//! Bounded, deadline-aware socket I/O for one probe step.
//!
//! Every step runs under a deadline; a [`Tracker`] shared with the step
//! records what the step was waiting for and how many bytes it had read,
//! so a timeout can say exactly where a slow or silent server stalled.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why one probe step could not finish. Negative answers from a working
/// server (an 'N', a TLS alert, an ErrorResponse) are not errors.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepError {
    #[error("could not connect to {addr}: {message}")]
    Connect { addr: String, message: String },
    #[error("timed out after {seconds:.1} s waiting for {waiting_for} ({bytes} bytes received)")]
    Timeout {
        seconds: f64,
        waiting_for: String,
        bytes: usize,
    },
    #[error(
        "server closed the connection while waiting for {waiting_for} ({bytes} bytes received)"
    )]
    Closed { waiting_for: String, bytes: usize },
    #[error("{message}")]
    Protocol { message: String },
    #[error(
        "not started: the target's time budget of {seconds:.1} s (--target-timeout) is used up"
    )]
    Budget { seconds: f64 },
    #[error("I/O error while waiting for {waiting_for}: {message}")]
    Io {
        waiting_for: String,
        message: String,
    },
}

impl StepError {
    pub fn protocol(message: impl Into<String>) -> Self {
        StepError::Protocol {
            message: message.into(),
        }
    }
}

/// What a step is doing right now, readable after its future was dropped.
#[derive(Debug, Default)]
pub struct Tracker {
    phase: Mutex<&'static str>,
    bytes: AtomicUsize,
}

impl Tracker {
    pub fn new() -> Arc<Tracker> {
        Arc::new(Tracker {
            phase: Mutex::new("the connection"),
            bytes: AtomicUsize::new(0),
        })
    }
    pub fn set_phase(&self, p: &'static str) {
        if let Ok(mut g) = self.phase.lock() {
            *g = p;
        }
    }
    pub fn phase(&self) -> &'static str {
        self.phase.lock().map(|g| *g).unwrap_or("the server")
    }
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// Run `fut` under `deadline`; on expiry say what it was waiting for.
pub async fn with_deadline<T>(
    deadline: Duration,
    tracker: &Arc<Tracker>,
    fut: impl Future<Output = Result<T, StepError>>,
) -> Result<T, StepError> {
    match tokio::time::timeout(deadline, fut).await {
        Ok(r) => r,
        Err(_) => Err(StepError::Timeout {
            seconds: deadline.as_secs_f64(),
            waiting_for: tracker.phase().to_string(),
            bytes: tracker.bytes(),
        }),
    }
}

/// A TCP connection whose reads are counted and bounded by the caller.
pub struct Conn {
    pub stream: TcpStream,
    pub tracker: Arc<Tracker>,
}

impl Conn {
    pub async fn connect(
        addr: SocketAddr,
        timeout: Duration,
        tracker: Arc<Tracker>,
    ) -> Result<Conn, StepError> {
        tracker.set_phase("the TCP connection");
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(StepError::Connect {
                    addr: addr.to_string(),
                    message: e.to_string(),
                })
            }
            Err(_) => {
                return Err(StepError::Connect {
                    addr: addr.to_string(),
                    message: format!("timed out after {:.1} s", timeout.as_secs_f64()),
                })
            }
        };
        let _ = stream.set_nodelay(true);
        Ok(Conn { stream, tracker })
    }

    pub fn phase(&self, p: &'static str) {
        self.tracker.set_phase(p);
    }

    fn io_err(&self, e: std::io::Error) -> StepError {
        if matches!(
            e.kind(),
            std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::ConnectionAborted
        ) {
            StepError::Closed {
                waiting_for: self.tracker.phase().to_string(),
                bytes: self.tracker.bytes(),
            }
        } else {
            StepError::Io {
                waiting_for: self.tracker.phase().to_string(),
                message: e.to_string(),
            }
        }
    }

    pub async fn write_all(&mut self, b: &[u8]) -> Result<(), StepError> {
        let r = self.stream.write_all(b).await;
        r.map_err(|e| self.io_err(e))
    }

    /// Fill `buf` completely; EOF first is [`StepError::Closed`].
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), StepError> {
        let mut got = 0;
        while got < buf.len() {
            let r = self.stream.read(&mut buf[got..]).await;
            match r {
                Ok(0) => {
                    return Err(StepError::Closed {
                        waiting_for: self.tracker.phase().to_string(),
                        bytes: self.tracker.bytes(),
                    })
                }
                Ok(n) => {
                    got += n;
                    self.tracker.bytes.fetch_add(n, Ordering::Relaxed);
                }
                Err(e) => return Err(self.io_err(e)),
            }
        }
        Ok(())
    }

    /// Bytes that have already arrived and not been read, without waiting
    /// (at most `max`).
    pub fn already_received(&mut self, max: usize) -> Vec<u8> {
        let mut buf = vec![0u8; max];
        match self.stream.try_read(&mut buf) {
            Ok(n) => {
                self.tracker.bytes.fetch_add(n, Ordering::Relaxed);
                buf.truncate(n);
                buf
            }
            Err(_) => Vec::new(),
        }
    }

    /// One byte, or `None` at a clean EOF (no byte at all).
    pub async fn read_byte_or_eof(&mut self) -> Result<Option<u8>, StepError> {
        let mut b = [0u8; 1];
        loop {
            match self.stream.read(&mut b).await {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    self.tracker.bytes.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(b[0]));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // A reset before any byte is the same answer as a close.
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                    ) {
                        return Ok(None);
                    }
                    return Err(self.io_err(e));
                }
            }
        }
    }

    pub fn into_stream(self) -> TcpStream {
        self.stream
    }
}
