//! The terminal report of `mxray probe`, grouped like testssl.sh: SMTP, protocols, suites per
//! version, key exchange, features, certificate, findings, cost. Colour is plain ANSI and
//! optional ([`render`]'s `colour`). Every string from the record goes through [`escape`]: a
//! server's banner, EHLO reply or certificate cannot send escape sequences to the terminal.

use std::fmt::Write as _;
use std::time::Duration;

use mxray_schema::record::{EndpointRecord, SuiteInfo};

pub use mxray_schema::text::{escape, is_unsafe_char};

/// ANSI colours used by the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Colour {
    /// Good.
    Green,
    /// Acceptable but dated.
    Yellow,
    /// Bad.
    Red,
    /// Section headings.
    Bold,
    /// Low-severity notes.
    Cyan,
    /// No colour.
    Plain,
}

struct Out {
    colour: bool,
    text: String,
}

impl Out {
    fn paint(&self, c: Colour, s: &str) -> String {
        let code = match c {
            Colour::Green => "32",
            Colour::Yellow => "33",
            Colour::Red => "31",
            Colour::Bold => "1",
            Colour::Cyan => "36",
            Colour::Plain => return s.to_owned(),
        };
        if self.colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    fn heading(&mut self, s: &str) {
        let h = self.paint(Colour::Bold, s);
        let _ = writeln!(self.text, "\n{h}");
    }

    fn row(&mut self, label: &str, value: &str) {
        let _ = writeln!(self.text, "  {label:<22} {value}");
    }
}

/// The DANE section of `mxray probe --dane`: the DNSSEC status of each answer, the TLSA
/// records with their outcome against the chain, and what a DANE sender does.
fn dane_section(out: &mut Out, rec: &EndpointRecord, d: &mxray_schema::dane::DaneInfo) {
    use cert_audit::sender::{Delivery, DnssecStatus};
    out.heading("DANE (RFC 7672)");
    let answer = |out: &Out, a: &mxray_schema::dane::DnssecAnswer| {
        let col = match a.status {
            DnssecStatus::Secure => Colour::Green,
            DnssecStatus::Bogus => Colour::Red,
            DnssecStatus::Indeterminate => Colour::Yellow,
            _ => Colour::Plain,
        };
        let mut s = out.paint(col, a.status.as_str());
        if let Some(r) = &a.rcode {
            let _ = write!(s, " {}", escape(r));
        }
        if let Some(r) = &a.reason {
            let _ = write!(s, " ({})", escape(r));
        }
        s
    };
    if let Some(mx) = &d.mx {
        let v = answer(out, mx);
        out.row("MX", &v);
    }
    let v = answer(out, &d.address);
    out.row("address", &v);
    let v = answer(out, &d.tlsa);
    out.row(&escape(&d.tlsa_name), &v);
    let outcomes = rec.certificate.as_ref().and_then(|c| c.dane.as_ref());
    for (i, r) in d.records.iter().enumerate() {
        let outcome = outcomes
            .and_then(|m| m.records.iter().find(|x| x.index == i))
            .map_or_else(
                || "not matched".to_owned(),
                |x| match &x.outcome {
                    cert_audit::DaneOutcome::Match { cert_index } => {
                        format!("match (certificate #{cert_index})")
                    }
                    cert_audit::DaneOutcome::NoMatch { reason } => format!("no match: {reason}"),
                    cert_audit::DaneOutcome::Unusable { reason } => format!("unusable: {reason}"),
                    cert_audit::DaneOutcome::Malformed { reason } => {
                        format!("malformed: {reason}")
                    }
                    _ => "?".to_owned(),
                },
            );
        let data = if r.data.len() > 24 {
            format!("{}…", r.data.get(..24).unwrap_or(""))
        } else {
            r.data.clone()
        };
        out.row(
            &format!("TLSA #{i}"),
            &escape(&format!(
                "{} {} {} {data}  {outcome}",
                r.usage, r.selector, r.matching_type
            )),
        );
    }
    if d.records_dropped > 0 {
        out.row("TLSA dropped", &d.records_dropped.to_string());
    }
    if let Some(ttl) = d.tlsa_ttl {
        out.row("TLSA TTL", &format!("{ttl} s"));
    }
    out.row("state", d.state.as_str());
    let col = match d.delivery {
        Delivery::Authenticated => Colour::Green,
        Delivery::Defer => Colour::Red,
        Delivery::Unknown | Delivery::Encrypted => Colour::Yellow,
        _ => Colour::Plain,
    };
    let v = out.paint(col, d.delivery.as_str());
    out.row("a DANE sender", &v);
}

/// Colour of a suite by its classes.
pub fn suite_colour(s: &SuiteInfo) -> Colour {
    let has = |c: &str| s.classes.iter().any(|x| x == c);
    if has("null") || has("export") || has("anonymous") || has("rc4") {
        Colour::Red
    } else if has("block64") || !has("forward_secrecy") || !has("aead") {
        Colour::Yellow
    } else {
        Colour::Green
    }
}

/// Colour of a finding severity.
pub fn severity_colour(sev: &str) -> Colour {
    match sev {
        "critical" | "high" => Colour::Red,
        "medium" => Colour::Yellow,
        "low" => Colour::Cyan,
        _ => Colour::Plain,
    }
}

fn version_colour(v: &str, supported: bool) -> Colour {
    match (v, supported) {
        ("TLSv1.2" | "TLSv1.3", true) => Colour::Green,
        ("TLSv1.0" | "TLSv1.1", true) => Colour::Yellow,
        (_, true) => Colour::Red,
        ("TLSv1.3", false) => Colour::Yellow,
        _ => Colour::Plain,
    }
}

fn suite_line(out: &Out, s: &SuiteInfo) -> String {
    let name = out.paint(suite_colour(s), &format!("{:<48}", escape(&s.name)));
    format!(
        "{name} {:<9} {:>4} bits  {}",
        escape(&s.kx),
        s.bits,
        escape(&s.classes.join(" "))
    )
}

/// What `mxray probe` prints: with `domain` (`probe --mx`: the mail domain and the records of
/// its other MX hosts), the domain section ([`crate::domain::render`] over `rec` and those
/// records) and a blank line first; then [`render`] of `rec`.
pub fn render_probe(
    rec: &EndpointRecord,
    domain: Option<(&str, &[EndpointRecord])>,
    colour: bool,
    wall: Duration,
) -> String {
    let mut text = String::new();
    if let Some((name, others)) = domain {
        let mut all: Vec<&EndpointRecord> = vec![rec];
        all.extend(others.iter());
        text.push_str(&crate::domain::render(name, &all));
        text.push('\n');
    }
    text.push_str(&render(rec, colour, wall));
    text
}

/// The SMTP rows after STARTTLS: EHLO inside TLS, AUTH, RFC 8314 and the plaintext test.
fn smtp_rows(out: &mut Out, rec: &EndpointRecord) {
    if let Some(e) = &rec.ehlo_tls {
        let caps: Vec<String> = e
            .capabilities
            .iter()
            .map(|c| {
                let col = if c == "REQUIRETLS" {
                    Colour::Green
                } else {
                    Colour::Plain
                };
                out.paint(col, &escape(c))
            })
            .collect();
        out.row("capabilities in TLS", &caps.join(", "));
    }
    if let Some(req) = rec.requiretls_offered() {
        out.row("REQUIRETLS", if req { "offered (RFC 8689)" } else { "no" });
    }
    if let Some(a) = &rec.auth {
        if !a.before_tls.is_empty() {
            let v = out.paint(Colour::Red, &escape(&a.before_tls.join(" ")));
            out.row("AUTH before TLS", &v);
        }
        if !a.in_tls.is_empty() {
            out.row("AUTH in TLS", &escape(&a.in_tls.join(" ")));
        }
    }
    if let Some(sub) = &rec.submission {
        let v = if sub.tls {
            out.paint(
                Colour::Green,
                &format!("{}, TLS reached", sub.kind.as_str()),
            )
        } else {
            out.paint(Colour::Red, &format!("{}, no TLS", sub.kind.as_str()))
        };
        out.row("submission (RFC 8314)", &v);
    }
    if let Some(p) = &rec.plaintext_mail {
        let col = match p.outcome.as_str() {
            "accepted" => Colour::Yellow,
            "refused" => Colour::Green,
            _ => Colour::Plain,
        };
        let mut v = out.paint(col, p.outcome.as_str());
        if let Some(r) = p.reply.as_deref().or(p.detail.as_deref()) {
            let _ = write!(v, " ({})", escape(r));
        }
        out.row("MAIL without TLS", &v);
    }
}

/// Renders the report of one record. `wall`: the probe's wall time.
pub fn render(rec: &EndpointRecord, colour: bool, wall: Duration) -> String {
    let mut out = Out {
        colour,
        text: String::new(),
    };
    let ip = rec.ip.map_or_else(|| "-".to_owned(), |i| i.to_string());
    let title = out.paint(
        Colour::Bold,
        &format!(
            "mxray probe {} ({ip} port {})",
            escape(&rec.target),
            rec.port
        ),
    );
    let _ = writeln!(out.text, "{title}");
    if let Some(mx) = &rec.mx {
        out.row("host", &escape(&mx.host));
    }
    if let Some(d) = &rec.domain {
        out.row("mail domain", &escape(d));
    }
    out.row("profile", rec.profile.as_str());

    out.heading("SMTP");
    match &rec.banner {
        Some(b) => {
            let text = b
                .text
                .trim_end()
                .replace("\r\n", " | ")
                .replace('\n', " | ");
            out.row("banner", &escape(&text));
        }
        None => out.row("banner", "(none)"),
    }
    if let Some(e) = &rec.ehlo {
        let how = if e.used_helo { "HELO" } else { "EHLO" };
        let domain = e.domain.as_deref().unwrap_or("");
        out.row(how, &format!("{} {}", e.code, escape(domain)));
        let caps: Vec<String> = e
            .capabilities
            .iter()
            .map(|c| {
                let col = if c == "STARTTLS" {
                    Colour::Green
                } else if e.starttls_stripped && c.starts_with("XXXX") {
                    Colour::Red
                } else {
                    Colour::Plain
                };
                out.paint(col, &escape(c))
            })
            .collect();
        if !caps.is_empty() {
            out.row("capabilities", &caps.join(", "));
        }
    }
    if let Some(st) = &rec.starttls {
        let outcome = st.outcome.as_str();
        let col = match outcome {
            "ready" | "implicit_tls" => Colour::Green,
            _ => Colour::Red,
        };
        let mut v = out.paint(col, outcome);
        if let Some(r) = &st.reply {
            let _ = write!(v, " ({})", escape(r));
        }
        out.row(&format!("{} mode", st.mode.as_str()), &v);
        if let Some(b) = &st.bytes_after_220 {
            let b = out.paint(Colour::Red, &escape(&format!("{b:?}")));
            out.row("bytes after 220", &b);
        }
        if let Some(i) = st.injection {
            let t = i.as_str();
            let col = match t {
                "vulnerable" => Colour::Red,
                "not_vulnerable" => Colour::Green,
                _ => Colour::Yellow,
            };
            let t = out.paint(col, t);
            out.row("STARTTLS injection", &t);
        }
    }
    smtp_rows(&mut out, rec);

    if let Some(tls) = &rec.tls {
        if let Some(h) = &tls.handshake {
            out.heading("Modern handshake (rustls)");
            if h.ok {
                let suite = h.suite.as_ref().map_or("", |s| s.name.as_str());
                let v = out.paint(
                    Colour::Green,
                    &format!(
                        "{} {suite} {}",
                        h.version.as_deref().unwrap_or("?"),
                        h.group.as_deref().unwrap_or("")
                    ),
                );
                out.row("connects", &v);
            } else {
                let v = out.paint(
                    Colour::Red,
                    &format!("fails: {}", escape(h.error.as_deref().unwrap_or("?"))),
                );
                out.row("connects", &v);
            }
            out.row("chain length", &h.chain_length.to_string());
            if h.client_cert_requested {
                let v = out.paint(Colour::Yellow, "requested (none sent)");
                out.row("client certificate", &v);
            }
            if h.ok {
                out.row("OCSP staple", if h.ocsp_stapled { "yes" } else { "no" });
            }
        }
        if !tls.versions.is_empty() {
            out.heading("Protocols");
            for v in &tls.versions {
                let state = if v.supported {
                    "offered"
                } else if !v.complete {
                    "not determined (endpoint deadline)"
                } else {
                    "not offered"
                };
                let s = out.paint(version_colour(&v.version, v.supported), state);
                let pick = v
                    .suite
                    .as_ref()
                    .map(|s| format!("  (picks {})", escape(&s.name)))
                    .unwrap_or_default();
                out.row(&escape(&v.version), &format!("{s}{pick}"));
            }
        }
        if !tls.suites.is_empty() {
            out.heading("Cipher suites per version");
            for v in &tls.suites {
                let _ = writeln!(
                    out.text,
                    "  {} ({} suites, {} order){}",
                    escape(&v.version),
                    v.accepted.len(),
                    escape(&v.preference),
                    if v.complete {
                        ""
                    } else {
                        ", INCOMPLETE: cut by the endpoint deadline"
                    }
                );
                for s in &v.accepted {
                    let line = suite_line(&out, s);
                    let _ = writeln!(out.text, "    {line}");
                }
            }
        }
        let kx = tls.key_exchange.as_ref();
        if kx.is_some() || !tls.groups.is_empty() || !tls.signature_algorithms.is_empty() {
            out.heading("Key exchange");
            if let Some(k) = kx {
                if let (Some(bits), Some(class)) = (k.dh_bits, &k.dh_class) {
                    let col = if bits >= 2048 {
                        Colour::Green
                    } else if bits > 1024 {
                        Colour::Yellow
                    } else {
                        Colour::Red
                    };
                    let v = out.paint(col, &format!("{bits} bits (class {class})"));
                    out.row("DH prime", &v);
                } else if k.dh_undetermined {
                    out.row(
                        "DH prime",
                        "not determined: the server picked another key exchange by its own \
                         order (--profile full measures it)",
                    );
                }
                if let Some(c) = &k.ecdhe_curve {
                    out.row("ECDHE curve", &escape(c));
                }
            }
            if !tls.groups.is_empty() {
                out.row("groups", &escape(&tls.groups.join(", ")));
            }
            if !tls.signature_algorithms.is_empty() {
                out.row(
                    "signature algorithms",
                    &escape(&tls.signature_algorithms.join(", ")),
                );
            }
        }
        if let Some(f) = &tls.features {
            out.heading("Features");
            let yn = |b: Option<bool>| match b {
                Some(true) => "yes",
                Some(false) => "no",
                None => "-",
            };
            out.row("secure renegotiation", yn(f.secure_renegotiation));
            out.row("session ticket", yn(f.session_ticket));
            out.row("OCSP stapling", yn(f.ocsp_stapling));
            out.row("extended master secret", yn(f.extended_master_secret));
            out.row("encrypt-then-MAC", yn(f.encrypt_then_mac));
            out.row("heartbeat", yn(f.heartbeat));
            out.row("compression", yn(f.compression));
            out.row("fallback SCSV", yn(f.fallback_scsv));
            if let Some(a) = &f.alpn {
                out.row("ALPN", &escape(a));
            }
        }
        if let Some(fp) = &tls.fingerprints {
            out.heading("Fingerprints");
            out.row(
                "JA3S",
                &escape(&format!("{} ({})", fp.ja3s, fp.ja3s_string)),
            );
            out.row("JA4S", &escape(&fp.ja4s));
        }
    }

    if let Some(c) = &rec.certificate {
        out.heading("Certificate");
        if let Some(leaf) = c.leaf() {
            out.row("subject", &escape(&leaf.subject));
            out.row("issuer", &escape(&leaf.issuer));
            out.row(
                "validity",
                &escape(&format!(
                    "{} to {} ({} days)",
                    leaf.not_before, leaf.not_after, leaf.validity_days
                )),
            );
            let mut key = format!("{} {} bits", leaf.key.algorithm.as_str(), leaf.key.bits);
            if let Some(curve) = &leaf.key.curve {
                let _ = write!(key, " {curve}");
            }
            out.row("key", &escape(&key));
            out.row("signature", &escape(&leaf.signature.algorithm));
            if !leaf.dns_names.is_empty() {
                out.row("DNS names", &escape(&leaf.dns_names.join(", ")));
            }
            if leaf.must_staple {
                out.row("must-staple", "yes (RFC 7633 TLS feature status_request)");
            }
            out.row("embedded SCTs", &leaf.sct_count.to_string());
        }
        let trust = c.trust.as_str();
        let col = if trust == "trusted" {
            Colour::Green
        } else {
            Colour::Red
        };
        let t = out.paint(col, trust);
        out.row("trust", &t);
        let names = c.names.result.as_str();
        let col = match names {
            "mx_host" | "mail_domain" => Colour::Green,
            "mismatch" => Colour::Red,
            _ => Colour::Plain,
        };
        let n = out.paint(col, names);
        out.row("name match", &n);
        out.row("chain length", &c.chain.length.to_string());
        if let Some(cert) = c.certificates.first() {
            out.row("SHA-256", &escape(&cert.sha256));
        }
        let listed: Vec<String> = c
            .findings
            .iter()
            .map(|f| {
                let sev = mxray_schema::record::Severity::from(f.severity).as_str();
                out.paint(severity_colour(sev), &format!("{} ({sev})", f.id.as_str()))
            })
            .collect();
        if !listed.is_empty() {
            out.row("findings", &listed.join(", "));
        }
    }

    if let Some(d) = &rec.dane {
        dane_section(&mut out, rec, d);
    }

    out.heading("Findings");
    if rec.findings.is_empty() {
        out.row("", "none");
    }
    for f in &rec.findings {
        let sev = out.paint(severity_colour(&f.severity), &format!("{:<8}", f.severity));
        let _ = writeln!(
            out.text,
            "  {sev} {:<28} {}",
            escape(&f.id),
            escape(&f.message)
        );
        // The catalogue's advice: the generic line, and where the MTA lines are.
        if let Some(e) = mxray_schema::catalogue::entry(&f.id) {
            let _ = writeln!(
                out.text,
                "  {:<8} {:<28} fix: {} (`mxray explain {}`)",
                "", "", e.fix.generic, e.id
            );
        }
    }
    if let Some(e) = &rec.error {
        out.heading("Error");
        let v = out.paint(Colour::Red, &format!("{} in {}", e.kind, e.phase));
        out.row(&v, &escape(&e.message));
    }

    out.heading("Cost");
    let conns = rec.tls.as_ref().map_or(0, |t| t.connections);
    out.row("TLS connections", &conns.to_string());
    if let Some(failed) = rec
        .tls
        .as_ref()
        .map(|t| t.failed_connections)
        .filter(|n| *n > 0)
    {
        out.row("failed connections", &failed.to_string());
    }
    out.row("status", rec.status.as_str());
    out.row("wall time", &format!("{:.1} s", wall.as_secs_f64()));
    out.text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A suite as mxray-scan's `suite_info` describes it.
    fn suite(id: u16, name: &str, kx: &str, bits: u16, classes: &[&str]) -> SuiteInfo {
        SuiteInfo {
            id,
            name: name.to_owned(),
            kx: kx.to_owned(),
            bits,
            classes: classes.iter().map(|c| (*c).to_owned()).collect(),
        }
    }
    use mxray_schema::record::{Finding, FindingSource, Profile};

    #[test]
    fn probe_output_is_the_domain_section_then_the_endpoint() {
        let mut rec = EndpointRecord::new("mx.example.org".into(), None, 25, Profile::Quick);
        rec.domain = Some("example.org".into());
        rec.mx = Some(mxray_schema::record::MxInfo {
            host: "mx1.example.org".into(),
            preference: Some(10),
            implicit: false,
        });
        let mut other = rec.clone();
        other.target = "mx2.example.org".into();
        other.mx = Some(mxray_schema::record::MxInfo {
            host: "mx2.example.org".into(),
            preference: Some(20),
            implicit: false,
        });
        let wall = Duration::from_millis(5);
        let alone = render_probe(&rec, None, false, wall);
        assert_eq!(alone, render(&rec, false, wall));
        let others = [other.clone()];
        let both = render_probe(&rec, Some(("example.org", &others)), false, wall);
        let section = crate::domain::render("example.org", &[&rec, &other]);
        assert!(!section.is_empty());
        assert_eq!(both, format!("{section}\n{}", render(&rec, false, wall)));
        assert_ne!(
            section,
            crate::domain::render("example.org", &[&rec]),
            "the other MX hosts count in the domain section"
        );
    }

    #[test]
    fn plain_and_coloured_reports() {
        let mut r = EndpointRecord::new(
            "127.0.0.1:25".into(),
            Some("127.0.0.1".parse().unwrap()),
            25,
            Profile::Full,
        );
        r.findings.push(Finding {
            id: "rc4".into(),
            source: FindingSource::Tls,
            severity: "high".into(),
            message: "RC4 suites accepted".into(),
        });
        let plain = render(&r, false, Duration::from_millis(1500));
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("SMTP") && plain.contains("Findings") && plain.contains("1.5 s"));
        assert!(plain.contains("high     rc4"));
        // The catalogue's fix advice follows the finding, with the pointer to the MTA lines.
        assert!(
            plain.contains(
                "fix: Remove every RC4 suite from the server's cipher list. (`mxray explain rc4`)"
            ),
            "{plain}"
        );
        let coloured = render(&r, true, Duration::ZERO);
        assert!(coloured.contains("\x1b[31mhigh"));
    }

    /// Characters that must not reach a terminal raw.
    fn has_unsafe(s: &str) -> bool {
        s.chars().any(|c| {
            c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        })
    }

    #[test]
    fn escape_shows_every_control_character() {
        assert_eq!(escape("mx.example.org 250"), "mx.example.org 250");
        assert_eq!(
            escape("a\x1b]0;pwned\x07b\x1b[2J\t\r\n\x7f\u{9b}31m\u{202e}gpj.exe\u{2066}"),
            "a\\x1b]0;pwned\\x07b\\x1b[2J\\t\\r\\n\\x7f\\x9b31m\\u{202e}gpj.exe\\u{2066}"
        );
        assert_eq!(escape("café ✓"), "café ✓");
        assert!(!has_unsafe(&escape("\u{0}\u{1f}\u{85}\u{200f}\u{feff}")));
    }

    #[test]
    fn hostile_server_strings_cannot_drive_the_terminal() {
        let mut r = EndpointRecord::new(
            "127.0.0.1:25".into(),
            Some("127.0.0.1".parse().unwrap()),
            25,
            Profile::Full,
        );
        r.banner = Some(mxray_schema::record::Banner {
            code: Some(220),
            text: "220 \x1b]0;owned\x07mx\x1b[2J\r\n220 \u{9b}31mred\u{202e}txt.exe\r\n".into(),
            complete: true,
        });
        r.ehlo = Some(mxray_schema::record::EhloInfo {
            code: 250,
            used_helo: false,
            domain: Some("mx\x1b[H\x1b[2J".into()),
            capabilities: vec!["STARTTLS".into(), "X\x1b]8;;http://x\x07link".into()],
            starttls_offered: true,
            starttls_stripped: false,
        });
        r.starttls = Some(mxray_schema::record::StarttlsInfo {
            mode: mxray_schema::record::TlsMode::Starttls,
            outcome: mxray_schema::record::StarttlsOutcome::Refused,
            reply: Some("454 \x1b[31mno\x1b[0m\u{2067}".into()),
            bytes_after_220: Some("\u{202e}".into()),
            injection: None,
        });
        r.findings.push(Finding {
            id: "x".into(),
            source: FindingSource::Tls,
            severity: "low".into(),
            message: "server said \x1b[2J".into(),
        });
        let plain = render(&r, false, Duration::ZERO);
        assert!(!has_unsafe(&plain.replace('\n', "")), "{plain:?}");
        assert!(
            plain.contains("220 \\x1b]0;owned\\x07mx\\x1b[2J | 220 \\x9b31m"),
            "{plain}"
        );
        assert!(plain.contains("mx\\x1b[H\\x1b[2J"), "{plain}");
        // In colour, the only escape sequences are the report's own SGR colours.
        let coloured = render(&r, true, Duration::ZERO);
        let mut rest = coloured.as_str();
        while let Some(i) = rest.find('\x1b') {
            let seq = &rest[i + 1..];
            let end = seq.find('m').unwrap();
            assert!(
                seq.starts_with('[') && seq[1..end].bytes().all(|b| b.is_ascii_digit()),
                "foreign escape: {:?}",
                &seq[..end.min(20)]
            );
            rest = &seq[end..];
        }
        assert!(!has_unsafe(&coloured.replace(['\n', '\x1b'], "")));
    }

    #[test]
    fn what_the_deadline_cut_reads_as_incomplete() {
        use mxray_schema::record::{Status, TlsInfo, VersionInfo, VersionSuitesInfo};
        let mut r = EndpointRecord::new("127.0.0.1:25".into(), None, 25, Profile::Full);
        r.status = Status::Partial;
        r.tls = Some(TlsInfo {
            versions: vec![VersionInfo {
                version: "TLSv1.2".into(),
                supported: false,
                suite: None,
                complete: false,
            }],
            suites: vec![VersionSuitesInfo {
                version: "TLSv1.3".into(),
                preference: "unknown".into(),
                accepted: vec![suite(
                    0x1301,
                    "TLS_AES_128_GCM_SHA256",
                    "tls13",
                    128,
                    &["aead", "forward_secrecy", "tls13"],
                )],
                complete: false,
            }],
            ..TlsInfo::default()
        });
        let text = render(&r, false, Duration::ZERO);
        assert!(
            text.contains("not determined (endpoint deadline)"),
            "{text}"
        );
        assert!(!text.contains("not offered"), "{text}");
        assert!(
            text.contains("INCOMPLETE: cut by the endpoint deadline"),
            "{text}"
        );
        assert!(text.contains("partial"), "{text}");
    }

    /// A prime the standard profile could not see reads as not determined, never as absent.
    #[test]
    fn an_undetermined_dh_prime_says_so() {
        use mxray_schema::record::{KeyExchangeInfo, TlsInfo};
        let mut r = EndpointRecord::new("127.0.0.1:25".into(), None, 25, Profile::Standard);
        let kx = |bits: Option<u32>, undetermined: bool| KeyExchangeInfo {
            dh_bits: bits,
            dh_class: bits.map(|b| b.to_string()),
            ecdhe_curve: Some("x25519".into()),
            dh_undetermined: undetermined,
        };
        r.tls = Some(TlsInfo {
            key_exchange: Some(kx(None, true)),
            ..TlsInfo::default()
        });
        let text = render(&r, false, Duration::ZERO);
        assert!(text.contains("DH prime"), "{text}");
        assert!(text.contains("not determined"), "{text}");
        assert!(text.contains("--profile full"), "{text}");
        r.tls = Some(TlsInfo {
            key_exchange: Some(kx(None, false)),
            ..TlsInfo::default()
        });
        assert!(!render(&r, false, Duration::ZERO).contains("DH prime"));
        r.tls = Some(TlsInfo {
            key_exchange: Some(kx(Some(1024), false)),
            ..TlsInfo::default()
        });
        let text = render(&r, false, Duration::ZERO);
        assert!(text.contains("1024 bits"), "{text}");
        assert!(!text.contains("not determined"), "{text}");
    }

    #[test]
    fn suite_colours_follow_classes() {
        let s = suite(0x0002, "TLS_RSA_WITH_NULL_SHA", "rsa", 0, &["null"]);
        assert_eq!(suite_colour(&s), Colour::Red);
        let s = suite(
            0xc02f,
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "ecdhe",
            128,
            &["aead", "forward_secrecy"],
        );
        assert_eq!(suite_colour(&s), Colour::Green);
        let s = suite(0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", "rsa", 128, &["cbc"]);
        assert_eq!(suite_colour(&s), Colour::Yellow);
    }
}
