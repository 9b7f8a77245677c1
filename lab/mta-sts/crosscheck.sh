#!/bin/bash
# mxray's MTA-STS policy verdicts beside a real MTA-STS client's: postfix-mta-sts-resolver (PyPI),
# through its own resolver code (mta_sts_query.py), on every domain of the lab zone sts.test.
# Both must agree on "a usable policy (mode, mx patterns)", "no policy" and "a policy that cannot
# be fetched or parsed", except where the table KNOWN below names the difference and why.
# Needs the MTA-STS lab (lab/up.sh mta-sts). Installs the client into $LAB/venv if missing and
# fails loudly if it cannot. Prints "N passed, N failed"; exits 1 on any failure.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../env.sh"
PORT=${MTA_STS_PORT:-4460}
CA=$LAB/mta-sts/lab-ca.pem
PY=$LAB/venv/bin/python
if ! "$PY" -c 'import postfix_mta_sts_resolver' 2>/dev/null; then
  "$LAB/venv/bin/pip" install -q postfix-mta-sts-resolver==1.5.1 \
    || { echo "crosscheck.sh: cannot install postfix-mta-sts-resolver into $LAB/venv" >&2; exit 1; }
fi
"$PY" -c 'import postfix_mta_sts_resolver' || { echo "crosscheck.sh: postfix-mta-sts-resolver missing" >&2; exit 1; }
[ -f "$CA" ] && ss -ltnH "sport = :$PORT" | grep -q . \
  || { echo "crosscheck.sh: the MTA-STS lab is not up (lab/up.sh mta-sts)" >&2; exit 1; }
(cd "$ROOT" && cargo build -q --locked -p mxray) || { echo "crosscheck.sh: cargo build failed" >&2; exit 1; }
MXRAY=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/mxray

domains=$(sed -n 's/^\([a-z0-9-]*\) *MX .*/\1.sts.test/p' "$HERE/sts.test.zone" | sort -u)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# shellcheck disable=SC2086
"$PY" "$HERE/mta_sts_query.py" --dns 127.0.0.1:5310 --https-port "$PORT" --ca-file "$CA" --timeout 4 $domains \
  > "$out/client.jsonl" 2> "$out/client.log" \
  || { echo "crosscheck.sh: mta_sts_query.py failed:" >&2; cat "$out/client.log" >&2; exit 1; }
# mxray: the records of a scan whose SMTP port is closed carry the domain's policies all the same.
closed=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.9",0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
"$MXRAY" scan $domains --resolver 127.0.0.1:5310 --ca-file "$CA" --mta-sts-port "$PORT" \
  --mta-sts-timeout 4s --port "$closed" --retries 0 --profile quick --quiet -o "$out/mxray.jsonl" \
  || { echo "crosscheck.sh: mxray scan failed" >&2; exit 1; }

"$PY" - "$out/client.jsonl" "$out/mxray.jsonl" <<'PYEOF'
import json, sys
# Where the two differ on purpose: domain -> (client's result, mxray's result, why).
KNOWN = {
    "badtxt.sts.test": ("VALID", "NONE",
        "the TXT id 'not-alnum!' breaks RFC 8461 3.1 (id = 1*32(ALPHA / DIGIT)): mxray treats the "
        "record as invalid, so no policy; postfix-mta-sts-resolver only checks that an id is present"),
}
client = {j["domain"]: j for j in map(json.loads, open(sys.argv[1]))}
mine = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    d = r.get("domain")
    m = r.get("mta_sts")
    if d is None or m is None or d in mine:
        continue
    if m["txt"]["status"] != "valid":
        mine[d] = {"result": "NONE", "mode": None, "mx": None}
    elif (m.get("policy") or {}).get("status") == "valid":
        p = m["policy"]
        mine[d] = {"result": "VALID", "mode": p["mode"], "mx": p.get("mx", [])}
    else:
        mine[d] = {"result": "FETCH_ERROR", "mode": None, "mx": None}
passed = failed = 0
for d in sorted(client):
    c, x = client[d], mine.get(d)
    if x is None:
        print(f"FAIL {d}: no mxray record with mta_sts"); failed += 1; continue
    if d in KNOWN:
        want_c, want_x, why = KNOWN[d]
        ok = c["result"] == want_c and x["result"] == want_x
        print(f"{'ok  ' if ok else 'FAIL'} {d}: client {c['result']}, mxray {x['result']} (known difference: {why})")
    else:
        cm = sorted(c["mx"] or []) if c["mode"] != "none" else []
        xm = sorted(x["mx"] or []) if x["mode"] != "none" else []
        ok = (c["result"], c["mode"], cm) == (x["result"], x["mode"], xm)
        print(f"{'ok  ' if ok else 'FAIL'} {d}: client {c['result']} {c['mode'] or ''} {cm or ''} / mxray {x['result']} {x['mode'] or ''} {xm or ''}")
    passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
print(f"mta-sts crosscheck: {passed} passed, {failed} failed")
sys.exit(1 if failed or passed < 20 else 0)
PYEOF
