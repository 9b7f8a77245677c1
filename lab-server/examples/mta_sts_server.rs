//! The lab's MTA-STS policy server as a process (`lab/mta-sts/start-mta-sts.sh` runs it):
//!
//! ```text
//! mta_sts_server LISTEN STATE-DIR [ZONE]
//! mta_sts_server 127.0.0.1:4460 /tmp/mxray-lab/mta-sts sts.test
//! ```
//!
//! Prints `listening on ADDR, CA PATH` and serves until killed.
use std::net::SocketAddr;
use std::path::PathBuf;

use mxray_lab::mtasts::{start_policy_server, PolicyServerConfig};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(listen), Some(state)) = (args.first(), args.get(1)) else {
        eprintln!("usage: mta_sts_server LISTEN STATE-DIR [ZONE]");
        std::process::exit(2);
    };
    let Ok(listen) = listen.parse::<SocketAddr>() else {
        eprintln!("mta_sts_server: {listen}: not IP:PORT");
        std::process::exit(2);
    };
    let cfg = PolicyServerConfig {
        listen,
        zone: args
            .get(2)
            .cloned()
            .unwrap_or_else(|| "sts.test".to_owned()),
        state: PathBuf::from(state),
    };
    match start_policy_server(&cfg).await {
        Ok(running) => {
            println!(
                "listening on {}, CA {}",
                running.addr,
                running.ca_pem.display()
            );
            std::future::pending::<()>().await;
        }
        Err(e) => {
            eprintln!("mta_sts_server: {e}");
            std::process::exit(1);
        }
    }
}
