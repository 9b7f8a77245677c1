#!/bin/bash
# Run every test of the workspace against real peers on loopback, then the deployment tests.
# Installs the peers when run as root on Debian (lab/install.sh), starts them (lab/up.sh), runs the
# unit, property, integration and doc tests, and stops the peers again. Fails loudly when a peer is
# missing: tests that need the lab refuse to run without MXRAY_LAB, which only this script sets.
set -euo pipefail
cd "$(dirname "$0")/.."
lab/install.sh
lab/up.sh
stop_lab() { lab/down.sh >/dev/null 2>&1 || true; }
trap stop_lab EXIT
. lab/env.sh
export MXRAY_LAB="$LAB"
rc=0
# The tests make their scratch directories in one directory of this run, which must be empty when
# they are done: a suite that leaves files behind fills /tmp on a machine that runs it every day.
# (A failed test keeps its directory on purpose and prints where it is.)
SCRATCH=$(mktemp -d /tmp/mxray-test-run.XXXXXX)
export TMPDIR="$SCRATCH"
cargo test --workspace --locked --no-fail-fast "$@" || rc=$?
# Optional features no workspace member turns on: smtp-codec's `bytes` and `serde` (their test
# files are cfg-gated, so the workspace run above compiles them to zero tests).
cargo test --locked --no-fail-fast -p smtp-codec --all-features --lib --test bytes --test serde "$@" || rc=$?
# tls-probe's driver on ring alone (without the default `aws-lc-kx`): the in-memory handshakes
# and the key-exchange groups of a build without aws-lc.
cargo test --locked --no-fail-fast -p tls-probe --no-default-features --features std --test driver_memory "$@" || rc=$?
unset TMPDIR
if [ -n "$(find "$SCRATCH" -mindepth 1 -maxdepth 1 -print -quit)" ]; then
    echo "scripts/test.sh: the cargo tests left files in $SCRATCH (kept for a look):" >&2
    find "$SCRATCH" -mindepth 1 -maxdepth 1 | head -20 >&2
    rc=1
else
    rmdir "$SCRATCH"
fi
# The DNSSEC lab answers as designed (secure with AD, insecure without, bogus SERVFAIL).
lab/dnssec/check-dnssec.sh || rc=1
# mxray's MTA-STS policy verdicts beside postfix-mta-sts-resolver's on every lab domain.
lab/mta-sts/crosscheck.sh || rc=1
# ... and what Postfix, with postfix-mta-sts-resolver as its TLS policy, does when it sends.
lab/mta-sts/postfix-sts.sh || rc=1
# mxray's DANE verdicts beside ldns-dane and OpenSSL's DANE on the lab's TLSA variants.
lab/dnssec/dane-crosscheck.sh || rc=1
# ... and beside Postfix's DANE client (posttls-finger -l dane through a validating unbound).
lab/dnssec/postfix-dane-crosscheck.sh || rc=1
# ... and what a real DANE sender does: Postfix (dane, dnssec) delivering to the DANE receivers.
lab/dnssec/postfix-dane-delivery.sh || rc=1
# The findings catalogue's fix advice on real servers: a private Postfix (2640) and Exim (2641)
# broken, scanned, fixed with `mxray explain ID --format json`'s lines, rescanned; OpenSMTPD's
# lines syntax-checked with `smtpd -n`.
cargo build --locked -q -p mxray --bin mxray && lab/fixes/run.sh || rc=1
# cert-audit's lints beside pkilint: the committed agreement table must match this run.
python3 cert-audit/tests/pkilint/compare.py --check --pkilint-bin "$LAB/venv/bin" || rc=1
# The benches' parsers of the peers' outputs (sslscan, testssl.sh, sslyze, nmap; single endpoint and
# mass mode), on captured samples: a bench whose parser silently read nothing would report nonsense.
python3 benches/peers/test_peers.py || rc=1
python3 benches/peers/mass_report.py --self-test || rc=1
# ... and the perf categories of BENCHMARKS.md's profiles, on symbols of real profiles.
python3 benches/fleet/perf_categories.py --self-test || rc=1
# Deployment: a real single-node Slurm, the Kubernetes manifests against the schemas, the image
# under podman (deploy/tests/*.sh, shell tests outside the crates; "N passed, N failed").
deploy/tests/run.sh || rc=1
exit $rc
