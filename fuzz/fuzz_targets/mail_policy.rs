//! MTA-STS and TLS-RPT parsers on arbitrary bytes: no panic; whatever parses prints back to text
//! that parses to the same value (the encode/decode pair).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mail_policy::sts::{MxPattern, Policy, StsRecord};
use mail_policy::tlsrpt::TlsRptRecord;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Policy::parse(data) {
        assert_eq!(Policy::parse(p.to_string().as_bytes()), Ok(p.clone()));
        let _ = p.matches_mx("mx1.example.com");
    }
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = StsRecord::parse(text) {
        assert_eq!(StsRecord::parse(&r.to_string()), Ok(r));
    }
    if let Ok(r) = TlsRptRecord::parse(text) {
        assert_eq!(TlsRptRecord::parse(&r.to_string()), Ok(r));
    }
    if let Some((pattern, host)) = text.split_once('\n') {
        if let Ok(p) = MxPattern::parse(pattern) {
            let _ = p.matches(host);
            assert_eq!(MxPattern::parse(&p.to_string()), Ok(p));
        }
    }
});
