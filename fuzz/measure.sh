#!/usr/bin/env bash
# fuzz/measure.sh IPCFAULT FUZZ_BUILD [SEEDS] — executions to the first bug,
# side by side in one run, for every bug scenario of the catalog: `explore
# --strategy random`, `explore --strategy pct` (1000 executions at most),
# and the schedule fuzzer (libFuzzer, fuzz_sched_FAMILY pinned to the
# scenario with IPF_FUZZ_SCENARIO, empty corpus, 20000 executions at most),
# with and without the interleaving feedback (IPF_FUZZ_NO_ILV=1). Seeds
# 1..SEEDS (default 5) for each; the table shows the median and the worst,
# "-" when a seed found nothing within its budget. The first input on which
# the fuzzer found each bug is kept in fuzz/findings/FAMILY_VARIANT.bytes
# (ctest replays them: fuzz/replay-findings.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
ipf=${1:?usage: fuzz/measure.sh IPCFAULT FUZZ_BUILD [SEEDS]}
fb=${2:?usage: fuzz/measure.sh IPCFAULT FUZZ_BUILD [SEEDS]}
seeds=${3:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 IPF_FUZZ_EXPECT=
mkdir -p fuzz/findings

explore() {   # scenario strategy seed -> executions, or "-"
  local v
  v=$("$ipf" explore "$1" --strategy "$2" --seed "$3" --runs 1000 --json 2>/dev/null |
      sed -n 's/.*"verdict":"bug".*"executions":\([0-9]*\),.*/\1/p')
  echo "${v:--}"
}
fuzz() {      # scenario seed noilv -> executions, or "-"
  local sc=$1 fam=${1%%/*} d=$work/c$RANDOM
  mkdir -p "$d"
  env IPF_FUZZ_SCENARIO="$sc" IPF_FUZZ_NO_ILV="$3" "$fb/fuzz_sched_$fam" -seed="$2" -runs=20000 -max_len=1024 \
    -len_control=0 -timeout=10 -artifact_prefix="$d/" "$d" >"$d.log" 2>&1
  local n; n=$(sed -n 's/^ipf-fuzz: BUG .* after \([0-9]*\) executions.*/\1/p' "$d.log" | head -n1)
  if [ -n "$n" ] && [ "$3" = 0 ]; then
    local keep=fuzz/findings/${sc/\//_}.bytes
    [ -f "$keep" ] || cp "$(ls "$d"/crash-* | head -n1)" "$keep"
  fi
  echo "${n:--}"
}
stats() {     # values... -> "median (worst)"
  printf '%s\n' "$@" | awk '{ if ($1 == "-") miss++; else v[n++] = $1 }
    END { if (!n) { print "none found"; exit }
          for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          m = (miss >= n) ? "-" : v[int((n + miss - 1) / 2)]
          printf "%s (%s)%s", m, miss ? "-" : v[n - 1], miss ? " " miss "/" n + miss " missed" : "" }'
}
printf '| scenario | random | pct | fuzz (interleaving feedback) | fuzz (code coverage only) |\n|---|---|---|---|---|\n'
for sc in $("$ipf" list | awk '$2 == "bug" && $1 !~ /^selftest/ {print $1}'); do
  r=(); p=(); f=(); g=()
  for s in $(seq 1 "$seeds"); do
    r+=("$(explore "$sc" random "$s")"); p+=("$(explore "$sc" pct "$s")")
    f+=("$(fuzz "$sc" "$s" 0)"); g+=("$(fuzz "$sc" "$s" 1)")
  done
  printf '| %s | %s | %s | %s | %s |\n' "$sc" "$(stats "${r[@]}")" "$(stats "${p[@]}")" "$(stats "${f[@]}")" "$(stats "${g[@]}")"
done
echo
echo "executions to the first bug: median (worst) over seeds 1-$seeds; random and pct: ipcfault explore, at most 1000;"
echo "fuzz: libFuzzer on fuzz_sched_FAMILY pinned to the scenario, empty corpus, at most 20000"
