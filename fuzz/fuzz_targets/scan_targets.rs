//! The target grammar on arbitrary text: one target, and a target list (CSV/ZMap columns,
//! comments, bounded lines). No panic; a range's length never exceeds what was asked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray_scan::targets::{parse_target, range_len, ParseOptions, Target, TargetList};

fuzz_target!(|data: &[u8]| {
    let capped = ParseOptions {
        names_are_hosts: data.first().is_some_and(|b| b & 1 == 1),
        range_cap: 1 << 16,
    };
    if let Ok(text) = std::str::from_utf8(data) {
        for opts in [ParseOptions::default(), capped] {
            if let Ok(Target::Range(net)) = parse_target(text, &opts) {
                assert!(range_len(&net) <= opts.range_cap);
            }
        }
    }
    for item in TargetList::new(data, "fuzz", capped).take(10_000) {
        let _ = item;
    }
});
