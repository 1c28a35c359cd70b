#!/usr/bin/env bash
# campaign --strategy dfs: a dfs cell runs the systematic search and says
# whether it was exhaustive (summary, results.tsv, JSON, JUnit); sharding
# splits the search tree so that the shards' schedules add up to the
# unsharded search's exactly, and merge calls the cell exhaustive only when
# every shard was; a truncated search is never called exhaustive.
. "$(dirname "$0")/../lib/sh.sh"
sc=shm/continue-atomic
sched() { awk -F'\t' -v s="$2" '$1=="dfs" && $2==s {print $5}' "$1/results.tsv"; }
dfs_field() {  # dfs_field RESULTS_DIR SCENARIO COLUMN: a column of its dfs record
  awk -F'\t' -v s="$2" -v k="$3" '$1=="dfs" && $2==s {print $k}' "$1/results.tsv"; }

"$cli" campaign $sc mq/empty-then-get --strategy dfs --budget 200000 -q --out "$tmp/full" --junit "$tmp/j.xml" >"$tmp/o" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -Eq "^ +dfs: exhaustive: every schedule up to 2 preemptions and 1 fault explored \([0-9,]+ schedules" "$tmp/o" \
  && ok "unsharded: exhaustive at bound 2" || { bad "unsharded verdict (exit $rc)"; cat "$tmp/o"; }
grep -q "dfs: found at preemption bound 1 (depth 1)" "$tmp/o" && grep -q "ipcfault replay mq/empty-then-get --schedule" "$tmp/o" \
  && ok "the bug scenario found at depth 1, with a replay line" || { bad "bug cell"; cat "$tmp/o"; }
line=$(grep "ipcfault replay mq/empty-then-get" "$tmp/o" | head -1 | sed 's/^ *//')
[ -n "$line" ] && timeout 60 bash -c "$line" >/dev/null 2>&1; [ $? -eq 1 ] && ok "its replay line reproduces the bug" || bad "replay: $line"
total=$(sched "$tmp/full" $sc)
[ -n "$total" ] && [ "$total" -gt 100 ] && [ "$(dfs_field "$tmp/full" $sc 9)" = 1 ] && ok "results.tsv: $total schedules, exhaustive" \
  || { bad "results.tsv dfs record"; cat "$tmp/full/results.tsv"; }
grep -q "dfs: exhaustive: every schedule up to 2 preemptions" "$tmp/j.xml" && ok "JUnit carries the coverage" || bad "JUnit"
python3 - "$tmp/full/results.json" "$total" <<'PY' && ok "JSON: dfs cells with exhaustive and schedules" || bad "JSON dfs"
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["scenario"]: x for x in d["dfs"]}
assert c["shm/continue-atomic"]["exhaustive"] is True and c["shm/continue-atomic"]["schedules"] == int(sys.argv[2])
assert c["mq/empty-then-get"]["exhaustive"] is False and c["mq/empty-then-get"]["depth"] == 1
PY

# shards split the tree: 2 shards and 5 (deeper splits) add up exactly
for n in 2 5; do
  sum=0 allexh=1 nonempty=0
  dirs=()
  for ((i = 0; i < n; i++)); do
    "$cli" campaign $sc --strategy dfs --budget 200000 -q --shard $i/$n --out "$tmp/s$n-$i" >"$tmp/so" 2>&1
    s=$(sched "$tmp/s$n-$i" $sc); s=${s:-0}
    sum=$((sum + s)); [ "$s" -gt 0 ] && nonempty=$((nonempty + 1))
    [ "$(dfs_field "$tmp/s$n-$i" $sc 9)" = 1 ] || allexh=0
    grep -q "shard $i/$n's subtrees" "$tmp/so" || allexh=0
    dirs+=("$tmp/s$n-$i")
  done
  [ "$sum" -eq "$total" ] && [ $allexh -eq 1 ] && [ $nonempty -ge 2 ] \
    && ok "$n shards: $sum schedules = unsharded $total, each shard exhaustive of its part" \
    || bad "$n shards: sum $sum, unsharded $total, all exhaustive $allexh, nonempty $nonempty"
  "$cli" merge "${dirs[@]}" --out "$tmp/m$n" >"$tmp/mo" 2>&1
  grep -Eq "dfs: exhaustive: every schedule up to 2 preemptions and 1 fault explored \($(echo "$total" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') schedules" "$tmp/mo" \
    && [ "$(sched "$tmp/m$n" $sc)" = "$total" ] && ok "merge of $n shards: exhaustive, $total schedules" \
    || { bad "merge of $n shards"; cat "$tmp/mo"; }
done
# a shard missing: not exhaustive
"$cli" merge "$tmp/s5-0" "$tmp/s5-1" "$tmp/s5-3" --out "$tmp/mx" >"$tmp/mo" 2>&1
grep -q "dfs: not exhaustive: .*(3 of 5 shards merged)" "$tmp/mo" && ! grep -q "dfs: exhaustive" "$tmp/mo" \
  && ok "merge with shards missing: not exhaustive" || { bad "missing shards"; cat "$tmp/mo"; }

# a budget that truncates the search
"$cli" campaign $sc --strategy dfs --budget 100 -q --out "$tmp/t" >"$tmp/to" 2>&1
grep -Eq "dfs: not exhaustive: [0-9,]+ schedules explored of at least [0-9,]+" "$tmp/to" && ! grep -q "dfs: exhaustive" "$tmp/to" \
  && [ "$(dfs_field "$tmp/t" $sc 9)" = 0 ] && ok "a truncated search is not exhaustive" || { bad "truncated"; cat "$tmp/to"; }

"$cli" campaign mq/empty-then-get --strategy dfs --preemptions 0 -q --out "$tmp/p0" >"$tmp/po" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -Eq "dfs: exhaustive: every schedule up to 0 preemptions and 1 fault" "$tmp/po" \
  && ok "--preemptions 0: the depth-1 bug is out of reach, exhaustive at bound 0" || { bad "--preemptions 0 (exit $rc)"; cat "$tmp/po"; }
"$cli" campaign $sc --preemptions 1 >"$tmp/u" 2>&1
[ $? -eq 2 ] && grep -q "go with --strategy dfs" "$tmp/u" && ok "refused: --preemptions without dfs" || bad "--preemptions without dfs accepted"
"$cli" campaign $sc --strategy dfx >"$tmp/u" 2>&1
[ $? -eq 2 ] && grep -q "unknown strategy 'dfx'" "$tmp/u" && ok "refused: --strategy dfx" || bad "--strategy dfx accepted"
printf 'ipcfault-results\t1\tshard\t0/1\tseed\t1\tbudget\t10\ndfs\t%s\t-\t1\t5\t0\t5\t2\t1\t0\t-1\t1\n' $sc >"$tmp/bad.tsv"
mkdir -p "$tmp/bd" && cp "$tmp/bad.tsv" "$tmp/bd/results.tsv"
"$cli" merge "$tmp/bd" >"$tmp/u" 2>&1
[ $? -eq 2 ] && grep -q "dfs record without its dfs cell" "$tmp/u" && ok "merge refuses a dfs record without its cell" || { bad "bad dfs record"; cat "$tmp/u"; }

finish
