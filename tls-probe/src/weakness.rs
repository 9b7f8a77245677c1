//! Named weaknesses derived from the facts the plans found.

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
