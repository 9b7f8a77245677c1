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
#   LAB  state directory (see lab/env.sh). Stop: lab/stop-all.sh dnssec
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
D=$LAB/dnssec
C=$LAB/certs
[ -f "$C/rsa2048.crt" ] || "$HERE/../certs/mkcerts.sh" >/dev/null
for b in knotd unbound ldns-keygen ldns-signzone ldns-key2ds kdig; do
  command -v "$b" >/dev/null || { echo "start-dnssec.sh: $b missing; run lab/install.sh as root" >&2; exit 1; }
done
rm -rf "$D"; mkdir -p "$D/keys" "$D/zones" "$D/knot" "$D/unbound"
cd "$D/keys"

# TLSA 3 1 1: SHA-256 of the SubjectPublicKeyInfo of the lab's RSA certificate.
spki=$(openssl x509 -in "$C/rsa2048.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)

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
EOF
}
sign() { # ZONE FILE KSK ZSK
  ldns-signzone -e "$(date -u -d '+30 days' +%Y%m%d%H%M%S)" -f "$2.signed" "$2" "$3" "$4"
}

parent=dane.test
read -r pksk pzsk < <(keygen $parent)
for z in secure insecure bogus; do child_zone "$z.$parent" "$D/zones/$z.$parent.zone"; done
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

cat > "$D/knot/knot.conf" <<EOF
server:
    listen: 127.0.0.1@5300
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
    interface: 127.0.0.1@5301
    port: 5301
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
    stub-addr: 127.0.0.1@5300
EOF
unbound -c "$D/unbound/unbound.conf"
for _ in $(seq 50); do
  kdig +short @127.0.0.1 -p 5301 SOA $parent >/dev/null 2>&1 && break
  sleep 0.1
done
kdig @127.0.0.1 -p 5301 +dnssec SOA $parent | grep -q "^;; Flags:.* ad;" \
  || { echo "start-dnssec.sh: unbound does not validate $parent; see $D/unbound/unbound.log" >&2; exit 1; }
echo "dnssec lab up: knotd 127.0.0.1:5300, unbound 127.0.0.1:5301, anchor $D/anchor.ds"
