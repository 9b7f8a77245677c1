//! Helpers for the integration tests: small servers on 127.0.0.1 / ::1, running the binary,
//! reading its records. Loopback only.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use hickory_resolver::proto::op::{Message, MessageType, ResponseCode};
use hickory_resolver::proto::rr::rdata::SOA;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use mxray_schema::record::EndpointRecord;

#[path = "../scratch/mod.rs"]
mod scratch;
#[allow(unused_imports)] // not every test crate names the type
pub use scratch::{tempdir, Scratch};

/// What a test server does with each connection.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Send this greeting, then answer QUIT with 221.
    Banner(&'static str),
    /// The first `n` connections get a 421 greeting, later ones a 220.
    BusyThen(usize),
    /// Accept and say nothing.
    Silent,
    /// Send `220 ` and then one byte every `every`, forever.
    Trickle(Duration),
    /// Wait, then greet.
    SlowBanner(Duration),
}

/// A server on a loopback address that counts accepted connections.
pub struct TestServer {
    pub addr: SocketAddr,
    pub accepted: Arc<AtomicUsize>,
    pub quits: Arc<AtomicUsize>,
}

impl TestServer {
    pub fn start(behaviour: Behaviour) -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap(), behaviour)
    }

    pub fn start_on(listener: TcpListener, behaviour: Behaviour) -> Self {
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let quits = Arc::new(AtomicUsize::new(0));
        let (acc, q) = (accepted.clone(), quits.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let n = acc.fetch_add(1, Ordering::SeqCst);
                let b = behaviour.clone();
                let q = q.clone();
                thread::spawn(move || serve(stream, b, n, q));
            }
        });
        Self {
            addr,
            accepted,
            quits,
        }
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    pub fn target(&self) -> String {
        self.addr.to_string()
    }
}

fn greet_and_quit(mut s: TcpStream, greeting: &str, quits: Arc<AtomicUsize>) {
    if s.write_all(greeting.as_bytes()).is_err() {
        return;
    }
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        if got.ends_with(b"\r\n") {
            // EHLO gets a reply without STARTTLS (the scan then records "not offered" and
            // quits); QUIT gets 221; anything else ends the connection.
            if got.len() > 5 && got[..5].eq_ignore_ascii_case(b"EHLO ") {
                got.clear();
                if s.write_all(b"250-test.local\r\n250 8BITMIME\r\n").is_err() {
                    break;
                }
                continue;
            }
            if got.eq_ignore_ascii_case(b"QUIT\r\n") {
                quits.fetch_add(1, Ordering::SeqCst);
                let _ = s.write_all(b"221 bye\r\n");
            }
            break;
        }
    }
}

fn serve(mut s: TcpStream, b: Behaviour, n: usize, quits: Arc<AtomicUsize>) {
    match b {
        Behaviour::Banner(g) => greet_and_quit(s, g, quits),
        Behaviour::BusyThen(k) => {
            if n < k {
                greet_and_quit(s, "421 busy, try later\r\n", quits)
            } else {
                greet_and_quit(s, "220 ok.test ESMTP\r\n", quits)
            }
        }
        Behaviour::Silent => {
            thread::sleep(Duration::from_secs(60));
            drop(s);
        }
        Behaviour::Trickle(every) => {
            let _ = s.write_all(b"220 ");
            for _ in 0..600 {
                thread::sleep(every);
                if s.write_all(b"x").is_err() {
                    return;
                }
            }
        }
        Behaviour::SlowBanner(d) => {
            thread::sleep(d);
            greet_and_quit(s, "220 slow.test ESMTP\r\n", quits)
        }
    }
}

/// A loopback address and port that nothing listens on (bound, then released). On 127.0.0.9,
/// where no test server listens, so a parallel test cannot grab it on the same address.
pub fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.9:0").unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a
}

pub fn mxray() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mxray"))
}

/// Runs `mxray scan` with test-friendly politeness settings plus `args`.
pub fn scan(args: &[&str]) -> Output {
    let mut c = mxray();
    c.arg("scan")
        .args([
            "--per-ip-rate",
            "1000",
            "--per-ip-burst",
            "100",
            "--retry-delay",
            "50ms",
        ])
        .args(args);
    c.output().unwrap()
}

/// Parses JSON Lines into records, checking that each line is exactly what the record
/// structs write (no unknown or missing fields).
pub fn records(text: &str) -> Vec<EndpointRecord> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let rec: EndpointRecord =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let original: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(
                serde_json::to_value(&rec).unwrap(),
                original,
                "record round trip"
            );
            assert_eq!(rec.schema_version, mxray_schema::record::SCHEMA_VERSION);
            rec
        })
        .collect()
}

pub fn stdout_records(o: &Output) -> Vec<EndpointRecord> {
    records(&String::from_utf8_lossy(&o.stdout))
}

/// Asserts that the run exited with 0, showing its stderr if not.
#[track_caller]
pub fn assert_exit_ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Asserts that the run exited with 0 and wrote exactly one record; returns that record.
#[track_caller]
pub fn one_record(o: &Output) -> EndpointRecord {
    assert_exit_ok(o);
    let recs = stdout_records(o);
    assert_eq!(recs.len(), 1);
    recs.into_iter().next().unwrap()
}

/// Runs `cmd` with `input` on its stdin and its stdout captured (stderr as `cmd` sets it).
pub fn output_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// A DNS name from test text.
pub fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

/// A tiny authoritative DNS server on 127.0.0.1 (UDP) for a test zone: `answer` gives the
/// response code and answers for each (lower-cased name, type); an empty answer carries the
/// zone's SOA. Returns the server's address.
pub fn start_dns(answer: fn(&str, RecordType) -> (ResponseCode, Vec<RData>)) -> SocketAddr {
    serve_dns(move |qname, qtype| Some(answer(qname, qtype)))
}

/// An answer of [`start_dns_with`]: the response code and answers, or `None` for no answer.
pub type MaybeAnswer = Option<(ResponseCode, Vec<RData>)>;

/// Like [`start_dns`], but `answer` may return `None`: that query gets no answer at all (the
/// resolver times out on it).
pub fn start_dns_with(answer: fn(&str, RecordType) -> MaybeAnswer) -> SocketAddr {
    serve_dns(answer)
}

fn serve_dns(answer: impl Fn(&str, RecordType) -> MaybeAnswer + Send + 'static) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                continue;
            };
            let Ok(req) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let Some(q) = req.queries().first().cloned() else {
                continue;
            };
            let qname = q.name().to_ascii().to_ascii_lowercase();
            let Some((rcode, rdatas)) = answer(&qname, q.query_type()) else {
                continue;
            };
            let mut resp = Message::new();
            resp.set_id(req.id())
                .set_message_type(MessageType::Response)
                .set_op_code(req.op_code())
                .set_authoritative(true)
                .set_recursion_desired(req.recursion_desired())
                .set_response_code(rcode);
            resp.add_query(q.clone());
            for rd in rdatas {
                resp.add_answer(Record::from_rdata(q.name().clone(), 60, rd));
            }
            if resp.answers().is_empty() {
                let soa = SOA::new(
                    name("ns.test."),
                    name("hostmaster.test."),
                    1,
                    60,
                    60,
                    60,
                    60,
                );
                resp.add_name_server(Record::from_rdata(name("test."), 60, RData::SOA(soa)));
            }
            let _ = sock.send_to(&resp.to_vec().unwrap(), peer);
        }
    });
    addr
}
