//! One mail domain from its records: the facts of the per-domain verdict
//! ([`mail_policy::verdict`]) and the domain section at the head of `mxray probe --mx`.
//!
//! The facts of an MX host are taken over all its records (addresses): it is reached when one
//! of them completed its scan, and it has TLS (a valid certificate) only when every reached
//! address has it, since a sender may land on any of them. The MTA-STS state and the `mx`
//! patterns come from the records' `mta_sts`. DANE comes from the records' `dane` (a scan or
//! probe with `--dane`); without it the DANE sender's column is `unknown`.

use std::fmt::Write as _;

use cert_audit::{NameMatch, TrustClass};
use mail_policy::sts::mx_matches;
use mail_policy::verdict::{
    verdict, Attacker, AttackerResult, DaneMx, Delivery, DomainFacts, MxFacts, StsState, Verdict,
};
use mxray_schema::policy::{MtaStsInfo, PolicyStatus, TlsRptInfo, TxtStatus};
use mxray_schema::record::{EndpointRecord, Status};
use mxray_schema::text::escape;

/// The MTA-STS state a sender that fetched the policy acts on.
pub fn sts_state(m: Option<&MtaStsInfo>) -> StsState {
    match m.and_then(MtaStsInfo::mode) {
        Some("enforce") => StsState::Enforce,
        Some("testing") => StsState::Testing,
        _ => StsState::Absent,
    }
}

fn reached(r: &EndpointRecord) -> bool {
    matches!(r.status, Status::Completed | Status::Partial) && r.banner.is_some()
}

fn tls_ok(r: &EndpointRecord) -> bool {
    r.tls
        .as_ref()
        .and_then(|t| t.handshake.as_ref())
        .is_some_and(|h| h.ok)
}

fn certificate_valid(r: &EndpointRecord) -> bool {
    r.certificate.as_ref().is_some_and(|c| {
        c.trust == TrustClass::Trusted
            && (c.names.mx_host_matches == Some(true) || c.names.result == NameMatch::MxHost)
    })
}

/// DANE at the MX host of one record, for the verdict (`None`: not looked up, or a DANE sender's
/// action cannot be told). Only unusable TLSA records (`encrypted`) read as no DANE: the verdict
/// has no mandatory-but-unauthenticated case.
fn dane_mx(r: &EndpointRecord) -> Option<DaneMx> {
    use cert_audit::sender::Delivery as D;
    match r.dane.as_ref()?.delivery {
        D::Authenticated => Some(DaneMx::Authenticated),
        D::Defer => Some(DaneMx::Fails),
        D::NoDane | D::Encrypted => Some(DaneMx::NoTlsa),
        _ => None,
    }
}

/// Two records' DANE at one MX host: a failure at any address fails the host; an unknown one
/// leaves it unknown; authenticated only when both are.
fn dane_both(a: Option<DaneMx>, b: Option<DaneMx>) -> Option<DaneMx> {
    match (a, b) {
        (Some(DaneMx::Fails), _) | (_, Some(DaneMx::Fails)) => Some(DaneMx::Fails),
        (None, _) | (_, None) => None,
        (Some(DaneMx::Authenticated), Some(DaneMx::Authenticated)) => Some(DaneMx::Authenticated),
        _ => Some(DaneMx::NoTlsa),
    }
}

/// The verdict's facts from the records of one domain (null MX and host-less records are
/// skipped).
pub fn facts<'a>(records: impl IntoIterator<Item = &'a EndpointRecord>) -> DomainFacts {
    let records: Vec<&EndpointRecord> = records.into_iter().collect();
    let sts = records.iter().find_map(|r| r.mta_sts.as_ref());
    let patterns: Vec<&str> = sts
        .and_then(|m| m.policy.as_ref())
        .filter(|p| p.status == PolicyStatus::Valid)
        .map(|p| p.mx.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let mut mx: Vec<MxFacts> = Vec::new();
    for r in &records {
        let Some(info) = &r.mx else { continue };
        if r.status == Status::NullMx {
            continue;
        }
        let host = info.host.to_ascii_lowercase();
        let i = match mx.iter().position(|m| m.host == host) {
            None => {
                mx.push(MxFacts {
                    sts_match: patterns.iter().any(|p| mx_matches(p, &host)),
                    host,
                    preference: info.preference.unwrap_or(0),
                    reached: false,
                    tls: true,
                    certificate_valid: true,
                    dane: dane_mx(r),
                });
                mx.len() - 1
            }
            Some(i) => {
                if let Some(m) = mx.get_mut(i) {
                    m.dane = dane_both(m.dane, dane_mx(r));
                }
                i
            }
        };
        let Some(m) = mx.get_mut(i) else { continue };
        if reached(r) {
            m.reached = true;
            m.tls &= tls_ok(r);
            m.certificate_valid &= certificate_valid(r);
        }
    }
    for m in &mut mx {
        if !m.reached {
            m.tls = false;
            m.certificate_valid = false;
        }
    }
    DomainFacts {
        mx,
        sts: sts_state(sts),
    }
}

/// The MTA-STS label of a domain in the report: the mode of a valid policy, or why there is
/// none (`absent`, `invalid_record`, `dns_error`, `not_fetched`, `fetch_error`,
/// `invalid_policy`), or `not_looked_up`.
pub fn sts_label(m: Option<&MtaStsInfo>) -> &'static str {
    let Some(m) = m else {
        return "not_looked_up";
    };
    match m.txt.status {
        TxtStatus::Valid => {}
        TxtStatus::Absent => return "absent",
        TxtStatus::DnsError => return "dns_error",
        _ => return "invalid_record",
    }
    match &m.policy {
        None => "not_fetched",
        Some(p) => match p.status {
            PolicyStatus::Valid => match p.mode.as_deref() {
                Some("enforce") => "enforce",
                Some("testing") => "testing",
                _ => "none",
            },
            PolicyStatus::FetchError => "fetch_error",
            _ => "invalid_policy",
        },
    }
}

/// How a delivery reads in a table.
pub fn delivery_text(d: Delivery) -> &'static str {
    match d {
        Delivery::Authenticated => "encrypted and authenticated",
        Delivery::EncryptedOnly => "encrypted only",
        Delivery::Plaintext => "plaintext",
        Delivery::NotDelivered => "not delivered (deferred)",
        _ => "unknown",
    }
}

/// How an attacker result reads in a table.
pub fn attacker_text(a: AttackerResult) -> &'static str {
    match a {
        AttackerResult::Wins => "wins",
        AttackerResult::Fails => "fails",
        AttackerResult::FirstContact => "first contact only",
        _ => "unknown",
    }
}

/// The MTA-STS line of a domain: the mode, or why there is no usable policy.
pub fn sts_summary(m: Option<&MtaStsInfo>) -> String {
    let Some(m) = m else {
        return "not looked up".to_owned();
    };
    match m.txt.status {
        TxtStatus::Valid => {}
        TxtStatus::Absent => return "none (no _mta-sts record)".to_owned(),
        other => {
            return format!(
                "unusable _mta-sts record: {} ({})",
                other.as_str(),
                m.txt.error.as_deref().unwrap_or("")
            )
        }
    }
    match &m.policy {
        None => "record valid, policy not fetched".to_owned(),
        Some(p) if p.status == PolicyStatus::Valid => format!(
            "mode {}, max_age {}, mx {}",
            p.mode.as_deref().unwrap_or("?"),
            p.max_age.unwrap_or(0),
            p.mx.join(", ")
        ),
        Some(p) => format!(
            "policy {}: {} ({})",
            p.status.as_str(),
            p.error_kind.as_deref().unwrap_or("invalid"),
            p.error.as_deref().unwrap_or("")
        ),
    }
}

/// The TLS-RPT line of a domain.
pub fn tlsrpt_summary(t: Option<&TlsRptInfo>) -> String {
    match t {
        None => "not looked up".to_owned(),
        Some(t) if t.txt.status == TxtStatus::Valid => {
            format!("rua {} (reported, never contacted)", t.rua.join(", "))
        }
        Some(t) if t.txt.status == TxtStatus::Absent => "none".to_owned(),
        Some(t) => format!(
            "unusable: {} ({})",
            t.txt.status.as_str(),
            t.txt.error.as_deref().unwrap_or("")
        ),
    }
}

/// The domain section (plain text, every record string escaped): the verdict per sender, the
/// attacker table, MTA-STS, TLS-RPT and the MX hosts under the policy.
pub fn render(domain: &str, records: &[&EndpointRecord]) -> String {
    let f = facts(records.iter().copied());
    let v = verdict(&f);
    let mut out = String::new();
    let _ = writeln!(out, "Domain {}", escape(domain));
    render_verdict(&mut out, &v);
    let sts = records.iter().find_map(|r| r.mta_sts.as_ref());
    let rpt = records.iter().find_map(|r| r.tls_rpt.as_ref());
    let _ = writeln!(out, "  {:<22} {}", "MTA-STS", escape(&sts_summary(sts)));
    let _ = writeln!(out, "  {:<22} {}", "TLS-RPT", escape(&tlsrpt_summary(rpt)));
    let _ = writeln!(
        out,
        "  {:<22} {:<5} {:<8} {:<4} {:<12} MTA-STS",
        "MX", "pref", "reached", "TLS", "certificate"
    );
    let mut mx = f.mx.clone();
    mx.sort_by_key(|m| m.preference);
    for m in &mx {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let policy = match f.sts {
            StsState::Absent => "-",
            _ if m.sts_match && m.tls && m.certificate_valid => "passes",
            _ if !m.reached => "not reached",
            _ => "FAILS",
        };
        let _ = writeln!(
            out,
            "  {:<22} {:<5} {:<8} {:<4} {:<12} {}",
            escape(&m.host),
            m.preference,
            yes(m.reached),
            yes(m.tls),
            if m.certificate_valid {
                "valid"
            } else {
                "not valid"
            },
            policy
        );
    }
    out
}

/// The verdict tables: how each sender delivers (and to which MX), and which attacker wins.
pub fn render_verdict(out: &mut String, v: &Verdict) {
    let _ = writeln!(out, "  {:<22} {:<30} via MX", "sender", "delivers");
    for (name, s) in [
        ("opportunistic", &v.opportunistic),
        ("MTA-STS", &v.mta_sts),
        ("DANE", &v.dane),
    ] {
        let _ = writeln!(
            out,
            "  {:<22} {:<30} {}",
            name,
            delivery_text(s.delivery),
            escape(s.mx.as_deref().unwrap_or("-"))
        );
    }
    let _ = writeln!(
        out,
        "  {:<22} {:<20} {:<20} vs DANE",
        "attacker", "vs opportunistic", "vs MTA-STS"
    );
    for a in Attacker::ALL {
        let r = v.attacker(a);
        let _ = writeln!(
            out,
            "  {:<22} {:<20} {:<20} {}",
            a.as_str(),
            attacker_text(r.opportunistic),
            attacker_text(r.mta_sts),
            attacker_text(r.dane)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxray_schema::policy::{PolicyInfo, TxtInfo};
    use mxray_schema::record::{HandshakeInfo, MxInfo, Profile, TlsInfo};

    fn rec(host: &str, pref: u16, tls: bool) -> EndpointRecord {
        let mut r = EndpointRecord::new("d.test".into(), None, 25, Profile::Quick);
        r.domain = Some("d.test".into());
        r.status = Status::Completed;
        r.banner = Some(mxray_schema::record::Banner {
            code: Some(220),
            text: "220 x\r\n".into(),
            complete: true,
        });
        r.mx = Some(MxInfo {
            host: host.into(),
            preference: Some(pref),
            implicit: false,
        });
        r.tls = Some(TlsInfo {
            handshake: Some(HandshakeInfo {
                ok: tls,
                version: None,
                suite: None,
                group: None,
                alpn: None,
                error: None,
                chain_length: 0,
                client_cert_requested: false,
                ocsp_stapled: false,
            }),
            ..serde_json::from_str("{\"connections\":1}").unwrap()
        });
        r
    }

    fn sts(mode: &str, mx: &[&str]) -> MtaStsInfo {
        MtaStsInfo {
            txt: TxtInfo {
                status: TxtStatus::Valid,
                text: Some("v=STSv1; id=1".into()),
                error: None,
                rcode: None,
            },
            policy: Some(PolicyInfo {
                url: "https://mta-sts.d.test/.well-known/mta-sts.txt".into(),
                status: PolicyStatus::Valid,
                error_kind: None,
                error: None,
                http_status: Some(200),
                content_type: Some("text/plain".into()),
                bytes: Some(1),
                mode: Some(mode.into()),
                max_age: Some(1),
                mx: mx.iter().map(|s| (*s).to_owned()).collect(),
            }),
            mx: None,
        }
    }

    #[test]
    fn an_mx_has_tls_only_when_every_reached_address_has_it() {
        let mut a = rec("mx.d.test", 10, true);
        let b = rec("mx.d.test", 10, false);
        a.mta_sts = Some(sts("enforce", &["*.d.test"]));
        let f = facts([&a, &b]);
        assert_eq!(f.mx.len(), 1);
        assert!(f.mx[0].reached && !f.mx[0].tls && f.mx[0].sts_match);
        assert_eq!(f.sts, StsState::Enforce);
        let f = facts([&a]);
        assert!(f.mx[0].tls);
    }

    #[test]
    fn labels_name_the_mode_or_why_there_is_no_policy() {
        assert_eq!(sts_label(None), "not_looked_up");
        assert_eq!(sts_label(Some(&sts("testing", &["a.d.test"]))), "testing");
        let mut m = sts("enforce", &["a.d.test"]);
        if let Some(p) = m.policy.as_mut() {
            p.status = PolicyStatus::FetchError;
        }
        assert_eq!(sts_label(Some(&m)), "fetch_error");
        assert_eq!(sts_state(Some(&m)), StsState::Absent);
        m.txt.status = TxtStatus::Multiple;
        assert_eq!(sts_label(Some(&m)), "invalid_record");
    }

    #[test]
    fn the_section_escapes_record_strings_and_lists_each_mx() {
        let mut a = rec("mx\u{1b}[31m.d.test", 10, true);
        a.mta_sts = Some(sts("enforce", &["mx.d.test"]));
        let text = render("d.test", &[&a]);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            text.contains("MTA-STS                not delivered (deferred)"),
            "{text}"
        );
        assert!(text.contains("FAILS"), "{text}");
    }
}
