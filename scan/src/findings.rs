//! The record's findings: STARTTLS, TLS weaknesses and certificate findings in one list, worst
//! first. Severities are the strings `critical`, `high`, `medium`, `low`, `info`.

use cert_audit::{AuditReport, Severity};
use tls_probe::weakness::Weakness;

use tls_probe::plan::params::DhClass;

use crate::tlsprobe::suite_info;
use mxray_schema::record::{Finding, FindingSource};

/// Rank of a severity string (higher is worse; unknown strings rank lowest).
pub fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The string form of a certificate finding's severity.
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        _ => "info",
    }
}

/// The certificate audit's findings as record findings.
pub fn from_audit(report: &AuditReport) -> Vec<Finding> {
    report
        .findings
        .iter()
        .map(|f| Finding {
            id: f.id.as_str().to_owned(),
            source: FindingSource::Certificate,
            severity: severity_name(f.severity).to_owned(),
            message: match f.cert_index {
                Some(i) if i > 0 => format!("certificate #{i}: {}", f.message),
                _ => f.message.clone(),
            },
        })
        .collect()
}

/// TLS weaknesses as record findings.
pub fn from_weaknesses(ws: &[Weakness]) -> Vec<Finding> {
    ws.iter()
        .map(|w| {
            let (id, severity, message) = weakness_finding(w);
            Finding {
                id: id.to_owned(),
                source: FindingSource::Tls,
                severity: severity.to_owned(),
                message,
            }
        })
        .collect()
}

/// Sorts findings worst first; equal severities keep their order (STARTTLS, TLS, certificate).
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by_key(|f| std::cmp::Reverse(severity_rank(&f.severity)));
}

/// A weakness's stable id, severity and explanation.
pub fn weakness_finding(w: &Weakness) -> (&'static str, &'static str, String) {
    let names = |ids: &[u16]| {
        ids.iter()
            .map(|id| suite_info(*id).name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match w {
        Weakness::Sslv2 => ("sslv2", "critical", "SSLv2 accepted (DROWN)".to_owned()),
        Weakness::Sslv3Poodle => ("sslv3", "high", "SSLv3 accepted (POODLE)".to_owned()),
        Weakness::Rc4(ids) => (
            "rc4",
            "high",
            format!("RC4 suites accepted: {}", names(ids)),
        ),
        Weakness::Sweet32(ids) => (
            "sweet32",
            "medium",
            format!(
                "64-bit block cipher suites accepted (SWEET32): {}",
                names(ids)
            ),
        ),
        Weakness::Export(ids) => (
            "export",
            "critical",
            format!(
                "export-grade suites accepted (FREAK/Logjam): {}",
                names(ids)
            ),
        ),
        Weakness::WeakDh { bits, class } => (
            "weak_dh",
            match class {
                DhClass::Bits512 => "critical",
                DhClass::Bits768 => "high",
                DhClass::Bits1024 => "medium",
                _ => "low",
            },
            format!("DHE with a {bits}-bit prime (Logjam class)"),
        ),
        Weakness::NullCipher(ids) => (
            "null_cipher",
            "critical",
            format!("NULL-encryption suites accepted: {}", names(ids)),
        ),
        Weakness::Anonymous(ids) => (
            "anonymous",
            "medium",
            format!(
                "anonymous (unauthenticated) suites accepted: {}",
                names(ids)
            ),
        ),
        Weakness::NoForwardSecrecy(ids) => (
            "no_forward_secrecy",
            "low",
            format!("{} suites without forward secrecy accepted", ids.len()),
        ),
        Weakness::NoTls12OrLater => (
            "no_tls12_or_later",
            "high",
            "neither TLS 1.2 nor TLS 1.3 is accepted".to_owned(),
        ),
        Weakness::Compression => (
            "compression",
            "medium",
            "TLS compression accepted (CRIME)".to_owned(),
        ),
        Weakness::NoSecureRenegotiation => (
            "no_secure_renegotiation",
            "medium",
            "no secure renegotiation (RFC 5746)".to_owned(),
        ),
        _ => ("other", "info", format!("{w:?}")),
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
        assert_eq!((id, sev), ("weak_dh", "medium"));
        assert_eq!(weakness_finding(&Weakness::Rc4(vec![5])).0, "rc4");
    }
}
