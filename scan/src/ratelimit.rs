//! Per-IP connection rate limiting: a token bucket per address, kept in a bounded map.
//!
//! Every connection (retries included) takes a token. A bucket holds at most `burst` tokens
//! and refills at `rate` tokens per second. Taking is a *reservation*: when the bucket is empty
//! the caller is told how long to wait and the token is already counted, so concurrent callers
//! for the same address are spaced out instead of all waking at once.
//!
//! The map holds at most `max_entries` buckets. When it is full, buckets that have refilled
//! completely (idle addresses, which carry no state worth keeping) are dropped; if none has,
//! the least recently used bucket is dropped. Time is passed in, so the logic is tested without
//! sleeping.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One token bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    /// Tokens available at `updated` (negative: reserved ahead).
    tokens: f64,
    updated: Instant,
}

/// Rate and burst of the buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateConfig {
    /// Tokens added per second (> 0).
    pub rate: f64,
    /// Bucket size (>= 1).
    pub burst: f64,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub fn full(cfg: &RateConfig, now: Instant) -> Self {
        Self {
            tokens: cfg.burst,
            updated: now,
        }
    }

    fn refill(&mut self, cfg: &RateConfig, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * cfg.rate).min(cfg.burst);
        self.updated = now.max(self.updated);
    }

    /// Takes one token; returns how long the caller must wait before using it.
    pub fn reserve(&mut self, cfg: &RateConfig, now: Instant) -> Duration {
        self.refill(cfg, now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64(-self.tokens / cfg.rate).unwrap_or(Duration::MAX)
        }
    }

    /// Whether the bucket is full at `now` (its address has been idle long enough).
    pub fn is_full(&self, cfg: &RateConfig, now: Instant) -> bool {
        let mut b = *self;
        b.refill(cfg, now);
        b.tokens >= cfg.burst
    }
}

/// Token buckets for many addresses, in a bounded map.
#[derive(Debug)]
pub struct RateLimiter {
    cfg: RateConfig,
    max_entries: usize,
    buckets: Mutex<HashMap<IpAddr, TokenBucket>>,
}

impl RateLimiter {
    /// A limiter of `cfg.rate` connections per second per address with bursts of `cfg.burst`,
    /// remembering at most `max_entries` addresses (at least 1).
    pub fn new(cfg: RateConfig, max_entries: usize) -> Self {
        let cfg = RateConfig {
            rate: if cfg.rate > 0.0 { cfg.rate } else { 1.0 },
            burst: cfg.burst.max(1.0),
        };
        Self {
            cfg,
            max_entries: max_entries.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves a connection to `ip` at `now`; returns how long to wait before connecting.
    pub fn reserve(&self, ip: IpAddr, now: Instant) -> Duration {
        let mut map = match self.buckets.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !map.contains_key(&ip) && map.len() >= self.max_entries {
            let cfg = self.cfg;
            map.retain(|_, b| !b.is_full(&cfg, now));
            if map.len() >= self.max_entries {
                if let Some(oldest) = map.iter().min_by_key(|(_, b)| b.updated).map(|(k, _)| *k) {
                    map.remove(&oldest);
                }
            }
        }
        let cfg = self.cfg;
        map.entry(ip)
            .or_insert_with(|| TokenBucket::full(&cfg, now))
            .reserve(&cfg, now)
    }

    /// Number of addresses remembered.
    pub fn len(&self) -> usize {
        self.buckets.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// True when no address is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reserves a connection to `ip` and sleeps until it may be made; returns the time waited.
    pub async fn acquire(&self, ip: IpAddr) -> Duration {
        let wait = self.reserve(ip, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: RateConfig = RateConfig {
        rate: 1.0,
        burst: 2.0,
    };

    #[test]
    fn bucket_allows_burst_then_spaces_reservations() {
        let t0 = Instant::now();
        let mut b = TokenBucket::full(&CFG, t0);
        assert_eq!(b.reserve(&CFG, t0), Duration::ZERO);
        assert_eq!(b.reserve(&CFG, t0), Duration::ZERO);
        assert_eq!(b.reserve(&CFG, t0), Duration::from_secs(1));
        assert_eq!(b.reserve(&CFG, t0), Duration::from_secs(2));
        // After 2 s the two reserved tokens are paid back; the next waits a second.
        assert_eq!(
            b.reserve(&CFG, t0 + Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        // Long idle: full again, but never more than the burst.
        let later = t0 + Duration::from_secs(100);
        assert!(b.is_full(&CFG, later));
        assert_eq!(b.reserve(&CFG, later), Duration::ZERO);
        assert_eq!(b.reserve(&CFG, later), Duration::ZERO);
        assert_eq!(b.reserve(&CFG, later), Duration::from_secs(1));
    }

    #[test]
    fn limiter_is_per_ip_and_bounded() {
        let lim = RateLimiter::new(CFG, 3);
        let t0 = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(lim.reserve(a, t0), Duration::ZERO);
        assert_eq!(lim.reserve(a, t0), Duration::ZERO);
        assert_eq!(lim.reserve(a, t0), Duration::from_secs(1));
        // Another address has its own bucket.
        assert_eq!(lim.reserve(b, t0), Duration::ZERO);
        for i in 10..100u8 {
            lim.reserve(IpAddr::from([192, 0, 2, i]), t0);
            assert!(lim.len() <= 3);
        }
    }

    #[test]
    fn eviction_prefers_idle_buckets() {
        let lim = RateLimiter::new(CFG, 2);
        let t0 = Instant::now();
        let busy: IpAddr = "192.0.2.1".parse().unwrap();
        let idle: IpAddr = "192.0.2.2".parse().unwrap();
        lim.reserve(idle, t0);
        for _ in 0..7 {
            lim.reserve(busy, t0 + Duration::from_secs(1));
        }
        // At t0+5s the idle bucket is full again, the busy one is still in debt.
        lim.reserve("192.0.2.3".parse().unwrap(), t0 + Duration::from_secs(5));
        assert_eq!(lim.len(), 2);
        // The busy address kept its debt: its next reservation must wait.
        assert!(lim.reserve(busy, t0 + Duration::from_secs(5)) > Duration::ZERO);
    }
}
