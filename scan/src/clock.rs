//! Time arithmetic every layer shares: deadlines that cannot overflow, milliseconds for records,
//! Unix time for the certificate audit.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use mxray_scan::clock::{later, ms};
//!
//! let t = Instant::now();
//! assert!(later(t, Duration::MAX) > t);
//! assert_eq!(ms(Duration::from_micros(2_500)), 2);
//! ```

use std::time::{Duration, Instant};

/// `t + d`, saturating at about a year from `t` instead of overflowing.
pub fn later(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(365 * 86_400)))
        .unwrap_or(t)
}

/// Milliseconds, saturating.
pub fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Unix seconds now (0 before the epoch).
pub fn now_unix() -> u64 {
    mxray_schema::time::unix_now().as_secs()
}
