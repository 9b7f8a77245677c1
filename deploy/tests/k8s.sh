#!/bin/bash
# deploy/k8s, validated offline: no cluster can run here, so the manifests are checked against the
# Kubernetes OpenAPI schemas with kubernetes-validate (PyPI; in $LAB/venv-k8s, made by
# lab/install.sh), strictly (unknown fields rejected), for the oldest and newest versions it knows
# that have the fields used (backoffLimitPerIndex and FailIndex: 1.29+). A broken copy must fail,
# so the validator is known to validate. Then deploy/tests/k8s_check.py checks what schemas cannot:
# the shard count, file names, names and mounts agree. (deploy/tests/container.sh runs the
# manifests' own args in the image.) A few seconds.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
VENV=$LAB/venv-k8s
[ -x "$VENV/bin/kubernetes-validate" ] || fatal "$VENV/bin/kubernetes-validate is missing: run lab/install.sh"
K8S=$ROOT/deploy/k8s
WORK=$(mktemp -d /tmp/mxray-deploy-k8s.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

for v in 1.29.0 1.33.0 1.37.0; do
  if out=$("$VENV/bin/kubernetes-validate" --strict --quiet -k "$v" "$K8S"/*.yaml 2>&1); then
    ok "manifests valid against Kubernetes $v (strict)"
  else
    fail "manifests invalid against Kubernetes $v: $out"
  fi
done

# Negative controls: an unknown field and a wrong type must be rejected.
sed 's/^  completions: /  complettions: /' "$K8S/scan-job.yaml" > "$WORK/unknown-field.yaml"
sed 's/^  completions: [0-9]*/  completions: "four"/' "$K8S/scan-job.yaml" > "$WORK/wrong-type.yaml"
for bad in unknown-field wrong-type; do
  cmp -s "$WORK/$bad.yaml" "$K8S/scan-job.yaml" && fatal "the $bad copy is unchanged: fix the sed"
  if "$VENV/bin/kubernetes-validate" --strict --quiet "$WORK/$bad.yaml" >/dev/null 2>&1; then
    fail "a scan Job with an $bad passes validation"
  else
    ok "a scan Job with a $bad is rejected"
  fi
done

while read -r line; do
  case $line in
    "ok    "*) ok "${line#ok    }" ;;
    "FAIL  "*) fail "${line#FAIL  }" ;;
    *) echo "$line" ;;
  esac
done < <("$VENV/bin/python" "$ROOT/deploy/tests/k8s_check.py" "$K8S" 2>&1 || echo "FAIL  k8s_check.py exited with an error")
finish
