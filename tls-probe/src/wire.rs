//! Small byte reader and writer used by the codec: bounds-checked, never panics.

use alloc::vec::Vec;

/// A cursor over untrusted bytes. Every read is checked; a short read returns `None`.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.buf.split_at_checked(n)?;
        self.buf = tail;
        Some(head)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }

    pub(crate) fn u24(&mut self) -> Option<usize> {
        let b = self.take(3)?;
        Some(
            (usize::from(*b.first()?) << 16)
                | (usize::from(*b.get(1)?) << 8)
                | usize::from(*b.get(2)?),
        )
    }

    /// A vector with a one-byte length prefix.
    pub(crate) fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }

    /// A vector with a two-byte length prefix.
    pub(crate) fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }

    /// The whole remainder read as big-endian u16 values; `None` if its length is odd.
    pub(crate) fn u16_list(bytes: &[u8]) -> Option<Vec<u16>> {
        let mut r = Reader::new(bytes);
        let mut out = Vec::with_capacity(bytes.len() / 2);
        while !r.is_empty() {
            out.push(r.u16()?);
        }
        Some(out)
    }
}

/// Error of the writer: a field is longer than its length prefix allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TooLong;

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u24(out: &mut Vec<u8>, v: usize) -> Result<(), TooLong> {
    if v > 0x00ff_ffff {
        return Err(TooLong);
    }
    let b = (v as u32).to_be_bytes();
    out.extend_from_slice(b.get(1..).ok_or(TooLong)?);
    Ok(())
}

pub(crate) fn put_vec8(out: &mut Vec<u8>, data: &[u8]) -> Result<(), TooLong> {
    let n = u8::try_from(data.len()).map_err(|_| TooLong)?;
    out.push(n);
    out.extend_from_slice(data);
    Ok(())
}

pub(crate) fn put_vec16(out: &mut Vec<u8>, data: &[u8]) -> Result<(), TooLong> {
    let n = u16::try_from(data.len()).map_err(|_| TooLong)?;
    put_u16(out, n);
    out.extend_from_slice(data);
    Ok(())
}

pub(crate) fn u16s(list: &[u16]) -> Vec<u8> {
    list.iter().flat_map(|v| v.to_be_bytes()).collect()
}
