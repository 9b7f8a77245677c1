//! Synthetic records for the report's tests, fixture and benchmarks.
//!
//! [`fixture`] is the checked-in fixture's content: 40 records whose counts are written down in
//! `tests/report.rs`. [`random_record`] draws records of the same kinds from a seed (for the
//! property test and the 1,000,000-record measurement, `examples/gen_records.rs`).
//! Nothing here touches the network; addresses are from the documentation ranges.

use std::net::IpAddr;

use cert_audit::{
    AuditReport, CertFacts, CertReport, ChainFacts, HashAlgorithm, KeyAlgorithm, KeyInfo,
    NameCheck, NameMatch, SelfSignature, SignatureInfo, TrustClass,
};

use crate::fnv::fnv1a64;
use crate::record::{
    Attempt, AttemptOutcome, Banner, EhloInfo, EndpointRecord, ErrorKind, FeaturesInfo,
    HandshakeInfo, InjectionResult, KeyExchangeInfo, MxInfo, Phase, Profile, ScanError,
    StarttlsInfo, StarttlsOutcome, Status, SuiteInfo, TlsInfo, TlsMode, VersionInfo,
    VersionSuitesInfo,
};

/// Who an endpoint is: domain, MX host, address, and the names of its certificate and key.
#[derive(Debug, Clone)]
pub struct Ident {
    /// Mail domain (`None` for an address target).
    pub domain: Option<String>,
    /// MX host.
    pub mx: Option<String>,
    /// Address.
    pub ip: Option<IpAddr>,
    /// Name from which the certificate fingerprint is made.
    pub cert: String,
    /// Name from which the SPKI fingerprint is made.
    pub spki: String,
}

impl Ident {
    /// An endpoint of `domain` at MX `mx` and address `ip`, with its own certificate and key.
    pub fn new(domain: &str, mx: &str, ip: &str) -> Self {
        Self {
            domain: Some(domain.to_owned()),
            mx: Some(mx.to_owned()),
            ip: ip.parse().ok(),
            cert: format!("{mx}/{ip}"),
            spki: format!("{mx}/{ip}"),
        }
    }

    /// The same endpoint presenting the certificate named `cert` (and its key).
    pub fn cert(mut self, cert: &str) -> Self {
        cert.clone_into(&mut self.cert);
        cert.clone_into(&mut self.spki);
        self
    }

    /// The same endpoint with the key named `spki` (the certificate stays its own).
    pub fn spki(mut self, spki: &str) -> Self {
        spki.clone_into(&mut self.spki);
        self
    }
}

/// A fake SHA-256 (64 hex digits) made from a name.
pub fn fake_sha256(name: &str) -> String {
    (0..4u8)
        .map(|i| format!("{:016x}", fnv1a64(format!("{i}:{name}").as_bytes())))
        .collect()
}

fn base(id: &Ident, status: Status) -> EndpointRecord {
    let target = id
        .domain
        .clone()
        .or_else(|| id.ip.map(|i| i.to_string()))
        .unwrap_or_default();
    let mut r = EndpointRecord::new(target, id.ip, 25, Profile::Quick);
    r.domain = id.domain.clone();
    r.mx = id.mx.as_ref().map(|h| MxInfo {
        host: h.clone(),
        preference: Some(10),
        implicit: false,
    });
    r.status = status;
    // Fixed, so the fixture file is the same on every run.
    r.started_unix_ms = 1_795_000_000_000;
    r.timings.total_ms = 12;
    if id.ip.is_some() {
        r.attempts.push(attempt(AttemptOutcome::Ok));
    }
    r
}

fn attempt(outcome: AttemptOutcome) -> Attempt {
    Attempt {
        waited_ms: 0,
        duration_ms: 3,
        outcome,
    }
}

fn banner(code: Option<u16>, text: &str, complete: bool) -> Option<Banner> {
    Some(Banner {
        code,
        text: text.to_owned(),
        complete,
    })
}

fn err(kind: ErrorKind, phase: Phase, msg: &str) -> Option<ScanError> {
    Some(ScanError::new(kind, phase, msg))
}

/// Ways an endpoint fails before a completed handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The domain publishes a null MX.
    NullMx,
    /// NXDOMAIN.
    Dns,
    /// Connection refused.
    Refused,
    /// Connect timeout.
    ConnectTimeout,
    /// Unreachable.
    ConnectError,
    /// 421 on every attempt.
    Busy,
    /// 554 greeting.
    Rejected,
    /// Timeout reading the greeting.
    Timeout,
    /// Garbage greeting.
    Protocol,
    /// Reset after connect.
    Io,
    /// Stopped by the user.
    Interrupted,
    /// Greeting read, no EHLO data.
    NoEhlo,
    /// EHLO refused, HELO used: no STARTTLS.
    NotOffered,
    /// STARTTLS masked as XXXXXXXA.
    Stripped,
    /// STARTTLS offered then refused with 454.
    StarttlsRefused,
    /// The handshake failed.
    TlsFailure,
}

/// Every failure kind, in funnel order.
pub const FAILURES: &[Failure] = &[
    Failure::NullMx,
    Failure::Dns,
    Failure::Refused,
    Failure::ConnectTimeout,
    Failure::ConnectError,
    Failure::Busy,
    Failure::Rejected,
    Failure::Timeout,
    Failure::Protocol,
    Failure::Io,
    Failure::Interrupted,
    Failure::NoEhlo,
    Failure::NotOffered,
    Failure::Stripped,
    Failure::StarttlsRefused,
    Failure::TlsFailure,
];

fn ehlo(starttls: bool) -> EhloInfo {
    let mut caps = vec!["PIPELINING".to_owned(), "SIZE 10240000".to_owned()];
    if starttls {
        caps.push("STARTTLS".to_owned());
    }
    EhloInfo {
        code: 250,
        used_helo: false,
        domain: Some("mx.example".to_owned()),
        capabilities: caps,
        starttls_offered: starttls,
        starttls_stripped: false,
    }
}

fn starttls(outcome: StarttlsOutcome) -> StarttlsInfo {
    StarttlsInfo {
        mode: TlsMode::Starttls,
        outcome,
        reply: Some("220 2.0.0 Ready to start TLS".to_owned()),
        bytes_after_220: None,
        injection: None,
    }
}

/// A record of an endpoint that failed as `f`.
pub fn failed(id: &Ident, f: Failure) -> EndpointRecord {
    use Failure as F;
    let status = match f {
        F::NullMx => Status::NullMx,
        F::Interrupted => Status::Interrupted,
        F::NoEhlo | F::NotOffered | F::Stripped | F::StarttlsRefused => Status::Completed,
        _ => Status::Failed,
    };
    let mut r = base(id, status);
    let greet = banner(Some(220), "220 mx.example ESMTP\r\n", true);
    match f {
        F::NullMx => {
            r.ip = None;
            r.attempts.clear();
            r.mx = Some(MxInfo {
                host: ".".to_owned(),
                preference: Some(0),
                implicit: false,
            });
        }
        F::Dns => {
            r.ip = None;
            r.mx = None;
            r.attempts.clear();
            r.error = err(ErrorKind::Dns, Phase::Dns, "no record found");
            if let Some(e) = &mut r.error {
                e.rcode = Some("NXDOMAIN".to_owned());
            }
        }
        F::Refused => {
            r.attempts = vec![attempt(AttemptOutcome::ConnectRefused); 3];
            r.error = err(ErrorKind::ConnectRefused, Phase::Connect, "refused");
        }
        F::ConnectTimeout => {
            r.attempts = vec![attempt(AttemptOutcome::ConnectTimeout)];
            r.error = err(ErrorKind::ConnectTimeout, Phase::Connect, "timed out");
        }
        F::ConnectError => {
            r.attempts = vec![attempt(AttemptOutcome::ConnectError)];
            r.error = err(ErrorKind::ConnectError, Phase::Connect, "unreachable");
        }
        F::Busy => {
            r.attempts = vec![attempt(AttemptOutcome::Busy421); 3];
            r.banner = banner(Some(421), "421 busy\r\n", true);
            r.error = err(ErrorKind::Busy421, Phase::Banner, "421");
        }
        F::Rejected => {
            r.banner = banner(Some(554), "554 <b>no</b> \u{1b}[2J service\r\n", true);
            r.error = err(ErrorKind::GreetingRejected, Phase::Banner, "554");
        }
        F::Timeout => {
            r.attempts = vec![attempt(AttemptOutcome::Timeout)];
            r.error = err(ErrorKind::Timeout, Phase::Banner, "read timeout");
        }
        F::Protocol => {
            r.attempts = vec![attempt(AttemptOutcome::Error)];
            r.banner = banner(None, "\u{0}\u{1}garbage", false);
            r.error = err(ErrorKind::SmtpProtocol, Phase::Banner, "no reply code");
        }
        F::Io => {
            r.attempts = vec![attempt(AttemptOutcome::Error)];
            r.error = err(ErrorKind::Io, Phase::Banner, "connection reset");
        }
        F::Interrupted => {
            r.attempts.clear();
            r.error = err(ErrorKind::Interrupted, Phase::Endpoint, "interrupted");
        }
        F::NoEhlo => r.banner = greet,
        F::NotOffered => {
            r.banner = greet;
            let mut e = ehlo(false);
            e.used_helo = true;
            e.capabilities.clear();
            r.ehlo = Some(e);
        }
        F::Stripped => {
            r.banner = greet;
            let mut e = ehlo(false);
            e.capabilities.push("XXXXXXXA".to_owned());
            e.starttls_stripped = true;
            r.ehlo = Some(e);
            r.starttls = Some(starttls(StarttlsOutcome::Stripped));
            if let Some(s) = &mut r.starttls {
                s.reply = None;
            }
        }
        F::StarttlsRefused => {
            r.banner = greet;
            r.ehlo = Some(ehlo(true));
            let mut s = starttls(StarttlsOutcome::Refused);
            s.reply = Some("454 4.7.0 TLS not available".to_owned());
            r.starttls = Some(s);
        }
        F::TlsFailure => {
            r.banner = greet;
            r.ehlo = Some(ehlo(true));
            r.starttls = Some(starttls(StarttlsOutcome::Ready));
            r.tls = Some(TlsInfo {
                handshake: Some(HandshakeInfo {
                    ok: false,
                    version: None,
                    suite: None,
                    group: None,
                    alpn: None,
                    error: Some("received fatal alert: HandshakeFailure".to_owned()),
                    chain_length: 0,
                    client_cert_requested: false,
                    ocsp_stapled: false,
                }),
                connections: 1,
                ..TlsInfo::default()
            });
            r.error = err(ErrorKind::Tls, Phase::Tls, "handshake failure");
        }
    }
    r
}

/// A cipher suite of the fixture: (id, name, kx, bits, classes).
pub type SuiteSpec = (
    u16,
    &'static str,
    &'static str,
    u16,
    &'static [&'static str],
);

/// TLS 1.3 AES-256-GCM.
pub const S13_256: SuiteSpec = (
    0x1302,
    "TLS_AES_256_GCM_SHA384",
    "tls13",
    256,
    &["aead", "forward_secrecy", "tls13"],
);
/// TLS 1.3 AES-128-GCM.
pub const S13_128: SuiteSpec = (
    0x1301,
    "TLS_AES_128_GCM_SHA256",
    "tls13",
    128,
    &["aead", "forward_secrecy", "tls13"],
);
/// ECDHE-RSA AES-256-GCM.
pub const ECDHE_GCM: SuiteSpec = (
    0xc030,
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "ecdhe",
    256,
    &["aead", "forward_secrecy"],
);
/// ECDHE-RSA AES-128-CBC.
pub const ECDHE_CBC: SuiteSpec = (
    0xc013,
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "ecdhe",
    128,
    &["cbc", "forward_secrecy"],
);
/// DHE-RSA AES-256-CBC.
pub const DHE_CBC: SuiteSpec = (
    0x0039,
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "dhe",
    256,
    &["cbc", "forward_secrecy"],
);
/// Static RSA AES-128-CBC.
pub const RSA_CBC: SuiteSpec = (0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", "rsa", 128, &["cbc"]);
/// Static RSA 3DES.
pub const RSA_3DES: SuiteSpec = (
    0x000a,
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "rsa",
    112,
    &["block64", "cbc"],
);
/// Static RSA RC4.
pub const RSA_RC4: SuiteSpec = (0x0005, "TLS_RSA_WITH_RC4_128_SHA", "rsa", 128, &["rc4"]);
/// DHE export.
pub const EXP_DHE: SuiteSpec = (
    0x0014,
    "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
    "dhe",
    40,
    &["export", "cbc", "forward_secrecy"],
);
/// RSA export RC4.
pub const EXP_RSA: SuiteSpec = (
    0x0003,
    "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
    "rsa",
    40,
    &["export", "rc4"],
);
/// NULL.
pub const RSA_NULL: SuiteSpec = (0x0002, "TLS_RSA_WITH_NULL_SHA", "rsa", 0, &["null"]);
/// Anonymous DH.
pub const ANON: SuiteSpec = (
    0x0034,
    "TLS_DH_anon_WITH_AES_128_CBC_SHA",
    "dh_anon",
    128,
    &["anonymous", "cbc"],
);

fn suite(s: SuiteSpec) -> SuiteInfo {
    SuiteInfo {
        id: s.0,
        name: s.1.to_owned(),
        kx: s.2.to_owned(),
        bits: s.3,
        classes: s.4.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// What a certificate looks like.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// Exclusive trust class.
    pub trust: TrustClass,
    /// Name check result.
    pub names: NameMatch,
    /// Issuer organisation.
    pub issuer_org: &'static str,
    /// Subject CN.
    pub subject_cn: &'static str,
    /// Key algorithm.
    pub key: KeyAlgorithm,
    /// Key bits.
    pub bits: u32,
    /// EC curve.
    pub curve: Option<&'static str>,
    /// Signature hash.
    pub hash: HashAlgorithm,
    /// Validity in days.
    pub validity_days: i64,
    /// The leaf does not parse.
    pub malformed: bool,
}

/// What a TLS endpoint looks like.
#[derive(Debug, Clone)]
pub struct TlsSpec {
    /// Profile.
    pub profile: Profile,
    /// Negotiated version.
    pub version: &'static str,
    /// Negotiated suite.
    pub suite: SuiteSpec,
    /// Supported versions (empty: not probed).
    pub versions: &'static [&'static str],
    /// Accepted suites of the best probed version (empty: not enumerated).
    pub accepted: &'static [SuiteSpec],
    /// DH class and bits.
    pub dh: Option<(&'static str, u32)>,
    /// Implicit TLS on port 465.
    pub implicit: bool,
    /// Bytes after the 220.
    pub bytes_after_220: Option<&'static str>,
    /// Injection test result.
    pub injection: Option<InjectionResult>,
    /// The certificate.
    pub cert: CertSpec,
}

const ALL_VERSIONS: &[&str] = &["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

fn audit(id: &Ident, c: &CertSpec) -> AuditReport {
    let now = 1_795_000_000i64;
    let cert_sha = fake_sha256(&format!("cert:{}", id.cert));
    let spki_sha = fake_sha256(&format!("spki:{}", id.spki));
    let self_signed = c.trust == TrustClass::SelfSigned;
    let issuer = if self_signed {
        format!("CN={}", c.subject_cn)
    } else {
        format!("CN=Issuing CA, O={}", c.issuer_org)
    };
    let not_before = if c.trust == TrustClass::NotYetValid {
        now + 86_400
    } else if c.trust == TrustClass::Expired {
        now - (c.validity_days + 10) * 86_400
    } else {
        now - 86_400
    };
    let facts = CertFacts {
        version: 3,
        subject: format!("CN={}", c.subject_cn),
        issuer,
        subject_cn: Some(c.subject_cn.to_owned()),
        subject_org: None,
        issuer_org: if self_signed {
            None
        } else {
            Some(c.issuer_org.to_owned())
        },
        serial_hex: "01".to_owned(),
        serial_negative: false,
        serial_zero: false,
        not_before: String::new(),
        not_after: String::new(),
        not_before_unix: not_before,
        not_after_unix: not_before + c.validity_days * 86_400,
        validity_days: c.validity_days,
        has_san: true,
        dns_names: vec![c.subject_cn.to_owned()],
        ip_addresses: Vec::new(),
        san_other: Vec::new(),
        key: KeyInfo {
            algorithm: c.key,
            bits: c.bits,
            curve: c.curve.map(str::to_owned),
            exponent: (c.key == KeyAlgorithm::Rsa).then_some(65_537),
            oid: "1.2.840.113549.1.1.1".to_owned(),
        },
        signature: SignatureInfo {
            algorithm: "sig".to_owned(),
            hash: c.hash,
            oid: "1.2.840.113549.1.1.11".to_owned(),
        },
        spki_sha256: spki_sha,
        self_issued: self_signed,
        self_signed,
        self_signature: if self_signed {
            SelfSignature::Verified
        } else {
            SelfSignature::NotSelfIssued
        },
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
    let mx_checked = id.mx.is_some() || id.domain.is_none();
    let names = NameCheck {
        result: c.names,
        mx_host_matches: if c.names == NameMatch::NotChecked || !mx_checked {
            None
        } else {
            Some(c.names == NameMatch::MxHost)
        },
        domain_matches: if c.names == NameMatch::NotChecked || id.domain.is_none() {
            None
        } else {
            Some(c.names == NameMatch::MailDomain)
        },
        matched_name: None,
        dns_names: vec![c.subject_cn.to_owned()],
        ip_addresses: Vec::new(),
        common_name: Some(c.subject_cn.to_owned()),
        cn_only: false,
        wildcard: false,
    };
    AuditReport {
        now: 1_795_000_000,
        trust: c.trust.clone(),
        names,
        chain: ChainFacts {
            length: 1,
            total_bytes: 900,
            path: vec![0],
            ..ChainFacts::default()
        },
        certificates: vec![CertReport {
            index: 0,
            der_len: 900,
            sha256: cert_sha,
            facts: if c.malformed { None } else { Some(facts) },
            parse_error: if c.malformed {
                Some("malformed certificate".to_owned())
            } else {
                None
            },
        }],
        findings: Vec::new(),
        dane: None,
    }
}

/// A record of an endpoint that completed a handshake as `t` describes.
pub fn handshake(id: &Ident, t: &TlsSpec) -> EndpointRecord {
    let mut r = base(id, Status::Completed);
    r.profile = t.profile;
    if t.implicit {
        r.port = 465;
        r.starttls = Some(StarttlsInfo {
            mode: TlsMode::Implicit,
            outcome: StarttlsOutcome::ImplicitTls,
            reply: None,
            bytes_after_220: None,
            injection: None,
        });
    } else {
        r.banner = banner(Some(220), "220 mx.example ESMTP\r\n", true);
        r.ehlo = Some(ehlo(true));
        let mut s = starttls(StarttlsOutcome::Ready);
        s.bytes_after_220 = t.bytes_after_220.map(str::to_owned);
        s.injection = t.injection;
        r.starttls = Some(s);
    }
    let versions = if t.versions.is_empty() {
        Vec::new()
    } else {
        ALL_VERSIONS
            .iter()
            .map(|v| VersionInfo {
                version: (*v).to_owned(),
                supported: t.versions.contains(v),
                suite: None,
                complete: true,
            })
            .collect()
    };
    let suites = if t.accepted.is_empty() {
        Vec::new()
    } else {
        vec![VersionSuitesInfo {
            version: t.version.to_owned(),
            preference: "server".to_owned(),
            accepted: t.accepted.iter().map(|s| suite(*s)).collect(),
            complete: true,
        }]
    };
    r.tls = Some(TlsInfo {
        handshake: Some(HandshakeInfo {
            ok: true,
            version: Some(t.version.to_owned()),
            suite: Some(suite(t.suite)),
            group: Some("x25519".to_owned()),
            alpn: None,
            error: None,
            chain_length: 1,
            client_cert_requested: false,
            ocsp_stapled: false,
        }),
        versions,
        suites,
        key_exchange: t.dh.map(|(class, bits)| KeyExchangeInfo {
            dh_bits: Some(bits),
            dh_class: Some(class.to_owned()),
            ecdhe_curve: None,
            dh_undetermined: false,
        }),
        features: if t.profile == Profile::Full {
            Some(FeaturesInfo {
                secure_renegotiation: Some(true),
                ..FeaturesInfo::default()
            })
        } else {
            None
        },
        connections: 1,
        ..TlsInfo::default()
    });
    r.certificate = Some(std::sync::Arc::new(audit(id, &t.cert)));
    r
}

fn cert(
    trust: TrustClass,
    names: NameMatch,
    issuer_org: &'static str,
    subject_cn: &'static str,
    key: (KeyAlgorithm, u32, Option<&'static str>),
    hash: HashAlgorithm,
    validity_days: i64,
) -> CertSpec {
    CertSpec {
        trust,
        names,
        issuer_org,
        subject_cn,
        key: key.0,
        bits: key.1,
        curve: key.2,
        hash,
        validity_days,
        malformed: false,
    }
}

fn quick(version: &'static str, suite: SuiteSpec, cert: CertSpec) -> TlsSpec {
    TlsSpec {
        profile: Profile::Quick,
        version,
        suite,
        versions: &[],
        accepted: &[],
        dh: None,
        implicit: false,
        bytes_after_220: None,
        injection: None,
        cert,
    }
}

const P256: (KeyAlgorithm, u32, Option<&str>) = (KeyAlgorithm::Ec, 256, Some("P-256"));
const P384: (KeyAlgorithm, u32, Option<&str>) = (KeyAlgorithm::Ec, 384, Some("P-384"));
const fn rsa(bits: u32) -> (KeyAlgorithm, u32, Option<&'static str>) {
    (KeyAlgorithm::Rsa, bits, None)
}

/// The kinds of TLS endpoint in the fixture, `K1` to `K11` (see `tests/report.rs`).
pub fn kinds() -> Vec<TlsSpec> {
    use HashAlgorithm as H;
    use NameMatch as N;
    use TrustClass as T;
    let k1 = quick(
        "TLSv1.3",
        S13_256,
        cert(
            T::Trusted,
            N::MxHost,
            "Let's Encrypt",
            "mx.example",
            P256,
            H::Sha256,
            90,
        ),
    );
    let mut k2 = quick(
        "TLSv1.2",
        ECDHE_GCM,
        cert(
            T::Trusted,
            N::MailDomain,
            "DigiCert Inc",
            "corp.example",
            rsa(2048),
            H::Sha256,
            397,
        ),
    );
    k2.profile = Profile::Standard;
    k2.versions = &["TLSv1.0", "TLSv1.1", "TLSv1.2"];
    let k3 = TlsSpec {
        profile: Profile::Full,
        version: "TLSv1.2",
        suite: DHE_CBC,
        versions: &["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"],
        accepted: &[DHE_CBC, RSA_CBC, RSA_3DES, RSA_RC4, EXP_DHE],
        dh: Some(("1024", 1024)),
        implicit: false,
        bytes_after_220: None,
        injection: Some(InjectionResult::NotVulnerable),
        cert: cert(
            T::SelfSigned,
            N::Mismatch,
            "",
            "localhost",
            rsa(1024),
            H::Sha1,
            3650,
        ),
    };
    let mut k4 = quick(
        "TLSv1.2",
        RSA_CBC,
        cert(
            T::Expired,
            N::MxHost,
            "Thawte",
            "mx.expired.example",
            rsa(2048),
            H::Sha256,
            730,
        ),
    );
    k4.profile = Profile::Standard;
    k4.versions = &["TLSv1.0", "TLSv1.2"];
    let k5 = quick(
        "TLSv1.2",
        ECDHE_CBC,
        cert(
            T::UnknownIssuer,
            N::Mismatch,
            "Internal Corp CA",
            "intranet",
            rsa(4096),
            H::Sha512,
            1825,
        ),
    );
    let k6 = quick(
        "TLSv1.3",
        S13_128,
        cert(
            T::IncompleteChain,
            N::MxHost,
            "Sectigo Limited",
            "mx.incomplete.example",
            P384,
            H::Sha384,
            365,
        ),
    );
    let k7 = quick(
        "TLSv1.2",
        ECDHE_GCM,
        cert(
            T::NotYetValid,
            N::MxHost,
            "Let's Encrypt",
            "mx.future.example",
            P256,
            H::Sha256,
            90,
        ),
    );
    let k8 = TlsSpec {
        profile: Profile::Full,
        version: "TLSv1.0",
        suite: EXP_RSA,
        versions: &["SSLv2", "SSLv3", "TLSv1.0"],
        accepted: &[EXP_RSA, RSA_NULL, ANON, RSA_RC4],
        dh: Some(("512", 512)),
        implicit: false,
        bytes_after_220: Some("250 injected\r\n"),
        injection: Some(InjectionResult::Vulnerable),
        cert: cert(
            T::SelfSigned,
            N::Mismatch,
            "",
            "<script>alert(1)</script>",
            rsa(512),
            H::Md5,
            -1,
        ),
    };
    let mut k9 = quick(
        "TLSv1.2",
        RSA_NULL,
        cert(
            T::Other {
                reason: "unsupported-signature-algorithm".to_owned(),
            },
            N::Mismatch,
            "Old CA \u{1b}[31m|*_",
            "null.example",
            (KeyAlgorithm::Ed25519, 256, None),
            H::Intrinsic,
            100_000,
        ),
    );
    k9.profile = Profile::Standard;
    k9.versions = &["TLSv1.2"];
    k9.dh = Some(("2048", 2048));
    let mut k10_cert = cert(
        T::Malformed {
            reason: "bad der".to_owned(),
        },
        N::NotChecked,
        "",
        "",
        rsa(0),
        H::Unknown,
        0,
    );
    k10_cert.malformed = true;
    let k10 = TlsSpec {
        profile: Profile::Full,
        version: "TLSv1.1",
        suite: RSA_RC4,
        versions: &["TLSv1.0", "TLSv1.1"],
        accepted: &[RSA_RC4, ANON],
        dh: Some(("768", 768)),
        implicit: false,
        bytes_after_220: None,
        injection: Some(InjectionResult::Inconclusive),
        cert: k10_cert,
    };
    let mut k11 = quick(
        "TLSv1.2",
        RSA_3DES,
        cert(
            T::BadSignature,
            N::MxHost,
            "GlobalSign",
            "mx.implicit.example",
            rsa(3072),
            H::Sha256,
            398,
        ),
    );
    k11.profile = Profile::Standard;
    k11.versions = &["TLSv1.2", "TLSv1.3"];
    k11.dh = Some(("3072_or_more", 4096));
    k11.implicit = true;
    vec![k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11]
}

/// The 40 records of the checked-in fixture (`tests/fixtures/report/synthetic.jsonl`).
pub fn fixture() -> Vec<EndpointRecord> {
    let k = kinds();
    let kind = |i: usize| k.get(i).cloned();
    let mut out = Vec::new();
    // 16 failures, one domain each, except NotOffered, which is the second MX of mixed.test.
    let fail_domains = [
        "nullmx",
        "nx",
        "refused",
        "ctimeout",
        "unreach",
        "busy",
        "rejected",
        "slow",
        "garbage",
        "reset",
        "intr",
        "noehlo",
        "mixed",
        "stripped",
        "tlsrefused",
        "tlsfail",
    ];
    for (n, (f, d)) in FAILURES.iter().zip(fail_domains).enumerate() {
        let domain = format!("{d}.test");
        let mx = if *f == Failure::NotOffered {
            "mx2.mixed.test".to_owned()
        } else {
            format!("mx.{domain}")
        };
        let id = Ident::new(&domain, &mx, &format!("192.0.2.{}", n + 1));
        out.push(failed(&id, *f));
    }
    let mut push = |id: Ident, i: usize| {
        if let Some(t) = kind(i) {
            out.push(handshake(&id, &t));
        }
    };
    // K1 (8): three domains on one hoster (one certificate on 3 IPs), big.test (2 MX, 3 IPs,
    // one certificate), solo.test, and an address target.
    for (d, ip) in [("hoster-a", "10"), ("hoster-b", "11"), ("hoster-c", "12")] {
        push(
            Ident::new(
                &format!("{d}.test"),
                "mx.hoster.test",
                &format!("198.51.100.{ip}"),
            )
            .cert("hoster"),
            0,
        );
    }
    push(
        Ident::new("big.test", "mx1.big.test", "198.51.100.20").cert("big"),
        0,
    );
    push(
        Ident::new("big.test", "mx1.big.test", "2001:db8::20").cert("big"),
        0,
    );
    push(
        Ident::new("big.test", "mx2.big.test", "198.51.100.21").cert("big"),
        0,
    );
    push(Ident::new("solo.test", "mx.solo.test", "198.51.100.30"), 0);
    let mut bare = Ident::new("x", "x", "203.0.113.40");
    bare.domain = None;
    bare.mx = None;
    push(bare, 0);
    // K2 (4): mixed.test's first MX, corp1-3.
    push(
        Ident::new("mixed.test", "mx1.mixed.test", "198.51.100.50"),
        1,
    );
    for i in 1..=3 {
        push(
            Ident::new(
                &format!("corp{i}.test"),
                &format!("mx.corp{i}.test"),
                &format!("198.51.100.5{i}"),
            ),
            1,
        );
    }
    // K3 (3): legacy.test, one self-signed certificate on 3 IPs.
    for ip in ["60", "61", "62"] {
        push(
            Ident::new("legacy.test", "mx.legacy.test", &format!("198.51.100.{ip}")).cert("legacy"),
            2,
        );
    }
    // K4 (2): expired.test, 2 MX, two certificates with one key.
    push(
        Ident::new("expired.test", "mx1.expired.test", "198.51.100.70").spki("expired-key"),
        3,
    );
    push(
        Ident::new("expired.test", "mx2.expired.test", "198.51.100.71").spki("expired-key"),
        3,
    );
    // K5-K11, one domain each.
    for (i, d) in [
        "unknownca",
        "incomplete",
        "future",
        "weird",
        "nullsuite",
        "rc4",
        "implicit",
    ]
    .iter()
    .enumerate()
    {
        let domain = format!("{d}.test");
        push(
            Ident::new(
                &domain,
                &format!("mx.{domain}"),
                &format!("198.51.100.{}", 80 + i),
            ),
            4 + i,
        );
    }
    out
}

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64().checked_rem(n).unwrap_or(0)
    }
}

/// Record number `i` of a random scan: about 40% failures, the rest TLS endpoints of the
/// fixture's kinds; three records per domain (domain `i / 3`, or `(i / 3) % domain_space` when
/// `domain_space` is not 0), at most `key_space` distinct certificates (two per key).
pub fn random_record(
    rng: &mut Rng,
    kinds: &[TlsSpec],
    i: u64,
    key_space: u64,
    domain_space: u64,
) -> EndpointRecord {
    let d = if domain_space == 0 {
        i / 3
    } else {
        (i / 3) % domain_space
    };
    let domain = format!("d{d}.test");
    let mx = format!("mx{}.d{d}.test", rng.below(2));
    let ip = IpAddr::from(std::net::Ipv4Addr::from(
        u32::try_from(i % (1 << 30))
            .unwrap_or(0)
            .wrapping_add(0x0a00_0000),
    ));
    let mut id = Ident::new(&domain, &mx, "0.0.0.0");
    id.ip = Some(ip);
    let key = rng.below(key_space.max(1));
    id.cert = format!("c{key}");
    id.spki = format!("k{}", key / 2);
    if rng.below(10) < 4 {
        let f = FAILURES
            .get(usize::try_from(rng.below(FAILURES.len() as u64)).unwrap_or(0))
            .copied()
            .unwrap_or(Failure::Refused);
        failed(&id, f)
    } else {
        let k = kinds
            .get(usize::try_from(rng.below(kinds.len() as u64)).unwrap_or(0))
            .cloned();
        match k {
            Some(t) => handshake(&id, &t),
            None => failed(&id, Failure::Refused),
        }
    }
}

/// The checked-in fixture file's content: the [`fixture`] records as JSON Lines, with three
/// lines that are not records (a blank line after the 10th record, a malformed line after the
/// 20th, and a record of schema version 2 at the end).
pub fn fixture_jsonl() -> String {
    let mut out = String::new();
    for (n, r) in fixture().iter().enumerate() {
        match serde_json::to_string(r) {
            Ok(line) => out.push_str(&line),
            Err(e) => out.push_str(&format!("{{\"error\":\"{e}\"}}")),
        }
        out.push('\n');
        if n == 9 {
            out.push('\n');
        }
        if n == 19 {
            out.push_str("{\"schema_version\":1,\"target\":\"broken\n");
        }
    }
    // A record of a later schema version than this one reads.
    out.push_str(&format!(
        "{{\"schema_version\":{},\"target\":\"future.test\",\"something\":\"new\"}}\n",
        crate::record::SCHEMA_VERSION + 1
    ));
    out
}
