//! Name checks: does the leaf name the MX host or the mail domain?
//!
//! Rules (RFC 6125 section 6.4, as used for SMTP by RFC 7672 section 3.2.3):
//! - only subjectAltName entries count: no fallback to the subject common name (a certificate
//!   whose only name is the CN is reported as [`NameCheck::cn_only`], a finding);
//! - comparison is ASCII case-insensitive, one trailing dot is ignored, A-labels are compared as
//!   they are (no IDNA mapping);
//! - a wildcard is only the whole left-most label (`*.example.com`): no partial wildcards
//!   (`f*.example.com`, `*x.example.com`), no wildcard in other labels, and a wildcard needs at
//!   least two labels after it (`*.com` never matches);
//! - a wildcard matches exactly one non-empty label: not the apex (`example.com`) nor several
//!   labels (`a.b.example.com`);
//! - a reference name that is an IP address is matched against IP-address SAN entries only.

use std::net::IpAddr;

use crate::facts::CertFacts;

/// Which of the names a sender checks the certificate names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum NameMatch {
    /// The MX host name (or IP) matches (checked first).
    MxHost,
    /// The MX host does not match (or was not given) but the mail domain does.
    MailDomain,
    /// Neither given name matches.
    Mismatch,
    /// No name was given, or there is no parsable leaf.
    NotChecked,
}

impl NameMatch {
    /// The snake_case name (the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MxHost => "mx_host",
            Self::MailDomain => "mail_domain",
            Self::Mismatch => "mismatch",
            Self::NotChecked => "not_checked",
        }
    }
}

/// The name check of the leaf, with the names found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NameCheck {
    /// The overall result.
    pub result: NameMatch,
    /// Whether the MX host matches; `None` when not given.
    pub mx_host_matches: Option<bool>,
    /// Whether the mail domain matches; `None` when not given.
    pub domain_matches: Option<bool>,
    /// The SAN entry that matched (MX host first).
    pub matched_name: Option<String>,
    /// DNS names of the leaf's subjectAltName.
    pub dns_names: Vec<String>,
    /// IP addresses of the leaf's subjectAltName.
    pub ip_addresses: Vec<IpAddr>,
    /// The leaf's subject common name (never used for matching).
    pub common_name: Option<String>,
    /// The leaf has no DNS or IP subjectAltName but a common name.
    pub cn_only: bool,
    /// Some DNS name of the leaf is a wildcard.
    pub wildcard: bool,
}

impl NameCheck {
    pub(crate) fn not_checked() -> Self {
        Self {
            result: NameMatch::NotChecked,
            mx_host_matches: None,
            domain_matches: None,
            matched_name: None,
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            common_name: None,
            cn_only: false,
            wildcard: false,
        }
    }
}

fn normalise(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Whether the certificate name `pattern` (a DNS SAN entry, possibly a wildcard) matches the
/// reference host name `host` under the rules of the module documentation.
pub fn dns_name_matches(pattern: &str, host: &str) -> bool {
    let pattern = normalise(pattern);
    let host = normalise(host);
    // A reference with an empty label (this includes "") or a '*' matches nothing. Every test
    // below is equality with the host or its tail, so a pattern with an empty label, or a '*'
    // anywhere but a leading "*.", can then never match either.
    if host.contains('*') || host.split('.').any(str::is_empty) {
        return false;
    }
    match pattern.strip_prefix("*.") {
        // At least two labels after the wildcard, and it stands for exactly the host's first.
        Some(rest) => {
            rest.contains('.')
                && host
                    .split_once('.')
                    .is_some_and(|(_, host_rest)| host_rest == rest)
        }
        None => pattern == host,
    }
}

/// The SAN entry of `facts` that matches `reference` (a host name or an IP address).
fn find_match(facts: &CertFacts, reference: &str) -> Option<String> {
    let trimmed = reference.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = trimmed.parse::<IpAddr>() {
        return facts
            .ip_addresses
            .iter()
            .find(|a| **a == ip)
            .map(|a| a.to_string());
    }
    facts
        .dns_names
        .iter()
        .find(|p| dns_name_matches(p, reference))
        .cloned()
}

/// Checks the leaf's names against the MX host and the mail domain.
pub fn check_names(leaf: &CertFacts, mx_host: Option<&str>, domain: Option<&str>) -> NameCheck {
    let mx = mx_host.map(|h| find_match(leaf, h));
    let dom = domain.map(|d| find_match(leaf, d));
    let mx_host_matches = mx.as_ref().map(Option::is_some);
    let domain_matches = dom.as_ref().map(Option::is_some);
    let (result, matched_name) = match (mx.flatten(), dom.flatten()) {
        (Some(m), _) => (NameMatch::MxHost, Some(m)),
        (None, Some(d)) => (NameMatch::MailDomain, Some(d)),
        (None, None) if mx_host.is_some() || domain.is_some() => (NameMatch::Mismatch, None),
        (None, None) => (NameMatch::NotChecked, None),
    };
    NameCheck {
        result,
        mx_host_matches,
        domain_matches,
        matched_name,
        dns_names: leaf.dns_names.clone(),
        ip_addresses: leaf.ip_addresses.clone(),
        common_name: leaf.subject_cn.clone(),
        cn_only: leaf.dns_names.is_empty()
            && leaf.ip_addresses.is_empty()
            && leaf.subject_cn.is_some(),
        wildcard: leaf.dns_names.iter().any(|n| n.contains('*')),
    }
}

#[cfg(test)]
mod tests {
    use super::dns_name_matches as m;
    use proptest::prelude::*;

    #[test]
    fn exact_names() {
        assert!(m("mx.example.com", "mx.example.com"));
        assert!(m("MX.Example.COM", "mx.example.com"));
        assert!(m("mx.example.com.", "mx.example.com"));
        assert!(m("mx.example.com", "mx.example.com."));
        assert!(!m("mx.example.com", "mx2.example.com"));
        assert!(!m("mx.example.com", ""));
        assert!(!m("", "mx.example.com"));
        assert!(!m("mx..example.com", "mx..example.com"));
    }

    #[test]
    fn wildcards_rfc6125() {
        assert!(m("*.example.com", "mx.example.com"));
        assert!(m("*.Example.com", "MX.example.com"));
        assert!(!m("*.example.com", "example.com"), "apex");
        assert!(!m("*.example.com", "a.b.example.com"), "two labels");
        assert!(!m("f*.example.com", "foo.example.com"), "partial");
        assert!(!m("*o.example.com", "foo.example.com"), "partial");
        assert!(!m("mx.*.com", "mx.example.com"), "not left-most");
        assert!(!m("*.com", "example.com"), "too broad");
        assert!(!m("*", "localhost"));
        assert!(!m("*.*.com", "a.b.com"));
        assert!(
            !m("*.example.com", "*.example.com"),
            "reference with wildcard"
        );
        assert!(!m("*.example.com", ".example.com"));
    }

    proptest! {
        #[test]
        fn exact_match_is_reflexive(host in "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){1,4}") {
            prop_assert!(m(&host, &host));
            prop_assert!(m(&host.to_ascii_uppercase(), &host));
        }

        #[test]
        fn wildcard_matches_one_label_only(
            first in "[a-z0-9]{1,10}",
            extra in "[a-z0-9]{1,10}",
            base in "[a-z0-9]{1,10}\\.[a-z]{2,5}",
        ) {
            let pattern = format!("*.{base}");
            let one = format!("{first}.{base}");
            let two = format!("{extra}.{first}.{base}");
            prop_assert!(m(&pattern, &one));
            prop_assert!(!m(&pattern, &two));
            prop_assert!(!m(&pattern, &base));
        }

        #[test]
        fn never_panics(p in "\\PC{0,40}", h in "\\PC{0,40}") {
            let _ = m(&p, &h);
        }
    }
}
