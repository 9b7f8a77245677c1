//! mxray's scan engine: from targets to one [`EndpointRecord`](mxray_schema::record::EndpointRecord)
//! per endpoint.
//!
//! Modules, from the scheduler down:
//!
//! - [`scheduler`]: a whole scan ([`scheduler::run`]): concurrency, stop requests, one
//!   connection per endpoint however many domains share it;
//! - [`targets`]: target forms, target lists (files, stdin, ZMap output), lazy range expansion;
//!   [`delegation`]: a country's ranges from the registries' delegation files;
//! - [`shard`], [`exclude`], [`resume`]: which endpoints to scan at all; [`listing`]: what a
//!   scan would contact, with its address counts, before any packet;
//! - [`dns`]: MX lookup, implicit MX, null MX, TXT; [`dane`]: DNSSEC-validated MX, address and
//!   TLSA lookups for DANE, [`dane_record`]: the record's `dane` and its judgement;
//! - [`mtasts`]: a domain's MTA-STS and TLS-RPT records and the HTTPS policy fetch;
//!   [`policycheck`]: a record under those policies (pure);
//! - [`ratelimit`]: per-IP token buckets; [`budget`]: each endpoint's deadline from its profile;
//!   [`sockets`]: the probe socket budget;
//! - [`pipeline`]: the work at one endpoint ([`pipeline::scan_endpoint`]): [`smtp`] (EHLO and
//!   STARTTLS through `smtp-codec`'s session), [`tlsprobe`] (rustls handshake, `tls-probe`'s
//!   plans, the injection test), [`audit`] (`cert-audit`); [`assemble`], the pure side branch where
//!   the facts become the record's findings, status and error;
//! - [`probe`]: `mxray probe`'s endpoint and, with `--mx`, the domain's other MX hosts and
//!   policies;
//! - [`selfnames`]: an address target's own names (PTR, greeting, EHLO) and the certificate's
//!   match against them; [`rawdns`]: one question to the `--resolver` server, unfiltered;
//! - [`output`], [`progress`]: where records go and what is shown meanwhile.
//!
//! ```
//! use mxray_scan::shard::Shard;
//! use mxray_scan::targets::{parse_target, ParseOptions, Target};
//!
//! let t = parse_target("192.0.2.0/30", &ParseOptions::default()).unwrap();
//! assert!(matches!(t, Target::Range(_)));
//! let owners = (0..3).filter(|&i| Shard::new(i, 3).unwrap().owns("192.0.2.1:25")).count();
//! assert_eq!(owners, 1);
//! ```
#![forbid(unsafe_code)]

pub mod assemble;
pub mod audit;
pub mod budget;
pub mod clock;
pub mod context;
pub mod dane;
pub mod dane_anchor;
pub mod dane_record;
pub mod delegation;
pub mod dns;
pub mod exclude;
pub mod listing;
pub mod mtasts;
pub mod output;
pub mod pipeline;
pub mod plaintext;
pub mod policycheck;
pub mod probe;
pub mod progress;
pub mod ratelimit;
pub mod rawdns;
pub mod resume;
pub mod scheduler;
pub mod selfnames;
pub mod shard;
pub mod smtp;
pub mod sockets;
pub mod targets;
pub mod tlsprobe;

/// The README's example, run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
