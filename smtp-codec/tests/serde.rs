//! `serde` feature: the session transcript and outcome serialize to readable JSON.
#![cfg(feature = "serde")]
// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smtp_codec::{ClientSession, SessionConfig, Step};

#[test]
fn transcript_and_outcome_as_json() {
    let mut s = ClientSession::new(SessionConfig::new("scanner.example.org"));
    s.feed(b"220 mx ESMTP \xff\r\n");
    assert!(matches!(s.poll(), Step::Send(_)));
    s.feed(b"250-mx\r\n250-SIZE 1000\r\n250 XXXXXXXA\r\n");
    let Step::Send(quit) = s.poll() else { panic!() };
    assert_eq!(quit, b"QUIT\r\n");
    let Step::Done(outcome) = s.poll() else {
        panic!()
    };

    let o = serde_json::to_value(&outcome).unwrap();
    assert_eq!(
        o,
        serde_json::json!({"outcome": "start_tls_stripped", "masked": ["XXXXXXXA"]})
    );

    let t = serde_json::to_value(s.transcript()).unwrap();
    assert_eq!(
        t["banner"],
        serde_json::json!({"code": 220, "enhanced_status": null, "lines": ["mx ESMTP \u{fffd}"]})
    );
    assert_eq!(t["ehlo"]["domain"], "mx");
    assert_eq!(
        t["ehlo"]["capabilities"],
        serde_json::json!([{"size": 1000}, {"stripped": "XXXXXXXA"}])
    );
    assert_eq!(
        t["events"][1],
        serde_json::json!({"event": "sent", "phase": "ehlo", "bytes": "EHLO scanner.example.org\r\n"})
    );
    assert_eq!(t["plaintext_after_starttls"], serde_json::Value::Null);
}
