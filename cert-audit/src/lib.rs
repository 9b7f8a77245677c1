//! `cert-audit`: audit a mail server's certificate chain the way a sender and a CA linter would.
//!
//! This crate will take the chain as presented (DER, server order), the names a sender checks, the
//! time (as a parameter: the crate never reads the clock), optional TLSA records and a trust store,
//! and give an exclusive trust class, a name-match result, facts, findings and DANE results.
#![forbid(unsafe_code)]
