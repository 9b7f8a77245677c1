//! Cipher suites per version by the removal loop, and the server's preference order.
//!
//! For each version the candidates (every suite `tls-parser` knows for that version, in the
//! order of [`crate::suites::candidates`]) are cut into chunks of at most
//! [`SuiteScanConfig::chunk`] suites. Each chunk is offered; the server's pick is recorded and
//! removed; the rest is offered again until the server refuses. `k` supported suites cost
//! `k + chunks` handshakes. A last hello offers the found suites in reverse order: if the server
//! still picks its first pick it enforces its own order (then the discovery order *is* its order;
//! suites found in later chunks are placed by binary insertion, a few handshakes each);
//! if it picks the last one it follows the client. When no chunk yielded two picks, two suites
//! are offered in both orders instead (one handshake more).
//!
//! With [`SuiteScanConfig::infer_legacy`], TLS 1.0/1.1 and SSLv3 start from the TLS 1.2 result:
//! the TLS 1.2 suites usable at that version are offered in one hello (the server must pick one
//! of them, which confirms the version and that suite), and every other candidate is offered in
//! chunks that the server must refuse (which proves it supports none of them). The unconfirmed
//! predicted suites are reported with [`Evidence::Inferred`]: the assumption is that a server's
//! suite policy does not depend on the version beyond what the suite itself allows, which holds
//! for OpenSSL, GnuTLS and tlslite-ng configurations but is an assumption, not an observation.

use alloc::vec::Vec;

use super::hellos::{encode, hello_for, HelloOptions};
use super::Probe;
use crate::flight::{KeyExchange, ServerFlight};
use crate::suites::{candidates, Suite};
use crate::version::Version;

/// Configuration of a suite scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuiteScanConfig {
    /// Versions to enumerate, in this order (TLS 1.2 before older versions if `infer_legacy`).
    pub versions: Vec<Version>,
    /// Maximum suites per hello.
    pub chunk: usize,
    /// Infer TLS 1.0/1.1/SSLv3 suites from TLS 1.2 (see the module docs).
    pub infer_legacy: bool,
    /// Run the reversed-order probe (and order merging) to learn the server's preference.
    pub order_probe: bool,
    /// Hello options.
    pub hello: HelloOptions,
}

impl Default for SuiteScanConfig {
    fn default() -> Self {
        SuiteScanConfig {
            versions: alloc::vec![
                Version::Tls13,
                Version::Tls12,
                Version::Tls11,
                Version::Tls10,
                Version::Ssl3
            ],
            chunk: 128,
            infer_legacy: false,
            order_probe: true,
            hello: HelloOptions::default(),
        }
    }
}

/// How we know a suite is supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Evidence {
    /// The server selected it.
    Observed,
    /// Predicted from another version and not contradicted (see the module docs).
    Inferred,
}

/// One supported suite.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedSuite {
    /// Suite id.
    pub id: u16,
    /// Evidence.
    pub evidence: Evidence,
    /// Key exchange parameters seen when it was selected (DH prime size, ECDH curve).
    pub key_exchange: Option<KeyExchange>,
    /// Selected through a HelloRetryRequest (TLS 1.3).
    pub via_hrr: bool,
}

/// Whose order decides the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Preference {
    /// The server enforces its own order.
    Server,
    /// The server follows the client's order.
    Client,
    /// Neither (e.g. a ChaCha20 rule, or an inconsistent server).
    Mixed,
    /// Not determined (fewer than two suites, or not probed).
    Unknown,
}

/// The suites of one version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VersionSuites {
    /// Version.
    pub version: Version,
    /// Whether any suite was accepted at this version.
    pub supported: bool,
    /// Supported suites: in the server's order when [`Preference::Server`], else in discovery order.
    pub suites: Vec<AcceptedSuite>,
    /// Preference.
    pub preference: Preference,
    /// The version the server answered with instead, when it did not accept this one.
    pub downgraded_to: Option<u16>,
    /// Suites the server selected although we did not offer them.
    pub unoffered_picks: Vec<u16>,
}

/// The result of a suite scan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuiteScan {
    /// Per version, in scan order.
    pub versions: Vec<VersionSuites>,
}

impl SuiteScan {
    /// All (version, suite) pairs found.
    pub fn pairs(&self) -> Vec<(Version, u16)> {
        self.versions
            .iter()
            .flat_map(|v| v.suites.iter().map(move |s| (v.version, s.id)))
            .collect()
    }

    /// The result for one version.
    pub fn version(&self, v: Version) -> Option<&VersionSuites> {
        self.versions.iter().find(|x| x.version == v)
    }
}

#[derive(Clone, Debug)]
enum Pending {
    Discover,
    Reverse,
    PairFirst { a: u16, b: u16 },
    PairSecond { a: u16, b: u16, first: Option<u16> },
    Compare { item: u16, mid: usize },
}

#[derive(Clone, Debug)]
struct Current {
    version: Version,
    chunks: Vec<Vec<u16>>,
    chunk: usize,
    infer_first: bool,
    found: Vec<(AcceptedSuite, usize)>,
    stop: bool,
    res: VersionSuites,
    // order merging
    ordered: Vec<u16>,
    to_insert: Vec<u16>,
    lo: usize,
    hi: usize,
    reversed_done: bool,
    pref_chunk: usize,
}

/// The suite enumeration probe.
#[derive(Clone, Debug)]
pub struct SuiteProbe {
    cfg: SuiteScanConfig,
    todo: Vec<Version>,
    cur: Option<Current>,
    pending: Option<Pending>,
    pair: Option<(u16, u16, Option<u16>)>,
    done: SuiteScan,
}

impl SuiteProbe {
    /// A probe with this configuration.
    pub fn new(cfg: SuiteScanConfig) -> Self {
        let mut todo = cfg.versions.clone();
        todo.reverse();
        SuiteProbe {
            cfg,
            todo,
            cur: None,
            pending: None,
            pair: None,
            done: SuiteScan::default(),
        }
    }

    fn start(&self, version: Version) -> Current {
        let chunk = self.cfg.chunk.clamp(1, 1000);
        let all = candidates(version);
        let predicted: Vec<u16> = if self.cfg.infer_legacy
            && matches!(version, Version::Ssl3 | Version::Tls10 | Version::Tls11)
        {
            self.done
                .version(Version::Tls12)
                .map(|t| {
                    t.suites
                        .iter()
                        .map(|s| s.id)
                        .filter(|id| Suite::from_id(*id).is_some_and(|s| s.usable_at(version)))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let infer_first = !predicted.is_empty() && predicted.len() <= chunk;
        let mut chunks: Vec<Vec<u16>> = Vec::new();
        if infer_first {
            chunks.push(predicted.clone());
            let rest: Vec<u16> = all
                .into_iter()
                .filter(|id| !predicted.contains(id))
                .collect();
            chunks.extend(rest.chunks(chunk).map(<[u16]>::to_vec));
        } else {
            chunks.extend(all.chunks(chunk).map(<[u16]>::to_vec));
        }
        Current {
            version,
            chunks,
            chunk: 0,
            infer_first,
            found: Vec::new(),
            stop: false,
            res: VersionSuites {
                version,
                supported: false,
                suites: Vec::new(),
                preference: Preference::Unknown,
                downgraded_to: None,
                unoffered_picks: Vec::new(),
            },
            ordered: Vec::new(),
            to_insert: Vec::new(),
            lo: 0,
            hi: 0,
            reversed_done: false,
            pref_chunk: 0,
        }
    }

    fn on_answer(&mut self, f: &ServerFlight) {
        let (Some(cur), Some(pending)) = (self.cur.as_mut(), self.pending.take()) else {
            return;
        };
        let accepted = f.accepted();
        let wire = cur.version.wire();
        match pending {
            Pending::Discover => {
                let Some(chunk) = cur.chunks.get_mut(cur.chunk) else {
                    return;
                };
                match accepted {
                    Some((ver, suite)) if ver == wire && chunk.contains(&suite) => {
                        chunk.retain(|s| *s != suite);
                        let hrr = f.server_hello.as_ref().is_some_and(|s| s.is_hrr);
                        let kx = f.server_key_exchange.as_ref().map(|k| k.params.clone());
                        cur.found.push((
                            AcceptedSuite {
                                id: suite,
                                evidence: Evidence::Observed,
                                key_exchange: kx,
                                via_hrr: hrr,
                            },
                            cur.chunk,
                        ));
                        if cur.infer_first && cur.chunk == 0 {
                            for id in chunk.drain(..) {
                                cur.found.push((
                                    AcceptedSuite {
                                        id,
                                        evidence: Evidence::Inferred,
                                        key_exchange: None,
                                        via_hrr: false,
                                    },
                                    0,
                                ));
                            }
                            cur.chunk += 1;
                        }
                    }
                    Some((ver, _)) if ver != wire => {
                        if cur.found.is_empty() {
                            cur.res.downgraded_to = Some(ver);
                        }
                        cur.stop = true;
                    }
                    Some((_, suite)) => {
                        cur.res.unoffered_picks.push(suite);
                        cur.chunk += 1;
                    }
                    None => {
                        let protocol_alert = f.alert.is_some_and(|a| a.description == 70);
                        if cur.chunk == 0 && cur.found.is_empty() && protocol_alert {
                            cur.stop = true;
                        } else if cur.infer_first && cur.chunk == 0 {
                            // The prediction failed: enumerate this version in full.
                            let chunk_size = self.cfg.chunk.clamp(1, 1000);
                            cur.chunks = candidates(cur.version)
                                .chunks(chunk_size)
                                .map(<[u16]>::to_vec)
                                .collect();
                            cur.infer_first = false;
                        } else {
                            cur.chunk += 1;
                        }
                    }
                }
            }
            Pending::Reverse => {
                cur.reversed_done = true;
                let group = cur.pref_chunk;
                let observed: Vec<u16> = cur
                    .found
                    .iter()
                    .filter(|(s, c)| s.evidence == Evidence::Observed && *c == group)
                    .map(|(s, _)| s.id)
                    .collect();
                let pick = accepted.map(|(_, s)| s);
                cur.res.preference = if pick.is_some() && pick == observed.first().copied() {
                    Preference::Server
                } else if pick.is_some() && pick == observed.last().copied() {
                    Preference::Client
                } else {
                    Preference::Mixed
                };
                if cur.res.preference == Preference::Server {
                    cur.ordered = cur
                        .found
                        .iter()
                        .filter(|(_, c)| *c == group)
                        .map(|(s, _)| s.id)
                        .collect();
                    cur.to_insert = cur
                        .found
                        .iter()
                        .filter(|(_, c)| *c != group)
                        .map(|(s, _)| s.id)
                        .rev()
                        .collect();
                    cur.lo = 0;
                    cur.hi = cur.ordered.len();
                }
            }
            Pending::PairFirst { a, b } => {
                self.pair = Some((a, b, accepted.map(|(_, s)| s)));
            }
            Pending::PairSecond { a, b, first } => {
                cur.reversed_done = true;
                let second = accepted.map(|(_, s)| s);
                cur.res.preference = if first == Some(a) && second == Some(b) {
                    Preference::Client
                } else if first.is_some() && first == second {
                    Preference::Server
                } else {
                    Preference::Mixed
                };
                if let (Preference::Server, Some(w)) = (cur.res.preference, first) {
                    cur.ordered = alloc::vec![w];
                    cur.to_insert = cur
                        .found
                        .iter()
                        .map(|(s, _)| s.id)
                        .filter(|id| *id != w)
                        .rev()
                        .collect();
                    cur.lo = 0;
                    cur.hi = 1;
                }
            }
            Pending::Compare { item, mid } => {
                let pick = accepted.map(|(_, s)| s);
                if pick == Some(item) {
                    cur.hi = mid;
                } else {
                    cur.lo = mid + 1;
                }
                if cur.lo >= cur.hi {
                    let at = cur.lo.min(cur.ordered.len());
                    cur.ordered.insert(at, item);
                    cur.to_insert.pop();
                    cur.lo = 0;
                    cur.hi = cur.ordered.len();
                }
            }
        }
    }

    fn finish_version(&mut self) {
        let Some(mut cur) = self.cur.take() else {
            return;
        };
        let mut suites: Vec<AcceptedSuite> = cur.found.iter().map(|(s, _)| s.clone()).collect();
        if cur.res.preference == Preference::Server
            && cur.to_insert.is_empty()
            && cur.ordered.len() == suites.len()
        {
            let by_id = |id: u16| suites.iter().find(|s| s.id == id).cloned();
            let sorted: Vec<AcceptedSuite> =
                cur.ordered.iter().filter_map(|id| by_id(*id)).collect();
            suites = sorted;
        }
        cur.res.supported = !suites.is_empty();
        cur.res.suites = suites;
        self.done.versions.push(cur.res);
    }

    fn offer(&self, version: Version, suites: &[u16]) -> Vec<u8> {
        encode(hello_for(version, suites, &self.cfg.hello, None, None))
    }
}

impl Probe for SuiteProbe {
    type Output = SuiteScan;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        if let Some(f) = answer {
            self.on_answer(&f);
        }
        loop {
            let Some(cur) = self.cur.as_mut() else {
                let v = self.todo.pop()?;
                self.cur = Some(self.start(v));
                continue;
            };
            // Discovery.
            if !cur.stop {
                while cur.chunks.get(cur.chunk).is_some_and(Vec::is_empty) {
                    cur.chunk += 1;
                }
                if let Some(offer) = cur.chunks.get(cur.chunk) {
                    let (v, offer) = (cur.version, offer.clone());
                    self.pending = Some(Pending::Discover);
                    return Some(self.offer(v, &offer));
                }
            }
            // Preference.
            // The reversed-order probe uses the chunk with the most observed picks: within one
            // chunk the discovery order is the server's order (server preference) or ours.
            if self.cfg.order_probe && !cur.reversed_done {
                let observed_in = |c: usize| {
                    cur.found
                        .iter()
                        .filter(|(s, k)| s.evidence == Evidence::Observed && *k == c)
                        .map(|(s, _)| s.id)
                        .collect::<Vec<u16>>()
                };
                let best = (0..cur.chunks.len())
                    .map(|c| (observed_in(c).len(), core::cmp::Reverse(c)))
                    .max();
                if let Some((n, core::cmp::Reverse(c))) = best {
                    if n >= 2 {
                        cur.pref_chunk = c;
                        let v = cur.version;
                        let rev: Vec<u16> = observed_in(c).into_iter().rev().collect();
                        self.pending = Some(Pending::Reverse);
                        return Some(self.offer(v, &rev));
                    }
                }
                // No chunk with two picks: compare two suites in both orders.
                let observed: Vec<u16> = cur
                    .found
                    .iter()
                    .filter(|(s, _)| s.evidence == Evidence::Observed)
                    .map(|(s, _)| s.id)
                    .collect();
                if let (Some(&a), Some(&b)) = (observed.first(), observed.get(1)) {
                    let v = cur.version;
                    if let Some((pa, pb, first)) = self.pair.take() {
                        self.pending = Some(Pending::PairSecond {
                            a: pa,
                            b: pb,
                            first,
                        });
                        return Some(self.offer(v, &[pb, pa]));
                    }
                    self.pending = Some(Pending::PairFirst { a, b });
                    return Some(self.offer(v, &[a, b]));
                }
            }
            // Merge suites found in later chunks into the server's order.
            if cur.res.preference == Preference::Server {
                if let Some(&item) = cur.to_insert.last() {
                    if cur.lo < cur.hi {
                        let mid = (cur.lo + cur.hi) / 2;
                        if let Some(&m) = cur.ordered.get(mid) {
                            let v = cur.version;
                            self.pending = Some(Pending::Compare { item, mid });
                            return Some(self.offer(v, &[m, item]));
                        }
                    }
                    let at = cur.lo.min(cur.ordered.len());
                    cur.ordered.insert(at, item);
                    cur.to_insert.pop();
                    cur.lo = 0;
                    cur.hi = cur.ordered.len();
                    continue;
                }
            }
            self.finish_version();
        }
    }

    fn output(&self) -> SuiteScan {
        self.done.clone()
    }
}
