//! Trust anchors: Mozilla's (webpki-roots), a PEM bundle the user names, or the system's bundle.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor};

/// Why a trust store could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The PEM text is malformed.
    #[error("malformed PEM: {0}")]
    Pem(String),
    /// The input holds no certificate usable as a trust anchor.
    #[error("no usable trust anchor in the input ({skipped} certificate(s) skipped)")]
    NoAnchors {
        /// Certificates found but not usable as anchors.
        skipped: usize,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The path tried.
        path: String,
        /// The I/O error.
        reason: String,
    },
}

/// A set of trust anchors for path building.
///
/// `public` says whether the anchors are publicly trusted CAs (webpki-roots, the system store):
/// the CA/Browser Forum rules (398-day validity) are only applied to leaves under a public store.
#[derive(Debug, Clone)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor<'static>>,
    public: bool,
    skipped: usize,
}

/// Paths tried by [`TrustStore::system`], in order (Debian/Ubuntu, Fedora/RHEL, Alpine/openSUSE).
#[cfg(feature = "std")]
pub const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

impl TrustStore {
    /// Mozilla's root store as shipped by `webpki-roots` (public).
    pub fn webpki_roots() -> Self {
        Self {
            anchors: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            public: true,
            skipped: 0,
        }
    }

    /// The trust anchors, for a TLS client that must trust what the audit trusts (the scan's
    /// HTTPS fetch of MTA-STS policies).
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// Anchors from a PEM bundle (non-PEM sections are ignored; certificates that cannot be
    /// anchors are skipped and counted). Not public unless marked with [`TrustStore::with_public`].
    pub fn from_pem(pem: &[u8]) -> Result<Self, StoreError> {
        let mut ders = Vec::new();
        for item in CertificateDer::pem_slice_iter(pem) {
            ders.push(item.map_err(|e| StoreError::Pem(e.to_string()))?);
        }
        Self::from_der_certs(ders.iter().map(|d| d.as_ref()))
    }

    /// Anchors from DER certificates. Not public unless marked with [`TrustStore::with_public`].
    pub fn from_der_certs<'a, I: IntoIterator<Item = &'a [u8]>>(
        certs: I,
    ) -> Result<Self, StoreError> {
        let mut anchors = Vec::new();
        let mut skipped = 0usize;
        for der in certs {
            let cert = CertificateDer::from(der);
            match webpki::anchor_from_trusted_cert(&cert) {
                Ok(anchor) => anchors.push(anchor.to_owned()),
                Err(_) => skipped = skipped.saturating_add(1),
            }
        }
        if anchors.is_empty() {
            return Err(StoreError::NoAnchors { skipped });
        }
        Ok(Self {
            anchors,
            public: false,
            skipped,
        })
    }

    /// Anchors from a PEM file (not public unless marked).
    #[cfg(feature = "std")]
    pub fn from_pem_file<P: AsRef<std::path::Path>>(path: P) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|e| StoreError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_pem(&pem)
    }

    /// The system's PEM bundle: the first of [`SYSTEM_BUNDLES`] that exists (public).
    #[cfg(feature = "std")]
    pub fn system() -> Result<Self, StoreError> {
        let mut last = StoreError::NoAnchors { skipped: 0 };
        for path in SYSTEM_BUNDLES {
            match Self::from_pem_file(path) {
                Ok(store) => return Ok(store.with_public(true)),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Marks the store as holding publicly trusted CAs (or not).
    #[must_use]
    pub fn with_public(mut self, public: bool) -> Self {
        self.public = public;
        self
    }

    /// Whether the anchors are publicly trusted CAs.
    pub fn is_public(&self) -> bool {
        self.public
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether there is no anchor (never true for a store built by this crate).
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// Certificates of the input that could not be used as anchors.
    pub fn skipped(&self) -> usize {
        self.skipped
    }
}
