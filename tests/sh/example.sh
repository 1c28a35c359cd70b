#!/usr/bin/env bash
# Testing users' own code: install the kit into a temporary prefix, build the
# outside project examples/userqueue through find_package and through
# pkg-config, and check the planted bug is found and its twin is clean.
set -u
src=${IPF_SRC:?}; build=${IPF_BUILD:?}
pass=0 fail=0
ok()  { pass=$((pass+1)); echo "ok    $*"; }
bad() { fail=$((fail+1)); echo "FAIL  $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/log" 2>&1 && ok "cmake --install" || { bad "install"; cat "$tmp/log"; }
for f in include/ipcfault/run.h lib/libipcfault.a lib/libipcfault_main.a lib/pkgconfig/ipcfault.pc lib/cmake/ipcfault/ipcfaultConfig.cmake bin/ipcfault; do
  [ -e "$tmp/prefix/$f" ] || bad "not installed: $f"
done
check() {  # $1 = binary, $2 = route
  "$1" list | grep -q "userqueue/racy-count" && ok "$2: list shows the user's scenarios" || bad "$2: list"
  "$1" explore userqueue/racy-count --runs 1000 >"$tmp/out" 2>&1; rc=$?
  [ $rc -eq 1 ] && grep -q "lost-update" "$tmp/out" && ok "$2: planted bug found" || { bad "$2: planted bug not found (exit $rc)"; cat "$tmp/out"; }
  "$1" explore userqueue/fixed --runs 1000 >/dev/null 2>&1 && ok "$2: fixed twin clean" || bad "$2: fixed twin reported"
  "$1" list | grep -q "shm/" && bad "$2: the catalog leaked into a user binary" || ok "$2: only the user's scenarios"
}
# A sanitizer build installs an instrumented library: build the example with the same flags.
flags=$(sed -n 's/^CMAKE_C_FLAGS:STRING=//p' "$build/CMakeCache.txt")
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cmake -S "$src/examples/userqueue" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_C_COMPILER="${cc:-cc}" \
  -DCMAKE_C_FLAGS="$flags" >"$tmp/log" 2>&1 &&
  cmake --build "$tmp/cm" >>"$tmp/log" 2>&1 && check "$tmp/cm/userqueue" find_package || { bad "find_package build"; tail -20 "$tmp/log"; }
if command -v pkg-config >/dev/null; then
  (cd "$tmp" && cp "$src/examples/userqueue/userqueue.c" "$src/examples/userqueue/Makefile" . &&
   PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" make -s CC="${cc:-cc}" CFLAGS="-O2 -g $flags" userqueue >"$tmp/log" 2>&1) &&
    check "$tmp/userqueue" pkg-config || { bad "pkg-config build"; tail -20 "$tmp/log"; }
else
  bad "pkg-config missing"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
