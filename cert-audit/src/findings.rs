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
    /// A publicly trusted leaf issued after 2020-09-01 is valid for more than 398 days.
    LongValidity => "long-validity",
    /// The leaf is self-signed.
    SelfSigned => "self-signed",
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
/// Longest validity, in days, of a publicly trusted leaf issued after the cutoff.
pub const MAX_PUBLIC_VALIDITY_DAYS: i64 = 398;
/// "Expires soon" window, seconds.
pub const EXPIRY_WARNING_SECS: i64 = 30 * 86_400;

pub(crate) struct Context<'a> {
    pub(crate) certs: &'a [Option<&'a CertFacts>],
    pub(crate) chain: &'a ChainFacts,
    pub(crate) trust: &'a TrustClass,
    pub(crate) names: &'a NameCheck,
    pub(crate) now: i64,
    pub(crate) public_store: bool,
}

fn push(
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
    let on_path = |i: usize| ctx.chain.path.contains(&i);
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
    if ctx.public_store
        && *ctx.trust == TrustClass::Trusted
        && leaf.not_before_unix >= LONG_VALIDITY_CUTOFF
        && leaf.validity_days > MAX_PUBLIC_VALIDITY_DAYS
    {
        push(
            out,
            F::LongValidity,
            S::Medium,
            Some(0),
            format!(
                "publicly trusted leaf valid for {} days (max {MAX_PUBLIC_VALIDITY_DAYS})",
                leaf.validity_days
            ),
        );
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
