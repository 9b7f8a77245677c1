//! Explicit bounds on what one audit will look at.
//!
//! A chain comes from the network, so the audit refuses to parse chains beyond these limits and
//! says so in the report ([`crate::TrustClass::LimitExceeded`] and the finding
//! [`crate::FindingId::ChainLimitExceeded`]) instead of spending memory and time on them.

/// Bounds of one audit; [`Limits::default`] gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Limits {
    /// Most certificates in a chain (default [`MAX_CHAIN_LEN`]).
    pub max_chain_len: usize,
    /// Most bytes of all certificates together (default [`MAX_CHAIN_BYTES`]).
    pub max_chain_bytes: usize,
    /// Most bytes of one certificate (default [`MAX_CERT_BYTES`]).
    pub max_cert_bytes: usize,
    /// Most TLSA records evaluated; the rest are counted as skipped (default [`MAX_TLSA_RECORDS`]).
    pub max_tlsa_records: usize,
}

/// Default most certificates in a chain.
pub const MAX_CHAIN_LEN: usize = 16;
/// Default most bytes of a whole chain: 256 KiB.
pub const MAX_CHAIN_BYTES: usize = 256 * 1024;
/// Default most bytes of one certificate: 64 KiB.
pub const MAX_CERT_BYTES: usize = 64 * 1024;
/// Default most TLSA records evaluated.
pub const MAX_TLSA_RECORDS: usize = 64;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_chain_len: MAX_CHAIN_LEN,
            max_chain_bytes: MAX_CHAIN_BYTES,
            max_cert_bytes: MAX_CERT_BYTES,
            max_tlsa_records: MAX_TLSA_RECORDS,
        }
    }
}

/// A chain the audit refused to parse, and which bound it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum LimitError {
    /// More certificates than `max_chain_len`.
    #[error("chain has {count} certificates, more than the limit of {max}")]
    TooManyCertificates {
        /// Certificates presented.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// More bytes in all than `max_chain_bytes`.
    #[error("chain is {size} bytes, more than the limit of {max}")]
    ChainTooLarge {
        /// Total bytes presented.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// One certificate larger than `max_cert_bytes`.
    #[error("certificate {index} is {size} bytes, more than the limit of {max}")]
    CertificateTooLarge {
        /// Position of the certificate in the chain as presented.
        index: usize,
        /// Its size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
}

impl Limits {
    /// Checks a chain (the sizes of its certificates) against these limits, before any parsing.
    pub fn check<I: IntoIterator<Item = usize>>(&self, sizes: I) -> Result<(), LimitError> {
        let mut count = 0usize;
        let mut total = 0usize;
        for (index, size) in sizes.into_iter().enumerate() {
            count = count.saturating_add(1);
            if count > self.max_chain_len {
                // Do not walk an arbitrarily long list just to count it exactly.
                return Err(LimitError::TooManyCertificates {
                    count,
                    max: self.max_chain_len,
                });
            }
            if size > self.max_cert_bytes {
                return Err(LimitError::CertificateTooLarge {
                    index,
                    size,
                    max: self.max_cert_bytes,
                });
            }
            total = total.saturating_add(size);
            if total > self.max_chain_bytes {
                return Err(LimitError::ChainTooLarge {
                    size: total,
                    max: self.max_chain_bytes,
                });
            }
        }
        Ok(())
    }
}
