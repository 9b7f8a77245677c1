//! Progress on stderr: endpoints done (of the total when known), rate, errors.
//!
//! Hidden when stderr is not a terminal or with `--quiet`; the final one-line summary is
//! printed by the scheduler either way (unless `--quiet`).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress display; a no-op when hidden.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A progress display for `total` endpoints (when known); hidden when `quiet` or stderr is
    /// not a terminal.
    pub fn new(total: Option<u64>, quiet: bool) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), draw_target(visible)),
            None => ProgressBar::with_draw_target(None, draw_target(visible)),
        };
        let template = if total.is_some() {
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} endpoints, {per_sec}, {msg}"
        } else {
            "{spinner} [{elapsed_precise}] {pos} endpoints, {per_sec}, {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message("0 errors");
        Self { bar }
    }

    /// Counts one finished endpoint; `errors` is the running error count.
    pub fn inc(&self, errors: u64) {
        self.bar.inc(1);
        self.bar.set_message(format!("{errors} errors"));
    }

    /// Counts one endpoint skipped without a record (excluded, already done).
    pub fn inc_skipped(&self) {
        self.bar.inc(1);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn draw_target(visible: bool) -> ProgressDrawTarget {
    if visible {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}
