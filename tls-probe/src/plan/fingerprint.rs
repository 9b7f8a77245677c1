//! JA3S and JA4S fingerprints of the server's answer to one fixed ClientHello.
//!
//! - JA3S (Salesforce): `md5("SSLVersion,Cipher,Extensions")`, decimal values, extensions joined
//!   by `-`, version = the ServerHello's `legacy_version` field.
//! - JA4S (FoxIO): `t` + version (`13`, `12`, `11`, `10`, `s3`) + two-digit extension count +
//!   first and last character of the chosen ALPN (`00` if none) `_` cipher as 4 hex digits `_`
//!   the first 12 hex digits of sha256 of the extension types as 4-hex-digit values joined by `,`
//!   in the order sent (`000000000000` when there are none).
//!
//! Both depend on the ClientHello, so the probe always sends [`fingerprint_hello`].

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use md5::Md5;
use sha2::{Digest, Sha256};

use super::hellos::{encode, HelloOptions};
use super::Probe;
use crate::flight::{ServerFlight, ServerHelloInfo};
use crate::hello::{groups, sigalgs, ClientHello, Extension, KeyShareEntry};
use crate::suites::{candidates, SCSV_RENEGOTIATION};
use crate::version::Version;

/// Both fingerprints of one ServerHello.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fingerprints {
    /// The JA3S input string.
    pub ja3s_string: String,
    /// JA3S: md5 of the string, lowercase hex.
    pub ja3s: String,
    /// JA4S.
    pub ja4s: String,
}

/// The JA3S string and hash of a ServerHello.
pub fn ja3s(sh: &ServerHelloInfo) -> (String, String) {
    let exts: Vec<String> = sh.extensions.iter().map(|(t, _)| format!("{t}")).collect();
    let s = format!(
        "{},{},{}",
        sh.legacy_version,
        sh.cipher_suite,
        exts.join("-")
    );
    let digest = Md5::digest(s.as_bytes());
    let h = crate::hex(&digest);
    (s, h)
}

/// The JA4S fingerprint of a ServerHello (TCP).
pub fn ja4s(sh: &ServerHelloInfo) -> String {
    let version = match Version::from_wire(sh.version) {
        Some(Version::Tls13) => "13",
        Some(Version::Tls12) => "12",
        Some(Version::Tls11) => "11",
        Some(Version::Tls10) => "10",
        Some(Version::Ssl3) => "s3",
        Some(Version::Ssl2) => "s2",
        None => "00",
    };
    let count = sh.extensions.len().min(99);
    // No ALPN, or an empty protocol name: "00" (the '0' fallbacks below give that too).
    let alpn = match sh.alpn() {
        Some(p) => {
            let first = p.first().copied().unwrap_or(b'0');
            let last = p.last().copied().unwrap_or(b'0');
            let printable = |c: u8| {
                if c.is_ascii_alphanumeric() {
                    c as char
                } else {
                    '9'
                }
            };
            format!("{}{}", printable(first), printable(last))
        }
        _ => String::from("00"),
    };
    let ext_hash = if sh.extensions.is_empty() {
        String::from("000000000000")
    } else {
        let list: Vec<String> = sh
            .extensions
            .iter()
            .map(|(t, _)| format!("{t:04x}"))
            .collect();
        let digest = Sha256::digest(list.join(",").as_bytes());
        crate::hex(digest.get(..6).unwrap_or(&[]))
    };
    format!(
        "t{version}{count:02}{alpn}_{:04x}_{ext_hash}",
        sh.cipher_suite
    )
}

/// The fixed ClientHello of the fingerprint probe: TLS 1.0–1.3, common suites, x25519/P-256 shares, ALPN
/// [`super::features::ALPN_OFFER`] (`smtp` only: Exim refuses a hello offering anything else).
pub fn fingerprint_hello(opts: &HelloOptions) -> ClientHello {
    let mut suites: Vec<u16> = candidates(Version::Tls13).into_iter().take(5).collect();
    suites.extend(candidates(Version::Tls12).into_iter().take(100));
    suites.push(SCSV_RENEGOTIATION);
    let mut h = ClientHello::new(0x0303, suites);
    h.session_id = alloc::vec![0x5a; 32];
    if let Some(name) = &opts.sni {
        h = h.with(Extension::ServerName(name.clone()));
    }
    h.with(Extension::SupportedVersions(alloc::vec![
        0x0304, 0x0303, 0x0302, 0x0301
    ]))
    .with(Extension::SupportedGroups(alloc::vec![
        groups::X25519,
        groups::SECP256R1,
        groups::SECP384R1
    ]))
    .with(Extension::EcPointFormats(alloc::vec![0]))
    .with(Extension::KeyShare(alloc::vec![
        KeyShareEntry::x25519(),
        KeyShareEntry::secp256r1()
    ]))
    .with(Extension::SignatureAlgorithms(sigalgs::ALL.to_vec()))
    .with(Extension::PskKeyExchangeModes(alloc::vec![1]))
    .with(Extension::ExtendedMasterSecret)
    .with(Extension::SessionTicket(Vec::new()))
    .with(Extension::Alpn(
        super::features::ALPN_OFFER
            .iter()
            .map(|p| p.to_vec())
            .collect(),
    ))
}

/// One handshake with [`fingerprint_hello`]; the output is `None` if the server sent no ServerHello.
#[derive(Clone, Debug)]
pub struct FingerprintProbe {
    opts: HelloOptions,
    asked: bool,
    res: Option<Fingerprints>,
}

impl FingerprintProbe {
    /// A probe.
    pub fn new(opts: HelloOptions) -> Self {
        FingerprintProbe {
            opts,
            asked: false,
            res: None,
        }
    }
}

impl Probe for FingerprintProbe {
    type Output = Option<Fingerprints>;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        if let Some(sh) = answer.as_ref().and_then(|f| f.server_hello.as_ref()) {
            let (ja3s_string, ja3s) = ja3s(sh);
            self.res = Some(Fingerprints {
                ja3s_string,
                ja3s,
                ja4s: ja4s(sh),
            });
        }
        if self.asked {
            return None;
        }
        self.asked = true;
        Some(encode(fingerprint_hello(&self.opts)))
    }

    fn output(&self) -> Option<Fingerprints> {
        self.res.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(version: u16, ext: Vec<(u16, Vec<u8>)>) -> ServerHelloInfo {
        ServerHelloInfo {
            legacy_version: 0x0303,
            version,
            random: [0; 32],
            session_id: Vec::new(),
            cipher_suite: 0x1301,
            compression: 0,
            extensions: ext,
            is_hrr: false,
            key_share_group: Some(0x1d),
        }
    }

    #[test]
    fn ja3s_and_ja4s_by_hand() {
        let s = sh(
            0x0304,
            alloc::vec![(43, alloc::vec![3, 4]), (51, alloc::vec![0, 0x1d])],
        );
        let (string, hash) = ja3s(&s);
        assert_eq!(string, "771,4865,43-51");
        // md5("771,4865,43-51"), computed with coreutils md5sum.
        assert_eq!(hash, "f4febc55ea12b31ae17cfb7e614afda8");
        // sha256("002b,0033")[..12], computed with coreutils sha256sum.
        assert_eq!(ja4s(&s), "t130200_1301_a56c5b993250");
        let none = sh(0x0303, Vec::new());
        assert_eq!(ja4s(&none), "t120000_1301_000000000000");
        let alpn = sh(0x0303, alloc::vec![(16, alloc::vec![0, 3, 2, b'h', b'2'])]);
        assert!(ja4s(&alpn).starts_with("t1201h2_1301_"));
        // An empty protocol name (a server that answers ALPN with one) is "00"; a protocol
        // that begins or ends with a non-alphanumeric byte gets '9' there.
        let empty = sh(0x0303, alloc::vec![(16, alloc::vec![0, 1, 0])]);
        assert!(ja4s(&empty).starts_with("t120100_"), "{}", ja4s(&empty));
        let odd = sh(
            0x0303,
            alloc::vec![(16, alloc::vec![0, 4, 3, b'-', b'x', b'@'])],
        );
        assert!(ja4s(&odd).starts_with("t120199_"), "{}", ja4s(&odd));
        let versions = [
            (0x0302, "t11"),
            (0x0301, "t10"),
            (0x0300, "ts3"),
            (0x0002, "ts2"),
            (0x7f00, "t00"),
        ];
        for (v, head) in versions {
            assert!(ja4s(&sh(v, Vec::new())).starts_with(head), "{v:#06x}");
        }
    }

    #[test]
    fn one_hello_then_the_fingerprints_of_its_answer() {
        use crate::plan::test_flights::{alert, flight, parsed};
        let mut p = FingerprintProbe::new(HelloOptions::with_sni("mx.lab.test"));
        let h = parsed(p.next(None));
        assert_eq!(h, fingerprint_hello(&HelloOptions::with_sni("mx.lab.test")));
        assert!(h
            .extensions
            .iter()
            .flatten()
            .any(|e| *e == Extension::ServerName("mx.lab.test".into())));
        let f = flight(0x0303, 0xc02f, &[(0xff01, &[0])], None, false);
        assert_eq!(p.next(Some(f)), None, "one hello only");
        let fp = p.output().expect("a ServerHello was seen");
        assert_eq!(fp.ja3s_string, "771,49199,65281");
        assert_eq!(fp.ja3s.len(), 32);
        assert!(fp.ja4s.starts_with("t120100_c02f_"), "{}", fp.ja4s);
        // No ServerHello: no fingerprint.
        let mut p = FingerprintProbe::new(HelloOptions::default());
        p.next(None);
        assert_eq!(p.next(Some(alert(40))), None);
        assert_eq!(p.output(), None);
    }
}
