#!/usr/bin/env bash
# fuzz/afl.sh — an AFL++ campaign on one harness: `make fuzz TARGET=name`.
#
# Builds the harnesses with afl-clang-fast (ASan+UBSan unless AFL_NOSAN=1)
# in build-afl/, then runs one main instance (-M main) and one secondary
# (-S sN) per further core, all on the same output directory, so that they
# share their finds. Seeds: fuzz/corpus/TARGET (or one input of 256 random-
# looking bytes for the schedule harnesses); dictionary: fuzz/dict/TARGET.dict.
#
#   fuzz/afl.sh TARGET [SECONDS]     SECONDS: stop after that long (default: run
#                                    until Ctrl-C, which stops every instance)
#   environment: AFL_OUT (default build-afl/out/TARGET), JOBS (default: nproc),
#                BUILD (default build-afl), AFL_NOSAN=1 (faster, no sanitizers)
#
# Resume: run the same command again: an output directory that already holds
# a campaign is resumed (AFL_AUTORESUME=1), not restarted.
# Findings: $AFL_OUT/*/crashes/ and hangs/; replay one with the harness
# itself (build-afl/TARGET FILE, or the gcc build's standalone runner), or
# for a schedule harness with `ipcfault replay SCENARIO --bytes FILE`.
# Minimise: afl-tmin -i CRASH -o small -- build-afl/TARGET
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:?usage: fuzz/afl.sh TARGET [SECONDS] (targets: fuzz_plan fuzz_schedule fuzz_frame fuzz_results fuzz_sched_FAMILY)}
secs=${2:-0}
out=${AFL_OUT:-build-afl/out/$t}
jobs=${JOBS:-$(nproc)}
build=${BUILD:-build-afl}
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 2; }
if [ ! -f "$build/CMakeCache.txt" ]; then
  san=(); [ "${AFL_NOSAN:-0}" = 1 ] || san=(AFL_USE_ASAN=1 AFL_USE_UBSAN=1)
  env "${san[@]}" cmake -S . -B "$build" -DCMAKE_C_COMPILER=afl-clang-fast -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS="-g -O1" -DIPF_TESTS=OFF >/dev/null
fi
san=(); [ "${AFL_NOSAN:-0}" = 1 ] || san=(AFL_USE_ASAN=1 AFL_USE_UBSAN=1)
env "${san[@]}" AFL_QUIET=1 cmake --build "$build" -j"$jobs" --target "$t" >/dev/null
seeds=fuzz/corpus/$t
if [ ! -d "$seeds" ]; then
  seeds=$(mktemp -d); head -c 256 /dev/urandom >"$seeds/random"; printf '\0\1\2\3' >"$seeds/short"
fi
dict=(); [ -f "fuzz/dict/$t.dict" ] && dict=(-x "fuzz/dict/$t.dict")
mkdir -p "$out"
export AFL_AUTORESUME=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_IGNORE_SEED_PROBLEMS=1
export ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1
export IPF_FUZZ_EXPECT=${IPF_FUZZ_EXPECT:-}
tmo=(); [ "$secs" -gt 0 ] && tmo=(-V "$secs")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM
for ((i = 1; i < jobs; i++)); do
  nice afl-fuzz -S "s$i" -i "$seeds" -o "$out" "${dict[@]}" "${tmo[@]}" -t 2000 -m none -- "$build/$t" >"$out/s$i.log" 2>&1 &
  pids+=($!)
done
nice afl-fuzz -M main -i "$seeds" -o "$out" "${dict[@]}" "${tmo[@]}" -t 2000 -m none -- "$build/$t" >"$out/main.log" 2>&1 &
pids+=($!)
echo "AFL++ on $t: $jobs instance(s), output $out (logs: $out/*.log; status: afl-whatsup $out)"
wait
for d in "$out"/*/; do
  n=$(find "$d/crashes" "$d/hangs" -type f ! -name README.txt 2>/dev/null | wc -l)
  echo "$(basename "$d"): $(grep -E '^execs_done' "$d/fuzzer_stats" 2>/dev/null | awk '{print $3}') executions, $n crash/hang input(s)"
done
