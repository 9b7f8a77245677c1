//! The committed test databases (made by `lab/asn/make-fixtures.py` with the `mmdb-writer`
//! package): the MaxMind DB files and the iptoasn TSV give the same answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use mxray_asn::{detect, AsnDb, Kind};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scanner-bin/tests/fixtures/asn")
        .join(name)
}

#[test]
fn mmdb_and_tsv_fixtures_agree() {
    let mmdb = AsnDb::open(&[fixture("lab-asn.mmdb")]).unwrap();
    let tsv = AsnDb::open(&[fixture("lab-ip2asn.tsv")]).unwrap();
    assert_eq!(
        detect(&std::fs::read(fixture("lab-asn.mmdb")).unwrap()),
        Kind::Mmdb
    );
    for (ip, want) in [
        ("127.0.0.1", Some((64496, "Loopback Lab", "XL"))),
        ("127.255.255.254", Some((64496, "Loopback Lab", "XL"))),
        ("192.0.2.15", Some((64500, "Example Net A", "DE"))),
        ("192.0.2.16", None),
        ("198.51.100.20", Some((64501, "Example Net B", "FR"))),
        ("2001:db8::20", Some((64502, "Example Net Six", "NL"))),
        ("::ffff:127.0.0.1", Some((64496, "Loopback Lab", "XL"))),
        ("::1", None),
        ("203.0.113.1", None),
    ] {
        for db in [&mmdb, &tsv] {
            let got = db.lookup(ip.parse().unwrap());
            let got = got.map(|n| (n.asn.unwrap(), n.as_org.unwrap(), n.country.unwrap()));
            assert_eq!(
                got.as_ref().map(|(a, o, c)| (*a, o.as_str(), c.as_str())),
                want,
                "{ip} in {db:?}"
            );
        }
    }
}

#[test]
fn a_country_database_completes_an_as_database() {
    // The country file has no AS; given first, the AS still comes from the TSV after it.
    let db = AsnDb::open(&[fixture("lab-country.mmdb"), fixture("lab-ip2asn.tsv")]).unwrap();
    let n = db.lookup("198.51.100.7".parse().unwrap()).unwrap();
    assert_eq!(n.asn, Some(64501));
    assert_eq!(n.country.as_deref(), Some("FR"));
    let only = AsnDb::open(&[fixture("lab-country.mmdb")]).unwrap();
    let n = only.lookup("198.51.100.7".parse().unwrap()).unwrap();
    assert_eq!((n.asn, n.country.as_deref()), (None, Some("FR")));
}

#[test]
fn a_truncated_mmdb_is_refused() {
    let mut b = std::fs::read(fixture("lab-asn.mmdb")).unwrap();
    // Damage the search tree (the start of the file), keep the metadata.
    for x in b.iter_mut().take(64) {
        *x = 0xff;
    }
    let e = AsnDb::from_bytes("damaged.mmdb", b).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("damaged.mmdb: not a valid MaxMind DB file: "),
        "{e}"
    );
}

/// `lab/asn/make-fixtures.py` (with the lab venv's `mmdb-writer`, lab/install.sh) makes
/// databases that answer exactly like the committed ones. Needs MXRAY_LAB.
#[test]
fn the_fixture_script_makes_the_same_databases() {
    let lab = std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh (lab/install.sh makes its venv)")
    });
    let dir = std::env::temp_dir().join(format!("mxray-asn-fixtures-{}", std::process::id()));
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lab/asn/make-fixtures.py");
    let out = std::process::Command::new(PathBuf::from(lab).join("venv/bin/python"))
        .arg(&script)
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let probes = [
        "127.0.0.1",
        "192.0.2.0",
        "192.0.2.15",
        "192.0.2.16",
        "198.51.100.255",
        "2001:db8:ffff::1",
        "2001:db9::1",
        "10.0.0.1",
    ];
    for name in ["lab-asn.mmdb", "lab-country.mmdb", "lab-ip2asn.tsv"] {
        let made = AsnDb::open(&[dir.join(name)]).unwrap();
        let committed = AsnDb::open(&[fixture(name)]).unwrap();
        for ip in probes {
            let ip = ip.parse().unwrap();
            assert_eq!(made.lookup(ip), committed.lookup(ip), "{name} {ip}");
        }
    }
    assert_eq!(
        std::fs::read(dir.join("lab-ip2asn.tsv")).unwrap(),
        std::fs::read(fixture("lab-ip2asn.tsv")).unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
