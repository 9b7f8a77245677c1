//! A record under its domain's policies (pure): the MTA-STS check of its MX (RFC 8461
//! section 4: the MX matches an `mx` pattern, TLS is offered and works, the certificate is
//! trusted and valid for the MX host name), and the policy findings.
//!
//! Findings (source `policy`), on every record of the domain:
//!
//! | id | severity | when |
//! | --- | --- | --- |
//! | `mta-sts-txt-invalid` | medium | the `_mta-sts` record does not parse: senders ignore MTA-STS |
//! | `mta-sts-txt-multiple` | medium | several `v=STSv1` records: senders ignore MTA-STS |
//! | `mta-sts-policy-fetch-failed` | high | the TXT record announces a policy that cannot be fetched as RFC 8461 says |
//! | `mta-sts-policy-invalid` | high | the policy file does not parse |
//! | `mta-sts-testing` | info | a valid policy in mode `testing`: failures are reported, not enforced |
//! | `mta-sts-mx-not-in-policy` | high (enforce) / medium (testing) | this MX matches no `mx` pattern |
//! | `mta-sts-mx-no-tls` | high / medium | this MX does not complete STARTTLS |
//! | `mta-sts-mx-certificate-invalid` | high / medium | this MX's certificate is untrusted or not valid for its name |
//! | `mta-sts-enforce-mx-fails` | high | mode `enforce` and this MX fails the policy: MTA-STS senders will not deliver to it, and defer the mail when no MX passes |
//! | `tlsrpt-invalid` | low | the `_smtp._tls` record does not parse or is repeated |

use cert_audit::{NameMatch, TrustClass};
use mail_policy::sts::{Mode, Policy};
use mxray_schema::policy::{PolicyStatus, StsMxCheck, TxtStatus};
use mxray_schema::record::{EndpointRecord, Finding, FindingSource, Severity, Status};

use crate::mtasts::DomainPolicies;

/// The finding ids this module emits, one constant each (the findings catalogue,
/// `mxray_schema::catalogue`, has an entry for every one; a test checks it).
pub mod ids {
    /// `mta-sts-txt-invalid`.
    pub const MTA_STS_TXT_INVALID: &str = "mta-sts-txt-invalid";
    /// `mta-sts-txt-multiple`.
    pub const MTA_STS_TXT_MULTIPLE: &str = "mta-sts-txt-multiple";
    /// `mta-sts-policy-fetch-failed`.
    pub const MTA_STS_POLICY_FETCH_FAILED: &str = "mta-sts-policy-fetch-failed";
    /// `mta-sts-policy-invalid`.
    pub const MTA_STS_POLICY_INVALID: &str = "mta-sts-policy-invalid";
    /// `mta-sts-testing`.
    pub const MTA_STS_TESTING: &str = "mta-sts-testing";
    /// `mta-sts-mx-not-in-policy`.
    pub const MTA_STS_MX_NOT_IN_POLICY: &str = "mta-sts-mx-not-in-policy";
    /// `mta-sts-mx-no-tls`.
    pub const MTA_STS_MX_NO_TLS: &str = "mta-sts-mx-no-tls";
    /// `mta-sts-mx-certificate-invalid`.
    pub const MTA_STS_MX_CERTIFICATE_INVALID: &str = "mta-sts-mx-certificate-invalid";
    /// `mta-sts-enforce-mx-fails`.
    pub const MTA_STS_ENFORCE_MX_FAILS: &str = "mta-sts-enforce-mx-fails";
    /// `tlsrpt-invalid`.
    pub const TLSRPT_INVALID: &str = "tlsrpt-invalid";
}

/// Every id above.
pub const IDS: &[&str] = &[
    ids::MTA_STS_TXT_INVALID,
    ids::MTA_STS_TXT_MULTIPLE,
    ids::MTA_STS_POLICY_FETCH_FAILED,
    ids::MTA_STS_POLICY_INVALID,
    ids::MTA_STS_TESTING,
    ids::MTA_STS_MX_NOT_IN_POLICY,
    ids::MTA_STS_MX_NO_TLS,
    ids::MTA_STS_MX_CERTIFICATE_INVALID,
    ids::MTA_STS_ENFORCE_MX_FAILS,
    ids::TLSRPT_INVALID,
];

/// This record's MX under `policy`; `None` when the record did not reach a result (DNS
/// failure, no connection), or has no MX host.
pub fn mx_check(rec: &EndpointRecord, policy: &Policy) -> Option<StsMxCheck> {
    if !matches!(rec.status, Status::Completed | Status::Partial) {
        return None;
    }
    let host = rec.mx.as_ref()?.host.as_str();
    let matches_policy = policy.matches_mx(host);
    let tls = rec
        .tls
        .as_ref()
        .and_then(|t| t.handshake.as_ref())
        .is_some_and(|h| h.ok);
    let certificate_valid = rec.certificate.as_ref().is_some_and(|c| {
        c.trust == TrustClass::Trusted
            && (c.names.mx_host_matches == Some(true) || c.names.result == NameMatch::MxHost)
    });
    Some(StsMxCheck {
        matches_policy,
        tls,
        certificate_valid,
        passes: matches_policy && tls && certificate_valid,
    })
}

/// Puts the domain's policies on `rec`, with its MX check and the policy findings (findings
/// stay sorted worst first).
pub fn attach(rec: &mut EndpointRecord, d: &DomainPolicies) {
    let mut sts = d.mta_sts.clone();
    let applies = d
        .policy
        .as_ref()
        .filter(|p| matches!(p.mode, Mode::Enforce | Mode::Testing));
    sts.mx = applies.and_then(|p| mx_check(rec, p));
    let mode = applies.map(|p| p.mode);
    let host = rec.mx.as_ref().map(|m| m.host.clone()).unwrap_or_default();
    let mut found = domain_findings(d);
    if let (Some(check), Some(mode)) = (&sts.mx, mode) {
        found.extend(mx_findings(check, mode, &host));
    }
    rec.mta_sts = Some(sts);
    rec.tls_rpt = Some(d.tls_rpt.clone());
    rec.findings.extend(found);
    crate::assemble::sort(&mut rec.findings);
}

fn policy_finding(id: &str, severity: Severity, message: String) -> Finding {
    Finding::new(id, FindingSource::Policy, severity, message)
}

/// The findings about the domain's records (the same on each of its records).
pub fn domain_findings(d: &DomainPolicies) -> Vec<Finding> {
    let mut out = Vec::new();
    let txt = &d.mta_sts.txt;
    let why = txt.error.clone().unwrap_or_default();
    match txt.status {
        TxtStatus::Invalid => out.push(policy_finding(
            ids::MTA_STS_TXT_INVALID,
            Severity::Medium,
            format!("the _mta-sts TXT record is invalid ({why}): senders ignore MTA-STS"),
        )),
        TxtStatus::Multiple => out.push(policy_finding(
            ids::MTA_STS_TXT_MULTIPLE,
            Severity::Medium,
            format!("more than one v=STSv1 TXT record ({why}): senders ignore MTA-STS"),
        )),
        _ => {}
    }
    if let Some(p) = &d.mta_sts.policy {
        let why = p.error.clone().unwrap_or_default();
        match p.status {
            PolicyStatus::FetchError => out.push(policy_finding(
                ids::MTA_STS_POLICY_FETCH_FAILED,
                Severity::High,
                format!(
                    "the MTA-STS record announces a policy, but {} cannot be fetched as RFC 8461 \
                     says ({}: {why}): senders without a cached policy deliver without MTA-STS",
                    p.url,
                    p.error_kind.as_deref().unwrap_or("error")
                ),
            )),
            PolicyStatus::Invalid => out.push(policy_finding(
                ids::MTA_STS_POLICY_INVALID,
                Severity::High,
                format!("the MTA-STS policy at {} is invalid: {why}", p.url),
            )),
            _ => {}
        }
    }
    if d.policy.as_ref().is_some_and(|p| p.mode == Mode::Testing) {
        out.push(policy_finding(
            ids::MTA_STS_TESTING,
            Severity::Info,
            "MTA-STS policy in mode testing: senders report failures but deliver anyway".into(),
        ));
    }
    match d.tls_rpt.txt.status {
        TxtStatus::Invalid | TxtStatus::Multiple => out.push(policy_finding(
            ids::TLSRPT_INVALID,
            Severity::Low,
            format!(
                "the _smtp._tls TXT record is unusable ({}): senders send no TLS reports",
                d.tls_rpt.txt.error.as_deref().unwrap_or("invalid")
            ),
        )),
        _ => {}
    }
    out
}

/// The findings about one MX under a policy of mode `enforce` or `testing`.
pub fn mx_findings(check: &StsMxCheck, mode: Mode, host: &str) -> Vec<Finding> {
    let severity = if mode == Mode::Enforce {
        Severity::High
    } else {
        Severity::Medium
    };
    let mut out = Vec::new();
    let mut reasons = Vec::new();
    if !check.matches_policy {
        reasons.push("it matches no mx pattern");
        out.push(policy_finding(
            ids::MTA_STS_MX_NOT_IN_POLICY,
            severity,
            format!("MX {host} matches no mx pattern of the MTA-STS policy"),
        ));
    }
    if !check.tls {
        reasons.push("STARTTLS does not complete");
        out.push(policy_finding(
            ids::MTA_STS_MX_NO_TLS,
            severity,
            format!("MX {host} does not complete STARTTLS, which its MTA-STS policy requires"),
        ));
    } else if !check.certificate_valid {
        reasons.push("its certificate is untrusted or not valid for its name");
        out.push(policy_finding(
            ids::MTA_STS_MX_CERTIFICATE_INVALID,
            severity,
            format!(
                "MX {host}'s certificate is not trusted or not valid for {host}, which its \
                 MTA-STS policy requires"
            ),
        ));
    }
    if mode == Mode::Enforce && !check.passes {
        out.push(policy_finding(
            ids::MTA_STS_ENFORCE_MX_FAILS,
            Severity::High,
            format!(
                "enforce policy, but MX {host} fails it ({}): MTA-STS senders will not deliver \
                 to it, and defer mail to this domain when no MX passes",
                reasons.join("; ")
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mtasts::{assemble, FetchReport, TxtLookup};
    use mail_policy::sts::StsRecord;
    use mxray_schema::record::{HandshakeInfo, MxInfo, Profile, TlsInfo};

    fn policy(mode: &str, mx: &str) -> Policy {
        Policy::parse(
            format!("version: STSv1\nmode: {mode}\nmx: {mx}\nmax_age: 86400\n").as_bytes(),
        )
        .unwrap()
    }

    fn domain(p: Policy) -> DomainPolicies {
        let sts = TxtLookup::Valid {
            text: "v=STSv1; id=1".into(),
            record: StsRecord::parse("v=STSv1; id=1").unwrap(),
        };
        let report = FetchReport {
            url: "https://mta-sts.example.org/.well-known/mta-sts.txt".into(),
            http_status: Some(200),
            content_type: Some("text/plain".into()),
            bytes: Some(10),
            result: Ok(p),
        };
        assemble(&sts, Some(report), &TxtLookup::Absent)
    }

    fn record(host: &str, tls_ok: bool) -> EndpointRecord {
        let mut r = EndpointRecord::new("example.org".into(), None, 25, Profile::Quick);
        r.status = Status::Completed;
        r.mx = Some(MxInfo {
            host: host.into(),
            preference: Some(10),
            implicit: false,
        });
        r.tls = Some(TlsInfo {
            handshake: Some(HandshakeInfo {
                ok: tls_ok,
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

    #[test]
    fn an_mx_outside_the_patterns_fails_an_enforce_policy_with_the_deferral_finding() {
        let d = domain(policy("enforce", "mx.example.org"));
        let mut r = record("other.example.net", true);
        attach(&mut r, &d);
        let check = r.mta_sts.as_ref().unwrap().mx.clone().unwrap();
        assert!(!check.matches_policy && check.tls && !check.passes);
        let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
        assert!(ids.contains(&"mta-sts-mx-not-in-policy"), "{ids:?}");
        let defer = r
            .findings
            .iter()
            .find(|f| f.id == "mta-sts-enforce-mx-fails")
            .unwrap();
        assert!(defer.message.contains("defer mail"), "{}", defer.message);
        assert_eq!(defer.severity, "high");
    }

    #[test]
    fn testing_mode_reports_at_medium_without_the_deferral_finding() {
        let d = domain(policy("testing", "*.example.org"));
        let mut r = record("mx.example.org", false);
        attach(&mut r, &d);
        let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
        assert!(ids.contains(&"mta-sts-testing"));
        assert!(ids.contains(&"mta-sts-mx-no-tls"));
        assert!(!ids.contains(&"mta-sts-enforce-mx-fails"));
        assert!(r
            .findings
            .iter()
            .filter(|f| f.id == "mta-sts-mx-no-tls")
            .all(|f| f.severity == "medium"));
    }

    #[test]
    fn mode_none_checks_no_mx_and_unreached_records_are_not_judged() {
        let d = domain(Policy::parse(b"version: STSv1\nmode: none\nmax_age: 86400\n").unwrap());
        let mut r = record("mx.example.org", false);
        attach(&mut r, &d);
        assert_eq!(r.mta_sts.as_ref().unwrap().mx, None);
        assert!(r.findings.is_empty(), "{:?}", r.findings);

        let d = domain(policy("enforce", "mx.example.org"));
        let mut r = record("mx.example.org", false);
        r.status = Status::Failed;
        attach(&mut r, &d);
        assert_eq!(r.mta_sts.as_ref().unwrap().mx, None);
    }
}
