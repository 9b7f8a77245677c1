//! The findings catalogue: every finding id mxray can emit, with its typed severity, a title,
//! why it matters (which attacker it helps), references (RFC sections, CA/B Forum Baseline
//! Requirements sections, CVEs) and fix advice as configuration lines for Postfix, Exim and
//! OpenSMTPD plus one generic line.
//!
//! One naming convention: lowercase kebab-case ids, unique across sources
//! ([`is_kebab_case`]). Records of schema version 1 used snake_case for the STARTTLS, TLS and
//! policy findings; [`canonical_id`] maps such an old id to today's ([`Entry::legacy_id`] holds
//! the mapping, `docs/FINDINGS.md` lists it), so a reader of old records keeps working.
//!
//! The protocol crates keep their own id constants (`cert_audit::FindingId`,
//! `tls_probe::weakness::Weakness::id`, ...); a test of `mxray-scan` enumerates every id each
//! source can emit and checks that it has an entry here.
//!
//! ```
//! use mxray_schema::catalogue::{self, Attacker};
//! use mxray_schema::record::Severity;
//!
//! let e = catalogue::entry("starttls-not-offered").unwrap();
//! assert_eq!(e.severity, Severity::High);
//! assert!(e.attackers.contains(&Attacker::Passive));
//! assert!(!e.fix.postfix.is_empty());
//! // A schema-version-1 id still finds its entry.
//! assert_eq!(catalogue::canonical_id("starttls_not_offered"), "starttls-not-offered");
//! assert!(catalogue::close_matches("self-sign").contains(&"self-signed"));
//! ```

use std::fmt::Write as _;

use serde::Serialize;

use crate::record::{FindingSource, Severity};

/// One catalogue entry from its parts; each source's file wraps it with its `FindingSource`
/// (and, where ids were renamed, the schema-version-1 id).
macro_rules! entry {
    ($source:ident, $legacy:expr; $id:literal, $sev:ident, $note:expr, $title:literal, $why:literal, [$($a:ident),*], [$($r:literal),*], $fix:expr) => {
        Entry {
            id: $id,
            legacy_id: $legacy,
            source: FindingSource::$source,
            severity: Severity::$sev,
            severity_note: $note,
            title: $title,
            why: $why,
            attackers: &[$(A::$a),*],
            references: &[$($r),*],
            fix: $fix,
        }
    };
}

mod certificate;
mod dane;
mod policy;
pub mod smtp;
mod starttls;
mod tls;

/// Who a finding helps: the attacker who gains from it (none for plain hygiene).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Attacker {
    /// Reads traffic on the path without changing it (a tap, a compromised router).
    Passive,
    /// Sits on the path and changes traffic: strips STARTTLS, downgrades the handshake.
    ActiveMitm,
    /// Presents its own certificate and is taken for the server (an MITM a sender does not
    /// notice because the real server's authentication is weak or absent anyway).
    Impersonation,
    /// Answers DNS in place of the domain (spoofed MX, TLSA or MTA-STS records).
    DnsSpoofing,
}

impl Attacker {
    /// The wire and display name (`passive`, `active-mitm`, `impersonation`, `dns-spoofing`).
    pub fn as_str(self) -> &'static str {
        match self {
            Attacker::Passive => "passive",
            Attacker::ActiveMitm => "active-mitm",
            Attacker::Impersonation => "impersonation",
            Attacker::DnsSpoofing => "dns-spoofing",
        }
    }

    /// A short phrase for humans.
    pub fn describe(self) -> &'static str {
        match self {
            Attacker::Passive => "passive eavesdropper",
            Attacker::ActiveMitm => "active man-in-the-middle (stripping, downgrade)",
            Attacker::Impersonation => "impersonation of the server",
            Attacker::DnsSpoofing => "DNS spoofing",
        }
    }
}

/// How the fix advice was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "why")]
#[non_exhaustive]
pub enum FixCheck {
    /// `lab/fixes/run.sh` breaks a private Postfix and a private Exim, applies their lines,
    /// rescans and asserts the finding is gone.
    Lab,
    /// As [`FixCheck::Lab`] with Postfix only; the text says why not with Exim.
    PostfixOnly(&'static str),
    /// As [`FixCheck::Lab`] with Exim only; the text says why not with Postfix.
    EximOnly(&'static str),
    /// Not checked that way; the text says why (a DNS record, a new certificate from a CA,
    /// a device on the network path, a state the lab's servers cannot be put in...).
    NotLab(&'static str),
}

impl FixCheck {
    /// The lab checks the Postfix lines.
    pub fn postfix(self) -> bool {
        matches!(self, FixCheck::Lab | FixCheck::PostfixOnly(_))
    }

    /// The lab checks the Exim lines.
    pub fn exim(self) -> bool {
        matches!(self, FixCheck::Lab | FixCheck::EximOnly(_))
    }

    /// Why (part of) the fix is not checked in the lab, when it is not.
    pub fn why_not(self) -> Option<&'static str> {
        match self {
            FixCheck::Lab => None,
            FixCheck::PostfixOnly(w) | FixCheck::EximOnly(w) | FixCheck::NotLab(w) => Some(w),
        }
    }
}

/// Fix advice: configuration lines per MTA, and one line for everything else.
///
/// An empty list means the fix is not a configuration line of that MTA (the generic line
/// says what to do). Paths in the lines (`/etc/postfix/tls/...`) are placeholders for the
/// site's own files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// Postfix `main.cf` lines (`postconf -e` form: `name = value`).
    pub postfix: &'static [&'static str],
    /// Exim main configuration lines (Debian's build, linked to GnuTLS).
    pub exim: &'static [&'static str],
    /// OpenSMTPD `smtpd.conf` lines.
    pub opensmtpd: &'static [&'static str],
    /// What to do, for any MTA (or outside the MTA: DNS, the CA, the network).
    pub generic: &'static str,
    /// How the Postfix and Exim lines were checked.
    pub check: FixCheck,
}

impl Fix {
    /// A fix that lies outside the MTA's configuration (DNS, the CA, an upgrade, the network
    /// path): no Postfix, Exim or OpenSMTPD lines, the generic advice, and why the lab cannot
    /// check it.
    pub const fn outside_mta(generic: &'static str, reason: &'static str) -> Fix {
        Fix {
            postfix: &[],
            exim: &[],
            opensmtpd: &[],
            generic,
            check: FixCheck::NotLab(reason),
        }
    }
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The id, lowercase kebab-case, unique across sources.
    pub id: &'static str,
    /// The id this finding had in schema-version-1 records, when it was different.
    pub legacy_id: Option<&'static str>,
    /// Which part of the scan emits it.
    pub source: FindingSource,
    /// Its usual severity (some findings are graded by degree: the record's finding carries
    /// the severity of that instance; [`Entry::severity_note`] says how).
    pub severity: Severity,
    /// How the severity varies, when it does.
    pub severity_note: Option<&'static str>,
    /// One line: what is wrong.
    pub title: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// Whom it helps.
    pub attackers: &'static [Attacker],
    /// RFC sections, CA/B Forum Baseline Requirements sections, CVEs.
    pub references: &'static [&'static str],
    /// How to fix it.
    pub fix: Fix,
}

/// Every entry, grouped by source (STARTTLS, TLS, certificate, DANE, policy), in a fixed order.
pub fn all() -> impl Iterator<Item = &'static Entry> {
    [
        starttls::ENTRIES,
        smtp::ENTRIES,
        tls::ENTRIES,
        certificate::ENTRIES,
        dane::ENTRIES,
        policy::ENTRIES,
    ]
    .into_iter()
    .flatten()
}

/// The entry of `id` (today's id or a schema-version-1 id).
pub fn entry(id: &str) -> Option<&'static Entry> {
    let id = canonical_id(id);
    all().find(|e| e.id == id)
}

/// Today's id for `id`: the same string unless it is a schema-version-1 id that was renamed.
///
/// ```
/// use mxray_schema::catalogue::canonical_id;
/// assert_eq!(canonical_id("weak_dh"), "weak-dh");
/// assert_eq!(canonical_id("weak-dh"), "weak-dh");
/// assert_eq!(canonical_id("not-an-id"), "not-an-id");
/// ```
pub fn canonical_id(id: &str) -> &str {
    all().find(|e| e.legacy_id == Some(id)).map_or(id, |e| e.id)
}

/// The schema-version-1 id of today's `id`, when it was renamed.
pub fn legacy_id(id: &str) -> Option<&'static str> {
    entry(id).and_then(|e| e.legacy_id)
}

/// True for a lowercase kebab-case id: `[a-z0-9]+(-[a-z0-9]+)*`.
///
/// ```
/// use mxray_schema::catalogue::is_kebab_case;
/// assert!(is_kebab_case("no-tls12-or-later"));
/// assert!(!is_kebab_case("weak_dh"));
/// assert!(!is_kebab_case("-x") || is_kebab_case("x-"));
/// ```
pub fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The longest id [`close_matches`] compares (longer input is cut: no unbounded work).
pub const MAX_QUERY_LEN: usize = 64;

/// Ids close to `query` (a misspelt or partial id), best first, at most five: ids containing
/// it, then ids within an edit distance of a third of its length.
pub fn close_matches(query: &str) -> Vec<&'static str> {
    let q: String = query
        .chars()
        .take(MAX_QUERY_LEN)
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if q.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &'static str)> = all()
        .filter_map(|e| {
            if e.id.contains(q.as_str()) || q.contains(e.id) {
                return Some((0, e.id));
            }
            let d = edit_distance(&q, e.id);
            (d <= (q.len() / 3).max(2)).then_some((d, e.id))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, id)| id).collect()
}

/// Levenshtein distance over bytes (ids are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.last().copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// Where `docs/FINDINGS.md` says more about `id` (a path and anchor relative to the
/// repository; reports print it as the pointer to the fix advice).
///
/// ```
/// assert_eq!(mxray_schema::catalogue::doc_pointer("self-signed"), "docs/FINDINGS.md#self-signed");
/// ```
pub fn doc_pointer(id: &str) -> String {
    format!("docs/FINDINGS.md#{}", canonical_id(id))
}

impl Entry {
    /// The entry as plain text (what `mxray explain ID` prints).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{} [{}] {}", self.id, self.severity.as_str(), self.title);
        let _ = writeln!(s, "  source:     {}", self.source.as_str());
        if let Some(note) = self.severity_note {
            let _ = writeln!(s, "  severity:   {note}");
        }
        if let Some(old) = self.legacy_id {
            let _ = writeln!(s, "  old id:     {old} (schema version 1)");
        }
        let _ = writeln!(s, "  why:        {}", self.why);
        let helps: Vec<&str> = self.attackers.iter().map(|a| a.describe()).collect();
        let _ = writeln!(
            s,
            "  helps:      {}",
            if helps.is_empty() {
                "no attacker directly".to_owned()
            } else {
                helps.join("; ")
            }
        );
        let _ = writeln!(s, "  references: {}", self.references.join("; "));
        let _ = writeln!(s, "  fix:        {}", self.fix.generic);
        for (mta, lines) in [
            ("postfix (main.cf)", self.fix.postfix),
            ("exim", self.fix.exim),
            ("opensmtpd (smtpd.conf)", self.fix.opensmtpd),
        ] {
            if !lines.is_empty() {
                let _ = writeln!(s, "  {mta}:");
                for l in lines {
                    let _ = writeln!(s, "    {l}");
                }
            }
        }
        let _ = writeln!(s, "  checked:    {}", self.check_text());
        s
    }

    /// How the fix was checked, in words.
    pub fn check_text(&self) -> String {
        match self.fix.check {
            FixCheck::Lab => {
                "the Postfix and Exim lines remove the finding in lab/fixes".to_owned()
            }
            FixCheck::PostfixOnly(w) => {
                format!("the Postfix lines remove the finding in lab/fixes; Exim not: {w}")
            }
            FixCheck::EximOnly(w) => {
                format!("the Exim lines remove the finding in lab/fixes; Postfix not: {w}")
            }
            FixCheck::NotLab(w) => format!("not in the lab: {w}"),
        }
    }

    /// The entry as a Markdown section (a `###` heading whose anchor is the id).
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "### {}\n", self.id);
        let _ = writeln!(
            s,
            "**{}** — severity `{}`, source `{}`{}.\n",
            self.title,
            self.severity.as_str(),
            self.source.as_str(),
            self.legacy_id
                .map(|o| format!(", schema-1 id `{o}`"))
                .unwrap_or_default()
        );
        if let Some(note) = self.severity_note {
            let _ = writeln!(s, "Severity: {note}.\n");
        }
        let _ = writeln!(s, "{}\n", self.why);
        let helps: Vec<&str> = self.attackers.iter().map(|a| a.describe()).collect();
        let _ = writeln!(
            s,
            "Helps: {}. References: {}.\n",
            if helps.is_empty() {
                "no attacker directly".to_owned()
            } else {
                helps.join("; ")
            },
            self.references.join("; ")
        );
        let _ = writeln!(s, "Fix: {}\n", self.fix.generic);
        for (mta, lines) in [
            ("Postfix (`main.cf`)", self.fix.postfix),
            ("Exim", self.fix.exim),
            ("OpenSMTPD (`smtpd.conf`)", self.fix.opensmtpd),
        ] {
            if !lines.is_empty() {
                let _ = writeln!(s, "{mta}:\n\n```");
                for l in lines {
                    let _ = writeln!(s, "{l}");
                }
                let _ = writeln!(s, "```\n");
            }
        }
        let _ = writeln!(s, "Checked: {}.\n", self.check_text());
        s
    }
}

/// `docs/FINDINGS.md`: every entry, the old→new id mapping and the fixes the lab does not
/// check (generated: `mxray explain --all --format markdown > docs/FINDINGS.md`).
pub fn markdown_document() -> String {
    let mut s = String::new();
    s.push_str(
        "# Findings\n\n\
         <!-- Generated from mxray_schema::catalogue by `mxray explain --all --format markdown > docs/FINDINGS.md`; \
         do not edit (a test fails when this file is stale). -->\n\n\
         Every finding id mxray emits, with its severity, why it matters (which attacker it helps), \
         references and fix advice: configuration lines for Postfix (`main.cf`), Exim (Debian's \
         GnuTLS build) and OpenSMTPD (`smtpd.conf`), and one generic line. Paths such as \
         `/etc/postfix/tls/mx.example.org.pem` stand for the site's own files. `mxray explain ID` \
         prints one entry (`--format json` for scripts).\n\n\
         Ids are lowercase kebab-case, unique across sources. A finding's severity in a record \
         can differ from the usual one given here where the entry says it is graded.\n\n",
    );
    s.push_str("## Index\n\n| id | severity | source | title |\n| --- | --- | --- | --- |\n");
    for e in all() {
        let _ = writeln!(
            s,
            "| [`{}`](#{}) | {} | {} | {} |",
            e.id,
            e.id,
            e.severity.as_str(),
            e.source.as_str(),
            e.title
        );
    }
    s.push_str(
        "\n## Ids renamed in schema version 2\n\n\
         Records of `schema_version` 1 used snake_case for these ids; `mxray report` reads such \
         records and maps each old id to the new one (`mxray_schema::catalogue::canonical_id`).\n\n\
         | schema 1 | schema 2 |\n| --- | --- |\n",
    );
    for e in all() {
        if let Some(old) = e.legacy_id {
            let _ = writeln!(s, "| `{old}` | `{}` |", e.id);
        }
    }
    s.push_str(
        "\n## Fixes checked against real servers\n\n\
         `lab/fixes/run.sh` (run by `scripts/test.sh`) starts a private Postfix and a private \
         Exim, configures them badly, scans them with `mxray probe --json`, applies the lines \
         `mxray explain ID --format json` gives for each finding present, reloads, rescans and \
         asserts that the finding is gone. These are not checked that way, and why:\n\n\
         | id | not checked |\n| --- | --- |\n",
    );
    for e in all() {
        if let Some(w) = e.fix.check.why_not() {
            let which = match e.fix.check {
                FixCheck::PostfixOnly(_) => "Exim: ",
                FixCheck::EximOnly(_) => "Postfix: ",
                _ => "",
            };
            let _ = writeln!(s, "| `{}` | {which}{w} |", e.id);
        }
    }
    s.push_str("\n## Entries\n\n");
    for e in all() {
        s.push_str(&e.to_markdown());
    }
    while s.ends_with("\n\n") {
        s.pop();
    }
    s
}

/// How [`explain`] prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExplainFormat {
    /// Plain text ([`Entry::to_text`]).
    Text,
    /// JSON: one entry as an object, `--all` as an array.
    Json,
    /// Markdown ([`Entry::to_markdown`]; `--all` is `docs/FINDINGS.md`).
    Markdown,
}

/// Why [`explain`] has nothing to print.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExplainError {
    /// No entry has this id; the close matches, best first (maybe none).
    Unknown {
        /// The id asked for (cut to [`MAX_QUERY_LEN`] characters).
        id: String,
        /// Close ids.
        close: Vec<&'static str>,
    },
}

impl std::fmt::Display for ExplainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExplainError::Unknown { id, close } if close.is_empty() => write!(
                f,
                "no finding {id:?} in the catalogue (`mxray explain --all` lists them)"
            ),
            ExplainError::Unknown { id, close } => write!(
                f,
                "no finding {id:?} in the catalogue; did you mean: {}?",
                close.join(", ")
            ),
        }
    }
}

impl std::error::Error for ExplainError {}

/// What `mxray explain` prints: the entry of `id` (today's or a schema-1 id), or every entry
/// when `id` is `None`; an unknown id is an error listing the close matches.
///
/// ```
/// use mxray_schema::catalogue::{explain, ExplainFormat};
/// let text = explain(Some("rc4"), ExplainFormat::Text).unwrap();
/// assert!(text.starts_with("rc4 [high] RC4 suites accepted"));
/// let err = explain(Some("self_signd"), ExplainFormat::Text).unwrap_err();
/// assert!(err.to_string().contains("did you mean: self-signed"));
/// ```
pub fn explain(id: Option<&str>, format: ExplainFormat) -> Result<String, ExplainError> {
    let Some(id) = id else {
        return Ok(match format {
            ExplainFormat::Text => all().map(Entry::to_text).collect::<Vec<_>>().join("\n"),
            ExplainFormat::Json => {
                let v: Vec<&Entry> = all().collect();
                serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
            }
            ExplainFormat::Markdown => markdown_document(),
        });
    };
    let Some(e) = entry(id) else {
        return Err(ExplainError::Unknown {
            id: id.chars().take(MAX_QUERY_LEN).collect(),
            close: close_matches(id),
        });
    };
    Ok(match format {
        ExplainFormat::Text => e.to_text(),
        ExplainFormat::Json => serde_json::to_string_pretty(e).unwrap_or_default() + "\n",
        ExplainFormat::Markdown => e.to_markdown(),
    })
}

/// `docs/FINDINGS.md` is [`markdown_document`]'s output (`MXRAY_BLESS=1` rewrites it).
#[cfg(test)]
mod doc_file {
    #[test]
    fn findings_md_is_generated_from_the_catalogue() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/FINDINGS.md");
        let want = super::markdown_document();
        if std::env::var_os("MXRAY_BLESS").is_some_and(|v| v == "1") {
            std::fs::write(&path, &want).unwrap();
        }
        let got = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got == want,
            "docs/FINDINGS.md is stale: run `MXRAY_BLESS=1 cargo test -p mxray-schema --lib catalogue` \
             or `mxray explain --all --format markdown > docs/FINDINGS.md`"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_kebab_case_and_unique_and_legacy_ids_do_not_collide() {
        let mut ids = HashSet::new();
        for e in all() {
            assert!(is_kebab_case(e.id), "{} is not kebab-case", e.id);
            assert!(ids.insert(e.id), "{} twice", e.id);
        }
        for e in all() {
            if let Some(old) = e.legacy_id {
                assert!(!ids.contains(old), "legacy id {old} is also a current id");
                assert_ne!(old, e.id);
                assert_eq!(entry(old).map(|x| x.id), Some(e.id));
                assert_eq!(legacy_id(e.id), Some(old));
            }
        }
        assert!(ids.len() > 80, "{}", ids.len());
    }

    #[test]
    fn every_entry_has_text_references_and_advice_for_what_the_lab_checks() {
        for e in all() {
            assert!(!e.title.is_empty() && !e.why.is_empty(), "{}", e.id);
            assert!(!e.references.is_empty(), "{} has no reference", e.id);
            assert!(!e.fix.generic.is_empty(), "{} has no generic fix", e.id);
            if e.fix.check.postfix() {
                assert!(
                    !e.fix.postfix.is_empty(),
                    "{}: lab-checked without Postfix lines",
                    e.id
                );
            }
            if e.fix.check.exim() {
                assert!(
                    !e.fix.exim.is_empty(),
                    "{}: lab-checked without Exim lines",
                    e.id
                );
            }
            for l in e.fix.postfix {
                assert!(l.contains(" = "), "{}: {l} is not `name = value`", e.id);
            }
        }
    }

    #[test]
    fn close_matches_suggest_near_ids_and_are_bounded() {
        assert_eq!(close_matches("self-signd").first(), Some(&"self-signed"));
        assert!(close_matches("starttls_not_offered").contains(&"starttls-not-offered"));
        assert!(close_matches("zzzzzzzzzzzzzzzz").is_empty());
        assert!(close_matches("").is_empty());
        assert!(close_matches(&"a".repeat(100_000)).len() <= 5);
        assert!(close_matches("dane").len() <= 5);
    }

    #[test]
    fn json_has_the_fix_lines_and_the_typed_fields() {
        let e = entry("weak_dh").unwrap();
        let v = serde_json::to_value(e).unwrap();
        assert_eq!(v["id"], "weak-dh");
        assert_eq!(v["legacy_id"], "weak_dh");
        assert_eq!(v["severity"], "medium");
        assert_eq!(v["source"], "tls");
        assert_eq!(v["fix"]["postfix"][0], "smtpd_tls_dh1024_param_file = auto");
        assert_eq!(v["fix"]["check"]["kind"], "postfix-only");
        assert_eq!(v["attackers"][0], "passive");
        let text = e.to_text();
        assert!(text.starts_with("weak-dh [medium] "), "{text}");
        assert!(text.contains("smtpd_tls_dh1024_param_file = auto"));
        let md = markdown_document();
        assert!(md.contains("### weak-dh\n"));
        assert!(md.contains("| `weak_dh` | `weak-dh` |"));
    }
}
