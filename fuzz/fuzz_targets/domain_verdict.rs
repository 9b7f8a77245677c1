//! The per-domain verdict (`mail_policy::verdict::verdict`) on arbitrary facts, and on the facts
//! the report rebuilds from a domain's aggregated counts (`DomainPolicyState::facts`):
//! no panic, and the verdict's rules hold (RFC 8461 and RFC 7672 senders, the attackers).
//!
//! Input format: byte 0 = MTA-STS state (0 absent, 1 testing, 2+ enforce); then each MX as 4
//! bytes (at most 40, past the report's 32 per domain): preference (2 bytes, big-endian), flags
//! (bit 0 reached, bit 1 TLS, bit 2 certificate valid, bit 3 matches the policy, bits 4-5 DANE:
//! 0 unknown, 1 no TLSA, 2 authenticated, 3 fails), and a count byte for the aggregated form
//! (records reached, with TLS, with a valid certificate: 2 bits each).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mail_policy::verdict::{
    verdict, Attacker, AttackerResult, DaneMx, Delivery, DomainFacts, MxFacts, StsState, Verdict,
};
use mxray_report::aggregate::{DomainPolicyState, MxPolicyState};

/// MX hosts read at most (the report keeps 32 per domain).
const MAX_MX: usize = 40;

fn check(f: &DomainFacts, v: &Verdict) {
    let hosts: Vec<&str> = f.mx.iter().map(|m| m.host.as_str()).collect();
    for s in [&v.opportunistic, &v.mta_sts, &v.dane] {
        if let Some(h) = &s.mx {
            assert!(hosts.contains(&h.as_str()), "{h} is not an MX");
        }
    }
    let reached = f.mx.iter().any(|m| m.reached);
    // Opportunistic: delivers whenever an MX is reached, never authenticated.
    match v.opportunistic.delivery {
        Delivery::Plaintext | Delivery::EncryptedOnly => assert!(reached),
        Delivery::NotDelivered => assert!(!reached),
        d => panic!("opportunistic sender: {d:?}"),
    }
    // Passive eavesdropper wins against a sender exactly when it sends in plaintext.
    let passive = v.attacker(Attacker::Passive);
    assert_eq!(
        passive.opportunistic == AttackerResult::Wins,
        v.opportunistic.delivery == Delivery::Plaintext
    );
    assert_eq!(
        passive.mta_sts == AttackerResult::Wins,
        v.mta_sts.delivery == Delivery::Plaintext
    );
    if f.sts == StsState::Enforce {
        // Enforce: authenticated to an MX that passes, or deferred; never readable in transit.
        match v.mta_sts.delivery {
            Delivery::Authenticated => {
                let h = v.mta_sts.mx.as_deref().unwrap_or_default();
                assert!(f.mx.iter().any(|m| m.host == h
                    && m.reached
                    && m.tls
                    && m.certificate_valid
                    && m.sts_match));
            }
            Delivery::NotDelivered => assert!(!f
                .mx
                .iter()
                .any(|m| m.reached && m.tls && m.certificate_valid && m.sts_match)),
            d => panic!("enforce sender: {d:?}"),
        }
        for a in Attacker::ALL {
            assert_ne!(v.attacker(a).mta_sts, AttackerResult::Wins, "{a:?}");
        }
    } else {
        // Testing, none or no policy: an MTA-STS sender is an opportunistic one.
        assert_eq!(v.mta_sts, v.opportunistic);
        for a in Attacker::ALL {
            assert_eq!(v.attacker(a).mta_sts, v.attacker(a).opportunistic, "{a:?}");
        }
    }
    // DANE: unknown as soon as the first reached MX has no DANE facts; authenticated only at
    // an MX with matching TLSA records.
    if let Some(first) = {
        let mut m: Vec<&MxFacts> = f.mx.iter().filter(|m| m.reached).collect();
        m.sort_by_key(|m| m.preference);
        m.first().copied()
    } {
        if first.dane.is_none() {
            assert_eq!(v.dane.delivery, Delivery::Unknown);
        }
    }
    if v.dane.delivery == Delivery::Authenticated {
        let h = v.dane.mx.as_deref().unwrap_or_default();
        assert!(f
            .mx
            .iter()
            .any(|m| m.host == h && m.dane == Some(DaneMx::Authenticated)));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sts, rest)) = data.split_first() else {
        return;
    };
    let sts = match sts {
        0 => StsState::Absent,
        1 => StsState::Testing,
        _ => StsState::Enforce,
    };
    let mut facts = DomainFacts {
        mx: Vec::new(),
        sts,
    };
    let mut state = DomainPolicyState {
        domain: "fuzz.example".into(),
        mta_sts: match sts {
            StsState::Enforce => "enforce",
            StsState::Testing => "testing",
            _ => "absent",
        }
        .into(),
        ..DomainPolicyState::default()
    };
    for (i, c) in rest.chunks_exact(4).take(MAX_MX).enumerate() {
        let (pref, flags, counts) = (u16::from_be_bytes([c[0], c[1]]), c[2], c[3]);
        let dane = match (flags >> 4) & 3 {
            0 => None,
            1 => Some(DaneMx::NoTlsa),
            2 => Some(DaneMx::Authenticated),
            _ => Some(DaneMx::Fails),
        };
        let host = format!("mx{i}.fuzz.example");
        facts.mx.push(MxFacts {
            host,
            preference: pref,
            reached: flags & 1 != 0,
            tls: flags & 2 != 0,
            certificate_valid: flags & 4 != 0,
            sts_match: flags & 8 != 0,
            dane,
        });
        let reached = u32::from(counts & 3);
        let n = |shift: u8| u32::from((counts >> shift) & 3).min(reached);
        state.mx.push(MxPolicyState {
            host: u64::try_from(i).unwrap_or(0),
            preference: pref,
            sts_match: flags & 8 != 0,
            reached,
            tls: n(2),
            certificate_valid: n(4),
            dane_authenticated: u32::from(dane == Some(DaneMx::Authenticated)),
            dane_fails: u32::from(dane == Some(DaneMx::Fails)),
            dane_no_tlsa: u32::from(dane == Some(DaneMx::NoTlsa)),
            dane_unknown: u32::from(counts >> 6 == 3),
        });
    }
    let v = verdict(&facts);
    check(&facts, &v);
    // The same facts twice: the same verdict (pure).
    assert_eq!(verdict(&facts), v);
    let from_state = state.facts();
    assert_eq!(from_state.mx.len(), state.mx.len());
    check(&from_state, &verdict(&from_state));
});
