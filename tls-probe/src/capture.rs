//! A client's ClientHello as a server sees it: reassembly from handshake records, the facts
//! in it and its JA3 and JA4 fingerprints (the client-side counterparts of
//! [`crate::plan::fingerprint`]'s JA3S and JA4S). mxray-lab captures each sender's hello with it
//! before rustls sees the bytes.
//!
//! - JA3 (Salesforce): `md5("SSLVersion,Ciphers,Extensions,EllipticCurves,EcPointFormats")`,
//!   decimal values joined by `-`, GREASE values removed, version = `legacy_version`.
//! - JA4 (FoxIO, TCP): `t` + highest offered version (`13`, `12`, `11`, `10`, `s3`) + `d`/`i`
//!   (SNI or not) + two-digit suite count + two-digit extension count + first and last character
//!   of the first ALPN value (`00` if none), `_`, the first 12 hex digits of sha256 of the sorted
//!   suites (4-hex, comma-joined), `_`, the first 12 hex digits of sha256 of the sorted
//!   extensions without SNI and ALPN, then `_` and the signature algorithms in order. GREASE
//!   values are ignored everywhere; empty lists hash to `000000000000`.
//!
//! ```
//! use tls_probe::capture::{describe, scan_hello, HelloScan};
//! use tls_probe::hello::{ClientHello, Extension};
//!
//! let bytes = ClientHello::new(0x0303, vec![0x1301, 0xc02f])
//!     .with(Extension::ServerName("mx.example".into()))
//!     .to_bytes()
//!     .unwrap();
//! assert_eq!(scan_hello(&bytes[..10]), HelloScan::NeedMore);
//! let HelloScan::Complete(record) = scan_hello(&bytes) else { panic!() };
//! let facts = describe(&ClientHello::parse(&record).unwrap());
//! assert_eq!(facts.sni.as_deref(), Some("mx.example"));
//! assert_eq!(facts.ja3_string, "771,4865-49199,0,,");
//! assert!(facts.ja4.starts_with("t12d0201"));
//! ```

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::hello::{ClientHello, Extension};
use crate::suites::is_grease;

/// Largest ClientHello message reassembled (it fits one 16-bit record length).
pub const MAX_HELLO: usize = 65_000;

/// Result of looking at the first bytes the client sent after the `220` to STARTTLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloScan {
    /// More bytes are needed.
    NeedMore,
    /// The ClientHello is complete: a single record holding the whole message (for
    /// [`ClientHello::parse`]).
    Complete(Vec<u8>),
    /// Not a TLS handshake record (e.g. plaintext, or an SSLv2 hello), or beyond the limit.
    NotTls(&'static str),
}

/// Reassembles the ClientHello from one or more handshake records at the start of `buf`.
pub fn scan_hello(buf: &[u8]) -> HelloScan {
    let mut frag: Vec<u8> = Vec::new();
    let mut rest = buf;
    let mut version = [3u8, 1u8];
    loop {
        let Some((header, body)) = rest.split_at_checked(5) else {
            return HelloScan::NeedMore;
        };
        let (typ, v0, v1, l0, l1) = match header {
            [t, a, b, c, d] => (*t, *a, *b, *c, *d),
            _ => return HelloScan::NeedMore,
        };
        if typ != 22 {
            return HelloScan::NotTls(if frag.is_empty() {
                "first record is not a TLS handshake record"
            } else {
                "ClientHello interrupted by another record type"
            });
        }
        if frag.is_empty() {
            version = [v0, v1];
        }
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let Some((fragment, after)) = body.split_at_checked(len) else {
            return HelloScan::NeedMore;
        };
        if frag.len().saturating_add(len) > MAX_HELLO {
            return HelloScan::NotTls("ClientHello larger than the limit");
        }
        frag.extend_from_slice(fragment);
        rest = after;
        if let [_, a, b, c, ..] = frag.as_slice() {
            let msg = u32::from_be_bytes([0, *a, *b, *c]);
            let total = usize::try_from(msg).unwrap_or(usize::MAX).saturating_add(4);
            if total > MAX_HELLO {
                return HelloScan::NotTls("ClientHello larger than the limit");
            }
            if frag.len() >= total {
                frag.truncate(total);
                let Ok(l) = u16::try_from(total) else {
                    return HelloScan::NotTls("ClientHello larger than the limit");
                };
                let mut record = alloc::vec![22, version[0], version[1]];
                record.extend_from_slice(&l.to_be_bytes());
                record.extend_from_slice(&frag);
                return HelloScan::Complete(record);
            }
        }
    }
}

/// What a ClientHello offers, GREASE removed, and its fingerprints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientHelloFacts {
    /// `legacy_version` of the hello.
    pub legacy_version: u16,
    /// `supported_versions` in order (empty when the extension is absent).
    pub versions: Vec<u16>,
    /// Cipher suites in order.
    pub suites: Vec<u16>,
    /// Server name indication.
    pub sni: Option<String>,
    /// Supported groups in order.
    pub groups: Vec<u16>,
    /// ALPN protocols (lossy UTF-8).
    pub alpn: Vec<String>,
    /// Extension types in order (GREASE included, as sent).
    pub extensions: Vec<u16>,
    /// The JA3 input string.
    pub ja3_string: String,
    /// JA3: md5 of the string, lowercase hex.
    pub ja3: String,
    /// JA4.
    pub ja4: String,
}

fn sha12(items: &[u16]) -> String {
    if items.is_empty() {
        return String::from("000000000000");
    }
    let s: Vec<String> = items.iter().map(|v| format!("{v:04x}")).collect();
    let mut h = crate::hex(&Sha256::digest(s.join(",").as_bytes()));
    h.truncate(12);
    h
}

fn joined(items: &[u16]) -> String {
    items
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

/// The facts and fingerprints of a parsed ClientHello.
pub fn describe(ch: &ClientHello) -> ClientHelloFacts {
    let exts: &[Extension] = ch.extensions.as_deref().unwrap_or_default();
    let mut sni = None;
    let mut groups: Vec<u16> = Vec::new();
    let mut formats: Vec<u8> = Vec::new();
    let mut alpn: Vec<String> = Vec::new();
    let mut sigalgs: Vec<u16> = Vec::new();
    let mut supported: Vec<u16> = Vec::new();
    for e in exts {
        match e {
            Extension::ServerName(n) => sni = Some(n.clone()),
            Extension::SupportedGroups(g) => {
                groups = g.iter().copied().filter(|v| !is_grease(*v)).collect()
            }
            Extension::EcPointFormats(f) => formats.clone_from(f),
            Extension::Alpn(p) => {
                alpn = p
                    .iter()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .collect()
            }
            Extension::SignatureAlgorithms(s) => {
                sigalgs = s.iter().copied().filter(|v| !is_grease(*v)).collect()
            }
            Extension::SupportedVersions(v) => {
                supported = v.iter().copied().filter(|v| !is_grease(*v)).collect()
            }
            _ => {}
        }
    }
    let ext_types: Vec<u16> = exts.iter().map(Extension::typ).collect();
    let ext_ng: Vec<u16> = ext_types
        .iter()
        .copied()
        .filter(|v| !is_grease(*v))
        .collect();
    let suites: Vec<u16> = ch
        .cipher_suites
        .iter()
        .copied()
        .filter(|v| !is_grease(*v))
        .collect();

    let ja3_string = format!(
        "{},{},{},{},{}",
        ch.legacy_version,
        joined(&suites),
        joined(&ext_ng),
        joined(&groups),
        formats
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("-")
    );
    let ja3 = crate::hex(&Md5::digest(ja3_string.as_bytes()));

    let top = supported.iter().copied().max().unwrap_or(ch.legacy_version);
    let v = match top {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        _ => "00",
    };
    let alpn_chars = match alpn.first().map(String::as_bytes) {
        Some(p) if !p.is_empty() => {
            let c = |b: Option<&u8>| match b {
                Some(b) if b.is_ascii_alphanumeric() => char::from(*b),
                _ => '9',
            };
            format!("{}{}", c(p.first()), c(p.last()))
        }
        _ => String::from("00"),
    };
    let mut sorted_suites = suites.clone();
    sorted_suites.sort_unstable();
    let mut sorted_exts: Vec<u16> = ext_ng
        .iter()
        .copied()
        .filter(|t| *t != 0 && *t != 16)
        .collect();
    sorted_exts.sort_unstable();
    let mut ext_part = sha12(&sorted_exts);
    if !sigalgs.is_empty() {
        let with_sig: Vec<String> = sorted_exts.iter().map(|v| format!("{v:04x}")).collect();
        let sig: Vec<String> = sigalgs.iter().map(|v| format!("{v:04x}")).collect();
        let input = format!("{}_{}", with_sig.join(","), sig.join(","));
        let mut h = crate::hex(&Sha256::digest(input.as_bytes()));
        h.truncate(12);
        ext_part = h;
    }
    let ja4 = format!(
        "t{v}{}{:02}{:02}{alpn_chars}_{}_{ext_part}",
        if sni.is_some() { 'd' } else { 'i' },
        suites.len().min(99),
        ext_ng.len().min(99),
        sha12(&sorted_suites),
    );

    ClientHelloFacts {
        legacy_version: ch.legacy_version,
        versions: supported,
        suites,
        sni,
        groups,
        alpn,
        extensions: ext_types,
        ja3_string,
        ja3,
        ja4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hello::{groups, Extension, KeyShareEntry};
    use alloc::vec;
    use alloc::vec::Vec;

    fn hello() -> ClientHello {
        ClientHello::new(0x0303, vec![0x0a0a, 0x1301, 0xc02f])
            .with(Extension::ServerName("mx.lab.test".into()))
            .with(Extension::SupportedGroups(vec![0x2a2a, groups::X25519]))
            .with(Extension::SupportedVersions(vec![0x0304, 0x0303]))
            .with(Extension::SignatureAlgorithms(vec![0x0403]))
            .with(Extension::Alpn(vec![b"smtp".to_vec()]))
    }

    #[test]
    fn split_records_reassemble_and_describe() {
        let rec = hello().to_bytes().unwrap();
        let body = &rec[5..];
        // Split the handshake message over two records.
        let (a, b) = body.split_at(10);
        let mut split = vec![22, 3, 1, 0, 10];
        split.extend_from_slice(a);
        split.extend_from_slice(&[22, 3, 1, 0, u8::try_from(b.len()).unwrap()]);
        split.extend_from_slice(b);
        for cut in 0..split.len() {
            assert_eq!(scan_hello(&split[..cut]), HelloScan::NeedMore, "cut {cut}");
        }
        let HelloScan::Complete(whole) = scan_hello(&split) else {
            panic!()
        };
        let ch = ClientHello::parse(&whole).unwrap();
        let info = describe(&ch);
        assert_eq!(info.versions, [0x0304, 0x0303]);
        assert_eq!(info.sni.as_deref(), Some("mx.lab.test"));
        assert_eq!(info.suites.len(), 2, "GREASE removed");
        assert_eq!(info.groups, [groups::X25519]);
        assert_eq!(info.alpn, ["smtp"]);
        assert_eq!(info.ja3_string, "771,4865-49199,0-10-43-13-16,29,");
        assert_eq!(info.ja3.len(), 32);
        assert!(info.ja4.starts_with("t13d0205sp_"), "{}", info.ja4);
        assert_eq!(
            scan_hello(b"EHLO x\r\n"),
            HelloScan::NotTls("first record is not a TLS handshake record")
        );
    }

    /// A Chrome 143 ClientHello as published by a fingerprinting service (ja4 and ja4_ro,
    /// ja3_text and ja3_hash): suites, extensions and signature algorithms in wire order.
    #[test]
    fn ja3_and_ja4_match_a_published_chrome_fingerprint() {
        let suites = vec![
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ];
        let raw = |typ: u16, data: &[u8]| Extension::Raw {
            typ,
            data: data.to_vec(),
        };
        let ch = ClientHello::new(0x0303, suites)
            .with(Extension::PskKeyExchangeModes(vec![1]))
            .with(Extension::KeyShare(vec![KeyShareEntry::x25519()]))
            .with(Extension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]))
            .with(raw(0xfe0d, &[0, 0, 1, 0, 1, 0x42, 0, 0, 0, 0]))
            .with(Extension::ExtendedMasterSecret)
            .with(raw(0x44cd, &[0, 3, 2, b'h', b'2']))
            .with(Extension::ServerName("tls.browserleaks.com".into()))
            .with(Extension::EcPointFormats(vec![0]))
            .with(Extension::SupportedGroups(vec![4588, 29, 23, 24]))
            .with(Extension::SupportedVersions(vec![0x0304, 0x0303]))
            .with(Extension::RenegotiationInfo(vec![]))
            .with(Extension::SessionTicket(vec![]))
            .with(raw(0x0012, &[]))
            .with(Extension::StatusRequest)
            .with(Extension::SignatureAlgorithms(vec![
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ]))
            .with(raw(0x001b, &[2, 0, 2]));
        let parsed = ClientHello::parse(&ch.to_bytes().unwrap()).unwrap();
        let info = describe(&parsed);
        assert_eq!(
            info.ja3_string,
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,\
             45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0"
        );
        assert_eq!(info.ja3, "98487aa16281980e7d1120d399efb6a4");
        assert_eq!(info.ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
    }

    /// One handshake record of `len` bytes holding a ClientHello header that announces a
    /// message of `msg_len` bytes (the rest zeros).
    fn record_with(len: usize, msg_len: usize) -> Vec<u8> {
        let m = u32::try_from(msg_len).unwrap().to_be_bytes();
        let mut r = vec![22, 3, 1];
        r.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        r.extend_from_slice(&[1, m[1], m[2], m[3]]);
        r.resize(5 + len, 0);
        r
    }

    #[test]
    fn the_hello_limit_is_inclusive() {
        let over = HelloScan::NotTls("ClientHello larger than the limit");
        // A whole message of MAX_HELLO bytes, in four records.
        let total = MAX_HELLO;
        let mut stream = record_with(16_000, total - 4);
        for len in [16_000, 16_000, total - 48_000] {
            stream.extend_from_slice(&[22, 3, 1]);
            stream.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
            stream.resize(stream.len() + len, 0);
        }
        let HelloScan::Complete(rec) = scan_hello(&stream) else {
            panic!("a {total}-byte hello is taken")
        };
        assert_eq!(rec.len(), 5 + MAX_HELLO);
        assert_eq!(rec.get(3..5), Some(&65_000u16.to_be_bytes()[..]));
        // One byte more announced: refused before it arrives.
        assert_eq!(scan_hello(&record_with(100, MAX_HELLO - 3)), over);
        // A record of MAX_HELLO bytes holding a short message: taken, cut to the message.
        let HelloScan::Complete(rec) = scan_hello(&record_with(MAX_HELLO, 96)) else {
            panic!("a short message in a long record")
        };
        assert_eq!(rec.len(), 5 + 100);
        assert_eq!(scan_hello(&record_with(MAX_HELLO + 1, 96)), over);
        // Another record type in the middle of a hello.
        let mut s = record_with(10, 100);
        s.extend_from_slice(&[21, 3, 1, 0, 2, 2, 40]);
        assert_eq!(
            scan_hello(&s),
            HelloScan::NotTls("ClientHello interrupted by another record type")
        );
    }

    #[test]
    fn ja4_version_alpn_and_sni_parts() {
        let ja4 = |legacy: u16, versions: Option<Vec<u16>>, alpn: Option<&[u8]>, sni: bool| {
            let mut ch = ClientHello::new(legacy, vec![0x002f]);
            if let Some(v) = versions {
                ch = ch.with(Extension::SupportedVersions(v));
            }
            if let Some(p) = alpn {
                ch = ch.with(Extension::Alpn(vec![p.to_vec(), b"zz".to_vec()]));
            }
            if sni {
                ch = ch.with(Extension::ServerName("mx.lab.test".into()));
            }
            describe(&ch).ja4
        };
        let head = |s: String| s.get(..10).unwrap_or_default().to_string();
        assert_eq!(
            head(ja4(0x0303, Some(vec![0x0a0a, 0x0303, 0x0304]), None, true)),
            "t13d010200"
        );
        assert_eq!(head(ja4(0x0303, None, Some(b"smtp"), false)), "t12i0101sp");
        assert_eq!(head(ja4(0x0302, None, Some(b"-x@"), false)), "t11i010199");
        assert_eq!(head(ja4(0x0301, None, Some(b"h2"), false)), "t10i0101h2");
        assert_eq!(head(ja4(0x0300, None, None, false)), "ts3i010000");
        assert_eq!(head(ja4(0x0200, None, None, false)), "t00i010000");
        // An empty first protocol (a hello built here; a parsed one cannot carry it) is "00".
        let empty = ClientHello::new(0x0303, vec![0x002f]).with(Extension::Alpn(vec![vec![]]));
        assert_eq!(head(describe(&empty).ja4), "t12i010100");
        // No extensions at all: the extension hash is the empty one.
        let bare = ClientHello {
            extensions: None,
            ..ClientHello::new(0x0303, vec![0x002f])
        };
        let j = describe(&bare).ja4;
        assert!(j.ends_with("_000000000000"), "{j}");
        assert!(j.starts_with("t12i0100"), "{j}");
    }

    proptest::proptest! {
        #[test]
        fn scan_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            if let HelloScan::Complete(r) = scan_hello(&bytes) {
                if let Ok(ch) = ClientHello::parse(&r) {
                    let _ = describe(&ch);
                }
            }
        }

        #[test]
        fn any_record_split_reassembles(
            suites in proptest::collection::vec(proptest::prelude::any::<u16>(), 1..40),
            sni in "[a-z]{1,20}\\.test",
            cuts in proptest::collection::vec(1usize..50, 0..6),
        ) {
            let ch = ClientHello::new(0x0303, suites)
                .with(Extension::ServerName(sni.clone()));
            let rec = ch.to_bytes().unwrap();
            let mut body = &rec[5..];
            let mut split = Vec::new();
            for c in cuts {
                if body.len() <= c { break; }
                let (a, b) = body.split_at(c);
                split.extend_from_slice(&[22, 3, 1, 0, u8::try_from(a.len()).unwrap()]);
                split.extend_from_slice(a);
                body = b;
            }
            split.extend_from_slice(&[22, 3, 1]);
            split.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
            split.extend_from_slice(body);
            let HelloScan::Complete(whole) = scan_hello(&split) else { panic!("incomplete") };
            let back = ClientHello::parse(&whole).unwrap();
            proptest::prop_assert_eq!(&back.cipher_suites, &ch.cipher_suites);
            proptest::prop_assert_eq!(describe(&back).sni, Some(sni));
        }
    }
}
