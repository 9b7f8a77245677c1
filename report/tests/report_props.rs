//! Properties of `mxray report`: the report of concatenated shards equals the merge of the
//! per-shard reports; hostile input never panics; record strings are always escaped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mxray_report::aggregate::Aggregate;
use mxray_report::input::{read_into, MAX_LINE_BYTES};
use mxray_report::tables::build;
use mxray_report::{html, markdown, render, Format};
use mxray_schema::synth;
use proptest::prelude::*;

/// JSON Lines of `n` random records (with a bad line now and then), split into `shards` by
/// the per-record shard choices.
fn shards(seed: u64, choices: &[u8], nshards: u8, keys: u64) -> Vec<String> {
    let kinds = synth::kinds();
    let mut rng = synth::Rng::new(seed);
    let mut out = vec![String::new(); usize::from(nshards)];
    for (i, c) in choices.iter().enumerate() {
        let shard = &mut out[usize::from(c % nshards)];
        let r = synth::random_record(&mut rng, &kinds, i as u64, keys, 0);
        shard.push_str(&serde_json::to_string(&r).unwrap());
        shard.push('\n');
        match rng.below(20) {
            0 => shard.push_str("{\"schema_version\":1,\"oops\n"),
            1 => shard.push_str("{\"schema_version\":7}\n"),
            2 => shard.push('\n'),
            _ => {}
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn concatenated_shards_equal_merged_shards(
        seed in any::<u64>(),
        choices in proptest::collection::vec(any::<u8>(), 0..120),
        nshards in 1u8..5,
        keys in 1u64..40,
    ) {
        let parts = shards(seed, &choices, nshards, keys);
        // One pass over all shards (as separate files of one run).
        let mut whole = Aggregate::default();
        for (i, p) in parts.iter().enumerate() {
            read_into(&mut whole, &format!("shard{i}"), p.as_bytes(), MAX_LINE_BYTES).unwrap();
        }
        // Each shard alone, then merged (in any order for the tables).
        let per: Vec<Aggregate> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut a = Aggregate::default();
                read_into(&mut a, &format!("shard{i}"), p.as_bytes(), MAX_LINE_BYTES).unwrap();
                a
            })
            .collect();
        let mut merged = Aggregate::default();
        for a in &per {
            merged.merge(a);
        }
        prop_assert_eq!(&merged, &whole);
        let mut reversed = Aggregate::default();
        for a in per.iter().rev() {
            reversed.merge(a);
        }
        let tables_whole = build(&whole, None);
        prop_assert_eq!(&build(&reversed, None).sections, &tables_whole.sections);
        // The shards concatenated into one stream give the same tables.
        let concatenated: String = parts.concat();
        let mut one = Aggregate::default();
        read_into(&mut one, "all", concatenated.as_bytes(), MAX_LINE_BYTES).unwrap();
        let tables_one = build(&one, None);
        prop_assert_eq!(&tables_one.sections, &tables_whole.sections);
        prop_assert_eq!(one.input.records, choices.len() as u64);
        // Rendered: identical but for the input summary (file names and counts of files).
        let from_merged = build(&merged, None);
        let mut from_one = tables_one.clone();
        from_one.input = from_merged.input.clone();
        for f in [Format::Text, Format::Markdown, Format::Json, Format::Html] {
            prop_assert_eq!(render(&from_one, f), render(&from_merged, f));
        }
    }

    #[test]
    fn arbitrary_lines_never_panic(lines in proptest::collection::vec(
        prop_oneof![
            any::<Vec<u8>>(),
            "\\{\"schema_version\":1[^\n]{0,200}".prop_map(String::into_bytes),
        ],
        0..20,
    )) {
        let mut input = Vec::new();
        for l in &lines {
            input.extend_from_slice(l);
            input.push(b'\n');
        }
        let mut a = Aggregate::default();
        read_into(&mut a, "fuzz", &input[..], 64).unwrap();
        prop_assert_eq!(
            a.input.records + a.input.malformed + a.input.too_long + a.input.other_schema + a.input.blank,
            a.input.lines
        );
        let r = build(&a, None);
        for f in [Format::Text, Format::Markdown, Format::Json, Format::Html] {
            let _ = render(&r, f);
        }
    }

    #[test]
    fn escaping_leaves_no_markup(s in any::<String>()) {
        let h = html::escape(&s);
        prop_assert!(!h.contains('<') && !h.contains('>') && !h.contains('"') && !h.contains('\''));
        let unescaped = h
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        prop_assert_eq!(unescaped, s.clone());
        let m = markdown::escape(&s);
        // Every '|' is escaped, so a cell never splits.
        let unescaped_pipes = m.match_indices('|').filter(|(i, _)| !m[..*i].ends_with('\\')).count();
        prop_assert_eq!(unescaped_pipes, 0);
    }
}
