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
    /// Public key.
    pub key: KeyInfo,
    /// Signature algorithm.
    pub signature: SignatureInfo,
    /// SHA-256 of the SubjectPublicKeyInfo, hex (for key-reuse analysis and TLSA `x 1 1`).
    pub spki_sha256: String,
    /// Subject and issuer names are identical.
    pub self_issued: bool,
    /// Self-issued and the signature verifies with the certificate's own key (or, for signature
    /// algorithms that cannot be checked here, such as MD5, self-issued with matching key ids).
    pub self_signed: bool,
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

/// What the chain-level analysis needs beyond [`CertFacts`]: raw names for exact comparison.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub(crate) facts: CertFacts,
    pub(crate) subject_raw: Vec<u8>,
    pub(crate) issuer_raw: Vec<u8>,
    pub(crate) spki_der: Vec<u8>,
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
        key: key_info(cert),
        signature: signature_info(cert),
        spki_sha256: hex(&Sha256::digest(&spki_der)),
        self_issued,
        self_signed: false,
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
                        GeneralName::IPAddress(b) => {
                            if let Some(ip) = ip_from_bytes(b) {
                                facts.ip_addresses.push(ip);
                            }
                        }
                        _ => {}
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
    facts.self_signed = self_issued && self_signature_ok(cert, aki.as_deref(), ski.as_deref());
    Parsed {
        facts,
        subject_raw,
        issuer_raw,
        spki_der,
    }
}

fn self_signature_ok(cert: &X509Certificate<'_>, aki: Option<&[u8]>, ski: Option<&[u8]>) -> bool {
    match cert.verify_signature(None) {
        Ok(()) => true,
        // MD5, DSA... cannot be checked with ring: fall back to the key identifiers.
        Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => match (aki, ski) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        },
        Err(_) => false,
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
            let len = u32::try_from(trimmed.len()).unwrap_or(u32::MAX / 8);
            (len - 1)
                .saturating_mul(8)
                .saturating_add(8 - first.leading_zeros())
        }
        None => 0,
    }
}

fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
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
    if bits == 0 {
        match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => bits = int_bits(rsa.modulus),
            Ok(PublicKey::EC(point)) => {
                // Uncompressed point: 04 || X || Y; the field size is half the rest.
                let len = point.data().len().saturating_sub(1) / 2;
                bits = u32::try_from(len.saturating_mul(8)).unwrap_or(0);
                if curve.is_none() {
                    curve = Some("unknown".to_string());
                }
            }
            Ok(PublicKey::DSA(y)) => bits = int_bits(y),
            _ => {}
        }
    }
    KeyInfo {
        algorithm,
        bits,
        curve,
        oid,
    }
}

fn signature_info(cert: &X509Certificate<'_>) -> SignatureInfo {
    use HashAlgorithm as H;
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let (name, hash) = match oid.as_str() {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", H::Md2),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", H::Md5),
        "1.2.840.113549.1.1.5" => ("sha1WithRSAEncryption", H::Sha1),
        "1.3.14.3.2.29" => ("sha1WithRSASignature", H::Sha1),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", H::Sha224),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", H::Sha256),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", H::Sha384),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", H::Sha512),
        "1.2.840.113549.1.1.10" => ("RSASSA-PSS", pss_hash(cert)),
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
        _ => ("", H::Unknown),
    };
    let algorithm = if name.is_empty() {
        oid.clone()
    } else {
        name.to_string()
    };
    SignatureInfo {
        algorithm,
        hash,
        oid,
    }
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
