#!/usr/bin/env bash
# Campaigns: survive a segfault and a wall-clock hang, report each bug once
# with a (shrunk) replay line, nothing for ok scenarios; sharded + merged ==
# unsharded; JUnit validates; TAP; bad input exits 2.
. "$(dirname "$0")/../lib/sh.sh"
export IPF_SELFTEST=1

timeout 600 "$cli" campaign 'selftest/*' 'shm/*' --budget 300 --watchdog 2 --out "$tmp/all" --junit "$tmp/j.xml" -q >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "campaign over selftest/* and shm/* passed (exit 0)" || { bad "campaign exit $rc"; cat "$tmp/out"; }
# (under ASan the sanitizer catches SIGSEGV and exits instead: also a crash)
grep -q "selftest/segfault.*found" "$tmp/out" && grep -Eq "crash: execution [0-9]* (was killed by SIGSEGV|exited the process)" "$tmp/out" \
  && ok "segfault recorded as a finding" || bad "segfault not recorded"
grep -q "hang: execution [0-9]* made no progress" "$tmp/out" && ok "wall-clock hang recorded by the watchdog" || bad "hang not recorded"
for s in shm/no-check shm/off-by-one; do
  n=$(awk -F'\t' -v s=$s '$1=="finding" && $2==s' "$tmp/all/results.tsv" | wc -l)
  [ "$n" -eq 1 ] && ok "$s reported once" || bad "$s reported $n times"
done
n=$(awk -F'\t' '$1=="finding" && ($2=="shm/continue-atomic" || $2=="shm/condvar" || $2=="shm/process")' "$tmp/all/results.tsv" | wc -l)
[ "$n" -eq 0 ] && ok "no finding for ok scenarios" || bad "$n findings for ok scenarios"
# every non-crash finding's replay line reproduces the bug
line=$(grep -h "ipcfault replay shm/no-check" "$tmp/all/findings/"*.txt | head -1 | sed 's/^ *//')
[ -n "$line" ] && timeout 20 bash -c "$line" >/dev/null 2>&1; [ $? -eq 1 ] && ok "shrunk replay line reproduces shm/no-check" || bad "replay line failed: $line"
grep -q "preemptions .* -> " "$tmp/out" && ok "shrink reported" || bad "no shrink figures"
if command -v xmllint >/dev/null; then
  xmllint --noout --schema "$src/tests/junit.xsd" "$tmp/j.xml" 2>"$tmp/xl" && ok "JUnit validates" || { bad "JUnit invalid"; cat "$tmp/xl"; }
else echo "skip  xmllint missing"; fi
grep -c "<testcase" "$tmp/j.xml" | grep -qx 9 && ok "one testcase per scenario" || bad "testcase count"

# sharded runs merged == one unsharded run (same cells, findings, schedules)
"$cli" campaign 'shm/*' --budget 200 --out "$tmp/u" -q >/dev/null 2>&1
"$cli" campaign 'shm/*' --budget 200 --shard 0/2 --out "$tmp/s0" -q >/dev/null 2>&1
"$cli" campaign 'shm/*' --budget 200 --shard 1/2 --out "$tmp/s1" -q >/dev/null 2>&1
"$cli" merge "$tmp/s1" "$tmp/s0" --out "$tmp/m" >/dev/null 2>&1
# (a cell's seconds are wall-clock time: not compared)
norm() { tail -n +2 "$1" | awk -F'\t' 'BEGIN{OFS="\t"} $1=="cell"{NF=6} {print}' | sort; }
if diff <(norm "$tmp/u/results.tsv") <(norm "$tmp/m/results.tsv") >"$tmp/d"; then
  ok "shards 0/2 + 1/2 merged equal the unsharded run"
else bad "merged differs from unsharded"; head -20 "$tmp/d"; fi

out=$("$cli" campaign shm/no-check shm/condvar --budget 50 --tap -q 2>/dev/null)
printf '%s\n' "$out" | head -2 | tr '\n' ' ' | grep -q "TAP version 13 1..2" && ok "TAP header" || bad "TAP: $out"

for args in "campaign --shard 2/2" "campaign --budget 0" "campaign nosuch/*" "campaign --strategy x" "campaign --time 5q" "merge" "merge $tmp/none"; do
  e=$("$cli" $args 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] && [ "$(printf '%s\n' "$e" | wc -l)" -eq 1 ] && ok "bad input exits 2: $args" || bad "bad input: $args -> $rc: $e"
done
printf 'ipcfault-results\t1\tshard\t0/1\tseed\t1\tbudget\t5\nbogus line\n' > "$tmp/bad.tsv"; mkdir -p "$tmp/b"; mv "$tmp/bad.tsv" "$tmp/b/results.tsv"
e=$("$cli" merge "$tmp/b" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && printf '%s' "$e" | grep -q "results.tsv:2" && ok "malformed results named with its line" || bad "merge bad file: $rc $e"
# explore --isolate: a crash or a hang in the code under test is a bug verdict, not the end of ipcfault
out=$("$cli" explore selftest/segfault --isolate 2>&1); rc=$?
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -Eq "crash: execution [0-9]+ (was killed by SIGSEGV|exited the process)"; then ok "explore --isolate survives a segfault"
else bad "explore --isolate on a segfault: $rc $out"; fi
line=$(printf '%s\n' "$out" | grep "ipcfault replay" | sed 's/^ *//')
[ -n "$line" ] && timeout 60 bash -c "$line" >/dev/null 2>&1; [ $? -eq 1 ] && ok "its replay line reproduces the crash, isolated" || bad "replay of the crash: $line"
out=$(timeout 60 "$cli" explore selftest/wall-hang --isolate --timeout 2 --strategy random 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q "made no progress" && ok "explore --isolate --timeout reports a wall-clock hang" || bad "isolate hang: $rc $out"
finish
