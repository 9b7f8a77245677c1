//! SARIF 2.1.0 (OASIS) for code-scanning dashboards: one run of the tool `mxray`, each
//! finding of each record a result whose rule is the finding id, located at the endpoint
//! (`smtp://IP:PORT` as the artifact URI, the MX host or target as a logical location).
//!
//! Levels: `critical` and `high` are `error`, `medium` is `warning`, `low` and `info` are
//! `note`, a severity this version does not know is `warning`.

use std::collections::BTreeMap;
use std::io::{self, Write as _};

use mxray_schema::record::{EndpointRecord, Severity};
use serde_json::{json, Value};

use crate::endpoint::{endpoint_uri, Body};

/// The SARIF level of a severity (`None`: a severity this version does not know).
///
/// ```
/// use mxray_schema::record::Severity;
/// assert_eq!(mxray_report::sarif::level(Some(Severity::High)), "error");
/// assert_eq!(mxray_report::sarif::level(Some(Severity::Low)), "note");
/// ```
pub fn level(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Critical | Severity::High) => "error",
        Some(Severity::Low | Severity::Info) => "note",
        _ => "warning",
    }
}

/// The `security-severity` score GitHub code scanning ranks by (0.0 to 10.0).
fn score(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Critical) => "9.5",
        Some(Severity::High) => "8.0",
        Some(Severity::Medium) => "5.5",
        Some(Severity::Low) => "2.0",
        _ => "0.0",
    }
}

/// A rule's metadata: from the findings catalogue when it has the id (title, why it matters,
/// the fix advice as help text and Markdown, references and the attackers it helps as tags),
/// else the id alone with the severity of its first result.
fn rule(id: &str, sev: Option<Severity>, source: &str) -> Value {
    let Some(e) = mxray_schema::catalogue::entry(id) else {
        return json!({
            "id": id,
            "name": id,
            "shortDescription": { "text": id },
            "defaultConfiguration": { "level": level(sev) },
            "properties": {
                "security-severity": score(sev),
                "tags": ["security", "smtp", source],
            },
        });
    };
    let mut help = format!("{}\n", e.fix.generic);
    for (mta, lines) in [
        ("Postfix (main.cf)", e.fix.postfix),
        ("Exim", e.fix.exim),
        ("OpenSMTPD (smtpd.conf)", e.fix.opensmtpd),
    ] {
        if !lines.is_empty() {
            help.push_str(&format!("{mta}:\n"));
            for l in lines {
                help.push_str(&format!("  {l}\n"));
            }
        }
    }
    let mut tags: Vec<&str> = vec!["security", "smtp", source];
    tags.extend(e.attackers.iter().map(|a| a.as_str()));
    json!({
        "id": id,
        "name": id,
        "shortDescription": { "text": e.title },
        "fullDescription": { "text": e.why },
        "help": { "text": help, "markdown": e.to_markdown() },
        "defaultConfiguration": { "level": level(Some(e.severity)) },
        "properties": {
            "security-severity": score(Some(e.severity)),
            "tags": tags,
            "references": e.references,
        },
    })
}

/// The SARIF log before the results.
const HEAD: &str = "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"results\":[\n";

/// Builds the SARIF log: the results are written to the body as they come (one a line), the
/// rules (one per distinct finding id) after them.
#[derive(Debug)]
pub struct Sarif {
    out: Body,
    /// Rule id to (index, severity of its first occurrence, source).
    rules: BTreeMap<String, (usize, Option<Severity>, String)>,
    rule_order: Vec<String>,
    results: u64,
}

impl Sarif {
    /// A log whose results go to `out`.
    pub fn new(out: Body) -> Self {
        Self {
            out,
            rules: BTreeMap::new(),
            rule_order: Vec::new(),
            results: 0,
        }
    }

    /// Writes one result per finding of the record.
    pub fn add(&mut self, r: &EndpointRecord) -> io::Result<()> {
        let uri = endpoint_uri(r);
        let name =
            r.mx.as_ref()
                .map(|m| m.host.clone())
                .unwrap_or_else(|| r.target.clone());
        for f in &r.findings {
            let sev = f.severity();
            let next = self.rule_order.len();
            let index = match self.rules.get(&f.id) {
                Some((i, _, _)) => *i,
                None => {
                    self.rules
                        .insert(f.id.clone(), (next, sev, f.source.as_str().to_owned()));
                    self.rule_order.push(f.id.clone());
                    next
                }
            };
            let mut props = serde_json::Map::new();
            props.insert("severity".into(), json!(f.severity));
            props.insert("source".into(), json!(f.source.as_str().to_owned()));
            props.insert("target".into(), json!(r.target));
            if let Some(d) = &r.domain {
                props.insert("domain".into(), json!(d));
            }
            let result = json!({
                "ruleId": f.id,
                "ruleIndex": index,
                "level": level(sev),
                "message": { "text": if f.message.is_empty() { f.id.clone() } else { f.message.clone() } },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": uri } },
                    "logicalLocations": [{
                        "name": name,
                        "fullyQualifiedName": format!("{name}/{uri}"),
                        "kind": "resource",
                    }],
                }],
                "properties": props,
            });
            if self.results > 0 {
                self.out.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut self.out, &result)?;
            self.results = self.results.saturating_add(1);
        }
        Ok(())
    }

    /// Head, body (the results) and tail (the tool and its rules).
    pub fn finish(self) -> (String, Body, String) {
        let rules: Vec<Value> = self
            .rule_order
            .iter()
            .filter_map(|id| self.rules.get(id).map(|r| (id, r)))
            .map(|(id, (_, sev, source))| rule(id, *sev, source))
            .collect();
        let tool = json!({ "driver": {
            "name": "mxray",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }});
        let tail = format!("\n],\"tool\":{tool}}}]}}\n");
        (HEAD.to_owned(), self.out, tail)
    }
}
