//! Audits a PEM chain file and prints the report as JSON.
//!
//! `cargo run -p cert-audit --example audit_pem -- CHAIN.pem MX_HOST NOW_UNIX [ROOTS.pem]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cert_audit::{audit, AuditInput, CertificateDer, PemObject, TrustStore};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, chain, mx, now, rest @ ..] = args.as_slice() else {
        return Err("usage: audit_pem CHAIN.pem MX_HOST NOW_UNIX [ROOTS.pem]".into());
    };
    let pem = std::fs::read(chain)?;
    let chain: Vec<CertificateDer<'_>> =
        CertificateDer::pem_slice_iter(&pem).collect::<Result<_, _>>()?;
    let store = match rest.first() {
        Some(roots) => TrustStore::from_pem_file(roots)?,
        None => TrustStore::webpki_roots(),
    };
    let report = audit(&AuditInput::new(&chain, now.parse()?).mx_host(mx), &store);
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
