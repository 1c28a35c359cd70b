#!/usr/bin/env bash
# explore --strategy dfs through the command line: the exhaustive verdict and
# its JSON, a bug with its depth and a replay line that reproduces it, a
# truncated search never called exhaustive, bad usage exits 2.
. "$(dirname "$0")/../lib/sh.sh"

"$cli" explore shm/continue-atomic --strategy dfs >"$tmp/ok" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -Eq "^ok: shm/continue-atomic, exhaustive: every schedule up to 2 preemptions and 1 fault explored \([0-9,]+ schedules, [0-9,]+ pruned as equivalent\), nothing found" "$tmp/ok" \
  && ok "exhaustive verdict at bound 2" || { bad "exhaustive verdict (exit $rc)"; cat "$tmp/ok"; }

"$cli" explore shm/continue-atomic --strategy dfs --json >"$tmp/j" 2>&1
python3 - "$tmp/j" <<'PY' && ok "--json: exhaustive, schedules, pruned, bound" || bad "--json fields"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["strategy"] == "dfs" and d["exhaustive"] is True and d["bound"] == 2
assert d["schedules"] > 0 and d["pruned"] >= 0 and d["verdict"] == "ok"
PY

"$cli" explore shm/continue-atomic --strategy dfs --runs 5 >"$tmp/t" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -Eq "not exhaustive: [0-9,]+ schedules explored of at least [0-9,]+ \(bound [0-9]\); nothing found" "$tmp/t" \
  && ! grep -q "exhaustive: every" "$tmp/t" && ok "a truncated search says not exhaustive" || { bad "truncated verdict"; cat "$tmp/t"; }

"$cli" explore mq/empty-then-get --strategy dfs >"$tmp/b" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "dfs, depth 1: found at preemption bound 1" "$tmp/b" && ok "bug found at depth 1" \
  || { bad "bug verdict (exit $rc)"; cat "$tmp/b"; }
# the replay line names the binary that printed it: run it as printed
line=$(grep "ipcfault replay mq/empty-then-get" "$tmp/b" | sed 's/^ *//')
[ -n "$line" ] && timeout 60 bash -c "$line" >/dev/null 2>&1; [ $? -eq 1 ] && ok "the dfs replay line reproduces the bug" || bad "replay: $line"

"$cli" explore mq/empty-then-get --strategy dfs --preemptions 0 --bound-exact >"$tmp/b0" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "exhaustive: every schedule up to 0 preemptions" "$tmp/b0" \
  && ok "nothing at bound 0: the bug needs a preemption" || { bad "bound 0 (exit $rc)"; cat "$tmp/b0"; }

for args in "--preemptions 2" "--strategy dfs --preemptions x" "--strategy dfs --isolate" "--strategy dfs --mode chaos" "--max-faults 1"; do
  "$cli" explore shm/continue-atomic $args >"$tmp/u" 2>&1; rc=$?
  [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/u")" -ge 1 ] && ok "refused: $args" || { bad "not refused (exit $rc): $args"; cat "$tmp/u"; }
done
"$cli" run shm/continue-atomic --strategy dfs >"$tmp/u" 2>&1
[ $? -eq 2 ] && ok "refused: run --strategy dfs" || bad "run --strategy dfs accepted"

finish
