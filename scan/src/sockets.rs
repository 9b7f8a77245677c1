//! The scan's budget of open probe sockets.
//!
//! The full and standard profiles open several probe connections per endpoint side by side (one
//! per version, one per plan). At `--concurrency 5000` that can exceed the process's limit of
//! open files, and a probe would fail with "Too many open files" and read as "not supported".
//! Probe connections therefore wait for a permit from a semaphore sized to the limit, less the
//! endpoints' main connections and a reserve for files, DNS and listeners.
//!
//! ```
//! use mxray_scan::sockets::{budget, parse_open_files_limit, RESERVED_FDS};
//!
//! let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
//!               Max open files            20000                20000                files\n";
//! assert_eq!(parse_open_files_limit(limits), Some(20000));
//! assert_eq!(budget(Some(20000), 5000), 20000 - 5000 - RESERVED_FDS);
//! // However low the limit, probes can still run.
//! assert_eq!(budget(Some(1024), 1000), 16);
//! ```

/// File descriptors kept out of the probe budget (output, logs, DNS sockets, the runtime).
pub const RESERVED_FDS: usize = 256;
/// The smallest probe budget: below it a scan makes no progress worth having.
pub const MIN_BUDGET: usize = 16;
/// The limit assumed when `/proc/self/limits` cannot be read (the usual default soft limit).
pub const DEFAULT_OPEN_FILES: u64 = 1024;

/// The soft "Max open files" limit in the text of `/proc/self/limits` (`None`: not found, or
/// "unlimited").
pub fn parse_open_files_limit(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The process's soft limit of open files (Linux `/proc/self/limits`; elsewhere, or when it
/// cannot be read, [`DEFAULT_OPEN_FILES`]).
pub fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| parse_open_files_limit(&t))
        .unwrap_or(DEFAULT_OPEN_FILES)
}

/// How many probe sockets may be open at once: the limit (`None`: [`DEFAULT_OPEN_FILES`]), less
/// one main connection per concurrent endpoint and [`RESERVED_FDS`], at least [`MIN_BUDGET`].
pub fn budget(limit: Option<u64>, concurrency: usize) -> usize {
    let limit = usize::try_from(limit.unwrap_or(DEFAULT_OPEN_FILES)).unwrap_or(usize::MAX);
    limit
        .saturating_sub(concurrency)
        .saturating_sub(RESERVED_FDS)
        .max(MIN_BUDGET)
}

/// The probe-socket semaphore for a scan of `concurrency` endpoints at once, sized from this
/// process's limit.
pub fn semaphore(concurrency: usize) -> std::sync::Arc<tokio::sync::Semaphore> {
    let permits =
        budget(Some(open_files_limit()), concurrency).min(tokio::sync::Semaphore::MAX_PERMITS);
    std::sync::Arc::new(tokio::sync::Semaphore::new(permits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_text_variants() {
        assert_eq!(parse_open_files_limit(""), None);
        assert_eq!(
            parse_open_files_limit(
                "Max open files            unlimited            unlimited            files"
            ),
            None
        );
        assert_eq!(
            parse_open_files_limit(
                "Max processes 10 10 processes\nMax open files 1024 524288 files\n"
            ),
            Some(1024)
        );
    }

    #[test]
    fn budget_leaves_room_for_main_connections_and_the_reserve() {
        assert_eq!(budget(Some(1_048_576), 100), 1_048_576 - 100 - RESERVED_FDS);
        assert_eq!(budget(None, 10), 1024 - 10 - RESERVED_FDS);
        assert_eq!(budget(Some(0), 0), MIN_BUDGET);
        assert_eq!(budget(Some(u64::MAX), usize::MAX), MIN_BUDGET);
    }

    #[test]
    fn this_process_has_a_limit() {
        assert!(open_files_limit() > 0);
    }
}
