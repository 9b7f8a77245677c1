//! The terminal view of `mxray audit CHAIN.pem`: a certificate chain's `cert-audit` report
//! (trust, names, each certificate, findings with their references), every text escaped.

use std::fmt::Write as _;

use cert_audit::AuditReport;
use mxray_schema::text::escape;

/// The terminal view of `r`, the audit of the chain file named `chain`: trust, names, chain,
/// findings worst first with their references. `ca_file`: the trust store was the user's;
/// `names`: the names checked (`--name`, `--domain`); `all_lints`: every lint was shown.
pub fn render(
    r: &AuditReport,
    chain: &str,
    ca_file: bool,
    names: &[&str],
    all_lints: bool,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Certificate chain {}", escape(chain));
    let _ = writeln!(
        s,
        "  audited at    {} ({})",
        cert_audit::time::rfc3339(i64::try_from(r.now).unwrap_or(i64::MAX)),
        if ca_file {
            "trust store: --ca-file"
        } else {
            "trust store: Mozilla's roots"
        }
    );
    let _ = writeln!(s, "  trust         {}", r.trust.as_str());
    let _ = writeln!(
        s,
        "  names         {:?}{}",
        r.names.result,
        if names.is_empty() {
            " (give --name MX-HOST to check them)".to_string()
        } else {
            format!(
                " (checked against {})",
                names
                    .iter()
                    .map(|n| escape(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    let _ = writeln!(s, "\nChain ({} certificates)", r.certificates.len());
    for c in &r.certificates {
        match &c.facts {
            Some(f) => {
                let _ = writeln!(s, "  #{} {}", c.index, escape(&f.subject));
                let _ = writeln!(s, "      issuer    {}", escape(&f.issuer));
                let _ = writeln!(
                    s,
                    "      valid     {} .. {} ({} days)",
                    f.not_before,
                    f.not_after,
                    f.validity_days.saturating_add(1)
                );
                let _ = writeln!(
                    s,
                    "      key       {:?} {} bits{}; signed {}",
                    f.key.algorithm,
                    f.key.bits,
                    f.key
                        .curve
                        .as_deref()
                        .map(|c| format!(" ({})", escape(c)))
                        .unwrap_or_default(),
                    escape(&f.signature.algorithm)
                );
                if !f.dns_names.is_empty() || !f.ip_addresses.is_empty() {
                    let mut names: Vec<String> = f.dns_names.iter().map(|n| escape(n)).collect();
                    names.extend(f.ip_addresses.iter().map(ToString::to_string));
                    let _ = writeln!(s, "      names     {}", names.join(", "));
                }
                let _ = writeln!(s, "      sha256    {}", c.sha256);
            }
            None => {
                let _ = writeln!(
                    s,
                    "  #{} does not parse: {}",
                    c.index,
                    escape(c.parse_error.as_deref().unwrap_or("?"))
                );
            }
        }
    }
    let _ = writeln!(s, "\nFindings ({})", r.findings.len());
    if r.findings.is_empty() {
        let _ = writeln!(s, "  none");
    }
    for f in &r.findings {
        let _ = writeln!(
            s,
            "  {:<8} {:<24} {}",
            mxray_schema::record::Severity::from(f.severity).as_str(),
            f.id.as_str(),
            escape(&f.message)
        );
        let _ = writeln!(s, "  {:<8} {:<24} ({})", "", "", f.id.reference());
    }
    if !all_lints {
        let _ = writeln!(
            s,
            "\nCA/B Forum issuance lints are shown where they bind the issuer (a chain trusted under \
             a public store); --all-lints shows them all."
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_chain_report_says_what_was_checked() {
        let chain: Vec<cert_audit::CertificateDer<'static>> = Vec::new();
        let input = cert_audit::AuditInput::new(&chain, 0);
        let r = cert_audit::audit(&input, &cert_audit::TrustStore::webpki_roots());
        let text = render(&r, "c\x1b[2J.pem", false, &[], false);
        assert!(text.starts_with("Certificate chain c"), "{text}");
        assert!(!text.contains('\x1b'), "escaped: {text}");
        assert!(text.contains("trust store: Mozilla's roots"));
        assert!(text.contains(" (give --name MX-HOST to check them)"));
        assert!(text.contains("\nChain (0 certificates)\n"));
        assert!(text.ends_with("--all-lints shows them all.\n"));
        let named = render(&r, "c.pem", true, &["mx.example", "example"], true);
        assert!(named.contains("trust store: --ca-file"));
        assert!(named.contains(" (checked against mx.example, example)"));
        assert!(!named.contains("--all-lints"));
    }
}
