//! `tls-probe`: what a TLS server will and will not do, learned with as few handshakes as possible.
//!
//! This crate will hold:
//!
//! - a wire codec: a fully controlled ClientHello builder (any version, suite, extension), an SSLv2
//!   CLIENT-HELLO, and a parser of the server's flight;
//! - sans-IO probe plans (versions, suites by the removal loop, groups, DH sizes, features);
//! - behind the default `std` feature, a rustls handshake driver that records the presented chain.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;
