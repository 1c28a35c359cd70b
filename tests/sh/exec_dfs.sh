#!/usr/bin/env bash
# ipcfault exec --strategy dfs: the search runs in the command (dfs.c, the
# same code as explore's), each execution a fork of the program's
# forkserver taking its decisions on the command's search stack. Exact
# schedule counts of tests/programs/dfs_count.c (derived there and in
# tests/test_dfs.c), a bug found at its depth whose schedule replays,
# verdict lines and JSON as explore --strategy dfs prints them, bad input.
# Skipped (77) without the preload library or the corpus (TSan builds).
. "$(dirname "$0")/../lib/sh.sh"
need_exec_corpus
fixed=$progs/dfs_count-fixed

# plain bounded dfs (a bound that cuts: no reduction claim): 1, 5, 13
k=0
for want in 1 5 13; do
  js=$(timeout 120 "$cli" exec --strategy dfs --preemptions $k --bound-exact --json -- "$fixed" 2>&1); rc=$?
  if [ $rc -eq 0 ] && [ "$(field "$js" exhaustive)" = true ] && [ "$(field "$js" schedules)" = $want ] &&
     [ "$(field "$js" bound)" = $k ] && [ "$(field "$js" strategy)" = dfs ]; then ok
  else bad "bound $k: want $want schedules, exhaustive (rc $rc): $js"; fi
  k=$((k+1))
done
# a bound that cuts nothing: the reduction, one schedule per trace (6), and
# no execution wasted on a sleeping branch (6 executions)
out=$(timeout 120 "$cli" exec --strategy dfs --preemptions 64 --bound-exact -- "$fixed" 2>&1); rc=$?
[ $rc -eq 0 ] && printf '%s' "$out" | grep -q "^ok: exec:dfs_count-fixed, exhaustive: every schedule with up to 1 fault explored, no preemption bound needed (6 schedules, 6 pruned as equivalent), nothing found (6 executions" \
  && ok || bad "reduced, unbounded: $out"
# the dependent pair: 31, the count explore's in-process search gives for the
# same program over ipf_sem (the same code, over the same footprints)
js=$(timeout 120 "$cli" exec --strategy dfs --preemptions 64 --bound-exact --json -- "$fixed" dep 2>&1)
[ "$(field "$js" schedules)" = 31 ] && [ "$(field "$js" unbounded)" = true ] && ok || bad "dependent: $js"
# the default search: bounds 0..2, the verdict line explore prints
out=$(timeout 120 "$cli" exec --strategy dfs -- "$fixed" 2>&1); rc=$?
[ $rc -eq 0 ] && printf '%s' "$out" | grep -q "exhaustive: every schedule up to 2 preemptions and 1 fault explored (13 schedules" \
  && ok || bad "default search (rc $rc): $out"
# the bug at its depth, and its replay
js=$(timeout 120 "$cli" exec --strategy dfs --json -- "$progs/dfs_count-bug" 2>&1); rc=$?
if [ $rc -eq 1 ] && [ "$(field "$js" verdict)" = bug ] && [ "$(field "$js" depth)" = 1 ] && [ "$(field "$js" kind)" = abort ]; then ok
else bad "dfs_count-bug: rc $rc: $js"; fi
sched=$(field "$js" schedule)
js2=$(timeout 120 "$cli" exec --schedule "$sched" --json -- "$progs/dfs_count-bug" 2>/dev/null); rc=$?
[ $rc -eq 1 ] && [ "$(field "$js2" kind)" = abort ] && ok || bad "replay of the dfs bug: rc $rc: $js2"
out=$(timeout 120 "$cli" exec --strategy dfs -- "$progs/dfs_count-bug" 2>&1)
printf '%s' "$out" | grep -q "^BUG in exec:dfs_count-bug after [0-9]* executions (dfs, depth 1: found at preemption bound 1)" \
  && printf '%s' "$out" | grep -q "exec --schedule" && ok || bad "bug text: $out"
# a deadlock of the corpus at its depth (abba: one preemption)
js=$(timeout 120 "$cli" exec --strategy dfs --json -- "$progs/abba-bug" 2>&1)
[ "$(field "$js" kind)" = deadlock ] && [ "$(field "$js" depth)" = 1 ] && ok || bad "abba-bug: $js"
# the budget runs out: not exhaustive, said so
out=$(timeout 120 "$cli" exec --strategy dfs --runs 3 -- "$fixed" 2>&1); rc=$?
[ $rc -eq 0 ] && printf '%s' "$out" | grep -q "not exhaustive: [0-9]* schedules explored of at least" && ok || bad "budget: $out"
# Ctrl-C (SIGINT to the command alone, as a terminal's goes to the group:
# the forkserver has a group of its own): the search stops after the
# execution in flight, says it was interrupted and not exhaustive, and
# leaves no process behind
"$cli" exec --strategy dfs --runs 1000000 --preemptions 64 --bound-exact -- "$progs/philosophers-fixed" \
  > "$tmp/int.out" 2>&1 &
cmd=$!
sleep 2
kill -INT $cmd
wait $cmd; rc=$?
sleep 0.2
left=$(pgrep -f "$progs/philosophers-fixed" || true)
[ $rc -eq 0 ] && grep -q "^ok: exec:philosophers-fixed, not exhaustive: .* (interrupted)\$" "$tmp/int.out" && [ -z "$left" ] \
  && ok || bad "interrupted dfs: rc $rc, left '$left': $(cat "$tmp/int.out")"
# bad input: one line, exit 2
one_line exec --preemptions 1 -- "$fixed"
one_line exec --strategy dfs --schedule 1:0:1:0 -- "$fixed"
one_line exec --strategy dfs --max-faults x -- "$fixed"
finish
