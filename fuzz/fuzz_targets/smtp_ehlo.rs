//! EHLO decoding on arbitrary bytes: no panic; accessors work on whatever parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_codec::{decode_ehlo, Encode, Limits};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((ehlo, _))) = decode_ehlo(data, &Limits::default()) {
        let _ = ehlo.starttls_stripped();
        let _ = ehlo.auth_mechanisms();
        let _ = ehlo.size();
        let _ = ehlo.to_bytes();
        let _ = ehlo.into_owned();
    }
});
