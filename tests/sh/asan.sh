#!/usr/bin/env bash
# Sanitizer-built programs under `ipcfault exec` (src/cli/sanitizer.c): a
# real ASan build of tests/asan/handoff.c runs as it is; its
# heap-use-after-free under one interleaving is found and reported as kind
# asan; the fixed twin, which leaks on purpose, is clean (leak checking off
# by default), while the user's own ASAN_OPTIONS still win flag by flag
# (detect_leaks=1 makes the leak a finding of kind leak).
. "$(dirname "$0")/../lib/sh.sh"
cc=${CC:-gcc}
for v in bug fixed; do
  d=; [ $v = fixed ] && d=-DFIXED
  if ! $cc $d -O1 -g -fsanitize=address -fno-omit-frame-pointer "$src/tests/asan/handoff.c" -o "$tmp/$v" -pthread 2>"$tmp/log"; then
    skip "$cc cannot build with -fsanitize=address: $(head -1 "$tmp/log")"
  fi
done
# the fixed twin really leaks (so "clean" below means leak checking is off)
ASAN_OPTIONS=detect_leaks=1 "$tmp/fixed" 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] && grep -q "ERROR: LeakSanitizer" "$tmp/err" && ok "the fixed twin leaks when run alone" ||
  bad "the fixed twin did not leak on its own (exit $rc)"
unset ASAN_OPTIONS LSAN_OPTIONS
"$cli" exec --runs 2000 --json -- "$tmp/bug" >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q '"kind":"asan"' "$tmp/out" && grep -q "heap-use-after-free" "$tmp/out"; then
  ok "ASan build: the use-after-free interleaving is found, kind asan"
else
  bad "ASan build: bug not found as asan (exit $rc)"; head -c 600 "$tmp/out"; cat "$tmp/err"
fi
sched=$(sed -n 's/.*"schedule":"\([^"]*\)".*/\1/p' "$tmp/out")
if [ -n "$sched" ]; then
  "$cli" exec --schedule "$sched" -- "$tmp/bug" >"$tmp/out" 2>&1; rc=$?
  [ $rc -eq 1 ] && grep -q "heap-use-after-free" "$tmp/out" && ok "ASan finding replays" || { bad "ASan finding does not replay (exit $rc)"; head -5 "$tmp/out"; }
fi
"$cli" exec --runs 2000 -- "$tmp/fixed" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "nothing found in 2000 executions" "$tmp/out" && ok "ASan build: fixed twin clean, its leak not a bug" ||
  { bad "ASan build: fixed twin reported (exit $rc)"; head -5 "$tmp/out"; }
# leak checking on by the user's choice: the leak is reported as a leak,
# never as a concurrency finding (nor as the hang LSan's tracer used to cause)
ASAN_OPTIONS=detect_leaks=1 "$cli" exec --runs 20 --json -- "$tmp/fixed" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q '"kind":"leak"' "$tmp/out" && grep -q "LeakSanitizer: detected memory leaks" "$tmp/out" &&
  ok "ASAN_OPTIONS=detect_leaks=1: the leak is its own kind, leak" || { bad "leak opt-in (exit $rc)"; head -c 600 "$tmp/out"; }
# the user's own value wins: asking for the link-order check brings back
# the refusal the kit's default avoids
ASAN_OPTIONS=verify_asan_link_order=1 "$cli" exec --runs 1 -- "$tmp/fixed" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -qi "does not come first\|did not start" "$tmp/out" && ok "the user's ASAN_OPTIONS override the kit's defaults" ||
  { bad "user's ASAN_OPTIONS not honoured (exit $rc)"; head -3 "$tmp/out"; }
finish
