//! The ClientHellos the plans send.

use alloc::string::String;
use alloc::vec::Vec;

use crate::hello::{groups, sigalgs, ClientHello, Extension, KeyShareEntry};
use crate::suites::SCSV_RENEGOTIATION;
use crate::version::Version;

/// Options shared by every hello of a plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelloOptions {
    /// Server name to send in SNI (none by default; an IP literal is sent as given, like sslscan).
    pub sni: Option<String>,
    /// Offer RFC 7919 FFDHE groups in TLS ≤ 1.2 hellos. Off by default: servers that see them
    /// switch DHE to ffdhe2048 and hide their configured (possibly weak) prime.
    pub offer_ffdhe: bool,
}

impl HelloOptions {
    /// Options with an SNI name.
    pub fn with_sni(name: impl Into<String>) -> Self {
        HelloOptions {
            sni: Some(name.into()),
            ..Self::default()
        }
    }
}

/// The default hello for `version` offering `suites`, with overrides for groups and signature
/// algorithms (`None`: the defaults), as a [`ClientHello`] the caller may still change.
pub fn hello_for(
    version: Version,
    suites: &[u16],
    opts: &HelloOptions,
    group_list: Option<&[u16]>,
    sigalg_list: Option<&[u16]>,
) -> ClientHello {
    // Room for the renegotiation SCSV pushed below.
    let mut cs: Vec<u16> = Vec::with_capacity(suites.len().saturating_add(1));
    cs.extend_from_slice(suites);
    match version {
        Version::Ssl3 | Version::Ssl2 => {
            cs.push(SCSV_RENEGOTIATION);
            ClientHello::new(0x0300, cs)
        }
        Version::Tls10 | Version::Tls11 | Version::Tls12 => {
            cs.push(SCSV_RENEGOTIATION);
            let mut h = ClientHello::new(version.wire(), cs);
            if let Some(name) = &opts.sni {
                h = h.with(Extension::ServerName(name.clone()));
            }
            let mut g: Vec<u16> = match group_list {
                Some(l) => l.to_vec(),
                None => groups::EC_TLS12.to_vec(),
            };
            if opts.offer_ffdhe && group_list.is_none() {
                g.extend_from_slice(groups::FFDHE);
            }
            if !g.is_empty() {
                h = h.with(Extension::SupportedGroups(g));
            }
            h = h.with(Extension::EcPointFormats(alloc::vec![0]));
            if version == Version::Tls12 {
                h = h.with(Extension::SignatureAlgorithms(
                    sigalg_list.unwrap_or(sigalgs::ALL).to_vec(),
                ));
            }
            h
        }
        Version::Tls13 => {
            let mut h = ClientHello::new(0x0303, cs);
            h.session_id = alloc::vec![0x5a; 32];
            if let Some(name) = &opts.sni {
                h = h.with(Extension::ServerName(name.clone()));
            }
            let g: Vec<u16> = match group_list {
                Some(l) => l.to_vec(),
                None => alloc::vec![
                    groups::X25519,
                    groups::SECP256R1,
                    groups::SECP384R1,
                    groups::SECP521R1,
                    groups::X448,
                    groups::FFDHE2048,
                    groups::FFDHE3072,
                    groups::FFDHE4096
                ],
            };
            let shares: Vec<KeyShareEntry> = g
                .iter()
                .filter_map(|g| KeyShareEntry::for_group(*g))
                .collect();
            h.with(Extension::SupportedVersions(alloc::vec![0x0304]))
                .with(Extension::SupportedGroups(g))
                .with(Extension::KeyShare(shares))
                .with(Extension::SignatureAlgorithms(
                    sigalg_list.unwrap_or(sigalgs::ALL).to_vec(),
                ))
                .with(Extension::PskKeyExchangeModes(alloc::vec![1]))
        }
    }
}

/// Encodes a hello, padding it past the F5 256..511-byte window. The plans build hellos of
/// bounded size (at most [`super::suites::MAX_CHUNK`] suites, about 2 KB, far below a record's
/// 16 KiB), so encoding cannot fail; should it ever, an empty hello is sent and the attempt ends
/// as refused.
pub fn encode(h: ClientHello) -> Vec<u8> {
    // Padding fails only where encoding does (the message cannot be built), so no copy of the
    // unpadded hello is kept for a fallback.
    h.with_f5_padding()
        .and_then(|p| p.to_bytes())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext_types(h: &ClientHello) -> Vec<u16> {
        h.extensions.iter().flatten().map(Extension::typ).collect()
    }

    #[test]
    fn options_with_a_name() {
        let o = HelloOptions::with_sni("mx.lab.test");
        assert_eq!(o.sni.as_deref(), Some("mx.lab.test"));
        assert!(!o.offer_ffdhe);
        assert_eq!(HelloOptions::default().sni, None);
    }

    #[test]
    fn hellos_per_version() {
        let sni = HelloOptions::with_sni("mx.lab.test");
        // SSLv3: no extensions, the renegotiation SCSV instead.
        let h = hello_for(Version::Ssl3, &[0x002f], &sni, None, None);
        assert_eq!(h.legacy_version, 0x0300);
        assert_eq!(h.cipher_suites, [0x002f, SCSV_RENEGOTIATION]);
        assert_eq!(ext_types(&h), Vec::<u16>::new());
        // TLS 1.0: SNI, the TLS 1.2 curves, point formats; no signature algorithms.
        let h = hello_for(Version::Tls10, &[0x002f], &sni, None, None);
        assert_eq!(h.legacy_version, 0x0301);
        assert_eq!(ext_types(&h), [0, 10, 11]);
        // TLS 1.2: signature algorithms too; FFDHE groups only when asked and not overridden.
        let ffdhe = HelloOptions {
            offer_ffdhe: true,
            ..HelloOptions::default()
        };
        let h = hello_for(Version::Tls12, &[0x009e], &ffdhe, None, None);
        assert_eq!(ext_types(&h), [10, 11, 13]);
        let groups_of = |h: &ClientHello| {
            h.extensions.iter().flatten().find_map(|e| match e {
                Extension::SupportedGroups(g) => Some(g.clone()),
                _ => None,
            })
        };
        assert!(groups_of(&h).unwrap().contains(&groups::FFDHE2048));
        let h = hello_for(
            Version::Tls12,
            &[0x009e],
            &ffdhe,
            Some(&[23]),
            Some(&[0x0401]),
        );
        assert_eq!(groups_of(&h), Some(alloc::vec![23]));
        // An empty group list: no supported_groups extension at all.
        let h = hello_for(Version::Tls12, &[0x009e], &ffdhe, Some(&[]), None);
        assert_eq!(groups_of(&h), None);
        // TLS 1.3: a session id, shares only for the groups we have keys for.
        let h = hello_for(Version::Tls13, &[0x1301], &sni, Some(&[24, 29]), None);
        assert_eq!(h.session_id.len(), 32);
        assert_eq!(ext_types(&h), [0, 43, 10, 51, 13, 45]);
        let shares = h.extensions.iter().flatten().find_map(|e| match e {
            Extension::KeyShare(s) => Some(s.iter().map(|k| k.group).collect::<Vec<_>>()),
            _ => None,
        });
        assert_eq!(shares, Some(alloc::vec![29]));
    }

    #[test]
    fn encode_pads_out_of_the_f5_window() {
        let h = hello_for(
            Version::Tls12,
            &(1..=100).collect::<Vec<u16>>(),
            &HelloOptions::default(),
            None,
            None,
        );
        let plain = h.to_bytes().unwrap();
        assert!((256 + 5..512 + 5).contains(&plain.len()), "{}", plain.len());
        let sent = encode(h);
        assert_eq!(sent.len(), 512 + 5);
        assert!(ClientHello::parse(&sent).is_ok());
        // An impossible hello encodes to nothing (the attempt then ends as refused).
        let huge = ClientHello::new(0x0303, alloc::vec![1; 40_000]);
        assert_eq!(encode(huge), Vec::<u8>::new());
    }
}
