#!/bin/bash
# A DNSSEC-signed lab zone on loopback: Knot DNS serves it authoritatively, unbound validates.
#   127.0.0.1:5300  knotd: dane.test (signed; trust anchor), with the subzones
#                   secure.dane.test   signed, DS in the parent     -> secure
#                   insecure.dane.test unsigned, no DS              -> insecure
#                   bogus.dane.test    signed, DS in the parent, its signatures then damaged -> bogus
#   127.0.0.1:5301  unbound: validating recursive resolver for dane.test only (stub to knotd),
#                   trust anchor = the DS of dane.test's key ($LAB/dnssec/anchor.ds)
# Each subzone has mx.<zone> A 127.0.0.1 and _25._tcp.mx.<zone> TLSA 3 1 1 <SPKI SHA-256 of the lab
# Postfix certificate, $LAB/certs/rsa2048.crt>, plus MX records at the zone apex.
# Keys and signatures are made anew on every start (ldns-keygen, ldns-signzone; valid 30 days).
# The secure zone also holds the DANE variants the scanner's tests use, for ports 25 and 2527 (the
# lab's Exim, which presents $LAB/certs/rsa2048.crt): ee301 (3 0 1), ee312 (3 1 2), ee300 (3 0 0),
# mismatch (3 1 1 of the EC key: no match), pkix (1 1 1: unusable for SMTP), ta (2 0 1 of the
# leaf itself: DANE-TA with no anchor in the chain), rollover (current key + next key), many (70
# records, past the scanner's limit of 64), tlsaloop (its TLSA name is a CNAME loop), and the domains
# crossmx.secure.dane.test (signed MX to mx.insecure.dane.test) and
# tosecure.insecure.dane.test (unsigned MX to mx.secure.dane.test).
# The lab server's DANE receivers (mxray lab --profile dane-good=P --profile dane-mismatch=P+1
# --profile dane-bogus=P+2 --cert dane-*=$LAB/certs/rsa2048.crt,$LAB/certs/rsa2048.key; P is
# DNSSEC_DANE_PORT, default 2631): mx.dane-good.secure.dane.test (TLSA 3 1 1 of the served key),
# mx.dane-mismatch.secure.dane.test (3 1 1 of that digest with its last byte flipped: matches no
# key, as `mxray lab dns` prints it) and mx.dane-bogus.bogus.dane.test (the served key, in the bogus
# zone), each with TLSA for ports 25 and its own port, and MX records dane-*.<zone>.
# DANE-TA(2): $D/ta/ holds a CA made here (ca.crt) and two leaves under it, each with its chain
# (leaf + CA): chain.pem/leaf.key for mx.dane-ta.secure.dane.test and badname-chain.pem/badname.key
# for other.invalid only. TLSA 2 1 1 of the CA's key is published for mx.dane-ta (port 25 and
# DNSSEC_DANE_PORT+3) and mx.dane-ta-badname (port 25 and DNSSEC_DANE_PORT+4): served by mxray
# lab --profile good=P+3 --cert good=$D/ta/chain.pem,$D/ta/leaf.key --profile wrong-host=P+4
# --cert wrong-host=$D/ta/badname-chain.pem,$D/ta/badname.key, the first is a DANE-TA match
# whose leaf names the MX host, the second fails RFC 7672 3.2.2's name check.
# $D/anchor.dnskey holds the DNSKEY RRset of dane.test (the same trust anchor in DNSKEY form);
# both files work with mxray --trust-anchor.
#   LAB  state directory (see lab/env.sh). Stop: lab/stop-all.sh dnssec
#   DNSSEC_KNOT_PORT (5300), DNSSEC_UNBOUND_PORT (5301): a second instance on other ports, with
#   its own LAB, for testing changes without restarting the shared one.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
D=$LAB/dnssec
KNOT_PORT=${DNSSEC_KNOT_PORT:-5300}
UNBOUND_PORT=${DNSSEC_UNBOUND_PORT:-5301}
DANE_PORT=${DNSSEC_DANE_PORT:-2631}
C=$LAB/certs
[ -f "$C/rsa2048.crt" ] || "$HERE/../certs/mkcerts.sh" >/dev/null
for b in knotd unbound ldns-keygen ldns-signzone ldns-key2ds kdig; do
  command -v "$b" >/dev/null || { echo "start-dnssec.sh: $b missing; run lab/install.sh as root" >&2; exit 1; }
done
rm -rf "$D"; mkdir -p "$D/keys" "$D/zones" "$D/knot" "$D/unbound"
cd "$D/keys"

# TLSA 3 1 1: SHA-256 of the SubjectPublicKeyInfo of the lab's RSA certificate.
spki=$(openssl x509 -in "$C/rsa2048.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
spki512=$(openssl x509 -in "$C/rsa2048.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha512 -r | cut -d' ' -f1)
cert256=$(openssl x509 -in "$C/rsa2048.crt" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
certfull=$(openssl x509 -in "$C/rsa2048.crt" -outform DER | od -An -v -tx1 | tr -d ' \n')
# dane-mismatch: the served key's digest with every bit of its last byte flipped.
spkimism=${spki:0:62}$(printf '%02x' $((0xff ^ 0x${spki:62:2})))
ecspki=$(openssl x509 -in "$C/ecp256.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)

# The DANE-TA CA and its leaves (ECDSA P-256, 30 days).
mkdir -p "$D/ta"
ta_leaf() { # NAME SAN-DNS-NAME
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/ta/$1.key" \
    -out "$D/ta/$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" > "$D/ta/$1.ext"
  openssl x509 -req -in "$D/ta/$1.csr" -CA "$D/ta/ca.crt" -CAkey "$D/ta/ca.key" -CAcreateserial \
    -days 30 -extfile "$D/ta/$1.ext" -out "$D/ta/$1.crt" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/ta/ca.key" \
  -out "$D/ta/ca.crt" -subj "/CN=mxray lab DANE-TA CA" -days 30 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
ta_leaf leaf mx.dane-ta.secure.dane.test
ta_leaf badname other.invalid
cat "$D/ta/leaf.crt" "$D/ta/ca.crt" > "$D/ta/chain.pem"
cat "$D/ta/badname.crt" "$D/ta/ca.crt" > "$D/ta/badname-chain.pem"
taspki=$(openssl x509 -in "$D/ta/ca.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)

keygen() { # ZONE -> K<zone>+alg+tag basenames of KSK then ZSK
  local ksk zsk
  ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$1")
  zsk=$(ldns-keygen -a ECDSAP256SHA256 "$1")
  echo "$ksk $zsk"
}
child_zone() { # ZONE FILE
  cat > "$2" <<EOF
\$ORIGIN $1.
\$TTL 300
@   SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 300
@   NS  ns.dane.test.
@   MX  10 mx.$1.
mx  A   127.0.0.1
_25._tcp.mx TLSA 3 1 1 $spki
_2527._tcp.mx TLSA 3 1 1 $spki
EOF
}
dane_variants() { # extra DANE hosts of the secure zone, for ports 25 and 2527
  local h p i
  for h in ee301 ee312 ee300 mismatch pkix ta rollover many tlsaloop tlsaloop2; do echo "$h A 127.0.0.1"; done
  echo "crossmx MX 10 mx.insecure.dane.test."
  for p in 25 2527; do
    echo "_$p._tcp.ee301 TLSA 3 0 1 $cert256"
    echo "_$p._tcp.ee312 TLSA 3 1 2 $spki512"
    echo "_$p._tcp.ee300 TLSA 3 0 0 $certfull"
    echo "_$p._tcp.mismatch TLSA 3 1 1 $ecspki"
    echo "_$p._tcp.pkix TLSA 1 1 1 $spki"
    echo "_$p._tcp.ta TLSA 2 0 1 $cert256"
    echo "_$p._tcp.rollover TLSA 3 1 1 $spki"
    echo "_$p._tcp.rollover TLSA 3 1 1 $ecspki"
    for i in $(seq 1 70); do echo "_$p._tcp.many TLSA 3 1 1 $(printf '%064x' "$i")"; done
    echo "_$p._tcp.tlsaloop CNAME _$p._tcp.tlsaloop2"
    echo "_$p._tcp.tlsaloop2 CNAME _$p._tcp.tlsaloop"
  done
}
dane_receiver() { # NAME PORT DIGEST: a lab-server DANE receiver in the current zone
  echo "$1 MX 10 mx.$1"
  echo "mx.$1 A 127.0.0.1"
  echo "_25._tcp.mx.$1 TLSA 3 1 1 $3"
  echo "_$2._tcp.mx.$1 TLSA 3 1 1 $3"
}
sign() { # ZONE FILE KSK ZSK
  ldns-signzone -e "$(date -u -d '+30 days' +%Y%m%d%H%M%S)" -f "$2.signed" "$2" "$3" "$4"
}

parent=dane.test
read -r pksk pzsk < <(keygen $parent)
for z in secure insecure bogus; do child_zone "$z.$parent" "$D/zones/$z.$parent.zone"; done
dane_variants >> "$D/zones/secure.$parent.zone"
dane_receiver dane-good "$DANE_PORT" "$spki" >> "$D/zones/secure.$parent.zone"
dane_receiver dane-mismatch $((DANE_PORT + 1)) "$spkimism" >> "$D/zones/secure.$parent.zone"
dane_receiver dane-bogus $((DANE_PORT + 2)) "$spki" >> "$D/zones/bogus.$parent.zone"
for h in dane-ta:3 dane-ta-badname:4; do
  n=${h%%:*}; off=${h##*:}
  { echo "mx.$n A 127.0.0.1"
    echo "_25._tcp.mx.$n TLSA 2 1 1 $taspki"
    echo "_$((DANE_PORT + off))._tcp.mx.$n TLSA 2 1 1 $taspki"; } >> "$D/zones/secure.$parent.zone"
done
echo "tosecure MX 10 mx.secure.dane.test." >> "$D/zones/insecure.$parent.zone"
read -r sksk szsk < <(keygen secure.$parent)
read -r bksk bzsk < <(keygen bogus.$parent)
for k in "$sksk" "$szsk" "$bksk" "$bzsk" "$pksk" "$pzsk"; do cat "$k.key" >> "$D/zones/keys.txt"; done
grep -h DNSKEY "$sksk.key" "$szsk.key" >> "$D/zones/secure.$parent.zone"
grep -h DNSKEY "$bksk.key" "$bzsk.key" >> "$D/zones/bogus.$parent.zone"
sign secure.$parent "$D/zones/secure.$parent.zone" "$sksk" "$szsk"
sign bogus.$parent "$D/zones/bogus.$parent.zone" "$bksk" "$bzsk"
# Damage every RRSIG of the bogus zone (flip the signature's first base64 character).
awk '$4 == "RRSIG" || $3 == "RRSIG" { n = NF; s = $n; c = substr(s, 1, 1); $n = (c == "A" ? "B" : "A") substr(s, 2) } { print }' \
  "$D/zones/bogus.$parent.zone.signed" > "$D/zones/bogus.tmp" && mv "$D/zones/bogus.tmp" "$D/zones/bogus.$parent.zone.signed"

cat > "$D/zones/$parent.zone" <<EOF
\$ORIGIN $parent.
\$TTL 300
@   SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 300
@   NS  ns.dane.test.
ns  A   127.0.0.1
secure   NS ns.dane.test.
insecure NS ns.dane.test.
bogus    NS ns.dane.test.
EOF
ldns-key2ds -n -2 "$sksk.key" >> "$D/zones/$parent.zone"
ldns-key2ds -n -2 "$bksk.key" >> "$D/zones/$parent.zone"
grep -h DNSKEY "$pksk.key" "$pzsk.key" >> "$D/zones/$parent.zone"
sign $parent "$D/zones/$parent.zone" "$pksk" "$pzsk"
ldns-key2ds -n -2 "$pksk.key" > "$D/anchor.ds"
cat "$pksk.key" "$pzsk.key" > "$D/anchor.dnskey"

cat > "$D/knot/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$KNOT_PORT
    rundir: "$D/knot"
    pidfile: "$D/knot/knot.pid"
database:
    storage: "$D/knot"
log:
  - target: "$D/knot/knot.log"
    any: info
zone:
  - domain: $parent
    file: "$D/zones/$parent.zone.signed"
    zonefile-load: whole
    journal-content: none
  - domain: secure.$parent
    file: "$D/zones/secure.$parent.zone.signed"
    zonefile-load: whole
    journal-content: none
  - domain: insecure.$parent
    file: "$D/zones/insecure.$parent.zone"
    zonefile-load: whole
    journal-content: none
  - domain: bogus.$parent
    file: "$D/zones/bogus.$parent.zone.signed"
    zonefile-load: whole
    journal-content: none
EOF
chmod -R a+rX "$D"
knotd -c "$D/knot/knot.conf" -d
cat > "$D/unbound/unbound.conf" <<EOF
server:
    interface: 127.0.0.1@$UNBOUND_PORT
    port: $UNBOUND_PORT
    do-ip6: no
    do-daemonize: yes
    username: ""
    chroot: ""
    directory: "$D/unbound"
    pidfile: "$D/unbound/unbound.pid"
    logfile: "$D/unbound/unbound.log"
    use-syslog: no
    verbosity: 1
    do-not-query-localhost: no
    module-config: "validator iterator"
    trust-anchor-file: "$D/anchor.ds"
    val-log-level: 2
    harden-dnssec-stripped: yes
    cache-max-ttl: 5
    # .test is one of unbound's default local zones (RFC 6761): answer it from the stub instead.
    local-zone: "test." nodefault
stub-zone:
    name: "$parent"
    stub-addr: 127.0.0.1@$KNOT_PORT
EOF
unbound -c "$D/unbound/unbound.conf"
for _ in $(seq 50); do
  kdig +short @127.0.0.1 -p "$UNBOUND_PORT" SOA $parent >/dev/null 2>&1 && break
  sleep 0.1
done
kdig @127.0.0.1 -p "$UNBOUND_PORT" +dnssec SOA $parent | grep -q "^;; Flags:.* ad;" \
  || { echo "start-dnssec.sh: unbound does not validate $parent; see $D/unbound/unbound.log" >&2; exit 1; }
echo "dnssec lab up: knotd 127.0.0.1:$KNOT_PORT, unbound 127.0.0.1:$UNBOUND_PORT, anchor $D/anchor.ds"
