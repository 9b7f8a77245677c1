//! Facts about one certificate, read with `x509-parser`.

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::hex;

/// The public key's algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA (rsaEncryption or RSASSA-PSS keys).
    Rsa,
    /// Elliptic-curve key (id-ecPublicKey).
    Ec,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// DSA.
    Dsa,
    /// Anything else (see [`KeyInfo::oid`]).
    Other,
}

impl KeyAlgorithm {
    /// The snake_case name (the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ec => "ec",
            Self::Ed25519 => "ed25519",
            Self::Ed448 => "ed448",
            Self::Dsa => "dsa",
            Self::Other => "other",
        }
    }
}

/// The subject public key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KeyInfo {
    /// Algorithm.
    pub algorithm: KeyAlgorithm,
    /// Size in bits: RSA modulus bits, the EC curve's field size, 256 (Ed25519), 456 (Ed448),
    /// DSA public value bits; 0 when unknown.
    pub bits: u32,
    /// EC curve name (`P-256`, `P-384`, `P-521`, `P-224`, `P-192`, `secp256k1`, ...) or its OID.
    pub curve: Option<String>,
    /// RSA public exponent (saturated at `u64::MAX`), for RSA keys.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub exponent: Option<u64>,
    /// The algorithm OID, dotted.
    pub oid: String,
}

/// The hash inside a signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// MD2 (broken).
    Md2,
    /// MD5 (broken).
    Md5,
    /// SHA-1 (broken for certificates).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// The algorithm has its own hash (Ed25519, Ed448).
    Intrinsic,
    /// Not recognised (or RSASSA-PSS parameters not read).
    Unknown,
}

/// The certificate's signature algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SignatureInfo {
    /// Name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `Ed25519`...) or the dotted OID.
    pub algorithm: String,
    /// The hash it uses.
    pub hash: HashAlgorithm,
    /// The OID, dotted.
    pub oid: String,
}

/// How the certificate's self-signature was established (or why it was not).
///
/// Checked in this order: the signature itself, with a verifier that also accepts keys a modern
/// client refuses (RSA from 1024 bits, SHA-1; the weakness is a finding of its own); then, when
/// the signature cannot be checked here (RSA under 1024 bits or with public exponent 1, MD5,
/// DSA...), the key identifiers (authorityKeyIdentifier equal to subjectKeyIdentifier); then,
/// without key identifiers, the identical subject and issuer names, provided the key type fits the
/// signature algorithm. A key type that cannot have made the signature gives
/// [`SelfSignature::Unchecked`]: self-issued, signature not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SelfSignature {
    /// Subject and issuer differ: not self-issued.
    #[default]
    NotSelfIssued,
    /// Self-issued and the signature verifies with the certificate's own key.
    Verified,
    /// Self-issued, the signature could not be checked here, and the authority key identifier
    /// equals the subject key identifier.
    KeyIdentifiers,
    /// Self-issued, the signature could not be checked here, no key identifiers, and the key type
    /// fits the signature algorithm: taken as self-signed on the names alone.
    IssuerSubject,
    /// Self-issued, but the signature could not be checked and the key type does not fit the
    /// signature algorithm (or nothing else tells): not claimed as self-signed.
    Unchecked,
    /// Self-issued, but the signature was checked with the certificate's own key and does not
    /// verify: issued by another key under the same name.
    Invalid,
    /// Self-issued, the signature could not be checked, and the key identifiers differ: issued by
    /// another key under the same name (a re-keyed CA).
    OtherKey,
}

impl SelfSignature {
    /// True when the certificate counts as self-signed ([`Self::Verified`],
    /// [`Self::KeyIdentifiers`] or [`Self::IssuerSubject`]).
    pub fn is_self_signed(self) -> bool {
        matches!(
            self,
            Self::Verified | Self::KeyIdentifiers | Self::IssuerSubject
        )
    }

    /// The snake_case name (the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotSelfIssued => "not_self_issued",
            Self::Verified => "verified",
            Self::KeyIdentifiers => "key_identifiers",
            Self::IssuerSubject => "issuer_subject",
            Self::Unchecked => "unchecked",
            Self::Invalid => "invalid",
            Self::OtherKey => "other_key",
        }
    }
}

/// Extended key usage, when the extension is present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExtendedKeyUsage {
    /// id-kp-serverAuth present.
    pub server_auth: bool,
    /// anyExtendedKeyUsage present.
    pub any: bool,
    /// id-kp-clientAuth present.
    pub client_auth: bool,
    /// Other purposes (names or dotted OIDs).
    pub other: Vec<String>,
}

/// Everything the audit reads from one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CertFacts {
    /// X.509 version: 1, 2 or 3.
    pub version: u32,
    /// Subject, RFC 4514-like text.
    pub subject: String,
    /// Issuer, RFC 4514-like text.
    pub issuer: String,
    /// First subject common name.
    pub subject_cn: Option<String>,
    /// First subject organisation.
    pub subject_org: Option<String>,
    /// First issuer organisation (for "top CAs" tables).
    pub issuer_org: Option<String>,
    /// Serial number: the DER integer's content bytes in lower-case hex (two's complement, so a
    /// negative serial starts with a digit >= 8).
    pub serial_hex: String,
    /// The serial number is negative.
    pub serial_negative: bool,
    /// The serial number is zero.
    pub serial_zero: bool,
    /// notBefore, RFC 3339 UTC.
    pub not_before: String,
    /// notAfter, RFC 3339 UTC.
    pub not_after: String,
    /// notBefore, unix seconds.
    pub not_before_unix: i64,
    /// notAfter, unix seconds.
    pub not_after_unix: i64,
    /// Validity period in whole days (notAfter - notBefore, rounded down; negative if inverted).
    pub validity_days: i64,
    /// A subjectAltName extension is present.
    pub has_san: bool,
    /// DNS names in the subjectAltName.
    pub dns_names: Vec<String>,
    /// IP addresses in the subjectAltName.
    pub ip_addresses: Vec<IpAddr>,
    /// subjectAltName entries that are neither DNS names nor IP addresses, as `type:value`
    /// (`email:...`, `uri:...`, `dirname:...`, `othername:OID`, `rid:OID`, `x400`, `edipartyname`,
    /// `ip-invalid:HEX` for an address of the wrong length).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub san_other: Vec<String>,
    /// Public key.
    pub key: KeyInfo,
    /// Signature algorithm.
    pub signature: SignatureInfo,
    /// SHA-256 of the SubjectPublicKeyInfo, hex (for key-reuse analysis and TLSA `x 1 1`).
    pub spki_sha256: String,
    /// Subject and issuer names are identical.
    pub self_issued: bool,
    /// Self-signed: [`SelfSignature::is_self_signed`] of [`CertFacts::self_signature`].
    pub self_signed: bool,
    /// How the self-signature was established, for a self-issued certificate (absent from the
    /// serde form when not self-issued).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "is_not_self_issued")
    )]
    pub self_signature: SelfSignature,
    /// basicConstraints cA is TRUE.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage bits set, by name (`digital_signature`, `key_encipherment`, `key_cert_sign`...);
    /// `None` when the extension is absent.
    pub key_usage: Option<Vec<String>>,
    /// extendedKeyUsage; `None` when the extension is absent.
    pub extended_key_usage: Option<ExtendedKeyUsage>,
    /// caIssuers URLs of the authorityInfoAccess extension.
    pub aia_ca_issuers: Vec<String>,
    /// OCSP URLs of the authorityInfoAccess extension.
    pub ocsp_urls: Vec<String>,
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// Number of embedded signed certificate timestamps (RFC 6962).
    pub sct_count: usize,
    /// TLS feature extension asks for status_request (OCSP must-staple, RFC 7633).
    pub must_staple: bool,
}

#[cfg(feature = "serde")]
fn is_not_self_issued(s: &SelfSignature) -> bool {
    *s == SelfSignature::NotSelfIssued
}

/// What the chain-level analysis needs beyond [`CertFacts`]: raw names for exact comparison.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub(crate) facts: CertFacts,
    pub(crate) subject_raw: Vec<u8>,
    pub(crate) issuer_raw: Vec<u8>,
    pub(crate) spki_der: Vec<u8>,
    /// The RSA modulus (big-endian, as encoded), for RSA keys.
    pub(crate) rsa_modulus: Option<Vec<u8>>,
    /// notBefore and notAfter are encoded as UTCTime (else GeneralizedTime).
    pub(crate) utc_times: (bool, bool),
}

/// Parses one DER certificate; the error is x509-parser's reason.
pub(crate) fn parse(der: &[u8]) -> Result<Parsed, String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!(
            "{} trailing byte(s) after the certificate",
            rest.len()
        ));
    }
    Ok(read(&cert))
}

fn read(cert: &X509Certificate<'_>) -> Parsed {
    let tbs = &cert.tbs_certificate;
    let not_before_unix = tbs.validity.not_before.timestamp();
    let not_after_unix = tbs.validity.not_after.timestamp();
    let serial = cert.raw_serial();
    let spki_der = tbs.subject_pki.raw.to_vec();
    // The subject public key, parsed once for the key facts and the lints.
    let public_key = match tbs.subject_pki.parsed() {
        // An id-RSASSA-PSS key (RFC 4055 1.2) is an RSAPublicKey like rsaEncryption's, which
        // x509-parser leaves unparsed.
        Ok(PublicKey::Unknown(bits))
            if tbs.subject_pki.algorithm.algorithm
                == x509_parser::oid_registry::OID_PKCS1_RSASSAPSS =>
        {
            x509_parser::public_key::RSAPublicKey::from_der(bits)
                .ok()
                .map(|(_, rsa)| PublicKey::RSA(rsa))
        }
        parsed => parsed.ok(),
    };
    let subject_raw = tbs.subject.as_raw().to_vec();
    let issuer_raw = tbs.issuer.as_raw().to_vec();
    let self_issued = subject_raw == issuer_raw;

    let mut facts = CertFacts {
        version: tbs.version.0.saturating_add(1),
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        subject_cn: first_str(tbs.subject.iter_common_name()),
        subject_org: first_str(tbs.subject.iter_organization()),
        issuer_org: first_str(tbs.issuer.iter_organization()),
        serial_hex: hex(serial),
        serial_negative: serial.first().is_some_and(|b| b & 0x80 != 0),
        serial_zero: serial.iter().all(|b| *b == 0),
        not_before: crate::time::rfc3339(not_before_unix),
        not_after: crate::time::rfc3339(not_after_unix),
        not_before_unix,
        not_after_unix,
        validity_days: not_after_unix
            .saturating_sub(not_before_unix)
            .div_euclid(86_400),
        has_san: false,
        dns_names: Vec::new(),
        ip_addresses: Vec::new(),
        san_other: Vec::new(),
        key: key_info(cert, public_key.as_ref()),
        signature: signature_info(cert),
        spki_sha256: hex(&Sha256::digest(&spki_der)),
        self_issued,
        self_signed: false,
        self_signature: SelfSignature::NotSelfIssued,
        is_ca: false,
        path_len: None,
        key_usage: None,
        extended_key_usage: None,
        aia_ca_issuers: Vec::new(),
        ocsp_urls: Vec::new(),
        crl_urls: Vec::new(),
        sct_count: 0,
        must_staple: false,
    };
    let mut aki: Option<Vec<u8>> = None;
    let mut ski: Option<Vec<u8>> = None;
    for ext in tbs.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                facts.has_san = true;
                for name in &san.general_names {
                    match name {
                        GeneralName::DNSName(n) => facts.dns_names.push((*n).to_string()),
                        GeneralName::IPAddress(b) => match ip_from_bytes(b) {
                            Some(ip) => facts.ip_addresses.push(ip),
                            None => facts.san_other.push(format!("ip-invalid:{}", hex(b))),
                        },
                        GeneralName::RFC822Name(v) => facts.san_other.push(format!("email:{v}")),
                        GeneralName::URI(v) => facts.san_other.push(format!("uri:{v}")),
                        GeneralName::DirectoryName(n) => {
                            facts.san_other.push(format!("dirname:{n}"));
                        }
                        GeneralName::OtherName(oid, _) => {
                            facts
                                .san_other
                                .push(format!("othername:{}", oid.to_id_string()));
                        }
                        GeneralName::RegisteredID(oid) => {
                            facts.san_other.push(format!("rid:{}", oid.to_id_string()));
                        }
                        GeneralName::X400Address(_) => facts.san_other.push("x400".to_string()),
                        GeneralName::EDIPartyName(_) => {
                            facts.san_other.push("edipartyname".to_string());
                        }
                        GeneralName::Invalid(tag, _) => {
                            facts.san_other.push(format!("invalid:{tag}"));
                        }
                    }
                }
            }
            ParsedExtension::BasicConstraints(bc) => {
                facts.is_ca = bc.ca;
                facts.path_len = bc.path_len_constraint;
            }
            ParsedExtension::KeyUsage(ku) => {
                let bits = [
                    (ku.digital_signature(), "digital_signature"),
                    (ku.non_repudiation(), "non_repudiation"),
                    (ku.key_encipherment(), "key_encipherment"),
                    (ku.data_encipherment(), "data_encipherment"),
                    (ku.key_agreement(), "key_agreement"),
                    (ku.key_cert_sign(), "key_cert_sign"),
                    (ku.crl_sign(), "crl_sign"),
                    (ku.encipher_only(), "encipher_only"),
                    (ku.decipher_only(), "decipher_only"),
                ];
                facts.key_usage = Some(
                    bits.iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, n)| (*n).to_string())
                        .collect(),
                );
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let mut other: Vec<String> = eku.other.iter().map(|o| o.to_id_string()).collect();
                for (on, name) in [
                    (eku.code_signing, "code_signing"),
                    (eku.email_protection, "email_protection"),
                    (eku.time_stamping, "time_stamping"),
                    (eku.ocsp_signing, "ocsp_signing"),
                ] {
                    if on {
                        other.push(name.to_string());
                    }
                }
                facts.extended_key_usage = Some(ExtendedKeyUsage {
                    server_auth: eku.server_auth,
                    any: eku.any,
                    client_auth: eku.client_auth,
                    other,
                });
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for ad in aia.iter() {
                    if let GeneralName::URI(uri) = &ad.access_location {
                        match ad.access_method.to_id_string().as_str() {
                            "1.3.6.1.5.5.7.48.1" => facts.ocsp_urls.push((*uri).to_string()),
                            "1.3.6.1.5.5.7.48.2" => facts.aia_ca_issuers.push((*uri).to_string()),
                            _ => {}
                        }
                    }
                }
            }
            ParsedExtension::CRLDistributionPoints(cdp) => {
                for point in cdp.iter() {
                    if let Some(DistributionPointName::FullName(names)) = &point.distribution_point
                    {
                        for n in names {
                            if let GeneralName::URI(uri) = n {
                                facts.crl_urls.push((*uri).to_string());
                            }
                        }
                    }
                }
            }
            ParsedExtension::SCT(scts) => facts.sct_count = scts.len(),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0.to_vec()),
            _ => {
                if ext.oid.to_id_string() == "1.3.6.1.5.5.7.1.24" {
                    facts.must_staple = tls_feature_has_status_request(ext.value);
                }
            }
        }
    }
    if self_issued {
        facts.self_signature = self_signature(cert, &facts, aki.as_deref(), ski.as_deref());
    }
    facts.self_signed = facts.self_signature.is_self_signed();
    let rsa_modulus = match &public_key {
        Some(PublicKey::RSA(rsa)) => Some(rsa.modulus.to_vec()),
        _ => None,
    };
    Parsed {
        facts,
        subject_raw,
        issuer_raw,
        spki_der,
        rsa_modulus,
        utc_times: (
            tbs.validity.not_before.is_utctime(),
            tbs.validity.not_after.is_utctime(),
        ),
    }
}

/// How a self-issued certificate's signature relates to its own key; see [`SelfSignature`].
fn self_signature(
    cert: &X509Certificate<'_>,
    facts: &CertFacts,
    aki: Option<&[u8]>,
    ski: Option<&[u8]>,
) -> SelfSignature {
    if !key_fits_signature(facts.key.algorithm, &facts.signature.oid) {
        return SelfSignature::Unchecked;
    }
    let checked = match cert.verify_signature(None) {
        Ok(()) => return SelfSignature::Verified,
        Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => false,
        // ring's default RSA verifiers refuse keys under 2048 bits: retry with its legacy ones.
        Err(_) => match legacy_rsa_verify(cert, facts) {
            Some(true) => return SelfSignature::Verified,
            Some(false) => true,
            None => ring_checks(facts),
        },
    };
    if checked {
        return SelfSignature::Invalid;
    }
    match (aki, ski) {
        (Some(a), Some(s)) if a == s => SelfSignature::KeyIdentifiers,
        (Some(_), Some(_)) => SelfSignature::OtherKey,
        _ => SelfSignature::IssuerSubject,
    }
}

/// Whether a key of this type can have made a signature with this algorithm OID.
fn key_fits_signature(key: KeyAlgorithm, sig_oid: &str) -> bool {
    match key {
        KeyAlgorithm::Rsa => {
            sig_oid.starts_with("1.2.840.113549.1.1.") || sig_oid == "1.3.14.3.2.29"
        }
        KeyAlgorithm::Ec => sig_oid.starts_with("1.2.840.10045.4."),
        KeyAlgorithm::Ed25519 => sig_oid == "1.3.101.112",
        KeyAlgorithm::Ed448 => sig_oid == "1.3.101.113",
        KeyAlgorithm::Dsa => {
            sig_oid.starts_with("1.2.840.10040.4.") || sig_oid.starts_with("2.16.840.1.101.3.4.3.")
        }
        // An unknown key type: nothing says it cannot have signed.
        KeyAlgorithm::Other => true,
    }
}

/// The RSA modulus bits and public exponent (saturated at `u64::MAX`), for an RSA key that
/// parsed.
fn rsa_params(facts: &CertFacts) -> Option<(u32, u64)> {
    match facts.key.algorithm {
        KeyAlgorithm::Rsa => facts.key.exponent.map(|e| (facts.key.bits, e)),
        _ => None,
    }
}

/// Whether ring accepts this RSA key at all (1024 to 8192 bits, an odd exponent from 3 to
/// below 2^33).
fn ring_accepts_rsa(bits: u32, exponent: u64) -> bool {
    (1024..=8192).contains(&bits) && (3..1 << 33).contains(&exponent) && exponent % 2 == 1
}

/// Verifies a PKCS#1 v1.5 RSA self-signature with ring's legacy verifiers (keys from 1024 bits):
/// `Some(result)` when this verifier can judge the key and hash, `None` when it cannot.
/// SHA-1 is not here: x509-parser already verifies sha1WithRSAEncryption from 1024 bits (with
/// this same ring verifier), so a refusal there is final.
fn legacy_rsa_verify(cert: &X509Certificate<'_>, facts: &CertFacts) -> Option<bool> {
    use ring::signature as sig;
    let alg: &dyn sig::VerificationAlgorithm = match facts.signature.oid.as_str() {
        "1.2.840.113549.1.1.11" => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        "1.2.840.113549.1.1.13" => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        _ => return None,
    };
    let (bits, exponent) = rsa_params(facts)?;
    if !ring_accepts_rsa(bits, exponent) {
        return None;
    }
    let key = sig::UnparsedPublicKey::new(
        alg,
        &cert.tbs_certificate.subject_pki.subject_public_key.data,
    );
    Some(
        key.verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
            .is_ok(),
    )
}

/// After x509-parser's verifier refused the signature and the legacy one could not judge it:
/// true when the refusal was a real check (the key and algorithm are ones ring verifies), false
/// when the key itself was out of ring's reach (small RSA modulus, exponent 1, SHA-384 with an
/// RSA key under 2048 bits...).
fn ring_checks(facts: &CertFacts) -> bool {
    match facts.key.algorithm {
        KeyAlgorithm::Rsa => match rsa_params(facts) {
            Some((bits, exponent)) => {
                let sha384_or_pss = matches!(
                    facts.signature.oid.as_str(),
                    "1.2.840.113549.1.1.12" | "1.2.840.113549.1.1.10"
                );
                ring_accepts_rsa(bits, exponent) && (!sha384_or_pss || bits >= 2048)
            }
            None => false,
        },
        // x509-parser reports curves and hashes ring lacks as unsupported: a refusal is a check.
        KeyAlgorithm::Ec | KeyAlgorithm::Ed25519 => true,
        _ => false,
    }
}

/// TLSFeature ::= SEQUENCE OF INTEGER (RFC 7633); true if it lists status_request (5) or
/// status_request_v2 (17).
fn tls_feature_has_status_request(value: &[u8]) -> bool {
    let Some((&0x30, rest)) = value.split_first() else {
        return false;
    };
    let Some((&len, mut items)) = rest.split_first() else {
        return false;
    };
    if len & 0x80 != 0 || usize::from(len) != items.len() {
        return false;
    }
    while let Some((&tag, rest)) = items.split_first() {
        let Some((&ilen, rest)) = rest.split_first() else {
            return false;
        };
        let Some((int, rest)) = rest.split_at_checked(usize::from(ilen)) else {
            return false;
        };
        if tag == 0x02 && (int == [5] || int == [17]) {
            return true;
        }
        items = rest;
    }
    false
}

fn first_str<'a, I>(mut it: I) -> Option<String>
where
    I: Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'a>>,
{
    it.next().and_then(|a| a.as_str().ok()).map(str::to_string)
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        Some(IpAddr::from(v4))
    } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
        Some(IpAddr::from(v6))
    } else {
        None
    }
}

fn curve_name(oid: &str) -> Option<(&'static str, u32)> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.33" => ("P-224", 224),
        "1.2.840.10045.3.1.1" => ("P-192", 192),
        "1.3.132.0.10" => ("secp256k1", 256),
        "1.3.36.3.3.2.8.1.1.7" => ("brainpoolP256r1", 256),
        "1.3.36.3.3.2.8.1.1.11" => ("brainpoolP384r1", 384),
        "1.3.36.3.3.2.8.1.1.13" => ("brainpoolP512r1", 512),
        _ => return None,
    })
}

/// Bits of a big-endian unsigned integer, ignoring leading zero bytes.
fn int_bits(bytes: &[u8]) -> u32 {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(i) => bytes.get(i..).unwrap_or_default(),
        None => &[],
    };
    match trimmed.first() {
        Some(first) => {
            let bits = trimmed
                .len()
                .saturating_sub(1)
                .saturating_mul(8)
                .saturating_add(usize::try_from(8 - first.leading_zeros()).unwrap_or(8));
            u32::try_from(bits).unwrap_or(u32::MAX)
        }
        None => 0,
    }
}

fn key_info(cert: &X509Certificate<'_>, public_key: Option<&PublicKey<'_>>) -> KeyInfo {
    let spki = &cert.tbs_certificate.subject_pki;
    let oid = spki.algorithm.algorithm.to_id_string();
    let (algorithm, mut bits, mut curve) = match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => (KeyAlgorithm::Rsa, 0, None),
        "1.2.840.10045.2.1" => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            match curve_oid.as_deref().and_then(curve_name) {
                Some((name, bits)) => (KeyAlgorithm::Ec, bits, Some(name.to_string())),
                None => (KeyAlgorithm::Ec, 0, curve_oid),
            }
        }
        "1.3.101.112" => (KeyAlgorithm::Ed25519, 256, None),
        "1.3.101.113" => (KeyAlgorithm::Ed448, 456, None),
        "1.2.840.10040.4.1" => (KeyAlgorithm::Dsa, 0, None),
        _ => (KeyAlgorithm::Other, 0, None),
    };
    let exponent = match public_key {
        Some(PublicKey::RSA(rsa)) => Some(rsa.try_exponent().unwrap_or(u64::MAX)),
        _ => None,
    };
    if bits == 0 {
        match public_key {
            Some(PublicKey::RSA(rsa)) => bits = int_bits(rsa.modulus),
            Some(PublicKey::EC(point)) => {
                // Uncompressed point: 04 || X || Y; the field size is half the rest.
                let len = point.data().len().saturating_sub(1) / 2;
                bits = u32::try_from(len.saturating_mul(8)).unwrap_or(0);
                if curve.is_none() {
                    curve = Some("unknown".to_string());
                }
            }
            // The size of a DSA key is that of its prime p (FIPS 186-4), which is in the
            // parameters (Dss-Parms: p, q, g); the public value y is below p and often a bit
            // shorter.
            Some(PublicKey::DSA(_)) => bits = dsa_prime_bits(cert).unwrap_or(0),
            _ => {}
        }
    }
    KeyInfo {
        algorithm,
        bits,
        curve,
        exponent,
        oid,
    }
}

/// Bits of the prime p in a DSA key's parameters (`Dss-Parms ::= SEQUENCE { p, q, g }`).
fn dsa_prime_bits(cert: &X509Certificate<'_>) -> Option<u32> {
    use x509_parser::der_parser::der::parse_der_integer;
    let params = cert
        .tbs_certificate
        .subject_pki
        .algorithm
        .parameters
        .as_ref()?;
    let (_, p) = parse_der_integer(params.data).ok()?;
    Some(int_bits(p.as_slice().ok()?))
}

fn signature_info(cert: &X509Certificate<'_>) -> SignatureInfo {
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let (algorithm, hash) = match signature_name(&oid) {
        Some((name @ "RSASSA-PSS", _)) => (name.to_string(), pss_hash(cert)),
        Some((name, hash)) => (name.to_string(), hash),
        None => (oid.clone(), HashAlgorithm::Unknown),
    };
    SignatureInfo {
        algorithm,
        hash,
        oid,
    }
}

/// The name and hash of a signature algorithm OID (RSASSA-PSS: its hash is in its parameters,
/// here [`HashAlgorithm::Unknown`]).
fn signature_name(oid: &str) -> Option<(&'static str, HashAlgorithm)> {
    use HashAlgorithm as H;
    Some(match oid {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", H::Md2),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", H::Md5),
        "1.2.840.113549.1.1.5" => ("sha1WithRSAEncryption", H::Sha1),
        "1.3.14.3.2.29" => ("sha1WithRSASignature", H::Sha1),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", H::Sha224),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", H::Sha256),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", H::Sha384),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", H::Sha512),
        "1.2.840.113549.1.1.10" => ("RSASSA-PSS", H::Unknown),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", H::Sha1),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", H::Sha224),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", H::Sha256),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", H::Sha384),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", H::Sha512),
        "1.2.840.10040.4.3" => ("dsa-with-sha1", H::Sha1),
        "2.16.840.1.101.3.4.3.1" => ("dsa-with-sha224", H::Sha224),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-sha256", H::Sha256),
        "1.3.101.112" => ("Ed25519", H::Intrinsic),
        "1.3.101.113" => ("Ed448", H::Intrinsic),
        _ => return None,
    })
}

/// The hash of RSASSA-PSS parameters (SHA-1 when absent, per RFC 4055).
fn pss_hash(cert: &X509Certificate<'_>) -> HashAlgorithm {
    use x509_parser::signature_algorithm::SignatureAlgorithm;
    match SignatureAlgorithm::try_from(&cert.signature_algorithm) {
        Ok(SignatureAlgorithm::RSASSA_PSS(params)) => {
            match params.hash_algorithm_oid().to_id_string().as_str() {
                "1.3.14.3.2.26" => HashAlgorithm::Sha1,
                "2.16.840.1.101.3.4.2.1" => HashAlgorithm::Sha256,
                "2.16.840.1.101.3.4.2.2" => HashAlgorithm::Sha384,
                "2.16.840.1.101.3.4.2.3" => HashAlgorithm::Sha512,
                "2.16.840.1.101.3.4.2.4" => HashAlgorithm::Sha224,
                _ => HashAlgorithm::Unknown,
            }
        }
        _ => HashAlgorithm::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_names_and_hashes() {
        use HashAlgorithm as H;
        // RFC 8017 A.2.4, RFC 3279 2.2, RFC 5758 3, RFC 4055, RFC 8410; 1.3.14.3.2.29 is OIW's.
        for (oid, name, hash) in [
            ("1.2.840.113549.1.1.2", "md2WithRSAEncryption", H::Md2),
            ("1.2.840.113549.1.1.4", "md5WithRSAEncryption", H::Md5),
            ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption", H::Sha1),
            ("1.3.14.3.2.29", "sha1WithRSASignature", H::Sha1),
            (
                "1.2.840.113549.1.1.14",
                "sha224WithRSAEncryption",
                H::Sha224,
            ),
            (
                "1.2.840.113549.1.1.11",
                "sha256WithRSAEncryption",
                H::Sha256,
            ),
            (
                "1.2.840.113549.1.1.12",
                "sha384WithRSAEncryption",
                H::Sha384,
            ),
            (
                "1.2.840.113549.1.1.13",
                "sha512WithRSAEncryption",
                H::Sha512,
            ),
            ("1.2.840.113549.1.1.10", "RSASSA-PSS", H::Unknown),
            ("1.2.840.10045.4.1", "ecdsa-with-SHA1", H::Sha1),
            ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224", H::Sha224),
            ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", H::Sha256),
            ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", H::Sha384),
            ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", H::Sha512),
            ("1.2.840.10040.4.3", "dsa-with-sha1", H::Sha1),
            ("2.16.840.1.101.3.4.3.1", "dsa-with-sha224", H::Sha224),
            ("2.16.840.1.101.3.4.3.2", "dsa-with-sha256", H::Sha256),
            ("1.3.101.112", "Ed25519", H::Intrinsic),
            ("1.3.101.113", "Ed448", H::Intrinsic),
        ] {
            assert_eq!(signature_name(oid), Some((name, hash)), "{oid}");
        }
        assert_eq!(signature_name("1.2.840.113549.1.1.3"), None); // md4WithRSA
    }

    #[test]
    fn curve_names_and_sizes() {
        // RFC 5480 2.1.1.1, SEC 2, RFC 5639.
        for (oid, name, bits) in [
            ("1.2.840.10045.3.1.7", "P-256", 256),
            ("1.3.132.0.34", "P-384", 384),
            ("1.3.132.0.35", "P-521", 521),
            ("1.3.132.0.33", "P-224", 224),
            ("1.2.840.10045.3.1.1", "P-192", 192),
            ("1.3.132.0.10", "secp256k1", 256),
            ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 256),
            ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 384),
            ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 512),
        ] {
            assert_eq!(curve_name(oid), Some((name, bits)), "{oid}");
        }
        assert_eq!(curve_name("1.3.132.0.1"), None);
    }

    #[test]
    fn which_keys_can_have_made_which_signatures() {
        use KeyAlgorithm as K;
        let sha256_rsa = "1.2.840.113549.1.1.11";
        let sha1_rsa_oiw = "1.3.14.3.2.29";
        let ecdsa_sha256 = "1.2.840.10045.4.3.2";
        let ed25519 = "1.3.101.112";
        let ed448 = "1.3.101.113";
        let dsa_sha1 = "1.2.840.10040.4.3";
        let dsa_sha256 = "2.16.840.1.101.3.4.3.2";
        let all = [
            sha256_rsa,
            sha1_rsa_oiw,
            ecdsa_sha256,
            ed25519,
            ed448,
            dsa_sha1,
            dsa_sha256,
        ];
        let fits = |k: K| -> Vec<&str> {
            all.iter()
                .copied()
                .filter(|oid| key_fits_signature(k, oid))
                .collect()
        };
        assert_eq!(fits(K::Rsa), [sha256_rsa, sha1_rsa_oiw]);
        assert_eq!(fits(K::Ec), [ecdsa_sha256]);
        assert_eq!(fits(K::Ed25519), [ed25519]);
        assert_eq!(fits(K::Ed448), [ed448]);
        assert_eq!(fits(K::Dsa), [dsa_sha1, dsa_sha256]);
        assert_eq!(fits(K::Other), all);
    }

    #[test]
    fn int_bits_counts_significant_bits() {
        assert_eq!(int_bits(&[]), 0);
        assert_eq!(int_bits(&[0, 0]), 0);
        assert_eq!(int_bits(&[0x00, 0x80, 0]), 16);
        assert_eq!(int_bits(&[0x01]), 1);
        let mut m = vec![0u8; 257];
        m[1] = 0xc3;
        assert_eq!(int_bits(&m), 2048);
    }

    #[test]
    fn tls_feature_parsing() {
        assert!(tls_feature_has_status_request(&[0x30, 3, 2, 1, 5]));
        assert!(tls_feature_has_status_request(&[
            0x30, 6, 2, 1, 9, 2, 1, 17
        ]));
        assert!(!tls_feature_has_status_request(&[0x30, 3, 2, 1, 6]));
        assert!(!tls_feature_has_status_request(&[0x30, 9, 2, 1, 5]));
        assert!(!tls_feature_has_status_request(&[0x30, 3, 2, 9, 5]));
        assert!(!tls_feature_has_status_request(&[]));
    }
}
