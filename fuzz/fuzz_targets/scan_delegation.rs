//! RIR delegation files (`--country --delegation-file`) on arbitrary bytes: no panic; what is
//! read is a list of sorted, disjoint CIDRs whose sizes add up to the address counts, and
//! cutting exclusions out never adds an address.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray_scan::delegation::{parse_line, read_country, Country};
use mxray_scan::exclude::ExclusionList;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for line in text.lines().take(1000) {
            let _ = parse_line(line);
        }
    }
    let Ok(de) = "DE".parse::<Country>() else {
        return;
    };
    let Ok(r) = read_country(&de, [(data, "fuzz")]) else {
        return;
    };
    let nets = r.nets();
    assert!(!nets.is_empty());
    let mut v4: u128 = 0;
    let mut v6: u128 = 0;
    for w in nets.windows(2) {
        assert!(
            w[0].broadcast() < w[1].network()
                || (w[0].network().is_ipv4() && w[1].network().is_ipv6())
        );
    }
    for n in nets {
        let bits = u32::from(n.max_prefix_len() - n.prefix_len());
        let size = 1u128.checked_shl(bits).unwrap_or(u128::MAX);
        if n.network().is_ipv4() {
            v4 += size;
        } else {
            v6 = v6.saturating_add(size);
        }
    }
    assert_eq!(v4, u128::from(r.ipv4_addresses()));
    assert_eq!(v6, r.ipv6_addresses());
    // Cut every other range out: what is left is the rest, exactly.
    let cut: Vec<_> = nets.iter().step_by(2).copied().collect();
    let w = r.without(&ExclusionList::new(cut.clone()));
    assert!(w.addresses() <= r.addresses());
    for n in w.nets() {
        assert!(!cut.iter().any(|c| c.contains(&n.network())));
    }
});
