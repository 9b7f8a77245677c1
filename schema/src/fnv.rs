//! FNV-1a, 64 bits: a stable, seedless hash (shard assignment, name counts in the report).
//!
//! ```
//! assert_eq!(mxray_schema::fnv::fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
//! assert_eq!(mxray_schema::fnv::fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
//! ```

/// 64-bit FNV-1a of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
