#!/usr/bin/env bash
# Issue 13 under ipcfault exec: a plain-gcc program's own processes.
#  - the process interposers pass through outside ipcfault (the preload
#    library loaded, no run), and posix_spawn/system/popen with waitpid and
#    waitid work under exec (those processes are outside the run, and the
#    report says so: a note, "replayable": false, "outside" in --json, the
#    words on a bug's report);
#  - with the run spanning processes (the scheduler's side of issue 13):
#    the parent that waits before draining a pipe its child fills
#    (pipe_wait_drain-bug) is a deadlock that names both processes by pid
#    and the pipe, within the first executions and not at --timeout, and
#    replays 20/20; the child killed by SIGPIPE (pipe_reader_exits-bug) and
#    the worker never reaped (pipe_unreaped-bug) are the run's oracle
#    failures, replayed 20/20; every fixed twin is clean under pct and
#    random; fork+exec (waited for, and polled with WNOHANG), a failed
#    exec, waitid, wait4 and exit()'s handlers in a child behave as POSIX
#    says under exec, a parent in waitid(WNOWAIT) before draining its
#    child's pipe is a deadlock, a child SIGKILLed by its parent is process-killed, and
#    a first process that _exits leaves no child or grandchild behind;
#  - nothing is left in TMPDIR, /dev/shm or /dev/mqueue, and no process of
#    these programs outlives the command.
# Until the scheduler spans processes (probe: its oracle kinds are not in
# the preload library) the second part is skipped: exit 77 after the first.
# Skipped (77) as well without the preload library or the corpus (TSan
# builds).
. "$(dirname "$0")/../lib/sh.sh"
progs=$(readlink -f "$progs")
helper=$(readlink -f "$build/ipcfault_proc_helper")
need_exec_corpus pipe_wait_drain-bug
[ -x "$helper" ] || skip "no preload library/corpus"

export TMPDIR=$tmp/tmp
mkdir "$TMPDIR"
ipc_entries >"$tmp/before"

# Processes of these programs still there: running ones by their
# executable (the forkserver, executions and their children), zombies by
# the kernel's 15-character name.
strays() {
  local d exe st
  for d in /proc/[0-9]*; do
    exe=$(readlink "$d/exe" 2>/dev/null)
    case $exe in "$progs"/pipe_*|"$helper") echo "${d#/proc/} $exe"; continue;; esac
    st=$(cat "$d/stat" 2>/dev/null) || continue
    case $st in *"(pipe_wait_drain) Z"*|*"(pipe_reader_exi) Z"*|*"(pipe_unreaped-"?") Z"*|*"(ipcfault_proc_h) Z"*)
      echo "${d#/proc/} zombie: $st";; esac
  done
}
no_strays() {   # no_strays WHAT: none left (reaped within 5 s of the command's end)
  local left
  for _ in $(seq 50); do left=$(strays); [ -z "$left" ] && break; sleep 0.1; done
  [ -z "$left" ] && ok || { bad "$1: processes left after the command:"; echo "$left"; }
}
run() { timeout 300 "$cli" exec "$@" 2>/dev/null; }

# ---- 1. no run needed ---------------------------------------------------------
for m in spawn execfail exec pollexec kill waitid wait4; do
  out=$(LD_PRELOAD=$preload timeout 60 "$helper" $m 2>&1); rc=$?
  [ $rc -eq 0 ] && ok || bad "with the preload library, outside ipcfault, $m: rc $rc: $out"
done
out=$(timeout 300 "$cli" exec --runs 30 -- "$helper" spawn 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "exec of posix_spawn/system/popen + waitpid/waitid: rc $rc: $(printf '%s' "$out" | head -5)"
# ... and the report says that a process outside the run took part
case $out in *"note: the program started a process outside the run (posix_spawn /bin/sh)"*) ok;;
  *) bad "exec spawn: no note of the process outside the run: $(printf '%s' "$out" | head -3)";; esac
js=$(run --runs 2 --json -- "$helper" spawn)
[ "$(field "$js" replayable)" = false ] && [ "$(field "$js" outside)" = "posix_spawn /bin/sh" ] && ok ||
  bad "exec spawn --json: replayable/outside: $js"
js=$(run --runs 2 --json -- "$progs/abba-fixed")
[ "$(field "$js" replayable)" = true ] && [ -z "$(field "$js" outside)" ] && ok ||
  bad "exec abba-fixed --json (no outside process): replayable/outside: $js"
# a bug found in an execution with one: the report says its replay may not be exact, and names it
out=$(run --runs 300 -- "$helper" spawnabba); rc=$?
case $out in *"deadlock"*"(not exactly replayable: the program started a process outside the run"*"(outside the run: system exit 0)"*)
  [ $rc -eq 1 ] && ok || bad "exec spawnabba: rc $rc";;
  *) bad "exec spawnabba: rc $rc, no deadlock with the outside-process words: $(printf '%s' "$out" | head -8)";; esac
no_strays "exec spawn"

# ---- 2. the run spans processes ----------------------------------------------
if ! grep -qa 'process-alive' "$preload"; then
  echo "$pass passed, $fail failed"
  [ $fail -eq 0 ] || exit 1
  echo "skipped: the scheduler does not span processes yet (issue 13's core)"
  exit 77
fi

replays() {   # replays PROG KIND SCHEDULE: 20/20 to the same kind
  local p=$1 kind=$2 sched=$3 same=0
  for _ in $(seq 20); do
    js=$(run --schedule "$sched" --json -- "$progs/$p")
    [ "$(field "$js" kind)" = "$kind" ] && same=$((same+1))
  done
  [ $same -eq 20 ] && ok || bad "$p: $same/20 replays gave $kind"
}
clean() {     # clean PROG RUNS: nothing found under pct and random
  local p=$1 n=$2 s out rc
  for s in pct random; do
    out=$(timeout 300 "$cli" exec --strategy $s --runs "$n" -- "$progs/$p" 2>&1); rc=$?
    [ $rc -eq 0 ] && ok || bad "$p is not clean under $s in $n executions (rc $rc): $(printf '%s' "$out" | head -6)"
    no_strays "$p under $s"
  done
}

# the parent waits before it drains: a deadlock across two processes, seen
# by the scheduler (the generous --timeout is never what ends it)
js=$(run --runs 10 --timeout 120 --json -- "$progs/pipe_wait_drain-bug"); rc=$?
kind=$(field "$js" kind); msg=$(field "$js" message)
if [ $rc -eq 1 ] && [ "$kind" = deadlock ]; then ok; else bad "pipe_wait_drain-bug: rc $rc, kind '$kind', want deadlock within 10 executions: $js"; fi
npids=$(printf '%s' "$msg" | grep -o 'pid [0-9][0-9]*' | sort -u | wc -l)
[ "$npids" -ge 2 ] && ok || bad "pipe_wait_drain-bug: the report names $npids process(es) by pid, want both: $msg"
printf '%s' "$msg" | grep -q pipe && ok || bad "pipe_wait_drain-bug: the report does not mention the pipe: $msg"
printf '%s' "$msg" | grep -q waitpid && ok || bad "pipe_wait_drain-bug: the report does not say the parent waits in waitpid: $msg"
printf '%s' "$msg" | grep -q write && ok || bad "pipe_wait_drain-bug: the report does not say the child is blocked in write: $msg"
printf '%s' "$msg" | grep -q 'at main\b' && printf '%s' "$msg" | grep -q 'at child\b' && ok ||
  bad "pipe_wait_drain-bug: the report does not name the program's call sites (main, child), not the interposers': $msg"
no_strays "pipe_wait_drain-bug"
sched=$(field "$js" schedule)
[ -n "$sched" ] && replays pipe_wait_drain-bug deadlock "$sched"
no_strays "pipe_wait_drain-bug replays"
clean pipe_wait_drain-fixed 200

# the reader closes early: the writer child dies of SIGPIPE
js=$(run --runs 1000 --json -- "$progs/pipe_reader_exits-bug"); rc=$?
kind=$(field "$js" kind); msg=$(field "$js" message)
if [ $rc -eq 1 ] && [ "$kind" = process-killed ]; then ok; else bad "pipe_reader_exits-bug: rc $rc, kind '$kind', want process-killed: $js"; fi
printf '%s' "$msg" | grep -qi 'sigpipe\|signal 13\|broken pipe' && ok || bad "pipe_reader_exits-bug: the report does not name SIGPIPE: $msg"
printf '%s' "$msg" | grep -q 'pid [0-9]' && ok || bad "pipe_reader_exits-bug: the report does not name the child by pid: $msg"
sched=$(field "$js" schedule)
[ -n "$sched" ] && replays pipe_reader_exits-bug process-killed "$sched"
clean pipe_reader_exits-fixed 300

# the worker read to end of file and never reaped: a zombie at the run's end
js=$(run --runs 20 --json -- "$progs/pipe_unreaped-bug"); rc=$?
kind=$(field "$js" kind); msg=$(field "$js" message)
if [ $rc -eq 1 ] && [ "$kind" = zombie ]; then ok; else bad "pipe_unreaped-bug: rc $rc, kind '$kind', want zombie: $js"; fi
printf '%s' "$msg" | grep -q 'pid [0-9]' && ok || bad "pipe_unreaped-bug: the report does not name the worker by pid: $msg"
sched=$(field "$js" schedule)
[ -n "$sched" ] && replays pipe_unreaped-bug zombie "$sched"
clean pipe_unreaped-fixed 200
no_strays "pipe_unreaped"

# fork+exec (leaves the run), a failed exec (stays), waitid, wait4, exit()
for m in execfail exec pollexec waitid wait4; do
  out=$(timeout 300 "$cli" exec --runs 50 -- "$helper" $m 2>&1); rc=$?
  [ $rc -eq 0 ] && ok || bad "exec of proc_helper $m: rc $rc: $(printf '%s' "$out" | head -6)"
  no_strays "proc_helper $m"
done

# waitid(WNOWAIT) waits on the scheduler too: the parent that waits so
# before draining the pipe its child fills is a deadlock naming both, with
# its kernel-side wait, within the first executions (not a hang at the
# step bound, as a yielding poll of the kernel was)
out=$(run --runs 20 -- "$helper" waitidfull); rc=$?
case $out in *"deadlock"*"blocked in waitpid"*"pipe full"*) [ $rc -eq 1 ] && ok || bad "waitidfull: rc $rc";;
  *) bad "proc_helper waitidfull: rc $rc, no deadlock across the processes: $(printf '%s' "$out" | head -6)";; esac
no_strays "proc_helper waitidfull"

# kill() is the kernel's: a child its parent SIGKILLs is killed by a signal,
# which is the run's process-killed (not a hang, not a tool error)
js=$(run --runs 20 --json -- "$helper" kill); rc=$?
[ $rc -eq 1 ] && [ "$(field "$js" kind)" = process-killed ] && ok || bad "proc_helper kill: rc $rc, want process-killed: $js"
no_strays "proc_helper kill"

# the first process _exits while a child and a grandchild block: both are
# leftovers of the run (process-alive), killed and reaped with it
js=$(run --runs 5 --json -- "$helper" orphans); rc=$?
[ $rc -eq 1 ] && [ "$(field "$js" kind)" = process-alive ] && ok || bad "proc_helper orphans: rc $rc, want process-alive: $js"
no_strays "proc_helper orphans"

# ---- 3. nothing left behind --------------------------------------------------
left=$(find "$TMPDIR" -mindepth 1 | head -5)
[ -z "$left" ] && ok || bad "left in TMPDIR: $left"
new=$(ipc_left_since "$tmp/before")
[ -z "$new" ] && ok || bad "left in /dev/shm or /dev/mqueue:$new"
finish
