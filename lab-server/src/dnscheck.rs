//! `mxray lab --dry-run --domain D --resolver R`: is the DNS published for the lab what it
//! serves? [`expected`] gives each served profile and the addresses it listens on; [`check`]
//! compares that with what the resolver answered for the profile's mail domain `P.D`
//! ([`Published`]), in one line per profile. The lookup itself is the caller's (the engine's
//! resolver), so this module is pure.
//!
//! ```
//! use mxray_lab::dnscheck::{check, Published, PublishedMx};
//! use mxray_lab::LabProfile;
//!
//! let ip = "192.0.2.10".parse().unwrap();
//! let published = Published::Mx(vec![PublishedMx {
//!     name: "mx.good.lab.example.org".into(),
//!     addresses: Ok(vec![ip]),
//! }]);
//! let (line, ok) = check(LabProfile::Good, "lab.example.org", &[ip], &published);
//! assert!(ok);
//! assert_eq!(line, "DNS ok: good.lab.example.org MX mx.good.lab.example.org -> 192.0.2.10");
//! ```

use std::net::IpAddr;

use super::profiles::LabProfile;
use super::zone::{mx_host, profile_domain};
use super::LabConfig;

/// One MX host published for a profile's mail domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedMx {
    /// The MX host name (lower case, no trailing dot).
    pub name: String,
    /// Its addresses, or why they could not be had (`RCODE message`).
    pub addresses: Result<Vec<IpAddr>, String>,
}

/// What the resolver answered for a profile's mail domain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Published {
    /// MX records, each host with its addresses.
    Mx(Vec<PublishedMx>),
    /// An answer without MX hosts (no MX record, null MX, or the implicit MX of RFC 5321).
    NoMx,
    /// The lookup failed (`RCODE message`).
    Failed(String),
}

/// The profiles served and the addresses each listens on: the `--listen` addresses, and for a
/// `--sni-profile` profile not served on an address of its own, the first address whose
/// profile is chosen by SNI. Empty without `--listen`.
pub fn expected(a: &LabConfig) -> Vec<(LabProfile, Vec<IpAddr>)> {
    let mut profiles: Vec<(LabProfile, Vec<IpAddr>)> = Vec::new();
    for l in &a.listeners {
        match profiles.iter_mut().find(|(p, _)| *p == l.profile) {
            Some((_, ips)) => ips.push(l.addr.ip()),
            None => profiles.push((l.profile, vec![l.addr.ip()])),
        }
    }
    for r in &a.sni_profiles {
        if let Some(l) = a.listeners.iter().find(|l| l.profile.by_sni()) {
            if !profiles.iter().any(|(p, _)| *p == r.profile) {
                profiles.push((r.profile, vec![l.addr.ip()]));
            }
        }
    }
    profiles
}

fn fmt_ips(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares what is published for profile `p` of `domain` with the addresses `want` it is
/// served on. Returns the line to print (`DNS ok: ...` or `DNS MISMATCH: ...`, saying what
/// differs) and whether it matches: the MX must be `mx.P.D` and its addresses exactly `want`.
pub fn check(
    p: LabProfile,
    domain: &str,
    want: &[IpAddr],
    published: &Published,
) -> (String, bool) {
    let dom = profile_domain(p, domain);
    let mx = mx_host(p, domain);
    match published {
        Published::Mx(hosts) => match hosts.iter().find(|h| h.name == mx) {
            Some(PublishedMx {
                addresses: Ok(ips), ..
            }) => {
                let missing: Vec<String> = want
                    .iter()
                    .filter(|ip| !ips.contains(ip))
                    .map(|ip| ip.to_string())
                    .collect();
                let extra: Vec<String> = ips
                    .iter()
                    .filter(|ip| !want.contains(ip))
                    .map(|ip| ip.to_string())
                    .collect();
                if missing.is_empty() && extra.is_empty() {
                    (format!("DNS ok: {dom} MX {mx} -> {}", fmt_ips(ips)), true)
                } else {
                    (
                        format!(
                            "DNS MISMATCH: {dom} MX {mx} -> {} (not published: [{}]; \
                             published but not served: [{}])",
                            fmt_ips(ips),
                            missing.join(" "),
                            extra.join(" ")
                        ),
                        false,
                    )
                }
            }
            Some(PublishedMx {
                addresses: Err(e), ..
            }) => (format!("DNS MISMATCH: {mx}: {e}"), false),
            None => {
                let names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
                (
                    format!("DNS MISMATCH: {dom} MX is [{}], not {mx}", names.join(" ")),
                    false,
                )
            }
        },
        Published::NoMx => (format!("DNS MISMATCH: {dom} has no MX {mx}"), false),
        Published::Failed(e) => (format!("DNS MISMATCH: {dom}: {e}"), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen::{ListenSpec, SniRule};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn mx(name: &str, ips: &[&str]) -> PublishedMx {
        PublishedMx {
            name: name.into(),
            addresses: Ok(ips.iter().map(|s| ip(s)).collect()),
        }
    }

    #[test]
    fn expected_groups_listeners_and_places_sni_profiles() {
        let a = LabConfig {
            listeners: vec![
                "192.0.2.1=no-starttls".parse::<ListenSpec>().unwrap(),
                "192.0.2.2=good".parse().unwrap(),
                "[2001:db8::2]=good".parse().unwrap(),
            ],
            sni_profiles: vec![
                "mx.expired.lab.test=expired".parse::<SniRule>().unwrap(),
                "x.lab.test=good".parse().unwrap(),
            ],
            ..LabConfig::default()
        };
        assert_eq!(
            expected(&a),
            vec![
                (LabProfile::NoStarttls, vec![ip("192.0.2.1")]),
                (LabProfile::Good, vec![ip("192.0.2.2"), ip("2001:db8::2")]),
                (LabProfile::Expired, vec![ip("192.0.2.2")]),
            ]
        );
        assert!(expected(&LabConfig::default()).is_empty());
    }

    #[test]
    fn check_says_what_differs() {
        let d = "lab.test";
        let want = [ip("192.0.2.2")];
        let ok = Published::Mx(vec![
            mx("mx.other.lab.test", &["192.0.2.9"]),
            mx("mx.good.lab.test", &["192.0.2.2"]),
        ]);
        assert_eq!(
            check(LabProfile::Good, d, &want, &ok),
            (
                "DNS ok: good.lab.test MX mx.good.lab.test -> 192.0.2.2".into(),
                true
            )
        );
        let both = Published::Mx(vec![mx("mx.good.lab.test", &["192.0.2.3"])]);
        assert_eq!(
            check(LabProfile::Good, d, &want, &both),
            (
                "DNS MISMATCH: good.lab.test MX mx.good.lab.test -> 192.0.2.3 (not published: \
                 [192.0.2.2]; published but not served: [192.0.2.3])"
                    .into(),
                false
            )
        );
        let extra = Published::Mx(vec![mx("mx.good.lab.test", &["192.0.2.2", "192.0.2.4"])]);
        let (line, matched) = check(LabProfile::Good, d, &want, &extra);
        assert!(!matched);
        assert!(line.ends_with("(not published: []; published but not served: [192.0.2.4])"));
        let wrong = Published::Mx(vec![mx("mx.a.test", &[]), mx("mx.b.test", &[])]);
        assert_eq!(
            check(LabProfile::Good, d, &want, &wrong),
            (
                "DNS MISMATCH: good.lab.test MX is [mx.a.test mx.b.test], not mx.good.lab.test"
                    .into(),
                false
            )
        );
        let failed_host = Published::Mx(vec![PublishedMx {
            name: "mx.good.lab.test".into(),
            addresses: Err("NXDomain no such name".into()),
        }]);
        assert_eq!(
            check(LabProfile::Good, d, &want, &failed_host),
            (
                "DNS MISMATCH: mx.good.lab.test: NXDomain no such name".into(),
                false
            )
        );
        assert_eq!(
            check(LabProfile::Good, d, &want, &Published::NoMx),
            (
                "DNS MISMATCH: good.lab.test has no MX mx.good.lab.test".into(),
                false
            )
        );
        assert_eq!(
            check(
                LabProfile::Good,
                d,
                &want,
                &Published::Failed("ServFail x".into())
            ),
            ("DNS MISMATCH: good.lab.test: ServFail x".into(), false)
        );
    }
}
