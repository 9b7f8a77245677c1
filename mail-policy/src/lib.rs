//! `mail-policy`: the policies a sending MTA reads before it delivers, parsed strictly and
//! without I/O.
//!
//! - [`sts`]: MTA-STS (RFC 8461): the `_mta-sts.DOMAIN` TXT record ([`sts::StsRecord`]), the
//!   policy file ([`sts::Policy`]) and the MX pattern match ([`sts::mx_matches`]).
//! - [`tlsrpt`]: TLS-RPT (RFC 8460): the `_smtp._tls.DOMAIN` TXT record ([`tlsrpt::TlsRptRecord`]).
//! - [`verdict`]: the per-domain verdict (pure): how an opportunistic, an MTA-STS and a DANE
//!   sender deliver, and which attacker wins.
//!
//! Fetching (DNS, HTTPS) is the engine's job; this crate takes the bytes it got. Every input is
//! hostile: lengths are bounded ([`limits`]), errors are typed and say what was wrong, nothing
//! panics. Each type prints back to the text it was parsed from ([`core::fmt::Display`]), and
//! parse(print(x)) == x is a property test.
//!
//! ```
//! use mail_policy::sts::{Mode, Policy, StsRecord};
//!
//! let txt = StsRecord::parse("v=STSv1; id=20261129T1200;")?;
//! assert_eq!(txt.id, "20261129T1200");
//!
//! let policy = Policy::parse(b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n")?;
//! assert_eq!(policy.mode, Mode::Enforce);
//! assert!(policy.matches_mx("mail.example.com"));
//! assert!(policy.matches_mx("mx1.example.net"));
//! assert!(!policy.matches_mx("a.b.example.net"), "a wildcard covers one label");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![doc = "\n\n# README\n"]
#![doc = include_str!("../README.md")]

pub mod limits;
pub mod sts;
pub mod tlsrpt;
mod txt;
pub mod verdict;
