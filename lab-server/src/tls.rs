//! rustls's sans-IO `ServerConnection` driven over a tokio `TcpStream`: `read_tls`,
//! `process_new_packets`, `write_tls` in a small async loop (no tokio-rustls).

use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::{ServerConfig, ServerConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::record::{alert_name, AlertInfo};

/// Largest read from the socket at once.
const CHUNK: usize = 16 * 1024;

/// How a handshake failed.
#[derive(Debug)]
pub enum HandshakeError {
    /// The client sent this alert (it refused our certificate, version or suites).
    Alert(AlertInfo),
    /// The client closed the connection mid-handshake without an alert.
    Closed,
    /// rustls refused something the client sent.
    Tls(rustls::Error),
    /// Socket error.
    Io(io::Error),
}

/// A TLS connection established after STARTTLS.
pub struct TlsConn {
    tcp: TcpStream,
    conn: ServerConnection,
}

/// Runs the server handshake; `first` holds the bytes already read (the ClientHello).
pub async fn handshake(
    mut tcp: TcpStream,
    config: Arc<ServerConfig>,
    first: &[u8],
) -> Result<TlsConn, (HandshakeError, TcpStream)> {
    let conn = match ServerConnection::new(config) {
        Ok(c) => c,
        Err(e) => return Err((HandshakeError::Tls(e), tcp)),
    };
    let mut t = TlsConn { tcp, conn };
    if let Err(e) = t.ingest(first).await {
        return Err((e, t.tcp));
    }
    let mut buf = vec![0u8; CHUNK];
    while t.conn.is_handshaking() {
        let n = match t.tcp.read(&mut buf).await {
            Ok(0) => return Err((HandshakeError::Closed, t.tcp)),
            Ok(n) => n,
            Err(e) => return Err((HandshakeError::Io(e), t.tcp)),
        };
        let data = buf.get(..n).unwrap_or_default();
        if let Err(e) = t.ingest(data).await {
            return Err((e, t.tcp));
        }
    }
    tcp = t.tcp;
    Ok(TlsConn { tcp, conn: t.conn })
}

impl TlsConn {
    /// Feeds socket bytes to rustls and writes what it wants to send.
    async fn ingest(&mut self, mut data: &[u8]) -> Result<(), HandshakeError> {
        while !data.is_empty() {
            if let Err(e) = self.conn.read_tls(&mut data) {
                return Err(HandshakeError::Io(e));
            }
            if let Err(e) = self.conn.process_new_packets() {
                // Send our alert, if rustls queued one, before giving up.
                let _ = self.flush().await;
                return Err(match e {
                    rustls::Error::AlertReceived(d) => {
                        let code = u8::from(d);
                        HandshakeError::Alert(AlertInfo {
                            code,
                            name: alert_name(code).to_owned(),
                        })
                    }
                    other => HandshakeError::Tls(other),
                });
            }
        }
        self.flush().await.map_err(HandshakeError::Io)
    }

    async fn flush(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            let mut out = Vec::new();
            self.conn.write_tls(&mut out)?;
            self.tcp.write_all(&out).await?;
        }
        self.tcp.flush().await
    }

    /// The server name the client sent (SNI), if any.
    pub fn sni(&self) -> Option<&str> {
        self.conn.server_name()
    }

    /// Negotiated version and suite.
    pub fn negotiated(&self) -> (Option<String>, Option<String>) {
        (
            self.conn.protocol_version().map(|v| format!("{v:?}")),
            self.conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite())),
        )
    }

    /// Reads plaintext; `Ok(0)` at the end of the stream (close_notify or TCP close).
    pub async fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match self.conn.reader().read(out) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) => return Err(e),
            }
            let n = self.tcp.read(&mut buf).await?;
            if n == 0 {
                return Ok(0);
            }
            let data = buf.get(..n).unwrap_or_default();
            self.ingest(data).await.map_err(|e| match e {
                HandshakeError::Io(e) => e,
                HandshakeError::Alert(a) => io::Error::other(format!("alert {}", a.name)),
                HandshakeError::Closed => io::ErrorKind::UnexpectedEof.into(),
                HandshakeError::Tls(e) => io::Error::other(e),
            })?;
        }
    }

    /// Waits until the socket has bytes to read (cancel-safe).
    pub async fn readable(&self) -> io::Result<()> {
        self.tcp.readable().await
    }

    /// Writes plaintext and flushes it to the socket.
    pub async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        // rustls buffers at most 64 KiB of plaintext: hand it over a chunk at a time.
        for chunk in data.chunks(CHUNK) {
            self.conn.writer().write_all(chunk)?;
            self.flush().await?;
        }
        Ok(())
    }

    /// Sends close_notify.
    pub async fn close(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush().await;
        let _ = self.tcp.shutdown().await;
    }
}
