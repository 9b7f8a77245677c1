//! Criterion benchmarks of mxray's hot paths live in `benches/benches/`; this library only holds
//! shared corpora for them. Run them with `cargo bench -p mxray-benches`.
#![forbid(unsafe_code)]
