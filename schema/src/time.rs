//! "Unix time now", once for the workspace.
//!
//! ```
//! assert!(mxray_schema::time::unix_now().as_secs() > 1_600_000_000);
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time since the Unix epoch (zero if the clock is before it).
pub fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}
