//! Server-side reader: commands with limits and resync, DATA with dot-unstuffing, BDAT.

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smtp_codec::server::{replies, ServerEvent, ServerReader};
use smtp_codec::{Command, CommandError, DataError, Encode, Limits};

fn reader() -> ServerReader {
    ServerReader::new(Limits::default())
}

#[test]
fn pipelined_commands_one_by_one() {
    let mut r = reader();
    r.feed(b"EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nNOO");
    assert!(matches!(
        r.poll(),
        Some(ServerEvent::Command(Command::Ehlo(_)))
    ));
    assert!(matches!(
        r.poll(),
        Some(ServerEvent::Command(Command::Mail { .. }))
    ));
    assert!(matches!(
        r.poll(),
        Some(ServerEvent::Command(Command::Rcpt { .. }))
    ));
    assert_eq!(r.poll(), None, "partial NOOP needs more");
    r.feed(b"P\r\n");
    assert_eq!(r.poll(), Some(ServerEvent::Command(Command::Noop(None))));
}

#[test]
fn overlong_line_gives_500_and_resyncs_at_next_line() {
    let mut r = reader();
    r.feed(&[b'A'; 600]);
    let Some(ServerEvent::InvalidCommand { error, reply }) = r.poll() else {
        panic!()
    };
    assert_eq!(error, CommandError::LineTooLong { limit: 512 });
    assert_eq!(reply.to_bytes(), b"500 5.5.2 Line too long\r\n");
    // The rest of the long line is discarded, buffering nothing.
    r.feed(&[b'B'; 5000]);
    assert_eq!(r.poll(), None);
    assert_eq!(r.buffered(), 0);
    r.feed(b"BBB\r\nQUIT\r\n");
    assert_eq!(r.poll(), Some(ServerEvent::Command(Command::Quit)));
}

#[test]
fn syntax_error_skips_only_that_line() {
    let mut r = reader();
    r.feed(b"MAIL FROM:nobrackets\r\nRSET\r\n");
    let Some(ServerEvent::InvalidCommand { error, reply }) = r.poll() else {
        panic!()
    };
    assert!(matches!(error, CommandError::Syntax { verb: "MAIL", .. }));
    assert_eq!(reply.code().get(), 501);
    assert_eq!(r.poll(), Some(ServerEvent::Command(Command::Rset)));
}

#[test]
fn data_dot_unstuffing_and_end() {
    let mut r = reader();
    r.begin_data();
    r.feed(b"Subject: x\r\n\r\n..leading dot\r\n.");
    assert_eq!(r.poll(), None);
    r.feed(b"\r\nQUIT\r\n");
    assert_eq!(
        r.poll(),
        Some(ServerEvent::Message {
            body: b"Subject: x\r\n\r\n.leading dot\r\n".to_vec()
        })
    );
    assert_eq!(r.poll(), Some(ServerEvent::Command(Command::Quit)));
}

#[test]
fn data_end_requires_crlf_dot_crlf_no_smuggling() {
    let mut r = reader();
    r.begin_data();
    // "\n.\r\n" and "\r\n.\n" are not the end of data (they are dot-unstuffed body lines).
    r.feed(b"a\n.\r\nb\r\n.\nc\r\n.\r\n");
    assert_eq!(
        r.poll(),
        Some(ServerEvent::Message {
            body: b"a\n\r\nb\r\n\nc\r\n".to_vec()
        })
    );
}

#[test]
fn data_text_line_limit() {
    let mut r = reader();
    r.begin_data();
    r.feed(&[b'x'; 1500]);
    assert_eq!(r.poll(), None);
    assert_eq!(r.buffered(), 0, "an overlong body line is not buffered");
    r.feed(b"\r\nok\r\n.\r\n");
    let Some(ServerEvent::MessageRejected { error, reply }) = r.poll() else {
        panic!()
    };
    assert_eq!(error, DataError::LineTooLong { limit: 1000 });
    assert_eq!(reply.code().get(), 500);
}

#[test]
fn data_size_limit() {
    let mut r = ServerReader::new(Limits {
        message_bytes: 10,
        ..Limits::default()
    });
    r.begin_data();
    r.feed(b"0123456789\r\nmore\r\n.\r\nNOOP\r\n");
    let Some(ServerEvent::MessageRejected { error, reply }) = r.poll() else {
        panic!()
    };
    assert_eq!(error, DataError::TooLarge { limit: 10 });
    assert_eq!(reply, replies::message_too_large());
    assert_eq!(r.poll(), Some(ServerEvent::Command(Command::Noop(None))));
}

#[test]
fn bdat_chunks() {
    let mut r = reader();
    r.feed(b"BDAT 5\r\nhel");
    assert_eq!(
        r.poll(),
        Some(ServerEvent::Command(Command::Bdat {
            size: 5,
            last: false
        }))
    );
    assert_eq!(r.poll(), None);
    r.feed(b"loBDAT 0 LAST\r\n");
    assert_eq!(
        r.poll(),
        Some(ServerEvent::BdatChunk {
            data: b"hello".to_vec(),
            last: false
        })
    );
    assert_eq!(
        r.poll(),
        Some(ServerEvent::Command(Command::Bdat {
            size: 0,
            last: true
        }))
    );
    assert_eq!(
        r.poll(),
        Some(ServerEvent::BdatChunk {
            data: vec![],
            last: true
        })
    );
    assert_eq!(r.poll(), None);
}

#[test]
fn bdat_over_limit_is_read_and_discarded() {
    let mut r = ServerReader::new(Limits {
        message_bytes: 4,
        ..Limits::default()
    });
    r.feed(b"BDAT 3\r\nabcBDAT 3 LAST\r\ndefQUIT\r\n");
    assert!(matches!(
        r.poll(),
        Some(ServerEvent::Command(Command::Bdat { .. }))
    ));
    assert!(matches!(r.poll(), Some(ServerEvent::BdatChunk { .. })));
    assert!(matches!(
        r.poll(),
        Some(ServerEvent::Command(Command::Bdat { .. }))
    ));
    let Some(ServerEvent::BdatRejected { error, last, .. }) = r.poll() else {
        panic!()
    };
    assert_eq!((error, last), (DataError::TooLarge { limit: 4 }, true));
    assert_eq!(r.poll(), Some(ServerEvent::Command(Command::Quit)));
}

#[test]
fn starttls_pipelined_input_can_be_discarded() {
    let mut r = reader();
    r.feed(b"STARTTLS\r\nNOOP\r\n");
    assert_eq!(r.poll(), Some(ServerEvent::Command(Command::StartTls)));
    assert_eq!(
        r.buffered(),
        6,
        "the pipelined NOOP is visible to the server"
    );
    r.discard_buffered();
    assert_eq!(r.poll(), None);
}

#[test]
fn reply_helpers_encode() {
    assert_eq!(
        replies::greeting("mx.example", "mxray lab")
            .unwrap()
            .to_bytes(),
        b"220 mx.example ESMTP mxray lab\r\n"
    );
    assert!(replies::greeting("mx\r\n250 evil", "").is_err());
    assert_eq!(
        replies::ready_for_tls().to_bytes(),
        b"220 2.0.0 Ready to start TLS\r\n"
    );
    assert_eq!(replies::start_mail_input().code().get(), 354);
}

/// Feeds `input` in `step`-byte pieces, polling after each, and returns every event.
fn events(r: &mut ServerReader, input: &[u8], step: usize) -> Vec<ServerEvent> {
    let mut out = Vec::new();
    for piece in input.chunks(step) {
        r.feed(piece);
        // Bounded: a reader that keeps producing events (e.g. never consuming its input)
        // fails the test instead of hanging it.
        let mut this_piece = 0;
        while let Some(ev) = r.poll() {
            if matches!(ev, ServerEvent::Command(Command::Data)) {
                r.begin_data();
            }
            out.push(ev);
            this_piece += 1;
            // Each event stands for at least one byte of this piece, or ends what an earlier
            // byte started.
            assert!(
                this_piece <= piece.len() + 3,
                "{this_piece} events from a piece of {} bytes",
                piece.len()
            );
        }
        assert!(r.held() <= 2 * smtp_codec::server::STREAM_PART + step + 1000);
    }
    out
}

fn joined_parts(evs: &[ServerEvent]) -> Vec<u8> {
    evs.iter()
        .filter_map(|e| match e {
            ServerEvent::BodyPart { data } => Some(data.as_slice()),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

#[test]
fn streaming_data_hands_out_the_unstuffed_body_in_bounded_parts() {
    // Bounded in time too: a reader that stopped consuming its input would make this quadratic.
    within_10s(|| {
        let mut body = Vec::new();
        for i in 0..20_000u32 {
            body.extend_from_slice(
                format!("{}line {i}\r\n", if i % 5 == 0 { "." } else { "" }).as_bytes(),
            );
        }
        let mut wire = b"DATA\r\n".to_vec();
        for line in body.split_inclusive(|c| *c == b'\n') {
            if line[0] == b'.' {
                wire.push(b'.');
            }
            wire.extend_from_slice(line);
        }
        wire.extend_from_slice(b".\r\nQUIT\r\n");
        for step in [1, 7, 1000, 16 * 1024, wire.len()] {
            let mut r = reader();
            r.stream_bodies();
            let evs = events(&mut r, &wire, step);
            assert_eq!(joined_parts(&evs), body, "step {step}");
            let n = evs.len();
            assert!(matches!(evs[n - 2], ServerEvent::MessageEnd), "step {step}");
            assert!(matches!(evs[n - 1], ServerEvent::Command(Command::Quit)));
            assert!(!evs.iter().any(|e| matches!(e, ServerEvent::Message { .. })));
            for e in &evs {
                if let ServerEvent::BodyPart { data } = e {
                    assert!(data.len() <= smtp_codec::server::STREAM_PART + 1000);
                }
            }
        }
    });
}

#[test]
fn streaming_data_over_the_limit_is_rejected_at_its_end() {
    let mut r = ServerReader::new(Limits {
        message_bytes: 100,
        ..Limits::default()
    });
    r.stream_bodies();
    let mut wire = b"DATA\r\n".to_vec();
    for _ in 0..50 {
        wire.extend_from_slice(b"0123456789\r\n");
    }
    wire.extend_from_slice(b".\r\nNOOP\r\n");
    let evs = events(&mut r, &wire, 5000);
    assert!(evs.iter().any(|e| matches!(
        e,
        ServerEvent::MessageRejected {
            error: DataError::TooLarge { .. },
            ..
        }
    )));
    assert!(!evs.iter().any(|e| matches!(e, ServerEvent::MessageEnd)));
    assert!(matches!(
        evs.last(),
        Some(ServerEvent::Command(Command::Noop(_)))
    ));
}

#[test]
fn streaming_bdat_hands_out_chunks_as_they_come() {
    let chunk: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut wire = format!("BDAT {}\r\n", chunk.len()).into_bytes();
    wire.extend_from_slice(&chunk);
    wire.extend_from_slice(b"BDAT 3 LAST\r\nxyzBDAT 0 LAST\r\nQUIT\r\n");
    for step in [1000, 16 * 1024, wire.len()] {
        let mut r = reader();
        r.stream_bodies();
        let evs = events(&mut r, &wire, step);
        let mut want = chunk.clone();
        want.extend_from_slice(b"xyz");
        assert_eq!(joined_parts(&evs), want, "step {step}");
        let ends: Vec<bool> = evs
            .iter()
            .filter_map(|e| match e {
                ServerEvent::BdatEnd { last } => Some(*last),
                _ => None,
            })
            .collect();
        assert_eq!(ends, vec![false, true, true]);
        assert!(!evs
            .iter()
            .any(|e| matches!(e, ServerEvent::BdatChunk { .. })));
    }
}

/// A DATA body part is handed out once 64 KiB (`STREAM_PART`) are pending, not before (or when
/// the input runs out of complete lines).
#[test]
fn a_streamed_part_comes_at_64_kib_pending() {
    assert_eq!(smtp_codec::server::STREAM_PART, 65_536);
    let mut r = reader();
    r.stream_bodies();
    r.feed(b"DATA\r\n");
    assert!(matches!(
        r.poll(),
        Some(ServerEvent::Command(Command::Data))
    ));
    r.begin_data();
    // 70 lines of 1,000 bytes at once: the first part ends with the line that reaches 65,536.
    let line = [b"x".repeat(998), b"\r\n".to_vec()].concat();
    r.feed(&line.repeat(70));
    let parts: Vec<usize> = drain(&mut r)
        .iter()
        .map(|e| match e {
            ServerEvent::BodyPart { data } => data.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(parts, [66_000, 4_000]);
}

fn limited(message_bytes: usize) -> ServerReader {
    ServerReader::new(Limits {
        message_bytes,
        ..Limits::default()
    })
}

/// Drains events; panics after 64 (a reader that keeps producing is a bug, not a wait).
fn drain(r: &mut ServerReader) -> Vec<ServerEvent> {
    let mut out = Vec::new();
    while let Some(ev) = r.poll() {
        out.push(ev);
        assert!(out.len() < 64, "the reader did not stop producing events");
    }
    out
}

/// A body of exactly `message_bytes` is taken, one byte more is refused: DATA and BDAT alike.
#[test]
fn the_message_limit_is_inclusive() {
    // DATA: "0123456789\r\n" is 12 bytes of body.
    for (limit, ok) in [(12, true), (11, false)] {
        let mut r = limited(limit);
        r.begin_data();
        r.feed(b"0123456789\r\n.\r\n");
        let ev = r.poll();
        assert_eq!(
            matches!(ev, Some(ServerEvent::Message { .. })),
            ok,
            "limit {limit}: {ev:?}"
        );
    }
    for (size, ok) in [(10u64, true), (11, false)] {
        let mut r = limited(10);
        r.feed(format!("BDAT {size} LAST\r\n").as_bytes());
        r.feed(&vec![b'x'; size as usize]);
        let evs = drain(&mut r);
        assert_eq!(
            matches!(evs.last(), Some(ServerEvent::BdatChunk { .. })),
            ok,
            "BDAT {size}: {evs:?}"
        );
    }
}

/// RSET and MAIL start a new message: the BDAT total counts from zero again.
#[test]
fn rset_and_mail_reset_the_bdat_total() {
    for reset in ["RSET\r\n", "MAIL FROM:<a@b.example>\r\n"] {
        let mut r = limited(10);
        r.feed(b"BDAT 6\r\nxxxxxx");
        r.feed(reset.as_bytes());
        r.feed(b"BDAT 6 LAST\r\nyyyyyy");
        let evs = drain(&mut r);
        assert!(
            matches!(evs.last(), Some(ServerEvent::BdatChunk { last: true, .. })),
            "{reset:?}: {evs:?}"
        );
    }
}

/// held() counts unread input and the body collected so far.
#[test]
fn held_counts_unread_input_and_the_collected_body() {
    let mut r = reader();
    r.feed(b"NOO");
    assert_eq!(r.poll(), None);
    assert_eq!(r.held(), 3);
    r.feed(b"P\r\nDATA\r\n");
    drain(&mut r);
    r.begin_data();
    r.feed(b"line one\r\nline t");
    assert_eq!(r.poll(), None);
    assert_eq!(r.held(), 10 + 6);
    let mut b = reader();
    b.feed(b"BDAT 8\r\nabc");
    drain(&mut b);
    assert_eq!(b.held(), 3);
}

/// Runs `f` on a thread and fails if it has not returned within 10 s: a poll that never returns
/// (a loop inside the reader) fails the test instead of hanging it.
fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("the reader did not return within 10 s")
}

#[test]
fn every_mode_returns_from_poll() {
    let evs = within_10s(|| {
        let mut r = reader();
        let mut out = Vec::new();
        for piece in [
            &b"NOOP\r\nDATA\r\n"[..],
            b"a\r\n.b\r\n.\r\n",
            b"BDAT 3 LAST\r\nxyz",
            &[b'A'; 600],
            b"\r\nQUIT\r\n",
        ] {
            r.feed(piece);
            for _ in 0..16 {
                match r.poll() {
                    Some(ServerEvent::Command(Command::Data)) => {
                        r.begin_data();
                        out.push("data");
                    }
                    Some(ServerEvent::Command(Command::Noop(_))) => out.push("noop"),
                    Some(ServerEvent::Command(Command::Quit)) => out.push("quit"),
                    Some(ServerEvent::Command(Command::Bdat { .. })) => out.push("bdat"),
                    Some(ServerEvent::Message { .. }) => out.push("message"),
                    Some(ServerEvent::BdatChunk { .. }) => out.push("chunk"),
                    Some(ServerEvent::InvalidCommand { .. }) => out.push("invalid"),
                    Some(_) => out.push("other"),
                    None => break,
                }
            }
        }
        out
    });
    assert_eq!(
        evs,
        ["noop", "data", "message", "bdat", "chunk", "invalid", "quit"]
    );
}

/// Each command error gets its own reply: code and the text that says what was wrong.
#[test]
fn each_command_error_has_its_reply() {
    use smtp_codec::server::reply_for;
    let said = |e: CommandError| {
        let r = reply_for(&e);
        (r.code().get(), r.text_lossy())
    };
    assert_eq!(
        said(CommandError::NotUtf8),
        (500, "5.5.2 Syntax error, command not UTF-8".to_string())
    );
    assert_eq!(
        said(CommandError::BareLf),
        (500, "5.5.2 Bare LF not allowed".to_string())
    );
    assert_eq!(said(CommandError::LineTooLong { limit: 512 }).0, 500);
    assert_eq!(
        said(CommandError::Syntax {
            verb: "MAIL",
            what: "x"
        }),
        (
            501,
            "5.5.4 Syntax error in parameters or arguments".to_string()
        )
    );
}
