//! Features: secure renegotiation, session tickets, OCSP stapling, extended master secret,
//! encrypt-then-MAC, heartbeat, compression, ALPN (one rich TLS ≤ 1.2 hello, retried without the
//! CBC restriction if refused) and TLS_FALLBACK_SCSV (one hello below the highest version).

use alloc::vec::Vec;

use super::hellos::{encode, hello_for, HelloOptions};
use super::Probe;
use crate::flight::ServerFlight;
use crate::hello::{ext, Extension};
use crate::suites::{candidates, Suite, SCSV_FALLBACK, SCSV_RENEGOTIATION};
use crate::version::Version;

/// ALPN protocols offered by the feature and fingerprint probes: `smtp` alone. Exim 4.95 and
/// later (default `tls_alpn = smtp : esmtp`) abort with a fatal no_application_protocol alert
/// when any offered protocol is one it does not serve (measured with `openssl s_client -alpn`:
/// `smtp` is accepted, `smtp,h2` and `h2` are refused), which would hide the server's features.
pub const ALPN_OFFER: [&[u8]; 1] = [b"smtp"];

/// What the server supports. `None`: not determined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Features {
    /// Version of the feature hello.
    pub version: Option<Version>,
    /// renegotiation_info answered (RFC 5746).
    pub secure_renegotiation: Option<bool>,
    /// session_ticket answered.
    pub session_ticket: Option<bool>,
    /// status_request answered or CertificateStatus sent.
    pub ocsp_stapling: Option<bool>,
    /// extended_master_secret answered.
    pub extended_master_secret: Option<bool>,
    /// encrypt_then_mac answered (only meaningful with a CBC suite, else `None`).
    pub encrypt_then_mac: Option<bool>,
    /// heartbeat answered.
    pub heartbeat: Option<bool>,
    /// Compression method chosen when DEFLATE was offered.
    pub compression: Option<u8>,
    /// ALPN protocol chosen.
    pub alpn: Option<Vec<u8>>,
    /// TLS_FALLBACK_SCSV honoured (inappropriate_fallback alert).
    pub fallback_scsv: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Cbc,
    Any,
    Fallback,
}

/// The feature probe.
#[derive(Clone, Debug)]
pub struct FeatureProbe {
    opts: HelloOptions,
    feature_version: Option<Version>,
    fallback: Option<Version>,
    asked: Option<Step>,
    res: Features,
}

impl FeatureProbe {
    /// `supported`: the versions the server accepts (from the version probe).
    pub fn new(opts: HelloOptions, supported: &[Version]) -> Self {
        let mut tls: Vec<Version> = supported
            .iter()
            .copied()
            .filter(|v| {
                matches!(
                    v,
                    Version::Tls10 | Version::Tls11 | Version::Tls12 | Version::Tls13
                )
            })
            .collect();
        tls.sort();
        let feature_version = tls.iter().copied().filter(|v| *v != Version::Tls13).max();
        let fallback = if tls.len() >= 2 {
            tls.iter().rev().nth(1).copied()
        } else {
            None
        };
        FeatureProbe {
            opts,
            feature_version,
            fallback,
            asked: None,
            res: Features::default(),
        }
    }

    fn feature_hello(&self, v: Version, cbc_only: bool) -> Vec<u8> {
        let suites: Vec<u16> = candidates(v)
            .into_iter()
            .filter(|id| {
                Suite::from_id(*id).is_some_and(|s| !s.flags.exotic && (!cbc_only || s.flags.cbc))
            })
            .take(127)
            .collect();
        let mut h = hello_for(v, &suites, &self.opts, None, None);
        h.cipher_suites.retain(|s| *s != SCSV_RENEGOTIATION);
        h.compression_methods = alloc::vec![1, 0];
        let h = h
            .with(Extension::RenegotiationInfo(Vec::new()))
            .with(Extension::SessionTicket(Vec::new()))
            .with(Extension::StatusRequest)
            .with(Extension::ExtendedMasterSecret)
            .with(Extension::EncryptThenMac)
            .with(Extension::Heartbeat(1))
            .with(Extension::Alpn(
                ALPN_OFFER.iter().map(|p| p.to_vec()).collect(),
            ));
        encode(h)
    }

    fn record(&mut self, f: &ServerFlight, v: Version) -> bool {
        let Some(sh) = f.server_hello.as_ref().filter(|s| s.version == v.wire()) else {
            return false;
        };
        let has = |t| Some(sh.extension(t).is_some());
        self.res.version = Some(v);
        self.res.secure_renegotiation = has(ext::RENEGOTIATION_INFO);
        self.res.session_ticket = has(ext::SESSION_TICKET);
        self.res.ocsp_stapling =
            Some(sh.extension(ext::STATUS_REQUEST).is_some() || f.certificate_status);
        self.res.extended_master_secret = has(ext::EXTENDED_MASTER_SECRET);
        self.res.encrypt_then_mac = if sh.suite().is_some_and(|s| s.flags.cbc) {
            has(ext::ENCRYPT_THEN_MAC)
        } else {
            None
        };
        self.res.heartbeat = has(ext::HEARTBEAT);
        self.res.compression = Some(sh.compression);
        self.res.alpn = sh.alpn().map(<[u8]>::to_vec);
        true
    }
}

impl Probe for FeatureProbe {
    type Output = Features;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        let asked = self.asked.take();
        if let (Some(step), Some(f)) = (asked, answer.as_ref()) {
            match step {
                Step::Cbc | Step::Any => {
                    let v = self.feature_version?;
                    if !self.record(f, v) && step == Step::Cbc {
                        self.asked = Some(Step::Any);
                        return Some(self.feature_hello(v, false));
                    }
                }
                Step::Fallback => {
                    self.res.fallback_scsv = match (f.alert, f.server_hello.as_ref()) {
                        (Some(a), _) => Some(a.description == 86),
                        (None, Some(_)) => Some(false),
                        _ => None,
                    };
                    return None;
                }
            }
        }
        if asked.is_none() {
            if let Some(v) = self.feature_version {
                self.asked = Some(Step::Cbc);
                return Some(self.feature_hello(v, true));
            }
        }
        let v = self.fallback?;
        let suites: Vec<u16> = candidates(v)
            .into_iter()
            .take(127)
            .chain([SCSV_FALLBACK])
            .collect();
        self.asked = Some(Step::Fallback);
        self.fallback = None;
        Some(encode(hello_for(v, &suites, &self.opts, None, None)))
    }

    fn output(&self) -> Features {
        self.res.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hello::ClientHello;
    use crate::plan::test_flights::alert;

    fn flight(suite: u16, exts: &[(u16, &[u8])], status: bool) -> ServerFlight {
        crate::plan::test_flights::flight(0x0303, suite, exts, None, status)
    }

    fn suites_of(hello: &[u8]) -> Vec<Suite> {
        ClientHello::parse(hello)
            .unwrap()
            .cipher_suites
            .iter()
            .filter_map(|id| Suite::from_id(*id))
            .collect()
    }

    #[test]
    fn cbc_hello_first_then_any_then_the_fallback_probe() {
        let mut p = FeatureProbe::new(HelloOptions::default(), &[Version::Tls13, Version::Tls12]);
        let first = p.next(None).unwrap();
        let s = suites_of(&first);
        assert!(!s.is_empty());
        assert!(s.iter().all(|s| s.flags.cbc && !s.flags.exotic), "CBC only");
        // Refused: the same version again, any non-exotic suite.
        let second = p.next(Some(alert(40))).unwrap();
        let s = suites_of(&second);
        assert!(s.iter().any(|s| !s.flags.cbc), "not CBC only");
        assert!(s.iter().all(|s| !s.flags.exotic));
        // Accepted with an AEAD suite: stapling announced, renegotiation info, no ticket.
        let f = flight(
            0xc02f,
            &[(ext::STATUS_REQUEST, &[]), (ext::RENEGOTIATION_INFO, &[0])],
            false,
        );
        let fallback = p.next(Some(f)).unwrap();
        let fb = ClientHello::parse(&fallback).unwrap();
        assert!(fb.cipher_suites.contains(&SCSV_FALLBACK));
        assert_eq!(p.next(Some(alert(86))), None);
        let r = p.output();
        assert_eq!(r.version, Some(Version::Tls12));
        assert_eq!(r.ocsp_stapling, Some(true));
        assert_eq!(r.secure_renegotiation, Some(true));
        assert_eq!(r.session_ticket, Some(false));
        assert_eq!(r.encrypt_then_mac, None, "not a CBC suite");
        assert_eq!(r.compression, Some(0));
        assert_eq!(r.fallback_scsv, Some(true));
    }

    #[test]
    fn stapling_from_a_certificate_status_alone_and_etm_for_cbc() {
        let run = |f: ServerFlight| {
            let mut p = FeatureProbe::new(HelloOptions::default(), &[Version::Tls12]);
            p.next(None).unwrap();
            assert_eq!(p.next(Some(f)), None, "one version: no fallback probe");
            p.output()
        };
        let r = run(flight(0xc013, &[(ext::ENCRYPT_THEN_MAC, &[])], true));
        assert_eq!(
            r.ocsp_stapling,
            Some(true),
            "CertificateStatus without the extension"
        );
        assert_eq!(r.encrypt_then_mac, Some(true));
        let r = run(flight(0xc013, &[], false));
        assert_eq!(r.ocsp_stapling, Some(false));
        assert_eq!(r.encrypt_then_mac, Some(false));
        assert_eq!(r.fallback_scsv, None);
        // The fallback hello answered with a ServerHello: the SCSV is not honoured.
        let mut p = FeatureProbe::new(HelloOptions::default(), &[Version::Tls11, Version::Tls12]);
        p.next(None).unwrap();
        let fb = p.next(Some(flight(0xc013, &[], false))).unwrap();
        assert!(ClientHello::parse(&fb)
            .unwrap()
            .cipher_suites
            .contains(&SCSV_FALLBACK));
        assert_eq!(p.next(Some(flight(0xc013, &[], false))), None);
        assert_eq!(p.output().fallback_scsv, Some(false));
        // Answered with neither an alert nor a ServerHello: not determined.
        let mut p = FeatureProbe::new(HelloOptions::default(), &[Version::Tls11, Version::Tls12]);
        p.next(None).unwrap();
        p.next(Some(flight(0xc013, &[], false))).unwrap();
        assert_eq!(p.next(Some(ServerFlight::default())), None);
        assert_eq!(p.output().fallback_scsv, None);
    }
}
