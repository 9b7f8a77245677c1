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
