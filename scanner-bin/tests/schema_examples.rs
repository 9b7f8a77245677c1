//! Every JSON example in `docs/SCHEMA.md` is a record the code reads: each fenced `json` block
//! (one pretty-printed record, or one record per line) parses with [`EndpointRecord`], and
//! `mxray report` counts every one of them (none malformed, none degraded).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::*;
use mxray_schema::record::EndpointRecord;

/// The fenced ```json blocks of the document, with the line each starts on.
fn json_blocks(doc: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in doc.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```json") => current = Some((i + 1, String::new())),
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "unclosed ```json block");
    blocks
}

/// The records of one block: the whole block as one JSON object, or one per non-empty line.
fn records_of(start: usize, block: &str) -> Vec<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(block) {
        return vec![serde_json::to_string(&v).unwrap()];
    }
    block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(k, l)| {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| {
                panic!(
                    "docs/SCHEMA.md block at line {start}: neither one JSON value nor one per \
                     line (line {k} of it: {e}):\n{block}"
                )
            });
            l.to_owned()
        })
        .collect()
}

#[test]
fn every_schema_example_is_a_record_the_report_accepts() {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/SCHEMA.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let blocks = json_blocks(&doc);
    assert!(blocks.len() >= 5, "found only {} json blocks", blocks.len());
    let mut lines = Vec::new();
    for (start, block) in &blocks {
        for rec in records_of(*start, block) {
            let parsed: EndpointRecord = serde_json::from_str(&rec).unwrap_or_else(|e| {
                panic!("docs/SCHEMA.md block at line {start} is not a record: {e}\n{rec}")
            });
            // What the scanner writes for it is what the document shows.
            let original: serde_json::Value = serde_json::from_str(&rec).unwrap();
            assert_eq!(
                serde_json::to_value(&parsed).unwrap(),
                original,
                "docs/SCHEMA.md block at line {start}: the record structs write it differently"
            );
            lines.push(rec);
        }
    }
    let dir = tempdir("schema-examples");
    let file = dir.join("examples.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = mxray()
        .args(["report", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_exit_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let input = &report["input"];
    assert_eq!(input["records"], lines.len(), "{input}");
    assert_eq!(input["malformed"], 0, "{input}");
    assert_eq!(input["degraded"], 0, "{input}");
    assert_eq!(input["other_schema"], 0, "{input}");
}

#[test]
fn old_busy421_spelling_still_loads() {
    let old = r#"{"schema_version":1,"target":"192.0.2.25","ip":"192.0.2.25","port":25,"profile":"standard","status":"failed","started_unix_ms":1,"timings":{"total_ms":6},"banner":{"code":421,"text":"421 busy\r\n","complete":true},"error":{"kind":"busy421","phase":"banner","message":"421"},"attempts":[{"waited_ms":0,"duration_ms":1,"outcome":"busy421"}]}"#;
    let r: EndpointRecord = serde_json::from_str(old).unwrap();
    let written = serde_json::to_string(&r).unwrap();
    assert!(written.contains(r#""kind":"busy_421""#), "{written}");
    assert!(written.contains(r#""outcome":"busy_421""#), "{written}");
    assert!(!written.contains("busy421"), "{written}");
}
