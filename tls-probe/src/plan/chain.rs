//! The certificate chain from one legacy hello: TLS ≤ 1.2 sends the server's certificates in
//! clear, so one ClientHello and the server's first flight give the chain even when no modern
//! client (rustls) can complete a handshake (SSLv3 to TLS 1.1 servers).
//!
//! ```
//! use tls_probe::plan::chain::ChainProbe;
//! use tls_probe::plan::{hellos::HelloOptions, Plan};
//! use tls_probe::Version;
//!
//! let mut plan = Plan::new(ChainProbe::new(Version::Tls10, &HelloOptions::default()));
//! assert!(plan.next_hello().is_some());
//! // A server that refuses with a handshake_failure alert sends no certificate.
//! assert!(plan.feed(&[21, 3, 1, 0, 2, 2, 40]));
//! assert!(plan.next_hello().is_none(), "one hello only");
//! assert!(plan.result().is_empty());
//! ```

use alloc::vec::Vec;

use super::hellos::HelloOptions;
use super::versions::version_hello;
use super::Probe;
use crate::flight::ServerFlight;
use crate::version::Version;

/// One hello for a legacy version, keeping the certificates (DER, leaf first, as sent) of the
/// answer. The flight parser's limits bound them ([`crate::record::MAX_FLIGHT`]).
#[derive(Debug, Clone)]
pub struct ChainProbe {
    hello: Option<Vec<u8>>,
    chain: Vec<Vec<u8>>,
}

impl ChainProbe {
    /// A probe asking with `version`'s default hello.
    pub fn new(version: Version, opts: &HelloOptions) -> Self {
        ChainProbe {
            hello: Some(version_hello(version, opts)),
            chain: Vec::new(),
        }
    }
}

impl Probe for ChainProbe {
    type Output = Vec<Vec<u8>>;

    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>> {
        if let Some(f) = answer {
            self.chain = f.certificates;
        }
        self.hello.take()
    }

    fn output(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;
    use alloc::vec;

    fn record(typ: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![typ, 3, 1];
        r.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    fn u24(n: usize) -> [u8; 3] {
        let b = u32::try_from(n).unwrap().to_be_bytes();
        [b[1], b[2], b[3]]
    }

    /// A ServerHello, a Certificate message with `certs` and ServerHelloDone, in one record.
    fn flight(certs: &[&[u8]]) -> Vec<u8> {
        let mut sh = vec![3, 1];
        sh.extend_from_slice(&[7; 32]);
        sh.extend_from_slice(&[0, 0x00, 0x2f, 0]);
        let mut list = Vec::new();
        for c in certs {
            list.extend_from_slice(&u24(c.len()));
            list.extend_from_slice(c);
        }
        let mut cert = u24(list.len()).to_vec();
        cert.extend_from_slice(&list);
        let mut msgs = vec![2];
        msgs.extend_from_slice(&u24(sh.len()));
        msgs.extend_from_slice(&sh);
        msgs.push(11);
        msgs.extend_from_slice(&u24(cert.len()));
        msgs.extend_from_slice(&cert);
        msgs.extend_from_slice(&[14, 0, 0, 0]);
        record(22, &msgs)
    }

    #[test]
    fn keeps_the_certificates_of_the_answer_in_order_split_anywhere() {
        let bytes = flight(&[b"leaf-der", b"intermediate-der"]);
        for split in 1..bytes.len() {
            let mut plan = Plan::new(ChainProbe::new(Version::Tls10, &HelloOptions::default()));
            let hello = plan.next_hello().unwrap();
            assert_eq!(hello.first(), Some(&22));
            for c in bytes.chunks(split) {
                if plan.feed(c) {
                    break;
                }
            }
            assert!(plan.next_hello().is_none());
            assert_eq!(plan.handshakes(), 1);
            assert_eq!(
                plan.result(),
                vec![b"leaf-der".to_vec(), b"intermediate-der".to_vec()],
                "split {split}"
            );
        }
    }

    #[test]
    fn a_closed_connection_gives_no_chain() {
        let mut plan = Plan::new(ChainProbe::new(Version::Ssl3, &HelloOptions::default()));
        assert!(plan.next_hello().is_some());
        plan.feed_eof();
        assert!(plan.next_hello().is_none());
        assert!(plan.result().is_empty());
    }
}
