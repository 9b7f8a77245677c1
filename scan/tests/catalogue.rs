//! Every id a record can carry has an entry in the findings catalogue, under the source that
//! emits it, and every entry is an id some source emits.

use std::collections::HashSet;

use mxray_schema::catalogue;

#[test]
fn every_emitted_id_has_a_catalogue_entry_of_its_source() {
    let emitted = mxray_scan::assemble::all_ids();
    assert!(emitted.len() > 80, "{}", emitted.len());
    for (source, id) in &emitted {
        assert!(catalogue::is_kebab_case(id), "{id} is not kebab-case");
        let e = catalogue::entry(id)
            .unwrap_or_else(|| panic!("{id} ({source}) has no catalogue entry"));
        assert_eq!(e.id, *id, "{id} found only through a legacy id");
        assert_eq!(
            e.source, *source,
            "{id}: catalogue source {} but emitted by {source}",
            e.source
        );
    }
}

#[test]
fn every_catalogue_entry_is_emitted_by_some_source() {
    let emitted: HashSet<&str> = mxray_scan::assemble::all_ids()
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    for e in catalogue::all() {
        assert!(
            emitted.contains(e.id),
            "catalogue entry {} is emitted by no source",
            e.id
        );
    }
}
