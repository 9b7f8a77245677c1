//! The client's ClientHello, captured before rustls sees it: record reassembly, the facts the
//! lab logs (versions, suites, SNI, groups, ALPN) and the JA3 and JA4 fingerprints.
//!
use serde::{Deserialize, Serialize};
use tls_probe::{group_name, suite_name, version_name, ClientHello};

pub use tls_probe::capture::{scan_hello, HelloScan, MAX_HELLO};

/// What the lab logs about a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloInfo {
    /// `legacy_version` of the hello, e.g. `TLSv1.2`.
    pub legacy_version: String,
    /// Versions offered: `supported_versions` without GREASE, else the legacy version.
    pub versions: Vec<String>,
    /// Cipher suites in order, by IANA name (or `0x....` when unknown), GREASE removed.
    pub suites: Vec<String>,
    /// Server name indication.
    pub sni: Option<String>,
    /// Supported groups by name (or `0x....`), GREASE removed.
    pub groups: Vec<String>,
    /// ALPN protocols.
    pub alpn: Vec<String>,
    /// Extension types in order (GREASE included, as sent).
    pub extensions: Vec<u16>,
    /// The JA3 input string.
    pub ja3_string: String,
    /// JA3: md5 of the string, lowercase hex.
    pub ja3: String,
    /// JA4.
    pub ja4: String,
}

/// The facts and fingerprints of a parsed ClientHello, by name (tls-probe's
/// [`describe`](tls_probe::capture::describe)).
pub fn describe(ch: &ClientHello) -> HelloInfo {
    let f = tls_probe::capture::describe(ch);
    let versions = if f.versions.is_empty() {
        vec![version_name(f.legacy_version)]
    } else {
        f.versions.iter().map(|v| version_name(*v)).collect()
    };
    HelloInfo {
        legacy_version: version_name(f.legacy_version),
        versions,
        suites: f.suites.iter().map(|s| suite_name(*s)).collect(),
        sni: f.sni,
        groups: f.groups.iter().map(|g| group_name(*g)).collect(),
        alpn: f.alpn,
        extensions: f.extensions,
        ja3_string: f.ja3_string,
        ja3: f.ja3,
        ja4: f.ja4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_probe::hello::{groups, Extension};

    fn hello() -> ClientHello {
        ClientHello::new(0x0303, vec![0x0a0a, 0x1301, 0xc02f])
            .with(Extension::ServerName("mx.lab.test".into()))
            .with(Extension::SupportedGroups(vec![0x2a2a, groups::X25519]))
            .with(Extension::SupportedVersions(vec![0x0304, 0x0303]))
            .with(Extension::SignatureAlgorithms(vec![0x0403]))
            .with(Extension::Alpn(vec![b"smtp".to_vec()]))
    }

    /// The lab's log names what tls-probe's capture found (reassembly and fingerprints are
    /// tested there).
    #[test]
    fn describes_by_name() {
        let record = hello().to_bytes().unwrap();
        let HelloScan::Complete(whole) = scan_hello(&record) else {
            panic!()
        };
        let info = describe(&ClientHello::parse(&whole).unwrap());
        assert_eq!(info.legacy_version, "TLSv1.2");
        assert_eq!(info.versions, ["TLSv1.3", "TLSv1.2"]);
        assert_eq!(
            info.suites,
            [
                "TLS_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
            ],
            "GREASE removed"
        );
        assert_eq!(info.groups, ["x25519"]);
        assert_eq!(info.sni.as_deref(), Some("mx.lab.test"));
        assert_eq!(info.ja3_string, "771,4865-49199,0-10-43-13-16,29,");
        // Without supported_versions, the legacy version is the one offered; unknown code
        // points keep the one spelling.
        let bare = ClientHello::new(0x0301, vec![0xfefe]).to_bytes().unwrap();
        let info = describe(&ClientHello::parse(&bare).unwrap());
        assert_eq!(info.versions, ["TLSv1.0"]);
        assert_eq!(info.suites, ["0xFEFE"]);
    }
}
