# Sourced by deploy/tests/*.sh: checks counted as passed or failed, and the final summary line.
# Every check prints "ok" or "FAIL" with its name; a test script ends with `finish`, which prints
# "N passed, N failed" and exits 1 when anything failed (or nothing was checked at all).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/lab/env.sh"
PASSED=0
FAILED=0
TEST_NAME=$(basename "$0" .sh)

ok() { PASSED=$((PASSED + 1)); echo "ok    [${SECONDS}s] $TEST_NAME: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL  [${SECONDS}s] $TEST_NAME: $*"; }
# check NAME COMMAND...: runs COMMAND, counts it.
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
# fatal MESSAGE: a missing peer or a broken setup; counted, and the script stops here.
fatal() { fail "$*"; finish; }
finish() {
  echo "$TEST_NAME: $PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ] && exit 0
  exit 1
}
need_root() { [ "$(id -u)" = 0 ] || fatal "needs root (the peers run as root); run scripts/test.sh as root"; }
need_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null || fatal "$c is missing: run lab/install.sh as root"; done; }
# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; false on timeout.
wait_for() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 0.1; done
}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
