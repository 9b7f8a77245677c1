//! Properties of the per-domain verdict over arbitrary MX sets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mail_policy::verdict::{
    verdict, Attacker, AttackerResult, DaneMx, Delivery, DomainFacts, MxFacts, StsState,
};
use proptest::prelude::*;

fn dane() -> impl Strategy<Value = Option<DaneMx>> {
    prop_oneof![
        Just(None),
        Just(Some(DaneMx::NoTlsa)),
        Just(Some(DaneMx::Authenticated)),
        Just(Some(DaneMx::Fails)),
    ]
}

fn mx() -> impl Strategy<Value = MxFacts> {
    (0u16..4, any::<[bool; 4]>(), dane()).prop_map(|(i, [reached, tls, cert, m], dane)| MxFacts {
        host: format!("mx{i}.example"),
        preference: i * 10,
        reached,
        tls,
        certificate_valid: cert && tls,
        sts_match: m,
        dane,
    })
}

fn facts() -> impl Strategy<Value = DomainFacts> {
    (
        prop::collection::vec(mx(), 0..5),
        prop_oneof![
            Just(StsState::Absent),
            Just(StsState::Testing),
            Just(StsState::Enforce)
        ],
    )
        .prop_map(|(mut mx, sts)| {
            // One entry per host (and so per preference).
            mx.sort_by_key(|m| m.preference);
            mx.dedup_by_key(|m| m.preference);
            DomainFacts { mx, sts }
        })
}

proptest! {
    #[test]
    fn the_opportunistic_sender_never_authenticates(f in facts()) {
        let v = verdict(&f);
        prop_assert_ne!(v.opportunistic.delivery, Delivery::Authenticated);
        let passive = v.attacker(Attacker::Passive).opportunistic;
        prop_assert_eq!(passive == AttackerResult::Wins, v.opportunistic.delivery == Delivery::Plaintext);
    }

    #[test]
    fn under_enforce_mail_goes_authenticated_to_a_passing_mx_or_not_at_all(f in facts()) {
        prop_assume!(f.sts == StsState::Enforce);
        let v = verdict(&f);
        match v.mta_sts.delivery {
            Delivery::Authenticated => {
                let host = v.mta_sts.mx.clone().unwrap();
                let m = f.mx.iter().find(|m| m.host == host).unwrap();
                prop_assert!(m.reached && m.tls && m.certificate_valid && m.sts_match);
                // No better MX passes.
                prop_assert!(!f.mx.iter().any(|o| o.preference < m.preference
                    && o.reached && o.tls && o.certificate_valid && o.sts_match));
            }
            Delivery::NotDelivered => {
                prop_assert!(!f.mx.iter().any(|o| o.reached && o.tls && o.certificate_valid && o.sts_match));
            }
            other => prop_assert!(false, "enforce gave {:?}", other),
        }
        for r in v.attackers {
            prop_assert_ne!(r.mta_sts, AttackerResult::Wins);
        }
    }

    #[test]
    fn the_order_of_the_mx_list_does_not_matter(f in facts()) {
        let mut rev = f.clone();
        rev.mx.reverse();
        prop_assert_eq!(verdict(&f), verdict(&rev));
    }
}
