//! The `mxray` binary: see `mxray --help`.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() {
    let code = mxray::run_cli(mxray::cli::Cli::parse());
    std::process::exit(code);
}
