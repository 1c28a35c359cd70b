#!/usr/bin/env bash
# make demo: the `continue` story of the chapter notes, with real output.
#  1. shm/no-check (the consumer before the fix) found by the kit in a few
#     executions, with the interleaving and a replay line;
#  2. the same bug by plain runs of the same program, without the kit;
#  3. shm/continue-plain (the fix on plain ints): the kit's own replayable
#     data-race report (its shm code is built instrumented), then
#     ThreadSanitizer's;
#  4. shm/continue-atomic and shm/condvar clean over 10,000 executions each.
set -u
cli=${1:-build/ipcfault}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$cli" ] || { echo "demo: $cli not built (run make)" >&2; exit 2; }
hr() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

hr "1. The consumer before the fix: does it ever take -1 as data?"
echo "\$ ipcfault explore shm/no-check"
"$cli" explore shm/no-check
echo
echo "Executions the kit needed, seeds 1-10:"
for strat in pct random; do
  line=""
  for seed in $(seq 10); do
    n=$("$cli" explore shm/no-check --strategy $strat --seed "$seed" --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["executions"])')
    line="$line $n"
  done
  printf '  %-7s%s\n' "$strat" "$line"
done

hr "2. The same bug without the kit: plain runs of the same program"
runs=${DEMO_PLAIN_RUNS:-2000}
fails=0 first=0
for i in $(seq "$runs"); do
  "$cli" run shm/no-check --mode plain --seed "$i" >/dev/null 2>&1
  if [ $? -eq 1 ]; then fails=$((fails+1)); [ $first -eq 0 ] && first=$i; fi
done
pct=$(( fails * 100 / runs ))
echo "plain runs (real threads, no kit): $fails of $runs runs showed the bug ($pct%)$( [ $first -gt 0 ] && echo ", the first at run $first")."
echo "That rate is this machine's thread start-up timing under its current load:"
echo "it changes with load and core count, so a run that passes proves nothing."
echo "The kit needed the handful of executions above for every seed, and the"
echo "schedule it prints replays the failure exactly, every time."

hr "3. The \`continue\` fix on plain ints: logically right, a data race in C"
echo "\$ ipcfault explore shm/continue-plain      (every interleaving is right: the race detector sees it)"
out=$("$cli" explore shm/continue-plain --runs 1000 2>/dev/null)
printf '%s\n' "$out" | sed -n '1,2p'
line=$(printf '%s\n' "$out" | grep -m1 "ipcfault replay shm/continue-plain" | sed 's/^ *ipcfault //')
echo "\$ ipcfault $line      (the same race, every time)"
[ -n "$line" ] && "$cli" $line 2>/dev/null | sed -n '1,2p'
echo "ThreadSanitizer reports it too, with source lines but no schedule to replay:"
tsan=$root/build-tsan/ipcfault
if [ ! -x "$tsan" ]; then
  echo "(building the ThreadSanitizer preset once: cmake --preset tsan)"
  (cd "$root" && cmake --preset tsan >/dev/null && cmake --build build-tsan -j2 --target ipcfault_cli >/dev/null) ||
    { echo "demo: TSan build failed" >&2; exit 1; }
fi
echo "\$ build-tsan/ipcfault run shm/continue-plain     (ThreadSanitizer build)"
TSAN_OPTIONS="halt_on_error=0" "$tsan" run shm/continue-plain 2>&1 |
  grep -A1 -E "WARNING: ThreadSanitizer|[Ww]rite of size|Read of size|SUMMARY" | grep -v -e '^--' -e 'WARNING.*warnings' |
  sed -e 's/ (ipcfault+0x[0-9a-f]*)//' -e 's/ (BuildId: [0-9a-f]*)//' | head -9

hr "4. The fix done right: acquire/release, and a condition variable"
for s in shm/continue-atomic shm/condvar; do
  echo "\$ ipcfault explore $s --runs 10000"
  "$cli" explore "$s" --runs 10000
  "$cli" explore "$s" --runs 10000 --strategy random
done
