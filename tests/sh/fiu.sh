#!/usr/bin/env bash
# The libfiu bridge, for real: fiu-ctrl enables a fault site in a running
# `ipcfault explore --fiu-ctrl` process, and the site fires there (and not
# without the enable). Also: the control FIFOs exist only with --fiu-ctrl
# (or IPCFAULT_FIU_CTRL=1), are private (0600), and are gone when the
# process exits on Ctrl-C. Usage: fiu.sh PATH/TO/ipcfault
. "$(dirname "$0")/../lib/sh.sh"
command -v fiu-ctrl >/dev/null || skip "fiu-ctrl not installed (ci/install-deps)"
export TMPDIR=$tmp               # where --fiu-ctrl creates its FIFOs and fiu-ctrl looks
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done; }

# explore_bg NAME [VAR=value ...] [-- extra args]: a long explore in the background; sets $pid
explore_bg() {
  local name=$1; shift
  local envs=() ; while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  env "${envs[@]}" "$cli" explore shm/condvar --runs 1000000000 --json "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
}
# wait_fifo PID: until its control FIFOs exist (set up before the first execution)
wait_fifo() {
  for _ in $(seq 400); do
    [ -p "$tmp/fiu-ctrl-$1.in" ] && [ -p "$tmp/fiu-ctrl-$1.out" ] && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
# stop PID NAME: SIGINT; explore stops after the execution in progress, reports, exits 0
stop() {
  kill -INT "$1"
  wait "$1"
  local rc=$?
  [ $rc -eq 0 ] && ok || bad "$2: exit $rc after SIGINT: $(cat "$tmp/$2.err")"
}
# fired NAME SITE: faults fired at SITE over the whole exploration
fired() {
  python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["interrupted"] is True and d["verdict"]=="ok", d
print(d["faults"].get(sys.argv[2], {}).get("fired", 0))' "$tmp/$1.json" "$2"
}

# 1. fiu-ctrl enables ipf/sync/cond_wait (failnum 1: the site's spurious wakeup)
explore_bg enabled -- --fiu-ctrl
wait_fifo "$pid" && ok || bad "no control FIFO with --fiu-ctrl: $(cat "$tmp/enabled.err")"
mode=$(stat -c %a "$tmp/fiu-ctrl-$pid.in" 2>/dev/null)
[ "$mode" = 600 ] && ok || bad "control FIFO mode $mode, want 600"
out=$(fiu-ctrl -c 'enable name=ipf/sync/cond_wait' "$pid" 2>&1)
[ -z "$out" ] && ok || bad "fiu-ctrl enable: $out"
sleep 1                               # thousands of executions, each waits 3-5 times
stop "$pid" enabled
n=$(fired enabled ipf/sync/cond_wait) && [ "$n" -gt 0 ] && ok || bad "enabled over fiu-ctrl, but fired ${n:-?} times"
[ ! -e "$tmp/fiu-ctrl-$pid.in" ] && [ ! -e "$tmp/fiu-ctrl-$pid.out" ] && ok || bad "control FIFOs left behind: $(ls "$tmp")"

# 2. the same process without an enable: nothing fires (the counts above are fiu-ctrl's doing)
explore_bg control -- --fiu-ctrl
wait_fifo "$pid" && ok || bad "no control FIFO (control run)"
sleep 0.3
stop "$pid" control
n=$(fired control ipf/sync/cond_wait) && [ "$n" -eq 0 ] && ok || bad "nothing enabled, but fired ${n:-?} times"

# 3. the environment variable instead of the option; a libfiu wildcard with
#    failnum 7 (delay, failinfo: 2 steps) fires; disable is accepted
explore_bg glob IPCFAULT_FIU_CTRL=1
wait_fifo "$pid" && ok || bad "IPCFAULT_FIU_CTRL=1 did not open the control FIFO"
out=$(fiu-ctrl -c 'enable name=ipf/sync/*,failnum=7,failinfo=2' "$pid" 2>&1)
[ -z "$out" ] && ok || bad "fiu-ctrl enable glob: $out"
sleep 1
out=$(fiu-ctrl -c 'disable name=ipf/sync/*' "$pid" 2>&1)
[ -z "$out" ] && ok || bad "fiu-ctrl disable: $out"
stop "$pid" glob
n=$(fired glob ipf/sync/cond_wait) && [ "$n" -gt 0 ] && ok || bad "glob enable fired ${n:-?} times"

# 4. without --fiu-ctrl no FIFO is created, and fiu-ctrl cannot reach the process
explore_bg closed
sleep 0.3
ls "$tmp" | grep -q "fiu-ctrl-$pid" && bad "FIFO created without --fiu-ctrl" || ok
out=$(fiu-ctrl -c 'enable name=ipf/sync/cond_wait' "$pid" 2>&1)
printf '%s' "$out" | grep -q "unknown pid" && ok || bad "fiu-ctrl reached a process without --fiu-ctrl: $out"
stop "$pid" closed
n=$(fired closed ipf/sync/cond_wait) && [ "$n" -eq 0 ] && ok || bad "fired ${n:-?} times without --fiu-ctrl"

# 5. an ordinary exit removes the FIFOs too (libfiu's atexit)
"$cli" run shm/condvar --fiu-ctrl --max-steps 100000 >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && [ -z "$(ls "$tmp" | grep fiu-ctrl)" ] && ok || bad "run --fiu-ctrl: rc $rc, left: $(ls "$tmp")"

# 6. the bridge is opt-in: a failpoint libfiu enables from the start (fiu-run)
#    fires only with --fiu or IPCFAULT_FIU=1
# (not under ASan: fiu-run's LD_PRELOAD would come before the ASan runtime)
if command -v fiu-run >/dev/null && fiu-run -x "$cli" list >/dev/null 2>&1; then
  fires() { "$@" explore pipe/framed --plan none --runs 5 2>&1 | grep -o 'ipf/io/read [0-9]*' | awk '{print $2}'; }
  n=$(fires fiu-run -x -c 'enable name=ipf/io/read' "$cli")
  [ -z "$n" ] && ok || bad "the bridge is off by default, yet ipf/io/read fired $n times"
  n=$(IPCFAULT_FIU=1 fires fiu-run -x -c 'enable name=ipf/io/read' "$cli")
  [ -n "$n" ] && [ "$n" -gt 0 ] && ok || bad "IPCFAULT_FIU=1: ipf/io/read never fired"
  n=$(fiu-run -x -c 'enable name=ipf/io/read' "$cli" explore pipe/framed --plan none --fiu --runs 5 2>&1 | grep -o 'ipf/io/read [0-9]*' | awk '{print $2}')
  [ -n "$n" ] && [ "$n" -gt 0 ] && ok || bad "--fiu: ipf/io/read never fired"
fi

finish
