//! A fully controlled ClientHello: builder, encoder and parser, plus the SSLv2 CLIENT-HELLO.
//!
//! rustls (rightly) refuses to offer legacy versions and suites, so every probe that asks a server
//! about SSLv3, RC4, export suites, weak DH or odd extensions goes through this encoder, which
//! writes any version, any suite id (SCSVs and GREASE included) and any extension.
//!
//! # Key shares
//!
//! TLS 1.3 servers answer a ClientHello only if its key shares are valid points. We never finish
//! the handshake, so any valid public key will do, and the crate carries two constants instead of
//! curve arithmetic: [`X25519_PUBLIC`], Alice's public key from the RFC 7748 §6.1 test vector,
//! and [`P256_GENERATOR`], the generator point G of P-256 (SEC 2) in uncompressed form, which is
//! on the curve and not the identity, so servers accept it as a peer key.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{BuildError, HelloParseError};
use crate::wire::{self, put_u16, put_vec16, put_vec8, Reader};

/// Named groups (IANA "TLS Supported Groups").
pub mod groups {
    /// secp256r1 (P-256).
    pub const SECP256R1: u16 = 0x0017;
    /// secp384r1 (P-384).
    pub const SECP384R1: u16 = 0x0018;
    /// secp521r1 (P-521).
    pub const SECP521R1: u16 = 0x0019;
    /// x25519.
    pub const X25519: u16 = 0x001d;
    /// x448.
    pub const X448: u16 = 0x001e;
    /// brainpoolP256r1 (TLS 1.2).
    pub const BRAINPOOLP256R1: u16 = 0x001a;
    /// brainpoolP384r1 (TLS 1.2).
    pub const BRAINPOOLP384R1: u16 = 0x001b;
    /// brainpoolP512r1 (TLS 1.2).
    pub const BRAINPOOLP512R1: u16 = 0x001c;
    /// secp256k1.
    pub const SECP256K1: u16 = 0x0016;
    /// secp224r1.
    pub const SECP224R1: u16 = 0x0015;
    /// secp192r1.
    pub const SECP192R1: u16 = 0x0013;
    /// ffdhe2048 (RFC 7919).
    pub const FFDHE2048: u16 = 0x0100;
    /// ffdhe3072.
    pub const FFDHE3072: u16 = 0x0101;
    /// ffdhe4096.
    pub const FFDHE4096: u16 = 0x0102;
    /// ffdhe6144.
    pub const FFDHE6144: u16 = 0x0103;
    /// ffdhe8192.
    pub const FFDHE8192: u16 = 0x0104;
    /// SecP256r1MLKEM768 (hybrid post-quantum).
    pub const SECP256R1MLKEM768: u16 = 0x11eb;
    /// X25519MLKEM768 (hybrid post-quantum).
    pub const X25519MLKEM768: u16 = 0x11ec;
    /// SecP384r1MLKEM1024 (hybrid post-quantum).
    pub const SECP384R1MLKEM1024: u16 = 0x11ed;
    /// X25519Kyber768Draft00 (obsolete hybrid).
    pub const X25519KYBER768DRAFT00: u16 = 0x6399;

    /// Elliptic-curve groups usable with TLS ≤ 1.2 ECDHE, in our offering order.
    pub const EC_TLS12: &[u16] = &[
        X25519,
        SECP256R1,
        SECP384R1,
        SECP521R1,
        X448,
        BRAINPOOLP256R1,
        BRAINPOOLP384R1,
        BRAINPOOLP512R1,
        SECP256K1,
        SECP224R1,
        SECP192R1,
    ];
    /// Finite-field groups.
    pub const FFDHE: &[u16] = &[FFDHE2048, FFDHE3072, FFDHE4096, FFDHE6144, FFDHE8192];
    /// Every group the group probe asks about.
    pub const ALL: &[u16] = &[
        X25519,
        SECP256R1,
        SECP384R1,
        SECP521R1,
        X448,
        BRAINPOOLP256R1,
        BRAINPOOLP384R1,
        BRAINPOOLP512R1,
        SECP256K1,
        SECP224R1,
        SECP192R1,
        FFDHE2048,
        FFDHE3072,
        FFDHE4096,
        FFDHE6144,
        FFDHE8192,
        X25519MLKEM768,
        SECP256R1MLKEM768,
        SECP384R1MLKEM1024,
        X25519KYBER768DRAFT00,
    ];

    /// A readable name for a group id.
    pub fn name(g: u16) -> Option<&'static str> {
        Some(match g {
            SECP256R1 => "secp256r1",
            SECP384R1 => "secp384r1",
            SECP521R1 => "secp521r1",
            X25519 => "x25519",
            X448 => "x448",
            BRAINPOOLP256R1 => "brainpoolP256r1",
            BRAINPOOLP384R1 => "brainpoolP384r1",
            BRAINPOOLP512R1 => "brainpoolP512r1",
            SECP256K1 => "secp256k1",
            SECP224R1 => "secp224r1",
            SECP192R1 => "secp192r1",
            FFDHE2048 => "ffdhe2048",
            FFDHE3072 => "ffdhe3072",
            FFDHE4096 => "ffdhe4096",
            FFDHE6144 => "ffdhe6144",
            FFDHE8192 => "ffdhe8192",
            SECP256R1MLKEM768 => "SecP256r1MLKEM768",
            X25519MLKEM768 => "X25519MLKEM768",
            SECP384R1MLKEM1024 => "SecP384r1MLKEM1024",
            X25519KYBER768DRAFT00 => "X25519Kyber768Draft00",
            _ => return None,
        })
    }
}

/// Signature schemes (IANA "TLS SignatureScheme"; TLS 1.2 hash/signature pairs share the space).
pub mod sigalgs {
    /// Every scheme the signature-algorithm probe asks about, modern first.
    pub const ALL: &[u16] = &[
        0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b,
        0x0401, 0x0501, 0x0601, 0x081a, 0x081b, 0x081c, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502,
        0x0602, 0x0203, 0x0201, 0x0202, 0x0101, 0x0102, 0x0103,
    ];

    /// A readable name for a scheme.
    pub fn name(s: u16) -> Option<&'static str> {
        Some(match s {
            0x0401 => "rsa_pkcs1_sha256",
            0x0501 => "rsa_pkcs1_sha384",
            0x0601 => "rsa_pkcs1_sha512",
            0x0403 => "ecdsa_secp256r1_sha256",
            0x0503 => "ecdsa_secp384r1_sha384",
            0x0603 => "ecdsa_secp521r1_sha512",
            0x0804 => "rsa_pss_rsae_sha256",
            0x0805 => "rsa_pss_rsae_sha384",
            0x0806 => "rsa_pss_rsae_sha512",
            0x0807 => "ed25519",
            0x0808 => "ed448",
            0x0809 => "rsa_pss_pss_sha256",
            0x080a => "rsa_pss_pss_sha384",
            0x080b => "rsa_pss_pss_sha512",
            0x081a => "ecdsa_brainpoolP256r1tls13_sha256",
            0x081b => "ecdsa_brainpoolP384r1tls13_sha384",
            0x081c => "ecdsa_brainpoolP512r1tls13_sha512",
            0x0201 => "rsa_pkcs1_sha1",
            0x0202 => "dsa_sha1",
            0x0203 => "ecdsa_sha1",
            0x0301 => "rsa_sha224",
            0x0302 => "dsa_sha224",
            0x0303 => "ecdsa_sha224",
            0x0402 => "dsa_sha256",
            0x0502 => "dsa_sha384",
            0x0602 => "dsa_sha512",
            0x0101 => "rsa_md5",
            0x0102 => "dsa_md5",
            0x0103 => "ecdsa_md5",
            _ => return None,
        })
    }
}

/// Extension type codes.
pub mod ext {
    /// server_name.
    pub const SERVER_NAME: u16 = 0;
    /// status_request (OCSP stapling).
    pub const STATUS_REQUEST: u16 = 5;
    /// supported_groups.
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// ec_point_formats.
    pub const EC_POINT_FORMATS: u16 = 11;
    /// signature_algorithms.
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// heartbeat.
    pub const HEARTBEAT: u16 = 15;
    /// application_layer_protocol_negotiation.
    pub const ALPN: u16 = 16;
    /// padding.
    pub const PADDING: u16 = 21;
    /// encrypt_then_mac.
    pub const ENCRYPT_THEN_MAC: u16 = 22;
    /// extended_master_secret.
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    /// session_ticket.
    pub const SESSION_TICKET: u16 = 35;
    /// supported_versions.
    pub const SUPPORTED_VERSIONS: u16 = 43;
    /// psk_key_exchange_modes.
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
    /// key_share.
    pub const KEY_SHARE: u16 = 51;
    /// renegotiation_info.
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

/// X25519 public key of the RFC 7748 §6.1 test vector (Alice): a valid share that servers accept.
pub const X25519_PUBLIC: [u8; 32] = [
    0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
    0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
];

/// The P-256 generator point G, uncompressed (`04 || x || y`): a valid point, usable as a key share.
pub const P256_GENERATOR: [u8; 65] = [
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
    0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2,
    0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e,
    0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51,
    0xf5,
];

/// A key share entry: group and public key bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// Named group.
    pub group: u16,
    /// Public key bytes.
    pub key: Vec<u8>,
}

impl KeyShareEntry {
    /// A valid X25519 share ([`X25519_PUBLIC`]).
    pub fn x25519() -> Self {
        KeyShareEntry {
            group: groups::X25519,
            key: X25519_PUBLIC.to_vec(),
        }
    }

    /// A valid P-256 share ([`P256_GENERATOR`]).
    pub fn secp256r1() -> Self {
        KeyShareEntry {
            group: groups::SECP256R1,
            key: P256_GENERATOR.to_vec(),
        }
    }

    /// The built-in valid share for `group`, if we have one (x25519, secp256r1).
    pub fn for_group(group: u16) -> Option<Self> {
        match group {
            groups::X25519 => Some(Self::x25519()),
            groups::SECP256R1 => Some(Self::secp256r1()),
            _ => None,
        }
    }
}

/// A ClientHello extension.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extension {
    /// server_name with one host name.
    ServerName(String),
    /// supported_groups.
    SupportedGroups(Vec<u16>),
    /// ec_point_formats.
    EcPointFormats(Vec<u8>),
    /// signature_algorithms.
    SignatureAlgorithms(Vec<u16>),
    /// supported_versions (client form: a list).
    SupportedVersions(Vec<u16>),
    /// key_share (client form: a list of shares).
    KeyShare(Vec<KeyShareEntry>),
    /// psk_key_exchange_modes.
    PskKeyExchangeModes(Vec<u8>),
    /// renegotiation_info with its renegotiated_connection bytes (empty on a first handshake).
    RenegotiationInfo(Vec<u8>),
    /// session_ticket (empty: "I support tickets").
    SessionTicket(Vec<u8>),
    /// status_request for OCSP with no responder ids and no extensions.
    StatusRequest,
    /// heartbeat with its mode (1 = peer allowed to send).
    Heartbeat(u8),
    /// extended_master_secret.
    ExtendedMasterSecret,
    /// encrypt_then_mac.
    EncryptThenMac,
    /// ALPN protocol names.
    Alpn(Vec<Vec<u8>>),
    /// padding of this many zero bytes.
    Padding(usize),
    /// Any other extension, sent as given (GREASE, unknown code points).
    Raw {
        /// Extension type.
        typ: u16,
        /// Extension data.
        data: Vec<u8>,
    },
}

impl Extension {
    /// The extension type code.
    pub fn typ(&self) -> u16 {
        match self {
            Extension::ServerName(_) => ext::SERVER_NAME,
            Extension::SupportedGroups(_) => ext::SUPPORTED_GROUPS,
            Extension::EcPointFormats(_) => ext::EC_POINT_FORMATS,
            Extension::SignatureAlgorithms(_) => ext::SIGNATURE_ALGORITHMS,
            Extension::SupportedVersions(_) => ext::SUPPORTED_VERSIONS,
            Extension::KeyShare(_) => ext::KEY_SHARE,
            Extension::PskKeyExchangeModes(_) => ext::PSK_KEY_EXCHANGE_MODES,
            Extension::RenegotiationInfo(_) => ext::RENEGOTIATION_INFO,
            Extension::SessionTicket(_) => ext::SESSION_TICKET,
            Extension::StatusRequest => ext::STATUS_REQUEST,
            Extension::Heartbeat(_) => ext::HEARTBEAT,
            Extension::ExtendedMasterSecret => ext::EXTENDED_MASTER_SECRET,
            Extension::EncryptThenMac => ext::ENCRYPT_THEN_MAC,
            Extension::Alpn(_) => ext::ALPN,
            Extension::Padding(_) => ext::PADDING,
            Extension::Raw { typ, .. } => *typ,
        }
    }

    /// Appends the extension (type, length, body) to `out`.
    fn write(&self, out: &mut Vec<u8>) -> Result<(), BuildError> {
        put_u16(out, self.typ());
        let ext = wire::begin(out, 2);
        self.write_body(out)?;
        ext.end(out).map_err(|_| BuildError::TooLong("extension"))
    }

    fn write_body(&self, b: &mut Vec<u8>) -> Result<(), BuildError> {
        let too_long = |_| BuildError::TooLong("extension body");
        match self {
            Extension::ServerName(name) => {
                let list = wire::begin(b, 2);
                b.push(0);
                put_vec16(b, name.as_bytes()).map_err(too_long)?;
                list.end(b).map_err(too_long)?;
            }
            Extension::SupportedGroups(l) | Extension::SignatureAlgorithms(l) => {
                let list = wire::begin(b, 2);
                wire::put_u16s(b, l);
                list.end(b).map_err(too_long)?;
            }
            Extension::EcPointFormats(l)
            | Extension::PskKeyExchangeModes(l)
            | Extension::RenegotiationInfo(l) => {
                put_vec8(b, l).map_err(too_long)?;
            }
            Extension::SupportedVersions(l) => {
                let list = wire::begin(b, 1);
                wire::put_u16s(b, l);
                list.end(b).map_err(too_long)?;
            }
            Extension::KeyShare(shares) => {
                let list = wire::begin(b, 2);
                for s in shares {
                    put_u16(b, s.group);
                    put_vec16(b, &s.key).map_err(too_long)?;
                }
                list.end(b).map_err(too_long)?;
            }
            Extension::SessionTicket(t) => b.extend_from_slice(t),
            Extension::StatusRequest => b.extend_from_slice(&[1, 0, 0, 0, 0]),
            Extension::Heartbeat(m) => b.push(*m),
            Extension::ExtendedMasterSecret | Extension::EncryptThenMac => {}
            Extension::Alpn(protos) => {
                let list = wire::begin(b, 2);
                for p in protos {
                    if p.is_empty() {
                        return Err(BuildError::Invalid("empty ALPN protocol name"));
                    }
                    put_vec8(b, p).map_err(too_long)?;
                }
                list.end(b).map_err(too_long)?;
            }
            Extension::Padding(n) => {
                // Refused before it is allocated: no body longer than its 16-bit length fits.
                if *n > usize::from(u16::MAX) {
                    return Err(BuildError::TooLong("extension"));
                }
                b.resize(b.len().saturating_add(*n), 0);
            }
            Extension::Raw { data, .. } => b.extend_from_slice(data),
        }
        Ok(())
    }

    /// Decodes one extension body. Known types whose body does not have the expected form, and
    /// unknown types, become [`Extension::Raw`]: nothing is lost.
    pub fn decode(typ: u16, data: &[u8]) -> Extension {
        Self::decode_known(typ, data).unwrap_or_else(|| Extension::Raw {
            typ,
            data: data.to_vec(),
        })
    }

    fn decode_known(typ: u16, data: &[u8]) -> Option<Extension> {
        let mut r = Reader::new(data);
        let e = match typ {
            ext::SERVER_NAME => {
                let mut list = Reader::new(r.vec16()?);
                if list.u8()? != 0 {
                    return None;
                }
                let name = list.vec16()?;
                if !list.is_empty() {
                    return None;
                }
                Extension::ServerName(String::from(core::str::from_utf8(name).ok()?))
            }
            ext::SUPPORTED_GROUPS => Extension::SupportedGroups(Reader::u16_list(r.vec16()?)?),
            ext::SIGNATURE_ALGORITHMS => {
                Extension::SignatureAlgorithms(Reader::u16_list(r.vec16()?)?)
            }
            ext::EC_POINT_FORMATS => Extension::EcPointFormats(r.vec8()?.to_vec()),
            ext::PSK_KEY_EXCHANGE_MODES => Extension::PskKeyExchangeModes(r.vec8()?.to_vec()),
            ext::RENEGOTIATION_INFO => Extension::RenegotiationInfo(r.vec8()?.to_vec()),
            ext::SUPPORTED_VERSIONS => Extension::SupportedVersions(Reader::u16_list(r.vec8()?)?),
            ext::KEY_SHARE => {
                let mut list = Reader::new(r.vec16()?);
                let mut shares = Vec::new();
                while !list.is_empty() {
                    let group = list.u16()?;
                    shares.push(KeyShareEntry {
                        group,
                        key: list.vec16()?.to_vec(),
                    });
                }
                Extension::KeyShare(shares)
            }
            ext::SESSION_TICKET => return Some(Extension::SessionTicket(data.to_vec())),
            ext::STATUS_REQUEST if data == [1, 0, 0, 0, 0] => {
                return Some(Extension::StatusRequest)
            }
            ext::HEARTBEAT if data.len() == 1 => {
                return data.first().map(|m| Extension::Heartbeat(*m))
            }
            ext::EXTENDED_MASTER_SECRET if data.is_empty() => {
                return Some(Extension::ExtendedMasterSecret)
            }
            ext::ENCRYPT_THEN_MAC if data.is_empty() => return Some(Extension::EncryptThenMac),
            ext::PADDING if data.iter().all(|b| *b == 0) => {
                return Some(Extension::Padding(data.len()))
            }
            ext::ALPN => {
                let mut list = Reader::new(r.vec16()?);
                let mut protos = Vec::new();
                while !list.is_empty() {
                    let p = list.vec8()?;
                    if p.is_empty() {
                        return None;
                    }
                    protos.push(p.to_vec());
                }
                Extension::Alpn(protos)
            }
            _ => return None,
        };
        if r.is_empty() {
            Some(e)
        } else {
            None
        }
    }
}

/// A ClientHello, with every field under the caller's control.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// Version in the record header (usually 0x0301, or 0x0300 for SSLv3).
    pub record_version: u16,
    /// `legacy_version` / `client_version` of the hello.
    pub legacy_version: u16,
    /// Client random.
    pub random: [u8; 32],
    /// Session id (≤ 32 bytes).
    pub session_id: Vec<u8>,
    /// Offered suite ids, in order; any u16, including SCSVs and GREASE.
    pub cipher_suites: Vec<u16>,
    /// Compression methods (0 = null, 1 = DEFLATE).
    pub compression_methods: Vec<u8>,
    /// Extensions; `None` writes no extension block at all (SSLv3 style).
    pub extensions: Option<Vec<Extension>>,
}

/// A fixed, recognisable client random (we never derive keys from it).
pub const DEFAULT_RANDOM: [u8; 32] = *b"mxray tls-probe fixed random 32B";

impl ClientHello {
    /// A hello for `legacy_version` with the given suites, null compression, no extensions.
    pub fn new(legacy_version: u16, cipher_suites: Vec<u16>) -> Self {
        ClientHello {
            record_version: if legacy_version <= 0x0300 {
                legacy_version
            } else {
                0x0301
            },
            legacy_version,
            random: DEFAULT_RANDOM,
            session_id: Vec::new(),
            cipher_suites,
            compression_methods: alloc::vec![0],
            extensions: None,
        }
    }

    /// Adds an extension (creating the extension block if needed).
    pub fn with(mut self, e: Extension) -> Self {
        self.extensions.get_or_insert_with(Vec::new).push(e);
        self
    }

    /// Encodes the handshake message (type 1, 24-bit length, body), without the record header.
    pub fn handshake_bytes(&self) -> Result<Vec<u8>, BuildError> {
        let mut msg = Vec::with_capacity(512);
        self.write_handshake(&mut msg)?;
        Ok(msg)
    }

    /// Appends the handshake message to `out`, every length prefix filled in place.
    fn write_handshake(&self, out: &mut Vec<u8>) -> Result<(), BuildError> {
        if self.session_id.len() > 32 {
            return Err(BuildError::Invalid("session id longer than 32 bytes"));
        }
        out.push(1);
        let msg = wire::begin(out, 3);
        put_u16(out, self.legacy_version);
        out.extend_from_slice(&self.random);
        put_vec8(out, &self.session_id).map_err(|_| BuildError::TooLong("session id"))?;
        let suites = wire::begin(out, 2);
        wire::put_u16s(out, &self.cipher_suites);
        suites
            .end(out)
            .map_err(|_| BuildError::TooLong("cipher suites"))?;
        put_vec8(out, &self.compression_methods)
            .map_err(|_| BuildError::TooLong("compression methods"))?;
        if let Some(exts) = &self.extensions {
            let block = wire::begin(out, 2);
            for e in exts {
                e.write(out)?;
            }
            block
                .end(out)
                .map_err(|_| BuildError::TooLong("extensions"))?;
        }
        msg.end(out)
            .map_err(|_| BuildError::TooLong("handshake message"))
    }

    /// Encodes the hello as one handshake record, ready to send.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BuildError> {
        let mut out = Vec::with_capacity(517);
        out.push(22);
        put_u16(&mut out, self.record_version);
        let record = wire::begin(&mut out, 2);
        self.write_handshake(&mut out)?;
        if out.len() - 5 > crate::record::MAX_PLAINTEXT {
            return Err(BuildError::TooLong("record"));
        }
        record
            .end(&mut out)
            .map_err(|_| BuildError::TooLong("record"))?;
        Ok(out)
    }

    /// Adds a padding extension when the handshake message would be 256..=511 bytes long, which
    /// hangs some F5 load balancers (the reason RFC 7685 exists); brings it to 512 bytes.
    pub fn with_f5_padding(mut self) -> Result<Self, BuildError> {
        let len = self.handshake_bytes()?.len();
        if (256..512).contains(&len) && self.extensions.is_some() {
            // The padding extension's own header takes 4 bytes.
            let pad = 512usize.saturating_sub(len).saturating_sub(4);
            self = self.with(Extension::Padding(pad));
        }
        Ok(self)
    }

    /// Parses a ClientHello record (ours or anyone's). The record must hold the whole message.
    pub fn parse(record: &[u8]) -> Result<ClientHello, HelloParseError> {
        let mut r = Reader::new(record);
        let ct = r.u8().ok_or(HelloParseError::Truncated)?;
        if ct != 22 {
            return Err(HelloParseError::NotHandshake(ct));
        }
        let record_version = r.u16().ok_or(HelloParseError::Truncated)?;
        let frag = r.vec16().ok_or(HelloParseError::Truncated)?;
        let mut h = Reader::new(frag);
        let typ = h.u8().ok_or(HelloParseError::Truncated)?;
        if typ != 1 {
            return Err(HelloParseError::NotClientHello(typ));
        }
        let len = h.u24().ok_or(HelloParseError::Truncated)?;
        let mut b = Reader::new(h.take(len).ok_or(HelloParseError::Truncated)?);
        let legacy_version = b.u16().ok_or(HelloParseError::Truncated)?;
        let mut random = [0u8; 32];
        random.copy_from_slice(b.take(32).ok_or(HelloParseError::Truncated)?);
        let sid = b.vec8().ok_or(HelloParseError::Truncated)?;
        if sid.len() > 32 {
            return Err(HelloParseError::Malformed(
                "session id longer than 32 bytes",
            ));
        }
        let suites = b.vec16().ok_or(HelloParseError::Truncated)?;
        let cipher_suites =
            Reader::u16_list(suites).ok_or(HelloParseError::Malformed("odd cipher suite list"))?;
        let compression_methods = b.vec8().ok_or(HelloParseError::Truncated)?.to_vec();
        let extensions = if b.is_empty() {
            None
        } else {
            let mut block = Reader::new(b.vec16().ok_or(HelloParseError::Truncated)?);
            let mut exts = Vec::new();
            while !block.is_empty() {
                let typ = block.u16().ok_or(HelloParseError::Truncated)?;
                let data = block.vec16().ok_or(HelloParseError::Truncated)?;
                exts.push(Extension::decode(typ, data));
            }
            Some(exts)
        };
        if !b.is_empty() {
            return Err(HelloParseError::Malformed(
                "trailing bytes after extensions",
            ));
        }
        Ok(ClientHello {
            record_version,
            legacy_version,
            random,
            session_id: sid.to_vec(),
            cipher_suites,
            compression_methods,
            extensions,
        })
    }
}

/// SSLv2 cipher specs (3 bytes each), as sent in an SSLv2 CLIENT-HELLO.
pub mod sslv2 {
    /// SSL_CK_RC4_128_WITH_MD5.
    pub const RC4_128_WITH_MD5: u32 = 0x01_0080;
    /// SSL_CK_RC4_128_EXPORT40_WITH_MD5.
    pub const RC4_128_EXPORT40_WITH_MD5: u32 = 0x02_0080;
    /// SSL_CK_RC2_128_CBC_WITH_MD5.
    pub const RC2_128_CBC_WITH_MD5: u32 = 0x03_0080;
    /// SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5.
    pub const RC2_128_CBC_EXPORT40_WITH_MD5: u32 = 0x04_0080;
    /// SSL_CK_IDEA_128_CBC_WITH_MD5.
    pub const IDEA_128_CBC_WITH_MD5: u32 = 0x05_0080;
    /// SSL_CK_DES_64_CBC_WITH_MD5.
    pub const DES_64_CBC_WITH_MD5: u32 = 0x06_0040;
    /// SSL_CK_DES_192_EDE3_CBC_WITH_MD5.
    pub const DES_192_EDE3_CBC_WITH_MD5: u32 = 0x07_00c0;
    /// All seven SSLv2 cipher kinds.
    pub const ALL: [u32; 7] = [
        RC4_128_WITH_MD5,
        RC4_128_EXPORT40_WITH_MD5,
        RC2_128_CBC_WITH_MD5,
        RC2_128_CBC_EXPORT40_WITH_MD5,
        IDEA_128_CBC_WITH_MD5,
        DES_64_CBC_WITH_MD5,
        DES_192_EDE3_CBC_WITH_MD5,
    ];

    /// An SSLv2 CLIENT-HELLO (2-byte record header, version 0x0002, no session id, 16-byte challenge).
    pub fn client_hello(specs: &[u32], challenge: &[u8; 16]) -> alloc::vec::Vec<u8> {
        let mut body = alloc::vec![1u8, 0x00, 0x02];
        let spec_len = (specs.len().min(1000) * 3) as u16;
        body.extend_from_slice(&spec_len.to_be_bytes());
        body.extend_from_slice(&0u16.to_be_bytes());
        body.extend_from_slice(&16u16.to_be_bytes());
        for s in specs.iter().take(1000) {
            body.extend_from_slice(s.to_be_bytes().get(1..).unwrap_or(&[]));
        }
        body.extend_from_slice(challenge);
        let len = body.len() as u16 & 0x7fff;
        let mut out = alloc::vec::Vec::with_capacity(body.len() + 2);
        // The high bit marks a 2-byte header; len < 0x8000, so adding it sets it.
        out.extend_from_slice(&(0x8000 + len).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_key_shares_for_two_groups_only() {
        assert_eq!(
            KeyShareEntry::for_group(groups::X25519),
            Some(KeyShareEntry::x25519())
        );
        assert_eq!(
            KeyShareEntry::for_group(groups::SECP256R1),
            Some(KeyShareEntry::secp256r1())
        );
        assert_eq!(KeyShareEntry::x25519().key, X25519_PUBLIC.to_vec());
        assert_eq!(KeyShareEntry::secp256r1().group, 23);
        for g in [groups::SECP384R1, groups::X448, groups::FFDHE2048, 0x0a0a] {
            assert_eq!(KeyShareEntry::for_group(g), None, "{g:#06x}");
        }
    }

    #[test]
    fn fixed_form_extensions_decode_only_in_their_form() {
        let raw = |typ: u16, data: &[u8]| Extension::Raw {
            typ,
            data: data.to_vec(),
        };
        let cases: [(u16, &[u8], Extension); 10] = [
            (
                ext::STATUS_REQUEST,
                &[1, 0, 0, 0, 0],
                Extension::StatusRequest,
            ),
            (
                ext::STATUS_REQUEST,
                &[1, 0, 0, 0, 1],
                raw(ext::STATUS_REQUEST, &[1, 0, 0, 0, 1]),
            ),
            (ext::HEARTBEAT, &[2], Extension::Heartbeat(2)),
            (ext::HEARTBEAT, &[1, 1], raw(ext::HEARTBEAT, &[1, 1])),
            (
                ext::EXTENDED_MASTER_SECRET,
                &[],
                Extension::ExtendedMasterSecret,
            ),
            (
                ext::EXTENDED_MASTER_SECRET,
                &[0],
                raw(ext::EXTENDED_MASTER_SECRET, &[0]),
            ),
            (ext::ENCRYPT_THEN_MAC, &[], Extension::EncryptThenMac),
            (
                ext::ENCRYPT_THEN_MAC,
                &[0],
                raw(ext::ENCRYPT_THEN_MAC, &[0]),
            ),
            (ext::PADDING, &[0, 0, 0], Extension::Padding(3)),
            (ext::PADDING, &[0, 7, 0], raw(ext::PADDING, &[0, 7, 0])),
        ];
        for (typ, data, want) in cases {
            assert_eq!(Extension::decode(typ, data), want, "{typ} {data:?}");
        }
    }

    #[test]
    fn a_hello_fills_one_record_at_most() {
        let base = ClientHello::new(0x0303, alloc::vec![0xc02f]).with(Extension::Padding(0));
        let base_len = base.handshake_bytes().unwrap().len();
        let sized = |len: usize| {
            ClientHello::new(0x0303, alloc::vec![0xc02f]).with(Extension::Padding(len - base_len))
        };
        let at = sized(crate::record::MAX_PLAINTEXT);
        assert_eq!(at.handshake_bytes().unwrap().len(), 16_384);
        assert_eq!(at.to_bytes().unwrap().len(), 16_384 + 5);
        let over = sized(crate::record::MAX_PLAINTEXT + 1);
        assert_eq!(over.to_bytes(), Err(BuildError::TooLong("record")));
        let far_over = sized(40_000);
        assert_eq!(far_over.to_bytes(), Err(BuildError::TooLong("record")));
        // A padding no 16-bit length can hold is refused before anything is allocated for it
        // (usize::MAX would abort the process if it were).
        for n in [0x1_0000, usize::MAX] {
            let h = ClientHello::new(0x0303, alloc::vec![0xc02f]).with(Extension::Padding(n));
            assert_eq!(h.to_bytes(), Err(BuildError::TooLong("extension")), "{n}");
        }
        // 0xffff bytes fit the extension's own length, not the extension block's with it.
        let h = ClientHello::new(0x0303, alloc::vec![0xc02f]).with(Extension::Padding(0xffff));
        assert_eq!(h.to_bytes(), Err(BuildError::TooLong("extensions")));
    }

    /// Every named group by its IANA number ("TLS Supported Groups"), written out here so a
    /// wrong constant or a lost name fails.
    #[test]
    fn group_names_by_iana_number() {
        let table: [(u16, &str); 20] = [
            (19, "secp192r1"),
            (21, "secp224r1"),
            (22, "secp256k1"),
            (23, "secp256r1"),
            (24, "secp384r1"),
            (25, "secp521r1"),
            (26, "brainpoolP256r1"),
            (27, "brainpoolP384r1"),
            (28, "brainpoolP512r1"),
            (29, "x25519"),
            (30, "x448"),
            (256, "ffdhe2048"),
            (257, "ffdhe3072"),
            (258, "ffdhe4096"),
            (259, "ffdhe6144"),
            (260, "ffdhe8192"),
            (0x11eb, "SecP256r1MLKEM768"),
            (0x11ec, "X25519MLKEM768"),
            (0x11ed, "SecP384r1MLKEM1024"),
            (0x6399, "X25519Kyber768Draft00"),
        ];
        for (id, name) in table {
            assert_eq!(groups::name(id), Some(name), "{id:#06x}");
        }
        for id in [0u16, 20, 31, 255, 261, 0x0a0a, 0xffff] {
            assert_eq!(groups::name(id), None, "{id:#06x}");
        }
    }

    /// Every signature scheme by its IANA number ("TLS SignatureScheme", with the TLS 1.2
    /// hash/signature pairs in the same space).
    #[test]
    fn signature_scheme_names_by_iana_number() {
        let table: [(u16, &str); 29] = [
            (0x0101, "rsa_md5"),
            (0x0102, "dsa_md5"),
            (0x0103, "ecdsa_md5"),
            (0x0201, "rsa_pkcs1_sha1"),
            (0x0202, "dsa_sha1"),
            (0x0203, "ecdsa_sha1"),
            (0x0301, "rsa_sha224"),
            (0x0302, "dsa_sha224"),
            (0x0303, "ecdsa_sha224"),
            (0x0401, "rsa_pkcs1_sha256"),
            (0x0402, "dsa_sha256"),
            (0x0403, "ecdsa_secp256r1_sha256"),
            (0x0501, "rsa_pkcs1_sha384"),
            (0x0502, "dsa_sha384"),
            (0x0503, "ecdsa_secp384r1_sha384"),
            (0x0601, "rsa_pkcs1_sha512"),
            (0x0602, "dsa_sha512"),
            (0x0603, "ecdsa_secp521r1_sha512"),
            (0x0804, "rsa_pss_rsae_sha256"),
            (0x0805, "rsa_pss_rsae_sha384"),
            (0x0806, "rsa_pss_rsae_sha512"),
            (0x0807, "ed25519"),
            (0x0808, "ed448"),
            (0x0809, "rsa_pss_pss_sha256"),
            (0x080a, "rsa_pss_pss_sha384"),
            (0x080b, "rsa_pss_pss_sha512"),
            (0x081a, "ecdsa_brainpoolP256r1tls13_sha256"),
            (0x081b, "ecdsa_brainpoolP384r1tls13_sha384"),
            (0x081c, "ecdsa_brainpoolP512r1tls13_sha512"),
        ];
        for (id, name) in table {
            assert_eq!(sigalgs::name(id), Some(name), "{id:#06x}");
        }
        // Every scheme the probe asks about has a name.
        for id in sigalgs::ALL {
            assert!(sigalgs::name(*id).is_some(), "{id:#06x}");
        }
        for id in [0u16, 0x0100, 0x0104, 0x0800, 0x080c, 0xffff] {
            assert_eq!(sigalgs::name(id), None, "{id:#06x}");
        }
    }

    #[test]
    fn encodes_a_hello_tls_parser_reads_back() {
        let hello = ClientHello::new(0x0303, alloc::vec![0xc02f, 0x0a0a, 0x00ff])
            .with(Extension::ServerName("localhost".into()))
            .with(Extension::SupportedGroups(alloc::vec![
                groups::X25519,
                groups::SECP256R1
            ]))
            .with(Extension::KeyShare(alloc::vec![
                KeyShareEntry::x25519(),
                KeyShareEntry::secp256r1()
            ]))
            .with(Extension::SupportedVersions(alloc::vec![0x0304, 0x0303]))
            .with(Extension::Alpn(alloc::vec![b"smtp".to_vec()]));
        let bytes = hello.to_bytes().unwrap();
        let (rest, rec) = tls_parser::parse_tls_plaintext(&bytes).unwrap();
        assert!(rest.is_empty());
        match rec.msg.first() {
            Some(tls_parser::TlsMessage::Handshake(
                tls_parser::TlsMessageHandshake::ClientHello(ch),
            )) => {
                assert_eq!(ch.version.0, 0x0303);
                assert_eq!(
                    ch.ciphers.iter().map(|c| c.0).collect::<Vec<_>>(),
                    alloc::vec![0xc02f, 0x0a0a, 0x00ff]
                );
                let (_, exts) =
                    tls_parser::parse_tls_client_hello_extensions(ch.ext.unwrap()).unwrap();
                assert_eq!(exts.len(), 5);
            }
            other => panic!("not a ClientHello: {other:?}"),
        }
        assert_eq!(ClientHello::parse(&bytes).unwrap(), hello);
    }

    #[test]
    fn f5_padding_lifts_the_hello_to_512_bytes() {
        let suites: Vec<u16> = (1..=110).collect();
        let hello = ClientHello::new(0x0303, suites).with(Extension::ExtendedMasterSecret);
        let len = hello.handshake_bytes().unwrap().len();
        assert!((256..512).contains(&len));
        let padded = hello.with_f5_padding().unwrap();
        assert_eq!(padded.handshake_bytes().unwrap().len(), 512);
    }

    #[test]
    fn sslv2_hello_layout() {
        let b = sslv2::client_hello(&sslv2::ALL, &[7; 16]);
        assert_eq!(b.len(), 2 + 9 + 21 + 16);
        assert_eq!(b.first(), Some(&0x80));
        assert_eq!(b.get(2), Some(&1));
        assert_eq!(b.get(11..14), Some(&[1u8, 0, 0x80][..]));
        // Record length (body 46 bytes), spec length 21, no session id, a 16-byte challenge.
        assert_eq!(b.get(..2), Some(&[0x80, 46][..]));
        assert_eq!(b.get(3..11), Some(&[0, 2, 0, 21, 0, 0, 0, 16][..]));
        assert_eq!(b.get(b.len() - 16..), Some(&[7u8; 16][..]));
        // At most 1000 specs are sent.
        let many = [sslv2::RC4_128_WITH_MD5; 1200];
        let b = sslv2::client_hello(&many, &[7; 16]);
        assert_eq!(b.get(5..7), Some(&3000u16.to_be_bytes()[..]));
        assert_eq!(b.len(), 2 + 9 + 3000 + 16);
        assert_eq!(b.get(..2), Some(&(0x8000u16 | 3025).to_be_bytes()[..]));
    }

    #[test]
    fn f5_padding_only_inside_the_window_and_only_with_extensions() {
        let suites = |n: u16| (1..=n).collect::<Vec<u16>>();
        // No extension block: padding would add one, which the hello did not want.
        let bare = ClientHello {
            extensions: None,
            ..ClientHello::new(0x0303, suites(110))
        };
        let len = bare.handshake_bytes().unwrap().len();
        assert!((256..512).contains(&len), "{len}");
        assert_eq!(bare.clone().with_f5_padding().unwrap(), bare);
        // Past the window, and under it: left alone.
        for n in [260u16, 20] {
            let h = ClientHello::new(0x0303, suites(n)).with(Extension::ExtendedMasterSecret);
            let len = h.handshake_bytes().unwrap().len();
            assert!(!(256..512).contains(&len), "{len}");
            assert_eq!(h.clone().with_f5_padding().unwrap(), h);
        }
    }

    #[test]
    fn rejects_bad_session_id_and_long_fields() {
        let mut h = ClientHello::new(0x0303, alloc::vec![1]);
        h.session_id = alloc::vec![0; 33];
        assert!(matches!(h.to_bytes(), Err(BuildError::Invalid(_))));
        let h = ClientHello::new(0x0303, alloc::vec![1; 40000]);
        assert!(matches!(h.to_bytes(), Err(BuildError::TooLong(_))));
    }
}
