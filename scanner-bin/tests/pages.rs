//! The running binary has transparent huge pages off for its own process (`pages.rs`): checked
//! in `/proc/<pid>/status` of an `mxray scan` that waits on a silent server.
#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Behaviour, TestServer};

use std::process::Stdio;
use std::time::{Duration, Instant};

/// The `THP_enabled:` value of process `pid`, as the kernel reports it.
fn thp_enabled(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("THP_enabled:"))
        .unwrap_or_else(|| panic!("no THP_enabled line in /proc/{pid}/status:\n{status}"));
    line["THP_enabled:".len()..].trim().to_owned()
}

#[test]
fn a_scanning_process_has_transparent_huge_pages_off() {
    // This test process itself has them on (the kernel's default for a process), so a binary
    // that did nothing would read "1" below.
    assert_eq!(
        thp_enabled(std::process::id()),
        "1",
        "the test runs with transparent huge pages already off (inherited from a parent that \
         set PR_SET_THP_DISABLE), so it cannot tell whether mxray turns them off"
    );
    let srv = TestServer::start(Behaviour::Silent);
    let mut child = common::mxray()
        .args(["scan", &srv.target(), "--tls-mode", "starttls"])
        .args(["--read-timeout", "20s", "--quiet", "-o", "/dev/null"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The scan has connected (so `main` has run) once the server has accepted.
    let start = Instant::now();
    while srv.accepted() == 0 {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("mxray never connected to {}", srv.target());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen = thp_enabled(child.id());
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(seen, "0", "mxray scan runs with transparent huge pages on");
}
