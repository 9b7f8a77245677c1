//! Results by network and provider: per autonomous system, per country (from the records'
//! `network`, or looked up with `mxray report --asn-db`) and per provider (MX hosts grouped by
//! their registered domain, the public-suffix list), as in the study's provider view.
//!
//! Each endpoint counts once in each view (like the funnel), with five facts: it is an endpoint
//! (a record with an address), it offers STARTTLS (or implicit TLS), its handshake completed,
//! its certificate is trusted (a completed handshake and a chain that validates; the name is not
//! looked at), and it accepts or negotiated a weak suite (NULL, EXPORT, anonymous, RC4 or a
//! 64-bit block cipher).
//!
//! An address no database covers is counted under `unknown`, never dropped; so is an address
//! target whose record has neither an MX name nor a forward-confirmed PTR name in
//! `server_names`. The provider of an MX host is the registered domain of its name, or
//! `self-hosted` when that is the registered domain of the mail domain itself.
//!
//! ```
//! use mxray_report::networks::provider;
//! assert_eq!(provider(Some("alt1.aspmx.l.google.com"), Some("example.org"), None), "google.com");
//! assert_eq!(provider(Some("mx1.mail.example.org"), Some("example.org"), None), "self-hosted");
//! assert_eq!(provider(None, None, Some("mx.hoster.example.net")), "example.net");
//! assert_eq!(provider(None, None, None), "unknown");
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use mxray_schema::network::Network;
use serde::Serialize;

use crate::tables::clean_label;

/// The key of addresses (and MX hosts) nothing is known about.
pub const UNKNOWN: &str = "unknown";

/// The provider of MX hosts in the mail domain's own registered domain.
pub const SELF_HOSTED: &str = "self-hosted";

/// Distinct groups kept per view; the endpoints of any further group are counted in one
/// `(other)` row.
pub const GROUP_CAP: usize = 100_000;

/// Rows shown per view: the largest groups (by endpoints), then one row for the rest, then
/// `unknown`.
pub const GROUP_ROWS: usize = 25;

/// The AS databases of `mxray report --asn-db`, held by the aggregate. Two aggregates compare
/// equal whatever databases they hold (the databases are inputs, not state).
#[derive(Clone, Default)]
pub struct Lookup(pub Option<Arc<mxray_asn::AsnDb>>);

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(db) => write!(f, "Lookup({db:?})"),
            None => f.write_str("Lookup(None)"),
        }
    }
}

impl PartialEq for Lookup {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Lookup {}

/// The facts of one endpoint counted in a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Endpoints (records with an address).
    pub endpoints: u64,
    /// ... offering STARTTLS (or implicit TLS).
    pub starttls: u64,
    /// ... with a completed handshake.
    pub handshake: u64,
    /// ... with a completed handshake and a trusted chain.
    pub trusted: u64,
    /// ... accepting or negotiating a weak suite.
    pub weak: u64,
}

impl Facts {
    fn add(&mut self, o: &Facts) {
        self.endpoints = self.endpoints.saturating_add(o.endpoints);
        self.starttls = self.starttls.saturating_add(o.starttls);
        self.handshake = self.handshake.saturating_add(o.handshake);
        self.trusted = self.trusted.saturating_add(o.trusted);
        self.weak = self.weak.saturating_add(o.weak);
    }
}

/// One group's label and counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Shown label (the AS with its organisation, the country code, the provider).
    pub label: String,
    /// Counts.
    pub facts: Facts,
}

/// Counts per group, at most [`GROUP_CAP`] groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    groups: BTreeMap<String, Group>,
    overflow: Facts,
}

impl Tally {
    /// Counts `facts` under `key` (shown as `label` when the group is new).
    pub fn add(&mut self, key: &str, label: &str, facts: &Facts) {
        let key = crate::counter::truncate(key, crate::counter::MAX_KEY_BYTES);
        if let Some(g) = self.groups.get_mut(key) {
            g.facts.add(facts);
        } else if self.groups.len() < GROUP_CAP {
            self.groups.insert(
                key.to_owned(),
                Group {
                    label: clean_label(label),
                    facts: *facts,
                },
            );
        } else {
            self.overflow.add(facts);
        }
    }

    /// Adds another tally (a shard's).
    pub fn merge(&mut self, o: &Tally) {
        for (k, g) in &o.groups {
            self.add(k, &g.label, &g.facts);
        }
        self.overflow.add(&o.overflow);
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.overflow.endpoints == 0
    }

    /// The total over every group.
    pub fn total(&self) -> Facts {
        let mut t = self.overflow;
        for g in self.groups.values() {
            t.add(&g.facts);
        }
        t
    }
}

/// The registered domain of a DNS name (lower case, no trailing dot), `None` when it has none.
pub fn registered_domain(name: &str) -> Option<String> {
    let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if n.is_empty() || n.len() > 253 || n.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    psl::domain_str(&n).map(str::to_owned)
}

/// The provider of an endpoint: the registered domain of its MX host (`self-hosted` when it
/// is the mail domain's own), else of its forward-confirmed PTR name, else [`UNKNOWN`]. An MX
/// host with no registered domain (a single label) is its own provider.
pub fn provider(mx: Option<&str>, domain: Option<&str>, ptr: Option<&str>) -> String {
    if let Some(mx) = mx
        .map(|m| m.trim().trim_end_matches('.'))
        .filter(|m| !m.is_empty())
    {
        let Some(reg) = registered_domain(mx) else {
            return mx.to_ascii_lowercase();
        };
        if domain.and_then(registered_domain).as_deref() == Some(reg.as_str()) {
            return SELF_HOSTED.to_owned();
        }
        return reg;
    }
    ptr.and_then(registered_domain)
        .unwrap_or_else(|| UNKNOWN.to_owned())
}

/// The AS key and label of a network: `AS64500` and `AS64500 Example Net`.
pub fn as_key(n: Option<&Network>) -> (String, String) {
    match n.and_then(|n| n.asn.map(|a| (a, n.as_org.as_deref()))) {
        Some((a, Some(org))) => (format!("AS{a}"), format!("AS{a} {org}")),
        Some((a, None)) => (format!("AS{a}"), format!("AS{a}")),
        None => (UNKNOWN.to_owned(), UNKNOWN.to_owned()),
    }
}

/// The country key of a network (the ISO code), or [`UNKNOWN`].
pub fn country_key(n: Option<&Network>) -> String {
    n.and_then(|n| n.country.clone())
        .unwrap_or_else(|| UNKNOWN.to_owned())
}

/// One row of a view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    /// Stable key (`AS64500`, `DE`, `google.com`, `self-hosted`, `unknown`, `(other)`).
    pub key: String,
    /// Shown label (escaped, cut).
    pub label: String,
    /// Counts.
    #[serde(flatten)]
    pub facts: Facts,
}

/// One view: per AS, per country or per provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupTable {
    /// `as`, `country` or `provider`.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Header of the first column.
    pub column: &'static str,
    /// Distinct groups seen (`unknown` included).
    pub groups: u64,
    /// The rows: the largest groups, `(other)` for the rest, then `unknown`.
    pub rows: Vec<GroupRow>,
    /// All endpoints of the view.
    pub total: Facts,
}

impl GroupTable {
    /// Column headers of [`GroupTable::cells`] after the first.
    pub const COLUMNS: [&'static str; 5] = [
        "endpoints",
        "STARTTLS",
        "handshake ok",
        "trusted certificate",
        "weak suites",
    ];

    /// The rows as text cells: the label, the endpoints, then each fact as `count (share of
    /// the group's endpoints)`; the last row is the total.
    pub fn cells(&self) -> Vec<[String; 6]> {
        let cell = |n: u64, of: u64| {
            format!(
                "{n} ({})",
                crate::tables::fmt_share(crate::tables::share(n, of))
            )
        };
        let row = |label: &str, f: &Facts| {
            [
                label.to_owned(),
                f.endpoints.to_string(),
                cell(f.starttls, f.endpoints),
                cell(f.handshake, f.endpoints),
                cell(f.trusted, f.endpoints),
                cell(f.weak, f.endpoints),
            ]
        };
        let mut out: Vec<[String; 6]> = self.rows.iter().map(|r| row(&r.label, &r.facts)).collect();
        out.push(row("all", &self.total));
        out
    }

    /// The line under the rows.
    pub fn note(&self) -> String {
        let shown = self.rows.iter().filter(|r| r.key != "(other)").count();
        format!(
            "{} of {} groups shown, largest first (at most {GROUP_ROWS}; the rest in (other)); \
             shares are of the group's endpoints. Trusted: a completed handshake and a chain that \
             validates. Weak: a NULL, EXPORT, anonymous, RC4 or 64-bit-block suite accepted or \
             negotiated.",
            shown, self.groups
        )
    }
}

/// A view of a tally: the [`GROUP_ROWS`] largest groups by endpoints (then by key), the rest
/// summed in `(other)`, `unknown` last.
pub fn table(id: &'static str, title: &'static str, column: &'static str, t: &Tally) -> GroupTable {
    let mut groups: Vec<(&String, &Group)> = t
        .groups
        .iter()
        .filter(|(k, _)| k.as_str() != UNKNOWN)
        .collect();
    groups.sort_by(|a, b| {
        b.1.facts
            .endpoints
            .cmp(&a.1.facts.endpoints)
            .then(a.0.cmp(b.0))
    });
    let mut rows: Vec<GroupRow> = groups
        .iter()
        .take(GROUP_ROWS)
        .map(|(k, g)| GroupRow {
            key: (*k).clone(),
            label: g.label.clone(),
            facts: g.facts,
        })
        .collect();
    let mut rest = t.overflow;
    let rest_groups = groups.len().saturating_sub(GROUP_ROWS);
    for (_, g) in groups.iter().skip(GROUP_ROWS) {
        rest.add(&g.facts);
    }
    if rest.endpoints > 0 {
        let label = if t.overflow.endpoints > 0 {
            format!("(other: {rest_groups}+ groups)")
        } else {
            format!("(other: {rest_groups} groups)")
        };
        rows.push(GroupRow {
            key: "(other)".to_owned(),
            label,
            facts: rest,
        });
    }
    if let Some(u) = t.groups.get(UNKNOWN) {
        rows.push(GroupRow {
            key: UNKNOWN.to_owned(),
            label: UNKNOWN.to_owned(),
            facts: u.facts,
        });
    }
    GroupTable {
        id,
        title,
        column,
        groups: t.groups.len() as u64,
        rows,
        total: t.total(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_groups_first_rest_summed_unknown_last() {
        let mut t = Tally::default();
        let one = Facts {
            endpoints: 1,
            starttls: 1,
            ..Facts::default()
        };
        t.add(UNKNOWN, UNKNOWN, &one);
        for i in 0..(GROUP_ROWS + 3) {
            for _ in 0..=i {
                t.add(&format!("AS{i}"), &format!("AS{i} org"), &one);
            }
        }
        let v = table("as", "t", "AS", &t);
        assert_eq!(v.rows.len(), GROUP_ROWS + 2);
        assert_eq!(v.rows[0].key, format!("AS{}", GROUP_ROWS + 2));
        let other = &v.rows[GROUP_ROWS];
        assert_eq!(
            (other.key.as_str(), other.facts.endpoints),
            ("(other)", 1 + 2 + 3)
        );
        assert_eq!(other.label, "(other: 3 groups)");
        assert_eq!(v.rows.last().map(|r| r.key.as_str()), Some(UNKNOWN));
        let n = (GROUP_ROWS + 3) as u64;
        assert_eq!(v.total.endpoints, n * (n + 1) / 2 + 1);
        assert_eq!(v.groups, n + 1);
        let cells = v.cells();
        assert_eq!(cells.last().map(|c| c[0].as_str()), Some("all"));
        assert_eq!(cells[0][2], format!("{} (100.0%)", GROUP_ROWS + 3));
    }

    #[test]
    fn hostile_labels_are_escaped_and_keys_bounded() {
        let mut t = Tally::default();
        t.add(
            &"k".repeat(1000),
            "AS1 \u{1b}[31mEvil\u{202e}",
            &Facts::default(),
        );
        let v = table("as", "t", "AS", &t);
        assert_eq!(v.rows[0].label, "AS1 \\x1b[31mEvil\\u{202e}");
        assert_eq!(v.rows[0].key.len(), crate::counter::MAX_KEY_BYTES);
    }

    #[test]
    fn providers_and_keys() {
        assert_eq!(
            provider(Some("MX.Example.CO.UK."), Some("other.org"), None),
            "example.co.uk"
        );
        assert_eq!(
            provider(Some("mx.a.example.org"), Some("b.example.org"), None),
            SELF_HOSTED
        );
        assert_eq!(
            provider(Some("localhost"), Some("x.test"), None),
            "localhost"
        );
        assert_eq!(provider(Some("192.0.2.1"), None, None), "192.0.2.1");
        assert_eq!(
            provider(None, None, Some("mail.example.com")),
            "example.com"
        );
        let n = Network {
            asn: Some(64500),
            as_org: Some("Ex".into()),
            country: None,
        };
        assert_eq!(as_key(Some(&n)), ("AS64500".into(), "AS64500 Ex".into()));
        assert_eq!(country_key(Some(&n)), UNKNOWN);
        assert_eq!(as_key(None).0, UNKNOWN);
    }
}
