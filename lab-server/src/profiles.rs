//! The misconfiguration profiles the lab serves, one per port.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One misconfiguration of the receiving server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LabProfile {
    /// STARTTLS with a valid chain under the lab CA and the right names.
    Good,
    /// No STARTTLS in the EHLO reply; `STARTTLS` answered 502.
    NoStarttls,
    /// A self-signed certificate with the right names.
    SelfSigned,
    /// A chain under the lab CA whose leaf expired (fixed past validity, 2020).
    Expired,
    /// A chain under the lab CA for another name (`wrong-host.invalid`).
    WrongHost,
    /// A valid-looking chain under a CA minted per run and never written out.
    UntrustedCa,
    /// STARTTLS offered, answered `454 4.7.0`.
    StarttlsRefused,
    /// `220` to STARTTLS, then a fatal `handshake_failure` alert after the ClientHello.
    HandshakeFails,
    /// A plaintext reply smuggled after the `220` to STARTTLS (response injection).
    Injection,
    /// Slow replies: the greeting one byte per interval (bounded by its length).
    Tarpit,
    /// Like `good`, for a zone whose TLSA (`3 1 1`) matches the served key in a DNSSEC-secure
    /// answer: a DANE sender delivers. Means something only with that zone published.
    DaneGood,
    /// Like `good`, for a zone whose secure TLSA matches no key served: a DANE sender refuses
    /// (even though the chain may be trusted by PKIX).
    DaneMismatch,
    /// Like `good`, for a zone whose TLSA matches the key but whose signatures fail
    /// validation (bogus): a DANE sender refuses.
    DaneBogus,
    /// Like `good`, for a domain that publishes an MTA-STS policy in `enforce` mode naming
    /// its MX, and a TLS-RPT record (`mxray lab dns` prints them and the policy): an MTA-STS
    /// sender delivers only over TLS with a certificate it trusts for the MX host. Means
    /// something only with those records and the policy published.
    MtaSts,
    /// Like `good`, and strict about TLS: `REQUIRETLS` (RFC 8689) offered inside TLS, and
    /// `MAIL FROM` without TLS answered `530 5.7.0 Must issue a STARTTLS command first`.
    StrictTls,
}

impl LabProfile {
    /// Every profile, in the order of `--all` ports (base port + index).
    pub const ALL: [LabProfile; 10] = [
        LabProfile::Good,
        LabProfile::NoStarttls,
        LabProfile::SelfSigned,
        LabProfile::Expired,
        LabProfile::WrongHost,
        LabProfile::UntrustedCa,
        LabProfile::StarttlsRefused,
        LabProfile::HandshakeFails,
        LabProfile::Injection,
        LabProfile::Tarpit,
    ];

    /// The name used on the command line and in the log.
    pub const fn name(self) -> &'static str {
        match self {
            LabProfile::Good => "good",
            LabProfile::NoStarttls => "no-starttls",
            LabProfile::SelfSigned => "self-signed",
            LabProfile::Expired => "expired",
            LabProfile::WrongHost => "wrong-host",
            LabProfile::UntrustedCa => "untrusted-ca",
            LabProfile::StarttlsRefused => "starttls-refused",
            LabProfile::HandshakeFails => "handshake-fails",
            LabProfile::Injection => "injection",
            LabProfile::Tarpit => "tarpit",
            LabProfile::DaneGood => "dane-good",
            LabProfile::DaneMismatch => "dane-mismatch",
            LabProfile::DaneBogus => "dane-bogus",
            LabProfile::MtaSts => "mta-sts",
            LabProfile::StrictTls => "strict-tls",
        }
    }

    /// The DANE receivers. They are not in [`LabProfile::ALL`] (`--all`, the demo): without a
    /// DNSSEC-signed zone publishing their TLSA records they are just `good`. `mxray lab dns`
    /// prints their TLSA records.
    pub const DANE: [LabProfile; 3] = [
        LabProfile::DaneGood,
        LabProfile::DaneMismatch,
        LabProfile::DaneBogus,
    ];

    /// The MTA-STS receiver. Not in [`LabProfile::ALL`] either: without its policy published it
    /// is just `good`. `mxray lab dns` prints its records and policy.
    pub const MTA_STS: [LabProfile; 1] = [LabProfile::MtaSts];

    /// Receivers for the scanner's SMTP findings, not in [`LabProfile::ALL`] either (they are
    /// no misconfiguration a sender is tested against).
    pub const EXTRA: [LabProfile; 1] = [LabProfile::StrictTls];

    /// Every profile the lab knows: [`LabProfile::ALL`], [`LabProfile::DANE`],
    /// [`LabProfile::MTA_STS`], then [`LabProfile::EXTRA`].
    pub fn known() -> impl Iterator<Item = LabProfile> {
        LabProfile::ALL
            .into_iter()
            .chain(LabProfile::DANE)
            .chain(LabProfile::MTA_STS)
            .chain(LabProfile::EXTRA)
    }

    /// Whether this is the MTA-STS receiver (its meaning lies in the policy published for it).
    pub const fn is_mta_sts(self) -> bool {
        matches!(self, LabProfile::MtaSts)
    }

    /// Whether `REQUIRETLS` is offered inside TLS and `MAIL FROM` refused without it.
    pub const fn strict_tls(self) -> bool {
        matches!(self, LabProfile::StrictTls)
    }

    /// Whether this is a DANE receiver (its meaning lies in the TLSA records published for it).
    pub const fn is_dane(self) -> bool {
        matches!(
            self,
            LabProfile::DaneGood | LabProfile::DaneMismatch | LabProfile::DaneBogus
        )
    }

    /// Offset from `--base-port`: the index in [`LabProfile::ALL`], the DANE receivers after
    /// them (10, 11, 12), then the MTA-STS receiver (13), then strict-tls (14).
    pub fn index(self) -> u16 {
        let mut i = 0u16;
        for p in LabProfile::known() {
            if p == self {
                return i;
            }
            i = i.saturating_add(1);
        }
        i
    }

    /// Whether the EHLO reply lists STARTTLS.
    pub const fn offers_starttls(self) -> bool {
        !matches!(self, LabProfile::NoStarttls)
    }

    /// Whether the profile can be chosen by the server name in the ClientHello
    /// (`--sni-profile`): it behaves like the others until the ClientHello (STARTTLS offered,
    /// `220`, nothing smuggled) and differs only in its certificate or handshake.
    pub const fn by_sni(self) -> bool {
        matches!(
            self,
            LabProfile::Good
                | LabProfile::SelfSigned
                | LabProfile::Expired
                | LabProfile::WrongHost
                | LabProfile::UntrustedCa
                | LabProfile::HandshakeFails
                | LabProfile::DaneGood
                | LabProfile::DaneMismatch
                | LabProfile::DaneBogus
                | LabProfile::MtaSts
        )
    }

    /// Whether `--cert` may give this profile's chain: the profiles a public sender should
    /// find trusted (`good`) or trusted for another name (`wrong-host`), and the DANE receivers
    /// (whose TLSA records are digests of a key fixed in advance), and the MTA-STS receiver
    /// (an MTA-STS sender checks its certificate as a browser would). The others are broken by
    /// construction and always mint their own.
    pub const fn takes_real_cert(self) -> bool {
        matches!(
            self,
            LabProfile::Good
                | LabProfile::WrongHost
                | LabProfile::StrictTls
                | LabProfile::DaneGood
                | LabProfile::DaneMismatch
                | LabProfile::DaneBogus
                | LabProfile::MtaSts
        )
    }

    /// Whether a rustls handshake follows the `220` to STARTTLS.
    pub const fn serves_tls(self) -> bool {
        !matches!(
            self,
            LabProfile::NoStarttls | LabProfile::StarttlsRefused | LabProfile::HandshakeFails
        )
    }
}

impl fmt::Display for LabProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Profiles the lab does not serve, with the TLS stack each would need.
pub const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "tls10-only",
        "TLS 1.0 only: rustls has no TLS 1.0/1.1; needs OpenSSL or GnuTLS",
    ),
    ("tls11-only", "TLS 1.1 only: as tls10-only"),
    ("sslv3", "SSLv3: needs an OpenSSL built with enable-ssl3"),
    (
        "weak-dh",
        "DHE with 512-1024-bit groups: rustls has no finite-field DHE for TLS 1.2",
    ),
    (
        "rc4 / export / null suites",
        "rustls implements none; needs OpenSSL at SECLEVEL=0",
    ),
];

/// `NAME` or `NAME=PORT` from `--profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileSpec {
    /// The profile.
    pub profile: LabProfile,
    /// The port, if given.
    pub port: Option<u16>,
}

impl FromStr for LabProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(p) = LabProfile::known().find(|p| p.name().eq_ignore_ascii_case(s)) {
            return Ok(p);
        }
        if let Some((name, why)) = UNSUPPORTED.iter().find(|(n, _)| n.starts_with(s)) {
            return Err(format!("profile {name} is not served by this lab: {why}"));
        }
        let names: Vec<&str> = LabProfile::known().map(|p| p.name()).collect();
        Err(format!(
            "unknown profile {s:?} (known: {})",
            names.join(", ")
        ))
    }
}

impl FromStr for ProfileSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            None => Ok(ProfileSpec {
                profile: s.parse()?,
                port: None,
            }),
            Some((name, port)) => {
                let port: u16 = port
                    .trim()
                    .parse()
                    .map_err(|_| format!("invalid port {port:?} in {s:?}"))?;
                Ok(ProfileSpec {
                    profile: name.parse()?,
                    port: Some(port),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ports_parse() {
        for p in LabProfile::ALL {
            assert_eq!(p.name().parse::<LabProfile>().unwrap(), p);
            assert_eq!(LabProfile::ALL[usize::from(p.index())], p);
            assert!(!p.is_dane(), "{p}");
        }
        for (i, p) in LabProfile::DANE.into_iter().enumerate() {
            assert_eq!(p.name().parse::<LabProfile>().unwrap(), p);
            assert_eq!(usize::from(p.index()), LabProfile::ALL.len() + i);
            assert!(p.is_dane() && p.serves_tls() && p.offers_starttls(), "{p}");
            assert!(p.takes_real_cert() && p.by_sni(), "{p}");
        }
        let m = LabProfile::MtaSts;
        assert_eq!("mta-sts".parse::<LabProfile>().unwrap(), m);
        assert_eq!(
            usize::from(m.index()),
            LabProfile::ALL.len() + LabProfile::DANE.len()
        );
        assert!(m.is_mta_sts() && !m.is_dane() && m.serves_tls() && m.offers_starttls());
        assert!(m.takes_real_cert() && m.by_sni());
        assert_eq!(LabProfile::known().count(), 15);
        let strict: LabProfile = "strict-tls".parse().unwrap();
        assert!(strict.strict_tls() && strict.serves_tls() && !strict.by_sni());
        assert_eq!(usize::from(strict.index()), LabProfile::ALL.len() + 4);
        assert!(!LabProfile::Good.strict_tls());
        assert_eq!(
            "dane-mismatch=2632".parse::<ProfileSpec>().unwrap(),
            ProfileSpec {
                profile: LabProfile::DaneMismatch,
                port: Some(2632)
            }
        );
        let s: ProfileSpec = "self-signed=2602".parse().unwrap();
        assert_eq!(s.profile, LabProfile::SelfSigned);
        assert_eq!(s.port, Some(2602));
        assert!("good=70000".parse::<ProfileSpec>().is_err());
        assert!("nope".parse::<ProfileSpec>().is_err());
        let e = "tls10-only".parse::<ProfileSpec>().unwrap_err();
        assert!(e.contains("rustls"), "{e}");
    }
}
