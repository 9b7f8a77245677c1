//! Protocol support: SSLv2, SSLv3, TLS 1.0, 1.1, 1.2, 1.3 each accepted or not (one hello each).

use alloc::vec::Vec;

use super::hellos::{encode, hello_for, HelloOptions};
use super::Probe;
use crate::flight::{Alert, KeyExchange, ServerFlight};
use crate::hello::sslv2;
use crate::suites::candidates;
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

/// The suites the hello asking about `version` offers (SSL 3.0 to TLS 1.3), in order.
pub fn version_suites(version: Version) -> Vec<u16> {
    candidates(version)
        .into_iter()
        .take(VERSION_HELLO_SUITES)
        .collect()
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
    }
}

impl Probe for VersionProbe {
    type Output = Vec<VersionSupport>;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        if let (Some(v), Some(f)) = (self.asked.take(), answer) {
            self.results.push(version_answer(v, &f));
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
}
