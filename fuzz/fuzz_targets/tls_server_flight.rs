#![no_main]
//! The server-flight parser on arbitrary bytes, fed whole and in pieces whose size the first byte
//! picks: any split gives the same flight, except that one feed bigger than a cap (the record
//! buffer's `MAX_FLIGHT + MAX_RECORD`, or `2 * MAX_RECORD` for an SSLv2 answer) is refused whole,
//! before the pieces a socket would return could complete the flight; the refusal is asserted.
use libfuzzer_sys::fuzz_target;
use tls_probe::flight::{parse_server_hello, FlightEnd, FlightParser};
use tls_probe::record::{MAX_FLIGHT, MAX_RECORD};
use tls_probe::FlightError;

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
    let sslv2 = rest.first().is_some_and(|b| b & 0x80 != 0);
    let cap = if sslv2 {
        2 * MAX_RECORD
    } else {
        MAX_FLIGHT + MAX_RECORD
    };
    if rest.len() > cap {
        assert!(
            matches!(
                whole.flight().end,
                Some(FlightEnd::Error(FlightError::FlightTooLarge(_)))
            ),
            "a feed over the cap is refused"
        );
    } else {
        assert_eq!(whole.flight(), pieces.flight());
    }
    let _ = parse_server_hello(rest);
    let _ = tls_probe::ClientHello::parse(rest);
});
