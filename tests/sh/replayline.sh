#!/usr/bin/env bash
# Replay lines name the binary that can replay them (issue 12 item 5): a
# user's scenario binary linked with ipcfault_main prints its own path, in
# text, --json, campaign findings/JSON/JUnit, the HTML page, and the
# Criterion helpers' failure messages; each line is run here exactly as
# printed and reproduces the bug.
. "$(dirname "$0")/../lib/sh.sh"
command -v pkg-config >/dev/null || skip "no pkg-config"
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/log" 2>&1 || { echo "skipped: install failed"; tail -5 "$tmp/log"; exit 77; }
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
flags=$(cache CMAKE_C_FLAGS)
cc=$(cache CMAKE_C_COMPILER); cc=${cc:-cc}
mkdir -p "$tmp/bin"
user="$tmp/bin/my-tests"
$cc $flags -std=gnu11 "$src/examples/userqueue/userqueue.c" $(pkg-config --cflags --libs --static ipcfault-main) -o "$user" 2>"$tmp/log" \
  || { bad "build the user binary"; cat "$tmp/log"; finish; }
sc=userqueue/racy-count

# run a printed line exactly as printed (in a fresh shell, from another directory)
runs_as_printed() {  # $1 = line, $2 = what; the line must exit 1 (bug reproduced)
  local line=$1 what=$2
  case "$line" in "$user "*|"IPCFAULT_REPLAY="*) ;; *) bad "$what: does not name the binary: $line"; return;; esac
  (cd / && timeout 60 bash -c "$line" >"$tmp/rout" 2>&1); local rc=$?
  [ $rc -eq 1 ] && ok "$what: the line as printed reproduces the bug" || { bad "$what: rc $rc: $line"; head -5 "$tmp/rout"; }
}

out=$("$user" explore $sc --runs 1000 2>&1)
line=$(printf '%s\n' "$out" | grep -A1 '^Replay it:' | tail -1 | sed 's/^  //')
runs_as_printed "$line" "explore text"
printf '%s' "$out" | grep -q "ipcfault replay" && bad "text still says 'ipcfault replay'" || ok "text names no other binary"

js=$("$user" explore $sc --runs 1000 --json)
line=$(printf '%s' "$js" | python3 -c 'import json,sys; print(json.load(sys.stdin)["replay"])')
runs_as_printed "$line" "explore --json"

sched=$(printf '%s' "$js" | python3 -c 'import json,sys; print(json.load(sys.stdin)["schedule"])')
"$user" replay $sc --schedule "$sched" --html "$tmp/page.html" >/dev/null 2>&1
line=$(grep -o "<code>[^<]*</code>" "$tmp/page.html" | head -1 | sed 's/<code>//; s/<\/code>//')
runs_as_printed "$line" "replay --html page"

"$user" campaign $sc --budget 300 --strategy random --out "$tmp/res" --junit "$tmp/j.xml" -q >"$tmp/camp" 2>&1
line=$(grep -A1 '^replay:' "$tmp/res/findings/001.txt" | tail -1 | sed 's/^  //')
runs_as_printed "$line" "campaign findings/001.txt"
line=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["findings"][0]["replay"])' "$tmp/res/results.json")
runs_as_printed "$line" "campaign results.json"
line=$(python3 -c '
import sys, xml.etree.ElementTree as E
t = E.parse(sys.argv[1])
for tc in t.iter("testcase"):
    so = tc.find("system-out")
    if so is not None and so.text and ": " in so.text:
        print(so.text.split("\n")[0].split(": ", 1)[1]); break' "$tmp/j.xml")
runs_as_printed "$line" "campaign JUnit"
grep -q "  $user replay" "$tmp/camp" && ok "campaign summary names the binary" || bad "campaign summary: $(grep replay "$tmp/camp" | head -2)"

# the Criterion helpers: a failing ipf_cr_assert_clean prints a line that
# reruns that one test with that one execution
if pkg-config --exists criterion 2>/dev/null || [ -e /usr/include/criterion/criterion.h ]; then
  cat > "$tmp/crit.c" <<'EOC'
#include "userqueue.c"
#include <ipcfault/criterion.h>
Test(userqueue, racy_count_is_clean) {
  ipf_cr_assert_clean(ipf_scenario_find("userqueue/racy-count"), IPF_STRAT_RANDOM, 1000);
}
EOC
  if $cc $flags -std=gnu11 -I"$src/examples/userqueue" "$tmp/crit.c" $(pkg-config --cflags --libs --static ipcfault) -lcriterion -o "$tmp/bin/crit" 2>"$tmp/log"; then
    "$tmp/bin/crit" >"$tmp/cout" 2>&1
    line=$(grep -o "IPCFAULT_REPLAY=.*" "$tmp/cout" | head -1)
    [ -n "$line" ] && ok "criterion message carries a replay line" || { bad "criterion message: $(head -5 "$tmp/cout")"; }
    (cd / && timeout 60 bash -c "$line" >"$tmp/rout" 2>&1); rc=$?
    [ $rc -ne 0 ] && grep -q "lost-update" "$tmp/rout" && grep -q "producer-1" "$tmp/rout" \
      && ok "criterion replay line reruns the failing execution (with its trace)" || { bad "criterion replay rc $rc: $line"; head -5 "$tmp/rout"; }
  else
    bad "criterion test build"; cat "$tmp/log"
  fi
fi
finish
