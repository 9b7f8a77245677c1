//! `network`: the autonomous system and country of a record's address, from an AS database
//! (`--asn-db`: a MaxMind DB file or the iptoasn.com TSV, looked up by the `mxray-asn` crate).
//! Written by `mxray scan --asn-db`; `mxray report --asn-db` looks addresses up itself for
//! records without it. Also the sender's network in lab session records.

use serde::{Deserialize, Serialize};

/// Longest AS organisation name kept, in characters.
pub const MAX_ORG_CHARS: usize = 128;

/// The network an address belongs to. Every field is optional: a country database has no AS,
/// an AS database may have no country, and an address no database covers has no `network` at
/// all (the report counts it as `unknown`).
///
/// ```
/// use mxray_schema::network::Network;
/// let n: Network = serde_json::from_str(r#"{"asn":64500,"as_org":"Example Net","country":"DE"}"#)
///     .unwrap();
/// assert_eq!(n.asn, Some(64500));
/// assert_eq!(n.country.as_deref(), Some("DE"));
/// assert_eq!(serde_json::to_string(&Network::default()).unwrap(), "{}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Network {
    /// The autonomous system number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// The AS's organisation or description (at most [`MAX_ORG_CHARS`] characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Network {
    /// Whether nothing is known (no AS, no country).
    pub fn is_empty(&self) -> bool {
        self.asn.is_none() && self.country.is_none()
    }
}
