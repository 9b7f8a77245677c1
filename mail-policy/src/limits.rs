//! Bounds on the inputs, checked before parsing.

/// Longest TXT record text accepted, in bytes (the strings of one TXT RR joined; a DNS message
/// holds at most 65,535 bytes).
pub const MAX_TXT_BYTES: usize = 4096;
/// Longest policy file accepted, in bytes (RFC 8461 section 3.3: senders may limit the size;
/// 64 KiB is what common implementations allow).
pub const MAX_POLICY_BYTES: usize = 64 * 1024;
/// Most `mx` lines read from a policy.
pub const MAX_MX_PATTERNS: usize = 256;
/// Longest `max_age` (RFC 8461 section 3.2: up to 31557600 seconds, about one year).
pub const MAX_MAX_AGE: u64 = 31_557_600;
/// Longest `id` of an MTA-STS TXT record (RFC 8461 section 3.1: 1 to 32 alphanumerics).
pub const MAX_STS_ID: usize = 32;
/// Most `rua` URIs read from a TLS-RPT record.
pub const MAX_RUA: usize = 32;
