# The two measurements of the side-by-side tables (tests/exec-compare.sh,
# tests/mem-compare.sh), sourced by both after they set cli and n:
#   plain PROGRAM         the run (of n, each with a 10 s timeout) in which
#                         PROGRAM run alone first fails, or "-"
#   kit STRATEGY PROGRAM  "EXECUTIONS (KIND)" of the first bug `ipcfault exec`
#                         finds in n executions, "-" for none, "error" when
#                         the command gave no report
# DESIGN. The tables compare the kit against plain repetition, so both
# columns must be measured the same way in every table: one definition.
# A plain run that hits its timeout counts as a failure (a deadlock).
plain() {
  local p=$1 i
  for ((i = 1; i <= n; i++)); do
    timeout 10 "$p" >/dev/null 2>&1 || { echo "$i"; return; }
  done
  echo "-"
}
kit() {
  local out
  out=$(timeout 600 "$cli" exec --strategy "$1" --runs "$n" --json -- "$2" 2>/dev/null)
  python3 -c 'import json,sys
d=json.loads(sys.argv[1])
print("%d (%s)" % (d["executions"], d["kind"]) if d["verdict"]=="bug" else "-")' "$out" 2>/dev/null || echo "error"
}
