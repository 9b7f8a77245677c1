//! Listeners (one per profile), the session limit, the JSON Lines log and the plaintext-fallback
//! tracker.

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::profiles::LabProfile;
use super::record::{SessionRecord, SESSION_KIND};
use super::session::{self, SessionConfig};

/// Most entries in the fallback tracker (oldest dropped beyond).
pub const MAX_TRACKED: usize = 10_000;
/// Most session records kept in memory (for the table printed at exit and
/// [`super::RunningLab::records`]).
pub const MAX_KEPT: usize = 10_000;

/// TLS failures per (client IP, EHLO name, profile), to spot a client that comes back in
/// plaintext.
#[derive(Debug, Default)]
pub struct FallbackTracker {
    failures: HashMap<(IpAddr, String, LabProfile), Instant>,
}

impl FallbackTracker {
    /// Notes a TLS failure now.
    pub fn failed(&mut self, key: (IpAddr, String, LabProfile), now: Instant, window: Duration) {
        if self.failures.len() >= MAX_TRACKED {
            self.failures
                .retain(|_, t| now.saturating_duration_since(*t) <= window);
            if self.failures.len() >= MAX_TRACKED {
                self.failures.clear();
            }
        }
        self.failures.insert(key, now);
    }

    /// Whether a TLS failure of this key happened within `window` before `now`.
    pub fn recent(
        &self,
        key: &(IpAddr, String, LabProfile),
        now: Instant,
        window: Duration,
    ) -> bool {
        self.failures
            .get(key)
            .is_some_and(|t| now.saturating_duration_since(*t) <= window)
    }
}

/// Sessions in progress per client IP on each listening address (`--max-sessions-per-ip`):
/// one sender cannot hold more than `max` sessions of one profile's address, while a sender
/// delivering to every profile at once (a provider's relay, the demo's scanner) is not held
/// back by the number of profiles. The total stays bounded by `--max-sessions`. At most
/// [`MAX_TRACKED`] pairs are tracked at once (beyond that a new pair is refused, as when busy).
#[derive(Debug)]
pub struct PerIp {
    max: u32,
    open: HashMap<(IpAddr, SocketAddr), u32>,
}

impl PerIp {
    /// A tracker allowing `max` sessions per IP.
    pub fn new(max: u32) -> PerIp {
        PerIp {
            max,
            open: HashMap::new(),
        }
    }

    /// Takes a session slot for `ip` on `local`, or refuses.
    pub fn enter(&mut self, ip: IpAddr, local: SocketAddr) -> bool {
        let key = (ip, local);
        if !self.open.contains_key(&key) && self.open.len() >= MAX_TRACKED {
            return false;
        }
        let n = self.open.entry(key).or_insert(0);
        if *n >= self.max {
            return false;
        }
        *n = n.saturating_add(1);
        true
    }

    /// Gives back a slot taken by [`PerIp::enter`].
    pub fn leave(&mut self, ip: IpAddr, local: SocketAddr) {
        let key = (ip, local);
        if let Some(n) = self.open.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.open.remove(&key);
            }
        }
    }
}

/// A slot of [`PerIp`], given back when dropped.
struct IpSlot {
    shared: Arc<Shared>,
    ip: IpAddr,
    local: SocketAddr,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        if let Ok(mut p) = self.shared.per_ip.lock() {
            p.leave(self.ip, self.local);
        }
    }
}

/// Everything the listeners share.
pub struct Shared {
    /// The log (stdout or `--log FILE`), one JSON object per line, flushed per record.
    pub log: Mutex<Box<dyn Write + Send>>,
    /// Records seen, for the summary at exit.
    pub kept: Mutex<Vec<SessionRecord>>,
    /// Fallback tracker.
    pub fallback: Mutex<FallbackTracker>,
    /// The fallback window.
    pub fallback_window: Duration,
    /// Concurrent sessions.
    pub sessions: Arc<Semaphore>,
    /// Deadline of one session.
    pub session_timeout: Duration,
    /// Sessions per client IP.
    pub per_ip: Mutex<PerIp>,
    /// Reverse DNS of senders, with `--resolver`.
    pub identity: Option<Arc<crate::identity::Identify>>,
    /// AS and country of senders, with `--asn-db`.
    pub asn_db: Option<mxray_asn::AsnDb>,
}

impl Shared {
    fn write(&self, rec: &SessionRecord) {
        if let Ok(line) = serde_json::to_string(rec) {
            if let Ok(mut w) = self.log.lock() {
                let _ = w.write_all(line.as_bytes());
                let _ = w.write_all(b"\n");
                let _ = w.flush();
            }
        }
        if let Ok(mut k) = self.kept.lock() {
            if k.len() < MAX_KEPT {
                k.push(rec.clone());
            }
        }
    }
}

/// Accepts connections on `listener` forever.
pub async fn serve(listener: TcpListener, cfg: Arc<SessionConfig>, shared: Arc<Shared>) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(_) => {
                // EMFILE and friends: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let local = tcp.local_addr().ok();
        let cfg = cfg.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            handle(tcp, peer, local, cfg, shared).await;
        });
    }
}

async fn handle(
    mut tcp: TcpStream,
    peer: SocketAddr,
    local: Option<SocketAddr>,
    cfg: Arc<SessionConfig>,
    shared: Arc<Shared>,
) {
    let start = Instant::now();
    let mut rec = SessionRecord {
        kind: SESSION_KIND.to_owned(),
        profile: Some(cfg.profile),
        server: local.map(|a| a.to_string()).unwrap_or_default(),
        client: peer.to_string(),
        started_unix_ms: mxray_schema::record::unix_ms_now(),
        ..SessionRecord::default()
    };
    rec.profile_rule = Some(cfg.rule.to_owned());
    let here = local.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    let ip_ok = shared
        .per_ip
        .lock()
        .map(|mut p| p.enter(peer.ip(), here))
        .unwrap_or(false);
    if !ip_ok {
        let _ = tcp
            .write_all(b"421 4.7.0 Too many sessions from your address, try again later\r\n")
            .await;
        let _ = tcp.shutdown().await;
        rec.end = "per-ip-limit".to_owned();
        shared.write(&rec);
        return;
    }
    let _slot = IpSlot {
        shared: shared.clone(),
        ip: peer.ip(),
        local: here,
    };
    let Ok(_permit) = shared.sessions.clone().try_acquire_owned() else {
        let _ = tcp
            .write_all(&smtp_codec::Encode::to_bytes(
                &smtp_codec::server::replies::busy(),
            ))
            .await;
        let _ = tcp.shutdown().await;
        rec.end = "busy".to_owned();
        shared.write(&rec);
        return;
    };
    let _ = tcp.set_nodelay(true);
    if tokio::time::timeout(
        shared.session_timeout,
        session::run(tcp, &cfg, &mut rec, start),
    )
    .await
    .is_err()
    {
        rec.end = "timeout".to_owned();
    }
    rec.timings.total_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    // Keyed by the address's own profile, not one chosen by SNI: a plaintext comeback has no
    // ClientHello, so it lands on the address's profile.
    note_fallback(&mut rec, peer.ip(), cfg.profile, &shared);
    if let Some(id) = &shared.identity {
        rec.sender = Some(id.identify(peer.ip()).await);
    }
    if let Some(db) = &shared.asn_db {
        rec.sender_network = db.lookup(peer.ip());
    }
    shared.write(&rec);
}

/// Records a TLS failure, or marks a plaintext comeback after one.
fn note_fallback(rec: &mut SessionRecord, ip: IpAddr, profile: LabProfile, shared: &Shared) {
    let key = (ip, rec.ehlo.clone().unwrap_or_default(), profile);
    let now = Instant::now();
    let tls_failed = rec.tls.as_ref().is_some_and(|t| t.result != "completed")
        || rec.starttls_reply == Some(454);
    let Ok(mut tracker) = shared.fallback.lock() else {
        return;
    };
    if tls_failed {
        tracker.failed(key, now, shared.fallback_window);
    } else if !rec.starttls_tried
        && rec.starttls_offered
        && tracker.recent(&key, now, shared.fallback_window)
    {
        rec.plaintext_fallback = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_slots_are_bounded_and_given_back() {
        let mut p = PerIp::new(2);
        let a = IpAddr::from([192, 0, 2, 1]);
        let b = IpAddr::from([192, 0, 2, 2]);
        let l1 = SocketAddr::from(([198, 51, 100, 1], 25));
        let l2 = SocketAddr::from(([198, 51, 100, 2], 25));
        assert!(p.enter(a, l1) && p.enter(a, l1));
        assert!(!p.enter(a, l1), "third session from one IP on one address");
        assert!(p.enter(b, l1), "another IP is not affected");
        assert!(p.enter(a, l2), "nor another listening address");
        p.leave(a, l1);
        assert!(p.enter(a, l1));
        p.leave(a, l1);
        p.leave(a, l1);
        p.leave(a, l1);
        assert!(
            !p.open.contains_key(&(a, l1)),
            "emptied entries are removed"
        );
        let mut p = PerIp::new(1);
        for i in 0..MAX_TRACKED {
            let ip = IpAddr::from(u32::try_from(i).unwrap_or(0).to_be_bytes());
            assert!(p.enter(ip, l1));
        }
        assert!(!p.enter(IpAddr::from([203, 0, 113, 1]), l1), "tracker full");
    }

    #[test]
    fn tracker_window_and_bound() {
        let mut t = FallbackTracker::default();
        let w = Duration::from_secs(10);
        let now = Instant::now();
        let key = (
            IpAddr::from([127, 0, 0, 1]),
            "a".to_owned(),
            LabProfile::Good,
        );
        assert!(!t.recent(&key, now, w));
        t.failed(key.clone(), now, w);
        assert!(t.recent(&key, now + Duration::from_secs(5), w));
        assert!(!t.recent(&key, now + Duration::from_secs(11), w));
        for i in 0..(MAX_TRACKED + 5) {
            let k = (key.0, i.to_string(), LabProfile::Good);
            t.failed(k, now, w);
        }
        assert!(t.failures.len() <= MAX_TRACKED);
    }
}
