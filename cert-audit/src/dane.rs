//! DANE for SMTP (RFC 7672): TLSA records matched against the presented chain.
//!
//! - DANE-EE(3): the leaf's certificate (selector 0) or SubjectPublicKeyInfo (selector 1), raw
//!   or hashed, equals the record; names and dates are ignored (RFC 7672 section 3.1.1).
//! - DANE-TA(2): some presented certificate after the leaf matches the record; it becomes the
//!   only trust anchor, the leaf must chain to it (webpki: signatures, dates, server usage) and
//!   the leaf must name the MX host or the mail domain (RFC 7672 sections 3.1.2 and 3.2.3).
//! - PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (RFC 7672 section 3.1.3), as are unknown
//!   usages, selectors and matching types (RFC 6698 / RFC 7671 section 4).
//! - Malformed: a digest whose length does not fit its matching type, or empty data.

use sha2::{Digest, Sha256, Sha512};

use crate::facts::Parsed;
use crate::names::NameMatch;

/// One TLSA record (RFC 6698): certificate usage, selector, matching type, association data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Tlsa {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// Selector: 0 full certificate, 1 SubjectPublicKeyInfo.
    pub selector: u8,
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching_type: u8,
    /// Certificate association data.
    pub data: Vec<u8>,
}

/// A TLSA RDATA too short to hold the three one-byte fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TLSA RDATA of {len} byte(s) is shorter than 3")]
pub struct TlsaRdataError {
    /// The length received.
    pub len: usize,
}

impl Tlsa {
    /// A record from its fields.
    pub fn new(usage: u8, selector: u8, matching_type: u8, data: Vec<u8>) -> Self {
        Self {
            usage,
            selector,
            matching_type,
            data,
        }
    }

    /// Decodes wire-format RDATA (usage, selector, matching type, data).
    pub fn from_rdata(rdata: &[u8]) -> Result<Self, TlsaRdataError> {
        match rdata {
            [usage, selector, matching_type, data @ ..] => {
                Ok(Self::new(*usage, *selector, *matching_type, data.to_vec()))
            }
            _ => Err(TlsaRdataError { len: rdata.len() }),
        }
    }

    /// Encodes wire-format RDATA.
    pub fn to_rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len().saturating_add(3));
        out.extend_from_slice(&[self.usage, self.selector, self.matching_type]);
        out.extend_from_slice(&self.data);
        out
    }

    /// The association data `cert` (DER) and its SPKI would need for this record's selector and
    /// matching type; `None` for unknown selector or matching type.
    fn association(&self, cert_der: &[u8], spki_der: &[u8]) -> Option<Vec<u8>> {
        let selected = match self.selector {
            0 => cert_der,
            1 => spki_der,
            _ => return None,
        };
        match self.matching_type {
            0 => Some(selected.to_vec()),
            1 => Some(Sha256::digest(selected).to_vec()),
            2 => Some(Sha512::digest(selected).to_vec()),
            _ => None,
        }
    }
}

/// The outcome of one TLSA record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "outcome", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum DaneOutcome {
    /// The record authenticates the server; `cert_index` is the certificate it matched.
    Match {
        /// Index in the chain as presented.
        cert_index: usize,
    },
    /// The record is usable but does not authenticate the chain.
    NoMatch {
        /// Why.
        reason: String,
    },
    /// The record cannot be used for SMTP.
    Unusable {
        /// Why.
        reason: String,
    },
    /// The record is malformed.
    Malformed {
        /// Why.
        reason: String,
    },
}

/// One record's result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DaneRecordResult {
    /// Position of the record in the input.
    pub index: usize,
    /// Its usage.
    pub usage: u8,
    /// Its selector.
    pub selector: u8,
    /// Its matching type.
    pub matching_type: u8,
    /// The outcome.
    pub outcome: DaneOutcome,
}

/// DANE results for the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DaneReport {
    /// One result per evaluated record, in input order.
    pub records: Vec<DaneRecordResult>,
    /// Records beyond the limit, not evaluated.
    pub skipped_records: usize,
    /// Records usable for SMTP (not Unusable, not Malformed).
    pub usable_records: usize,
    /// Some record matched: the server is DANE-authenticated.
    pub authenticated: bool,
}

pub(crate) struct DaneChain<'a> {
    pub(crate) ders: &'a [&'a [u8]],
    pub(crate) parsed: &'a [Option<&'a Parsed>],
    pub(crate) names: NameMatch,
    pub(crate) now: u64,
}

fn unusable(reason: &str) -> DaneOutcome {
    DaneOutcome::Unusable {
        reason: reason.to_string(),
    }
}

fn evaluate(rec: &Tlsa, chain: &DaneChain<'_>) -> DaneOutcome {
    match rec.usage {
        0 | 1 => {
            return unusable(
                "PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (RFC 7672 section 3.1.3)",
            )
        }
        2 | 3 => {}
        u => {
            return DaneOutcome::Unusable {
                reason: format!("unknown certificate usage {u}"),
            }
        }
    }
    if rec.selector > 1 {
        return DaneOutcome::Unusable {
            reason: format!("unknown selector {}", rec.selector),
        };
    }
    let want_len = match rec.matching_type {
        0 => None,
        1 => Some(32),
        2 => Some(64),
        m => {
            return DaneOutcome::Unusable {
                reason: format!("unknown matching type {m}"),
            }
        }
    };
    if rec.data.is_empty() {
        return DaneOutcome::Malformed {
            reason: "empty association data".to_string(),
        };
    }
    if let Some(n) = want_len {
        if rec.data.len() != n {
            return DaneOutcome::Malformed {
                reason: format!(
                    "matching type {} needs {n} bytes, got {}",
                    rec.matching_type,
                    rec.data.len()
                ),
            };
        }
    }
    let matches = |i: usize| -> bool {
        let (Some(der), Some(Some(p))) = (chain.ders.get(i), chain.parsed.get(i)) else {
            return false;
        };
        rec.association(der, &p.spki_der)
            .is_some_and(|a| a == rec.data)
    };
    if rec.usage == 3 {
        return if matches(0) {
            DaneOutcome::Match { cert_index: 0 }
        } else {
            DaneOutcome::NoMatch {
                reason: "the leaf does not match".to_string(),
            }
        };
    }
    // DANE-TA: the anchor must be presented (after the leaf).
    let Some(ta) = (1..chain.ders.len()).find(|i| matches(*i)) else {
        return DaneOutcome::NoMatch {
            reason: "no presented certificate after the leaf matches".to_string(),
        };
    };
    let (Some(leaf), Some(ta_der)) = (chain.ders.first(), chain.ders.get(ta)) else {
        return DaneOutcome::NoMatch {
            reason: "no leaf".to_string(),
        };
    };
    let ta_cert = rustls_pki_types::CertificateDer::from(*ta_der);
    let anchor = match webpki::anchor_from_trusted_cert(&ta_cert) {
        Ok(a) => a,
        Err(e) => {
            return DaneOutcome::NoMatch {
                reason: format!(
                    "certificate {ta} cannot be a trust anchor: {}",
                    crate::trust::error_name(&e)
                ),
            }
        }
    };
    let intermediates = crate::trust::parseable_intermediates(chain.ders, chain.parsed);
    let leaf_cert = rustls_pki_types::CertificateDer::from(*leaf);
    if let Err(e) = crate::trust::webpki_verify(&leaf_cert, &intermediates, &[anchor], chain.now) {
        return DaneOutcome::NoMatch {
            reason: format!(
                "certificate {ta} matches but the leaf does not chain to it: {}",
                crate::trust::error_name(&e)
            ),
        };
    }
    match chain.names {
        NameMatch::MxHost | NameMatch::MailDomain => DaneOutcome::Match { cert_index: ta },
        NameMatch::Mismatch | NameMatch::NotChecked => DaneOutcome::NoMatch {
            reason: format!("certificate {ta} anchors the chain but the leaf names neither the MX host nor the domain"),
        },
    }
}

pub(crate) fn evaluate_all(
    records: &[Tlsa],
    max: usize,
    chain: Option<&DaneChain<'_>>,
) -> DaneReport {
    let mut out = Vec::new();
    for (index, rec) in records.iter().take(max).enumerate() {
        let outcome = match chain {
            Some(c) => evaluate(rec, c),
            None => {
                unusable("the chain was not audited (limit, no certificate or unparseable leaf)")
            }
        };
        out.push(DaneRecordResult {
            index,
            usage: rec.usage,
            selector: rec.selector,
            matching_type: rec.matching_type,
            outcome,
        });
    }
    let usable_records = out
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                DaneOutcome::Match { .. } | DaneOutcome::NoMatch { .. }
            )
        })
        .count();
    let authenticated = out
        .iter()
        .any(|r| matches!(r.outcome, DaneOutcome::Match { .. }));
    DaneReport {
        records: out,
        skipped_records: records.len().saturating_sub(max),
        usable_records,
        authenticated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn rdata_roundtrip(u in any::<u8>(), s in any::<u8>(), m in any::<u8>(), data in proptest::collection::vec(any::<u8>(), 0..80)) {
            let t = Tlsa::new(u, s, m, data);
            prop_assert_eq!(Tlsa::from_rdata(&t.to_rdata()), Ok(t));
        }

        #[test]
        fn rdata_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..10)) {
            match Tlsa::from_rdata(&bytes) {
                Ok(t) => prop_assert_eq!(t.to_rdata(), bytes),
                Err(e) => prop_assert!(bytes.len() < 3 && e.len == bytes.len()),
            }
        }
    }
}
