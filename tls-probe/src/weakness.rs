//! Named weaknesses derived from the facts the plans found, with their stable ids, severities
//! and explanations (the record's TLS findings are made from these).
//!
//! ```
//! use tls_probe::weakness::{Severity, Weakness};
//! let w = Weakness::Rc4(vec![0x0005]);
//! assert_eq!((w.id(), w.severity()), ("rc4", Severity::High));
//! assert_eq!(w.message(), "RC4 suites accepted: TLS_RSA_WITH_RC4_128_SHA");
//! ```

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::plan::features::Features;
use crate::plan::params::{DhClass, DhResult};
use crate::plan::suites::SuiteScan;
use crate::plan::versions::VersionSupport;
use crate::suites::Suite;
use crate::version::Version;

/// A weakness, with the suites (or sizes) that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Weakness {
    /// SSLv2 accepted.
    Sslv2,
    /// SSLv3 accepted (POODLE).
    Sslv3Poodle,
    /// RC4 suites accepted.
    Rc4(Vec<u16>),
    /// 64-bit block cipher suites accepted (SWEET32).
    Sweet32(Vec<u16>),
    /// Export suites accepted (FREAK for RSA export, Logjam for DHE export).
    Export(Vec<u16>),
    /// DHE with a prime below 2048 bits (Logjam class).
    WeakDh {
        /// Prime size.
        bits: u32,
        /// Class.
        class: DhClass,
    },
    /// NULL-encryption suites accepted.
    NullCipher(Vec<u16>),
    /// Anonymous suites accepted.
    Anonymous(Vec<u16>),
    /// Suites without forward secrecy accepted.
    NoForwardSecrecy(Vec<u16>),
    /// Neither TLS 1.2 nor TLS 1.3 accepted.
    NoTls12OrLater,
    /// TLS compression (CRIME).
    Compression,
    /// No secure renegotiation (RFC 5746).
    NoSecureRenegotiation,
}

/// How bad a weakness is, worst last (the same five levels as mxray's record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing, not a weakness.
    Info,
    /// A hygiene problem.
    Low,
    /// A weakness some senders or policies act on.
    Medium,
    /// Confidentiality fails or is weak.
    High,
    /// Broken.
    Critical,
}

/// IANA names of `ids` (a code point where the registry has none), comma-separated.
fn suite_names(ids: &[u16]) -> String {
    ids.iter()
        .map(|id| crate::suite_name(*id))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Weakness {
    /// Every id [`Weakness::id`] can return (mxray's findings catalogue has an entry for each).
    pub const IDS: &'static [&'static str] = &[
        "sslv2",
        "sslv3",
        "rc4",
        "sweet32",
        "export",
        "weak-dh",
        "null-cipher",
        "anonymous",
        "no-forward-secrecy",
        "no-tls12-or-later",
        "compression",
        "no-secure-renegotiation",
    ];

    /// The stable id (`sslv2`, `sslv3`, `rc4`, `sweet32`, `export`, `weak-dh`, `null-cipher`,
    /// `anonymous`, `no-forward-secrecy`, `no-tls12-or-later`, `compression`,
    /// `no-secure-renegotiation`).
    pub fn id(&self) -> &'static str {
        match self {
            Weakness::Sslv2 => "sslv2",
            Weakness::Sslv3Poodle => "sslv3",
            Weakness::Rc4(_) => "rc4",
            Weakness::Sweet32(_) => "sweet32",
            Weakness::Export(_) => "export",
            Weakness::WeakDh { .. } => "weak-dh",
            Weakness::NullCipher(_) => "null-cipher",
            Weakness::Anonymous(_) => "anonymous",
            Weakness::NoForwardSecrecy(_) => "no-forward-secrecy",
            Weakness::NoTls12OrLater => "no-tls12-or-later",
            Weakness::Compression => "compression",
            Weakness::NoSecureRenegotiation => "no-secure-renegotiation",
        }
    }

    /// How bad it is (a weak DH prime by its Logjam class).
    pub fn severity(&self) -> Severity {
        match self {
            Weakness::Sslv2 | Weakness::Export(_) | Weakness::NullCipher(_) => Severity::Critical,
            Weakness::Sslv3Poodle | Weakness::Rc4(_) | Weakness::NoTls12OrLater => Severity::High,
            Weakness::Sweet32(_)
            | Weakness::Anonymous(_)
            | Weakness::Compression
            | Weakness::NoSecureRenegotiation => Severity::Medium,
            Weakness::NoForwardSecrecy(_) => Severity::Low,
            Weakness::WeakDh { class, .. } => match class {
                DhClass::Bits512 => Severity::Critical,
                DhClass::Bits768 => Severity::High,
                DhClass::Bits1024 => Severity::Medium,
                _ => Severity::Low,
            },
        }
    }

    /// The explanation, naming the suites that show it.
    pub fn message(&self) -> String {
        match self {
            Weakness::Sslv2 => "SSLv2 accepted (DROWN)".to_owned(),
            Weakness::Sslv3Poodle => "SSLv3 accepted (POODLE)".to_owned(),
            Weakness::Rc4(ids) => format!("RC4 suites accepted: {}", suite_names(ids)),
            Weakness::Sweet32(ids) => format!(
                "64-bit block cipher suites accepted (SWEET32): {}",
                suite_names(ids)
            ),
            Weakness::Export(ids) => format!(
                "export-grade suites accepted (FREAK/Logjam): {}",
                suite_names(ids)
            ),
            Weakness::WeakDh { bits, .. } => {
                format!("DHE with a {bits}-bit prime (Logjam class)")
            }
            Weakness::NullCipher(ids) => {
                format!("NULL-encryption suites accepted: {}", suite_names(ids))
            }
            Weakness::Anonymous(ids) => format!(
                "anonymous (unauthenticated) suites accepted: {}",
                suite_names(ids)
            ),
            Weakness::NoForwardSecrecy(ids) => {
                format!("{} suites without forward secrecy accepted", ids.len())
            }
            Weakness::NoTls12OrLater => "neither TLS 1.2 nor TLS 1.3 is accepted".to_owned(),
            Weakness::Compression => "TLS compression accepted (CRIME)".to_owned(),
            Weakness::NoSecureRenegotiation => "no secure renegotiation (RFC 5746)".to_owned(),
        }
    }
}

/// Derives the weaknesses from whatever facts are available.
pub fn weaknesses(
    versions: &[VersionSupport],
    suites: Option<&SuiteScan>,
    dh: Option<&DhResult>,
    features: Option<&Features>,
) -> Vec<Weakness> {
    let mut out = Vec::new();
    let supported = |v: Version| {
        versions.iter().any(|x| x.version == v && x.supported)
            || suites
                .and_then(|s| s.version(v))
                .is_some_and(|x| x.supported)
    };
    if supported(Version::Ssl2) {
        out.push(Weakness::Sslv2);
    }
    if supported(Version::Ssl3) {
        out.push(Weakness::Sslv3Poodle);
    }
    if let Some(scan) = suites {
        let mut ids: Vec<u16> = scan.pairs().into_iter().map(|(_, id)| id).collect();
        ids.sort_unstable();
        ids.dedup();
        let with = |f: fn(&Suite) -> bool| -> Vec<u16> {
            ids.iter()
                .copied()
                .filter(|id| Suite::from_id(*id).is_some_and(|s| f(&s)))
                .collect()
        };
        let lists = [
            (
                with(|s| s.flags.rc4),
                Weakness::Rc4 as fn(Vec<u16>) -> Weakness,
            ),
            (with(|s| s.flags.block64), Weakness::Sweet32),
            (with(|s| s.flags.export), Weakness::Export),
            (with(|s| s.flags.null_cipher), Weakness::NullCipher),
            (with(|s| s.flags.anonymous), Weakness::Anonymous),
            (
                with(|s| !s.flags.forward_secrecy),
                Weakness::NoForwardSecrecy,
            ),
        ];
        for (list, make) in lists {
            if !list.is_empty() {
                out.push(make(list));
            }
        }
    }
    if let Some(seen) = dh.and_then(|d| d.without_ffdhe.as_ref().or(d.with_ffdhe.as_ref())) {
        if seen.class < DhClass::Ok2048 {
            out.push(Weakness::WeakDh {
                bits: seen.prime_bits,
                class: seen.class,
            });
        }
    }
    let any_known = !versions.is_empty() || suites.is_some();
    if any_known && !supported(Version::Tls12) && !supported(Version::Tls13) {
        out.push(Weakness::NoTls12OrLater);
    }
    if let Some(f) = features {
        if f.compression.is_some_and(|c| c != 0) {
            out.push(Weakness::Compression);
        }
        if f.secure_renegotiation == Some(false) {
            out.push(Weakness::NoSecureRenegotiation);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn ids_severities_and_messages() {
        let dh = |class| Weakness::WeakDh { bits: 1024, class };
        assert_eq!(dh(DhClass::Bits1024).id(), "weak-dh");
        assert_eq!(dh(DhClass::Bits512).severity(), Severity::Critical);
        assert_eq!(dh(DhClass::Bits768).severity(), Severity::High);
        assert_eq!(dh(DhClass::Bits1024).severity(), Severity::Medium);
        assert_eq!(
            dh(DhClass::Bits1024).message(),
            "DHE with a 1024-bit prime (Logjam class)"
        );
        let w = Weakness::Sweet32(vec![0x000a, 0xfefe]);
        assert_eq!((w.id(), w.severity()), ("sweet32", Severity::Medium));
        assert_eq!(
            w.message(),
            "64-bit block cipher suites accepted (SWEET32): TLS_RSA_WITH_3DES_EDE_CBC_SHA, 0xFEFE"
        );
        let w = Weakness::NoForwardSecrecy(vec![0x002f, 0x0035]);
        assert_eq!(w.message(), "2 suites without forward secrecy accepted");
        assert_eq!(w.severity(), Severity::Low);
        assert_eq!(Weakness::Sslv3Poodle.id(), "sslv3");
    }

    #[test]
    fn every_variant_has_its_severity_and_message() {
        let table: [(Weakness, Severity, &str); 12] = [
            (
                Weakness::Sslv2,
                Severity::Critical,
                "SSLv2 accepted (DROWN)",
            ),
            (
                Weakness::Sslv3Poodle,
                Severity::High,
                "SSLv3 accepted (POODLE)",
            ),
            (
                Weakness::Rc4(vec![0x0005]),
                Severity::High,
                "RC4 suites accepted: TLS_RSA_WITH_RC4_128_SHA",
            ),
            (
                Weakness::Export(vec![0x0003]),
                Severity::Critical,
                "export-grade suites accepted (FREAK/Logjam): TLS_RSA_EXPORT_WITH_RC4_40_MD5",
            ),
            (
                Weakness::NullCipher(vec![0x0002]),
                Severity::Critical,
                "NULL-encryption suites accepted: TLS_RSA_WITH_NULL_SHA",
            ),
            (
                Weakness::Anonymous(vec![0x0034]),
                Severity::Medium,
                "anonymous (unauthenticated) suites accepted: TLS_DH_anon_WITH_AES_128_CBC_SHA",
            ),
            (
                Weakness::NoTls12OrLater,
                Severity::High,
                "neither TLS 1.2 nor TLS 1.3 is accepted",
            ),
            (
                Weakness::Compression,
                Severity::Medium,
                "TLS compression accepted (CRIME)",
            ),
            (
                Weakness::NoSecureRenegotiation,
                Severity::Medium,
                "no secure renegotiation (RFC 5746)",
            ),
            (
                Weakness::WeakDh {
                    bits: 2000,
                    class: DhClass::Below2048,
                },
                Severity::Low,
                "DHE with a 2000-bit prime (Logjam class)",
            ),
            (
                Weakness::WeakDh {
                    bits: 512,
                    class: DhClass::Bits512,
                },
                Severity::Critical,
                "DHE with a 512-bit prime (Logjam class)",
            ),
            (
                Weakness::Sweet32(vec![0x000a, 0x0016]),
                Severity::Medium,
                "64-bit block cipher suites accepted (SWEET32): TLS_RSA_WITH_3DES_EDE_CBC_SHA, \
                 TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
            ),
        ];
        for (w, severity, message) in table {
            assert_eq!(
                (w.severity(), w.message().as_str()),
                (severity, message),
                "{w:?}"
            );
        }
    }

    fn scan_of(version: Version, ids: &[u16]) -> SuiteScan {
        SuiteScan {
            versions: vec![crate::plan::suites::VersionSuites {
                version,
                supported: !ids.is_empty(),
                suites: ids
                    .iter()
                    .map(|id| crate::plan::suites::AcceptedSuite::observed(*id))
                    .collect(),
                preference: crate::plan::suites::Preference::Server,
                downgraded_to: None,
                unoffered_picks: vec![],
                hellos: Default::default(),
                complete: true,
            }],
            stopped: None,
        }
    }

    fn dh_seen(bits: u32) -> DhResult {
        DhResult {
            without_ffdhe: Some(crate::plan::params::DhSeen {
                version: Version::Tls12,
                suite: 0x009e,
                prime_bits: bits,
                generator: Some(2),
                class: DhClass::of(bits),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn weaknesses_from_each_kind_of_fact() {
        // Suites: each list holds exactly the accepted suites with its flag, sorted, deduplicated.
        let scan = scan_of(Version::Tls12, &[0xc02f, 0x000a, 0x0005, 0x002f, 0x000a]);
        let w = weaknesses(&[], Some(&scan), None, None);
        assert_eq!(
            w,
            vec![
                Weakness::Rc4(vec![0x0005]),
                Weakness::Sweet32(vec![0x000a]),
                Weakness::NoForwardSecrecy(vec![0x0005, 0x000a, 0x002f]),
            ]
        );
        // Only forward-secret AEAD suites over TLS 1.2: nothing.
        assert!(weaknesses(&[], Some(&scan_of(Version::Tls12, &[0xc02f])), None, None).is_empty());
        // TLS 1.0 only: no TLS 1.2 or later; the same from a version probe.
        let w = weaknesses(&[], Some(&scan_of(Version::Tls10, &[0xc013])), None, None);
        assert_eq!(w, vec![Weakness::NoTls12OrLater]);
        let v = |version, supported| VersionSupport {
            version,
            supported,
            server_version: None,
            suite: None,
            key_exchange: None,
            via_hrr: false,
            alert: None,
            sslv2_cipher_specs: vec![],
            certificates: vec![],
            by_handshake: false,
        };
        let w = weaknesses(
            &[
                v(Version::Ssl2, true),
                v(Version::Ssl3, true),
                v(Version::Tls12, false),
            ],
            None,
            None,
            None,
        );
        assert_eq!(
            w,
            vec![
                Weakness::Sslv2,
                Weakness::Sslv3Poodle,
                Weakness::NoTls12OrLater
            ]
        );
        assert!(weaknesses(&[v(Version::Tls13, true)], None, None, None).is_empty());
        assert!(weaknesses(&[v(Version::Tls12, true)], None, None, None).is_empty());
        // Nothing known about versions: no claim about TLS 1.2.
        assert!(weaknesses(&[], None, None, None).is_empty());
        // DH: below 2048 bits is weak, 2048 is not; the probe without FFDHE groups counts first.
        assert_eq!(
            weaknesses(&[], None, Some(&dh_seen(2047)), None),
            vec![Weakness::WeakDh {
                bits: 2047,
                class: DhClass::Below2048
            }]
        );
        assert!(weaknesses(&[], None, Some(&dh_seen(2048)), None).is_empty());
        let mut both = dh_seen(2048);
        both.with_ffdhe = dh_seen(1024).without_ffdhe;
        assert!(weaknesses(&[], None, Some(&both), None).is_empty());
        let only_with = DhResult {
            with_ffdhe: dh_seen(1024).without_ffdhe,
            ..Default::default()
        };
        assert_eq!(weaknesses(&[], None, Some(&only_with), None).len(), 1);
        // Features: compression method 0 is "none".
        let f = |compression, secure_renegotiation| Features {
            compression,
            secure_renegotiation,
            ..Default::default()
        };
        assert_eq!(
            weaknesses(&[], None, None, Some(&f(Some(1), Some(false)))),
            vec![Weakness::Compression, Weakness::NoSecureRenegotiation]
        );
        assert!(weaknesses(&[], None, None, Some(&f(Some(0), Some(true)))).is_empty());
        assert!(weaknesses(&[], None, None, Some(&f(None, None))).is_empty());
    }

    /// `IDS` lists exactly the ids of the variants, kebab-case.
    #[test]
    fn ids_lists_every_variant() {
        let all = [
            Weakness::Sslv2,
            Weakness::Sslv3Poodle,
            Weakness::Rc4(vec![]),
            Weakness::Sweet32(vec![]),
            Weakness::Export(vec![]),
            Weakness::WeakDh {
                bits: 512,
                class: DhClass::Bits512,
            },
            Weakness::NullCipher(vec![]),
            Weakness::Anonymous(vec![]),
            Weakness::NoForwardSecrecy(vec![]),
            Weakness::NoTls12OrLater,
            Weakness::Compression,
            Weakness::NoSecureRenegotiation,
        ];
        let ids: Vec<&str> = all.iter().map(Weakness::id).collect();
        assert_eq!(ids, Weakness::IDS);
        for id in ids {
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        }
    }
}
