//! The accumulator: everything the tables need, folded record by record.
//!
//! [`Aggregate::add`] reads one [`EndpointRecord`] and forgets it; [`Aggregate::merge`] adds
//! another aggregate (a shard's). Every field is a count, a [`Counter`] keyed by value, a
//! [`Clusters`] map keyed by fingerprint, or per-domain state keyed by a 64-bit hash of the domain
//! name: memory grows with the number of distinct values (capped), not with the number of records.
//! As long as no cap is reached, `merge` of the shards' aggregates equals the aggregate of the
//! concatenated shards.

use std::collections::HashMap;

use cert_audit::{HashAlgorithm, KeyAlgorithm, NameMatch, TrustClass};
use mail_policy::verdict::{DaneMx, DomainFacts, MxFacts, StsState};
use serde::Serialize;

use super::counter::{Clusters, Counter};
use super::networks::{as_key, country_key, provider, Facts, Lookup, Tally};
use mxray_schema::record::{
    AttemptOutcome, EndpointRecord, ErrorKind, InjectionResult, StarttlsOutcome, Status, SuiteInfo,
    TlsMode,
};

/// MX hosts remembered per domain (the scanner scans at most 32).
pub const MX_PER_DOMAIN: usize = 32;

/// Per-domain rows shown by default (`mxray report --domain-rows N`): the worst domains first.
pub const DEFAULT_DOMAIN_ROWS: usize = 50;

/// Default cap on distinct domains.
pub const DEFAULT_DOMAIN_CAP: usize = 2_000_000;

/// Characters of a domain's name kept for its per-domain row (a DNS name has at most 253).
pub const DOMAIN_NAME_KEPT: usize = 253;

/// TLSA names whose served leaf keys a baseline aggregate remembers
/// ([`Aggregate::remember_served_keys`]); more are counted in `dane_served_overflow`.
pub const DANE_SERVED_CAP: usize = 1 << 18;

/// Leaf keys remembered per TLSA name (the addresses behind one name may serve several).
pub const DANE_SERVED_PER_NAME: usize = 4;

/// `no_match` records remembered for the stale-key comparison; more are counted in
/// `dane_no_match_overflow`.
pub const DANE_NO_MATCH_CAP: usize = 1 << 16;

/// TLSA records remembered per `no_match` record (the scanner keeps at most 64).
pub const DANE_NO_MATCH_RECORDS: usize = 64;

/// Problems remembered (the first ones) for the report; all are counted.
pub const PROBLEMS_KEPT: usize = 10;

/// The stale-key comparison of a scan with its baseline ([`Aggregate::stale_keys`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StaleKeys {
    /// `no_match` records with a DANE-EE SHA-256 record (`3 0 1`, `3 1 1`) that matches the
    /// leaf the baseline saw at the same TLSA name.
    pub stale: u64,
    /// `no_match` records compared.
    pub compared: u64,
    /// `no_match` records past [`DANE_NO_MATCH_CAP`], not compared.
    pub not_compared: u64,
    /// The baseline had more TLSA names than [`DANE_SERVED_CAP`]: some served keys are missing.
    pub baseline_partial: bool,
}

/// What was read: lines, records, and the lines that were not records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InputStats {
    /// Input files (shards) read.
    pub files: u64,
    /// Lines read (blank lines included).
    pub lines: u64,
    /// Blank lines (ignored).
    pub blank: u64,
    /// Records aggregated.
    pub records: u64,
    /// Lines that are not a record of this schema (bad JSON, missing fields, unknown values).
    pub malformed: u64,
    /// Lines longer than the line limit (skipped).
    pub too_long: u64,
    /// Records with another `schema_version` (skipped).
    pub other_schema: u64,
    /// Records with an enumerated value this version does not know, counted without the
    /// section that holds it (see [`super::input::DROPPABLE`]).
    pub degraded: u64,
    /// Records not counted as their unit's record: an `interrupted` record, or a repeated one,
    /// of a unit that has a later final record (see [`super::input::read_files`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub superseded: u64,
    /// Records counted for their domain whose endpoint facts (funnel, STARTTLS, TLS,
    /// certificate) were counted through another record of the same endpoint `(ip, port)`.
    #[serde(skip_serializing_if = "is_zero")]
    pub shared: u64,
    /// The first [`PROBLEMS_KEPT`] problems, as `file:line: what`.
    pub problems: Vec<String>,
}

impl InputStats {
    /// Remembers a problem (only the first few are kept).
    pub fn note(&mut self, problem: String) {
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(problem);
        }
    }

    fn merge(&mut self, o: &InputStats) {
        self.files = self.files.saturating_add(o.files);
        self.lines = self.lines.saturating_add(o.lines);
        self.blank = self.blank.saturating_add(o.blank);
        self.records = self.records.saturating_add(o.records);
        self.malformed = self.malformed.saturating_add(o.malformed);
        self.too_long = self.too_long.saturating_add(o.too_long);
        self.other_schema = self.other_schema.saturating_add(o.other_schema);
        self.degraded = self.degraded.saturating_add(o.degraded);
        self.superseded = self.superseded.saturating_add(o.superseded);
        self.shared = self.shared.saturating_add(o.shared);
        for p in &o.problems {
            self.note(p.clone());
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What the report keeps about one mail domain: counts over its endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DomainState {
    /// Hashes of its MX host names (the smallest [`MX_PER_DOMAIN`]).
    pub mx: Vec<u64>,
    /// Records of the domain (endpoints, DNS failures, null MX).
    pub records: u32,
    /// Records with an address (endpoints).
    pub endpoints: u32,
    /// Endpoints that answered with an SMTP greeting.
    pub reached: u32,
    /// Reached endpoints offering STARTTLS (or implicit TLS).
    pub tls: u32,
    /// Reached endpoints where the handshake completed.
    pub handshake: u32,
    /// Reached endpoints with STARTTLS, a completed handshake and a trusted, name-matching
    /// certificate.
    pub secure: u32,
    /// Records with status `null_mx`.
    pub null_mx: u32,
    /// Records with a DNS error.
    pub dns_failed: u32,
    /// Records with a `dane` object (DANE was looked up).
    #[serde(skip_serializing_if = "is_zero32")]
    pub dane_looked_up: u32,
    /// ... where DANE applies (secure, non-empty TLSA through secure answers).
    #[serde(skip_serializing_if = "is_zero32")]
    pub dane_applies: u32,
    /// ... where a DANE sender delivers authenticated.
    #[serde(skip_serializing_if = "is_zero32")]
    pub dane_authenticated: u32,
    /// ... where a DANE sender defers (no match, bogus, no STARTTLS, TLS failed).
    #[serde(skip_serializing_if = "is_zero32")]
    pub dane_defer: u32,
    /// The domain's policies and the verdict's facts of each MX, when its records carry
    /// `mta_sts` or `tls_rpt` (absent otherwise, and then not written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<DomainPolicyState>,
}

/// What the report keeps about a domain's policies (from its records' `mta_sts`, `tls_rpt`)
/// and, per MX host, the facts of the per-domain verdict ([`crate::domain`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DomainPolicyState {
    /// The domain's name (lower case, at most [`DOMAIN_NAME_KEPT`] characters): kept only for
    /// domains with policies, so the report can name its worst domains
    /// ([`crate::tables::DomainRows`]); memory stays bounded by the domain cap.
    pub domain: String,
    /// MTA-STS: `enforce`, `testing`, `none`, or why there is no usable policy
    /// ([`crate::domain::sts_label`]).
    pub mta_sts: String,
    /// The policy fetch's error kind, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_error: Option<String>,
    /// TLS-RPT: the TXT status (`valid`, `absent`, `invalid`...).
    pub tls_rpt: String,
    /// Per MX host (the smallest [`MX_PER_DOMAIN`] hashes).
    pub mx: Vec<MxPolicyState>,
}

/// One MX host of a domain, for the verdict: counts over its records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MxPolicyState {
    /// [`fnv1a`] of the host name.
    pub host: u64,
    /// Its preference.
    pub preference: u16,
    /// It matches an `mx` pattern of the domain's valid policy.
    pub sts_match: bool,
    /// Its records that reached a result.
    pub reached: u32,
    /// Of those, with a completed handshake.
    pub tls: u32,
    /// Of those, with a trusted certificate valid for the MX host.
    pub certificate_valid: u32,
    /// Of its records with `dane`: a DANE sender authenticates, defers, finds no DANE
    /// (`no_dane`, `encrypted`), or cannot tell (written only when not 0).
    #[serde(default, skip_serializing_if = "is_zero32")]
    pub dane_authenticated: u32,
    /// See `dane_authenticated`.
    #[serde(default, skip_serializing_if = "is_zero32")]
    pub dane_fails: u32,
    /// See `dane_authenticated`.
    #[serde(default, skip_serializing_if = "is_zero32")]
    pub dane_no_tlsa: u32,
    /// See `dane_authenticated`.
    #[serde(default, skip_serializing_if = "is_zero32")]
    pub dane_unknown: u32,
}

impl DomainPolicyState {
    /// The verdict's facts from the domain's aggregated state (host names are their hashes).
    pub fn facts(&self) -> DomainFacts {
        let p = self;
        DomainFacts {
            mx: p
                .mx
                .iter()
                .map(|m| {
                    let reached = m.reached > 0;
                    MxFacts {
                        host: format!("{:016x}", m.host),
                        preference: m.preference,
                        reached,
                        tls: reached && m.tls == m.reached,
                        certificate_valid: reached && m.certificate_valid == m.reached,
                        sts_match: m.sts_match,
                        dane: if m.dane_fails > 0 {
                            Some(DaneMx::Fails)
                        } else if m.dane_unknown > 0
                            || m.dane_authenticated.saturating_add(m.dane_no_tlsa) == 0
                        {
                            None
                        } else if m.dane_no_tlsa == 0 {
                            Some(DaneMx::Authenticated)
                        } else {
                            Some(DaneMx::NoTlsa)
                        },
                    }
                })
                .collect(),
            sts: match p.mta_sts.as_str() {
                "enforce" => StsState::Enforce,
                "testing" => StsState::Testing,
                _ => StsState::Absent,
            },
        }
    }

    fn mx_entry(
        &mut self,
        host: u64,
        preference: u16,
        sts_match: bool,
    ) -> Option<&mut MxPolicyState> {
        let pos = match self.mx.binary_search_by_key(&host, |m| m.host) {
            Ok(p) => p,
            Err(p) => {
                if p >= MX_PER_DOMAIN {
                    return None;
                }
                self.mx.insert(
                    p,
                    MxPolicyState {
                        host,
                        preference,
                        sts_match,
                        ..MxPolicyState::default()
                    },
                );
                self.mx.truncate(MX_PER_DOMAIN);
                p
            }
        };
        self.mx.get_mut(pos)
    }

    fn merge(&mut self, o: &DomainPolicyState) {
        for m in &o.mx {
            if let Some(mine) = self.mx_entry(m.host, m.preference, m.sts_match) {
                mine.reached = mine.reached.saturating_add(m.reached);
                mine.tls = mine.tls.saturating_add(m.tls);
                mine.certificate_valid = mine.certificate_valid.saturating_add(m.certificate_valid);
                mine.dane_authenticated =
                    mine.dane_authenticated.saturating_add(m.dane_authenticated);
                mine.dane_fails = mine.dane_fails.saturating_add(m.dane_fails);
                mine.dane_no_tlsa = mine.dane_no_tlsa.saturating_add(m.dane_no_tlsa);
                mine.dane_unknown = mine.dane_unknown.saturating_add(m.dane_unknown);
            }
        }
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero32(n: &u32) -> bool {
    *n == 0
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero64(n: &u64) -> bool {
    *n == 0
}

impl DomainState {
    fn add_mx(&mut self, h: u64) {
        if let Err(pos) = self.mx.binary_search(&h) {
            self.mx.insert(pos, h);
            if self.mx.len() > MX_PER_DOMAIN {
                self.mx.pop();
            }
        }
    }

    fn merge(&mut self, o: &DomainState) {
        for h in &o.mx {
            self.add_mx(*h);
        }
        self.records = self.records.saturating_add(o.records);
        self.endpoints = self.endpoints.saturating_add(o.endpoints);
        self.reached = self.reached.saturating_add(o.reached);
        self.tls = self.tls.saturating_add(o.tls);
        self.handshake = self.handshake.saturating_add(o.handshake);
        self.secure = self.secure.saturating_add(o.secure);
        self.null_mx = self.null_mx.saturating_add(o.null_mx);
        self.dns_failed = self.dns_failed.saturating_add(o.dns_failed);
        match (&mut self.policy, &o.policy) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (None, Some(theirs)) => self.policy = Some(theirs.clone()),
            _ => {}
        }
        self.dane_looked_up = self.dane_looked_up.saturating_add(o.dane_looked_up);
        self.dane_applies = self.dane_applies.saturating_add(o.dane_applies);
        self.dane_authenticated = self.dane_authenticated.saturating_add(o.dane_authenticated);
        self.dane_defer = self.dane_defer.saturating_add(o.dane_defer);
    }
}

/// FNV-1a, 64 bits, of a name: a stable hash for domain and MX names (collisions are
/// negligible at the scale of a scan, and the state is counts only).
pub fn fnv1a(s: &str) -> u64 {
    mxray_schema::fnv::fnv1a64(s.as_bytes())
}

/// The accumulator of a report. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aggregate {
    /// What was read.
    pub input: InputStats,

    // 1. Funnel.
    /// Records (endpoints targeted, DNS failures and null MX included).
    pub targeted: u64,
    /// TCP connection established.
    pub tcp_open: u64,
    /// 2xx SMTP greeting.
    pub greeting: u64,
    /// STARTTLS offered (or implicit TLS).
    pub tls_offered: u64,
    /// Modern handshake completed.
    pub handshake_ok: u64,
    /// Why records stopped before a completed handshake (cause id).
    pub loss: Counter,
    /// Records with status `partial` (the endpoint deadline cut probes short). Their protocol
    /// versions and accepted suites are incomplete, so they are left out of the version and
    /// accepted-suite tables (their handshake still counts).
    pub partial: u64,

    // 2. STARTTLS anomalies.
    /// Endpoints with an EHLO exchange.
    pub ehlo_seen: u64,
    /// Endpoints where STARTTLS was offered in EHLO.
    pub starttls_offered: u64,
    /// Endpoints where the STARTTLS command was answered (`ready`, `refused` or
    /// `unexpected_reply`).
    pub starttls_attempted: u64,
    /// Endpoints with an injection test result.
    pub injection_tested: u64,
    /// Anomalies (`stripped`, `refused`, `unexpected_reply`, `bytes_after_220`,
    /// `injection_vulnerable`, `injection_inconclusive`, `helo_fallback`).
    pub anomalies: Counter,

    // 3. Versions.
    /// Endpoints with version probes.
    pub versions_probed: u64,
    /// Supported versions (one count per endpoint and version).
    pub version_supported: Counter,
    /// Best version per endpoint (probes, else the handshake).
    pub best_version: Counter,
    /// Endpoints with a best version.
    pub best_version_known: u64,

    // 4. Suites.
    /// Completed handshakes with a suite.
    pub handshake_suites: u64,
    /// Negotiated suites by name.
    pub suites: Counter,
    /// Key exchange class of the negotiated suite.
    pub kx: Counter,
    /// Negotiated suites with forward secrecy.
    pub forward_secrecy: u64,
    /// Strength classes of the negotiated suite.
    pub strength: Counter,
    /// Endpoints whose accepted suites were enumerated (full profile).
    pub suites_probed: u64,
    /// Weak classes among the accepted suites (one count per endpoint and class).
    pub weak_support: Counter,

    // 5. DH.
    /// Endpoints with a measured DH prime.
    pub dh_measured: u64,
    /// DH prime size classes.
    pub dh_class: Counter,

    // 6. Certificates.
    /// Endpoints with a certificate audit.
    pub certs: u64,
    /// Exclusive trust classes.
    pub trust: Counter,
    /// Name check results.
    pub name_result: Counter,
    /// Audits where the MX host was checked.
    pub mx_checked: u64,
    /// ... and matched.
    pub mx_match: u64,
    /// Audits where the mail domain was checked.
    pub domain_checked: u64,
    /// ... and matched.
    pub domain_match: u64,
    /// Audits with a parsed leaf.
    pub leaves: u64,
    /// Issuer organisations of leaves that are not self-signed.
    pub issuers: Counter,
    /// Subjects of self-signed leaves.
    pub self_signed_subjects: Counter,
    /// Certificate findings by id, each counted once per audited certificate chain.
    pub cert_findings: Counter,
    /// Every finding id of the records (today's ids, see `mxray_schema::catalogue`), each
    /// counted once per endpoint.
    pub findings: Counter,
    /// Leaf key types and sizes.
    pub key_types: Counter,
    /// Leaf signature hashes.
    pub sig_hashes: Counter,
    /// Leaf validity length buckets.
    pub validity: Counter,
    /// Leaf certificates by SHA-256.
    pub cert_clusters: Clusters,
    /// Leaf keys by SPKI SHA-256.
    pub spki_clusters: Clusters,

    // 7. Domains.
    /// Per-domain state, keyed by [`fnv1a`] of the lower-case domain.
    pub domains: HashMap<u64, DomainState>,
    /// Records of domains beyond the domain cap (not in per-domain tables).
    pub domains_overflow: u64,

    // 8. DANE (only records with a `dane` object; the section is shown when there are some).
    /// Records (units) with a `dane` object.
    #[serde(skip_serializing_if = "is_zero64")]
    pub dane_records: u64,
    /// Their DANE state (`authenticated`, `no_match`, `bogus`...).
    #[serde(skip_serializing_if = "Counter::is_empty")]
    pub dane_state: Counter,
    /// What a DANE sender does (`authenticated`, `encrypted`, `no_dane`, `defer`, `unknown`).
    #[serde(skip_serializing_if = "Counter::is_empty")]
    pub dane_delivery: Counter,
    /// DNSSEC status per answer kind (`mx secure`, `address insecure`, `tlsa bogus`...).
    #[serde(skip_serializing_if = "Counter::is_empty")]
    pub dnssec_status: Counter,
    /// TLSA records by parameters and outcome against the chain (`3 1 1 match`...).
    #[serde(skip_serializing_if = "Counter::is_empty")]
    pub dane_matches: Counter,
    /// DANE findings by id (each counted once per record).
    #[serde(skip_serializing_if = "Counter::is_empty")]
    pub dane_findings: Counter,
    #[serde(skip)]
    domain_cap: usize,
    /// Remember the leaf key each TLSA name served (set on the aggregate of a baseline, `mxray
    /// report --baseline`, before reading), for [`crate::tables`]' stale-key comparison.
    #[serde(skip)]
    pub remember_served_keys: bool,
    /// With `remember_served_keys`: per TLSA name ([`fnv1a`] of `_PORT._tcp.host`, lower
    /// case), the [`fnv1a`] of `"S:HEX"` of the leaf served there, S the TLSA selector (0: the
    /// certificate's SHA-256, 1: the SPKI's SHA-256). At most [`DANE_SERVED_CAP`] names.
    #[serde(skip)]
    pub dane_served: HashMap<u64, Vec<u64>>,
    /// Records whose served keys were not remembered (past [`DANE_SERVED_CAP`]).
    #[serde(skip)]
    pub dane_served_overflow: u64,
    /// Records judged `no_match`: their TLSA name and the [`fnv1a`] of `"S:HEX"` of each
    /// DANE-EE SHA-256 record (`3 S 1`). At most [`DANE_NO_MATCH_CAP`].
    #[serde(skip)]
    pub dane_no_match: Vec<(u64, Vec<u64>)>,
    /// `no_match` records not remembered (past [`DANE_NO_MATCH_CAP`]).
    #[serde(skip)]
    pub dane_no_match_overflow: u64,

    // 10. The server's own names (address targets scanned with `--server-names`).
    /// Records with `server_names` and a certificate.
    #[serde(skip_serializing_if = "is_zero64")]
    pub own_names: u64,
    /// Of those: which names the certificate matched (`ptr`, `banner`, `ehlo`, `any`, `none`),
    /// and which names there were (`has_ptr_confirmed`, `has_banner`, `has_ehlo`).
    #[serde(skip_serializing_if = "Counter::is_empty")]
    pub own_name_rows: Counter,
    /// SMTP and handshake hygiene ([`crate::tables`]' "SMTP AUTH, REQUIRETLS, ..." section):
    /// counts (`auth_before_tls`, `auth_cleartext_before_tls`, `submission_without_tls`,
    /// `requiretls`, `plaintext_accepted`, `client_cert_requested`, `ocsp_stapled`,
    /// `must_staple`, `must_staple_no_staple`, `sct_0`, `sct_1`, `sct_2`, `sct_3_or_more`) and
    /// their denominators (`n_ehlo_plain`, `n_submission`, `n_ehlo_tls`, `n_plaintext_tested`,
    /// `n_handshakes`, `n_leaves`); `seen` counts the records carrying any of these facts
    /// (every record written since they exist), and the section is shown only then.
    #[serde(skip_serializing_if = "Counter::is_empty")]
    pub hygiene: Counter,
    /// How many per-domain rows the report shows (the worst domains first,
    /// [`crate::tables::DomainRows`]); default [`DEFAULT_DOMAIN_ROWS`].
    #[serde(skip)]
    pub domain_rows: usize,

    // 11. Networks and providers ([`crate::networks`]), each endpoint once.
    /// Endpoints per autonomous system.
    #[serde(skip_serializing_if = "Tally::is_empty")]
    pub by_as: Tally,
    /// Endpoints per country.
    #[serde(skip_serializing_if = "Tally::is_empty")]
    pub by_country: Tally,
    /// Endpoints per provider (registered domain of the MX host).
    #[serde(skip_serializing_if = "Tally::is_empty")]
    pub by_provider: Tally,
    /// Whether the per-AS and per-country views are shown: an AS database was given, or some
    /// record carries `network`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub network_views: bool,
    /// The AS databases of `mxray report --asn-db`, for records without `network`.
    #[serde(skip)]
    pub asn_db: Lookup,
}

impl Default for Aggregate {
    fn default() -> Self {
        Self::with_caps(super::counter::DEFAULT_CAP, DEFAULT_DOMAIN_CAP)
    }
}

/// Stage facts of one record.
#[derive(Debug, Clone, Copy, Default)]
struct Stages {
    open: bool,
    greeting: bool,
    offered: bool,
    handshake: bool,
}

/// Whether an endpoint is "secure": handshake, trusted and name-matching certificate.
fn is_secure(r: &EndpointRecord, s: Stages) -> bool {
    r.certificate.as_ref().is_some_and(|c| {
        s.handshake
            && c.trust == TrustClass::Trusted
            && matches!(c.names.result, NameMatch::MxHost | NameMatch::MailDomain)
    })
}

fn stages(r: &EndpointRecord) -> Stages {
    let handshake = r
        .tls
        .as_ref()
        .and_then(|t| t.handshake.as_ref())
        .is_some_and(|h| h.ok);
    let offered = handshake
        || r.tls.is_some()
        || r.ehlo.as_ref().is_some_and(|e| e.starttls_offered)
        || r.starttls.as_ref().is_some_and(|s| {
            s.mode == TlsMode::Implicit
                || matches!(
                    s.outcome,
                    StarttlsOutcome::Ready
                        | StarttlsOutcome::Refused
                        | StarttlsOutcome::UnexpectedReply
                        | StarttlsOutcome::ImplicitTls
                )
        });
    let greeting = offered
        || r.ehlo.is_some()
        || r.starttls.is_some()
        || r.banner
            .as_ref()
            .and_then(|b| b.code)
            .is_some_and(|c| (200..300).contains(&c));
    let open = greeting
        || r.banner.is_some()
        || r.attempts.iter().any(|a| {
            matches!(
                a.outcome,
                AttemptOutcome::Ok
                    | AttemptOutcome::Busy421
                    | AttemptOutcome::Timeout
                    | AttemptOutcome::Error
            )
        });
    Stages {
        open,
        greeting,
        offered,
        handshake,
    }
}

/// Cause ids of loss, in funnel order, with their labels.
pub const LOSS_CAUSES: &[(&str, &str)] = &[
    ("null_mx", "null MX (accepts no mail)"),
    ("dns", "DNS failure"),
    ("refused", "connection refused"),
    ("connect_timeout", "connect timeout"),
    ("connect_error", "other connect error"),
    ("busy_421", "421 busy (after retries)"),
    ("greeting_rejected", "greeting rejected (5xx)"),
    (
        "greeting_temporary",
        "greeting with a temporary failure (4xx)",
    ),
    (
        "greeting_unexpected",
        "greeting with an unexpected code (1xx, 3xx, none)",
    ),
    ("timeout", "timeout after connect"),
    ("protocol_error", "SMTP protocol error"),
    ("io_error", "I/O error"),
    ("interrupted", "interrupted"),
    ("no_ehlo", "no EHLO data"),
    ("starttls_not_offered", "STARTTLS not offered"),
    ("starttls_stripped", "STARTTLS stripped"),
    ("starttls_refused", "STARTTLS refused"),
    (
        "starttls_unexpected_reply",
        "STARTTLS answered with an unexpected code",
    ),
    ("tls_failure", "TLS failure"),
    ("other", "other"),
];

fn loss_cause(r: &EndpointRecord, s: Stages) -> &'static str {
    if r.status == Status::NullMx {
        return "null_mx";
    }
    if let Some(e) = &r.error {
        return match e.kind {
            ErrorKind::Dns => "dns",
            ErrorKind::ConnectRefused => "refused",
            ErrorKind::ConnectTimeout => "connect_timeout",
            ErrorKind::ConnectError => "connect_error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Busy421 => "busy_421",
            ErrorKind::GreetingRejected
            | ErrorKind::GreetingTemporary
            | ErrorKind::GreetingUnexpected => greeting_cause(r, e.kind),
            ErrorKind::SmtpProtocol => "protocol_error",
            ErrorKind::Tls => "tls_failure",
            ErrorKind::Io => "io_error",
            ErrorKind::Interrupted => "interrupted",
            _ => "other",
        };
    }
    if r.status == Status::Interrupted {
        return "interrupted";
    }
    if s.offered {
        if r.starttls
            .as_ref()
            .is_some_and(|t| t.outcome == StarttlsOutcome::Refused)
        {
            return "starttls_refused";
        }
        if r.starttls
            .as_ref()
            .is_some_and(|t| t.outcome == StarttlsOutcome::UnexpectedReply)
        {
            return "starttls_unexpected_reply";
        }
        return "tls_failure";
    }
    if s.greeting {
        if is_stripped(r) {
            return "starttls_stripped";
        }
        if r.ehlo.is_none() {
            return "no_ehlo";
        }
        return "starttls_not_offered";
    }
    "other"
}

/// The cause of a greeting that stopped the scan, by the class of its code when the banner has
/// one (so older records, which wrote every non-2xx greeting as `greeting_rejected`, count
/// truthfully too), else by the error kind.
fn greeting_cause(r: &EndpointRecord, kind: ErrorKind) -> &'static str {
    match r.banner.as_ref().and_then(|b| b.code).map(|c| c / 100) {
        Some(4) => "greeting_temporary",
        Some(5) => "greeting_rejected",
        Some(_) => "greeting_unexpected",
        None => match kind {
            ErrorKind::GreetingRejected => "greeting_rejected",
            ErrorKind::GreetingTemporary => "greeting_temporary",
            _ => "greeting_unexpected",
        },
    }
}

fn is_stripped(r: &EndpointRecord) -> bool {
    r.ehlo.as_ref().is_some_and(|e| e.starttls_stripped)
        || r.starttls
            .as_ref()
            .is_some_and(|t| t.outcome == StarttlsOutcome::Stripped)
}

/// Protocol versions in order, with labels.
pub const VERSIONS: &[(&str, &str)] = &[
    ("SSLv2", "SSL 2.0"),
    ("SSLv3", "SSL 3.0"),
    ("TLSv1.0", "TLS 1.0"),
    ("TLSv1.1", "TLS 1.1"),
    ("TLSv1.2", "TLS 1.2"),
    ("TLSv1.3", "TLS 1.3"),
];

fn version_rank(v: &str) -> Option<usize> {
    VERSIONS.iter().position(|(k, _)| *k == v)
}

/// Key exchange classes (key, label).
pub const KX_CLASSES: &[(&str, &str)] = &[
    ("rsa", "static RSA"),
    ("dhe", "DHE"),
    ("ecdhe", "ECDHE"),
    ("anonymous", "anonymous (DH_anon, ECDH_anon)"),
    ("tls13", "TLS 1.3"),
    ("psk", "PSK"),
    ("other", "other"),
];

fn kx_class(kx: &str) -> &'static str {
    match kx {
        "rsa" => "rsa",
        "dhe" => "dhe",
        "ecdhe" => "ecdhe",
        "dh_anon" | "ecdh_anon" => "anonymous",
        "tls13" => "tls13",
        "psk" => "psk",
        _ => "other",
    }
}

/// Whether a suite is weak for the per-network views: NULL, EXPORT, anonymous, RC4 or a
/// 64-bit block cipher.
fn is_weak_suite(s: &SuiteInfo) -> bool {
    kx_class(&s.kx) == "anonymous"
        || s.classes.iter().any(|c| {
            matches!(
                c.as_str(),
                "null" | "export" | "anonymous" | "rc4" | "block64"
            )
        })
}

/// Whether the endpoint negotiated or accepts a weak suite ([`is_weak_suite`]).
fn has_weak_suite(r: &EndpointRecord) -> bool {
    let Some(tls) = &r.tls else { return false };
    let negotiated = tls
        .handshake
        .as_ref()
        .filter(|h| h.ok)
        .and_then(|h| h.suite.as_ref());
    negotiated.is_some_and(is_weak_suite)
        || tls
            .suites
            .iter()
            .flat_map(|v| v.accepted.iter())
            .any(is_weak_suite)
}

fn has_fs(s: &SuiteInfo) -> bool {
    s.classes.iter().any(|c| c == "forward_secrecy")
        || matches!(kx_class(&s.kx), "dhe" | "ecdhe" | "tls13")
}

/// Strength classes of a suite (key, label).
pub const STRENGTH_CLASSES: &[(&str, &str)] = &[
    ("null", "NULL (no encryption)"),
    ("export", "EXPORT"),
    ("rc4", "RC4"),
    ("block64", "64-bit block (3DES, ...)"),
    ("cbc", "CBC"),
    ("aead", "AEAD"),
];

/// Weak classes whose support the full profile measures (key, label).
pub const WEAK_CLASSES: &[(&str, &str)] = &[
    ("null", "NULL suites"),
    ("export", "EXPORT suites"),
    ("export_dhe", "DHE EXPORT suites (Logjam)"),
    ("anonymous", "anonymous suites"),
    ("rc4", "RC4 suites"),
    ("block64", "64-bit block suites (Sweet32)"),
    ("static_rsa", "static RSA key exchange"),
    ("no_fs", "a suite without forward secrecy"),
    ("cbc", "CBC suites"),
];

/// DH prime classes (key as written by the scanner, label).
pub const DH_CLASSES: &[(&str, &str)] = &[
    ("512", "512 bits"),
    ("768", "768 bits"),
    ("1024", "1024 bits"),
    ("2048", "2048 bits"),
    ("3072_or_more", "≥ 3072 bits"),
    ("other", "other sizes"),
];

/// Validity length buckets (key, label).
pub const VALIDITY_BUCKETS: &[(&str, &str)] = &[
    ("inverted", "negative (notAfter before notBefore)"),
    ("le_90", "≤ 90 days"),
    ("le_398", "91–398 days"),
    ("le_825", "399–825 days"),
    ("le_1825", "826–1825 days (≤ 5 years)"),
    ("le_3650", "1826–3650 days (≤ 10 years)"),
    ("gt_3650", "> 10 years"),
];

fn validity_bucket(days: i64) -> &'static str {
    match days {
        i64::MIN..=-1 => "inverted",
        0..=90 => "le_90",
        91..=398 => "le_398",
        399..=825 => "le_825",
        826..=1825 => "le_1825",
        1826..=3650 => "le_3650",
        _ => "gt_3650",
    }
}

fn hash_name(h: HashAlgorithm) -> &'static str {
    match h {
        HashAlgorithm::Md2 => "MD2",
        HashAlgorithm::Md5 => "MD5",
        HashAlgorithm::Sha1 => "SHA-1",
        HashAlgorithm::Sha224 => "SHA-224",
        HashAlgorithm::Sha256 => "SHA-256",
        HashAlgorithm::Sha384 => "SHA-384",
        HashAlgorithm::Sha512 => "SHA-512",
        HashAlgorithm::Intrinsic => "intrinsic (EdDSA)",
        _ => "unknown",
    }
}

fn key_type(k: &cert_audit::KeyInfo) -> String {
    match k.algorithm {
        KeyAlgorithm::Rsa => format!("RSA {}", k.bits),
        KeyAlgorithm::Ec => match &k.curve {
            Some(c) => format!("EC {c}"),
            None => format!("EC {} bits", k.bits),
        },
        KeyAlgorithm::Ed25519 => "Ed25519".to_owned(),
        KeyAlgorithm::Ed448 => "Ed448".to_owned(),
        KeyAlgorithm::Dsa => format!("DSA {}", k.bits),
        _ => format!("other ({})", k.oid),
    }
}

fn name_result(n: NameMatch) -> &'static str {
    match n {
        NameMatch::MxHost => "mx_host",
        NameMatch::MailDomain => "mail_domain",
        NameMatch::Mismatch => "mismatch",
        NameMatch::NotChecked => "not_checked",
        _ => "other",
    }
}

impl Aggregate {
    /// An empty aggregate with the given caps on distinct values per table and on domains.
    pub fn with_caps(cap: usize, domain_cap: usize) -> Self {
        let c = || Counter::with_cap(cap);
        Self {
            input: InputStats::default(),
            targeted: 0,
            tcp_open: 0,
            greeting: 0,
            tls_offered: 0,
            handshake_ok: 0,
            loss: c(),
            partial: 0,
            ehlo_seen: 0,
            starttls_offered: 0,
            starttls_attempted: 0,
            injection_tested: 0,
            anomalies: c(),
            versions_probed: 0,
            version_supported: c(),
            best_version: c(),
            best_version_known: 0,
            handshake_suites: 0,
            suites: c(),
            kx: c(),
            forward_secrecy: 0,
            strength: c(),
            suites_probed: 0,
            weak_support: c(),
            dh_measured: 0,
            dh_class: c(),
            certs: 0,
            trust: c(),
            name_result: c(),
            mx_checked: 0,
            mx_match: 0,
            domain_checked: 0,
            domain_match: 0,
            leaves: 0,
            issuers: c(),
            self_signed_subjects: c(),
            cert_findings: c(),
            findings: c(),
            key_types: c(),
            sig_hashes: c(),
            validity: c(),
            cert_clusters: Clusters::with_cap(cap),
            spki_clusters: Clusters::with_cap(cap),
            domains: HashMap::new(),
            domains_overflow: 0,
            dane_records: 0,
            dane_state: c(),
            dane_delivery: c(),
            dnssec_status: c(),
            dane_matches: c(),
            dane_findings: c(),
            domain_cap,
            remember_served_keys: false,
            dane_served: HashMap::new(),
            dane_served_overflow: 0,
            dane_no_match: Vec::new(),
            dane_no_match_overflow: 0,
            own_names: 0,
            own_name_rows: c(),
            hygiene: c(),
            domain_rows: DEFAULT_DOMAIN_ROWS,
            by_as: Tally::default(),
            by_country: Tally::default(),
            by_provider: Tally::default(),
            network_views: false,
            asn_db: Lookup::default(),
        }
    }

    /// An empty aggregate that looks the addresses of records without `network` up in `db`
    /// (`mxray report --asn-db`); the per-AS and per-country views are shown.
    pub fn with_asn_db(db: std::sync::Arc<mxray_asn::AsnDb>) -> Self {
        Self {
            asn_db: Lookup(Some(db)),
            network_views: true,
            ..Self::default()
        }
    }

    /// Folds one record in, counting all of it.
    pub fn add(&mut self, r: &EndpointRecord) {
        self.add_counted(r, true, true);
    }

    /// Folds one record in: `unit` when it is the record of its unit of work (counted in
    /// `records` and in the per-domain view), `endpoint_facts` when its endpoint's facts
    /// (funnel, STARTTLS, versions, suites, DH, certificates) are counted from it; neither,
    /// and it is only counted as superseded.
    pub fn add_counted(&mut self, r: &EndpointRecord, unit: bool, endpoint_facts: bool) {
        let s = stages(r);
        let secure = if endpoint_facts {
            self.add_funnel(r, s);
            self.add_anomalies(r);
            self.add_tls(r);
            self.add_own_names(r);
            self.add_hygiene(r);
            self.add_findings(r);
            self.add_networks(r, s);
            self.add_certificate(r, s)
        } else {
            is_secure(r, s)
        };
        if unit {
            self.input.records = self.input.records.saturating_add(1);
            if !endpoint_facts {
                self.input.shared = self.input.shared.saturating_add(1);
            }
            self.add_domain(r, s, secure);
            self.add_dane(r);
        } else {
            self.input.superseded = self.input.superseded.saturating_add(1);
        }
    }

    /// Each finding id once per endpoint (an old id counted under today's).
    fn add_findings(&mut self, r: &EndpointRecord) {
        let mut ids: Vec<&str> = r
            .findings
            .iter()
            .map(|f| mxray_schema::catalogue::canonical_id(&f.id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            self.findings.add(id);
        }
    }

    fn add_funnel(&mut self, r: &EndpointRecord, s: Stages) {
        let inc = |n: &mut u64, b: bool| *n = n.saturating_add(u64::from(b));
        inc(&mut self.targeted, true);
        inc(&mut self.tcp_open, s.open);
        inc(&mut self.greeting, s.greeting);
        inc(&mut self.tls_offered, s.offered);
        inc(&mut self.handshake_ok, s.handshake);
        inc(&mut self.partial, r.status == Status::Partial);
        if !s.handshake {
            self.loss.add(loss_cause(r, s));
        }
    }

    fn add_anomalies(&mut self, r: &EndpointRecord) {
        if let Some(e) = &r.ehlo {
            self.ehlo_seen = self.ehlo_seen.saturating_add(1);
            if e.starttls_offered {
                self.starttls_offered = self.starttls_offered.saturating_add(1);
            }
            if e.used_helo {
                self.anomalies.add("helo_fallback");
            }
        }
        if is_stripped(r) {
            self.anomalies.add("stripped");
        }
        if let Some(t) = &r.starttls {
            if matches!(
                t.outcome,
                StarttlsOutcome::Ready
                    | StarttlsOutcome::Refused
                    | StarttlsOutcome::UnexpectedReply
            ) {
                self.starttls_attempted = self.starttls_attempted.saturating_add(1);
            }
            if t.outcome == StarttlsOutcome::Refused {
                self.anomalies.add("refused");
            }
            if t.outcome == StarttlsOutcome::UnexpectedReply {
                self.anomalies.add("unexpected_reply");
            }
            if t.bytes_after_220.is_some() {
                self.anomalies.add("bytes_after_220");
            }
            if let Some(i) = t.injection {
                self.injection_tested = self.injection_tested.saturating_add(1);
                match i {
                    InjectionResult::Vulnerable => self.anomalies.add("injection_vulnerable"),
                    InjectionResult::Inconclusive => self.anomalies.add("injection_inconclusive"),
                    _ => {}
                }
            }
        }
    }

    fn add_tls(&mut self, r: &EndpointRecord) {
        let Some(tls) = &r.tls else { return };
        // A partial record's versions and suites are incomplete: not mixed into the tables of
        // complete ones (the funnel counts partial records).
        let complete = r.status != Status::Partial;
        // Versions.
        let mut best: Option<(usize, &str)> = None;
        if complete && !tls.versions.is_empty() {
            self.versions_probed = self.versions_probed.saturating_add(1);
            let mut seen: Vec<&str> = Vec::new();
            for v in tls.versions.iter().filter(|v| v.supported) {
                if seen.contains(&v.version.as_str()) || seen.len() >= 16 {
                    continue;
                }
                seen.push(&v.version);
                self.version_supported.add(&v.version);
                if let Some(rank) = version_rank(&v.version) {
                    if best.is_none_or(|(b, _)| rank > b) {
                        best = Some((rank, &v.version));
                    }
                }
            }
        }
        let hs = tls.handshake.as_ref().filter(|h| h.ok);
        if best.is_none() {
            if let Some(v) = hs.and_then(|h| h.version.as_deref()) {
                best = Some((version_rank(v).unwrap_or(0), v));
            }
        }
        if let Some((_, v)) = best {
            self.best_version_known = self.best_version_known.saturating_add(1);
            self.best_version.add(v);
        }
        // Negotiated suite.
        if let Some(suite) = hs.and_then(|h| h.suite.as_ref()) {
            self.handshake_suites = self.handshake_suites.saturating_add(1);
            self.suites.add(&suite.name);
            self.kx.add(kx_class(&suite.kx));
            if has_fs(suite) {
                self.forward_secrecy = self.forward_secrecy.saturating_add(1);
            }
            for (k, _) in STRENGTH_CLASSES {
                if suite.classes.iter().any(|c| c == k) {
                    self.strength.add(k);
                }
            }
        }
        // Accepted suites (full profile).
        if complete && !tls.suites.is_empty() {
            self.suites_probed = self.suites_probed.saturating_add(1);
            let mut weak: Vec<&'static str> = Vec::new();
            for s in tls.suites.iter().flat_map(|v| v.accepted.iter()) {
                let kx = kx_class(&s.kx);
                let class = |c: &str| s.classes.iter().any(|x| x == c);
                let mut hit = |w: &'static str, b: bool| {
                    if b && !weak.contains(&w) {
                        weak.push(w);
                    }
                };
                hit("null", class("null"));
                hit("export", class("export"));
                hit("export_dhe", class("export") && kx == "dhe");
                hit("anonymous", class("anonymous") || kx == "anonymous");
                hit("rc4", class("rc4"));
                hit("block64", class("block64"));
                hit("static_rsa", kx == "rsa");
                hit("no_fs", !has_fs(s));
                hit("cbc", class("cbc"));
            }
            for w in weak {
                self.weak_support.add(w);
            }
        }
        // DH.
        if let Some(kx) = &tls.key_exchange {
            if kx.dh_bits.is_some() || kx.dh_class.is_some() {
                self.dh_measured = self.dh_measured.saturating_add(1);
                let class = kx.dh_class.as_deref().unwrap_or("other");
                let known = DH_CLASSES.iter().any(|(k, _)| *k == class);
                self.dh_class.add(if known { class } else { "other" });
            }
        }
    }

    /// Returns whether the endpoint is "secure": handshake, trusted and name-matching.
    fn add_certificate(&mut self, r: &EndpointRecord, s: Stages) -> bool {
        let Some(c) = &r.certificate else {
            return false;
        };
        self.certs = self.certs.saturating_add(1);
        self.trust.add(c.trust.as_str());
        self.name_result.add(name_result(c.names.result));
        if let Some(m) = c.names.mx_host_matches {
            self.mx_checked = self.mx_checked.saturating_add(1);
            self.mx_match = self.mx_match.saturating_add(u64::from(m));
        }
        if let Some(m) = c.names.domain_matches {
            self.domain_checked = self.domain_checked.saturating_add(1);
            self.domain_match = self.domain_match.saturating_add(u64::from(m));
        }
        let mut ids: Vec<&str> = c.findings.iter().map(|f| f.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            self.cert_findings.add(id);
        }
        let self_signed = c.trust == TrustClass::SelfSigned;
        if let Some(leaf) = c.leaf() {
            self.leaves = self.leaves.saturating_add(1);
            if self_signed {
                let subject = leaf.subject_cn.as_deref().unwrap_or(&leaf.subject);
                self.self_signed_subjects.add(subject);
            } else {
                self.issuers
                    .add(leaf.issuer_org.as_deref().unwrap_or("(no organisation)"));
            }
            self.key_types.add(&key_type(&leaf.key));
            self.sig_hashes.add(hash_name(leaf.signature.hash));
            self.validity.add(validity_bucket(leaf.validity_days));
            if let Some(ip) = r.ip {
                let label = leaf.subject_cn.as_deref().unwrap_or(&leaf.subject);
                if let Some(first) = c.certificates.first() {
                    self.cert_clusters.add(&first.sha256, ip, label);
                }
                self.spki_clusters.add(&leaf.spki_sha256, ip, label);
            }
        }
        is_secure(r, s)
    }

    /// DANE counts of one unit's record (its own lookup and judgement, shared endpoint or not).
    fn add_dane(&mut self, r: &EndpointRecord) {
        let Some(d) = &r.dane else { return };
        self.dane_records = self.dane_records.saturating_add(1);
        self.dane_state.add(d.state.as_str());
        self.dane_delivery.add(d.delivery.as_str());
        if let Some(mx) = &d.mx {
            self.dnssec_status
                .add(&format!("mx {}", mx.status.as_str()));
        }
        self.dnssec_status
            .add(&format!("address {}", d.address.status.as_str()));
        self.dnssec_status
            .add(&format!("tlsa {}", d.tlsa.status.as_str()));
        if let Some(m) = r.certificate.as_ref().and_then(|c| c.dane.as_ref()) {
            for rec in &m.records {
                let outcome = match rec.outcome {
                    cert_audit::DaneOutcome::Match { .. } => "match",
                    cert_audit::DaneOutcome::NoMatch { .. } => "no match",
                    cert_audit::DaneOutcome::Unusable { .. } => "unusable",
                    _ => "malformed",
                };
                self.dane_matches.add(&format!(
                    "{} {} {} {outcome}",
                    rec.usage, rec.selector, rec.matching_type
                ));
            }
        }
        self.add_dane_keys(r, d);
        let mut seen: Vec<&str> = Vec::new();
        for f in &r.findings {
            if f.source == mxray_schema::record::FindingSource::Dane
                && !seen.contains(&f.id.as_str())
            {
                seen.push(&f.id);
                self.dane_findings.add(&f.id);
            }
        }
    }

    /// The keys for the stale-key comparison: the leaf served at the TLSA name (a baseline),
    /// the DANE-EE SHA-256 records of a `no_match` record.
    fn add_dane_keys(&mut self, r: &EndpointRecord, d: &mxray_schema::dane::DaneInfo) {
        let name = fnv1a(&d.tlsa_name.to_ascii_lowercase());
        if self.remember_served_keys {
            if let Some(c) = r.certificate.as_ref().and_then(|c| c.certificates.first()) {
                let mut keys = vec![fnv1a(&format!("0:{}", c.sha256.to_ascii_lowercase()))];
                if let Some(f) = &c.facts {
                    keys.push(fnv1a(&format!("1:{}", f.spki_sha256.to_ascii_lowercase())));
                }
                let full = self.dane_served.len() >= DANE_SERVED_CAP;
                match self.dane_served.get_mut(&name) {
                    Some(v) => {
                        for k in keys {
                            if !v.contains(&k) && v.len() < DANE_SERVED_PER_NAME * 2 {
                                v.push(k);
                            }
                        }
                    }
                    None if !full => {
                        self.dane_served.insert(name, keys);
                    }
                    None => {
                        self.dane_served_overflow = self.dane_served_overflow.saturating_add(1);
                    }
                }
            }
        }
        if d.state == cert_audit::sender::State::NoMatch {
            let digests: Vec<u64> = d
                .records
                .iter()
                .filter(|t| t.usage == 3 && t.matching_type == 1 && t.selector <= 1)
                .take(DANE_NO_MATCH_RECORDS)
                .map(|t| fnv1a(&format!("{}:{}", t.selector, t.data.to_ascii_lowercase())))
                .collect();
            if self.dane_no_match.len() < DANE_NO_MATCH_CAP {
                self.dane_no_match.push((name, digests));
            } else {
                self.dane_no_match_overflow = self.dane_no_match_overflow.saturating_add(1);
            }
        }
    }

    /// Of the `no_match` records: how many have a DANE-EE SHA-256 record matching the leaf
    /// that `baseline` saw served at the same TLSA name (a key no longer served: the key was
    /// changed before the TLSA records were), see [`StaleKeys`].
    pub fn stale_keys(&self, baseline: &Aggregate) -> StaleKeys {
        let stale = self
            .dane_no_match
            .iter()
            .filter(|(name, digests)| {
                baseline
                    .dane_served
                    .get(name)
                    .is_some_and(|served| digests.iter().any(|d| served.contains(d)))
            })
            .count();
        StaleKeys {
            stale: u64::try_from(stale).unwrap_or(u64::MAX),
            compared: u64::try_from(self.dane_no_match.len()).unwrap_or(u64::MAX),
            not_compared: self.dane_no_match_overflow,
            baseline_partial: baseline.dane_served_overflow > 0,
        }
    }

    fn add_domain(&mut self, r: &EndpointRecord, s: Stages, secure: bool) {
        let Some(domain) = &r.domain else { return };
        let key = fnv1a(&domain.to_ascii_lowercase());
        if !self.domains.contains_key(&key) && self.domains.len() >= self.domain_cap {
            self.domains_overflow = self.domains_overflow.saturating_add(1);
            return;
        }
        let d = self.domains.entry(key).or_default();
        let inc = |n: &mut u32, b: bool| *n = n.saturating_add(u32::from(b));
        inc(&mut d.records, true);
        inc(&mut d.endpoints, r.ip.is_some());
        inc(&mut d.reached, s.greeting);
        inc(&mut d.tls, s.greeting && s.offered);
        inc(&mut d.handshake, s.greeting && s.handshake);
        inc(&mut d.secure, s.greeting && secure);
        inc(&mut d.null_mx, r.status == Status::NullMx);
        inc(
            &mut d.dns_failed,
            r.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Dns),
        );
        if let Some(mx) = &r.mx {
            if r.status != Status::NullMx {
                d.add_mx(fnv1a(&mx.host.to_ascii_lowercase()));
            }
        }
        if let Some(dane) = &r.dane {
            use cert_audit::sender::Delivery;
            inc(&mut d.dane_looked_up, true);
            inc(&mut d.dane_applies, dane.state.dane_applies());
            inc(
                &mut d.dane_authenticated,
                dane.delivery == Delivery::Authenticated,
            );
            inc(&mut d.dane_defer, dane.delivery == Delivery::Defer);
        }
        if r.mta_sts.is_some() || r.tls_rpt.is_some() {
            let p = d.policy.get_or_insert_with(|| DomainPolicyState {
                domain: domain
                    .chars()
                    .take(DOMAIN_NAME_KEPT)
                    .collect::<String>()
                    .to_ascii_lowercase(),
                mta_sts: crate::domain::sts_label(r.mta_sts.as_ref()).to_owned(),
                policy_error: r
                    .mta_sts
                    .as_ref()
                    .and_then(|m| m.policy.as_ref())
                    .and_then(|p| p.error_kind.clone()),
                tls_rpt: r
                    .tls_rpt
                    .as_ref()
                    .map_or("not_looked_up", |t| t.txt.status.as_str())
                    .to_owned(),
                mx: Vec::new(),
            });
            if let (Some(mx), true) = (&r.mx, r.status != Status::NullMx) {
                let host = mx.host.to_ascii_lowercase();
                let facts = crate::domain::facts([r]);
                if let Some(f) = facts.mx.first() {
                    let (reached, tls, cert) = (f.reached, f.tls, f.certificate_valid);
                    if let Some(m) =
                        p.mx_entry(fnv1a(&host), mx.preference.unwrap_or(0), f.sts_match)
                    {
                        let inc = |n: &mut u32, b: bool| *n = n.saturating_add(u32::from(b));
                        inc(&mut m.reached, reached);
                        inc(&mut m.tls, reached && tls);
                        inc(&mut m.certificate_valid, reached && cert);
                        if r.dane.is_some() {
                            use mail_policy::verdict::DaneMx;
                            match f.dane {
                                Some(DaneMx::Authenticated) => inc(&mut m.dane_authenticated, true),
                                Some(DaneMx::Fails) => inc(&mut m.dane_fails, true),
                                Some(DaneMx::NoTlsa) => inc(&mut m.dane_no_tlsa, true),
                                _ => inc(&mut m.dane_unknown, true),
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds another aggregate (another shard of the same scan).
    pub fn merge(&mut self, o: &Aggregate) {
        self.input.merge(&o.input);
        let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        add(&mut self.targeted, o.targeted);
        add(&mut self.tcp_open, o.tcp_open);
        add(&mut self.greeting, o.greeting);
        add(&mut self.tls_offered, o.tls_offered);
        add(&mut self.handshake_ok, o.handshake_ok);
        add(&mut self.partial, o.partial);
        self.loss.merge(&o.loss);
        add(&mut self.ehlo_seen, o.ehlo_seen);
        add(&mut self.starttls_offered, o.starttls_offered);
        add(&mut self.starttls_attempted, o.starttls_attempted);
        add(&mut self.injection_tested, o.injection_tested);
        self.anomalies.merge(&o.anomalies);
        add(&mut self.versions_probed, o.versions_probed);
        self.version_supported.merge(&o.version_supported);
        self.best_version.merge(&o.best_version);
        add(&mut self.best_version_known, o.best_version_known);
        add(&mut self.handshake_suites, o.handshake_suites);
        self.suites.merge(&o.suites);
        self.kx.merge(&o.kx);
        add(&mut self.forward_secrecy, o.forward_secrecy);
        self.strength.merge(&o.strength);
        add(&mut self.suites_probed, o.suites_probed);
        self.weak_support.merge(&o.weak_support);
        add(&mut self.dh_measured, o.dh_measured);
        self.dh_class.merge(&o.dh_class);
        add(&mut self.certs, o.certs);
        self.trust.merge(&o.trust);
        self.name_result.merge(&o.name_result);
        add(&mut self.mx_checked, o.mx_checked);
        add(&mut self.mx_match, o.mx_match);
        add(&mut self.domain_checked, o.domain_checked);
        add(&mut self.domain_match, o.domain_match);
        add(&mut self.leaves, o.leaves);
        self.issuers.merge(&o.issuers);
        self.self_signed_subjects.merge(&o.self_signed_subjects);
        self.cert_findings.merge(&o.cert_findings);
        self.findings.merge(&o.findings);
        self.key_types.merge(&o.key_types);
        self.sig_hashes.merge(&o.sig_hashes);
        self.validity.merge(&o.validity);
        self.cert_clusters.merge(&o.cert_clusters);
        self.spki_clusters.merge(&o.spki_clusters);
        for (k, d) in &o.domains {
            if let Some(mine) = self.domains.get_mut(k) {
                mine.merge(d);
            } else if self.domains.len() < self.domain_cap {
                self.domains.insert(*k, d.clone());
            } else {
                add(&mut self.domains_overflow, u64::from(d.records));
            }
        }
        add(&mut self.domains_overflow, o.domains_overflow);
        add(&mut self.dane_records, o.dane_records);
        self.dane_state.merge(&o.dane_state);
        self.dane_delivery.merge(&o.dane_delivery);
        self.dnssec_status.merge(&o.dnssec_status);
        self.dane_matches.merge(&o.dane_matches);
        self.dane_findings.merge(&o.dane_findings);
        for (k, v) in &o.dane_served {
            if let Some(mine) = self.dane_served.get_mut(k) {
                for d in v {
                    if !mine.contains(d) && mine.len() < DANE_SERVED_PER_NAME * 2 {
                        mine.push(*d);
                    }
                }
            } else if self.dane_served.len() < DANE_SERVED_CAP {
                self.dane_served.insert(*k, v.clone());
            } else {
                add(&mut self.dane_served_overflow, 1);
            }
        }
        add(&mut self.dane_served_overflow, o.dane_served_overflow);
        for m in &o.dane_no_match {
            if self.dane_no_match.len() < DANE_NO_MATCH_CAP {
                self.dane_no_match.push(m.clone());
            } else {
                add(&mut self.dane_no_match_overflow, 1);
            }
        }
        add(&mut self.dane_no_match_overflow, o.dane_no_match_overflow);
        add(&mut self.own_names, o.own_names);
        self.own_name_rows.merge(&o.own_name_rows);
        self.hygiene.merge(&o.hygiene);
        self.by_as.merge(&o.by_as);
        self.by_country.merge(&o.by_country);
        self.by_provider.merge(&o.by_provider);
        self.network_views |= o.network_views;
    }

    /// The endpoint in the per-AS, per-country and per-provider views (records with an
    /// address only).
    fn add_networks(&mut self, r: &EndpointRecord, s: Stages) {
        let Some(ip) = r.ip else { return };
        let trusted = s.handshake
            && r.certificate
                .as_ref()
                .is_some_and(|c| c.trust == TrustClass::Trusted);
        let facts = Facts {
            endpoints: 1,
            starttls: u64::from(s.offered),
            handshake: u64::from(s.handshake),
            trusted: u64::from(trusted),
            weak: u64::from(has_weak_suite(r)),
        };
        let looked_up;
        let net = match &r.network {
            Some(n) => {
                self.network_views = true;
                Some(n)
            }
            None => {
                looked_up = self.asn_db.0.as_ref().and_then(|db| db.lookup(ip));
                looked_up.as_ref()
            }
        };
        let (key, label) = as_key(net);
        self.by_as.add(&key, &label, &facts);
        let cc = country_key(net);
        self.by_country.add(&cc, &cc, &facts);
        // The first forward-confirmed PTR name with a registered domain (`localhost` has none).
        let ptr = r.server_names.as_ref().and_then(|n| {
            n.ptr
                .iter()
                .filter(|p| p.forward_confirmed)
                .map(|p| p.name.as_str())
                .find(|p| crate::networks::registered_domain(p).is_some())
        });
        let mx =
            r.mx.as_ref()
                .filter(|_| r.status != Status::NullMx)
                .map(|m| m.host.as_str());
        let p = provider(mx, r.domain.as_deref(), ptr);
        self.by_provider.add(&p, &p, &facts);
    }

    /// The SMTP and handshake hygiene counts of one record ([`Aggregate::hygiene`]).
    fn add_hygiene(&mut self, r: &EndpointRecord) {
        use mxray_schema::record::{PlaintextMailOutcome, TlsMode};
        let handshake = r
            .tls
            .as_ref()
            .and_then(|t| t.handshake.as_ref())
            .filter(|h| h.ok);
        let leaf = r
            .certificate
            .as_ref()
            .and_then(|c| c.certificates.first())
            .and_then(|c| c.facts.as_ref());
        let seen = r.ehlo_tls.is_some()
            || r.auth.is_some()
            || r.submission.is_some()
            || r.plaintext_mail.is_some()
            || handshake.is_some_and(|h| h.client_cert_requested || h.ocsp_stapled)
            || leaf.is_some_and(|l| l.sct_count > 0 || l.must_staple);
        if !seen {
            return;
        }
        let h = &mut self.hygiene;
        let mut count = |key: &str, yes: bool| {
            if yes {
                h.add(key);
            }
        };
        count("seen", true);
        let starttls_mode = r
            .starttls
            .as_ref()
            .is_none_or(|s| s.mode == TlsMode::Starttls);
        if r.ehlo.as_ref().is_some_and(|e| !e.used_helo) && starttls_mode {
            count("n_ehlo_plain", true);
            let before = r
                .auth
                .as_ref()
                .map(|a| a.before_tls.as_slice())
                .unwrap_or_default();
            count("auth_before_tls", !before.is_empty());
            count(
                "auth_cleartext_before_tls",
                before
                    .iter()
                    .any(|m| matches!(m.as_str(), "PLAIN" | "LOGIN" | "XOAUTH2" | "OAUTHBEARER")),
            );
        }
        if let Some(sub) = &r.submission {
            count("n_submission", true);
            count("submission_without_tls", !sub.tls);
        }
        if let Some(req) = r.requiretls_offered() {
            count("n_ehlo_tls", true);
            count("requiretls", req);
        }
        if let Some(p) = &r.plaintext_mail {
            let decided = p.outcome != PlaintextMailOutcome::Inconclusive;
            count("n_plaintext_tested", decided);
            count(
                "plaintext_accepted",
                p.outcome == PlaintextMailOutcome::Accepted,
            );
        }
        if let Some(hs) = handshake {
            count("n_handshakes", true);
            count("client_cert_requested", hs.client_cert_requested);
            count("ocsp_stapled", hs.ocsp_stapled);
            count(
                "must_staple_no_staple",
                !hs.ocsp_stapled && leaf.is_some_and(|l| l.must_staple),
            );
        }
        if let Some(l) = leaf {
            count("n_leaves", true);
            count("must_staple", l.must_staple);
            count(
                match l.sct_count {
                    0 => "sct_0",
                    1 => "sct_1",
                    2 => "sct_2",
                    _ => "sct_3_or_more",
                },
                true,
            );
        }
    }

    /// The certificate against the server's own names: only records with `server_names` and a
    /// certificate count.
    fn add_own_names(&mut self, r: &EndpointRecord) {
        let (Some(n), Some(_)) = (&r.server_names, &r.certificate) else {
            return;
        };
        self.own_names = self.own_names.saturating_add(1);
        let confirmed: Vec<&str> = n
            .ptr
            .iter()
            .filter(|p| p.forward_confirmed)
            .map(|p| p.name.as_str())
            .collect();
        let matched = |name: Option<&str>| name.is_some_and(|x| n.matched.iter().any(|m| m == x));
        let mut row = |key: &str, yes: bool| {
            if yes {
                self.own_name_rows.add(key);
            }
        };
        row("has_ptr_confirmed", !confirmed.is_empty());
        row("has_banner", n.banner.is_some());
        row("has_ehlo", n.ehlo.is_some());
        row("ptr", confirmed.iter().any(|c| matched(Some(c))));
        row("banner", matched(n.banner.as_deref()));
        row("ehlo", matched(n.ehlo.as_deref()));
        row("any", !n.matched.is_empty());
        row("none", n.matched.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxray_schema::synth::{handshake, kinds, Ident};

    #[test]
    fn partial_records_are_counted_apart_and_kept_out_of_version_and_suite_tables() {
        // A full-profile kind with versions and accepted suites.
        let spec = kinds()
            .into_iter()
            .find(|k| !k.accepted.is_empty() && !k.versions.is_empty())
            .unwrap_or_else(|| panic!("the fixture has a full-profile kind"));
        let complete = handshake(&Ident::new("a.example", "mx.a.example", "192.0.2.1"), &spec);
        let mut partial = handshake(&Ident::new("b.example", "mx.b.example", "192.0.2.2"), &spec);
        partial.status = Status::Partial;

        let mut a = Aggregate::default();
        a.add(&complete);
        a.add(&partial);
        assert_eq!(a.partial, 1);
        assert_eq!(a.handshake_ok, 2, "a partial record's handshake is a fact");
        assert_eq!(a.versions_probed, 1, "only the complete record's versions");
        assert_eq!(a.suites_probed, 1, "only the complete record's suites");

        let report = crate::tables::build(&a, None);
        let funnel = &report.sections[0].tables[0];
        let row = funnel.rows.iter().find(|r| r.key == "partial");
        assert_eq!(row.map(|r| r.count), Some(1), "{funnel:?}");

        let mut none = Aggregate::default();
        none.add(&complete);
        let report = crate::tables::build(&none, None);
        assert!(!report.sections[0].tables[0]
            .rows
            .iter()
            .any(|r| r.key == "partial"));
    }

    #[test]
    fn certificate_findings_are_counted_once_per_chain_by_id() {
        use cert_audit::{Finding, FindingId, Severity};
        let spec = kinds()
            .into_iter()
            .find(|k| {
                handshake(&Ident::new("x.example", "mx.x.example", "192.0.2.9"), k)
                    .certificate
                    .is_some()
            })
            .unwrap_or_else(|| panic!("the fixture has a kind with a certificate"));
        let finding = |id| Finding {
            id,
            severity: Severity::Low,
            cert_index: Some(0),
            message: String::new(),
        };
        let mut one = handshake(&Ident::new("a.example", "mx.a.example", "192.0.2.1"), &spec);
        let mut two = handshake(&Ident::new("b.example", "mx.b.example", "192.0.2.2"), &spec);
        if let Some(c) = one.certificate.as_mut().map(std::sync::Arc::make_mut) {
            c.findings = vec![
                finding(FindingId::EkuMissing),
                finding(FindingId::RsaExponent),
            ];
        }
        if let Some(c) = two.certificate.as_mut().map(std::sync::Arc::make_mut) {
            // Twice in one chain (two certificates): counted once for the chain.
            c.findings = vec![
                finding(FindingId::RsaExponent),
                finding(FindingId::RsaExponent),
            ];
        }
        let mut a = Aggregate::default();
        a.add(&one);
        a.add(&two);
        let report = crate::tables::build(&a, None);
        let table = report
            .sections
            .iter()
            .flat_map(|s| &s.tables)
            .find(|t| t.id == "findings")
            .unwrap_or_else(|| panic!("no findings table"));
        let count = |k: &str| {
            table
                .rows
                .iter()
                .find(|r| r.key == k)
                .map(|r| (r.count, r.total))
        };
        assert_eq!(count("rsa-exponent"), Some((2, 2)));
        assert_eq!(count("eku-missing"), Some((1, 2)));
        assert_eq!(table.rows.len(), 2);
    }
}
