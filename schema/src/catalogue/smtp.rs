//! The SMTP and handshake findings beyond STARTTLS itself (made by `mxray-scan`'s
//! `assemble::smtp_findings`): AUTH before STARTTLS, RFC 8314 on submission ports, REQUIRETLS,
//! plaintext mail accepted, a client-certificate request, must-staple without a staple.
//!
//! Exim's AUTH line is the one `lab/findings/start-findings.sh` gives a private Exim
//! (`FINDINGS_TLS_AUTH`, port 2658); `scanner-bin/tests/lab_findings.rs` checks that it
//! is this entry's line and that the finding goes away there. The others are not checked by
//! `lab/fixes/run.sh` (each entry says why).

use super::starttls::EXIM_TLS_ON;
use super::{Attacker as A, Entry, Fix, FixCheck};
use crate::record::{FindingSource, Severity};

/// Exim: advertise AUTH only inside TLS (the Exim specification, chapter 33, "Advertising
/// AUTH").
pub const EXIM_AUTH_TLS_ONLY: &str = "auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}";

pub(crate) const ENTRIES: &[Entry] = &[
    Entry {
        id: "auth-before-starttls",
        legacy_id: None,
        source: FindingSource::Starttls,
        severity: Severity::High,
        severity_note: Some(
            "high when PLAIN, LOGIN, XOAUTH2 or OAUTHBEARER (the password or token itself) is \
             offered before TLS, medium for challenge-response mechanisms only",
        ),
        title: "AUTH is offered before STARTTLS",
        why: "A client that authenticates before STARTTLS sends its user name and password (or \
              a token, or a challenge response open to offline guessing) readable by anyone on \
              the path; an active attacker who strips STARTTLS collects them.",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &[
            "RFC 4954 section 4",
            "RFC 8314 section 3",
            "RFC 3207 section 6",
        ],
        fix: Fix {
            postfix: &["smtpd_tls_auth_only = yes"],
            exim: &[EXIM_AUTH_TLS_ONLY],
            opensmtpd: &["listen on 0.0.0.0 port 587 tls-require pki mx.example.org auth"],
            generic: "Advertise AUTH only inside TLS (after STARTTLS, or on implicit-TLS port \
                      465), and never accept a plaintext password mechanism outside it.",
            check: FixCheck::NotLab(
                "the Exim line is checked by scanner-bin/tests/lab_findings.rs on a private Exim \
                 (lab/findings/, port 2658), not by lab/fixes/run.sh; the lab's Postfix has no \
                 SASL backend to advertise AUTH with",
            ),
        },
    },
    Entry {
        id: "submission-without-tls",
        legacy_id: None,
        source: FindingSource::Starttls,
        severity: Severity::High,
        severity_note: None,
        title: "A submission port gives no TLS",
        why: "Users' mail clients submit over this port: without TLS their credentials and \
              messages travel in plaintext, for a passive eavesdropper to read and an active \
              one to change.",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &["RFC 8314 section 3", "RFC 6409 section 4"],
        fix: Fix {
            postfix: &[],
            exim: EXIM_TLS_ON,
            opensmtpd: &[
                "pki mx.example.org cert \"/etc/mail/tls/mx.example.org.crt\"",
                "pki mx.example.org key \"/etc/mail/tls/mx.example.org.key\"",
                "listen on 0.0.0.0 port 587 tls-require pki mx.example.org auth",
            ],
            generic: "Offer implicit TLS on port 465 (RFC 8314 prefers it) and require STARTTLS \
                      before AUTH on 587; in Postfix that is master.cf's `submission` and \
                      `submissions` services with `-o smtpd_tls_security_level=encrypt` and \
                      `-o smtpd_tls_wrappermode=yes`.",
            check: FixCheck::NotLab(
                "the lab scans no submission service of Postfix or Exim with TLS removed",
            ),
        },
    },
    Entry {
        id: "implicit-tls-unavailable",
        legacy_id: None,
        source: FindingSource::Starttls,
        severity: Severity::Medium,
        severity_note: None,
        title: "No implicit TLS on the submissions port",
        why: "RFC 8314 asks mail clients to use implicit TLS on port 465: a client configured \
              for it cannot connect, and one that falls back to STARTTLS (or to plaintext) can \
              be downgraded by an active attacker.",
        attackers: &[A::ActiveMitm],
        references: &["RFC 8314 section 3.3", "RFC 8314 section 7.3"],
        fix: Fix {
            postfix: &[],
            exim: &[
                "daemon_smtp_ports = 25 : 465 : 587",
                "tls_on_connect_ports = 465",
            ],
            opensmtpd: &["listen on 0.0.0.0 port 465 smtps pki mx.example.org auth"],
            generic: "Listen on port 465 with TLS from the first byte; in Postfix, master.cf's \
                      `submissions inet n - y - - smtpd -o smtpd_tls_wrappermode=yes`.",
            check: FixCheck::NotLab(
                "scanner-bin/tests/lab_findings.rs scans Exim with tls_on_connect_ports (2655) \
                 and Postfix without it, not the change from one to the other",
            ),
        },
    },
    Entry {
        id: "requiretls-offered",
        legacy_id: None,
        source: FindingSource::Starttls,
        severity: Severity::Info,
        severity_note: None,
        title: "REQUIRETLS is offered",
        why: "Not a weakness: the server offers RFC 8689's REQUIRETLS inside TLS, so a sender \
              can ask that a message travel only over validated TLS on every hop, or bounce.",
        attackers: &[],
        references: &["RFC 8689 section 2", "RFC 8689 section 4"],
        fix: Fix::outside_mta(
            "Nothing to fix. Offer REQUIRETLS only where every next hop is reached \
                      over validated TLS (MTA-STS or DANE), as RFC 8689 section 4 requires.",
            "informational: nothing to fix",
        ),
    },
    Entry {
        id: "plaintext-mail-accepted",
        legacy_id: None,
        source: FindingSource::Starttls,
        severity: Severity::Info,
        severity_note: None,
        title: "Mail is accepted without TLS",
        why: "The server took MAIL FROM without STARTTLS (--test-plaintext-accept), as \
              opportunistic TLS on port 25 normally does. It matters for a domain with MTA-STS \
              or DANE: senders that honour them never fall back, but every other sender can be \
              downgraded to plaintext by stripping STARTTLS.",
        attackers: &[A::ActiveMitm],
        references: &[
            "RFC 3207 section 4",
            "RFC 8461 section 5",
            "RFC 7672 section 1.3",
        ],
        fix: Fix::outside_mta(
            "On a public MX keep accepting plaintext (RFC 3207 section 4: a publicly \
                      referenced server must not require TLS) and protect the domain with an \
                      MTA-STS enforce policy or DANE; require TLS only on ports your own clients \
                      use (Postfix `smtpd_tls_security_level = encrypt` on that service).",
            "requiring TLS on a public MX is not advised, so there is no line to apply",
        ),
    },
    Entry {
        id: "client-cert-requested",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::Info,
        severity_note: None,
        title: "The server asks for a client certificate",
        why: "Harmless when the handshake goes on without one, as most senders have none; a \
              server that requires one refuses TLS to nearly every sender, which then delivers \
              in plaintext or not at all.",
        attackers: &[],
        references: &["RFC 8446 section 4.3.2", "RFC 5246 section 7.4.4"],
        fix: Fix {
            postfix: &["smtpd_tls_ask_ccert = no", "smtpd_tls_req_ccert = no"],
            exim: &["tls_try_verify_hosts =", "tls_verify_hosts ="],
            opensmtpd: &[],
            generic: "Ask for client certificates only where they are used (a relay that \
                      authenticates peers by certificate), and never require one on a public MX; \
                      in OpenSMTPD, drop `verify` from the `listen` line.",
            check: FixCheck::NotLab(
                "scanner-bin/tests/lab_findings.rs scans an Exim that asks (2654) and the lab's \
                 Exim that does not (2527), not the change from one to the other",
            ),
        },
    },
    Entry {
        id: "must-staple-without-staple",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::High,
        severity_note: None,
        title: "A must-staple certificate without an OCSP staple",
        why: "The certificate demands an OCSP staple (RFC 7633) and the server sends none: \
              clients that enforce must-staple (Firefox) refuse the connection. MTAs check no \
              OCSP, so mail still flows, but any HTTPS or strict TLS client using this \
              certificate fails.",
        attackers: &[],
        references: &["RFC 7633 section 4.2", "RFC 6066 section 8"],
        fix: Fix {
            postfix: &[],
            exim: &["tls_ocsp_file = /etc/exim4/tls/mx.example.org.ocsp.der"],
            opensmtpd: &[],
            generic: "Staple a fresh OCSP response (Exim `tls_ocsp_file`, refreshed before it \
                      expires), or get a certificate without the must-staple extension for a \
                      server that cannot staple (Postfix and OpenSMTPD cannot).",
            check: FixCheck::NotLab(
                "the lab's must-staple server is openssl s_server (lab/findings/, 2653), not an \
                 MTA",
            ),
        },
    },
];
