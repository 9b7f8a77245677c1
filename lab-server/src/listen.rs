//! Where the lab listens and how it picks a profile: `--listen ADDR=PROFILE` (one profile per
//! address, port 25 unless given) and `--sni-profile NAME=PROFILE` (on a shared address, the
//! profile chosen by the server name the sender puts in its ClientHello).
//!
//! Only profiles that behave alike until the ClientHello can be chosen by SNI: the greeting,
//! the EHLO reply and the `220` to STARTTLS are sent before the server name is known. Those are
//! the profiles whose difference is the certificate or the handshake ([`LabProfile::by_sni`]).
//!
//! ```
//! use mxray_lab::listen::{ListenSpec, SniRule};
//! use mxray_lab::LabProfile;
//!
//! let l: ListenSpec = "127.0.0.2=good".parse().unwrap();
//! assert_eq!(l.addr.to_string(), "127.0.0.2:25");
//! let l: ListenSpec = "[::1]:2625=expired".parse().unwrap();
//! assert_eq!((l.addr.port(), l.profile), (2625, LabProfile::Expired));
//! let r: SniRule = "MX.Self-Signed.Lab.Example.org=self-signed".parse().unwrap();
//! assert_eq!(r.name, "mx.self-signed.lab.example.org");
//! assert!("x.example=tarpit".parse::<SniRule>().is_err());
//! ```

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use super::profiles::LabProfile;

/// The SMTP port real senders deliver to.
pub const SMTP_PORT: u16 = 25;

/// Longest server name accepted in an SNI rule (a DNS name).
pub const MAX_NAME: usize = 253;

/// `--listen ADDR=PROFILE`: serve PROFILE on ADDR (`IP`, `IP:PORT`, `[IPv6]` or
/// `[IPv6]:PORT`; port 25 when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenSpec {
    /// The address and port.
    pub addr: SocketAddr,
    /// The profile served there (unless an SNI rule chooses another).
    pub profile: LabProfile,
}

/// Parses `IP`, `IP:PORT`, `[IPv6]`, `[IPv6]:PORT` (port 25 when not given).
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let bare = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, SMTP_PORT))
        .map_err(|_| format!("invalid address {s:?} (IP, IP:PORT, [IPv6] or [IPv6]:PORT)"))
}

impl FromStr for ListenSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((addr, profile)) = s.rsplit_once('=') else {
            return Err(format!("expected ADDR=PROFILE, got {s:?}"));
        };
        Ok(ListenSpec {
            addr: parse_addr(addr)?,
            profile: profile.parse()?,
        })
    }
}

impl fmt::Display for ListenSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.addr, self.profile)
    }
}

/// `--sni-profile NAME=PROFILE`: a ClientHello whose server name is NAME gets PROFILE's
/// certificate and handshake, on any address whose own profile can be chosen by SNI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SniRule {
    /// The server name, lower case, without a trailing dot.
    pub name: String,
    /// The profile it selects (one of [`LabProfile::by_sni`]).
    pub profile: LabProfile,
}

/// Checks a DNS name (letters, digits, `-`, `.`, `_`; labels of 1 to 63; at most 253) and
/// returns it in lower case without a trailing dot.
pub fn dns_name(s: &str) -> Result<String, String> {
    let n = s.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = !n.is_empty()
        && n.len() <= MAX_NAME
        && n.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if ok {
        Ok(n)
    } else {
        Err(format!("not a DNS name: {s:?}"))
    }
}

impl FromStr for SniRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((name, profile)) = s.rsplit_once('=') else {
            return Err(format!("expected NAME=PROFILE, got {s:?}"));
        };
        let profile: LabProfile = profile.parse()?;
        if !profile.by_sni() {
            return Err(format!(
                "{profile} cannot be chosen by SNI: it differs before the ClientHello \
                 (SNI can choose {})",
                LabProfile::ALL
                    .iter()
                    .filter(|p| p.by_sni())
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(SniRule {
            name: dns_name(name)?,
            profile,
        })
    }
}

/// Which rule chose a session's profile (the record's `profile_rule`).
pub mod rule {
    /// `--profile NAME=PORT` or `--all`: the port.
    pub const PORT: &str = "port";
    /// `--listen ADDR=PROFILE`: the address.
    pub const LISTEN: &str = "listen";
    /// `--sni-profile NAME=PROFILE`: the server name in the ClientHello.
    pub const SNI: &str = "sni";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_specs_parse_with_port_25_by_default() {
        let cases = [
            ("127.0.0.2=good", "127.0.0.2:25", LabProfile::Good),
            (
                "127.0.0.3:2600=tarpit",
                "127.0.0.3:2600",
                LabProfile::Tarpit,
            ),
            ("::1=expired", "[::1]:25", LabProfile::Expired),
            ("[::1]=expired", "[::1]:25", LabProfile::Expired),
            (
                "[2001:db8::5]:587=no-starttls",
                "[2001:db8::5]:587",
                LabProfile::NoStarttls,
            ),
        ];
        for (s, addr, p) in cases {
            let l: ListenSpec = s.parse().unwrap();
            assert_eq!(l.addr.to_string(), addr, "{s}");
            assert_eq!(l.profile, p, "{s}");
            assert_eq!(l.to_string().parse::<ListenSpec>().unwrap(), l);
        }
        for bad in [
            "127.0.0.2",
            "127.0.0.2=nope",
            "host.example=good",
            "127.0.0.2:70000=good",
            "=good",
            "127.0.0.2=tls10-only",
        ] {
            assert!(bad.parse::<ListenSpec>().is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn listen_specs_round_trip(
            v4 in proptest::prelude::any::<[u8; 4]>(),
            v6 in proptest::prelude::any::<[u16; 8]>(),
            six in proptest::prelude::any::<bool>(),
            port in proptest::prelude::any::<u16>(),
            i in 0usize..LabProfile::ALL.len(),
        ) {
            let ip = if six { IpAddr::from(v6) } else { IpAddr::from(v4) };
            let l = ListenSpec {
                addr: SocketAddr::new(ip, port),
                profile: LabProfile::ALL[i],
            };
            proptest::prop_assert_eq!(l.to_string().parse::<ListenSpec>(), Ok(l));
        }
    }

    #[test]
    fn sni_rules_take_only_profiles_that_differ_after_the_hello() {
        let r: SniRule = "mx.expired.lab.example.org.=expired".parse().unwrap();
        assert_eq!(r.name, "mx.expired.lab.example.org");
        for p in LabProfile::ALL {
            let s = format!("x.example={p}");
            assert_eq!(s.parse::<SniRule>().is_ok(), p.by_sni(), "{p}");
        }
        let e = "x.example=injection".parse::<SniRule>().unwrap_err();
        assert!(e.contains("before the ClientHello"), "{e}");
        for bad in ["=good", "a..b=good", "a b=good", "-a.example=good", "good"] {
            assert!(bad.parse::<SniRule>().is_err(), "{bad}");
        }
        let long = format!("{}.example=good", "a".repeat(64));
        assert!(long.parse::<SniRule>().is_err());
    }
}
