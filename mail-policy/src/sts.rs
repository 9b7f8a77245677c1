//! MTA-STS (RFC 8461): the TXT record at `_mta-sts.DOMAIN`, the policy file served at
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`, and the MX pattern match.

use core::fmt;

use crate::limits::{MAX_MAX_AGE, MAX_MX_PATTERNS, MAX_POLICY_BYTES, MAX_STS_ID, MAX_TXT_BYTES};

/// A `_mta-sts` TXT record: `v=STSv1; id=...;` (RFC 8461 section 3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StsRecord {
    /// The policy id: 1 to 32 letters and digits; a change tells senders to fetch the policy.
    pub id: String,
    /// Other fields (`name=value`), in order.
    pub extensions: Vec<(String, String)>,
}

/// Why a TXT record is not a valid MTA-STS record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StsRecordError {
    /// Longer than [`MAX_TXT_BYTES`].
    #[error("TXT record longer than {limit} bytes")]
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// It does not start with `v=STSv1` (not an MTA-STS record at all).
    #[error("not an MTA-STS record: it does not start with v=STSv1")]
    NotSts,
    /// The `key=value;` syntax is broken.
    #[error("MTA-STS record syntax: {0}")]
    Syntax(String),
    /// No `id` field.
    #[error("MTA-STS record without an id field")]
    MissingId,
    /// The `id` is not 1 to 32 letters and digits.
    #[error("MTA-STS id {0:?} is not 1 to 32 letters and digits")]
    BadId(String),
    /// `id` given twice.
    #[error("MTA-STS record with two id fields")]
    DuplicateId,
    /// An extension value that is empty or has characters RFC 8461 does not allow.
    #[error("MTA-STS field {0:?} has an invalid value")]
    BadExtension(String),
}

impl StsRecord {
    /// Parses the text of one TXT record (its strings joined).
    ///
    /// ```
    /// use mail_policy::sts::{StsRecord, StsRecordError};
    /// assert_eq!(StsRecord::parse("v=STSv1;id=abc123").unwrap().id, "abc123");
    /// assert_eq!(StsRecord::parse("v=spf1 -all"), Err(StsRecordError::NotSts));
    /// assert_eq!(StsRecord::parse("v=STSv1; id=a-b;"), Err(StsRecordError::BadId("a-b".into())));
    /// ```
    pub fn parse(text: &str) -> Result<StsRecord, StsRecordError> {
        if text.len() > MAX_TXT_BYTES {
            return Err(StsRecordError::TooLong {
                limit: MAX_TXT_BYTES,
            });
        }
        let fields = crate::txt::fields(text).map_err(|e| {
            if text.starts_with("v=STSv1") {
                StsRecordError::Syntax(e)
            } else {
                StsRecordError::NotSts
            }
        })?;
        let mut it = fields.into_iter();
        match it.next() {
            Some(("v", "STSv1")) => {}
            _ => return Err(StsRecordError::NotSts),
        }
        let mut id = None;
        let mut extensions = Vec::new();
        for (k, v) in it {
            if k == "id" {
                if id.is_some() {
                    return Err(StsRecordError::DuplicateId);
                }
                if v.is_empty()
                    || v.len() > MAX_STS_ID
                    || !v.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    return Err(StsRecordError::BadId(v.to_string()));
                }
                id = Some(v.to_string());
            } else {
                if !crate::txt::valid_ext_value(v) {
                    return Err(StsRecordError::BadExtension(k.to_string()));
                }
                extensions.push((k.to_string(), v.to_string()));
            }
        }
        Ok(StsRecord {
            id: id.ok_or(StsRecordError::MissingId)?,
            extensions,
        })
    }
}

/// The compact wire form (`v=STSv1;id=...;key=value`), never longer than any text that parses
/// to the same record.
impl fmt::Display for StsRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v=STSv1;id={}", self.id)?;
        for (k, v) in &self.extensions {
            write!(f, ";{k}={v}")?;
        }
        Ok(())
    }
}

/// The policy mode (RFC 8461 section 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Mode {
    /// Senders do not deliver to an MX that fails the policy.
    Enforce,
    /// Senders deliver anyway, and report failures (TLS-RPT).
    Testing,
    /// The domain withdraws its policy.
    None,
}

impl Mode {
    /// The policy file's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Testing => "testing",
            Mode::None => "none",
        }
    }
}

/// An `mx` pattern: a host name, or `*.` and a domain (matching exactly one more label).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MxPattern {
    /// The pattern starts with `*.`.
    pub wildcard: bool,
    /// The host name, or the domain after `*.`, lower-cased.
    pub domain: String,
}

impl MxPattern {
    /// Parses a pattern; the reason when it is not a host name or `*.` and a domain.
    ///
    /// ```
    /// use mail_policy::sts::MxPattern;
    /// assert!(MxPattern::parse("*.Example.NET").unwrap().matches("mx1.example.net"));
    /// assert!(MxPattern::parse("*.*.example.net").is_err());
    /// assert!(MxPattern::parse("mx_1.example.net").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<MxPattern, String> {
        let (wildcard, domain) = match text.strip_prefix("*.") {
            Some(d) => (true, d),
            None => (false, text),
        };
        if let Some(why) = host_name_problem(domain) {
            return Err(why);
        }
        if wildcard && !domain.contains('.') {
            return Err("a wildcard over a single label".to_string());
        }
        Ok(MxPattern {
            wildcard,
            domain: domain.to_ascii_lowercase(),
        })
    }

    /// Whether an MX host name matches (RFC 8461 section 4.1: case-insensitive; a wildcard
    /// stands for exactly one leftmost label). A trailing dot on `host` is ignored.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.strip_suffix('.').unwrap_or(host);
        if !self.wildcard {
            return host.eq_ignore_ascii_case(&self.domain);
        }
        match host.split_once('.') {
            Some((first, rest)) => !first.is_empty() && rest.eq_ignore_ascii_case(&self.domain),
            None => false,
        }
    }
}

impl fmt::Display for MxPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.domain)
    }
}

/// Why a host name is not one (letters, digits, inner hyphens; labels of 1 to 63; at most 253).
fn host_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("empty".to_string());
    }
    if name.len() > 253 {
        return Some(format!("{} octets, more than 253", name.len()));
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Some("an empty label".to_string());
        }
        if label.len() > 63 {
            return Some(format!("a label of {} octets", label.len()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!("label {label:?} starts or ends with a hyphen"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Some(format!("label {label:?} has the character {c:?}"));
        }
    }
    None
}

/// An MTA-STS policy file (RFC 8461 section 3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Policy {
    /// The mode.
    pub mode: Mode,
    /// How long senders may cache the policy, in seconds (0 to [`MAX_MAX_AGE`]).
    pub max_age: u64,
    /// The MX patterns (at least one unless the mode is `none`).
    pub mx: Vec<MxPattern>,
    /// Other fields (`key: value`), in order; unknown fields are ignored by senders.
    pub extensions: Vec<(String, String)>,
}

/// Why a policy file is not a valid MTA-STS policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Larger than [`MAX_POLICY_BYTES`].
    #[error("policy larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Not UTF-8.
    #[error("policy is not UTF-8 text")]
    NotUtf8,
    /// A line that is not `key: value`.
    #[error("policy line {line}: {reason}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A required field is absent (`version`, `mode`, `max_age`).
    #[error("policy has no {0} field")]
    MissingField(&'static str),
    /// A field other than `mx` given twice.
    #[error("policy field {0} given twice")]
    DuplicateField(String),
    /// `version` is not `STSv1`.
    #[error("policy version {0:?} is not STSv1")]
    BadVersion(String),
    /// `mode` is not enforce, testing or none.
    #[error("policy mode {0:?} is not enforce, testing or none")]
    BadMode(String),
    /// `max_age` is not a number of up to ten digits.
    #[error("policy max_age {0:?} is not a number of seconds")]
    BadMaxAge(String),
    /// `max_age` over [`MAX_MAX_AGE`].
    #[error("policy max_age {value} is over the limit of {limit} seconds")]
    MaxAgeTooLarge {
        /// The value.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// Mode enforce or testing without any `mx`.
    #[error("policy in mode {0} has no mx pattern")]
    NoMx(&'static str),
    /// More `mx` lines than [`MAX_MX_PATTERNS`].
    #[error("policy has more than {limit} mx patterns")]
    TooManyMx {
        /// The limit.
        limit: usize,
    },
    /// An `mx` value that is not a host name or `*.` and a domain.
    #[error("policy line {line}: mx pattern {pattern:?}: {reason}")]
    BadMxPattern {
        /// 1-based line number.
        line: usize,
        /// The value.
        pattern: String,
        /// What is wrong.
        reason: String,
    },
}

impl Policy {
    /// Parses a policy file: `key: value` lines ending in CRLF (or LF), strictly.
    ///
    /// ```
    /// use mail_policy::sts::{Policy, PolicyError};
    /// let p = Policy::parse(b"version: STSv1\nmode: none\nmax_age: 86400\n").unwrap();
    /// assert!(p.mx.is_empty());
    /// let err = Policy::parse(b"version: STSv1\nmode: enforce\nmax_age: 86400\n").unwrap_err();
    /// assert_eq!(err, PolicyError::NoMx("enforce"));
    /// ```
    pub fn parse(body: &[u8]) -> Result<Policy, PolicyError> {
        if body.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge {
                limit: MAX_POLICY_BYTES,
            });
        }
        let text = core::str::from_utf8(body).map_err(|_| PolicyError::NotUtf8)?;
        let mut version = None;
        let mut mode = None;
        let mut max_age = None;
        let mut mx = Vec::new();
        let mut extensions = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line_no = i.saturating_add(1);
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                continue;
            }
            let bad = |reason: &str| PolicyError::BadLine {
                line: line_no,
                reason: reason.to_string(),
            };
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| bad("no ':' between key and value"))?;
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
            {
                return Err(bad("the key is not letters, digits, '_', '-' and '.'"));
            }
            let value = value.trim_matches(|c| c == ' ' || c == '\t');
            if value.chars().any(char::is_control) {
                return Err(bad("a control character in the value"));
            }
            let once = |slot: &Option<String>| {
                if slot.is_some() {
                    Err(PolicyError::DuplicateField(key.to_string()))
                } else {
                    Ok(())
                }
            };
            match key {
                "version" => {
                    once(&version)?;
                    version = Some(value.to_string());
                }
                "mode" => {
                    once(&mode)?;
                    mode = Some(value.to_string());
                }
                "max_age" => {
                    once(&max_age)?;
                    max_age = Some(value.to_string());
                }
                "mx" => {
                    if mx.len() >= MAX_MX_PATTERNS {
                        return Err(PolicyError::TooManyMx {
                            limit: MAX_MX_PATTERNS,
                        });
                    }
                    let p =
                        MxPattern::parse(value).map_err(|reason| PolicyError::BadMxPattern {
                            line: line_no,
                            pattern: value.to_string(),
                            reason,
                        })?;
                    mx.push(p);
                }
                _ => extensions.push((key.to_string(), value.to_string())),
            }
        }
        let version = version.ok_or(PolicyError::MissingField("version"))?;
        if version != "STSv1" {
            return Err(PolicyError::BadVersion(version));
        }
        let mode = match mode.ok_or(PolicyError::MissingField("mode"))?.as_str() {
            "enforce" => Mode::Enforce,
            "testing" => Mode::Testing,
            "none" => Mode::None,
            other => return Err(PolicyError::BadMode(other.to_string())),
        };
        let max_age_text = max_age.ok_or(PolicyError::MissingField("max_age"))?;
        if max_age_text.is_empty()
            || max_age_text.len() > 10
            || !max_age_text.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(PolicyError::BadMaxAge(max_age_text));
        }
        let max_age: u64 = max_age_text
            .parse()
            .map_err(|_| PolicyError::BadMaxAge(max_age_text.clone()))?;
        if max_age > MAX_MAX_AGE {
            return Err(PolicyError::MaxAgeTooLarge {
                value: max_age,
                limit: MAX_MAX_AGE,
            });
        }
        if mx.is_empty() && mode != Mode::None {
            return Err(PolicyError::NoMx(mode.as_str()));
        }
        Ok(Policy {
            mode,
            max_age,
            mx,
            extensions,
        })
    }

    /// Whether an MX host name matches one of the policy's patterns.
    pub fn matches_mx(&self, host: &str) -> bool {
        self.mx.iter().any(|p| p.matches(host))
    }
}

/// The compact policy text (`key:value` lines ending in LF, as RFC 8461 allows), never longer
/// than any text that parses to the same policy.
impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "version:STSv1\nmode:{}\n", self.mode.as_str())?;
        for p in &self.mx {
            writeln!(f, "mx:{p}")?;
        }
        writeln!(f, "max_age:{}", self.max_age)?;
        for (k, v) in &self.extensions {
            writeln!(f, "{k}:{v}")?;
        }
        Ok(())
    }
}

/// Whether `host` matches `pattern` (see [`MxPattern::matches`]); false when the pattern is not
/// one.
///
/// ```
/// use mail_policy::sts::mx_matches;
/// assert!(mx_matches("mail.example.com", "MAIL.example.com."));
/// assert!(mx_matches("*.example.com", "mx1.example.com"));
/// assert!(!mx_matches("*.example.com", "example.com"));
/// ```
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    MxPattern::parse(pattern).is_ok_and(|p| p.matches(host))
}
