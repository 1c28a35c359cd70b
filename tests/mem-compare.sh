#!/usr/bin/env bash
# Side by side, in one run, for every corpus program (tests/programs/mem and
# tests/programs), built once plainly (gcc -O1) and once with ipcfault-cc
# (gcc): the run in which N plain runs of the buggy build first fail, and
# the execution in which `ipcfault exec` first finds it, uninstrumented and
# on the cc build, with pct and with random; then what each reports on the
# fixed twins (must be nothing).
#   tests/mem-compare.sh [BUILD_DIR [N]]      (default build/, 1000)
# Prints a Markdown table; asserts nothing about timings.
set -u
build=$(cd "${1:-build}" && pwd)
n=${2:-1000}
src=$(cd "$(dirname "$0")/.." && pwd)
cli=$build/ipcfault
[ -x "$cli" ] && [ -x "$build/ipcfault-cc" ] || { echo "usage: $0 BUILD_DIR [N] (build it first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/lib/compare.sh"
build_one() {   # source variant(bug|fixed) mode(plain|cc) -> binary path
  local s=$1 v=$2 m=$3 name out def=
  name=$(basename "${s%.*}")
  out=$tmp/$name-$v-$m
  [ "$v" = fixed ] && def=-DFIXED=1
  local cc=gcc wrap=$build/ipcfault-cc
  case $s in *.cpp) cc=g++ wrap=$build/ipcfault-c++ ;; esac
  if [ "$m" = plain ]; then $cc -O1 -g -UNDEBUG $def -o "$out" "$s" -lpthread 2>/dev/null
  else IPCFAULT_CC=gcc IPCFAULT_CXX=g++ "$wrap" -O1 -g -UNDEBUG $def -o "$out" "$s" 2>/dev/null; fi
  echo "$out"
}

echo "| program | plain runs | exec pct | exec random | exec pct, cc build | exec random, cc build | fixed twins with a report |"
echo "|---|---|---|---|---|---|---|"
declare -A found=()
total=0 fixed_bad=0
for s in "$src"/tests/programs/mem/*.c "$src"/tests/programs/mem/*.cpp "$src"/tests/programs/*.c; do
  name=$(basename "${s%.*}")
  total=$((total + 1))
  bp=$(build_one "$s" bug plain) bc=$(build_one "$s" bug cc)
  fp=$(build_one "$s" fixed plain) fc=$(build_one "$s" fixed cc)
  r1=$(plain "$bp"); r2=$(kit pct "$bp"); r3=$(kit random "$bp"); r4=$(kit pct "$bc"); r5=$(kit random "$bc")
  i=1
  for r in "$r1" "$r2" "$r3" "$r4" "$r5"; do
    [ "$r" != "-" ] && [ "$r" != error ] && found[$i]=$(( ${found[$i]:-0} + 1 ))
    i=$((i + 1))
  done
  fr=""
  for x in "$(plain "$fp")" "$(kit pct "$fp")" "$(kit random "$fp")" "$(kit pct "$fc")" "$(kit random "$fc")"; do
    fr="$fr${fr:+ / }$x"
  done
  case $fr in *[0-9]*|*error*) fixed_bad=$((fixed_bad + 1)) ;; esac
  echo "| $name | $r1 | $r2 | $r3 | $r4 | $r5 | $fr |"
done
echo
echo "buggy programs found within $n: plain ${found[1]:-0}/$total, exec pct ${found[2]:-0}/$total, exec random ${found[3]:-0}/$total, exec pct on the cc build ${found[4]:-0}/$total, exec random on the cc build ${found[5]:-0}/$total; fixed twins with any report: $fixed_bad"
