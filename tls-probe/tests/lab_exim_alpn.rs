//! Exim (4.95+) aborts handshakes whose ALPN offer has no protocol it knows; the feature and
//! fingerprint probes offer `smtp` first so they still see Exim's answer. Needs MXRAY_LAB.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use tls_probe::plan::features::FeatureProbe;
use tls_probe::plan::fingerprint::FingerprintProbe;
use tls_probe::plan::Plan;
use tls_probe::runner::run;
use tls_probe::Version;

#[test]
fn exim_answers_the_feature_and_fingerprint_hellos() {
    let _ = lab();
    let mut features = Plan::new(FeatureProbe::new(
        Default::default(),
        &[
            Version::Tls10,
            Version::Tls11,
            Version::Tls12,
            Version::Tls13,
        ],
    ));
    run(&mut features, || smtp_starttls(2527));
    let f = features.result();
    assert_eq!(f.version, Some(Version::Tls12), "{f:?}");
    assert!(f.secure_renegotiation.is_some(), "{f:?}");
    assert_eq!(f.alpn.as_deref(), Some(&b"smtp"[..]), "{f:?}");

    let mut fp = Plan::new(FingerprintProbe::new(Default::default()));
    run(&mut fp, || smtp_starttls(2527));
    let fp = fp.result().expect("Exim answers the fingerprint hello");
    // TLS 1.3: ALPN travels in EncryptedExtensions, so JA4S shows none ("00").
    assert!(
        fp.ja4s.starts_with("t1302") && fp.ja3s_string.starts_with("771,"),
        "{fp:?}"
    );
}
