#![no_main]
//! The server-flight parser on arbitrary bytes, fed in pieces whose size the first byte picks.
use libfuzzer_sys::fuzz_target;
use tls_probe::flight::{parse_server_hello, FlightParser};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let step = usize::from(split).max(1);
    let mut whole = FlightParser::new();
    whole.feed(rest);
    whole.feed_eof();
    let mut pieces = FlightParser::new();
    for c in rest.chunks(step) {
        if pieces.feed(c) {
            break;
        }
    }
    pieces.feed_eof();
    // Any split gives the same flight.
    assert_eq!(whole.flight(), pieces.flight());
    let _ = parse_server_hello(rest);
    let _ = tls_probe::ClientHello::parse(rest);
});
