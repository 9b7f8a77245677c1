//! DANE lookups with DNSSEC validation done here (hickory's validator, `dnssec-ring`): the MX
//! RRset of a domain, the addresses of an MX host and its `_PORT._tcp.HOST` TLSA RRset, each with
//! its DNSSEC status (secure, insecure, bogus, indeterminate) and why.
//!
//! - Trust anchor: the root KSKs built into hickory by default, or a file of DNSKEY records
//!   ([`load_trust_anchor`], `--trust-anchor`): a lab zone's keys, a private root.
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
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cert_audit::sender::DnssecStatus;
use cert_audit::Tlsa;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::dnssec::rdata::DNSKEY;
use hickory_resolver::proto::dnssec::{Algorithm, Proof, PublicKeyBuf, TrustAnchors};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::{ResolveError, TokioResolver};
use mxray_schema::dane::{DnssecAnswer, TlsaRecord};

/// Most TLSA records kept per name (the certificate audit's limit); more are counted in
/// `TlsaAnswer::dropped`.
pub const MAX_TLSA_RECORDS: usize = cert_audit::limits::MAX_TLSA_RECORDS;
/// Largest trust anchor file read.
pub const MAX_ANCHOR_FILE_BYTES: u64 = 1 << 20;
/// Most keys in a trust anchor file.
pub const MAX_ANCHOR_KEYS: usize = 64;
/// Most (host, port) and domain answers a [`DaneResolver`] remembers; when full it starts over.
pub const CACHE_ENTRIES: usize = 4096;

/// A trust anchor file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustAnchorError {
    /// The file cannot be read.
    #[error("cannot read the trust anchor {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_ANCHOR_FILE_BYTES`].
    #[error("the trust anchor file is {0} bytes, more than {MAX_ANCHOR_FILE_BYTES}")]
    TooLarge(u64),
    /// A line is not a DNSKEY record.
    #[error("trust anchor line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// No DNSKEY record in the file.
    #[error("the trust anchor file holds no DNSKEY record")]
    Empty,
    /// More keys than [`MAX_ANCHOR_KEYS`].
    #[error("the trust anchor file holds more than {MAX_ANCHOR_KEYS} keys")]
    TooManyKeys,
}

/// A parsed trust anchor: the keys, and the zones they belong to.
#[derive(Clone)]
pub struct TrustAnchor {
    keys: TrustAnchors,
    zones: Vec<Name>,
}

impl std::fmt::Debug for TrustAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustAnchor")
            .field("keys", &self.keys.len())
            .field("zones", &self.zones)
            .finish()
    }
}

impl TrustAnchor {
    /// The zones of the anchor's keys (the owner names).
    pub fn zones(&self) -> &[Name] {
        &self.zones
    }
}

/// Reads a trust anchor file: DNSKEY records in zone-file syntax, one per line (`owner [TTL]
/// [IN] DNSKEY flags protocol algorithm base64-key`, as `ldns-keygen` writes them and unbound's
/// `trust-anchor-file` reads them); `;` starts a comment. Give every key of the zone's DNSKEY
/// RRset (hickory trusts the RRset when all its keys are anchors). DS records are refused with
/// a message saying so.
pub fn load_trust_anchor(path: &Path) -> Result<TrustAnchor, TrustAnchorError> {
    let io = |source| TrustAnchorError::Io {
        path: path.display().to_string(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_ANCHOR_FILE_BYTES {
        return Err(TrustAnchorError::TooLarge(len));
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    parse_trust_anchor(&text)
}

/// [`load_trust_anchor`] on the file's text.
pub fn parse_trust_anchor(text: &str) -> Result<TrustAnchor, TrustAnchorError> {
    let mut keys = TrustAnchors::empty();
    let mut zones: Vec<Name> = Vec::new();
    let mut count = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line = i.saturating_add(1);
        let bad = |reason: &str| TrustAnchorError::Line {
            line,
            reason: reason.to_owned(),
        };
        let content = raw.split(';').next().unwrap_or("");
        let tokens: Vec<&str> = content.split_whitespace().collect();
        let Some(owner) = tokens.first() else {
            continue;
        };
        let Some(pos) = tokens
            .iter()
            .position(|t| t.eq_ignore_ascii_case("DNSKEY") || t.eq_ignore_ascii_case("DS"))
        else {
            return Err(bad("not a DNSKEY record"));
        };
        if tokens
            .get(pos)
            .is_some_and(|t| t.eq_ignore_ascii_case("DS"))
        {
            return Err(bad(
                "a DS record: give the zone's DNSKEY records instead (the lab writes them to \
                 $LAB/dnssec/anchor.dnskey)",
            ));
        }
        let fields = tokens.get(pos.saturating_add(1)..).unwrap_or(&[]);
        let [flags, protocol, algorithm, key @ ..] = fields else {
            return Err(bad("DNSKEY needs flags, protocol, algorithm and key"));
        };
        let flags: u16 = flags.parse().map_err(|_| bad("flags are not a number"))?;
        if *protocol != "3" {
            return Err(bad("protocol must be 3"));
        }
        let algorithm: u8 = algorithm
            .parse()
            .map_err(|_| bad("algorithm is not a number"))?;
        let b64: String = key.concat();
        let bytes = data_encoding::BASE64
            .decode(b64.as_bytes())
            .map_err(|_| bad("the key is not base64"))?;
        if bytes.is_empty() {
            return Err(bad("empty key"));
        }
        let name = Name::from_ascii(owner)
            .map_err(|_| bad("the owner is not a domain name"))?
            .to_lowercase();
        let dnskey = DNSKEY::with_flags(
            flags,
            PublicKeyBuf::new(bytes, Algorithm::from_u8(algorithm)),
        );
        count = count.saturating_add(1);
        if count > MAX_ANCHOR_KEYS {
            return Err(TrustAnchorError::TooManyKeys);
        }
        keys.insert(dnskey.public_key());
        if !zones.contains(&name) {
            zones.push(name);
        }
    }
    if keys.is_empty() {
        return Err(TrustAnchorError::Empty);
    }
    Ok(TrustAnchor { keys, zones })
}

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
    resolver: TokioResolver,
    zones: Option<Vec<Name>>,
    timeout: Duration,
    preflight: Arc<tokio::sync::OnceCell<Result<(), LookupFailure>>>,
    hosts: Arc<Mutex<HostCache>>,
    domains: Arc<Mutex<HashMap<String, DnssecAnswer>>>,
}

impl DaneResolver {
    /// A validating resolver asking `server` (UDP, TCP on truncation) or the system's resolver,
    /// with `anchor` (or hickory's root KSKs). `timeout` bounds each whole lookup.
    pub fn new(
        server: Option<SocketAddr>,
        anchor: Option<TrustAnchor>,
        timeout: Duration,
    ) -> Result<Self, crate::dns::DnsSetupError> {
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
        let zones = anchor.as_ref().map(|a| a.zones.clone());
        if let Some(a) = anchor {
            builder = builder.with_trust_anchor(Arc::new(a.keys));
        }
        Ok(Self {
            resolver: builder.with_options(opts).build(),
            zones,
            timeout: timeout.saturating_mul(4),
            preflight: Arc::default(),
            hosts: Arc::default(),
            domains: Arc::default(),
        })
    }

    /// Checks once that the resolver returns DNSSEC records: the SOA of each anchor zone (the
    /// root's by default) must validate. Until it does, every answer is indeterminate.
    pub async fn preflight(&self) -> Result<(), LookupFailure> {
        self.preflight
            .get_or_init(|| async {
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
        match tokio::time::timeout(self.timeout, self.resolver.lookup(name, rtype)).await {
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
    fn anchor_file_takes_dnskeys_and_refuses_ds_with_a_reason() {
        let ok = "dane.test.\t3600\tIN\tDNSKEY\t257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== ;{id = 1}\n; comment\n\nexample. IN DNSKEY 256 3 8 AwEAAQ==\n";
        let a = parse_trust_anchor(ok).unwrap();
        assert_eq!(a.zones().len(), 2);
        assert_eq!(a.keys.len(), 2);
        let e = parse_trust_anchor("dane.test. 3600 IN DS 61217 13 2 a23d").unwrap_err();
        assert!(e.to_string().contains("DS record"), "{e}");
        assert!(matches!(
            parse_trust_anchor("; nothing\n"),
            Err(TrustAnchorError::Empty)
        ));
        for bad in [
            "x. IN A 127.0.0.1",
            "x. DNSKEY 257 3",
            "x. DNSKEY 257 2 13 AAAA",
            "x. DNSKEY abc 3 13 AAAA",
            "x. DNSKEY 257 3 13 !!!!",
        ] {
            assert!(
                matches!(
                    parse_trust_anchor(bad),
                    Err(TrustAnchorError::Line { line: 1, .. })
                ),
                "{bad}"
            );
        }
        let many = "x. DNSKEY 257 3 13 AAAA\n".repeat(MAX_ANCHOR_KEYS + 1);
        assert!(matches!(
            parse_trust_anchor(&many),
            Err(TrustAnchorError::TooManyKeys)
        ));
    }

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
