//! The per-domain verdict (pure): would a sender deliver mail to this domain securely, and which
//! attacker wins?
//!
//! Three kinds of sender try the MX hosts in preference order (lowest first), as RFC 5321
//! section 5.1 says, and deliver to the first one they accept:
//!
//! - **opportunistic**: STARTTLS when offered, any certificate, plaintext otherwise;
//! - **MTA-STS** (RFC 8461): with a valid `enforce` policy, only to an MX that matches a policy
//!   `mx` pattern, completes STARTTLS and presents a trusted certificate valid for its name (MX
//!   hosts failing it are skipped; none left: the mail is deferred); with `testing`, `none` or no
//!   usable policy, like the opportunistic sender;
//! - **DANE** (RFC 7672): to an MX with DNSSEC-secure TLSA records only when they match
//!   (skipped otherwise); to an MX without them, like the opportunistic sender. Unknown when the
//!   DANE facts are absent ([`MxFacts::dane`] is `None`).
//!
//! Each sender's [`Delivery`] names the MX responsible. Then four attackers:
//!
//! - a **passive** eavesdropper reads what goes in plaintext;
//! - an active attacker who **strips STARTTLS**, one who presents a **forged certificate**,
//!   and one who **spoofs the MX in DNS** can also block the better MX hosts, so they win when
//!   the sender accepts *any* reachable MX they can subvert. Against an MTA-STS `enforce`
//!   policy they win only on first contact ([`AttackerResult::FirstContact`]): a sender that has
//!   no cached policy can be kept from fetching it (RFC 8461 section 10, trust on first use).
//!
//! ```
//! use mail_policy::verdict::{verdict, Attacker, AttackerResult, Delivery, DomainFacts, MxFacts, StsState};
//!
//! let mx = MxFacts { host: "mx.example.org".into(), preference: 10, reached: true, tls: true,
//!                    certificate_valid: true, sts_match: true, dane: None };
//! let v = verdict(&DomainFacts { mx: vec![mx], sts: StsState::Enforce });
//! assert_eq!(v.opportunistic.delivery, Delivery::EncryptedOnly);
//! assert_eq!(v.mta_sts.delivery, Delivery::Authenticated);
//! assert_eq!(v.dane.delivery, Delivery::Unknown);
//! assert_eq!(v.attacker(Attacker::StarttlsStripper).opportunistic, AttackerResult::Wins);
//! assert_eq!(v.attacker(Attacker::StarttlsStripper).mta_sts, AttackerResult::FirstContact);
//! ```

/// DANE at one MX host, as a DANE-validating sender sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DaneMx {
    /// No usable DNSSEC-secure TLSA records (absent, or the zone is not signed): DANE does not
    /// apply, the sender is opportunistic for this MX.
    NoTlsa,
    /// Secure TLSA records, and STARTTLS with a chain that matches one of them.
    Authenticated,
    /// Secure TLSA records, but no STARTTLS or no match: the sender does not deliver here.
    Fails,
}

/// The domain's MTA-STS state, as a sender that fetched it sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StsState {
    /// No usable policy: no or an invalid TXT record, a policy that cannot be fetched or
    /// parsed, or mode `none`.
    Absent,
    /// A valid policy in mode `testing`.
    Testing,
    /// A valid policy in mode `enforce`.
    Enforce,
}

/// What the scan found at one MX host (all its addresses together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxFacts {
    /// The MX host name.
    pub host: String,
    /// Its preference (the implicit MX: 0).
    pub preference: u16,
    /// An SMTP session took place at one of its addresses.
    pub reached: bool,
    /// STARTTLS was offered and a handshake completed.
    pub tls: bool,
    /// The certificate is trusted and valid for the MX host name.
    pub certificate_valid: bool,
    /// The host matches an `mx` pattern of the MTA-STS policy (false without a policy).
    pub sts_match: bool,
    /// DANE at this host; `None`: not known (not looked up).
    pub dane: Option<DaneMx>,
}

impl MxFacts {
    fn passes_sts(&self) -> bool {
        self.sts_match && self.tls && self.certificate_valid
    }
}

/// What the verdict is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainFacts {
    /// The MX hosts (any order; the verdict sorts them by preference, stably).
    pub mx: Vec<MxFacts>,
    /// MTA-STS.
    pub sts: StsState,
}

/// How a sender's mail reaches the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// Over TLS to a server whose identity the sender checked.
    Authenticated,
    /// Over TLS, the server's identity not checked.
    EncryptedOnly,
    /// In plaintext.
    Plaintext,
    /// Not at all (deferred, then bounced): no MX the sender accepts answered.
    NotDelivered,
    /// The facts this sender needs are not known.
    Unknown,
}

impl Delivery {
    /// The wire and table name.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Authenticated => "authenticated",
            Delivery::EncryptedOnly => "encrypted_only",
            Delivery::Plaintext => "plaintext",
            Delivery::NotDelivered => "not_delivered",
            Delivery::Unknown => "unknown",
        }
    }
}

/// One sender's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderVerdict {
    /// How the mail goes.
    pub delivery: Delivery,
    /// The MX delivered to or, when nothing is delivered, the most preferred reached MX that
    /// the sender refused; `None` when no MX answered or the delivery is unknown.
    pub mx: Option<String>,
}

/// An attacker on the path between sender and domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Attacker {
    /// Reads the traffic, changes nothing.
    Passive,
    /// Removes STARTTLS from the EHLO reply (and blocks better MX hosts).
    StarttlsStripper,
    /// Intercepts TLS with a certificate of its own.
    ForgedCertificate,
    /// Answers the sender's MX (and address) queries with its own host.
    DnsSpoofer,
}

impl Attacker {
    /// All four, in table order.
    pub const ALL: [Attacker; 4] = [
        Attacker::Passive,
        Attacker::StarttlsStripper,
        Attacker::ForgedCertificate,
        Attacker::DnsSpoofer,
    ];

    /// The table name.
    pub fn as_str(self) -> &'static str {
        match self {
            Attacker::Passive => "passive eavesdropper",
            Attacker::StarttlsStripper => "STARTTLS stripper",
            Attacker::ForgedCertificate => "forged certificate",
            Attacker::DnsSpoofer => "DNS spoofer (MX)",
        }
    }
}

/// Whether an attacker reads the mail a sender sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttackerResult {
    /// It reads the mail.
    Wins,
    /// It does not (at most it delays or blocks the mail).
    Fails,
    /// Only against a sender that has no cached MTA-STS policy (first contact, or after
    /// `max_age`).
    FirstContact,
    /// Not known (the sender's facts are unknown).
    Unknown,
}

impl AttackerResult {
    /// The wire and table name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttackerResult::Wins => "wins",
            AttackerResult::Fails => "fails",
            AttackerResult::FirstContact => "first_contact",
            AttackerResult::Unknown => "unknown",
        }
    }
}

/// One attacker against each kind of sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttackerRow {
    /// The attacker.
    pub attacker: Attacker,
    /// Against the opportunistic sender.
    pub opportunistic: AttackerResult,
    /// Against the MTA-STS sender.
    pub mta_sts: AttackerResult,
    /// Against the DANE sender.
    pub dane: AttackerResult,
}

/// The per-domain verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The opportunistic sender.
    pub opportunistic: SenderVerdict,
    /// The MTA-STS sender.
    pub mta_sts: SenderVerdict,
    /// The DANE sender.
    pub dane: SenderVerdict,
    /// Each attacker, in [`Attacker::ALL`] order.
    pub attackers: [AttackerRow; 4],
}

impl Verdict {
    /// The row of one attacker.
    pub fn attacker(&self, a: Attacker) -> AttackerRow {
        self.attackers
            .iter()
            .copied()
            .find(|r| r.attacker == a)
            .unwrap_or(AttackerRow {
                attacker: a,
                opportunistic: AttackerResult::Unknown,
                mta_sts: AttackerResult::Unknown,
                dane: AttackerResult::Unknown,
            })
    }
}

/// How one sender judges one reached MX.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Accept {
    /// Delivers like this.
    Deliver(Delivery),
    /// Refuses this MX (tries the next).
    Refuse,
    /// Cannot be told.
    Unknown,
}

fn opportunistic(mx: &MxFacts) -> Accept {
    Accept::Deliver(if mx.tls {
        Delivery::EncryptedOnly
    } else {
        Delivery::Plaintext
    })
}

fn mta_sts(mx: &MxFacts, sts: StsState) -> Accept {
    match sts {
        StsState::Enforce if mx.passes_sts() => Accept::Deliver(Delivery::Authenticated),
        StsState::Enforce => Accept::Refuse,
        _ => opportunistic(mx),
    }
}

fn dane(mx: &MxFacts) -> Accept {
    match mx.dane {
        None => Accept::Unknown,
        Some(DaneMx::Authenticated) => Accept::Deliver(Delivery::Authenticated),
        Some(DaneMx::Fails) => Accept::Refuse,
        Some(DaneMx::NoTlsa) => opportunistic(mx),
        #[allow(unreachable_patterns)]
        Some(_) => Accept::Unknown,
    }
}

/// The first reached MX (in preference order) the sender accepts.
fn deliver(mx: &[&MxFacts], judge: impl Fn(&MxFacts) -> Accept) -> SenderVerdict {
    let mut refused: Option<&str> = None;
    for m in mx.iter().filter(|m| m.reached) {
        match judge(m) {
            Accept::Deliver(d) => {
                return SenderVerdict {
                    delivery: d,
                    mx: Some(m.host.clone()),
                }
            }
            Accept::Refuse => {
                refused.get_or_insert(m.host.as_str());
            }
            Accept::Unknown => {
                return SenderVerdict {
                    delivery: Delivery::Unknown,
                    mx: None,
                }
            }
        }
    }
    SenderVerdict {
        delivery: Delivery::NotDelivered,
        mx: refused.map(str::to_owned),
    }
}

/// Whether an active attacker who can block the better MX hosts finds a reached MX where the
/// sender accepts a delivery it can read (`subverts`).
fn active(
    mx: &[&MxFacts],
    judge: impl Fn(&MxFacts) -> Accept,
    subverts: impl Fn(&MxFacts) -> bool,
) -> AttackerResult {
    let mut unknown = false;
    for m in mx.iter().filter(|m| m.reached) {
        match judge(m) {
            Accept::Deliver(_) if subverts(m) => return AttackerResult::Wins,
            Accept::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        AttackerResult::Unknown
    } else {
        AttackerResult::Fails
    }
}

/// The verdict for a domain.
pub fn verdict(facts: &DomainFacts) -> Verdict {
    let mut mx: Vec<&MxFacts> = facts.mx.iter().collect();
    mx.sort_by_key(|m| m.preference);
    let sts = facts.sts;
    let opp = deliver(&mx, opportunistic);
    let st = deliver(&mx, |m| mta_sts(m, sts));
    let da = deliver(&mx, dane);

    let passive = |v: &SenderVerdict| match v.delivery {
        Delivery::Plaintext => AttackerResult::Wins,
        Delivery::Unknown => AttackerResult::Unknown,
        _ => AttackerResult::Fails,
    };
    // An MX without DANE protection: the opportunistic rules apply there.
    let dane_open = |m: &MxFacts| m.dane == Some(DaneMx::NoTlsa);
    let any_reached = mx.iter().any(|m| m.reached);
    let opp_active = if any_reached {
        AttackerResult::Wins
    } else {
        AttackerResult::Fails
    };
    let sts_active = match sts {
        StsState::Enforce if any_reached => AttackerResult::FirstContact,
        StsState::Enforce => AttackerResult::Fails,
        _ => opp_active,
    };
    let dane_active = active(&mx, dane, dane_open);
    let row = |attacker, dane| AttackerRow {
        attacker,
        opportunistic: if attacker == Attacker::Passive {
            passive(&opp)
        } else {
            opp_active
        },
        mta_sts: if attacker == Attacker::Passive {
            passive(&st)
        } else {
            sts_active
        },
        dane,
    };
    Verdict {
        attackers: [
            row(Attacker::Passive, passive(&da)),
            row(Attacker::StarttlsStripper, dane_active),
            row(Attacker::ForgedCertificate, dane_active),
            row(Attacker::DnsSpoofer, dane_active),
        ],
        opportunistic: opp,
        mta_sts: st,
        dane: da,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(host: &str, pref: u16, tls: bool, cert: bool, sts_match: bool) -> MxFacts {
        MxFacts {
            host: host.into(),
            preference: pref,
            reached: true,
            tls,
            certificate_valid: cert,
            sts_match,
            dane: None,
        }
    }

    #[test]
    fn enforce_skips_a_failing_primary_and_delivers_to_the_passing_backup() {
        let v = verdict(&DomainFacts {
            mx: vec![
                mx("backup.example", 20, true, true, true),
                mx("primary.example", 10, true, false, true),
            ],
            sts: StsState::Enforce,
        });
        assert_eq!(v.opportunistic.mx.as_deref(), Some("primary.example"));
        assert_eq!(v.opportunistic.delivery, Delivery::EncryptedOnly);
        assert_eq!(v.mta_sts.delivery, Delivery::Authenticated);
        assert_eq!(v.mta_sts.mx.as_deref(), Some("backup.example"));
    }

    #[test]
    fn enforce_with_every_mx_failing_defers_and_names_the_primary() {
        let v = verdict(&DomainFacts {
            mx: vec![
                mx("a.example", 10, true, true, false),
                mx("b.example", 20, false, false, true),
            ],
            sts: StsState::Enforce,
        });
        assert_eq!(v.mta_sts.delivery, Delivery::NotDelivered);
        assert_eq!(v.mta_sts.mx.as_deref(), Some("a.example"));
        let stripper = v.attacker(Attacker::StarttlsStripper);
        assert_eq!(stripper.mta_sts, AttackerResult::FirstContact);
        assert_eq!(stripper.opportunistic, AttackerResult::Wins);
        assert_eq!(v.attacker(Attacker::Passive).mta_sts, AttackerResult::Fails);
    }

    #[test]
    fn plaintext_primary_lets_the_passive_attacker_win_unless_enforce_refuses_it() {
        let facts = |sts| DomainFacts {
            mx: vec![
                mx("plain.example", 10, false, false, true),
                mx("tls.example", 20, true, true, true),
            ],
            sts,
        };
        let v = verdict(&facts(StsState::Testing));
        assert_eq!(
            v.mta_sts.delivery,
            Delivery::Plaintext,
            "testing delivers anyway"
        );
        assert_eq!(v.attacker(Attacker::Passive).mta_sts, AttackerResult::Wins);
        let v = verdict(&facts(StsState::Enforce));
        assert_eq!(v.mta_sts.mx.as_deref(), Some("tls.example"));
        assert_eq!(v.attacker(Attacker::Passive).mta_sts, AttackerResult::Fails);
        assert_eq!(
            v.attacker(Attacker::Passive).opportunistic,
            AttackerResult::Wins
        );
    }

    #[test]
    fn dane_is_unknown_without_facts_and_decides_with_them() {
        let mut a = mx("a.example", 10, true, false, false);
        let v = verdict(&DomainFacts {
            mx: vec![a.clone()],
            sts: StsState::Absent,
        });
        assert_eq!(v.dane.delivery, Delivery::Unknown);
        assert_eq!(
            v.attacker(Attacker::DnsSpoofer).dane,
            AttackerResult::Unknown
        );
        a.dane = Some(DaneMx::Authenticated);
        let mut b = mx("b.example", 20, false, false, false);
        b.dane = Some(DaneMx::NoTlsa);
        let v = verdict(&DomainFacts {
            mx: vec![a.clone(), b],
            sts: StsState::Absent,
        });
        assert_eq!(v.dane.delivery, Delivery::Authenticated);
        assert_eq!(
            v.attacker(Attacker::StarttlsStripper).dane,
            AttackerResult::Wins,
            "the attacker blocks a.example and strips b.example, which has no TLSA"
        );
        let v = verdict(&DomainFacts {
            mx: vec![a],
            sts: StsState::Absent,
        });
        for r in v.attackers {
            assert_eq!(r.dane, AttackerResult::Fails, "{:?}", r.attacker);
        }
    }

    #[test]
    fn no_reached_mx_delivers_nothing_to_anyone() {
        let mut a = mx("a.example", 10, true, true, true);
        a.reached = false;
        let v = verdict(&DomainFacts {
            mx: vec![a],
            sts: StsState::Enforce,
        });
        assert_eq!(v.opportunistic.delivery, Delivery::NotDelivered);
        assert_eq!(v.opportunistic.mx, None);
        assert_eq!(
            v.attacker(Attacker::ForgedCertificate).opportunistic,
            AttackerResult::Fails
        );
    }
}
