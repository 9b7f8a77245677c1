//! The process's memory pages: no transparent huge pages for a scanner.
//!
//! A mass scan allocates and frees a few kilobytes per connection, tens of thousands of times a
//! second. The allocator returns freed memory to the kernel after a second and takes it back
//! later; with transparent huge pages on (`always`, the default of many distributions) each
//! return of a 2 MiB range is followed by a fault that clears a whole huge page again.
//! BENCHMARKS.md (sections 0.8 and 0.9): `clear_page_erms` was 4 % of `standard`'s client CPU
//! and more of `quick`'s, and the peak RSS 6 to 10 % higher. Nothing in mxray gains from huge
//! pages (no large, long-lived, randomly read table), so the binary opts out for its own
//! process only (`PR_SET_THP_DISABLE`; the system's setting and other processes are untouched).

/// Turns transparent huge pages off for this process (and the processes it starts), so that
/// memory the allocator returns and takes back is faulted in as 4 KiB pages, not cleared 2 MiB
/// at a time. Call it first thing in `main`: the flag applies to every later page fault. On
/// systems other than Linux it does nothing.
///
/// ```
/// mxray::pages::no_huge_pages().expect("prctl(PR_SET_THP_DISABLE)");
/// # #[cfg(target_os = "linux")]
/// # assert!(std::fs::read_to_string("/proc/self/status").unwrap().contains("THP_enabled:\t0"));
/// ```
///
/// # Errors
///
/// The kernel's refusal (a kernel older than 3.15, or a seccomp policy that forbids `prctl`);
/// the scan works the same without it, only with more page clearing.
pub fn no_huge_pages() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        rustix::thread::disable_transparent_huge_pages(true)?;
    }
    Ok(())
}
