#!/bin/bash
# Certificates for lab/fixes/run.sh, into $1 (made once; 1-3 s): a root and an intermediate CA,
# the good chain (leaf for localhost + 127.0.0.1, signed by the intermediate), and one bad
# chain per certificate finding the fix test breaks the servers with.
#   good.key good.crt (leaf, intermediate) good.pem (key, leaf, intermediate: Postfix's form)
#   ca.crt                 the root (mxray --ca-file)
#   bad-NAME.{key,crt,pem} self-signed, expired, not-yet-valid, expires-soon, weak-rsa (1024
#                          bits), name-mismatch, untrusted (leaf and another root), incomplete
#                          (leaf only),
#                          extras (leaf, intermediate, root, an unrelated certificate),
#                          duplicate (leaf, leaf, intermediate)
set -euo pipefail
D=${1:?usage: certs.sh DIR}
mkdir -p "$D"; cd "$D"
[ -f done ] && exit 0
q() { "$@" >/dev/null 2>&1 || { echo "certs.sh: failed: $*" >&2; "$@"; exit 1; }; }
key() { q openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2:-2048}" -out "$1"; }

cat > ca.cnf <<'CNF'
[ca]
default_ca = fix
[fix]
dir = .
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
[root_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
mkdir -p newcerts; : > index.txt; echo 1000 > serial

# Root and intermediate (and a second, untrusted root).
key ca.key; q openssl req -x509 -new -key ca.key -subj /CN=mxray-fixes-root -days 3650 -sha256 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out ca.crt
key inter.key; q openssl req -new -key inter.key -subj /CN=mxray-fixes-intermediate -out inter.csr
q openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -extensions inter_ext -days 1800 -in inter.csr -out inter.crt
key other.key; q openssl req -x509 -new -key other.key -subj /CN=mxray-fixes-other-root -days 3650 -sha256 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out other.crt

# leaf NAME SAN [extra openssl ca args...]: a leaf signed by the intermediate.
leaf() {
  local name=$1 san=$2; shift 2
  [ -f "$name.key" ] || key "$name.key"
  q openssl req -new -key "$name.key" -subj "/CN=${san%%,*}" -addext "subjectAltName=$(echo "$san" | sed 's/^/DNS:/; s/,/,IP:/')" -out "$name.csr"
  q openssl ca -batch -config ca.cnf -cert inter.crt -keyfile inter.key -extensions leaf_ext "$@" -in "$name.csr" -out "$name.leaf"
}
pem() { cat "$1.key" "$1.crt" > "$1.pem"; }

leaf good localhost,127.0.0.1 -days 180
cat good.leaf inter.crt > good.crt; pem good

# Expired, not yet valid, expiring in 10 days.
leaf bad-expired localhost,127.0.0.1 -startdate 20200101000000Z -enddate 20200301000000Z
cat bad-expired.leaf inter.crt > bad-expired.crt
leaf bad-not-yet-valid localhost,127.0.0.1 -startdate 20991201000000Z -enddate 21000101000000Z
cat bad-not-yet-valid.leaf inter.crt > bad-not-yet-valid.crt
leaf bad-expires-soon localhost,127.0.0.1 -days 10
cat bad-expires-soon.leaf inter.crt > bad-expires-soon.crt
# A 1024-bit key.
key bad-weak-rsa.key 1024; leaf bad-weak-rsa localhost,127.0.0.1 -days 180
cat bad-weak-rsa.leaf inter.crt > bad-weak-rsa.crt
# Another name.
leaf bad-name-mismatch wrong.example,192.0.2.1 -days 180
cat bad-name-mismatch.leaf inter.crt > bad-name-mismatch.crt
# Self-signed.
key bad-self-signed.key
q openssl req -x509 -new -key bad-self-signed.key -subj /CN=localhost -days 180 -sha256 \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE \
  -addext extendedKeyUsage=serverAuth -out bad-self-signed.crt
# Issued by a root the scan does not trust.
key bad-untrusted.key
q openssl req -new -key bad-untrusted.key -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -out bad-untrusted.csr
q openssl x509 -req -in bad-untrusted.csr -CA other.crt -CAkey other.key -CAcreateserial -days 180 -sha256 -copy_extensions copy -out bad-untrusted.leaf
cat bad-untrusted.leaf other.crt > bad-untrusted.crt
# Chain defects with the good leaf.
cp good.key bad-incomplete.key; cp good.leaf bad-incomplete.crt
cp good.key bad-extras.key; cat good.leaf inter.crt ca.crt other.crt > bad-extras.crt
cp good.key bad-duplicate.key; cat good.leaf good.leaf inter.crt > bad-duplicate.crt
for n in bad-expired bad-not-yet-valid bad-expires-soon bad-weak-rsa bad-name-mismatch bad-self-signed bad-untrusted bad-incomplete bad-extras bad-duplicate; do
  pem "$n"
done
chmod 644 ./*.crt ./*.pem ./*.key
touch done
