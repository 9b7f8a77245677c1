//! RFC 3463 enhanced mail system status codes (`class.subject.detail`, e.g. `5.7.1`).

use core::fmt;

use nom::bytes::complete::{tag, take_while_m_n};
use nom::IResult;
use nom::Parser;

/// The class of an enhanced status code (RFC 3463 section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum StatusClass {
    /// `2.X.X`: success.
    Success,
    /// `4.X.X`: persistent transient failure.
    TransientFailure,
    /// `5.X.X`: permanent failure.
    PermanentFailure,
}

impl StatusClass {
    /// The class digit.
    pub const fn digit(self) -> u8 {
        match self {
            StatusClass::Success => 2,
            StatusClass::TransientFailure => 4,
            StatusClass::PermanentFailure => 5,
        }
    }

    /// The class for a digit, if it is 2, 4 or 5.
    pub const fn from_digit(d: u8) -> Option<StatusClass> {
        match d {
            2 => Some(StatusClass::Success),
            4 => Some(StatusClass::TransientFailure),
            5 => Some(StatusClass::PermanentFailure),
            _ => None,
        }
    }
}

/// An enhanced status code. Cannot be built out of bounds: class 2/4/5, subject and detail 0-999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedStatus {
    class: StatusClass,
    subject: u16,
    detail: u16,
}

impl EnhancedStatus {
    /// Builds a code; `None` if `subject` or `detail` is above 999.
    pub const fn new(class: StatusClass, subject: u16, detail: u16) -> Option<EnhancedStatus> {
        if subject > 999 || detail > 999 {
            None
        } else {
            Some(EnhancedStatus {
                class,
                subject,
                detail,
            })
        }
    }

    /// The class.
    pub const fn class(&self) -> StatusClass {
        self.class
    }

    /// The subject (0-999).
    pub const fn subject(&self) -> u16 {
        self.subject
    }

    /// The detail (0-999).
    pub const fn detail(&self) -> u16 {
        self.detail
    }

    /// Parses an enhanced status code at the start of reply text. It must be followed by a space
    /// or the end of the text. Returns the code and the text after it (with the space removed).
    ///
    /// ```
    /// use smtp_codec::{EnhancedStatus, StatusClass};
    /// let (st, rest) = EnhancedStatus::parse_prefix(b"5.7.1 Relay access denied").unwrap();
    /// assert_eq!(st.class(), StatusClass::PermanentFailure);
    /// assert_eq!((st.subject(), st.detail()), (7, 1));
    /// assert_eq!(rest, b"Relay access denied");
    /// assert!(EnhancedStatus::parse_prefix(b"3.1.1 nope").is_none());
    /// ```
    pub fn parse_prefix(text: &[u8]) -> Option<(EnhancedStatus, &[u8])> {
        let (rest, st) = parse_status(text).ok()?;
        match rest.split_first() {
            None => Some((st, rest)),
            Some((b' ', after)) => Some((st, after)),
            Some(_) => None,
        }
    }
}

fn number(input: &[u8]) -> IResult<&[u8], u16> {
    let (rest, digits) = take_while_m_n(1, 3, |b: u8| b.is_ascii_digit()).parse(input)?;
    let n = digits.iter().fold(0u16, |acc, d| {
        acc.saturating_mul(10).saturating_add(u16::from(d - b'0'))
    });
    Ok((rest, n))
}

fn parse_status(input: &[u8]) -> IResult<&[u8], EnhancedStatus> {
    let (rest, (class, _, subject, _, detail)) = (
        take_while_m_n(1, 1, |b: u8| matches!(b, b'2' | b'4' | b'5')),
        tag(&b"."[..]),
        number,
        tag(&b"."[..]),
        number,
    )
        .parse(input)?;
    // The digit is one of 2, 4, 5 by construction above.
    let class = class
        .first()
        .and_then(|d| StatusClass::from_digit(d.wrapping_sub(b'0')))
        .ok_or_else(|| {
            nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Digit))
        })?;
    // A fourth digit would mean the number is out of bounds.
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return Err(nom::Err::Error(nom::error::Error::new(
            rest,
            nom::error::ErrorKind::Digit,
        )));
    }
    let st = EnhancedStatus::new(class, subject, detail).ok_or_else(|| {
        nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Verify))
    })?;
    Ok((rest, st))
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class.digit(), self.subject, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_give_each_part() {
        let (st, rest) = EnhancedStatus::parse_prefix(b"5.7.26 DMARC").unwrap();
        assert_eq!((st.subject(), st.detail()), (7, 26));
        assert_eq!(rest, b"DMARC");
        let (st, _) = EnhancedStatus::parse_prefix(b"4.4.0").unwrap();
        assert_eq!((st.subject(), st.detail()), (4, 0));
    }

    #[test]
    fn bounds() {
        assert!(EnhancedStatus::new(StatusClass::Success, 999, 999).is_some());
        assert!(EnhancedStatus::new(StatusClass::Success, 1000, 0).is_none());
        assert!(EnhancedStatus::new(StatusClass::Success, 0, 1000).is_none());
        assert!(EnhancedStatus::parse_prefix(b"2.1000.0 x").is_none());
        assert!(EnhancedStatus::parse_prefix(b"2.0.1000").is_none());
        assert!(EnhancedStatus::parse_prefix(b"3.0.0 x").is_none());
        assert!(EnhancedStatus::parse_prefix(b"2.0.0x").is_none());
        assert!(EnhancedStatus::parse_prefix(b"2..0 x").is_none());
        let (st, rest) = EnhancedStatus::parse_prefix(b"4.999.999").unwrap();
        assert_eq!(st.to_string(), "4.999.999");
        assert!(rest.is_empty());
    }
}
