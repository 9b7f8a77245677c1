#!/bin/bash
# Build the mxray container image from the repository, offline: release binary, then an image
# FROM scratch holding it and the libraries it links (see Containerfile).
#
# usage: deploy/container/build.sh [TAG]       (default TAG: localhost/mxray:<version>)
# env:   MXRAY     an already built binary (default: cargo build --release -p mxray)
#        PODMAN    the podman command with any global flags (default: podman), e.g.
#                  "podman --root /tmp/ctr/storage --runroot /tmp/ctr/run --runtime runc"
# Prints the tag on its last line. Run it: podman run --rm --runtime runc --network=host
#   --ulimit nofile=4096:4096 TAG scan ...   (an explicit nofile: see docs/SCALE.md)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
read -r -a PODMAN <<< "${PODMAN:-podman}"
if [ -z "${MXRAY:-}" ]; then
  (cd "$ROOT" && cargo build -q --release --locked -p mxray)
  MXRAY=${CARGO_TARGET_DIR:-$ROOT/target}/release/mxray
fi
[ -x "$MXRAY" ] || { echo "build.sh: $MXRAY is not an executable" >&2; exit 1; }
version=$("$MXRAY" --version | awk '{print $2}')
TAG=${1:-localhost/mxray:$version}

CTX=$(mktemp -d /tmp/mxray-image.XXXXXX)
trap 'rm -rf "$CTX"' EXIT
R=$CTX/rootfs
mkdir -p "$R/usr/local/bin" "$R/tmp" "$R/etc/ssl/certs"
# The binary without debug information (the release profile keeps line tables for profiling).
if command -v objcopy >/dev/null; then
  objcopy --strip-debug "$MXRAY" "$R/usr/local/bin/mxray"
else
  cp "$MXRAY" "$R/usr/local/bin/mxray"
fi
chmod 755 "$R/usr/local/bin/mxray"
# Every library ldd names, at the same path, symlinks resolved; and the loader.
ldd "$MXRAY" | awk '/=> \// {print $3} /^\t\// {print $1}' | while read -r lib; do
  mkdir -p "$R$(dirname "$lib")"
  cp -L "$lib" "$R$lib"
done
[ -e "$R/lib64/ld-linux-x86-64.so.2" ] || [ -e "$R/lib/ld-linux-aarch64.so.1" ] \
  || { echo "build.sh: no dynamic loader found by ldd" >&2; exit 1; }
# --system-roots reads the operating system's bundle; the default audit uses the roots built in.
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/"
chmod 1777 "$R/tmp"
cp "$HERE/Containerfile" "$CTX/Containerfile"
"${PODMAN[@]}" build -q -t "$TAG" --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.source=mxray" -f "$CTX/Containerfile" "$CTX" >/dev/null
echo "$TAG"
