//! JUnit XML for CI: a `<testsuite>` per endpoint record (named by its endpoint URI), a
//! `<testcase>` per finding, failed (`<failure>`) when its severity is at or above the
//! threshold (a severity this version does not know fails); a record without findings has one
//! passing test case `scan`, a record whose scan did not complete one skipped `scan`.

use std::fmt::Write as _;
use std::io::{self, Write as _};

use mxray_schema::record::{EndpointRecord, Severity, Status};

use crate::endpoint::{endpoint_uri, Body};

/// Text made safe for XML content and attributes: control characters made visible, the two
/// non-characters XML 1.0 forbids (U+FFFE, U+FFFF) too, markup escaped.
fn x(s: &str) -> String {
    let visible = mxray_schema::text::escape(s)
        .replace('\u{fffe}', "\\u{fffe}")
        .replace('\u{ffff}', "\\u{ffff}");
    crate::markup::escape(&visible)
}

/// Whether `c` is a character XML 1.0 allows (its `Char` production).
#[cfg(test)]
fn xml_char(c: char) -> bool {
    matches!(u32::from(c), 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Builds the JUnit document: the test suites are written to the body as they come, the root
/// element with the totals around them.
#[derive(Debug)]
pub struct Junit {
    threshold: Severity,
    out: Body,
    tests: u64,
    failures: u64,
}

impl Junit {
    /// Findings at or above `threshold` fail; the suites go to `out`.
    pub fn new(threshold: Severity, out: Body) -> Self {
        Self {
            threshold,
            out,
            tests: 0,
            failures: 0,
        }
    }

    /// Writes the record's test suite.
    pub fn add(&mut self, r: &EndpointRecord) -> io::Result<()> {
        let class = r
            .domain
            .clone()
            .or_else(|| r.mx.as_ref().map(|m| m.host.clone()))
            .unwrap_or_else(|| r.target.clone());
        let mut cases = String::new();
        let mut tests = 0u64;
        let mut failures = 0u64;
        let mut skipped = 0u64;
        if !matches!(r.status, Status::Completed | Status::Partial) {
            tests += 1;
            skipped += 1;
            let why = r
                .error
                .as_ref()
                .map(|e| format!("{}: {}", e.kind.as_str().to_owned(), e.message))
                .unwrap_or_else(|| r.status.as_str().to_owned());
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"scan\"><skipped message=\"{}\"/></testcase>",
                x(&class),
                x(&why)
            );
        } else if r.findings.is_empty() {
            tests += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"scan\"/>",
                x(&class)
            );
        }
        for f in &r.findings {
            tests += 1;
            let fails = f.severity().is_none_or(|s| s >= self.threshold);
            if fails {
                failures += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{}\" name=\"{}\"><failure type=\"{}\" message=\"{}\">{}</failure></testcase>",
                    x(&class),
                    x(&f.id),
                    x(&f.severity),
                    x(&f.message),
                    x(&failure_body(f))
                );
            } else {
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{}\" name=\"{}\"/>",
                    x(&class),
                    x(&f.id)
                );
            }
        }
        self.tests = self.tests.saturating_add(tests);
        self.failures = self.failures.saturating_add(failures);
        write!(
            self.out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n",
            x(&endpoint_uri(r))
        )
    }

    /// Head (the XML declaration and the root with the totals), body (the suites) and tail.
    pub fn finish(self) -> (String, Body, String) {
        let head = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mxray\" tests=\"{}\" failures=\"{}\">\n",
            self.tests, self.failures
        );
        (head, self.out, "</testsuites>\n".to_owned())
    }
}

/// A failure's text: the message, severity and source, then the catalogue's fix advice.
fn failure_body(f: &mxray_schema::record::Finding) -> String {
    let mut s = format!("{} ({}, {})", f.message, f.severity, f.source.as_str());
    if let Some(e) = mxray_schema::catalogue::entry(&f.id) {
        s.push_str(&format!("\nfix: {}", e.fix.generic));
        for (mta, lines) in [("postfix", e.fix.postfix), ("exim", e.fix.exim)] {
            for l in lines {
                s.push_str(&format!("\n{mta}: {l}"));
            }
        }
        s.push_str(&format!("\nmore: mxray explain {}", e.id));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a server sent, the text is XML 1.0 characters with no markup left.
        #[test]
        fn escaped_text_is_xml_characters_without_markup(s in any::<String>()) {
            let e = x(&s);
            prop_assert!(e.chars().all(xml_char), "{:?}", e);
            prop_assert!(!e.contains('<') && !e.contains('"') && !e.contains('>'));
        }
    }

    #[test]
    fn non_characters_and_controls_are_made_visible() {
        assert_eq!(x("a\u{ffff}b\u{1b}<"), "a\\u{ffff}b\\x1b&lt;");
    }
}
