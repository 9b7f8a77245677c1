//! `mxray report --format csv | csv-domains | sarif | junit` and `--fail-on`: each output read
//! back with a real reader (the `csv` crate, Python's `xml.etree`, the `jsonschema` Python
//! package against the SARIF 2.1.0 schema) and checked against the records it came from. The
//! SARIF schema test needs MXRAY_LAB (the lab's venv holds `jsonschema`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn tls13() -> Value {
    json!({"handshake": {"ok": true, "version": "TLSv1.3",
        "suite": {"id": 4866, "name": "TLS_AES_256_GCM_SHA384", "kx": "tls13", "bits": 256,
                  "classes": ["aead", "tls13"]},
        "chain_length": 1}, "connections": 1})
}

fn finding(id: &str, source: &str, severity: &str, message: &str) -> Value {
    json!({"id": id, "source": source, "severity": severity, "message": message})
}

/// The records of the tests: two MX of one domain (one with a high and a medium finding whose
/// messages need quoting), a failed endpoint with a hostile target, and a domain whose only
/// record is a DNS failure.
fn records() -> Vec<Value> {
    vec![
        json!({"schema_version": 1, "target": "a.test", "domain": "a.test",
        "mx": {"host": "mx1.a.test", "preference": 10}, "ip": "192.0.2.10", "port": 25,
        "profile": "quick", "status": "completed", "started_unix_ms": 0,
        "timings": {"total_ms": 1}, "starttls": {"mode": "starttls", "outcome": "ready"},
        "tls": tls13(),
        "findings": [
            finding("self-signed", "certificate", "high", "self-signed, \"quoted\", comma"),
            finding("starttls-injection", "starttls", "medium", "line\nbreak <b>&</b>\u{ffff}"),
        ]}),
        json!({"schema_version": 1, "target": "a.test", "domain": "a.test",
            "mx": {"host": "mx2.a.test", "preference": 20}, "ip": "2001:db8::2", "port": 25,
            "profile": "quick", "status": "completed", "started_unix_ms": 0,
            "timings": {"total_ms": 1}, "starttls": {"mode": "starttls", "outcome": "not_offered"}}),
        json!({"schema_version": 1, "target": "=cmd|' /C calc'!A0,\"x\"\r\n", "ip": "192.0.2.30",
            "port": 2525, "profile": "standard", "status": "failed", "started_unix_ms": 0,
            "timings": {"total_ms": 1},
            "error": {"kind": "connect_refused", "phase": "connect", "message": "refused"}}),
        json!({"schema_version": 1, "target": "b.test", "domain": "b.test", "port": 25,
            "profile": "quick", "status": "failed", "started_unix_ms": 0,
            "timings": {"total_ms": 1},
            "error": {"kind": "dns", "phase": "dns", "message": "no record found"}}),
    ]
}

/// Writes records as JSON Lines into a fresh file of this test.
fn write_records(name: &str, records: &[Value]) -> common::Scratch {
    let mut text = String::new();
    for r in records {
        text.push_str(&serde_json::to_string(r).unwrap());
        text.push('\n');
    }
    common::tempdir(&format!("outputs-{name}")).file(&format!("{name}.jsonl"), text)
}

fn report(file: &Path, args: &[&str]) -> Output {
    common::mxray()
        .arg("report")
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout_of(file: &Path, args: &[&str]) -> String {
    let out = report(file, args);
    assert!(
        out.status.success(),
        "{args:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn csv_reads_back_with_exact_values_per_endpoint() {
    let recs = records();
    let file = write_records("csv", &recs);
    let text = stdout_of(&file, &["--format", "csv"]);
    let (header, rows) = csv_rows(&text);
    assert_eq!(header, strings(mxray_report::csv_out::ENDPOINT_COLUMNS));
    assert_eq!(rows.len(), recs.len(), "{text}");
    let want: [&[&str]; 4] = [
        &[
            "a.test",
            "a.test",
            "mx1.a.test",
            "10",
            "192.0.2.10",
            "25",
            "quick",
            "completed",
            "",
            "ready",
            "TLSv1.3",
            "TLS_AES_256_GCM_SHA384",
            "",
            "2",
            "high",
            "self-signed starttls-injection",
            "",
        ],
        &[
            "a.test",
            "a.test",
            "mx2.a.test",
            "20",
            "2001:db8::2",
            "25",
            "quick",
            "completed",
            "",
            "not_offered",
            "",
            "",
            "",
            "0",
            "",
            "",
            "",
        ],
        &[
            "=cmd|' /C calc'!A0,\"x\"\r\n",
            "",
            "",
            "",
            "192.0.2.30",
            "2525",
            "standard",
            "failed",
            "connect_refused",
            "",
            "",
            "",
            "",
            "0",
            "",
            "",
            "",
        ],
        &[
            "b.test", "b.test", "", "", "", "25", "quick", "failed", "dns", "", "", "", "", "0",
            "", "", "",
        ],
    ];
    for (got, want) in rows.iter().zip(want) {
        assert_eq!(got, &strings(want));
    }
    // RFC 4180: CRLF line ends, the hostile target quoted with its quotes doubled.
    assert!(
        text.contains("\r\n\"=cmd|' /C calc'!A0,\"\"x\"\"\r\n\",,,"),
        "{text}"
    );
}

#[test]
fn csv_domains_counts_each_domain() {
    let file = write_records("csv-domains", &records());
    let text = stdout_of(&file, &["--format", "csv-domains"]);
    let (header, rows) = csv_rows(&text);
    assert_eq!(header, strings(mxray_report::csv_out::DOMAIN_COLUMNS));
    assert_eq!(
        rows,
        vec![
            strings(&["a.test", "2", "2", "1", "1", "2", "high", "not_looked_up"]),
            strings(&["b.test", "1", "0", "0", "0", "0", "", "not_looked_up"]),
        ]
    );
}

/// Parses JUnit XML with Python's `xml.etree` and returns, per suite, its attributes and its
/// test cases as `(name, failure type or "", skipped)`.
fn junit_parsed(xml: &str) -> Value {
    let script = r#"
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == "testsuites"
out = {"tests": root.get("tests"), "failures": root.get("failures"), "suites": []}
for s in root.findall("testsuite"):
    cases = []
    for c in s.findall("testcase"):
        f = c.find("failure")
        cases.append([c.get("classname"), c.get("name"),
                      f.get("type") if f is not None else "",
                      f.get("message") if f is not None else "",
                      c.find("skipped") is not None])
    out["suites"].append({"name": s.get("name"), "tests": s.get("tests"),
                          "failures": s.get("failures"), "cases": cases})
print(json.dumps(out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (the lab's installer requires it)");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), xml.as_bytes()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "not well-formed JUnit XML: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn junit_parses_and_fails_findings_at_the_threshold() {
    let file = write_records("junit", &records());
    let xml = stdout_of(&file, &["--format", "junit"]);
    // A failure's text carries the catalogue's fix advice.
    assert!(
        xml.contains("fix: Get a certificate from a publicly trusted CA"),
        "{xml}"
    );
    assert!(xml.contains("postfix: smtpd_tls_chain_files = "), "{xml}");
    assert!(xml.contains("more: mxray explain self-signed"), "{xml}");
    let default = junit_parsed(&xml);
    assert_eq!(default["tests"], "5");
    assert_eq!(default["failures"], "2", "{default}");
    let suites = default["suites"].as_array().unwrap();
    let names: Vec<&str> = suites.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "smtp://192.0.2.10:25",
            "smtp://[2001:db8::2]:25",
            "smtp://192.0.2.30:2525",
            "smtp://b.test:25"
        ]
    );
    assert_eq!(
        suites[0]["cases"],
        json!([
            [
                "a.test",
                "self-signed",
                "high",
                "self-signed, \"quoted\", comma",
                false
            ],
            [
                "a.test",
                "starttls-injection",
                "medium",
                "line\\nbreak <b>&</b>\\u{ffff}",
                false
            ]
        ])
    );
    assert_eq!(
        suites[1]["cases"],
        json!([["a.test", "scan", "", "", false]])
    );
    assert_eq!(
        suites[2]["cases"][0][4],
        json!(true),
        "a failed scan is skipped"
    );
    // --fail-on high: the medium finding passes; exit 3 since a high one was found.
    let out = report(&file, &["--format", "junit", "--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(3));
    let high = junit_parsed(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(high["failures"], "1");
    assert_eq!(high["suites"][0]["failures"], "1");
    assert_eq!(
        high["suites"][0]["cases"][1],
        json!(["a.test", "starttls-injection", "", "", false])
    );
}

#[test]
fn fail_on_exits_3_at_or_above_the_threshold_only() {
    // The worst finding is high.
    let file = write_records("fail-on", &records());
    for format in ["text", "json", "csv", "csv-domains", "sarif", "junit"] {
        for (threshold, code) in [("medium", 3), ("high", 3), ("critical", 0)] {
            let out = report(&file, &["--format", format, "--fail-on", threshold]);
            assert_eq!(
                out.status.code(),
                Some(code),
                "{format} --fail-on {threshold}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!out.stdout.is_empty(), "the report is written all the same");
        }
        assert_eq!(report(&file, &["--format", format]).status.code(), Some(0));
    }
    // No findings at all: 0 even at info.
    let clean = write_records("clean", &records()[1..]);
    assert_eq!(
        report(&clean, &["--fail-on", "info"]).status.code(),
        Some(0)
    );
    // A severity this version does not know counts as reached.
    let mut odd = records()[1].clone();
    odd["findings"] = json!([finding("future_thing", "tls", "catastrophic", "?")]);
    let odd = write_records("odd", &[odd]);
    assert_eq!(
        report(&odd, &["--fail-on", "critical"]).status.code(),
        Some(3)
    );
}

#[test]
fn help_documents_the_formats_and_exit_code_3() {
    let out = common::mxray().args(["report", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "csv-domains",
        "sarif",
        "junit",
        "--fail-on",
        "3    --fail-on SEVERITY",
    ] {
        assert!(help.contains(needle), "{needle} not in\n{help}");
    }
}

#[test]
fn sarif_results_carry_rules_levels_and_endpoints() {
    let file = write_records("sarif", &records());
    let log: Value = serde_json::from_str(&stdout_of(&file, &["--format", "sarif"])).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["self-signed", "starttls-injection"]);
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    // A rule's level is the catalogue's severity (starttls-injection: high), a result's its
    // own (this record's is medium).
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "error");
    // The catalogue's metadata: title, why, the fix as help, the attackers as tags.
    assert_eq!(
        rules[0]["shortDescription"]["text"],
        "The certificate is self-signed"
    );
    assert!(rules[0]["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("MTA-STS"));
    let help = rules[0]["help"]["text"].as_str().unwrap();
    assert!(help.contains("smtpd_tls_chain_files = "), "{help}");
    assert!(help.contains("tls_certificate = "), "{help}");
    assert!(rules[0]["help"]["markdown"]
        .as_str()
        .unwrap()
        .starts_with("### self-signed"));
    let tags: Vec<&str> = rules[0]["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "security",
            "smtp",
            "certificate",
            "impersonation",
            "active-mitm"
        ]
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (res, (rule, index, level)) in results.iter().zip([
        ("self-signed", 0, "error"),
        ("starttls-injection", 1, "warning"),
    ]) {
        assert_eq!(res["ruleId"], rule);
        assert_eq!(res["ruleIndex"], index);
        assert_eq!(res["level"], level);
        assert_eq!(
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "smtp://192.0.2.10:25"
        );
        assert_eq!(
            res["locations"][0]["logicalLocations"][0]["name"],
            "mx1.a.test"
        );
    }
    assert_eq!(
        results[1]["message"]["text"],
        "line\nbreak <b>&</b>\u{ffff}"
    );
}

/// Validates a document against the committed SARIF 2.1.0 schema with the lab venv's
/// `jsonschema`; returns whether it is valid, and the validator's words.
fn sarif_valid(lab: &Path, doc: &str) -> (bool, String) {
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif/sarif-2.1.0-rtm.5.json");
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(sys.stdin)
errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
for e in errors[:5]:
    print(list(e.absolute_path), e.message)
sys.exit(1 if errors else 0)
"#;
    let mut child = Command::new(lab.join("venv/bin/python"))
        .arg("-c")
        .arg(script)
        .arg(schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lab venv's python (lab/install.sh)");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), doc.as_bytes()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let words = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !words.contains("ModuleNotFoundError"),
        "jsonschema is not in the lab venv (lab/install.sh): {words}"
    );
    (out.status.success(), words)
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let lab = PathBuf::from(std::env::var_os("MXRAY_LAB").unwrap_or_else(|| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh (the lab venv holds jsonschema)")
    }));
    let file = write_records("sarif-schema", &records());
    let doc = stdout_of(&file, &["--format", "sarif"]);
    let (ok, words) = sarif_valid(&lab, &doc);
    assert!(ok, "{words}\n{doc}");
    // No finding at all is a valid log too.
    let clean = write_records("sarif-clean", &records()[1..]);
    let (ok, words) = sarif_valid(&lab, &stdout_of(&clean, &["--format", "sarif"]));
    assert!(ok, "{words}");
    // A broken document fails: a level SARIF does not have, and no version.
    let broken = doc.replacen("\"level\":\"error\"", "\"level\":\"fatal\"", 1);
    assert_ne!(broken, doc);
    let (ok, words) = sarif_valid(&lab, &broken);
    assert!(!ok, "a level of fatal passed: {words}");
    assert!(words.contains("fatal"), "{words}");
    let mut v: Value = serde_json::from_str(&doc).unwrap();
    v.as_object_mut().unwrap().remove("version");
    let (ok, _) = sarif_valid(&lab, &v.to_string());
    assert!(!ok, "a log without version passed");
}

/// `mxray scan` and `mxray probe --fail-on`: a server without STARTTLS (one `high` finding,
/// `starttls-not-offered`) on 127.0.0.1: exit 3 at or below high, 0 above; the record or the
/// report is written all the same.
#[test]
fn scan_and_probe_fail_on_the_threshold() {
    let srv = common::TestServer::start(common::Behaviour::Banner("220 plain.test ESMTP\r\n"));
    for (threshold, code) in [("medium", 3), ("high", 3), ("critical", 0)] {
        let out = common::scan(&[&srv.target(), "--quiet", "--fail-on", threshold]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "scan --fail-on {threshold}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let recs = common::stdout_records(&out);
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.findings[0].id, "starttls-not-offered");
        assert_eq!(r.findings[0].severity, "high");
        let out = common::mxray()
            .args(["probe", "--profile", "quick", "--fail-on", threshold])
            .arg(srv.target())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "probe --fail-on {threshold}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("starttls-not-offered"));
    }
    let out = common::scan(&[&srv.target(), "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "no --fail-on: 0");
    for cmd in ["scan", "probe"] {
        let help = common::mxray().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        assert!(
            help.contains("3    --fail-on SEVERITY"),
            "{cmd} --help: {help}"
        );
    }
}

/// A per-record format read from stdin and written to --output is the same document as on
/// stdout.
#[test]
fn records_formats_from_stdin_to_a_file() {
    let file = write_records("stdin", &records());
    let input = std::fs::read(&file).unwrap();
    for format in ["csv", "csv-domains", "sarif", "junit"] {
        let want = stdout_of(&file, &["--format", format]);
        let dest = file.with_extension(format);
        let _ = std::fs::remove_file(&dest);
        let out = common::output_with_stdin(
            common::mxray()
                .args(["report", "--format", format, "-o"])
                .arg(&dest)
                .arg("-"),
            &input,
        );
        assert!(out.status.success(), "{format}: {out:?}");
        assert!(out.stdout.is_empty());
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), want, "{format}");
    }
}
