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
    let mut cs: Vec<u16> = suites.to_vec();
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
    let padded = match h.clone().with_f5_padding() {
        Ok(p) => p,
        Err(_) => h,
    };
    padded.to_bytes().unwrap_or_default()
}
