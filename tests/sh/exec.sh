#!/usr/bin/env bash
# ipcfault exec: every buggy corpus program (tests/programs, built as
# $IPF_BUILD/programs/NAME-bug) is found with pct within 1000 executions and
# its schedule replays to the same verdict; every fixed twin is clean in
# 1000 executions; the compile-time route works; bad input is one line and
# exit 2. Skipped (77) when the preload library or the corpus is not built
# (TSan builds).
. "$(dirname "$0")/../lib/sh.sh"
need_exec_corpus

# The programs that fork are tests/sh/proc_exec.sh's (their verdicts need
# the run to span processes, and some are the oracles' own: zombie,
# process-killed).
forks() { case $1 in pipe_wait_drain|pipe_reader_exits|pipe_unreaped) return 0;; esac; return 1; }
for b in "$progs"/*-bug; do
  name=$(basename "$b" -bug)
  forks "$name" && continue
  js=$(timeout 300 "$cli" exec --strategy pct --runs 1000 --json -- "$b" 2>/dev/null); rc=$?
  if [ $rc -ne 1 ] || [ "$(field "$js" verdict)" != bug ]; then bad "$name-bug not found with pct in 1000 executions (rc $rc): $js"; continue; fi
  ok
  kind=$(field "$js" kind); sched=$(field "$js" schedule)
  js2=$(timeout 300 "$cli" exec --schedule "$sched" --json -- "$b" 2>/dev/null); rc=$?
  if [ $rc -eq 1 ] && [ "$(field "$js2" kind)" = "$kind" ]; then ok; else bad "$name-bug: replay gave rc $rc, kind '$(field "$js2" kind)', want $kind"; fi
done
for f in "$progs"/*-fixed; do
  forks "$(basename "$f" -fixed)" && continue
  out=$(timeout 300 "$cli" exec --strategy pct --runs 1000 -- "$f" 2>&1); rc=$?
  [ $rc -eq 0 ] && ok || bad "$(basename "$f") is not clean (rc $rc): $(printf '%s' "$out" | head -4)"
done
# random finds the ABBA deadlock too, and names the locks
out=$(timeout 300 "$cli" exec --strategy random --runs 1000 -- "$progs/abba-bug" 2>&1)
printf '%s' "$out" | grep -q "ipf_mutex_lock(lock_b), held by t2:backward\|ipf_mutex_lock(lock_a), held by t1:forward" && ok || bad "abba deadlock report: $out"
# the compile-time route (-include ipcfault/pthread.h -lipcfault), no preload
out=$(IPCFAULT_PRELOAD=none timeout 300 "$cli" exec --runs 1000 -- "$progs/bank-compiletime" 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q Assertion && ok || bad "compile-time route: rc $rc: $out"
# a program outside the kit's reach is an error, not a verdict
one_line exec
one_line exec --runs 5
one_line exec --runs 5 --
one_line exec --runs x -- "$progs/bank-bug"
one_line exec --strategy nosuch -- "$progs/bank-bug"
one_line exec --timeout 0 -- "$progs/bank-bug"
one_line exec --bogus -- "$progs/bank-bug"
one_line exec -- /nonexistent/program
one_line exec --schedule garbage -- "$progs/bank-bug"
one_line exec --schedule 1:00000000:100000:0 -- "$progs/bank-bug"
IPCFAULT_PRELOAD=none one_line exec -- "$progs/bank-bug"
# a plain exit status is the verdict: ok for true, bug for false
timeout 60 "$cli" exec --runs 3 -- true >/dev/null 2>&1 && ok || bad "exec -- true is not ok"
timeout 60 "$cli" exec --runs 3 -- false >/dev/null 2>&1; [ $? -eq 1 ] && ok || bad "exec -- false is not a bug"
finish
