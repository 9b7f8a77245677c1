//! The record's findings: STARTTLS, TLS weaknesses and certificate findings in one list, worst
//! first. Severities are the strings `critical`, `high`, `medium`, `low`, `info`.

use cert_audit::AuditReport;
use tls_probe::weakness::Weakness;

use tls_probe::plan::params::DhClass;

use crate::tlsprobe::suite_info;
use mxray_schema::record::{Finding, FindingSource, Severity};

/// Rank of a severity string (higher is worse; unknown strings rank lowest).
pub fn severity_rank(s: &str) -> u8 {
    match Severity::parse(s) {
        Some(Severity::Critical) => 4,
        Some(Severity::High) => 3,
        Some(Severity::Medium) => 2,
        Some(Severity::Low) => 1,
        _ => 0,
    }
}

/// The certificate audit's findings as record findings.
pub fn from_audit(report: &AuditReport) -> Vec<Finding> {
    report
        .findings
        .iter()
        .map(|f| {
            Finding::new(
                f.id.as_str(),
                FindingSource::Certificate,
                Severity::from(f.severity),
                match f.cert_index {
                    Some(i) if i > 0 => format!("certificate #{i}: {}", f.message),
                    _ => f.message.clone(),
                },
            )
        })
        .collect()
}

/// TLS weaknesses as record findings.
pub fn from_weaknesses(ws: &[Weakness]) -> Vec<Finding> {
    ws.iter()
        .map(|w| {
            let (id, severity, message) = weakness_finding(w);
            Finding::new(id, FindingSource::Tls, severity, message)
        })
        .collect()
}

/// Sorts findings worst first; equal severities keep their order (STARTTLS, TLS, certificate).
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by_key(|f| std::cmp::Reverse(severity_rank(&f.severity)));
}

/// A weakness's stable id, severity and explanation.
pub fn weakness_finding(w: &Weakness) -> (&'static str, Severity, String) {
    let names = |ids: &[u16]| {
        ids.iter()
            .map(|id| suite_info(*id).name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match w {
        Weakness::Sslv2 => (
            "sslv2",
            Severity::Critical,
            "SSLv2 accepted (DROWN)".to_owned(),
        ),
        Weakness::Sslv3Poodle => (
            "sslv3",
            Severity::High,
            "SSLv3 accepted (POODLE)".to_owned(),
        ),
        Weakness::Rc4(ids) => (
            "rc4",
            Severity::High,
            format!("RC4 suites accepted: {}", names(ids)),
        ),
        Weakness::Sweet32(ids) => (
            "sweet32",
            Severity::Medium,
            format!(
                "64-bit block cipher suites accepted (SWEET32): {}",
                names(ids)
            ),
        ),
        Weakness::Export(ids) => (
            "export",
            Severity::Critical,
            format!(
                "export-grade suites accepted (FREAK/Logjam): {}",
                names(ids)
            ),
        ),
        Weakness::WeakDh { bits, class } => (
            "weak_dh",
            match class {
                DhClass::Bits512 => Severity::Critical,
                DhClass::Bits768 => Severity::High,
                DhClass::Bits1024 => Severity::Medium,
                _ => Severity::Low,
            },
            format!("DHE with a {bits}-bit prime (Logjam class)"),
        ),
        Weakness::NullCipher(ids) => (
            "null_cipher",
            Severity::Critical,
            format!("NULL-encryption suites accepted: {}", names(ids)),
        ),
        Weakness::Anonymous(ids) => (
            "anonymous",
            Severity::Medium,
            format!(
                "anonymous (unauthenticated) suites accepted: {}",
                names(ids)
            ),
        ),
        Weakness::NoForwardSecrecy(ids) => (
            "no_forward_secrecy",
            Severity::Low,
            format!("{} suites without forward secrecy accepted", ids.len()),
        ),
        Weakness::NoTls12OrLater => (
            "no_tls12_or_later",
            Severity::High,
            "neither TLS 1.2 nor TLS 1.3 is accepted".to_owned(),
        ),
        Weakness::Compression => (
            "compression",
            Severity::Medium,
            "TLS compression accepted (CRIME)".to_owned(),
        ),
        Weakness::NoSecureRenegotiation => (
            "no_secure_renegotiation",
            Severity::Medium,
            "no secure renegotiation (RFC 5746)".to_owned(),
        ),
        _ => ("other", Severity::Info, format!("{w:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str, sev: &str) -> Finding {
        Finding {
            id: id.into(),
            source: FindingSource::Tls,
            severity: sev.into(),
            message: String::new(),
        }
    }

    #[test]
    fn worst_first_and_stable() {
        let mut v = vec![
            f("a", "low"),
            f("b", "critical"),
            f("c", "low"),
            f("d", "high"),
        ];
        sort(&mut v);
        let ids: Vec<&str> = v.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["b", "d", "a", "c"]);
        assert_eq!(severity_rank("nonsense"), 0);
    }

    #[test]
    fn weakness_ids() {
        let (id, sev, _) = weakness_finding(&Weakness::WeakDh {
            bits: 1024,
            class: DhClass::Bits1024,
        });
        assert_eq!((id, sev), ("weak_dh", Severity::Medium));
        assert_eq!(weakness_finding(&Weakness::Rc4(vec![5])).0, "rc4");
    }
}
