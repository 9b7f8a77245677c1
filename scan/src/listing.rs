//! What a scan would contact, before any packet: the exclusion list of `--exclude` and
//! `--exclude-file` ([`exclusions`]), a country's selection less the exclusions
//! ([`country_ranges`], [`describe`]), and the listing of `mxray targets` and
//! `mxray scan --dry-run` with its address counts ([`list`], [`Totals`]).
//!
//! ```
//! use mxray_scan::listing::list;
//! use mxray_scan::targets::ParseOptions;
//!
//! let mut out = Vec::new();
//! let targets = ["192.0.2.0/30".to_owned(), "example.org".to_owned()];
//! let totals = list(&mut out, &mut std::io::empty(), &targets, &[], ParseOptions::default(), None)
//!     .unwrap();
//! assert_eq!((totals.ipv4, totals.names), (4, 1));
//! assert!(String::from_utf8(out).unwrap().starts_with("192.0.2.0/30\t4\nexample.org\t-\n"));
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;

use crate::delegation::{read_country, Country, CountryRanges};
use crate::exclude::{parse_entry, ExclusionList};
use crate::targets::{parse_target, ParseOptions, RangeSize, SourcedTarget, Target, TargetList};

/// Above this many addresses a `--country` scan needs `--yes` (or a "y" on a terminal).
pub const CONFIRM_ABOVE: u128 = 65_536;

/// The exclusion list of `--exclude` values and `--exclude-file` files (as the scan reads it).
/// Errors name the value or the file (and line) that is wrong.
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

/// A country's selection: its ranges in the `delegation_files`, only IPv4 or IPv6 with
/// `ip_version` `"4"` or `"6"`, less the exclusions (none without a country).
/// Errors: a file that cannot be opened, a malformed line (file and line), a country with no
/// block, a selection wholly excluded.
pub fn country_ranges(
    country: Option<&Country>,
    delegation_files: &[PathBuf],
    ip_version: Option<&str>,
    exclude: &ExclusionList,
) -> Result<Option<CountryRanges>, String> {
    let Some(country) = country else {
        return Ok(None);
    };
    let mut files = Vec::new();
    for path in delegation_files {
        let f = File::open(path)
            .map_err(|e| format!("cannot open delegation file {}: {e}", path.display()))?;
        files.push((BufReader::new(f), path.display().to_string()));
    }
    let all = read_country(country, files).map_err(|e| e.to_string())?;
    let all = match ip_version {
        Some("4") => all.only(true),
        Some("6") => all.only(false),
        _ => all,
    };
    if all.nets().is_empty() {
        return Err(format!(
            "country {country}: no allocated or assigned IPv{} block in the delegation files",
            ip_version.unwrap_or("4/6")
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
    /// Counts one target; returns its address count as listed (`-` for a name).
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

/// Writes the listing to `out`: each target (`TEXT<TAB>ADDRESSES`, `-` for a name; a target
/// `-` reads the list from `stdin`), then the targets files, the country's ranges under a `#`
/// line saying what they are, and a `# total` line.
pub fn list(
    out: &mut dyn Write,
    stdin: &mut dyn BufRead,
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
            for item in TargetList::new(&mut *stdin, "<stdin>", opts) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, text: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("mxray-listing-{}-{name}", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn list_counts_addresses_ranges_names_and_stdin() {
        let file = tmp("targets", "2001:db8::/126\nmx.example.net:587\n");
        let mut out = Vec::new();
        let mut stdin = io::Cursor::new(b"192.0.2.9\n".to_vec());
        let t = list(
            &mut out,
            &mut stdin,
            &["192.0.2.1".into(), "-".into(), "example.org".into()],
            std::slice::from_ref(&file),
            ParseOptions::default(),
            None,
        )
        .unwrap();
        let _ = std::fs::remove_file(&file);
        assert_eq!(
            t,
            Totals {
                entries: 5,
                ipv4: 2,
                ipv6: 4,
                names: 2
            }
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "192.0.2.1\t1\n192.0.2.9\t1\nexample.org\t-\n2001:db8::/126\t4\nmx.example.net:587\t-\n\
             # total: 5 entries, 2 IPv4 addresses, 4 IPv6 addresses, 2 names (resolved when \
             scanning)\n"
        );
    }

    #[test]
    fn list_names_the_bad_argument_and_file() {
        let mut out = Vec::new();
        let e = list(
            &mut out,
            &mut io::empty(),
            &["192.0.2.1".into(), "not a target!".into()],
            &[],
            ParseOptions::default(),
            None,
        )
        .unwrap_err();
        assert!(
            e.starts_with("target argument 2 \"not a target!\": "),
            "{e}"
        );
        let e = list(
            &mut out,
            &mut io::empty(),
            &[],
            &[PathBuf::from("/nonexistent/mxray/targets.txt")],
            ParseOptions::default(),
            None,
        )
        .unwrap_err();
        assert!(
            e.starts_with("cannot open targets file /nonexistent/mxray/targets.txt"),
            "{e}"
        );
    }

    #[test]
    fn exclusions_from_values_and_files_with_errors_named() {
        let file = tmp("excl", "# comment\n198.51.100.0/24\n");
        let ex = exclusions(&["192.0.2.1".into()], std::slice::from_ref(&file)).unwrap();
        assert!(ex.contains("192.0.2.1".parse().unwrap()));
        assert!(ex.contains("198.51.100.7".parse().unwrap()));
        assert!(!ex.contains("192.0.2.2".parse().unwrap()));
        let _ = std::fs::remove_file(&file);
        assert_eq!(
            exclusions(&["nope".into()], &[]).unwrap_err(),
            "--exclude \"nope\": not an IP address or CIDR range"
        );
        assert!(exclusions(&[], &[PathBuf::from("/nonexistent/mxray/ex")])
            .unwrap_err()
            .starts_with("cannot open exclusion file /nonexistent/mxray/ex"));
    }

    #[test]
    fn country_selection_its_description_and_its_errors() {
        let file = tmp(
            "deleg",
            "2|ripencc|20240101|3|19700101|20240101|+0100\n\
             ripencc|DE|ipv4|192.0.2.0|256|20000101|allocated|a1\n\
             ripencc|DE|ipv6|2001:db8::|32|20000101|assigned|a2\n\
             ripencc|FR|ipv4|198.51.100.0|256|20000101|allocated|a3\n",
        );
        let files = std::slice::from_ref(&file);
        let de: Country = "DE".parse().unwrap();
        let none = ExclusionList::new([]);
        assert!(country_ranges(None, files, None, &none).unwrap().is_none());
        let r = country_ranges(Some(&de), files, Some("4"), &none)
            .unwrap()
            .unwrap();
        assert_eq!(
            describe(&r),
            "country DE: 1 ranges from 2 registry records, 256 IPv4 and 0 IPv6 addresses"
        );
        let cut = exclusions(&["192.0.2.0/25".into()], &[]).unwrap();
        let r = country_ranges(Some(&de), files, Some("4"), &cut)
            .unwrap()
            .unwrap();
        assert_eq!(r.addresses(), 128);
        let all = exclusions(&["192.0.2.0/24".into()], &[]).unwrap();
        assert_eq!(
            country_ranges(Some(&de), files, Some("4"), &all).unwrap_err(),
            "country DE: all 256 addresses of its 1 ranges are excluded"
        );
        let fr: Country = "FR".parse().unwrap();
        assert_eq!(
            country_ranges(Some(&fr), files, Some("6"), &none).unwrap_err(),
            "country FR: no allocated or assigned IPv6 block in the delegation files"
        );
        let it: Country = "IT".parse().unwrap();
        assert!(country_ranges(Some(&it), files, None, &none)
            .unwrap_err()
            .starts_with("country IT: no allocated or assigned IPv4/IPv6 block in /"));
        let _ = std::fs::remove_file(&file);
    }
}
