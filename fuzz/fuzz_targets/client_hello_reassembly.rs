//! ClientHello reassembly from handshake records (tls-probe's `capture`, what mxray-lab runs on
//! each sender's first bytes before rustls), then the JA3/JA4 description: no panic, a complete
//! hello never exceeds the limit, a reassembled hello re-encodes to a record that reassembles to
//! itself, and JA3 is an md5 in hex.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_probe::capture::{describe, scan_hello, HelloScan, MAX_HELLO};
use tls_probe::ClientHello;

fuzz_target!(|data: &[u8]| {
    if let HelloScan::Complete(record) = scan_hello(data) {
        assert!(record.len() <= MAX_HELLO + 5);
        assert_eq!(scan_hello(&record), HelloScan::Complete(record.clone()));
        if let Ok(ch) = ClientHello::parse(&record) {
            let facts = describe(&ch);
            assert_eq!(facts.ja3.len(), 32);
            assert!(facts.ja3.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(facts.ja4.starts_with('t'));
            assert!(facts.suites.len() <= ch.cipher_suites.len());
        }
    }
});
