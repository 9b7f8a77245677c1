#!/bin/bash
# Install the real peers mxray's tests run against (Debian 12, as root; no systemd needed).
# Adapted from tested lab recipes. Idempotent: skips what is already there.
#   LAB  state directory (default: /tmp/mxray-lab): unpacked Exim, the Python venv (tlslite-ng, sslyze)
# Without root it only checks, and fails loudly naming what is missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/env.sh"

need_apt=(postfix swaks sslscan testssl gnutls-serv gnutls-cli nmap tcpdump openssl python3 curl chromium
          knotd kdig unbound ldns-signzone ldns-dane slurmctld slurmd sbatch munged podman runc jq)
missing=()
for b in "${need_apt[@]}"; do command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing+=("$b"); done
[ -x /usr/bin/time ] || missing+=(time)
python3 -c 'import venv' 2>/dev/null || missing+=(python3-venv)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "lab/install.sh: missing ${missing[*]}; run this script as root on Debian, or install them yourself" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # postfix asks debconf questions; answer them so the install never waits.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get install -y -q --no-install-recommends postfix swaks libnet-ssleay-perl libio-socket-ssl-perl ca-certificates \
    sslscan testssl.sh nmap gnutls-bin tcpdump time iproute2 python3-venv curl openssl \
    libgnutls-dane0 libidn12 libnsl2 libpcre2-8-0 libdb5.3 libevent-2.1-7 \
    knot knot-dnsutils unbound ldnsutils \
    chromium \
    slurm-wlm munge podman runc jq  # deploy/tests: single-node Slurm (lab/slurm), the container image
fi

# The install above is preseeded with "No configuration" (so it never waits on a question), and that
# leaves no /etc/postfix/main.cf. A copy of main.cf.proto is not enough (it lacks Debian's required
# settings such as setgid_group): let the package write its "Local only" main.cf, which
# lab/postfix/setup-postfix.sh then edits. This also repairs a machine where Postfix was installed
# earlier without a configuration.
if [ ! -f /etc/postfix/main.cf ]; then
  [ "$(id -u)" = 0 ] || { echo "lab/install.sh: /etc/postfix/main.cf is missing; run this script as root to create it" >&2; exit 1; }
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string mx.lab.test" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive postfix >/dev/null 2>&1 || true
  # The package's postinst may start Postfix on port 25: the lab runs its own listeners.
  postfix stop >/dev/null 2>&1 || true
  [ -f /etc/postfix/main.cf ] || { echo "lab/install.sh: dpkg-reconfigure postfix wrote no /etc/postfix/main.cf" >&2; exit 1; }
fi

# Exim conflicts with Postfix as a package: fetch and unpack it into $LAB instead of installing it.
if [ ! -x "$LAB/exim/unpacked/usr/sbin/exim4" ]; then
  [ "$(id -u)" = 0 ] || { echo "lab/install.sh: Exim is not unpacked in $LAB/exim; run as root" >&2; exit 1; }
  mkdir -p "$LAB/debs" "$LAB/exim/unpacked"
  (cd "$LAB/debs" && apt-get download exim4-daemon-light exim4-base)
  for d in "$LAB"/debs/exim4-daemon-light_*.deb "$LAB"/debs/exim4-base_*.deb; do dpkg -x "$d" "$LAB/exim/unpacked"; done
fi
getent passwd Debian-exim >/dev/null || useradd --system --no-create-home --home-dir /var/spool/exim4 --shell /usr/sbin/nologin Debian-exim

# OpenSMTPD conflicts with Postfix too: unpacked into $LAB, only to syntax-check the findings
# catalogue's OpenSMTPD lines (`smtpd -n -f FILE`, lab/fixes/run.sh).
if [ ! -x "$LAB/opensmtpd/unpacked/usr/sbin/smtpd" ]; then
  [ "$(id -u)" = 0 ] || { echo "lab/install.sh: OpenSMTPD is not unpacked in $LAB/opensmtpd; run as root" >&2; exit 1; }
  mkdir -p "$LAB/debs" "$LAB/opensmtpd/unpacked"
  apt-get install -y -q --no-install-recommends libevent-2.1-7 libdb5.3 >/dev/null
  (cd "$LAB/debs" && apt-get download opensmtpd)
  dpkg -x "$LAB"/debs/opensmtpd_*.deb "$LAB/opensmtpd/unpacked"
fi
for u in opensmtpd opensmtpq; do
  getent passwd "$u" >/dev/null || useradd --system --no-create-home --home-dir /var/lib/opensmtpd --shell /usr/sbin/nologin "$u"
done

# tlslite-ng (SSLv3, RC4, 3DES, NULL, small DH), sslyze, pkilint (the CA/B Forum linter
# cert-audit's lints are compared with; pinned, since its table is committed) and
# postfix-mta-sts-resolver (the MTA-STS client lab/mta-sts/crosscheck.sh compares mxray with)
# and jsonschema (mxray report --format sarif against the SARIF 2.1.0 schema,
# scanner-bin/tests/outputs.rs) and mmdb-writer (lab/asn/make-fixtures.py: the MaxMind DB test
# fixtures of --asn-db) live in a venv.
if ! "$LAB/venv/bin/python" -c 'import tlslite, pkilint, postfix_mta_sts_resolver, jsonschema, mmdb_writer' 2>/dev/null; then
  python3 -m venv "$LAB/venv"
  "$LAB/venv/bin/pip" install -q tlslite-ng==0.8.2 sslyze pkilint==0.13.3 postfix-mta-sts-resolver==1.5.1 \
    jsonschema==4.26.0 mmdb-writer==0.2.7
fi
# kubernetes-validate (deploy/tests/k8s.sh: the manifests against the Kubernetes schemas, offline)
# in its own venv: it pins its own dependencies.
if ! "$LAB/venv-k8s/bin/kubernetes-validate" --version >/dev/null 2>&1; then
  python3 -m venv "$LAB/venv-k8s"
  "$LAB/venv-k8s/bin/pip" install -q kubernetes-validate==1.37.0
fi
echo "lab installed; state directory: $LAB"
