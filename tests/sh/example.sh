#!/usr/bin/env bash
# Testing users' own code: install the kit into a temporary prefix, build the
# outside projects against the installed kit, through find_package and through
# pkg-config, and check each planted bug is found and its twin is clean:
#  - examples/userqueue: scenarios written with the kit's API;
#  - examples/tinypool: an unchanged pthread library (threads, detach, mutex,
#    cond, rwlock, once, barrier, spinlock) under scenario mode by link-time
#    interposition alone; its ctest tests come from ipcfault_add_scenarios.
. "$(dirname "$0")/../lib/sh.sh"
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/log" 2>&1 && ok "cmake --install" || { bad "install"; cat "$tmp/log"; }
libdir=$(cache CMAKE_INSTALL_LIBDIR); libdir=${libdir:-lib}
for f in include/ipcfault/run.h $libdir/libipcfault.a $libdir/libipcfault_main.a $libdir/libipcfault_interpose.a \
         $libdir/libipcfault_pthread.a $libdir/pkgconfig/ipcfault.pc $libdir/pkgconfig/ipcfault-pthread.pc \
         $libdir/cmake/ipcfault/ipcfaultConfig.cmake $libdir/cmake/ipcfault/Findfiu.cmake bin/ipcfault; do
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
flags=$(cache CMAKE_C_FLAGS)
cc=$(cache CMAKE_C_COMPILER)
cmake -S "$src/examples/userqueue" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_C_COMPILER="${cc:-cc}" \
  -DCMAKE_C_FLAGS="$flags" >"$tmp/log" 2>&1 &&
  cmake --build "$tmp/cm" >>"$tmp/log" 2>&1 && check "$tmp/cm/userqueue" find_package || { bad "find_package build"; tail -20 "$tmp/log"; }
if command -v pkg-config >/dev/null; then
  (cd "$tmp" && cp "$src/examples/userqueue/userqueue.c" "$src/examples/userqueue/Makefile" . &&
   PKG_CONFIG_PATH="$tmp/prefix/$libdir/pkgconfig" make -s CC="${cc:-cc}" CFLAGS="-O2 -g $flags" userqueue >"$tmp/log" 2>&1) &&
    check "$tmp/userqueue" pkg-config || { bad "pkg-config build"; tail -20 "$tmp/log"; }
else
  bad "pkg-config missing"
fi

# ---- tinypool: an existing pthread library, no shim, no source change ----
pool() {  # $1 = dir with pool_test_bug and pool_test_fixed, $2 = route
  "$1/pool_test_bug" explore tinypool/wait --runs 3000 >"$tmp/out" 2>&1; rc=$?
  if [ $rc -eq 1 ] && grep -q "deadlock" "$tmp/out" && grep -q "tp_wait" "$tmp/out"; then
    ok "$2: tinypool's planted bug found through its own pthread calls"
  else
    bad "$2: tinypool's planted bug not found (exit $rc)"; head -20 "$tmp/out"
  fi
  # the library's calls are scheduling points (not plain pthreads passing by)
  "$1/pool_test_fixed" run tinypool/wait --trace >"$tmp/out" 2>&1
  for op in "create t1" "join t2" "lock " "lock spinlock" "wait cond" "woken from cond" "exit"; do
    grep -q "$op" "$tmp/out" || { bad "$2: no '$op' step in the trace of the fixed twin"; head -30 "$tmp/out"; }
  done
  "$1/pool_test_fixed" explore tinypool/wait --runs 3000 >"$tmp/out" 2>&1 &&
    grep -q "nothing found in 3000 executions" "$tmp/out" && ok "$2: tinypool's fixed twin clean over 3000 executions" ||
    { bad "$2: tinypool's fixed twin reported"; head -20 "$tmp/out"; }
}
cmake -S "$src/examples/tinypool" -B "$tmp/tp" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_C_COMPILER="${cc:-cc}" \
  -DCMAKE_C_FLAGS="$flags" >"$tmp/log" 2>&1 && cmake --build "$tmp/tp" >>"$tmp/log" 2>&1 &&
  pool "$tmp/tp" "tinypool find_package" || { bad "tinypool find_package build"; tail -20 "$tmp/log"; }
# ipcfault_add_scenarios: one ctest test per scenario, bug found = passed
if [ -x "$tmp/tp/pool_test_bug" ]; then
  (cd "$tmp/tp" && ctest --output-on-failure) >"$tmp/out" 2>&1; rc=$?
  if [ $rc -eq 0 ] && grep -q "bug:tinypool/wait .*Passed" "$tmp/out" && grep -q "fixed:tinypool/wait .*Passed" "$tmp/out" &&
     grep -q "100% tests passed, 0 tests failed out of 2" "$tmp/out"; then
    ok "ipcfault_add_scenarios: ctest ran one test per scenario and passed them"
  else
    bad "ipcfault_add_scenarios (ctest exit $rc)"; tail -20 "$tmp/out"
  fi
fi
if command -v pkg-config >/dev/null; then
  mkdir -p "$tmp/tpk" && cp "$src/examples/tinypool/"{tinypool.c,tinypool.h,pool_test.c,Makefile} "$tmp/tpk/" &&
  (cd "$tmp/tpk" && PKG_CONFIG_PATH="$tmp/prefix/$libdir/pkgconfig" make -s CC="${cc:-cc}" CFLAGS="-O2 -g $flags" >"$tmp/log" 2>&1) &&
    pool "$tmp/tpk" "tinypool pkg-config, shared library" || { bad "tinypool pkg-config build"; tail -20 "$tmp/log"; }
fi
# the compile-time route on a library's own files: -include ipcfault/pthread.h
# puts no main in them (it used to: "undefined reference to ipf_program_main")
if command -v pkg-config >/dev/null; then
  pc="PKG_CONFIG_PATH=$tmp/prefix/$libdir/pkgconfig"
  mkdir -p "$tmp/inc" && for v in bug fixed; do
    d=; [ $v = bug ] && d=-DTINYPOOL_BUG
    env "$pc" sh -c "${cc:-cc} -O1 -g $flags -std=gnu11 $d -include ipcfault/pthread.h \$(pkg-config --cflags ipcfault) \
      -c '$src/examples/tinypool/tinypool.c' -o '$tmp/inc/tinypool.o' &&
      ${cc:-cc} -O1 -g $flags -std=gnu11 $d -I'$src/examples/tinypool' '$src/examples/tinypool/pool_test.c' '$tmp/inc/tinypool.o' \
      -o '$tmp/inc/pool_test_$v' \$(pkg-config --cflags --libs ipcfault-main)" >"$tmp/log" 2>&1 ||
      { bad "tinypool built with -include ipcfault/pthread.h ($v)"; tail -5 "$tmp/log"; }
  done
  [ -x "$tmp/inc/pool_test_bug" ] && [ -x "$tmp/inc/pool_test_fixed" ] && pool "$tmp/inc" "tinypool with -include ipcfault/pthread.h"
fi
finish
