//! MTA-STS records and policies: what RFC 8461 accepts, what it refuses (typed), the limits at
//! their boundaries, and parse(print(x)) == x.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

use mail_policy::limits::{MAX_MAX_AGE, MAX_MX_PATTERNS, MAX_POLICY_BYTES, MAX_TXT_BYTES};
use mail_policy::sts::{
    mx_matches, Mode, MxPattern, Policy, PolicyError, StsRecord, StsRecordError,
};
use proptest::prelude::*;

#[test]
fn txt_records() {
    let r = StsRecord::parse("v=STSv1; id=20160831085700Z;").unwrap();
    assert_eq!(r.id, "20160831085700Z");
    let r = StsRecord::parse("v=STSv1;id=1;ext=x.y").unwrap();
    assert_eq!(r.extensions, vec![("ext".to_string(), "x.y".to_string())]);
    assert_eq!(StsRecord::parse("v=STSv1;"), Err(StsRecordError::MissingId));
    assert_eq!(
        StsRecord::parse("id=1; v=STSv1"),
        Err(StsRecordError::NotSts)
    );
    assert_eq!(
        StsRecord::parse("v=STSv2; id=1"),
        Err(StsRecordError::NotSts)
    );
    assert_eq!(
        StsRecord::parse("v=STSv1; id=1; id=2"),
        Err(StsRecordError::DuplicateId)
    );
    assert!(matches!(
        StsRecord::parse("v=STSv1; id"),
        Err(StsRecordError::Syntax(_))
    ));
    assert!(matches!(
        StsRecord::parse("v=STSv1; id=1; x="),
        Err(StsRecordError::BadExtension(_))
    ));
    // The id is 1 to 32 letters and digits.
    let id32 = "a".repeat(32);
    assert_eq!(
        StsRecord::parse(&format!("v=STSv1; id={id32}")).unwrap().id,
        id32
    );
    let id33 = "a".repeat(33);
    assert_eq!(
        StsRecord::parse(&format!("v=STSv1; id={id33}")),
        Err(StsRecordError::BadId(id33))
    );
}

#[test]
fn txt_length_limit() {
    let base = "v=STSv1; id=1; x=";
    let at = format!("{base}{}", "a".repeat(MAX_TXT_BYTES - base.len()));
    assert_eq!(at.len(), MAX_TXT_BYTES);
    assert!(StsRecord::parse(&at).is_ok());
    let over = format!("{at}a");
    assert_eq!(
        StsRecord::parse(&over),
        Err(StsRecordError::TooLong {
            limit: MAX_TXT_BYTES
        })
    );
}

const GOOD: &[u8] = b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n";

#[test]
fn policies() {
    let p = Policy::parse(GOOD).unwrap();
    assert_eq!(p.mode, Mode::Enforce);
    assert_eq!(p.max_age, 604_800);
    assert_eq!(p.mx.len(), 2);
    // LF line ends and unknown fields are accepted.
    let p =
        Policy::parse(b"version: STSv1\nmode: testing\nmx: mx.example.org\nmax_age: 0\nfoo: bar\n")
            .unwrap();
    assert_eq!(p.mode, Mode::Testing);
    assert_eq!(p.extensions, vec![("foo".to_string(), "bar".to_string())]);
    let cases: &[(&[u8], PolicyError)] = &[
        (
            b"mode: enforce\nmx: a.example\nmax_age: 1\n",
            PolicyError::MissingField("version"),
        ),
        (
            b"version: STSv1\nmx: a.example\nmax_age: 1\n",
            PolicyError::MissingField("mode"),
        ),
        (
            b"version: STSv1\nmode: none\n",
            PolicyError::MissingField("max_age"),
        ),
        (
            b"version: STSv2\nmode: none\nmax_age: 1\n",
            PolicyError::BadVersion("STSv2".into()),
        ),
        (
            b"version: STSv1\nmode: strict\nmax_age: 1\n",
            PolicyError::BadMode("strict".into()),
        ),
        (
            b"version: STSv1\nmode: none\nmax_age: -1\n",
            PolicyError::BadMaxAge("-1".into()),
        ),
        (
            b"version: STSv1\nmode: none\nmax_age: 12345678901\n",
            PolicyError::BadMaxAge("12345678901".into()),
        ),
        (
            b"version: STSv1\nmode: testing\nmax_age: 1\n",
            PolicyError::NoMx("testing"),
        ),
        (
            b"version: STSv1\nversion: STSv1\nmode: none\nmax_age: 1\n",
            PolicyError::DuplicateField("version".into()),
        ),
        (b"\xff\xfe", PolicyError::NotUtf8),
    ];
    for (body, want) in cases {
        assert_eq!(
            &Policy::parse(body).unwrap_err(),
            want,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(matches!(
        Policy::parse(b"version: STSv1\nmode enforce\n"),
        Err(PolicyError::BadLine { line: 2, .. })
    ));
    assert!(matches!(
        Policy::parse(b"version: STSv1\nmode: enforce\nmx: *.*.example.com\nmax_age: 1\n"),
        Err(PolicyError::BadMxPattern { line: 3, .. })
    ));
}

#[test]
fn policy_limits_at_their_boundaries() {
    let age =
        |n: u64| Policy::parse(format!("version: STSv1\nmode: none\nmax_age: {n}\n").as_bytes());
    assert_eq!(age(MAX_MAX_AGE).unwrap().max_age, MAX_MAX_AGE);
    assert_eq!(
        age(MAX_MAX_AGE + 1),
        Err(PolicyError::MaxAgeTooLarge {
            value: MAX_MAX_AGE + 1,
            limit: MAX_MAX_AGE
        })
    );
    let mx = |n: usize| {
        let mut s = String::from("version: STSv1\nmode: enforce\nmax_age: 1\n");
        for i in 0..n {
            s.push_str(&format!("mx: mx{i}.example.com\n"));
        }
        Policy::parse(s.as_bytes())
    };
    assert_eq!(mx(MAX_MX_PATTERNS).unwrap().mx.len(), MAX_MX_PATTERNS);
    assert_eq!(
        mx(MAX_MX_PATTERNS + 1),
        Err(PolicyError::TooManyMx {
            limit: MAX_MX_PATTERNS
        })
    );
    let mut body = b"version: STSv1\nmode: none\nmax_age: 1\nx: ".to_vec();
    body.resize(MAX_POLICY_BYTES - 1, b'a');
    body.push(b'\n');
    assert_eq!(body.len(), MAX_POLICY_BYTES);
    assert!(Policy::parse(&body).is_ok());
    body.push(b'\n');
    assert_eq!(
        Policy::parse(&body),
        Err(PolicyError::TooLarge {
            limit: MAX_POLICY_BYTES
        })
    );
}

#[test]
fn mx_patterns_match_as_rfc_8461_says() {
    assert!(mx_matches("mail.example.com", "mail.example.com"));
    assert!(mx_matches("mail.example.com", "MAIL.Example.COM."));
    assert!(!mx_matches("mail.example.com", "mx.example.com"));
    assert!(mx_matches("*.example.com", "mx1.example.com"));
    assert!(
        !mx_matches("*.example.com", "example.com"),
        "the wildcard needs a label"
    );
    assert!(
        !mx_matches("*.example.com", "a.mx1.example.com"),
        "exactly one label"
    );
    assert!(!mx_matches("*.example.com", ".example.com"));
    assert!(
        !mx_matches("*.com", "example.com"),
        "no wildcard over one label"
    );
    assert!(
        !mx_matches("mx_1.example.com", "mx_1.example.com"),
        "not a host name"
    );
    let p = Policy::parse(GOOD).unwrap();
    assert!(p.matches_mx("mx9.example.net"));
    assert!(!p.matches_mx("mx9.example.org"));
}

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"
}

fn host() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 2..5).prop_map(|l| l.join("."))
}

fn pattern() -> impl Strategy<Value = MxPattern> {
    (any::<bool>(), host()).prop_map(|(wildcard, domain)| MxPattern { wildcard, domain })
}

fn extension() -> impl Strategy<Value = (String, String)> {
    ("x[a-z0-9_]{0,8}", "[!-:<>-~]{1,12}")
}

proptest! {
    #[test]
    fn records_round_trip(id in "[A-Za-z0-9]{1,32}", ext in prop::collection::vec(extension(), 0..4)) {
        let r = StsRecord { id, extensions: ext };
        prop_assert_eq!(StsRecord::parse(&r.to_string()), Ok(r.clone()));
    }

    #[test]
    fn policies_round_trip(
        mode in prop::sample::select(vec![Mode::Enforce, Mode::Testing, Mode::None]),
        max_age in 0..=MAX_MAX_AGE,
        mx in prop::collection::vec(pattern(), 1..6),
        ext in prop::collection::vec(("x[a-z0-9_]{0,8}", "[!-~][ -~]{0,10}[!-~]"), 0..3),
    ) {
        let p = Policy { mode, max_age, mx, extensions: ext };
        prop_assert_eq!(Policy::parse(p.to_string().as_bytes()), Ok(p.clone()));
    }

    #[test]
    fn any_bytes_give_a_policy_or_a_typed_error(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Policy::parse(&body);
    }

    #[test]
    fn any_text_gives_a_record_or_a_typed_error(text in ".{0,256}") {
        let _ = StsRecord::parse(&text);
    }

    #[test]
    fn a_wildcard_matches_exactly_one_more_label(l in label(), d in host(), extra in label()) {
        let p = MxPattern { wildcard: true, domain: d.clone() };
        let one_more = format!("{l}.{d}");
        let two_more = format!("{extra}.{l}.{d}");
        prop_assert!(p.matches(&one_more));
        prop_assert!(!p.matches(&two_more));
        prop_assert!(!p.matches(&d));
    }
}
