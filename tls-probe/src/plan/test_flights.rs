//! Server flights for the probes' unit tests, parsed by [`FlightParser`] from bytes built here.

use alloc::vec;
use alloc::vec::Vec;

use crate::flight::{FlightParser, ServerFlight};
use crate::hello::ClientHello;

/// One TLS 1.2 handshake record: ServerHello (`version`, `suite`, extensions as (type, data)),
/// a ServerKeyExchange when `ske` is given, a CertificateStatus when `status`, ServerHelloDone.
pub(crate) fn flight(
    version: u16,
    suite: u16,
    exts: &[(u16, &[u8])],
    ske: Option<&[u8]>,
    status: bool,
) -> ServerFlight {
    let mut ext_block = Vec::new();
    for (t, d) in exts {
        ext_block.extend_from_slice(&t.to_be_bytes());
        ext_block.extend_from_slice(&(d.len() as u16).to_be_bytes());
        ext_block.extend_from_slice(d);
    }
    let mut body = version.to_be_bytes().to_vec();
    body.extend_from_slice(&[7; 32]);
    body.push(0);
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0);
    body.extend_from_slice(&(ext_block.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext_block);
    let mut msgs = Vec::new();
    let mut msg = |typ: u8, b: &[u8]| {
        let l = (b.len() as u32).to_be_bytes();
        msgs.extend_from_slice(&[typ, l[1], l[2], l[3]]);
        msgs.extend_from_slice(b);
    };
    msg(2, &body);
    if let Some(s) = ske {
        msg(12, s);
    }
    if status {
        msg(22, &[1, 0, 0, 0]);
    }
    msg(14, &[]);
    let mut rec = vec![22, 3, 3];
    rec.extend_from_slice(&(msgs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&msgs);
    let mut p = FlightParser::new();
    assert!(p.feed(&rec), "a whole flight");
    p.into_flight()
}

/// A fatal alert with `description`.
pub(crate) fn alert(description: u8) -> ServerFlight {
    let mut p = FlightParser::new();
    assert!(p.feed(&[21, 3, 3, 0, 2, 2, description]));
    p.into_flight()
}

/// The hello a probe sent, parsed.
pub(crate) fn parsed(hello: Option<Vec<u8>>) -> ClientHello {
    ClientHello::parse(&hello.expect("a hello")).expect("a ClientHello")
}
