//! A small blocking driver for [`ClientSession`] over any `Read + Write` stream (std only).
//!
//! The session itself is sans-IO; this loop is the obvious glue for examples, tests and simple
//! tools. Set read and write timeouts on the stream: a read that times out is reported to the
//! session as [`ClientSession::feed_timeout`], so the outcome says where it waited.

use std::io::{ErrorKind, Read, Write};

use crate::session::{ClientSession, Step};

/// Drives `session` over `stream` until it returns [`Step::ReadyForTls`] or [`Step::Done`].
/// I/O errors other than timeouts and EOF are returned as such.
pub fn drive<S: Read + Write>(
    stream: &mut S,
    session: &mut ClientSession,
) -> std::io::Result<Step> {
    let mut buf = [0u8; 4096];
    loop {
        match session.poll() {
            Step::Send(bytes) => {
                stream.write_all(&bytes)?;
                stream.flush()?;
            }
            Step::NeedMore => match stream.read(&mut buf) {
                Ok(0) => session.feed_eof(),
                Ok(n) => session.feed(buf.get(..n).unwrap_or_default()),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    session.feed_timeout()
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                    ) =>
                {
                    session.feed_eof()
                }
                Err(e) => return Err(e),
            },
            step => return Ok(step),
        }
    }
}
