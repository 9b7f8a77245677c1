# Sourced by the lab scripts: one state directory for every peer.
# /tmp is traversable by the Debian-exim user, which Exim needs; override with LAB=...
LAB=${LAB:-/tmp/mxray-lab}
mkdir -p "$LAB"; LAB=$(cd "$LAB" && pwd); export LAB
