//! `mxray explain`: one catalogue entry as text or JSON, an unknown id with its close matches,
//! and `--all --format markdown` is docs/FINDINGS.md byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

mod common;

use common::*;

fn explain(args: &[&str]) -> std::process::Output {
    mxray().arg("explain").args(args).output().unwrap()
}

#[test]
fn text_and_json_carry_the_fix_lines() {
    let out = explain(&["starttls-not-offered"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("starttls-not-offered [high] STARTTLS is not offered"),
        "{text}"
    );
    assert!(text.contains("smtpd_tls_security_level = may"), "{text}");
    assert!(text.contains("tls_advertise_hosts = *"), "{text}");
    assert!(text.contains("passive eavesdropper"), "{text}");

    // A schema-1 id finds today's entry.
    let out = explain(&["weak_dh", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["id"], "weak-dh");
    assert_eq!(v["fix"]["postfix"][0], "smtpd_tls_dh1024_param_file = auto");
    assert_eq!(v["fix"]["exim"][0], "tls_dhparam = ffdhe2048");
}

#[test]
fn an_unknown_id_exits_1_naming_close_ids() {
    let out = explain(&["self-signd"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("did you mean: self-signed"), "{err}");
    // Hostile input is bounded and not echoed raw past the limit.
    let long = "x".repeat(10_000);
    let out = explain(&[&long]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.len() < 400, "{}", out.stderr.len());
    // An id and --all conflict; neither is a usage error.
    assert_eq!(explain(&["rc4", "--all"]).status.code(), Some(2));
    assert_eq!(explain(&[]).status.code(), Some(2));
}

#[test]
fn all_as_markdown_is_the_committed_findings_md() {
    let out = explain(&["--all", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/FINDINGS.md"))
            .unwrap();
    assert!(
        md == committed,
        "docs/FINDINGS.md is stale: mxray explain --all --format markdown > docs/FINDINGS.md"
    );
    let out = explain(&["--all", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() > 80);
}
