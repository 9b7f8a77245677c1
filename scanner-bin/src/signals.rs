//! Ctrl-C, SIGTERM and SIGHUP (a closed terminal), for every command that runs until stopped.

use std::io;

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// Installs the handlers; the receiver gets one `()` per signal (what
/// [`mxray_scan::scheduler::run`] takes as stop requests). Must be called inside the runtime.
pub fn stop_requests() -> io::Result<mpsc::Receiver<()>> {
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            if tx.send(()).await.is_err() {
                return;
            }
        }
    });
    Ok(rx)
}

/// Returns at the first stop request (or at once if the handlers cannot be installed, after
/// saying so).
pub async fn wait_for_stop() {
    match stop_requests() {
        Ok(mut rx) => {
            let _ = rx.recv().await;
        }
        Err(e) => {
            eprintln!("mxray: cannot install signal handlers: {e}");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
