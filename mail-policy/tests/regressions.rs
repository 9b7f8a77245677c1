//! Inputs the fuzzer (fuzz/fuzz_targets/mail_policy.rs) once broke the parsers with, replayed
//! through the same checks: whatever parses prints back to text that parses to the same value.
//! The first ones: a TLS-RPT record whose extension values were empty or held NUL bytes, and whose
//! printed form (then with spaces after each ';') grew past the 4 KiB TXT limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use mail_policy::sts::{Policy, StsRecord};
use mail_policy::tlsrpt::{TlsRptError, TlsRptRecord};

fn check(data: &[u8]) {
    if let Ok(p) = Policy::parse(data) {
        assert_eq!(Policy::parse(p.to_string().as_bytes()), Ok(p.clone()));
    }
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = StsRecord::parse(text) {
        assert_eq!(StsRecord::parse(&r.to_string()), Ok(r));
    }
    if let Ok(r) = TlsRptRecord::parse(text) {
        assert_eq!(TlsRptRecord::parse(&r.to_string()), Ok(r));
    }
}

#[test]
fn fuzz_crashes_replay_clean() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        check(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {dir}");
}

#[test]
fn extension_values_follow_rfc_8460() {
    for bad in ["x=", "x=a\0b", "x=a b"] {
        assert!(
            matches!(
                TlsRptRecord::parse(&format!("v=TLSRPTv1;rua=mailto:a@b.example;{bad}")),
                Err(TlsRptError::BadExtension(_)) | Err(TlsRptError::Syntax(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn the_printed_form_is_never_longer_than_what_was_parsed() {
    let spaced = "v=TLSRPTv1 ;  rua=mailto:a@b.example ,  https://r.example/x ;  x=1 ;";
    let r = TlsRptRecord::parse(spaced).unwrap();
    assert!(r.to_string().len() <= spaced.len(), "{r}");
    let spaced = "v=STSv1 ;   id=abc ;  x=1 ;";
    let r = StsRecord::parse(spaced).unwrap();
    assert!(r.to_string().len() <= spaced.len(), "{r}");
    let spaced = b"version:   STSv1\r\n\r\nmode:  none\r\nmax_age:  5\r\n";
    let p = Policy::parse(spaced).unwrap();
    assert!(p.to_string().len() <= spaced.len(), "{p}");
}
