//! The certificate-chain probe (tls-probe's `plan::chain`) against a fuzzed server answer: the
//! first byte picks the version of the hello and how the answer is split, the rest is the
//! server's bytes. One hello only; the chain is exactly the certificates the flight parser reads
//! from the same bytes, and stays within the flight limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_probe::flight::FlightParser;
use tls_probe::plan::chain::ChainProbe;
use tls_probe::plan::hellos::HelloOptions;
use tls_probe::plan::Plan;
use tls_probe::record::MAX_FLIGHT;
use tls_probe::Version;

fuzz_target!(|data: &[u8]| {
    let Some((sel, answer)) = data.split_first() else {
        return;
    };
    let versions = [
        Version::Tls12,
        Version::Tls11,
        Version::Tls10,
        Version::Ssl3,
    ];
    let version = versions[usize::from(sel % 4)];
    let split = usize::from(sel >> 2).max(1);
    let mut plan = Plan::new(ChainProbe::new(version, &HelloOptions::default()));
    assert!(plan.next_hello().is_some());
    for c in answer.chunks(split) {
        if plan.feed(c) {
            break;
        }
    }
    plan.feed_eof();
    assert!(plan.next_hello().is_none(), "one hello only");
    let chain = plan.result();
    let total: usize = chain.iter().map(Vec::len).sum();
    assert!(total <= MAX_FLIGHT);
    let mut parser = FlightParser::new();
    parser.feed(answer);
    parser.feed_eof();
    assert_eq!(chain, parser.into_flight().certificates);
});
