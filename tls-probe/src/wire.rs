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
        let n = u32::from_be_bytes([0, *b.first()?, *b.get(1)?, *b.get(2)?]);
        usize::try_from(n).ok()
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

/// Appends each value big-endian (the body of a list of u16s, written in place).
pub(crate) fn put_u16s(out: &mut Vec<u8>, list: &[u16]) {
    out.reserve(list.len().saturating_mul(2));
    for v in list {
        put_u16(out, *v);
    }
}

/// A length prefix of `width` bytes (1, 2 or 3) written before its content is: [`begin`]
/// reserves it, the content is appended, [`Prefix::end`] fills it in or says the content was
/// too long for it. One buffer for a whole message, instead of one per nested field.
#[must_use]
pub(crate) struct Prefix {
    at: usize,
    width: usize,
}

/// Reserves a length prefix of `width` bytes (1, 2 or 3) at the end of `out`.
pub(crate) fn begin(out: &mut Vec<u8>, width: usize) -> Prefix {
    let at = out.len();
    out.resize(at.saturating_add(width), 0);
    Prefix { at, width }
}

impl Prefix {
    /// Writes the length of everything appended since [`begin`] into the prefix.
    pub(crate) fn end(self, out: &mut [u8]) -> Result<(), TooLong> {
        let start = self.at.saturating_add(self.width);
        let len = out.len().checked_sub(start).ok_or(TooLong)?;
        let be = u32::try_from(len).map_err(|_| TooLong)?.to_be_bytes();
        // The bytes above the prefix's width must be zero: the length fits.
        let (high, low) = be.split_at(4usize.checked_sub(self.width).ok_or(TooLong)?);
        if self.width == 0 || high.iter().any(|b| *b != 0) {
            return Err(TooLong);
        }
        out.get_mut(self.at..start)
            .ok_or(TooLong)?
            .copy_from_slice(low);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn prefixes_take_the_content_length_up_to_their_width() {
        for (width, max) in [(1usize, 0xffusize), (2, 0xffff), (3, 0xff_ffff)] {
            let mut out = vec![7u8];
            let p = begin(&mut out, width);
            out.resize(1 + width + max, 0xaa);
            assert_eq!(p.end(&mut out), Ok(()));
            let mut want = vec![7u8];
            want.extend_from_slice(&(max as u32).to_be_bytes()[4 - width..]);
            assert_eq!(out[..1 + width], want[..], "width {width}");
            // One byte more does not fit.
            let mut out = Vec::new();
            let p = begin(&mut out, width);
            out.resize(width + max + 1, 0);
            assert_eq!(p.end(&mut out), Err(TooLong), "width {width}");
        }
        // Nested: the outer length counts the inner prefix and content.
        let mut out = Vec::new();
        let outer = begin(&mut out, 2);
        let inner = begin(&mut out, 1);
        out.extend_from_slice(&[1, 2, 3]);
        assert_eq!(inner.end(&mut out), Ok(()));
        assert_eq!(outer.end(&mut out), Ok(()));
        assert_eq!(out, vec![0, 4, 3, 1, 2, 3]);
        let mut out = Vec::new();
        put_u16s(&mut out, &[0x0102, 0xfffe]);
        assert_eq!(out, vec![1, 2, 0xff, 0xfe]);
    }

    #[test]
    fn reads_are_big_endian_and_checked() {
        let mut r = Reader::new(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06]);
        assert_eq!(r.u24(), Some(0x01_02_03));
        assert_eq!(r.u16(), Some(0x0405));
        assert!(!r.is_empty());
        assert_eq!(r.u16(), None, "one byte left");
        assert_eq!(r.rest(), &[0x06]);
        assert_eq!(r.u8(), Some(0x06));
        assert!(r.is_empty());
        assert_eq!(r.u8(), None);
        assert_eq!(Reader::new(&[0xff, 0xff, 0xff]).u24(), Some(0xff_ffff));
        assert_eq!(Reader::new(&[1, 2]).u24(), None);
    }

    #[test]
    fn length_prefixed_vectors() {
        let mut r = Reader::new(&[2, 0xaa, 0xbb, 0, 1, 0xcc, 3, 0]);
        assert_eq!(r.vec8(), Some(&[0xaa, 0xbb][..]));
        assert_eq!(r.vec16(), Some(&[0xcc][..]));
        assert_eq!(r.vec8(), None, "3 bytes announced, 1 present");
        assert_eq!(Reader::u16_list(&[0, 1, 0xab, 0xcd]), Some(vec![1, 0xabcd]));
        assert_eq!(Reader::u16_list(&[]), Some(vec![]));
        assert_eq!(Reader::u16_list(&[0, 1, 2]), None);
    }

    #[test]
    fn writers_refuse_what_their_prefix_cannot_hold() {
        let mut out = Vec::new();
        put_u16(&mut out, 0x0405);
        assert_eq!(out, [4, 5]);

        let mut out = Vec::new();
        assert_eq!(put_vec8(&mut out, &[7; 255]), Ok(()));
        assert_eq!((out.len(), out.first()), (256, Some(&255)));
        assert_eq!(put_vec8(&mut Vec::new(), &[7; 256]), Err(TooLong));
        let mut out = Vec::new();
        assert_eq!(put_vec16(&mut out, &[7; 0xffff]), Ok(()));
        assert_eq!(out.get(..2), Some(&[0xff, 0xff][..]));
        assert_eq!(out.len(), 0x10001);
        assert_eq!(put_vec16(&mut Vec::new(), &[7; 0x10000]), Err(TooLong));
    }
}
