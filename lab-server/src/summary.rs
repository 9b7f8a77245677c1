//! `mxray lab summary FILE`: the sender-behaviour table, a row per client (EHLO name and
//! address), a column per profile.
//!
//! Cells, from the server's point of view, over every session of that client on that profile:
//!
//! | cell | meaning |
//! |---|---|
//! | `delivered-tls` | a message was accepted inside TLS |
//! | `delivered-plain` | a message was accepted in plaintext; `(fallback)` when the client came back without STARTTLS after a TLS failure |
//! | `refused` | the client gave up by itself: an alert (named in the cell), a close during the handshake, or QUIT/close without mail |
//! | `deferred` | no delivery after a lab-side failure (454 to STARTTLS, broken handshake, timeout) |
//! | `no-attempt` | no session |
//!
//! ` [injectable]` follows the cell when the client took the plaintext reply the `injection`
//! profile smuggled after the `220` as an answer inside TLS.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use mxray_schema::lines::{BoundedLines, Line};
use mxray_schema::text::escape;

use super::profiles::LabProfile;
use super::record::{SessionRecord, SESSION_KIND};
use super::LabError;

/// Longest log line read.
pub const MAX_LINE: usize = 1 << 20;

/// Reads the `lab-session` records of a log; other lines (and broken ones) are counted, skipped.
pub fn read_log(path: &Path) -> Result<(Vec<SessionRecord>, usize), LabError> {
    let f = File::open(path).map_err(|e| LabError::Io(path.to_path_buf(), e))?;
    let mut out = Vec::new();
    let mut skipped = 0usize;
    for line in BoundedLines::new(BufReader::new(f), MAX_LINE) {
        let line = line.map_err(|e| LabError::Io(path.to_path_buf(), e))?;
        match line {
            Line::Text { text, .. } => {
                if text.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<SessionRecord>(&text) {
                    Ok(r) if r.kind == SESSION_KIND => out.push(r),
                    _ => skipped = skipped.saturating_add(1),
                }
            }
            _ => skipped = skipped.saturating_add(1),
        }
    }
    Ok((out, skipped))
}

/// The client key of a record: `EHLO-name [ip]`.
pub fn client_key(r: &SessionRecord) -> String {
    let ip = r
        .client
        .parse::<std::net::SocketAddr>()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|_| r.client.clone());
    format!("{} [{ip}]", r.ehlo.as_deref().unwrap_or("(no EHLO)"))
}

/// The cell for one client and profile; ` [injectable]` is appended when the client took the
/// reply smuggled before TLS as an answer (the `injection` profile).
pub fn cell(sessions: &[&SessionRecord]) -> String {
    let mut c = base_cell(sessions);
    if sessions.iter().any(|s| {
        s.injection
            .as_ref()
            .is_some_and(|i| i.client_used_injected_reply)
    }) {
        c.push_str(" [injectable]");
    }
    c
}

fn base_cell(sessions: &[&SessionRecord]) -> String {
    if sessions.is_empty() {
        return "no-attempt".to_owned();
    }
    if sessions.iter().any(|s| s.delivered_tls) {
        return "delivered-tls".to_owned();
    }
    if sessions.iter().any(|s| s.delivered) {
        return if sessions.iter().any(|s| s.delivered && s.plaintext_fallback) {
            "delivered-plain (fallback)".to_owned()
        } else {
            "delivered-plain".to_owned()
        };
    }
    let alert = sessions
        .iter()
        .filter_map(|s| s.tls.as_ref().and_then(|t| t.alert.as_ref()))
        .map(|a| a.name.clone())
        .next();
    if let Some(a) = alert {
        return format!("refused ({a})");
    }
    let client_gave_up = |s: &&&SessionRecord| {
        let tls_client_side = s
            .tls
            .as_ref()
            .is_some_and(|t| matches!(t.result.as_str(), "client-closed" | "not-tls"));
        tls_client_side
            || (!s.server_temp_failure
                && matches!(s.end.as_str(), "quit" | "closed" | "reset")
                && s.tls.as_ref().is_none_or(|t| t.result == "completed"))
    };
    if sessions.iter().any(|s| client_gave_up(&s)) {
        return "refused".to_owned();
    }
    "deferred".to_owned()
}

/// The table: rows (client keys), columns (profiles), cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Profiles with at least one session, in canonical order.
    pub profiles: Vec<LabProfile>,
    /// Rows: client key and one cell per profile.
    pub rows: Vec<(String, Vec<String>)>,
}

impl Table {
    /// The cell for a client whose key starts with `client_prefix` and a profile.
    pub fn get(&self, client_prefix: &str, profile: LabProfile) -> Option<&str> {
        let col = self.profiles.iter().position(|p| *p == profile)?;
        self.rows
            .iter()
            .find(|(k, _)| k.starts_with(client_prefix))
            .and_then(|(_, cells)| cells.get(col))
            .map(String::as_str)
    }

    /// Plain-text rendering with aligned columns; every key and cell goes through
    /// [`mxray_schema::text::escape`] (an EHLO name is the client's to choose).
    pub fn render(&self) -> String {
        let escaped: Vec<(String, Vec<String>)> = self
            .rows
            .iter()
            .map(|(k, cells)| (escape(k), cells.iter().map(|c| escape(c)).collect()))
            .collect();
        let mut widths: Vec<usize> = vec!["client".len()];
        widths.extend(self.profiles.iter().map(|p| p.name().len()));
        for (k, cells) in &escaped {
            if let Some(w) = widths.first_mut() {
                *w = (*w).max(k.chars().count());
            }
            for (i, c) in cells.iter().enumerate() {
                if let Some(w) = widths.get_mut(i.saturating_add(1)) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        let mut out = String::new();
        let mut line = |cols: Vec<&str>| {
            let mut l = String::new();
            for (i, c) in cols.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                let _ = write!(l, "{c:<w$}  ");
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        let mut head = vec!["client"];
        head.extend(self.profiles.iter().map(|p| p.name()));
        line(head);
        for (k, cells) in &escaped {
            let mut cols = vec![k.as_str()];
            cols.extend(cells.iter().map(String::as_str));
            line(cols);
        }
        out
    }
}

/// The ClientHellos seen per client: `(client key, JA4, versions offered, JA3)`, one row per
/// distinct fingerprint, sorted.
pub fn fingerprints(records: &[SessionRecord]) -> Vec<(String, String, String, String)> {
    let rows: BTreeSet<(String, String, String, String)> = records
        .iter()
        .filter_map(|r| {
            r.client_hello.as_ref().map(|h| {
                (
                    client_key(r),
                    h.ja4.clone(),
                    h.versions.join(","),
                    h.ja3.clone(),
                )
            })
        })
        .collect();
    rows.into_iter().collect()
}

/// Renders [`fingerprints`] as aligned text (empty when no ClientHello was seen), escaped with
/// [`mxray_schema::text::escape`].
pub fn render_fingerprints(records: &[SessionRecord]) -> String {
    let rows: Vec<(String, String, String, String)> = fingerprints(records)
        .into_iter()
        .map(|(c, ja4, v, ja3)| (escape(&c), escape(&ja4), escape(&v), escape(&ja3)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    // Column widths: the widest cell, at least the header.
    let width = |cell: fn(&(String, String, String, String)) -> &String, header: &str| {
        rows.iter()
            .map(|r| cell(r).chars().count())
            .fold(header.len(), usize::max)
    };
    let w0 = width(|r| &r.0, "client");
    let w1 = width(|r| &r.1, "JA4");
    let w2 = width(|r| &r.2, "versions");
    let mut out = format!(
        "{:<w0$}  {:<w1$}  {:<w2$}  JA3\n",
        "client", "JA4", "versions"
    );
    for (c, ja4, v, ja3) in rows {
        let _ = writeln!(out, "{c:<w0$}  {ja4:<w1$}  {v:<w2$}  {ja3}");
    }
    out
}

/// Builds the table from session records.
pub fn table(records: &[SessionRecord]) -> Table {
    let profiles: BTreeSet<LabProfile> = records.iter().filter_map(|r| r.profile).collect();
    let profiles: Vec<LabProfile> = LabProfile::ALL
        .into_iter()
        .filter(|p| profiles.contains(p))
        .collect();
    let mut by_client: BTreeMap<String, Vec<&SessionRecord>> = BTreeMap::new();
    for r in records {
        by_client.entry(client_key(r)).or_default().push(r);
    }
    let rows = by_client
        .into_iter()
        .map(|(k, sessions)| {
            let cells = profiles
                .iter()
                .map(|p| {
                    let mine: Vec<&SessionRecord> = sessions
                        .iter()
                        .copied()
                        .filter(|s| s.profile == Some(*p))
                        .collect();
                    cell(&mine)
                })
                .collect();
            (k, cells)
        })
        .collect();
    Table { profiles, rows }
}

/// One row of `mxray lab summary --by provider`: a provider's sessions on one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRow {
    /// [`crate::identity::provider`] of the sessions.
    pub provider: String,
    /// The senders' networks (`AS64500 DE`, at most [`MAX_NETWORKS`], `,`-separated), from
    /// the records' `sender_network` or `--asn-db`; `-` when none is known.
    pub network: String,
    /// The profile.
    pub profile: LabProfile,
    /// Sessions.
    pub sessions: usize,
    /// `k/n`: sessions that sent STARTTLS, of all.
    pub starttls: String,
    /// Version and suite of the first completed handshake, or `-`.
    pub tls: String,
    /// `accepted` (mail sent inside TLS), `handshake only` (completed, then no mail: a check
    /// after the handshake failed), `aborted (ALERT)`, `aborted` (closed without an alert),
    /// `-` (no handshake).
    pub certificate: String,
    /// `yes` when it came back in plaintext after a TLS failure (see the record's
    /// `plaintext_fallback`).
    pub fallback: String,
    /// Sessions after the first, and the gaps between session starts (`+30s,+5m`).
    pub retries: String,
    /// `tls`, `plain` or `no`.
    pub delivered: String,
}

/// Most distinct sender networks listed in a row (then `...`).
pub const MAX_NETWORKS: usize = 3;

/// A network as shown: `AS64500 DE`, `AS64500`, `DE`.
fn network_label(n: &mxray_schema::network::Network) -> String {
    match (n.asn, n.country.as_deref()) {
        (Some(a), Some(c)) => format!("AS{a} {c}"),
        (Some(a), None) => format!("AS{a}"),
        (None, Some(c)) => c.to_owned(),
        (None, None) => "-".to_owned(),
    }
}

/// The network of a session: its record's `sender_network`, else `db`'s for the client's
/// address.
fn session_network(
    s: &SessionRecord,
    db: Option<&mxray_asn::AsnDb>,
) -> Option<mxray_schema::network::Network> {
    s.sender_network.clone().or_else(|| {
        let ip = s.client.parse::<std::net::SocketAddr>().ok()?.ip();
        db?.lookup(ip)
    })
}

/// Most retry gaps listed in a row.
pub const MAX_GAPS: usize = 6;

fn gap(ms: u64) -> String {
    let s = ms / 1000;
    if s < 120 {
        format!("+{s}s")
    } else if s < 7200 {
        format!("+{}m", s / 60)
    } else {
        format!("+{}h", s / 3600)
    }
}

fn provider_row(
    provider: String,
    profile: LabProfile,
    sessions: &[&SessionRecord],
    db: Option<&mxray_asn::AsnDb>,
) -> ProviderRow {
    let mut networks: Vec<String> = Vec::new();
    for s in sessions {
        if let Some(n) = session_network(s, db) {
            let l = network_label(&n);
            if !networks.contains(&l) {
                networks.push(l);
            }
        }
    }
    networks.sort();
    let network = if networks.is_empty() {
        "-".to_owned()
    } else if networks.len() > MAX_NETWORKS {
        networks.truncate(MAX_NETWORKS);
        format!("{},...", networks.join(","))
    } else {
        networks.join(",")
    };
    let tried = sessions.iter().filter(|s| s.starttls_tried).count();
    let completed = sessions
        .iter()
        .filter_map(|s| s.tls.as_ref())
        .find(|t| t.result == "completed");
    let tls = completed.map_or("-".to_owned(), |t| {
        format!(
            "{} {}",
            t.version.as_deref().unwrap_or("?"),
            t.suite.as_deref().unwrap_or("?")
        )
    });
    let mail_in_tls = sessions
        .iter()
        .any(|s| s.delivered_tls || s.mails.iter().any(|m| m.tls));
    let alert = sessions
        .iter()
        .filter_map(|s| s.tls.as_ref().and_then(|t| t.alert.as_ref()))
        .map(|a| a.name.clone())
        .next();
    let certificate = if mail_in_tls {
        "accepted".to_owned()
    } else if completed.is_some() {
        "handshake only".to_owned()
    } else if let Some(a) = alert {
        format!("aborted ({a})")
    } else if sessions.iter().any(|s| {
        s.tls
            .as_ref()
            .is_some_and(|t| matches!(t.result.as_str(), "client-closed" | "not-tls"))
    }) {
        "aborted".to_owned()
    } else {
        "-".to_owned()
    };
    let mut starts: Vec<u64> = sessions.iter().map(|s| s.started_unix_ms).collect();
    starts.sort_unstable();
    let gaps: Vec<String> = starts
        .windows(2)
        .filter_map(|w| match w {
            [a, b] => Some(gap(b.saturating_sub(*a))),
            _ => None,
        })
        .collect();
    let retries = if gaps.is_empty() {
        "0".to_owned()
    } else {
        let mut shown: Vec<String> = gaps.iter().take(MAX_GAPS).cloned().collect();
        if gaps.len() > MAX_GAPS {
            shown.push("...".to_owned());
        }
        format!("{} ({})", gaps.len(), shown.join(","))
    };
    let delivered = if sessions.iter().any(|s| s.delivered_tls) {
        "tls"
    } else if sessions.iter().any(|s| s.delivered) {
        "plain"
    } else {
        "no"
    };
    ProviderRow {
        provider,
        network,
        profile,
        sessions: sessions.len(),
        starttls: format!("{tried}/{}", sessions.len()),
        tls,
        certificate,
        fallback: if sessions.iter().any(|s| s.plaintext_fallback) {
            "yes".to_owned()
        } else {
            "no".to_owned()
        },
        retries,
        delivered: delivered.to_owned(),
    }
}

/// `mxray lab summary --by provider`: a row per provider and profile, sorted by provider and
/// then profile. Sessions refused for a limit (`busy`, `per-ip-limit`) count as sessions.
pub fn by_provider(records: &[SessionRecord]) -> Vec<ProviderRow> {
    by_provider_with(records, None)
}

/// [`by_provider`], with the senders' networks looked up in `db` (`lab summary --asn-db`) for
/// records without `sender_network`.
pub fn by_provider_with(
    records: &[SessionRecord],
    db: Option<&mxray_asn::AsnDb>,
) -> Vec<ProviderRow> {
    let mut groups: BTreeMap<(String, LabProfile), Vec<&SessionRecord>> = BTreeMap::new();
    for r in records {
        let Some(p) = r.profile else { continue };
        let prov = crate::identity::provider(r.sender.as_ref(), r.ehlo.as_deref(), &r.client);
        groups.entry((prov, p)).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|((prov, p), sessions)| provider_row(prov, p, &sessions, db))
        .collect()
}

/// Renders [`by_provider`] as aligned text, every cell escaped. The `network` column (the
/// senders' AS and country) is shown when some row has one.
pub fn render_by_provider(rows: &[ProviderRow]) -> String {
    let with_network = rows.iter().any(|r| r.network != "-");
    let mut head: Vec<&str> = vec!["provider"];
    if with_network {
        head.push("network");
    }
    head.extend([
        "profile",
        "sessions",
        "starttls",
        "tls",
        "certificate",
        "fallback",
        "retries",
        "delivered",
    ]);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut c = vec![escape(&r.provider)];
            if with_network {
                c.push(escape(&r.network));
            }
            c.extend([
                r.profile.name().to_owned(),
                r.sessions.to_string(),
                escape(&r.starttls),
                escape(&r.tls),
                escape(&r.certificate),
                r.fallback.clone(),
                escape(&r.retries),
                r.delivered.clone(),
            ]);
            c
        })
        .collect();
    let mut widths: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: Vec<&str>| {
        let mut l = String::new();
        for (c, w) in cols.iter().zip(widths.iter()) {
            let _ = write!(l, "{c:<w$}  ", w = *w);
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(head.clone());
    for row in &cells {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// How `mxray lab summary` groups a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SummaryBy {
    /// A row per client, a column per profile ([`table`]), then the ClientHellos seen.
    #[default]
    Client,
    /// A row per (provider, profile) ([`by_provider`]).
    Provider,
}

/// What `mxray lab summary` prints for `records`: [`table`] followed by the ClientHellos seen
/// ([`render_fingerprints`], if any), or [`render_by_provider`].
pub fn render(records: &[SessionRecord], by: SummaryBy) -> String {
    render_with(records, by, None)
}

/// [`render`], the senders' networks looked up in `db` (`lab summary --asn-db`) for records
/// without `sender_network` ([`by_provider_with`]).
pub fn render_with(
    records: &[SessionRecord],
    by: SummaryBy,
    db: Option<&mxray_asn::AsnDb>,
) -> String {
    match by {
        SummaryBy::Provider => render_by_provider(&by_provider_with(records, db)),
        SummaryBy::Client => {
            let mut out = table(records).render();
            let fp = render_fingerprints(records);
            if !fp.is_empty() {
                let _ = write!(out, "\nClientHellos seen:\n{fp}");
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{AlertInfo, TlsResult};

    #[test]
    fn render_gives_the_table_and_hellos_or_the_provider_rows() {
        let mut a = rec("127.0.0.1:1000", "postfix", LabProfile::Good);
        a.delivered = true;
        a.delivered_tls = true;
        let plain = render(std::slice::from_ref(&a), SummaryBy::Client);
        assert_eq!(plain, table(std::slice::from_ref(&a)).render());
        assert!(!plain.contains("ClientHellos seen"));
        a.client_hello = Some(hello(&["TLSv1.3"], "j3"));
        let with = render(std::slice::from_ref(&a), SummaryBy::Client);
        let fp = render_fingerprints(std::slice::from_ref(&a));
        assert!(!fp.is_empty());
        assert_eq!(
            with,
            format!(
                "{}\nClientHellos seen:\n{fp}",
                table(std::slice::from_ref(&a)).render()
            )
        );
        let prov = render(std::slice::from_ref(&a), SummaryBy::Provider);
        assert_eq!(
            prov,
            render_by_provider(&by_provider(std::slice::from_ref(&a)))
        );
        assert!(prov.starts_with("provider"), "{prov}");
    }

    /// A TLS 1.2 ClientHello offering `versions`, with JA3 `ja3`.
    fn hello(versions: &[&str], ja3: &str) -> crate::hello::HelloInfo {
        crate::hello::HelloInfo {
            legacy_version: "TLSv1.2".into(),
            versions: versions.iter().map(|v| (*v).to_owned()).collect(),
            suites: vec![],
            sni: None,
            groups: vec![],
            alpn: vec![],
            extensions: vec![],
            ja3_string: String::new(),
            ja3: ja3.into(),
            ja4: "t13i_x".into(),
        }
    }

    fn rec(client: &str, ehlo: &str, p: LabProfile) -> SessionRecord {
        SessionRecord {
            kind: SESSION_KIND.into(),
            profile: Some(p),
            client: client.into(),
            ehlo: Some(ehlo.into()),
            end: "quit".into(),
            ..SessionRecord::default()
        }
    }

    #[test]
    fn cells_follow_the_documented_rules() {
        let mut a = rec("127.0.0.1:1000", "postfix", LabProfile::Good);
        a.delivered = true;
        a.delivered_tls = true;
        let mut b = rec("127.0.0.1:1001", "postfix", LabProfile::SelfSigned);
        b.tls = Some(TlsResult {
            result: "client-alert".into(),
            alert: Some(AlertInfo {
                code: 48,
                name: "unknown_ca".into(),
            }),
            ..TlsResult::default()
        });
        b.end = "tls-failed".into();
        let mut c = rec("127.0.0.1:1002", "postfix", LabProfile::HandshakeFails);
        c.server_temp_failure = true;
        c.end = "tls-failed".into();
        c.tls = Some(TlsResult {
            result: "server-aborted".into(),
            ..TlsResult::default()
        });
        let mut d = rec("127.0.0.1:1003", "postfix", LabProfile::HandshakeFails);
        d.delivered = true;
        d.plaintext_fallback = true;
        let e = rec("127.0.0.1:1004", "curl", LabProfile::NoStarttls);
        let mut f = rec("127.0.0.1:1005", "curl", LabProfile::StarttlsRefused);
        f.server_temp_failure = true;
        let t = table(&[a, b, c, d, e, f]);
        assert_eq!(t.get("postfix ", LabProfile::Good), Some("delivered-tls"));
        assert_eq!(
            t.get("postfix ", LabProfile::SelfSigned),
            Some("refused (unknown_ca)")
        );
        assert_eq!(
            t.get("postfix ", LabProfile::HandshakeFails),
            Some("delivered-plain (fallback)")
        );
        assert_eq!(
            t.get("postfix ", LabProfile::NoStarttls),
            Some("no-attempt")
        );
        assert_eq!(t.get("curl ", LabProfile::NoStarttls), Some("refused"));
        assert_eq!(
            t.get("curl ", LabProfile::StarttlsRefused),
            Some("deferred")
        );
        let mut h = rec("127.0.0.1:9", "curl", LabProfile::Good);
        h.client_hello = Some(hello(&["TLSv1.3", "TLSv1.2"], "j3"));
        let fp = render_fingerprints(&[h.clone(), h]);
        assert_eq!(fp.lines().count(), 2, "one row per distinct hello: {fp}");
        assert!(fp.contains("curl [127.0.0.1]  t13i_x"), "{fp}");
        assert!(render_fingerprints(&[]).is_empty());
        let text = t.render();
        assert!(text.starts_with("client"), "{text}");
        assert_eq!(text.lines().count(), 3);
    }

    #[test]
    fn providers_are_grouped_by_registered_domain() {
        use crate::identity::SenderIdentity;
        let google = |ip: &str, t: u64| {
            let mut r = rec(ip, "mail-a.google.com", LabProfile::StarttlsRefused);
            r.sender = Some(SenderIdentity {
                ptr: Some("mail-a.google.com".into()),
                forward_confirmed: true,
                error: None,
            });
            r.starttls_tried = true;
            r.started_unix_ms = t;
            r
        };
        let a = google("192.0.2.1:1", 1_000);
        let b = google("192.0.2.2:1", 31_000);
        let mut c = google("192.0.2.1:2", 331_000);
        c.starttls_tried = false;
        c.delivered = true;
        c.plaintext_fallback = true;
        // The EHLO name of another sender, no PTR.
        let mut d = rec(
            "198.51.100.7:4",
            "relay2.corp.example.co.uk",
            LabProfile::Good,
        );
        d.starttls_tried = true;
        d.tls = Some(TlsResult {
            result: "completed".into(),
            version: Some("TLSv1_3".into()),
            suite: Some("TLS13_AES_256_GCM_SHA384".into()),
            ..TlsResult::default()
        });
        d.end = "quit".into();
        let mut e = rec(
            "198.51.100.8:4",
            "relay1.corp.example.co.uk",
            LabProfile::SelfSigned,
        );
        e.starttls_tried = true;
        e.tls = Some(TlsResult {
            result: "client-alert".into(),
            alert: Some(AlertInfo {
                code: 48,
                name: "unknown_ca".into(),
            }),
            ..TlsResult::default()
        });
        let rows = by_provider(&[a, b, c, d, e]);
        assert_eq!(rows.len(), 3, "{rows:?}");
        let g = &rows[2];
        assert_eq!(
            (g.provider.as_str(), g.profile),
            ("google.com", LabProfile::StarttlsRefused)
        );
        assert_eq!(g.sessions, 3);
        assert_eq!(g.starttls, "2/3");
        assert_eq!(g.retries, "2 (+30s,+5m)");
        assert_eq!(g.fallback, "yes");
        assert_eq!(g.delivered, "plain");
        assert_eq!(g.certificate, "-");
        let good = &rows[0];
        assert_eq!(good.provider, "example.co.uk");
        assert_eq!(good.profile, LabProfile::Good);
        assert_eq!(good.tls, "TLSv1_3 TLS13_AES_256_GCM_SHA384");
        assert_eq!(good.certificate, "handshake only");
        assert_eq!(good.delivered, "no");
        assert_eq!(rows[1].certificate, "aborted (unknown_ca)");
        let text = render_by_provider(&rows);
        assert!(text.starts_with("provider"), "{text}");
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(text.contains("google.com"), "{text}");
    }

    #[test]
    fn a_hostile_ehlo_name_cannot_drive_the_terminal() {
        let evil = "x\x1b]0;owned\x07\x1b[2J\u{9b}1m\u{202e}";
        let mut a = rec("127.0.0.1:1000", evil, LabProfile::Good);
        a.client_hello = Some(hello(&["TLSv1.3\x1b[2J"], "j3\x07"));
        let mut b = rec("bad\x1b[31m", "ok", LabProfile::Good);
        b.ehlo = None;
        let records = [a, b];
        let table = table(&records).render();
        let fp = render_fingerprints(&records);
        for text in [&table, &fp] {
            assert!(
                !text
                    .chars()
                    .any(|c| c != '\n' && mxray_schema::text::is_unsafe_char(c)),
                "{text:?}"
            );
        }
        assert!(
            table.contains("x\\x1b]0;owned\\x07\\x1b[2J\\x9b1m\\u{202e} [127.0.0.1]"),
            "{table}"
        );
        assert!(table.contains("(no EHLO) [bad\\x1b[31m]"), "{table}");
    }
}
