//! The `mxray` binary: the command line and one module per subcommand, over the library crates
//! (`mxray-scan`, `mxray-report`, `mxray-lab`, `mxray-schema`). `main.rs` only parses arguments
//! and calls [`run_cli`] (after [`pages::no_huge_pages`]).
//!
//! - [`cli`]: every clap type, and their conversion into the libraries' configurations;
//! - [`commands`]: `scan`, `probe`, `report`, `lab`, `demo`, `audit`, `targets`;
//! - [`signals`]: Ctrl-C, SIGTERM, SIGHUP; [`exit`]: the exit codes;
//! - [`pages`]: no transparent huge pages for the process (`main.rs` calls it first).
//!
//! ```
//! use clap::Parser;
//! use mxray::cli::{Cli, Command};
//!
//! let cli = Cli::try_parse_from(["mxray", "scan", "example.org", "--profile", "quick"]).unwrap();
//! let Command::Scan(args) = cli.command else { panic!("not scan") };
//! assert_eq!(args.config().profile, mxray_schema::record::Profile::Quick);
//! ```
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod exit;
pub mod pages;
pub mod signals;

use cli::{Cli, Command};
use exit::Exit;

/// Runs a parsed command line; returns the process exit code (see [`cli::EXIT_CODES`]).
pub fn run_cli(cli: Cli) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mxray: cannot start the async runtime: {e}");
            return Exit::Fatal.code();
        }
    };
    let exit = match cli.command {
        Command::Probe(args) => runtime.block_on(commands::probe::run(*args)),
        Command::Demo(args) => runtime.block_on(commands::demo::run(*args)),
        Command::Lab(args) => runtime.block_on(commands::lab::run(*args)),
        Command::Report(args) => commands::report::run(&commands::report::Options {
            format: args.output_format(),
            files: args.files,
            fail_on: args.fail_on.map(Into::into),
            output: args.output,
            baseline: args.baseline,
            force: args.force,
            domain_rows: usize::try_from(args.domain_rows)
                .unwrap_or(mxray_report::tables::DEFAULT_DOMAIN_ROWS),
            asn_db: args.asn_db,
        }),
        Command::Scan(args) => runtime.block_on(commands::scan::run(*args)),
        Command::Audit(args) => commands::audit::run(&args),
        Command::Targets(args) => commands::targets::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
    };
    // Do not wait for a reader thread blocked on stdin.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    exit.code()
}
