//! Reading text input line by line with a bound on the line length.
//!
//! `BufRead::read_line` grows its buffer without limit; a hostile or broken file with one
//! enormous line would exhaust memory. [`BoundedLines`] never holds more than `max_len`
//! bytes of a line: the rest of an oversized line is skipped and reported. A UTF-8 byte order
//! mark at the start of the input is dropped.

use std::io::{self, BufRead};

/// The UTF-8 byte order mark, dropped from the start of the first line.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// One line read by [`BoundedLines`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A line (without its `\n` / `\r\n`), with its 1-based number and whether it ended with a
    /// newline (false only for a last line cut short, e.g. a file being written).
    Text {
        /// 1-based line number.
        number: u64,
        /// The content, lossy UTF-8.
        text: String,
        /// True when the line was terminated by `\n`.
        terminated: bool,
    },
    /// A line longer than the limit; its content was skipped.
    TooLong {
        /// 1-based line number.
        number: u64,
    },
}

/// Iterator over the lines of a reader, each at most `max_len` bytes.
#[derive(Debug)]
pub struct BoundedLines<R> {
    reader: R,
    max_len: usize,
    number: u64,
    done: bool,
}

impl<R: BufRead> BoundedLines<R> {
    /// Reads lines of at most `max_len` bytes from `reader`.
    pub fn new(reader: R, max_len: usize) -> Self {
        Self {
            reader,
            max_len,
            number: 0,
            done: false,
        }
    }

    fn read_one(&mut self) -> io::Result<Option<Line>> {
        let mut buf: Vec<u8> = Vec::new();
        let mut too_long = false;
        let mut terminated = false;
        let mut any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (chunk, found) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (available.get(..i).unwrap_or_default(), true),
                None => (available, false),
            };
            if !too_long {
                if buf.len().saturating_add(chunk.len()) > self.max_len {
                    too_long = true;
                    buf = Vec::new();
                } else {
                    buf.extend_from_slice(chunk);
                }
            }
            let consumed = chunk.len().saturating_add(usize::from(found));
            self.reader.consume(consumed);
            if found {
                terminated = true;
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.number = self.number.saturating_add(1);
        if too_long {
            return Ok(Some(Line::TooLong {
                number: self.number,
            }));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        // A UTF-8 byte order mark (as Windows editors write) is not part of the first line.
        if self.number == 1 && buf.starts_with(UTF8_BOM) {
            buf.drain(..UTF8_BOM.len());
        }
        Ok(Some(Line::Text {
            number: self.number,
            text: String::from_utf8_lossy(&buf).into_owned(),
            terminated,
        }))
    }
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_one() {
            Ok(Some(line)) => Some(Ok(line)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Line> {
        BoundedLines::new(input, max).map(|l| l.unwrap()).collect()
    }

    #[test]
    fn splits_lines_and_marks_unterminated_last_line() {
        let got = lines(b"a\r\nbb\n\nccc", 10);
        assert_eq!(
            got,
            vec![
                Line::Text {
                    number: 1,
                    text: "a".into(),
                    terminated: true
                },
                Line::Text {
                    number: 2,
                    text: "bb".into(),
                    terminated: true
                },
                Line::Text {
                    number: 3,
                    text: "".into(),
                    terminated: true
                },
                Line::Text {
                    number: 4,
                    text: "ccc".into(),
                    terminated: false
                },
            ]
        );
    }

    #[test]
    fn oversized_line_is_reported_and_skipped_without_losing_the_next() {
        let mut input = vec![b'x'; 100];
        input.extend_from_slice(b"\nok\n");
        // A tiny BufReader capacity forces the long line across many fill_buf calls.
        let reader = io::BufReader::with_capacity(7, &input[..]);
        let got: Vec<Line> = BoundedLines::new(reader, 10).map(|l| l.unwrap()).collect();
        assert_eq!(
            got,
            vec![
                Line::TooLong { number: 1 },
                Line::Text {
                    number: 2,
                    text: "ok".into(),
                    terminated: true
                },
            ]
        );
    }
}
