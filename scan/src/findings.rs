//! The record's findings: STARTTLS, TLS weaknesses and certificate findings in one list, worst
//! first. Severities are the strings `critical`, `high`, `medium`, `low`, `info`.

use cert_audit::{AuditReport, Severity};
use tls_probe::weakness::Weakness;

use crate::tlsprobe::weakness_finding;
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
}
