//! Key-exchange parameters: the DH prime of DHE suites, named groups, signature algorithms.

use alloc::vec::Vec;

use super::hellos::{encode, hello_for, HelloOptions};
use super::Probe;
use crate::flight::{KeyExchange, ServerFlight};
use crate::hello::{groups, sigalgs, Extension};
use crate::suites::{candidates, Suite};
use crate::version::Version;

/// Logjam classes of a DH prime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DhClass {
    /// 512 bits or fewer (export grade).
    Bits512,
    /// 513..=768 bits.
    Bits768,
    /// 769..=1024 bits.
    Bits1024,
    /// 1025..2048 bits.
    Below2048,
    /// 2048 bits or more.
    Ok2048,
}

impl DhClass {
    /// The class of a prime of `bits` bits.
    pub fn of(bits: u32) -> DhClass {
        match bits {
            0..=512 => DhClass::Bits512,
            513..=768 => DhClass::Bits768,
            769..=1024 => DhClass::Bits1024,
            1025..=2047 => DhClass::Below2048,
            _ => DhClass::Ok2048,
        }
    }
}

/// A DH prime the server used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DhSeen {
    /// Version of the handshake.
    pub version: Version,
    /// Suite.
    pub suite: u16,
    /// Prime size in bits.
    pub prime_bits: u32,
    /// Generator, if it fits in 64 bits.
    pub generator: Option<u64>,
    /// Logjam class.
    pub class: DhClass,
}

/// The DH result: the prime without FFDHE groups offered (the configured prime) and with them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DhResult {
    /// The prime seen by a ClientHello that offers no FFDHE group (what an old client gets).
    pub without_ffdhe: Option<DhSeen>,
    /// The prime seen when FFDHE groups are offered (RFC 7919 servers switch to ffdhe2048+).
    pub with_ffdhe: Option<DhSeen>,
}

/// Measures the DH prime of DHE suites: for each version (newest first) one hello offering every
/// DHE and DH_anon suite and no FFDHE group, until one is accepted; then the same hello with
/// FFDHE groups added.
#[derive(Clone, Debug)]
pub struct DhProbe {
    opts: HelloOptions,
    todo: Vec<Version>,
    asked: Option<(Version, bool)>,
    res: DhResult,
}

impl DhProbe {
    /// A probe trying `versions` in order (e.g. TLS 1.2, 1.1, 1.0, SSLv3).
    pub fn new(opts: HelloOptions, versions: &[Version]) -> Self {
        let mut todo = versions.to_vec();
        todo.reverse();
        DhProbe {
            opts,
            todo,
            asked: None,
            res: DhResult::default(),
        }
    }

    fn hello(&self, v: Version, ffdhe: bool) -> Vec<u8> {
        let dhe: Vec<u16> = candidates(v)
            .into_iter()
            .filter(|id| Suite::from_id(*id).is_some_and(|s| s.is_dhe()))
            .take(128)
            .collect();
        let mut opts = self.opts.clone();
        opts.offer_ffdhe = ffdhe;
        encode(hello_for(v, &dhe, &opts, None, None))
    }
}

fn dh_seen(v: Version, f: &ServerFlight) -> Option<DhSeen> {
    let (ver, suite) = f.accepted()?;
    if ver != v.wire() {
        return None;
    }
    let ske = f.server_key_exchange.as_ref()?;
    match &ske.params {
        KeyExchange::Dh { prime_bits, .. } => Some(DhSeen {
            version: v,
            suite,
            prime_bits: *prime_bits,
            generator: ske.params.dh_generator(),
            class: DhClass::of(*prime_bits),
        }),
        _ => None,
    }
}

impl Probe for DhProbe {
    type Output = DhResult;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        if let (Some((v, ffdhe)), Some(f)) = (self.asked.take(), answer) {
            let seen = dh_seen(v, &f);
            if ffdhe {
                self.res.with_ffdhe = seen;
                return None;
            }
            if seen.is_some() {
                self.res.without_ffdhe = seen;
                if v == Version::Ssl3 {
                    return None; // SSLv3 has no extensions: no FFDHE negotiation.
                }
                self.asked = Some((v, true));
                return Some(self.hello(v, true));
            }
        }
        let v = self.todo.pop()?;
        self.asked = Some((v, false));
        Some(self.hello(v, false))
    }

    fn output(&self) -> DhResult {
        self.res.clone()
    }
}

/// Groups the server accepts, in the order it picked them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupScan {
    /// TLS 1.3 groups (HelloRetryRequest or ServerHello key_share), in server preference order.
    pub tls13: Vec<u16>,
    /// TLS 1.2 ECDHE curves (ServerKeyExchange), in the order picked.
    pub tls12: Vec<u16>,
}

/// Enumerates groups by the removal loop: TLS 1.3 hellos with an empty key_share list (the
/// server must answer with a HelloRetryRequest naming its preferred group among those offered),
/// then TLS 1.2 hellos offering only ECDHE suites (the ServerKeyExchange names the curve).
#[derive(Clone, Debug)]
pub struct GroupProbe {
    opts: HelloOptions,
    tls13: bool,
    tls12: bool,
    remaining13: Vec<u16>,
    remaining12: Vec<u16>,
    phase: u8,
    res: GroupScan,
}

impl GroupProbe {
    /// A probe; `tls13`/`tls12` say which versions to ask (those the server supports).
    pub fn new(opts: HelloOptions, tls13: bool, tls12: bool) -> Self {
        GroupProbe {
            opts,
            tls13,
            tls12,
            remaining13: groups::ALL.to_vec(),
            remaining12: groups::EC_TLS12.to_vec(),
            phase: 0,
            res: GroupScan::default(),
        }
    }

    fn hello13(&self) -> Vec<u8> {
        let suites: Vec<u16> = candidates(Version::Tls13);
        let mut h = hello_for(
            Version::Tls13,
            &suites,
            &self.opts,
            Some(&self.remaining13),
            None,
        );
        if let Some(exts) = h.extensions.as_mut() {
            for e in exts.iter_mut() {
                if let Extension::KeyShare(shares) = e {
                    shares.clear();
                }
            }
        }
        encode(h)
    }

    fn hello12(&self) -> Vec<u8> {
        let ecdhe: Vec<u16> = candidates(Version::Tls12)
            .into_iter()
            .filter(|id| Suite::from_id(*id).is_some_and(|s| s.is_ecdhe()))
            .take(128)
            .collect();
        encode(hello_for(
            Version::Tls12,
            &ecdhe,
            &self.opts,
            Some(&self.remaining12),
            None,
        ))
    }
}

impl Probe for GroupProbe {
    type Output = GroupScan;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        if let Some(f) = answer {
            match self.phase {
                1 => {
                    let g = f
                        .server_hello
                        .as_ref()
                        .filter(|s| s.version == 0x0304)
                        .and_then(|s| s.key_share_group);
                    match g {
                        Some(g) if self.remaining13.contains(&g) => {
                            self.remaining13.retain(|x| *x != g);
                            self.res.tls13.push(g);
                        }
                        _ => self.phase = 2,
                    }
                }
                3 => {
                    let g = f.server_key_exchange.as_ref().and_then(|k| match k.params {
                        KeyExchange::Ecdh { curve } => Some(curve),
                        _ => None,
                    });
                    match g {
                        Some(g) if self.remaining12.contains(&g) => {
                            self.remaining12.retain(|x| *x != g);
                            self.res.tls12.push(g);
                        }
                        _ => self.phase = 4,
                    }
                }
                _ => {}
            }
        }
        if self.phase == 0 {
            self.phase = if self.tls13 { 1 } else { 2 };
        }
        if self.phase == 1 && !self.remaining13.is_empty() {
            return Some(self.hello13());
        }
        if self.phase <= 2 {
            self.phase = if self.tls12 { 3 } else { 4 };
        }
        if self.phase == 3 && !self.remaining12.is_empty() {
            return Some(self.hello12());
        }
        None
    }

    fn output(&self) -> GroupScan {
        self.res.clone()
    }
}

/// TLS 1.2 signature algorithms by the removal loop: the ServerKeyExchange signature names the
/// server's pick among those offered.
#[derive(Clone, Debug)]
pub struct SigAlgProbe {
    opts: HelloOptions,
    remaining: Vec<u16>,
    found: Vec<u16>,
    done: bool,
}

impl SigAlgProbe {
    /// A probe (TLS 1.2 only: TLS 1.3 signs in the encrypted CertificateVerify).
    pub fn new(opts: HelloOptions) -> Self {
        SigAlgProbe {
            opts,
            remaining: sigalgs::ALL.to_vec(),
            found: Vec::new(),
            done: false,
        }
    }
}

impl Probe for SigAlgProbe {
    type Output = Vec<u16>;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        if let Some(f) = answer {
            match f
                .server_key_exchange
                .as_ref()
                .and_then(|k| k.signature_algorithm)
            {
                Some(s) if self.remaining.contains(&s) => {
                    self.remaining.retain(|x| *x != s);
                    self.found.push(s);
                }
                _ => self.done = true,
            }
        }
        if self.done || self.remaining.is_empty() {
            return None;
        }
        let signed: Vec<u16> = candidates(Version::Tls12)
            .into_iter()
            .filter(|id| {
                Suite::from_id(*id)
                    .is_some_and(|s| (s.is_dhe() || s.is_ecdhe()) && !s.flags.anonymous)
            })
            .take(128)
            .collect();
        Some(encode(hello_for(
            Version::Tls12,
            &signed,
            &self.opts,
            None,
            Some(&self.remaining),
        )))
    }

    fn output(&self) -> Vec<u16> {
        self.found.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hello::{ext, ClientHello};
    use crate::plan::test_flights::{alert, flight, parsed};
    use alloc::vec;

    fn groups_of(h: &ClientHello) -> Vec<u16> {
        h.extensions
            .iter()
            .flatten()
            .find_map(|e| match e {
                Extension::SupportedGroups(g) => Some(g.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// A DHE ServerKeyExchange: p of `p_len` bytes (top bit set), g = 2, then a signature.
    fn dh_ske(p_len: usize) -> Vec<u8> {
        let mut p = vec![0xffu8; p_len];
        p[p_len - 1] = 0xfb;
        let mut b = (p_len as u16).to_be_bytes().to_vec();
        b.extend_from_slice(&p);
        b.extend_from_slice(&[0, 1, 2, 0, 1, 9, 4, 1, 0, 0]);
        b
    }

    #[test]
    fn dh_probe_walks_versions_then_asks_again_with_ffdhe() {
        let mut p = DhProbe::new(HelloOptions::default(), &[Version::Tls12, Version::Tls10]);
        let h = parsed(p.next(None));
        assert_eq!(h.legacy_version, 0x0303);
        assert!(h
            .cipher_suites
            .iter()
            .filter_map(|id| Suite::from_id(*id))
            .all(|s| s.is_dhe()));
        assert!(!groups_of(&h).iter().any(|g| groups::FFDHE.contains(g)));
        // TLS 1.2 refused: TLS 1.0 next.
        let h = parsed(p.next(Some(alert(40))));
        assert_eq!(h.legacy_version, 0x0301);
        // A 512-bit prime at TLS 1.0: the same version again, now with FFDHE groups.
        let h = parsed(p.next(Some(flight(0x0301, 0x0033, &[], Some(&dh_ske(64)), false))));
        assert_eq!(h.legacy_version, 0x0301);
        assert!(groups_of(&h).contains(&groups::FFDHE2048));
        assert_eq!(
            p.next(Some(flight(0x0301, 0x0033, &[], Some(&dh_ske(256)), false))),
            None
        );
        let r = p.output();
        let without = r.without_ffdhe.unwrap();
        assert_eq!(
            (
                without.version,
                without.suite,
                without.prime_bits,
                without.generator
            ),
            (Version::Tls10, 0x0033, 512, Some(2))
        );
        assert_eq!(without.class, DhClass::Bits512);
        assert_eq!(r.with_ffdhe.unwrap().prime_bits, 2048);
        // An answer at another version than asked is not a DH measurement.
        let mut p = DhProbe::new(HelloOptions::default(), &[Version::Tls12]);
        p.next(None);
        assert_eq!(
            p.next(Some(flight(0x0301, 0x0033, &[], Some(&dh_ske(64)), false))),
            None
        );
        assert_eq!(p.output(), DhResult::default());
        // SSLv3 has no extensions: no second hello.
        let mut p = DhProbe::new(HelloOptions::default(), &[Version::Ssl3]);
        assert_eq!(parsed(p.next(None)).legacy_version, 0x0300);
        assert_eq!(
            p.next(Some(flight(0x0300, 0x0033, &[], Some(&dh_ske(128)), false))),
            None
        );
        assert_eq!(p.output().without_ffdhe.unwrap().prime_bits, 1024);
    }

    #[test]
    fn group_probe_removes_each_pick_until_refused() {
        let mut p = GroupProbe::new(HelloOptions::default(), true, true);
        let h = parsed(p.next(None));
        let offered13 = groups_of(&h);
        assert_eq!(offered13, groups::ALL.to_vec());
        let shares = h.extensions.iter().flatten().find_map(|e| match e {
            Extension::KeyShare(s) => Some(s.len()),
            _ => None,
        });
        assert_eq!(shares, Some(0), "an empty key_share list");
        // TLS 1.3 picks x25519: asked again without it.
        let mut ks = vec![0, 29, 0, 32];
        ks.extend_from_slice(&[1; 32]);
        let pick = flight(
            0x0303,
            0x1301,
            &[(ext::SUPPORTED_VERSIONS, &[3, 4]), (ext::KEY_SHARE, &ks)],
            None,
            false,
        );
        let h = parsed(p.next(Some(pick)));
        assert!(!groups_of(&h).contains(&29));
        assert_eq!(groups_of(&h).len(), offered13.len() - 1);
        // Refused: the TLS 1.2 phase, ECDHE suites only.
        let h = parsed(p.next(Some(alert(40))));
        assert_eq!(groups_of(&h), groups::EC_TLS12.to_vec());
        assert!(h
            .cipher_suites
            .iter()
            .filter_map(|id| Suite::from_id(*id))
            .all(|s| s.is_ecdhe()));
        let ske = [3, 0, 23, 1, 4, 4, 3, 0, 0];
        let h = parsed(p.next(Some(flight(0x0303, 0xc02f, &[], Some(&ske), false))));
        assert!(!groups_of(&h).contains(&23));
        assert_eq!(p.next(Some(alert(40))), None);
        assert_eq!(
            p.output(),
            GroupScan {
                tls13: vec![29],
                tls12: vec![23],
            }
        );
        // A pick that was not offered (or was already removed) ends a phase: no loop on it.
        let mut p = GroupProbe::new(HelloOptions::default(), true, true);
        p.next(None);
        let mut ks = vec![0, 29, 0, 32];
        ks.extend_from_slice(&[1; 32]);
        let x25519 = || {
            flight(
                0x0303,
                0x1301,
                &[(ext::SUPPORTED_VERSIONS, &[3, 4]), (ext::KEY_SHARE, &ks)],
                None,
                false,
            )
        };
        p.next(Some(x25519()));
        let h = parsed(p.next(Some(x25519())));
        assert_eq!(groups_of(&h), groups::EC_TLS12.to_vec(), "on to TLS 1.2");
        let ske = [3, 0, 23, 1, 4, 4, 3, 0, 0];
        p.next(Some(flight(0x0303, 0xc02f, &[], Some(&ske), false)));
        assert_eq!(
            p.next(Some(flight(0x0303, 0xc02f, &[], Some(&ske), false))),
            None
        );
        assert_eq!(p.output().tls13, vec![29]);
        assert_eq!(p.output().tls12, vec![23]);
        // Neither version: nothing to ask.
        assert_eq!(
            GroupProbe::new(HelloOptions::default(), false, false).next(None),
            None
        );
        // TLS 1.2 only: the first hello is the TLS 1.2 one.
        let mut p = GroupProbe::new(HelloOptions::default(), false, true);
        assert_eq!(parsed(p.next(None)).legacy_version, 0x0303);
    }

    #[test]
    fn sigalg_probe_removes_each_pick_until_refused() {
        let mut p = SigAlgProbe::new(HelloOptions::default());
        let h = parsed(p.next(None));
        let offered = h.extensions.iter().flatten().find_map(|e| match e {
            Extension::SignatureAlgorithms(s) => Some(s.clone()),
            _ => None,
        });
        assert_eq!(offered, Some(sigalgs::ALL.to_vec()));
        assert!(h
            .cipher_suites
            .iter()
            .filter_map(|id| Suite::from_id(*id))
            .all(|s| (s.is_dhe() || s.is_ecdhe()) && !s.flags.anonymous));
        let ske = [3, 0, 23, 1, 4, 4, 3, 0, 0];
        let h = parsed(p.next(Some(flight(0x0303, 0xc02b, &[], Some(&ske), false))));
        let offered = h.extensions.iter().flatten().find_map(|e| match e {
            Extension::SignatureAlgorithms(s) => Some(s.clone()),
            _ => None,
        });
        assert_eq!(offered.map(|o| o.contains(&0x0403)), Some(false));
        assert_eq!(p.next(Some(alert(40))), None);
        assert_eq!(p.output(), vec![0x0403]);
        // The same pick again (not offered any more) ends the probe.
        let mut p = SigAlgProbe::new(HelloOptions::default());
        p.next(None);
        let answer = || flight(0x0303, 0xc02b, &[], Some(&ske), false);
        assert!(p.next(Some(answer())).is_some());
        assert_eq!(p.next(Some(answer())), None);
        assert_eq!(p.output(), vec![0x0403]);
    }

    #[test]
    fn dh_classes() {
        assert_eq!(DhClass::of(512), DhClass::Bits512);
        assert_eq!(DhClass::of(768), DhClass::Bits768);
        assert_eq!(DhClass::of(1024), DhClass::Bits1024);
        assert_eq!(DhClass::of(1536), DhClass::Below2048);
        assert_eq!(DhClass::of(2048), DhClass::Ok2048);
    }
}
