#!/usr/bin/env bash
# Campaigns under CI (issue 12 items 13, 14, 8): results are on disk as
# cells finish; SIGINT/SIGTERM write what was done and --resume finishes the
# same cells as an uninterrupted run; cell children die with a SIGKILLed
# parent; JUnit times are real; a hang is one finding wherever the other
# threads were blocked, and its shrink line says what it did.
. "$(dirname "$0")/../lib/sh.sh"
cells() { awk -F'\t' 'BEGIN{OFS="\t"} $1=="cell"{print $2,$3,$4,$5,$6}' "$1" | sort; }
wait_for() {  # wait_for FILE: up to 120 s (a hang guard, not a timing check)
  for _ in $(seq 1200); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }

# an uninterrupted run, for comparison
"$cli" campaign 'shm/*' 'mq/*' --budget 2000 --strategy pct --out "$tmp/u" -q >/dev/null 2>&1
urc=$?

for sig in INT TERM; do
  d="$tmp/i$sig"
  "$cli" campaign 'shm/*' 'mq/*' --budget 2000 --strategy pct --out "$d" -q >"$d.out" 2>"$d.err" &
  pid=$!
  # results.tsv appears when the first cell finishes: interrupt then
  wait_for "$d/results.tsv" && ok "SIG$sig: results.tsv written as the first cell finished" || bad "SIG$sig: no results.tsv while running"
  kill -$sig $pid; wait $pid; rc=$?
  want=$([ $sig = INT ] && echo 130 || echo 143)
  [ $rc -eq $want ] && ok "SIG$sig: exit $rc" || bad "SIG$sig: exit $rc, want $want"
  grep -q "interrupted by SIG$sig" "$d.err" && grep -q "campaign --resume $d" "$d.err" && ok "SIG$sig: says how to resume" || bad "SIG$sig stderr: $(cat "$d.err")"
  [ -s "$d/summary.txt" ] && [ -s "$d/results.json" ] && grep -q "^interrupted: " "$d/summary.txt" && ok "SIG$sig: summary written, marked interrupted" || bad "SIG$sig: summary: $(head -3 "$d/summary.txt")"
  done=$(cells "$d/results.tsv" | awk -F'\t' '$5=="done"' | wc -l); all=$(cells "$tmp/u/results.tsv" | wc -l)
  [ "$done" -ge 1 ] && [ "$done" -lt "$all" ] && ok "SIG$sig: $done of $all cells done" || bad "SIG$sig: $done of $all cells done"
  "$cli" campaign --resume "$d" -q >/dev/null 2>"$d.err2"; rc=$?
  [ $rc -eq $urc ] && [ ! -s "$d.err2" ] && ok "SIG$sig: --resume exits as the uninterrupted run did ($rc)" || bad "SIG$sig: --resume exit $rc (want $urc): $(cat "$d.err2")"
  if diff <(cells "$tmp/u/results.tsv") <(cells "$d/results.tsv") >"$tmp/d"; then ok "SIG$sig: resumed cells equal the uninterrupted run's"
  else bad "SIG$sig: resumed cells differ"; head -10 "$tmp/d"; fi
  diff <(awk -F'\t' '$1=="finding"{print $2,$3,$8,$9}' "$tmp/u/results.tsv" | sort) \
       <(awk -F'\t' '$1=="finding"{print $2,$3,$8,$9}' "$d/results.tsv" | sort) >/dev/null \
    && ok "SIG$sig: the same findings" || bad "SIG$sig: findings differ"
done
e=$("$cli" campaign --resume "$tmp/nosuch" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$e" | wc -l)" -eq 1 ] && ok "--resume of no campaign: one line, exit 2" || bad "--resume nosuch: $rc $e"
e=$("$cli" campaign 'shm/*' --resume "$tmp/iINT" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && ok "--resume with a SCENARIO refused" || bad "--resume + pattern: $rc $e"

# SIGKILL the parent while a cell child is stuck: the child dies too
export IPF_SELFTEST=1
"$cli" campaign selftest/wall-hang --strategy random --watchdog 300 --out "$tmp/k" -q >/dev/null 2>&1 &
pid=$!
child=
for _ in $(seq 600); do child=$(pgrep -P $pid | head -1); [ -n "$child" ] && break; sleep 0.1; done
if [ -n "$child" ]; then
  sleep 1; kill -KILL $pid; wait $pid 2>/dev/null
  gone=
  for _ in $(seq 100); do kill -0 "$child" 2>/dev/null || { gone=1; break; }; sleep 0.1; done
  [ -n "$gone" ] && ok "cell child died with its SIGKILLed parent" || { bad "cell child $child outlived its parent"; kill -KILL "$child"; }
else
  bad "no cell child seen"; kill -KILL $pid
fi
unset IPF_SELFTEST

# JUnit: each testcase's time is its cells' time, not 0
"$cli" campaign shm/no-check shm/condvar --budget 500 --out "$tmp/j" --junit "$tmp/j.xml" -q >/dev/null 2>&1
python3 - "$tmp/j.xml" <<'EOP' && ok "JUnit: every testcase has a real time" || bad "JUnit times: $(grep testcase "$tmp/j.xml")"
import sys, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]); cases = list(t.iter("testcase")); suite = next(t.iter("testsuite"))
ts = [float(c.get("time")) for c in cases]
assert len(ts) == 2 and all(x > 0 for x in ts), ts
assert sum(ts) <= float(suite.get("time")) + 0.01, (ts, suite.get("time"))
EOP

# hangs: one finding per spinning thread, and the shrink says what it did
if command -v pkg-config >/dev/null &&
   cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/log" 2>&1; then
  cat > "$tmp/spinq.c" <<'EOC'
#include <ipcfault/run.h>
#include <ipcfault/sched.h>
static int flag;
static ipf_mutex_t a, b;
static void spinner(void *arg) { (void)arg; while (!ipf_load(&flag)) ipf_yield(); }
static void ab(void *arg) { (void)arg; ipf_mutex_lock(&a); ipf_mutex_lock(&b); ipf_mutex_unlock(&b); ipf_mutex_unlock(&a); }
static void ba(void *arg) { (void)arg; ipf_mutex_lock(&b); ipf_mutex_lock(&a); ipf_mutex_unlock(&a); ipf_mutex_unlock(&b); }
/* the spinner never sees its flag; the two lockers deadlock in some
 * interleavings and not in others: the same hang either way */
IPF_SCENARIO(spin_forever, "spinq/never-set", IPF_EXPECT_BUG, "a spinner waits for a flag nobody sets") {
  flag = 0;
  ipf_mutex_init(&a, "lock_a");
  ipf_mutex_init(&b, "lock_b");
  ipf_thread_t s, t1, t2;
  ipf_thread_create(&s, "spinner", spinner, NULL);
  ipf_thread_create(&t1, "ab", ab, NULL);
  ipf_thread_create(&t2, "ba", ba, NULL);
  ipf_thread_join(&t1);
  ipf_thread_join(&t2);
  ipf_thread_join(&s);
}
EOC
  flags=$(cache CMAKE_C_FLAGS)
  cc=$(cache CMAKE_C_COMPILER)
  if ${cc:-cc} $flags -std=gnu11 "$tmp/spinq.c" $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --cflags --libs --static ipcfault-main) -o "$tmp/spinq" 2>"$tmp/log"; then
    "$tmp/spinq" campaign spinq/never-set --budget 200 --out "$tmp/h" -q >"$tmp/h.out" 2>&1
    # did the lockers' states differ between the hangs found? (else the test proves nothing)
    n=$(awk -F'\t' '$1=="finding" && $8=="hang"' "$tmp/h/results.tsv" | wc -l)
    [ "$n" -eq 1 ] && ok "hangs of one spinner: one finding" || { bad "hangs of one spinner: $n findings"; cat "$tmp/h.out"; }
    # every hang's shrink figures: fewer preemptions, or the reason why not
    if grep -E "^ +hang \(" "$tmp/h.out" | grep -Ev -- "-> [0-9]+: |preemptions ([0-9]+) -> ([0-9]+)\)" >/dev/null; then bad "shrink line: $(grep -E '^ +hang' "$tmp/h.out")"
    elif grep -E "^ +hang \(" "$tmp/h.out" | grep -Eq "preemptions ([0-9]+) -> \1\)"; then bad "preemptions unchanged with no reason: $(grep -E '^ +hang' "$tmp/h.out")"
    else ok "hang shrink: fewer preemptions or a reason"; fi
  else bad "build spinq"; cat "$tmp/log"; fi
else
  echo "skip  hang dedup (needs pkg-config and an installable build tree)"
fi
finish
