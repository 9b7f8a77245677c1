//! `mxray scan`: runs [`mxray_scan::scheduler::run`] on the command line's scan, with the
//! process's stop requests, and prints the summary line.

use crate::cli::ScanArgs;
use crate::exit::Exit;

/// Runs `mxray scan`; returns how the process ends.
pub async fn run(args: ScanArgs) -> Exit {
    let quiet = args.quiet;
    let fail_on: Option<mxray_schema::record::Severity> = args.fail_on.map(Into::into);
    let stops = match crate::signals::stop_requests() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mxray: cannot install signal handlers: {e}");
            return Exit::Fatal;
        }
    };
    match mxray_scan::scheduler::run(args.config(), stops).await {
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
