//! Protocol versions.

use core::fmt;

/// An SSL/TLS protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Version {
    /// SSL 2.0 (its own record and message format).
    Ssl2,
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Version; 6] = [
        Version::Ssl2,
        Version::Ssl3,
        Version::Tls10,
        Version::Tls11,
        Version::Tls12,
        Version::Tls13,
    ];

    /// The wire value (`0x0002` for SSLv2, `0x0300`..`0x0304`).
    pub const fn wire(self) -> u16 {
        match self {
            Version::Ssl2 => 0x0002,
            Version::Ssl3 => 0x0300,
            Version::Tls10 => 0x0301,
            Version::Tls11 => 0x0302,
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }

    /// The version of a wire value, if it is one we know.
    pub const fn from_wire(v: u16) -> Option<Version> {
        Some(match v {
            0x0002 => Version::Ssl2,
            0x0300 => Version::Ssl3,
            0x0301 => Version::Tls10,
            0x0302 => Version::Tls11,
            0x0303 => Version::Tls12,
            0x0304 => Version::Tls13,
            _ => return None,
        })
    }

    /// A short name as sslscan prints it (`SSLv3`, `TLSv1.2`).
    pub const fn name(self) -> &'static str {
        match self {
            Version::Ssl2 => "SSLv2",
            Version::Ssl3 => "SSLv3",
            Version::Tls10 => "TLSv1.0",
            Version::Tls11 => "TLSv1.1",
            Version::Tls12 => "TLSv1.2",
            Version::Tls13 => "TLSv1.3",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn wire_values_and_names() {
        let table = [
            (Version::Ssl2, 0x0002, "SSLv2"),
            (Version::Ssl3, 0x0300, "SSLv3"),
            (Version::Tls10, 0x0301, "TLSv1.0"),
            (Version::Tls11, 0x0302, "TLSv1.1"),
            (Version::Tls12, 0x0303, "TLSv1.2"),
            (Version::Tls13, 0x0304, "TLSv1.3"),
        ];
        assert_eq!(table.map(|(v, ..)| v), Version::ALL);
        for (v, wire, name) in table {
            assert_eq!(v.wire(), wire);
            assert_eq!(Version::from_wire(wire), Some(v));
            assert_eq!((v.name(), v.to_string().as_str()), (name, name));
        }
        for unknown in [0x0000, 0x0001, 0x0200, 0x0305, 0x7f17, 0xfefd] {
            assert_eq!(Version::from_wire(unknown), None, "{unknown:#06x}");
        }
    }
}
