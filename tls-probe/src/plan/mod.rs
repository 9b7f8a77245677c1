//! Sans-IO probe plans.
//!
//! A plan says which ClientHello to send on a fresh connection ([`Plan::next_hello`]), takes the
//! server's bytes ([`Plan::feed`], [`Plan::feed_eof`]) and, once `next_hello` returns `None`,
//! holds its result ([`Plan::result`]). It never touches a socket: the caller connects (and does
//! the SMTP STARTTLS preamble), sends the hello, and feeds what comes back until `feed` returns
//! `true` or the connection ends. [`crate::runner`] does exactly that for blocking streams.
//!
//! Every plan is a [`Probe`] (a state machine that sees each answer as a [`ServerFlight`]) wrapped
//! in [`Plan`], which owns the flight parser and counts handshakes.
//!
//! ```
//! use tls_probe::plan::{Plan, versions::VersionProbe};
//! use tls_probe::Version;
//!
//! let mut plan = Plan::new(VersionProbe::new(Default::default()));
//! let mut connections = 0;
//! while let Some(_hello) = plan.next_hello() {
//!     connections += 1;
//!     // A server that refuses everything with a protocol_version alert:
//!     assert!(plan.feed(&[21, 3, 1, 0, 2, 2, 70]));
//! }
//! assert_eq!(connections, 6);
//! assert!(plan.result().iter().all(|v| !v.supported));
//! assert_eq!(plan.result().first().unwrap().version, Version::Ssl2);
//! ```

use alloc::vec::Vec;

use crate::flight::{FlightParser, ServerFlight};

pub mod chain;
pub mod features;
pub mod fingerprint;
pub mod hellos;
pub mod params;

pub mod suites;
#[cfg(test)]
mod test_flights;
pub mod versions;

/// The decision logic of a plan: given the answer to its previous hello, the next hello.
pub trait Probe {
    /// What the plan finds.
    type Output;

    /// The next hello to send on a fresh connection, given the answer to the previous one
    /// (`None` on the first call). `None` ends the plan.
    fn next(&mut self, answer: Option<ServerFlight>) -> Option<Vec<u8>>;

    /// The result so far.
    fn output(&self) -> Self::Output;
}

/// Most hellos any plan may send ([`Plan::next_hello`] ends the plan there, whatever its probe
/// asks): a backstop under each probe's own bound (the suite scan's
/// [`suites::SuiteScanConfig::hello_cap`] for every version is below it), so that no probe, and
/// no bug in one, can keep a connection loop going forever.
pub const MAX_PLAN_HELLOS: u32 = 16_384;

/// A sans-IO plan: a [`Probe`] plus the flight parser of the current connection attempt.
#[derive(Debug)]
pub struct Plan<P> {
    probe: P,
    parser: Option<FlightParser>,
    handshakes: u32,
    finished: bool,
    capped: bool,
}

impl<P: Probe> Plan<P> {
    /// Wraps a probe.
    pub fn new(probe: P) -> Self {
        Plan {
            probe,
            parser: None,
            handshakes: 0,
            finished: false,
            capped: false,
        }
    }

    /// The bytes to send on a fresh connection, or `None` when the plan is complete. An attempt
    /// still open (no EOF fed) is closed as if the connection had ended.
    pub fn next_hello(&mut self) -> Option<Vec<u8>> {
        if self.finished {
            return None;
        }
        let answer = self.parser.take().map(|mut p| {
            p.feed_eof();
            p.into_flight()
        });
        match self.probe.next(answer) {
            Some(_) if self.handshakes >= MAX_PLAN_HELLOS => {
                self.finished = true;
                self.capped = true;
                None
            }
            Some(hello) => {
                self.parser = Some(FlightParser::new());
                self.handshakes = self.handshakes.saturating_add(1);
                Some(hello)
            }
            None => {
                self.finished = true;
                None
            }
        }
    }

    /// Feeds server bytes of the current attempt; `true` once this attempt is over (close the
    /// connection and call [`Plan::next_hello`]).
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        match self.parser.as_mut() {
            Some(p) => p.feed(bytes),
            None => true,
        }
    }

    /// The connection ended (EOF, reset or timeout).
    pub fn feed_eof(&mut self) {
        if let Some(p) = self.parser.as_mut() {
            p.feed_eof();
        }
    }

    /// Whether `next_hello` has returned `None`.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether the plan was ended by [`MAX_PLAN_HELLOS`] rather than by its probe (its result is
    /// then what the probe had when it was cut).
    pub fn hit_hello_limit(&self) -> bool {
        self.capped
    }

    /// How many hellos (connections) the plan has used.
    pub fn handshakes(&self) -> u32 {
        self.handshakes
    }

    /// The result (complete once the plan is finished).
    pub fn result(&self) -> P::Output {
        self.probe.output()
    }

    /// The probe itself.
    pub fn probe(&self) -> &P {
        &self.probe
    }
}
