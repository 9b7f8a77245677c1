//! Findings: what is wrong (or notable) about a chain, as data with stable ids.

use crate::chain::ChainFacts;
use crate::facts::{CertFacts, HashAlgorithm, KeyAlgorithm};
use crate::names::{NameCheck, NameMatch};
use crate::trust::TrustClass;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing, not a weakness.
    Info,
    /// A hygiene problem.
    Low,
    /// A weakness some senders or policies act on.
    Medium,
    /// Authentication fails or is weak.
    High,
    /// Authentication is broken.
    Critical,
}

macro_rules! finding_ids {
    ($($(#[$doc:meta])* $variant:ident => $id:literal,)*) => {
        /// Stable identifier of a finding; its string form ([`FindingId::as_str`], also the serde
        /// form) is kebab-case and never changes meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[non_exhaustive]
        pub enum FindingId {
            $($(#[$doc])* #[cfg_attr(feature = "serde", serde(rename = $id))] $variant,)*
        }

        impl FindingId {
            /// The stable string id.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }

            /// Every id, in declaration order.
            pub const ALL: &'static [FindingId] = &[$(Self::$variant,)*];
        }
    };
}

finding_ids! {
    /// The chain broke a limit and was not parsed.
    ChainLimitExceeded => "chain-limit-exceeded",
    /// The server sent no certificate.
    NoCertificate => "no-certificate",
    /// A certificate does not parse.
    UnparseableCertificate => "unparseable-certificate",
    /// RSA key under 2048 bits.
    WeakRsaKey => "weak-rsa-key",
    /// EC key under 256 bits.
    WeakEcKey => "weak-ec-key",
    /// MD5 (or MD2) signature on a leaf or intermediate.
    Md5Signature => "md5-signature",
    /// SHA-1 signature on a leaf or intermediate.
    Sha1Signature => "sha1-signature",
    /// A certificate is past its notAfter.
    Expired => "expired",
    /// A certificate is before its notBefore.
    NotYetValid => "not-yet-valid",
    /// The leaf expires within 30 days.
    ExpiresSoon => "expires-soon",
    /// The leaf is valid for longer than the CA/B Forum allows for its issuance date
    /// ([`VALIDITY_LIMITS`]); binding for publicly trusted chains, informative for others.
    LongValidity => "long-validity",
    /// The leaf is self-signed.
    SelfSigned => "self-signed",
    /// The leaf is self-issued but its signature could not be checked and its key type cannot
    /// have made it: "self-issued, signature not checked".
    SelfIssued => "self-issued",
    /// The chain ends in a CA the store does not hold.
    UntrustedIssuer => "untrusted-issuer",
    /// The leaf's issuer is missing from the chain.
    IncompleteChain => "incomplete-chain",
    /// A signature on the path does not verify.
    BadSignature => "bad-signature",
    /// Path validation failed for another reason.
    Untrusted => "untrusted",
    /// The leaf names neither the MX host nor the mail domain.
    NameMismatch => "name-mismatch",
    /// The leaf has no subjectAltName name, only a subject CN.
    CnOnly => "cn-only",
    /// The leaf has no name at all.
    NoNames => "no-names",
    /// The leaf has an EKU extension without serverAuth or anyExtendedKeyUsage.
    NoServerAuthEku => "no-server-auth-eku",
    /// The leaf has basicConstraints CA:TRUE.
    CaLeaf => "ca-leaf",
    /// The leaf has a wildcard name.
    Wildcard => "wildcard",
    /// The chain is not in issuing order (or the leaf is not first).
    ChainOrder => "chain-order",
    /// A self-signed root is sent.
    RootSent => "root-sent",
    /// A certificate is sent twice.
    DuplicateCertificate => "duplicate-certificate",
    /// A certificate is on no path from the leaf.
    ExtraCertificate => "extra-certificate",
    /// An X.509 v1 (or v2) certificate.
    V1Certificate => "v1-certificate",
    /// Serial number zero.
    ZeroSerial => "zero-serial",
    /// Negative serial number.
    NegativeSerial => "negative-serial",
    /// TLSA records were given and none matched.
    DaneMismatch => "dane-mismatch",
    /// TLSA records were given but none is usable for SMTP.
    DaneUnusable => "dane-unusable",
    /// The serial number is longer than 20 octets.
    SerialTooLong => "serial-too-long",
    /// A validity time uses the wrong encoding for its year (UTCTime through 2049).
    TimeEncoding => "time-encoding",
    /// A DSA key.
    DsaKey => "dsa-key",
    /// An EC key on a curve other than P-256, P-384 or P-521.
    EcCurveNotAllowed => "ec-curve-not-allowed",
    /// An RSA public exponent that is even, 1, or under 65537.
    RsaExponent => "rsa-exponent",
    /// An RSA modulus whose size is not a multiple of 8 bits.
    RsaModulusSize => "rsa-modulus-size",
    /// An RSA modulus that Fermat's method factors (primes too close).
    RsaClosePrimes => "rsa-close-primes",
    /// The leaf has no subjectAltName extension.
    MissingSan => "missing-san",
    /// The leaf's subject CN is not among its subjectAltName names.
    CnNotInSan => "cn-not-in-san",
    /// A DNS name in the subjectAltName is not a valid host name.
    SanDnsInvalid => "san-dns-invalid",
    /// An IDN A-label in the subjectAltName does not round-trip.
    SanIdnInvalid => "san-idn-invalid",
    /// A DNS name in the subjectAltName ends in an unknown TLD or is a bare public suffix.
    SanBadTld => "san-bad-tld",
    /// A wildcard directly over a public suffix (`*.co.uk`).
    WildcardPublicSuffix => "wildcard-public-suffix",
    /// A reserved IP address in the subjectAltName.
    SanReservedIp => "san-reserved-ip",
    /// subjectAltName entries other than DNS names and IP addresses.
    SanOtherType => "san-other-type",
    /// The leaf's keyUsage allows certificate or CRL signing.
    LeafKeyUsageCa => "leaf-key-usage-ca",
    /// The leaf's keyUsage has usages its key type cannot do.
    KeyUsageMismatch => "key-usage-mismatch",
    /// The leaf has no extendedKeyUsage extension.
    EkuMissing => "eku-missing",
    /// The leaf's extendedKeyUsage has purposes beyond serverAuth and clientAuth.
    EkuExtra => "eku-extra",
    /// The leaf names no CRL and no OCSP responder.
    NoRevocationInfo => "no-revocation-info",
    /// The chain is incomplete and the leaf has no caIssuers URL.
    NoAiaCaIssuers => "no-aia-ca-issuers",
}

impl FindingId {
    /// Where the rule comes from (RFC or CA/B Forum Baseline Requirements section), and why it
    /// matters, in one line.
    pub fn reference(self) -> &'static str {
        use FindingId as F;
        match self {
            F::ChainLimitExceeded => "mxray limits: a chain over them is not audited",
            F::NoCertificate | F::UnparseableCertificate => "RFC 5246 7.4.2 / RFC 8446 4.4.2: the server must present a parseable chain",
            F::WeakRsaKey => "BR 6.1.5: RSA keys of at least 2048 bits",
            F::WeakEcKey | F::EcCurveNotAllowed => "BR 6.1.5: ECDSA on P-256, P-384 or P-521",
            F::Md5Signature | F::Sha1Signature => "BR 7.1.3.2: no MD5 or SHA-1 signatures (collisions forge certificates)",
            F::Expired | F::NotYetValid | F::ExpiresSoon => "RFC 5280 4.1.2.5: validity period",
            F::LongValidity => "BR 6.3.2: maximum validity by issuance date",
            F::SelfSigned | F::SelfIssued | F::UntrustedIssuer | F::IncompleteChain | F::BadSignature | F::Untrusted => "RFC 5280 6 / RFC 7672 / RFC 8461: an authenticating sender needs a valid path to a trusted root",
            F::NameMismatch | F::CnOnly | F::NoNames | F::Wildcard => "RFC 6125 / RFC 7817: the MX host name must be among the leaf's DNS names",
            F::NoServerAuthEku | F::EkuMissing | F::EkuExtra => "BR 7.1.2.7.10: extendedKeyUsage serverAuth (and clientAuth only)",
            F::CaLeaf | F::LeafKeyUsageCa | F::KeyUsageMismatch => "BR 7.1.2.7.11 / RFC 5280 4.2.1.3: key usages fit for a server key",
            F::ChainOrder | F::RootSent | F::DuplicateCertificate | F::ExtraCertificate => "RFC 8446 4.4.2 / RFC 5246 7.4.2: the chain in issuing order, without the root",
            F::V1Certificate => "RFC 5280 4.1.2.1: v3 certificates with extensions",
            F::ZeroSerial | F::NegativeSerial | F::SerialTooLong => "RFC 5280 4.1.2.2: positive serial of at most 20 octets",
            F::DaneMismatch | F::DaneUnusable => "RFC 7672 2.2, 3: TLSA records a DANE sender can use and match",
            F::TimeEncoding => "RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050",
            F::DsaKey => "BR 6.1.5: RSA or ECDSA keys only",
            F::RsaExponent => "BR 6.1.6: odd public exponent, at least 3, should be at least 65537",
            F::RsaModulusSize => "BR 6.1.5: RSA modulus size a multiple of 8 bits",
            F::RsaClosePrimes => "BR 6.1.1.3 (weak keys): moduli with close primes factor by Fermat's method",
            F::MissingSan | F::CnNotInSan => "BR 7.1.2.7.12, 7.1.4.3: names in the subjectAltName, the CN one of them",
            F::SanDnsInvalid | F::SanIdnInvalid => "RFC 1034 3.5 / RFC 5890: preferred name syntax and valid IDNA A-labels",
            F::SanBadTld | F::WildcardPublicSuffix => "BR 3.2.2.6, 7.1.2.7.12: registered names under a public TLD, no wildcard over a public suffix",
            F::SanReservedIp | F::SanOtherType => "BR 7.1.2.7.12: only DNS names and public IP addresses",
            F::NoRevocationInfo => "BR 7.1.2.7.2-3: CRL or OCSP locations so a sender can check revocation",
            F::NoAiaCaIssuers => "RFC 5280 4.2.2.1: caIssuers lets a client fetch a missing intermediate",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Finding {
    /// Stable id.
    pub id: FindingId,
    /// Severity.
    pub severity: Severity,
    /// The certificate concerned (index in the chain as presented), if one.
    pub cert_index: Option<usize>,
    /// Human-readable explanation.
    pub message: String,
}

/// Unix time of 2020-09-01T00:00:00Z, from which the 398-day maximum applies.
pub const LONG_VALIDITY_CUTOFF: i64 = 1_598_918_400;
/// Longest validity, in days, of a publicly trusted leaf issued from 2020-09-01 to 2026-03-14.
pub const MAX_PUBLIC_VALIDITY_DAYS: i64 = 398;

/// The CA/B Forum Baseline Requirements' maximum validity of a server certificate (BR section
/// 6.3.2), by issuance date: `(notBefore from, unix seconds; maximum days)`, in date order. The
/// validity period runs from notBefore through notAfter inclusive (notAfter - notBefore + 1
/// second), and a day is 86,400 seconds: any part of a day more counts as a day.
///
/// 825 days from 2018-03-01, 398 from 2020-09-01 (ballot SC31), then ballot SC-081: 200 from
/// 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15.
pub const VALIDITY_LIMITS: &[(i64, i64)] = &[
    (1_519_862_400, 825),
    (LONG_VALIDITY_CUTOFF, MAX_PUBLIC_VALIDITY_DAYS),
    (1_773_532_800, 200),
    (1_805_068_800, 100),
    (1_868_227_200, 47),
];

/// The maximum validity in days for a certificate issued (notBefore) at `not_before`, if a
/// limit applied then.
///
/// ```
/// use cert_audit::findings::max_validity_days;
/// assert_eq!(max_validity_days(1_598_918_399), Some(825)); // 2020-08-31T23:59:59Z
/// assert_eq!(max_validity_days(1_598_918_400), Some(398)); // 2020-09-01
/// assert_eq!(max_validity_days(1_773_532_800), Some(200)); // 2026-03-15
/// assert_eq!(max_validity_days(1_000_000_000), None);
/// ```
pub fn max_validity_days(not_before: i64) -> Option<i64> {
    VALIDITY_LIMITS
        .iter()
        .rev()
        .find(|(from, _)| not_before >= *from)
        .map(|(_, days)| *days)
}

/// True when a validity from `not_before` to `not_after` (inclusive) is longer than `max_days`.
///
/// ```
/// use cert_audit::findings::validity_exceeds;
/// let day = 86_400;
/// assert!(!validity_exceeds(0, 398 * day - 1, 398)); // exactly 398 days, inclusive
/// assert!(validity_exceeds(0, 398 * day, 398)); // one second more
/// ```
pub fn validity_exceeds(not_before: i64, not_after: i64, max_days: i64) -> bool {
    let inclusive = i128::from(not_after) - i128::from(not_before) + 1;
    inclusive > i128::from(max_days) * 86_400
}
/// "Expires soon" window, seconds.
pub const EXPIRY_WARNING_SECS: i64 = 30 * 86_400;

pub(crate) struct Context<'a> {
    pub(crate) certs: &'a [Option<&'a CertFacts>],
    pub(crate) chain: &'a ChainFacts,
    pub(crate) trust: &'a TrustClass,
    pub(crate) names: &'a NameCheck,
    pub(crate) now: i64,
    pub(crate) public_store: bool,
    /// The presented certificates a sender's path runs through: webpki's validated path when
    /// path building succeeded, else the path by names.
    pub(crate) sender_path: &'a [usize],
}

/// Appends a finding.
pub(crate) fn push(
    out: &mut Vec<Finding>,
    id: FindingId,
    severity: Severity,
    idx: Option<usize>,
    msg: String,
) {
    out.push(Finding {
        id,
        severity,
        cert_index: idx,
        message: msg,
    });
}

pub(crate) fn certificate_findings(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    use FindingId as F;
    use Severity as S;
    let on_path = |i: usize| ctx.sender_path.contains(&i);
    for (i, cert) in ctx.certs.iter().enumerate() {
        let Some(c) = cert else {
            // An unparseable leaf is reported through the trust class (Malformed).
            if i != 0 {
                push(
                    out,
                    F::UnparseableCertificate,
                    S::High,
                    Some(i),
                    format!("certificate {i} does not parse"),
                );
            }
            continue;
        };
        if ctx.chain.duplicates.contains(&i) {
            continue;
        }
        let root = i != 0 && c.self_signed;
        match c.key.algorithm {
            KeyAlgorithm::Rsa if c.key.bits < 2048 => {
                let sev = if c.key.bits < 1024 {
                    S::Critical
                } else {
                    S::High
                };
                push(
                    out,
                    F::WeakRsaKey,
                    sev,
                    Some(i),
                    format!("certificate {i} has a {}-bit RSA key", c.key.bits),
                );
            }
            KeyAlgorithm::Ec if c.key.bits < 256 => {
                push(
                    out,
                    F::WeakEcKey,
                    S::High,
                    Some(i),
                    format!(
                        "certificate {i} has a {}-bit EC key ({})",
                        c.key.bits,
                        c.key.curve.as_deref().unwrap_or("unknown curve")
                    ),
                );
            }
            _ => {}
        }
        // A root's self-signature is never checked by clients: its hash does not matter.
        if !root {
            match c.signature.hash {
                HashAlgorithm::Md5 | HashAlgorithm::Md2 => push(
                    out,
                    F::Md5Signature,
                    S::Critical,
                    Some(i),
                    format!("certificate {i} is signed with {}", c.signature.algorithm),
                ),
                HashAlgorithm::Sha1 => push(
                    out,
                    F::Sha1Signature,
                    S::High,
                    Some(i),
                    format!("certificate {i} is signed with {}", c.signature.algorithm),
                ),
                _ => {}
            }
        }
        // Dates matter for the leaf and for what lies on its path.
        if i == 0 || on_path(i) {
            if ctx.now > c.not_after_unix {
                push(
                    out,
                    F::Expired,
                    S::High,
                    Some(i),
                    format!("certificate {i} expired at {}", c.not_after),
                );
            } else if ctx.now < c.not_before_unix {
                push(
                    out,
                    F::NotYetValid,
                    S::High,
                    Some(i),
                    format!("certificate {i} is not valid before {}", c.not_before),
                );
            } else if i == 0 && c.not_after_unix.saturating_sub(ctx.now) <= EXPIRY_WARNING_SECS {
                push(
                    out,
                    F::ExpiresSoon,
                    S::Medium,
                    Some(i),
                    format!("the leaf expires at {}, within 30 days", c.not_after),
                );
            }
        }
        if c.version < 3 {
            push(
                out,
                F::V1Certificate,
                S::Medium,
                Some(i),
                format!("certificate {i} is X.509 v{}", c.version),
            );
        }
        if c.serial_zero {
            push(
                out,
                F::ZeroSerial,
                S::Low,
                Some(i),
                format!("certificate {i} has serial number 0"),
            );
        } else if c.serial_negative {
            push(
                out,
                F::NegativeSerial,
                S::Low,
                Some(i),
                format!("certificate {i} has a negative serial number"),
            );
        }
    }
}

pub(crate) fn leaf_findings(ctx: &Context<'_>, leaf: &CertFacts, out: &mut Vec<Finding>) {
    use FindingId as F;
    use Severity as S;
    if let Some(max) = max_validity_days(leaf.not_before_unix) {
        if validity_exceeds(leaf.not_before_unix, leaf.not_after_unix, max) {
            let days = leaf.validity_days.saturating_add(1);
            let binding = ctx.public_store && *ctx.trust == TrustClass::Trusted;
            let (severity, whom) = if binding {
                (
                    S::Medium,
                    "publicly trusted: the limit binds its issuer".to_string(),
                )
            } else {
                (
                    S::Low,
                    format!(
                        "{} under this trust store: the limit binds public CAs only",
                        ctx.trust.as_str()
                    ),
                )
            };
            push(
                out,
                F::LongValidity,
                severity,
                Some(0),
                format!(
                    "the leaf is valid for about {days} days, longer than the {max} days the \
                     CA/B Forum allows for certificates issued {} ({whom})",
                    leaf.not_before
                ),
            );
        }
    }
    out.extend(name_mismatch(ctx.names));
    if ctx.names.cn_only {
        push(
            out,
            F::CnOnly,
            S::Medium,
            Some(0),
            format!(
                "the leaf has no subjectAltName name, only CN={}",
                ctx.names.common_name.as_deref().unwrap_or_default()
            ),
        );
    } else if leaf.dns_names.is_empty() && leaf.ip_addresses.is_empty() {
        push(
            out,
            F::NoNames,
            S::Medium,
            Some(0),
            "the leaf names no host at all".to_string(),
        );
    }
    if let Some(eku) = &leaf.extended_key_usage {
        if !eku.server_auth && !eku.any {
            push(
                out,
                F::NoServerAuthEku,
                S::Medium,
                Some(0),
                "the leaf's extendedKeyUsage lacks serverAuth".to_string(),
            );
        }
    }
    if leaf.is_ca {
        push(
            out,
            F::CaLeaf,
            S::Medium,
            Some(0),
            "the leaf has basicConstraints CA:TRUE".to_string(),
        );
    }
    if ctx.names.wildcard {
        push(
            out,
            F::Wildcard,
            S::Info,
            Some(0),
            "the leaf has a wildcard name".to_string(),
        );
    }
}

/// The `name-mismatch` finding of a name check, if it is one.
pub(crate) fn name_mismatch(names: &NameCheck) -> Option<Finding> {
    match names.result {
        NameMatch::Mismatch => Some(Finding {
            id: FindingId::NameMismatch,
            severity: Severity::High,
            cert_index: Some(0),
            message: format!(
                "the leaf names neither the MX host nor the mail domain (names: {})",
                names_text(names)
            ),
        }),
        NameMatch::MxHost | NameMatch::MailDomain | NameMatch::NotChecked => None,
    }
}

fn names_text(names: &NameCheck) -> String {
    let mut all: Vec<String> = names.dns_names.clone();
    all.extend(names.ip_addresses.iter().map(|a| a.to_string()));
    if all.is_empty() {
        if let Some(cn) = &names.common_name {
            return format!("none; CN={cn}");
        }
        return "none".to_string();
    }
    all.join(", ")
}

pub(crate) fn trust_findings(trust: &TrustClass, out: &mut Vec<Finding>) {
    use FindingId as F;
    use Severity as S;
    match trust {
        TrustClass::SelfSigned => push(
            out,
            F::SelfSigned,
            S::High,
            Some(0),
            "the leaf is self-signed".to_string(),
        ),
        TrustClass::SelfIssued => push(
            out,
            F::SelfIssued,
            S::High,
            Some(0),
            "the leaf is self-issued (subject = issuer), signature not checked: its key type \
             cannot have made its signature"
                .to_string(),
        ),
        TrustClass::UnknownIssuer => {
            push(
                out,
                F::UntrustedIssuer,
                S::High,
                None,
                "the chain ends in a CA the trust store does not hold".to_string(),
            );
        }
        TrustClass::IncompleteChain => push(
            out,
            F::IncompleteChain,
            S::High,
            None,
            "an issuer in the chain was neither presented nor in the trust store".to_string(),
        ),
        TrustClass::BadSignature => {
            push(
                out,
                F::BadSignature,
                S::Critical,
                None,
                "a signature on the path does not verify".to_string(),
            );
        }
        TrustClass::Other { reason } => {
            push(
                out,
                F::Untrusted,
                S::High,
                None,
                format!("path validation failed: {reason}"),
            );
        }
        TrustClass::Malformed { reason } => {
            push(
                out,
                F::UnparseableCertificate,
                S::Critical,
                Some(0),
                format!("the leaf does not parse: {reason}"),
            );
        }
        TrustClass::NoCertificate => push(
            out,
            F::NoCertificate,
            S::Critical,
            None,
            "no certificate".to_string(),
        ),
        TrustClass::LimitExceeded { error } => {
            push(
                out,
                F::ChainLimitExceeded,
                S::High,
                None,
                format!("chain not audited: {error}"),
            );
        }
        // Dates have their own per-certificate findings.
        TrustClass::Trusted | TrustClass::Expired | TrustClass::NotYetValid => {}
    }
}

pub(crate) fn chain_findings(chain: &ChainFacts, out: &mut Vec<Finding>) {
    use FindingId as F;
    use Severity as S;
    if chain.leaf_not_first {
        push(
            out,
            F::ChainOrder,
            S::Low,
            Some(0),
            "the first certificate is a CA; the leaf is sent later".to_string(),
        );
    } else if chain.out_of_order {
        push(
            out,
            F::ChainOrder,
            S::Low,
            None,
            format!("certificates not in issuing order (path {:?})", chain.path),
        );
    }
    if let Some(i) = chain.root_sent {
        push(
            out,
            F::RootSent,
            S::Info,
            Some(i),
            format!("the self-signed root is sent (certificate {i})"),
        );
    }
    for &i in &chain.duplicates {
        push(
            out,
            F::DuplicateCertificate,
            S::Low,
            Some(i),
            format!("certificate {i} repeats an earlier one"),
        );
    }
    for &i in &chain.extra {
        push(
            out,
            F::ExtraCertificate,
            S::Low,
            Some(i),
            format!("certificate {i} is not on the leaf's path"),
        );
    }
}

/// The order of a report's findings: worst first, then by id, then by certificate.
pub(crate) fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.id.cmp(&b.id))
            .then(a.cert_index.cmp(&b.cert_index))
    });
}
