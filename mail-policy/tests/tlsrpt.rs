//! TLS-RPT records (RFC 8460): accepted, refused (typed), limits, parse(print(x)) == x.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

use mail_policy::limits::MAX_RUA;
use mail_policy::tlsrpt::{Rua, TlsRptError, TlsRptRecord};
use proptest::prelude::*;

#[test]
fn records() {
    let r = TlsRptRecord::parse("v=TLSRPTv1;rua=mailto:reports@example.com").unwrap();
    assert_eq!(
        r.rua,
        vec![Rua::Mailto("mailto:reports@example.com".into())]
    );
    let r = TlsRptRecord::parse(
        "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt, mailto:a@b.example;",
    )
    .unwrap();
    assert_eq!(r.rua.len(), 2);
    assert_eq!(
        TlsRptRecord::parse("v=TLSRPTv1;"),
        Err(TlsRptError::MissingRua)
    );
    assert_eq!(
        TlsRptRecord::parse("v=STSv1; id=1"),
        Err(TlsRptError::NotTlsRpt)
    );
    assert_eq!(
        TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@b; rua=mailto:c@d"),
        Err(TlsRptError::DuplicateRua)
    );
    for bad in [
        "http://r.example.com/",
        "mailto:nobody",
        "ftp://x",
        "https:",
        "mailto:a b@c",
    ] {
        assert_eq!(
            TlsRptRecord::parse(&format!("v=TLSRPTv1; rua={bad}")),
            Err(TlsRptError::BadUri(bad.to_string())),
            "{bad}"
        );
    }
}

#[test]
fn rua_count_limit() {
    let list = |n: usize| {
        (0..n)
            .map(|i| format!("mailto:r{i}@example.com"))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(
        TlsRptRecord::parse(&format!("v=TLSRPTv1; rua={}", list(MAX_RUA)))
            .unwrap()
            .rua
            .len(),
        MAX_RUA
    );
    assert_eq!(
        TlsRptRecord::parse(&format!("v=TLSRPTv1; rua={}", list(MAX_RUA + 1))),
        Err(TlsRptError::TooManyUris { limit: MAX_RUA })
    );
}

fn rua() -> impl Strategy<Value = Rua> {
    prop_oneof![
        "[a-z0-9.]{1,10}@[a-z0-9]{1,10}\\.example".prop_map(|a| Rua::Mailto(format!("mailto:{a}"))),
        "[a-z0-9]{1,10}\\.example(/[a-z0-9]{1,8}){0,3}"
            .prop_map(|u| Rua::Https(format!("https://{u}"))),
    ]
}

proptest! {
    #[test]
    fn records_round_trip(
        rua in prop::collection::vec(rua(), 1..5),
        ext in prop::collection::vec(("x[a-z0-9_]{0,8}", "[!-:<>-~]{1,12}"), 0..3),
    ) {
        let r = TlsRptRecord { rua, extensions: ext };
        prop_assert_eq!(TlsRptRecord::parse(&r.to_string()), Ok(r.clone()));
    }

    #[test]
    fn any_text_gives_a_record_or_a_typed_error(text in ".{0,256}") {
        let _ = TlsRptRecord::parse(&text);
    }
}
