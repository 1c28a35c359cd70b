# The preamble of the command-line tests (tests/sh/*.sh), sourced first by
# each of them:   . "$(dirname "$0")/../lib/sh.sh"
#
# DESIGN. Every shell test runs two ways: from ctest, as
# `tests/sh/NAME.sh BUILD/ipcfault` with IPF_SRC and IPF_BUILD in the
# environment (CMakeLists.txt), and by hand with the CLI's path alone. So
# this file derives from that one argument what the tests need, and the
# environment wins where it is set:
#   cli     the CLI under test ($1; without it a usage line, as before)
#   src     the source tree (IPF_SRC, else the tree this file is in)
#   build   the build tree (IPF_BUILD, else the CLI's directory: the
#           presets put the CLI at the top of its build tree)
#   progs   the plain-program corpus ($build/programs, tests/programs)
#   preload the exec-mode preload library next to the CLI
#   tmp     a private directory, removed at exit; a test that starts
#           processes defines cleanup(), run at exit before the removal
# and the one way a test reports: ok and bad count (and print their
# words, ok only when given some), finish prints the "N passed, M failed"
# line that ctest's log ends with and exits 0 only when nothing failed,
# skip exits 77 (the tests' SKIP_RETURN_CODE) with its reason. It lives
# outside tests/sh so that CMake's glob of tests/sh/*.sh never takes it
# for a test. Helpers more than one test uses are at the end.
set -u
cli=${1:?usage: $(basename "$0") PATH/TO/ipcfault}
src=${IPF_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
build=${IPF_BUILD:-$(dirname "$cli")}
progs=$build/programs
preload=$(dirname "$cli")/libipcfault_preload.so

pass=0 fail=0
ok()  { pass=$((pass+1)); [ $# -eq 0 ] || echo "ok    $*"; }
bad() { fail=$((fail+1)); echo "FAIL  $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ] && exit 0; exit 1; }
skip() { echo "skipped: $*"; exit 77; }

tmp=$(mktemp -d) || { echo "cannot make a temporary directory"; exit 2; }
# cleanup first: what it stops (background jobs, peers) may still write in $tmp
ipf_sh_exit() { declare -F cleanup >/dev/null && cleanup; rm -rf "$tmp"; }
trap ipf_sh_exit EXIT

# ---- helpers shared by several tests ------------------------------------------

# need_exec_corpus [PROGRAM]: exec mode's tests need the preload library and
# the corpus (PROGRAM in it when named); TSan builds have neither.
need_exec_corpus() { [ -f "$preload" ] && [ -e "$progs/${1:-}" ] || skip "no preload library/corpus"; }

# cache NAME: a value of the build tree's CMakeCache.txt (CMAKE_C_FLAGS, ...).
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

# field JSON KEY: one top-level value of a --json report (booleans as true/false).
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=d[sys.argv[2]]; print(str(v).lower() if isinstance(v,bool) else v)' "$1" "$2" 2>/dev/null; }

# one_line ARGS...: `ipcfault ARGS` is refused: exit 2 and exactly one line on stderr.
one_line() { local out; out=$(timeout 20 "$cli" "$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [ -n "$out" ]; then ok;
  else bad "ipcfault $* should print one line and exit 2 (rc $rc): $out"; fi; }

# The kit's entries in /dev/shm and /dev/mqueue. Both are shared with other
# users of the machine, so an entry is taken for a leak of ours only when it
# appeared since a snapshot (ipc_entries >FILE) and names a process
# (ipcfault-PID-..., ipcfault-mq-PID-...) that is gone.
ipc_entries() { ls /dev/shm /dev/mqueue 2>/dev/null | grep '^ipcfault' | sort; }
ipc_left_since() {  # ipc_left_since SNAPSHOT: " name name" of the leaks, or nothing
  local n pid new=""
  for n in $(comm -13 "$1" <(ipc_entries)); do
    pid=$(echo "$n" | grep -o '^ipcfault-\(mq-\)\?[0-9]*' | grep -o '[0-9]*$')
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && continue     # someone else's live process
    new="$new $n"
  done
  printf '%s' "$new"
}
