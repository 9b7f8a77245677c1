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

use super::certs::{load_chain, spki_sha256, CertSpec};
use super::listen::dns_name;
use super::profiles::LabProfile;
use super::LabError;

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
    /// The SHA-256 of the SubjectPublicKeyInfo each DANE receiver serves (lower-case hex, 64
    /// digits), from its `--cert`: the data of its TLSA record.
    pub dane_keys: Vec<(LabProfile, String)>,
}

/// The TLSA owner name of profile `p` under `domain` on port 25: `_25._tcp.mx.P.D`.
pub fn tlsa_name(p: LabProfile, domain: &str) -> String {
    format!("_25._tcp.{}", mx_host(p, domain))
}

/// A digest that matches no key: `spki` (hex) with every bit of its last byte flipped. What
/// `dane-mismatch` publishes, so that its record is well-formed DANE-EE yet matches nothing
/// the lab serves.
pub fn mismatched_digest(spki: &str) -> String {
    let mut out = spki.to_ascii_lowercase();
    if let Some(last) = out
        .len()
        .checked_sub(2)
        .and_then(|i| out.get(i..))
        .and_then(|h| u8::from_str_radix(h, 16).ok())
    {
        out.truncate(out.len().saturating_sub(2));
        let _ = write!(out, "{:02x}", !last);
    }
    out
}

/// Longest run token.
pub const MAX_TOKEN: usize = 32;

/// The run token used when none is given: 8 hex digits derived from `unix_ms` (the time).
///
/// ```
/// assert_eq!(mxray_lab::zone::default_token(0).len(), 8);
/// assert_ne!(mxray_lab::zone::default_token(1), mxray_lab::zone::default_token(2));
/// ```
pub fn default_token(unix_ms: u64) -> String {
    format!(
        "{:08x}",
        mxray_schema::fnv::fnv1a64(&unix_ms.to_le_bytes()) & 0xffff_ffff
    )
}

/// `max_age` of the MTA-STS policy printed, in seconds (one day: long enough for a test, short
/// enough to take the lab down).
pub const STS_MAX_AGE: u32 = 86_400;

/// The MTA-STS policy host of profile `p` under `domain`: `mta-sts.P.D`.
pub fn sts_policy_host(p: LabProfile, domain: &str) -> String {
    format!("mta-sts.{}", profile_domain(p, domain))
}

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
            dane_keys: Vec::new(),
        })
    }

    /// Adds the SPKI SHA-256 (64 hex digits) a DANE receiver serves; anything else is refused.
    pub fn with_dane_key(mut self, p: LabProfile, spki_sha256: &str) -> Result<Zone, String> {
        if !p.is_dane() {
            return Err(format!("{p} is not a DANE receiver"));
        }
        if spki_sha256.len() != 64 || !spki_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "{p}: a SHA-256 digest is 64 hex digits, got {spki_sha256:?}"
            ));
        }
        self.dane_keys.retain(|(q, _)| *q != p);
        self.dane_keys.push((p, spki_sha256.to_ascii_lowercase()));
        Ok(self)
    }

    /// Adds the key of each `--cert` (which must be for a `dane-*` receiver): the SPKI SHA-256
    /// of its leaf, read from the chain file.
    pub fn with_certs(mut self, certs: &[CertSpec]) -> Result<Zone, LabError> {
        for c in certs {
            if !c.profile.is_dane() {
                return Err(LabError::Usage(format!(
                    "--cert {} of mxray lab dns is for the dane-* receivers (their TLSA records)",
                    c.profile
                )));
            }
            let chain = load_chain(c)?;
            let spki = spki_sha256(&chain)?;
            self = self
                .with_dane_key(c.profile, &spki)
                .map_err(LabError::Usage)?;
        }
        Ok(self)
    }

    /// What `mxray lab dns` prints: the records, a recipient per profile, the addresses
    /// shared by several profiles, and the `mxray lab` command line that serves the zone
    /// (with the `--cert` options in `certs`).
    pub fn publication(&self, certs: &[CertSpec]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "; mxray lab: records to publish in the zone of {}",
            self.domain
        );
        if self.has_dane() {
            let _ = writeln!(
                out,
                "; the TLSA records count only if the zone is DNSSEC-signed (a DANE sender uses \
                 TLSA from secure answers only; dane-bogus needs a child zone that fails validation)"
            );
        }
        out.push_str(&self.records());
        out.push_str(&self.sts_policies());
        out.push('\n');
        out.push_str(
            "; one test mail per profile (the recipient names the profile and this run):\n",
        );
        for p in self.profiles() {
            let _ = writeln!(out, ";   {:<16} {}", p.name(), self.recipient(p));
        }
        for (ip, ps) in self.shared_addresses() {
            let names: Vec<&str> = ps.iter().map(|p| p.name()).collect();
            let _ = writeln!(
                out,
                "; {ip} is shared by {}: the first is served on the address, the others only to \
                 senders that send SNI (--sni-profile)",
                names.join(", ")
            );
            if ps.iter().any(|p| !p.by_sni()) {
                let _ = writeln!(
                    out,
                    ";   WARNING: only good, self-signed, expired, wrong-host, untrusted-ca and \
                     handshake-fails can share an address"
                );
            }
        }
        out.push('\n');
        out.push_str("; serve it with:\n");
        let mut serve = self.serve_args();
        for c in certs {
            serve.push("--cert".to_owned());
            serve.push(format!(
                "{}={},{}",
                c.profile,
                c.chain.display(),
                c.key.display()
            ));
        }
        let _ = writeln!(
            out,
            ";   mxray lab {} --log sessions.jsonl",
            serve.join(" ")
        );
        out
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

    /// Zone-file lines (absolute names): per profile, `P.D MX 10 mx.P.D` and `mx.P.D A/AAAA`;
    /// for a DANE receiver also its TLSA record `_25._tcp.mx.P.D TLSA 3 1 1 DIGEST` (the
    /// served key's digest for `dane-good` and `dane-bogus`, [`mismatched_digest`] for
    /// `dane-mismatch`), or a comment saying the key is needed when none was given.
    pub fn records(&self) -> String {
        let mut out = String::new();
        for p in self.profiles() {
            let dom = profile_domain(p, &self.domain);
            let mx = mx_host(p, &self.domain);
            let _ = writeln!(out, "; {p}");
            if p == LabProfile::DaneBogus {
                let _ = writeln!(
                    out,
                    "; {dom} must be a delegated, DNSSEC-signed child zone whose signatures \
                     fail validation (e.g. damaged RRSIGs, or a DS matching no DNSKEY)"
                );
            }
            let _ = writeln!(out, "{dom}. {TTL} IN MX 10 {mx}.");
            for (_, ip) in self.addresses.iter().filter(|(q, _)| *q == p) {
                let t = if ip.is_ipv4() { "A" } else { "AAAA" };
                let _ = writeln!(out, "{mx}. {TTL} IN {t} {ip}");
            }
            if p.is_mta_sts() {
                self.sts_records(&mut out, p);
            }
            if p.is_dane() {
                let tlsa = tlsa_name(p, &self.domain);
                match self.dane_keys.iter().find(|(q, _)| *q == p) {
                    Some((_, spki)) => {
                        let data = if p == LabProfile::DaneMismatch {
                            mismatched_digest(spki)
                        } else {
                            spki.clone()
                        };
                        let _ = writeln!(out, "{tlsa}. {TTL} IN TLSA 3 1 1 {data}");
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "; {tlsa}. TLSA 3 1 1 needs the served key: give --cert \
                             {p}=CHAIN.pem,KEY.pem (and serve it with the same --cert)"
                        );
                    }
                }
            }
        }
        out
    }

    /// The MTA-STS policy id: the run token's letters and digits (RFC 8461 3.1: 1 to 32 of
    /// them), so that a new run is a new policy.
    pub fn sts_id(&self) -> String {
        let id: String = self
            .token
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect();
        if id.is_empty() {
            "1".to_owned()
        } else {
            id
        }
    }

    /// The TLS-RPT report address of profile `p`: `tlsrpt-TOKEN@P.D`, a recipient the lab
    /// accepts (and logs) itself.
    pub fn tlsrpt_address(&self, p: LabProfile) -> String {
        format!("tlsrpt-{}@{}", self.token, profile_domain(p, &self.domain))
    }

    /// The MTA-STS policy of profile `p` (RFC 8461 3.2, CRLF line ends): `enforce`, its MX
    /// host, [`STS_MAX_AGE`].
    pub fn sts_policy(&self, p: LabProfile) -> String {
        format!(
            "version: STSv1\r\nmode: enforce\r\nmx: {}\r\nmax_age: {STS_MAX_AGE}\r\n",
            mx_host(p, &self.domain)
        )
    }

    /// The URL the policy of profile `p` is fetched from.
    pub fn sts_policy_url(&self, p: LabProfile) -> String {
        format!(
            "https://{}/.well-known/mta-sts.txt",
            sts_policy_host(p, &self.domain)
        )
    }

    /// The MTA-STS receiver's records: `_mta-sts` TXT, the policy host's A/AAAA (the MX's
    /// addresses: serve HTTPS there, or put your web server's instead), `_smtp._tls` TXT.
    fn sts_records(&self, out: &mut String, p: LabProfile) {
        let dom = profile_domain(p, &self.domain);
        let host = sts_policy_host(p, &self.domain);
        let _ = writeln!(
            out,
            "_mta-sts.{dom}. {TTL} IN TXT \"v=STSv1; id={}\"",
            self.sts_id()
        );
        let _ = writeln!(
            out,
            "; {host} serves the policy over HTTPS (port 443, a publicly trusted certificate \
             for {host}); these addresses are the MX's: use your web server's if it is elsewhere"
        );
        for (_, ip) in self.addresses.iter().filter(|(q, _)| *q == p) {
            let t = if ip.is_ipv4() { "A" } else { "AAAA" };
            let _ = writeln!(out, "{host}. {TTL} IN {t} {ip}");
        }
        let _ = writeln!(
            out,
            "_smtp._tls.{dom}. {TTL} IN TXT \"v=TLSRPTv1; rua=mailto:{}\"",
            self.tlsrpt_address(p)
        );
    }

    /// For each MTA-STS receiver in the zone: where to serve its policy and the policy's
    /// lines, as zone-file comments (empty when there is none).
    pub fn sts_policies(&self) -> String {
        let mut out = String::new();
        for p in self.profiles().into_iter().filter(|p| p.is_mta_sts()) {
            let _ = writeln!(
                out,
                "; the MTA-STS policy of {}: serve it at {} (HTTPS, Content-Type text/plain, no \
                 redirect; lines end with CRLF):",
                profile_domain(p, &self.domain),
                self.sts_policy_url(p)
            );
            for l in self.sts_policy(p).lines() {
                let _ = writeln!(out, ";   {l}");
            }
            let _ = writeln!(
                out,
                "; TLS reports (RFC 8460) come to {}, which the lab accepts and logs",
                self.tlsrpt_address(p)
            );
        }
        out
    }

    /// Whether any DANE receiver is in the zone (its TLSA records count only when the zone is
    /// DNSSEC-signed).
    pub fn has_dane(&self) -> bool {
        self.addresses.iter().any(|(p, _)| p.is_dane())
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
    fn dane_receivers_get_tlsa_records() {
        let key = "ab".repeat(32);
        let z = Zone::new(
            "lab.example.org",
            "t",
            vec![
                (LabProfile::DaneGood, ip("192.0.2.20")),
                (LabProfile::DaneMismatch, ip("192.0.2.21")),
                (LabProfile::DaneBogus, ip("192.0.2.22")),
                (LabProfile::Good, ip("192.0.2.23")),
            ],
        )
        .unwrap();
        assert!(z.has_dane());
        let without = z.records();
        assert!(
            without.contains(
                "; _25._tcp.mx.dane-good.lab.example.org. TLSA 3 1 1 needs the served key: \
                 give --cert dane-good=CHAIN.pem,KEY.pem"
            ),
            "{without}"
        );
        assert!(!without.contains("IN TLSA"), "{without}");
        let z = z
            .with_dane_key(LabProfile::DaneGood, &key.to_ascii_uppercase())
            .unwrap()
            .with_dane_key(LabProfile::DaneMismatch, &key)
            .unwrap()
            .with_dane_key(LabProfile::DaneBogus, &key)
            .unwrap();
        let text = z.records();
        let mism = format!("{}54", "ab".repeat(31));
        for line in [
            format!("_25._tcp.mx.dane-good.lab.example.org. 3600 IN TLSA 3 1 1 {key}\n"),
            format!("_25._tcp.mx.dane-mismatch.lab.example.org. 3600 IN TLSA 3 1 1 {mism}\n"),
            format!("_25._tcp.mx.dane-bogus.lab.example.org. 3600 IN TLSA 3 1 1 {key}\n"),
            "; dane-bogus.lab.example.org must be a delegated, DNSSEC-signed child zone".into(),
        ] {
            assert!(text.contains(&line), "{line} in {text}");
        }
        assert_eq!(text.matches("IN TLSA").count(), 3, "none for good: {text}");
        assert!(z
            .clone()
            .with_dane_key(LabProfile::Good, &key)
            .unwrap_err()
            .contains("not a DANE receiver"));
        assert!(z
            .clone()
            .with_dane_key(LabProfile::DaneGood, "abc")
            .is_err());
        assert!(z
            .with_dane_key(LabProfile::DaneGood, &"zz".repeat(32))
            .is_err());
        assert_eq!(mismatched_digest("00ff"), "0000");
        assert_eq!(mismatched_digest(""), "");
    }

    #[test]
    fn publication_says_records_recipients_sharing_and_how_to_serve() {
        let z = Zone::new(
            "lab.example.org",
            "r1",
            vec![
                (LabProfile::Good, ip("192.0.2.10")),
                (LabProfile::NoStarttls, ip("192.0.2.10")),
                (LabProfile::DaneGood, ip("192.0.2.12")),
            ],
        )
        .unwrap();
        let cert = CertSpec {
            profile: LabProfile::DaneGood,
            chain: "c.pem".into(),
            key: "k.pem".into(),
        };
        let text = z.publication(std::slice::from_ref(&cert));
        assert!(text.starts_with(
            "; mxray lab: records to publish in the zone of lab.example.org\n\
             ; the TLSA records count only if the zone is DNSSEC-signed (a DANE sender uses TLSA \
             from secure answers only;"
        ));
        assert!(text.contains(&z.records()), "{text}");
        assert!(text.contains(";   good             probe-good-r1@good.lab.example.org\n"));
        assert!(text.contains(
            "; 192.0.2.10 is shared by good, no-starttls: the first is served on the address"
        ));
        assert!(
            text.contains(";   WARNING: only good, self-signed"),
            "{text}"
        );
        assert!(text.ends_with(
            "; serve it with:\n;   mxray lab --domain lab.example.org --listen 192.0.2.10=good \
             --sni-profile mx.no-starttls.lab.example.org=no-starttls \
             --listen 192.0.2.12=dane-good --cert dane-good=c.pem,k.pem --log sessions.jsonl\n"
        ));
        let plain = Zone::new(
            "lab.example.org",
            "r1",
            vec![(LabProfile::Good, ip("192.0.2.1"))],
        )
        .unwrap()
        .publication(&[]);
        assert!(!plain.contains("DNSSEC"), "{plain}");
        assert!(!plain.contains("shared by"), "{plain}");
    }

    #[test]
    fn certs_are_for_dane_receivers_and_must_load() {
        let z = Zone::new(
            "lab.example.org",
            "t",
            vec![(LabProfile::Good, ip("192.0.2.1"))],
        )
        .unwrap();
        let not_dane = CertSpec {
            profile: LabProfile::Expired,
            chain: "c.pem".into(),
            key: "k.pem".into(),
        };
        let e = z.clone().with_certs(&[not_dane]).unwrap_err().to_string();
        assert!(
            e.contains("--cert expired of mxray lab dns is for the dane-*"),
            "{e}"
        );
        let missing = CertSpec {
            profile: LabProfile::DaneGood,
            chain: "/nonexistent/mxray/chain.pem".into(),
            key: "/nonexistent/mxray/key.pem".into(),
        };
        assert!(matches!(
            z.clone().with_certs(&[missing]),
            Err(LabError::Io(..) | LabError::Cert(_))
        ));
        assert_eq!(z.clone().with_certs(&[]).unwrap(), z);
    }

    #[test]
    fn default_token_is_eight_hex_digits_of_the_time() {
        for ms in [0, 1, 1_700_000_000_000, u64::MAX] {
            let t = default_token(ms);
            assert_eq!(t.len(), 8, "{t}");
            assert!(t.bytes().all(|b| b.is_ascii_hexdigit()), "{t}");
            assert!(Zone::new("lab.test", &t, vec![(LabProfile::Good, ip("192.0.2.1"))]).is_ok());
        }
        assert_eq!(default_token(7), default_token(7));
    }

    #[test]
    fn mta_sts_receiver_gets_its_records_and_a_policy_that_parse() {
        use mail_policy::sts::{Mode, Policy, StsRecord};
        use mail_policy::tlsrpt::TlsRptRecord;
        let z = Zone::new(
            "lab.example.org",
            "Run-7",
            vec![
                (LabProfile::MtaSts, ip("192.0.2.30")),
                (LabProfile::MtaSts, ip("2001:db8::30")),
                (LabProfile::Good, ip("192.0.2.31")),
            ],
        )
        .unwrap();
        let text = z.records();
        let d = "mta-sts.lab.example.org";
        for line in [
            format!("{d}. 3600 IN MX 10 mx.{d}.\n"),
            format!("mx.{d}. 3600 IN A 192.0.2.30\n"),
            format!("_mta-sts.{d}. 3600 IN TXT \"v=STSv1; id=run7\"\n"),
            format!("mta-sts.{d}. 3600 IN A 192.0.2.30\n"),
            format!("mta-sts.{d}. 3600 IN AAAA 2001:db8::30\n"),
            format!("_smtp._tls.{d}. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt-run-7@{d}\"\n"),
        ] {
            assert!(text.contains(&line), "{line} in {text}");
        }
        assert_eq!(
            text.matches("_mta-sts.").count(),
            1,
            "only the mta-sts receiver: {text}"
        );
        // What is printed parses with mail-policy's parsers (what mxray scan reads).
        let txt = |owner: &str| {
            let l = text
                .lines()
                .find(|l| l.starts_with(owner))
                .unwrap_or_else(|| panic!("no {owner}"));
            l.split_once("IN TXT \"")
                .unwrap()
                .1
                .trim_end_matches('"')
                .to_owned()
        };
        let sts = StsRecord::parse(&txt("_mta-sts.")).unwrap();
        assert_eq!(sts.id, "run7");
        let rpt = TlsRptRecord::parse(&txt("_smtp._tls.")).unwrap();
        assert_eq!(rpt.rua.len(), 1);
        let policy = Policy::parse(z.sts_policy(LabProfile::MtaSts).as_bytes()).unwrap();
        assert_eq!(policy.mode, Mode::Enforce);
        assert!(policy.matches_mx(&format!("mx.{d}")));
        assert!(!policy.matches_mx("mx.good.lab.example.org"));
        assert_eq!(policy.max_age, u64::from(STS_MAX_AGE));
        assert_eq!(
            z.sts_policy_url(LabProfile::MtaSts),
            format!("https://mta-sts.{d}/.well-known/mta-sts.txt")
        );
        let notes = z.sts_policies();
        assert!(notes.contains(";   mode: enforce\n"), "{notes}");
        assert!(notes.contains(&format!(";   mx: mx.{d}\n")), "{notes}");
        let without = Zone::new(
            "lab.example.org",
            "t",
            vec![(LabProfile::Good, ip("192.0.2.1"))],
        )
        .unwrap();
        assert_eq!(without.sts_policies(), "");
        assert!(!without.records().contains("_mta-sts"));
        let z = Zone::new("x.test", "---", vec![(LabProfile::MtaSts, ip("192.0.2.1"))]).unwrap();
        assert_eq!(z.sts_id(), "1");
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
