//! Cipher-suite classification, derived from `tls-parser`'s copy of the IANA registry.
//!
//! Nothing here retypes the IANA table: [`Suite::from_id`] looks the id up in
//! [`tls_parser::TlsCipherSuite::from_id`] and derives the flags a scanner reports
//! (export, anonymous, NULL, RC4, 64-bit block, CBC, AEAD, forward secrecy, TLS 1.3).

use alloc::vec::Vec;
use tls_parser::{
    TlsCipherAu, TlsCipherEnc, TlsCipherEncMode, TlsCipherKx, TlsCipherMac, TlsCipherSuite, TlsPRF,
};

use crate::version::Version;

/// `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` (RFC 5746).
pub const SCSV_RENEGOTIATION: u16 = 0x00ff;
/// `TLS_FALLBACK_SCSV` (RFC 7507).
pub const SCSV_FALLBACK: u16 = 0x5600;

/// Whether `id` is a GREASE value (RFC 8701): `0x?A?A` with both bytes equal.
pub const fn is_grease(id: u16) -> bool {
    (id & 0x0f0f) == 0x0a0a && (id >> 8) == (id & 0xff)
}

/// Whether `id` is a signalling value rather than a real suite (SCSVs, GREASE, `TLS_NULL_WITH_NULL_NULL`).
pub const fn is_signalling(id: u16) -> bool {
    id == 0x0000 || id == SCSV_RENEGOTIATION || id == SCSV_FALLBACK || is_grease(id)
}

/// The key exchange class of a suite ([`Suite::kx_class`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KxClass {
    /// Static RSA key transport.
    Rsa,
    /// Ephemeral finite-field Diffie-Hellman.
    Dhe,
    /// Ephemeral elliptic-curve Diffie-Hellman.
    Ecdhe,
    /// Anonymous (unauthenticated) finite-field Diffie-Hellman.
    DhAnon,
    /// Anonymous (unauthenticated) elliptic-curve Diffie-Hellman.
    EcdhAnon,
    /// A TLS 1.3 suite (the key exchange is negotiated apart).
    Tls13,
    /// Pre-shared keys or SRP.
    Psk,
    /// Anything else (static DH/ECDH, Kerberos, GOST, ECCPWD, ...).
    Other,
}

impl KxClass {
    /// The name in mxray's record (`rsa`, `dhe`, `ecdhe`, `dh_anon`, `ecdh_anon`, `tls13`,
    /// `psk`, `other`).
    pub const fn as_str(self) -> &'static str {
        match self {
            KxClass::Rsa => "rsa",
            KxClass::Dhe => "dhe",
            KxClass::Ecdhe => "ecdhe",
            KxClass::DhAnon => "dh_anon",
            KxClass::EcdhAnon => "ecdh_anon",
            KxClass::Tls13 => "tls13",
            KxClass::Psk => "psk",
            KxClass::Other => "other",
        }
    }
}

/// Properties derived from a suite's registry entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuiteFlags {
    /// An export-grade suite (40/56-bit keys, `EXPORT` in the IANA name): FREAK / Logjam class.
    pub export: bool,
    /// No server authentication (`DH_anon`, `ECDH_anon`).
    pub anonymous: bool,
    /// No encryption at all (`WITH_NULL`).
    pub null_cipher: bool,
    /// RC4 stream cipher.
    pub rc4: bool,
    /// A 64-bit block cipher (DES, 3DES, IDEA, RC2): SWEET32 class.
    pub block64: bool,
    /// CBC mode.
    pub cbc: bool,
    /// AEAD (GCM, CCM, ChaCha20-Poly1305).
    pub aead: bool,
    /// Ephemeral key exchange (DHE, ECDHE, anonymous DH/ECDH, TLS 1.3).
    pub forward_secrecy: bool,
    /// A TLS 1.3 suite.
    pub tls13: bool,
    /// Only defined for TLS 1.2 (AEAD or SHA-256/384 MAC or PRF).
    pub tls12_only: bool,
    /// ChaCha20-Poly1305.
    pub chacha20: bool,
    /// PSK, SRP, Kerberos, ECCPWD or static (certificate) DH/ECDH: rarely configured.
    pub exotic: bool,
}

/// A cipher suite known to the IANA registry, with derived flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    /// The registry entry from `tls-parser`.
    pub info: &'static TlsCipherSuite,
    /// Derived flags.
    pub flags: SuiteFlags,
}

impl Suite {
    /// Looks a suite up by id; `None` for unknown ids and for signalling values.
    pub fn from_id(id: u16) -> Option<Suite> {
        if is_signalling(id) {
            return None;
        }
        TlsCipherSuite::from_id(id).map(|info| Suite {
            info,
            flags: flags_of(info),
        })
    }

    /// The IANA id.
    pub fn id(&self) -> u16 {
        self.info.id.0
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// Whether the suite may be negotiated at `version`.
    pub fn usable_at(&self, version: Version) -> bool {
        match version {
            Version::Tls13 => self.flags.tls13,
            Version::Tls12 => !self.flags.tls13,
            Version::Ssl3 | Version::Tls10 | Version::Tls11 => {
                !self.flags.tls13 && !self.flags.tls12_only
            }
            Version::Ssl2 => false,
        }
    }

    /// How the suite exchanges keys, from `tls-parser`'s key exchange and authentication
    /// fields (one rule for the workspace: the record's `kx` is [`KxClass::as_str`] of it).
    ///
    /// ```
    /// use tls_probe::suites::{KxClass, Suite};
    /// let kx = |id| Suite::from_id(id).map(|s| s.kx_class());
    /// assert_eq!(kx(0xc02f), Some(KxClass::Ecdhe));
    /// assert_eq!(kx(0x0034), Some(KxClass::DhAnon));
    /// assert_eq!(kx(0x1301).map(KxClass::as_str), Some("tls13"));
    /// ```
    pub fn kx_class(&self) -> KxClass {
        let i = self.info;
        let psk = matches!(i.kx, TlsCipherKx::Psk | TlsCipherKx::Srp)
            || matches!(
                i.au,
                TlsCipherAu::Psk | TlsCipherAu::Srp | TlsCipherAu::Srp_Dss | TlsCipherAu::Srp_Rsa
            );
        if self.flags.tls13 {
            KxClass::Tls13
        } else if self.flags.anonymous && self.is_ecdhe() {
            KxClass::EcdhAnon
        } else if self.flags.anonymous {
            KxClass::DhAnon
        } else if psk {
            KxClass::Psk
        } else {
            match i.kx {
                TlsCipherKx::Ecdhe => KxClass::Ecdhe,
                TlsCipherKx::Dhe => KxClass::Dhe,
                TlsCipherKx::Rsa => KxClass::Rsa,
                _ => KxClass::Other,
            }
        }
    }

    /// Whether the server sends a ServerKeyExchange with DH parameters for this suite.
    pub fn is_dhe(&self) -> bool {
        matches!(self.info.kx, TlsCipherKx::Dhe)
            || (matches!(self.info.kx, TlsCipherKx::Dh) && self.flags.anonymous)
    }

    /// Whether the server sends a ServerKeyExchange with ECDH parameters for this suite.
    pub fn is_ecdhe(&self) -> bool {
        matches!(self.info.kx, TlsCipherKx::Ecdhe | TlsCipherKx::Aecdh)
            || (matches!(self.info.kx, TlsCipherKx::Ecdh) && self.flags.anonymous)
    }
}

fn flags_of(s: &TlsCipherSuite) -> SuiteFlags {
    let anonymous =
        matches!(s.au, TlsCipherAu::Null) && !matches!(s.kx, TlsCipherKx::Null | TlsCipherKx::Psk);
    let tls13 = matches!(s.kx, TlsCipherKx::Tls13);
    // tls-parser's table gives every GCM, CCM and ChaCha20-Poly1305 suite the AEAD MAC; AEGIS
    // is filed with an HMAC.
    let aead = matches!(s.mac, TlsCipherMac::Aead) || matches!(s.enc, TlsCipherEnc::Aegis);
    // TLS 1.2 brought AEAD ciphers and the SHA-2 PRFs (every suite with a SHA-2 HMAC names one;
    // RFC 6655's CCM suites name none, so AEAD counts on its own).
    let tls12_only =
        !tls13 && (aead || matches!(s.prf, TlsPRF::Sha256 | TlsPRF::Sha384 | TlsPRF::Sha512));
    let exotic = matches!(
        s.kx,
        TlsCipherKx::Psk | TlsCipherKx::Krb5 | TlsCipherKx::Srp | TlsCipherKx::Eccpwd
    ) || matches!(
        s.au,
        TlsCipherAu::Psk
            | TlsCipherAu::Krb5
            | TlsCipherAu::Srp
            | TlsCipherAu::Srp_Dss
            | TlsCipherAu::Srp_Rsa
            | TlsCipherAu::Eccpwd
    ) || (matches!(s.kx, TlsCipherKx::Dh | TlsCipherKx::Ecdh) && !anonymous)
        || matches!(s.enc, TlsCipherEnc::Sm4 | TlsCipherEnc::Aegis)
        || (matches!(s.kx, TlsCipherKx::Tls13) && matches!(s.enc, TlsCipherEnc::Null));
    SuiteFlags {
        export: s.name.contains("EXPORT"),
        anonymous,
        null_cipher: matches!(s.enc, TlsCipherEnc::Null),
        rc4: matches!(s.enc, TlsCipherEnc::Rc4),
        block64: matches!(
            s.enc,
            TlsCipherEnc::Des | TlsCipherEnc::TripleDes | TlsCipherEnc::Idea | TlsCipherEnc::Rc2
        ),
        cbc: matches!(s.enc_mode, TlsCipherEncMode::Cbc),
        aead,
        forward_secrecy: tls13
            || matches!(
                s.kx,
                TlsCipherKx::Dhe | TlsCipherKx::Ecdhe | TlsCipherKx::Aecdh
            )
            || (anonymous && matches!(s.kx, TlsCipherKx::Dh | TlsCipherKx::Ecdh))
            // RFC 6655's TLS_PSK_DHE_* suites: tls-parser's table files their DHE under `au`.
            || matches!(s.au, TlsCipherAu::Dhe),
        tls13,
        tls12_only,
        chacha20: matches!(s.enc, TlsCipherEnc::Chacha20_Poly1305),
        exotic,
    }
}

/// Every suite of the registry (signalling values excluded), in the registry's (unsorted) order.
fn registry() -> impl Iterator<Item = Suite> {
    tls_parser::CIPHERS
        .values()
        .filter(|info| !is_signalling(info.id.0))
        .map(|info| Suite {
            info,
            flags: flags_of(info),
        })
}

/// Every suite of the registry (signalling values excluded), sorted by id.
pub fn all() -> Vec<Suite> {
    let mut v: Vec<Suite> = registry().collect();
    // Ids are unique in the registry: an unstable sort gives the same order, for less work.
    v.sort_unstable_by_key(|s| s.id());
    v
}

/// The candidate suites for `version`, in probing order: common suites first (ChaCha20 last among
/// them, so a server's "prioritise ChaCha" rule does not distort the order), then DSS-authenticated
/// suites, then exotic ones (PSK, SRP, Kerberos, static DH/ECDH, SM4...). The common tier of every
/// version fits one chunk of 128 suites, so a typical server's suites are all found in the first
/// chunk and their pick order is the server's global order.
///
/// Plans call this for every hello they build: with the `std` feature the list of each version
/// is computed once and copied after that; without it, each call makes one pass over the registry
/// and one sort (by tier, then id).
pub fn candidates(version: Version) -> Vec<u16> {
    static CACHE: PerVersion = PerVersion::new();
    CACHE.get(version, ranked_candidates)
}

/// A suite list per protocol version that plans ask for at every hello: with the `std` feature
/// made once per process (at the first call for that version) and copied after that; without
/// it, made at each call.
pub(crate) struct PerVersion {
    #[cfg(feature = "std")]
    cells: [std::sync::OnceLock<Vec<u16>>; 6],
}

impl PerVersion {
    /// An empty cache, for a `static`.
    pub(crate) const fn new() -> Self {
        PerVersion {
            #[cfg(feature = "std")]
            cells: [const { std::sync::OnceLock::new() }; 6],
        }
    }

    /// The list of `version`, made by `make` the first time.
    pub(crate) fn get(&self, version: Version, make: fn(Version) -> Vec<u16>) -> Vec<u16> {
        #[cfg(feature = "std")]
        {
            let slot = Version::ALL.iter().position(|v| *v == version);
            if let Some(cell) = slot.and_then(|i| self.cells.get(i)) {
                return cell.get_or_init(|| make(version)).clone();
            }
        }
        make(version)
    }
}

fn ranked_candidates(version: Version) -> Vec<u16> {
    // Tiers: common suites, then DSS-authenticated ones (they need a DSA certificate), then exotic.
    let rank = |s: &Suite| {
        let tier = if s.flags.exotic {
            2
        } else if matches!(s.info.au, TlsCipherAu::Dss) {
            1
        } else {
            0
        };
        tier * 2 + u8::from(s.flags.chacha20)
    };
    let mut ranked: Vec<(u8, u16)> = registry()
        .filter(|s| s.usable_at(version))
        .map(|s| (rank(&s), s.id()))
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_known_suites() {
        let s = Suite::from_id(0x0004).unwrap(); // TLS_RSA_WITH_RC4_128_MD5
        assert!(s.flags.rc4 && !s.flags.forward_secrecy && !s.flags.export);
        let s = Suite::from_id(0x0003).unwrap(); // TLS_RSA_EXPORT_WITH_RC4_40_MD5
        assert!(s.flags.export && s.flags.rc4);
        let s = Suite::from_id(0x000a).unwrap(); // TLS_RSA_WITH_3DES_EDE_CBC_SHA
        assert!(s.flags.block64 && s.flags.cbc);
        let s = Suite::from_id(0x0034).unwrap(); // TLS_DH_anon_WITH_AES_128_CBC_SHA
        assert!(s.flags.anonymous && s.flags.forward_secrecy && s.is_dhe());
        let s = Suite::from_id(0xc02f).unwrap(); // ECDHE_RSA_AES_128_GCM
        assert!(s.flags.aead && s.flags.forward_secrecy && s.flags.tls12_only && s.is_ecdhe());
        let s = Suite::from_id(0x1301).unwrap();
        assert!(s.flags.tls13 && s.usable_at(Version::Tls13) && !s.usable_at(Version::Tls12));
        let s = Suite::from_id(0x0001).unwrap(); // NULL_MD5
        assert!(s.flags.null_cipher && !s.flags.anonymous);
        let s = Suite::from_id(0x003c).unwrap(); // RSA_AES_128_CBC_SHA256
        assert!(s.flags.tls12_only && !s.usable_at(Version::Tls10));
        let s = Suite::from_id(0xcca8).unwrap();
        assert!(s.flags.chacha20);
        assert!(Suite::from_id(SCSV_FALLBACK).is_none());
        assert!(Suite::from_id(0x0a0a).is_none());
    }

    #[test]
    fn candidates_are_version_specific() {
        let t13 = candidates(Version::Tls13);
        // The five RFC 8446 suites first, then the registry's other TLS 1.3 code points.
        assert_eq!(
            t13.get(..5),
            Some(&[0x1301, 0x1302, 0x1304, 0x1305, 0x1303][..]),
            "{t13:x?}"
        );
        assert!(t13
            .iter()
            .all(|id| Suite::from_id(*id).unwrap().flags.tls13));
        for v in [
            Version::Ssl3,
            Version::Tls10,
            Version::Tls11,
            Version::Tls12,
        ] {
            let common = candidates(v)
                .iter()
                .map(|id| Suite::from_id(*id).unwrap())
                .filter(|s| !s.flags.exotic && !matches!(s.info.au, TlsCipherAu::Dss))
                .count();
            assert!(
                common <= 128,
                "{v}: {common} common suites do not fit one chunk"
            );
        }
        let t10 = candidates(Version::Tls10);
        assert!(t10.contains(&0x0005) && !t10.contains(&0xc02f) && !t10.contains(&0x1301));
        let t12 = candidates(Version::Tls12);
        assert!(t12.contains(&0xc02f) && t12.contains(&0x0005));
        // ChaCha20 comes after every common suite, exotic suites come last.
        let pos = |id| t12.iter().position(|&x| x == id).unwrap();
        assert!(pos(0xcca8) > pos(0xc02f));
        assert!(pos(0x008c) > pos(0xcca8)); // PSK_WITH_AES_128_CBC_SHA
        assert!(is_grease(0x1a1a) && !is_grease(0x1a2a));
    }

    /// The sixteen RFC 8701 values and nothing else, over the whole u16 space.
    #[test]
    fn grease_and_signalling_values_exactly() {
        let grease: Vec<u16> = (0..16u16)
            .map(|i| (i << 12) | 0x0a00 | (i << 4) | 0x0a)
            .collect();
        assert_eq!(grease.first(), Some(&0x0a0a));
        assert_eq!(grease.last(), Some(&0xfafa));
        for id in 0..=u16::MAX {
            assert_eq!(is_grease(id), grease.contains(&id), "{id:#06x}");
            let signalling = id == 0 || id == 0x00ff || id == 0x5600 || grease.contains(&id);
            assert_eq!(is_signalling(id), signalling, "{id:#06x}");
        }
    }

    /// Every flag, for every suite of the registry, against a rule on its IANA name (the
    /// names spell out key exchange, cipher, mode and MAC, so they are an oracle independent of
    /// tls-parser's fields).
    #[test]
    fn flags_agree_with_the_iana_names() {
        fn by_name(name: &str) -> SuiteFlags {
            let has = |p: &str| name.contains(p);
            let tls13 = !has("_WITH_");
            // TLS_SHA256_SHA256, TLS_SHA384_SHA384 (RFC 9150): integrity only.
            let tls13_null = tls13 && name.matches("SHA").count() == 2;
            let anonymous = has("_anon_");
            let aead =
                (tls13 && !tls13_null) || has("GCM") || has("CCM") || has("CHACHA20_POLY1305");
            let sha2 = name.ends_with("SHA256") || name.ends_with("SHA384");
            let static_dh = [
                "TLS_DH_RSA_",
                "TLS_DH_DSS_",
                "TLS_ECDH_RSA_",
                "TLS_ECDH_ECDSA_",
            ]
            .iter()
            .any(|p| name.starts_with(p));
            SuiteFlags {
                export: has("EXPORT"),
                anonymous,
                null_cipher: has("WITH_NULL") || tls13_null,
                rc4: has("RC4"),
                block64: has("DES") || has("IDEA") || has("RC2"),
                cbc: has("CBC"),
                aead,
                forward_secrecy: tls13
                    || has("DHE_")
                    || has("_DHE")
                    || name.starts_with("TLS_DH_anon")
                    || name.starts_with("TLS_ECDH_anon"),
                tls13,
                tls12_only: !tls13 && (aead || sha2),
                chacha20: has("CHACHA20"),
                exotic: has("PSK")
                    || has("KRB5")
                    || has("SRP")
                    || has("ECCPWD")
                    || has("SM4")
                    || has("AEGIS")
                    || static_dh
                    || tls13_null,
            }
        }
        // all(): the registry without signalling values, sorted, the same suites as from_id.
        let every = all();
        let by_id: Vec<u16> = (0..=u16::MAX)
            .filter(|id| Suite::from_id(*id).is_some())
            .collect();
        assert_eq!(every.iter().map(Suite::id).collect::<Vec<_>>(), by_id);
        assert!(every.len() > 300, "{}", every.len());
        let mut wrong = Vec::new();
        for s in every {
            let n = s.name();
            let dhe = n.starts_with("TLS_DHE_") || n.starts_with("TLS_DH_anon_");
            let ecdhe = n.starts_with("TLS_ECDHE_") || n.starts_with("TLS_ECDH_anon_");
            assert_eq!((s.is_dhe(), s.is_ecdhe()), (dhe, ecdhe), "{n}");
            let f = by_name(n);
            let usable = [
                (Version::Ssl2, false),
                (Version::Ssl3, !f.tls13 && !f.tls12_only),
                (Version::Tls10, !f.tls13 && !f.tls12_only),
                (Version::Tls11, !f.tls13 && !f.tls12_only),
                (Version::Tls12, !f.tls13),
                (Version::Tls13, f.tls13),
            ];
            for (v, want) in usable {
                assert_eq!(s.usable_at(v), want, "{n} at {v}");
            }
            if s.flags != by_name(s.name()) {
                wrong.push(format!(
                    "{}: {:?} vs {:?}",
                    s.name(),
                    s.flags,
                    by_name(s.name())
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// Candidates come in tiers (common, common ChaCha20, DSS, DSS ChaCha20, exotic, exotic
    /// ChaCha20), each in id order, for every version.
    #[test]
    fn candidates_are_tiered_then_by_id() {
        for v in Version::ALL {
            let keys: Vec<(u8, bool, u16)> = candidates(v)
                .into_iter()
                .map(|id| {
                    let s = Suite::from_id(id).unwrap();
                    let tier = if s.flags.exotic {
                        2
                    } else if s.name().contains("_DSS_") {
                        1
                    } else {
                        0
                    };
                    (tier, s.name().contains("CHACHA20"), id)
                })
                .collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{v}: {keys:x?}");
        }
        let t12 = candidates(Version::Tls12);
        let pos = |id| t12.iter().position(|&x| x == id).unwrap();
        // TLS_DHE_DSS_WITH_AES_128_CBC_SHA after every common ChaCha20 suite.
        assert!(pos(0x0032) > pos(0xcca9));
    }

    /// The class from tls-parser's fields agrees, for every suite of the registry, with the
    /// rule by IANA name the record was first written with (kept here as the oracle).
    #[test]
    fn kx_class_agrees_with_the_iana_names() {
        fn by_name(s: &Suite) -> &'static str {
            let (f, name) = (s.flags, s.name());
            if f.tls13 {
                "tls13"
            } else if f.anonymous && name.contains("ECDH_anon") {
                "ecdh_anon"
            } else if f.anonymous {
                "dh_anon"
            } else if name.contains("PSK") || name.contains("SRP") {
                "psk"
            } else if name.starts_with("TLS_ECDHE_") {
                "ecdhe"
            } else if name.starts_with("TLS_DHE_") {
                "dhe"
            } else if name.starts_with("TLS_RSA_") {
                "rsa"
            } else {
                "other"
            }
        }
        let mut n = 0;
        for id in 0..=u16::MAX {
            if let Some(s) = Suite::from_id(id) {
                assert_eq!(s.kx_class().as_str(), by_name(&s), "{}", s.name());
                n += 1;
            }
        }
        assert!(n > 300, "{n} suites");
    }
}
