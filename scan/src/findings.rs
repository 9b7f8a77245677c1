//! The record's findings: STARTTLS, TLS weaknesses and certificate findings in one list, worst
//! first. Severities are the strings `critical`, `high`, `medium`, `low`, `info`.

use cert_audit::AuditReport;
use mxray_schema::record::{Finding, FindingSource, Severity};
use tls_probe::weakness::{Severity as WeaknessSeverity, Weakness};

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

/// A weakness's stable id, severity and explanation (tls-probe's, the severity as the record's).
pub fn weakness_finding(w: &Weakness) -> (&'static str, Severity, String) {
    let severity = match w.severity() {
        WeaknessSeverity::Critical => Severity::Critical,
        WeaknessSeverity::High => Severity::High,
        WeaknessSeverity::Medium => Severity::Medium,
        WeaknessSeverity::Low => Severity::Low,
        _ => Severity::Info,
    };
    (w.id(), severity, w.message())
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
        use tls_probe::plan::params::DhClass;
        let (id, sev, _) = weakness_finding(&Weakness::WeakDh {
            bits: 1024,
            class: DhClass::Bits1024,
        });
        assert_eq!((id, sev), ("weak_dh", Severity::Medium));
        assert_eq!(weakness_finding(&Weakness::Rc4(vec![5])).0, "rc4");
    }
}
