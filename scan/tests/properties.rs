//! Property tests: parsers of hostile input never panic and keep their limits; encode/decode
//! pairs round-trip.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::net::IpAddr;

use mxray_scan::resume::ResumeSet;
use mxray_scan::targets::{parse_target, ParseOptions, TargetList};
use mxray_schema::lines::{BoundedLines, Line};
use mxray_schema::record::{
    Attempt, AttemptOutcome, Banner, EndpointRecord, ErrorKind, MxInfo, Phase, Profile, ScanError,
    Status,
};
use proptest::prelude::*;

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u8; 16]>().prop_map(IpAddr::from),
    ]
}

fn record() -> impl Strategy<Value = EndpointRecord> {
    (
        ".{0,40}",
        proptest::option::of("[a-z0-9.-]{1,30}"),
        proptest::option::of(ip()),
        any::<u16>(),
        proptest::option::of((
            ".{0,100}",
            proptest::option::of(any::<u16>()),
            any::<bool>(),
        )),
        proptest::option::of((".{0,40}", proptest::option::of("[A-Z]{2,9}"))),
        proptest::option::of((
            "[a-z.]{1,20}",
            proptest::option::of(any::<u16>()),
            any::<bool>(),
        )),
        proptest::collection::vec((any::<u32>(), any::<u32>()), 0..4),
    )
        .prop_map(|(target, domain, ip, port, banner, error, mx, attempts)| {
            let mut r = EndpointRecord::new(target, ip, port, Profile::Full);
            r.domain = domain;
            r.banner = banner.map(|(text, code, complete)| Banner {
                code,
                text,
                complete,
            });
            r.error = error.map(|(message, rcode)| ScanError {
                kind: ErrorKind::Dns,
                phase: Phase::Dns,
                rcode,
                message,
            });
            r.mx = mx.map(|(host, preference, implicit)| MxInfo {
                host,
                preference,
                implicit,
            });
            r.status = if r.error.is_some() {
                Status::Failed
            } else {
                Status::Completed
            };
            r.attempts = attempts
                .into_iter()
                .map(|(w, d)| Attempt {
                    waited_ms: u64::from(w),
                    duration_ms: u64::from(d),
                    outcome: AttemptOutcome::Busy421,
                })
                .collect();
            r
        })
}

proptest! {
    #[test]
    fn records_round_trip_through_json_lines(r in record()) {
        let line = serde_json::to_string(&r).unwrap();
        prop_assert!(!line.contains('\n'), "one record is one line");
        let back: EndpointRecord = serde_json::from_str(&line).unwrap();
        prop_assert_eq!(&back, &r);
        // What the scanner writes, --resume reads back: its unit of work is finished.
        let set = ResumeSet::read(format!("{line}\n").as_bytes(), "p").unwrap();
        prop_assert!(set.is_done(&mxray_scan::resume::Unit::of(&r)));
        prop_assert_eq!(set.len(), 1);
    }

    #[test]
    fn parse_target_never_panics(s in ".{0,300}") {
        let _ = parse_target(&s, &ParseOptions::default());
        let _ = parse_target(&s, &ParseOptions { names_are_hosts: true, range_cap: u128::MAX });
    }

    #[test]
    fn target_lists_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        for item in TargetList::new(&bytes[..], "fuzz", ParseOptions::default()) {
            let _ = item;
        }
    }

    #[test]
    fn resume_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = ResumeSet::read(&bytes[..], "fuzz");
    }

    #[test]
    fn bounded_lines_keep_every_short_line(lines in proptest::collection::vec("[^\n\r]{0,20}", 0..30)) {
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let got: Vec<String> = BoundedLines::new(text.as_bytes(), 100)
            .map(|l| match l.unwrap() {
                Line::Text { text, terminated: true, .. } => text,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        // A byte order mark at the very start is not part of the first line.
        let mut want = lines;
        if let Some(first) = want.first_mut() {
            if let Some(rest) = first.strip_prefix('\u{feff}') {
                *first = rest.to_owned();
            }
        }
        prop_assert_eq!(got, want);
    }
}
