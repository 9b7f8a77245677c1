#!/bin/bash
# The deployment tests: Slurm (a real single-node cluster), Kubernetes manifests (offline schema
# validation), the container image (podman). Run by scripts/test.sh after the cargo tests; each
# needs root and the packages lab/install.sh installs, and fails loudly without them.
# usage: deploy/tests/run.sh [slurm] [k8s] [container]     (default: all three; about 1 minute)
# Prints each test's checks, then "deploy: N passed, N failed"; exit 1 if anything failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] && tests=("$@") || tests=(k8s slurm container)
passed=0; failed=0
for t in "${tests[@]}"; do
  [ -x "$HERE/$t.sh" ] || { echo "deploy/tests/run.sh: no test $t" >&2; failed=$((failed + 1)); continue; }
  echo "=== deploy/tests/$t.sh"
  start=$SECONDS
  out=$("$HERE/$t.sh" 2>&1 | tee -a /dev/stderr | tail -1)
  if [[ "$out" =~ ^$t:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
  else
    echo "deploy/tests/$t.sh ended without its summary line" >&2
    failed=$((failed + 1))
  fi
  echo "=== $t: $((SECONDS - start)) s"
done
echo "deploy: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
