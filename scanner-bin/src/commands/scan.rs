//! `mxray scan`: runs [`mxray_scan::scheduler::run`] on the command line's scan, with the
//! process's stop requests, and prints the summary line.

use crate::cli::ScanArgs;
use crate::exit::Exit;

/// Runs `mxray scan`; returns how the process ends.
pub async fn run(args: ScanArgs) -> Exit {
    let quiet = args.quiet;
    let fail_on: Option<mxray_schema::record::Severity> = args.fail_on.map(Into::into);
    if let Some(out) = &args.output {
        let same =
            |a: &std::path::Path, b: &std::path::Path| match (a.canonicalize(), b.canonicalize()) {
                (Ok(x), Ok(y)) => x == y,
                _ => a == b,
            };
        if let Some(f) = args.country.delegation_file.iter().find(|f| same(f, out)) {
            eprintln!(
                "mxray: refusing to write records to {}: it is a --delegation-file input",
                f.display()
            );
            return Exit::Fatal;
        }
    }
    let country = match mxray_scan::listing::exclusions(&args.exclude, &args.exclude_file)
        .and_then(|ex| super::targets::country_ranges(&args.country, &ex))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mxray: {e}");
            return Exit::Fatal;
        }
    };
    if args.dry_run {
        let opts = mxray_scan::targets::ParseOptions {
            names_are_hosts: args.hosts,
            range_cap: if args.allow_large {
                u128::MAX
            } else {
                mxray_scan::targets::DEFAULT_RANGE_CAP
            },
        };
        return match mxray_scan::listing::list(
            &mut std::io::stdout().lock(),
            &mut std::io::stdin().lock(),
            &args.targets,
            &args.targets_file,
            opts,
            country.as_ref(),
        ) {
            Ok(_) => Exit::Ok,
            Err(e) => {
                eprintln!("mxray: {e}");
                Exit::Fatal
            }
        };
    }
    if let Some(c) = &country {
        let stdin_is_a_target = args.targets.iter().any(|t| t == "-");
        if let Err(e) = super::targets::confirm(c, args.yes, stdin_is_a_target) {
            eprintln!("mxray: {e}");
            return Exit::Fatal;
        }
        if !quiet {
            eprintln!("mxray: {}", mxray_scan::listing::describe(c));
        }
    }
    let mut config = args.config();
    config.country = country;
    let stops = match crate::signals::stop_requests() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mxray: cannot install signal handlers: {e}");
            return Exit::Fatal;
        }
    };
    match mxray_scan::scheduler::run(config, stops).await {
        Ok(summary) => {
            if !quiet {
                eprintln!("{}", summary.line());
            }
            let s = &summary.stats;
            let reached = fail_on
                .is_some_and(|t| s.unknown_severity > 0 || s.worst_finding.is_some_and(|w| w >= t));
            if summary.interrupted {
                Exit::Interrupted
            } else if reached {
                Exit::Findings
            } else {
                Exit::Ok
            }
        }
        Err(e) => {
            eprintln!("mxray: {e}");
            Exit::Fatal
        }
    }
}
