//! The table `mxray demo` prints after the report: one line per lab server (each a
//! misconfiguration profile), saying what a sender meets there: the STARTTLS outcome, the
//! modern handshake and its version, the certificate class, the name check and the first
//! findings.
//!
//! ```
//! use mxray_schema::record::{EndpointRecord, Profile};
//!
//! let r = EndpointRecord::new("tarpit.lab.test".into(), None, 25, Profile::Quick);
//! let text = mxray_report::lab_servers::render(&[("tarpit", &r)]);
//! assert!(text.starts_with("Lab servers (one misconfiguration each)\n"));
//! assert!(text.lines().nth(2).unwrap().starts_with("  tarpit "));
//! ```

use std::fmt::Write as _;

use mxray_schema::record::{EndpointRecord, StarttlsOutcome};

/// Findings named per line; more are counted (`(+N)`).
pub const FINDINGS_SHOWN: usize = 3;

/// The table: a title, a header, then per `(profile name, record)` one aligned line.
pub fn render(rows: &[(&str, &EndpointRecord)]) -> String {
    let mut s = String::from("Lab servers (one misconfiguration each)\n");
    let _ = writeln!(
        s,
        "  {:<17} {:<12} {:<9} {:<8} {:<18} {:<9} findings",
        "profile", "starttls", "tls", "version", "certificate", "name"
    );
    for (p, r) in rows {
        let starttls = match (&r.starttls, &r.error) {
            (Some(st), _) => starttls_word(st.outcome).to_owned(),
            (None, Some(e)) => format!("{:?}", e.kind).to_lowercase(),
            (None, None) => "-".to_owned(),
        };
        let hs = r.tls.as_ref().and_then(|t| t.handshake.as_ref());
        let tls = match hs {
            Some(h) if h.ok => "ok",
            Some(_) => "failed",
            None => "-",
        };
        let version = hs
            .and_then(|h| h.version.clone())
            .unwrap_or_else(|| "-".into());
        let (class, name) = match &r.certificate {
            Some(c) => (
                c.trust.as_str().to_owned(),
                c.names.result.as_str().replace("mx_host", "matches"),
            ),
            None => ("-".to_owned(), "-".to_owned()),
        };
        let findings: Vec<&str> = r
            .findings
            .iter()
            .take(FINDINGS_SHOWN)
            .map(|f| f.id.as_str())
            .collect();
        let more = r.findings.len().saturating_sub(FINDINGS_SHOWN);
        let _ = writeln!(
            s,
            "  {:<17} {:<12} {:<9} {:<8} {:<18} {:<9} {}{}",
            p,
            starttls,
            tls,
            version,
            class,
            name,
            findings.join(", "),
            if more > 0 {
                format!(" (+{more})")
            } else {
                String::new()
            }
        );
    }
    s
}

fn starttls_word(o: StarttlsOutcome) -> &'static str {
    match o {
        StarttlsOutcome::Ready => "ready",
        StarttlsOutcome::NotOffered => "not-offered",
        StarttlsOutcome::Stripped => "stripped",
        StarttlsOutcome::Refused => "refused",
        StarttlsOutcome::UnexpectedReply => "unexpected-reply",
        StarttlsOutcome::ImplicitTls => "implicit",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxray_schema::record::{
        ErrorKind, Finding, FindingSource, Phase, Profile, ScanError, Severity,
    };

    #[test]
    fn a_line_per_server_with_the_error_kind_and_at_most_three_findings() {
        let mut a = EndpointRecord::new("a".into(), None, 25, Profile::Quick);
        for id in ["one", "two", "three", "four", "five"] {
            a.findings
                .push(Finding::new(id, FindingSource::Tls, Severity::Low, "x"));
        }
        let mut b = EndpointRecord::new("b".into(), None, 25, Profile::Quick);
        b.error = Some(ScanError::new(ErrorKind::Timeout, Phase::Banner, "slow"));
        let text = render(&[("good", &a), ("tarpit", &b)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[1].starts_with("  profile           starttls     tls"));
        assert!(lines[2].starts_with("  good              -            -         -"));
        assert!(lines[2].ends_with("one, two, three (+2)"), "{}", lines[2]);
        assert!(
            lines[3].starts_with("  tarpit            timeout      -"),
            "{}",
            lines[3]
        );
    }
}
