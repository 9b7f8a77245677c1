//! The `mxray` binary: see `mxray --help`.
#![forbid(unsafe_code)]

use clap::Parser;

/// mimalloc instead of glibc's allocator (the `mimalloc` feature, on by default): per-thread
/// free lists for the many small buffers of a mass scan (BENCHMARKS.md, section 0.7).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // An optimisation only: a kernel that refuses leaves the scan as it was (pages.rs).
    let _ = mxray::pages::no_huge_pages();
    let code = mxray::run_cli(mxray::cli::Cli::parse());
    std::process::exit(code);
}
