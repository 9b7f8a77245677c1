//! Properties of the policy TXT selection (RFC 8461 section 3.1, RFC 8460 section 3).
#![allow(clippy::unwrap_used, clippy::panic)]

use mail_policy::sts::StsRecord;
use mail_policy::tlsrpt::TlsRptRecord;
use mxray_scan::mtasts::{select_txt, TxtLookup};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9]{1,40}".prop_map(|id| format!("v=STSv1; id={id};")),
        "[ -~]{0,40}".prop_map(|s| format!("v=STSv1{s}")),
        "[ -~]{0,40}".prop_map(|s| format!("v=TLSRPTv1; rua={s}")),
        Just("v=TLSRPTv1; rua=mailto:r@example.org".to_owned()),
        Just("v=spf1 -all".to_owned()),
        "[ -~]{0,60}",
    ]
}

proptest! {
    #[test]
    fn exactly_one_record_of_the_version_that_parses_is_valid(texts in prop::collection::vec(text(), 0..5)) {
        for (version, sts) in [("v=STSv1", true), ("v=TLSRPTv1", false)] {
            let ours: Vec<&String> = texts.iter().filter(|t| t.starts_with(version)).collect();
            let got_valid;
            if sts {
                let got = select_txt(texts.clone(), version, StsRecord::parse);
                got_valid = matches!(got, TxtLookup::Valid { .. });
                match (&got, ours.len()) {
                    (TxtLookup::Absent, 0) => {}
                    (TxtLookup::Multiple { count, .. }, n) if n > 1 => prop_assert_eq!(*count, n),
                    (TxtLookup::Valid { text, record }, 1) => {
                        prop_assert_eq!(text, ours[0]);
                        prop_assert_eq!(Ok(record.clone()), StsRecord::parse(ours[0]));
                    }
                    (TxtLookup::Invalid { text, .. }, 1) => {
                        prop_assert_eq!(text, ours[0]);
                        prop_assert!(StsRecord::parse(ours[0]).is_err());
                    }
                    (other, n) => prop_assert!(false, "{:?} with {} records", other, n),
                }
            } else {
                let got = select_txt(texts.clone(), version, TlsRptRecord::parse);
                got_valid = matches!(got, TxtLookup::Valid { .. });
            }
            prop_assert_eq!(
                got_valid,
                ours.len() == 1 && if sts { StsRecord::parse(ours[0]).is_ok() } else { TlsRptRecord::parse(ours[0]).is_ok() }
            );
        }
    }
}
