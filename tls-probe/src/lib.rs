//! `tls-probe`: what a TLS server will and will not do, learned with as few handshakes as possible.
//!
//! - [`hello`]: a fully controlled ClientHello builder (any version, suite, extension, GREASE),
//!   its parser, and the SSLv2 CLIENT-HELLO;
//! - [`record`] and [`flight`]: reassembly of records and handshake messages, and a parser of the
//!   server's first flight (ServerHello/HRR, Certificate, ServerKeyExchange, CertificateRequest,
//!   ServerHelloDone, Alert, SSLv2 SERVER-HELLO), tolerant of any split, with explicit limits;
//! - [`capture`]: a client's ClientHello as a server sees it: reassembly, JA3 and JA4;
//! - [`suites`]: cipher-suite classification from `tls-parser`'s IANA table;
//! - [`plan`]: sans-IO probe plans (versions, suites by the removal loop, groups, DH sizes,
//!   signature algorithms, features, fingerprints) and weakness findings;
//! - with the default `std` feature: [`driver`], a rustls handshake that records the chain,
//!   and [`runner`], a small blocking runner for tests and examples.
//!
//! The crate is `#![no_std]` + `alloc` without its default `std` feature
//! (`cargo build -p tls-probe --no-default-features`), and so are its own codec and plans. One
//! caveat, measured with `cargo tree -e features`: tls-parser 0.12 with `default-features = false`
//! still pulls `nom/std` through its dependencies (`nom-derive`, `rusticata-macros` and its own
//! `nom` dependency keep their default features), so the crate builds on std hosts without the
//! `std` feature, but not yet on a bare-metal target. The parts that use tls-parser are the
//! suite table ([`suites`]) and the ServerHello/Certificate/CertificateRequest/DH-parameter
//! parsing in [`flight`]; the ClientHello builder ([`hello`]) and the reassembly ([`record`]) do not.
//!
//! Limits: records ≤ 2^14 + 2048 bytes, a server flight ≤ 256 KiB ([`record::MAX_FLIGHT`]);
//! anything beyond is a typed [`FlightError`].
//!
//! ```
//! use tls_probe::hello::{ClientHello, Extension, KeyShareEntry, groups};
//! use tls_probe::flight::FlightParser;
//!
//! let hello = ClientHello::new(0x0303, vec![0xc02f, 0x009c])
//!     .with(Extension::SupportedGroups(vec![groups::X25519]))
//!     .with(Extension::KeyShare(vec![KeyShareEntry::x25519()]));
//! let bytes = hello.to_bytes().unwrap();
//! assert_eq!(ClientHello::parse(&bytes).unwrap(), hello);
//!
//! // A server that refuses with a fatal handshake_failure alert:
//! let mut parser = FlightParser::new();
//! assert!(parser.feed(&[21, 3, 3, 0, 2, 2, 40]));
//! assert_eq!(parser.flight().alert.unwrap().description, 40);
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod capture;
#[cfg(feature = "std")]
pub mod driver;
pub mod error;
pub mod flight;
pub mod hello;
pub mod plan;
pub mod record;
#[cfg(feature = "std")]
pub mod runner;
pub mod suites;
pub mod version;
pub mod weakness;
mod wire;

pub use error::{BuildError, FlightError, HelloParseError};
pub use flight::{FlightParser, ServerFlight};
pub use hello::ClientHello;
pub use suites::Suite;
pub use version::Version;

/// The one spelling of a code point (suite, version, group, signature algorithm, extension)
/// that has no name: `0x` and four upper-case hex digits, as in the IANA registries.
///
/// ```
/// assert_eq!(tls_probe::code_point(0xfefe), "0xFEFE");
/// assert_eq!(tls_probe::code_point(0x0a), "0x000A");
/// ```
pub fn code_point(v: u16) -> alloc::string::String {
    alloc::format!("0x{v:04X}")
}

/// A protocol version's name from its wire value, or its [`code_point`] when it has none.
///
/// ```
/// assert_eq!(tls_probe::version_name(0x0303), "TLSv1.2");
/// assert_eq!(tls_probe::version_name(0x7a7a), "0x7A7A");
/// ```
pub fn version_name(v: u16) -> alloc::string::String {
    Version::from_wire(v).map_or_else(|| code_point(v), |v| v.name().into())
}

/// A cipher suite's IANA name, or its [`code_point`] when the registry has none.
///
/// ```
/// assert_eq!(tls_probe::suite_name(0x1301), "TLS_AES_128_GCM_SHA256");
/// assert_eq!(tls_probe::suite_name(0xfefe), "0xFEFE");
/// ```
pub fn suite_name(id: u16) -> alloc::string::String {
    Suite::from_id(id).map_or_else(|| code_point(id), |s| s.name().into())
}

/// A supported group's name, or its [`code_point`] when it has none.
///
/// ```
/// assert_eq!(tls_probe::group_name(29), "x25519");
/// assert_eq!(tls_probe::group_name(0x0a0a), "0x0A0A");
/// ```
pub fn group_name(g: u16) -> alloc::string::String {
    hello::groups::name(g).map_or_else(|| code_point(g), Into::into)
}

/// Bytes as lowercase hex, the spelling of digests in fingerprints (JA3, JA4, JA3S, JA4S) and
/// of the lab's hashes.
///
/// ```
/// assert_eq!(tls_probe::hex(&[0x00, 0xab, 0x7f]), "00ab7f");
/// ```
pub fn hex(bytes: &[u8]) -> alloc::string::String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = alloc::string::String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            s.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    s
}

/// The README's example, run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
