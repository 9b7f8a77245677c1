//! The exclusive trust class of a chain.
//!
//! # Precedence
//!
//! Exactly one class is given, decided in this order (the first that applies wins):
//!
//! 1. [`TrustClass::LimitExceeded`], [`TrustClass::NoCertificate`], [`TrustClass::Malformed`]:
//!    nothing sensible can be said about a chain we refused or could not parse (leaf only: a
//!    broken intermediate is a finding, and path building decides whether it mattered).
//! 2. [`TrustClass::SelfSigned`]: the leaf is signed by its own key (see
//!    [`crate::SelfSignature`] for how that is told when the signature cannot be checked). This
//!    is what senders and the studies count first, whatever else is wrong with it. A leaf that is
//!    self-issued but whose key type cannot have made its signature is
//!    [`TrustClass::SelfIssued`] ("self-issued, signature not checked") instead.
//! 3. [`TrustClass::Expired`] / [`TrustClass::NotYetValid`]: the leaf's own dates at `now`.
//! 4. Path building with rustls-webpki against the store, with the presented certificates after
//!    the first as intermediates, for server authentication at `now`:
//!    success is [`TrustClass::Trusted`]; `UnknownIssuer` becomes [`TrustClass::UnknownIssuer`]
//!    when the path through the presented certificates ends in a self-signed certificate (a root
//!    the store does not hold) and [`TrustClass::IncompleteChain`] when it ends in a certificate
//!    whose issuer was not presented (whether that issuer is a missing intermediate or an unknown
//!    root cannot be told from the data; a missing intermediate is by far the common case);
//!    an expired or not-yet-valid intermediate gives `Expired` / `NotYetValid`; a signature that
//!    does not verify gives [`TrustClass::BadSignature`]; any other error (unsupported signature
//!    algorithm such as SHA-1, CA certificate as leaf, missing serverAuth, v1 certificate...)
//!    gives [`TrustClass::Other`] with webpki's reason.

use rustls_pki_types::{CertificateDer, UnixTime};

use crate::chain::ChainFacts;
use crate::facts::Parsed;
use crate::limits::LimitError;
use crate::store::TrustStore;

/// How a sender that validates certificates would see the chain. See the module docs for the
/// precedence between classes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "class", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TrustClass {
    /// A valid path to a trust anchor of the store.
    Trusted,
    /// The leaf is self-signed.
    SelfSigned,
    /// The leaf is self-issued (subject = issuer), but its signature could not be checked and
    /// its key type cannot have made it: not claimed as self-signed (see
    /// [`crate::SelfSignature::Unchecked`]).
    SelfIssued,
    /// The path ends in a (self-signed) CA the store does not hold.
    UnknownIssuer,
    /// The leaf's (or an intermediate's) issuer was neither presented nor in the store.
    IncompleteChain,
    /// The leaf (or an intermediate on the path) is past its notAfter.
    Expired,
    /// The leaf (or an intermediate on the path) is before its notBefore.
    NotYetValid,
    /// A signature on the path does not verify.
    BadSignature,
    /// Path building failed for another reason.
    Other {
        /// webpki's error as a short kebab-case name (`unsupported-signature-algorithm`,
        /// `ca-used-as-end-entity`, `required-eku-not-found`, `unsupported-cert-version`...).
        reason: String,
    },
    /// The leaf could not be parsed.
    Malformed {
        /// x509-parser's error.
        reason: String,
    },
    /// The server presented no certificate.
    NoCertificate,
    /// The chain broke a limit and was not parsed.
    LimitExceeded {
        /// Which limit.
        error: LimitError,
    },
}

impl TrustClass {
    /// A stable snake_case name of the class (the `class` tag of the serde form).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Trusted => "trusted",
            Self::SelfSigned => "self_signed",
            Self::SelfIssued => "self_issued",
            Self::UnknownIssuer => "unknown_issuer",
            Self::IncompleteChain => "incomplete_chain",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::BadSignature => "bad_signature",
            Self::Other { .. } => "other",
            Self::Malformed { .. } => "malformed",
            Self::NoCertificate => "no_certificate",
            Self::LimitExceeded { .. } => "limit_exceeded",
        }
    }
}

/// Verifies `leaf` with `intermediates` against `anchors` for server authentication at `now`;
/// on success, the DER of the intermediates on the path webpki built, leaf side first.
pub(crate) fn webpki_verify(
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[rustls_pki_types::TrustAnchor<'_>],
    now: u64,
) -> Result<Vec<Vec<u8>>, webpki::Error> {
    let ee = webpki::EndEntityCert::try_from(leaf)?;
    let time = UnixTime::since_unix_epoch(core::time::Duration::from_secs(now));
    let path = ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        anchors,
        intermediates,
        time,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )?;
    Ok(path
        .intermediate_certificates()
        .map(|c| c.der().as_ref().to_vec())
        .collect())
}

/// The presented certificates (indices) that form the path a validating sender built: the leaf,
/// then each intermediate of webpki's path, found among the presented certificates by its DER.
fn presented_indices(ders: &[&[u8]], path: &[Vec<u8>]) -> Vec<usize> {
    let mut out = vec![0usize];
    for der in path {
        if let Some(i) = ders
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, d)| **d == der.as_slice())
            .map(|(i, _)| i)
        {
            out.push(i);
        }
    }
    out
}

/// The presented certificates after the first that parse: an unparseable one cannot help a
/// path, and handing it to webpki would turn a missing issuer into a DER error.
pub(crate) fn parseable_intermediates<'a>(
    ders: &[&'a [u8]],
    parsed: &[Option<&Parsed>],
) -> Vec<CertificateDer<'a>> {
    ders.iter()
        .zip(parsed)
        .skip(1)
        .filter(|(_, p)| p.is_some())
        .map(|(d, _)| CertificateDer::from(*d))
        .collect()
}

/// Classifies a chain whose leaf parsed (steps 2-4 of the precedence), with the presented
/// certificates (indices) of the path a validating sender built when path building succeeded.
pub(crate) fn classify(
    ders: &[&[u8]],
    leaf: &Parsed,
    parsed: &[Option<&Parsed>],
    chain: &ChainFacts,
    store: &TrustStore,
    now: u64,
) -> (TrustClass, Option<Vec<usize>>) {
    if leaf.facts.self_signed {
        return (TrustClass::SelfSigned, None);
    }
    if leaf.facts.self_signature == crate::facts::SelfSignature::Unchecked {
        return (TrustClass::SelfIssued, None);
    }
    let now_i = i64::try_from(now).unwrap_or(i64::MAX);
    if now_i > leaf.facts.not_after_unix {
        return (TrustClass::Expired, None);
    }
    if now_i < leaf.facts.not_before_unix {
        return (TrustClass::NotYetValid, None);
    }
    let Some(first) = ders.first() else {
        return (TrustClass::NoCertificate, None);
    };
    let leaf_der = CertificateDer::from(*first);
    let intermediates = parseable_intermediates(ders, parsed);
    match webpki_verify(&leaf_der, &intermediates, store.anchors(), now) {
        Ok(path) => (TrustClass::Trusted, Some(presented_indices(ders, &path))),
        Err(e) => (map_error(&e, parsed, chain), None),
    }
}

fn map_error(e: &webpki::Error, parsed: &[Option<&Parsed>], chain: &ChainFacts) -> TrustClass {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer => {
            let top = chain.path.last().copied().unwrap_or(0);
            let top_self_signed = top != 0
                && parsed
                    .get(top)
                    .copied()
                    .flatten()
                    .is_some_and(|p| p.facts.self_signed);
            if top_self_signed {
                TrustClass::UnknownIssuer
            } else {
                TrustClass::IncompleteChain
            }
        }
        E::CertExpired { .. } => TrustClass::Expired,
        E::CertNotValidYet { .. } => TrustClass::NotYetValid,
        E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => TrustClass::BadSignature,
        other => TrustClass::Other {
            reason: error_name(other),
        },
    }
}

/// A webpki error as a short, stable kebab-case name: the variant name without its context
/// (`UnsupportedSignatureAlgorithmContext(..)` -> `unsupported-signature-algorithm`).
pub(crate) fn error_name(e: &webpki::Error) -> String {
    let debug = format!("{e:?}");
    let variant: String = debug
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let variant = variant.strip_suffix("Context").unwrap_or(&variant);
    let mut out = String::with_capacity(variant.len().saturating_add(8));
    for (i, c) in variant.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i != 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::error_name;

    #[test]
    fn error_names_are_short_kebab_case() {
        assert_eq!(
            error_name(&webpki::Error::CaUsedAsEndEntity),
            "ca-used-as-end-entity"
        );
        assert_eq!(error_name(&webpki::Error::UnknownIssuer), "unknown-issuer");
        assert_eq!(error_name(&webpki::Error::BadDer), "bad-der");
    }
}
