//! Probing one target: the order of exchanges, their deadlines and how
//! their answers become facts.
//!
//! 1. negotiation: one SSLRequest ('S'/'N'), also the reachability check
//!    (each resolved address is tried until one connects);
//! 2. one pool of exchanges, at most `parallel` connections at once: the
//!    rustls handshake on the connection that got 'S' (certificate, the
//!    session a modern client gets), GSSENCRequest, plaintext
//!    StartupMessages (one per user × database), one hand-built
//!    ClientHello per TLS version, direct TLS (PG 17+); each accepted
//!    version adds its suite-enumeration chunks (offer a set, drop the
//!    suite chosen, repeat) and TLS 1.3 adds group enumeration.
//!
//! Every step has its own deadline (`step_timeout`, cut to what is left of
//! `target_timeout`), so a silent or trickling server ends each step in
//! bounded time, and a step failure never loses what other steps learned.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::collections::{BTreeMap, VecDeque};

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use pgtls_model::TlsVersion;

use crate::cert::{self, TrustRoots};
use crate::hello::{self, alert_name, Hello, HelloAnswer};
use crate::io::{with_deadline, Conn, StepError, Tracker};
use crate::report::{Negotiated, PlaintextAttempt, PlaintextFacts, StepFailure, TargetReport};
use crate::suites::{group_name, Suite, GROUPS, SUITES};
use crate::target::Target;
use crate::tlsclient::{self, Refusal, Session};
use crate::wire::{self, RequestAnswer, StartupReply, GSSENC_REQUEST, SSL_REQUEST};

/// What to probe and how patiently.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Users for the plaintext test (empty: the target's user, else `postgres`).
    pub users: Vec<String>,
    /// Databases for the plaintext test (empty: the target's dbname, else `postgres`).
    pub databases: Vec<String>,
    pub roots: TrustRoots,
    pub connect_timeout: Duration,
    /// Deadline of one exchange (connect + request + answer).
    pub step_timeout: Duration,
    /// Deadline of the whole target.
    pub target_timeout: Duration,
    pub plaintext: bool,
    pub gss: bool,
    pub direct_tls: bool,
    /// Enumerate every accepted suite of every accepted version.
    pub ciphers: bool,
    /// Enumerate TLS 1.3 key-exchange groups.
    pub groups: bool,
    /// Connections in flight at once for one target.
    pub parallel: usize,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            users: Vec::new(),
            databases: Vec::new(),
            roots: TrustRoots::System,
            connect_timeout: Duration::from_secs(3),
            step_timeout: Duration::from_secs(5),
            target_timeout: Duration::from_secs(30),
            plaintext: true,
            gss: true,
            direct_tls: true,
            ciphers: true,
            groups: true,
            parallel: 8,
        }
    }
}

struct Ctx<'a> {
    addr: SocketAddr,
    host: &'a str,
    sni: Option<&'a str>,
    opts: &'a ProbeOptions,
    end: Instant,
}

impl Ctx<'_> {
    /// This step's deadline: `step_timeout`, cut to what is left of
    /// `target_timeout`; an error once nothing is left.
    fn budget(&self) -> Result<Duration, StepError> {
        let left = self.end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(StepError::Budget {
                seconds: self.opts.target_timeout.as_secs_f64(),
            });
        }
        Ok(self.opts.step_timeout.min(left))
    }

    async fn connect(&self, t: &Arc<Tracker>) -> Result<Conn, StepError> {
        Conn::connect(self.addr, self.opts.connect_timeout, t.clone()).await
    }

    /// Connect, SSLRequest, expect 'S'.
    async fn ssl_conn(&self, t: &Arc<Tracker>) -> Result<Conn, StepError> {
        let mut c = self.connect(t).await?;
        match wire::negotiate(&mut c, &SSL_REQUEST, b'S', "the answer to SSLRequest").await? {
            RequestAnswer::Yes => Ok(c),
            RequestAnswer::No => Err(StepError::protocol(
                "SSLRequest answered 'N' on a later connection ('S' before)",
            )),
            RequestAnswer::Error(e) => Err(StepError::protocol(format!(
                "SSLRequest answered with an error: {}",
                e.one_line()
            ))),
        }
    }

    /// One hand-built ClientHello after SSLRequest.
    async fn hello(
        &self,
        version: u16,
        suites: &[u16],
        groups: &[u16],
    ) -> Result<HelloAnswer, StepError> {
        let t = Tracker::new();
        with_deadline(self.budget()?, &t, async {
            let mut c = self.ssl_conn(&t).await?;
            let h = Hello {
                version,
                suites,
                groups,
                sni: self.sni,
                alpn: None,
                want_certificate: version <= 0x0303,
            };
            match hello::exchange(&mut c, &h).await? {
                HelloAnswer::ClosedSilently => Err(StepError::Closed {
                    waiting_for: "the server's answer to a ClientHello after 'S'".into(),
                    bytes: t.bytes(),
                }),
                a => Ok(a),
            }
        })
        .await
    }
}

fn answer_text(a: &HelloAnswer) -> String {
    match a {
        HelloAnswer::Accepted(sh) => {
            let v = TlsVersion::from_wire(sh.version)
                .map(|v| v.as_pg_str().to_string())
                .unwrap_or_else(|| format!("0x{:04X}", sh.version));
            let s = Suite::by_id(sh.suite)
                .map(|s| s.openssl.to_string())
                .unwrap_or_else(|| format!("0x{:04X}", sh.suite));
            format!(
                "{v} {s}{}",
                if sh.hello_retry {
                    " (HelloRetryRequest)"
                } else {
                    ""
                }
            )
        }
        HelloAnswer::Alert { level, description } => format!(
            "{} alert {} ({description})",
            if *level == 2 { "fatal" } else { "warning" },
            alert_name(*description)
        ),
        HelloAnswer::ClosedSilently => "connection closed without a TLS answer".into(),
    }
}

fn accepted_as(a: &HelloAnswer, version: u16) -> Option<&hello::ServerHello> {
    match a {
        HelloAnswer::Accepted(sh) if sh.version == version => Some(sh),
        _ => None,
    }
}

struct Negotiation {
    ssl: String,
    /// The connection after 'S', ready for the TLS handshake.
    conn: Option<Conn>,
}

async fn negotiation(ctx: &Ctx<'_>, t: &Arc<Tracker>) -> Result<Negotiation, StepError> {
    with_deadline(ctx.budget()?, t, async {
        let mut c = ctx.connect(t).await?;
        match wire::negotiate(&mut c, &SSL_REQUEST, b'S', "the answer to SSLRequest").await? {
            RequestAnswer::Yes => Ok(Negotiation {
                ssl: "S".into(),
                conn: Some(c),
            }),
            RequestAnswer::No => Ok(Negotiation {
                ssl: "N".into(),
                conn: None,
            }),
            RequestAnswer::Error(e) => Err(StepError::protocol(format!(
                "SSLRequest answered with an ErrorResponse: {}",
                e.one_line()
            ))),
        }
    })
    .await
}

/// GSSENCRequest on its own connection: "G", "N", "E" (ErrorResponse,
/// servers before 12) or "closed" (poolers that hang up on it).
async fn gss_probe(ctx: &Ctx<'_>) -> Result<String, StepError> {
    let t = Tracker::new();
    with_deadline(ctx.budget()?, &t, async {
        let mut c = ctx.connect(&t).await?;
        match wire::negotiate(&mut c, &GSSENC_REQUEST, b'G', "the answer to GSSENCRequest").await {
            Ok(RequestAnswer::Yes) => Ok("G".to_string()),
            Ok(RequestAnswer::No) => Ok("N".to_string()),
            Ok(RequestAnswer::Error(_)) => Ok("E".to_string()),
            Err(StepError::Closed { .. }) => Ok("closed".to_string()),
            Err(e) => Err(e),
        }
    })
    .await
}

/// The rustls handshake on the connection that got 'S', under its own deadline.
async fn classic_handshake(ctx: &Ctx<'_>, c: Conn) -> Result<Result<Session, Refusal>, StepError> {
    let t = c.tracker.clone();
    t.set_phase("the TLS handshake after 'S' (rustls)");
    with_deadline(
        ctx.budget()?,
        &t,
        tlsclient::handshake(c.into_stream(), ctx.host, false),
    )
    .await
}

async fn plaintext(
    ctx: &Ctx<'_>,
    user: String,
    database: String,
) -> (PlaintextAttempt, Option<StepFailure>) {
    let t = Tracker::new();
    let r = async {
        with_deadline(ctx.budget()?, &t, async {
            let mut c = ctx.connect(&t).await?;
            wire::plaintext_startup(&mut c, &user, &database).await
            // `c` drops here: closed right after the first answer, no password sent.
        })
        .await
    }
    .await;
    let mut a = PlaintextAttempt {
        user: user.clone(),
        database: database.clone(),
        accepted: None,
        auth: None,
        sqlstate: None,
        message: String::new(),
    };
    match r {
        Ok(StartupReply::Auth(req)) => {
            a.accepted = Some(true);
            a.message = req.describe();
            a.auth = Some(req);
            (a, None)
        }
        Ok(StartupReply::Error(e)) => {
            a.accepted = wire::is_hba_refusal(&e).then_some(false);
            a.message = e.message.clone();
            a.sqlstate = Some(e.sqlstate.clone());
            (a, None)
        }
        Err(e) => {
            a.message = format!("could not finish: {e}");
            let f = StepFailure {
                step: format!("plaintext startup (user \"{user}\", database \"{database}\")"),
                message: e.to_string(),
            };
            (a, Some(f))
        }
    }
}

async fn direct(ctx: &Ctx<'_>) -> Result<Result<Session, Refusal>, StepError> {
    let t = Tracker::new();
    with_deadline(ctx.budget()?, &t, async {
        let c = ctx.connect(&t).await?;
        t.set_phase("the direct TLS handshake (ALPN postgresql)");
        tlsclient::handshake(c.into_stream(), ctx.host, true).await
    })
    .await
}

/// Suites offered per enumeration chunk: chunks run in parallel, each
/// needing (accepted suites in it + 1) sequential connections.
const SUITE_CHUNK: usize = 14;
/// Groups offered per group-enumeration chunk.
const GROUP_CHUNK: usize = 14;

/// Split the suites still to test for `version` into chunks enumerated in
/// parallel. A server has one certificate, so suites authenticated like
/// the one it chose first (plus anonymous ones) are the likely ones: they
/// are dealt round-robin into short chunks; every other suite goes into a
/// single chunk that normally costs one refused hello.
fn suite_chunks(version: u16, first: u16) -> Vec<Vec<u16>> {
    let au = Suite::by_id(first).map(|s| s.au).unwrap_or("any");
    let (likely, other): (Vec<u16>, Vec<u16>) = Suite::offered_for(version)
        .into_iter()
        .filter(|id| *id != first)
        .partition(|id| {
            Suite::by_id(*id).is_none_or(|s| s.au == au || s.au == "None" || s.au == "any")
        });
    let k = likely
        .len()
        .div_ceil(SUITE_CHUNK)
        .max(likely.len().min(2))
        .max(1);
    let mut chunks = vec![Vec::new(); k];
    for (i, id) in likely.into_iter().enumerate() {
        chunks[i % k].push(id);
    }
    chunks.push(other);
    chunks.retain(|c| !c.is_empty());
    chunks
}

/// One step of suite enumeration: offer `candidates`; the suite the
/// server picks (if any of them) is accepted. The pool re-queues the rest,
/// split in two while connections are free, so chains stay short.
async fn suite_step(
    ctx: &Ctx<'_>,
    version: u16,
    candidates: &[u16],
) -> Result<Option<u16>, StepError> {
    let groups = hello::default_groups();
    let a = ctx.hello(version, candidates, &groups).await?;
    Ok(accepted_as(&a, version)
        .map(|sh| sh.suite)
        .filter(|id| candidates.contains(id)))
}

/// TLS 1.3 groups accepted among `candidates`: offer them all with an
/// empty key_share; the HelloRetryRequest names the server's pick; drop it
/// and repeat until the server refuses.
async fn enumerate_groups(ctx: &Ctx<'_>, candidates: Vec<u16>) -> (Vec<u16>, Option<StepFailure>) {
    let suites = Suite::offered_for(0x0304);
    let mut found = Vec::new();
    let mut remaining = candidates;
    while !remaining.is_empty() {
        match ctx.hello(0x0304, &suites, &remaining).await {
            Ok(a) => match accepted_as(&a, 0x0304).and_then(|sh| sh.group) {
                Some(g) if remaining.contains(&g) => {
                    found.push(g);
                    remaining.retain(|x| *x != g);
                }
                _ => break,
            },
            Err(e) => {
                return (
                    found,
                    Some(StepFailure {
                        step: "TLS 1.3 groups".into(),
                        message: e.to_string(),
                    }),
                )
            }
        }
    }
    (found, None)
}

enum Task {
    Gss,
    Handshake(Conn),
    Plain(String, String),
    Version(TlsVersion),
    Direct,
    Suites(TlsVersion, Vec<u16>),
    Groups(Vec<u16>),
}

enum Out {
    Gss(Result<String, StepError>),
    Handshake(Result<Result<Session, Refusal>, StepError>),
    Plain(PlaintextAttempt, Option<StepFailure>),
    Version(TlsVersion, Result<HelloAnswer, StepError>),
    Direct(Result<Result<Session, Refusal>, StepError>),
    Suites(TlsVersion, Vec<u16>, Result<Option<u16>, StepError>),
    Groups(Vec<u16>, Option<StepFailure>),
}

fn run_task<'a>(ctx: &'a Ctx<'a>, t: Task) -> Pin<Box<dyn Future<Output = Out> + Send + 'a>> {
    match t {
        Task::Gss => Box::pin(async move { Out::Gss(gss_probe(ctx).await) }),
        Task::Handshake(c) => {
            Box::pin(async move { Out::Handshake(classic_handshake(ctx, c).await) })
        }
        Task::Plain(u, d) => Box::pin(async move {
            let (a, f) = plaintext(ctx, u, d).await;
            Out::Plain(a, f)
        }),
        Task::Version(v) => Box::pin(async move {
            let suites = Suite::offered_for(v.wire());
            let groups = hello::default_groups();
            Out::Version(v, ctx.hello(v.wire(), &suites, &groups).await)
        }),
        Task::Direct => Box::pin(async move { Out::Direct(direct(ctx).await) }),
        Task::Suites(v, c) => Box::pin(async move {
            let r = suite_step(ctx, v.wire(), &c).await;
            Out::Suites(v, c, r)
        }),
        Task::Groups(c) => Box::pin(async move {
            let (found, f) = enumerate_groups(ctx, c).await;
            Out::Groups(found, f)
        }),
    }
}

fn suite_name(id: u16) -> String {
    Suite::by_id(id)
        .map(|s| s.openssl.to_string())
        .unwrap_or_else(|| format!("0x{id:04X}"))
}

/// Resolve a target's host to socket addresses (numeric hosts directly).
async fn resolve(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    if let Some(ip) = target.ip() {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let fut = tokio::net::lookup_host((target.host.as_str(), target.port));
    match tokio::time::timeout(timeout, fut).await {
        Ok(Ok(it)) => {
            let v: Vec<SocketAddr> = it.collect();
            if v.is_empty() {
                Err(format!(
                    "host name \"{}\" resolved to no address",
                    target.host
                ))
            } else {
                Ok(v)
            }
        }
        Ok(Err(e)) => Err(format!(
            "could not translate host name \"{}\" to address: {e}",
            target.host
        )),
        Err(_) => Err(format!(
            "timed out after {:.1} s resolving host name \"{}\"",
            timeout.as_secs_f64(),
            target.host
        )),
    }
}

/// Probe one target. Never panics on what a server sends; every failure
/// ends up in `error` / `step_errors`, and findings are computed from
/// whatever was learned.
pub async fn probe_target(target: &Target, opts: &ProbeOptions) -> TargetReport {
    let started = Instant::now();
    let mut r = TargetReport {
        target: target.raw.clone(),
        host: target.host.clone(),
        port: target.port,
        ..TargetReport::default()
    };
    gather(target, opts, started, &mut r).await;
    r.findings = crate::checks::evaluate(&r);
    r.elapsed_ms = started.elapsed().as_millis() as u64;
    r
}

async fn gather(target: &Target, opts: &ProbeOptions, started: Instant, r: &mut TargetReport) {
    let end = started + opts.target_timeout;
    let addrs = match resolve(target, opts.connect_timeout.max(opts.step_timeout)).await {
        Ok(a) => a,
        Err(e) => {
            r.error = Some(e.clone());
            r.step_errors.push(StepFailure {
                step: "resolve".into(),
                message: e,
            });
            return;
        }
    };
    let sni = if target.ip().is_none() {
        Some(target.host.as_str())
    } else {
        None
    };

    // Phase 1: negotiation, trying each resolved address until one connects.
    let mut neg = None;
    for addr in &addrs {
        let ctx = Ctx {
            addr: *addr,
            host: &target.host,
            sni,
            opts,
            end,
        };
        let res = negotiation(&ctx, &Tracker::new()).await;
        match res {
            Err(StepError::Connect { .. }) if addr != addrs.last().expect("non-empty") => continue,
            other => {
                neg = Some((*addr, other));
                break;
            }
        }
    }
    let (addr, neg) = neg.expect("at least one address was tried");
    r.address = Some(addr.to_string());
    let neg = match neg {
        Ok(n) => n,
        Err(e) => {
            let msg = e.to_string();
            r.error = Some(format!("negotiation: {msg}"));
            r.step_errors.push(StepFailure {
                step: "negotiation (SSLRequest)".into(),
                message: msg,
            });
            return;
        }
    };
    r.ssl_request = Some(neg.ssl.clone());
    let ctx = Ctx {
        addr,
        host: &target.host,
        sni,
        opts,
        end,
    };
    let ssl = neg.ssl == "S";
    let users: Vec<String> = if !opts.users.is_empty() {
        opts.users.clone()
    } else {
        vec![target.user.clone().unwrap_or_else(|| "postgres".into())]
    };
    let dbs: Vec<String> = if !opts.databases.is_empty() {
        opts.databases.clone()
    } else {
        vec![target.dbname.clone().unwrap_or_else(|| "postgres".into())]
    };

    // Phase 2: one pool of exchanges, at most `parallel` in flight; a
    // version that is accepted adds its suite-enumeration chunks (and, for
    // TLS 1.3, its group probes) to the queue as soon as it is known.
    let mut queue: VecDeque<Task> = VecDeque::new();
    if let Some(c) = neg.conn {
        queue.push_back(Task::Handshake(c));
    }
    if opts.gss {
        queue.push_back(Task::Gss);
    }
    if ssl {
        for v in TlsVersion::ALL {
            queue.push_back(Task::Version(v));
        }
    }
    if opts.plaintext {
        for u in &users {
            for d in &dbs {
                queue.push_back(Task::Plain(u.clone(), d.clone()));
            }
        }
    }
    if opts.direct_tls {
        queue.push_back(Task::Direct);
    }
    let mut chain: Vec<Vec<u8>> = Vec::new();
    let mut chain_source = "";
    let mut direct_chain: Vec<Vec<u8>> = Vec::new();
    let mut legacy_chain: Option<(u16, Vec<Vec<u8>>)> = None;
    let mut suites: BTreeMap<TlsVersion, Vec<u16>> = BTreeMap::new();
    let mut groups: Vec<u16> = Vec::new();
    let mut complete = opts.ciphers;
    let ctx_ref = &ctx;
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < opts.parallel.max(1) {
            match queue.pop_front() {
                Some(t) => running.push(run_task(ctx_ref, t)),
                None => break,
            }
        }
        let Some(out) = running.next().await else {
            break;
        };
        match out {
            Out::Gss(Ok(a)) => r.gssenc_request = Some(a),
            Out::Gss(Err(e)) => r.step_errors.push(StepFailure {
                step: "GSSENCRequest".into(),
                message: e.to_string(),
            }),
            Out::Handshake(Ok(Ok(s))) => {
                r.tls.negotiated = Some(Negotiated {
                    version: TlsVersion::from_wire(s.version)
                        .map(|v| v.as_pg_str().to_string())
                        .unwrap_or_else(|| format!("0x{:04X}", s.version)),
                    cipher: suite_name(s.suite),
                    group: s.group.clone(),
                });
                chain = s.chain;
                chain_source = "rustls handshake after SSLRequest";
            }
            Out::Handshake(Ok(Err(Refusal::Alert(a)))) => {
                r.tls.version_answers.insert(
                    "rustls (TLSv1.2/TLSv1.3)".into(),
                    format!("handshake refused: {a}"),
                );
            }
            Out::Handshake(Ok(Err(Refusal::Closed))) => r.step_errors.push(StepFailure {
                step: "TLS handshake after SSLRequest (rustls)".into(),
                message: "server closed the connection during the TLS handshake".into(),
            }),
            Out::Handshake(Err(e)) => r.step_errors.push(StepFailure {
                step: "TLS handshake after SSLRequest (rustls)".into(),
                message: e.to_string(),
            }),
            Out::Plain(a, f) => {
                r.plaintext.attempts.push(a);
                r.step_errors.extend(f);
            }
            Out::Version(v, Ok(a)) => {
                let text = answer_text(&a);
                if let Some(sh) = accepted_as(&a, v.wire()) {
                    r.tls.versions.push(v);
                    suites.entry(v).or_default().push(sh.suite);
                    if v == TlsVersion::Tls12 {
                        if let Some(bits) = sh.dh_bits {
                            r.tls.tls12_key_exchange = Some(format!("DHE {bits} bits"));
                        } else if let Some(g) = sh.group {
                            r.tls.tls12_key_exchange = Some(group_name(g));
                        }
                    }
                    if v != TlsVersion::Tls13
                        && !sh.certificates.is_empty()
                        && legacy_chain.as_ref().is_none_or(|(lv, _)| *lv < v.wire())
                    {
                        legacy_chain = Some((v.wire(), sh.certificates.clone()));
                    }
                    if opts.ciphers {
                        for chunk in suite_chunks(v.wire(), sh.suite) {
                            queue.push_back(Task::Suites(v, chunk));
                        }
                    }
                    if v == TlsVersion::Tls13 && opts.groups {
                        let all: Vec<u16> = GROUPS.iter().map(|g| g.0).collect();
                        let k = all.len().div_ceil(GROUP_CHUNK);
                        for i in 0..k {
                            let chunk = all.iter().skip(i).step_by(k).copied().collect();
                            queue.push_back(Task::Groups(chunk));
                        }
                    }
                    r.tls
                        .version_answers
                        .insert(v.as_pg_str().into(), format!("accepted: {text}"));
                } else {
                    r.tls
                        .version_answers
                        .insert(v.as_pg_str().into(), format!("refused: {text}"));
                }
            }
            Out::Version(v, Err(e)) => {
                r.tls
                    .version_answers
                    .insert(v.as_pg_str().into(), format!("unknown: {e}"));
                r.step_errors.push(StepFailure {
                    step: format!("{} ClientHello", v.as_pg_str()),
                    message: e.to_string(),
                });
            }
            Out::Direct(Ok(Ok(s))) => {
                let alpn_ok = s.alpn.as_deref() == Some(b"postgresql".as_slice());
                r.direct_tls = Some(alpn_ok);
                let v = TlsVersion::from_wire(s.version)
                    .map(|v| v.as_pg_str())
                    .unwrap_or("?");
                r.direct_tls_detail = Some(if alpn_ok {
                    format!("handshake completed with ALPN \"postgresql\" ({v})")
                } else {
                    format!("handshake completed without ALPN \"postgresql\" ({v}): not a PostgreSQL 17+ server")
                });
                direct_chain = s.chain;
            }
            Out::Direct(Ok(Err(Refusal::Closed))) => {
                r.direct_tls = Some(false);
                r.direct_tls_detail = Some(
                    "connection closed without a TLS answer (server before PostgreSQL 17, or ssl = off)".into(),
                );
            }
            Out::Direct(Ok(Err(Refusal::Alert(a)))) => {
                // The server's own verdict (trace_connection_negotiation) is
                // "direct SSL connection rejected": report false, but say that
                // it spoke TLS (servers before 17 close without a TLS answer).
                r.direct_tls = Some(false);
                r.direct_tls_detail = Some(format!(
                    "the server answered TLS directly but refused the TLS 1.2/1.3 hello: {a}"
                ));
            }
            Out::Direct(Err(e)) => {
                r.direct_tls_detail = Some(format!("unknown: {e}"));
                r.step_errors.push(StepFailure {
                    step: "direct TLS".into(),
                    message: e.to_string(),
                });
            }
            Out::Suites(v, mut rest, Ok(Some(id))) => {
                suites.entry(v).or_default().push(id);
                rest.retain(|x| *x != id);
                let free = opts.parallel.max(1) > running.len() + queue.len() + 1;
                if rest.len() >= 2 && free {
                    let b: Vec<u16> = rest.iter().skip(1).step_by(2).copied().collect();
                    let a: Vec<u16> = rest.iter().step_by(2).copied().collect();
                    queue.push_back(Task::Suites(v, a));
                    queue.push_back(Task::Suites(v, b));
                } else if !rest.is_empty() {
                    queue.push_back(Task::Suites(v, rest));
                }
            }
            Out::Suites(_, _, Ok(None)) => {}
            Out::Suites(v, _, Err(e)) => {
                complete = false;
                r.step_errors.push(StepFailure {
                    step: format!("cipher suites of {}", v.as_pg_str()),
                    message: e.to_string(),
                });
            }
            Out::Groups(found, f) => {
                groups.extend(found);
                r.step_errors.extend(f);
            }
        }
    }
    r.tls.versions.sort();
    r.plaintext
        .attempts
        .sort_by(|a, b| (&a.user, &a.database).cmp(&(&b.user, &b.database)));
    summarize_plaintext(&mut r.plaintext, opts.plaintext);
    for (v, ids) in suites {
        // The server's first choice first, then the table's order.
        let first = ids[0];
        let mut rest: Vec<u16> = ids[1..].to_vec();
        rest.sort_by_key(|id| SUITES.iter().position(|s| s.id == *id));
        rest.dedup();
        rest.retain(|id| *id != first);
        let facts = std::iter::once(first)
            .chain(rest)
            .map(|id| {
                Suite::by_id(id)
                    .map(|s| s.fact())
                    .unwrap_or_else(|| unknown_suite(id))
            })
            .collect();
        r.tls.ciphers.insert(v.as_pg_str().into(), facts);
    }
    r.tls.ciphers_complete = complete;
    // Keep the table's order for groups.
    r.tls.groups = GROUPS
        .iter()
        .filter(|(g, _)| groups.contains(g))
        .map(|(g, _)| group_name(*g))
        .collect();
    if chain.is_empty() && !direct_chain.is_empty() {
        chain = direct_chain;
        chain_source = "rustls handshake over direct TLS";
    }
    if chain.is_empty() {
        if let Some((_, c)) = legacy_chain {
            chain = c;
            chain_source = "Certificate message of a TLS 1.2-or-older ClientHello";
        }
    }
    if !chain.is_empty() {
        match cert::facts(&chain, &target.host, &opts.roots, chain_source) {
            Ok(f) => r.certificate = Some(f),
            Err(e) => r.step_errors.push(StepFailure {
                step: "certificate".into(),
                message: e,
            }),
        }
    }
    if let Some(first) = r.step_errors.first() {
        r.error = Some(format!("{}: {}", first.step, first.message));
    }
}

fn unknown_suite(id: u16) -> crate::suites::CipherFact {
    crate::suites::CipherFact {
        name: format!("0x{id:04X}"),
        iana: format!("0x{id:04X}"),
        id: format!("0x{id:04X}"),
        weakness: Some(
            "suite not in pgtls's table (the server chose a suite that was not offered)".into(),
        ),
    }
}

fn summarize_plaintext(p: &mut PlaintextFacts, tested: bool) {
    if !tested {
        p.message = "not tested".into();
        return;
    }
    let accepted: Vec<&PlaintextAttempt> = p
        .attempts
        .iter()
        .filter(|a| a.accepted == Some(true))
        .collect();
    if let Some(a) = accepted.first() {
        p.accepted = Some(true);
        p.message = format!(
            "plaintext accepted for user \"{}\", database \"{}\": {}",
            a.user, a.database, a.message
        );
    } else if !p.attempts.is_empty() && p.attempts.iter().all(|a| a.accepted == Some(false)) {
        p.accepted = Some(false);
        p.message = format!("refused by pg_hba.conf: {}", p.attempts[0].message);
    } else {
        p.accepted = None;
        p.message = p
            .attempts
            .iter()
            .find(|a| a.accepted.is_none())
            .map(|a| match &a.sqlstate {
                Some(s) => format!("unknown: the server answered {s}: {}", a.message),
                None => format!("unknown: {}", a.message),
            })
            .unwrap_or_else(|| "unknown".into());
    }
}

/// [`probe_target`] on a private single-threaded runtime, for callers
/// without one (the `audit --probe` path).
pub fn probe_blocking(target: &Target, opts: &ProbeOptions) -> TargetReport {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(probe_target(target, opts)),
        Err(e) => TargetReport {
            target: target.raw.clone(),
            host: target.host.clone(),
            port: target.port,
            error: Some(format!("cannot start the I/O runtime: {e}")),
            ..TargetReport::default()
        },
    }
}
