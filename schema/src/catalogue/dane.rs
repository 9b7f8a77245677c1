//! DANE findings (source `dane`): what a DANE-validating sender does (ids from
//! `cert_audit::sender::SenderFindingId`).

use super::{Attacker as A, Entry, Fix, FixCheck};
use crate::record::{FindingSource, Severity};

const fn dns(generic: &'static str) -> Fix {
    Fix::outside_mta(
        generic,
        "a DNS (DNSSEC, TLSA) change, not the MTA's configuration",
    )
}

macro_rules! dane {
    ($($entry:tt)*) => {
        entry!(Dane, None; $($entry)*)
    };
}

pub(crate) const ENTRIES: &[Entry] = &[
    dane!("dane-dnssec-bogus", High, None, "Bogus DNSSEC on the way to the TLSA records",
        "Validating senders cannot trust the answers and defer the mail.",
        [], ["RFC 7672 section 2.1.1", "RFC 4035 section 4.3"],
        dns("Fix the zone's signatures or DS records (check with `delv` or DNSViz).")),
    dane!("dane-dnssec-indeterminate", High, Some("high when the TLSA lookup failed below secure answers (senders defer), info otherwise"), "No DNSSEC status could be had",
        "The resolver returned no DNSSEC records or the lookup failed: the DANE outcome is unknown.",
        [], ["RFC 7672 section 2.2", "RFC 4033 section 5"],
        dns("Make the TLSA lookup answer (check the authoritative servers); scan with a validating resolver.")),
    dane!("dane-tlsa-ignored", Medium, None, "TLSA records reached through an insecure answer",
        "The MX or address answers are unsigned, so senders ignore the TLSA records.",
        [ActiveMitm, DnsSpoofing], ["RFC 7672 sections 2.2.1, 2.2.2"],
        dns("Sign the zone of the MX host's name (and the domain's MX) with DNSSEC.")),
    dane!("dane-no-starttls", Critical, None, "TLSA records published, STARTTLS not offered",
        "DANE senders require TLS and will not deliver.",
        [], ["RFC 7672 section 2.2"],
        Fix { postfix: super::starttls::POSTFIX_TLS_ON, exim: super::starttls::EXIM_TLS_ON, opensmtpd: super::starttls::SMTPD_TLS_ON,
              generic: "Offer STARTTLS with the certificate the TLSA records match, or withdraw the TLSA records.",
              check: FixCheck::NotLab("needs the lab's DNSSEC zone to point at a private server; the STARTTLS lines are checked by starttls-not-offered") }),
    dane!("dane-tls-failed", Critical, None, "TLSA records published, the handshake failed",
        "DANE senders require TLS and will not deliver.",
        [], ["RFC 7672 section 2.2"],
        dns("Fix the server's TLS (see the TLS findings), or withdraw the TLSA records.")),
    dane!("dane-no-match", Critical, None, "No usable TLSA record matches the chain",
        "DANE senders will not deliver: the published records do not match the presented certificate.",
        [], ["RFC 7672 section 3"],
        dns("Publish TLSA records for the key the server presents now (publish the next key's record before rolling keys).")),
    dane!("dane-only-unusable", Medium, None, "Only unusable TLSA records",
        "TLS is mandatory but cannot be authenticated: an active attacker can impersonate the server.",
        [ActiveMitm, Impersonation], ["RFC 7672 section 3.1.3"],
        dns("Publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records; PKIX usages 0 and 1 are unusable for SMTP.")),
    dane!("dane-unusable-records", Low, None, "Some TLSA records are unusable",
        "Unusable records (PKIX-TA/PKIX-EE, unknown parameters) beside usable ones are ignored.",
        [], ["RFC 7672 section 3.1.3"],
        dns("Remove the unusable records.")),
    dane!("dane-ee-expired", Low, None, "DANE-EE matches an expired leaf",
        "Fine for DANE senders (RFC 7672 3.1.1), but non-DANE authenticating senders refuse it.",
        [], ["RFC 7672 section 3.1.1"],
        dns("Renew the certificate; publish the new key's TLSA record first if it changes.")),
    dane!("dane-single-record", Info, None, "Only one usable TLSA record",
        "A key or certificate change breaks delivery unless the next record is published first.",
        [], ["RFC 7671 section 8.1", "RFC 7672 section 3.1.1"],
        dns("Publish a second record (the next key, or a 2 1 1 record for the issuing CA).")),
    dane!("dane-ttl-exceeds-validity", Low, None, "The TLSA TTL outlives the leaf",
        "Resolvers may keep the TLSA record after the certificate it matches has expired.",
        [], ["RFC 7671 section 8.4"],
        dns("Lower the TLSA TTL or renew the certificate earlier.")),
    dane!("dane-too-many-records", Low, None, "More TLSA records than the limit",
        "The records past mxray's limit were not evaluated.",
        [], ["RFC 7671 section 8"],
        dns("Publish fewer TLSA records.")),
];
