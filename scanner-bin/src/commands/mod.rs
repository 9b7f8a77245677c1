//! One module per subcommand: what it reads, what it runs, what it prints, its exit code.

pub mod lab;
pub mod report;
