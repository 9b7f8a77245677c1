#!/bin/bash
# Stop lab servers by their recorded PIDs (never by process name: no pkill, no killall).
# usage: stop-all.sh [ossl] [gnutls] [tlslite] [exim] [opensmtpd] [postfix] [dnssec] [mta-sts] [ptr] [findings] [fixes]  (no argument: all of them)
# fixes: the private Postfix and Exim of lab/fixes/run.sh (FIXES_DIR, default /tmp/mxray-fixes), if a run was cut short.
#   LAB  state directory (default: ./lab-run) where the start scripts wrote their pid files.
# Postfix writes its own master PID to /var/spool/postfix/pid/master.pid (SIGTERM to it == `postfix stop`).
# Before signalling, the PID's command line is compared with the program that wrote the pid file, so a stale
# pid file whose PID now belongs to another process is only removed, never acted on.
LAB=${LAB:-$(pwd)/lab-run}
if [ $# -gt 0 ]; then groups=("$@"); else groups=(findings ossl gnutls tlslite exim postfix dnssec mta-sts ptr fixes); fi
signalled=()

stop_pidfile() { # PIDFILE EXPECTED-CMDLINE-SUBSTRING [keep]
  local f=$1 want=$2 keep=${3:-} pid cmd
  [ -f "$f" ] || return 0
  pid=$(tr -d ' \n' < "$f")
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
    if [[ "$cmd" == *"$want"* ]]; then
      kill -TERM "$pid" && echo "stopped $pid ($f)" && signalled+=("$pid")
    else
      echo "skipped $pid ($f): it runs '$cmd', not $want"
    fi
  fi
  [ -n "$keep" ] || rm -f "$f"
}

for g in "${groups[@]}"; do
  case $g in
    ossl)      for f in "$LAB"/ossl/s44*.pid;         do stop_pidfile "$f" s_server; done ;;
    gnutls)    for f in "$LAB"/gnutls/serv-*.pid;     do stop_pidfile "$f" gnutls-serv; done ;;
    tlslite)   for f in "$LAB"/tlslite/smtp25*.pid;   do stop_pidfile "$f" smtp_tlslite; done ;;
    exim)      for f in "$LAB"/exim/exim-*.pid;       do stop_pidfile "$f" exim; done ;;
    opensmtpd) stop_pidfile "$LAB/opensmtpd/smtpd.pid" smtpd ;;
    postfix)   stop_pidfile /var/spool/postfix/pid/master.pid master keep ;;
    dnssec)    stop_pidfile "$LAB/dnssec/knot/knot.pid" knotd; stop_pidfile "$LAB/dnssec/unbound/unbound.pid" unbound ;;
    mta-sts)   stop_pidfile "$LAB/mta-sts/knot/knot.pid" knotd; stop_pidfile "$LAB/mta-sts/policy.pid" mta_sts_server ;;
    ptr)       stop_pidfile "$LAB/ptr/knot/knot.pid" knotd ;;
    findings)  for f in "$LAB"/findings/s265*.pid; do stop_pidfile "$f" s_server; done
               for f in "$LAB"/findings/exim-*.pid; do stop_pidfile "$f" exim; done ;;
    fixes)     F=${FIXES_DIR:-/tmp/mxray-fixes}
               stop_pidfile "$F/postfix/queue/pid/master.pid" master keep; stop_pidfile "$F/exim/exim.pid" exim ;;
    *) echo "unknown target '$g' (use: ossl gnutls tlslite exim opensmtpd postfix dnssec mta-sts ptr findings fixes)" >&2; exit 2 ;;
  esac
done

# Wait up to 5 s for the signalled processes to exit.
for _ in $(seq 50); do
  alive=(); for p in "${signalled[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
  [ ${#alive[@]} -eq 0 ] && break; sleep 0.1
done
[ ${#alive[@]} -eq 0 ] || echo "still running after SIGTERM: ${alive[*]} (kill -KILL them by PID if needed)"

ss -ltnp | grep -E '127\.0\.0\.1:(252[5-9]|253[01]|445[0-2]) |:444[34] ' || echo "no lab listeners left"
