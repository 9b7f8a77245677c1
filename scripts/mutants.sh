#!/bin/bash
# Mutation testing with cargo-mutants: does a test fail when the code is changed?
# usage: scripts/mutants.sh CRATE [FILE...] [-- extra cargo-mutants args]
#   scripts/mutants.sh cert-audit cert-audit/src/findings.rs cert-audit/src/lints.rs
#   scripts/mutants.sh smtp-codec smtp-codec/src/reply.rs -- --all-features   (bytes and serde)
#   scripts/mutants.sh smtp-codec -- --all-features --iterate   (only what was not caught last time)
# Starts the lab (lab/up.sh) so the crates' lab tests run as in scripts/test.sh, with a per-test
# timeout so a mutant that makes a test wait forever counts as "timeout", not as a hang.
# Output: mutants.out/ (outcomes.json, caught.txt, missed.txt, timeout.txt, unviable.txt).
# Not part of .ci/run (too slow); see docs/TESTING.md for when to run it and the latest figures.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 CRATE [FILE...] [-- cargo-mutants args]" >&2; exit 2; }
crate=$1; shift
files=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do files+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
command -v cargo-mutants >/dev/null || { echo "cargo-mutants missing: cargo install cargo-mutants --locked" >&2; exit 1; }
lab/install.sh >/dev/null
lab/up.sh >/dev/null
trap 'lab/down.sh >/dev/null 2>&1 || true' EXIT
. lab/env.sh
export MXRAY_LAB="$LAB"
# --gitignore: do not copy fuzz/target and target/ (gigabytes) into every scratch tree.
args=(--package "$crate" --timeout "${MUTANTS_TIMEOUT:-120}" --jobs 1 --gitignore true)
for f in "${files[@]}"; do args+=(--file "$f"); done
cargo mutants "${args[@]}" "$@"
