#!/usr/bin/env bash
# ipcfault cc / c++ (issue 10): the memory corpus (tests/programs/mem, built
# by CMake with ipcfault-cc and ipcfault-c++, once with gcc and once with
# clang, into $IPF_BUILD/programs-cc) under `ipcfault exec`: every buggy
# program is found by pct and by random within 1000 executions and its
# schedule replays the same kind 20/20; every fixed twin is clean over 1000
# executions of each. Then the wrappers themselves: a program built by
# `ipcfault cc` runs alone; -c, -E, -M and link-only invocations; make
# CC=ipcfault-cc; cmake -DCMAKE_C_COMPILER=ipcfault-cc; bad input.
# Skipped (77) when the corpus or a compiler is missing (TSan builds).
. "$(dirname "$0")/../lib/sh.sh"
build=$(cd "$build" && pwd)
progs=$build/programs-cc
wcc=$build/ipcfault-cc wcxx=$build/ipcfault-c++
[ -d "$progs" ] && [ -x "$wcc" ] && command -v gcc >/dev/null && command -v clang >/dev/null ||
  skip "no memory corpus or compilers"

for b in "$progs"/*-bug-*; do
  name=$(basename "$b")
  for strat in pct random; do
    js=$(timeout 300 "$cli" exec --strategy $strat --runs 1000 --json -- "$b" 2>/dev/null); rc=$?
    if [ $rc -ne 1 ] || [ "$(field "$js" verdict)" != bug ]; then bad "$name not found with $strat (rc $rc): $js"; continue; fi
    ok
  done
  kind=$(field "$js" kind); sched=$(field "$js" schedule)
  case $name in
    atomic_lost_update-*|treiber-*) want=assert ;;
    *) want=data-race ;;
  esac
  [ "$kind" = "$want" ] && ok || bad "$name found as $kind, want $want: $(field "$js" message)"
  rep=0
  for i in $(seq 20); do
    js2=$(timeout 60 "$cli" exec --schedule "$sched" --json -- "$b" 2>/dev/null)
    [ $? -eq 1 ] && [ "$(field "$js2" kind)" = "$kind" ] && rep=$((rep+1))
  done
  [ $rep -eq 20 ] && ok || bad "$name: replay reproduced $kind $rep/20"
done
for f in "$progs"/*-fixed-*; do
  for strat in pct random; do
    out=$(timeout 300 "$cli" exec --strategy $strat --runs 1000 -- "$f" 2>&1); rc=$?
    [ $rc -eq 0 ] && ok || bad "$(basename "$f") is not clean with $strat (rc $rc): $(printf '%s' "$out" | head -4)"
  done
done
# a data race names both accesses: threads, functions, read/write, object
out=$(timeout 60 "$cli" exec --runs 100 -- "$progs/relaxed_flag-bug-gcc" 2>&1)
printf '%s' "$out" | grep -q "data race on payload.*write by t1:producer at producer.*read by main at main" && ok ||
  bad "race report does not name both accesses: $out"

# the wrappers
cat > "$tmp/p.c" <<'C'
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include "p.h"
static atomic_int n;
static void *w(void *a) { (void)a; atomic_fetch_add(&n, 1); return NULL; }
int main(void) { pthread_t t; pthread_create(&t, NULL, w, NULL); pthread_join(t, NULL); printf("n=%d %d\n", atomic_load(&n), P); return 0; }
C
echo '#define P 7' > "$tmp/p.h"
for cc in gcc clang; do
  rm -f "$tmp"/p.o "$tmp"/p "$tmp"/q
  IPCFAULT_CC=$cc "$cli" cc -O1 -g -o "$tmp/q" "$tmp/p.c" && [ "$("$tmp/q")" = "n=1 7" ] && ok || bad "$cc: ipcfault cc built program does not run alone"
  nm "$tmp/q" 2>/dev/null | grep -q " T __tsan_atomic32_fetch_add" && ok || bad "$cc: the kit's runtime is not linked"
  ! ldd "$tmp/q" | grep -q tsan && ok || bad "$cc: libtsan is linked: $(ldd "$tmp/q" | grep tsan)"
  IPCFAULT_CC=$cc "$wcc" -O1 -c -o "$tmp/p.o" "$tmp/p.c" && nm "$tmp/p.o" | grep -q "U __tsan_" && ok || bad "$cc: -c does not instrument"
  IPCFAULT_CC=$cc "$wcc" -o "$tmp/p" "$tmp/p.o" && "$tmp/p" >/dev/null && ok || bad "$cc: link-only invocation fails"
  IPCFAULT_CC=$cc "$wcc" -E "$tmp/p.c" | grep -q "n=%d" && ok || bad "$cc: -E fails"
  IPCFAULT_CC=$cc "$wcc" -M "$tmp/p.c" | grep -q "p.h" && ok || bad "$cc: -M fails"
  js=$(timeout 60 "$cli" exec --runs 50 --json -- "$tmp/p" 2>/dev/null)
  [ "$(field "$js" verdict)" = ok ] && ok || bad "$cc: exec on the cc build: $js"
done
IPCFAULT_CXX=clang++ "$cli" c++ -O1 -o "$tmp/cx" "$src/tests/programs/mem/pool_alive.cpp" -DFIXED && "$tmp/cx" && ok || bad "ipcfault c++ with clang++"
# make CC=ipcfault-cc
mkdir -p "$tmp/mk" && cp "$tmp/p.c" "$tmp/p.h" "$tmp/mk/"
printf 'p: p.o\n\t$(CC) $(LDFLAGS) -o $@ p.o $(LDLIBS)\np.o: p.c p.h\n\t$(CC) $(CFLAGS) -c p.c\n' > "$tmp/mk/Makefile"
make -s -C "$tmp/mk" CC="$wcc" >/dev/null 2>&1 && nm "$tmp/mk/p" | grep -q " T __tsan_init" && ok || bad "make CC=ipcfault-cc"
# cmake -DCMAKE_C_COMPILER=ipcfault-cc (and ipcfault-c++), with clang
if command -v cmake >/dev/null; then
  mkdir -p "$tmp/cm" && cp "$tmp/p.c" "$tmp/p.h" "$tmp/cm/"
  cp "$src/tests/programs/mem/pool_alive.cpp" "$tmp/cm/"
  printf 'cmake_minimum_required(VERSION 3.20)\nproject(p C CXX)\nfind_package(Threads REQUIRED)\nadd_executable(p p.c)\ntarget_link_libraries(p Threads::Threads)\nadd_executable(cx pool_alive.cpp)\ntarget_compile_definitions(cx PRIVATE FIXED)\ntarget_link_libraries(cx Threads::Threads)\n' > "$tmp/cm/CMakeLists.txt"
  if IPCFAULT_CC=clang IPCFAULT_CXX=clang++ cmake -S "$tmp/cm" -B "$tmp/cm/b" -DCMAKE_C_COMPILER="$wcc" -DCMAKE_CXX_COMPILER="$wcxx" >/dev/null 2>&1 &&
     IPCFAULT_CC=clang IPCFAULT_CXX=clang++ cmake --build "$tmp/cm/b" >/dev/null 2>&1 && "$tmp/cm/b/p" >/dev/null && "$tmp/cm/b/cx"; then ok
  else bad "cmake -DCMAKE_C_COMPILER=ipcfault-cc"; fi
fi
# bad input: one line, exit 2
out=$(IPCFAULT_CC=/nonexistent/cc "$wcc" -c "$tmp/p.c" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && ok || bad "missing compiler: rc $rc: $out"
out=$(IPCFAULT_RT=/nonexistent/librt.a "$wcc" -o "$tmp/x" "$tmp/p.c" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && ok || bad "missing runtime: rc $rc: $out"
finish
