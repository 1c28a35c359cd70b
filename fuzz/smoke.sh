#!/usr/bin/env bash
# fuzz/smoke.sh BUILD_DIR — `make fuzz-smoke`: every harness under libFuzzer
# with ASan+UBSan for SMOKE_SECONDS (default 20) each, two at a time, on a
# scratch copy of its seed corpus; then every corpus and regression input
# replayed once. Exit 1 on any crash, sanitizer report, timeout or finding.
# SMOKE_RSS_MB (default 2560) is libFuzzer's -rss_limit_mb: `make fuzz-long`
# runs the same for ten minutes each; each line reports its peak RSS.
# The schedule harnesses keep to the ok scenarios (IPF_FUZZ_EXPECT=ok): a
# reference mechanism must survive every schedule and every fault; bug
# scenarios are fuzz/measure.sh's business.
set -uo pipefail
cd "$(dirname "$0")/.."
b=${1:-build-fuzz}
secs=${SMOKE_SECONDS:-20}
par=${SMOKE_JOBS:-2}
harnesses=$(cd "$b" && ls fuzz_* 2>/dev/null | grep -v '\.' || true)
[ -n "$harnesses" ] || { echo "fuzz-smoke: no harness in $b" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export IPF_FUZZ_EXPECT=ok
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
one() {
  h=$1
  mkdir -p "$work/$h"
  seeds=(); [ -d "fuzz/corpus/$h" ] && seeds=("fuzz/corpus/$h")
  dict=(); [ -f "fuzz/dict/$h.dict" ] && dict=(-dict="fuzz/dict/$h.dict")
  len=(-max_len=4096); case $h in fuzz_sched_*) len=(-max_len=1024 -len_control=0);; esac
  if nice "$b/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb="${SMOKE_RSS_MB:-2560}" -print_final_stats=1 \
       -artifact_prefix="$work/$h-" "${len[@]}" "${dict[@]}" "$work/$h" "${seeds[@]}" >"$work/$h.log" 2>&1; then
    echo "ok    $h: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$work/$h.log" | awk '{print $2}') executions in ${secs}s, peak RSS $(awk '/^stat::peak_rss_mb:/ {print $2; exit}' "$work/$h.log") MB"
  else
    echo "FAIL  $h (log follows)"; grep -v -E '^#[0-9]+|NEW_FUNC|^INFO' "$work/$h.log" | tail -n 40
    for a in "$work/$h"-*; do [ -f "$a" ] && { mkdir -p "$b/smoke-findings"; cp "$a" "$b/smoke-findings/"; echo "      input kept: $b/smoke-findings/$(basename "$a")"; }; done
    return 1
  fi
}
export -f one; export b secs work
fail=0
printf '%s\n' $harnesses | xargs -P "$par" -I{} bash -c 'one {}' || fail=1
for h in $harnesses; do
  dirs=(); for d in corpus regressions; do [ -d "fuzz/$d/$h" ] && dirs+=("fuzz/$d/$h"); done
  [ ${#dirs[@]} -gt 0 ] || continue
  if "$b/$h" -runs=0 "${dirs[@]}" >"$work/$h.replay" 2>&1; then echo "ok    $h: corpus replayed"
  else echo "FAIL  $h: corpus replay"; tail -n 30 "$work/$h.replay"; fail=1; fi
done
[ $fail = 0 ] && echo "fuzz-smoke: passed" || echo "fuzz-smoke: FAILED"
exit $fail
