#!/usr/bin/env bash
# Option parsing (issue 12 item 10): getopt_long conventions on every
# command (--opt=value, unique abbreviations, '--'), each command's own
# --help, --version, and one line + exit 2 for anything bad.
. "$(dirname "$0")/../lib/sh.sh"

# --version: the CMake project version
want=$(sed -n 's/^project(ipcfault VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
v=$("$cli" --version); [ "$v" = "ipcfault $want" ] && ok || bad "--version printed '$v', want 'ipcfault $want'"

# each command's --help is its own, and names its own options
for c in list sites run explore replay sweep campaign merge exec; do
  h=$("$cli" $c --help 2>&1); rc=$?
  [ $rc -eq 0 ] && printf '%s\n' "$h" | head -1 | grep -q "^usage: ipcfault $c" && ok || bad "$c --help (rc $rc): $(printf '%s' "$h" | head -1)"
  [ "$h" != "$("$cli" --help)" ] && ok || bad "$c --help is the generic text"
  h2=$("$cli" help $c 2>&1); [ "$h2" = "$h" ] && ok || bad "help $c differs from $c --help"
done
"$cli" sweep --help | grep -q -- "--max-n" && ok || bad "sweep --help lacks --max-n"
"$cli" run --help | grep -q -- "--max-n" && bad "run --help shows sweep's --max-n" || ok
"$cli" exec --help | grep -q -- "--ok-exit" && ok || bad "exec --help lacks --ok-exit"
"$cli" campaign --help | grep -q '%%' && bad "campaign --help prints a literal %%" || ok
"$cli" campaign --help | grep -q 'i % N == I' && ok || bad "campaign --help: shard line"
"$cli" run --help | grep -q "30%short" && ok || bad "run --help: the --fault example lost its %"

# --opt=value, abbreviations and '--' as getopt_long users expect
a=$("$cli" explore shm/no-check --runs=1000 --strategy=random --seed=3 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["strategy"], d["seed"] != 0, d["verdict"])')
[ "$a" = "random True bug" ] && ok || bad "--opt=value: $a"
a=$("$cli" explore shm/no-check --ru 1000 --str random --se=3 --js | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["strategy"], d["verdict"])')
[ "$a" = "random bug" ] && ok || bad "abbreviations: $a"
"$cli" explore --runs 5 -- shm/condvar >/dev/null 2>&1; [ $? -eq 0 ] && ok || bad "'--' before the scenario"
"$cli" run shm/condvar --json >/dev/null && ok || bad "option after the scenario"
c=$("$cli" campaign shm/no-check --bud=50 --str=random --out="$tmp/c" -q 2>&1 | head -1)
printf '%s' "$c" | grep -q "100\? *executions\|50 executions" && ok || bad "campaign --bud=50: $c"

one_line explore shm/no-check --s 3                  # ambiguous: --seed, --strategy
e=$("$cli" explore shm/no-check --s 3 2>&1); printf '%s' "$e" | grep -q "ambiguous" && printf '%s' "$e" | grep -q -- "--seed" && ok || bad "ambiguity not named: $e"
one_line run shm/condvar --json=yes
one_line run shm/condvar --runs 5                    # explore's option
e=$("$cli" run shm/condvar --runs 5 2>&1); printf '%s' "$e" | grep -q "goes with explore" && ok || bad "run --runs: $e"
one_line run shm/condvar --max-n 3
one_line explore shm/condvar --runs
one_line explore shm/condvar --runs=
one_line explore shm/condvar --runs=x
one_line explore shm/condvar -- --runs 3
one_line list extra
one_line --runs 4
one_line help nosuch
one_line campaign --bogus
one_line campaign --budget=0
one_line campaign --budg
one_line merge --bogus
one_line exec --ok-exit 300 -- true
one_line exec --trace=1 -- true
one_line exec --s 3 -- true                          # --seed, --schedule, --strategy, --show-output
finish
