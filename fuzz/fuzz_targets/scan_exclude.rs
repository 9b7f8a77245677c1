//! The exclusion grammar (ZMap blocklist format) on arbitrary bytes: no panic, and every
//! entry read is one the list then excludes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray_scan::exclude::{parse_entry, ExclusionList};

fuzz_target!(|data: &[u8]| {
    if let Some(net) = std::str::from_utf8(data).ok().and_then(parse_entry) {
        let list = ExclusionList::new([net]);
        assert!(list.contains(net.network()));
    }
    let mut nets = Vec::new();
    if ExclusionList::read_into(data, "fuzz", &mut nets).is_ok() {
        let list = ExclusionList::new(nets.clone());
        for n in nets.iter().take(100) {
            assert!(list.contains(n.network()));
        }
    }
});
