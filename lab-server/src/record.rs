//! What the lab writes per session: one JSON object per line (`"kind": "lab-session"`).

use serde::{Deserialize, Serialize};

use super::hello::HelloInfo;
use super::profiles::LabProfile;

/// The record kind tag of a session line.
pub const SESSION_KIND: &str = "lab-session";

/// One SMTP session with the lab.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Always [`SESSION_KIND`].
    pub kind: String,
    /// The profile served on the port (or chosen by the server name, see `profile_rule`).
    pub profile: Option<LabProfile>,
    /// Which rule chose the profile: `port` (`--profile`/`--all`), `listen` (`--listen
    /// ADDR=PROFILE`) or `sni` (`--sni-profile NAME=PROFILE`, the ClientHello's server name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_rule: Option<String>,
    /// Who sent it: the sender's reverse DNS, forward-confirmed (with `--resolver`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<crate::identity::SenderIdentity>,
    /// The sender's autonomous system and country, from `--asn-db` (absent without it, or
    /// when no database covers the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_network: Option<mxray_schema::network::Network>,
    /// The lab's address (`ip:port`).
    pub server: String,
    /// The client's address (`ip:port`).
    pub client: String,
    /// Start, milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// The EHLO (or HELO) name, the last one sent (after TLS if it got that far).
    pub ehlo: Option<String>,
    /// The client used HELO, not EHLO.
    pub helo: bool,
    /// The EHLO reply listed STARTTLS.
    pub starttls_offered: bool,
    /// The client sent STARTTLS.
    pub starttls_tried: bool,
    /// Our reply code to STARTTLS (220, 454, 502).
    pub starttls_reply: Option<u16>,
    /// Bytes the client pipelined after STARTTLS in plaintext (discarded, RFC 3207 4.2).
    pub plaintext_after_starttls: usize,
    /// The ClientHello, parsed before the handshake.
    pub client_hello: Option<HelloInfo>,
    /// Why the ClientHello could not be parsed, when it could not.
    pub client_hello_error: Option<String>,
    /// The handshake, if STARTTLS was answered 220.
    pub tls: Option<TlsResult>,
    /// `injection` profile: what the client did with the reply smuggled after the `220`.
    pub injection: Option<InjectionResult>,
    /// Mail transactions in order.
    pub mails: Vec<MailRecord>,
    /// A message was accepted (`250` after DATA/BDAT LAST).
    pub delivered: bool,
    /// A message was accepted inside TLS.
    pub delivered_tls: bool,
    /// The lab answered something with 4xx (e.g. 454 to STARTTLS) or broke the handshake.
    pub server_temp_failure: bool,
    /// Came back without STARTTLS though it was offered, after a TLS failure of the same
    /// client (IP and EHLO name) on this profile within the fallback window.
    pub plaintext_fallback: bool,
    /// How it ended: `quit`, `closed` (the client closed), `reset` (the client reset the
    /// connection), `timeout`, `tls-failed`, `limit`, `error`, `busy`.
    pub end: String,
    /// Error text, when `end` is `error`.
    pub error: Option<String>,
    /// Timings.
    pub timings: Timings,
}

/// The TLS handshake after STARTTLS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsResult {
    /// `completed`, `client-alert`, `client-closed`, `server-aborted` (the `handshake-fails`
    /// profile), `error`, `timeout`, `not-tls`.
    pub result: String,
    /// Negotiated version, e.g. `TLSv1_3`.
    pub version: Option<String>,
    /// Negotiated suite.
    pub suite: Option<String>,
    /// The alert the client sent (e.g. 48 `unknown_ca`: the client validates).
    pub alert: Option<AlertInfo>,
    /// Error text from rustls, if any.
    pub error: Option<String>,
}

/// A TLS alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertInfo {
    /// Description code.
    pub code: u8,
    /// RFC 8446 name, e.g. `bad_certificate`.
    pub name: String,
}

/// The `injection` profile's observation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InjectionResult {
    /// The client sent its next command before the lab answered its EHLO inside TLS: it took
    /// the plaintext reply smuggled after the `220` as the answer (vulnerable).
    pub client_used_injected_reply: bool,
    /// The client's first command inside TLS, if any.
    pub first_command_in_tls: Option<String>,
    /// What showed it: `early-command` (its next command arrived while the lab held back the
    /// EHLO reply) or `command-after-354` (after DATA it sent a command instead of the body:
    /// it was reading every reply one behind, having taken the smuggled one first).
    pub evidence: Option<String>,
}

/// One MAIL transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecord {
    /// The reverse path as sent (`<>` for null).
    pub mail_from: String,
    /// Recipients accepted.
    pub rcpt_accepted: Vec<String>,
    /// Recipients refused (relaying denied).
    pub rcpt_refused: Vec<String>,
    /// Body size in octets, when a body was accepted.
    pub data_size: Option<usize>,
    /// SHA-256 of the body (hex), when a body was accepted.
    pub data_sha256: Option<String>,
    /// The Message-ID header, if any.
    pub message_id: Option<String>,
    /// Accepted (250 after the body).
    pub accepted: bool,
    /// Inside TLS.
    pub tls: bool,
    /// Maildir file, with `--store`.
    pub stored: Option<String>,
}

/// Milliseconds from the session start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    /// Total duration.
    pub total_ms: u64,
    /// When STARTTLS arrived.
    pub starttls_ms: Option<u64>,
    /// Handshake duration.
    pub handshake_ms: Option<u64>,
    /// When the first message was accepted.
    pub delivered_ms: Option<u64>,
}

/// The RFC 8446 (and older) name of an alert description.
pub fn alert_name(code: u8) -> &'static str {
    match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_json() {
        let r = SessionRecord {
            kind: SESSION_KIND.into(),
            profile: Some(LabProfile::SelfSigned),
            tls: Some(TlsResult {
                result: "client-alert".into(),
                alert: Some(AlertInfo {
                    code: 48,
                    name: alert_name(48).into(),
                }),
                ..TlsResult::default()
            }),
            ..SessionRecord::default()
        };
        let s = serde_json::to_string(&r).unwrap();
        assert!(s.contains("\"profile\":\"self-signed\""), "{s}");
        assert!(s.contains("\"unknown_ca\""), "{s}");
        let back: SessionRecord = serde_json::from_str(&s).unwrap();
        assert!(
            !s.contains("profile_rule") && !s.contains("\"sender\""),
            "absent new fields are not written: {s}"
        );
        assert_eq!(back.tls.unwrap().alert.unwrap().code, 48);
        assert_eq!(alert_name(42), "bad_certificate");
        assert_eq!(alert_name(255), "unknown");
    }

    proptest::proptest! {
        #[test]
        fn json_round_trip(
            ehlo in proptest::option::of("\\PC{0,40}"),
            client in "\\PC{0,30}",
            code in proptest::prelude::any::<u8>(),
            sizes in proptest::collection::vec(proptest::prelude::any::<usize>(), 0..4),
            delivered in proptest::prelude::any::<bool>(),
            rule in proptest::option::of("[a-z]{1,8}"),
            ptr in proptest::option::of("\\PC{0,40}"),
            confirmed in proptest::prelude::any::<bool>(),
        ) {
            let r = SessionRecord {
                kind: SESSION_KIND.into(),
                profile: Some(LabProfile::Injection),
                profile_rule: rule,
                sender: Some(crate::identity::SenderIdentity {
                    ptr,
                    forward_confirmed: confirmed,
                    error: None,
                }),
                client,
                ehlo,
                delivered,
                tls: Some(TlsResult {
                    result: "client-alert".into(),
                    alert: Some(AlertInfo { code, name: alert_name(code).into() }),
                    ..TlsResult::default()
                }),
                mails: sizes
                    .into_iter()
                    .map(|n| MailRecord { data_size: Some(n), ..MailRecord::default() })
                    .collect(),
                ..SessionRecord::default()
            };
            let s = serde_json::to_string(&r).unwrap();
            let back: SessionRecord = serde_json::from_str(&s).unwrap();
            proptest::prop_assert_eq!(back, r);
        }
    }
}
