//! ClientHello reassembly from handshake records (what mxray-lab captures before rustls), then
//! the JA3/JA4 description: no panic, a complete hello never exceeds the limit, and JA3 is an
//! md5 in hex.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray_lab::hello::{describe, scan_hello, HelloScan, MAX_HELLO};
use tls_probe::ClientHello;

fuzz_target!(|data: &[u8]| {
    if let HelloScan::Complete(record) = scan_hello(data) {
        assert!(record.len() <= MAX_HELLO + 5);
        if let Ok(ch) = ClientHello::parse(&record) {
            let info = describe(&ch);
            assert_eq!(info.ja3.len(), 32);
            assert!(info.ja4.starts_with('t'));
        }
    }
});
