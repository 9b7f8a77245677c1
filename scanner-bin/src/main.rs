//! The `mxray` binary: scan, probe, report, lab and demo.
//!
//! The subcommands are not built yet; this binary says so instead of pretending.
#![forbid(unsafe_code)]

fn main() {
    eprintln!(
        "mxray {}: the scanner subcommands (scan, probe, report, lab, demo) are not built yet.\n\
         What works today is the smtp-codec crate; see README.md for its example.",
        env!("CARGO_PKG_VERSION")
    );
    std::process::exit(2);
}
