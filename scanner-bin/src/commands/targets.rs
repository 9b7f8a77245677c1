//! `mxray targets` (and `mxray scan --dry-run`): what a scan would contact, with the address
//! counts, without sending a packet ([`mxray_scan::listing`]); and the `--country` size check
//! of `mxray scan`, asked on a terminal.

use std::io::{self, BufRead, IsTerminal, Read};

use mxray_scan::delegation::CountryRanges;
use mxray_scan::exclude::ExclusionList;
use mxray_scan::listing::{describe, CONFIRM_ABOVE};
use mxray_scan::targets::{ParseOptions, DEFAULT_RANGE_CAP};

use crate::cli::{CountryArgs, TargetsArgs};
use crate::exit::Exit;

/// The country's ranges asked for by `args` (none without `--country`), less the exclusions
/// ([`mxray_scan::listing::country_ranges`]).
pub fn country_ranges(
    args: &CountryArgs,
    exclude: &ExclusionList,
) -> Result<Option<CountryRanges>, String> {
    mxray_scan::listing::country_ranges(
        args.country.as_ref(),
        &args.delegation_file,
        args.ip_version.as_deref(),
        exclude,
    )
}

/// Whether a country scan may go on: at most [`CONFIRM_ABOVE`] addresses, `--yes`, or a "y"
/// typed on a terminal (asked only when stdin and stderr are terminals and stdin is not a
/// target list).
pub fn confirm(r: &CountryRanges, yes: bool, stdin_is_a_target: bool) -> Result<(), String> {
    if yes || r.addresses() <= CONFIRM_ABOVE {
        return Ok(());
    }
    let what = describe(r);
    if stdin_is_a_target || !io::stdin().is_terminal() || !io::stderr().is_terminal() {
        return Err(format!(
            "{what}: more than {CONFIRM_ABOVE} addresses; check them with --dry-run (or \
             `mxray targets`) and rerun with --yes"
        ));
    }
    eprint!("mxray: {what}. Scan them? [y/N] ");
    let mut answer = String::new();
    // At most one short line: a terminal gives one when the user presses Enter.
    let read = io::stdin().lock().take(64).read_line(&mut answer);
    match (read, answer.trim()) {
        (Ok(_), "y" | "Y" | "yes" | "YES" | "Yes") => Ok(()),
        _ => Err(format!("{what}: not confirmed, nothing scanned")),
    }
}

/// Runs `mxray targets`.
pub fn run(args: &TargetsArgs) -> Exit {
    let result = mxray_scan::listing::exclusions(&args.exclude, &args.exclude_file)
        .and_then(|ex| country_ranges(&args.country, &ex))
        .and_then(|country| {
            if args.targets.is_empty() && args.targets_file.is_empty() && country.is_none() {
                return Err("no targets: name targets, --targets-file or --country".to_owned());
            }
            let opts = ParseOptions {
                names_are_hosts: false,
                range_cap: if args.allow_large {
                    u128::MAX
                } else {
                    DEFAULT_RANGE_CAP
                },
            };
            mxray_scan::listing::list(
                &mut io::stdout().lock(),
                &mut io::stdin().lock(),
                &args.targets,
                &args.targets_file,
                opts,
                country.as_ref(),
            )
        });
    match result {
        Ok(_) => Exit::Ok,
        Err(e) => {
            eprintln!("mxray: {e}");
            Exit::Fatal
        }
    }
}
