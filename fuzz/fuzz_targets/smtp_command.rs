//! Command decoding on arbitrary bytes: no panic, consumed within the line limit, and a decoded
//! command re-encodes to bytes that decode to the same command.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_codec::{decode_command, Encode, Limits};

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::default(), Limits::strict()] {
        if let Ok(Some((cmd, used))) = decode_command(data, &limits) {
            assert!(used <= data.len() && used <= limits.command_line);
            let again = cmd.to_bytes();
            let big = Limits {
                command_line: again.len() + 1,
                ..Limits::default()
            };
            let (back, n) = decode_command(&again, &big).unwrap().unwrap();
            assert_eq!(n, again.len());
            assert_eq!(back, cmd, "{:?}", String::from_utf8_lossy(&again));
        }
    }
});
