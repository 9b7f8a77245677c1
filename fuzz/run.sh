#!/bin/bash
# Run one fuzz target with its options and every seed directory it has.
# usage: fuzz/run.sh TARGET [LIBFUZZER_FLAG...]      e.g. fuzz/run.sh smtp_reply -max_total_time=300
#
# Flags come from options/TARGET.options (one libFuzzer flag a line, `#` comments), then the
# command line (a later flag wins). Inputs: corpus/TARGET (the working corpus, kept between runs,
# not committed), seeds/TARGET (committed), seeds-gen/TARGET (the large limit seeds that
# gen-limit-seeds.py writes; made here when missing).
#
# SANITIZER=address (the default, cargo-fuzz's) or none. Every crate of the workspace forbids
# unsafe code, so what a safe-Rust target can find (panics, overflows: debug assertions stay on,
# timeouts, out-of-memory) does not need AddressSanitizer, which makes targets 5-7x slower; it
# only watches the unsafe code of dependencies. Long campaigns towards 10 M executions use none;
# CI's smoke run keeps address.
set -euo pipefail
cd "$(dirname "$0")"
t=${1:?usage: fuzz/run.sh TARGET [LIBFUZZER_FLAG...]}
shift
[ -f "options/$t.options" ] || { echo "no options/$t.options: every target has one" >&2; exit 2; }
[ -f seeds-gen/.done ] && [ seeds-gen/.done -nt gen-limit-seeds.py ] || python3 gen-limit-seeds.py >/dev/null
mapfile -t opts < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "options/$t.options")
mkdir -p "corpus/$t"
dirs=("corpus/$t")
for d in "seeds/$t" "seeds-gen/$t"; do [ -d "$d" ] && dirs+=("$d"); done
san=${SANITIZER:-address}
case "$san" in address|none) ;; *) echo "SANITIZER must be address or none, not $san" >&2; exit 2 ;; esac
exec cargo +nightly fuzz run --sanitizer "$san" "$t" "${dirs[@]}" -- "${opts[@]}" "$@"
