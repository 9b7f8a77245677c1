#!/bin/bash
# The container image (deploy/container): built from the release binary by Debian's podman (no base
# image), then run with runc, an explicit --ulimit nofile and --network=host (the loopback fleet):
#   - `mxray --version` inside equals the binary's;
#   - the Kubernetes manifests' own args (deploy/k8s/scan-job.yaml for indexes 0..N-1, then the
#     merge Job's), run in the image as its user 65532 with a read-only root file system, scan a
#     loopback fleet (benches/examples/fleet_server.rs on 127.19.1.0/28, port 2720) into N shard files;
#     their merged report equals the report of the same scan on one machine.
# Image storage and podman state live under $LAB/ctr (not /var/lib/containers). Needs root, podman,
# runc (lab/install.sh) and $LAB/venv-k8s (PyYAML, to read the manifests). About 30 s once built
# (the release build is not counted).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
need_cmd podman runc jq
PY=$LAB/venv-k8s/bin/python
[ -x "$PY" ] || fatal "$PY is missing: run lab/install.sh"

CTR=$LAB/ctr
PODMAN="podman --root $CTR/storage --runroot $CTR/runroot --tmpdir $CTR/libpod-tmp --storage-driver overlay --cgroup-manager cgroupfs --events-backend file --runtime runc"
read -r -a P <<< "$PODMAN"
# podman as root asks for nofile/nproc limits this machine's root may not raise: always explicit.
RUN=(run --rm --network=host --ulimit nofile=4096:4096 --ulimit nproc=1024:1024 --read-only)
FLEET_BASE=127.19.1.0
FLEET_NET=127.19.1.0/28
FLEET_COUNT=16
FLEET_PORT=2720
# Appended to the manifests' args: the fleet's port, STARTTLS, and a rate for our own servers (the
# manifests keep the polite default of 1/s per IP).
EXTRA=(--port="$FLEET_PORT" --tls-mode=starttls --per-ip-rate=100 --per-ip-burst=10)

WORK=$(mktemp -d /tmp/mxray-deploy-ctr.XXXXXX)
chmod 755 "$WORK"
FLEET_PID=
cleanup() {
  [ -n "$FLEET_PID" ] && kill -TERM "$FLEET_PID" 2>/dev/null && wait "$FLEET_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$ROOT" && cargo build -q --locked --release -p mxray && cargo build -q --locked -p mxray-benches --example fleet_server) \
  || fatal "cargo build failed"
MXRAY=$TARGET_DIR/release/mxray
FLEET=$TARGET_DIR/debug/examples/fleet_server

tag=$(PODMAN="$PODMAN" MXRAY="$MXRAY" "$ROOT/deploy/container/build.sh" 2>"$WORK/build.err" | tail -1)
[ -n "$tag" ] || fatal "deploy/container/build.sh failed: $(tail -5 "$WORK/build.err")"
ok "image $tag built from the release binary"
size=$("${P[@]}" image inspect "$tag" --format '{{.Size}}')
check "image is small (FROM scratch: $((size / 1000000)) MB < 50 MB)" [ "$size" -lt 50000000 ]

inside=$("${P[@]}" "${RUN[@]}" "$tag" --version 2>&1)
check "mxray --version inside the image: '$inside'" [ "$inside" = "$("$MXRAY" --version)" ]
user=$("${P[@]}" image inspect "$tag" --format '{{.Config.User}}')
check "image runs as 65532, not root ($user)" [ "$user" = "65532:65532" ]

# The fleet, and the inputs the manifests expect at /config, with loopback targets.
! ss -ltnH "sport = :$FLEET_PORT" | grep -q . || fatal "port $FLEET_PORT is in use"
"$FLEET" "$FLEET_BASE" "$FLEET_COUNT" "$FLEET_PORT" > "$WORK/fleet.out" 2> "$WORK/fleet.err" &
FLEET_PID=$!
wait_for 30 grep -qs '^ready' "$WORK/fleet.out" || fatal "fleet_server did not start: $(cat "$WORK/fleet.err")"
mkdir -p "$WORK/config" "$WORK/results"
echo "$FLEET_NET" > "$WORK/config/targets.txt"
"$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["data"]["exclude.txt"], end="")' \
  "$ROOT/deploy/k8s/configmap.yaml" > "$WORK/config/exclude.txt" || fatal "cannot read configmap.yaml"
chown 65532:65532 "$WORK/results"

# args of a container of a manifest, one per line: manifest_args FILE CONTAINER-NAME
manifest_args() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]
for c in spec.get("initContainers", []) + spec["containers"]:
    if c["name"] == sys.argv[2]:
        print("\n".join(c["args"]))
PYEOF
}
N=$("$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["completions"])' "$ROOT/deploy/k8s/scan-job.yaml")
mapfile -t SCAN_ARGS < <(manifest_args "$ROOT/deploy/k8s/scan-job.yaml" scan)
[ ${#SCAN_ARGS[@]} -gt 3 ] || fatal "no args read from scan-job.yaml"
MOUNTS=(-v "$WORK/config:/config:ro" -v "$WORK/results:/results")

# The Indexed Job's pods, side by side as on a cluster.
pids=()
for ((i = 0; i < N; i++)); do
  "${P[@]}" "${RUN[@]}" "${MOUNTS[@]}" "$tag" "${SCAN_ARGS[@]//\$(SHARD_INDEX)/$i}" "${EXTRA[@]}" \
    > "$WORK/pod-$i.log" 2>&1 &
  pids+=($!)
done
for ((i = 0; i < N; i++)); do
  rc=0; wait "${pids[$i]}" || rc=$?
  if [ "$rc" = 0 ]; then ok "pod $i (scan-job.yaml args, shard $i/$N) exits 0"
  else fail "pod $i (scan-job.yaml args, shard $i/$N) exits $rc:"; tail -5 "$WORK/pod-$i.log"; fi
done
check "$N shard files, $FLEET_COUNT records in all" \
  [ "$(ls "$WORK"/results/shard-*-of-"$N".jsonl 2>/dev/null | wc -l)" = "$N" -a "$(cat "$WORK"/results/shard-*.jsonl | wc -l)" = "$FLEET_COUNT" ]

# The merge Job's containers, in order.
for name in report-json report-text report-html; do
  mapfile -t MERGE_ARGS < <(manifest_args "$ROOT/deploy/k8s/merge-job.yaml" "$name")
  rc=0
  "${P[@]}" "${RUN[@]}" -v "$WORK/results:/results" "$tag" "${MERGE_ARGS[@]}" > "$WORK/$name.log" 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then ok "merge container $name exits 0"
  else fail "merge container $name exits $rc:"; tail -5 "$WORK/$name.log"; fi
done
check "merge wrote report.json, report.txt, report.html" \
  test -s "$WORK/results/report.json" -a -s "$WORK/results/report.txt" -a -s "$WORK/results/report.html"

# The same scan on one machine, with the same binary: the scan args without shard and files.
one=()
for a in "${SCAN_ARGS[@]}"; do
  case $a in
    --shard=* | --output=* | --resume=*) ;;
    *) one+=("${a//\/config\//$WORK/config/}") ;;
  esac
done
"$MXRAY" "${one[@]}" "${EXTRA[@]}" -o "$WORK/one.jsonl" || fatal "one-machine scan failed"
"$MXRAY" report "$WORK/one.jsonl" --format json -o "$WORK/one.json" || fatal "one-machine report failed"
handshakes=$(jq '[.sections[] | select(.id == "funnel") | .tables[] | select(.id == "funnel") | .rows[] | select(.key == "handshake") | .count][0]' "$WORK/one.json")
check "one-machine scan: $FLEET_COUNT handshakes (got $handshakes)" [ "$handshakes" = "$FLEET_COUNT" ]
if [ -s "$WORK/results/report.json" ] \
  && cmp -s <(jq -S 'del(.input.files)' "$WORK/results/report.json") <(jq -S 'del(.input.files)' "$WORK/one.json"); then
  ok "merged report from the containers equals the one-machine report"
else
  fail "merged report from the containers differs from the one-machine report"
  diff <(jq -S 'del(.input.files)' "$WORK/results/report.json" 2>&1) <(jq -S 'del(.input.files)' "$WORK/one.json") | head -20
fi

"${P[@]}" rmi -f "$tag" >/dev/null 2>&1 || true
finish
