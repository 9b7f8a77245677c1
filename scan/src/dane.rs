//! DANE lookups with DNSSEC validation done here (hickory's validator, `dnssec-ring`): the MX
//! RRset of a domain, the addresses of an MX host and its `_PORT._tcp.HOST` TLSA RRset, each with
//! its DNSSEC status (secure, insecure, bogus, indeterminate) and why.
//!
//! - Trust anchor: the root KSKs built into hickory by default (KSK-2017, tag 20326, and
//!   KSK-2024, tag 38696, the two IANA publishes; checked against IANA's DS digests in
//!   `dane_anchor`'s tests), or a file of DNSKEY or DS records, or IANA's `root-anchors.xml`
//!   ([`load_trust_anchor`], `--trust-anchor`): a lab zone's keys, a private root. DS anchors are
//!   turned into the zone's DNSKEY set once, before the first lookup
//!   ([`crate::dane_anchor::authenticate`]).
//! - A resolver that returns no DNSSEC records (it strips RRSIGs, or ignores the DO bit) makes
//!   every answer `indeterminate`, never `insecure`: before the first lookup the SOA of each
//!   anchor zone must validate ([`DaneResolver::preflight`]).
//! - A name outside every anchor zone of a given file is `indeterminate` (no trust anchor).
//! - A negative answer (NXDOMAIN, no data) carries the status of its denial (the SOA and NSEC
//!   records of the authority section).
//! - CNAME chains are followed by hickory (at most 8 deep); every CNAME on the way counts
//!   towards the status (RFC 7672 2.2.2: the host is reached through secure answers only).
//! - Bounded: each lookup is under [`DaneResolver::new`]'s timeout; at most
//!   [`MAX_TLSA_RECORDS`] TLSA records are kept (the rest are counted).
//!
//! RFC 7672's rules on what the statuses mean for a sender are in `cert_audit::sender`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cert_audit::sender::DnssecStatus;
use cert_audit::Tlsa;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::dnssec::{Proof, TrustAnchors};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::{ResolveError, TokioResolver};
use mxray_schema::dane::{DnssecAnswer, TlsaRecord};

pub use crate::dane_anchor::{
    load_trust_anchor, parse_trust_anchor, DsAnchor, TrustAnchor, TrustAnchorError,
    MAX_ANCHOR_FILE_BYTES, MAX_ANCHOR_KEYS,
};

/// Most TLSA records kept per name (the certificate audit's limit); more are counted in
/// `TlsaAnswer::dropped`.
pub const MAX_TLSA_RECORDS: usize = cert_audit::limits::MAX_TLSA_RECORDS;
/// Most (host, port) and domain answers a [`DaneResolver`] remembers; when full it starts over.
pub const CACHE_ENTRIES: usize = 4096;
/// Why a lookup gave no DNSSEC status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupFailure {
    /// No answer in time.
    #[error("timeout")]
    Timeout,
    /// The resolver answered SERVFAIL (a validating resolver does so for bogus data).
    #[error("SERVFAIL (a validating upstream resolver answers so for bogus data)")]
    ServFail,
    /// The resolver refused.
    #[error("REFUSED")]
    Refused,
    /// The CNAME chain did not end (a loop, or deeper than hickory follows).
    #[error("CNAME chain does not end: {0}")]
    CnameChain(String),
    /// The resolver returns no DNSSEC records.
    #[error("the resolver returns no DNSSEC records: {0}")]
    NoDnssec(String),
    /// The name is under no zone of the trust anchor.
    #[error("{0} is under no trust anchor zone")]
    NoTrustAnchor(String),
    /// A DS trust anchor could not be turned into its zone's keys (the DNSKEY query failed,
    /// no key matches the DS, the RRset is not signed by a matching key).
    #[error("the DS trust anchor: {0}")]
    Anchor(String),
    /// Another failure.
    #[error("{0}")]
    Other(String),
}

/// The TLSA answer of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsaAnswer {
    /// Status, response code, reason.
    pub answer: DnssecAnswer,
    /// The records (at most [`MAX_TLSA_RECORDS`]).
    pub records: Vec<TlsaRecord>,
    /// Records beyond [`MAX_TLSA_RECORDS`], not kept.
    pub dropped: usize,
    /// The RRset's TTL.
    pub ttl: Option<u32>,
}

/// Everything looked up for one MX host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLookup {
    /// The host's A/AAAA answer.
    pub address: DnssecAnswer,
    /// `_PORT._tcp.HOST`.
    pub tlsa_name: String,
    /// The TLSA answer.
    pub tlsa: TlsaAnswer,
}

/// The records as `cert-audit` takes them.
pub fn to_tlsa(records: &[TlsaRecord]) -> Vec<Tlsa> {
    records
        .iter()
        .map(|r| {
            Tlsa::new(
                r.usage,
                r.selector,
                r.matching_type,
                hex_decode(&r.data).unwrap_or_default(),
            )
        })
        .collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER_PERMISSIVE.decode(s.as_bytes()).ok()
}

/// The host answers of one scan, by (lower-case host, port).
type HostCache = HashMap<(String, u16), Arc<HostLookup>>;

/// A validating resolver for DANE, with a cache of the answers of one scan.
#[derive(Debug, Clone)]
pub struct DaneResolver {
    /// Built at once for the root or DNSKEY anchors; for DS anchors, once their zones' DNSKEY
    /// sets are authenticated (the first lookup).
    resolver: Arc<tokio::sync::OnceCell<Result<TokioResolver, LookupFailure>>>,
    server: Option<SocketAddr>,
    anchor: Option<TrustAnchor>,
    query_timeout: Duration,
    zones: Option<Vec<Name>>,
    timeout: Duration,
    preflight: Arc<tokio::sync::OnceCell<Result<(), LookupFailure>>>,
    hosts: Arc<Mutex<HostCache>>,
    domains: Arc<Mutex<HashMap<String, DnssecAnswer>>>,
}

/// A validating hickory resolver asking `server` (UDP, TCP on truncation) or the system's
/// resolver, from `keys` (hickory's root KSKs when `None`).
fn build_resolver(
    server: Option<SocketAddr>,
    keys: Option<TrustAnchors>,
    timeout: Duration,
) -> Result<TokioResolver, crate::dns::DnsSetupError> {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 2;
    opts.validate = true;
    opts.edns0 = true;
    opts.preserve_intermediates = true;
    let mut builder = match server {
        Some(addr) => {
            let mut config = ResolverConfig::new();
            config.add_name_server(NameServerConfig::new(addr, Protocol::Udp));
            config.add_name_server(NameServerConfig::new(addr, Protocol::Tcp));
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
        }
        None => TokioResolver::builder_tokio().map_err(crate::dns::DnsSetupError::from_text)?,
    };
    if let Some(k) = keys {
        builder = builder.with_trust_anchor(Arc::new(k));
    }
    Ok(builder.with_options(opts).build())
}

impl DaneResolver {
    /// A validating resolver asking `server` (UDP, TCP on truncation) or the system's resolver,
    /// with `anchor` (or hickory's root KSKs). `timeout` bounds each whole lookup.
    pub fn new(
        server: Option<SocketAddr>,
        anchor: Option<TrustAnchor>,
        timeout: Duration,
    ) -> Result<Self, crate::dns::DnsSetupError> {
        let zones = anchor.as_ref().map(|a| a.zones.clone());
        let resolver = match &anchor {
            Some(a) if !a.ds.is_empty() => {
                // Fails now, not at the first lookup, when the system resolver is unusable.
                build_resolver(server, None, timeout)?;
                tokio::sync::OnceCell::new()
            }
            _ => tokio::sync::OnceCell::new_with(Some(Ok(build_resolver(
                server,
                anchor.as_ref().map(|a| a.keys.clone()),
                timeout,
            )?))),
        };
        Ok(Self {
            resolver: Arc::new(resolver),
            server,
            anchor,
            query_timeout: timeout,
            zones,
            timeout: timeout.saturating_mul(4),
            preflight: Arc::default(),
            hosts: Arc::default(),
            domains: Arc::default(),
        })
    }

    /// The validating resolver; for DS anchors, built once their zones' DNSKEY RRsets are
    /// authenticated.
    async fn resolver(&self) -> Result<&TokioResolver, LookupFailure> {
        self.resolver
            .get_or_init(|| self.build_from_ds_anchors())
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Fetches the DNSKEY RRset of each DS anchor zone (DO bit, from `--resolver` or the
    /// system's first name server), keeps it when [`crate::dane_anchor::authenticate`] does,
    /// and builds the resolver with those keys (and any DNSKEY anchors of the same file).
    async fn build_from_ds_anchors(&self) -> Result<TokioResolver, LookupFailure> {
        let Some(anchor) = &self.anchor else {
            return build_resolver(self.server, None, self.query_timeout)
                .map_err(|e| LookupFailure::Other(e.to_string()));
        };
        let server = match self.server {
            Some(s) => s,
            None => hickory_resolver::system_conf::read_system_conf()
                .ok()
                .and_then(|(c, _)| c.name_servers().first().map(|n| n.socket_addr))
                .ok_or_else(|| {
                    LookupFailure::Anchor("no name server in the system configuration".to_owned())
                })?,
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let mut keys = anchor.keys.clone();
        let mut zones: Vec<&Name> = Vec::new();
        for a in &anchor.ds {
            if !zones.contains(&&a.zone) {
                zones.push(&a.zone);
            }
        }
        for zone in zones {
            let reply = crate::rawdns::query_dnssec(server, zone, RecordType::DNSKEY, self.timeout)
                .await
                .map_err(|e| {
                    LookupFailure::Anchor(format!("the DNSKEY query for {zone} at {server}: {e}"))
                })?;
            if reply.response_code() != ResponseCode::NoError {
                return Err(LookupFailure::Anchor(format!(
                    "the DNSKEY query for {zone} at {server}: {}",
                    reply.response_code()
                )));
            }
            let dnskeys = crate::dane_anchor::authenticate(zone, &anchor.ds, reply.answers(), now)
                .map_err(|e| LookupFailure::Anchor(e.to_string()))?;
            for k in &dnskeys {
                keys.insert(k.public_key());
            }
        }
        build_resolver(self.server, Some(keys), self.query_timeout)
            .map_err(|e| LookupFailure::Other(e.to_string()))
    }

    /// Checks once that the resolver returns DNSSEC records: the SOA of each anchor zone (the
    /// root's by default) must validate. Until it does, every answer is indeterminate.
    pub async fn preflight(&self) -> Result<(), LookupFailure> {
        self.preflight
            .get_or_init(|| async {
                self.resolver().await?;
                let zones = self.zones.clone().unwrap_or_else(|| vec![Name::root()]);
                for zone in zones {
                    let a = self.query(zone.clone(), RecordType::SOA).await;
                    match a {
                        Ok((records, _)) => {
                            let s = status_of(&records, RecordType::SOA);
                            if s != DnssecStatus::Secure {
                                return Err(LookupFailure::NoDnssec(format!(
                                    "the SOA of the anchor zone {zone} is {} ",
                                    s.as_str()
                                )));
                            }
                        }
                        Err(QueryError::Denied { rcode, .. }) => {
                            return Err(LookupFailure::NoDnssec(format!(
                                "the anchor zone {zone} has no SOA ({rcode})"
                            )))
                        }
                        Err(QueryError::Failure(f)) => {
                            return Err(LookupFailure::NoDnssec(format!(
                                "the SOA of the anchor zone {zone}: {f}"
                            )))
                        }
                    }
                }
                Ok(())
            })
            .await
            .clone()
    }

    async fn query(
        &self,
        name: Name,
        rtype: RecordType,
    ) -> Result<(Vec<Record>, &'static str), QueryError> {
        let resolver = self.resolver().await.map_err(QueryError::Failure)?;
        match tokio::time::timeout(self.timeout, resolver.lookup(name, rtype)).await {
            Err(_) => Err(QueryError::Failure(LookupFailure::Timeout)),
            Ok(Ok(l)) => Ok((l.records().to_vec(), "NOERROR")),
            Ok(Err(e)) => Err(QueryError::from_resolve(&e)),
        }
    }

    /// One name and type, judged.
    async fn answer(&self, name: &str, rtype: RecordType) -> (DnssecAnswer, Vec<Record>) {
        let fqdn = if name.ends_with('.') {
            name.to_owned()
        } else {
            format!("{name}.")
        };
        let indeterminate = |rcode: Option<&str>, f: &LookupFailure| DnssecAnswer {
            status: DnssecStatus::Indeterminate,
            rcode: rcode.map(str::to_owned),
            reason: Some(f.to_string()),
        };
        let Ok(qname) = Name::from_ascii(&fqdn) else {
            let f = LookupFailure::Other(format!("{name} is not a domain name"));
            return (indeterminate(None, &f), Vec::new());
        };
        if let Some(zones) = &self.zones {
            if !zones.iter().any(|z| z.zone_of(&qname.to_lowercase())) {
                let f = LookupFailure::NoTrustAnchor(name.to_owned());
                return (indeterminate(None, &f), Vec::new());
            }
        }
        if let Err(f) = self.preflight().await {
            return (indeterminate(None, &f), Vec::new());
        }
        match self.query(qname, rtype).await {
            Ok((records, rcode)) => {
                let status = status_of(&records, rtype);
                let reason = reason_of(&records, rtype, status);
                (
                    DnssecAnswer {
                        status,
                        rcode: Some(rcode.to_owned()),
                        reason,
                    },
                    records,
                )
            }
            Err(QueryError::Denied { rcode, status }) => (
                DnssecAnswer {
                    status,
                    rcode: Some(rcode.to_owned()),
                    reason: match status {
                        DnssecStatus::Secure => Some("authenticated denial".to_owned()),
                        DnssecStatus::Insecure => Some("denial from an unsigned zone".to_owned()),
                        DnssecStatus::Bogus => Some("the denial does not validate".to_owned()),
                        _ => Some("the denial carries no DNSSEC records".to_owned()),
                    },
                },
                Vec::new(),
            ),
            Err(QueryError::Failure(f)) => {
                let rcode = match f {
                    LookupFailure::ServFail => Some("SERVFAIL"),
                    LookupFailure::Refused => Some("REFUSED"),
                    _ => None,
                };
                (indeterminate(rcode, &f), Vec::new())
            }
        }
    }

    /// The DNSSEC status of `domain`'s MX RRset (cached per scan).
    pub async fn mx(&self, domain: &str) -> DnssecAnswer {
        let key = domain.to_ascii_lowercase();
        if let Some(a) = lock(&self.domains).get(&key) {
            return a.clone();
        }
        let (a, _) = self.answer(domain, RecordType::MX).await;
        let mut map = lock(&self.domains);
        if map.len() >= CACHE_ENTRIES {
            map.clear();
        }
        map.insert(key, a.clone());
        a
    }

    /// The addresses and the TLSA records of `host` for `port` (cached per scan).
    pub async fn host(&self, host: &str, port: u16) -> Arc<HostLookup> {
        let key = (host.to_ascii_lowercase(), port);
        if let Some(h) = lock(&self.hosts).get(&key) {
            return Arc::clone(h);
        }
        let tlsa_name = format!("_{port}._tcp.{}", key.0.trim_end_matches('.'));
        let (a4, a6, (tlsa, records)) = tokio::join!(
            self.answer(host, RecordType::A),
            self.answer(host, RecordType::AAAA),
            self.answer(&tlsa_name, RecordType::TLSA)
        );
        let address = address_answer(a4, a6);
        let mut tlsa_records = Vec::new();
        let mut dropped = 0usize;
        let mut ttl = None;
        for r in &records {
            if let RData::TLSA(t) = r.data() {
                if tlsa_records.len() >= MAX_TLSA_RECORDS {
                    dropped = dropped.saturating_add(1);
                    continue;
                }
                ttl = Some(ttl.map_or(r.ttl(), |x: u32| x.min(r.ttl())));
                tlsa_records.push(TlsaRecord {
                    usage: u8::from(t.cert_usage()),
                    selector: u8::from(t.selector()),
                    matching_type: u8::from(t.matching()),
                    data: data_encoding::HEXLOWER.encode(t.cert_data()),
                });
            }
        }
        let lookup = Arc::new(HostLookup {
            address,
            tlsa_name,
            tlsa: TlsaAnswer {
                answer: tlsa,
                records: tlsa_records,
                dropped,
                ttl,
            },
        });
        let mut map = lock(&self.hosts);
        if map.len() >= CACHE_ENTRIES {
            map.clear();
        }
        map.insert(key, Arc::clone(&lookup));
        lookup
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A and AAAA together: the worst status of the answers that exist; a denial of one type
/// with an answer of the other counts as that answer.
fn address_answer(
    (a4, r4): (DnssecAnswer, Vec<Record>),
    (a6, r6): (DnssecAnswer, Vec<Record>),
) -> DnssecAnswer {
    let has4 = r4.iter().any(|r| r.record_type() == RecordType::A);
    let has6 = r6.iter().any(|r| r.record_type() == RecordType::AAAA);
    match (has4, has6) {
        (true, false) if a6.status != DnssecStatus::Bogus => a4,
        (false, true) if a4.status != DnssecStatus::Bogus => a6,
        _ => {
            if rank(a6.status) > rank(a4.status) {
                a6
            } else {
                a4
            }
        }
    }
}

fn rank(s: DnssecStatus) -> u8 {
    match s {
        DnssecStatus::Bogus => 3,
        DnssecStatus::Indeterminate => 2,
        DnssecStatus::Insecure => 1,
        _ => 0,
    }
}

fn proof_status(p: Proof) -> DnssecStatus {
    match p {
        Proof::Secure => DnssecStatus::Secure,
        Proof::Insecure => DnssecStatus::Insecure,
        Proof::Bogus => DnssecStatus::Bogus,
        _ => DnssecStatus::Indeterminate,
    }
}

/// The worst proof among the records of `rtype` and the CNAMEs that led to them.
fn status_of(records: &[Record], rtype: RecordType) -> DnssecStatus {
    let mut worst: Option<DnssecStatus> = None;
    for r in records {
        if r.record_type() == rtype || r.record_type() == RecordType::CNAME {
            let s = proof_status(r.proof());
            if worst.is_none_or(|w| rank(s) > rank(w)) {
                worst = Some(s);
            }
        }
    }
    worst.unwrap_or(DnssecStatus::Indeterminate)
}

fn reason_of(records: &[Record], rtype: RecordType, status: DnssecStatus) -> Option<String> {
    let cnames = records
        .iter()
        .filter(|r| r.record_type() == RecordType::CNAME)
        .count();
    let via = if cnames > 0 {
        format!(" (through {cnames} CNAME record(s))")
    } else {
        String::new()
    };
    match status {
        DnssecStatus::Secure => (cnames > 0).then(|| format!("validated{via}")),
        DnssecStatus::Insecure => Some(format!("unsigned zone{via}")),
        DnssecStatus::Bogus => Some(format!(
            "the {rtype} answer does not validate (bad or missing signatures){via}"
        )),
        _ => Some(format!("no DNSSEC status for the {rtype} answer{via}")),
    }
}

enum QueryError {
    /// NXDOMAIN or no data, with the status of the denial.
    Denied {
        rcode: &'static str,
        status: DnssecStatus,
    },
    Failure(LookupFailure),
}

impl QueryError {
    fn from_resolve(e: &ResolveError) -> Self {
        let Some(proto) = e.proto() else {
            return Self::classify_text(&e.to_string());
        };
        match proto.kind() {
            ProtoErrorKind::NoRecordsFound {
                response_code,
                soa,
                authorities,
                ..
            } => match *response_code {
                ResponseCode::NXDomain | ResponseCode::NoError => {
                    let rcode = if *response_code == ResponseCode::NXDomain {
                        "NXDOMAIN"
                    } else {
                        "NODATA"
                    };
                    let mut worst: Option<DnssecStatus> = None;
                    let soa_proof = soa.as_ref().map(|s| s.proof());
                    let proofs = authorities
                        .iter()
                        .flat_map(|a| a.iter())
                        .filter(|r| !r.record_type().is_rrsig())
                        .map(Record::proof)
                        .chain(soa_proof);
                    for p in proofs {
                        let s = proof_status(p);
                        if worst.is_none_or(|w| rank(s) > rank(w)) {
                            worst = Some(s);
                        }
                    }
                    Self::Denied {
                        rcode,
                        status: worst.unwrap_or(DnssecStatus::Indeterminate),
                    }
                }
                ResponseCode::ServFail => Self::Failure(LookupFailure::ServFail),
                ResponseCode::Refused => Self::Failure(LookupFailure::Refused),
                other => Self::Failure(LookupFailure::Other(format!("response code {other}"))),
            },
            ProtoErrorKind::Nsec { proof, .. } => Self::Denied {
                rcode: "NXDOMAIN_OR_NODATA",
                status: proof_status(*proof),
            },
            ProtoErrorKind::Timeout => Self::Failure(LookupFailure::Timeout),
            _ => Self::classify_text(&proto.to_string()),
        }
    }

    fn classify_text(text: &str) -> Self {
        let lower = text.to_ascii_lowercase();
        if lower.contains("timed out") || lower.contains("timeout") {
            Self::Failure(LookupFailure::Timeout)
        } else if lower.contains("cname") || lower.contains("depth") || lower.contains("loop") {
            Self::Failure(LookupFailure::CnameChain(text.to_owned()))
        } else {
            Self::Failure(LookupFailure::Other(text.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_errors_classify() {
        assert!(matches!(
            QueryError::classify_text("CNAME chain exceeded maximum depth"),
            QueryError::Failure(LookupFailure::CnameChain(_))
        ));
        assert!(matches!(
            QueryError::classify_text("request timed out"),
            QueryError::Failure(LookupFailure::Timeout)
        ));
    }
}
