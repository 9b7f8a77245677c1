//! The browser check: the HTML report of the synthetic fixture, rendered in headless Chromium by
//! `scripts/html-check.sh`, loads without any console message and shows its SVG charts; the
//! screenshot is kept as `<target dir>/report-screenshot.png`. The check itself is tested on
//! pages that must fail it (a script error; a blocked network request).
//!
//! Needs Debian's `chromium` (installed by `lab/install.sh`); fails loudly when it is missing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use mxray_report::aggregate::Aggregate;
use mxray_report::input::{read_into, MAX_LINE_BYTES};
use mxray_report::tables::build;
use mxray_report::{render, Format};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/html-check.sh")
}

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// Runs the check; returns (exit code, stdout + stderr).
fn check(html: &Path, shot: &Path, expect: &str) -> (i32, String) {
    let out = Command::new("bash")
        .arg(script())
        .arg(html)
        .arg(shot)
        .env("HTML_CHECK_EXPECT", expect)
        .output()
        .expect("run scripts/html-check.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code, 2,
        "chromium is missing or unusable: install it (apt-get install -y chromium; lab/install.sh does)\n{text}"
    );
    (code, text)
}

#[test]
fn fixture_report_renders_in_chromium_without_console_errors() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scanner-bin/tests/fixtures/report/synthetic.jsonl");
    let mut a = Aggregate::default();
    let f = std::io::BufReader::new(std::fs::File::open(fixture).unwrap());
    read_into(&mut a, "synthetic.jsonl", f, MAX_LINE_BYTES).unwrap();
    // With a baseline, so that the delta columns and baseline marks are rendered too.
    let mut half = Aggregate::default();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scanner-bin/tests/fixtures/report/synthetic.jsonl"),
    )
    .unwrap();
    let first: String = text.lines().take(30).map(|l| format!("{l}\n")).collect();
    read_into(&mut half, "old.jsonl", first.as_bytes(), MAX_LINE_BYTES).unwrap();
    for (name, report) in [
        ("report", build(&a, None)),
        ("report-baseline", build(&a, Some(&half))),
    ] {
        let html = tmp().join(format!("{name}.html"));
        std::fs::write(&html, render(&report, Format::Html)).unwrap();
        let target = tmp().parent().map(Path::to_path_buf).unwrap_or_else(tmp);
        let shot = target.join(format!("{name}-screenshot.png"));
        let (code, out) = check(
            &html,
            &shot,
            "every MX endpoint: STARTTLS, trusted, name-matching",
        );
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("SVG charts"), "{out}");
        let png = std::fs::read(&shot).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "screenshot is a PNG");
        assert!(
            png.len() > 20_000,
            "screenshot has content ({} bytes)",
            png.len()
        );
        eprintln!("screenshot: {}", shot.display());
    }
}

#[test]
fn the_check_fails_on_a_script_error() {
    let html = tmp().join("broken.html");
    std::fs::write(
        &html,
        "<!DOCTYPE html><html><body><p>mxray report</p><svg></svg>\
         <script>throw new Error('kaput')</script></body></html>",
    )
    .unwrap();
    let (code, out) = check(&html, &tmp().join("broken.png"), "mxray report");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("kaput"), "{out}");
}

#[test]
fn the_check_fails_on_a_network_request() {
    let html = tmp().join("network.html");
    std::fs::write(
        &html,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"></head>\
         <body><p>mxray report</p><svg></svg><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .unwrap();
    let (code, out) = check(&html, &tmp().join("network.png"), "mxray report");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Content Security Policy"), "{out}");
}
