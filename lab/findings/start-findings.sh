#!/bin/bash
# Peers for issue 18's findings (AUTH before STARTTLS, implicit TLS, client certificates, OCSP),
# all on 127.0.0.1. Run as root (Exim runs as Debian-exim, see ../exim/start-exim.sh).
#   2650  openssl s_server -Verify 1: REQUIRES a client certificate (implicit TLS)
#   2651  openssl s_server -verify 1: requests one, goes on without (implicit TLS)
#   2652  openssl s_server, a lab-CA leaf WITH a stapled OCSP response (-status_file)
#   2653  openssl s_server, a lab-CA leaf with must-staple (RFC 7633 tlsfeature) and NO staple
#   2654  Exim: STARTTLS, AUTH PLAIN LOGIN advertised before TLS, asks for a client certificate
#   2655  Exim: implicit TLS (tls_on_connect_ports: a stand-in for port 465), AUTH PLAIN inside TLS
#   2658  Exim as 2654 with the catalogue's fix for auth-before-starttls (AUTH only inside TLS)
# The certificates (a lab CA, two leaves, the OCSP response) are made here, into $LAB/findings.
# Stop: ../stop-all.sh findings
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${LAB:-$(pwd)/lab-run}; mkdir -p "$LAB"; LAB=$(cd "$LAB" && pwd); export LAB
C=$LAB/certs; D=$LAB/findings
[ -f "$C/rsa2048.crt" ] || "$HERE/../certs/mkcerts.sh"
mkdir -p "$D"; cd "$D"

# A lab CA with `openssl ca` (it keeps index.txt, which `openssl ocsp` answers from).
if [ ! -f resp.der ]; then
  rm -rf ca && mkdir -p ca/new && : > ca/index.txt && echo 1000 > ca/serial
  cat > ca.cnf <<CNF
[ca]
default_ca = lab
[lab]
dir = $D/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityInfoAccess = OCSP;URI:http://127.0.0.1:1/ocsp
[muststaple]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityInfoAccess = OCSP;URI:http://127.0.0.1:1/ocsp
tlsfeature = status_request
CNF
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 365 -subj /CN=mxray-lab-ocsp-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  for n in staple muststaple; do
    ext=leaf; [ $n = muststaple ] && ext=muststaple
    openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj /CN=localhost 2>/dev/null
    openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -extensions $ext -days 30 \
      -in $n.csr -out $n.crt -notext 2>/dev/null
  done
  openssl ocsp -issuer ca.crt -cert staple.crt -no_nonce -reqout req.der
  openssl ocsp -index ca/index.txt -CA ca.crt -rsigner ca.crt -rkey ca.key -reqin req.der \
    -respout resp.der -ndays 30 >/dev/null 2>&1
  chmod 644 ./*.crt; chmod 600 ./*.key
fi
s() { # PORT ARGS...
  local p=$1; shift
  openssl s_server -accept 127.0.0.1:$p -www "$@" > "$D/s$p.log" 2>&1 &
  echo $! > "$D/s$p.pid"
}
s 2650 -cert "$C/rsa2048.crt" -key "$C/rsa2048.key" -Verify 1 -CAfile "$C/rsa2048.crt"
s 2651 -cert "$C/rsa2048.crt" -key "$C/rsa2048.key" -verify 1 -CAfile "$C/rsa2048.crt"
s 2652 -cert staple.crt -key staple.key -cert_chain ca.crt -status_file resp.der
s 2653 -cert muststaple.crt -key muststaple.key -cert_chain ca.crt

# Exim, from the lab's unpacked tree and config template (macros AUTH, TLSVERIFY, ONCONNECT).
# Its spool, logs and certificates are the lab Exim's ($LAB/exim); the config is rendered here.
EX=${EXIM_ROOT:-$LAB/exim/unpacked}/usr/sbin/exim4
E=$LAB/exim
if [ -x "$EX" ] && [ -f "$E/rsa2048.crt" ]; then
  sed "s|@EXIM_DIR@|$E|g" "$HERE/../exim/exim.conf.in" > "$D/exim.conf"; chmod 644 "$D/exim.conf"
  "$EX" -C "$D/exim.conf" -DPORT=2654 -DFINDINGS_AUTH=1 -DFINDINGS_VERIFY=1 -bd -oX 2654 -oP "$D/exim-2654.pid"
  "$EX" -C "$D/exim.conf" -DPORT=2655 -DFINDINGS_AUTH=1 -DFINDINGS_ONCONNECT=2655 -bd -oX 2655 -oP "$D/exim-2655.pid"
  "$EX" -C "$D/exim.conf" -DPORT=2658 -DFINDINGS_AUTH=1 -DFINDINGS_TLS_AUTH=1 -bd -oX 2658 -oP "$D/exim-2658.pid"
else
  echo "start-findings.sh: Exim not set up (run ../exim/start-exim.sh first); 2654/2655 not started" >&2
fi
sleep 1
ss -ltnp | grep -E ':265[0-58] ' || true
