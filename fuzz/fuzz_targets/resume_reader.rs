//! The `--resume` file reader on arbitrary bytes (read through a small buffer, so lines arrive
//! in pieces): no panic, and what it keeps honours its caps — at most `seed_cap` endpoint
//! results, one per `(ip, port)`, each of whose units it also marks as finished.
#![no_main]

use std::collections::HashSet;
use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use mxray_scan::resume::{ResumeSet, Unit};

fuzz_target!(|data: &[u8]| {
    let (caps, body) = data.split_first().map_or((0, data), |(c, b)| (*c, b));
    let seed_cap = usize::from(caps & 0x0f);
    let seed_bytes = usize::from(caps >> 4) * 512;
    let reader = BufReader::with_capacity(7, body);
    let Ok(mut set) = ResumeSet::read_with_seeds(reader, "fuzz", seed_cap, seed_bytes) else {
        return;
    };
    let lines = body.split(|b| *b == b'\n').count();
    assert!(set.len() <= lines);
    let seeds = set.take_seeds();
    assert!(seeds.len() <= seed_cap);
    let mut endpoints = HashSet::new();
    for rec in &seeds {
        let ip = rec.ip.expect("a seed has an address");
        assert!(endpoints.insert((ip, rec.port)), "one seed per endpoint");
        let unit = Unit {
            target: rec.target.clone(),
            domain: rec.domain.clone(),
            mx: rec.mx.as_ref().map(|m| m.host.clone()),
            ip: rec.ip,
            port: rec.port,
        };
        assert!(set.is_done(&unit), "a seed's unit is finished");
    }
    assert!(set.take_seeds().is_empty());
});
