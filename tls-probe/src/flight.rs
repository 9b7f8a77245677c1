//! Parser of the server's first flight: ServerHello / HelloRetryRequest, Certificate,
//! ServerKeyExchange, CertificateRequest, CertificateStatus, ServerHelloDone, Alert, and the
//! SSLv2 SERVER-HELLO.
//!
//! [`FlightParser`] is incremental: feed it whatever the socket returned, in any split; it says
//! when the attempt is over ([`FlightParser::is_complete`]): after ServerHelloDone, after a TLS 1.3
//! ServerHello or HelloRetryRequest (the rest is encrypted), after an alert, on an SSLv2
//! SERVER-HELLO, on bytes that are not TLS, or at EOF.

use alloc::vec::Vec;

use tls_parser::{TlsMessage, TlsMessageHandshake};

use crate::error::FlightError;
use crate::hello::ext;
use crate::record::{HandshakeMessage, HandshakeReassembler, RecordReassembler, MAX_RECORD};
use crate::suites::Suite;
use crate::wire::Reader;

/// SHA-256("HelloRetryRequest"): the ServerHello.random that marks a HelloRetryRequest (RFC 8446 §4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What the server's ServerHello (or HelloRetryRequest) said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHelloInfo {
    /// `legacy_version` field.
    pub legacy_version: u16,
    /// Negotiated version: supported_versions if present, else `legacy_version`.
    pub version: u16,
    /// Server random.
    pub random: [u8; 32],
    /// Session id.
    pub session_id: Vec<u8>,
    /// Selected suite.
    pub cipher_suite: u16,
    /// Selected compression method.
    pub compression: u8,
    /// Extensions in the order sent: (type, data).
    pub extensions: Vec<(u16, Vec<u8>)>,
    /// Whether this is a HelloRetryRequest.
    pub is_hrr: bool,
    /// The key_share group (ServerHello) or selected group (HelloRetryRequest).
    pub key_share_group: Option<u16>,
}

impl ServerHelloInfo {
    /// The data of extension `typ`, if the server sent it.
    pub fn extension(&self, typ: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(t, _)| *t == typ)
            .map(|(_, d)| d.as_slice())
    }

    /// The ALPN protocol the server selected.
    pub fn alpn(&self) -> Option<&[u8]> {
        let mut r = Reader::new(self.extension(ext::ALPN)?);
        let mut list = Reader::new(r.vec16()?);
        list.vec8()
    }

    /// The selected suite, classified.
    pub fn suite(&self) -> Option<Suite> {
        Suite::from_id(self.cipher_suite)
    }
}

/// Key-exchange parameters from a ServerKeyExchange.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyExchange {
    /// Finite-field DH.
    Dh {
        /// Bit length of the prime p.
        prime_bits: u32,
        /// The prime p (big-endian).
        prime: Vec<u8>,
        /// The generator g (big-endian).
        generator: Vec<u8>,
    },
    /// ECDH over a named curve.
    Ecdh {
        /// Named group.
        curve: u16,
    },
    /// ECDH with explicit curve parameters (curve type 1 or 2).
    EcdhExplicit {
        /// Curve type byte.
        curve_type: u8,
    },
    /// The parameters could not be interpreted for the negotiated suite (kept raw).
    Unknown(Vec<u8>),
}

impl KeyExchange {
    /// The DH generator as an integer, if it fits in 64 bits.
    pub fn dh_generator(&self) -> Option<u64> {
        match self {
            KeyExchange::Dh { generator, .. } => {
                let mut be = [0u8; 8];
                let start = be.len().checked_sub(generator.len())?;
                be.get_mut(start..)?.copy_from_slice(generator);
                Some(u64::from_be_bytes(be))
            }
            _ => None,
        }
    }
}

/// A ServerKeyExchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyExchangeInfo {
    /// Parameters.
    pub params: KeyExchange,
    /// TLS 1.2 signature algorithm (none before TLS 1.2 or for anonymous suites).
    pub signature_algorithm: Option<u16>,
}

/// A CertificateRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequestInfo {
    /// Certificate types.
    pub cert_types: Vec<u8>,
    /// Signature algorithms (TLS 1.2).
    pub signature_algorithms: Vec<u16>,
    /// Number of acceptable CA names.
    pub ca_names: usize,
}

/// An alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Level (1 warning, 2 fatal).
    pub level: u8,
    /// Description (40 handshake_failure, 70 protocol_version, 86 inappropriate_fallback...).
    pub description: u8,
}

/// An SSLv2 SERVER-HELLO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sslv2ServerHello {
    /// Server version (0x0002).
    pub version: u16,
    /// Cipher specs the server supports (3-byte values).
    pub cipher_specs: Vec<u32>,
    /// Certificate (DER), if any.
    pub certificate: Vec<u8>,
}

/// Why an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlightEnd {
    /// ServerHelloDone received.
    ServerHelloDone,
    /// A TLS 1.3 ServerHello (we stop: the rest is encrypted).
    Tls13ServerHello,
    /// A HelloRetryRequest.
    HelloRetryRequest,
    /// An alert.
    Alert,
    /// An SSLv2 SERVER-HELLO.
    Sslv2ServerHello,
    /// The connection closed (or timed out) first.
    Eof,
    /// The bytes were not a valid flight.
    Error(FlightError),
}

/// Everything learned from one server flight.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerFlight {
    /// ServerHello or HelloRetryRequest.
    pub server_hello: Option<ServerHelloInfo>,
    /// Certificate chain (DER), TLS ≤ 1.2.
    pub certificates: Vec<Vec<u8>>,
    /// ServerKeyExchange.
    pub server_key_exchange: Option<ServerKeyExchangeInfo>,
    /// CertificateRequest.
    pub certificate_request: Option<CertificateRequestInfo>,
    /// Whether a CertificateStatus (stapled OCSP) message came.
    pub certificate_status: bool,
    /// Whether ServerHelloDone came.
    pub server_hello_done: bool,
    /// The first alert.
    pub alert: Option<Alert>,
    /// SSLv2 answer.
    pub sslv2: Option<Sslv2ServerHello>,
    /// How the attempt ended (`None` while it is running).
    pub end: Option<FlightEnd>,
}

impl ServerFlight {
    /// The negotiated (version, suite) if the server accepted the hello with a ServerHello or HRR.
    pub fn accepted(&self) -> Option<(u16, u16)> {
        self.server_hello
            .as_ref()
            .map(|sh| (sh.version, sh.cipher_suite))
    }
}

/// Incremental parser of one server flight.
#[derive(Clone, Debug, Default)]
pub struct FlightParser {
    records: RecordReassembler,
    handshake: HandshakeReassembler,
    flight: ServerFlight,
    started: bool,
    sslv2_buf: Option<Vec<u8>>,
}

impl FlightParser {
    /// A parser for a fresh connection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the attempt is over.
    pub fn is_complete(&self) -> bool {
        self.flight.end.is_some()
    }

    /// What has been learned so far.
    pub fn flight(&self) -> &ServerFlight {
        &self.flight
    }

    /// Consumes the parser.
    pub fn into_flight(self) -> ServerFlight {
        self.flight
    }

    /// Feeds bytes from the server. Returns `true` once the attempt is over; later input is ignored.
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        if self.is_complete() {
            return true;
        }
        if let Err(e) = self.feed_inner(bytes) {
            self.flight.end = Some(FlightEnd::Error(e));
        }
        self.is_complete()
    }

    /// The connection closed: ends the attempt if nothing else did.
    pub fn feed_eof(&mut self) {
        if self.flight.end.is_none() {
            self.flight.end = Some(FlightEnd::Eof);
        }
    }

    fn feed_inner(&mut self, bytes: &[u8]) -> Result<(), FlightError> {
        if !self.started {
            if let Some(first) = bytes.first() {
                self.started = true;
                if first & 0x80 != 0 {
                    self.sslv2_buf = Some(Vec::new());
                }
            }
        }
        if let Some(buf) = self.sslv2_buf.as_mut() {
            if buf.len().saturating_add(bytes.len()) > MAX_RECORD * 2 {
                return Err(FlightError::FlightTooLarge(MAX_RECORD * 2));
            }
            buf.extend_from_slice(bytes);
            if let Some(sh) = parse_sslv2(buf)? {
                self.flight.sslv2 = Some(sh);
                self.flight.end = Some(FlightEnd::Sslv2ServerHello);
            }
            return Ok(());
        }
        self.records.push(bytes)?;
        while !self.is_complete() {
            let Some(rec) = self.records.next_record()? else {
                break;
            };
            match rec.content_type {
                22 => {
                    self.handshake.push(&rec.fragment)?;
                    while !self.is_complete() {
                        let Some(msg) = self.handshake.next_message()? else {
                            break;
                        };
                        self.on_message(&msg)?;
                    }
                }
                21 => {
                    let mut r = Reader::new(&rec.fragment);
                    if let (Some(level), Some(description)) = (r.u8(), r.u8()) {
                        self.flight.alert = Some(Alert { level, description });
                        self.flight.end = Some(FlightEnd::Alert);
                    } else {
                        return Err(FlightError::Malformed {
                            msg_type: 0,
                            what: "alert shorter than 2 bytes",
                        });
                    }
                }
                20 | 24 => {}
                other => return Err(FlightError::UnexpectedRecord(other)),
            }
        }
        Ok(())
    }

    fn on_message(&mut self, msg: &HandshakeMessage) -> Result<(), FlightError> {
        let t = msg.msg_type;
        let bad = |what| FlightError::Malformed { msg_type: t, what };
        match t {
            2 => {
                let sh = parse_server_hello(msg.body()).ok_or(bad("ServerHello"))?;
                let tls13 = sh.version == 0x0304;
                let hrr = sh.is_hrr;
                self.flight.server_hello = Some(sh);
                if hrr {
                    self.flight.end = Some(FlightEnd::HelloRetryRequest);
                } else if tls13 {
                    self.flight.end = Some(FlightEnd::Tls13ServerHello);
                }
            }
            11 => match tls_parser::parse_tls_message_handshake(&msg.raw) {
                Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))) => {
                    self.flight.certificates =
                        c.cert_chain.iter().map(|c| c.data.to_vec()).collect();
                }
                _ => return Err(bad("Certificate")),
            },
            12 => {
                let sh = self
                    .flight
                    .server_hello
                    .as_ref()
                    .ok_or(bad("ServerKeyExchange before ServerHello"))?;
                self.flight.server_key_exchange = Some(parse_ske(msg.body(), sh));
            }
            13 => match tls_parser::parse_tls_message_handshake(&msg.raw) {
                Ok((_, TlsMessage::Handshake(TlsMessageHandshake::CertificateRequest(c)))) => {
                    self.flight.certificate_request = Some(CertificateRequestInfo {
                        cert_types: c.cert_types.clone(),
                        signature_algorithms: c.sig_hash_algs.clone().unwrap_or_default(),
                        ca_names: c.unparsed_ca.len(),
                    });
                }
                _ => return Err(bad("CertificateRequest")),
            },
            14 => {
                self.flight.server_hello_done = true;
                self.flight.end = Some(FlightEnd::ServerHelloDone);
            }
            22 => self.flight.certificate_status = true,
            _ => {}
        }
        Ok(())
    }
}

/// Parses a ServerHello body (any version, HelloRetryRequest included). Uses tls-parser for the
/// fixed fields of SSL 3 / TLS ≤ 1.2 legacy versions and reads the extension list in order.
pub fn parse_server_hello(body: &[u8]) -> Option<ServerHelloInfo> {
    let (_, sh) = tls_parser::parse_tls_handshake_server_hello(body).ok()?;
    let mut random = [0u8; 32];
    random.copy_from_slice(sh.random.get(..32)?);
    let mut extensions = Vec::new();
    if let Some(block) = sh.ext {
        let mut r = Reader::new(block);
        while !r.is_empty() {
            let typ = r.u16()?;
            extensions.push((typ, r.vec16()?.to_vec()));
        }
    }
    let is_hrr = random == HRR_RANDOM;
    let mut version = sh.version.0;
    let mut key_share_group = None;
    for (typ, data) in &extensions {
        let mut r = Reader::new(data);
        match *typ {
            ext::SUPPORTED_VERSIONS => version = r.u16()?,
            ext::KEY_SHARE => key_share_group = Some(r.u16()?),
            _ => {}
        }
    }
    Some(ServerHelloInfo {
        legacy_version: sh.version.0,
        version,
        random,
        session_id: sh.session_id.unwrap_or(&[]).to_vec(),
        cipher_suite: sh.cipher.0,
        compression: sh.compression.0,
        extensions,
        is_hrr,
        key_share_group,
    })
}

fn parse_ske(body: &[u8], sh: &ServerHelloInfo) -> ServerKeyExchangeInfo {
    let unknown = || ServerKeyExchangeInfo {
        params: KeyExchange::Unknown(body.to_vec()),
        signature_algorithm: None,
    };
    let Some(suite) = sh.suite() else {
        return unknown();
    };
    let (params, rest) = if suite.is_dhe() {
        match tls_parser::parse_dh_params(body) {
            Ok((rest, p)) => {
                let prime = strip_zeros(p.dh_p);
                (
                    KeyExchange::Dh {
                        prime_bits: bit_len(prime),
                        prime: prime.to_vec(),
                        generator: strip_zeros(p.dh_g).to_vec(),
                    },
                    rest,
                )
            }
            Err(_) => return unknown(),
        }
    } else if suite.is_ecdhe() {
        let mut r = Reader::new(body);
        match r.u8() {
            Some(3) => match (r.u16(), r.vec8()) {
                (Some(curve), Some(_point)) => (KeyExchange::Ecdh { curve }, r.rest()),
                _ => return unknown(),
            },
            Some(t @ (1 | 2)) => (KeyExchange::EcdhExplicit { curve_type: t }, &[][..]),
            _ => return unknown(),
        }
    } else {
        return unknown();
    };
    let signature_algorithm = if sh.version >= 0x0303 && !suite.flags.anonymous && rest.len() >= 4 {
        Reader::new(rest).u16()
    } else {
        None
    };
    ServerKeyExchangeInfo {
        params,
        signature_algorithm,
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|x| **x == 0).count();
    b.get(n..).unwrap_or(&[])
}

fn bit_len(b: &[u8]) -> u32 {
    match b.first() {
        None => 0,
        Some(first) => {
            (b.len() as u32).saturating_sub(1).saturating_mul(8) + (8 - first.leading_zeros())
        }
    }
}

/// Parses an SSLv2 SERVER-HELLO from `buf`; `Ok(None)` when more bytes are needed.
fn parse_sslv2(buf: &[u8]) -> Result<Option<Sslv2ServerHello>, FlightError> {
    let mut r = Reader::new(buf);
    let (Some(h0), Some(h1)) = (r.u8(), r.u8()) else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes([h0 & 0x7f, h1]));
    let Some(body) = r.take(len) else {
        return Ok(None);
    };
    let mut b = Reader::new(body);
    let bad = FlightError::Sslv2;
    match b.u8() {
        Some(4) => {}
        Some(0) => return Err(bad("SSLv2 ERROR message")),
        _ => return Err(bad("not a SERVER-HELLO")),
    }
    let _session_id_hit = b.u8().ok_or(bad("truncated"))?;
    let _cert_type = b.u8().ok_or(bad("truncated"))?;
    let version = b.u16().ok_or(bad("truncated"))?;
    let cert_len = b.u16().ok_or(bad("truncated"))?;
    let specs_len = b.u16().ok_or(bad("truncated"))?;
    let _conn_id_len = b.u16().ok_or(bad("truncated"))?;
    let certificate = b
        .take(usize::from(cert_len))
        .ok_or(bad("certificate truncated"))?
        .to_vec();
    let specs = b
        .take(usize::from(specs_len))
        .ok_or(bad("cipher specs truncated"))?;
    if specs.len() % 3 != 0 {
        return Err(bad("cipher specs length not a multiple of 3"));
    }
    let cipher_specs = specs
        .chunks_exact(3)
        .filter_map(|c| <[u8; 3]>::try_from(c).ok())
        .map(|[a, b, c]| u32::from_be_bytes([0, a, b, c]))
        .collect();
    Ok(Some(Sslv2ServerHello {
        version,
        cipher_specs,
        certificate,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh_record(version: u16, suite: u16, exts: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&version.to_be_bytes());
        body.extend_from_slice(&[1; 32]);
        body.push(0);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        if version != 0x0300 {
            body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
            body.extend_from_slice(exts);
        }
        let mut msg = alloc::vec![2, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut rec = alloc::vec![22, 3, 3, 0, msg.len() as u8];
        rec.extend_from_slice(&msg);
        rec
    }

    #[test]
    fn dh_generator_reads_up_to_eight_big_endian_bytes() {
        let dh = |g: &[u8]| KeyExchange::Dh {
            prime_bits: 32,
            prime: vec![0xff; 4],
            generator: g.to_vec(),
        };
        assert_eq!(dh(&[2]).dh_generator(), Some(2));
        assert_eq!(dh(&[0x01, 0x02]).dh_generator(), Some(0x0102));
        assert_eq!(dh(&[0x01, 0x00, 0x01]).dh_generator(), Some(0x01_00_01));
        assert_eq!(
            dh(&[0x80, 0, 0, 0, 0, 0, 0, 0x03]).dh_generator(),
            Some(0x8000_0000_0000_0003)
        );
        assert_eq!(
            dh(&[0, 0, 0, 0, 0, 0, 0, 0, 2]).dh_generator(),
            None,
            "9 bytes"
        );
        assert_eq!(dh(&[]).dh_generator(), Some(0));
        assert_eq!(KeyExchange::Ecdh { curve: 23 }.dh_generator(), None);
    }

    #[test]
    fn tls12_hello_then_done_byte_by_byte() {
        let mut bytes = sh_record(0x0303, 0xc02f, &[0xff, 0x01, 0, 1, 0]);
        bytes.extend_from_slice(&[22, 3, 3, 0, 4, 14, 0, 0, 0]);
        let mut p = FlightParser::new();
        for (i, b) in bytes.iter().enumerate() {
            let done = p.feed(&[*b]);
            assert_eq!(done, i + 1 == bytes.len());
        }
        let f = p.into_flight();
        assert_eq!(f.accepted(), Some((0x0303, 0xc02f)));
        assert_eq!(f.end, Some(FlightEnd::ServerHelloDone));
        assert!(f
            .server_hello
            .unwrap()
            .extension(ext::RENEGOTIATION_INFO)
            .is_some());
    }

    #[test]
    fn tls13_server_hello_ends_the_attempt() {
        let exts = [0, 43, 0, 2, 3, 4, 0, 51, 0, 6, 0, 0x1d, 0, 2, 9, 9];
        let mut p = FlightParser::new();
        assert!(p.feed(&sh_record(0x0303, 0x1302, &exts)));
        let sh = p.flight().server_hello.clone().unwrap();
        assert_eq!(
            (sh.version, sh.key_share_group, sh.is_hrr),
            (0x0304, Some(0x1d), false)
        );
    }

    #[test]
    fn hello_retry_request_names_the_group() {
        // An HRR is a ServerHello with the special random, selecting a group without a key.
        let mut body = alloc::vec![3, 3];
        body.extend_from_slice(&HRR_RANDOM);
        body.extend_from_slice(&[0, 0x13, 0x02, 0]);
        let exts = [0u8, 43, 0, 2, 3, 4, 0, 51, 0, 2, 0x11, 0xec];
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut msg = alloc::vec![2, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut rec = alloc::vec![22, 3, 3, 0, msg.len() as u8];
        rec.extend_from_slice(&msg);
        let mut p = FlightParser::new();
        assert!(p.feed(&rec));
        let sh = p.flight().server_hello.clone().unwrap();
        assert!(sh.is_hrr);
        assert_eq!(
            (sh.version, sh.cipher_suite, sh.key_share_group),
            (0x0304, 0x1302, Some(0x11ec))
        );
        assert_eq!(p.flight().end, Some(FlightEnd::HelloRetryRequest));
    }

    #[test]
    fn alert_and_garbage() {
        let mut p = FlightParser::new();
        assert!(p.feed(&[21, 3, 1, 0, 2, 2, 70]));
        assert_eq!(
            p.flight().alert,
            Some(Alert {
                level: 2,
                description: 70
            })
        );
        let mut p = FlightParser::new();
        assert!(p.feed(b"554 go away\r\n"));
        assert_eq!(
            p.flight().end,
            Some(FlightEnd::Error(FlightError::NotTls { first_byte: b'5' }))
        );
        let mut p = FlightParser::new();
        assert!(!p.feed(&[22, 3, 3]));
        p.feed_eof();
        assert_eq!(p.flight().end, Some(FlightEnd::Eof));
    }

    #[test]
    fn sslv2_server_hello() {
        let body = [4u8, 0, 1, 0, 2, 0, 2, 0, 3, 0, 0, 0xde, 0xad, 1, 0, 0x80];
        let mut msg = alloc::vec![0x80, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut p = FlightParser::new();
        assert!(!p.feed(msg.get(..5).unwrap()));
        assert!(p.feed(msg.get(5..).unwrap()));
        let v2 = p.flight().sslv2.clone().unwrap();
        assert_eq!(
            (v2.version, v2.cipher_specs, v2.certificate),
            (2, alloc::vec![0x010080], alloc::vec![0xde, 0xad])
        );
    }

    /// A handshake record (TLS 1.2) holding one message.
    fn hs_record(msg_type: u8, body: &[u8]) -> Vec<u8> {
        let mut msg = alloc::vec![msg_type, 0, 0, body.len() as u8];
        msg.extend_from_slice(body);
        let mut rec = alloc::vec![22, 3, 3, 0, msg.len() as u8];
        rec.extend_from_slice(&msg);
        rec
    }

    #[test]
    fn certificate_request_and_status_are_recorded() {
        let mut bytes = sh_record(0x0303, 0xc02f, &[]);
        // CertificateStatus (22): only its presence is kept.
        bytes.extend_from_slice(&hs_record(22, &[1, 0, 0, 0]));
        // CertificateRequest (13): types [rsa_sign, ecdsa_sign], signature algorithms
        // [rsa_pkcs1_sha256], one CA name of 3 bytes.
        bytes.extend_from_slice(&hs_record(
            13,
            &[2, 1, 64, 0, 2, 4, 1, 0, 5, 0, 3, 0x30, 0x01, 0x00],
        ));
        bytes.extend_from_slice(&hs_record(14, &[]));
        let mut p = FlightParser::new();
        assert!(p.feed(&bytes));
        let f = p.into_flight();
        assert_eq!(f.end, Some(FlightEnd::ServerHelloDone));
        assert!(f.certificate_status);
        let cr = f.certificate_request.expect("CertificateRequest kept");
        assert_eq!(cr.cert_types, alloc::vec![1, 64]);
        assert_eq!(cr.signature_algorithms, alloc::vec![0x0401]);
        assert_eq!(cr.ca_names, 1);
        // Without them: neither is claimed.
        let mut p = FlightParser::new();
        let mut bytes = sh_record(0x0303, 0xc02f, &[]);
        bytes.extend_from_slice(&hs_record(14, &[]));
        assert!(p.feed(&bytes));
        let f = p.into_flight();
        assert!(!f.certificate_status);
        assert!(f.certificate_request.is_none());
    }

    #[test]
    fn explicit_curve_parameters_are_named_not_parsed() {
        let ske_of = |body: &[u8]| {
            let mut bytes = sh_record(0x0303, 0xc02f, &[]);
            bytes.extend_from_slice(&hs_record(12, body));
            bytes.extend_from_slice(&hs_record(14, &[]));
            let mut p = FlightParser::new();
            assert!(p.feed(&bytes));
            p.into_flight().server_key_exchange.expect("SKE kept")
        };
        for t in [1u8, 2] {
            let ske = ske_of(&[t, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
            assert_eq!(ske.params, KeyExchange::EcdhExplicit { curve_type: t });
            assert_eq!(ske.signature_algorithm, None);
        }
        let ske = ske_of(&[0, 0, 23]);
        assert_eq!(ske.params, KeyExchange::Unknown(alloc::vec![0, 0, 23]));
        // A named curve (type 3), its point, then the signature algorithm of TLS 1.2.
        let ske = ske_of(&[3, 0, 23, 1, 4, 0x04, 0x03, 0, 0]);
        assert_eq!(ske.params, KeyExchange::Ecdh { curve: 23 });
        assert_eq!(ske.signature_algorithm, Some(0x0403));
        // Three bytes after the point are too few for an algorithm and a signature length.
        assert_eq!(
            ske_of(&[3, 0, 23, 1, 4, 0x04, 0x03, 0]).signature_algorithm,
            None
        );
    }

    #[test]
    fn signature_algorithm_only_from_tls12_and_signed_suites() {
        let ske = |version: u16, suite: u16| {
            let mut bytes = sh_record(version, suite, &[]);
            bytes.extend_from_slice(&hs_record(12, &[3, 0, 23, 1, 4, 0x04, 0x03, 0, 0]));
            bytes.extend_from_slice(&hs_record(14, &[]));
            let mut p = FlightParser::new();
            assert!(p.feed(&bytes));
            p.into_flight().server_key_exchange.expect("SKE kept")
        };
        assert_eq!(ske(0x0303, 0xc02f).signature_algorithm, Some(0x0403));
        // TLS 1.0/1.1 sign without naming the algorithm: those bytes are the signature.
        assert_eq!(ske(0x0301, 0xc013).signature_algorithm, None);
        assert_eq!(ske(0x0302, 0xc013).params, KeyExchange::Ecdh { curve: 23 });
        // ECDH_anon: no signature at all.
        assert_eq!(ske(0x0303, 0xc018).signature_algorithm, None);
    }

    #[test]
    fn sslv2_two_byte_lengths_errors_and_specs() {
        // A 300-byte certificate: the record length needs both header bytes.
        let mut body = alloc::vec![4u8, 0, 1, 0, 2, 0x01, 0x2c, 0, 6, 0, 0];
        body.extend(core::iter::repeat_n(0xcc, 300));
        body.extend_from_slice(&[0x07, 0x00, 0xc0, 0x01, 0x00, 0x80]);
        let len = u16::try_from(body.len()).unwrap();
        let mut msg = alloc::vec![0x80 | (len >> 8) as u8, (len & 0xff) as u8];
        msg.extend_from_slice(&body);
        let mut p = FlightParser::new();
        assert!(!p.feed(msg.get(..msg.len() - 1).unwrap()), "one byte short");
        assert!(p.feed(msg.get(msg.len() - 1..).unwrap()));
        let v2 = p.flight().sslv2.clone().unwrap();
        assert_eq!(v2.certificate.len(), 300);
        assert_eq!(v2.cipher_specs, alloc::vec![0x0700c0, 0x010080]);
        // An SSLv2 ERROR message and any other message type are told apart.
        for (typ, what) in [(0u8, "SSLv2 ERROR message"), (1, "not a SERVER-HELLO")] {
            let mut p = FlightParser::new();
            assert!(p.feed(&[0x80, 3, typ, 0, 1]));
            assert_eq!(
                p.flight().end,
                Some(FlightEnd::Error(FlightError::Sslv2(what)))
            );
        }
    }

    #[test]
    fn sslv2_input_is_bounded_at_two_records() {
        let body = [4u8, 0, 1, 0, 2, 0, 2, 0, 3, 0, 0, 0xde, 0xad, 1, 0, 0x80];
        let mut msg = alloc::vec![0x80, body.len() as u8];
        msg.extend_from_slice(&body);
        // One read of exactly 2 * MAX_RECORD bytes (a hello and trailing bytes) is taken...
        let mut at_limit = msg.clone();
        at_limit.resize(MAX_RECORD * 2, 0);
        let mut p = FlightParser::new();
        assert!(p.feed(&at_limit));
        assert_eq!(p.flight().end, Some(FlightEnd::Sslv2ServerHello));
        // ...one byte more is refused before it is buffered.
        let mut over = msg;
        over.resize(MAX_RECORD * 2 + 1, 0);
        let mut p = FlightParser::new();
        assert!(p.feed(&over));
        assert_eq!(
            p.flight().end,
            Some(FlightEnd::Error(FlightError::FlightTooLarge(36_864)))
        );
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[]), 0);
    }
}
