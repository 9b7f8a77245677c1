//! Names for address targets (`--server-names`): with an IP target there is no MX host name to
//! hold the certificate against, so the server's own names stand in: the PTR names of its
//! address confirmed forward (FCrDNS), the host name of its 220 greeting and of its EHLO reply.
//! The record's `server_names` says which of them the leaf certificate covers.
//!
//! The name extraction and the match are pure ([`from_record`]); [`lookup_ptr`] asks DNS.

use std::net::IpAddr;

use mxray_schema::names::{PtrName, ServerNames};
use mxray_schema::record::EndpointRecord;

use crate::dns::Dns;
use crate::targets::parse_name;

/// Most PTR names kept (and confirmed forward) for one address.
pub const MAX_PTR_NAMES: usize = 4;

/// The host name at the start of a 220 greeting's text: its first word after the code, when
/// that is a DNS name with at least two labels (`220 mx.example.org ESMTP Postfix` →
/// `mx.example.org`). Address literals and single labels (`localhost`) are not names to match.
///
/// ```
/// use mxray_scan::selfnames::greeting_host;
/// assert_eq!(greeting_host("220 MX.Example.org. ESMTP\r\n").as_deref(), Some("mx.example.org"));
/// assert_eq!(greeting_host("220-mx1.example.net hi\r\n220 ok\r\n").as_deref(), Some("mx1.example.net"));
/// assert_eq!(greeting_host("220 [192.0.2.1] ready\r\n"), None);
/// assert_eq!(greeting_host("220 localhost\r\n"), None);
/// ```
pub fn greeting_host(text: &str) -> Option<String> {
    let first = text.lines().next()?;
    let rest = first.get(4..)?;
    host_word(rest)
}

/// The first word of `text` as a host name (at least two labels), lower case.
pub fn host_word(text: &str) -> Option<String> {
    let word = text.split_whitespace().next()?;
    let name = parse_name(word).ok()?;
    name.contains('.').then_some(name)
}

/// The server's names from its record (greeting and EHLO), the given PTR names, and which of
/// them the record's leaf certificate covers (PTR names only when forward-confirmed).
pub fn from_record(
    rec: &EndpointRecord,
    ptr: Vec<PtrName>,
    ptr_error: Option<String>,
) -> ServerNames {
    let banner = rec.banner.as_ref().and_then(|b| greeting_host(&b.text));
    let ehlo = rec
        .ehlo
        .as_ref()
        .and_then(|e| e.domain.as_deref())
        .and_then(host_word);
    let leaf_names: &[String] = rec
        .certificate
        .as_ref()
        .and_then(|c| c.certificates.first())
        .and_then(|c| c.facts.as_ref())
        .map_or(&[], |f| f.dns_names.as_slice());
    let candidates = ptr
        .iter()
        .filter(|p| p.forward_confirmed)
        .map(|p| p.name.as_str())
        .chain(banner.as_deref())
        .chain(ehlo.as_deref());
    let mut matched: Vec<String> = Vec::new();
    for name in candidates {
        if !matched.iter().any(|m| m == name)
            && leaf_names
                .iter()
                .any(|p| cert_audit::dns_name_matches(p, name))
        {
            matched.push(name.to_owned());
        }
    }
    ServerNames {
        ptr,
        ptr_error,
        banner,
        ehlo,
        matched,
    }
}

/// The PTR names of `ip` (at most [`MAX_PTR_NAMES`]), each resolved forward to see whether it
/// comes back to `ip`; or the DNS response code when there is none.
pub async fn lookup_ptr(dns: &Dns, ip: IpAddr) -> Result<Vec<PtrName>, String> {
    let mut names = dns.ptr(ip).await.map_err(|f| f.rcode)?;
    // Sorted: the record does not depend on the order the server gave them in.
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names.into_iter().take(MAX_PTR_NAMES) {
        let forward_confirmed = dns.forward_addresses(&name).await.contains(&ip);
        out.push(PtrName {
            name,
            forward_confirmed,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxray_schema::record::{Banner, EhloInfo, Profile};

    #[test]
    fn names_from_greeting_and_ehlo_without_certificate_match_nothing() {
        let mut rec = EndpointRecord::new("192.0.2.1".into(), None, 25, Profile::Quick);
        rec.banner = Some(Banner {
            code: Some(220),
            text: "220 mx.example.org ESMTP\r\n".into(),
            complete: true,
        });
        rec.ehlo = Some(
            serde_json::from_str::<EhloInfo>(
                r#"{"code":250,"domain":"Mail.Example.org","capabilities":[],"starttls_offered":false}"#,
            )
            .unwrap(),
        );
        let ptr = vec![
            PtrName {
                name: "a.example.org".into(),
                forward_confirmed: true,
            },
            PtrName {
                name: "b.example.org".into(),
                forward_confirmed: false,
            },
        ];
        let n = from_record(&rec, ptr.clone(), None);
        assert_eq!(n.banner.as_deref(), Some("mx.example.org"));
        assert_eq!(n.ehlo.as_deref(), Some("mail.example.org"));
        assert_eq!(n.ptr, ptr);
        assert!(n.matched.is_empty());
    }

    #[test]
    fn greeting_words_that_are_not_names() {
        for t in [
            "220 \r\n",
            "220",
            "220 ESMTP ready\r\n",
            "220 -bad-.org x\r\n",
            "220 1.2.3.4 x\r\n",
            "",
        ] {
            assert_eq!(greeting_host(t), None, "{t:?}");
        }
    }
}
