//! Record and handshake-message reassembly with explicit limits.
//!
//! Servers split handshake messages across records and coalesce several messages into one
//! record; the network splits both across reads. [`RecordReassembler`] turns arbitrary byte
//! chunks into whole records, [`HandshakeReassembler`] turns handshake record fragments into whole
//! messages. Both refuse input beyond their limits with a typed error instead of growing.

use alloc::vec::Vec;

use crate::error::FlightError;
use crate::wire::Reader;

/// Largest plaintext fragment (2^14).
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// Largest record body we accept (2^14 + 2048, the TLSCiphertext bound).
pub const MAX_RECORD: usize = MAX_PLAINTEXT + 2048;
/// Largest server flight (all handshake bytes, all records) we accept.
pub const MAX_FLIGHT: usize = 256 * 1024;

/// One whole record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Content type (20 CCS, 21 alert, 22 handshake, 23 application data, 24 heartbeat).
    pub content_type: u8,
    /// Record-layer version.
    pub version: u16,
    /// Fragment bytes.
    pub fragment: Vec<u8>,
}

/// Splits a byte stream into records.
#[derive(Clone, Debug, Default)]
pub struct RecordReassembler {
    buf: Vec<u8>,
    total: usize,
}

impl RecordReassembler {
    /// An empty reassembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the network.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), FlightError> {
        self.total = self.total.saturating_add(bytes.len());
        if self.total > MAX_FLIGHT + MAX_RECORD {
            return Err(FlightError::FlightTooLarge(MAX_FLIGHT));
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Bytes buffered but not yet returned as a record.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next whole record, `Ok(None)` if more bytes are needed.
    pub fn next_record(&mut self) -> Result<Option<Record>, FlightError> {
        let mut r = Reader::new(&self.buf);
        let (Some(content_type), Some(version), Some(len)) = (r.u8(), r.u16(), r.u16()) else {
            return Ok(None);
        };
        if !(20..=24).contains(&content_type) {
            return Err(FlightError::NotTls {
                first_byte: content_type,
            });
        }
        if version >> 8 != 3 {
            return Err(FlightError::BadRecordVersion(version));
        }
        let len = usize::from(len);
        if len > MAX_RECORD {
            return Err(FlightError::RecordTooLarge(len));
        }
        let Some(fragment) = r.take(len) else {
            return Ok(None);
        };
        let rec = Record {
            content_type,
            version,
            fragment: fragment.to_vec(),
        };
        self.buf.drain(..5 + len);
        Ok(Some(rec))
    }
}

/// Joins handshake fragments into whole handshake messages.
#[derive(Clone, Debug, Default)]
pub struct HandshakeReassembler {
    buf: Vec<u8>,
    total: usize,
}

/// One whole handshake message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessage {
    /// Handshake type (2 ServerHello, 11 Certificate, 12 ServerKeyExchange, 13 CertificateRequest,
    /// 14 ServerHelloDone, 22 CertificateStatus...).
    pub msg_type: u8,
    /// The whole message including its 4-byte header.
    pub raw: Vec<u8>,
}

impl HandshakeMessage {
    /// The message body (after the 4-byte header).
    pub fn body(&self) -> &[u8] {
        self.raw.get(4..).unwrap_or(&[])
    }
}

impl HandshakeReassembler {
    /// An empty reassembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the fragment of a handshake record.
    pub fn push(&mut self, fragment: &[u8]) -> Result<(), FlightError> {
        self.total = self.total.saturating_add(fragment.len());
        if self.total > MAX_FLIGHT {
            return Err(FlightError::FlightTooLarge(MAX_FLIGHT));
        }
        self.buf.extend_from_slice(fragment);
        Ok(())
    }

    /// Whether a partial message is buffered.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty()
    }

    /// The next whole message, `Ok(None)` if more fragments are needed.
    pub fn next_message(&mut self) -> Result<Option<HandshakeMessage>, FlightError> {
        let mut r = Reader::new(&self.buf);
        let (Some(msg_type), Some(len)) = (r.u8(), r.u24()) else {
            return Ok(None);
        };
        if len > MAX_FLIGHT {
            return Err(FlightError::FlightTooLarge(MAX_FLIGHT));
        }
        if r.take(len).is_none() {
            return Ok(None);
        }
        let raw: Vec<u8> = self.buf.drain(..4 + len).collect();
        Ok(Some(HandshakeMessage { msg_type, raw }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_split_across_pushes_and_coalesced() {
        let mut r = RecordReassembler::new();
        let two = [22, 3, 3, 0, 2, 0xaa, 0xbb, 21, 3, 3, 0, 2, 2, 40];
        r.push(&two[..3]).unwrap();
        assert_eq!(r.next_record().unwrap(), None);
        r.push(&two[3..]).unwrap();
        let a = r.next_record().unwrap().unwrap();
        assert_eq!(
            (a.content_type, a.fragment.as_slice()),
            (22, &[0xaa, 0xbb][..])
        );
        let b = r.next_record().unwrap().unwrap();
        assert_eq!((b.content_type, b.fragment.as_slice()), (21, &[2, 40][..]));
        assert_eq!(r.next_record().unwrap(), None);
    }

    #[test]
    fn record_limits_and_garbage() {
        let mut r = RecordReassembler::new();
        r.push(b"220 mail ESMTP\r\n").unwrap();
        assert_eq!(
            r.next_record(),
            Err(FlightError::NotTls { first_byte: b'2' })
        );
        let mut r = RecordReassembler::new();
        r.push(&[22, 3, 1, 0x48, 0x01]).unwrap();
        assert_eq!(r.next_record(), Err(FlightError::RecordTooLarge(0x4801)));
        let mut r = RecordReassembler::new();
        r.push(&[22, 4, 1, 0, 1]).unwrap();
        assert_eq!(r.next_record(), Err(FlightError::BadRecordVersion(0x0401)));
        let mut r = RecordReassembler::new();
        let big = alloc::vec![0u8; MAX_FLIGHT + MAX_RECORD + 1];
        assert_eq!(r.push(&big), Err(FlightError::FlightTooLarge(MAX_FLIGHT)));
    }

    #[test]
    fn each_limit_admits_its_value_and_refuses_one_more() {
        // A record of exactly MAX_RECORD bytes is read; one byte more is refused.
        let record = |len: usize| {
            let mut b = alloc::vec![22, 3, 3];
            b.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
            b.resize(5 + len, 0);
            b
        };
        let mut r = RecordReassembler::new();
        let whole = record(MAX_RECORD);
        r.push(&whole[..100]).unwrap();
        assert_eq!(r.buffered(), 100);
        assert_eq!(r.next_record(), Ok(None));
        r.push(&whole[100..]).unwrap();
        assert_eq!(r.buffered(), 5 + 18_432);
        assert_eq!(r.next_record().unwrap().unwrap().fragment.len(), 18_432);
        assert_eq!(r.buffered(), 0);
        let mut r = RecordReassembler::new();
        r.push(&record(MAX_RECORD + 1)).unwrap();
        assert_eq!(r.next_record(), Err(FlightError::RecordTooLarge(18_433)));
        // The stream may bring MAX_FLIGHT + MAX_RECORD bytes in all, not one more.
        let mut r = RecordReassembler::new();
        r.push(&alloc::vec![0; MAX_FLIGHT + MAX_RECORD - 1])
            .unwrap();
        r.push(&[0]).unwrap();
        assert_eq!(r.push(&[0]), Err(FlightError::FlightTooLarge(MAX_FLIGHT)));
        // Handshake fragments: MAX_FLIGHT bytes in all are taken, one more is refused.
        let mut h = HandshakeReassembler::new();
        assert!(!h.has_partial());
        h.push(&alloc::vec![0; MAX_FLIGHT - 1]).unwrap();
        assert!(h.has_partial());
        assert_eq!(h.push(&[0]), Ok(()));
        assert_eq!(h.push(&[0]), Err(FlightError::FlightTooLarge(MAX_FLIGHT)));
        // A message length of MAX_FLIGHT waits for more; one more is refused at its header.
        let mut h = HandshakeReassembler::new();
        let len = u32::try_from(MAX_FLIGHT).unwrap().to_be_bytes();
        h.push(&[11, len[1], len[2], len[3]]).unwrap();
        assert_eq!(h.next_message(), Ok(None));
        let mut h = HandshakeReassembler::new();
        let len = u32::try_from(MAX_FLIGHT + 1).unwrap().to_be_bytes();
        h.push(&[11, len[1], len[2], len[3]]).unwrap();
        assert_eq!(
            h.next_message(),
            Err(FlightError::FlightTooLarge(MAX_FLIGHT))
        );
        // Exactly MAX_FLIGHT bytes of message body fit when the header came separately.
        let mut h = HandshakeReassembler::new();
        let len = u32::try_from(MAX_FLIGHT - 4).unwrap().to_be_bytes();
        h.push(&[11, len[1], len[2], len[3]]).unwrap();
        h.push(&alloc::vec![0; MAX_FLIGHT - 8]).unwrap();
        assert_eq!(h.next_message().unwrap(), None);
        h.push(&[0; 4]).unwrap();
        let m = h.next_message().unwrap().unwrap();
        assert_eq!((m.msg_type, m.body().len()), (11, MAX_FLIGHT - 4));
        assert!(!h.has_partial());
    }

    #[test]
    fn handshake_messages_across_fragments() {
        let mut h = HandshakeReassembler::new();
        h.push(&[14, 0]).unwrap();
        assert_eq!(h.next_message().unwrap(), None);
        h.push(&[0, 0, 2, 0, 0, 2, 9]).unwrap();
        assert_eq!(h.next_message().unwrap().unwrap().msg_type, 14);
        assert_eq!(h.next_message().unwrap(), None);
        h.push(&[0x07]).unwrap();
        let m = h.next_message().unwrap().unwrap();
        assert_eq!((m.msg_type, m.body()), (2, &[9, 7][..]));
        let mut h = HandshakeReassembler::new();
        h.push(&[11, 0xff, 0xff, 0xff]).unwrap();
        assert_eq!(
            h.next_message(),
            Err(FlightError::FlightTooLarge(MAX_FLIGHT))
        );
    }
}
