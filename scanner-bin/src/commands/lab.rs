//! `mxray lab`: serve the lab's profiles until Ctrl-C, or `mxray lab summary FILE`.

use std::path::PathBuf;

use mxray_lab::{start, summary, LabError};

use crate::cli::{LabAction, LabArgs, ServeArgs};

/// Runs `mxray lab ...`; returns the exit code.
pub async fn run(args: LabArgs) -> crate::exit::Exit {
    let result = match args.action {
        Some(LabAction::Summary { file }) => summary_cmd(&file),
        None => serve(args.serve).await,
    };
    match result {
        Ok(()) => crate::exit::Exit::Ok,
        Err(e) => {
            eprintln!("mxray lab: {e}");
            crate::exit::Exit::Fatal
        }
    }
}

fn summary_cmd(file: &std::path::Path) -> Result<(), LabError> {
    mxray_scan::output::check_stdout().map_err(|e| LabError::Io(PathBuf::from("stdout"), e))?;
    let (records, skipped) = summary::read_log(file)?;
    print!("{}", summary::table(&records).render());
    let fp = summary::render_fingerprints(&records);
    if !fp.is_empty() {
        print!("\nClientHellos seen:\n{fp}");
    }
    if skipped > 0 {
        eprintln!("mxray lab summary: {skipped} line(s) skipped (not lab-session records)");
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), LabError> {
    let a = args.config();
    let log = mxray_scan::output::open_output(a.log.as_deref(), true)
        .map_err(|e| LabError::Io(a.log.clone().unwrap_or_else(|| PathBuf::from("-")), e))?;
    let lab = start(&a, log).await?;
    eprintln!(
        "mxray lab: lab CA certificate {} (trust it to test verifying senders)",
        lab.ca_pem.display()
    );
    for (profile, addr) in &lab.addrs {
        eprintln!("mxray lab: {:<16} {addr}", profile.name());
    }
    eprintln!("mxray lab: ready");
    crate::signals::wait_for_stop().await;
    let records = lab.records();
    lab.stop();
    eprint!("{}", summary::table(&records).render());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use mxray_lab::LabConfig;

    #[test]
    fn default_matches_the_command_line_defaults() {
        let cli = Cli::try_parse_from(["mxray", "lab", "--all"]).unwrap();
        let Command::Lab(a) = cli.command else {
            panic!("not lab")
        };
        let parsed = format!(
            "{:?}",
            LabConfig {
                all: false,
                ..a.serve.config()
            }
        );
        assert_eq!(parsed, format!("{:?}", LabConfig::default()));
        let s = Cli::try_parse_from(["mxray", "lab", "summary", "x.jsonl"]).unwrap();
        let Command::Lab(a) = s.command else {
            panic!("not lab")
        };
        assert!(matches!(a.action, Some(LabAction::Summary { .. })));
    }

    #[test]
    fn hostname_must_be_a_dns_name() {
        assert_eq!(
            crate::cli::parse_hostname("MX.Lab.Test").unwrap(),
            "mx.lab.test"
        );
        for bad in ["[127.0.0.1]", "a b", "x\r\n", ""] {
            assert!(crate::cli::parse_hostname(bad).is_err(), "{bad:?}");
        }
    }
}
