//! `mxray scan` against small servers on 127.0.0.1.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use mxray_schema::record::{AttemptOutcome, ErrorKind, Phase, Status};

#[test]
fn records_the_banner_and_sends_quit() {
    let srv = TestServer::start(Behaviour::Banner("220 test.local ESMTP ready\r\n"));
    let out = scan(&[&srv.target(), "--quiet"]);
    let r = one_record(&out);
    assert_eq!(r.status, Status::Completed);
    assert_eq!(r.ip, Some(srv.addr.ip()));
    assert_eq!(r.port, srv.addr.port());
    let b = r.banner.as_ref().unwrap();
    assert_eq!(b.code, Some(220));
    assert_eq!(b.text, "220 test.local ESMTP ready\r\n");
    assert!(b.complete);
    assert_eq!(r.attempts.len(), 1);
    assert_eq!(r.attempts[0].outcome, AttemptOutcome::Ok);
    assert!(r.timings.connect_ms.is_some() && r.timings.banner_ms.is_some());
    // EHLO without STARTTLS: recorded as such, no TLS attempted.
    assert_eq!(
        r.starttls.as_ref().unwrap().outcome,
        mxray_schema::record::StarttlsOutcome::NotOffered
    );
    assert_eq!(r.ehlo.as_ref().unwrap().capabilities, vec!["8BITMIME"]);
    assert!(r.tls.is_none());
    assert_eq!(r.findings[0].id, "starttls-not-offered");
    // The server saw our QUIT.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(srv.quits.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn multi_line_greeting_and_rejecting_greeting() {
    let multi = TestServer::start(Behaviour::Banner("220-first\r\n220 second\r\n"));
    let reject = TestServer::start(Behaviour::Banner("554 no service here\r\n"));
    let out = scan(&[
        &multi.target(),
        &reject.target(),
        "--quiet",
        "--concurrency",
        "1",
    ]);
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 2);
    let m = recs.iter().find(|r| r.port == multi.addr.port()).unwrap();
    assert_eq!(
        m.banner.as_ref().unwrap().text,
        "220-first\r\n220 second\r\n"
    );
    assert_eq!(m.status, Status::Completed);
    let r = recs.iter().find(|r| r.port == reject.addr.port()).unwrap();
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().kind, ErrorKind::GreetingRejected);
    assert_eq!(r.banner.as_ref().unwrap().code, Some(554));
}

#[test]
fn retries_after_421_and_records_the_attempts() {
    let srv = TestServer::start(Behaviour::BusyThen(1));
    let out = scan(&[&srv.target(), "--quiet"]);
    let recs = stdout_records(&out);
    let r = &recs[0];
    assert_eq!(r.status, Status::Completed);
    let outcomes: Vec<_> = r.attempts.iter().map(|a| a.outcome).collect();
    assert_eq!(outcomes, vec![AttemptOutcome::Busy421, AttemptOutcome::Ok]);
    assert!(
        r.attempts[1].waited_ms >= 50,
        "backoff recorded: {:?}",
        r.attempts
    );
    assert_eq!(r.banner.as_ref().unwrap().code, Some(220));
    assert_eq!(srv.accepted(), 2);
}

#[test]
fn persistent_421_is_busy_not_missing_starttls() {
    let srv = TestServer::start(Behaviour::BusyThen(usize::MAX));
    let out = scan(&[&srv.target(), "--quiet", "--retries", "2"]);
    let r = &stdout_records(&out)[0];
    assert_eq!(r.status, Status::Failed);
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.kind, e.phase), (ErrorKind::Busy421, Phase::Banner));
    assert_eq!(r.attempts.len(), 3);
    assert!(r
        .attempts
        .iter()
        .all(|a| a.outcome == AttemptOutcome::Busy421));
    // Exponential backoff: 50 ms then 100 ms.
    assert_eq!(r.attempts[1].waited_ms / 10, 5);
    assert_eq!(r.attempts[2].waited_ms / 10, 10);
    assert!(r.starttls.is_none());
    assert_eq!(srv.accepted(), 3);
}

#[test]
fn refused_port_is_typed_and_retried() {
    let addr = closed_port();
    let out = scan(&[&addr.to_string(), "--quiet", "--retries", "1"]);
    let r = &stdout_records(&out)[0];
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.kind, e.phase),
        (ErrorKind::ConnectRefused, Phase::Connect)
    );
    assert_eq!(r.attempts.len(), 2);
    assert!(r.banner.is_none());
}

#[test]
fn silent_server_times_out_in_the_banner_phase() {
    let srv = TestServer::start(Behaviour::Silent);
    let t = Instant::now();
    let out = scan(&[&srv.target(), "--quiet", "--read-timeout", "300ms"]);
    assert!(t.elapsed() < Duration::from_secs(5));
    let r = &stdout_records(&out)[0];
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.kind, e.phase), (ErrorKind::Timeout, Phase::Banner));
    assert!(r.banner.is_none());
    assert_eq!(r.attempts.len(), 1, "timeouts are not retried");
}

#[test]
fn trickling_server_cannot_hold_the_scanner() {
    let srv = TestServer::start(Behaviour::Trickle(Duration::from_millis(50)));
    let t = Instant::now();
    let out = scan(&[&srv.target(), "--quiet", "--read-timeout", "600ms"]);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    let r = &stdout_records(&out)[0];
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.kind, e.phase), (ErrorKind::Timeout, Phase::Banner));
    let b = r.banner.as_ref().unwrap();
    assert!(!b.complete);
    assert!(b.text.starts_with("220 x"), "{b:?}");
}

#[test]
fn endpoint_deadline_caps_every_phase() {
    let srv = TestServer::start(Behaviour::Silent);
    let out = scan(&[
        &srv.target(),
        "--quiet",
        "--read-timeout",
        "30s",
        "--endpoint-timeout",
        "400ms",
    ]);
    let r = &stdout_records(&out)[0];
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.kind, e.phase), (ErrorKind::Timeout, Phase::Endpoint));
    assert!(r.timings.total_ms < 2000);
}

#[test]
fn records_are_flushed_as_each_endpoint_finishes() {
    let fast = TestServer::start(Behaviour::Banner("220 fast\r\n"));
    let slow = TestServer::start(Behaviour::SlowBanner(Duration::from_secs(4)));
    let dir = tempdir("flush");
    let out = dir.join("out.jsonl");
    let mut child = mxray()
        .args(["scan", "--quiet", "--per-ip-rate", "100", "-o"])
        .arg(&out)
        .args([slow.target(), fast.target()])
        .spawn()
        .unwrap();
    let t = Instant::now();
    let mut seen = Vec::new();
    while t.elapsed() < Duration::from_secs(3) {
        seen = records(&read(&out));
        if !seen.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(child.try_wait().unwrap().is_none(), "scan still running");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].port, fast.addr.port());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let all = records(&read(&out));
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].port, slow.addr.port());
    assert_eq!(all[1].status, Status::Completed);
}

#[test]
fn resume_skips_recorded_endpoints_and_appends() {
    let a = TestServer::start(Behaviour::Banner("220 a\r\n"));
    let b = TestServer::start(Behaviour::Banner("220 b\r\n"));
    let dir = tempdir("resume");
    let out = dir.join("out.jsonl");
    let o = scan(&["--quiet", "-o", out.to_str().unwrap(), &a.target()]);
    assert_eq!(o.status.code(), Some(0));
    // Simulate a run killed mid-write: a truncated last line.
    let mut f = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
    f.write_all(br#"{"schema_version":1,"target":"x","ip":"127.0.0.1","po"#)
        .unwrap();
    drop(f);
    let o = scan(&[
        "--resume",
        out.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        &a.target(),
        &b.target(),
    ]);
    assert_exit_ok(&o);
    assert_eq!(a.accepted(), 1, "a was not scanned again");
    assert_eq!(b.accepted(), 1);
    let text = read(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "the torn line is cut, not left mid-file: {text}"
    );
    let recs = records(&text);
    assert_eq!(recs[1].port, b.addr.port());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 already done (resume)"), "{err}");
    assert!(err.contains("cut a torn last line"), "{err}");
    // The file stays valid: a later resume works and adds nothing.
    let o = scan(&[
        "--resume",
        out.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        &a.target(),
        &b.target(),
    ]);
    assert_exit_ok(&o);
    assert_eq!(read(&out), text);
    assert_eq!((a.accepted(), b.accepted()), (1, 1));
}

#[test]
fn shards_cover_every_address_exactly_once() {
    let closed = closed_port();
    let mut all = Vec::new();
    for i in 0..3 {
        let out = scan(&[
            "--quiet",
            "--retries",
            "0",
            "--port",
            &closed.port().to_string(),
            "--shard",
            &format!("{i}/3"),
            // Away from 127.0.0.1..5, where other tests' servers listen.
            "127.0.1.0/26",
        ]);
        assert_eq!(out.status.code(), Some(0));
        let recs = stdout_records(&out);
        assert!(
            !recs.is_empty() && recs.len() < 64,
            "shard {i} has {} of 64",
            recs.len()
        );
        all.extend(recs.into_iter().map(|r| r.ip.unwrap()));
    }
    all.sort();
    let want: Vec<std::net::IpAddr> = (0..64u8)
        .map(|i| std::net::IpAddr::from([127, 0, 1, i]))
        .collect();
    assert_eq!(all, want);
}

#[test]
fn excluded_addresses_are_never_contacted() {
    let srv = TestServer::start(Behaviour::Banner("220 x\r\n"));
    let dir = tempdir("exclude");
    let ex = dir.join("blocklist.txt");
    std::fs::write(&ex, "# lab\n127.0.0.1/32 # this host\n").unwrap();
    let closed = closed_port().port().to_string();
    let out = scan(&[
        "--exclude-file",
        ex.to_str().unwrap(),
        "--retries",
        "0",
        "--port",
        &closed,
        &srv.target(),
        "127.0.0.0/30",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let recs = stdout_records(&out);
    assert!(recs.iter().all(|r| r.ip != Some(srv.addr.ip())));
    let out2 = scan(&["--quiet", "--exclude", "127.0.0.0/8", &srv.target()]);
    assert!(stdout_records(&out2).is_empty());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(srv.accepted(), 0);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("2 excluded"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sigint_keeps_finished_records_and_exits_130() {
    signal_keeps_finished_records_and_exits_130("-INT", "sigint");
}

/// A closed terminal (SIGHUP) stops the scan like SIGTERM, instead of killing it.
#[test]
fn sighup_keeps_finished_records_and_exits_130() {
    signal_keeps_finished_records_and_exits_130("-HUP", "sighup");
}

#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
fn signal_keeps_finished_records_and_exits_130(signal: &str, dir_name: &str) {
    let fast = TestServer::start(Behaviour::Banner("220 fast\r\n"));
    let silent = TestServer::start(Behaviour::Silent);
    let dir = tempdir(dir_name);
    let out = dir.join("out.jsonl");
    let mut child = mxray()
        .args([
            "scan",
            "--quiet",
            "--per-ip-rate",
            "100",
            "--grace",
            "300ms",
            "--read-timeout",
            "60s",
            "-o",
        ])
        .arg(&out)
        .args([fast.target(), silent.target()])
        .spawn()
        .unwrap();
    let t = Instant::now();
    while records(&read(&out)).is_empty() && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Give the silent endpoint time to connect.
    while silent.accepted() == 0 && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    let k = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    assert!(k.success());
    let t = Instant::now();
    let status = child.wait().unwrap();
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(status.code(), Some(130));
    let recs = records(&read(&out));
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].port, fast.addr.port());
    assert_eq!(recs[0].status, Status::Completed);
    assert_eq!(recs[1].port, silent.addr.port());
    assert_eq!(recs[1].status, Status::Interrupted);
    assert_eq!(recs[1].error.as_ref().unwrap().kind, ErrorKind::Interrupted);
    // What was seen before the stop is kept: it had connected and was waiting for the greeting.
    assert!(recs[1].timings.connect_ms.is_some());
    let outcomes: Vec<_> = recs[1].attempts.iter().map(|a| a.outcome).collect();
    assert_eq!(outcomes, vec![AttemptOutcome::Interrupted]);
}

#[test]
fn a_scan_without_targets_fails_and_says_so() {
    let out = scan(&["--quiet"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no targets"), "{err}");
    // A list with comments only is no better.
    let dir = tempdir("notargets");
    let list = dir.join("list.txt");
    std::fs::write(&list, "# nothing yet\n\n").unwrap();
    let out = scan(&["--quiet", "--targets-file", list.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no targets"));
    let out = output_with_stdin(
        mxray()
            .args(["scan", "--quiet", "-"])
            .stderr(Stdio::piped()),
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no targets"));
}

#[test]
fn a_scan_to_a_closed_stdout_fails_and_says_so() {
    let srv = TestServer::start(Behaviour::Banner("220 x\r\n"));
    // `>&-`: stdout closed (Rust's stdout would drop the records silently).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" scan --quiet --per-ip-rate 1000 \"$1\" >&-")
        .arg(env!("CARGO_BIN_EXE_mxray"))
        .arg(srv.target())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdout is closed"), "{err}");
    assert_eq!(srv.accepted(), 0, "nothing is scanned without an output");
}

#[test]
fn bad_target_line_stops_the_streamed_scan_there_keeping_earlier_records() {
    let srv = TestServer::start(Behaviour::Banner("220 x\r\n"));
    let dir = tempdir("badline");
    let list = dir.join("targets.txt");
    std::fs::write(
        &list,
        format!("{}\n# comment\nnot a target\n", srv.target()),
    )
    .unwrap();
    let out = scan(&["--targets-file", list.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("targets.txt:3: \"not a target\": invalid name")
            && err.contains("records written before it are kept"),
        "{err}"
    );
    // The list is read once, as a stream: the target before the bad line was scanned and its
    // record is kept.
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0].port, srv.addr.port());

    let missing = dir.join("nope.txt");
    let out = scan(&["--targets-file", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot open targets file") && err.contains("nope.txt"),
        "{err}"
    );

    let out = scan(&["192.0.2.0/7"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-large"));
}

#[test]
fn reads_zmap_output_from_stdin() {
    let srv = TestServer::start(Behaviour::Banner("220 zmap\r\n"));
    let out = output_with_stdin(
        mxray().args([
            "scan",
            "--quiet",
            "--per-ip-rate",
            "100",
            "--port",
            &srv.addr.port().to_string(),
            "-",
        ]),
        b"saddr\n127.0.0.1\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].banner.as_ref().unwrap().text, "220 zmap\r\n");
}

#[test]
fn help_documents_exit_codes_and_only_real_subcommands() {
    let out = mxray().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("130"), "{help}");
    assert!(help.contains("scan"));
    for sub in ["scan", "probe", "report", "lab"] {
        assert!(help.contains(sub), "{sub} missing from --help");
    }
    let out = mxray().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--targets-file",
        "--resolver",
        "--exclude-file",
        "--shard",
        "--resume",
        "--per-ip-rate",
        "--endpoint-timeout",
        "--tls-mode",
        "--ca-file",
        "Exit codes",
    ] {
        assert!(help.contains(opt), "{opt} missing");
    }
}

#[test]
fn per_ip_rate_limit_spaces_connections() {
    // Three endpoints on one address (an endpoint given three times is scanned once).
    let srvs: Vec<TestServer> = (0..3)
        .map(|_| TestServer::start(Behaviour::Banner("220 rate\r\n")))
        .collect();
    let (t0, t1, t2) = (srvs[0].target(), srvs[1].target(), srvs[2].target());
    let start = Instant::now();
    // Overrides the helper's generous defaults: 5 connections/s, no burst.
    let out = mxray()
        .args([
            "scan",
            "--quiet",
            "--per-ip-rate",
            "5",
            "--per-ip-burst",
            "1",
        ])
        .args(["--concurrency", "3", &t0, &t1, &t2])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 3);
    let mut waits: Vec<u64> = recs.iter().map(|r| r.attempts[0].waited_ms).collect();
    waits.sort_unstable();
    assert!(waits[0] < 100, "{waits:?}");
    // Reservations are spaced by 200 ms; a late reservation waits less, never more.
    assert!((100..=200).contains(&waits[1]), "{waits:?}");
    assert!((300..=400).contains(&waits[2]), "{waits:?}");
    assert!(start.elapsed() >= Duration::from_millis(380));
}

#[test]
fn unwritable_output_and_bad_resume_file_are_fatal() {
    let dir = tempdir("badout");
    let out = scan(&[
        "-o",
        dir.join("no/such/dir/out.jsonl").to_str().unwrap(),
        "127.0.0.1:1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/dir/out.jsonl"));

    let resume = dir.join("resume.jsonl");
    std::fs::write(&resume, "this is not json\n{}\n").unwrap();
    let out = scan(&["--resume", resume.to_str().unwrap(), "127.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("resume.jsonl:1: not an mxray record"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_stdin_line_stops_the_scan_with_its_line_number() {
    let out = output_with_stdin(
        mxray()
            .args(["scan", "--quiet", "-"])
            .stderr(Stdio::piped()),
        b"# list\n999.1.2.3:25\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>:2: \"999.1.2.3:25\""), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn the_profile_cost_is_told_up_front_and_an_explicit_deadline_that_cuts_it_is_flagged() {
    // Excluded: no packet is sent; only the start-up message runs.
    let run = |profile: &str, rate: &str, extra: &[&str]| {
        let out = mxray()
            .args(["scan", "--profile", profile, "--exclude", "127.0.0.0/8"])
            .args(["--per-ip-rate", rate])
            .args(extra)
            .arg("127.0.0.1:1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Full at 1/s (burst 2): 198 s of pacing, and a deadline derived from it (not 120 s).
    let slow = run("full", "1", &[]);
    assert!(
        slow.contains("profile full: up to ~200 connections per endpoint"),
        "{slow}"
    );
    assert!(slow.contains("~198 s of pacing"), "{slow}");
    assert!(slow.contains("endpoint deadline 294 s"), "{slow}");
    assert!(!slow.contains("partial"), "{slow}");
    // An explicit --endpoint-timeout caps it, and the user is told what that means.
    let capped = run("full", "1", &["--endpoint-timeout", "120s"]);
    assert!(capped.contains("endpoint deadline 120 s"), "{capped}");
    assert!(capped.contains("partial"), "{capped}");
    // The default profile is told too.
    let standard = run("standard", "100", &[]);
    assert!(
        standard.contains("profile standard: up to ~8 connections"),
        "{standard}"
    );
    // --quiet: nothing.
    assert!(!run("full", "1", &["--quiet"]).contains("profile full"));
}

#[test]
fn targets_file_that_is_a_pipe_is_read_once_and_scanned() {
    let srv = TestServer::start(Behaviour::Banner("220 piped\r\n"));
    let out = output_with_stdin(
        mxray().args([
            "scan",
            "--quiet",
            "--per-ip-rate",
            "100",
            "--targets-file",
            "/dev/stdin",
        ]),
        format!("{}\n", srv.target()).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 1, "the piped list was scanned");
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn scan_output_never_destroys_an_input_or_an_existing_result() {
    let srv = TestServer::start(Behaviour::Banner("220 x\r\n"));
    let dir = tempdir("noclobber");
    let list = dir.join("t.txt");
    let list_text = format!("{}\n", srv.target());
    std::fs::write(&list, &list_text).unwrap();
    let link = dir.join("link.txt");
    std::fs::hard_link(&list, &link).unwrap();
    for out in [&list, &link] {
        let o = scan(&[
            "--targets-file",
            list.to_str().unwrap(),
            "--force",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("is the input"), "{err}");
        assert_eq!(read(&list), list_text, "the targets file is intact");
    }
    assert_eq!(srv.accepted(), 0);

    let out = dir.join("out.jsonl");
    std::fs::write(&out, "{\"earlier\":\"result\"}\n").unwrap();
    let o = scan(&["-o", out.to_str().unwrap(), &srv.target()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(read(&out), "{\"earlier\":\"result\"}\n");
    assert_eq!(srv.accepted(), 0);

    let o = scan(&["--force", "-o", out.to_str().unwrap(), &srv.target()]);
    assert_exit_ok(&o);
    assert_eq!(records(&read(&out)).len(), 1);
}
