#!/bin/bash
# Run every cargo-fuzz target for SECONDS (default 30) each, with its options file and seeds
# (fuzz/run.sh); fails on the first crash, timeout or out-of-memory.
# usage: scripts/fuzz-smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-30}
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz --locked" >&2; exit 1; }
targets=$(cargo +nightly fuzz list)
[ -n "$targets" ] || { echo "no fuzz targets found" >&2; exit 1; }
for t in $targets; do
  [ -f "options/$t.options" ] || { echo "fuzz target $t has no options/$t.options" >&2; exit 1; }
done
cargo +nightly fuzz build
for t in $targets; do
  echo "== fuzz $t for ${secs}s"
  ./run.sh "$t" -max_total_time="$secs" -rss_limit_mb=2048 2>&1 | tail -3
done
