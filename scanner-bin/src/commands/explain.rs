//! `mxray explain`: one entry of the findings catalogue (`mxray_schema::catalogue`), or all.

use std::io::Write as _;

use mxray_schema::catalogue::{explain, ExplainFormat as Format};

use crate::cli::{ExplainArgs, ExplainFormat};
use crate::exit::Exit;

/// Prints the entry (or every entry); an unknown id is an error naming the close ids.
pub fn run(args: &ExplainArgs) -> Exit {
    let format = match args.format {
        ExplainFormat::Text => Format::Text,
        ExplainFormat::Json => Format::Json,
        ExplainFormat::Markdown => Format::Markdown,
    };
    let id = if args.all { None } else { args.id.as_deref() };
    match explain(id, format) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return Exit::Fatal;
            }
            Exit::Ok
        }
        Err(e) => {
            eprintln!("mxray explain: {e}");
            Exit::Fatal
        }
    }
}
