//! "Does a modern client connect?": a full handshake with rustls, sans-IO.
//!
//! [`RustlsDriver`] wraps a `rustls::ClientConnection` ([`crypto_provider`]: TLS 1.2 and 1.3,
//! every suite and key-exchange group rustls has) configured with
//! [`danger::RecordingVerifier`], which records the presented chain (TLS 1.3 chains included,
//! which the legacy probes cannot see because they are encrypted) and never fails. Certificate
//! judgement is cert-audit's job; this answers whether a modern stack completes a handshake, and
//! with what.

use std::sync::{Arc, OnceLock};

use rustls::client::ClientConnection;
use rustls::pki_types::ServerName;

/// Errors of the rustls driver.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// The server name is neither a DNS name nor an IP address.
    #[error("invalid server name: {0}")]
    ServerName(String),
    /// rustls refused the configuration.
    #[error("rustls configuration: {0}")]
    Config(String),
    /// The handshake failed (alert, protocol error, ...).
    #[error("handshake failed: {0}")]
    Handshake(String),
}

/// The verifier that records and never fails.
pub mod danger {
    use std::sync::Mutex;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{
        verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms,
    };
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};

    /// Records the chain the server presents and accepts it, whatever it is. It also checks the
    /// handshake signature against the leaf key and records the outcome, without failing on it.
    /// Never use it where trust matters.
    #[derive(Debug)]
    pub struct RecordingVerifier {
        chain: Mutex<Vec<Vec<u8>>>,
        ocsp: Mutex<Option<usize>>,
        signature_ok: Mutex<Option<bool>>,
        algorithms: WebPkiSupportedAlgorithms,
    }

    impl RecordingVerifier {
        /// A verifier using `algorithms` for the (recorded, never enforced) signature check.
        pub fn new(algorithms: WebPkiSupportedAlgorithms) -> Self {
            RecordingVerifier {
                chain: Mutex::new(Vec::new()),
                ocsp: Mutex::new(None),
                signature_ok: Mutex::new(None),
                algorithms,
            }
        }

        /// The chain presented (leaf first), DER.
        pub fn chain(&self) -> Vec<Vec<u8>> {
            self.chain.lock().map(|c| c.clone()).unwrap_or_default()
        }

        /// The length of the stapled OCSP response the server sent with its certificate
        /// (`None`: no chain seen yet; `Some(0)`: a chain without a staple).
        pub fn ocsp_staple_len(&self) -> Option<usize> {
            self.ocsp.lock().map(|o| *o).unwrap_or(None)
        }

        /// Whether the handshake signature verified with the leaf key (`None`: not seen).
        pub fn signature_ok(&self) -> Option<bool> {
            self.signature_ok.lock().map(|s| *s).unwrap_or(None)
        }

        fn note_signature(&self, ok: bool) {
            if let Ok(mut s) = self.signature_ok.lock() {
                *s = Some(ok);
            }
        }
    }

    impl ServerCertVerifier for RecordingVerifier {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            if let Ok(mut o) = self.ocsp.lock() {
                *o = Some(ocsp_response.len());
            }
            if let Ok(mut c) = self.chain.lock() {
                *c = std::iter::once(end_entity)
                    .chain(intermediates)
                    .map(|d| d.as_ref().to_vec())
                    .collect();
            }
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.note_signature(
                verify_tls12_signature(message, cert, dss, &self.algorithms).is_ok(),
            );
            Ok(HandshakeSignatureValid::assertion())
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.note_signature(
                verify_tls13_signature(message, cert, dss, &self.algorithms).is_ok(),
            );
            Ok(HandshakeSignatureValid::assertion())
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    }
}

/// A client-certificate "resolver" that has no certificate and records whether the server
/// asked for one (a CertificateRequest in the handshake), and how many CA names it hinted.
#[derive(Debug, Default)]
pub struct ClientCertRecorder {
    requested: std::sync::Mutex<Option<usize>>,
}

impl ClientCertRecorder {
    /// `Some(n)` once the server sent a CertificateRequest naming `n` acceptable CAs.
    pub fn requested(&self) -> Option<usize> {
        self.requested.lock().map(|r| *r).unwrap_or(None)
    }
}

impl rustls::client::ResolvesClientCert for ClientCertRecorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        if let Ok(mut r) = self.requested.lock() {
            *r = Some(root_hint_subjects.len());
        }
        // No certificate: rustls answers with an empty Certificate message, as a sending MTA
        // without a client certificate does.
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

/// What the rustls handshake found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandshakeResult {
    /// Whether the handshake completed.
    pub completed: bool,
    /// Negotiated version (wire value).
    pub version: Option<u16>,
    /// Negotiated suite.
    pub suite: Option<u16>,
    /// Key-exchange group.
    pub group: Option<u16>,
    /// ALPN protocol.
    pub alpn: Option<Vec<u8>>,
    /// Presented chain, leaf first, DER.
    pub chain: Vec<Vec<u8>>,
    /// Whether the handshake signature verified with the leaf key.
    pub signature_ok: Option<bool>,
    /// The server sent a CertificateRequest (asked for a client certificate); `Some(n)` with
    /// the number of acceptable CA names it gave.
    pub client_cert_requested: Option<usize>,
    /// The length of the stapled OCSP response that came with the certificate (rustls asks
    /// for one with status_request): `None` when no certificate was seen, `Some(0)` when the
    /// server stapled nothing.
    pub ocsp_staple_len: Option<usize>,
    /// Why it failed, if it did.
    pub error: Option<DriverError>,
}

/// The key-exchange groups the driver offers, in order: X25519, P-256 and P-384, rustls's
/// `ring::ALL_KX_GROUPS` (the key share is X25519's). With the `aws-lc-kx` feature (on by
/// default) X25519 is aws-lc-rs's: with ring, the client's key share and its agreement were the
/// largest cryptographic cost of a mass scan's handshake, and aws-lc-rs does both in about half
/// of ring's time (BENCHMARKS.md 0.10). The key share stays ephemeral, one per connection, and the
/// ClientHello is the same; only the implementation differs.
pub fn kx_groups() -> Vec<&'static dyn rustls::crypto::SupportedKxGroup> {
    let mut groups = rustls::crypto::ring::ALL_KX_GROUPS.to_vec();
    #[cfg(feature = "aws-lc-kx")]
    for g in groups.iter_mut() {
        if g.name() == rustls::NamedGroup::X25519 {
            *g = rustls::crypto::aws_lc_rs::kx_group::X25519;
        }
    }
    groups
}

/// The cryptography of every [`RustlsDriver`]: ring's provider with every cipher suite rustls has
/// (TLS 1.2 CBC and 1.3 included) and the groups of [`kx_groups`]. Public so that a benchmark's
/// bare handshake (the floor mxray is measured against) does the same cryptography.
///
/// ```
/// let provider = tls_probe::driver::crypto_provider();
/// assert_eq!(provider.kx_groups[0].name(), rustls::NamedGroup::X25519);
/// assert!(provider.cipher_suites.len() > 3);
/// ```
pub fn crypto_provider() -> rustls::crypto::CryptoProvider {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = rustls::crypto::ring::ALL_CIPHER_SUITES.to_vec();
    provider.kx_groups = kx_groups();
    provider
}

/// The client configuration every [`RustlsDriver`] starts from, built once per process:
/// [`crypto_provider`], TLS 1.2 and 1.3, SNI, and no session resumption (each connection gets
/// its own recorders, so a session cache could never be used). Its verifier and
/// client-certificate resolver are placeholders that [`RustlsDriver::new`] replaces.
fn template() -> &'static Result<rustls::ClientConfig, DriverError> {
    static TEMPLATE: OnceLock<Result<rustls::ClientConfig, DriverError>> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let provider = crypto_provider();
        let algorithms = provider.signature_verification_algorithms;
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map_err(|e| DriverError::Config(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(danger::RecordingVerifier::new(algorithms)))
            .with_client_cert_resolver(Arc::new(ClientCertRecorder::default()));
        config.enable_sni = true;
        config.resumption = rustls::client::Resumption::disabled();
        Ok(config)
    })
}

/// A sans-IO rustls client handshake.
#[derive(Debug)]
pub struct RustlsDriver {
    conn: ClientConnection,
    verifier: Arc<danger::RecordingVerifier>,
    client_cert: Arc<ClientCertRecorder>,
    error: Option<DriverError>,
    eof: bool,
}

impl RustlsDriver {
    /// A handshake towards `server_name` (DNS name or IP literal) offering `alpn`.
    pub fn new(server_name: &str, alpn: &[&[u8]]) -> Result<Self, DriverError> {
        let template = match template() {
            Ok(t) => t,
            Err(e) => return Err(e.clone()),
        };
        let verifier = Arc::new(danger::RecordingVerifier::new(
            template.crypto_provider().signature_verification_algorithms,
        ));
        let client_cert = Arc::new(ClientCertRecorder::default());
        // The process's configuration with this connection's recorders: a clone copies a few
        // `Arc`s, where building one per connection made a provider, checked the versions and
        // allocated rustls's default session cache (256 entries) only to drop it.
        let mut config = template.clone();
        config
            .dangerous()
            .set_certificate_verifier(verifier.clone());
        config.client_auth_cert_resolver = client_cert.clone();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let name = ServerName::try_from(server_name.to_string())
            .map_err(|_| DriverError::ServerName(server_name.into()))?;
        let conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| DriverError::Config(e.to_string()))?;
        Ok(RustlsDriver {
            conn,
            verifier,
            client_cert,
            error: None,
            eof: false,
        })
    }

    /// Feeds bytes from the server.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        // The first error is the one kept: nothing after it is read.
        if self.error.is_some() {
            return;
        }
        while !bytes.is_empty() {
            let err = match self.conn.read_tls(&mut bytes) {
                Ok(0) => return,
                Ok(_) => match self.conn.process_new_packets() {
                    Ok(_) => continue,
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            };
            self.error = Some(DriverError::Handshake(err));
            return;
        }
    }

    /// The peer closed the connection.
    pub fn feed_eof(&mut self) {
        self.eof = true;
        if self.conn.is_handshaking() && self.error.is_none() {
            self.error = Some(DriverError::Handshake(
                "connection closed during the handshake".into(),
            ));
        }
    }

    /// Bytes to send now (may be empty).
    pub fn take_outgoing(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut out) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        out
    }

    /// Decrypted application data received after the handshake, at most `max` bytes, drained
    /// from rustls's buffer (which rustls bounds itself). Empty when none is buffered.
    pub fn take_plaintext(&mut self, max: usize) -> Vec<u8> {
        use std::io::Read;
        // What rustls holds decrypted (no new records are read here: `feed` did that), so an
        // empty buffer costs no allocation: the read loops of a mass scan ask after every chunk.
        // After an error, what was decrypted before it is still readable: read as before.
        let buffered = match self.conn.process_new_packets() {
            Ok(io) => io.plaintext_bytes_to_read(),
            Err(_) => max,
        };
        if buffered == 0 {
            return Vec::new();
        }
        let mut out = vec![0u8; max.min(64 * 1024).min(buffered)];
        match self.conn.reader().read(&mut out) {
            Ok(n) => out.truncate(n),
            Err(_) => out.clear(),
        }
        out
    }

    /// Queues application data to send once the handshake is complete; it comes out of
    /// [`RustlsDriver::take_outgoing`], encrypted.
    pub fn send_plaintext(&mut self, data: &[u8]) -> Result<(), DriverError> {
        use std::io::Write;
        self.conn
            .writer()
            .write_all(data)
            .map_err(|e| DriverError::Handshake(e.to_string()))
    }

    /// Whether the handshake (or what came after it) failed: the error [`RustlsDriver::result`]
    /// would report, without copying the chain as `result` does.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Whether the handshake completed without error (as [`RustlsDriver::result`] reports it).
    pub fn completed(&self) -> bool {
        self.error.is_none() && !self.conn.is_handshaking()
    }

    /// Whether the handshake is over (completed or failed).
    pub fn is_done(&self) -> bool {
        self.error.is_some() || self.eof || !self.conn.is_handshaking()
    }

    /// The result.
    pub fn result(&self) -> HandshakeResult {
        HandshakeResult {
            completed: self.completed(),
            version: self.conn.protocol_version().map(u16::from),
            suite: self
                .conn
                .negotiated_cipher_suite()
                .map(|s| u16::from(s.suite())),
            group: self
                .conn
                .negotiated_key_exchange_group()
                .map(|g| u16::from(g.name())),
            alpn: self.conn.alpn_protocol().map(<[u8]>::to_vec),
            chain: self.verifier.chain(),
            signature_ok: self.verifier.signature_ok(),
            client_cert_requested: self.client_cert.requested(),
            ocsp_staple_len: self.verifier.ocsp_staple_len(),
            error: self.error.clone(),
        }
    }
}
