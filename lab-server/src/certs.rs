//! Certificates minted at start with rcgen, and the rustls server configuration of each profile.
//!
//! - The lab CA (`lab-ca.pem` in the state directory) is kept between runs, with its key
//!   (`lab-ca-key.pem`, mode 0600), so a user who chose to trust it once keeps trusting it.
//! - `good`: leaf under the lab CA, SAN = the lab host name, `localhost` and the listen IP,
//!   valid from yesterday for 90 days.
//! - `expired`: the same under the lab CA, valid 2020-01-01 to 2021-01-01 (fixed past validity).
//! - `wrong-host`: under the lab CA, for `wrong-host.invalid` only.
//! - `self-signed`: a self-signed leaf with the right names.
//! - `untrusted-ca`: leaf and its CA, the CA minted for this run and never written out.
//!
//! Keys are ECDSA P-256 (ring cannot generate RSA keys).

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

use super::profiles::LabProfile;
use super::LabError;

/// The name a `wrong-host` certificate is issued for.
pub const WRONG_HOST: &str = "wrong-host.invalid";
/// File name of the lab CA certificate in the state directory.
pub const CA_FILE: &str = "lab-ca.pem";
/// File name of the lab CA key in the state directory.
pub const CA_KEY_FILE: &str = "lab-ca-key.pem";

/// The lab CA: loaded from the state directory or created there.
pub struct LabCa {
    params: CertificateParams,
    key: KeyPair,
    /// Where its certificate is (the file a user trusts).
    pub pem_path: PathBuf,
}

fn cert_err(what: &'static str) -> impl Fn(rcgen::Error) -> LabError {
    move |e| LabError::Cert(format!("{what}: {e}"))
}

fn ca_params(cn: &str) -> Result<CertificateParams, LabError> {
    let mut p = CertificateParams::new(Vec::<String>::new()).map_err(cert_err("CA params"))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "mxray lab");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // Stable validity so the re-created CA certificate matches the one written out.
    p.not_before = rcgen::date_time_ymd(2024, 1, 1);
    p.not_after = rcgen::date_time_ymd(2044, 1, 1);
    Ok(p)
}

impl LabCa {
    /// Loads the CA key from `state` or creates key and certificate there.
    pub fn load_or_create(state: &Path) -> Result<LabCa, LabError> {
        fs::create_dir_all(state).map_err(|e| LabError::Io(state.to_path_buf(), e))?;
        let pem_path = state.join(CA_FILE);
        let key_path = state.join(CA_KEY_FILE);
        let params = ca_params("mxray lab CA")?;
        let key = match fs::read_to_string(&key_path) {
            Ok(pem) => KeyPair::from_pem(&pem).map_err(cert_err("lab CA key"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = KeyPair::generate().map_err(cert_err("CA key"))?;
                write_private(&key_path, key.serialize_pem().as_bytes())?;
                key
            }
            Err(e) => return Err(LabError::Io(key_path, e)),
        };
        if !pem_path.exists() {
            let cert = params.self_signed(&key).map_err(cert_err("CA cert"))?;
            fs::write(&pem_path, cert.pem()).map_err(|e| LabError::Io(pem_path.clone(), e))?;
        }
        Ok(LabCa {
            params,
            key,
            pem_path,
        })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), LabError> {
    use std::io::Write;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| LabError::Io(path.to_path_buf(), e))?;
    f.write_all(bytes)
        .map_err(|e| LabError::Io(path.to_path_buf(), e))
}

fn now_minus_day() -> Duration {
    mxray_schema::time::unix_now().saturating_sub(Duration::from_secs(86_400))
}

fn leaf_params(names: &[String], expired: bool) -> Result<CertificateParams, LabError> {
    let mut p = CertificateParams::new(names.to_vec()).map_err(cert_err("leaf names"))?;
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        names.first().map(String::as_str).unwrap_or("mx.lab.test"),
    );
    p.distinguished_name = dn;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    if expired {
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    } else {
        // Seconds since 2000-01-01 added to that date: no clock type needed.
        let since_2000 = now_minus_day().saturating_sub(Duration::from_secs(946_684_800));
        p.not_before = rcgen::date_time_ymd(2000, 1, 1) + since_2000;
        p.not_after = p.not_before + Duration::from_secs(91 * 86_400);
    }
    Ok(p)
}

/// The names a correct certificate carries: host name, `localhost`, the listen IP.
pub fn right_names(hostname: &str, listen: IpAddr) -> Vec<String> {
    let mut names = vec![hostname.to_owned(), "localhost".to_owned()];
    let ip = if listen.is_unspecified() {
        IpAddr::from([127, 0, 0, 1])
    } else {
        listen
    };
    names.push(ip.to_string());
    names
}

/// A certificate chain and its key.
pub struct Chain {
    /// Leaf first.
    pub certs: Vec<CertificateDer<'static>>,
    /// The leaf key (PKCS#8).
    pub key: PrivateKeyDer<'static>,
}

/// Mints the chain a profile presents, or `None` for profiles without a TLS handshake.
pub fn chain_for(
    profile: LabProfile,
    ca: &LabCa,
    hostname: &str,
    listen: IpAddr,
) -> Result<Option<Chain>, LabError> {
    if !profile.serves_tls() {
        return Ok(None);
    }
    let names = right_names(hostname, listen);
    let leaf_key = KeyPair::generate().map_err(cert_err("leaf key"))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let lab_issuer = Issuer::from_params(&ca.params, &ca.key);
    let certs = match profile {
        LabProfile::SelfSigned => {
            let p = leaf_params(&names, false)?;
            vec![p
                .self_signed(&leaf_key)
                .map_err(cert_err("self-signed"))?
                .der()
                .clone()]
        }
        LabProfile::Expired => {
            let p = leaf_params(&names, true)?;
            vec![p
                .signed_by(&leaf_key, &lab_issuer)
                .map_err(cert_err("expired leaf"))?
                .der()
                .clone()]
        }
        LabProfile::WrongHost => {
            let p = leaf_params(&[WRONG_HOST.to_owned()], false)?;
            vec![p
                .signed_by(&leaf_key, &lab_issuer)
                .map_err(cert_err("wrong-host leaf"))?
                .der()
                .clone()]
        }
        LabProfile::UntrustedCa => {
            // A CA of its own name: a sender that trusts the lab CA finds no issuer for it
            // (unknown CA). A CA reusing the lab CA's name would read as a bad signature.
            let other_params = ca_params("mxray untrusted CA")?;
            let other_key = KeyPair::generate().map_err(cert_err("untrusted CA key"))?;
            let other_cert = other_params
                .self_signed(&other_key)
                .map_err(cert_err("untrusted CA"))?;
            let issuer = Issuer::from_params(&other_params, &other_key);
            let p = leaf_params(&names, false)?;
            let leaf = p
                .signed_by(&leaf_key, &issuer)
                .map_err(cert_err("untrusted-ca leaf"))?;
            vec![leaf.der().clone(), other_cert.der().clone()]
        }
        _ => {
            let p = leaf_params(&names, false)?;
            vec![p
                .signed_by(&leaf_key, &lab_issuer)
                .map_err(cert_err("good leaf"))?
                .der()
                .clone()]
        }
    };
    Ok(Some(Chain { certs, key }))
}

/// A leaf for `names` (first name as CN), valid from yesterday for 91 days, signed by the lab
/// CA or, with `self_signed`, by itself.
pub fn leaf_chain(ca: &LabCa, names: &[String], self_signed: bool) -> Result<Chain, LabError> {
    let leaf_key = KeyPair::generate().map_err(cert_err("leaf key"))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let p = leaf_params(names, false)?;
    let cert = if self_signed {
        p.self_signed(&leaf_key).map_err(cert_err("self-signed"))?
    } else {
        let issuer = Issuer::from_params(&ca.params, &ca.key);
        p.signed_by(&leaf_key, &issuer)
            .map_err(cert_err("lab leaf"))?
    };
    Ok(Chain {
        certs: vec![cert.der().clone()],
        key,
    })
}

/// `--cert PROFILE=CHAIN.pem,KEY.pem`: a real chain (leaf first) and its key for a profile that
/// should look trusted to a public sender ([`LabProfile::takes_real_cert`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSpec {
    /// The profile.
    pub profile: LabProfile,
    /// The chain, PEM, leaf first.
    pub chain: PathBuf,
    /// The leaf's private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl std::str::FromStr for CertSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((profile, files)) = s.split_once('=') else {
            return Err(format!("expected PROFILE=CHAIN.pem,KEY.pem, got {s:?}"));
        };
        let profile: LabProfile = profile.parse()?;
        if !profile.takes_real_cert() {
            return Err(format!(
                "{profile} is broken by construction and mints its own certificate \
                 (--cert is for good, wrong-host, the dane-* receivers and mta-sts)"
            ));
        }
        let Some((chain, key)) = files.split_once(',') else {
            return Err(format!("expected PROFILE=CHAIN.pem,KEY.pem, got {s:?}"));
        };
        if chain.is_empty() || key.is_empty() {
            return Err(format!("empty file name in {s:?}"));
        }
        Ok(CertSpec {
            profile,
            chain: PathBuf::from(chain),
            key: PathBuf::from(key),
        })
    }
}

/// Most certificates read from a `--cert` chain file.
pub const MAX_CHAIN: usize = 10;
/// Largest `--cert` file read.
pub const MAX_PEM_FILE: u64 = 1 << 20;

fn read_pem(path: &Path) -> Result<Vec<u8>, LabError> {
    use std::io::Read;
    let f = fs::File::open(path).map_err(|e| LabError::Io(path.to_path_buf(), e))?;
    let mut out = Vec::new();
    f.take(MAX_PEM_FILE.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| LabError::Io(path.to_path_buf(), e))?;
    if u64::try_from(out.len()).unwrap_or(u64::MAX) > MAX_PEM_FILE {
        return Err(LabError::Cert(format!(
            "{}: larger than {MAX_PEM_FILE} bytes",
            path.display()
        )));
    }
    Ok(out)
}

/// Loads a `--cert` chain and key (at most [`MAX_CHAIN`] certificates, files of at most
/// [`MAX_PEM_FILE`] bytes), and checks that rustls accepts the key for the leaf.
pub fn load_chain(spec: &CertSpec) -> Result<Chain, LabError> {
    use rustls::pki_types::pem::PemObject;
    let pem = read_pem(&spec.chain)?;
    let mut certs = Vec::new();
    for c in CertificateDer::pem_slice_iter(&pem) {
        let c = c.map_err(|e| LabError::Cert(format!("{}: {e}", spec.chain.display())))?;
        if certs.len() >= MAX_CHAIN {
            return Err(LabError::Cert(format!(
                "{}: more than {MAX_CHAIN} certificates",
                spec.chain.display()
            )));
        }
        certs.push(c);
    }
    if certs.is_empty() {
        return Err(LabError::Cert(format!(
            "{}: no CERTIFICATE in the file",
            spec.chain.display()
        )));
    }
    let key_pem = read_pem(&spec.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| LabError::Cert(format!("{}: {e}", spec.key.display())))?;
    let chain = Chain { certs, key };
    // A key that does not fit the leaf fails here, before any listener is bound.
    server_config(Chain {
        certs: chain.certs.clone(),
        key: chain.key.clone_key(),
    })?;
    Ok(chain)
}

/// The SHA-256 of the leaf's SubjectPublicKeyInfo, lower-case hex: the data of a TLSA
/// `3 1 1` record for this chain (DANE-EE, SPKI, SHA-256). An error if the leaf does not parse.
pub fn spki_sha256(chain: &Chain) -> Result<String, LabError> {
    let now = mxray_schema::time::unix_now().as_secs();
    let input = cert_audit::AuditInput::new(&chain.certs, now);
    let report = cert_audit::audit(&input, &cert_audit::TrustStore::webpki_roots());
    report
        .leaf()
        .map(|f| f.spki_sha256.clone())
        .ok_or_else(|| LabError::Cert("the leaf certificate does not parse".into()))
}

/// How a public sender (Mozilla's roots, via cert-audit and rustls-webpki) would judge a chain
/// presented for `host` now: `trusted, name matches`, or what is wrong.
pub fn public_trust(chain: &Chain, host: &str) -> String {
    let now = mxray_schema::time::unix_now().as_secs();
    let input = cert_audit::AuditInput::new(&chain.certs, now).mx_host(host);
    let report = cert_audit::audit(&input, &cert_audit::TrustStore::webpki_roots());
    let trust = match report.trust {
        cert_audit::TrustClass::Trusted => "trusted by public senders".to_owned(),
        other => format!("NOT trusted by public senders ({other:?})"),
    };
    let name = match report.names.result {
        cert_audit::NameMatch::MxHost | cert_audit::NameMatch::MailDomain => {
            format!("name matches {host}")
        }
        _ => format!("name does not match {host}"),
    };
    format!("{trust}, {name}")
}

/// A rustls server configuration (ring provider, TLS 1.2 and 1.3) presenting `chain`.
pub fn server_config(chain: Chain) -> Result<Arc<ServerConfig>, LabError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LabError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain.certs, chain.key)
        .map_err(|e| LabError::Tls(e.to_string()))?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_names_carry_host_localhost_and_listen_ip() {
        let n = right_names("mx.lab.test", IpAddr::from([127, 0, 0, 2]));
        assert_eq!(n, ["mx.lab.test", "localhost", "127.0.0.2"]);
        let n = right_names("mx.lab.test", IpAddr::from([0, 0, 0, 0]));
        assert_eq!(n.get(2).map(String::as_str), Some("127.0.0.1"));
    }

    #[test]
    fn cert_specs_and_real_chains() {
        let s: CertSpec = "good=/a/chain.pem,/a/key.pem".parse().unwrap();
        assert_eq!(s.profile, LabProfile::Good);
        assert_eq!(s.key, PathBuf::from("/a/key.pem"));
        assert!("wrong-host=c.pem,k.pem".parse::<CertSpec>().is_ok());
        let e = "self-signed=c.pem,k.pem".parse::<CertSpec>().unwrap_err();
        assert!(e.contains("broken by construction"), "{e}");
        for bad in ["good=c.pem", "good=,k.pem", "good", "nope=c,k"] {
            assert!(bad.parse::<CertSpec>().is_err(), "{bad}");
        }

        // A chain written out, loaded back; a key of another certificate is refused.
        let dir = std::env::temp_dir().join(format!("mxray-lab-realcert-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let ca = LabCa::load_or_create(&dir).unwrap();
        let ip = IpAddr::from([127, 0, 0, 1]);
        let key = KeyPair::generate().unwrap();
        let leaf = leaf_params(&["mx.good.lab.test".to_owned()], false)
            .unwrap()
            .signed_by(&key, &Issuer::from_params(&ca.params, &ca.key))
            .unwrap();
        let chain_path = dir.join("chain.pem");
        let key_path = dir.join("key.pem");
        fs::write(&chain_path, leaf.pem()).unwrap();
        fs::write(&key_path, key.serialize_pem()).unwrap();
        let spec = CertSpec {
            profile: LabProfile::Good,
            chain: chain_path.clone(),
            key: key_path,
        };
        let chain = load_chain(&spec).unwrap();
        assert_eq!(chain.certs.len(), 1);
        let verdict = public_trust(&chain, "mx.good.lab.test");
        assert!(
            verdict.starts_with("NOT trusted by public senders"),
            "{verdict}"
        );
        assert!(
            verdict.ends_with("name matches mx.good.lab.test"),
            "{verdict}"
        );
        assert!(public_trust(&chain, "mx.other.test").contains("does not match"));
        let other = dir.join("other-key.pem");
        fs::write(&other, KeyPair::generate().unwrap().serialize_pem()).unwrap();
        let wrong = CertSpec {
            key: other,
            ..spec.clone()
        };
        assert!(
            load_chain(&wrong).is_err(),
            "a key that does not fit the leaf"
        );
        let empty = dir.join("empty.pem");
        fs::write(&empty, "").unwrap();
        let none = CertSpec {
            chain: empty,
            ..spec
        };
        let e = load_chain(&none).err().unwrap().to_string();
        assert!(e.contains("no CERTIFICATE"), "{e}");
        let _ = chain_for(LabProfile::Good, &ca, "x.test", ip).unwrap();
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn ca_is_kept_between_runs_and_chains_mint() {
        let dir = std::env::temp_dir().join(format!("mxray-lab-certs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let ca = LabCa::load_or_create(&dir).unwrap();
        let first = fs::read_to_string(&ca.pem_path).unwrap();
        let again = LabCa::load_or_create(&dir).unwrap();
        assert_eq!(fs::read_to_string(&again.pem_path).unwrap(), first);
        assert_eq!(
            again.key.public_key_pem(),
            ca.key.public_key_pem(),
            "the key is reused"
        );
        let ip = IpAddr::from([127, 0, 0, 1]);
        for p in LabProfile::ALL {
            let chain = chain_for(p, &ca, "mx.lab.test", ip).unwrap();
            assert_eq!(chain.is_some(), p.serves_tls(), "{p}");
            if let Some(c) = chain {
                let n = if p == LabProfile::UntrustedCa { 2 } else { 1 };
                assert_eq!(c.certs.len(), n, "{p}");
                server_config(c).unwrap();
            }
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
