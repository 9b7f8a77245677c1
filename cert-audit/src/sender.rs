//! What a DANE-validating SMTP sender (RFC 7672) does with one MX host: a pure judgement over
//! the DNSSEC status of the names it looked up, the TLSA records, how far TLS got, and the
//! matching of the records against the presented chain ([`crate::DaneReport`]).
//!
//! The order of the rules is RFC 7672's:
//!
//! 1. A bogus answer on the way (the MX RRset, the host's addresses, the TLSA RRset) makes a
//!    validating sender defer the mail (section 2.1.1): "bogus" is a finding of its own, never
//!    "no DANE".
//! 2. An indeterminate answer (the resolver strips DNSSEC records, a lookup failed) leaves the
//!    outcome unknown: never counted as "insecure". A TLSA lookup that fails below secure MX
//!    and address answers makes the sender defer (RFC 7672 2.2).
//! 3. DANE applies only when the MX RRset (when there was one) and the host's addresses are
//!    secure (sections 2.2.1, 2.2.2) and the TLSA RRset is secure and not empty (section 2.2.3).
//!    TLSA records reached through an insecure MX or address answer are ignored.
//! 4. With DANE applying: no STARTTLS or a failed handshake means no delivery (section 2.2);
//!    TLSA records of which none is usable (PKIX-TA/PKIX-EE, unknown parameters, malformed)
//!    mean mandatory but unauthenticated TLS (section 2.2, 3.1.3); usable records that do not
//!    match the chain mean no delivery; a match means authenticated delivery.
//!
//! ```
//! use cert_audit::sender::{judge, Delivery, DnssecStatus, SenderInput, State, TlsReach};
//! let input = SenderInput {
//!     mx: Some(DnssecStatus::Secure),
//!     address: DnssecStatus::Secure,
//!     tlsa: DnssecStatus::Secure,
//!     tlsa_records: &[cert_audit::Tlsa::new(3, 1, 1, vec![0; 32])],
//!     tlsa_dropped: 0,
//!     tlsa_ttl: Some(300),
//!     tls: TlsReach::NotOffered,
//!     matching: None,
//!     leaf_not_after: None,
//!     now: 0,
//! };
//! let v = judge(&input);
//! assert_eq!(v.state, State::NoStarttls);
//! assert_eq!(v.delivery, Delivery::Defer);
//! ```

use crate::dane::{DaneOutcome, DaneReport, Tlsa};
use crate::findings::Severity;

/// The DNSSEC status of one answer (RFC 4033 section 5 / RFC 4035 section 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum DnssecStatus {
    /// Validated from the trust anchor down (an answer or an authenticated denial).
    Secure,
    /// Provably unsigned: an authenticated denial of a DS record on the way.
    Insecure,
    /// Should validate and does not (bad signatures, missing signatures under a signed
    /// delegation, a denial that does not prove).
    Bogus,
    /// No status could be had: the resolver returned no DNSSEC records where they were needed,
    /// the lookup failed or timed out. Never read as insecure.
    Indeterminate,
}

impl DnssecStatus {
    /// The wire name: `secure`, `insecure`, `bogus`, `indeterminate`.
    pub fn as_str(self) -> &'static str {
        match self {
            DnssecStatus::Secure => "secure",
            DnssecStatus::Insecure => "insecure",
            DnssecStatus::Bogus => "bogus",
            DnssecStatus::Indeterminate => "indeterminate",
        }
    }
}

/// How far the sender's TLS got at this endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsReach {
    /// The endpoint was not reached (connect or greeting failed): nothing to judge TLS by.
    NotReached,
    /// The server does not offer STARTTLS (or refused it).
    NotOffered,
    /// STARTTLS was accepted but no handshake completed.
    Failed,
    /// A handshake completed; `matching` holds the TLSA matching of its chain.
    Established,
}

/// What the sender is judged on.
#[derive(Debug, Clone)]
pub struct SenderInput<'a> {
    /// The status of the domain's MX RRset; `None` when the host was a target itself (no MX
    /// step), which a sender given that next hop treats like a secure MX.
    pub mx: Option<DnssecStatus>,
    /// The status of the host's address records.
    pub address: DnssecStatus,
    /// The status of the TLSA answer (`_PORT._tcp.HOST`).
    pub tlsa: DnssecStatus,
    /// The TLSA records answered (empty: none, or an authenticated denial).
    pub tlsa_records: &'a [Tlsa],
    /// TLSA records the lookup did not keep (past its limit).
    pub tlsa_dropped: usize,
    /// The TTL of the TLSA RRset, when there is one.
    pub tlsa_ttl: Option<u32>,
    /// How far TLS got.
    pub tls: TlsReach,
    /// The matching of the secure TLSA records against the presented chain, when a chain was.
    pub matching: Option<&'a DaneReport>,
    /// The leaf's notAfter, unix seconds, when the leaf parsed.
    pub leaf_not_after: Option<i64>,
    /// The time of the judgement, unix seconds.
    pub now: u64,
}

/// Where DANE stands for this MX host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum State {
    /// No TLSA records (an authenticated denial or an insecure zone): no DANE.
    NotPublished,
    /// TLSA records exist but a DANE sender ignores them: the MX or address answer on the way
    /// is insecure, or the TLSA RRset itself is.
    Ignored,
    /// A bogus answer on the way.
    Bogus,
    /// No DNSSEC status could be had.
    Indeterminate,
    /// DANE applies and the server does not offer STARTTLS.
    NoStarttls,
    /// DANE applies and no TLS handshake completed.
    TlsFailed,
    /// DANE applies and none of the records is usable for SMTP: TLS without authentication.
    OnlyUnusable,
    /// DANE applies and no usable record matches the chain.
    NoMatch,
    /// DANE applies and a usable record authenticates the chain.
    Authenticated,
    /// DANE applies but the endpoint was not reached, or its chain was not matched.
    NotEvaluated,
}

impl State {
    /// The wire name (snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            State::NotPublished => "not_published",
            State::Ignored => "ignored",
            State::Bogus => "bogus",
            State::Indeterminate => "indeterminate",
            State::NoStarttls => "no_starttls",
            State::TlsFailed => "tls_failed",
            State::OnlyUnusable => "only_unusable",
            State::NoMatch => "no_match",
            State::Authenticated => "authenticated",
            State::NotEvaluated => "not_evaluated",
        }
    }

    /// DANE applies to this host (secure, non-empty TLSA reached through secure answers).
    pub fn dane_applies(self) -> bool {
        matches!(
            self,
            State::NoStarttls
                | State::TlsFailed
                | State::OnlyUnusable
                | State::NoMatch
                | State::Authenticated
                | State::NotEvaluated
        )
    }
}

/// What a DANE-validating sender does with mail for this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Delivery {
    /// Delivers over TLS with the server authenticated by DANE.
    Authenticated,
    /// Delivers over mandatory TLS without authentication (only unusable records).
    Encrypted,
    /// DANE does not apply: the sender's other policy decides (opportunistic TLS, MTA-STS).
    NoDane,
    /// Will not deliver to this host (defers, tries the next MX).
    Defer,
    /// Cannot be told (indeterminate DNSSEC, endpoint not reached).
    Unknown,
}

impl Delivery {
    /// The wire name (snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Authenticated => "authenticated",
            Delivery::Encrypted => "encrypted",
            Delivery::NoDane => "no_dane",
            Delivery::Defer => "defer",
            Delivery::Unknown => "unknown",
        }
    }
}

macro_rules! sender_ids {
    ($($(#[$doc:meta])* $variant:ident => $id:literal,)*) => {
        /// Stable id of a DANE sender finding (kebab-case, like the certificate findings).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[non_exhaustive]
        pub enum SenderFindingId {
            $($(#[$doc])* #[cfg_attr(feature = "serde", serde(rename = $id))] $variant,)*
        }

        impl SenderFindingId {
            /// The stable string id.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }

            /// Every id, in declaration order.
            pub const ALL: &'static [SenderFindingId] = &[$(Self::$variant,)*];
        }
    };
}

sender_ids! {
    /// A bogus DNSSEC answer on the way to the TLSA records: a validating sender defers.
    DnssecBogus => "dane-dnssec-bogus",
    /// No DNSSEC status could be had (resolver strips RRSIGs, lookup failed).
    DnssecIndeterminate => "dane-dnssec-indeterminate",
    /// TLSA records exist but are ignored: reached through an insecure answer.
    TlsaIgnored => "dane-tlsa-ignored",
    /// TLSA records published, STARTTLS not offered: a DANE sender will not deliver.
    NoStarttls => "dane-no-starttls",
    /// TLSA records published, the TLS handshake failed: a DANE sender will not deliver.
    TlsFailed => "dane-tls-failed",
    /// Usable TLSA records, none matches: a DANE sender will not deliver.
    NoMatch => "dane-no-match",
    /// Only unusable TLSA records: TLS is mandatory, authentication impossible.
    OnlyUnusable => "dane-only-unusable",
    /// Some records are unusable for SMTP beside usable ones (PKIX-TA/PKIX-EE, unknown, malformed).
    UnusableRecords => "dane-unusable-records",
    /// A DANE-EE record matches an expired leaf: fine for DANE (RFC 7672 3.1.1), not for others.
    DaneEeExpired => "dane-ee-expired",
    /// One usable record only: a key or certificate change breaks delivery unless the next
    /// record is published first.
    SingleRecord => "dane-single-record",
    /// The TLSA TTL outlives the leaf's remaining validity.
    TtlExceedsValidity => "dane-ttl-exceeds-validity",
    /// More TLSA records than the limit: the rest were not evaluated.
    TooManyRecords => "dane-too-many-records",
}

/// One finding of the judgement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SenderFinding {
    /// Stable id.
    pub id: SenderFindingId,
    /// Severity.
    pub severity: Severity,
    /// Human-readable explanation.
    pub message: String,
}

/// The judgement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Verdict {
    /// Where DANE stands.
    pub state: State,
    /// What a DANE-validating sender does.
    pub delivery: Delivery,
    /// Findings, worst first.
    pub findings: Vec<SenderFinding>,
}

fn finding(id: SenderFindingId, severity: Severity, message: impl Into<String>) -> SenderFinding {
    SenderFinding {
        id,
        severity,
        message: message.into(),
    }
}

/// The worst of the statuses on the way to the TLSA records (bogus, then indeterminate, then
/// insecure, then secure), and which name it was.
fn path_status(input: &SenderInput<'_>) -> (DnssecStatus, &'static str) {
    let steps = [
        (input.mx, "MX"),
        (Some(input.address), "address"),
        (Some(input.tlsa), "TLSA"),
    ];
    let rank = |s: DnssecStatus| match s {
        DnssecStatus::Bogus => 3,
        DnssecStatus::Indeterminate => 2,
        DnssecStatus::Insecure => 1,
        DnssecStatus::Secure => 0,
    };
    let mut worst = (DnssecStatus::Secure, "TLSA");
    for (s, name) in steps {
        if let Some(s) = s {
            if rank(s) > rank(worst.0) {
                worst = (s, name);
            }
        }
    }
    worst
}

/// Judges one MX host as a DANE-validating sender (see the module documentation). Pure; never
/// panics.
pub fn judge(input: &SenderInput<'_>) -> Verdict {
    let mut findings = Vec::new();
    let (worst, at) = path_status(input);
    let has_records = !input.tlsa_records.is_empty();
    let (state, delivery) = match worst {
        DnssecStatus::Bogus => {
            findings.push(finding(
                SenderFindingId::DnssecBogus,
                Severity::High,
                format!(
                    "the {at} answer is DNSSEC-bogus: a validating sender defers the mail \
                     (RFC 7672 2.1.1)"
                ),
            ));
            (State::Bogus, Delivery::Defer)
        }
        // With the MX and address answers secure, the indeterminate one is the TLSA answer.
        DnssecStatus::Indeterminate
            if input.address == DnssecStatus::Secure
                && input.mx.is_none_or(|m| m == DnssecStatus::Secure) =>
        {
            // The resolver validates (the address answer is secure): the TLSA lookup failed
            // in a signed zone, and a DANE sender defers rather than send unauthenticated.
            findings.push(finding(
                SenderFindingId::DnssecIndeterminate,
                Severity::High,
                "the TLSA lookup failed (SERVFAIL, timeout, a CNAME chain that does not end) \
                 below secure MX and address answers: a DANE sender defers the mail (RFC 7672 \
                 2.2)",
            ));
            (State::Indeterminate, Delivery::Defer)
        }
        DnssecStatus::Indeterminate => {
            findings.push(finding(
                SenderFindingId::DnssecIndeterminate,
                Severity::Info,
                format!(
                    "no DNSSEC status for the {at} answer (lookup failed, or the resolver \
                     returned no DNSSEC records): DANE cannot be judged"
                ),
            ));
            (State::Indeterminate, Delivery::Unknown)
        }
        DnssecStatus::Insecure if has_records => {
            findings.push(finding(
                SenderFindingId::TlsaIgnored,
                Severity::Medium,
                format!(
                    "TLSA records are published but the {at} answer is insecure: a DANE sender \
                     following RFC 7672 2.2 ignores them (Postfix, with \
                     smtp_tls_dane_insecure_mx_policy = dane, still uses the TLSA records of \
                     an MX host found through an insecure MX answer)"
                ),
            ));
            (State::Ignored, Delivery::NoDane)
        }
        DnssecStatus::Insecure => (State::NotPublished, Delivery::NoDane),
        DnssecStatus::Secure if !has_records => (State::NotPublished, Delivery::NoDane),
        DnssecStatus::Secure => applies(input, &mut findings),
    };
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Verdict {
        state,
        delivery,
        findings,
    }
}

/// DANE applies: STARTTLS, handshake, usability, match, and the notes on rollover and expiry.
fn applies(input: &SenderInput<'_>, findings: &mut Vec<SenderFinding>) -> (State, Delivery) {
    match input.tls {
        TlsReach::NotReached => return (State::NotEvaluated, Delivery::Unknown),
        TlsReach::NotOffered => {
            findings.push(finding(
                SenderFindingId::NoStarttls,
                Severity::Critical,
                "TLSA records are published but STARTTLS is not offered: a DANE sender will not \
                 deliver (RFC 7672 2.2)",
            ));
            return (State::NoStarttls, Delivery::Defer);
        }
        TlsReach::Failed => {
            findings.push(finding(
                SenderFindingId::TlsFailed,
                Severity::Critical,
                "TLSA records are published but no TLS handshake completed: a DANE sender will \
                 not deliver",
            ));
            return (State::TlsFailed, Delivery::Defer);
        }
        TlsReach::Established => {}
    }
    let Some(m) = input.matching else {
        return (State::NotEvaluated, Delivery::Unknown);
    };
    let not_evaluated = m.skipped_records.saturating_add(input.tlsa_dropped);
    if not_evaluated > 0 {
        findings.push(finding(
            SenderFindingId::TooManyRecords,
            Severity::Low,
            format!("{not_evaluated} TLSA record(s) beyond the limit were not evaluated"),
        ));
    }
    let unusable = m
        .records
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                DaneOutcome::Unusable { .. } | DaneOutcome::Malformed { .. }
            )
        })
        .count();
    if m.usable_records == 0 {
        findings.push(finding(
            SenderFindingId::OnlyUnusable,
            Severity::Medium,
            format!(
                "{unusable} TLSA record(s), none usable for SMTP (PKIX-TA(0)/PKIX-EE(1) are \
                 unusable, RFC 7672 3.1.3): TLS is mandatory, the server is not authenticated"
            ),
        ));
        return (State::OnlyUnusable, Delivery::Encrypted);
    }
    if unusable > 0 {
        findings.push(finding(
            SenderFindingId::UnusableRecords,
            Severity::Low,
            format!("{unusable} TLSA record(s) unusable for SMTP beside the usable ones"),
        ));
    }
    if !m.authenticated {
        findings.push(finding(
            SenderFindingId::NoMatch,
            Severity::Critical,
            format!(
                "{} usable TLSA record(s), none matches the presented chain: a DANE sender will \
                 not deliver",
                m.usable_records
            ),
        ));
        return (State::NoMatch, Delivery::Defer);
    }
    let now = i64::try_from(input.now).unwrap_or(i64::MAX);
    let ee_match = m
        .records
        .iter()
        .any(|r| r.usage == 3 && matches!(r.outcome, DaneOutcome::Match { .. }));
    if let Some(not_after) = input.leaf_not_after {
        if ee_match && not_after < now {
            findings.push(finding(
                SenderFindingId::DaneEeExpired,
                Severity::Low,
                "a DANE-EE record matches an expired leaf: DANE senders deliver (RFC 7672 3.1.1 \
                 ignores dates), PKIX-validating senders (MTA-STS) do not",
            ));
        }
        if let Some(ttl) = input.tlsa_ttl {
            let remaining = not_after.saturating_sub(now);
            if remaining >= 0 && i64::from(ttl) > remaining {
                findings.push(finding(
                    SenderFindingId::TtlExceedsValidity,
                    Severity::Low,
                    format!(
                        "the TLSA TTL ({ttl} s) is longer than the leaf's remaining validity \
                         ({remaining} s): caches keep the record after the certificate changes"
                    ),
                ));
            }
        }
    }
    if m.usable_records == 1 {
        findings.push(finding(
            SenderFindingId::SingleRecord,
            Severity::Info,
            "one usable TLSA record: publish the next key's record before a key change \
             (RFC 7671 8.1, \"current + next\")",
        ));
    }
    (State::Authenticated, Delivery::Authenticated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dane::DaneRecordResult;

    fn report(outcomes: &[(u8, DaneOutcome)]) -> DaneReport {
        let records: Vec<DaneRecordResult> = outcomes
            .iter()
            .enumerate()
            .map(|(index, (usage, outcome))| DaneRecordResult {
                index,
                usage: *usage,
                selector: 1,
                matching_type: 1,
                outcome: outcome.clone(),
            })
            .collect();
        let usable_records = records
            .iter()
            .filter(|r| {
                matches!(
                    r.outcome,
                    DaneOutcome::Match { .. } | DaneOutcome::NoMatch { .. }
                )
            })
            .count();
        let authenticated = records
            .iter()
            .any(|r| matches!(r.outcome, DaneOutcome::Match { .. }));
        DaneReport {
            records,
            skipped_records: 0,
            usable_records,
            authenticated,
        }
    }

    fn base<'a>(records: &'a [Tlsa], m: Option<&'a DaneReport>) -> SenderInput<'a> {
        SenderInput {
            mx: Some(DnssecStatus::Secure),
            address: DnssecStatus::Secure,
            tlsa: DnssecStatus::Secure,
            tlsa_records: records,
            tlsa_dropped: 0,
            tlsa_ttl: Some(300),
            tls: TlsReach::Established,
            matching: m,
            leaf_not_after: Some(2_000_000_000),
            now: 1_800_000_000,
        }
    }

    fn ids(v: &Verdict) -> Vec<&'static str> {
        v.findings.iter().map(|f| f.id.as_str()).collect()
    }

    const M: DaneOutcome = DaneOutcome::Match { cert_index: 0 };

    #[test]
    fn a_secure_match_is_authenticated_and_one_record_is_a_rollover_note() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let m = report(&[(3, M)]);
        let v = judge(&base(&recs, Some(&m)));
        assert_eq!(
            (v.state, v.delivery),
            (State::Authenticated, Delivery::Authenticated)
        );
        assert_eq!(ids(&v), ["dane-single-record"]);
        let m2 = report(&[(3, M), (3, DaneOutcome::NoMatch { reason: "x".into() })]);
        let v = judge(&base(&recs, Some(&m2)));
        assert!(v.findings.is_empty(), "{v:?}");
    }

    #[test]
    fn bogus_anywhere_on_the_way_defers_and_names_the_answer() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let m = report(&[(3, M)]);
        for (which, at) in [(0, "MX"), (1, "address"), (2, "TLSA")] {
            let mut i = base(&recs, Some(&m));
            match which {
                0 => i.mx = Some(DnssecStatus::Bogus),
                1 => i.address = DnssecStatus::Bogus,
                _ => i.tlsa = DnssecStatus::Bogus,
            }
            let v = judge(&i);
            assert_eq!((v.state, v.delivery), (State::Bogus, Delivery::Defer));
            assert!(v.findings[0].message.contains(at), "{v:?}");
        }
    }

    #[test]
    fn indeterminate_is_never_insecure() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let mut i = base(&recs, None);
        i.tlsa = DnssecStatus::Indeterminate;
        // A failed TLSA lookup below secure answers: the sender defers.
        let v = judge(&i);
        assert_eq!(
            (v.state, v.delivery),
            (State::Indeterminate, Delivery::Defer)
        );
        // Nothing validates (a resolver without DNSSEC): unknown.
        i.address = DnssecStatus::Indeterminate;
        let v = judge(&i);
        assert_eq!(
            (v.state, v.delivery),
            (State::Indeterminate, Delivery::Unknown)
        );
        i.address = DnssecStatus::Secure;
        // Indeterminate outranks insecure: an insecure MX and a stripped TLSA answer.
        i.mx = Some(DnssecStatus::Insecure);
        assert_eq!(judge(&i).state, State::Indeterminate);
    }

    #[test]
    fn insecure_mx_or_address_makes_records_ignored() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let m = report(&[(3, M)]);
        let mut i = base(&recs, Some(&m));
        i.mx = Some(DnssecStatus::Insecure);
        let v = judge(&i);
        assert_eq!((v.state, v.delivery), (State::Ignored, Delivery::NoDane));
        assert_eq!(ids(&v), ["dane-tlsa-ignored"]);
        let mut i = base(&recs, Some(&m));
        i.address = DnssecStatus::Insecure;
        assert_eq!(judge(&i).state, State::Ignored);
        // A host target has no MX step.
        let mut i = base(&recs, Some(&m));
        i.mx = None;
        assert_eq!(judge(&i).state, State::Authenticated);
        // No records: nothing published, whatever the status.
        let i = base(&[], None);
        assert_eq!(judge(&i).state, State::NotPublished);
    }

    #[test]
    fn starttls_missing_or_failed_with_tlsa_defers() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let mut i = base(&recs, None);
        i.tls = TlsReach::NotOffered;
        assert_eq!(judge(&i).state, State::NoStarttls);
        assert_eq!(ids(&judge(&i)), ["dane-no-starttls"]);
        i.tls = TlsReach::Failed;
        assert_eq!(
            (judge(&i).state, judge(&i).delivery),
            (State::TlsFailed, Delivery::Defer)
        );
        i.tls = TlsReach::NotReached;
        assert_eq!(judge(&i).delivery, Delivery::Unknown);
    }

    #[test]
    fn only_unusable_is_encrypted_and_no_match_defers() {
        let recs = [Tlsa::new(1, 1, 1, vec![0; 32])];
        let un = DaneOutcome::Unusable {
            reason: "pkix".into(),
        };
        let m = report(&[(1, un.clone())]);
        let v = judge(&base(&recs, Some(&m)));
        assert_eq!(
            (v.state, v.delivery),
            (State::OnlyUnusable, Delivery::Encrypted)
        );
        let m = report(&[(1, un), (3, DaneOutcome::NoMatch { reason: "x".into() })]);
        let v = judge(&base(&recs, Some(&m)));
        assert_eq!((v.state, v.delivery), (State::NoMatch, Delivery::Defer));
        assert_eq!(ids(&v), ["dane-no-match", "dane-unusable-records"]);
    }

    #[test]
    fn expired_ee_match_and_long_ttl_are_noted() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let m = report(&[(3, M), (3, M)]);
        let mut i = base(&recs, Some(&m));
        i.leaf_not_after = Some(1_700_000_000);
        let v = judge(&i);
        assert_eq!(v.state, State::Authenticated);
        assert_eq!(ids(&v), ["dane-ee-expired"]);
        let mut i = base(&recs, Some(&m));
        i.leaf_not_after = Some(1_800_000_100);
        assert_eq!(ids(&judge(&i)), ["dane-ttl-exceeds-validity"]);
    }

    #[test]
    fn dane_applies_exactly_past_the_dnssec_checks() {
        let applies = [
            State::NoStarttls,
            State::TlsFailed,
            State::OnlyUnusable,
            State::NoMatch,
            State::Authenticated,
            State::NotEvaluated,
        ];
        let not = [
            State::NotPublished,
            State::Ignored,
            State::Bogus,
            State::Indeterminate,
        ];
        for s in applies {
            assert!(s.dane_applies(), "{s:?}");
        }
        for s in not {
            assert!(!s.dane_applies(), "{s:?}");
        }
    }

    #[test]
    fn the_first_of_equally_bad_answers_is_named() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let mut i = base(&recs, None);
        i.mx = Some(DnssecStatus::Insecure);
        i.address = DnssecStatus::Insecure;
        let v = judge(&i);
        assert_eq!(v.state, State::Ignored);
        assert!(v.findings[0].message.contains("the MX answer"), "{v:?}");
        i.mx = Some(DnssecStatus::Secure);
        assert!(judge(&i).findings[0].message.contains("the address answer"));
        // An insecure path without records is simply "not published".
        let mut i = base(&[], None);
        i.mx = Some(DnssecStatus::Insecure);
        let v = judge(&i);
        assert_eq!(
            (v.state, v.delivery),
            (State::NotPublished, Delivery::NoDane)
        );
        assert!(v.findings.is_empty());
        // An indeterminate MX answer is not a failed TLSA lookup: unknown, not deferred.
        let mut i = base(&recs, None);
        i.mx = Some(DnssecStatus::Indeterminate);
        let v = judge(&i);
        assert_eq!(
            (v.state, v.delivery),
            (State::Indeterminate, Delivery::Unknown)
        );
        assert!(v.findings[0].message.contains("the MX answer"), "{v:?}");
    }

    #[test]
    fn records_beyond_the_limit_are_counted() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let m = report(&[(3, M), (3, M)]);
        let mut i = base(&recs, Some(&m));
        assert!(judge(&i).findings.is_empty());
        i.tlsa_dropped = 1;
        let v = judge(&i);
        assert_eq!(ids(&v), ["dane-too-many-records"]);
        assert!(
            v.findings[0].message.starts_with("1 TLSA record(s)"),
            "{v:?}"
        );
        let mut m2 = m.clone();
        m2.skipped_records = 2;
        i.matching = Some(&m2);
        assert!(judge(&i).findings[0]
            .message
            .starts_with("3 TLSA record(s)"));
    }

    #[test]
    fn expiry_and_ttl_boundaries() {
        let recs = [Tlsa::new(3, 1, 1, vec![0; 32])];
        let now = 1_800_000_000_i64;
        let ee = report(&[(3, M), (3, M)]);
        let at = |m: &DaneReport, not_after: i64, ttl: u32| {
            let mut i = base(&recs, Some(m));
            i.leaf_not_after = Some(not_after);
            i.tlsa_ttl = Some(ttl);
            ids(&judge(&i))
        };
        // Expired means not_after before now; at now it is not (yet) expired.
        assert_eq!(at(&ee, now - 1, 0), ["dane-ee-expired"]);
        assert!(at(&ee, now, 0).is_empty());
        // Only a DANE-EE match makes an expired leaf worth a note (DANE-TA checks dates).
        let ta = report(&[(2, M), (2, M)]);
        assert!(at(&ta, now - 1, 0).is_empty());
        // A TTL longer than the remaining validity; equal is fine.
        assert!(at(&ee, now + 300, 300).is_empty());
        assert_eq!(at(&ee, now + 299, 300), ["dane-ttl-exceeds-validity"]);
        assert_eq!(at(&ee, now, 1), ["dane-ttl-exceeds-validity"]);
        assert!(
            at(&ee, now - 1, 300) == ["dane-ee-expired"],
            "expired: no TTL note"
        );
    }

    #[test]
    fn ids_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for id in SenderFindingId::ALL {
            assert!(seen.insert(id.as_str()), "{id:?}");
        }
    }
}
