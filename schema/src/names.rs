//! `server_names`: the names an address target gives for itself (PTR confirmed forward, the 220
//! greeting, the EHLO reply) and which of them its certificate covers. Only in records of
//! address targets scanned with `--server-names`.

use serde::{Deserialize, Serialize};

/// A PTR name of the endpoint's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PtrName {
    /// The name, lower case, without the trailing dot.
    pub name: String,
    /// The name's A/AAAA records include the address (forward-confirmed reverse DNS, FCrDNS).
    pub forward_confirmed: bool,
}

/// The server's own names and the certificate's match against each.
///
/// ```
/// use mxray_schema::names::ServerNames;
/// let n: ServerNames = serde_json::from_str(
///     r#"{"ptr":[{"name":"mx.example.org","forward_confirmed":true}],"banner":"mx.example.org","matched":["mx.example.org"]}"#,
/// ).unwrap();
/// assert_eq!(n.matched, ["mx.example.org"]);
/// assert!(n.ehlo.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerNames {
    /// The address's PTR names (at most 4), each confirmed forward or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ptr: Vec<PtrName>,
    /// Why the PTR lookup gave no name: a DNS response code (`nxdomain`, `timeout`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ptr_error: Option<String>,
    /// The host name at the start of the 220 greeting's text, when it is a DNS name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// The host name on the first line of the EHLO reply, when it is a DNS name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo: Option<String>,
    /// The names above that the leaf certificate covers (RFC 6125 DNS-ID, no CN fallback), each
    /// once, in the order PTR, banner, EHLO. Empty without a certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
}
