#!/usr/bin/env bash
# Nothing left behind (issue 12 item 15): after campaign, explore, sweep and
# exec, ended normally or by SIGINT/SIGTERM, nothing the kit made remains in
# $TMPDIR, /dev/shm or /dev/mqueue. TMPDIR is a private directory, so what is
# found there is ours; /dev/shm and /dev/mqueue are shared with other users of
# the machine, so an entry counts as ours only when it appeared during the
# test and names a process (ipcfault-PID-...) that is gone.
# Usage: leaks.sh PATH/TO/ipcfault
. "$(dirname "$0")/../lib/sh.sh"
export TMPDIR=$tmp/tmp
mkdir "$TMPDIR"
ipc_entries >"$tmp/before"

# The kit's processes still running with our TMPDIR (orphaned cells, say).
clireal=$(readlink -f "$cli")
ours_alive() {
  local d
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/exe" 2>/dev/null)" = "$clireal" ] || continue
    tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "TMPDIR=$TMPDIR" && return 0
  done
  return 1
}
# check WHAT: wait (up to 30 s) for our processes to end, then look.
check() {
  for _ in $(seq 300); do ours_alive || break; sleep 0.1; done
  ours_alive && { bad "$1: a process of the kit is still running after the command ended"; return; }
  local left
  left=$(find "$TMPDIR" -mindepth 1 | head -5)
  [ -z "$left" ] && ok "$1: nothing left in TMPDIR" || { bad "$1: left in TMPDIR:"; echo "$left"; rm -rf "${TMPDIR:?}"/*; }
  local new
  new=$(ipc_left_since "$tmp/before")
  [ -z "$new" ] && ok "$1: nothing left in /dev/shm or /dev/mqueue" || bad "$1: left:$new"
}
# interrupt SIG SECONDS CMD...: run CMD, send SIG after SECONDS.
interrupt() {
  local sig=$1 s=$2; shift 2
  "$@" >/dev/null 2>&1 &
  local p=$!
  sleep "$s"
  kill -"$sig" "$p" 2>/dev/null
  wait "$p" 2>/dev/null
}

# 1. the whole catalog (every family: FIFOs, sockets, shm, POSIX queues, forks)
timeout 900 "$cli" campaign --budget 40 --watchdog 5 --out "$tmp/res" -q >"$tmp/out" 2>&1
rc=$?
[ $rc -le 1 ] && ok "catalog campaign ran (exit $rc)" || { bad "catalog campaign exit $rc"; tail -5 "$tmp/out"; }
check "catalog campaign"

# 2. the same, interrupted by SIGINT while cells run
interrupt INT 3 timeout 900 "$cli" campaign 'fifo/*' 'uds/*' 'mq/*' --budget 100000 --watchdog 5 --out "$tmp/res2" -q
check "campaign interrupted by SIGINT"
interrupt TERM 3 timeout 900 "$cli" campaign 'fifo/*' 'uds/*' --budget 100000 --watchdog 5 --out "$tmp/res3" -q
check "campaign interrupted by SIGTERM"

# 3. explore: abandoned (deadlocked) executions, and a run stopped by SIGINT
"$cli" explore fifo/open-order-deadlock --runs 50 >/dev/null 2>&1
check "explore of a FIFO deadlock"
interrupt INT 2 "$cli" explore fifo/framed --runs 100000000
check "explore interrupted by SIGINT"
interrupt TERM 2 "$cli" explore uds/framed --runs 100000000
check "explore interrupted by SIGTERM"

# 4. sweep, ended and interrupted
"$cli" sweep fifo/framed --site 'ipf/fifo/*' --max-n 20 >/dev/null 2>&1
check "sweep"
interrupt INT 2 "$cli" sweep uds/framed --max-n 100000
check "sweep interrupted by SIGINT"

# 5. exec of a real program
prog=$progs/lost_wakeup-bug
if [ -x "$prog" ]; then
  "$cli" exec --runs 50 -- "$prog" >/dev/null 2>&1
  check "exec"
  # (SIGTERM: a background job of a non-interactive shell ignores SIGINT,
  # and exec, which installs no handler, keeps that disposition)
  interrupt TERM 2 "$cli" exec --runs 100000000 -- "$progs/lost_wakeup-fixed"
  check "exec interrupted by SIGTERM"
fi

finish
