//! `smtp-codec`: a `no_std` + `alloc` SMTP codec for scanners and test servers.
//!
//! This crate will hold, sans-IO (bytes in, typed values and bytes out):
//!
//! - commands of RFC 5321 and its registered extensions, with their ESMTP parameters;
//! - replies (single and multi-line), RFC 3463 enhanced status codes and typed EHLO capabilities;
//! - an incremental decoder with explicit limits;
//! - a client session for the STARTTLS upgrade and the pipelining injection probe;
//! - a server-side command reader.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;
