#!/bin/sh
# fuzz/replay-findings.sh IPCFAULT DIR — each DIR/FAMILY_VARIANT.bytes is an
# input on which the schedule fuzzer found scenario FAMILY/VARIANT's bug
# (fuzz/measure.sh writes them). It must still replay as that bug with
# `ipcfault replay SCENARIO --max-steps 3000 --bytes FILE` (exit 1, "BUG in"),
# and the replay line it prints must replay the same bug from its schedule.
ipf=$1 dir=$2 pass=0 failn=0
for f in "$dir"/*.bytes; do
  [ -f "$f" ] || continue
  sc=$(basename "$f" .bytes | sed 's/_/\//')
  out=$("$ipf" replay "$sc" --max-steps 3000 --bytes "$f" 2>&1); rc=$?
  line=$(printf '%s\n' "$out" | grep -m1 "ipcfault replay $sc .*--schedule" | sed 's/^ *//')
  if [ $rc = 1 ] && printf '%s' "$out" | grep -q "^BUG in $sc" && [ -n "$line" ]; then
    set -- $line; shift
    if "$ipf" "$@" >/dev/null 2>&1; [ $? = 1 ]; then pass=$((pass + 1)); echo "ok    $sc"; continue; fi
    echo "FAIL  $sc: the printed schedule does not replay the bug: $line"
  else
    echo "FAIL  $sc: $f does not replay as a bug (exit $rc)"; printf '%s\n' "$out" | head -n 5
  fi
  failn=$((failn + 1))
done
echo "$pass passed, $failn failed"
[ $pass -gt 0 ] && [ $failn = 0 ]
