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
