//! The tables of the report, built from an [`Aggregate`] (and a baseline's).
//!
//! Every table has the same shape: rows of `label, count, total` where the share is
//! `count / total` (each row names its own denominator, so a table can mix "of all endpoints"
//! and "of the endpoints probed"). Renderers ([`super::text`], [`super::markdown`],
//! [`super::json`], [`super::html`]) only lay these rows out. Row keys are stable machine ids
//! (or the value itself for value tables); a baseline row is matched by section, table and key.

use serde::Serialize;

use super::aggregate::{
    Aggregate, DomainState, DH_CLASSES, KX_CLASSES, LOSS_CAUSES, STRENGTH_CLASSES,
    VALIDITY_BUCKETS, VERSIONS, WEAK_CLASSES,
};
use super::counter::{Counter, IPS_PER_CLUSTER};

/// Rows shown in "top" tables; the rest is summed in one row.
pub const TOP_N: usize = 15;

pub use crate::aggregate::DEFAULT_DOMAIN_ROWS;

/// Longest label shown, in characters.
pub const MAX_LABEL_CHARS: usize = 72;

/// How a table is drawn in the HTML report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Chart {
    /// Horizontal bars, one per row.
    Bars,
    /// Vertical bars over ordered buckets.
    Histogram,
    /// No chart.
    None,
}

/// The counts of the same row in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Baseline {
    /// The baseline's count.
    pub count: u64,
    /// The baseline's denominator.
    pub total: u64,
}

/// One row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Stable key (machine id or the value).
    pub key: String,
    /// Display label (sanitised: no control or bidi characters, at most [`MAX_LABEL_CHARS`]).
    pub label: String,
    /// Count.
    pub count: u64,
    /// Denominator of the share.
    pub total: u64,
    /// The baseline's row, when a baseline was given and has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
}

/// Share `count / total` in percent, `None` when `total` is 0.
pub fn share(count: u64, total: u64) -> Option<f64> {
    if total == 0 {
        None
    } else {
        // Precision loss above 2^53 is irrelevant for a percentage.
        #[allow(clippy::cast_precision_loss)]
        Some(count as f64 * 100.0 / total as f64)
    }
}

impl Row {
    fn new(key: &str, label: &str, count: u64, total: u64) -> Self {
        Self {
            key: key.to_owned(),
            label: clean_label(label),
            count,
            total,
            baseline: None,
        }
    }

    /// The share in percent.
    pub fn share(&self) -> Option<f64> {
        share(self.count, self.total)
    }

    /// Change of the count since the baseline.
    pub fn delta_count(&self) -> Option<i128> {
        self.baseline
            .map(|b| i128::from(self.count) - i128::from(b.count))
    }

    /// Change of the share since the baseline, in percentage points.
    pub fn delta_pp(&self) -> Option<f64> {
        let b = self.baseline?;
        Some(self.share()? - share(b.count, b.total)?)
    }

    /// The baseline cell: `count (share)`, or `–` without a baseline.
    pub fn fmt_baseline(&self) -> String {
        self.baseline.map_or_else(
            || "–".to_owned(),
            |b| format!("{} ({})", b.count, fmt_share(share(b.count, b.total))),
        )
    }
}

/// One table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Stable id within its section.
    pub id: &'static str,
    /// Title.
    pub title: String,
    /// What the share is of.
    pub denominator: &'static str,
    /// A remark shown under the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How the HTML report draws it.
    pub chart: Chart,
    /// Rows, in display order.
    pub rows: Vec<Row>,
}

/// A group of tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Stable id.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Tables.
    pub tables: Vec<Table>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was read.
    pub input: super::aggregate::InputStats,
    /// What the baseline read, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_input: Option<super::aggregate::InputStats>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// The per-domain rows (the worst domains), shown at the end of the per-domain section;
    /// `None` when no record carries policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_rows: Option<DomainRows>,
    /// The per-AS, per-country and per-provider views ([`crate::networks`]), shown in the
    /// `networks` section; empty when no record has an address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<crate::networks::GroupTable>,
}

/// The id of the section that ends with the per-domain rows ([`Report::domain_rows`]).
pub const DOMAINS_SECTION: &str = "domains";
/// The id of the section that holds the per-network views ([`Report::networks`]).
pub const NETWORKS_SECTION: &str = "networks";

impl Report {
    /// The per-domain rows, when `section` is the one that shows them.
    pub fn domain_rows_of(&self, section: &Section) -> Option<&DomainRows> {
        self.domain_rows
            .as_ref()
            .filter(|_| section.id == DOMAINS_SECTION)
    }

    /// The per-network views that `section` shows (none but in the networks section).
    pub fn networks_of(&self, section: &Section) -> &[crate::networks::GroupTable] {
        if section.id == NETWORKS_SECTION {
            &self.networks
        } else {
            &[]
        }
    }
}

/// One domain of the per-domain rows: its verdict and policies. Strings are machine ids
/// (`Delivery::as_str`, [`crate::domain::sts_label`]...) except `domain` (escaped, cut) and
/// `attackers`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DomainRow {
    /// The domain (escaped and cut like every label).
    pub domain: String,
    /// Its MX hosts (at most [`super::aggregate::MX_PER_DOMAIN`]).
    pub mx: usize,
    /// How an opportunistic sender delivers (`authenticated`, `encrypted_only`, `plaintext`,
    /// `not_delivered`, `unknown`).
    pub opportunistic: &'static str,
    /// How an MTA-STS sender delivers.
    pub mta_sts_sender: &'static str,
    /// How a DANE sender delivers.
    pub dane_sender: &'static str,
    /// The attackers that win, each with the senders it wins against
    /// (`passive eavesdropper: opportunistic, MTA-STS`), `;`-separated, or `none`.
    pub attackers: String,
    /// Attacker-sender pairs where the attacker wins (first contact only counts as a half
    /// win, rounded down; used for the order).
    pub wins: u32,
    /// MTA-STS: the mode of a valid policy or why there is none ([`crate::domain::sts_label`]).
    pub mta_sts: String,
    /// TLS-RPT: the TXT status (`valid`, `absent`, ...).
    pub tls_rpt: String,
    /// DANE: `applies` (secure, non-empty TLSA at some MX), `none`, or `not_looked_up`.
    pub dane: &'static str,
}

/// The per-domain rows: at most `limit` domains, worst first, and how many are not shown.
///
/// Order: domains where some sender does not deliver at all (a failing MTA-STS enforce policy
/// or DANE) first, then by the number of attacker-sender pairs the attacker wins, then by name.
/// Selection keeps only `limit` rows in memory at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainRows {
    /// The most rows shown.
    pub limit: usize,
    /// Domains with policies looked up (the rows' population).
    pub domains: u64,
    /// Of those, not shown.
    pub not_shown: u64,
    /// The rows shown, worst first.
    pub rows: Vec<DomainRow>,
}

impl DomainRows {
    /// Column headers of [`DomainRows::cells`].
    pub const COLUMNS: [&'static str; 9] = [
        "domain",
        "MX",
        "opportunistic",
        "MTA-STS sender",
        "DANE sender",
        "attackers that win",
        "MTA-STS",
        "TLS-RPT",
        "DANE",
    ];

    /// The rows as text cells, in the order of [`DomainRows::COLUMNS`] (not yet escaped for
    /// Markdown or HTML).
    pub fn cells(&self) -> Vec<[String; 9]> {
        self.rows
            .iter()
            .map(|r| {
                [
                    r.domain.clone(),
                    r.mx.to_string(),
                    r.opportunistic.to_owned(),
                    r.mta_sts_sender.to_owned(),
                    r.dane_sender.to_owned(),
                    r.attackers.clone(),
                    r.mta_sts.clone(),
                    r.tls_rpt.clone(),
                    r.dane.to_owned(),
                ]
            })
            .collect()
    }

    /// The line under the rows: how many are shown, of how many, and the order.
    pub fn note(&self) -> String {
        format!(
            "{} of {} domains with policies looked up shown ({} not shown; at most {}, \
             `--domain-rows`), worst first: a sender that does not deliver, then the number of \
             attacker-sender pairs the attacker wins, then by name.",
            self.rows.len(),
            self.domains,
            self.not_shown,
            self.limit
        )
    }
}

/// Ordering key of a row: smaller is worse.
type RowKey = (std::cmp::Reverse<u32>, std::cmp::Reverse<u32>, String);

/// The per-domain rows of `a` (`None` when no domain has policies).
fn domain_rows(a: &Aggregate) -> Option<DomainRows> {
    use mail_policy::verdict::{verdict, AttackerResult, Delivery};
    use std::collections::BinaryHeap;
    let limit = a.domain_rows;
    let mut heap: BinaryHeap<(RowKey, DomainRow)> = BinaryHeap::new();
    let mut domains = 0u64;
    for d in a.domains.values() {
        let Some(p) = &d.policy else { continue };
        domains = domains.saturating_add(1);
        if limit == 0 {
            continue;
        }
        let v = verdict(&p.facts());
        let not_delivered = [&v.opportunistic, &v.mta_sts, &v.dane]
            .iter()
            .filter(|s| s.delivery == Delivery::NotDelivered)
            .count();
        let mut wins = 0u32;
        let mut attackers = Vec::new();
        for r in &v.attackers {
            let mut against = Vec::new();
            for (label, res) in [
                ("opportunistic", r.opportunistic),
                ("MTA-STS", r.mta_sts),
                ("DANE", r.dane),
            ] {
                match res {
                    AttackerResult::Wins => {
                        wins = wins.saturating_add(2);
                        against.push(label.to_owned());
                    }
                    AttackerResult::FirstContact => {
                        wins = wins.saturating_add(1);
                        against.push(format!("{label} (first contact)"));
                    }
                    _ => {}
                }
            }
            if !against.is_empty() {
                attackers.push(format!("{}: {}", r.attacker.as_str(), against.join(", ")));
            }
        }
        let domain = clean_label(&p.domain);
        let row = DomainRow {
            domain: domain.clone(),
            mx: d.mx.len(),
            opportunistic: v.opportunistic.delivery.as_str(),
            mta_sts_sender: v.mta_sts.delivery.as_str(),
            dane_sender: v.dane.delivery.as_str(),
            attackers: if attackers.is_empty() {
                "none".to_owned()
            } else {
                attackers.join("; ")
            },
            wins: wins / 2,
            mta_sts: clean_label(&p.mta_sts),
            tls_rpt: clean_label(&p.tls_rpt),
            dane: if d.dane_looked_up == 0 {
                "not_looked_up"
            } else if d.dane_applies > 0 {
                "applies"
            } else {
                "none"
            },
        };
        let key: RowKey = (
            std::cmp::Reverse(u32::try_from(not_delivered).unwrap_or(u32::MAX)),
            std::cmp::Reverse(wins),
            domain,
        );
        heap.push((key, row));
        if heap.len() > limit {
            heap.pop();
        }
    }
    if domains == 0 {
        return None;
    }
    let rows: Vec<DomainRow> = heap.into_sorted_vec().into_iter().map(|(_, r)| r).collect();
    Some(DomainRows {
        limit,
        domains,
        not_shown: domains.saturating_sub(rows.len() as u64),
        rows,
    })
}

/// A label safe to print anywhere: control characters (ANSI escapes, newlines) and bidi
/// overrides are shown escaped by [`mxray_schema::text::escape`] (`\x1b`, `\u{202e}`), as in every
/// terminal output, and it is cut to [`MAX_LABEL_CHARS`] characters (with `…`).
pub fn clean_label(s: &str) -> String {
    cut_label(s, MAX_LABEL_CHARS)
}

/// Escapes `s` and cuts it to `max` characters, the last one `…` when cut.
fn cut_label(s: &str, max: usize) -> String {
    // Escaping grows a string at most tenfold: no need to escape what will be cut anyway.
    let head: String = s.chars().take(max.saturating_add(1)).collect();
    let escaped = mxray_schema::text::escape(&head);
    if escaped.chars().count() <= max {
        return escaped;
    }
    let mut out: String = escaped.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn table(
    id: &'static str,
    title: &str,
    denominator: &'static str,
    chart: Chart,
    rows: Vec<Row>,
) -> Table {
    Table {
        id,
        title: title.to_owned(),
        denominator,
        note: None,
        chart,
        rows,
    }
}

/// Rows for a fixed list of keys (all shown, zero or not), then any key not in the list.
fn fixed_rows(c: &Counter, keys: &[(&str, &str)], total: u64) -> Vec<Row> {
    let mut rows: Vec<Row> = keys
        .iter()
        .map(|(k, l)| Row::new(k, l, c.get(k), total))
        .collect();
    for (k, n) in c.iter() {
        if !keys.iter().any(|(x, _)| *x == k) {
            rows.push(Row::new(k, k, n, total));
        }
    }
    if c.other() > 0 {
        rows.push(Row::new("(other)", "(other values)", c.other(), total));
    }
    rows
}

/// The largest [`TOP_N`] values, then one row for the rest.
/// Every key of a counter, most frequent first, and what the counter could not hold.
fn c_all_rows(c: &Counter, total: u64) -> Vec<Row> {
    let mut rows: Vec<Row> = c
        .by_count()
        .iter()
        .map(|(k, n)| Row::new(k, k, *n, total))
        .collect();
    if c.other() > 0 {
        rows.push(Row::new("(other)", "(other values)", c.other(), total));
    }
    rows
}

fn top_rows(c: &Counter, total: u64) -> Vec<Row> {
    let all = c.by_count();
    let mut rows: Vec<Row> = all
        .iter()
        .take(TOP_N)
        .map(|(k, n)| Row::new(k, k, *n, total))
        .collect();
    let rest_values = all.len().saturating_sub(TOP_N);
    let rest: u64 = all
        .iter()
        .skip(TOP_N)
        .fold(c.other(), |a, (_, n)| a.saturating_add(*n));
    if rest > 0 {
        let label = if c.other() > 0 {
            format!("(other: {rest_values}+ values)")
        } else {
            format!("(other: {rest_values} values)")
        };
        rows.push(Row::new("(other)", &label, rest, total));
    }
    rows
}

fn funnel(a: &Aggregate) -> Section {
    let t = a.targeted;
    let rows = vec![
        Row::new("targeted", "endpoints targeted", a.targeted, t),
        Row::new("tcp_open", "TCP connection", a.tcp_open, t),
        Row::new("greeting", "SMTP greeting (2xx)", a.greeting, t),
        Row::new(
            "tls_offered",
            "STARTTLS offered (or implicit TLS)",
            a.tls_offered,
            t,
        ),
        Row::new("handshake", "TLS handshake completed", a.handshake_ok, t),
    ];
    let mut rows = rows;
    if a.partial > 0 {
        rows.push(Row::new(
            "partial",
            "partial: the endpoint deadline cut probes short (versions, suites left out)",
            a.partial,
            t,
        ));
    }
    let mut loss = table(
        "loss",
        "Causes of loss",
        "records",
        Chart::Bars,
        fixed_rows(&a.loss, LOSS_CAUSES, t),
    );
    loss.rows.retain(|r| r.count > 0 || r.baseline.is_some());
    loss.note = Some(
        "Each record that did not complete a handshake, by the first reason; 421 and refused \
         connections are retried first and are not \"no STARTTLS\"."
            .to_owned(),
    );
    Section {
        id: "funnel",
        title: "1. Funnel",
        tables: vec![
            table("funnel", "Funnel", "records", Chart::Bars, rows),
            loss,
        ],
    }
}

fn anomalies(a: &Aggregate) -> Section {
    let rows = vec![
        Row::new(
            "stripped",
            "STARTTLS capability stripped (XXXXXXXA)",
            a.anomalies.get("stripped"),
            a.ehlo_seen,
        ),
        Row::new(
            "refused",
            "STARTTLS refused after being offered",
            a.anomalies.get("refused"),
            a.starttls_attempted,
        ),
        Row::new(
            "unexpected_reply",
            "STARTTLS answered with neither 220 nor a refusal",
            a.anomalies.get("unexpected_reply"),
            a.starttls_attempted,
        ),
        Row::new(
            "bytes_after_220",
            "bytes after the 220 reply to STARTTLS",
            a.anomalies.get("bytes_after_220"),
            a.starttls_attempted,
        ),
        Row::new(
            "injection_vulnerable",
            "command injection (plaintext crosses the upgrade)",
            a.anomalies.get("injection_vulnerable"),
            a.injection_tested,
        ),
        Row::new(
            "injection_inconclusive",
            "injection test inconclusive",
            a.anomalies.get("injection_inconclusive"),
            a.injection_tested,
        ),
        Row::new(
            "helo_fallback",
            "EHLO refused, HELO used",
            a.anomalies.get("helo_fallback"),
            a.ehlo_seen,
        ),
    ];
    let mut t = table(
        "anomalies",
        "STARTTLS anomalies",
        "its base: EHLO seen, STARTTLS sent, or injection tested",
        Chart::Bars,
        rows,
    );
    t.note = Some(format!(
        "EHLO seen: {}; STARTTLS offered: {}; STARTTLS command sent: {}; injection tested: {}.",
        a.ehlo_seen, a.starttls_offered, a.starttls_attempted, a.injection_tested
    ));
    Section {
        id: "starttls",
        title: "2. STARTTLS anomalies",
        tables: vec![t],
    }
}

fn versions(a: &Aggregate) -> Section {
    let supported = table(
        "supported",
        "Protocol versions supported",
        "endpoints with version probes",
        Chart::Histogram,
        fixed_rows(&a.version_supported, VERSIONS, a.versions_probed),
    );
    let best = table(
        "best",
        "Best protocol version",
        "endpoints with a known version",
        Chart::Histogram,
        fixed_rows(&a.best_version, VERSIONS, a.best_version_known),
    );
    Section {
        id: "versions",
        title: "3. Protocol versions",
        tables: vec![supported, best],
    }
}

fn suites(a: &Aggregate) -> Section {
    let h = a.handshake_suites;
    let top = table(
        "top",
        "Top negotiated cipher suites",
        "completed handshakes",
        Chart::Bars,
        top_rows(&a.suites, h),
    );
    let kx = table(
        "kx",
        "Key exchange of the negotiated suite",
        "completed handshakes",
        Chart::Bars,
        fixed_rows(&a.kx, KX_CLASSES, h),
    );
    let fs = table(
        "fs",
        "Forward secrecy",
        "completed handshakes",
        Chart::Bars,
        vec![
            Row::new("fs", "forward secrecy", a.forward_secrecy, h),
            Row::new(
                "no_fs",
                "no forward secrecy",
                h.saturating_sub(a.forward_secrecy),
                h,
            ),
        ],
    );
    let strength = table(
        "strength",
        "Strength classes of the negotiated suite",
        "completed handshakes",
        Chart::Bars,
        fixed_rows(&a.strength, STRENGTH_CLASSES, h),
    );
    let mut weak = table(
        "weak_support",
        "Support for weak classes (full profile)",
        "endpoints whose suites were enumerated",
        Chart::Bars,
        fixed_rows(&a.weak_support, WEAK_CLASSES, a.suites_probed),
    );
    weak.note = Some(format!(
        "Over the {} endpoints whose accepted suites were enumerated.",
        a.suites_probed
    ));
    Section {
        id: "suites",
        title: "4. Cipher suites",
        tables: vec![top, kx, fs, strength, weak],
    }
}

fn dh(a: &Aggregate) -> Section {
    let sizes = table(
        "sizes",
        "DH prime sizes",
        "endpoints with a DHE suite measured",
        Chart::Histogram,
        fixed_rows(&a.dh_class, DH_CLASSES, a.dh_measured),
    );
    let p = a.suites_probed;
    let logjam = table(
        "logjam",
        "Export and weak DH (Logjam)",
        "endpoints whose suites were enumerated",
        Chart::Bars,
        vec![
            Row::new(
                "export_dhe",
                "DHE EXPORT suite accepted",
                a.weak_support.get("export_dhe"),
                p,
            ),
            Row::new(
                "export",
                "any EXPORT suite accepted",
                a.weak_support.get("export"),
                p,
            ),
        ],
    );
    Section {
        id: "dh",
        title: "5. Diffie-Hellman",
        tables: vec![sizes, logjam],
    }
}

/// Trust classes in display order.
pub const TRUST_CLASSES: &[(&str, &str)] = &[
    ("trusted", "trusted"),
    ("self_signed", "self-signed"),
    ("self_issued", "self-issued, signature not checked"),
    ("unknown_issuer", "unknown CA"),
    ("incomplete_chain", "incomplete chain"),
    ("expired", "expired"),
    ("not_yet_valid", "not yet valid"),
    ("bad_signature", "bad signature"),
    ("other", "other validation error"),
    ("malformed", "malformed leaf"),
    ("no_certificate", "no certificate"),
    ("limit_exceeded", "chain over the limits"),
];

const NAME_RESULTS: &[(&str, &str)] = &[
    ("mx_host", "names the MX host"),
    ("mail_domain", "names the mail domain (not the MX host)"),
    ("mismatch", "names neither"),
    ("not_checked", "not checked"),
];

fn certificates(a: &Aggregate) -> Section {
    let c = a.certs;
    let l = a.leaves;
    let classes = table(
        "trust",
        "Certificate classes (exclusive)",
        "certificates audited",
        Chart::Bars,
        fixed_rows(&a.trust, TRUST_CLASSES, c),
    );
    let mut names = fixed_rows(&a.name_result, NAME_RESULTS, c);
    names.push(Row::new(
        "mx_host_matches",
        "MX host matches (where checked)",
        a.mx_match,
        a.mx_checked,
    ));
    names.push(Row::new(
        "domain_matches",
        "mail domain matches (where checked)",
        a.domain_match,
        a.domain_checked,
    ));
    let names = table(
        "names",
        "Name match",
        "certificates audited",
        Chart::Bars,
        names,
    );
    let not_self = l.saturating_sub(a.self_signed_subjects.total());
    let issuers = table(
        "issuers",
        "Top issuing CAs (issuer organisation)",
        "leaves not self-signed",
        Chart::Bars,
        top_rows(&a.issuers, not_self),
    );
    let self_signed = table(
        "self_signed",
        "Top self-signed subjects",
        "self-signed leaves",
        Chart::Bars,
        top_rows(&a.self_signed_subjects, a.self_signed_subjects.total()),
    );
    let findings = table(
        "findings",
        "Certificate findings (chains with each finding id)",
        "certificates audited",
        Chart::Bars,
        c_all_rows(&a.cert_findings, c),
    );
    let keys = table(
        "keys",
        "Key types and sizes",
        "parsed leaves",
        Chart::Bars,
        top_rows(&a.key_types, l),
    );
    let hashes = table(
        "hashes",
        "Signature hashes",
        "parsed leaves",
        Chart::Bars,
        top_rows(&a.sig_hashes, l),
    );
    let validity = table(
        "validity",
        "Validity lengths",
        "parsed leaves",
        Chart::Histogram,
        fixed_rows(&a.validity, VALIDITY_BUCKETS, l),
    );
    let mut section = Section {
        id: "certificates",
        title: "6. Certificates",
        tables: vec![
            classes,
            names,
            findings,
            issuers,
            self_signed,
            keys,
            hashes,
            validity,
        ],
    };
    section.tables.push(cluster_table(
        "shared_certs",
        "Certificates shared across IPs",
        a,
        true,
    ));
    section.tables.push(cluster_table(
        "shared_keys",
        "Keys (SPKI) shared across IPs",
        a,
        false,
    ));
    section
}

fn cluster_table(id: &'static str, title: &str, a: &Aggregate, certs: bool) -> Table {
    let clusters = if certs {
        &a.cert_clusters
    } else {
        &a.spki_clusters
    };
    let shared = clusters.shared();
    let endpoints_shared: u64 = shared
        .iter()
        .fold(0, |acc, (_, c)| acc.saturating_add(c.endpoints));
    let mut rows: Vec<Row> = shared
        .iter()
        .take(TOP_N)
        .map(|(k, c)| {
            let ips = if c.ips_capped {
                format!("{IPS_PER_CLUSTER}+")
            } else {
                c.ips.len().to_string()
            };
            let short = super::counter::truncate(k, 16);
            let label = format!("{short}… {} ({ips} IPs)", c.label);
            Row::new(k, &label, c.endpoints, a.leaves)
        })
        .collect();
    rows.push(Row::new(
        "(all shared)",
        &format!("all endpoints sharing one ({} distinct)", shared.len()),
        endpoints_shared,
        a.leaves,
    ));
    let mut t = table(id, title, "parsed leaves (endpoints)", Chart::None, rows);
    let mut note = format!(
        "Largest first (by distinct IPs); count = endpoints presenting it. {} distinct {} seen.",
        clusters.len(),
        if certs { "certificates" } else { "keys" }
    );
    if clusters.overflow() > 0 {
        note.push_str(&format!(
            " {} endpoints not clustered (cap on distinct values reached).",
            clusters.overflow()
        ));
    }
    t.note = Some(note);
    t
}

fn domains(a: &Aggregate) -> Section {
    let mut n = 0u64;
    let mut null_mx = 0u64;
    let mut dns_only = 0u64;
    let mut reached = 0u64;
    let mut all_tls = 0u64;
    let mut some_tls = 0u64;
    let mut no_tls = 0u64;
    let mut all_hs = 0u64;
    let mut all_secure = 0u64;
    let mut mx_hist = Counter::with_cap(16);
    let mut ep_hist = Counter::with_cap(16);
    let inc = |x: &mut u64, b: bool| *x = x.saturating_add(u64::from(b));
    let mut keys: Vec<&u64> = a.domains.keys().collect();
    keys.sort_unstable();
    for d in keys.iter().filter_map(|k| a.domains.get(*k)) {
        let d: &DomainState = d;
        inc(&mut n, true);
        inc(&mut null_mx, d.null_mx > 0);
        inc(&mut dns_only, d.dns_failed > 0 && d.endpoints == 0);
        let r = d.reached > 0;
        inc(&mut reached, r);
        inc(&mut all_tls, r && d.tls == d.reached);
        inc(&mut some_tls, r && d.tls > 0 && d.tls < d.reached);
        inc(&mut no_tls, r && d.tls == 0);
        inc(&mut all_hs, r && d.handshake == d.reached);
        inc(&mut all_secure, r && d.secure == d.reached);
        if d.null_mx == 0 {
            mx_hist.add(match d.mx.len() {
                0 => "0",
                1 => "1",
                2 => "2",
                3 => "3",
                _ => "4+",
            });
            ep_hist.add(match d.endpoints {
                0 => "0",
                1 => "1",
                2 => "2",
                3 | 4 => "3-4",
                _ => "5+",
            });
        }
    }
    let mut states = table(
        "states",
        "Domains",
        "domains",
        Chart::Bars,
        vec![
            Row::new("domains", "domains", n, n),
            Row::new("null_mx", "null MX", null_mx, n),
            Row::new("dns_failed", "DNS failure, no endpoint", dns_only, n),
            Row::new("reached", "some MX endpoint answered", reached, n),
            Row::new(
                "all_starttls",
                "every MX endpoint offers STARTTLS",
                all_tls,
                n,
            ),
            Row::new(
                "some_starttls",
                "some but not every MX endpoint offers STARTTLS",
                some_tls,
                n,
            ),
            Row::new("no_starttls", "no MX endpoint offers STARTTLS", no_tls, n),
            Row::new(
                "all_handshake",
                "every MX endpoint completes a handshake",
                all_hs,
                n,
            ),
            Row::new(
                "all_secure",
                "every MX endpoint: STARTTLS, trusted, name-matching",
                all_secure,
                n,
            ),
        ],
    );
    let mut note =
        "\"Every MX endpoint\" is over the endpoints that answered with an SMTP greeting."
            .to_owned();
    if a.domains_overflow > 0 {
        note.push_str(&format!(
            " {} records of domains beyond the cap on distinct domains are not counted.",
            a.domains_overflow
        ));
    }
    states.note = Some(note);
    let mx = table(
        "mx_per_domain",
        "MX hosts per domain",
        "domains without null MX",
        Chart::Histogram,
        fixed_rows(
            &mx_hist,
            &[
                ("0", "0"),
                ("1", "1"),
                ("2", "2"),
                ("3", "3"),
                ("4+", "4 or more"),
            ],
            mx_hist.total(),
        ),
    );
    let ep = table(
        "endpoints_per_domain",
        "Endpoints per domain",
        "domains without null MX",
        Chart::Histogram,
        fixed_rows(
            &ep_hist,
            &[
                ("0", "0"),
                ("1", "1"),
                ("2", "2"),
                ("3-4", "3-4"),
                ("5+", "5 or more"),
            ],
            ep_hist.total(),
        ),
    );
    let mut tables = policy_tables(a);
    tables.extend([states, mx, ep]);
    Section {
        id: DOMAINS_SECTION,
        title: "7. Per domain",
        tables,
    }
}

/// The per-domain verdict (how each kind of sender delivers, which attacker wins), the
/// adoption of MTA-STS and TLS-RPT, and the policy errors: at the head of the per-domain
/// section, for the domains whose records carry their policies (none: no tables, so reports of
/// scans without policies are unchanged).
fn policy_tables(a: &Aggregate) -> Vec<Table> {
    use mail_policy::verdict::{verdict, Attacker, AttackerResult, Delivery};
    let mut keys: Vec<&u64> = a.domains.keys().collect();
    keys.sort_unstable();
    let states: Vec<(&DomainState, &super::aggregate::DomainPolicyState)> = keys
        .iter()
        .filter_map(|k| a.domains.get(*k))
        .filter_map(|d| Some((d, d.policy.as_ref()?)))
        .collect();
    if states.is_empty() {
        return Vec::new();
    }
    let n = states.len() as u64;
    let mut sts = Counter::with_cap(16);
    let mut rpt = Counter::with_cap(16);
    let mut errors = Counter::with_cap(32);
    let mut sts_and_rpt = 0u64;
    let mut dane = 0u64;
    let mut dane_unknown = 0u64;
    let mut sts_and_dane = 0u64;
    let mut neither = 0u64;
    let deliveries = [
        Delivery::Authenticated,
        Delivery::EncryptedOnly,
        Delivery::Plaintext,
        Delivery::NotDelivered,
        Delivery::Unknown,
    ];
    let mut senders = Counter::with_cap(64);
    let mut attackers = Counter::with_cap(64);
    for (d, p) in &states {
        sts.add(&p.mta_sts);
        rpt.add(&p.tls_rpt);
        if let Some(e) = &p.policy_error {
            errors.add(e);
        } else if p.mta_sts == "invalid_policy" || p.mta_sts == "invalid_record" {
            errors.add(&p.mta_sts);
        }
        let has_sts = matches!(p.mta_sts.as_str(), "enforce" | "testing");
        let has_rpt = p.tls_rpt == "valid";
        let has_dane = d.dane_applies > 0;
        let inc = |x: &mut u64, b: bool| *x = x.saturating_add(u64::from(b));
        inc(&mut sts_and_rpt, has_sts && has_rpt);
        inc(&mut dane, has_dane);
        inc(&mut dane_unknown, d.dane_looked_up == 0);
        inc(&mut sts_and_dane, has_sts && has_dane);
        inc(&mut neither, !has_sts && !has_dane);
        let v = verdict(&p.facts());
        for (kind, s) in [
            ("opportunistic", &v.opportunistic),
            ("mta_sts", &v.mta_sts),
            ("dane", &v.dane),
        ] {
            senders.add(&format!("{kind}:{}", s.delivery.as_str()));
        }
        for r in v.attackers {
            for (kind, res) in [
                ("opportunistic", r.opportunistic),
                ("mta_sts", r.mta_sts),
                ("dane", r.dane),
            ] {
                attackers.add(&format!("{:?}:{kind}:{}", r.attacker, res.as_str()));
            }
        }
    }
    let mut verdict_rows = Vec::new();
    for (kind, label) in [
        ("opportunistic", "opportunistic sender"),
        ("mta_sts", "MTA-STS sender"),
        ("dane", "DANE sender"),
    ] {
        for d in deliveries {
            let key = format!("{kind}:{}", d.as_str());
            let count = senders.get(&key);
            if count > 0 || d != Delivery::Unknown {
                verdict_rows.push(Row::new(
                    &key,
                    &format!("{label}: {}", crate::domain::delivery_text(d)),
                    count,
                    n,
                ));
            }
        }
    }
    let mut verdict_table = table(
        "verdict",
        "Per-domain verdict: how a sender delivers (most preferred MX it accepts)",
        "domains with policies looked up",
        Chart::Bars,
        verdict_rows,
    );
    verdict_table.note = Some(
        "The DANE sender's verdict is known when the scan ran with --dane (TLSA records looked \
         up through a validating resolver), unknown otherwise; the MX hosts are tried in \
         preference order."
            .to_owned(),
    );
    let mut attacker_rows = Vec::new();
    for a in Attacker::ALL {
        for (kind, label) in [
            ("opportunistic", "opportunistic"),
            ("mta_sts", "MTA-STS"),
            ("dane", "DANE"),
        ] {
            let wins = attackers.get(&format!("{a:?}:{kind}:{}", AttackerResult::Wins.as_str()));
            let first = attackers.get(&format!(
                "{a:?}:{kind}:{}",
                AttackerResult::FirstContact.as_str()
            ));
            attacker_rows.push(Row::new(
                &format!("{a:?}:{kind}:wins"),
                &format!("{} wins against the {label} sender", a.as_str()),
                wins,
                n,
            ));
            if first > 0 {
                attacker_rows.push(Row::new(
                    &format!("{a:?}:{kind}:first_contact"),
                    &format!("{} wins on first contact only ({label})", a.as_str()),
                    first,
                    n,
                ));
            }
        }
    }
    let attackers_table = table(
        "attackers",
        "Which attacker wins (reads the mail)",
        "domains with policies looked up",
        Chart::Bars,
        attacker_rows,
    );
    let mut adoption = table(
        "policy_adoption",
        "Adoption: MTA-STS, TLS-RPT and DANE",
        "domains with policies looked up",
        Chart::Bars,
        vec![
            Row::new("mta_sts_enforce", "MTA-STS enforce", sts.get("enforce"), n),
            Row::new("mta_sts_testing", "MTA-STS testing", sts.get("testing"), n),
            Row::new("mta_sts_none", "MTA-STS none", sts.get("none"), n),
            Row::new(
                "mta_sts_unusable",
                "MTA-STS record but no usable policy",
                sts.get("invalid_record")
                    .saturating_add(sts.get("fetch_error"))
                    .saturating_add(sts.get("invalid_policy"))
                    .saturating_add(sts.get("not_fetched")),
                n,
            ),
            Row::new("mta_sts_absent", "no MTA-STS", sts.get("absent"), n),
            Row::new("tls_rpt", "TLS-RPT valid", rpt.get("valid"), n),
            Row::new(
                "tls_rpt_invalid",
                "TLS-RPT unusable",
                rpt.get("invalid").saturating_add(rpt.get("multiple")),
                n,
            ),
            Row::new("dane", "DANE (secure, non-empty TLSA at some MX)", dane, n),
            Row::new(
                "dane_not_looked_up",
                "DANE not looked up (scan without --dane)",
                dane_unknown,
                n,
            ),
            Row::new(
                "mta_sts_and_tls_rpt",
                "MTA-STS (enforce or testing) and TLS-RPT valid",
                sts_and_rpt,
                n,
            ),
            Row::new(
                "mta_sts_and_dane",
                "MTA-STS (enforce or testing) and DANE",
                sts_and_dane,
                n,
            ),
            Row::new(
                "neither_mta_sts_nor_dane",
                "neither MTA-STS (enforce or testing) nor DANE",
                neither,
                n,
            ),
        ],
    );
    adoption.note = Some(
        "DANE counts only domains whose records were scanned with --dane; without it, \
         \"neither\" counts every domain without MTA-STS."
            .to_owned(),
    );
    let mut out = vec![verdict_table, attackers_table, adoption];
    if errors.total() > 0 {
        out.push(table(
            "policy_errors",
            "MTA-STS policy errors",
            "domains with an unusable MTA-STS record or policy",
            Chart::Bars,
            top_rows(&errors, errors.total()),
        ));
    }
    out
}

/// Builds the report of `a`, with the changes since `baseline` when given.
pub fn build(a: &Aggregate, baseline: Option<&Aggregate>) -> Report {
    let mut report = Report {
        input: a.input.clone(),
        baseline_input: baseline.map(|b| b.input.clone()),
        sections: sections(a),
        domain_rows: domain_rows(a),
        networks: networks(a),
    };
    if let Some(b) = baseline {
        let old = sections(b);
        attach_baseline(&mut report.sections, &old);
        if let Some(s) = report.sections.iter_mut().find(|s| s.id == "dane") {
            s.tables.push(stale_keys(&a.stale_keys(b)));
        }
    }
    report
}

/// Rollover with a baseline: of the records where no usable TLSA record matches the served
/// chain (`no_match`), those where a DANE-EE SHA-256 record matches the leaf the baseline scan
/// saw at the same TLSA name: the key changed and the TLSA records still name the old one.
fn stale_keys(k: &crate::aggregate::StaleKeys) -> Table {
    let n = k.compared.saturating_add(k.not_compared);
    let mut t = table(
        "dane_stale_keys",
        "DANE rollover against the baseline: TLSA records naming a key no longer served",
        "records where no usable TLSA record matches (no_match)",
        Chart::Bars,
        vec![
            Row::new(
                "stale_key",
                "a DANE-EE record matches the key served here in the baseline",
                k.stale,
                n,
            ),
            Row::new(
                "other",
                "no record matches a key served here in the baseline",
                k.compared.saturating_sub(k.stale),
                n,
            ),
            Row::new(
                "not_compared",
                "not compared (past the limit)",
                k.not_compared,
                n,
            ),
        ],
    );
    let mut note = "Compared: DANE-EE records with SHA-256 matching (3 0 1, 3 1 1) against the leaf certificate and key the baseline scan saw at the same TLSA name (_PORT._tcp.HOST). Other matching types and DANE-TA records are not compared.".to_owned();
    if k.baseline_partial {
        note.push_str(" The baseline had more TLSA names than could be remembered: some of its keys are missing, and a stale key may be counted as other.");
    }
    t.note = Some(note);
    t
}

fn sections(a: &Aggregate) -> Vec<Section> {
    let mut s = vec![
        funnel(a),
        anomalies(a),
        versions(a),
        suites(a),
        dh(a),
        certificates(a),
        domains(a),
    ];
    // Only scans that looked DANE up (`--dane`) have the section.
    if a.dane_records > 0 {
        s.push(dane(a));
    }
    // Only scans of address targets with `--server-names` have this one.
    if a.own_names > 0 {
        s.push(own_names(a));
    }
    // Records written since these facts exist (or carrying any of them).
    if a.hygiene.get("seen") > 0 {
        s.push(hygiene(a));
    }
    // Its views are multi-column rows ([`Report::networks`]), not tables.
    if !networks(a).is_empty() {
        s.push(Section {
            id: NETWORKS_SECTION,
            title: "Networks and providers",
            tables: Vec::new(),
        });
    }
    // Only records with findings have the findings section (with the pointer to the fixes).
    if !a.findings.is_empty() {
        s.push(findings(a));
    }
    s
}

/// SMTP AUTH before STARTTLS, RFC 8314 submission, REQUIRETLS, the plaintext-acceptance test,
/// client-certificate requests, OCSP stapling and must-staple, and the leaf's embedded SCTs:
/// one row each, each over its own denominator.
fn hygiene(a: &Aggregate) -> Section {
    let h = &a.hygiene;
    let row = |k: &str, l: &str, n: &str| Row::new(k, l, h.get(k), h.get(n));
    let mut smtp = table(
        "smtp_hygiene",
        "SMTP AUTH, submission (RFC 8314), REQUIRETLS and plaintext mail",
        "endpoints where each row could be seen",
        Chart::Bars,
        vec![
            row(
                "auth_before_tls",
                "AUTH offered before STARTTLS",
                "n_ehlo_plain",
            ),
            row(
                "auth_cleartext_before_tls",
                "PLAIN/LOGIN offered before STARTTLS (password in the clear)",
                "n_ehlo_plain",
            ),
            row(
                "submission_without_tls",
                "submission port without TLS (RFC 8314)",
                "n_submission",
            ),
            row(
                "requiretls",
                "REQUIRETLS offered inside TLS (RFC 8689)",
                "n_ehlo_tls",
            ),
            row(
                "plaintext_accepted",
                "MAIL FROM accepted without TLS (--test-plaintext-accept)",
                "n_plaintext_tested",
            ),
        ],
    );
    smtp.note = Some(
        "Denominators: EHLO answered in plaintext (STARTTLS mode); submission ports; EHLO answered inside TLS; plaintext tests that got an answer to MAIL FROM."
            .to_owned(),
    );
    let mut tls = table(
        "handshake_hygiene",
        "Client certificates, OCSP stapling, must-staple and embedded SCTs",
        "completed handshakes (first three rows) or parsed leaves",
        Chart::Bars,
        vec![
            row(
                "client_cert_requested",
                "client certificate requested",
                "n_handshakes",
            ),
            row("ocsp_stapled", "OCSP response stapled", "n_handshakes"),
            row(
                "must_staple_no_staple",
                "must-staple certificate without a staple",
                "n_handshakes",
            ),
            row(
                "must_staple",
                "leaf demands must-staple (RFC 7633)",
                "n_leaves",
            ),
            row("sct_0", "leaf with no embedded SCT", "n_leaves"),
            row("sct_1", "leaf with 1 embedded SCT", "n_leaves"),
            row("sct_2", "leaf with 2 embedded SCTs", "n_leaves"),
            row(
                "sct_3_or_more",
                "leaf with 3 or more embedded SCTs",
                "n_leaves",
            ),
        ],
    );
    tls.note = Some(
        "MTAs check neither OCSP nor Certificate Transparency; browsers do (must-staple without a staple fails in Firefox, public leaves without SCTs fail in Chrome and Safari). SCTs sent in the handshake or in a staple are not counted."
            .to_owned(),
    );
    Section {
        id: "hygiene",
        title: "9. SMTP AUTH, REQUIRETLS, client certificates, OCSP and CT",
        tables: vec![smtp, tls],
    }
}

/// Every finding id present, worst first, labelled with the id, the catalogue's severity and title; the
/// note says where the fix advice is (`mxray explain ID`, `docs/FINDINGS.md`).
fn findings(a: &Aggregate) -> Section {
    use mxray_schema::catalogue;
    let total = a.targeted;
    let mut rows: Vec<(u8, Row)> = a
        .findings
        .by_count()
        .iter()
        .map(|(id, n)| {
            let (rank, label) = match catalogue::entry(id) {
                Some(e) => (
                    e.severity as u8,
                    // The id first: it is what `mxray explain` takes.
                    format!("{} ({}): {}", e.id, e.severity.as_str(), e.title),
                ),
                None => (0, (*id).to_owned()),
            };
            (rank, Row::new(id, &label, *n, total))
        })
        .collect();
    // Worst first; by_count's order (count, then id) within a severity.
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
    if a.findings.other() > 0 {
        rows.push(Row::new(
            "(other)",
            "(other values)",
            a.findings.other(),
            total,
        ));
    }
    let mut t = table(
        "findings",
        "Findings (endpoints with each id)",
        "endpoints",
        Chart::Bars,
        rows,
    );
    t.note = Some(
        "fix advice for each id (Postfix, Exim, OpenSMTPD lines): `mxray explain ID`, or \
         docs/FINDINGS.md#ID"
            .to_owned(),
    );
    Section {
        id: "findings",
        title: "Findings and their fixes",
        tables: vec![t],
    }
}

/// The per-network views: per provider (every scan with an endpoint), per AS and per country
/// (with `--asn-db`, or records that carry `network`).
fn networks(a: &Aggregate) -> Vec<crate::networks::GroupTable> {
    use crate::networks::table;
    let mut v = Vec::new();
    if a.network_views && !a.by_as.is_empty() {
        v.push(table(
            "as",
            "Endpoints per autonomous system",
            "AS",
            &a.by_as,
        ));
        v.push(table(
            "country",
            "Endpoints per country",
            "country",
            &a.by_country,
        ));
    }
    if !a.by_provider.is_empty() {
        v.push(table(
            "provider",
            "Endpoints per provider (MX host's registered domain)",
            "provider",
            &a.by_provider,
        ));
    }
    v
}

/// The study's "certificate matches the server's own name" for address scans: which names the
/// servers give (PTR confirmed forward, greeting, EHLO) and which the certificate covers.
fn own_names(a: &Aggregate) -> Section {
    let n = a.own_names;
    let c = &a.own_name_rows;
    let rows = [
        ("has_ptr_confirmed", "has a forward-confirmed PTR name"),
        ("has_banner", "names itself in the greeting"),
        ("has_ehlo", "names itself in the EHLO reply"),
        ("ptr", "certificate matches a forward-confirmed PTR name"),
        ("banner", "certificate matches the greeting's name"),
        ("ehlo", "certificate matches the EHLO name"),
        ("any", "certificate matches one of the server's names"),
        ("none", "certificate matches none of them"),
    ]
    .iter()
    .map(|(k, l)| Row::new(k, l, c.get(k), n))
    .collect();
    Section {
        id: "own_names",
        title: "Certificate and the server's own names",
        tables: vec![table(
            "own_name_match",
            "Certificate matches the server's own name",
            "address-target endpoints with a certificate",
            Chart::Bars,
            rows,
        )],
    }
}

/// DANE (RFC 7672): adoption per domain and per MX endpoint, what a DANE sender does, DNSSEC
/// status counts, the TLSA match table and the findings.
fn dane(a: &Aggregate) -> Section {
    let n = a.dane_records;
    let (mut doms, mut all, mut some, mut none, mut defer) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let inc = |x: &mut u64, b: bool| *x = x.saturating_add(u64::from(b));
    for d in a.domains.values().filter(|d| d.dane_looked_up > 0) {
        inc(&mut doms, true);
        inc(&mut all, d.dane_applies == d.dane_looked_up);
        inc(
            &mut some,
            d.dane_applies > 0 && d.dane_applies < d.dane_looked_up,
        );
        inc(&mut none, d.dane_applies == 0);
        inc(&mut defer, d.dane_defer > 0);
    }
    let mut adoption = table(
        "dane_domains",
        "DANE adoption per domain",
        "domains with DANE looked up",
        Chart::Bars,
        vec![
            Row::new("all", "DANE on every MX endpoint", all, doms),
            Row::new("some", "DANE on some MX endpoints", some, doms),
            Row::new("none", "no DANE", none, doms),
            Row::new(
                "defer",
                "a DANE sender defers on some MX endpoint",
                defer,
                doms,
            ),
        ],
    );
    adoption.note = Some(
        "DANE applies when the TLSA RRset is secure and not empty and the MX and address answers on the way are secure (RFC 7672 2.2)."
            .to_owned(),
    );
    let states = table(
        "dane_state",
        "DANE per MX endpoint",
        "records with DANE looked up",
        Chart::Bars,
        fixed_rows(
            &a.dane_state,
            &[
                ("authenticated", "authenticated (a usable record matches)"),
                ("no_match", "usable records, none matches"),
                ("only_unusable", "only unusable records (PKIX-TA/EE...)"),
                ("no_starttls", "TLSA published, STARTTLS not offered"),
                ("tls_failed", "TLSA published, TLS handshake failed"),
                ("not_evaluated", "DANE applies, endpoint not evaluated"),
                ("bogus", "DNSSEC bogus on the way"),
                ("indeterminate", "DNSSEC indeterminate"),
                ("ignored", "TLSA ignored (insecure answer on the way)"),
                ("not_published", "no TLSA"),
            ],
            n,
        ),
    );
    let delivery = table(
        "dane_delivery",
        "What a DANE-validating sender does",
        "records with DANE looked up",
        Chart::Bars,
        fixed_rows(
            &a.dane_delivery,
            &[
                ("authenticated", "delivers, server authenticated"),
                ("encrypted", "delivers over mandatory TLS, unauthenticated"),
                ("no_dane", "DANE does not apply (its other policy decides)"),
                ("defer", "does not deliver (defers)"),
                ("unknown", "cannot be told"),
            ],
            n,
        ),
    );
    let dnssec = table(
        "dnssec_status",
        "DNSSEC status of the answers",
        "answers (MX, address, TLSA) of records with DANE looked up",
        Chart::Bars,
        c_all_rows(&a.dnssec_status, a.dnssec_status.total()),
    );
    let mut matches = table(
        "dane_matches",
        "TLSA records against the presented chain (usage selector matching-type outcome)",
        "TLSA records of secure answers matched against a chain",
        Chart::Bars,
        c_all_rows(&a.dane_matches, a.dane_matches.total()),
    );
    matches.note = Some(
        "Usages 2 (DANE-TA) and 3 (DANE-EE) are usable for SMTP; 0 (PKIX-TA) and 1 (PKIX-EE) are not (RFC 7672 3.1.3)."
            .to_owned(),
    );
    let findings = table(
        "dane_findings",
        "DANE findings",
        "records with DANE looked up",
        Chart::Bars,
        c_all_rows(&a.dane_findings, n),
    );
    Section {
        id: "dane",
        title: "8. DANE (RFC 7672)",
        tables: vec![adoption, states, delivery, dnssec, matches, findings],
    }
}

fn attach_baseline(new: &mut [Section], old: &[Section]) {
    for s in new.iter_mut() {
        let Some(os) = old.iter().find(|o| o.id == s.id) else {
            continue;
        };
        for t in &mut s.tables {
            let Some(ot) = os.tables.iter().find(|o| o.id == t.id) else {
                continue;
            };
            for r in &mut t.rows {
                let found = ot.rows.iter().find(|o| o.key == r.key);
                r.baseline = Some(match found {
                    Some(o) => Baseline {
                        count: o.count,
                        total: o.total,
                    },
                    // Not in the baseline (or not in its top rows): zero of its denominator.
                    None => Baseline {
                        count: 0,
                        total: ot.rows.first().map_or(0, |o| o.total),
                    },
                });
            }
        }
    }
}

/// Formats a share: `12.5%`, or `–` without a denominator.
pub fn fmt_share(s: Option<f64>) -> String {
    match s {
        Some(v) => format!("{v:.1}%"),
        None => "–".to_owned(),
    }
}

/// Formats a count change: `+3`, `-2`, `0`.
pub fn fmt_delta(d: Option<i128>) -> String {
    match d {
        Some(v) if v > 0 => format!("+{v}"),
        Some(v) => v.to_string(),
        None => "–".to_owned(),
    }
}

/// Formats a change in percentage points: `+1.5 pp`.
pub fn fmt_pp(d: Option<f64>) -> String {
    match d {
        Some(v) => {
            let s = format!("{v:+.1} pp");
            // "-0.0 pp" reads badly.
            if s == "-0.0 pp" {
                "+0.0 pp".to_owned()
            } else {
                s
            }
        }
        None => "–".to_owned(),
    }
}

/// The input summary lines shared by the text renderers.
pub fn input_lines(r: &Report) -> Vec<String> {
    let mut v = Vec::new();
    let i = &r.input;
    v.push(format!(
        "Input: {} file(s), {} lines, {} records; {} malformed, {} too long, {} other schema version, {} blank.",
        i.files, i.lines, i.records, i.malformed, i.too_long, i.other_schema, i.blank
    ));
    if i.degraded > 0 {
        v.push(format!(
            "  {} record(s) hold values this version does not know: counted without that section.",
            i.degraded
        ));
    }
    if i.superseded > 0 {
        v.push(format!(
            "  {} record(s) superseded by a later final record of the same unit (interrupted, or written again): not counted.",
            i.superseded
        ));
    }
    if i.shared > 0 {
        v.push(format!(
            "  {} record(s) share an endpoint counted through another record: counted for their domain only.",
            i.shared
        ));
    }
    for p in &i.problems {
        v.push(format!("  problem: {}", clean_label_long(p)));
    }
    if let Some(b) = &r.baseline_input {
        v.push(format!(
            "Baseline: {} file(s), {} records; {} malformed.",
            b.files, b.records, b.malformed
        ));
    }
    v
}

/// Like [`clean_label`] with a larger limit (200 characters), for problem lines.
pub fn clean_label_long(s: &str) -> String {
    cut_label(s, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_like_every_terminal_output() {
        let hostile = "Old CA \u{1b}[31m\u{202e}x\u{7}";
        assert_eq!(clean_label(hostile), "Old CA \\x1b[31m\\u{202e}x\\x07");
        assert_eq!(clean_label_long(hostile), "Old CA \\x1b[31m\\u{202e}x\\x07");
        let long = "a".repeat(MAX_LABEL_CHARS + 5);
        assert_eq!(clean_label(&long).chars().count(), MAX_LABEL_CHARS);
        assert!(clean_label(&long).ends_with('…'));
    }

    /// The findings section: one row per id (a schema-1 id counted under today's), worst
    /// severity first, the catalogue's title as label, the pointer to the fixes in the note;
    /// absent without findings.
    #[test]
    fn findings_section_lists_ids_worst_first_with_the_pointer_to_the_fixes() {
        use mxray_schema::record::{EndpointRecord, Finding, FindingSource, Profile, Severity};
        let mut a = Aggregate::default();
        let rec = |ids: &[&str]| {
            let mut r = EndpointRecord::new("t".into(), None, 25, Profile::Quick);
            for id in ids {
                r.findings
                    .push(Finding::new(*id, FindingSource::Tls, Severity::Low, "m"));
            }
            r
        };
        a.add(&rec(&[]));
        assert!(!sections(&a).iter().any(|s| s.id == "findings"));
        a.add(&rec(&["no-forward-secrecy", "rc4"]));
        a.add(&rec(&["no_forward_secrecy", "unknown-later-id"]));
        let all = sections(&a);
        let s = all.iter().find(|s| s.id == "findings").unwrap();
        let t = &s.tables[0];
        let keys: Vec<(&str, u64)> = t.rows.iter().map(|r| (r.key.as_str(), r.count)).collect();
        assert_eq!(
            keys,
            [
                ("rc4", 1),
                ("no-forward-secrecy", 2),
                ("unknown-later-id", 1)
            ]
        );
        assert_eq!(t.rows[0].label, "rc4 (high): RC4 suites accepted");
        assert!(t.note.as_deref().unwrap().contains("mxray explain ID"));
    }
}
