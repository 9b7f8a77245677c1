//! Protocol support: SSLv2, SSLv3, TLS 1.0, 1.1, 1.2, 1.3 each accepted or not (one hello each).

use alloc::vec::Vec;

use super::hellos::{encode, hello_for, HelloOptions};
use super::params::{DhClass, DhSeen};
use super::Probe;
use crate::flight::{Alert, KeyExchange, ServerFlight};
use crate::hello::sslv2;
use crate::suites::{candidates, PerVersion, Suite};
use crate::version::Version;

/// Whether one version is supported, with the evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VersionSupport {
    /// The version asked about.
    pub version: Version,
    /// Whether the server answered with a hello of exactly this version.
    pub supported: bool,
    /// The version the server answered with, if it answered with a hello.
    pub server_version: Option<u16>,
    /// The suite it picked.
    pub suite: Option<u16>,
    /// The key exchange parameters sent with that pick (DH prime size, ECDH curve).
    pub key_exchange: Option<KeyExchange>,
    /// Whether the pick came in a HelloRetryRequest (TLS 1.3).
    pub via_hrr: bool,
    /// The alert it sent instead, if any.
    pub alert: Option<Alert>,
    /// SSLv2 only: the cipher specs of the SERVER-HELLO (all the server's SSLv2 suites).
    pub sslv2_cipher_specs: Vec<u32>,
    /// The certificates of the answer (DER, leaf first, as sent: TLS ≤ 1.2 sends them in
    /// clear), so that a legacy-only server's chain needs no hello of its own.
    pub certificates: Vec<Vec<u8>>,
    /// Learned from a modern client's handshake ([`from_handshake`]), not from
    /// [`version_hello`]: the suites offered were the client's, not [`version_suites`].
    pub by_handshake: bool,
}

/// Asks about each version with one hello offering that version's common suites.
#[derive(Clone, Debug)]
pub struct VersionProbe {
    opts: HelloOptions,
    todo: Vec<Version>,
    asked: Option<Version>,
    results: Vec<VersionSupport>,
}

impl VersionProbe {
    /// A probe for all six versions.
    pub fn new(opts: HelloOptions) -> Self {
        Self::for_versions(opts, &Version::ALL)
    }

    /// A probe for the given versions.
    pub fn for_versions(opts: HelloOptions, versions: &[Version]) -> Self {
        let mut todo = versions.to_vec();
        todo.reverse();
        VersionProbe {
            opts,
            todo,
            asked: None,
            results: Vec::new(),
        }
    }
}

/// How many suites a version hello offers: the first 128 candidates, which hold every common
/// suite of each version (a small hello that servers intolerant of big ones still take).
pub const VERSION_HELLO_SUITES: usize = 128;

/// The suites the hello asking about `version` offers (SSL 3.0 to TLS 1.3), in order: the first
/// [`VERSION_HELLO_SUITES`] candidates, the DHE ones first. A server that follows the client's
/// order and accepts DHE then picks DHE and sends its prime in the ServerKeyExchange, so the
/// version hellos, sent anyway, also measure the DH prime ([`dh_of_versions`]).
///
/// ```
/// use tls_probe::plan::versions::version_suites;
/// use tls_probe::suites::Suite;
/// use tls_probe::Version;
///
/// let s = version_suites(Version::Tls12);
/// assert!(Suite::from_id(s[0]).is_some_and(|s| s.is_dhe()));
/// assert!(s.iter().any(|id| Suite::from_id(*id).is_some_and(|s| s.is_ecdhe())));
/// ```
pub fn version_suites(version: Version) -> Vec<u16> {
    // Every version hello of a scan offers the same list (a suite lookup per candidate costs
    // more than the rest of the hello).
    static CACHE: PerVersion = PerVersion::new();
    CACHE.get(version, dhe_first)
}

/// The first [`VERSION_HELLO_SUITES`] candidates, DHE first, the candidates' order kept within
/// each part.
fn dhe_first(version: Version) -> Vec<u16> {
    let (mut dhe, rest): (Vec<u16>, Vec<u16>) = candidates(version)
        .into_iter()
        .take(VERSION_HELLO_SUITES)
        .partition(|id| Suite::from_id(*id).is_some_and(|s| s.is_dhe()));
    dhe.extend(rest);
    dhe
}

/// What a modern client's handshake that negotiated `wire` (offering TLS 1.3 and 1.2, as rustls
/// does) says about those two versions, so that no version hello need ask again: TLS 1.3
/// supported when it was negotiated; when TLS 1.2 was, TLS 1.2 supported and TLS 1.3 not (a
/// TLS 1.3 server must pick 1.3 from a client that offers it, RFC 8446 4.1.3). Any other
/// version says nothing (a modern client offers no older one). `suite` is the negotiated suite.
///
/// ```
/// use tls_probe::plan::versions::from_handshake;
/// use tls_probe::Version;
///
/// let v = from_handshake(0x0303, Some(0xc02f));
/// assert_eq!(v.len(), 2);
/// assert!(v.iter().any(|v| v.version == Version::Tls13 && !v.supported));
/// assert!(v.iter().any(|v| v.version == Version::Tls12 && v.supported && v.suite == Some(0xc02f)));
/// assert!(from_handshake(0x0301, Some(0x002f)).is_empty());
/// ```
pub fn from_handshake(wire: u16, suite: Option<u16>) -> Vec<VersionSupport> {
    let entry = |version: Version, supported: bool| VersionSupport {
        version,
        supported,
        server_version: Some(wire),
        suite,
        key_exchange: None,
        via_hrr: false,
        alert: None,
        sslv2_cipher_specs: Vec::new(),
        certificates: Vec::new(),
        by_handshake: true,
    };
    match wire {
        0x0304 => alloc::vec![entry(Version::Tls13, true)],
        0x0303 => alloc::vec![entry(Version::Tls13, false), entry(Version::Tls12, true)],
        _ => Vec::new(),
    }
}

/// The DH prime the version hellos saw ([`version_suites`] offers DHE first and no FFDHE
/// group): that of the newest supported version (TLS 1.2 to SSL 3.0) whose pick was a DHE suite.
/// `None` when none was: the server has no DHE, or prefers another key exchange by its own order.
pub fn dh_of_versions(versions: &[VersionSupport]) -> Option<DhSeen> {
    let mut legacy: Vec<&VersionSupport> = versions
        .iter()
        .filter(|v| v.supported && !v.by_handshake)
        .collect();
    legacy.sort_by_key(|v| core::cmp::Reverse(v.version));
    legacy
        .into_iter()
        .find_map(|v| match (&v.key_exchange, v.suite) {
            (Some(KeyExchange::Dh { prime_bits, .. }), Some(suite)) => Some(DhSeen {
                version: v.version,
                suite,
                prime_bits: *prime_bits,
                generator: v.key_exchange.as_ref().and_then(KeyExchange::dh_generator),
                class: DhClass::of(*prime_bits),
            }),
            _ => None,
        })
}

/// The hello used to ask whether `version` is supported.
pub fn version_hello(version: Version, opts: &HelloOptions) -> Vec<u8> {
    if version == Version::Ssl2 {
        return sslv2::client_hello(&sslv2::ALL, b"mxray-sslv2-chal");
    }
    encode(hello_for(
        version,
        &version_suites(version),
        opts,
        None,
        None,
    ))
}

/// Interprets the answer to a [`version_hello`].
pub fn version_answer(version: Version, f: &ServerFlight) -> VersionSupport {
    version_answer_owned(version, f.clone())
}

/// [`version_answer`] taking the flight (its certificates are moved, not copied).
fn version_answer_owned(version: Version, f: ServerFlight) -> VersionSupport {
    let sh = f.server_hello.as_ref();
    let sslv2_cipher_specs = f
        .sslv2
        .as_ref()
        .map(|s| s.cipher_specs.clone())
        .unwrap_or_default();
    let supported = match version {
        Version::Ssl2 => f
            .sslv2
            .as_ref()
            .is_some_and(|s| s.version == 2 && !s.cipher_specs.is_empty()),
        v => sh.is_some_and(|sh| sh.version == v.wire()),
    };
    VersionSupport {
        version,
        supported,
        server_version: sh
            .map(|s| s.version)
            .or(f.sslv2.as_ref().map(|s| s.version)),
        suite: sh.map(|s| s.cipher_suite),
        key_exchange: f.server_key_exchange.as_ref().map(|k| k.params.clone()),
        via_hrr: sh.is_some_and(|s| s.is_hrr),
        alert: f.alert,
        sslv2_cipher_specs,
        certificates: f.certificates,
        by_handshake: false,
    }
}

impl Probe for VersionProbe {
    type Output = Vec<VersionSupport>;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        if let (Some(v), Some(f)) = (self.asked.take(), answer) {
            self.results.push(version_answer_owned(v, f));
        }
        let v = self.todo.pop()?;
        self.asked = Some(v);
        Some(version_hello(v, &self.opts))
    }

    fn output(&self) -> Vec<VersionSupport> {
        self.results.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;

    /// One hello per version, in memory (the lab tests probe real servers; this fails fast when
    /// the plan's loop is broken).
    #[test]
    fn one_hello_per_version_then_the_end() {
        let mut plan = Plan::new(VersionProbe::new(HelloOptions::default()));
        let mut hellos = 0;
        while plan.next_hello().is_some() {
            hellos += 1;
            assert!(hellos <= Version::ALL.len(), "one hello per version");
            // protocol_version
            assert!(plan.feed(&[21, 3, 1, 0, 2, 2, 70]));
        }
        assert_eq!(hellos, Version::ALL.len());
        let res = plan.result();
        assert_eq!(res.len(), Version::ALL.len());
        assert!(res.iter().all(|v| !v.supported));
    }

    /// The version hello offers the same 128 candidates, DHE first, each group in the
    /// candidates' order.
    #[test]
    fn version_suites_put_dhe_first_and_keep_the_set() {
        let dhe = |id: &u16| Suite::from_id(*id).is_some_and(|s| s.is_dhe());
        for v in [
            Version::Tls12,
            Version::Tls11,
            Version::Tls10,
            Version::Ssl3,
        ] {
            let s = version_suites(v);
            let mut plain: Vec<u16> = candidates(v)
                .into_iter()
                .take(VERSION_HELLO_SUITES)
                .collect();
            assert_eq!(s.len(), plain.len());
            let first_other = s.iter().position(|id| !dhe(id)).unwrap_or(s.len());
            assert!(first_other > 0, "{v:?} offers DHE suites");
            assert!(
                s[first_other..].iter().all(|id| !dhe(id)),
                "{v:?}: DHE first"
            );
            let in_order = |sub: Vec<u16>| {
                let want: Vec<u16> = plain
                    .iter()
                    .copied()
                    .filter(|id| sub.contains(id))
                    .collect();
                assert_eq!(sub, want, "{v:?}: candidates' order kept");
            };
            in_order(s[..first_other].to_vec());
            in_order(s[first_other..].to_vec());
            let mut sorted = s.clone();
            sorted.sort_unstable();
            plain.sort_unstable();
            assert_eq!(sorted, plain);
        }
    }

    fn answer(version: Version, supported: bool, kx: Option<KeyExchange>) -> VersionSupport {
        VersionSupport {
            version,
            supported,
            server_version: Some(version.wire()),
            suite: Some(0x009e),
            key_exchange: kx,
            via_hrr: false,
            alert: None,
            sslv2_cipher_specs: Vec::new(),
            certificates: Vec::new(),
            by_handshake: false,
        }
    }

    fn dh(bits: u32) -> Option<KeyExchange> {
        Some(KeyExchange::Dh {
            prime_bits: bits,
            prime: alloc::vec![0xff; (bits / 8) as usize],
            generator: alloc::vec![2],
        })
    }

    #[test]
    fn the_dh_prime_comes_from_the_newest_supported_version_that_picked_dhe() {
        let ecdh = Some(KeyExchange::Ecdh { curve: 29 });
        let vs = [
            answer(Version::Tls10, true, dh(1024)),
            answer(Version::Tls11, true, dh(2048)),
            answer(Version::Tls12, true, ecdh.clone()),
            // Not supported: its parameters (a downgraded answer) do not count.
            answer(Version::Ssl3, false, dh(512)),
        ];
        let seen = dh_of_versions(&vs).unwrap();
        assert_eq!(
            (seen.version, seen.prime_bits, seen.class, seen.generator),
            (Version::Tls11, 2048, DhClass::Ok2048, Some(2))
        );
        // The same answers in another order give the same result.
        let mut rev = vs.clone();
        rev.reverse();
        assert_eq!(dh_of_versions(&rev), Some(seen));
        // ECDHE picks only, or an unsupported version's DHE: nothing measured.
        assert_eq!(dh_of_versions(&[answer(Version::Tls12, true, ecdh)]), None);
        assert_eq!(
            dh_of_versions(&[answer(Version::Tls12, false, dh(1024))]),
            None
        );
        // A modern client's handshake offered no DHE: never a source.
        let mut h = answer(Version::Tls12, true, dh(1024));
        h.by_handshake = true;
        assert_eq!(dh_of_versions(&[h]), None);
    }

    #[test]
    fn a_modern_handshake_settles_tls13_and_at_tls12_also_tls12() {
        let v13 = from_handshake(0x0304, Some(0x1301));
        assert_eq!(v13.len(), 1);
        assert!(v13[0].supported && v13[0].by_handshake && v13[0].version == Version::Tls13);
        let v12 = from_handshake(0x0303, Some(0xc02f));
        assert_eq!(
            v12.iter()
                .map(|v| (v.version, v.supported))
                .collect::<Vec<_>>(),
            [(Version::Tls13, false), (Version::Tls12, true)]
        );
        assert!(v12
            .iter()
            .all(|v| v.server_version == Some(0x0303) && v.by_handshake));
        for older in [0x0300, 0x0301, 0x0302, 0x0305, 0x7f1c] {
            assert!(from_handshake(older, None).is_empty(), "{older:#x}");
        }
        // Its pick seeds no suite scan (the offer was the client's, not version_suites); a
        // version hello's pick does.
        use crate::plan::suites::Seed;
        assert!(v13
            .iter()
            .chain(&v12)
            .all(|v| Seed::from_version(v).is_none()));
        let mut own = v12[1].clone();
        own.by_handshake = false;
        assert!(Seed::from_version(&own).is_some());
    }

    fn hello(version: u16) -> crate::flight::ServerHelloInfo {
        crate::flight::ServerHelloInfo {
            legacy_version: version.min(0x0303),
            version,
            random: [1; 32],
            session_id: Vec::new(),
            cipher_suite: 0xc02f,
            compression: 0,
            extensions: Vec::new(),
            is_hrr: false,
            key_share_group: None,
        }
    }

    /// Supported means a ServerHello of exactly the version asked (a downgraded answer is
    /// not), and for SSLv2 a SERVER-HELLO of version 2 that names cipher specs.
    #[test]
    fn supported_is_an_answer_of_exactly_the_version_asked() {
        let at = |v: u16| ServerFlight {
            server_hello: Some(hello(v)),
            ..ServerFlight::default()
        };
        assert!(version_answer(Version::Tls12, &at(0x0303)).supported);
        let down = version_answer(Version::Tls12, &at(0x0302));
        assert!(!down.supported);
        assert_eq!(
            (down.server_version, down.suite),
            (Some(0x0302), Some(0xc02f))
        );
        assert!(!version_answer(Version::Tls11, &at(0x0303)).supported);
        assert!(!version_answer(Version::Tls12, &ServerFlight::default()).supported);
        let v2 = |version: u16, specs: Vec<u32>| ServerFlight {
            sslv2: Some(crate::flight::Sslv2ServerHello {
                version,
                cipher_specs: specs,
                certificate: Vec::new(),
            }),
            ..ServerFlight::default()
        };
        let yes = version_answer(Version::Ssl2, &v2(2, alloc::vec![0x0700c0]));
        assert!(yes.supported);
        assert_eq!(yes.sslv2_cipher_specs, [0x0700c0]);
        assert_eq!(yes.server_version, Some(2));
        assert!(!version_answer(Version::Ssl2, &v2(2, Vec::new())).supported);
        assert!(!version_answer(Version::Ssl2, &v2(0x0300, alloc::vec![0x0700c0])).supported);
        // An SSLv2 answer says nothing about SSLv3, and a TLS answer nothing about SSLv2.
        assert!(!version_answer(Version::Ssl3, &v2(2, alloc::vec![0x0700c0])).supported);
        assert!(!version_answer(Version::Ssl2, &at(0x0300)).supported);
    }

    /// The answer's certificates are kept (so a legacy-only server's chain needs no hello of
    /// its own).
    #[test]
    fn the_answer_keeps_the_certificates() {
        let f = ServerFlight {
            certificates: alloc::vec![b"leaf".to_vec(), b"ca".to_vec()],
            ..ServerFlight::default()
        };
        let a = version_answer(Version::Tls12, &f);
        assert_eq!(a.certificates, f.certificates);
        assert!(!a.by_handshake && !a.supported);
    }
}
