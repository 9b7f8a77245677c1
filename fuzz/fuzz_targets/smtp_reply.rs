//! Reply decoding on arbitrary bytes: no panic, consumed within bounds, limits honoured,
//! and a decoded reply re-encodes to bytes that decode to the same reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_codec::{decode_reply, Encode, Limits};

fuzz_target!(|data: &[u8]| {
    let small = Limits {
        reply_line_tolerant: 64,
        lines_per_reply: 4,
        reply_bytes: 200,
        ..Limits::default()
    };
    for limits in [Limits::default(), Limits::strict(), small] {
        match decode_reply(data, &limits) {
            Ok(Some((reply, used))) => {
                assert!(used <= data.len() && used <= limits.reply_bytes);
                assert!(reply.lines().len() <= limits.lines_per_reply);
                let _ = reply.enhanced_status();
                // Text may hold a lone CR, which encoding cannot reproduce faithfully.
                if reply.lines().iter().all(|l| !l.contains(&b'\r')) {
                    let again = reply.to_bytes();
                    // The canonical encoding (CRLF, "250 " for an empty text) can be longer than
                    // the input (bare LF lines), so a reply at a limit may re-encode past it: the
                    // round trip is checked under limits that fit the encoding.
                    let roomy = Limits {
                        reply_line_tolerant: again.len(),
                        lines_per_reply: reply.lines().len(),
                        reply_bytes: again.len(),
                        ..Limits::default()
                    };
                    let (back, n) = decode_reply(&again, &roomy).unwrap().unwrap();
                    assert_eq!(n, again.len());
                    assert_eq!(back, reply);
                }
            }
            Ok(None) => {
                // "Need more" is never returned once the buffered bytes break a limit.
                assert!(data.len() < limits.reply_bytes);
            }
            Err(_) => {}
        }
    }
});
