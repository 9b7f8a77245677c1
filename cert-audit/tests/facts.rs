//! Per-certificate and chain-level facts read from the fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{HashAlgorithm, KeyAlgorithm};
use common::*;
use sha2::{Digest, Sha256};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn leaf_good_facts() {
    let r = run(&["leaf-good", "int"]);
    let c = &r.certificates[0];
    let der = cert("leaf-good");
    assert_eq!(c.der_len, der.len());
    assert_eq!(c.sha256, hex(&Sha256::digest(&der)));
    let f = c.facts.as_ref().unwrap();
    assert_eq!(f.version, 3);
    assert_eq!(f.subject, "CN=mx.example.test");
    assert!(
        f.issuer.contains("CN=Mxray Test Intermediate"),
        "{}",
        f.issuer
    );
    assert_eq!(f.issuer_org.as_deref(), Some("Mxray Test CA"));
    assert_eq!(f.subject_cn.as_deref(), Some("mx.example.test"));
    assert_eq!(f.serial_hex, "1001");
    assert!(!f.serial_negative && !f.serial_zero);
    assert_eq!(f.not_before, "2025-01-01T00:00:00Z");
    assert_eq!(f.not_after, "2025-12-01T00:00:00Z");
    assert_eq!(f.not_before_unix, 1_735_689_600);
    assert_eq!(f.validity_days, 334);
    assert_eq!(f.dns_names, vec!["mx.example.test"]);
    assert!(f.has_san);
    assert_eq!(f.key.algorithm, KeyAlgorithm::Rsa);
    assert_eq!(f.key.bits, 2048);
    assert_eq!(f.signature.algorithm, "sha256WithRSAEncryption");
    assert_eq!(f.signature.hash, HashAlgorithm::Sha256);
    assert_eq!(f.spki_sha256, hex(&Sha256::digest(spki(&der))));
    assert!(!f.self_issued && !f.self_signed && !f.is_ca);
    let ku = f.key_usage.as_ref().unwrap();
    assert!(
        ku.contains(&"digital_signature".to_string())
            && ku.contains(&"key_encipherment".to_string())
    );
    let eku = f.extended_key_usage.as_ref().unwrap();
    assert!(eku.server_auth && !eku.client_auth && !eku.any);
    assert_eq!(f.ocsp_urls, vec!["http://ocsp.example.test"]);
    assert_eq!(f.aia_ca_issuers, vec!["http://ca.example.test/int.crt"]);
    assert_eq!(f.crl_urls, vec!["http://crl.example.test/int.crl"]);
    assert_eq!(f.sct_count, 0);
    assert!(!f.must_staple);
}

#[test]
fn ec_leaf_key_and_must_staple() {
    let r = run(&["leaf-ec", "int"]);
    let f = r.leaf().unwrap();
    assert_eq!(f.key.algorithm, KeyAlgorithm::Ec);
    assert_eq!(f.key.curve.as_deref(), Some("P-256"));
    assert_eq!(f.key.bits, 256);
    assert!(f.must_staple);
    assert!(f.ocsp_urls.is_empty() && f.crl_urls.is_empty());
    let f = run(&["leaf-ec192", "int"]).leaf().cloned().unwrap();
    assert_eq!((f.key.curve.as_deref(), f.key.bits), (Some("P-192"), 192));
}

#[test]
fn root_and_intermediate_facts() {
    let r = run(&["leaf-good", "int", "root"]);
    let int = r.certificates[1].facts.as_ref().unwrap();
    assert!(int.is_ca && !int.self_signed);
    assert_eq!(
        int.key_usage.as_deref().unwrap(),
        ["key_cert_sign", "crl_sign"]
    );
    let root = r.certificates[2].facts.as_ref().unwrap();
    assert!(root.is_ca && root.self_signed && root.self_issued);
    assert_eq!(root.subject, root.issuer);
}

#[test]
fn weak_algorithms_and_serials() {
    assert_eq!(run(&["leaf-rsa1024", "int"]).leaf().unwrap().key.bits, 1024);
    let md5 = run(&["leaf-md5", "int"]);
    assert_eq!(md5.leaf().unwrap().signature.hash, HashAlgorithm::Md5);
    assert_eq!(
        md5.leaf().unwrap().signature.algorithm,
        "md5WithRSAEncryption"
    );
    assert_eq!(
        run(&["leaf-sha1", "int"]).leaf().unwrap().signature.hash,
        HashAlgorithm::Sha1
    );
    let v1 = run(&["leaf-v1", "int"]);
    let v1 = v1.leaf().unwrap();
    assert_eq!(v1.version, 1);
    assert!(v1.key_usage.is_none() && v1.extended_key_usage.is_none() && !v1.has_san);
    let neg = run(&["leaf-neg-serial"]);
    let neg = neg.leaf().unwrap();
    assert!(neg.serial_negative);
    assert_eq!(neg.serial_hex, "fb");
    let zero = run(&["leaf-zero-serial", "int"]);
    assert!(zero.leaf().unwrap().serial_zero);
    assert_eq!(zero.leaf().unwrap().serial_hex, "00");
}

#[test]
fn self_signed_detection_uses_the_signature() {
    assert!(run(&["selfsigned"]).leaf().unwrap().self_signed);
    // The MD5 self-signed case falls back to key identifiers: the v1 leaf is not self-issued.
    assert!(!run(&["leaf-v1", "int"]).leaf().unwrap().self_signed);
}

#[test]
fn chain_facts_in_order() {
    let r = run(&["leaf-good", "int", "root"]);
    assert_eq!(r.chain.length, 3);
    assert_eq!(r.chain.path, vec![0, 1, 2]);
    assert_eq!(r.chain.root_sent, Some(2));
    assert!(!r.chain.out_of_order && !r.chain.leaf_not_first);
    assert!(r.chain.duplicates.is_empty() && r.chain.extra.is_empty());
    let total: usize = ["leaf-good", "int", "root"]
        .iter()
        .map(|n| cert(n).len())
        .sum();
    assert_eq!(r.chain.total_bytes, total);
}

#[test]
fn chain_facts_disorder() {
    let r = run(&["leaf-good", "root", "int"]);
    assert_eq!(r.chain.path, vec![0, 2, 1]);
    assert!(r.chain.out_of_order);
    let r = run(&["int", "leaf-good"]);
    assert!(r.chain.leaf_not_first);
    assert!(
        r.chain.extra.is_empty(),
        "the misplaced leaf is not 'extra'"
    );
    let r = run(&["leaf-good", "int", "int", "leaf-good"]);
    assert_eq!(r.chain.duplicates, vec![2, 3]);
    let r = run(&["leaf-good", "int", "evil-root"]);
    assert_eq!(r.chain.extra, vec![2]);
}

#[test]
fn embedded_scts_are_counted() {
    assert_eq!(run(&["leaf-sct", "int"]).leaf().unwrap().sct_count, 2);
    assert_eq!(run(&["leaf-good", "int"]).leaf().unwrap().sct_count, 0);
}

/// Two presented issuers with the same name: the path takes the one right after its subject, or
/// else the first one presented (the order a server meant), never a later one.
#[test]
fn the_path_prefers_the_next_certificate_then_the_first_match() {
    let r = run(&["xs-leaf", "xs-int", "xs-int-expired"]);
    assert_eq!(r.chain.path, vec![0, 1]);
    assert!(!r.chain.out_of_order);
    assert_eq!(r.chain.extra, vec![2]);
    let r = run(&["xs-leaf", "xs-int-expired", "xs-int"]);
    assert_eq!(r.chain.path, vec![0, 1]);
    let r = run(&["xs-leaf", "root", "xs-int", "xs-int-expired"]);
    assert_eq!(r.chain.path, vec![0, 2]);
    assert!(r.chain.out_of_order);
    assert_eq!(r.chain.extra, vec![1, 3]);
}

/// After a CA sent first, only end-entity certificates count as misplaced leaves: an unrelated CA
/// certificate there is extra.
#[test]
fn a_misplaced_leaf_is_an_end_entity_certificate_only() {
    let r = run(&["int", "leaf-good", "int-sha1"]);
    assert!(r.chain.leaf_not_first);
    assert_eq!(r.chain.extra, vec![2]);
}

/// Key sizes from the key type (Ed25519, Ed448), the curve's point (an unnamed curve), the DSA
/// prime (not the shorter public value).
#[test]
fn key_sizes_of_every_key_type() {
    use cert_audit::KeyAlgorithm as K;
    let key = |name: &str| run(&[name]).certificates[0].facts.clone().unwrap().key;
    let k = key("key-ed25519");
    assert_eq!(
        (k.algorithm, k.bits, k.oid.as_str()),
        (K::Ed25519, 256, "1.3.101.112")
    );
    let k = key("key-ed448");
    assert_eq!(
        (k.algorithm, k.bits, k.oid.as_str()),
        (K::Ed448, 456, "1.3.101.113")
    );
    let k = key("key-ec239");
    assert_eq!((k.algorithm, k.bits), (K::Ec, 240));
    assert_eq!(k.curve.as_deref(), Some("1.2.840.10045.3.1.4"));
    // lint-dsa's public value y has 2,047 bits; its prime p has 2,048.
    let k = key("lint-dsa");
    assert_eq!((k.algorithm, k.bits), (K::Dsa, 2048));
}

/// RSASSA-PSS: the hash comes from the signature's parameters (SHA-1 when they name none), and
/// an RSA-PSS key is an RSA key of its modulus' size.
#[test]
fn pss_signatures_name_their_hash() {
    use cert_audit::HashAlgorithm as H;
    for (name, hash) in [
        ("pss-sha1", H::Sha1),
        ("pss-sha224", H::Sha224),
        ("pss-sha256", H::Sha256),
        ("pss-sha384", H::Sha384),
        ("pss-sha512", H::Sha512),
    ] {
        let r = run(&[name]);
        // Before the key was read, a 2048-bit PSS key counted as a 0-bit RSA key.
        assert!(!r.has(cert_audit::FindingId::WeakRsaKey), "{name}");
        let f = r.certificates[0].facts.clone().unwrap();
        assert_eq!(f.signature.algorithm, "RSASSA-PSS", "{name}");
        assert_eq!(f.signature.hash, hash, "{name}");
        assert_eq!(f.key.algorithm, KeyAlgorithm::Rsa, "{name}");
        assert_eq!(f.key.bits, 2048, "{name}");
    }
}

/// A key of an algorithm cert-audit does not know is not read as RSA, even when its bits would
/// parse as an RSAPublicKey (only id-RSASSA-PSS is read that way, besides rsaEncryption).
#[test]
fn an_unknown_key_algorithm_is_not_read_as_rsa() {
    use cert_audit::KeyAlgorithm as K;
    let rsa_encryption = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    let mut der = cert("leaf-good").to_vec();
    let at = der
        .windows(rsa_encryption.len())
        .position(|w| w == rsa_encryption)
        .unwrap();
    // 1.2.840.113549.1.1.99: same length, no such algorithm.
    der[at + rsa_encryption.len() - 1] = 99;
    let chain = vec![cert_audit::CertificateDer::from(der)];
    let r = cert_audit::audit(
        &cert_audit::AuditInput::new(&chain, NOW).mx_host(MX),
        &test_store(),
    );
    let k = r.certificates[0].facts.clone().unwrap().key;
    assert_eq!(k.oid, "1.2.840.113549.1.1.99");
    assert_eq!((k.algorithm, k.bits, k.exponent), (K::Other, 0, None));
}
