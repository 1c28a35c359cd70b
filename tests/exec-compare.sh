#!/usr/bin/env bash
# Side by side, in one run: for every corpus program (tests/programs), how
# many of the buggy ones plain repeated execution finds in N runs, and how
# many `ipcfault exec` finds in N executions with pct and with random; and
# what each reports on the fixed twins (which must be nothing).
#   tests/exec-compare.sh [BUILD_DIR [N]]      (default build/, 1000)
# Plain runs are the program run N times on its own with a 10 s timeout per
# run; a deadlock there is a run that hit the timeout. Prints a Markdown
# table; asserts nothing about timings.
set -u
build=${1:-build}
n=${2:-1000}
cli=$build/ipcfault
progs=$build/programs
[ -x "$cli" ] && [ -d "$progs" ] || { echo "usage: $0 BUILD_DIR [N] (build it first)" >&2; exit 2; }

. "$(dirname "$0")/lib/compare.sh"

found_plain=0 found_pct=0 found_random=0 total=0 fixed_bad=0
echo "| program | plain runs | exec pct | exec random | fixed twin (plain / pct / random) |"
echo "|---|---|---|---|---|"
for b in "$progs"/*-bug; do
  name=$(basename "$b" -bug)
  f=$progs/$name-fixed
  total=$((total + 1))
  pb=$(plain "$b"); kp=$(kit pct "$b"); kr=$(kit random "$b")
  [ "$pb" != "-" ] && found_plain=$((found_plain + 1))
  [ "$kp" != "-" ] && [ "$kp" != "error" ] && found_pct=$((found_pct + 1))
  [ "$kr" != "-" ] && [ "$kr" != "error" ] && found_random=$((found_random + 1))
  fp=$(plain "$f"); fk=$(kit pct "$f"); fr=$(kit random "$f")
  [ "$fp$fk$fr" != "---" ] && fixed_bad=$((fixed_bad + 1))
  echo "| $name | $pb | $kp | $kr | $fp / $fk / $fr |"
done
echo
echo "buggy programs found within $n: plain $found_plain/$total, exec pct $found_pct/$total, exec random $found_random/$total; fixed twins with any report: $fixed_bad"
echo "(a number is the run/execution that first failed, with the kit's verdict kind; - is nothing found)"
