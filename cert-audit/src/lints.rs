//! Baseline lints of the kind a CA/B Forum linter runs, limited to what matters for a mail
//! server's certificate: names in the subjectAltName, keys, key usages, serial and time encodings,
//! where a sender can find a missing issuer or revocation data.
//!
//! Each lint is a [`FindingId`] with a severity and a reference ([`FindingId::reference`]). The
//! facts they read are in [`CertFacts`]; what is not worth a public field (the RSA modulus, the
//! time encodings) is read from the crate-internal parse.
//!
//! Deliberate differences from a CA linter (pkilint): these lints judge what a server presents,
//! whoever issued it, so key and name lints apply to private and self-signed chains too.
//!
//! Not checked: ROCA-vulnerable moduli (CVE-2017-15361). No maintained Rust crate detects them
//! (the reference detector is the Python `roca-detect`), and the fingerprint's 38 primes and
//! markers are not worth a hand-copied table here; moduli whose primes are close are caught by
//! Fermat's method ([`fermat_factor`]).

use std::net::IpAddr;

use num_bigint::BigUint;

use crate::facts::{KeyAlgorithm, Parsed};
use crate::findings::{Finding, FindingId, Severity};
use crate::trust::TrustClass;

/// Longest DNS name, in octets (RFC 1034 section 3.1, without the root's length octet).
pub const MAX_DNS_NAME: usize = 253;
/// Longest DNS label, in octets (RFC 1034 section 3.1).
pub const MAX_DNS_LABEL: usize = 63;
/// Longest serial number, in octets (RFC 5280 section 4.1.2.2).
pub const MAX_SERIAL_OCTETS: usize = 20;
/// Steps of Fermat's method tried on an RSA modulus: enough for primes that share their upper
/// half (the flawed generators found by Böck, 2022, fall in the first step or few).
pub const FERMAT_STEPS: u32 = 100;
/// Largest modulus Fermat's method is tried on, in bits (bounds the work on hostile input).
pub const FERMAT_MAX_BITS: u32 = 8192;
/// The smallest public exponent the Baseline Requirements recommend (2^16 + 1).
pub const RECOMMENDED_MIN_EXPONENT: u64 = 65_537;

/// True for the lints that are rules of what a publicly trusted CA may issue (CA/B Forum
/// Baseline Requirements) and say little about a private or self-signed chain: they are reported
/// only for a chain trusted under a public store, unless [`crate::AuditInput::all_lints`] asks for
/// all. The others (key strength, name syntax a sender matches against, a wildcard over a public
/// suffix, CA usages on a leaf, where a sender could fetch a missing issuer) apply to every chain.
///
/// ```
/// use cert_audit::{lints::binds_public_cas_only, FindingId};
/// assert!(binds_public_cas_only(FindingId::SanReservedIp));
/// assert!(!binds_public_cas_only(FindingId::RsaClosePrimes));
/// ```
pub fn binds_public_cas_only(id: FindingId) -> bool {
    use FindingId as F;
    matches!(
        id,
        F::SanBadTld
            | F::SanReservedIp
            | F::SanOtherType
            | F::CnNotInSan
            | F::MissingSan
            | F::KeyUsageMismatch
            | F::EkuMissing
            | F::EkuExtra
            | F::NoRevocationInfo
            | F::SerialTooLong
            | F::TimeEncoding
            | F::RsaModulusSize
    )
}

/// Every lint is about one certificate: [`crate::findings::push`] with its index.
fn push(out: &mut Vec<Finding>, id: FindingId, severity: Severity, idx: usize, message: String) {
    crate::findings::push(out, id, severity, Some(idx), message);
}

/// Lints of one parsed certificate (`idx` in the chain as presented); leaf-only lints when
/// `idx == 0`.
pub(crate) fn certificate_lints(idx: usize, p: &Parsed, out: &mut Vec<Finding>) {
    use FindingId as F;
    use Severity as S;
    let c = &p.facts;
    key_lints(idx, p, out);
    if c.serial_hex.len() / 2 > MAX_SERIAL_OCTETS {
        push(
            out,
            F::SerialTooLong,
            S::Medium,
            idx,
            format!(
                "certificate {idx} has a {}-octet serial number (at most {MAX_SERIAL_OCTETS})",
                c.serial_hex.len() / 2
            ),
        );
    }
    for (which, unix, utc) in [
        ("notBefore", c.not_before_unix, p.utc_times.0),
        ("notAfter", c.not_after_unix, p.utc_times.1),
    ] {
        // UTCTime through 2049, GeneralizedTime from 2050 (2524608000 = 2050-01-01).
        let want_utc = unix < 2_524_608_000;
        if want_utc != utc {
            push(
                out,
                F::TimeEncoding,
                S::Low,
                idx,
                format!(
                    "certificate {idx}'s {which} is encoded as {} (RFC 5280 wants {} for that year)",
                    if utc { "UTCTime" } else { "GeneralizedTime" },
                    if want_utc { "UTCTime" } else { "GeneralizedTime" },
                ),
            );
        }
    }
}

fn key_lints(idx: usize, p: &Parsed, out: &mut Vec<Finding>) {
    use FindingId as F;
    use Severity as S;
    let k = &p.facts.key;
    match k.algorithm {
        KeyAlgorithm::Dsa => push(
            out,
            F::DsaKey,
            S::High,
            idx,
            format!("certificate {idx} has a DSA key, which no current TLS client accepts"),
        ),
        KeyAlgorithm::Ec => {
            let curve = k.curve.as_deref().unwrap_or("unknown");
            if !matches!(curve, "P-256" | "P-384" | "P-521") {
                push(
                    out,
                    F::EcCurveNotAllowed,
                    S::Medium,
                    idx,
                    format!(
                        "certificate {idx} has an EC key on {curve}, not P-256, P-384 or P-521"
                    ),
                );
            }
        }
        KeyAlgorithm::Rsa => {
            if let Some(e) = k.exponent {
                if e < 3 || e % 2 == 0 {
                    push(
                        out,
                        F::RsaExponent,
                        S::Critical,
                        idx,
                        format!("certificate {idx}'s RSA public exponent is {e}: not an odd number of at least 3, so the key is broken"),
                    );
                } else if e < RECOMMENDED_MIN_EXPONENT {
                    push(
                        out,
                        F::RsaExponent,
                        S::Low,
                        idx,
                        format!("certificate {idx}'s RSA public exponent is {e}, under the recommended 65537"),
                    );
                }
            }
            if k.bits % 8 != 0 {
                push(
                    out,
                    F::RsaModulusSize,
                    S::Low,
                    idx,
                    format!(
                        "certificate {idx}'s RSA modulus has {} bits, not a multiple of 8",
                        k.bits
                    ),
                );
            }
            if let Some(n) = &p.rsa_modulus {
                if let Some(steps) = fermat_factor(n, FERMAT_STEPS) {
                    push(
                        out,
                        F::RsaClosePrimes,
                        S::Critical,
                        idx,
                        format!("certificate {idx}'s RSA modulus factors by Fermat's method in {steps} step(s): its primes are too close, the private key is recoverable"),
                    );
                }
            }
        }
        _ => {}
    }
}

/// Tries Fermat's factorisation of `n` (big-endian) for up to `steps` steps; the step at which a
/// factorisation was found, if one was (1 and 0 have none). Even moduli and moduli over
/// [`FERMAT_MAX_BITS`] are not tried.
///
/// ```
/// use cert_audit::lints::fermat_factor;
/// // 10007 * 10009: close primes.
/// assert_eq!(fermat_factor(&(10_007u64 * 10_009).to_be_bytes(), 10), Some(1));
/// // 10007 * 65537: far apart.
/// assert_eq!(fermat_factor(&(10_007u64 * 65_537).to_be_bytes(), 10), None);
/// ```
pub fn fermat_factor(n: &[u8], steps: u32) -> Option<u32> {
    let (n, mut a) = fermat_start(n)?;
    // b2 = a^2 - n, kept up to date as a grows ((a + 1)^2 - n = b2 + 2a + 1): one square root
    // only where the residues allow a square, not one per step.
    let mut b2 = &a * &a - &n;
    for step in 1..=steps {
        if may_be_square(&b2) {
            let b = b2.sqrt();
            if &b * &b == b2 {
                // n = (a - b)(a + b); a factor of 1 is no factorisation.
                let p = &a - &b;
                return (p > BigUint::from(1u32)).then_some(step);
            }
        }
        b2 += &a;
        b2 += &a;
        b2 += 1u32;
        a += 1u32;
    }
    None
}

/// The modulus `n` and Fermat's first `a` (the ceiling of its square root), or `None` when `n`
/// is not tried (even, or over [`FERMAT_MAX_BITS`]).
fn fermat_start(n: &[u8]) -> Option<(BigUint, BigUint)> {
    let n = BigUint::from_bytes_be(n);
    if n.bits() > u64::from(FERMAT_MAX_BITS) || !n.bit(0) {
        return None;
    }
    let mut a = n.sqrt();
    if &a * &a < n {
        a += 1u32;
    }
    Some((n, a))
}

/// `table[r]` is true when `r` is a square modulo `M` (`table.len()`), built at compile time.
// `k * k % M < M`, and this runs at compile time, where an out-of-bounds index fails the build.
#[allow(clippy::indexing_slicing)]
const fn square_residues<const M: usize>() -> [bool; M] {
    let mut table = [false; M];
    let mut k = 0;
    while k < M {
        table[k * k % M] = true;
        k += 1;
    }
    table
}

/// The moduli of the square filter, as residue tables; their product (2,882,880) fits a u32.
const SQUARES_64: [bool; 64] = square_residues::<64>();
const SQUARES_63: [bool; 63] = square_residues::<63>();
const SQUARES_65: [bool; 65] = square_residues::<65>();
const SQUARES_11: [bool; 11] = square_residues::<11>();
const SQUARE_FILTER_PRODUCT: u32 = 64 * 63 * 65 * 11;

/// False when `x` is certainly not a perfect square: its residue modulo 64, 63, 65 or 11 is not
/// a square residue (about 1 number in 120 passes all four). True means "maybe".
fn may_be_square(x: &BigUint) -> bool {
    let r = (x % SQUARE_FILTER_PRODUCT)
        .iter_u32_digits()
        .next()
        .unwrap_or(0);
    let square_mod = |table: &[bool]| {
        let m = table.len() as u32;
        table.get((r % m) as usize).copied().unwrap_or(false)
    };
    square_mod(&SQUARES_64)
        && square_mod(&SQUARES_63)
        && square_mod(&SQUARES_65)
        && square_mod(&SQUARES_11)
}

/// Lints of the leaf only: names, key usages, extended key usages, revocation and issuer data.
pub(crate) fn leaf_lints(p: &Parsed, trust: &TrustClass, out: &mut Vec<Finding>) {
    use FindingId as F;
    use Severity as S;
    let c = &p.facts;
    if !c.has_san {
        push(
            out,
            F::MissingSan,
            S::Medium,
            0,
            "the leaf has no subjectAltName extension".to_string(),
        );
    }
    if let Some(cn) = &c.subject_cn {
        let in_san = c.dns_names.iter().any(|n| n.eq_ignore_ascii_case(cn))
            || cn
                .parse::<IpAddr>()
                .is_ok_and(|ip| c.ip_addresses.contains(&ip));
        if !in_san {
            push(
                out,
                F::CnNotInSan,
                S::Low,
                0,
                format!("the leaf's subject CN {cn:?} is not among its subjectAltName names"),
            );
        }
    }
    for name in &c.dns_names {
        dns_name_lints(name, out);
    }
    for ip in &c.ip_addresses {
        if let Some(range) = reserved_range(*ip) {
            push(
                out,
                F::SanReservedIp,
                S::Medium,
                0,
                format!("the leaf names the reserved address {ip} ({range})"),
            );
        }
    }
    if !c.san_other.is_empty() {
        push(
            out,
            F::SanOtherType,
            S::Low,
            0,
            format!(
                "the leaf's subjectAltName has entries other than DNS names and IP addresses: {}",
                c.san_other.join(", ")
            ),
        );
    }
    if let Some(ku) = &c.key_usage {
        let has = |n: &str| ku.iter().any(|k| k == n);
        if !c.is_ca && (has("key_cert_sign") || has("crl_sign")) {
            push(
                out,
                F::LeafKeyUsageCa,
                S::Medium,
                0,
                "the leaf's keyUsage allows signing certificates or CRLs".to_string(),
            );
        }
        let misfit: Vec<&str> = match c.key.algorithm {
            KeyAlgorithm::Rsa => ["key_agreement", "encipher_only", "decipher_only"]
                .into_iter()
                .filter(|n| has(n))
                .collect(),
            KeyAlgorithm::Ec => ["key_encipherment", "data_encipherment"]
                .into_iter()
                .filter(|n| has(n))
                .collect(),
            KeyAlgorithm::Ed25519 | KeyAlgorithm::Ed448 => {
                ["key_encipherment", "data_encipherment", "key_agreement"]
                    .into_iter()
                    .filter(|n| has(n))
                    .collect()
            }
            _ => Vec::new(),
        };
        if !misfit.is_empty() {
            push(
                out,
                F::KeyUsageMismatch,
                S::Low,
                0,
                format!(
                    "the leaf's keyUsage has {} which its key type cannot do",
                    misfit.join(", ")
                ),
            );
        }
    }
    match &c.extended_key_usage {
        None => push(
            out,
            F::EkuMissing,
            S::Low,
            0,
            "the leaf has no extendedKeyUsage extension".to_string(),
        ),
        Some(eku) => {
            let mut extra: Vec<String> = eku.other.clone();
            if eku.any {
                extra.push("any".to_string());
            }
            if !extra.is_empty() {
                push(
                    out,
                    F::EkuExtra,
                    S::Low,
                    0,
                    format!(
                        "the leaf's extendedKeyUsage has purposes beyond serverAuth and clientAuth: {}",
                        extra.join(", ")
                    ),
                );
            }
        }
    }
    if c.crl_urls.is_empty() && c.ocsp_urls.is_empty() {
        push(
            out,
            F::NoRevocationInfo,
            S::Info,
            0,
            "the leaf names no CRL and no OCSP responder".to_string(),
        );
    }
    if *trust == TrustClass::IncompleteChain && c.aia_ca_issuers.is_empty() {
        push(
            out,
            F::NoAiaCaIssuers,
            S::Low,
            0,
            "the chain is incomplete and the leaf has no caIssuers URL a sender could fetch the missing issuer from".to_string(),
        );
    }
}

/// Lints of one DNS name of the subjectAltName.
fn dns_name_lints(name: &str, out: &mut Vec<Finding>) {
    use FindingId as F;
    use Severity as S;
    if let Some(problem) = dns_name_problem(name) {
        push(
            out,
            F::SanDnsInvalid,
            S::Medium,
            0,
            format!("the leaf's DNS name {name:?} is not a valid host name: {problem}"),
        );
        return;
    }
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_prefix("*.").unwrap_or(&lower);
    // RFC 6761 special-use names exist for tests and local use only: not linted as TLDs.
    let special_use = ["test", "example", "invalid", "localhost"]
        .iter()
        .any(|t| base == *t || base.ends_with(&format!(".{t}")));
    for label in base.split('.') {
        if label.starts_with("xn--") && !a_label_round_trips(label) {
            push(
                out,
                F::SanIdnInvalid,
                S::Medium,
                0,
                format!(
                    "the leaf's DNS name {name:?} has an A-label {label:?} that is not valid IDNA"
                ),
            );
        }
    }
    match psl::suffix(base.as_bytes()) {
        _ if special_use => {}
        Some(suffix) if !suffix.is_known() => push(
            out,
            F::SanBadTld,
            S::Low,
            0,
            format!(
                "the leaf's DNS name {name:?} ends in {:?}, which is not a public top-level domain",
                String::from_utf8_lossy(suffix.as_bytes())
            ),
        ),
        Some(suffix) if suffix.as_bytes() == base.as_bytes() => {
            if lower.starts_with("*.") {
                push(
                    out,
                    F::WildcardPublicSuffix,
                    S::High,
                    0,
                    format!("the leaf's wildcard {name:?} covers every domain under the public suffix {base:?}"),
                );
            } else {
                push(
                    out,
                    F::SanBadTld,
                    S::Low,
                    0,
                    format!("the leaf's DNS name {name:?} is a bare public suffix"),
                );
            }
        }
        _ => {}
    }
}

/// Why `name` (a subjectAltName DNS name, optionally `*.`-prefixed) is not a valid host name.
///
/// ```
/// use cert_audit::lints::dns_name_problem;
/// assert_eq!(dns_name_problem("mx.example.org"), None);
/// assert_eq!(dns_name_problem("*.example.org"), None);
/// assert!(dns_name_problem("mx_1.example.org").is_some());
/// assert!(dns_name_problem("-mx.example.org").is_some());
/// assert!(dns_name_problem("mx..example.org").is_some());
/// ```
pub fn dns_name_problem(name: &str) -> Option<String> {
    let base = name.strip_prefix("*.").unwrap_or(name);
    if name.len() > MAX_DNS_NAME {
        return Some(format!("{} octets, more than {MAX_DNS_NAME}", name.len()));
    }
    if base.is_empty() {
        return Some("empty".to_string());
    }
    for label in base.split('.') {
        if label.is_empty() {
            return Some("an empty label".to_string());
        }
        if label.len() > MAX_DNS_LABEL {
            return Some(format!(
                "a label of {} octets, more than {MAX_DNS_LABEL}",
                label.len()
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!("label {label:?} starts or ends with a hyphen"));
        }
        if let Some(bad) = label
            .chars()
            .find(|ch| !(ch.is_ascii_alphanumeric() || *ch == '-'))
        {
            return Some(format!("label {label:?} has the character {bad:?}"));
        }
    }
    None
}

/// True when an `xn--` label decodes as IDNA and encodes back to itself.
fn a_label_round_trips(label: &str) -> bool {
    let (unicode, result) = idna::domain_to_unicode(label);
    if result.is_err() {
        return false;
    }
    idna::domain_to_ascii_strict(&unicode).is_ok_and(|ascii| ascii.eq_ignore_ascii_case(label))
}

/// The reserved range (RFC 6890 and the IANA special-purpose registries) an address falls in.
///
/// ```
/// use cert_audit::lints::reserved_range;
/// assert!(reserved_range("10.1.2.3".parse().unwrap()).is_some());
/// assert!(reserved_range("fe80::1".parse().unwrap()).is_some());
/// assert_eq!(reserved_range("192.0.43.10".parse().unwrap()), None);
/// ```
pub fn reserved_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Some(match (a, b, c) {
                (0, _, _) => "0.0.0.0/8, this network",
                (10, _, _) => "10.0.0.0/8, private",
                (100, 64..=127, _) => "100.64.0.0/10, shared address space",
                (127, _, _) => "127.0.0.0/8, loopback",
                (169, 254, _) => "169.254.0.0/16, link local",
                (172, 16..=31, _) => "172.16.0.0/12, private",
                (192, 0, 0) => "192.0.0.0/24, IETF protocol assignments",
                (192, 0, 2) => "192.0.2.0/24, documentation",
                (192, 88, 99) => "192.88.99.0/24, 6to4 relay anycast",
                (192, 168, _) => "192.168.0.0/16, private",
                (198, 18..=19, _) => "198.18.0.0/15, benchmarking",
                (198, 51, 100) => "198.51.100.0/24, documentation",
                (203, 0, 113) => "203.0.113.0/24, documentation",
                (224..=239, _, _) => "224.0.0.0/4, multicast",
                (240..=255, _, _) => "240.0.0.0/4, reserved",
                _ => return None,
            })
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return reserved_range(IpAddr::V4(v4))
                    .map(|_| "::ffff:0:0/96, IPv4-mapped reserved");
            }
            let s = v6.segments();
            let first = s.first().copied().unwrap_or(0);
            let second = s.get(1).copied().unwrap_or(0);
            Some(if v6.is_unspecified() {
                "::/128, unspecified"
            } else if v6.is_loopback() {
                "::1/128, loopback"
            } else if first & 0xfe00 == 0xfc00 {
                "fc00::/7, unique local"
            } else if first & 0xffc0 == 0xfe80 {
                "fe80::/10, link local"
            } else if first & 0xff00 == 0xff00 {
                "ff00::/8, multicast"
            } else if first == 0x2001 && second == 0x0db8 {
                "2001:db8::/32, documentation"
            } else if first == 0x0100 && s.get(1..4).is_some_and(|r| r.iter().all(|x| *x == 0)) {
                "100::/64, discard only"
            } else if first == 0x0064 && second == 0xff9b {
                "64:ff9b::/96, IPv4/IPv6 translation"
            } else if first == 0x2002 {
                "2002::/16, 6to4"
            } else if first == 0x2001 && second < 0x0200 {
                "2001::/23, IETF protocol assignments"
            } else {
                return None;
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Fermat's method as written in the textbook: a square root at every step.
    fn fermat_naive(n: &[u8], steps: u32) -> Option<u32> {
        let (n, mut a) = fermat_start(n)?;
        for step in 1..=steps {
            let b2 = &a * &a - &n;
            let b = b2.sqrt();
            if &b * &b == b2 {
                let p = &a - &b;
                return (p > BigUint::from(1u32)).then_some(step);
            }
            a += 1u32;
        }
        None
    }

    #[test]
    fn the_square_filter_never_rejects_a_square() {
        for k in 0u64..20_000 {
            assert!(may_be_square(&BigUint::from(k * k)), "{k}^2");
        }
        let big = BigUint::from(3u32).pow(200);
        assert!(may_be_square(&(&big * &big)));
        // And it rejects most of the rest (a filter that says "maybe" to all would pass above).
        let passed = (0u32..100_000)
            .filter(|x| may_be_square(&BigUint::from(*x)))
            .count();
        assert!(passed < 2_000, "{passed} of 100,000 pass the filter");
    }

    proptest! {
        #[test]
        fn filtered_fermat_agrees_with_the_textbook(
            n in proptest::collection::vec(any::<u8>(), 1..24),
            steps in 0u32..300,
        ) {
            prop_assert_eq!(fermat_factor(&n, steps), fermat_naive(&n, steps));
        }

        #[test]
        fn close_factors_are_found_at_the_same_step(
            p in 3u64..(1 << 30),
            gap in 0u64..2_000,
            steps in 1u32..60,
        ) {
            let p = p | 1;
            let n = BigUint::from(p) * BigUint::from(p + 2 * gap);
            let bytes = n.to_bytes_be();
            prop_assert_eq!(fermat_factor(&bytes, steps), fermat_naive(&bytes, steps));
        }
    }
}
