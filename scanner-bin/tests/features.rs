//! What the binary's default features switch on, checked in the build the tests link (the same
//! feature graph as `cargo build -p mxray`).
#![allow(clippy::indexing_slicing)]

use rustls::crypto::SupportedKxGroup;

/// `aws-lc-kx` (default) reaches the TLS driver through the scan engine: the driver's X25519 key
/// shares are aws-lc-rs's (BENCHMARKS.md 0.10: 4 to 10 % less client CPU per endpoint), and
/// ring's with `--no-default-features`.
#[test]
fn the_default_build_makes_x25519_key_shares_with_aws_lc_rs() {
    let first: &dyn SupportedKxGroup = tls_probe::driver::kx_groups()[0];
    assert_eq!(first.name(), rustls::NamedGroup::X25519);
    let ring: &dyn SupportedKxGroup = rustls::crypto::ring::kx_group::X25519;
    let is_ring = std::ptr::eq(
        first as *const dyn SupportedKxGroup as *const (),
        ring as *const dyn SupportedKxGroup as *const (),
    );
    assert_eq!(is_ring, !cfg!(feature = "aws-lc-kx"));
}
