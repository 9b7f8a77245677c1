//! TLS findings (source `tls`): protocol versions, cipher suites, key exchange and features
//! the probes found (ids from `tls_probe::weakness::Weakness::id`), and the modern handshake.

use super::{Attacker as A, Entry, Fix, FixCheck};
use crate::record::{FindingSource, Severity};

/// Postfix: protocols from TLS 1.0 up (opportunistic senders need something to fall back to
/// before plaintext; SSLv2/SSLv3 go).
const POSTFIX_PROTOCOLS: &[&str] = &[
    "smtpd_tls_protocols = >=TLSv1",
    "smtpd_tls_mandatory_protocols = >=TLSv1.2",
];
/// Postfix: the suites no sender needs (one line for every suite finding, so that fixes of
/// several findings combine).
const POSTFIX_CIPHERS: &[&str] = &[
    "smtpd_tls_ciphers = medium",
    "smtpd_tls_exclude_ciphers = aNULL, eNULL, EXPORT, RC4, 3DES, DES, MD5, IDEA, SEED, kRSA",
];
/// Exim (GnuTLS): the same, as one priority string.
const EXIM_CIPHERS: &[&str] = &[
    "tls_require_ciphers = NORMAL:-VERS-SSL3.0:-ARCFOUR-128:-3DES-CBC:-MD5:-RSA:-ANON-DH:-ANON-ECDH",
];
/// OpenSMTPD (6.8, OpenSSL): ECDHE AEAD suites only, which also means TLS 1.2 and later.
const SMTPD_SECURE: &[&str] = &[
    "pki mx.example.org cert \"/etc/mail/tls/mx.example.org.crt\"",
    "pki mx.example.org key \"/etc/mail/tls/mx.example.org.key\"",
    "smtp ciphers \"ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5\"",
    "listen on 0.0.0.0 tls pki mx.example.org",
];

const SUITES_CHECKED: FixCheck = FixCheck::Lab;

const fn suites_fix(generic: &'static str, check: FixCheck) -> Fix {
    Fix {
        postfix: POSTFIX_CIPHERS,
        exim: EXIM_CIPHERS,
        opensmtpd: SMTPD_SECURE,
        generic,
        check,
    }
}

const fn protocols_fix(generic: &'static str, check: FixCheck) -> Fix {
    Fix {
        postfix: POSTFIX_PROTOCOLS,
        exim: EXIM_CIPHERS,
        opensmtpd: SMTPD_SECURE,
        generic,
        check,
    }
}

pub(crate) const ENTRIES: &[Entry] = &[
    Entry {
        id: "modern-handshake-failed",
        legacy_id: Some("modern_handshake_failed"),
        source: FindingSource::Tls,
        severity: Severity::High,
        severity_note: None,
        title: "A current TLS client cannot connect",
        why: "A TLS 1.2/1.3 client (rustls) could not complete a handshake: current senders \
              fall back to plaintext, or defer when a policy (DANE, MTA-STS) demands TLS.",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &["RFC 8996", "RFC 9325 section 3.1"],
        fix: Fix {
            postfix: &[
                "smtpd_tls_protocols = >=TLSv1",
                "smtpd_tls_ciphers = medium",
                "smtpd_tls_chain_files = /etc/postfix/tls/mx.example.org.pem",
            ],
            exim: &[
                "tls_require_ciphers = NORMAL:-VERS-SSL3.0:-ARCFOUR-128:-3DES-CBC:-MD5:-RSA:-ANON-DH:-ANON-ECDH",
                "tls_certificate = /etc/exim4/tls/mx.example.org.crt",
                "tls_privatekey = /etc/exim4/tls/mx.example.org.key",
            ],
            opensmtpd: SMTPD_SECURE,
            generic: "Enable TLS 1.2 (and 1.3) with ECDHE-RSA or ECDHE-ECDSA AES-GCM suites, and \
                      serve an RSA (2048 bits or more) or P-256 certificate.",
            check: FixCheck::Lab,
        },
    },
    Entry {
        id: "probe-connections-failed",
        legacy_id: Some("probe_connections_failed"),
        source: FindingSource::Tls,
        severity: Severity::Info,
        severity_note: None,
        title: "Some probe connections did not reach TLS",
        why: "The scan's results may be incomplete: the server limited or dropped some of the \
              probes' connections.",
        attackers: &[],
        references: &["RFC 5321 section 4.5.3.2"],
        fix: Fix::outside_mta("Scan again with a lower rate (`--rate`), or allow the scanner's address \
                      more connections (Postfix `smtpd_client_connection_rate_limit`, Exim \
                      `smtp_accept_max_per_host`).", "a property of the scan, not of the server's security"),
    },
    Entry {
        id: "sslv2",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::Critical,
        severity_note: None,
        title: "SSLv2 accepted",
        why: "SSLv2 is broken; a server that speaks it lets an attacker decrypt even TLS \
              sessions sharing its RSA key (DROWN).",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &["RFC 6176", "CVE-2016-0800"],
        fix: protocols_fix(
            "Disable SSLv2 (any current TLS library has it compiled out: upgrade).",
            FixCheck::NotLab("Debian's OpenSSL 3 and GnuTLS cannot speak SSLv2, so the lab's servers cannot be made to"),
        ),
    },
    Entry {
        id: "sslv3",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::High,
        severity_note: None,
        title: "SSLv3 accepted",
        why: "SSLv3's CBC padding is broken (POODLE): an active attacker who can downgrade a \
              session decrypts it byte by byte.",
        attackers: &[A::ActiveMitm],
        references: &["RFC 7568", "CVE-2014-3566"],
        fix: protocols_fix(
            "Disable SSLv3; allow TLS 1.0 and later (TLS 1.2 and later where every sender can).",
            FixCheck::NotLab("Debian's OpenSSL 3 and GnuTLS are built without SSLv3, so the lab's servers cannot be made to accept it"),
        ),
    },
    Entry {
        id: "no-tls12-or-later",
        legacy_id: Some("no_tls12_or_later"),
        source: FindingSource::Tls,
        severity: Severity::High,
        severity_note: None,
        title: "Neither TLS 1.2 nor TLS 1.3 accepted",
        why: "Only deprecated protocol versions are spoken: current senders cannot connect and \
              fall back to plaintext, and what is negotiated uses broken constructions.",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &["RFC 8996", "RFC 9325 section 3.1.1"],
        fix: protocols_fix(
            "Enable TLS 1.2 and TLS 1.3 (upgrade the TLS library when it has neither).",
            FixCheck::Lab,
        ),
    },
    Entry {
        id: "rc4",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::High,
        severity_note: None,
        title: "RC4 suites accepted",
        why: "RC4's keystream biases let a passive attacker recover plaintext repeated across \
              many sessions.",
        attackers: &[A::Passive],
        references: &["RFC 7465", "CVE-2013-2566", "CVE-2015-2808"],
        fix: suites_fix(
            "Remove every RC4 suite from the server's cipher list.",
            FixCheck::EximOnly("Debian's OpenSSL 3 serves no RC4 suite, not even with the legacy provider, so the lab's Postfix cannot offer one"),
        ),
    },
    Entry {
        id: "sweet32",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::Medium,
        severity_note: None,
        title: "64-bit block cipher suites accepted (SWEET32)",
        why: "3DES (and other 64-bit block ciphers) leak plaintext through birthday collisions \
              in long sessions.",
        attackers: &[A::Passive],
        references: &["CVE-2016-2183", "RFC 9325 section 4.1"],
        fix: suites_fix(
            "Remove 3DES, DES, IDEA and other 64-bit block suites.",
            FixCheck::EximOnly("Debian's OpenSSL 3 has no 3DES suites left, so the lab's Postfix cannot offer them"),
        ),
    },
    Entry {
        id: "export",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::Critical,
        severity_note: None,
        title: "Export-grade suites accepted (FREAK, Logjam)",
        why: "Export suites use 40/56-bit keys or 512-bit key exchange that an active attacker \
              downgrades to and breaks in real time.",
        attackers: &[A::ActiveMitm, A::Passive],
        references: &["CVE-2015-0204", "CVE-2015-4000", "RFC 9325 section 4.1"],
        fix: suites_fix(
            "Remove every EXPORT suite (current TLS libraries have none: upgrade).",
            FixCheck::NotLab("Debian's OpenSSL 3 and GnuTLS have no export suites left, so the lab's servers cannot offer them"),
        ),
    },
    Entry {
        id: "weak-dh",
        legacy_id: Some("weak_dh"),
        source: FindingSource::Tls,
        severity: Severity::Medium,
        severity_note: Some("critical for a 512-bit prime, high for 768, medium for 1024, low otherwise"),
        title: "DHE with a prime under 2048 bits (Logjam class)",
        why: "Finite-field Diffie-Hellman with a small (often shared) prime can be broken by a \
              well-resourced attacker who then reads the sessions it protected.",
        attackers: &[A::Passive, A::ActiveMitm],
        references: &["CVE-2015-4000", "RFC 7919", "RFC 9325 section 4.1"],
        fix: Fix {
            postfix: &["smtpd_tls_dh1024_param_file = auto"],
            exim: &["tls_dhparam = ffdhe2048"],
            opensmtpd: &["smtp ciphers \"ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5\""],
            generic: "Use a 2048-bit (or larger) DH group, preferably the RFC 7919 ffdhe2048 \
                      group, or drop DHE for ECDHE.",
            check: FixCheck::PostfixOnly("Exim on GnuTLS 3.7 ignores a small tls_dhparam and always uses a 2048-bit group, so the weakness cannot be made there"),
        },
    },
    Entry {
        id: "null-cipher",
        legacy_id: Some("null_cipher"),
        source: FindingSource::Tls,
        severity: Severity::Critical,
        severity_note: None,
        title: "NULL-encryption suites accepted",
        why: "A NULL suite authenticates but does not encrypt: a man in the middle who can \
              steer the negotiation makes the mail travel in clear.",
        attackers: &[A::ActiveMitm, A::Passive],
        references: &["RFC 9325 section 4.1"],
        fix: suites_fix("Remove every NULL (eNULL) suite.", SUITES_CHECKED),
    },
    Entry {
        id: "anonymous",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::Medium,
        severity_note: None,
        title: "Anonymous (unauthenticated) suites accepted",
        why: "Anonymous DH suites carry no certificate: any man in the middle completes the \
              handshake in the server's place.",
        attackers: &[A::ActiveMitm, A::Impersonation],
        references: &["RFC 9325 section 4.1", "RFC 7435 section 6"],
        fix: suites_fix(
            "Remove the anonymous (aNULL, ADH, AECDH) suites.",
            FixCheck::PostfixOnly("Exim on GnuTLS does not serve anonymous suites even when its priority string allows them"),
        ),
    },
    Entry {
        id: "no-forward-secrecy",
        legacy_id: Some("no_forward_secrecy"),
        source: FindingSource::Tls,
        severity: Severity::Low,
        severity_note: None,
        title: "Suites without forward secrecy accepted",
        why: "With static RSA key exchange, whoever later obtains the server's private key \
              decrypts every recorded session.",
        attackers: &[A::Passive],
        references: &["RFC 9325 section 4.1", "RFC 7525 section 6.3"],
        fix: suites_fix("Prefer and keep only ECDHE (or DHE) key exchange suites; drop kRSA.", SUITES_CHECKED),
    },
    Entry {
        id: "compression",
        legacy_id: None,
        source: FindingSource::Tls,
        severity: Severity::Medium,
        severity_note: None,
        title: "TLS compression accepted (CRIME)",
        why: "Compression before encryption leaks secrets through the ciphertext's length.",
        attackers: &[A::ActiveMitm, A::Passive],
        references: &["CVE-2012-4929", "RFC 9325 section 3.3"],
        fix: Fix {
            postfix: &["tls_ssl_options = NO_COMPRESSION"],
            exim: &["tls_require_ciphers = NORMAL:-VERS-SSL3.0:-ARCFOUR-128:-3DES-CBC:-MD5:-RSA:-ANON-DH:-ANON-ECDH:-COMP-ALL:+COMP-NULL"],
            opensmtpd: SMTPD_SECURE,
            generic: "Turn TLS compression off (current libraries ship without it: upgrade).",
            check: FixCheck::NotLab("Debian's OpenSSL 3 and GnuTLS are built without TLS compression"),
        },
    },
    Entry {
        id: "no-secure-renegotiation",
        legacy_id: Some("no_secure_renegotiation"),
        source: FindingSource::Tls,
        severity: Severity::Medium,
        severity_note: None,
        title: "No secure renegotiation (RFC 5746)",
        why: "Without the renegotiation_info extension a man in the middle can splice his own \
              prefix onto the sender's session.",
        attackers: &[A::ActiveMitm],
        references: &["RFC 5746", "CVE-2009-3555"],
        fix: Fix::outside_mta("Upgrade the TLS library (every release since 2010 supports RFC 5746).", "a property of old TLS libraries, not a configuration line"),
    },
];
