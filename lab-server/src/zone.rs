//! `mxray lab dns`: the DNS records to publish for a lab on public addresses, and one recipient
//! address per profile.
//!
//! Profile P of domain D is the mail domain `P.D`, whose MX is `mx.P.D`, whose A or AAAA is the
//! address given for P. A test mail to `probe-P-TOKEN@P.D` therefore reaches P's listener, and
//! the session's recipient names both the profile and the run.
//!
//! ```
//! use mxray_lab::zone::Zone;
//! use mxray_lab::LabProfile;
//!
//! let z = Zone::new("lab.example.org", "r1", vec![
//!     (LabProfile::Good, "192.0.2.10".parse().unwrap()),
//!     (LabProfile::Expired, "2001:db8::11".parse().unwrap()),
//! ]).unwrap();
//! let text = z.records();
//! assert!(text.contains("good.lab.example.org. 3600 IN MX 10 mx.good.lab.example.org.\n"));
//! assert!(text.contains("mx.expired.lab.example.org. 3600 IN AAAA 2001:db8::11\n"));
//! assert_eq!(z.recipient(LabProfile::Good), "probe-good-r1@good.lab.example.org");
//! ```

use std::fmt::Write as _;
use std::net::IpAddr;

use super::listen::dns_name;
use super::profiles::LabProfile;

/// TTL of the records printed.
pub const TTL: u32 = 3600;

/// The mail domain of profile `p` under `domain`: `p.domain`.
pub fn profile_domain(p: LabProfile, domain: &str) -> String {
    format!("{}.{}", p.name(), domain.trim_end_matches('.'))
}

/// The MX host of profile `p` under `domain`: `mx.p.domain`.
pub fn mx_host(p: LabProfile, domain: &str) -> String {
    format!("mx.{}", profile_domain(p, domain))
}

/// The records for a lab: a domain, a run token and an address per profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// The parent domain (lower case, no trailing dot).
    pub domain: String,
    /// The token in recipient addresses (letters, digits, `-`).
    pub token: String,
    /// Each profile and its address (a profile may have several).
    pub addresses: Vec<(LabProfile, IpAddr)>,
}

/// Longest run token.
pub const MAX_TOKEN: usize = 32;

impl Zone {
    /// Checks the domain (a DNS name) and the token (1 to [`MAX_TOKEN`] letters, digits or
    /// `-`); at least one address.
    pub fn new(
        domain: &str,
        token: &str,
        addresses: Vec<(LabProfile, IpAddr)>,
    ) -> Result<Zone, String> {
        let domain = dns_name(domain)?;
        if token.is_empty()
            || token.len() > MAX_TOKEN
            || !token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(format!(
                "token {token:?}: 1 to {MAX_TOKEN} letters, digits or '-'"
            ));
        }
        if addresses.is_empty() {
            return Err("give at least one --address PROFILE=ADDR".into());
        }
        Ok(Zone {
            domain,
            token: token.to_ascii_lowercase(),
            addresses,
        })
    }

    /// The profiles, each once, in the order given.
    pub fn profiles(&self) -> Vec<LabProfile> {
        let mut out: Vec<LabProfile> = Vec::new();
        for (p, _) in &self.addresses {
            if !out.contains(p) {
                out.push(*p);
            }
        }
        out
    }

    /// Zone-file lines (absolute names): per profile, `P.D MX 10 mx.P.D` and `mx.P.D A/AAAA`.
    pub fn records(&self) -> String {
        let mut out = String::new();
        for p in self.profiles() {
            let dom = profile_domain(p, &self.domain);
            let mx = mx_host(p, &self.domain);
            let _ = writeln!(out, "; {p}");
            let _ = writeln!(out, "{dom}. {TTL} IN MX 10 {mx}.");
            for (_, ip) in self.addresses.iter().filter(|(q, _)| *q == p) {
                let t = if ip.is_ipv4() { "A" } else { "AAAA" };
                let _ = writeln!(out, "{mx}. {TTL} IN {t} {ip}");
            }
        }
        out
    }

    /// The recipient for one test mail to profile `p`: `probe-P-TOKEN@P.D`.
    pub fn recipient(&self, p: LabProfile) -> String {
        format!(
            "probe-{}-{}@{}",
            p.name(),
            self.token,
            profile_domain(p, &self.domain)
        )
    }

    /// Addresses given to more than one profile, with those profiles: such a profile is
    /// reached only through `--sni-profile` (and only by senders that send SNI).
    pub fn shared_addresses(&self) -> Vec<(IpAddr, Vec<LabProfile>)> {
        let mut out: Vec<(IpAddr, Vec<LabProfile>)> = Vec::new();
        for (p, ip) in &self.addresses {
            match out.iter_mut().find(|(a, _)| a == ip) {
                Some((_, ps)) => {
                    if !ps.contains(p) {
                        ps.push(*p);
                    }
                }
                None => out.push((*ip, vec![*p])),
            }
        }
        out.retain(|(_, ps)| ps.len() > 1);
        out
    }

    /// The `mxray lab` options that serve this zone: `--domain`, one `--listen ADDR=PROFILE`
    /// per address (the first profile given for a shared address), `--sni-profile` for the
    /// others on a shared address.
    pub fn serve_args(&self) -> Vec<String> {
        let mut args = vec!["--domain".to_owned(), self.domain.clone()];
        let mut bound: Vec<IpAddr> = Vec::new();
        for (p, ip) in &self.addresses {
            if bound.contains(ip) {
                args.push("--sni-profile".to_owned());
                args.push(format!("{}={p}", mx_host(*p, &self.domain)));
            } else {
                bound.push(*ip);
                let a = if ip.is_ipv6() {
                    format!("[{ip}]")
                } else {
                    ip.to_string()
                };
                args.push("--listen".to_owned());
                args.push(format!("{a}={p}"));
            }
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn records_recipients_and_serve_args() {
        let z = Zone::new(
            "Lab.Example.org.",
            "Run7",
            vec![
                (LabProfile::Good, ip("192.0.2.10")),
                (LabProfile::Good, ip("2001:db8::10")),
                (LabProfile::SelfSigned, ip("192.0.2.10")),
                (LabProfile::NoStarttls, ip("192.0.2.11")),
            ],
        )
        .unwrap();
        assert_eq!(
            z.records(),
            "; good\n\
             good.lab.example.org. 3600 IN MX 10 mx.good.lab.example.org.\n\
             mx.good.lab.example.org. 3600 IN A 192.0.2.10\n\
             mx.good.lab.example.org. 3600 IN AAAA 2001:db8::10\n\
             ; self-signed\n\
             self-signed.lab.example.org. 3600 IN MX 10 mx.self-signed.lab.example.org.\n\
             mx.self-signed.lab.example.org. 3600 IN A 192.0.2.10\n\
             ; no-starttls\n\
             no-starttls.lab.example.org. 3600 IN MX 10 mx.no-starttls.lab.example.org.\n\
             mx.no-starttls.lab.example.org. 3600 IN A 192.0.2.11\n"
        );
        assert_eq!(
            z.recipient(LabProfile::NoStarttls),
            "probe-no-starttls-run7@no-starttls.lab.example.org"
        );
        assert_eq!(
            z.shared_addresses(),
            vec![(
                ip("192.0.2.10"),
                vec![LabProfile::Good, LabProfile::SelfSigned]
            )]
        );
        assert_eq!(
            z.serve_args().join(" "),
            "--domain lab.example.org --listen 192.0.2.10=good --listen [2001:db8::10]=good \
             --sni-profile mx.self-signed.lab.example.org=self-signed \
             --listen 192.0.2.11=no-starttls"
        );
    }

    #[test]
    fn bad_inputs_are_refused() {
        let a = vec![(LabProfile::Good, ip("192.0.2.1"))];
        assert!(Zone::new("not a domain", "t", a.clone()).is_err());
        assert!(Zone::new("lab.example.org", "", a.clone()).is_err());
        assert!(Zone::new("lab.example.org", "a@b", a.clone()).is_err());
        assert!(Zone::new("lab.example.org", &"x".repeat(33), a).is_err());
        assert!(Zone::new("lab.example.org", "t", vec![]).is_err());
    }
}
