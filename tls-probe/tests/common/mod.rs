//! Helpers of the lab tests: lab directory, our own s_server instances, peer tool output.
#![allow(dead_code, unreachable_pub, missing_docs)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tls_probe::Version;

pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The lab state directory; fails the test when MXRAY_LAB is unset.
pub fn lab() -> PathBuf {
    match std::env::var_os("MXRAY_LAB") {
        Some(d) => PathBuf::from(d),
        None => panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (or export MXRAY_LAB=/tmp/mxray-lab)"),
    }
}

pub fn certs() -> PathBuf {
    lab().join("certs")
}

pub fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

pub fn connect(port: u16) -> std::io::Result<TcpStream> {
    let _ = lab();
    tls_probe::runner::tcp_connect(addr(port), TIMEOUT)
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// An `openssl s_server` we started; killed (by its own pid) on drop.
pub struct SServer {
    child: Child,
    pub port: u16,
}

impl SServer {
    /// Starts `openssl s_server -accept 127.0.0.1:PORT -www -cert rsa2048 ... <extra>` and waits for it.
    pub fn start(extra: &[&str]) -> SServer {
        let c = certs();
        let port = free_port();
        let child = Command::new("openssl")
            .arg("s_server")
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-www")
            .arg("-cert")
            .arg(c.join("rsa2048.crt"))
            .arg("-key")
            .arg(c.join("rsa2048.key"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        let s = SServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr(port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "s_server on {port} did not come up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `openssl ciphers -V -s -<version> -ciphersuites '' <string>`: the suite ids, in OpenSSL's order.
pub fn openssl_ciphers(version_flag: &str, cipher_string: &str) -> Vec<u16> {
    let out = Command::new("openssl")
        .args([
            "ciphers",
            "-V",
            "-s",
            version_flag,
            "-ciphersuites",
            "",
            cipher_string,
        ])
        .output()
        .expect("openssl ciphers runs");
    assert!(
        out.status.success(),
        "openssl ciphers failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_hex_pairs(&String::from_utf8_lossy(&out.stdout))
}

/// Parses `0xC0,0x2F` (openssl) or `0xc0, 0x2f` (gnutls) pairs, one per line.
pub fn parse_hex_pairs(text: &str) -> Vec<u16> {
    text.lines()
        .filter_map(|l| {
            let i = l.find("0x")?;
            let rest = l.get(i..)?;
            let mut parts = rest
                .split(',')
                .take(2)
                .map(|p| p.trim().trim_start_matches("0x"));
            let hi = u8::from_str_radix(parts.next()?.get(..2)?, 16).ok()?;
            let lo = u8::from_str_radix(parts.next()?.get(..2)?, 16).ok()?;
            Some(u16::from_be_bytes([hi, lo]))
        })
        .collect()
}

/// (version, suite id) pairs of an sslscan XML report.
pub fn sslscan_pairs(xml: &str) -> BTreeSet<(Version, u16)> {
    xml.lines()
        .filter(|l| l.trim_start().starts_with("<cipher "))
        .filter_map(|l| {
            let attr = |name: &str| {
                let key = format!("{name}=\"");
                let i = l.find(&key)? + key.len();
                let rest = l.get(i..)?;
                Some(rest.get(..rest.find('"')?)?.to_string())
            };
            let v = match attr("sslversion")?.as_str() {
                "SSLv3" => Version::Ssl3,
                "TLSv1.0" => Version::Tls10,
                "TLSv1.1" => Version::Tls11,
                "TLSv1.2" => Version::Tls12,
                "TLSv1.3" => Version::Tls13,
                _ => return None,
            };
            let id = u16::from_str_radix(attr("id")?.trim_start_matches("0x"), 16).ok()?;
            Some((v, id))
        })
        .collect()
}

/// Connects to an SMTP server and performs the STARTTLS preamble by hand (banner, EHLO,
/// STARTTLS, 220); returns the stream ready for the ClientHello.
pub fn smtp_starttls(port: u16) -> std::io::Result<TcpStream> {
    let s = connect(port)?;
    let mut r = BufReader::new(s.try_clone()?);
    let mut w = s.try_clone()?;
    let read_reply = |r: &mut BufReader<TcpStream>| -> std::io::Result<String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line)? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "SMTP server closed",
                ));
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes().get(3) != Some(&b'-') {
                return Ok(all);
            }
        }
    };
    let banner = read_reply(&mut r)?;
    if !banner.starts_with("220") {
        return Err(std::io::Error::other(format!("banner: {banner}")));
    }
    w.write_all(b"EHLO tls-probe.test\r\n")?;
    let ehlo = read_reply(&mut r)?;
    if !ehlo.starts_with("250") {
        return Err(std::io::Error::other(format!("EHLO: {ehlo}")));
    }
    w.write_all(b"STARTTLS\r\n")?;
    let st = read_reply(&mut r)?;
    if !st.starts_with("220") {
        return Err(std::io::Error::other(format!("STARTTLS: {st}")));
    }
    // Nothing may be buffered past the 220 line: the server waits for our hello.
    if !r.buffer().is_empty() {
        return Err(std::io::Error::other("server sent bytes after 220"));
    }
    Ok(s)
}

/// Reads a fixture from tests/fixtures.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let mut v = Vec::new();
    std::fs::File::open(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .read_to_end(&mut v)
        .unwrap();
    v
}
