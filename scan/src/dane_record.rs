//! DANE in the record: [`lookup_record`] writes `rec.dane` from the lookups of
//! [`crate::dane`], [`usable_tlsa`] gives the certificate audit the TLSA records a DANE sender
//! uses, and [`judge_record`] judges the record as a DANE-validating sender
//! (`cert_audit::sender::judge`) once the endpoint is scanned.

use cert_audit::sender::DnssecStatus;
use cert_audit::Tlsa;
use mxray_schema::dane::DnssecAnswer;

use crate::dane::{to_tlsa, DaneResolver};

/// The MX host name DANE is looked up for: the MX host of a domain target, the host of a
/// `host:port` target; `None` for an address target (no name, no TLSA).
pub fn host_name(mx: Option<&mxray_schema::record::MxInfo>) -> Option<&str> {
    mx.map(|m| m.host.as_str())
        .filter(|h| *h != "." && !h.is_empty() && h.parse::<std::net::IpAddr>().is_err())
}

/// Looks DANE up for the record's MX host and port and writes `rec.dane` with the answers (its
/// state `not_evaluated` until [`judge_record`] runs). Nothing for an address target.
pub async fn lookup_record(
    resolver: &DaneResolver,
    rec: &mut mxray_schema::record::EndpointRecord,
) {
    let Some(host) = host_name(rec.mx.as_ref()).map(str::to_owned) else {
        return;
    };
    let mx = match (&rec.domain, rec.mx.as_ref().is_some_and(|m| m.implicit)) {
        (Some(d), false) => Some(resolver.mx(d).await),
        _ => None,
    };
    let h = resolver.host(&host, rec.port).await;
    rec.dane = Some(mxray_schema::dane::DaneInfo {
        mx,
        address: h.address.clone(),
        tlsa_name: h.tlsa_name.clone(),
        tlsa: h.tlsa.answer.clone(),
        records: h.tlsa.records.clone(),
        records_dropped: h.tlsa.dropped,
        tlsa_ttl: h.tlsa.ttl,
        state: cert_audit::sender::State::NotEvaluated,
        delivery: cert_audit::sender::Delivery::Unknown,
    });
}

/// The TLSA records a DANE sender uses for this record: those of a secure TLSA answer reached
/// through a secure (or absent) MX answer and secure addresses; empty otherwise.
pub fn usable_tlsa(rec: &mxray_schema::record::EndpointRecord) -> Vec<Tlsa> {
    let Some(d) = &rec.dane else {
        return Vec::new();
    };
    let secure = |a: &DnssecAnswer| a.status == DnssecStatus::Secure;
    if d.mx.as_ref().is_none_or(secure) && secure(&d.address) && secure(&d.tlsa) {
        to_tlsa(&d.records)
    } else {
        Vec::new()
    }
}

/// Judges `rec.dane` as a DANE-validating sender (`cert_audit::sender::judge`) from what the
/// record saw: STARTTLS, the handshake, the matching in `certificate.dane`, the leaf's expiry.
/// Sets the state and delivery and adds the findings (source `dane`). Nothing without
/// `rec.dane`.
pub fn judge_record(rec: &mut mxray_schema::record::EndpointRecord, now: u64) {
    use cert_audit::sender::{judge, SenderInput, TlsReach};
    use mxray_schema::record::{Finding, FindingSource, Severity, StarttlsOutcome};
    let Some(d) = &rec.dane else {
        return;
    };
    let records = to_tlsa(&d.records);
    let handshake = rec
        .tls
        .as_ref()
        .and_then(|t| t.handshake.as_ref())
        .is_some_and(|h| h.ok);
    let tls = match (&rec.ehlo, &rec.starttls) {
        _ if handshake || rec.certificate.is_some() => TlsReach::Established,
        (_, Some(s))
            if matches!(
                s.outcome,
                StarttlsOutcome::Ready | StarttlsOutcome::ImplicitTls
            ) =>
        {
            TlsReach::Failed
        }
        (_, Some(_)) => TlsReach::NotOffered,
        (Some(e), None) if !e.starttls_offered => TlsReach::NotOffered,
        _ => TlsReach::NotReached,
    };
    let matching = rec.certificate.as_ref().and_then(|c| c.dane.as_ref());
    let input = SenderInput {
        mx: d.mx.as_ref().map(|a| a.status),
        address: d.address.status,
        tlsa: d.tlsa.status,
        tlsa_records: &records,
        tlsa_dropped: d.records_dropped,
        tlsa_ttl: d.tlsa_ttl,
        tls,
        matching,
        leaf_not_after: rec
            .certificate
            .as_ref()
            .and_then(|c| c.leaf())
            .map(|l| l.not_after_unix),
        now,
    };
    let v = judge(&input);
    // The sender's findings say what the audit's `dane-mismatch` and `dane-unusable` say, for
    // a sender: the audit's stay in `certificate.findings`, the record lists the sender's.
    rec.findings.retain(|f| {
        f.source != FindingSource::Dane
            && !(f.source == FindingSource::Certificate
                && (f.id == "dane-mismatch" || f.id == "dane-unusable"))
    });
    rec.findings.extend(v.findings.iter().map(|f| {
        Finding::new(
            f.id.as_str(),
            FindingSource::Dane,
            Severity::from(f.severity),
            f.message.clone(),
        )
    }));
    crate::assemble::sort(&mut rec.findings);
    if let Some(d) = rec.dane.as_mut() {
        d.state = v.state;
        d.delivery = v.delivery;
    }
}
