#![no_main]
//! `ClientHello::parse` on arbitrary bytes: the parser `mxray lab` runs on every sending
//! client's first TLS record. It must never panic; what it accepts must re-encode to a record
//! that parses to the same hello.
use libfuzzer_sys::fuzz_target;
use tls_probe::ClientHello;

fuzz_target!(|data: &[u8]| {
    let Ok(hello) = ClientHello::parse(data) else {
        return;
    };
    if let Ok(bytes) = hello.to_bytes() {
        let again = ClientHello::parse(&bytes).expect("re-encoded hello parses");
        assert_eq!(again, hello);
    }
});
