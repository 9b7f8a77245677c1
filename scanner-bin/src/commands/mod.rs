//! One module per subcommand: what it reads, what it runs, what it prints, how it exits.

pub mod audit;
pub mod demo;
pub mod explain;
pub mod lab;
pub mod probe;
pub mod report;
pub mod scan;
pub mod targets;
