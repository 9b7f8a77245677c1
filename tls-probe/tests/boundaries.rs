//! Small accessors pinned (found by mutation testing, see docs/TESTING.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use tls_probe::plan::suites::HelloCounts;

#[test]
fn connections_count_every_hello_but_the_seeded_picks() {
    let mut h = HelloCounts::default();
    assert_eq!(h.connections(), 0);
    h.seeded = 5;
    assert_eq!(h.connections(), 0, "seeded picks cost no connection");
    h.picked = 7;
    h.refused = 2;
    h.order = 3;
    assert_eq!(h.connections(), 12);
    h.refused = u32::MAX;
    assert_eq!(h.connections(), u32::MAX, "saturates");
}

/// A probe that never ends on its own (a bug, or a mutant) is ended by the plan at
/// `MAX_PLAN_HELLOS` hellos exactly, and says so.
#[test]
fn every_plan_ends_at_the_hello_backstop() {
    use tls_probe::flight::ServerFlight;
    use tls_probe::plan::{Plan, Probe, MAX_PLAN_HELLOS};
    struct Endless(u32);
    impl Probe for Endless {
        type Output = u32;
        fn next(&mut self, _answer: Option<ServerFlight>) -> Option<Vec<u8>> {
            self.0 += 1;
            Some(vec![22])
        }
        fn output(&self) -> u32 {
            self.0
        }
    }
    let mut plan = Plan::new(Endless(0));
    let mut sent = 0u32;
    while plan.next_hello().is_some() {
        sent += 1;
        assert!(sent <= MAX_PLAN_HELLOS, "past the backstop");
        plan.feed_eof();
    }
    assert_eq!(sent, MAX_PLAN_HELLOS);
    assert_eq!(plan.handshakes(), MAX_PLAN_HELLOS);
    assert!(plan.hit_hello_limit() && plan.is_finished());
    assert_eq!(plan.next_hello(), None, "stays ended");
}

/// The backstop never cuts a plan that keeps its own bound: the suite scan of every version.
#[test]
fn the_suite_scan_budget_fits_under_the_backstop() {
    use tls_probe::plan::suites::SuiteScanConfig;
    use tls_probe::plan::{versions::VersionProbe, Plan, MAX_PLAN_HELLOS};
    use tls_probe::Version;
    let cfg = SuiteScanConfig {
        versions: vec![
            Version::Tls13,
            Version::Tls12,
            Version::Tls11,
            Version::Tls10,
            Version::Ssl3,
        ],
        ..SuiteScanConfig::default()
    };
    assert!(cfg.hello_cap() < MAX_PLAN_HELLOS, "{}", cfg.hello_cap());
    let mut plan = Plan::new(VersionProbe::new(Default::default()));
    while plan.next_hello().is_some() {
        plan.feed_eof();
    }
    assert!(!plan.hit_hello_limit());
}

/// SSLv2 counts as supported only for a SERVER-HELLO of version 2 that lists cipher specs.
#[test]
fn sslv2_needs_version_2_and_a_cipher_spec() {
    use tls_probe::flight::FlightParser;
    use tls_probe::plan::versions::version_answer;
    use tls_probe::Version;
    let answer = |version: u16, specs: &[u8]| {
        // SERVER-HELLO: type 4, session-id hit 0, certificate type 1, version, certificate
        // length 2, cipher-specs length, connection-id length 0, certificate, specs.
        let mut body = vec![4u8, 0, 1];
        body.extend_from_slice(&version.to_be_bytes());
        body.extend_from_slice(&[0, 2]);
        body.extend_from_slice(&(specs.len() as u16).to_be_bytes());
        body.extend_from_slice(&[0, 0, 0xde, 0xad]);
        body.extend_from_slice(specs);
        let mut msg = vec![0x80, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut p = FlightParser::new();
        p.feed(&msg);
        p.feed_eof();
        version_answer(Version::Ssl2, &p.into_flight())
    };
    let v = answer(2, &[1, 0, 0x80]);
    assert!(v.supported, "{v:?}");
    assert_eq!(v.sslv2_cipher_specs, vec![0x010080]);
    assert!(!answer(2, &[]).supported, "no cipher spec");
    assert!(!answer(3, &[1, 0, 0x80]).supported, "not version 2");
}

/// A plan is not finished until `next_hello` says so, and after `feed_eof` the attempt is over:
/// bytes fed later do not reopen it.
#[test]
fn the_end_of_an_attempt_and_of_a_plan() {
    use tls_probe::plan::{versions::VersionProbe, Plan};
    let mut plan = Plan::new(VersionProbe::new(Default::default()));
    assert!(!plan.is_finished());
    assert!(plan.next_hello().is_some());
    assert!(!plan.is_finished());
    assert!(
        !plan.feed(&[22, 3]),
        "half a record header: the attempt goes on"
    );
    plan.feed_eof();
    assert!(plan.feed(&[3]), "after EOF the attempt is over");
    while plan.next_hello().is_some() {
        plan.feed_eof();
    }
    assert!(plan.is_finished());
}
