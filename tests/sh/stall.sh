#!/usr/bin/env bash
# Issue 11 under ipcfault exec, on unrebuilt plain-gcc programs
# (tests/programs): correct spin-waits with no call in the loop are clean
# under pct, random and rr (the stall watchdog preempts the spinner); a spin
# nobody ends is a livelock naming the spinning function; a polling
# shutdown loop is clean under every strategy (fair PCT); a timed wait that
# must expire while main runs is found; 100 and 1000 threads run, and the
# thread limit is a tool error; a --timeout hang names where each thread
# was; every bug replays 20/20 where exactly replayable, and an execution
# that is not says so in text and JSON. Skipped (77) without the preload
# library or the corpus (TSan builds).
. "$(dirname "$0")/../lib/sh.sh"
need_exec_corpus spin_flag-fixed
run() { timeout 300 "$cli" exec "$@" 2>/dev/null; }

clean() {   # clean PROG RUNS [ARGS]: no bug under pct, random and rr
  local p=$1 n=$2; shift 2
  for s in pct random rr; do
    out=$(timeout 300 "$cli" exec --strategy $s --runs "$n" -- "$progs/$p" "$@" 2>&1); rc=$?
    [ $rc -eq 0 ] && ok || bad "$p $* is not clean under $s (rc $rc): $(printf '%s' "$out" | head -5)"
  done
}

found() {   # found PROG KIND STRATEGY [ARGS]: a bug of KIND, replayed 20/20 when replayable
  local p=$1 kind=$2 s=$3; shift 3
  js=$(run --strategy "$s" --runs 1000 --json -- "$progs/$p" "$@"); rc=$?
  if [ $rc -ne 1 ] || [ "$(field "$js" kind)" != "$kind" ]; then bad "$p $* under $s: rc $rc, want $kind: $js"; return; fi
  ok
  sched=$(field "$js" schedule)
  if [ "$(field "$js" replayable)" = true ]; then
    local same=0
    for i in $(seq 20); do
      js2=$(run --schedule "$sched" --json -- "$progs/$p" "$@")
      [ "$(field "$js2" kind)" = "$kind" ] && same=$((same+1))
    done
    [ $same -eq 20 ] && ok || bad "$p $* under $s: replay gave $kind $same/20 times"
  else
    printf '%s' "$js" | grep -q '"replayable":false' && ok || bad "$p: replayable field: $js"
  fi
}

# 1. correct spin-waits, plain and atomic flags, no call in the loop
clean spin_flag-fixed 100
clean livelock-fixed 100
for s in pct random rr; do found spin_flag-bug assert $s; done
# an execution cut by the watchdog says so, in text and in JSON (rr, seed 7:
# the partner spins before main announces the data)
js=$(run --strategy rr --seed 7 --runs 1 --json -- "$progs/spin_flag-bug")
if [ "$(field "$js" kind)" = assert ] && [ "$(field "$js" replayable)" = false ]; then ok; else bad "spin_flag-bug rr seed 7 should be an inexact assert: $js"; fi
out=$(timeout 300 "$cli" exec --strategy rr --seed 7 --runs 1 -- "$progs/spin_flag-bug" 2>&1)
printf '%s' "$out" | grep -q "not exactly replayable" && ok || bad "text report does not say 'not exactly replayable': $out"
# a replay of an exactly replayable execution is not marked
js=$(run --strategy pct --runs 1000 --json -- "$progs/poll_shutdown-bug")
printf '%s' "$js" | grep -q '"replayable":true' && ok || bad "poll_shutdown-bug should be exactly replayable: $js"

# 2. a spin nobody ends: a livelock, the function named
for s in pct random rr; do
  found livelock-bug livelock $s
  msg=$(field "$(run --strategy $s --runs 1 --json -- "$progs/livelock-bug")" message)
  printf '%s' "$msg" | grep -q "t1:worker spins in wait_for_go" && ok || bad "livelock report under $s does not name wait_for_go: $msg"
done

# 3. a polling shutdown loop: clean under every strategy (fair PCT)
clean poll_shutdown-fixed 500
for s in pct random rr; do found poll_shutdown-bug assert $s; done
# the step-bound hang of a starved poll tells the truth about the waiters
out=$(timeout 300 "$cli" exec --strategy pct --runs 1000 --max-steps 1000 -- "$progs/poll_shutdown-fixed" 2>&1)
if printf '%s' "$out" | grep -q "no end after 1000 steps" && ! printf '%s' "$out" | grep -q "no thread left to signal it" &&
   printf '%s' "$out" | grep -q "waiting for a signal; main is runnable"; then ok; else bad "starved-poll hang report: $out"; fi

# 4. timeouts as choices: the consumer's 1 s wait expires after main's teardown
clean timed_teardown-fixed 1000
for s in pct random rr; do found timed_teardown-bug assert $s; done

# 5. many threads
clean many_threads-fixed 20 100
clean many_threads-fixed 2 1000
found many_threads-bug assert pct 100
found many_threads-bug assert pct 1000
out=$(timeout 300 "$cli" exec --runs 1 -- "$progs/many_threads-fixed" 5000 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && printf '%s' "$out" | grep -q "thread limit" && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && ok ||
  bad "5000 threads should be one line 'thread limit', exit 2 (rc $rc): $out"

# 6. --timeout names where each thread was (watchdog off: the spin holds on)
out=$(IPCFAULT_STALL_MS=0 timeout 60 "$cli" exec --strategy rr --seed 7 --runs 1 --timeout 1 -- "$progs/spin_flag-fixed" 2>&1); rc=$?
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "(--timeout)" && printf '%s' "$out" | grep -q "t1:partner: running, at wait_plain" &&
   printf '%s' "$out" | grep -q "  main: "; then ok; else bad "--timeout hang report (rc $rc): $out"; fi

finish
