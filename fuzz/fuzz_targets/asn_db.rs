//! AS databases (`--asn-db`) on arbitrary bytes: an iptoasn TSV, a MaxMind DB file (the metadata
//! marker decides), either gzipped. No panic, no unbounded allocation; a database that opens
//! answers lookups of any address, and a TSV's ranges are found again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray_asn::{tsv, AsnDb};
use std::net::IpAddr;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = tsv::parse("fuzz.tsv", data) {
        // Every line that parsed is found: its start address maps to a network.
        for line in String::from_utf8_lossy(data).lines().take(1000) {
            let mut f = line.trim_end_matches('\r').split('\t');
            let (Some(start), Some(_), Some(asn)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if let (Ok(ip), Ok(n)) = (start.trim().parse::<IpAddr>(), asn.trim().parse::<u32>()) {
                if n != 0 {
                    assert!(t.lookup(ip).is_some(), "{line:?}");
                }
            }
        }
    }
    if let Ok(db) = AsnDb::from_bytes("fuzz", data.to_vec()) {
        let mut probes: Vec<IpAddr> = vec![
            "0.0.0.0".parse().unwrap(),
            "127.0.0.1".parse().unwrap(),
            "255.255.255.255".parse().unwrap(),
            "::".parse().unwrap(),
            "2001:db8::1".parse().unwrap(),
            "::ffff:192.0.2.1".parse().unwrap(),
        ];
        if data.len() >= 16 {
            let mut b = [0u8; 16];
            b.copy_from_slice(&data[..16]);
            probes.push(IpAddr::from(b));
            probes.push(IpAddr::from([b[0], b[1], b[2], b[3]]));
        }
        for ip in probes {
            if let Some(n) = db.lookup(ip) {
                assert!(!n.is_empty());
                assert!(n.country.as_deref().is_none_or(|c| c.len() == 2));
            }
        }
    }
});
