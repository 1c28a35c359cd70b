#!/usr/bin/env bash
# Reports name places and objects (src/sched/names.h): tests/names/demo.c,
# built here with -g as a PIE, as a non-PIE at -O2 (its allocating function
# inlined), and with its thread functions in a shared library, deadlocks
# under `ipcfault exec`; the report must name each thread's place as
# function (file:line), the global mutex by its symbol and the heap mutex
# by its allocation site. Built without debug info, the places fall back to
# function+offset. An array of locks is named by element. Skipped (77) without the preload library or a compiler.
. "$(dirname "$0")/../lib/sh.sh"
demo=$src/tests/names/demo.c
[ -f "$preload" ] || skip "no preload library"
command -v cc >/dev/null || skip "no cc"
line() { grep -n "MARK $1\b" "$demo" | cut -d: -f1; }
dep=$(line deposit) aud=$(line audit) alloc=$(line alloc) join=$(line join)

build() { local out=$1; shift; cc -pthread "$@" -o "$tmp/$out" || bad "cannot build $out with $*"; }
build pie -g -O0 -fPIE -pie "$demo"
build nopie -g -O2 -no-pie "$demo"
build libnamesdemo.so -g -O1 -fPIC -shared -DNAMES_LIB "$demo"
build withlib -g -O2 -DNAMES_MAIN_ONLY "$demo" -L"$tmp" -lnamesdemo -Wl,-rpath,"$tmp"
build nodebug -g0 -O0 "$demo"

has() { # has PROGRAM TEXT REPORT
  case "$3" in *"$2"*) ok ;; *) bad "$1: report lacks '$2':"; printf '%s\n' "$3" | head -8 ;; esac; }
for p in pie nopie withlib; do
  out=$(timeout 120 "$cli" exec --strategy random --runs 1000 -- "$tmp/$p" 2>&1); rc=$?
  [ $rc -eq 1 ] && ok || bad "$p: no deadlock found (rc $rc): $out"
  has $p "ipf_mutex_lock(bank_lock), held by t1:deposit; at audit (demo.c:$aud)" "$out"
  has $p "ipf_mutex_lock(offset 8 in heap object of 48 bytes allocated at open_account (demo.c:$alloc)), held by t2:audit; at deposit (demo.c:$dep)" "$out"
  has $p "main: blocked in ipf_thread_join(t1:deposit), which is blocked too; at main (demo.c:$join)" "$out"
  # the report is the same on replay
  sched=$(printf '%s\n' "$out" | sed -n 's/.*--schedule \([^ ]*\) .*/\1/p' | head -1)
  out2=$(timeout 120 "$cli" exec --schedule "$sched" -- "$tmp/$p" 2>&1)
  [ "$(printf '%s' "$out" | grep '^  t')" = "$(printf '%s' "$out2" | grep '^  t')" ] && ok || bad "$p: replay names differ: $out2"
done
# no debug info: the symbol table still names the functions and the globals
out=$(timeout 120 "$cli" exec --strategy random --runs 1000 -- "$tmp/nodebug" 2>&1)
printf '%s' "$out" | grep -q "ipf_mutex_lock(bank_lock), held by t1:deposit; at audit+0x[0-9a-f]*$" && ok || bad "nodebug: $out"
printf '%s' "$out" | grep -q "allocated at open_account+0x[0-9a-f]*), held by t2:audit; at deposit+0x" && ok || bad "nodebug heap site: $out"
# an array of locks (the corpus' philosophers): elements by index, from DWARF
phil=$progs/philosophers-bug
if [ -x "$phil" ]; then
  out=$(timeout 120 "$cli" exec --strategy pct --runs 1000 -- "$phil" 2>&1)
  printf '%s' "$out" | grep -q "blocked in ipf_mutex_lock(fork_\[[0-9]\]), held by t[0-9]:philosopher; at philosopher (philosophers.c:[0-9]*)" && ok || bad "philosophers: $out"
fi
finish
