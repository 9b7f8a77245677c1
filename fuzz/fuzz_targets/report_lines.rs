//! The report's line parser on arbitrary input: every line is a record, or counted as
//! malformed, too long or another schema; no panic, and the tables build and render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray_report::aggregate::Aggregate;
use mxray_report::input::read_into;
use mxray_report::{render, tables, Format};

fuzz_target!(|data: &[u8]| {
    let mut agg = Aggregate::default();
    if read_into(&mut agg, "fuzz.jsonl", data, 4096).is_ok() {
        let lines = data.split(|b| *b == b'\n').count() as u64;
        let i = &agg.input;
        assert!(i.records + i.malformed + i.too_long + i.other_schema <= lines);
        let report = tables::build(&agg, None);
        // One format per input, chosen by its length: rendering both made three quarters of
        // the target's time, on work much the same for every input.
        let f = if data.len() % 2 == 0 {
            Format::Text
        } else {
            Format::Json
        };
        let _ = render(&report, f);
    }
});
