//! Command-line interface (clap derive).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use mxray_lab::identity::ResolverSpec;
use mxray_lab::{CertSpec, LabConfig, LabProfile, ListenSpec, ProfileSpec, SniRule};
use mxray_scan::pipeline::TlsModeChoice;
use mxray_scan::shard::{Shard, ShardBy};
use mxray_schema::record::Profile;

/// Scan depth on the command line: which TLS probes run ([`Profile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum ProfileArg {
    /// Banner, EHLO, STARTTLS and one modern handshake.
    Quick,
    /// Adds protocol versions, the suite each version negotiates, key exchange details, and the
    /// STARTTLS command-injection test (one round trip on the handshake's own connection): 6
    /// connections per endpoint.
    Standard,
    /// Everything: standard plus all suites per version with preference, groups, signature
    /// algorithms, features, fingerprints.
    Full,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Self {
        match p {
            ProfileArg::Quick => Profile::Quick,
            ProfileArg::Standard => Profile::Standard,
            ProfileArg::Full => Profile::Full,
        }
    }
}

/// Output format of `mxray report` and `mxray demo` ([`mxray_report::Format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum FormatArg {
    /// Aligned columns for a terminal.
    Text,
    /// GitHub Markdown tables.
    Markdown,
    /// Machine-readable JSON with stable keys.
    Json,
    /// One self-contained HTML file with inline SVG charts.
    Html,
}

impl From<FormatArg> for mxray_report::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Text => Self::Text,
            FormatArg::Markdown => Self::Markdown,
            FormatArg::Json => Self::Json,
            FormatArg::Html => Self::Html,
        }
    }
}

/// Output format of `mxray report`: the study's report ([`FormatArg`]) or a per-record output
/// for pipelines ([`mxray_report::records::RecordFormat`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum ReportFormatArg {
    /// Aligned columns for a terminal.
    Text,
    /// GitHub Markdown tables.
    Markdown,
    /// Machine-readable JSON with stable keys.
    Json,
    /// One self-contained HTML file with inline SVG charts.
    Html,
    /// CSV, one row per endpoint record (columns in docs/OUTPUTS.md).
    Csv,
    /// CSV, one row per mail domain (columns in docs/OUTPUTS.md).
    CsvDomains,
    /// SARIF 2.1.0, each finding a result (for code-scanning dashboards).
    Sarif,
    /// JUnit XML, a test suite per endpoint, a failed test case per finding at or above
    /// --fail-on (medium when not given).
    Junit,
}

/// A finding severity on the command line (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
#[non_exhaustive]
pub enum SeverityArg {
    /// Worth knowing, not a weakness.
    Info,
    /// A hygiene problem.
    Low,
    /// A weakness some senders or policies act on.
    Medium,
    /// Authentication or confidentiality fails or is weak.
    High,
    /// Broken.
    Critical,
}

impl From<SeverityArg> for mxray_schema::record::Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Info => Self::Info,
            SeverityArg::Low => Self::Low,
            SeverityArg::Medium => Self::Medium,
            SeverityArg::High => Self::High,
            SeverityArg::Critical => Self::Critical,
        }
    }
}

/// How TLS is reached, on the command line ([`TlsModeChoice`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[non_exhaustive]
pub enum TlsModeArg {
    /// Implicit TLS on port 465, STARTTLS on every other port.
    #[default]
    Auto,
    /// EHLO then STARTTLS.
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Implicit,
}

impl From<TlsModeArg> for TlsModeChoice {
    fn from(m: TlsModeArg) -> Self {
        match m {
            TlsModeArg::Auto => TlsModeChoice::Auto,
            TlsModeArg::Starttls => TlsModeChoice::Starttls,
            TlsModeArg::Implicit => TlsModeChoice::Implicit,
        }
    }
}

/// Exit codes, shown in `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    the scan ran to its end (endpoints that failed are records, not errors)
  1    fatal usage or I/O error (bad target line, no target at all, unreadable file, output
       not writable or stdout closed)
  2    invalid command line (from the argument parser)
  3    mxray audit: a finding at high severity or above; scan, probe and report with
       --fail-on SEVERITY: a finding at SEVERITY or above
  130  interrupted by Ctrl-C / SIGTERM / SIGHUP (finished records are kept and flushed)";

/// mxray: how well do mail servers protect server-to-server email with STARTTLS?
#[derive(Debug, Parser)]
#[command(name = "mxray", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum Command {
    /// Scan mail servers: one JSON object per endpoint (JSON Lines) on stdout or --output.
    #[command(after_help = SCAN_HELP)]
    Scan(Box<ScanArgs>),
    /// Run a misconfigured receiving SMTP server that records what senders do (`mxray lab
    /// --help`), or print its sender-behaviour table (`mxray lab summary FILE`).
    Lab(Box<LabArgs>),
    /// One endpoint in depth (full profile): a terminal report like testssl.sh, or --json.
    #[command(after_help = PROBE_HELP)]
    Probe(Box<ProbeArgs>),
    /// Tables and charts from scan results (JSON Lines): funnel, STARTTLS, versions, suites,
    /// DH, certificates, domains; text, Markdown, JSON or one self-contained HTML file.
    #[command(after_help = REPORT_HELP)]
    Report(ReportArgs),
    /// Offline demo: start a lab of misconfigured mail servers on loopback, scan them and
    /// print the report (no network needed).
    Demo(Box<DemoArgs>),
    /// Audit a certificate chain file offline, as before deploying it on a mail server: the
    /// same certificate findings as a scan; exit 3 when one is high or critical.
    #[command(after_help = AUDIT_HELP)]
    Audit(Box<AuditArgs>),
    /// Print what a scan would contact: each target with its address count, a country's
    /// ranges from registry files after the exclusions, and the total; sends no packet.
    #[command(after_help = TARGETS_HELP)]
    Targets(Box<TargetsArgs>),
    /// Explain a finding id: severity, why it matters, references and fix advice for
    /// Postfix, Exim and OpenSMTPD (`--all`: every finding).
    #[command(after_help = EXPLAIN_HELP)]
    Explain(ExplainArgs),
}

const EXPLAIN_HELP: &str = "\
Examples:
  mxray explain starttls-not-offered
  mxray explain weak-dh --format json
  mxray explain --all --format markdown > docs/FINDINGS.md

Old (schema version 1) ids such as starttls_not_offered are accepted. Exit codes: 0 printed;
1 an unknown id (the message lists close ids); 2 invalid command line.";

/// Options of `mxray explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The finding id (as in a record's `findings[].id`).
    #[arg(
        value_name = "ID",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub id: Option<String>,

    /// Every finding in the catalogue.
    #[arg(long)]
    pub all: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

/// How `mxray explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Plain text.
    Text,
    /// JSON (an array with `--all`).
    Json,
    /// Markdown (`--all`: the whole docs/FINDINGS.md).
    Markdown,
}

const TARGETS_HELP: &str = "\
Example:
  mxray targets --country DE --delegation-file delegated-ripencc-extended-latest \\
      --exclude-file blocklist.txt

Output: one line per range or target, `TARGET<TAB>ADDRESSES` (`-` for a name, resolved only
when scanning), then a `# total` line. The same as `mxray scan --dry-run`.

Exit codes: 0 printed; 1 a bad target, a bad or unreadable file, or a country with no block;
2 invalid command line.";

const AUDIT_HELP: &str = "\
Example:
  mxray audit /etc/postfix/chain.pem --name mx.example.org --domain example.org

The chain is a PEM file, leaf first (as the server sends it). It is audited like a scanned
server's chain: trust class against Mozilla's roots (or --ca-file), names against --name and
--domain (RFC 6125; no CN fallback), facts and findings with their RFC or CA/B Forum section.
CA/B Forum issuance rules (SAN contents, EKU, revocation locations, serial and time encodings)
bind publicly trusted CAs only: they are shown for a chain trusted under a public store, and for
any chain with --all-lints.

Exit codes: 0 nothing high or critical; 3 a finding at high severity or above; 1 the file could
not be read or holds no certificate; 2 invalid command line.";

/// Options of `mxray audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// The chain: a PEM file of certificates, leaf first.
    #[arg(value_name = "CHAIN.pem")]
    pub chain: PathBuf,

    /// The MX host name senders connect to (checked against the leaf's names).
    #[arg(long, value_name = "HOST")]
    pub name: Option<String>,

    /// The mail domain (also accepted as a name match, as MTA-STS and DANE senders may).
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// Trust anchors from a PEM file instead of Mozilla's roots (a private CA).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,

    /// Audit at this time instead of now: Unix seconds or RFC 3339 (2026-03-15T00:00:00Z or
    /// 2026-03-15).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,

    /// Show every lint, also the CA/B Forum issuance rules where they do not bind the issuer.
    #[arg(long)]
    pub all_lints: bool,

    /// Print cert-audit's report as JSON instead of the terminal view.
    #[arg(long)]
    pub json: bool,
}

const SCAN_HELP: &str = "\
Targets:
  example.org              mail domain: MX hosts in preference order, every address; no MX ->
                           the domain's A/AAAA (RFC 5321 5.1); null MX '0 .' recorded as null_mx
  mx.example.org:25        host name and port: its A/AAAA, no MX lookup (--hosts: for bare names)
  192.0.2.1  [2001:db8::1]:587  192.0.2.1:2525
  192.0.2.0/24             range, expanded lazily; more than 2^24 addresses needs --allow-large
  -                        read targets from stdin
Lists (--targets-file, stdin): one target per line, blank lines and # comments ignored, ZMap
output (one address per line, optional CSV header with 'saddr') accepted; a UTF-8 byte order
mark at the start is ignored. A port is 1-65535, digits only.

Records (docs/SCHEMA.md): greetings are classified by code class: 2xx goes on to EHLO, 421 is
retried (busy_421), other 4xx is greeting_temporary, 5xx greeting_rejected, anything else (354,
no code) greeting_unexpected. EHLO answered 530 (\"must issue STARTTLS first\") sends STARTTLS.
A reply to STARTTLS that is neither 220 nor 4xx/5xx is starttls outcome unexpected_reply; a 220
after which TLS never starts (no handshake, no version) is the finding tls_not_started.

Sharding: --shard I/N (0-based) keeps the endpoints whose IP hashes (FNV-1a) to I modulo N, so
all ports of one IP go to one shard and N machines never multiply the per-IP rate. Every shard
resolves every domain and host name (--shard-by address, the default) and records a name's DNS
failure or null MX in the shard that owns the name; --shard-by name assigns a name target by the
name before DNS instead (all its records on one machine, but domains sharing an MX address may
then be scanned by several). N machines with the same list, the same resolver and shards
0/N..N-1/N cover each exactly once (docs/SCALE.md).

Country scans: --country CC --delegation-file FILE (repeatable) reads the registries'
delegated-extended statistics files (ftp.ripe.net/pub/stats/ripencc/, and the same for afrinic,
apnic, arin, lacnic), keeps the country's allocated and assigned IPv4 and IPv6 blocks (--ip-version
4 or 6 for one family), splits IPv4 address counts into CIDRs, merges them and cuts out the
exclusions; the ranges are expanded lazily, one address at a time, and --shard splits them by IP.
Above 65536 addresses the scan asks for confirmation on a terminal, and otherwise needs --yes;
--dry-run (or `mxray targets`) prints the ranges and the count without scanning (the whole
selection: --shard is not applied to the listing). --output never overwrites a delegation file.
A malformed
line stops with its file and line; a code that matches no block says so.

Values: a DURATION is 500ms, 5s, 2m or plain seconds, at most one day; timeouts must be at
least 1ms (zero is refused). A RATE is connections per second, from 0.001 to 1000000.

Exit codes:
  0    the scan ran to its end (endpoints that failed are records, not errors)
  1    fatal usage or I/O error (bad target line, no target at all, unreadable file, output
       not writable or stdout closed)
  2    invalid command line (from the argument parser)
  3    --fail-on SEVERITY: a record written has a finding at SEVERITY or above
  130  interrupted by Ctrl-C / SIGTERM / SIGHUP (finished records are kept and flushed)";

const REPORT_HELP: &str = "\
Lines that are not records of this schema are skipped and counted on stderr.

Formats csv, csv-domains, sarif and junit list each unit of work's record (its last final
record); docs/OUTPUTS.md documents them.

Exit codes:
  0    the report was written (and, with --fail-on, nothing at or above it was found)
  1    no input line is a valid record, a file cannot be read, or the report cannot be
       written (output not writable, stdout closed)
  2    invalid command line
  3    --fail-on SEVERITY: a finding at SEVERITY or above (the report is still written)";

const PROBE_HELP: &str = "\
Examples:
  mxray probe mx.example.org            STARTTLS on port 25, the host's first address
  mxray probe --mx example.org          the domain first (verdict, MTA-STS, TLS-RPT, every MX),
                                        then its most preferred MX in depth
  mxray probe 192.0.2.1:465             implicit TLS (port 465; or --tls-mode implicit)
  mxray probe 127.0.0.1:2525 --sni localhost --json

Connections: the full profile opens one connection per probe hello (about 30 to 150 for a
typical server, each replaying greeting, EHLO and STARTTLS). --per-ip-rate paces them
(default 20/s here, 1/s for `mxray scan`): lower is politer to the server and slower.
A RATE is from 0.001 to 1000000 per second; timeouts (DURATION) from 1ms to one day.

Exit codes:
  0    the probe ran (the report says what was found, failures included)
  1    fatal error (name does not resolve, trust store unreadable, stdout closed)
  2    invalid command line
  3    --fail-on SEVERITY: the probed endpoint has a finding at SEVERITY or above";

impl ReportArgs {
    /// What `--format` (and `--fail-on`, JUnit's threshold) ask `mxray report` to write.
    pub fn output_format(&self) -> crate::commands::report::Output {
        use crate::commands::report::Output;
        use mxray_report::records::RecordFormat;
        match self.format {
            ReportFormatArg::Text => Output::Report(mxray_report::Format::Text),
            ReportFormatArg::Markdown => Output::Report(mxray_report::Format::Markdown),
            ReportFormatArg::Json => Output::Report(mxray_report::Format::Json),
            ReportFormatArg::Html => Output::Report(mxray_report::Format::Html),
            ReportFormatArg::Csv => Output::Records(RecordFormat::Csv),
            ReportFormatArg::CsvDomains => Output::Records(RecordFormat::CsvDomains),
            ReportFormatArg::Sarif => Output::Records(RecordFormat::Sarif),
            ReportFormatArg::Junit => Output::Records(RecordFormat::Junit {
                threshold: self
                    .fail_on
                    .map_or(mxray_schema::record::Severity::Medium, Into::into),
            }),
        }
    }
}

impl ScanArgs {
    /// The scan this command line asks for.
    pub fn config(&self) -> mxray_scan::scheduler::ScanConfig {
        mxray_scan::scheduler::ScanConfig {
            targets: self.targets.clone(),
            targets_file: self.targets_file.clone(),
            hosts: self.hosts,
            port: self.port,
            profile: self.profile.into(),
            ehlo_name: self.ehlo_name.clone(),
            resolver: self.resolver,
            dns_timeout: self.dns_timeout,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            endpoint_timeout: self.endpoint_timeout,
            exclude: self.exclude.clone(),
            exclude_file: self.exclude_file.clone(),
            shard: self.shard,
            shard_by: self.shard_by,
            output: self.output.clone(),
            force: self.force,
            resume: self.resume.clone(),
            concurrency: self.concurrency,
            per_ip_rate: self.per_ip_rate,
            per_ip_burst: self.per_ip_burst,
            retries: self.retries,
            retry_delay: self.retry_delay,
            allow_large: self.allow_large,
            // Read by `mxray scan` (commands::targets::country_ranges) after the size check.
            country: None,
            server_names: self.server_names,
            asn_db: self.asn_db.clone(),
            grace: self.grace,
            quiet: self.quiet,
            tls: self.tls.config(),
            policies: self.policies.config(),
        }
    }
}

/// Options of the domain policies (MTA-STS, TLS-RPT), shared by `mxray scan` and `mxray probe`.
#[derive(Debug, Clone, Args)]
pub struct PolicyArgs {
    /// Do not look up the MTA-STS and TLS-RPT records of domain targets (nor fetch policies).
    #[arg(long)]
    pub no_policies: bool,

    /// Port of the MTA-STS policy fetch. RFC 8461 says 443, the default; another port is for
    /// labs and tests only (the lab's policy server listens on 4460).
    #[arg(long, default_value_t = 443, value_name = "PORT")]
    pub mta_sts_port: u16,

    /// Deadline of one MTA-STS policy fetch (DNS, connect, TLS, headers and body).
    #[arg(long, default_value = "30s", value_parser = parse_timeout, value_name = "DURATION")]
    pub mta_sts_timeout: Duration,
}

impl PolicyArgs {
    /// The policy options of a scan.
    pub fn config(&self) -> mxray_scan::scheduler::PolicyConfig {
        mxray_scan::scheduler::PolicyConfig {
            enabled: !self.no_policies,
            mta_sts_port: self.mta_sts_port,
            fetch_timeout: self.mta_sts_timeout,
        }
    }
}

/// TLS options shared by `mxray scan` and `mxray probe`.
#[derive(Debug, Clone, Args)]
pub struct TlsArgs {
    /// How TLS is reached: `auto` = implicit TLS on port 465, STARTTLS on other ports.
    #[arg(long, value_enum, default_value_t = TlsModeArg::Auto)]
    pub tls_mode: TlsModeArg,

    /// Time limit of each TLS exchange (the handshake; one probe hello and its answer).
    #[arg(long, default_value = "10s", value_parser = parse_timeout, value_name = "DURATION")]
    pub tls_timeout: Duration,

    /// Audit certificates against the CA certificates in this PEM file instead of Mozilla's
    /// roots (webpki-roots).
    #[arg(long, value_name = "PEM", conflicts_with = "system_roots")]
    pub ca_file: Option<PathBuf>,

    /// Audit certificates against the operating system's CA bundle.
    #[arg(long)]
    pub system_roots: bool,

    /// Look DANE up (RFC 7672) for every MX host and host:port target: the MX, address and
    /// `_PORT._tcp.HOST` TLSA answers, validated with DNSSEC by mxray itself (the resolver must
    /// pass DNSSEC records through; the root KSKs KSK-2017 (20326) and KSK-2024 (38696) are
    /// the trust anchor unless --trust-anchor),
    /// and judged as a DANE-validating sender would. Writes the record's `dane` object.
    #[arg(long)]
    pub dane: bool,

    /// DNSSEC trust anchor for DANE instead of the root KSKs: a file of DNSKEY records or of
    /// DS records (zone-file syntax: a lab zone's keys, `ldns-key2ds` or `keymgr ds` output,
    /// /usr/share/dns/root.ds), or IANA's root-anchors.xml. A DS anchor's zone DNSKEY set is
    /// fetched from the resolver and used when a key the DS digests signs it. Implies --dane.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Option<PathBuf>,

    /// On a server that offers STARTTLS, test on a separate connection whether it accepts mail
    /// without TLS: EHLO, MAIL FROM:<> (or --plaintext-accept-from), RSET and QUIT; never RCPT
    /// or DATA, so nothing is delivered. Writes the record's `plaintext_mail`.
    #[arg(long)]
    pub test_plaintext_accept: bool,

    /// The reverse path of the plaintext-acceptance test's MAIL FROM instead of the null one
    /// (`<>`). Implies --test-plaintext-accept.
    #[arg(long, value_name = "ADDRESS", value_parser = parse_reverse_path)]
    pub plaintext_accept_from: Option<String>,

    /// A port judged as a mail submission port under RFC 8314 (implicit TLS expected with
    /// --tls-mode implicit or on 465, STARTTLS elsewhere); repeatable; default 465 and 587.
    #[arg(long = "submission-port", value_name = "PORT")]
    pub submission_ports: Vec<u16>,
}

impl TlsArgs {
    /// The TLS options of a scan.
    pub fn config(&self) -> mxray_scan::scheduler::TlsConfig {
        mxray_scan::scheduler::TlsConfig {
            tls_mode: self.tls_mode.into(),
            tls_timeout: self.tls_timeout,
            store: self.store_choice(),
            dane: self.dane_choice(),
            smtp_checks: self.smtp_checks(),
        }
    }

    /// The SMTP checks beyond STARTTLS asked for.
    pub fn smtp_checks(&self) -> mxray_scan::context::SmtpChecks {
        let mut c = mxray_scan::context::SmtpChecks::default();
        if self.test_plaintext_accept || self.plaintext_accept_from.is_some() {
            c.plaintext_accept = Some(self.plaintext_accept_from.clone().unwrap_or_default());
        }
        if !self.submission_ports.is_empty() {
            c.submission_ports.clone_from(&self.submission_ports);
        }
        c
    }

    /// DANE asked for (`--dane` or `--trust-anchor`).
    pub fn dane_choice(&self) -> Option<mxray_scan::scheduler::DaneChoice> {
        (self.dane || self.trust_anchor.is_some()).then(|| mxray_scan::scheduler::DaneChoice {
            trust_anchor: self.trust_anchor.clone(),
        })
    }

    /// The trust store asked for.
    pub fn store_choice(&self) -> mxray_scan::audit::StoreChoice {
        match (&self.ca_file, self.system_roots) {
            (Some(p), _) => mxray_scan::audit::StoreChoice::PemFile(p.clone()),
            (None, true) => mxray_scan::audit::StoreChoice::System,
            (None, false) => mxray_scan::audit::StoreChoice::WebpkiRoots,
        }
    }
}

/// Options of `mxray probe`.
#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    /// The endpoint: a host name (A/AAAA, or MX with --mx), an address, `host:port`, `[v6]:port`.
    #[arg(value_name = "HOST[:PORT]")]
    pub target: String,

    /// Port when HOST has none.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,

    /// HOST is a mail domain: probe its most preferred MX host (first address) in depth, after
    /// the domain: its other MX hosts (quick), MTA-STS, TLS-RPT and the per-domain verdict.
    #[arg(long)]
    pub mx: bool,

    /// Server name for SNI and the certificate name check (default: the host name, if any).
    #[arg(long, value_name = "NAME", value_parser = parse_ehlo_name)]
    pub sni: Option<String>,

    /// Name sent in EHLO.
    #[arg(long, default_value = "mxray.invalid", value_name = "NAME", value_parser = parse_ehlo_name)]
    pub ehlo_name: String,

    /// Print the JSON record instead of the report.
    #[arg(long)]
    pub json: bool,

    /// Exit with code 3 when the probed endpoint has a finding at SEVERITY or above (a
    /// severity this version does not know counts); the report is printed all the same.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// Scan depth (default: everything).
    #[arg(long, value_enum, default_value_t = ProfileArg::Full)]
    pub profile: ProfileArg,

    /// TLS options.
    #[command(flatten)]
    pub tls: TlsArgs,

    /// Domain policy options.
    #[command(flatten)]
    pub policies: PolicyArgs,

    /// DNS server IP:PORT (default: the system's /etc/resolv.conf).
    #[arg(long, value_name = "IP:PORT")]
    pub resolver: Option<SocketAddr>,

    /// TCP connect timeout.
    #[arg(long, default_value = "10s", value_parser = parse_timeout, value_name = "DURATION")]
    pub connect_timeout: Duration,

    /// Timeout of each SMTP read phase (greeting, EHLO reply, STARTTLS reply).
    #[arg(long, default_value = "30s", value_parser = parse_timeout, value_name = "DURATION")]
    pub read_timeout: Duration,

    /// Deadline of the whole probe.
    #[arg(long, default_value = "300s", value_parser = parse_timeout, value_name = "DURATION")]
    pub endpoint_timeout: Duration,

    /// Connections per second to the server (see below).
    #[arg(long, default_value_t = 20.0, value_parser = parse_rate, value_name = "RATE")]
    pub per_ip_rate: f64,

    /// Burst of connections above the rate.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub per_ip_burst: u32,
}

/// Options of `mxray report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Result files (JSON Lines from `mxray scan`; shards of one scan); `-` reads stdin.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormatArg::Text)]
    pub format: ReportFormatArg,

    /// Exit with code 3 when a record's finding is at SEVERITY or above (a severity this
    /// version does not know counts); also the least severity of a failed JUnit test case.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// Write the report to FILE instead of stdout. An existing non-empty FILE is refused
    /// unless --force is given; one of the inputs (FILE..., --baseline) is always refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Result files of an earlier scan: show the change since then (put it after FILE...).
    #[arg(long, value_name = "OLD", num_args = 1..)]
    pub baseline: Vec<PathBuf>,

    /// Overwrite an existing --output file (never one of the inputs: that is always refused).
    #[arg(long)]
    pub force: bool,

    /// Per-domain rows shown (text, Markdown, JSON, HTML), the worst domains first; the rest
    /// are counted. Only records with MTA-STS/TLS-RPT looked up have rows.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 50,
        value_parser = clap::value_parser!(u32).range(0..=100_000)
    )]
    pub domain_rows: u32,

    /// An AS database (repeatable): a MaxMind DB file (GeoLite2-ASN, GeoLite2-Country, DB-IP)
    /// or the iptoasn.com TSV, plain or gzipped, told apart by content. Adds the per-AS and
    /// per-country views; records that carry `network` (scan --asn-db) keep theirs. An address
    /// no file covers is counted as "unknown".
    #[arg(long, value_name = "FILE")]
    pub asn_db: Vec<PathBuf>,
}

/// Options of `mxray scan`.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Targets: domains, host names with port, addresses with or without port, CIDR ranges;
    /// `-` reads stdin.
    #[arg(
        value_name = "TARGET",
        help = "Targets: domains, host[:port], addresses, [v6]:port, CIDR ranges; `-` reads stdin"
    )]
    pub targets: Vec<String>,

    /// Read targets from FILE (repeatable), once, as a stream (a pipe or /dev/stdin works); a bad
    /// line stops the scan there with exit 1, keeping the records written before it.
    #[arg(long, value_name = "FILE")]
    pub targets_file: Vec<PathBuf>,

    /// Treat bare names as host names (A/AAAA) instead of mail domains (MX).
    #[arg(long)]
    pub hosts: bool,

    /// Port for targets without one: 25 (SMTP), 587 (submission), 465 (implicit TLS)...
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,

    /// Scan depth, recorded in every record.
    #[arg(long, value_enum, default_value_t = ProfileArg::Standard)]
    pub profile: ProfileArg,

    /// Name sent in EHLO. Default `mxray.invalid`: a reserved name (RFC 2606) that claims no
    /// one's identity; set it to your scanner's host name with matching reverse DNS and a web
    /// page explaining the scan.
    /// Must be a host name or an address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
    #[arg(long, default_value = "mxray.invalid", value_name = "NAME", value_parser = parse_ehlo_name)]
    pub ehlo_name: String,

    /// DNS server IP:PORT (default: the system's /etc/resolv.conf).
    #[arg(long, value_name = "IP:PORT")]
    pub resolver: Option<SocketAddr>,

    /// Timeout of each DNS query (e.g. 5s, 500ms). A and AAAA are asked separately: a name
    /// for which neither gives an address and one timed out is recorded with rcode `timeout`.
    #[arg(long, default_value = "5s", value_parser = parse_timeout, value_name = "DURATION")]
    pub dns_timeout: Duration,

    /// TCP connect timeout.
    #[arg(long, default_value = "10s", value_parser = parse_timeout, value_name = "DURATION")]
    pub connect_timeout: Duration,

    /// Timeout of each read phase (the whole greeting, the QUIT reply).
    #[arg(long, default_value = "30s", value_parser = parse_timeout, value_name = "DURATION")]
    pub read_timeout: Duration,

    /// Cap on the deadline of one endpoint, retries and backoff included. By default the
    /// deadline is derived from the profile: its connections beyond --per-ip-burst at
    /// --per-ip-rate, plus the connect, read (x2) and TLS (x2) timeouts and the retry backoff
    /// (printed before the scan). When the deadline cuts probes short the record says so:
    /// status `partial`, `complete: false` on what was cut, never a guess.
    #[arg(long, value_parser = parse_timeout, value_name = "DURATION")]
    pub endpoint_timeout: Option<Duration>,

    /// Never contact this address or range (repeatable). An IPv4-mapped IPv6 entry
    /// (`::ffff:192.0.2.1`) also excludes its IPv4 form, and the other way round.
    #[arg(long, value_name = "CIDR")]
    pub exclude: Vec<String>,

    /// Never contact the addresses and ranges listed in FILE (repeatable; ZMap blocklist format).
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Vec<PathBuf>,

    /// Scan only shard I of N (0-based), e.g. 0/4.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,

    /// With --shard: assign a domain or host name target by the addresses it resolves to
    /// (`address`: one IP's endpoints on one machine, every machine resolves every name) or by
    /// the name before DNS (`name`: a name's records on one machine).
    #[arg(long, value_name = "address|name", default_value_t = ShardBy::Address, requires = "shard")]
    pub shard_by: ShardBy,

    /// Write records to FILE instead of stdout. An existing non-empty FILE is refused unless
    /// it is also --resume (then records are added to it) or --force is given; an input file
    /// (targets, exclusions, a --resume file that is not the output) is always refused.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite an existing --output file (never one of the inputs: that is always refused).
    #[arg(long)]
    pub force: bool,

    /// Skip the units of work already finished in FILE: an endpoint as reached from one target,
    /// domain and MX host, a DNS failure, a null MX (an `interrupted` record is redone). A
    /// domain reaching an endpoint recorded for another gets its record from that result,
    /// without connecting. If FILE is also --output, append to it (a torn last line is cut).
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,

    /// Endpoints scanned at the same time. Their probe connections share a budget sized to the
    /// open-files limit (`ulimit -n`) less one per endpoint and 256 kept back: above it, probes
    /// wait for a socket instead of failing.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub concurrency: u32,

    /// Connections per second to one IP address: every connection, the probes' included
    /// (`standard` uses 6 per endpoint, 7 or 8 for servers a modern client cannot talk to;
    /// `full` 30 to 200). Low is polite (mail servers
    /// answer scanners with 421) but slow: at 1/s a `full` endpoint takes minutes (the
    /// endpoint deadline grows with it; raise the rate for servers you run yourself).
    #[arg(long, default_value_t = 1.0, value_parser = parse_rate, value_name = "RATE")]
    pub per_ip_rate: f64,

    /// Burst of connections to one IP address above the rate.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub per_ip_burst: u32,

    /// Retries after a 421 greeting or a refused connection.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// Backoff before the first retry, doubled for each further one.
    #[arg(long, default_value = "2s", value_parser = parse_duration, value_name = "DURATION")]
    pub retry_delay: Duration,

    /// Allow ranges of more than 2^24 addresses.
    #[arg(long)]
    pub allow_large: bool,

    /// A country's address space from registry files (see "Country scans" below).
    #[command(flatten)]
    pub country: CountryArgs,

    /// Address targets: look up the PTR names (confirmed forward), read the host names of the
    /// 220 greeting and the EHLO reply, and record which the certificate covers
    /// (`server_names` in the record; only for endpoints that sent a greeting).
    #[arg(long)]
    pub server_names: bool,

    /// An AS database (repeatable): a MaxMind DB file (GeoLite2-ASN, GeoLite2-Country, DB-IP)
    /// or the iptoasn.com TSV, plain or gzipped, told apart by content. Each endpoint's record
    /// gets its address's AS and country (`network`); the AS from the first file that has one,
    /// the country likewise. Checked before any packet.
    #[arg(long, value_name = "FILE")]
    pub asn_db: Vec<PathBuf>,

    /// Scan a --country selection above the size threshold without asking.
    #[arg(long)]
    pub yes: bool,

    /// Print the targets (ranges with their address counts, the country's ranges after the
    /// exclusions) and the total, as `mxray targets` does, and exit without scanning.
    #[arg(long)]
    pub dry_run: bool,

    /// After Ctrl-C (or SIGTERM, SIGHUP), how long in-flight endpoints may finish before being
    /// recorded as interrupted.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub grace: Duration,

    /// No progress bar and no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,

    /// Exit with code 3 when a record written by this run has a finding at SEVERITY or above
    /// (a severity this version does not know counts; records kept from --resume do not).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// TLS options.
    #[command(flatten)]
    pub tls: TlsArgs,

    /// Domain policy options.
    #[command(flatten)]
    pub policies: PolicyArgs,
}

/// A country's address space from the registries' delegated-extended statistics files, shared
/// by `mxray scan` and `mxray targets`.
#[derive(Debug, Clone, Args)]
pub struct CountryArgs {
    /// Scan the allocated and assigned address blocks of this country (two letters, e.g. DE)
    /// listed in the --delegation-file files.
    #[arg(long, value_name = "CC", requires = "delegation_file")]
    pub country: Option<mxray_scan::delegation::Country>,

    /// A registry's delegated-extended statistics file (repeatable: one per registry, e.g.
    /// delegated-ripencc-extended-latest), read for --country.
    #[arg(long, value_name = "FILE", requires = "country")]
    pub delegation_file: Vec<PathBuf>,

    /// Only the country's IPv4 (4) or IPv6 (6) blocks (default: both).
    #[arg(long, value_name = "4|6", value_parser = ["4", "6"], requires = "country")]
    pub ip_version: Option<String>,
}

/// Options of `mxray targets`.
#[derive(Debug, Clone, Args)]
pub struct TargetsArgs {
    /// Targets, as for `mxray scan` (names are listed, not resolved); `-` reads stdin.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read targets from FILE (repeatable).
    #[arg(long, value_name = "FILE")]
    pub targets_file: Vec<PathBuf>,

    /// A country's address space from registry files.
    #[command(flatten)]
    pub country: CountryArgs,

    /// Cut this address or range out of the country's ranges (repeatable).
    #[arg(long, value_name = "CIDR")]
    pub exclude: Vec<String>,

    /// Cut the addresses and ranges listed in FILE out of the country's ranges (repeatable).
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Vec<PathBuf>,

    /// Allow ranges of more than 2^24 addresses among the targets.
    #[arg(long)]
    pub allow_large: bool,
}

/// Longest duration accepted for any option (one day).
const MAX_DURATION_SECS: f64 = 86_400.0;

/// Options of `mxray demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Directory for what the demo gathers: the scan records (scan.jsonl), the lab's session
    /// log (lab-sessions.jsonl), the lab CA and the HTML report (report.html).
    #[arg(long, default_value = "mxray-demo", value_name = "DIR")]
    pub out_dir: PathBuf,

    /// Scan depth.
    #[arg(long, value_enum, default_value_t = ProfileArg::Standard)]
    pub profile: ProfileArg,

    /// Report format printed on stdout.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Timeout of each SMTP read (the tarpit server shows as a timeout after it).
    #[arg(long, default_value = "3s", value_parser = parse_timeout, value_name = "DURATION")]
    pub read_timeout: Duration,
}

/// Help text after the options of `mxray lab`.
pub const LAB_HELP: &str = "\
Profiles (--all puts profile i on base-port + i in this order; --profile NAME=PORT repeated
serves NAME on each PORT):
  good              valid chain under the lab CA, SAN = --hostname, localhost, listen IP
  no-starttls       EHLO without STARTTLS (STARTTLS answered 502)
  self-signed       self-signed certificate, right names
  expired           lab CA, right names, validity 2020-01-01..2021-01-01
  wrong-host        lab CA, issued for wrong-host.invalid only
  untrusted-ca      valid-looking chain under a CA minted per run, never written out
  starttls-refused  STARTTLS offered, answered 454 4.7.0
  handshake-fails   220 to STARTTLS, then a fatal handshake_failure alert after the ClientHello
  injection         a plaintext '250' smuggled right after the 220 to STARTTLS
  tarpit            greeting sent one byte per --tarpit-interval
DANE receivers (not in --all; base-port + 10, 11, 12): served like good, they differ only in the
TLSA records published for them in a DNSSEC-signed zone (`mxray lab dns` prints them; give each a
fixed key with --cert so the records stay true across restarts):
  dane-good         TLSA 3 1 1 of the served key, secure: a DANE sender delivers
  dane-mismatch     TLSA 3 1 1 of no served key, secure: a DANE sender refuses
  dane-bogus        TLSA 3 1 1 of the served key in a zone that fails validation: refused
MTA-STS receiver (not in --all; base-port + 13): served like good, its domain publishes an MTA-STS
policy in enforce mode and a TLS-RPT record (`mxray lab dns` prints them and the policy to serve):
  mta-sts           an MTA-STS sender delivers only over TLS to a certificate it trusts
For the scanner's findings (not in --all; base-port + 14):
  strict-tls        like good, REQUIRETLS offered inside TLS, MAIL FROM without TLS answered 530
Not served (the TLS stack is rustls, which implements TLS 1.2 and 1.3 only):
  tls10-only, tls11-only  need OpenSSL or GnuTLS (openssl s_server has no SMTP STARTTLS mode)
  sslv3, weak-dh, rc4/export/null suites  need OpenSSL at SECLEVEL=0 (see lab/ossl)
Real senders (the providers experiment, docs/PROVIDERS.md): --listen ADDR=PROFILE puts a profile
on port 25 of its own address (IPv4 or IPv6; ADDR:PORT for another port); --sni-profile
NAME=PROFILE picks good, self-signed, expired, wrong-host, untrusted-ca, handshake-fails, dane-* or
mta-sts by the ClientHello's server name on a shared address; --cert PROFILE=CHAIN.pem,KEY.pem gives
good, wrong-host, dane-* or mta-sts a real chain (the start says which profiles a public sender will
trust); --domain D names profile P mx.P.D and accepts recipients in P.D (see `mxray lab dns`);
--resolver adds the sender's forward-confirmed reverse DNS to each record, --asn-db FILE its AS and
country; --dry-run checks addresses, ports, certificates and the published DNS, then exits.
The lab CA is kept in --state DIR (lab-ca.pem; its key lab-ca-key.pem, mode 0600): trust
lab-ca.pem in a sender to test certificate verification.
Log: one JSON object per session (kind lab-session), flushed per line; each message with its
size (data_size) and SHA-256 (data_sha256). Ctrl-C, SIGTERM or SIGHUP stops the lab and prints
the sender-behaviour table of this run on stderr.
  mxray lab summary FILE   prints the sender-behaviour table of a log (exit 1 if FILE cannot be
                           read or stdout is closed); --by provider groups by the senders'
                           registered domains.
  mxray lab dns --domain D --address PROFILE=ADDR...   prints the records to publish.";

/// `mxray lab`: serve profiles, or `mxray lab summary FILE`.
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true, after_help = LAB_HELP)]
pub struct LabArgs {
    /// `summary FILE`, or nothing to serve.
    #[command(subcommand)]
    pub action: Option<LabAction>,
    /// Serving options.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands of `mxray lab`.
#[derive(Debug, Clone, Subcommand)]
#[non_exhaustive]
pub enum LabAction {
    /// Print the sender-behaviour table of a lab log (JSON Lines).
    Summary {
        /// The log written by `mxray lab --log FILE`.
        file: PathBuf,
        /// `client`: a row per sender (EHLO name and address), a column per profile;
        /// `provider`: a row per provider (registered domain of the forward-confirmed PTR, else
        /// of the EHLO name) and profile, with STARTTLS, TLS version and suite, certificate
        /// accepted or aborted, plaintext fallback, retries and delivery.
        #[arg(long, value_enum, default_value_t = SummaryBy::Client)]
        by: SummaryBy,
        /// With `--by provider`: an AS database (repeatable) for the senders' network column,
        /// for records written without `--asn-db` (a record's own `sender_network` is kept).
        #[arg(long, value_name = "FILE")]
        asn_db: Vec<PathBuf>,
    },
    /// Print the DNS records to publish for a lab on public addresses (a mail domain per
    /// profile, with its MX and A/AAAA; TLSA for the DANE receivers; MTA-STS and TLS-RPT
    /// records and the policy to serve for the MTA-STS receiver) and one recipient address per
    /// profile.
    Dns(LabDnsArgs),
}

/// How `mxray lab summary` groups sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum SummaryBy {
    /// A row per sending client.
    Client,
    /// A row per provider and profile.
    Provider,
}

impl From<SummaryBy> for mxray_lab::summary::SummaryBy {
    fn from(b: SummaryBy) -> Self {
        match b {
            SummaryBy::Client => mxray_lab::summary::SummaryBy::Client,
            SummaryBy::Provider => mxray_lab::summary::SummaryBy::Provider,
        }
    }
}

/// `mxray lab dns`.
#[derive(Debug, Clone, Args)]
pub struct LabDnsArgs {
    /// The parent domain: profile P becomes the mail domain P.DOMAIN with MX mx.P.DOMAIN.
    #[arg(long, value_parser = parse_hostname)]
    pub domain: String,

    /// PROFILE=ADDR (repeatable; IPv4 or IPv6; a profile may have several addresses; profiles
    /// sharing an address are told apart by SNI).
    #[arg(long = "address", value_name = "PROFILE=ADDR", value_parser = parse_profile_addr, required = true)]
    pub addresses: Vec<(LabProfile, IpAddr)>,

    /// The token in the recipient addresses (default: derived from the time).
    #[arg(long)]
    pub token: Option<String>,

    /// PROFILE=CHAIN.pem,KEY.pem of a DANE receiver (repeatable): the chain it will serve (give
    /// `mxray lab` the same --cert), whose key's SHA-256 becomes its TLSA 3 1 1 record.
    #[arg(long = "cert", value_name = "PROFILE=CHAIN,KEY")]
    pub certs: Vec<CertSpec>,
}

/// `--address PROFILE=ADDR` of `mxray lab dns`.
pub fn parse_profile_addr(s: &str) -> Result<(LabProfile, IpAddr), String> {
    let Some((p, a)) = s.split_once('=') else {
        return Err(format!("expected PROFILE=ADDR, got {s:?}"));
    };
    let a = a.trim();
    let bare = a
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(a);
    let ip: IpAddr = bare
        .parse()
        .map_err(|_| format!("invalid address {a:?} in {s:?}"))?;
    Ok((p.parse()?, ip))
}

/// `--listen`: `ADDR` (the address of `--profile`/`--all` ports) or `ADDR=PROFILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenArg {
    /// Where `--profile` and `--all` listen.
    Addr(IpAddr),
    /// A profile on its own address.
    Rule(ListenSpec),
}

impl std::str::FromStr for ListenArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.contains('=') {
            s.parse().map(ListenArg::Rule)
        } else {
            s.trim()
                .parse()
                .map(ListenArg::Addr)
                .map_err(|_| format!("invalid address {s:?} (IP, or ADDR=PROFILE)"))
        }
    }
}

/// Options of `mxray lab` when serving.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// ADDR=PROFILE: serve PROFILE on ADDR (IP, IP:PORT, [IPv6], [IPv6]:PORT; port 25 when
    /// not given; repeatable). A bare IP is the address of the --profile/--all ports
    /// (default 127.0.0.1).
    #[arg(long = "listen", value_name = "ADDR[=PROFILE]")]
    pub listen: Vec<ListenArg>,

    /// NAME=PROFILE: on an address whose profile can be chosen by SNI, a ClientHello naming
    /// NAME gets PROFILE (good, self-signed, expired, wrong-host, untrusted-ca,
    /// handshake-fails, dane-*, mta-sts). The session record says which rule chose the profile.
    #[arg(long = "sni-profile", value_name = "NAME=PROFILE")]
    pub sni_profiles: Vec<SniRule>,

    /// PROFILE=CHAIN.pem,KEY.pem: a real certificate chain for good or wrong-host (the other
    /// profiles are broken by construction and mint their own).
    #[arg(long = "cert", value_name = "PROFILE=CHAIN,KEY")]
    pub certs: Vec<CertSpec>,

    /// Profile P answers as mx.P.DOMAIN and accepts recipients in P.DOMAIN (the zone printed
    /// by `mxray lab dns --domain DOMAIN`).
    #[arg(long, value_parser = parse_hostname)]
    pub domain: Option<String>,

    /// Sessions at the same time from one client IP on one listening address; more get 421.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_sessions_per_ip: u32,

    /// Look up each sender's reverse DNS (forward-confirmed): `system` or IP[:PORT]. Also
    /// used by --dry-run to compare the published MX and A/AAAA with the addresses.
    #[arg(long, value_name = "system|IP[:PORT]")]
    pub resolver: Option<ResolverSpec>,

    /// An AS database (repeatable; MaxMind DB or iptoasn TSV, as `mxray report --asn-db`):
    /// each session record gets the sender's AS and country (`sender_network`).
    #[arg(long, value_name = "FILE")]
    pub asn_db: Vec<PathBuf>,

    /// Most bytes of message bodies --store writes in one run; beyond, 451 4.3.0.
    #[arg(long, default_value_t = 1 << 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub store_max_bytes: u64,

    /// Check addresses (bind and release), ports, certificates (and, with --domain and
    /// --resolver, the published DNS), print what would be served, and exit.
    #[arg(long)]
    pub dry_run: bool,

    /// Profile to serve, NAME or NAME=PORT (repeatable; a profile given several times listens on
    /// each of its ports); without a port: base-port + index.
    #[arg(long = "profile", value_name = "NAME[=PORT]")]
    pub profiles: Vec<ProfileSpec>,

    /// Serve every profile, on base-port + index.
    #[arg(long)]
    pub all: bool,

    /// First port for --all and profiles given without a port.
    #[arg(long, default_value_t = 2600)]
    pub base_port: u16,

    /// Host name in the greeting and in the certificates' SAN.
    #[arg(long, default_value = "mx.lab.test", value_parser = parse_hostname)]
    pub hostname: String,

    /// Directory for the lab CA (lab-ca.pem is printed at start).
    #[arg(long, default_value = "mxray-lab-state", value_name = "DIR")]
    pub state: PathBuf,

    /// Append session records to FILE (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Keep message bodies in this Maildir (default: bodies are not kept). Either way a body
    /// is counted, hashed (SHA-256) and stored as it arrives, never held whole in memory.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// Accept recipients in this domain (repeatable; default lab.test). Others: 550 5.7.1.
    #[arg(long = "accept-domain", value_name = "DOMAIN")]
    pub accept_domains: Vec<String>,

    /// Largest message accepted, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=1_073_741_824))]
    pub max_message_size: u64,

    /// Sessions at the same time; more get 421.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_sessions: u32,

    /// Deadline of one session (1ms to one day).
    #[arg(long, default_value = "300s", value_parser = parse_timeout, value_name = "DURATION")]
    pub session_timeout: Duration,

    /// Timeout of each read (1ms to one day).
    #[arg(long, default_value = "60s", value_parser = parse_timeout, value_name = "DURATION")]
    pub idle_timeout: Duration,

    /// A plaintext session within this time after a TLS failure of the same client (IP and
    /// EHLO name) on the same profile is marked as a fallback.
    #[arg(long, default_value = "600s", value_parser = parse_duration, value_name = "DURATION")]
    pub fallback_window: Duration,

    /// Interval between greeting bytes of the tarpit profile.
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub tarpit_interval: Duration,
}

impl ServeArgs {
    /// The lab's configuration.
    pub fn config(&self) -> LabConfig {
        let listen = self
            .listen
            .iter()
            .filter_map(|l| match l {
                ListenArg::Addr(a) => Some(*a),
                ListenArg::Rule(_) => None,
            })
            .next_back()
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        LabConfig {
            listen,
            listeners: self
                .listen
                .iter()
                .filter_map(|l| match l {
                    ListenArg::Rule(r) => Some(*r),
                    ListenArg::Addr(_) => None,
                })
                .collect(),
            sni_profiles: self.sni_profiles.clone(),
            certs: self.certs.clone(),
            domain: self.domain.clone(),
            max_sessions_per_ip: self.max_sessions_per_ip,
            resolver: self.resolver,
            asn_db: self.asn_db.clone(),
            store_max_bytes: self.store_max_bytes,
            profiles: self.profiles.clone(),
            all: self.all,
            base_port: self.base_port,
            hostname: self.hostname.clone(),
            state: self.state.clone(),
            log: self.log.clone(),
            store: self.store.clone(),
            accept_domains: self.accept_domains.clone(),
            max_message_size: self.max_message_size,
            max_sessions: self.max_sessions,
            session_timeout: self.session_timeout,
            idle_timeout: self.idle_timeout,
            fallback_window: self.fallback_window,
            tarpit_interval: self.tarpit_interval,
        }
    }
}

/// `--hostname`: a DNS name (it goes into the greeting and the certificates' SAN).
pub fn parse_hostname(s: &str) -> Result<String, String> {
    mxray_scan::targets::parse_name(s).map_err(|e| e.to_string())
}

/// Parses `500ms`, `5s`, `2m` or a plain number of seconds (`1.5`); at most one day.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (e.g. 500ms, 5s, 2m)"))?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(format!("invalid duration {s:?}"));
    }
    if v * scale > MAX_DURATION_SECS {
        return Err(format!("duration {s:?} is longer than a day"));
    }
    Duration::try_from_secs_f64(v * scale).map_err(|e| format!("invalid duration {s:?}: {e}"))
}

/// Checks an EHLO argument (RFC 5321 4.1.1.1): a domain name or an address literal. It goes on
/// the wire, so anything else (spaces, CR, LF) is refused.
pub fn parse_ehlo_name(s: &str) -> Result<String, String> {
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let ok = match inner.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => inner.parse::<std::net::Ipv4Addr>().is_ok(),
        };
        return if ok {
            Ok(s.to_owned())
        } else {
            Err(format!("invalid address literal {s:?}"))
        };
    }
    mxray_scan::targets::parse_name(s).map_err(|e| e.to_string())
}

/// Shortest timeout accepted (one millisecond): a zero timeout would fail every endpoint.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// A reverse path for `--plaintext-accept-from`, checked (see
/// [`mxray_scan::plaintext::check_reverse_path`]).
pub fn parse_reverse_path(s: &str) -> Result<String, String> {
    mxray_scan::plaintext::check_reverse_path(s).map(|()| s.to_owned())
}

/// Parses a timeout like [`parse_duration`], from 1 ms to one day (zero is refused).
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < MIN_TIMEOUT {
        return Err(format!("timeout {s:?} is shorter than 1ms"));
    }
    Ok(d)
}

/// Slowest connection rate accepted: one connection per 1000 s.
const MIN_RATE: f64 = 0.001;
/// Fastest connection rate accepted.
const MAX_RATE: f64 = 1_000_000.0;

/// Parses a rate in connections per second, from 0.001 to 1,000,000.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("invalid rate {s:?}"))?;
    if v.is_finite() && (MIN_RATE..=MAX_RATE).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "invalid rate {s:?}: must be from {MIN_RATE} to {MAX_RATE} per second"
        ))
    }
}
