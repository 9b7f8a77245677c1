//! `mxray report` on the checked-in synthetic fixture: exact numbers, golden files in every
//! format, the baseline, hostile strings, input limits, and the binary end to end.
//!
//! Regenerate the fixture and the goldens with `MXRAY_BLESS=1 cargo test -p mxray --test report`
//! (then review the diff: the numbers below are the reference, the goldens follow them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use mxray_report::aggregate::Aggregate;
use mxray_report::input::{read_files, read_into, MAX_LINE_BYTES};
use mxray_report::tables::{build, Report, Row};
use mxray_report::{render, Format};
use mxray_schema::synth;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report")
}

fn bless() -> bool {
    std::env::var_os("MXRAY_BLESS").is_some_and(|v| v == "1")
}

fn fixture_path() -> PathBuf {
    dir().join("synthetic.jsonl")
}

fn golden(name: &str, got: &str) {
    let path = dir().join(name);
    if bless() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (MXRAY_BLESS=1 writes it)", path.display()));
    if want != got {
        let first = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{name} differs from the golden at line {}:\n want: {:?}\n  got: {:?}",
            first + 1,
            want.lines().nth(first),
            got.lines().nth(first)
        );
    }
}

/// The fixture's aggregate, read under its bare file name (so goldens hold no absolute path).
fn aggregate() -> Aggregate {
    let mut a = Aggregate::default();
    let f = std::io::BufReader::new(std::fs::File::open(fixture_path()).unwrap());
    read_into(&mut a, "synthetic.jsonl", f, MAX_LINE_BYTES).unwrap();
    a
}

fn row<'a>(r: &'a Report, section: &str, table: &str, key: &str) -> &'a Row {
    r.sections
        .iter()
        .find(|s| s.id == section)
        .unwrap_or_else(|| panic!("no section {section}"))
        .tables
        .iter()
        .find(|t| t.id == table)
        .unwrap_or_else(|| panic!("no table {section}/{table}"))
        .rows
        .iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no row {section}/{table}/{key}"))
}

/// Asserts `(count, total)` of rows of one table.
fn check(r: &Report, section: &str, table: &str, want: &[(&str, u64, u64)]) {
    for (key, count, total) in want {
        let got = row(r, section, table, key);
        assert_eq!(
            (got.count, got.total),
            (*count, *total),
            "{section}/{table}/{key}"
        );
    }
}

#[test]
fn fixture_file_is_the_generators_output() {
    let want = synth::fixture_jsonl();
    // Rewritten only when it changed: other tests read it concurrently.
    if bless() && std::fs::read_to_string(fixture_path()).ok().as_deref() != Some(want.as_str()) {
        std::fs::create_dir_all(dir()).unwrap();
        std::fs::write(fixture_path(), &want).unwrap();
    }
    let got = std::fs::read_to_string(fixture_path()).unwrap();
    assert_eq!(got, want, "run MXRAY_BLESS=1 to regenerate the fixture");
}

#[test]
fn input_counts_bad_lines_without_failing() {
    let by_path = read_files(&[fixture_path()], MAX_LINE_BYTES).unwrap();
    assert!(by_path.input.problems[0].contains("tests/fixtures/report/synthetic.jsonl:22:"));
    let a = aggregate();
    assert_eq!(a.input.files, 1);
    assert_eq!(a.input.lines, 43);
    assert_eq!(a.input.records, 40);
    assert_eq!(a.input.blank, 1);
    assert_eq!(a.input.malformed, 1);
    assert_eq!(a.input.other_schema, 1);
    assert_eq!(a.input.too_long, 0);
    assert_eq!(a.input.problems.len(), 2);
    assert!(
        a.input.problems[0].starts_with(
            "synthetic.jsonl:22: not a record: EOF while parsing a string at line 1 column 36"
        ),
        "{}",
        a.input.problems[0]
    );
    assert!(a.input.problems[1].contains("synthetic.jsonl:43: schema_version 3"));
}

#[test]
fn funnel_and_causes_of_loss() {
    let r = build(&aggregate(), None);
    check(
        &r,
        "funnel",
        "funnel",
        &[
            ("targeted", 40, 40),
            ("tcp_open", 34, 40),
            ("greeting", 29, 40),
            ("tls_offered", 26, 40),
            ("handshake", 24, 40),
        ],
    );
    let causes = [
        "null_mx",
        "dns",
        "refused",
        "connect_timeout",
        "connect_error",
        "busy_421",
        "greeting_rejected",
        "timeout",
        "protocol_error",
        "io_error",
        "interrupted",
        "no_ehlo",
        "starttls_not_offered",
        "starttls_stripped",
        "starttls_refused",
        "tls_failure",
    ];
    for c in causes {
        check(&r, "funnel", "loss", &[(c, 1, 40)]);
    }
    let loss = &r.sections[0].tables[1];
    assert_eq!(loss.rows.len(), 16, "only causes that occur are listed");
}

#[test]
fn starttls_anomalies() {
    let r = build(&aggregate(), None);
    check(
        &r,
        "starttls",
        "anomalies",
        &[
            ("stripped", 1, 27),
            ("refused", 1, 25),
            ("bytes_after_220", 1, 25),
            ("injection_vulnerable", 1, 5),
            ("injection_inconclusive", 1, 5),
            ("helo_fallback", 1, 27),
        ],
    );
}

#[test]
fn protocol_versions() {
    let r = build(&aggregate(), None);
    check(
        &r,
        "versions",
        "supported",
        &[
            ("SSLv2", 1, 13),
            ("SSLv3", 4, 13),
            ("TLSv1.0", 11, 13),
            ("TLSv1.1", 8, 13),
            ("TLSv1.2", 11, 13),
            ("TLSv1.3", 1, 13),
        ],
    );
    check(
        &r,
        "versions",
        "best",
        &[
            ("SSLv2", 0, 24),
            ("SSLv3", 0, 24),
            ("TLSv1.0", 1, 24),
            ("TLSv1.1", 1, 24),
            ("TLSv1.2", 12, 24),
            ("TLSv1.3", 10, 24),
        ],
    );
}

#[test]
fn cipher_suites() {
    let r = build(&aggregate(), None);
    check(
        &r,
        "suites",
        "top",
        &[
            ("TLS_AES_256_GCM_SHA384", 8, 24),
            ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 5, 24),
            ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", 3, 24),
            ("TLS_RSA_WITH_AES_128_CBC_SHA", 2, 24),
            ("TLS_RSA_WITH_NULL_SHA", 1, 24),
        ],
    );
    let top = &r.sections[3].tables[0];
    assert_eq!(top.rows.len(), 10);
    assert_eq!(top.rows[0].key, "TLS_AES_256_GCM_SHA384", "largest first");
    check(
        &r,
        "suites",
        "kx",
        &[
            ("rsa", 6, 24),
            ("dhe", 3, 24),
            ("ecdhe", 6, 24),
            ("anonymous", 0, 24),
            ("tls13", 9, 24),
        ],
    );
    check(&r, "suites", "fs", &[("fs", 18, 24), ("no_fs", 6, 24)]);
    check(
        &r,
        "suites",
        "strength",
        &[
            ("null", 1, 24),
            ("export", 1, 24),
            ("rc4", 2, 24),
            ("block64", 1, 24),
            ("cbc", 7, 24),
            ("aead", 14, 24),
        ],
    );
    check(
        &r,
        "suites",
        "weak_support",
        &[
            ("null", 1, 5),
            ("export", 4, 5),
            ("export_dhe", 3, 5),
            ("anonymous", 2, 5),
            ("rc4", 5, 5),
            ("block64", 3, 5),
            ("static_rsa", 5, 5),
            ("no_fs", 5, 5),
            ("cbc", 5, 5),
        ],
    );
}

#[test]
fn diffie_hellman() {
    let r = build(&aggregate(), None);
    check(
        &r,
        "dh",
        "sizes",
        &[
            ("512", 1, 7),
            ("768", 1, 7),
            ("1024", 3, 7),
            ("2048", 1, 7),
            ("3072_or_more", 1, 7),
            ("other", 0, 7),
        ],
    );
    check(
        &r,
        "dh",
        "logjam",
        &[("export_dhe", 3, 5), ("export", 4, 5)],
    );
}

#[test]
fn certificates() {
    let r = build(&aggregate(), None);
    check(
        &r,
        "certificates",
        "trust",
        &[
            ("trusted", 12, 24),
            ("self_signed", 4, 24),
            ("unknown_issuer", 1, 24),
            ("incomplete_chain", 1, 24),
            ("expired", 2, 24),
            ("not_yet_valid", 1, 24),
            ("bad_signature", 1, 24),
            ("other", 1, 24),
            ("malformed", 1, 24),
            ("no_certificate", 0, 24),
        ],
    );
    check(
        &r,
        "certificates",
        "names",
        &[
            ("mx_host", 13, 24),
            ("mail_domain", 4, 24),
            ("mismatch", 6, 24),
            ("not_checked", 1, 24),
            ("mx_host_matches", 13, 23),
            ("domain_matches", 4, 22),
        ],
    );
    check(
        &r,
        "certificates",
        "issuers",
        &[
            ("Let's Encrypt", 9, 19),
            ("DigiCert Inc", 4, 19),
            ("Thawte", 2, 19),
            ("GlobalSign", 1, 19),
        ],
    );
    check(
        &r,
        "certificates",
        "self_signed",
        &[("localhost", 3, 4), ("<script>alert(1)</script>", 1, 4)],
    );
    check(
        &r,
        "certificates",
        "keys",
        &[
            ("EC P-256", 9, 23),
            ("RSA 2048", 6, 23),
            ("RSA 1024", 3, 23),
            ("RSA 512", 1, 23),
            ("Ed25519", 1, 23),
        ],
    );
    check(
        &r,
        "certificates",
        "hashes",
        &[
            ("SHA-256", 16, 23),
            ("SHA-1", 3, 23),
            ("MD5", 1, 23),
            ("intrinsic (EdDSA)", 1, 23),
        ],
    );
    check(
        &r,
        "certificates",
        "validity",
        &[
            ("inverted", 1, 23),
            ("le_90", 9, 23),
            ("le_398", 6, 23),
            ("le_825", 2, 23),
            ("le_1825", 1, 23),
            ("le_3650", 3, 23),
            ("gt_3650", 1, 23),
        ],
    );
    // Shared certificates: hoster, big, legacy (3 IPs each); shared keys add expired's key.
    check(
        &r,
        "certificates",
        "shared_certs",
        &[("(all shared)", 9, 23)],
    );
    check(
        &r,
        "certificates",
        "shared_keys",
        &[("(all shared)", 11, 23)],
    );
    let certs = r.sections[5]
        .tables
        .iter()
        .find(|t| t.id == "shared_certs")
        .unwrap();
    assert_eq!(certs.rows.len(), 4);
    assert!(certs.rows[..3]
        .iter()
        .all(|r| r.count == 3 && r.label.contains("(3 IPs)")));
    let keys = r.sections[5]
        .tables
        .iter()
        .find(|t| t.id == "shared_keys")
        .unwrap();
    assert_eq!(keys.rows.len(), 5);
    assert_eq!(keys.rows[3].count, 2, "smallest cluster last");
    assert!(keys.rows[3].label.contains("mx.expired.example (2 IPs)"));
    let a = aggregate();
    assert_eq!(a.cert_clusters.len(), 17);
    assert_eq!(a.spki_clusters.len(), 16);
}

#[test]
fn per_domain() {
    let r = build(&aggregate(), None);
    check(
        &r,
        "domains",
        "states",
        &[
            ("domains", 33, 33),
            ("null_mx", 1, 33),
            ("dns_failed", 1, 33),
            ("reached", 22, 33),
            ("all_starttls", 19, 33),
            ("some_starttls", 1, 33),
            ("no_starttls", 2, 33),
            ("all_handshake", 17, 33),
            ("all_secure", 8, 33),
        ],
    );
    check(
        &r,
        "domains",
        "mx_per_domain",
        &[("0", 1, 32), ("1", 28, 32), ("2", 3, 32), ("3", 0, 32)],
    );
    check(
        &r,
        "domains",
        "endpoints_per_domain",
        &[
            ("0", 1, 32),
            ("1", 27, 32),
            ("2", 2, 32),
            ("3-4", 2, 32),
            ("5+", 0, 32),
        ],
    );
}

#[test]
fn golden_text() {
    golden(
        "expected.txt",
        &render(&build(&aggregate(), None), Format::Text),
    );
}

#[test]
fn golden_markdown() {
    golden(
        "expected.md",
        &render(&build(&aggregate(), None), Format::Markdown),
    );
}

#[test]
fn golden_json() {
    let got = render(&build(&aggregate(), None), Format::Json);
    let v: serde_json::Value = serde_json::from_str(&got).unwrap();
    assert_eq!(v["report_version"], 1);
    assert_eq!(v["input"]["records"], 40);
    assert_eq!(v["sections"][0]["tables"][0]["rows"][4]["key"], "handshake");
    assert_eq!(v["sections"][0]["tables"][0]["rows"][4]["count"], 24);
    assert_eq!(v["sections"][0]["tables"][0]["rows"][4]["share"], 60.0);
    golden("expected.json", &got);
}

#[test]
fn golden_html() {
    let got = render(&build(&aggregate(), None), Format::Html);
    golden("expected.html", &got);
}

#[test]
fn hostile_strings_are_escaped_or_neutralised() {
    let r = build(&aggregate(), None);
    let html = render(&r, Format::Html);
    assert!(!html.contains("<script"), "raw script tag in HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "no external resource"
    );
    for needle in ["<link", "src=", "@import", "url(", "<script"] {
        assert!(!html.contains(needle), "{needle} in HTML");
    }
    for f in [Format::Text, Format::Markdown, Format::Json, Format::Html] {
        let out = render(&r, f);
        assert!(!out.contains('\u{1b}'), "escape character in {f:?}");
    }
    let md = render(&r, Format::Markdown);
    assert!(
        md.contains("Old CA \\\\x1b\\[31m\\|\\*\\_"),
        "markdown cell escaped"
    );
    assert!(md.contains("\\<script\\>alert\\(1\\)\\</script\\>"));
}

#[test]
fn baseline_shows_changes() {
    let now = aggregate();
    // The baseline: only the first 20 records of the fixture.
    let text = std::fs::read_to_string(fixture_path()).unwrap();
    let first: String = text.lines().take(21).map(|l| format!("{l}\n")).collect();
    let mut old = Aggregate::default();
    read_into(&mut old, "old", first.as_bytes(), MAX_LINE_BYTES).unwrap();
    assert_eq!(old.input.records, 20);
    let r = build(&now, Some(&old));
    let h = row(&r, "funnel", "funnel", "handshake");
    // Old: 4 of 20 handshakes (records 17-20); now 24 of 40.
    assert_eq!(h.baseline.map(|b| (b.count, b.total)), Some((4, 20)));
    assert_eq!(h.delta_count(), Some(20));
    assert!((h.delta_pp().unwrap() - 40.0).abs() < 1e-9);
    let t = row(&r, "certificates", "trust", "self_signed");
    assert_eq!(t.delta_count(), Some(4));
    for f in [Format::Text, Format::Markdown, Format::Html] {
        let out = render(&r, f);
        assert!(out.contains("+40.0 pp"), "{f:?} shows the pp change");
        assert!(out.contains("Δ share"), "{f:?} has the delta column");
    }
    let json: serde_json::Value = serde_json::from_str(&render(&r, Format::Json)).unwrap();
    let row = &json["sections"][0]["tables"][0]["rows"][4];
    assert_eq!(row["baseline_count"], 4);
    assert_eq!(row["delta_count"], 20);
    assert_eq!(row["delta_pp"], 40.0);
    // Same scan as its own baseline: nothing changed.
    let same = build(&now, Some(&now));
    for s in &same.sections {
        for t in &s.tables {
            for row in &t.rows {
                assert_eq!(row.delta_count(), Some(0), "{}/{}/{}", s.id, t.id, row.key);
            }
        }
    }
}

#[test]
fn overlong_lines_are_skipped_with_file_and_line() {
    let mut input = String::new();
    input.push_str(&"x".repeat(4000));
    input.push('\n');
    let fixture = std::fs::read_to_string(fixture_path()).unwrap();
    let first = fixture.lines().nth(2).unwrap();
    input.push_str(first);
    input.push('\n');
    let mut a = Aggregate::default();
    read_into(&mut a, "cut.jsonl", input.as_bytes(), first.len()).unwrap();
    assert_eq!(a.input.too_long, 1);
    assert_eq!(a.input.records, 1);
    assert_eq!(
        a.input.problems,
        vec![format!(
            "cut.jsonl:1: line longer than {} bytes, skipped",
            first.len()
        )]
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let fixture = std::fs::read_to_string(fixture_path()).unwrap();
    let line = fixture.lines().nth(2).unwrap();
    let extended = line.replacen('{', "{\"added_later\":{\"x\":[1,2]},", 1);
    let mut a = Aggregate::default();
    read_into(
        &mut a,
        "new.jsonl",
        format!("{extended}\n").as_bytes(),
        1 << 20,
    )
    .unwrap();
    assert_eq!(a.input.records, 1);
    assert_eq!(a.input.malformed, 0);
}

#[test]
fn binary_writes_the_same_report_to_a_file_and_reads_stdin() {
    let exe = env!("CARGO_BIN_EXE_mxray");
    let tmp = std::env::temp_dir().join(format!("mxray-report-test-{}.json", std::process::id()));
    let st = std::process::Command::new(exe)
        .current_dir(dir())
        .args(["report", "--format", "json", "--output"])
        .arg(&tmp)
        .arg("synthetic.jsonl")
        .status()
        .unwrap();
    assert!(st.success());
    let got = std::fs::read_to_string(&tmp).unwrap();
    std::fs::remove_file(&tmp).ok();
    assert_eq!(got, render(&build(&aggregate(), None), Format::Json));
    // Stdin, text format.
    let out = std::process::Command::new(exe)
        .args(["report", "-"])
        .stdin(std::fs::File::open(fixture_path()).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("TLS handshake completed"));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("2 line(s) skipped"), "{err}");
    // --baseline after the files, Markdown.
    let out = std::process::Command::new(exe)
        .current_dir(dir())
        .args([
            "report",
            "synthetic.jsonl",
            "--format",
            "markdown",
            "--baseline",
            "synthetic.jsonl",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| TLS handshake completed | 24 | 60.0% | 24 (60.0%) | 0 | +0.0 pp |"),
        "{md}"
    );
    // A missing file is an error naming it.
    let out = std::process::Command::new(exe)
        .args(["report", "/nonexistent/x.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.jsonl"));
}

#[test]
fn unknown_enumerated_values_drop_only_their_section() {
    let fixture = std::fs::read_to_string(fixture_path()).unwrap();
    // Record 3 is a refused connection: its error kind from a future version.
    let refused = fixture.lines().nth(2).unwrap();
    assert!(refused.contains("\"kind\":\"connect_refused\""));
    let future_kind = refused.replace(
        "\"kind\":\"connect_refused\"",
        "\"kind\":\"quantum_refusal\"",
    );
    // A handshake record whose certificate holds a trust class from a future version.
    let tls = fixture
        .lines()
        .find(|l| l.contains("\"class\":\"trusted\""))
        .unwrap();
    let future_class = tls.replacen("\"class\":\"trusted\"", "\"class\":\"post_quantum\"", 1);
    // An unknown status cannot be dropped: the line is malformed.
    let future_status = refused.replace("\"status\":\"failed\"", "\"status\":\"teleported\"");
    // An unknown value in a record of another schema version stays "other schema".
    let v2 = future_kind.replace("\"schema_version\":2", "\"schema_version\":3");
    let input = format!("{future_kind}\n{future_class}\n{future_status}\n{v2}\n");
    let mut a = Aggregate::default();
    read_into(&mut a, "future.jsonl", input.as_bytes(), MAX_LINE_BYTES).unwrap();
    assert_eq!(a.input.records, 2);
    assert_eq!(a.input.degraded, 2);
    assert_eq!(a.input.malformed, 1);
    assert_eq!(a.input.other_schema, 1);
    assert!(
        a.input.problems[0].starts_with("future.jsonl:1: unknown variant `quantum_refusal`"),
        "{}",
        a.input.problems[0]
    );
    assert!(a.input.problems[0].ends_with("counted without error"));
    assert!(a.input.problems[1].ends_with("counted without certificate"));
    // The refused record still counts in the funnel, its cause unknown ("other").
    assert_eq!(a.targeted, 2);
    assert_eq!(a.loss.get("other"), 1);
    // The handshake record keeps its TLS facts but has no certificate.
    assert_eq!(a.handshake_ok, 1);
    assert_eq!(a.certs, 0);
    let text = render(&build(&a, None), Format::Text);
    assert!(text.contains("2 record(s) hold values this version does not know"));
}

#[test]
fn greeting_classes_and_unexpected_starttls_replies_have_their_own_rows() {
    let head = r#"{"schema_version":1,"target":"t","ip":"192.0.2.1","port":25,"profile":"quick","started_unix_ms":1,"timings":{"total_ms":1},"attempts":[{"waited_ms":0,"duration_ms":1,"outcome":"ok"}],"#;
    let greeting = |code: &str, kind: &str| {
        format!(
            r#"{head}"status":"failed","banner":{{"code":{code},"text":"{code} x\r\n","complete":true}},"error":{{"kind":"{kind}","phase":"banner","message":"x"}}}}"#
        )
    };
    let input = [
        greeting("554", "greeting_rejected"),
        greeting("450", "greeting_temporary"),
        greeting("354", "greeting_unexpected"),
        // An old record: a 354 greeting written as greeting_rejected counts by its code.
        greeting("354", "greeting_rejected"),
        format!(
            r#"{head}"status":"completed","banner":{{"code":220,"text":"220 x\r\n","complete":true}},"ehlo":{{"code":250,"capabilities":["STARTTLS"],"starttls_offered":true}},"starttls":{{"mode":"starttls","outcome":"unexpected_reply","reply":"200 invalid response code"}},"findings":[{{"id":"starttls_unexpected_reply","source":"starttls","severity":"high","message":"x"}}]}}"#
        ),
    ]
    .join("\n");
    let mut a = Aggregate::default();
    read_into(&mut a, "classes.jsonl", input.as_bytes(), MAX_LINE_BYTES).unwrap();
    assert_eq!(a.input.records, 5, "{:?}", a.input.problems);
    assert_eq!(a.input.degraded, 0, "{:?}", a.input.problems);
    let r = build(&a, None);
    check(
        &r,
        "funnel",
        "loss",
        &[
            ("greeting_rejected", 1, 5),
            ("greeting_temporary", 1, 5),
            ("greeting_unexpected", 2, 5),
            ("starttls_unexpected_reply", 1, 5),
        ],
    );
    check(&r, "funnel", "funnel", &[("greeting", 1, 5)]);
    check(
        &r,
        "starttls",
        "anomalies",
        &[("unexpected_reply", 1, 1), ("refused", 0, 1)],
    );
}

#[test]
fn report_over_no_valid_record_fails_and_says_so() {
    let exe = env!("CARGO_BIN_EXE_mxray");
    let tmp = std::env::temp_dir().join(format!("mxray-report-empty-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let empty = tmp.join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let junk = tmp.join("junk.jsonl");
    std::fs::write(&junk, "not json\n{\"x\":1}\n").unwrap();
    for f in [&empty, &junk] {
        let out = std::process::Command::new(exe)
            .arg("report")
            .arg(f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{f:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no valid record"), "{err}");
        assert!(out.stdout.is_empty());
    }
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn report_to_a_closed_stdout_fails_and_says_so() {
    // `>&-`: the report's stdout is closed (Rust's stdout would drop the text silently).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" report \"$1\" >&-")
        .arg(env!("CARGO_BIN_EXE_mxray"))
        .arg(fixture_path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdout is closed"), "{err}");
    // Sent to /dev/null on purpose: that is the user's choice.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" report \"$1\" >/dev/null")
        .arg(env!("CARGO_BIN_EXE_mxray"))
        .arg(fixture_path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn report_output_never_destroys_an_input_or_an_existing_file() {
    let exe = env!("CARGO_BIN_EXE_mxray");
    let d = std::env::temp_dir().join(format!("mxray-report-noclobber-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let input = d.join("r.jsonl");
    let original = std::fs::read_to_string(fixture_path()).unwrap();
    std::fs::write(&input, &original).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(exe)
            .arg("report")
            .args(args)
            .output()
            .unwrap()
    };
    // The input as its own output, even with --force.
    let o = run(&[
        input.as_os_str(),
        "-o".as_ref(),
        input.as_os_str(),
        "--force".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is the input"));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), original);
    // An existing file: refused without --force, overwritten with it.
    let out = d.join("report.txt");
    std::fs::write(&out, "keep me\n").unwrap();
    let o = run(&[input.as_os_str(), "-o".as_ref(), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
    let o = run(&[
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--force".as_ref(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_ne!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
    std::fs::remove_dir_all(&d).ok();
}

/// One record line: `domain` reaching `ip` through mx.hoster.test, or a DNS failure (no `ip`).
fn unit_line(domain: &str, ip: Option<&str>, status: &str, shared_from: Option<&str>) -> String {
    let mut v = serde_json::json!({
        "schema_version": 1, "target": domain, "domain": domain, "port": 25,
        "profile": "quick", "status": status, "started_unix_ms": 1, "timings": {"total_ms": 1},
    });
    match ip {
        Some(ip) => {
            v["ip"] = ip.into();
            v["mx"] = serde_json::json!({"host": "mx.hoster.test", "preference": 10});
            v["attempts"] =
                serde_json::json!([{"waited_ms": 0, "duration_ms": 1, "outcome": "ok"}]);
            v["banner"] = serde_json::json!({"code": 220, "text": "220 x\r\n", "complete": true});
            v["ehlo"] = serde_json::json!({"code": 250, "domain": "x", "capabilities": [], "starttls_offered": false});
            v["starttls"] = serde_json::json!({"mode": "starttls", "outcome": "not_offered"});
        }
        None => {
            v["error"] = serde_json::json!({"kind": "dns", "phase": "dns", "rcode": "NXDOMAIN", "message": "nx"});
        }
    }
    if status == "interrupted" {
        v["error"] =
            serde_json::json!({"kind": "interrupted", "phase": "endpoint", "message": "stopped"});
        v.as_object_mut().unwrap().remove("ehlo");
        v.as_object_mut().unwrap().remove("starttls");
    }
    if let Some(s) = shared_from {
        v["shared_from"] = s.into();
    }
    v.to_string()
}

#[test]
fn each_unit_counts_once_and_each_endpoint_once() {
    // A scan, then a resume by an older mxray: b.test shares a.test's endpoint; c.test was
    // interrupted, then finished; nx.test's DNS failure was written twice.
    let lines = [
        unit_line("a.test", Some("127.0.0.6"), "completed", None),
        unit_line("b.test", Some("127.0.0.6"), "completed", Some("a.test")),
        unit_line("c.test", Some("127.0.0.7"), "interrupted", None),
        unit_line("nx.test", None, "failed", None),
        unit_line("c.test", Some("127.0.0.7"), "completed", None),
        unit_line("nx.test", None, "failed", None),
        // d.test was interrupted while resolving, then finished.
        unit_line("d.test", None, "interrupted", None),
        unit_line("d.test", Some("127.0.0.8"), "completed", None),
    ];
    let d = std::env::temp_dir().join(format!("mxray-report-units-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("r.jsonl");
    std::fs::write(&f, lines.join("\n") + "\n").unwrap();
    let a = read_files(std::slice::from_ref(&f), MAX_LINE_BYTES).unwrap();
    assert_eq!(
        a.input.records, 5,
        "five units: a, b, c, nx and d's endpoint"
    );
    assert_eq!(
        a.input.superseded, 3,
        "c's and d's interrupted records and nx's first record"
    );
    assert_eq!(a.input.shared, 1, "b's endpoint facts are a's");
    assert_eq!(a.targeted, 4, "three endpoints and one DNS failure");
    assert_eq!(a.greeting, 3);
    assert_eq!(a.ehlo_seen, 3);
    assert_eq!(
        a.loss.get("interrupted"),
        0,
        "the interrupted unit finished later"
    );
    let dom = |n: &str| &a.domains[&mxray_report::aggregate::fnv1a(n)];
    for n in ["a.test", "b.test", "c.test", "d.test"] {
        let s = dom(n);
        assert_eq!((s.records, s.endpoints, s.reached), (1, 1, 1), "{n}: {s:?}");
    }
    assert_eq!((dom("nx.test").records, dom("nx.test").dns_failed), (1, 1));

    // The binary reads stdin the same way (spooled, then read twice).
    let exe = env!("CARGO_BIN_EXE_mxray");
    let by_file = std::process::Command::new(exe)
        .args(["report", "--format", "json"])
        .arg(&f)
        .output()
        .unwrap();
    let by_stdin = std::process::Command::new(exe)
        .args(["report", "--format", "json", "-"])
        .stdin(std::fs::File::open(&f).unwrap())
        .output()
        .unwrap();
    assert_eq!(by_file.status.code(), Some(0));
    assert_eq!(by_stdin.status.code(), Some(0));
    assert_eq!(by_file.stdout, by_stdin.stdout);
    let json: serde_json::Value = serde_json::from_slice(&by_file.stdout).unwrap();
    assert_eq!(json["input"]["records"], 5);
    std::fs::remove_dir_all(&d).ok();
}

/// A schema-version-1 record is read, its snake_case finding ids counted under today's
/// kebab-case ids (docs/FINDINGS.md's mapping), and the findings section points to the fixes.
#[test]
fn schema_1_records_are_read_with_todays_ids() {
    let line = r#"{"schema_version":1,"target":"a.test","ip":"192.0.2.1","port":25,"profile":"quick","status":"completed","started_unix_ms":1,"timings":{"total_ms":1},"findings":[{"id":"starttls_not_offered","source":"starttls","severity":"high","message":"m"}]}"#;
    let mut a = Aggregate::default();
    read_into(&mut a, "old.jsonl", line.as_bytes(), MAX_LINE_BYTES).unwrap();
    assert_eq!((a.input.records, a.input.other_schema), (1, 0));
    assert_eq!(a.findings.get("starttls-not-offered"), 1);
    assert_eq!(a.findings.get("starttls_not_offered"), 0);
    let r = build(&a, None);
    check(
        &r,
        "findings",
        "findings",
        &[("starttls-not-offered", 1, 1)],
    );
    let text = render(&r, Format::Text);
    assert!(text.contains("mxray explain ID"), "{text}");
}

/// `mxray report --asn-db` on the fixture: the per-AS and per-country views, with the counts
/// of `lab/asn/make-fixtures.py`'s networks (192.0.2.0/28, 198.51.100.0/24, 2001:db8::/32);
/// 192.0.2.16 and the one address outside them are `unknown`. The MaxMind file and the TSV
/// give the same report; a malformed database is a clear error, exit 1.
#[test]
fn binary_report_asn_db_counts_per_as_and_country() {
    let exe = env!("CARGO_BIN_EXE_mxray");
    let asn = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/asn");
    let run = |db: &str| {
        let out = std::process::Command::new(exe)
            .args(["report", "--format", "json", "--asn-db"])
            .arg(asn.join(db))
            .arg(fixture_path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let j = run("lab-asn.mmdb");
    let groups = j["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "networks")
        .unwrap()["groups"]
        .clone();
    let rows = |i: usize| -> Vec<(String, u64)> {
        groups[i]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["key"].as_str().unwrap().to_owned(),
                    r["endpoints"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(groups[0]["id"], "as");
    assert_eq!(
        rows(0),
        [
            ("AS64501".to_owned(), 22),
            ("AS64500".to_owned(), 13),
            ("AS64502".to_owned(), 1),
            ("unknown".to_owned(), 2)
        ]
    );
    assert_eq!(groups[0]["rows"][0]["label"], "AS64501 Example Net B");
    assert_eq!(
        rows(1),
        [
            ("FR".to_owned(), 22),
            ("DE".to_owned(), 13),
            ("NL".to_owned(), 1),
            ("unknown".to_owned(), 2)
        ]
    );
    assert_eq!(groups[2]["id"], "provider");
    assert_eq!(groups[0]["total"]["endpoints"], 38);
    let t = run("lab-ip2asn.tsv");
    assert_eq!(j, t, "the TSV and the MaxMind DB give the same report");

    let dir = std::env::temp_dir().join(format!("mxray-asn-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.tsv");
    std::fs::write(
        &bad,
        "192.0.2.0\t192.0.2.255\t64500\tDE\tok\n192.0.3.0\tnope\t1\tDE\tx\n",
    )
    .unwrap();
    let out = std::process::Command::new(exe)
        .args(["report", "--asn-db"])
        .arg(&bad)
        .arg(fixture_path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "--asn-db {}:2: \"nope\" is not an IP address",
            bad.display()
        )),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
