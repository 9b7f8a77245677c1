#!/bin/bash
# lab/slurm/stop.sh - stop what lab/slurm/start.sh started, by the PIDs in its PID files (never by process name).
#
# usage:  lab/slurm/stop.sh            cancel this cluster's jobs, then stop slurmd, slurmctld, munged
#         lab/slurm/stop.sh --purge    ... and delete $SLURM_LAB afterwards
# env:    SLURM_LAB (default $LAB/slurm), the same as for start.sh
# Before signalling, the PID's command line is compared with the expected program, so a stale PID file whose PID now
# belongs to another process is only removed, never acted on. Idempotent: nothing running -> nothing done.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
SLURM_LAB=${SLURM_LAB:-$LAB/slurm}
CONF=$SLURM_LAB/etc/slurm.conf
signalled=()

stop_pidfile() { # PIDFILE EXPECTED-CMDLINE-SUBSTRING
  local f=$1 want=$2 pid cmd
  [ -f "$f" ] || return 0
  pid=$(tr -d ' \n' < "$f")
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
    if [[ "$cmd" == *"$want"* ]]; then
      kill -TERM "$pid" && echo "stopped $want $pid" && signalled+=("$pid")
    else
      echo "skipped $pid ($f): it runs '$cmd', not $want"
    fi
  fi
  rm -f "$f"
}

wait_gone() { # wait up to 10 s for the signalled PIDs
  local alive=()
  for _ in $(seq 100); do
    alive=(); for p in "${signalled[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
    [ ${#alive[@]} -eq 0 ] && return 0; sleep 0.1
  done
  echo "still running after SIGTERM: ${alive[*]} (kill -KILL them by PID if needed)"; return 1
}

# 1. Cancel this cluster's jobs while slurmctld is still up, so no slurmstepd/job process outlives slurmd
#    (with proctrack/linuxproc a running job's slurmstepd does not die with slurmd).
if [ -f "$CONF" ] && [ -f "$SLURM_LAB/run/slurmctld.pid" ]; then
  jobs=$(SLURM_CONF=$CONF timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    echo "cancelling jobs: $jobs"
    # shellcheck disable=SC2086
    SLURM_CONF=$CONF scancel $jobs
    for _ in $(seq 50); do
      [ -z "$(SLURM_CONF=$CONF squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.2
    done
  fi
fi

# 2. Daemons, in reverse order of start. slurmctld saves its state in $SLURM_LAB/state on SIGTERM.
stop_pidfile "$SLURM_LAB/run/slurmd.pid" slurmd
wait_gone; signalled=()
stop_pidfile "$SLURM_LAB/run/slurmctld.pid" slurmctld
stop_pidfile "$SLURM_LAB/munge/munged.pid" munged
wait_gone
rc=$?

if [ "${1:-}" = "--purge" ] && [ $rc -eq 0 ]; then
  rm -rf "$SLURM_LAB" && echo "removed $SLURM_LAB"
fi
exit $rc
