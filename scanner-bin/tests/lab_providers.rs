//! The providers experiment on loopback (issue 22): `mxray lab dns` prints the zone, Knot serves
//! it (lab/providers/dns.sh: 127.0.0.1:5330 and 127.0.22.53:53, with the senders' forward and
//! reverse zones), `mxray lab` listens on port 25 of one loopback address per profile (and
//! `[::1]:25`), with one profile chosen by SNI on a shared address, and two sending Postfix
//! instances (lab/providers/mx-sender.sh) deliver through MX lookups, as a provider's relays
//! would: "provider A" at `may` with SNI from 127.0.22.21, "provider B" at `verify` trusting the
//! lab CA, without SNI, from 127.0.22.22; "provider D" is Exim (GnuTLS, opportunistic TLS,
//! lab/providers/exim-sender.sh) from 127.0.22.24. swaks plays a sender with a PTR that is not
//! forward-confirmed. The records, the per-provider summary and Postfix's queues are asserted.
//! Needs MXRAY_LAB (scripts/test.sh: the unpacked Exim lives there), root, knotd, kdig, postfix,
//! swaks, unshare.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod lab_server_util;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use lab_server_util::{require_lab, require_tool};
use mxray_lab::record::SessionRecord;
use mxray_lab::summary::{by_provider, read_log};
use mxray_lab::LabProfile::{self, *};

const DOMAIN: &str = "providers.test";
const TOKEN: &str = "t22";
const WAIT: Duration = Duration::from_secs(90);

/// Profile, address: one address per profile, `self-signed` shares `good`'s (SNI only), and
/// `wrong-host` is on IPv6.
const ADDRESSES: &[(LabProfile, &str)] = &[
    (Good, "127.0.22.2"),
    (SelfSigned, "127.0.22.2"),
    (NoStarttls, "127.0.22.3"),
    (Expired, "127.0.22.4"),
    (StarttlsRefused, "127.0.22.5"),
    (WrongHost, "::1"),
];

fn state_dir() -> PathBuf {
    PathBuf::from(format!("/tmp/providers-lab/test-{}", std::process::id()))
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../lab/providers")
        .join(name)
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn mxray() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mxray"))
}

/// The Knot instance, stopped on drop.
struct Dns;

impl Dns {
    fn start(zones: &Path) -> Dns {
        run(Command::new(script("dns.sh"))
            .arg("start")
            .arg(zones)
            .env("PROVIDERS_LAB", state_dir()));
        Dns
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = Command::new(script("dns.sh"))
            .arg("stop")
            .env("PROVIDERS_LAB", state_dir())
            .status();
    }
}

/// A sending Postfix that routes by MX, stopped on drop.
struct Sender {
    name: String,
}

impl Sender {
    fn start(name: &str, host: &str, bind: &str, level: &str, ca: &str, sni: bool) -> Sender {
        run(Command::new(script("mx-sender.sh"))
            .args(["start", name, host, bind, level, ca])
            .arg(if sni { "yes" } else { "no" })
            .env("PROVIDERS_LAB", state_dir()));
        Sender {
            name: name.to_owned(),
        }
    }

    fn send(&self, to: &str) {
        run(Command::new(script("mx-sender.sh"))
            .args(["send", &self.name, "probe@sender.test", to])
            .env("PROVIDERS_LAB", state_dir()));
    }

    fn queue(&self) -> String {
        let out = Command::new(script("mx-sender.sh"))
            .args(["queue", &self.name])
            .env("PROVIDERS_LAB", state_dir())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let _ = Command::new(script("mx-sender.sh"))
            .args(["stop", &self.name])
            .env("PROVIDERS_LAB", state_dir())
            .status();
    }
}

/// The lab process, killed on drop.
struct LabProc(Child);

impl Drop for LabProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_lab(args: &[String], state: &Path, log: &Path) -> LabProc {
    let mut cmd = mxray();
    cmd.arg("lab")
        .args(args)
        .arg("--state")
        .arg(state)
        .arg("--log")
        .arg(log)
        .args(["--idle-timeout", "20s"]);
    let (child, ready) = lab_server_util::spawn_until_ready(cmd, Duration::from_secs(60));
    let lab = LabProc(child);
    assert!(ready, "mxray lab did not say ready");
    lab
}

fn soa(zone: &str) -> String {
    format!(
        "$TTL 60\n{zone}. SOA ns.{DOMAIN}. hostmaster.{DOMAIN}. 1 3600 600 86400 60\n\
         {zone}. NS ns.{DOMAIN}.\n"
    )
}

/// Writes the zones: the lab's (from `mxray lab dns`), the two providers' relays, and the
/// reverse zone of 127.0.22.0/24. Returns the `mxray lab` options it suggests.
fn write_zones(dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let mut cmd = mxray();
    cmd.args(["lab", "dns", "--domain", DOMAIN, "--token", TOKEN]);
    for (p, a) in ADDRESSES {
        cmd.arg("--address").arg(format!("{p}={a}"));
    }
    let printed = String::from_utf8(run(&mut cmd).stdout).unwrap();
    assert!(
        printed.contains("good.providers.test. 3600 IN MX 10 mx.good.providers.test.\n"),
        "{printed}"
    );
    assert!(printed.contains("mx.wrong-host.providers.test. 3600 IN AAAA ::1\n"));
    assert!(printed.contains("probe-expired-t22@expired.providers.test"));
    let serve = printed
        .lines()
        .find_map(|l| l.strip_prefix(";   mxray lab "))
        .expect("a serve line");
    let args: Vec<String> = serve
        .split_whitespace()
        .take_while(|a| *a != "--log")
        .map(str::to_owned)
        .collect();
    assert!(
        args.join(" ")
            .contains("--sni-profile mx.self-signed.providers.test=self-signed"),
        "{args:?}"
    );
    let lab = format!("{}ns.{DOMAIN}. A 127.0.22.53\n{printed}", soa(DOMAIN));
    std::fs::write(dir.join(format!("{DOMAIN}.zone")), lab).unwrap();
    for (zone, ip) in [
        ("provider-a.test", "21"),
        ("provider-b.test", "22"),
        ("provider-d.test", "24"),
    ] {
        std::fs::write(
            dir.join(format!("{zone}.zone")),
            format!("{}mta.{zone}. A 127.0.22.{ip}\n", soa(zone)),
        )
        .unwrap();
    }
    let rev = "22.0.127.in-addr.arpa";
    std::fs::write(
        dir.join(format!("{rev}.zone")),
        format!(
            "{}21.{rev}. PTR mta.provider-a.test.\n22.{rev}. PTR mta.provider-b.test.\n\
             23.{rev}. PTR mail.bigmail.test.\n24.{rev}. PTR mta.provider-d.test.\n",
            soa(rev)
        ),
    )
    .unwrap();
    args
}

fn records(log: &Path) -> Vec<SessionRecord> {
    if !log.exists() {
        return Vec::new();
    }
    read_log(log).unwrap().0
}

fn from(r: &SessionRecord, ip: &str) -> bool {
    r.client.starts_with(&format!("{ip}:")) || r.client.starts_with(&format!("[{ip}]:"))
}

/// Waits until `pred` holds for the log's records.
fn wait_for(log: &Path, what: &str, pred: impl Fn(&[SessionRecord]) -> bool) -> Vec<SessionRecord> {
    let end = Instant::now() + WAIT;
    loop {
        let r = records(log);
        if pred(&r) {
            return r;
        }
        assert!(
            Instant::now() < end,
            "{what} not logged within {WAIT:?}: {r:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn providers_deliver_by_mx_to_one_address_per_profile() {
    require_lab();
    for tool in ["knotd", "kdig", "postfix", "swaks", "unshare", "mount"] {
        require_tool(tool);
    }
    let dir = state_dir();
    let _ = std::fs::remove_dir_all(&dir);
    let zones = dir.join("zones");
    let args = write_zones(&zones);
    let dns = Dns::start(&zones);
    let state = dir.join("state");
    let log = dir.join("log.jsonl");

    // --dry-run compares the published records with the addresses.
    let out = mxray()
        .arg("lab")
        .args(&args)
        .arg("--state")
        .arg(&state)
        .args(["--resolver", "127.0.0.1:5330", "--dry-run"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("DNS ok: ").count(), 6, "{err}");
    assert!(err.contains("dry run ok"), "{err}");
    assert!(
        err.contains("self-signed (mx.self-signed.providers.test): minted by the lab, NOT trusted"),
        "{err}"
    );
    // The same with no-starttls on an address the zone does not publish: refused.
    let moved: Vec<String> = args
        .iter()
        .map(|a| a.replace("127.0.22.3=no-starttls", "127.0.22.7=no-starttls"))
        .collect();
    let out = mxray()
        .arg("lab")
        .args(&moved)
        .arg("--state")
        .arg(&state)
        .args(["--resolver", "127.0.0.1:5330", "--dry-run"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("DNS MISMATCH: no-starttls.providers.test MX mx.no-starttls.providers.test -> 127.0.22.3"),
        "{err}"
    );

    let mut with_dns = args.clone();
    with_dns.extend(["--resolver".to_owned(), "127.0.0.1:5330".to_owned()]);
    let lab = start_lab(&with_dns, &state, &log);
    let ca = state.join("lab-ca.pem");
    let a = Sender::start(
        &format!("pa{}", std::process::id()),
        "mta.provider-a.test",
        "127.0.22.21",
        "may",
        "-",
        true,
    );
    let b = Sender::start(
        &format!("pb{}", std::process::id()),
        "mta.provider-b.test",
        "127.0.22.22",
        "verify",
        ca.to_str().unwrap(),
        false,
    );
    let profiles: Vec<LabProfile> = {
        let mut v: Vec<LabProfile> = ADDRESSES.iter().map(|(p, _)| *p).collect();
        v.dedup();
        v
    };
    for p in &profiles {
        let to = format!("probe-{p}-{TOKEN}@{p}.{DOMAIN}");
        a.send(&to);
        b.send(&to);
    }

    // Provider D: Exim, which delivers at once (exim -odi) or keeps the message in its spool.
    for p in [Good, NoStarttls, Expired] {
        run(Command::new(script("exim-sender.sh"))
            .args(["send", &format!("pd{}", std::process::id())])
            .args([
                "mta.provider-d.test",
                "127.0.22.24",
                "probe@provider-d.test",
            ])
            .arg(format!("probe-{p}-{TOKEN}@{p}.{DOMAIN}"))
            .env("PROVIDERS_LAB", state_dir())
            .env("LAB", std::env::var_os("MXRAY_LAB").unwrap()));
    }

    // Never an open relay: a foreign recipient gets a 5xx, on every address.
    for server in ["127.0.22.2", "127.0.22.3"] {
        let out = Command::new("swaks")
            .args([
                "--server",
                server,
                "--port",
                "25",
                "--local-interface",
                "127.0.22.23",
            ])
            .args([
                "--ehlo",
                "relay-test.provider-c.test",
                "--from",
                "x@provider-c.test",
            ])
            .args(["--to", "victim@example.org", "--quit-after", "RCPT"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("<** 550 5.7.1 Relaying denied"), "{text}");
    }
    // A sender whose PTR (mail.bigmail.test) does not resolve back: counted by its EHLO name.
    let out = Command::new("swaks")
        .args([
            "--server",
            "127.0.22.2",
            "--port",
            "25",
            "--local-interface",
            "127.0.22.23",
        ])
        .args([
            "--ehlo",
            "swaks.provider-c.test",
            "--from",
            "x@provider-c.test",
            "--tls",
        ])
        .arg("--to")
        .arg(format!("probe-good-{TOKEN}@good.{DOMAIN}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    // Provider A (may, SNI) delivers everywhere; wait for all of it.
    let recs = wait_for(&log, "provider A's and D's deliveries", |r| {
        let exim_done = [Good, NoStarttls, Expired].iter().all(|p| {
            r.iter()
                .any(|s| from(s, "127.0.22.24") && s.profile == Some(*p) && s.delivered)
        });
        exim_done
            && profiles.iter().all(|p| {
                r.iter()
                    .any(|s| from(s, "127.0.22.21") && s.profile == Some(*p) && s.delivered)
                    || (*p == WrongHost
                        && r.iter().any(|s| {
                            s.profile == Some(WrongHost)
                                && s.ehlo.as_deref() == Some("mta.provider-a.test")
                                && s.delivered
                        }))
            })
    });
    // The shared address: provider A named mx.self-signed... in its ClientHello and got the
    // self-signed profile; the record says an SNI rule chose it.
    let sni: Vec<&SessionRecord> = recs
        .iter()
        .filter(|s| s.profile == Some(SelfSigned))
        .collect();
    assert!(!sni.is_empty());
    for s in &sni {
        assert_eq!(s.profile_rule.as_deref(), Some("sni"), "{s:?}");
        assert_eq!(
            s.client_hello.as_ref().and_then(|h| h.sni.as_deref()),
            Some("mx.self-signed.providers.test")
        );
        assert!(s.server.starts_with("127.0.22.2:25"), "{s:?}");
        assert!(from(s, "127.0.22.21"), "only provider A sends SNI: {s:?}");
    }
    for s in recs.iter().filter(|s| s.profile != Some(SelfSigned)) {
        assert_eq!(s.profile_rule.as_deref(), Some("listen"), "{s:?}");
    }
    // IPv6: wrong-host on [::1]:25.
    assert!(recs
        .iter()
        .any(|s| s.profile == Some(WrongHost) && s.server == "[::1]:25" && s.delivered_tls));
    // Reverse DNS, forward-confirmed, of provider A's relay.
    let ida = recs
        .iter()
        .find(|s| from(s, "127.0.22.21"))
        .and_then(|s| s.sender.clone())
        .unwrap();
    assert_eq!(ida.ptr.as_deref(), Some("mta.provider-a.test"));
    assert!(ida.forward_confirmed);
    let idc = recs
        .iter()
        .find(|s| s.ehlo.as_deref() == Some("swaks.provider-c.test"))
        .and_then(|s| s.sender.clone())
        .unwrap();
    assert_eq!(idc.ptr.as_deref(), Some("mail.bigmail.test"));
    assert!(!idc.forward_confirmed);

    // Provider B (verify, lab CA, no SNI): delivers to good; its mail for self-signed.* went
    // to the shared address without SNI, got the good profile's certificate (for
    // mx.good.providers.test, not mx.self-signed...), and stays in its queue.
    let recs = wait_for(&log, "provider B's attempts", |r| {
        let tried = |p: LabProfile| {
            r.iter()
                .any(|s| s.ehlo.as_deref() == Some("mta.provider-b.test") && s.profile == Some(p))
        };
        [Good, NoStarttls, Expired, StarttlsRefused, WrongHost]
            .into_iter()
            .all(tried)
    });
    let q = b.queue();
    for p in [SelfSigned, NoStarttls, Expired, StarttlsRefused, WrongHost] {
        assert!(
            q.contains(&format!("probe-{p}-{TOKEN}@{p}.{DOMAIN}")),
            "provider B should hold its mail for {p}: {q}"
        );
    }
    assert!(!q.contains(&format!("probe-good-{TOKEN}@")), "{q}");
    assert!(
        !recs
            .iter()
            .any(|s| s.ehlo.as_deref() == Some("mta.provider-b.test")
                && s.profile == Some(SelfSigned))
    );

    // The summary by provider tells the senders apart by their relays' registered domains.
    let rows = by_provider(&recs);
    let row = |prov: &str, p: LabProfile| {
        rows.iter()
            .find(|r| r.provider == prov && r.profile == p)
            .unwrap_or_else(|| panic!("no row {prov} {p}: {rows:#?}"))
    };
    assert_eq!(row("provider-a.test", Good).delivered, "tls");
    assert_eq!(row("provider-a.test", SelfSigned).certificate, "accepted");
    assert_eq!(row("provider-a.test", NoStarttls).delivered, "plain");
    assert_eq!(row("provider-a.test", NoStarttls).starttls, "0/1");
    assert_eq!(row("provider-a.test", StarttlsRefused).delivered, "plain");
    assert_eq!(row("provider-b.test", Good).delivered, "tls");
    assert_eq!(
        row("provider-b.test", Expired).certificate,
        "handshake only"
    );
    assert_eq!(row("provider-b.test", Expired).delivered, "no");
    assert_eq!(row("provider-b.test", NoStarttls).delivered, "no");
    assert_eq!(row("provider-c.test", Good).delivered, "tls");
    // Exim (GnuTLS) at its defaults: TLS when offered, no verification, plaintext otherwise.
    assert_eq!(row("provider-d.test", Good).delivered, "tls");
    assert_eq!(row("provider-d.test", Expired).certificate, "accepted");
    assert_eq!(row("provider-d.test", NoStarttls).delivered, "plain");
    let exim = recs
        .iter()
        .find(|s| from(s, "127.0.22.24") && s.profile == Some(Good))
        .unwrap();
    assert_eq!(exim.ehlo.as_deref(), Some("mta.provider-d.test"));
    assert!(exim.sender.as_ref().unwrap().forward_confirmed);
    let out = run(mxray()
        .args(["lab", "summary", "--by", "provider"])
        .arg(&log));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("provider "), "{text}");
    for p in [
        "provider-a.test",
        "provider-b.test",
        "provider-c.test",
        "provider-d.test",
    ] {
        assert!(text.contains(p), "{text}");
    }
    drop(a);
    drop(b);
    drop(lab);
    drop(dns);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--cert`: the lab serves the given chain (the lab's own RSA certificate, made by
/// lab/certs/mkcerts.sh, CN=localhost) and says, before listening, that a public sender will
/// not trust it; a key that does not fit the chain is refused before any port is bound.
#[test]
fn cert_serves_the_given_chain_and_says_how_it_looks() {
    require_lab();
    require_tool("openssl");
    let certs = PathBuf::from(std::env::var_os("MXRAY_LAB").unwrap()).join("certs");
    let dir = std::env::temp_dir().join(format!("mxray-lab-cert-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = std::net::TcpListener::bind("127.0.22.9:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cert = |key: &str| {
        format!(
            "good={},{}",
            certs.join("rsa2048.crt").display(),
            certs.join(key).display()
        )
    };
    let base = |c: &str| -> Vec<String> {
        vec![
            "--listen".into(),
            format!("127.0.22.9:{port}=good"),
            "--hostname".into(),
            "localhost".into(),
            "--cert".into(),
            c.into(),
        ]
    };
    let out = mxray()
        .arg("lab")
        .args(base(&cert("ecp256.key")))
        .arg("--state")
        .arg(dir.join("state"))
        .arg("--dry-run")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a key of another certificate: {err}");
    assert!(err.contains("TLS configuration"), "{err}");

    let out = mxray()
        .arg("lab")
        .args(base(&cert("rsa2048.key")))
        .arg("--state")
        .arg(dir.join("state"))
        .arg("--dry-run")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(
            "certificate good (localhost): --cert chain, NOT trusted by public senders \
             (SelfSigned), name matches localhost"
        ),
        "{err}"
    );

    let log = dir.join("log.jsonl");
    let lab = start_lab(&base(&cert("rsa2048.key")), &dir.join("state"), &log);
    let mut s_client = Command::new("openssl")
        .args(["s_client", "-starttls", "smtp", "-connect"])
        .arg(format!("127.0.22.9:{port}"))
        .args(["-showcerts"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = s_client.stdin.take().unwrap();
        let _ = stdin.write_all(b"QUIT\r\n");
    }
    let out = s_client.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let served = text
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|c| c.split("-----END CERTIFICATE-----").next())
        .map(|c| c.split_whitespace().collect::<String>())
        .expect("a certificate in s_client's output");
    let pem = std::fs::read_to_string(certs.join("rsa2048.crt")).unwrap();
    let given = pem
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|c| c.split("-----END CERTIFICATE-----").next())
        .map(|c| c.split_whitespace().collect::<String>())
        .unwrap();
    assert_eq!(served, given, "the lab serves the --cert chain");
    drop(lab);
    let _ = std::fs::remove_dir_all(&dir);
}
