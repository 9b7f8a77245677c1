//! `mxray targets` (and `mxray scan --dry-run`): what a scan would contact, with the address
//! counts, without sending a packet; and the `--country` selection of `mxray scan` with its
//! size check.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;

use mxray_scan::delegation::{read_country, CountryRanges};
use mxray_scan::exclude::{parse_entry, ExclusionList};
use mxray_scan::targets::{
    parse_target, ParseOptions, RangeSize, SourcedTarget, Target, TargetList, DEFAULT_RANGE_CAP,
};

use crate::cli::{CountryArgs, TargetsArgs};
use crate::exit::Exit;

/// Above this many addresses a `--country` scan needs `--yes` (or a "y" on a terminal).
pub const CONFIRM_ABOVE: u128 = 65_536;

/// The exclusion list of `--exclude` and `--exclude-file` (as the scan reads it).
pub fn exclusions(values: &[String], files: &[PathBuf]) -> Result<ExclusionList, String> {
    let mut nets = Vec::new();
    for v in values {
        nets.push(
            parse_entry(v)
                .ok_or_else(|| format!("--exclude {v:?}: not an IP address or CIDR range"))?,
        );
    }
    for path in files {
        let f = File::open(path)
            .map_err(|e| format!("cannot open exclusion file {}: {e}", path.display()))?;
        ExclusionList::read_into(BufReader::new(f), &path.display().to_string(), &mut nets)
            .map_err(|e| format!("exclusion list {e}"))?;
    }
    Ok(ExclusionList::new(nets))
}

/// The country's ranges asked for by `args` (none without `--country`), less the exclusions.
/// Errors: a file that cannot be opened, a malformed line (file and line), a country with no
/// block, a selection wholly excluded.
pub fn country_ranges(
    args: &CountryArgs,
    exclude: &ExclusionList,
) -> Result<Option<CountryRanges>, String> {
    let Some(country) = &args.country else {
        return Ok(None);
    };
    let mut files = Vec::new();
    for path in &args.delegation_file {
        let f = File::open(path)
            .map_err(|e| format!("cannot open delegation file {}: {e}", path.display()))?;
        files.push((BufReader::new(f), path.display().to_string()));
    }
    let all = read_country(country, files).map_err(|e| e.to_string())?;
    let all = match args.ip_version.as_deref() {
        Some("4") => all.only(true),
        Some("6") => all.only(false),
        _ => all,
    };
    if all.nets().is_empty() {
        return Err(format!(
            "country {country}: no allocated or assigned IPv{} block in the delegation files",
            args.ip_version.as_deref().unwrap_or("4/6")
        ));
    }
    let kept = all.without(exclude);
    if kept.nets().is_empty() {
        return Err(format!(
            "country {country}: all {} addresses of its {} ranges are excluded",
            all.addresses(),
            all.nets().len()
        ));
    }
    Ok(Some(kept))
}

/// One line saying what a country selection holds.
pub fn describe(r: &CountryRanges) -> String {
    format!(
        "country {}: {} ranges from {} registry records, {} IPv4 and {} IPv6 addresses",
        r.country(),
        r.nets().len(),
        r.records(),
        r.ipv4_addresses(),
        r.ipv6_addresses()
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

/// Totals of a target listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Lines printed (targets and ranges).
    pub entries: u64,
    /// IPv4 addresses (saturating).
    pub ipv4: u128,
    /// IPv6 addresses (saturating).
    pub ipv6: u128,
    /// Names (resolved only when scanning).
    pub names: u64,
}

impl Totals {
    fn add(&mut self, target: &Target) -> String {
        self.entries += 1;
        match target {
            Target::Addr { ip, .. } => {
                if ip.is_ipv4() {
                    self.ipv4 = self.ipv4.saturating_add(1);
                } else {
                    self.ipv6 = self.ipv6.saturating_add(1);
                }
                "1".to_owned()
            }
            Target::Range(net) => {
                let size = RangeSize::of(net);
                let n = size.get().unwrap_or(u128::MAX);
                if net.network().is_ipv4() {
                    self.ipv4 = self.ipv4.saturating_add(n);
                } else {
                    self.ipv6 = self.ipv6.saturating_add(n);
                }
                size.to_string()
            }
            _ => {
                self.names += 1;
                "-".to_owned()
            }
        }
    }
}

/// Writes the listing: each target (`TEXT<TAB>ADDRESSES`, `-` for a name), the country's
/// ranges under a `#` line saying what they are, and a `# total` line.
pub fn list(
    out: &mut impl Write,
    targets: &[String],
    targets_files: &[PathBuf],
    opts: ParseOptions,
    country: Option<&CountryRanges>,
) -> Result<Totals, String> {
    let mut totals = Totals::default();
    let w = |e: io::Error| format!("stdout: {e}");
    let mut print = |out: &mut dyn Write, st: SourcedTarget| -> Result<(), String> {
        let n = totals.add(&st.target);
        writeln!(out, "{}\t{n}", st.text).map_err(w)
    };
    for (i, text) in targets.iter().enumerate() {
        if text == "-" {
            for item in TargetList::new(io::stdin().lock(), "<stdin>", opts) {
                print(out, item.map_err(|e| e.to_string())?)?;
            }
            continue;
        }
        let target = parse_target(text, &opts)
            .map_err(|e| format!("target argument {} {text:?}: {e}", i + 1))?;
        print(
            out,
            SourcedTarget {
                text: text.trim().to_owned(),
                target,
            },
        )?;
    }
    for path in targets_files {
        let f = File::open(path)
            .map_err(|e| format!("cannot open targets file {}: {e}", path.display()))?;
        let reader: Box<dyn BufRead> = Box::new(BufReader::new(f));
        for item in TargetList::new(reader, path.display().to_string(), opts) {
            print(out, item.map_err(|e| e.to_string())?)?;
        }
    }
    if let Some(c) = country {
        writeln!(out, "# {} (exclusions cut out)", describe(c)).map_err(w)?;
        for net in c.nets() {
            print(
                out,
                SourcedTarget {
                    text: net.to_string(),
                    target: Target::Range(*net),
                },
            )?;
        }
    }
    writeln!(
        out,
        "# total: {} entries, {} IPv4 addresses, {} IPv6 addresses, {} names (resolved when scanning)",
        totals.entries, totals.ipv4, totals.ipv6, totals.names
    )
    .map_err(w)?;
    out.flush().map_err(w)?;
    Ok(totals)
}

/// Runs `mxray targets`.
pub fn run(args: &TargetsArgs) -> Exit {
    let result = exclusions(&args.exclude, &args.exclude_file)
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
            list(
                &mut io::stdout().lock(),
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
