//! `mxray scan`: runs [`mxray_scan::scheduler::run`] on the command line's scan, with the
//! process's stop requests, and prints the summary line.

use crate::cli::ScanArgs;
use crate::exit::Exit;

/// Runs `mxray scan`; returns how the process ends.
pub async fn run(args: ScanArgs) -> Exit {
    let quiet = args.quiet;
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
            if summary.interrupted {
                Exit::Interrupted
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
