//! The process's exit codes, one enum for every command (see [`crate::cli::EXIT_CODES`]).

/// How `mxray` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    /// The command ran to its end (endpoints that failed are records, not errors).
    Ok,
    /// A fatal usage or I/O error.
    Fatal,
    /// An invalid command line (clap exits with it itself).
    Usage,
    /// Stopped by Ctrl-C, SIGTERM or SIGHUP (finished records are kept).
    Interrupted,
    /// `mxray audit` found something at high severity or above.
    Findings,
}

impl Exit {
    /// The process exit code.
    ///
    /// ```
    /// assert_eq!(mxray::exit::Exit::Interrupted.code(), 130);
    /// ```
    pub fn code(self) -> i32 {
        match self {
            Exit::Ok => 0,
            Exit::Fatal => 1,
            Exit::Usage => 2,
            Exit::Interrupted => 130,
            Exit::Findings => 3,
        }
    }
}
