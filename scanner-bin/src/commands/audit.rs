//! `mxray audit CHAIN.pem`: a certificate chain audited offline, as an operator would before
//! deploying it on a mail server: the same `cert-audit` report and findings as a scan, as a
//! terminal view or as JSON, and an exit code that says whether anything at high severity or
//! above was found. The terminal view is [`mxray_report::audit`].

use std::io::Write;
use std::path::Path;

use cert_audit::{audit, AuditInput, AuditReport, CertificateDer, PemObject, Severity, TrustStore};

use crate::cli::AuditArgs;
use crate::exit::Exit;

/// Largest chain file read, in bytes (a PEM chain of 16 certificates is under 40 KiB).
pub const MAX_CHAIN_FILE: u64 = 1024 * 1024;

/// Runs `mxray audit`.
pub fn run(args: &AuditArgs) -> Exit {
    match audit_file(args) {
        Ok((report, text)) => {
            if let Err(e) = mxray_scan::output::check_stdout() {
                eprintln!("mxray audit: {e}");
                return Exit::Fatal;
            }
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                eprintln!("mxray audit: cannot write to stdout");
                return Exit::Fatal;
            }
            if report.max_severity().is_some_and(|s| s >= Severity::High) {
                Exit::Findings
            } else {
                Exit::Ok
            }
        }
        Err(e) => {
            eprintln!("mxray audit: {e}");
            Exit::Fatal
        }
    }
}

/// Audits the chain file of `args`; the report and the text to print (terminal view or JSON).
pub fn audit_file(args: &AuditArgs) -> Result<(AuditReport, String), String> {
    let chain = read_chain(&args.chain)?;
    let store = match &args.ca_file {
        Some(p) => {
            TrustStore::from_pem_file(p).map_err(|e| format!("--ca-file {}: {e}", p.display()))?
        }
        None => TrustStore::webpki_roots(),
    };
    let now = match &args.at {
        Some(t) => parse_time(t)?,
        None => mxray_schema::time::unix_now().as_secs(),
    };
    let mut input = AuditInput::new(&chain, now).all_lints(args.all_lints);
    if let Some(n) = &args.name {
        input = input.mx_host(n);
    }
    if let Some(d) = &args.domain {
        input = input.domain(d);
    }
    let report = audit(&input, &store);
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        s.push('\n');
        s
    } else {
        let names: Vec<&str> = [args.name.as_deref(), args.domain.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        mxray_report::audit::render(
            &report,
            &args.chain.display().to_string(),
            args.ca_file.is_some(),
            &names,
            args.all_lints,
        )
    };
    Ok((report, text))
}

/// The certificates of a PEM file (bounded; at least one).
fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let where_ = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {where_}: {e}"))?;
    if meta.len() > MAX_CHAIN_FILE {
        return Err(format!(
            "{where_} is {} bytes, more than the {MAX_CHAIN_FILE} a chain file may have",
            meta.len()
        ));
    }
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {where_}: {e}"))?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{where_}: not a PEM certificate chain: {e:?}"))?;
    if chain.is_empty() {
        return Err(format!(
            "{where_}: no certificate in it (a PEM file with -----BEGIN CERTIFICATE----- blocks, leaf first)"
        ));
    }
    Ok(chain)
}

/// `--at`: Unix seconds, or an RFC 3339 UTC time (`2026-03-15T00:00:00Z`, or a date alone).
pub fn parse_time(text: &str) -> Result<u64, String> {
    if let Ok(n) = text.parse::<u64>() {
        return Ok(n);
    }
    let with_time = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    let t = time::OffsetDateTime::parse(&with_time, &time::format_description::well_known::Rfc3339)
        .map_err(|e| {
            format!("--at {text:?}: not Unix seconds or an RFC 3339 time like 2026-03-15T00:00:00Z ({e})")
        })?;
    u64::try_from(t.unix_timestamp()).map_err(|_| format!("--at {text:?}: before 1970"))
}
