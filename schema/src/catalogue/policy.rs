//! Policy findings (source `policy`): MTA-STS (RFC 8461) and TLS-RPT (RFC 8460).

use super::{Attacker as A, Entry, Fix, FixCheck};
use crate::record::{FindingSource, Severity};

const fn publish(generic: &'static str) -> Fix {
    Fix::outside_mta(
        generic,
        "a DNS record or the policy web server, not the MTA's configuration",
    )
}

macro_rules! policy {
    ($id:literal, $legacy:literal, $($rest:tt)*) => {
        entry!(Policy, Some($legacy); $id, $($rest)*)
    };
}

const MODE: Option<&str> = Some("high under an enforce policy, medium under testing");

pub(crate) const ENTRIES: &[Entry] = &[
    policy!("mta-sts-txt-invalid", "mta_sts_txt_invalid", Medium, None, "The _mta-sts TXT record is invalid",
        "Senders ignore MTA-STS: mail is protected against passive attackers only.",
        [ActiveMitm], ["RFC 8461 section 3.1"],
        publish("Publish one `v=STSv1; id=YYYYMMDDNN;` TXT record at _mta-sts.DOMAIN.")),
    policy!("mta-sts-txt-multiple", "mta_sts_txt_multiple", Medium, None, "More than one v=STSv1 TXT record",
        "Senders ignore MTA-STS when there is more than one record.",
        [ActiveMitm], ["RFC 8461 section 3.1"],
        publish("Keep exactly one v=STSv1 TXT record.")),
    policy!("mta-sts-policy-fetch-failed", "mta_sts_policy_fetch_failed", High, None, "The MTA-STS policy cannot be fetched",
        "Senders without a cached policy deliver without MTA-STS; an attacker who blocks the fetch keeps them so.",
        [ActiveMitm], ["RFC 8461 section 3.3"],
        publish("Serve the policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt with a valid certificate, status 200, text/plain, no redirect.")),
    policy!("mta-sts-policy-invalid", "mta_sts_policy_invalid", High, None, "The MTA-STS policy is invalid",
        "Senders ignore a policy that does not parse.",
        [ActiveMitm], ["RFC 8461 section 3.2"],
        publish("Fix the policy file: version, mode, mx and max_age lines, CRLF or LF endings.")),
    policy!("mta-sts-testing", "mta_sts_testing", Info, None, "MTA-STS in mode testing",
        "Failures are reported, not enforced: the policy protects no mail yet.",
        [ActiveMitm], ["RFC 8461 section 5"],
        publish("When TLS-RPT reports are clean, switch the policy to `mode: enforce` and change the TXT record's id.")),
    policy!("mta-sts-mx-not-in-policy", "mta_sts_mx_not_in_policy", High, MODE, "The MX matches no mx pattern of the policy",
        "MTA-STS senders will not deliver to this MX.",
        [], ["RFC 8461 section 4.1"],
        publish("Add the MX host name (or a matching `*.` pattern) to the policy's mx lines.")),
    policy!("mta-sts-mx-no-tls", "mta_sts_mx_no_tls", High, MODE, "The MX does not complete STARTTLS",
        "MTA-STS senders will not deliver to this MX.",
        [], ["RFC 8461 section 4.2"],
        Fix { postfix: super::starttls::POSTFIX_TLS_ON, exim: super::starttls::EXIM_TLS_ON, opensmtpd: super::starttls::SMTPD_TLS_ON,
              generic: "Offer STARTTLS with a certificate from a publicly trusted CA for the MX host name.",
              check: FixCheck::NotLab("needs the lab's MTA-STS zone to point at a private server; the STARTTLS lines are checked by starttls-not-offered") }),
    policy!("mta-sts-mx-certificate-invalid", "mta_sts_mx_certificate_invalid", High, MODE, "The MX's certificate fails the policy",
        "MTA-STS senders need a trusted certificate valid for the MX host name and will not deliver.",
        [], ["RFC 8461 section 4.2"],
        Fix { postfix: &["smtpd_tls_chain_files = /etc/postfix/tls/mx.example.org.pem"],
              exim: &["tls_certificate = /etc/exim4/tls/mx.example.org.crt", "tls_privatekey = /etc/exim4/tls/mx.example.org.key"],
              opensmtpd: &["pki mx.example.org cert \"/etc/mail/tls/mx.example.org.crt\"", "pki mx.example.org key \"/etc/mail/tls/mx.example.org.key\""],
              generic: "Serve a certificate from a publicly trusted CA that names the MX host.",
              check: FixCheck::NotLab("needs the lab's MTA-STS zone to point at a private server; the certificate lines are checked by self-signed and name-mismatch") }),
    policy!("mta-sts-enforce-mx-fails", "mta_sts_enforce_mx_fails", High, None, "Enforce policy, and this MX fails it",
        "MTA-STS senders will not deliver to this MX, and defer mail when no MX passes.",
        [], ["RFC 8461 section 5.1"],
        publish("Fix the MX's TLS and certificate (see the other findings) or correct the policy's mx lines.")),
    policy!("tlsrpt-invalid", "tlsrpt_invalid", Low, None, "The TLS-RPT record is unusable",
        "Senders send no TLS reports: failures go unnoticed.",
        [], ["RFC 8460 section 3"],
        publish("Publish one `v=TLSRPTv1; rua=mailto:...` TXT record at _smtp._tls.DOMAIN.")),
];
