#!/usr/bin/env bash
# Command-line behaviour: exit codes, one-line errors, JSON, replay.
. "$(dirname "$0")/../lib/sh.sh"
t() { local want=$1; shift; local out; out=$(timeout 20 "$cli" "$@" 2>&1); local rc=$?
  if [ $rc -eq "$want" ]; then ok; else bad "ipcfault $* exited $rc, want $want"; echo "$out" | head -5; fi; }
t 0 --help
t 0 list
t 0 list --verbose
one_line
one_line nosuch
one_line run
one_line explore no/such-scenario
one_line explore shm/no-check --runs -5
one_line explore shm/no-check --runs 12x
one_line explore shm/no-check --strategy nosuch
one_line explore shm/no-check --seed -1
one_line explore shm/no-check --max-steps 0
one_line explore shm/no-check --bogus
one_line replay shm/no-check
one_line replay shm/no-check --schedule '!!not-a-schedule!!'
one_line replay shm/no-check --schedule 1:00000000:100000:0
one_line replay shm/no-check --schedule 1:ccf31e8c:100000:0 --strategy pct
one_line run shm/no-check --schedule 1:00000000:100000:0
t 1 explore shm/no-check --runs 1000
t 0 explore shm/continue-atomic --runs 200
t 0 explore shm/condvar --runs 200 --mode chaos
# JSON: one object, fields present; the schedule replays to the same verdict.
js=$("$cli" explore shm/no-check --strategy random --seed 3 --json)
sched=$(printf '%s' "$js" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["verdict"]=="bug" and d["kind"]=="empty-as-data" and d["executions"]>=1 and "executions_per_second" in d; print(d["schedule"])') \
  && ok || bad "explore --json: $js"
t 1 replay shm/no-check --schedule "$sched"
out=$("$cli" replay shm/no-check --schedule "$sched" --trace)
printf '%s' "$out" | grep -q "| consumer" && printf '%s' "$out" | grep -q "load slot\[" && ok || bad "--trace swimlane missing"
# a schedule of one scenario refused by another
one_line replay shm/off-by-one --schedule "$sched"
finish
