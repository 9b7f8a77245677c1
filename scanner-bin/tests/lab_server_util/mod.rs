//! Shared by the `lab_server_*` tests: start `mxray lab` on free loopback ports, read its log,
//! check that the real sending clients exist. Loopback only.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mxray_lab::record::SessionRecord;
use mxray_lab::summary::{read_log, table, Table};
use mxray_lab::LabProfile;

#[path = "../scratch/mod.rs"]
mod scratch;

/// These tests drive real senders; they need the lab environment.
pub fn require_lab() {
    if std::env::var_os("MXRAY_LAB").is_none() {
        panic!(
            "MXRAY_LAB is not set: run scripts/test.sh, which starts the lab \
             (these tests drive real senders: postfix, swaks, curl, python3)"
        );
    }
}

/// Fails loudly when a tool is missing.
pub fn require_tool(tool: &str) {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "missing tool {tool}: install the Debian packages postfix swaks curl python3"
    );
}

/// `n` distinct free loopback ports: every listener is held until all are bound, so the kernel
/// cannot hand out one port twice (two single binds once did, and the lab refused "port given
/// twice"). Another process may still take one before the lab binds it: [`Lab::start`] retries.
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    held.iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

/// A running `mxray lab`.
pub struct Lab {
    child: Child,
    /// Removed after the lab is stopped (fields drop after `Drop::drop`), kept when the test
    /// is panicking.
    scratch: scratch::Scratch,
    /// Scratch directory of this lab.
    pub dir: PathBuf,
    /// The JSON Lines log.
    pub log: PathBuf,
    /// The lab CA certificate.
    pub ca: PathBuf,
    ports: Vec<(LabProfile, u16)>,
}

/// Spawns `cmd`, an `mxray lab` command line (stdout discarded, stderr echoed as `[lab] ...`),
/// and waits up to `timeout` for it to say `mxray lab: ready`. Returns the child and whether it
/// did; the caller decides what a lab that is not ready means (and kills it).
pub fn spawn_until_ready(mut cmd: Command, timeout: Duration) -> (Child, bool) {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start mxray lab");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("mxray lab: ready") {
                let _ = tx.send(());
            }
            eprintln!("[lab] {line}");
        }
    });
    let ready = rx.recv_timeout(timeout).is_ok();
    (child, ready)
}

impl Lab {
    /// Starts the lab serving `profiles`, each on a free port.
    pub fn start(profiles: &[LabProfile], extra: &[&str]) -> Lab {
        let scratch = scratch::tempdir("lab");
        let dir = scratch.to_path_buf();
        let log = dir.join("log.jsonl");
        let state = dir.join("state");
        // Three tries: a lab that exits before it is ready lost a port to another process.
        let mut tries = 0;
        let (child, ports) = loop {
            tries += 1;
            let ports: Vec<(LabProfile, u16)> = profiles
                .iter()
                .copied()
                .zip(free_ports(profiles.len()))
                .collect();
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_mxray"));
            cmd.arg("lab")
                .arg("--state")
                .arg(&state)
                .arg("--log")
                .arg(&log)
                .args(["--tarpit-interval", "20ms"]);
            if !extra.contains(&"--idle-timeout") {
                cmd.args(["--idle-timeout", "20s"]);
            }
            for (p, port) in &ports {
                cmd.arg("--profile").arg(format!("{}={port}", p.name()));
            }
            cmd.args(extra);
            let started = Instant::now();
            let (mut child, ready) = spawn_until_ready(cmd, Duration::from_secs(60));
            if ready {
                break (child, ports);
            }
            let _ = child.kill();
            let status = child.wait().unwrap();
            // A lab that hung is not retried; one that exited at once is, twice.
            let exited_early = started.elapsed() < Duration::from_secs(60);
            assert!(
                exited_early && tries < 3,
                "mxray lab never said ready (try {tries}: {status} after {:?}; its stderr is above)",
                started.elapsed()
            );
        };
        Lab {
            child,
            scratch,
            dir: dir.clone(),
            log,
            ca: state.join("lab-ca.pem"),
            ports,
        }
    }

    /// The port of a profile.
    pub fn port(&self, p: LabProfile) -> u16 {
        self.ports.iter().find(|(q, _)| *q == p).unwrap().1
    }

    /// Every port of a profile (a profile given twice to `start` listens on two).
    pub fn ports_of(&self, p: LabProfile) -> Vec<u16> {
        self.ports
            .iter()
            .filter(|(q, _)| *q == p)
            .map(|(_, port)| *port)
            .collect()
    }

    /// Sends `signal` (`-HUP`, `-TERM`...) to the lab and waits (at most 10 s) for its exit.
    pub fn stop_with(&mut self, signal: &str) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(sent.success());
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < end, "the lab did not stop after {signal}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every session record so far.
    pub fn records(&self) -> Vec<SessionRecord> {
        if !self.log.exists() {
            return Vec::new();
        }
        read_log(&self.log).unwrap().0
    }

    /// Waits until a session of `ehlo` on `profile` is logged (the server writes it when the
    /// session ends); returns those sessions.
    pub fn wait_session(
        &self,
        ehlo: &str,
        profile: LabProfile,
        timeout: Duration,
    ) -> Vec<SessionRecord> {
        let end = Instant::now() + timeout;
        loop {
            let mine: Vec<SessionRecord> = self
                .records()
                .into_iter()
                .filter(|r| r.ehlo.as_deref() == Some(ehlo) && r.profile == Some(profile))
                .collect();
            if !mine.is_empty() {
                return mine;
            }
            assert!(
                Instant::now() < end,
                "no session of {ehlo} on {profile} logged within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The sender-behaviour table of the log.
    pub fn table(&self) -> Table {
        table(&self.records())
    }

    /// `mxray lab summary LOG` output.
    pub fn summary_text(&self) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
            .arg("lab")
            .arg("summary")
            .arg(&self.log)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The cell of `client` (EHLO name) on `profile`.
pub fn cell(t: &Table, client: &str, p: LabProfile) -> String {
    t.get(&format!("{client} ["), p)
        .unwrap_or("no-attempt")
        .to_owned()
}
