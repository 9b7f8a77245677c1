#!/bin/bash
# Stop the lab peers by their recorded PIDs. usage: lab/down.sh [postfix] [exim] [ossl] [gnutls] [tlslite] [dnssec] [mta-sts] [ptr] [findings]
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/env.sh"
exec "$HERE/stop-all.sh" "$@"
