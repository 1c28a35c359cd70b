#!/usr/bin/env bash
# The ThreadSanitizer gate (make check-tsan). Criterion cannot run under TSan
# (DESIGN.md), so this drives the TSan-built CLI and a plain-main program:
#  - every `tsan` scenario of the catalog gets a data-race report, in both modes;
#  - every `ok` scenario gets none, in both modes, with its default plan;
#  - a racy program under the controlled scheduler is still reported (the
#    handoff adds no happens-before edge) and its locked twin is not.
# Usage: gate.sh path/to/tsan/ipcfault   Last line: "N passed, M failed".
set -u
cli=$1
dir=$(dirname "$cli")
runs=${IPF_TSAN_RUNS:-150}
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 ${TSAN_OPTIONS:-}"
pass=0 fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ok()  { pass=$((pass+1)); echo "ok    $*"; }
bad() { fail=$((fail+1)); echo "FAIL  $*"; sed -n '1,30p' "$log"; }

rows=$("$cli" list --json | python3 -c 'import json,sys
for s in json.load(sys.stdin)["scenarios"]: print(s["name"], s["expect"])')
[ -n "$rows" ] || { echo "no scenarios listed"; echo "0 passed, 1 failed"; exit 1; }
while read -r name expect; do
  for mode in controlled chaos; do
    case $expect in
      tsan)
        timeout 300 "$cli" explore "$name" --mode $mode --runs 50 >"$log" 2>&1
        if grep -q "WARNING: ThreadSanitizer: data race" "$log"; then ok "$name ($mode): race reported"
        else bad "$name ($mode): no ThreadSanitizer report"; fi ;;
      ok)
        timeout 300 "$cli" explore "$name" --mode $mode --runs "$runs" >"$log" 2>&1; rc=$?
        if grep -q "ThreadSanitizer" "$log"; then bad "$name ($mode): ThreadSanitizer report on an ok scenario"
        elif [ $rc -ne 0 ]; then bad "$name ($mode): exit $rc"
        else ok "$name ($mode): clean over $runs executions"; fi ;;
    esac
  done
done <<< "$rows"

"$dir/tsan_race_under_sched" race >"$log" 2>&1
if grep -q "WARNING: ThreadSanitizer: data race" "$log"; then ok "plain race under the controlled scheduler: reported"
else bad "plain race under the controlled scheduler: not reported (the handoff hides races)"; fi
"$dir/tsan_race_under_sched" locked >"$log" 2>&1; rc=$?
if ! grep -q "ThreadSanitizer" "$log" && [ $rc -eq 0 ]; then ok "locked twin: no report"
else bad "locked twin: report or failure (exit $rc): the emulated mutex lacks its edges"; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
