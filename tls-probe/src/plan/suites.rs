//! Cipher suites per version by the removal loop, and the server's preference order.
//!
//! For each version the candidates (every suite `tls-parser` knows for that version, in the
//! order of [`crate::suites::candidates`]) form a pool. Each hello offers the first
//! [`SuiteScanConfig::chunk`] suites of the pool (by default the whole pool: 338 suites for
//! TLS 1.2, about 700 bytes). The server's pick is recorded and removed from the pool, and the
//! rest offered again; a refusal proves that none of the offered suites is supported, and they
//! leave the pool. The version is done when the pool is empty, so `k` supported suites cost
//! `k` accepted handshakes plus one refusal per window of unsupported suites: one, when the
//! whole pool fits one hello.
//!
//! A pick from the [`SuiteScanConfig::seeds`] (a hello of the same version already answered,
//! such as the [`super::versions::VersionProbe`]'s) counts as the first answer, without a
//! connection.
//!
//! Servers that cannot take big hellos (they reset, or answer with an alert other than
//! `handshake_failure`, `insufficient_security` or `protocol_version`) are retried once with
//! hellos of [`SuiteScanConfig::fallback_chunk`] suites, and the rest of the scan keeps that size.
//!
//! **Order.** With server preference, each pick is the server's favourite among the supported
//! suites it was offered, so a pick that was offered beside the previous pick ranks below it:
//! such runs of picks form *groups* in the server's order. A last hello offers the picks of the
//! largest group in reverse order: if the server still picks its first pick it enforces its own
//! order (suites of other groups are then placed by binary insertion, a few handshakes each); if
//! it picks the last one it follows the client. When no group has two picks, two suites are
//! offered in both orders instead (one handshake more). With the default whole-pool hellos every
//! pick lies in one group.
//!
//! With [`SuiteScanConfig::infer_legacy`], TLS 1.0/1.1 and SSLv3 start from the TLS 1.2 result:
//! the TLS 1.2 suites usable at that version are offered in one hello (the server must pick one
//! of them, which confirms the version and that suite), and every other candidate is offered in
//! windows that the server must refuse (which proves it supports none of them). The unconfirmed
//! predicted suites are reported with [`Evidence::Inferred`]: the assumption is that a server's
//! suite policy does not depend on the version beyond what the suite itself allows, which holds
//! for OpenSSL, GnuTLS and tlslite-ng configurations but is an assumption, not an observation.
//!
//! ```
//! use tls_probe::plan::suites::{SuiteProbe, SuiteScanConfig};
//! use tls_probe::plan::Plan;
//! use tls_probe::Version;
//!
//! // A server that supports no suite at TLS 1.2 refuses the single whole-pool hello.
//! let cfg = SuiteScanConfig { versions: vec![Version::Tls12], ..SuiteScanConfig::default() };
//! let mut plan = Plan::new(SuiteProbe::new(cfg));
//! let mut connections = 0;
//! while let Some(_hello) = plan.next_hello() {
//!     connections += 1;
//!     assert!(plan.feed(&[21, 3, 3, 0, 2, 2, 40])); // handshake_failure
//! }
//! assert_eq!(connections, 1);
//! assert!(!plan.result().versions[0].supported);
//! ```

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
    /// Maximum suites per hello (at most 1000). The default, 1000, offers each version's whole
    /// pool at once.
    pub chunk: usize,
    /// Suites per hello after a server failed a bigger hello in a way that suggests it cannot
    /// take it (see the module docs).
    pub fallback_chunk: usize,
    /// Answers already seen (for example by the version probe): each counts as the first answer
    /// of its version, unless `infer_legacy` offers that version a prediction first.
    pub seeds: Vec<Seed>,
    /// Infer TLS 1.0/1.1/SSLv3 suites from TLS 1.2 (see the module docs).
    pub infer_legacy: bool,
    /// Run the reversed-order probe (and order merging) to learn the server's preference.
    pub order_probe: bool,
    /// Hello options.
    pub hello: HelloOptions,
    /// Most hellos the whole scan may send; `None` derives it from the candidate pools
    /// ([`SuiteScanConfig::hello_cap`]). No server and no bug can keep the plan going past it:
    /// the scan then ends with [`SuiteScan::stopped`] set and the version in progress marked
    /// incomplete.
    pub max_hellos: Option<u32>,
}

/// Hellos added to each version's budget for what the per-suite bound does not count (the
/// reversed-order and pair probes, a fallback retry).
pub const CAP_SLACK_PER_VERSION: u32 = 32;

impl Default for SuiteScanConfig {
    fn default() -> Self {
        SuiteScanConfig {
            versions: SCAN_ORDER.to_vec(),
            chunk: MAX_CHUNK,
            fallback_chunk: 128,
            seeds: Vec::new(),
            infer_legacy: false,
            order_probe: true,
            hello: HelloOptions::default(),
            max_hellos: None,
        }
    }
}

/// The hello budget of one version whose candidate pool holds `n` suites:
/// `n * (2 + ceil(log2 n)) + CAP_SLACK_PER_VERSION` (see [`SuiteScanConfig::hello_cap`]).
fn pool_cap(n: u32) -> u32 {
    let ceil_log2 = u32::BITS - n.saturating_sub(1).leading_zeros();
    n.saturating_mul(ceil_log2.saturating_add(2))
        .saturating_add(CAP_SLACK_PER_VERSION)
}

impl SuiteScanConfig {
    /// The hello budget of the scan: [`SuiteScanConfig::max_hellos`], or per version its
    /// candidate pool `n` times `2 + ceil(log2 n)` plus [`CAP_SLACK_PER_VERSION`]: the removal
    /// loop needs at most one hello per suite plus one refusal per window, and ordering a server's
    /// preference by binary insertion at most `ceil(log2 n)` hellos per suite.
    ///
    /// ```
    /// use tls_probe::plan::suites::SuiteScanConfig;
    /// use tls_probe::Version;
    ///
    /// let cfg = SuiteScanConfig { versions: vec![], ..SuiteScanConfig::default() };
    /// assert_eq!(cfg.hello_cap(), 0);
    /// let cfg = SuiteScanConfig { max_hellos: Some(7), ..SuiteScanConfig::default() };
    /// assert_eq!(cfg.hello_cap(), 7);
    /// ```
    pub fn hello_cap(&self) -> u32 {
        self.max_hellos.unwrap_or_else(|| {
            self.versions
                .iter()
                .map(|v| pool_cap(u32::try_from(candidates(*v).len()).unwrap_or(u32::MAX)))
                .fold(0u32, u32::saturating_add)
        })
    }

    /// The scan that follows a [`super::versions::VersionProbe`]: the versions it found
    /// supported, newest first (TLS 1.3 to SSL 3.0; SSLv2 has no suite scan), seeded with its
    /// picks ([`Seed::from_version`]); everything else as [`SuiteScanConfig::default`].
    ///
    /// ```
    /// use tls_probe::plan::suites::SuiteScanConfig;
    ///
    /// // Nothing supported: nothing to enumerate.
    /// let cfg = SuiteScanConfig::after_version_probe(&[]);
    /// assert!(cfg.versions.is_empty() && cfg.seeds.is_empty());
    /// ```
    pub fn after_version_probe(found: &[super::versions::VersionSupport]) -> Self {
        let supported = |v: Version| found.iter().any(|s| s.version == v && s.supported);
        SuiteScanConfig {
            versions: SCAN_ORDER.into_iter().filter(|v| supported(*v)).collect(),
            seeds: found.iter().filter_map(Seed::from_version).collect(),
            ..SuiteScanConfig::default()
        }
    }
}

/// The versions a suite scan covers, in scan order (newest first).
pub const SCAN_ORDER: [Version; 5] = [
    Version::Tls13,
    Version::Tls12,
    Version::Tls11,
    Version::Tls10,
    Version::Ssl3,
];

/// The largest number of suites offered in one hello.
pub const MAX_CHUNK: usize = 1000;

/// A hello of one version already answered with a pick, reused as the first answer of that
/// version's removal loop.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Seed {
    /// The version the hello offered.
    pub version: Version,
    /// The suites it offered, in order.
    pub offered: Vec<u16>,
    /// The suite the server picked.
    pub accepted: AcceptedSuite,
}

impl Seed {
    /// A seed: `version`'s hello offered `offered` and the server picked `accepted`.
    pub fn new(version: Version, offered: Vec<u16>, accepted: AcceptedSuite) -> Self {
        Seed {
            version,
            offered,
            accepted,
        }
    }

    /// The seed a supported version's [`super::versions::VersionProbe`] answer gives (its hello
    /// offered [`super::versions::version_suites`]), if it picked a suite at that version. None
    /// from a modern client's handshake ([`super::versions::from_handshake`]): its hello
    /// offered the client's suites, so its pick says nothing about the others.
    pub fn from_version(v: &super::versions::VersionSupport) -> Option<Seed> {
        if v.by_handshake {
            return None;
        }
        let id = v.suite.filter(|_| v.supported)?;
        Some(Seed::new(
            v.version,
            super::versions::version_suites(v.version),
            AcceptedSuite {
                id,
                evidence: Evidence::Observed,
                key_exchange: v.key_exchange.clone(),
                via_hrr: v.via_hrr,
            },
        ))
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

impl AcceptedSuite {
    /// A suite the server selected, without key exchange details.
    pub fn observed(id: u16) -> Self {
        AcceptedSuite {
            id,
            evidence: Evidence::Observed,
            key_exchange: None,
            via_hrr: false,
        }
    }
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
    /// What this version cost: see [`HelloCounts`].
    pub hellos: HelloCounts,
    /// The scan of this version ran to its end. `false` only in
    /// [`SuiteProbe::output_so_far`] for the version a stopped scan was in: `suites` is then
    /// what was found before the stop (more may be supported) and `preference` is
    /// [`Preference::Unknown`].
    pub complete: bool,
}

/// The hellos one version's scan sent, by purpose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HelloCounts {
    /// Picks taken from a [`Seed`] (no connection).
    pub seeded: u32,
    /// Removal-loop hellos answered with a pick.
    pub picked: u32,
    /// Removal-loop hellos answered otherwise (refusals, and big hellos retried smaller).
    pub refused: u32,
    /// Preference hellos (reversed order, pair, binary insertion).
    pub order: u32,
}

impl HelloCounts {
    /// Connections used: every hello but the seeded picks.
    pub fn connections(&self) -> u32 {
        self.picked
            .saturating_add(self.refused)
            .saturating_add(self.order)
    }
}

/// The result of a suite scan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuiteScan {
    /// Per version, in scan order.
    pub versions: Vec<VersionSuites>,
    /// Why the scan ended before its plan did, if it did.
    pub stopped: Option<ScanStop>,
}

/// Why a suite scan ended early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScanStop {
    /// The hello budget ([`SuiteScanConfig::hello_cap`]) was spent: a server (or a bug) kept the
    /// plan going longer than any correct scan needs.
    HelloCap {
        /// The budget.
        cap: u32,
    },
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
    Discover { offer: Vec<u16> },
    Reverse,
    PairFirst { a: u16, b: u16 },
    PairSecond { a: u16, b: u16, first: Option<u16> },
    Compare { item: u16, mid: usize },
}

#[derive(Clone, Debug)]
struct Current {
    version: Version,
    /// Candidates neither found nor refused, in offering order.
    pool: Vec<u16>,
    /// The predicted suites still to offer first (infer_legacy).
    predicted: Vec<u16>,
    /// The offer of the last accepted hello (picks offered beside a pick rank below it).
    last_offer: Vec<u16>,
    /// Found suites with their group (see the module docs).
    found: Vec<(AcceptedSuite, usize)>,
    group: usize,
    stop: bool,
    res: VersionSuites,
    // order merging
    ordered: Vec<u16>,
    to_insert: Vec<u16>,
    lo: usize,
    hi: usize,
    reversed_done: bool,
    pref_group: usize,
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
    /// Suites per hello now (drops to the fallback size once a big hello fails).
    window: usize,
    /// Hellos sent so far, and the budget.
    sent: u32,
    cap: u32,
}

impl SuiteProbe {
    /// A probe with this configuration.
    pub fn new(cfg: SuiteScanConfig) -> Self {
        let mut todo = cfg.versions.clone();
        todo.reverse();
        let window = cfg.chunk.clamp(1, MAX_CHUNK);
        let cap = cfg.hello_cap();
        SuiteProbe {
            window,
            sent: 0,
            cap,
            cfg,
            todo,
            cur: None,
            pending: None,
            pair: None,
            done: SuiteScan::default(),
        }
    }

    fn start(&self, version: Version) -> Current {
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
        let predicted = if predicted.len() <= self.window {
            predicted
        } else {
            Vec::new()
        };
        let pool: Vec<u16> = all
            .into_iter()
            .filter(|id| !predicted.contains(id))
            .collect();
        let mut cur = Current {
            version,
            pool,
            predicted,
            last_offer: Vec::new(),
            found: Vec::new(),
            group: 0,
            stop: false,
            res: VersionSuites {
                version,
                supported: false,
                suites: Vec::new(),
                preference: Preference::Unknown,
                downgraded_to: None,
                unoffered_picks: Vec::new(),
                hellos: HelloCounts::default(),
                complete: false,
            },
            ordered: Vec::new(),
            to_insert: Vec::new(),
            lo: 0,
            hi: 0,
            reversed_done: false,
            pref_group: 0,
        };
        let seed = self
            .cfg
            .seeds
            .iter()
            .find(|s| s.version == version && s.offered.contains(&s.accepted.id));
        if let (Some(seed), true) = (seed, cur.predicted.is_empty()) {
            if cur.pool.contains(&seed.accepted.id) {
                cur.pool.retain(|id| *id != seed.accepted.id);
                let mut accepted = seed.accepted.clone();
                accepted.evidence = Evidence::Observed;
                cur.found.push((accepted, 0));
                cur.last_offer.clone_from(&seed.offered);
                cur.res.hellos.seeded = 1;
            }
        }
        cur
    }

    /// The next discovery offer of the current version, if any suite is left to offer.
    fn discovery_offer(&self) -> Option<Vec<u16>> {
        let cur = self.cur.as_ref()?;
        if cur.stop {
            return None;
        }
        if !cur.predicted.is_empty() {
            return Some(cur.predicted.clone());
        }
        let offer: Vec<u16> = cur.pool.iter().take(self.window).copied().collect();
        (!offer.is_empty()).then_some(offer)
    }

    fn on_answer(&mut self, f: &ServerFlight) {
        let (Some(cur), Some(pending)) = (self.cur.as_mut(), self.pending.take()) else {
            return;
        };
        let accepted = f.accepted();
        let wire = cur.version.wire();
        let counts = &mut cur.res.hellos;
        match (&pending, accepted) {
            (Pending::Discover { offer }, Some((v, s))) if v == wire && offer.contains(&s) => {
                counts.picked = counts.picked.saturating_add(1);
            }
            (Pending::Discover { .. }, _) => counts.refused = counts.refused.saturating_add(1),
            _ => counts.order = counts.order.saturating_add(1),
        }
        match pending {
            Pending::Discover { offer } => {
                let predicted = !cur.predicted.is_empty();
                match accepted {
                    Some((ver, suite)) if ver == wire && offer.contains(&suite) => {
                        let hrr = f.server_hello.as_ref().is_some_and(|s| s.is_hrr);
                        let kx = f.server_key_exchange.as_ref().map(|k| k.params.clone());
                        // A pick offered beside the previous pick ranks below it (same group).
                        if !cur.found.is_empty() && !cur.last_offer.contains(&suite) {
                            cur.group = cur.group.saturating_add(1);
                        }
                        cur.found.push((
                            AcceptedSuite {
                                id: suite,
                                evidence: Evidence::Observed,
                                key_exchange: kx,
                                via_hrr: hrr,
                            },
                            cur.group,
                        ));
                        cur.pool.retain(|s| *s != suite);
                        cur.last_offer = offer;
                        if predicted {
                            let group = cur.group;
                            for id in core::mem::take(&mut cur.predicted) {
                                if id != suite {
                                    cur.found.push((
                                        AcceptedSuite {
                                            id,
                                            evidence: Evidence::Inferred,
                                            key_exchange: None,
                                            via_hrr: false,
                                        },
                                        group,
                                    ));
                                }
                            }
                        }
                    }
                    Some((ver, _)) if ver != wire => {
                        if cur.found.is_empty() {
                            cur.res.downgraded_to = Some(ver);
                        }
                        cur.stop = true;
                    }
                    Some((_, suite)) => {
                        // A pick we did not offer: the offered suites prove nothing; drop them.
                        cur.res.unoffered_picks.push(suite);
                        cur.predicted.clear();
                        cur.pool.retain(|s| !offer.contains(s));
                    }
                    None => {
                        let alert = f.alert.map(|a| a.description);
                        let clean_refusal = matches!(alert, Some(40 | 70 | 71));
                        if cur.found.is_empty() && alert == Some(70) && !predicted {
                            cur.stop = true;
                        } else if offer.len() > self.cfg.fallback_chunk.max(1)
                            && self.window > self.cfg.fallback_chunk.max(1)
                            && !clean_refusal
                        {
                            // Perhaps the hello was too big for this server: retry smaller.
                            self.window = self.cfg.fallback_chunk.max(1);
                        } else if predicted {
                            // The prediction failed: enumerate this version in full.
                            let mut pool = candidates(cur.version);
                            let found: Vec<u16> = cur.found.iter().map(|(s, _)| s.id).collect();
                            pool.retain(|id| !found.contains(id));
                            cur.pool = pool;
                            cur.predicted.clear();
                        } else {
                            cur.pool.retain(|s| !offer.contains(s));
                        }
                    }
                }
            }
            Pending::Reverse => {
                cur.reversed_done = true;
                let group = cur.pref_group;
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

    /// Records the version `cur` as finished (taken out of `self.cur` by the caller, so that the
    /// plan moves on whatever this does).
    fn finish_version(&mut self, mut cur: Current) {
        let mut suites: Vec<AcceptedSuite> = cur.found.iter().map(|(s, _)| s.clone()).collect();
        // The server's order where one was learned (`ordered` is filled only under server
        // preference); discovery order for the rest (a stable sort keeps it).
        suites.sort_by_key(|s| {
            cur.ordered
                .iter()
                .position(|id| *id == s.id)
                .unwrap_or(usize::MAX)
        });
        cur.res.supported = !suites.is_empty();
        cur.res.suites = suites;
        cur.res.complete = true;
        self.done.versions.push(cur.res);
    }

    /// The result so far, for a scan stopped before its end (an endpoint deadline): every
    /// finished version as in [`Probe::output`], then the version in progress, if any, with the
    /// suites found so far (in discovery order), `complete: false` and [`Preference::Unknown`]
    /// (an order learned from part of the suites is not the server's order). Versions not
    /// started yet are absent. Equal to [`Probe::output`] once the plan is finished.
    ///
    /// ```
    /// use tls_probe::plan::suites::{Preference, SuiteProbe, SuiteScanConfig};
    /// use tls_probe::plan::Plan;
    /// use tls_probe::Version;
    ///
    /// let cfg = SuiteScanConfig { versions: vec![Version::Tls12], ..SuiteScanConfig::default() };
    /// let mut plan = Plan::new(SuiteProbe::new(cfg));
    /// let _first_hello = plan.next_hello();
    /// // Stopped before any answer: TLS 1.2 is in progress, nothing found yet.
    /// let so_far = plan.probe().output_so_far();
    /// assert_eq!(so_far.versions.len(), 1);
    /// assert!(!so_far.versions[0].complete);
    /// assert_eq!(so_far.versions[0].preference, Preference::Unknown);
    /// ```
    pub fn output_so_far(&self) -> SuiteScan {
        let mut scan = self.done.clone();
        if let Some(cur) = &self.cur {
            let mut res = cur.res.clone();
            res.suites = cur.found.iter().map(|(s, _)| s.clone()).collect();
            res.supported = !res.suites.is_empty();
            res.preference = Preference::Unknown;
            res.complete = false;
            scan.versions.push(res);
        }
        scan
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
        if self.done.stopped.is_some() {
            return None;
        }
        let hello = self.next_hello();
        if hello.is_some() {
            if self.sent >= self.cap {
                self.pending = None;
                self.done.stopped = Some(ScanStop::HelloCap { cap: self.cap });
                return None;
            }
            self.sent = self.sent.saturating_add(1);
        }
        hello
    }

    fn output(&self) -> SuiteScan {
        if self.done.stopped.is_some() {
            let mut scan = self.output_so_far();
            scan.stopped = self.done.stopped;
            return scan;
        }
        self.done.clone()
    }
}

impl SuiteProbe {
    /// The plan's next hello, before the budget check of [`Probe::next`].
    fn next_hello(&mut self) -> Option<Vec<u8>> {
        loop {
            let Some(version) = self.cur.as_ref().map(|c| c.version) else {
                let v = self.todo.pop()?;
                self.cur = Some(self.start(v));
                continue;
            };
            // Discovery.
            if let Some(offer) = self.discovery_offer() {
                let hello = self.offer(version, &offer);
                self.pending = Some(Pending::Discover { offer });
                return Some(hello);
            }
            let Some(cur) = self.cur.as_mut() else {
                continue;
            };
            // Preference.
            // The reversed-order probe uses the group with the most observed picks: within one
            // group the discovery order is the server's order (server preference) or ours.
            if self.cfg.order_probe && !cur.reversed_done {
                let observed_in = |c: usize| {
                    cur.found
                        .iter()
                        .filter(|(s, k)| s.evidence == Evidence::Observed && *k == c)
                        .map(|(s, _)| s.id)
                        .collect::<Vec<u16>>()
                };
                let best = (0..=cur.group)
                    .map(|c| (observed_in(c).len(), core::cmp::Reverse(c)))
                    .max();
                if let Some((n, core::cmp::Reverse(c))) = best {
                    if n >= 2 {
                        cur.pref_group = c;
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
            if let Some(cur) = self.cur.take() {
                self.finish_version(cur);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The budget's arithmetic at the powers of two, where `ceil(log2 n)` changes.
    #[test]
    fn pool_cap_is_n_times_two_plus_ceil_log2_n_plus_slack() {
        let slack = CAP_SLACK_PER_VERSION;
        assert_eq!(pool_cap(0), slack);
        assert_eq!(pool_cap(1), 2 + slack);
        assert_eq!(pool_cap(2), 2 * 3 + slack);
        assert_eq!(pool_cap(3), 3 * 4 + slack);
        assert_eq!(pool_cap(4), 4 * 4 + slack);
        assert_eq!(pool_cap(5), 5 * 5 + slack);
        assert_eq!(pool_cap(8), 8 * 5 + slack);
        assert_eq!(pool_cap(9), 9 * 6 + slack);
        assert_eq!(pool_cap(338), 338 * 11 + slack);
        assert_eq!(pool_cap(u32::MAX), u32::MAX, "saturates");
    }

    /// The smallest scans, in memory (the lab tests scan real servers; these fail fast when the
    /// plan's own loop is broken): a refusal of the whole pool ends the version after one hello.
    #[test]
    fn a_refused_pool_is_one_hello_and_a_refused_version() {
        let cfg = SuiteScanConfig {
            versions: alloc::vec![Version::Tls12],
            ..SuiteScanConfig::default()
        };
        let mut plan = crate::plan::Plan::new(SuiteProbe::new(cfg));
        let mut hellos = 0;
        while plan.next_hello().is_some() {
            hellos += 1;
            assert!(hellos <= 2, "a refused pool takes one hello");
            // handshake_failure
            assert!(plan.feed(&[21, 3, 3, 0, 2, 2, 40]));
        }
        assert_eq!(hellos, 1);
        let scan = plan.result();
        assert_eq!(scan.versions.len(), 1);
        assert!(!scan.versions[0].supported && scan.versions[0].complete);
        assert_eq!(scan.stopped, None);
    }
}
