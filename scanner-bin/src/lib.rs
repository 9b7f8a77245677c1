//! mxray: measure how well mail servers protect server-to-server email with STARTTLS.
//!
//! This library is the body of the `mxray` binary; `main.rs` only parses arguments and calls
//! [`scan::run`]. Modules, from input to output:
//!
//! - [`cli`]: the command line;
//! - [`targets`]: target forms, target lists (files, stdin, ZMap output), lazy range expansion;
//! - [`shard`], [`exclude`], [`resume`]: which endpoints to scan at all;
//! - [`dns`]: MX lookup, implicit MX, null MX;
//! - [`ratelimit`]: per-IP token buckets; [`budget`]: each endpoint's deadline from its profile;
//! - [`pipeline`]: the work at one endpoint ([`pipeline::scan_endpoint`]): [`smtp`] (EHLO and
//!   STARTTLS through `smtp-codec`'s session), [`tlsprobe`] (rustls handshake, `tls-probe`'s
//!   plans, the injection test), [`audit`] (`cert-audit`), [`findings`];
//! - [`probe`] and [`term`]: `mxray probe`, one endpoint with a terminal report;
//! - [`scan`]: the scheduler (concurrency, signals);
//! - [`record`], [`output`], [`progress`]: what is written and shown.
//! - [`report`]: `mxray report`, the study's tables and charts from result files.
//!
//! ```
//! use mxray::targets::{parse_target, ParseOptions, Target};
//! use mxray::shard::Shard;
//!
//! let t = parse_target("192.0.2.0/30", &ParseOptions::default()).unwrap();
//! assert!(matches!(t, Target::Range(_)));
//! let owners = (0..3).filter(|&i| Shard::new(i, 3).unwrap().owns("192.0.2.1:25")).count();
//! assert_eq!(owners, 1);
//! ```
#![forbid(unsafe_code)]

pub mod audit;
pub mod budget;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod dns;
pub mod exclude;
pub mod findings;
pub mod output;
pub mod pipeline;
pub mod probe;
pub mod progress;
pub mod ratelimit;
pub mod resume;
pub mod scan;
pub mod shard;
pub mod smtp;
pub mod sockets;
pub mod targets;
pub mod tlsprobe;

use cli::{Cli, Command};
use scan::{EXIT_FATAL, EXIT_INTERRUPTED, EXIT_OK};

/// Runs a parsed command line; returns the process exit code (see [`cli::EXIT_CODES`]).
pub fn run_cli(cli: Cli) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mxray: cannot start the async runtime: {e}");
            return EXIT_FATAL;
        }
    };
    let code = match cli.command {
        Command::Probe(args) => runtime.block_on(probe::run(*args)),
        Command::Demo(args) => runtime.block_on(demo::run(*args)),
        Command::Lab(args) => runtime.block_on(commands::lab::run(*args)),
        Command::Report(args) => commands::report::run(&commands::report::Options {
            files: args.files,
            format: args.format.into(),
            output: args.output,
            baseline: args.baseline,
            force: args.force,
        }),
        Command::Scan(args) => {
            let quiet = args.quiet;
            match runtime.block_on(scan::run(*args)) {
                Ok(summary) => {
                    if !quiet {
                        eprintln!("{}", summary.line());
                    }
                    if summary.interrupted {
                        EXIT_INTERRUPTED
                    } else {
                        EXIT_OK
                    }
                }
                Err(e) => {
                    eprintln!("mxray: {e}");
                    EXIT_FATAL
                }
            }
        }
    };
    // Do not wait for a reader thread blocked on stdin.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}
