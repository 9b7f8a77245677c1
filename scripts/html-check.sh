#!/usr/bin/env bash
# Browser check of an `mxray report --format html` file: render it in headless Chromium
# (Debian's `chromium` package), fail on any console message (the report has no script, so any
# message is an error: a CSP violation from a network request, a parse or script error), check
# that the DOM holds the report and its SVG charts, and keep a screenshot.
#
# Usage: scripts/html-check.sh REPORT.html [SCREENSHOT.png]   (default target/report-screenshot.png)
# Env:   CHROMIUM=/path/to/chromium (default: chromium on PATH)
#        HTML_CHECK_EXPECT="text"   a string the rendered DOM must contain (default "mxray report")
# Exit:  0 ok, 1 check failed, 2 chromium missing or unusable.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 REPORT.html [SCREENSHOT.png]" >&2
    exit 2
fi
html=$(realpath "$1")
shot=${2:-target/report-screenshot.png}
mkdir -p "$(dirname "$shot")"
shot=$(realpath -m "$shot")
expect=${HTML_CHECK_EXPECT:-mxray report}

chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then
    echo "html-check: chromium not found; install it (apt-get install -y chromium, see lab/install.sh)" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {
    # A fresh profile per run; no network services, no sandbox (we run as root in the lab).
    local profile
    profile=$(mktemp -d "$work/profile.XXXXXX")
    timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 "$@"
}

rm -f "$shot"
if ! run --screenshot="$shot" --window-size=1280,2000 "file://$html" >"$work/shot.out" 2>"$work/shot.log"; then
    echo "html-check: chromium failed to take the screenshot:" >&2
    tail -20 "$work/shot.log" >&2
    exit 2
fi
if ! run --dump-dom "file://$html" >"$work/dom.html" 2>"$work/dom.log"; then
    echo "html-check: chromium failed to dump the DOM:" >&2
    tail -20 "$work/dom.log" >&2
    exit 2
fi

fail=0
# Chromium logs every console message (any level) as ":CONSOLE" lines with --enable-logging.
if grep -hE ':CONSOLE|Uncaught|Refused to|net::ERR_' "$work/shot.log" "$work/dom.log" >"$work/console.txt"; then
    echo "html-check: console messages while loading $html:" >&2
    sed 's/^/  /' "$work/console.txt" >&2
    fail=1
fi
if ! grep -qF -- "$expect" "$work/dom.html"; then
    echo "html-check: the rendered DOM does not contain \"$expect\"" >&2
    fail=1
fi
svgs=$(grep -o '<svg' "$work/dom.html" | wc -l)
if [ "${HTML_CHECK_MIN_SVG:-1}" -gt "$svgs" ]; then
    echo "html-check: $svgs SVG charts rendered, expected at least ${HTML_CHECK_MIN_SVG:-1}" >&2
    fail=1
fi
if [ ! -s "$shot" ]; then
    echo "html-check: no screenshot written to $shot" >&2
    fail=1
fi
size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
if [ "$fail" -eq 0 ]; then
    echo "html-check: ok: $html loads without console messages; $svgs SVG charts; screenshot $shot ($size bytes)"
fi
exit "$fail"
