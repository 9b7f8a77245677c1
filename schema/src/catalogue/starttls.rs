//! STARTTLS findings (source `starttls`): the plaintext session before TLS.

use super::{Attacker as A, Entry, Fix, FixCheck};
use crate::record::{FindingSource, Severity};

/// Postfix: offer STARTTLS with a certificate.
pub(crate) const POSTFIX_TLS_ON: &[&str] = &[
    "smtpd_tls_security_level = may",
    "smtpd_tls_chain_files = /etc/postfix/tls/mx.example.org.pem",
];
/// Exim: offer STARTTLS with a certificate.
pub(crate) const EXIM_TLS_ON: &[&str] = &[
    "tls_advertise_hosts = *",
    "tls_certificate = /etc/exim4/tls/mx.example.org.crt",
    "tls_privatekey = /etc/exim4/tls/mx.example.org.key",
];
/// OpenSMTPD: a certificate and a listener that offers STARTTLS.
pub(crate) const SMTPD_TLS_ON: &[&str] = &[
    "pki mx.example.org cert \"/etc/mail/tls/mx.example.org.crt\"",
    "pki mx.example.org key \"/etc/mail/tls/mx.example.org.key\"",
    "listen on 0.0.0.0 tls pki mx.example.org",
];

const UPGRADE: Fix = Fix::outside_mta(
    "Upgrade the MTA (or the proxy in front of it) to a release that discards \
              plaintext received before the TLS handshake; no configuration line fixes it.",
    "a software defect, fixed by an upgrade; the lab's servers are current releases",
);

const MIDDLEBOX: Fix = Fix::outside_mta(
    "Find the device that rewrites the SMTP session (a firewall's SMTP/ESMTP \
              inspection, e.g. Cisco ASA `no inspect esmtp`) and turn its inspection off, or \
              scan from another network path to tell it from the server.",
    "a device on the network path, not the MTA's configuration",
);

pub(crate) const ENTRIES: &[Entry] = &[
    Entry {
        id: "starttls-not-offered",
        legacy_id: Some("starttls_not_offered"),
        source: FindingSource::Starttls,
        severity: Severity::High,
        severity_note: None,
        title: "STARTTLS is not offered",
        why: "The server does not advertise STARTTLS, so every sender delivers in plaintext: \
              anyone on the path reads the mail, and an active attacker can change it.",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &[
            "RFC 3207 section 4",
            "RFC 7672 section 1.3",
            "RFC 8461 section 5",
        ],
        fix: Fix {
            postfix: POSTFIX_TLS_ON,
            exim: EXIM_TLS_ON,
            opensmtpd: SMTPD_TLS_ON,
            generic: "Give the MTA a certificate for its host name and advertise STARTTLS to \
                      every client.",
            check: FixCheck::Lab,
        },
    },
    Entry {
        id: "starttls-stripped",
        legacy_id: Some("starttls_stripped"),
        source: FindingSource::Starttls,
        severity: Severity::Critical,
        severity_note: None,
        title: "STARTTLS is masked on the path",
        why: "A middlebox replaced the STARTTLS capability (e.g. `XXXXXXXA`): senders cannot \
              start TLS, and whoever controls that box can read and change the mail.",
        attackers: &[A::ActiveMitm, A::Passive],
        references: &["RFC 3207 section 6", "Durumeric et al., IMC 2015"],
        fix: MIDDLEBOX,
    },
    Entry {
        id: "starttls-refused",
        legacy_id: Some("starttls_refused"),
        source: FindingSource::Starttls,
        severity: Severity::High,
        severity_note: None,
        title: "STARTTLS is offered but refused",
        why: "The server advertises STARTTLS and then refuses it (often `454 TLS not \
              available due to local problem`: a missing or unreadable key); senders fall back \
              to plaintext.",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &["RFC 3207 section 4"],
        fix: Fix {
            postfix: POSTFIX_TLS_ON,
            exim: EXIM_TLS_ON,
            opensmtpd: SMTPD_TLS_ON,
            generic: "Point the MTA at a readable key and certificate (check its log for the \
                      TLS error) so that STARTTLS succeeds.",
            check: FixCheck::NotLab(
                "the lab's Postfix with a missing key still answers 220 and then serves only \
                 anonymous suites (modern-handshake-failed); no configuration of the lab's \
                 servers gives a 454",
            ),
        },
    },
    Entry {
        id: "starttls-unexpected-reply",
        legacy_id: Some("starttls_unexpected_reply"),
        source: FindingSource::Starttls,
        severity: Severity::High,
        severity_note: None,
        title: "STARTTLS answered with an unexpected reply",
        why: "STARTTLS got neither 220 nor a refusal, the mark of a stripping proxy; senders \
              deliver in plaintext.",
        attackers: &[A::ActiveMitm, A::Passive],
        references: &["RFC 3207 section 4", "RFC 5321 section 4.2"],
        fix: MIDDLEBOX,
    },
    Entry {
        id: "bytes-after-starttls",
        legacy_id: Some("bytes_after_starttls"),
        source: FindingSource::Starttls,
        severity: Severity::Medium,
        severity_note: None,
        title: "Plaintext bytes after the 220 to STARTTLS",
        why: "The server (or a box on the path) sent plaintext after agreeing to STARTTLS: \
              what a man in the middle injects there can be taken as said inside TLS.",
        attackers: &[A::ActiveMitm],
        references: &[
            "RFC 3207 section 4.2",
            "CVE-2011-0411",
            "Poddebniak et al., USENIX Security 2021",
        ],
        fix: UPGRADE,
    },
    Entry {
        id: "starttls-injection",
        legacy_id: Some("starttls_injection"),
        source: FindingSource::Starttls,
        severity: Severity::High,
        severity_note: None,
        title: "STARTTLS command injection",
        why: "Commands pipelined after STARTTLS in plaintext are executed inside the TLS \
              session: a man in the middle injects SMTP commands the sender never sent.",
        attackers: &[A::ActiveMitm],
        references: &[
            "RFC 3207 section 4.2",
            "CVE-2011-0411",
            "CVE-2021-38371",
            "CVE-2021-33515",
        ],
        fix: UPGRADE,
    },
    Entry {
        id: "tls-not-started",
        legacy_id: Some("tls_not_started"),
        source: FindingSource::Starttls,
        severity: Severity::High,
        severity_note: None,
        title: "220 to STARTTLS, but TLS never started",
        why: "The server agreed to STARTTLS and then completed no handshake with any \
              protocol version; senders fall back to plaintext or defer.",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &["RFC 3207 section 4"],
        fix: Fix {
            postfix: POSTFIX_TLS_ON,
            exim: EXIM_TLS_ON,
            opensmtpd: SMTPD_TLS_ON,
            generic: "Check the MTA's TLS log on a scan's connection: give it a valid key and \
                      certificate and a TLS library that speaks TLS 1.2.",
            check: FixCheck::NotLab(
                "no configuration of the lab's Postfix or Exim was found that answers 220 and \
                 then accepts no protocol version (a missing key leaves anonymous suites: \
                 modern-handshake-failed)",
            ),
        },
    },
];
