//! `mxray scan` against the real Postfix of the lab (127.0.0.1:2525). Needs MXRAY_LAB.
// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use mxray_schema::record::Status;

fn lab() -> String {
    std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (Postfix on 127.0.0.1:2525)")
    })
}

#[test]
fn postfix_banner_is_recorded() {
    let _ = lab();
    let out = scan(&["--quiet", "127.0.0.1:2525"]);
    let r = one_record(&out);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    let b = r.banner.as_ref().unwrap();
    assert_eq!(b.code, Some(220));
    assert_eq!(b.text, "220 mx.lab.test ESMTP Postfix (Debian/GNU)\r\n");
}

/// `--shard` on a domain list whose MX hosts share an address (the lab's DNSSEC zone: the MX of
/// `secure.dane.test` and of `insecure.dane.test` are both 127.0.0.1; `dane.test` has no MX
/// address and `bogus.dane.test` fails validation, SERVFAIL, through the lab's unbound). By
/// address (the default) that address's records are all in one shard, whatever the domains;
/// each DNS failure is in exactly one shard; the shards together hold exactly what one
/// unsharded scan holds. By name, a domain's records follow the domain.
#[test]
fn shards_by_address_keep_one_ip_on_one_machine_for_domain_lists() {
    let _ = lab();
    let closed = closed_port().port().to_string();
    let domains = [
        "secure.dane.test",
        "insecure.dane.test",
        "bogus.dane.test",
        "dane.test",
    ];
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--quiet",
            "--retries",
            "0",
            "--port",
            &closed,
            "--resolver",
            "127.0.0.1:5301",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&domains);
        let out = scan(&args);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let mut keys: Vec<(String, Option<std::net::IpAddr>)> = stdout_records(&out)
            .into_iter()
            .map(|r| (r.domain.unwrap(), r.ip))
            .collect();
        keys.sort();
        keys
    };
    let whole = run(&[]);
    let with_ip = whole.iter().filter(|(_, ip)| ip.is_some()).count();
    assert_eq!(with_ip, 2, "two domains reach 127.0.0.1: {whole:?}");
    assert_eq!(whole.len(), 4, "{whole:?}");
    for by in ["address", "name"] {
        let shards: Vec<_> = (0..4)
            .map(|i| run(&["--shard", &format!("{i}/4"), "--shard-by", by]))
            .collect();
        let mut union: Vec<_> = shards.iter().flatten().cloned().collect();
        union.sort();
        assert_eq!(union, whole, "--shard-by {by}: every record exactly once");
        let holding_ip = shards
            .iter()
            .filter(|s| s.iter().any(|(_, ip)| ip.is_some()))
            .count();
        if by == "address" {
            assert_eq!(holding_ip, 1, "one shard scans 127.0.0.1: {shards:?}");
        } else {
            // The two domains hash to shards 2 and 1 of 4 (FNV-1a): by name, two machines
            // connect to the one address.
            assert_eq!(holding_ip, 2, "by name the address is split: {shards:?}");
        }
        for s in &shards {
            for (d, _) in s {
                if by == "name" {
                    // All of a domain's records in the shard that owns its name.
                    assert!(
                        s.iter().filter(|(e, _)| e == d).count()
                            == whole.iter().filter(|(e, _)| e == d).count()
                    );
                }
            }
        }
    }
    // The default is by address.
    let default: Vec<_> = (0..4)
        .map(|i| run(&["--shard", &format!("{i}/4")]))
        .collect();
    let by_address: Vec<_> = (0..4)
        .map(|i| run(&["--shard", &format!("{i}/4"), "--shard-by", "address"]))
        .collect();
    assert_eq!(default, by_address);
}

#[test]
fn shard_by_needs_shard_and_a_known_key() {
    for args in [
        &["--shard-by", "name", "example.org"][..],
        &["--shard", "0/2", "--shard-by", "ip", "example.org"][..],
    ] {
        let out = scan(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
}
