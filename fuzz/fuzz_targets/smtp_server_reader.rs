//! The server reader fed arbitrary client bytes in chunks: no panic, and the buffered input
//! never exceeds the line limits while the reader waits for more. `message_bytes` is lowered to
//! 1,024 so that bodies and BDAT chunks past it fit well inside `-max_len`
//! (options/smtp_server_reader.options).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_codec::server::{ServerEvent, ServerReader};
use smtp_codec::{Command, Limits};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        message_bytes: 1024,
        ..Limits::default()
    };
    let mut r = ServerReader::new(limits);
    let mut in_data = false;
    for chunk in rest.chunks(usize::from(ctl).max(1)) {
        r.feed(chunk);
        while let Some(ev) = r.poll() {
            match ev {
                ServerEvent::Command(Command::Data) => {
                    r.begin_data();
                    in_data = true;
                }
                ServerEvent::Command(Command::Bdat { .. }) => {}
                ServerEvent::Message { body } => {
                    assert!(body.len() <= limits.message_bytes);
                    in_data = false;
                }
                ServerEvent::MessageRejected { .. } => in_data = false,
                ServerEvent::BdatChunk { data, .. } => assert!(data.len() <= limits.message_bytes),
                _ => {}
            }
        }
        if in_data {
            assert!(
                r.buffered() < limits.text_line,
                "data mode buffers a whole overlong line"
            );
        }
    }
});
