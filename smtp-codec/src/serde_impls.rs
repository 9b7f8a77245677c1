//! `Serialize` for the scanner's JSON (feature `serde`). Bytes from the network are written as
//! strings with invalid UTF-8 replaced (U+FFFD): JSON has no byte strings, and a human reads them.

use alloc::string::String;

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::reply::{Reply, ReplyCode};
use crate::status::EnhancedStatus;

pub(crate) fn lossy<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(bytes))
}

pub(crate) fn lossy_opt<S: Serializer>(
    bytes: &Option<alloc::vec::Vec<u8>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => s.serialize_some(&*String::from_utf8_lossy(b)),
        None => s.serialize_none(),
    }
}

impl Serialize for ReplyCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.get())
    }
}

impl Serialize for EnhancedStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `{"code": 250, "enhanced_status": "2.0.0", "lines": ["..."]}`
impl Serialize for Reply<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Lines<'r, 'a>(&'r Reply<'a>);
        impl Serialize for Lines<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.lines().iter().map(|l| String::from_utf8_lossy(l)))
            }
        }
        let mut st = s.serialize_struct("Reply", 3)?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("enhanced_status", &self.enhanced_status())?;
        st.serialize_field("lines", &Lines(self))?;
        st.end()
    }
}
