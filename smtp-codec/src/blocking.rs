//! A small blocking driver for [`ClientSession`] over any `Read + Write` stream (std only).
//!
//! The session itself is sans-IO; this loop is the obvious glue for examples, tests and simple
//! tools. Set read and write timeouts on the stream: a read that times out is reported to the
//! session as [`ClientSession::feed_timeout`], so the outcome says where it waited.

use std::io::{ErrorKind, Read, Write};

use crate::session::{ClientSession, Step};

/// Drives `session` over `stream` until it returns [`Step::ReadyForTls`] or [`Step::Done`].
/// I/O errors other than timeouts and EOF are returned as such.
///
/// A session that still asks for bytes after it was told of EOF or a timeout is a bug; rather
/// than read again (and spin on a closed stream), `drive` returns an `UnexpectedEof` or
/// `TimedOut` error then.
pub fn drive<S: Read + Write>(
    stream: &mut S,
    session: &mut ClientSession,
) -> std::io::Result<Step> {
    let mut buf = [0u8; 4096];
    // Set once the session was told the input ended: EOF (`UnexpectedEof`) or a timeout.
    let mut ended: Option<ErrorKind> = None;
    loop {
        match session.poll() {
            Step::Send(bytes) => {
                stream.write_all(&bytes)?;
                stream.flush()?;
            }
            Step::NeedMore => {
                if let Some(kind) = ended {
                    return Err(std::io::Error::new(
                        kind,
                        "the SMTP session asked for more input after it was told the input ended",
                    ));
                }
                ended = match stream.read(&mut buf) {
                    Ok(0) => Some(ErrorKind::UnexpectedEof),
                    Ok(n) => {
                        session.feed(buf.get(..n).unwrap_or_default());
                        None
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        Some(ErrorKind::TimedOut)
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => None,
                    Err(e)
                        if matches!(
                            e.kind(),
                            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                        ) =>
                    {
                        Some(ErrorKind::UnexpectedEof)
                    }
                    Err(e) => return Err(e),
                };
                match ended {
                    Some(ErrorKind::TimedOut) => session.feed_timeout(),
                    Some(_) => session.feed_eof(),
                    None => {}
                }
            }
            step => return Ok(step),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Outcome, Phase, SessionConfig};
    use std::collections::VecDeque;
    use std::io;

    /// A stream that answers reads from a script (bytes or an error of a kind) and then EOF,
    /// and keeps what was written.
    struct Scripted {
        reads: VecDeque<Result<&'static [u8], ErrorKind>>,
        written: Vec<u8>,
    }

    impl Scripted {
        fn new(reads: Vec<Result<&'static [u8], ErrorKind>>) -> Scripted {
            Scripted {
                reads: reads.into(),
                written: Vec::new(),
            }
        }
    }

    impl Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.reads.pop_front() {
                None => Ok(0),
                Some(Err(kind)) => Err(io::Error::from(kind)),
                Some(Ok(bytes)) => {
                    buf[..bytes.len()].copy_from_slice(bytes);
                    Ok(bytes.len())
                }
            }
        }
    }

    impl Write for Scripted {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn run(reads: Vec<Result<&'static [u8], ErrorKind>>) -> (io::Result<Step>, Vec<u8>) {
        let mut stream = Scripted::new(reads);
        let mut session = ClientSession::new(SessionConfig::new("client.example"));
        let step = drive(&mut stream, &mut session);
        (step, stream.written)
    }

    #[test]
    fn a_read_that_times_out_is_a_timeout_where_it_waited() {
        for kind in [ErrorKind::WouldBlock, ErrorKind::TimedOut] {
            let (step, _) = run(vec![Err(kind)]);
            assert!(
                matches!(
                    step,
                    Ok(Step::Done(Outcome::Timeout {
                        phase: Phase::Greeting,
                        ..
                    }))
                ),
                "{kind:?}: {step:?}"
            );
        }
    }

    #[test]
    fn an_interrupted_read_is_retried() {
        let (step, written) = run(vec![
            Err(ErrorKind::Interrupted),
            Ok(b"220 mx.example ESMTP\r\n"),
        ]);
        // The greeting was read after the interruption, so the session went on to EHLO.
        assert!(written.starts_with(b"EHLO client.example\r\n"), "{step:?}");
    }

    #[test]
    fn a_reset_connection_is_a_closed_connection_not_an_error() {
        for kind in [ErrorKind::ConnectionReset, ErrorKind::ConnectionAborted] {
            let (step, _) = run(vec![Ok(b"220 mx.example ESMTP\r\n"), Err(kind)]);
            assert!(
                matches!(step, Ok(Step::Done(Outcome::ConnectionClosed { .. }))),
                "{kind:?}: {step:?}"
            );
        }
    }

    #[test]
    fn other_io_errors_are_returned() {
        let (step, _) = run(vec![Err(ErrorKind::PermissionDenied)]);
        assert_eq!(
            step.map_err(|e| e.kind()).err(),
            Some(ErrorKind::PermissionDenied)
        );
    }
}
