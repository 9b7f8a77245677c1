//! The time budget of one endpoint, derived from what its profile needs.
//!
//! Every connection to an address (the probes' included) waits for the per-IP rate limit
//! ([`crate::ratelimit`]), so an endpoint's wall time is dominated by its connections divided by
//! the rate. A fixed deadline either wastes time (`quick`) or cuts a `full` scan short at a polite
//! rate; [`endpoint_budget`] sizes it from the plan instead: the connections the profile needs
//! beyond the burst, paced at the rate, plus the time limits of the phases that can stall (a
//! connect, two read phases, two TLS exchanges) and the retry backoff. An explicit
//! `--endpoint-timeout` caps it.

use std::time::Duration;

use mxray_schema::record::Profile;

/// Connections one endpoint may need with `profile`: an upper estimate. `quick`: the main
/// connection. `standard`: that and one hello per protocol version the modern handshake did not
/// settle (5; 6 when it failed), plus a plain retry of a handshake the injection test broke
/// (8 at most). `full`: about k + 2 per version for k accepted suites, plus groups, signature
/// algorithms, features and a fingerprint (156 for the lab's Postfix, most servers fewer).
pub fn profile_connections(profile: Profile) -> u32 {
    match profile {
        Profile::Quick => 1,
        Profile::Standard => 8,
        // Full, and any later profile: the most.
        _ => 200,
    }
}

/// Longest budget (one day, the longest duration the command line takes).
pub const MAX_BUDGET: Duration = Duration::from_secs(86_400);

/// What one endpoint costs, and the deadline derived from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Connections the profile may need ([`profile_connections`]).
    pub connections: u32,
    /// Time spent waiting for the per-IP rate limit: the connections beyond the burst, at the
    /// rate.
    pub pacing: Duration,
    /// The derived deadline: pacing plus the time limits (see [`endpoint_budget`]).
    pub derived: Duration,
    /// The deadline used: `derived`, capped by an explicit `--endpoint-timeout`.
    pub deadline: Duration,
}

/// The time settings that enter a budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetInputs {
    /// Scan profile.
    pub profile: Profile,
    /// Connections per second to one address (> 0).
    pub rate: f64,
    /// Connections allowed at once above the rate.
    pub burst: u32,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of each SMTP read phase.
    pub read_timeout: Duration,
    /// Time limit of each TLS exchange.
    pub tls_timeout: Duration,
    /// Retries after a 421 or a refused connection.
    pub retries: u32,
    /// Backoff before the first retry, doubled for each further one.
    pub retry_delay: Duration,
    /// `--endpoint-timeout`, when given: caps the derived deadline.
    pub explicit: Option<Duration>,
}

/// The budget of one endpoint: pacing = (connections − burst) ÷ rate; derived = pacing +
/// connect timeout + 2 × read timeout (the main connection's and a probe's slow preamble) +
/// 2 × TLS timeout (the main handshake and the last probe exchange) + the retry backoff of the
/// main connection (`retry_delay` × (2^retries − 1)); at most [`MAX_BUDGET`]. The deadline is
/// the derived one, or the explicit one when smaller.
///
/// ```
/// use std::time::Duration;
/// use mxray_scan::budget::{endpoint_budget, BudgetInputs};
/// use mxray_schema::record::Profile;
///
/// let s = Duration::from_secs;
/// let mut inputs = BudgetInputs {
///     profile: Profile::Full,
///     rate: 1.0,
///     burst: 2,
///     connect_timeout: s(10),
///     read_timeout: s(30),
///     tls_timeout: s(10),
///     retries: 2,
///     retry_delay: s(2),
///     explicit: None,
/// };
/// let b = endpoint_budget(&inputs);
/// assert_eq!(b.connections, 200);
/// assert_eq!(b.pacing, s(198));
/// assert_eq!(b.derived, s(198 + 10 + 60 + 20 + 6));
/// assert_eq!(b.deadline, b.derived);
/// inputs.explicit = Some(s(120));
/// assert_eq!(endpoint_budget(&inputs).deadline, s(120));
/// ```
pub fn endpoint_budget(i: &BudgetInputs) -> Budget {
    let connections = profile_connections(i.profile);
    let rate = if i.rate.is_finite() && i.rate > 0.0 {
        i.rate
    } else {
        1.0
    };
    let paced = f64::from(connections.saturating_sub(i.burst));
    let pacing = Duration::try_from_secs_f64(paced / rate)
        .unwrap_or(MAX_BUDGET)
        .min(MAX_BUDGET);
    let factor = 1u32
        .checked_shl(i.retries)
        .map_or(u32::MAX, |f| f.saturating_sub(1));
    let derived = pacing
        .saturating_add(i.connect_timeout)
        .saturating_add(i.read_timeout.saturating_mul(2))
        .saturating_add(i.tls_timeout.saturating_mul(2))
        .saturating_add(i.retry_delay.saturating_mul(factor))
        .min(MAX_BUDGET);
    let deadline = i.explicit.map_or(derived, |e| e.min(derived));
    Budget {
        connections,
        pacing,
        derived,
        deadline,
    }
}

/// The line printed before a scan (unless `--quiet`): what the profile costs per endpoint at
/// the rate, and the deadline.
pub fn cost_line(i: &BudgetInputs, b: &Budget) -> String {
    let profile = i.profile.as_str();
    let mut line = format!(
        "mxray: profile {profile}: up to ~{} connections per endpoint; at --per-ip-rate {}/s \
         (burst {}) that is ~{} s of pacing; endpoint deadline {} s (pacing plus timeouts)",
        b.connections,
        i.rate,
        i.burst,
        b.pacing.as_secs(),
        b.deadline.as_secs(),
    );
    if b.deadline < b.derived {
        line.push_str(&format!(
            "; --endpoint-timeout cuts it from {} s: endpoints whose probes do not fit are \
             recorded as `partial`",
            b.derived.as_secs()
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(profile: Profile, rate: f64) -> BudgetInputs {
        BudgetInputs {
            profile,
            rate,
            burst: 2,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            tls_timeout: Duration::from_secs(10),
            retries: 2,
            retry_delay: Duration::from_secs(2),
            explicit: None,
        }
    }

    #[test]
    fn the_budget_grows_with_the_profile_and_shrinks_with_the_rate() {
        let quick = endpoint_budget(&inputs(Profile::Quick, 1.0));
        let standard = endpoint_budget(&inputs(Profile::Standard, 1.0));
        let full = endpoint_budget(&inputs(Profile::Full, 1.0));
        assert!(quick.derived < standard.derived && standard.derived < full.derived);
        assert_eq!(quick.pacing, Duration::ZERO);
        assert_eq!(standard.pacing, Duration::from_secs(6));
        // The old fixed 120 s could not hold a full scan at 1/s.
        assert!(full.deadline > Duration::from_secs(120));
        let fast = endpoint_budget(&inputs(Profile::Full, 100.0));
        assert_eq!(fast.pacing, Duration::from_millis(1980));
    }

    #[test]
    fn hostile_settings_stay_bounded() {
        let mut i = inputs(Profile::Full, 1e-300);
        i.retries = 40;
        i.retry_delay = MAX_BUDGET;
        i.read_timeout = MAX_BUDGET;
        let b = endpoint_budget(&i);
        assert_eq!(b.derived, MAX_BUDGET);
        let b = endpoint_budget(&inputs(Profile::Full, f64::NAN));
        assert_eq!(b.pacing, Duration::from_secs(198));
    }

    #[test]
    fn the_cost_line_says_when_the_explicit_deadline_cuts_the_budget() {
        let mut i = inputs(Profile::Full, 1.0);
        let b = endpoint_budget(&i);
        let line = cost_line(&i, &b);
        assert!(line.contains("~200 connections"), "{line}");
        assert!(!line.contains("partial"), "{line}");
        i.explicit = Some(Duration::from_secs(120));
        let line = cost_line(&i, &endpoint_budget(&i));
        assert!(line.contains("endpoint deadline 120 s"), "{line}");
        assert!(line.contains("partial"), "{line}");
    }
}
