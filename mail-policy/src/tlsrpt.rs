//! TLS-RPT (RFC 8460): the TXT record at `_smtp._tls.DOMAIN` that says where senders send
//! reports of TLS failures. mxray reports these addresses; it never contacts them.

use core::fmt;

use crate::limits::{MAX_RUA, MAX_TXT_BYTES};

/// A report destination (`rua`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "scheme", content = "uri", rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Rua {
    /// `mailto:` and the address (the whole URI kept).
    Mailto(String),
    /// `https:` and the URL (the whole URI kept).
    Https(String),
}

impl fmt::Display for Rua {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rua::Mailto(u) | Rua::Https(u) => f.write_str(u),
        }
    }
}

/// A `_smtp._tls` TXT record: `v=TLSRPTv1; rua=...` (RFC 8460 section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TlsRptRecord {
    /// Where reports go, in order (at least one).
    pub rua: Vec<Rua>,
    /// Other fields (`name=value`), in order.
    pub extensions: Vec<(String, String)>,
}

/// Why a TXT record is not a valid TLS-RPT record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsRptError {
    /// Longer than [`MAX_TXT_BYTES`].
    #[error("TXT record longer than {limit} bytes")]
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// It does not start with `v=TLSRPTv1`.
    #[error("not a TLS-RPT record: it does not start with v=TLSRPTv1")]
    NotTlsRpt,
    /// The `key=value;` syntax is broken.
    #[error("TLS-RPT record syntax: {0}")]
    Syntax(String),
    /// No `rua` field.
    #[error("TLS-RPT record without rua")]
    MissingRua,
    /// `rua` given twice.
    #[error("TLS-RPT record with two rua fields")]
    DuplicateRua,
    /// A `rua` URI that is neither `mailto:` nor `https:` with something after it.
    #[error("TLS-RPT rua {0:?} is not a mailto: or https: URI")]
    BadUri(String),
    /// An extension value that is empty or has characters RFC 8460 does not allow.
    #[error("TLS-RPT field {0:?} has an invalid value")]
    BadExtension(String),
    /// More URIs than [`MAX_RUA`].
    #[error("TLS-RPT rua with more than {limit} URIs")]
    TooManyUris {
        /// The limit.
        limit: usize,
    },
}

impl TlsRptRecord {
    /// Parses the text of one TXT record.
    ///
    /// ```
    /// use mail_policy::tlsrpt::{Rua, TlsRptRecord};
    /// let r = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example.com/v1")?;
    /// assert_eq!(r.rua[0], Rua::Mailto("mailto:tls@example.com".into()));
    /// assert_eq!(r.rua.len(), 2);
    /// # Ok::<(), mail_policy::tlsrpt::TlsRptError>(())
    /// ```
    pub fn parse(text: &str) -> Result<TlsRptRecord, TlsRptError> {
        if text.len() > MAX_TXT_BYTES {
            return Err(TlsRptError::TooLong {
                limit: MAX_TXT_BYTES,
            });
        }
        let fields = crate::txt::fields(text).map_err(|e| {
            if text.starts_with("v=TLSRPTv1") {
                TlsRptError::Syntax(e)
            } else {
                TlsRptError::NotTlsRpt
            }
        })?;
        let mut it = fields.into_iter();
        match it.next() {
            Some(("v", "TLSRPTv1")) => {}
            _ => return Err(TlsRptError::NotTlsRpt),
        }
        let mut rua: Option<Vec<Rua>> = None;
        let mut extensions = Vec::new();
        for (k, v) in it {
            if k != "rua" {
                if !crate::txt::valid_ext_value(v) {
                    return Err(TlsRptError::BadExtension(k.to_string()));
                }
                extensions.push((k.to_string(), v.to_string()));
                continue;
            }
            if rua.is_some() {
                return Err(TlsRptError::DuplicateRua);
            }
            let mut list = Vec::new();
            for uri in v.split(',') {
                let uri = uri.trim_matches(|c| c == ' ' || c == '\t');
                if list.len() >= MAX_RUA {
                    return Err(TlsRptError::TooManyUris { limit: MAX_RUA });
                }
                let bad = uri.chars().any(|c| c.is_whitespace() || c.is_control());
                let parsed = match (uri.split_once(':'), bad) {
                    (Some((scheme, rest)), false) if !rest.is_empty() => {
                        if scheme.eq_ignore_ascii_case("mailto") && rest.contains('@') {
                            Rua::Mailto(uri.to_string())
                        } else if scheme.eq_ignore_ascii_case("https") && rest.starts_with("//") {
                            Rua::Https(uri.to_string())
                        } else {
                            return Err(TlsRptError::BadUri(uri.to_string()));
                        }
                    }
                    _ => return Err(TlsRptError::BadUri(uri.to_string())),
                };
                list.push(parsed);
            }
            rua = Some(list);
        }
        Ok(TlsRptRecord {
            rua: rua.ok_or(TlsRptError::MissingRua)?,
            extensions,
        })
    }
}

/// The compact wire form (`v=TLSRPTv1;rua=...;key=value`), never longer than any text that
/// parses to the same record.
impl fmt::Display for TlsRptRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=TLSRPTv1;rua=")?;
        for (i, r) in self.rua.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        for (k, v) in &self.extensions {
            write!(f, ";{k}={v}")?;
        }
        Ok(())
    }
}
