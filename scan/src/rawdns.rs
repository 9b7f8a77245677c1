//! One DNS question over UDP to a given server, answered as the server gives it: used for the
//! names of address targets (PTR and its forward check) when `--resolver` names a server.
//!
//! hickory's resolver answers special-use names itself (RFC 6761: every `127.in-addr.arpa` PTR
//! is `localhost.`, `localhost.` is 127.0.0.1) and may read the hosts file; a PTR name taken
//! from a server must come from the server. Small answers only: a truncated reply (TC) is an
//! error rather than a retry over TCP.
//!
//! [`query_dnssec`] asks with the DO bit and returns the whole reply (records and RRSIGs), over
//! UDP and then TCP when the reply is truncated: the DNSKEY RRset of a DS trust anchor's zone.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::proto::op::Edns;
use hickory_resolver::proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// Largest reply read (the EDNS-less UDP limit is 512; room for servers that send more).
const MAX_REPLY: usize = 4096;

/// Asks `server` for `rtype` at `name` (an absolute name); the answer's records of that type,
/// or the response code's name (`NXDOMAIN`, `SERVFAIL`, …), `timeout`, `truncated` or `error`.
pub async fn query(
    server: SocketAddr,
    name: &Name,
    rtype: RecordType,
    timeout: Duration,
) -> Result<Vec<RData>, String> {
    let (id, msg) = new_query(name, rtype);
    let bytes = msg.to_vec().map_err(|_| "error".to_owned())?;
    let exchange = udp_exchange(server, &bytes, id, MAX_REPLY);
    let reply: Message = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| "timeout".to_owned())??;
    if reply.truncated() {
        return Err("truncated".to_owned());
    }
    match reply.response_code() {
        ResponseCode::NoError => Ok(reply
            .answers()
            .iter()
            .filter(|r| r.record_type() == rtype)
            .map(|r| r.data().clone())
            .collect()),
        ResponseCode::NXDomain => Err("NXDOMAIN".to_owned()),
        ResponseCode::ServFail => Err("SERVFAIL".to_owned()),
        ResponseCode::Refused => Err("REFUSED".to_owned()),
        other => Err(format!("{other:?}").to_ascii_uppercase()),
    }
}

/// The EDNS payload size [`query_dnssec`] announces (and the largest UDP reply it reads).
const DNSSEC_UDP_PAYLOAD: u16 = 4096;

/// Asks `server` for `rtype` at `name` with the DO bit set (RFC 3225), over UDP and again over
/// TCP when the reply is truncated; the reply as given (answers with their RRSIGs), whatever
/// its response code, or `timeout` / `error` / `truncated`. `timeout` bounds the whole
/// exchange; a TCP reply is at most 65,535 bytes (its length prefix).
pub async fn query_dnssec(
    server: SocketAddr,
    name: &Name,
    rtype: RecordType,
    timeout: Duration,
) -> Result<Message, String> {
    let (id, mut msg) = new_query(name, rtype);
    let mut edns = Edns::new();
    edns.set_dnssec_ok(true).set_max_payload(DNSSEC_UDP_PAYLOAD);
    msg.set_edns(edns);
    let bytes = msg.to_vec().map_err(|_| "error".to_owned())?;
    let ours = move |reply: &Message| answers(reply, id);
    let exchange = async {
        let udp = udp_exchange(server, &bytes, id, usize::from(DNSSEC_UDP_PAYLOAD)).await?;
        if !udp.truncated() {
            return Ok::<Message, String>(udp);
        }
        let mut tcp = TcpStream::connect(server)
            .await
            .map_err(|_| "error".to_owned())?;
        let len = u16::try_from(bytes.len()).map_err(|_| "error".to_owned())?;
        let mut framed = Vec::with_capacity(bytes.len().saturating_add(2));
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(&bytes);
        tcp.write_all(&framed)
            .await
            .map_err(|_| "error".to_owned())?;
        let mut prefix = [0u8; 2];
        tcp.read_exact(&mut prefix)
            .await
            .map_err(|_| "error".to_owned())?;
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
        tcp.read_exact(&mut body)
            .await
            .map_err(|_| "error".to_owned())?;
        match Message::from_vec(&body) {
            Ok(reply) if ours(&reply) && !reply.truncated() => Ok(reply),
            Ok(reply) if ours(&reply) => Err("truncated".to_owned()),
            _ => Err("error".to_owned()),
        }
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| "timeout".to_owned())?
}

/// A recursive query for `rtype` at `name` with an unpredictable id (std's per-process random
/// hash keys), so that a forged reply must guess it.
fn new_query(name: &Name, rtype: RecordType) -> (u16, Message) {
    let id = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write(name.to_ascii().as_bytes());
        h.write_u16(u16::from(rtype));
        (h.finish() & 0xffff) as u16
    };
    let mut msg = Message::new();
    msg.set_id(id)
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(true)
        .add_query(Query::query(name.clone(), rtype));
    (id, msg)
}

/// Sends `bytes` to `server` over a connected UDP socket (a reply must come from the server)
/// and waits for the response with `id`, reading at most `max_reply` bytes a datagram; strays
/// and late datagrams are skipped. The caller bounds the wait.
async fn udp_exchange(
    server: SocketAddr,
    bytes: &[u8],
    id: u16,
    max_reply: usize,
) -> Result<Message, String> {
    let bind: SocketAddr = if server.is_ipv4() {
        (IpAddr::from([0u8, 0, 0, 0]), 0).into()
    } else {
        (IpAddr::from([0u16; 8]), 0).into()
    };
    let sock = UdpSocket::bind(bind)
        .await
        .map_err(|_| "error".to_owned())?;
    sock.connect(server).await.map_err(|_| "error".to_owned())?;
    sock.send(bytes).await.map_err(|_| "error".to_owned())?;
    let mut buf = vec![0u8; max_reply];
    loop {
        let n = sock.recv(&mut buf).await.map_err(|_| "error".to_owned())?;
        match buf.get(..n).and_then(|b| Message::from_vec(b).ok()) {
            Some(reply) if answers(&reply, id) => return Ok(reply),
            _ => continue,
        }
    }
}

/// Whether `reply` is the response to our query `id` (not a stray, a late datagram or a query).
fn answers(reply: &Message, id: u16) -> bool {
    reply.id() == id && reply.message_type() == MessageType::Response
}
