#!/usr/bin/env bash
# An installed kit is relocatable: `cmake --install` into a temporary prefix,
# then the installed `ipcfault exec` finds its preload library relative to
# itself (bin/ -> CMAKE_INSTALL_LIBDIR), also after the whole prefix has
# moved; IPCFAULT_PRELOAD still overrides; no file of the CMake package or
# the pkg-config files names the build tree, the prefix or libfiu's path.
. "$(dirname "$0")/../lib/sh.sh"
prog="$build/programs/abba-bug"
[ -x "$prog" ] || skip "$prog not built"
cmake --install "$build" --prefix "$tmp/p1" >"$tmp/log" 2>&1 && ok "cmake --install" || { bad "install"; cat "$tmp/log"; }
libdir=$(cache CMAKE_INSTALL_LIBDIR); libdir=${libdir:-lib}
[ -e "$tmp/p1/$libdir/libipcfault_preload.so" ] || bad "no preload library in $libdir"
run_exec() {  # $1 = installed ipcfault, $2 = label
  (cd / && env -u IPCFAULT_PRELOAD "$1" exec --runs 200 -- "$prog") >"$tmp/out" 2>&1; rc=$?
  [ $rc -eq 1 ] && grep -q "deadlock" "$tmp/out" && ok "$2: installed exec runs and finds abba's deadlock" ||
    { bad "$2: installed exec (exit $rc)"; head -5 "$tmp/out"; }
}
run_exec "$tmp/p1/bin/ipcfault" "in its prefix"
mv "$tmp/p1" "$tmp/moved"
run_exec "$tmp/moved/bin/ipcfault" "after the prefix moved"
# IPCFAULT_PRELOAD overrides; a wrong one is one clear line, exit 2
IPCFAULT_PRELOAD="$tmp/nowhere.so" "$tmp/moved/bin/ipcfault" exec -- "$prog" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "IPCFAULT_PRELOAD=$tmp/nowhere.so" "$tmp/out" && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
  ok "a wrong IPCFAULT_PRELOAD: one line, exit 2" || { bad "wrong IPCFAULT_PRELOAD (exit $rc)"; cat "$tmp/out"; }
# without the library next to it or under ../$libdir: one line naming where it looked
cp "$tmp/moved/bin/ipcfault" "$tmp/lonely"
(cd / && env -u IPCFAULT_PRELOAD "$tmp/lonely" exec -- "$prog") >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "cannot find libipcfault_preload.so (looked at " "$tmp/out" &&
  ok "no preload library: exit 2 naming the places looked at" || { bad "missing preload (exit $rc)"; cat "$tmp/out"; }
# relocatable package files: nothing absolute from the build machine
if grep -rlE "$build|$tmp|/libfiu\.so" "$tmp/moved/$libdir/cmake" "$tmp/moved/$libdir/pkgconfig" >"$tmp/abs" 2>/dev/null; then
  bad "absolute paths in the installed package files: $(tr '\n' ' ' <"$tmp/abs")"
else
  ok "the CMake package and pkg-config files hold no absolute path"
fi
grep -q "find_dependency(fiu)" "$tmp/moved/$libdir/cmake/ipcfault/ipcfaultConfig.cmake" &&
  grep -q "fiu::fiu" "$tmp/moved/$libdir/cmake/ipcfault/ipcfaultTargets.cmake" &&
  ok "libfiu is found at use time (find_dependency, fiu::fiu)" || bad "libfiu not found the CMake way"
if command -v pkg-config >/dev/null; then
  l=$(PKG_CONFIG_PATH="$tmp/moved/$libdir/pkgconfig" pkg-config --libs ipcfault-main 2>&1)
  case "$l" in *"-L$tmp/moved/$libdir"*-lipcfault_main*-lipcfault*-lfiu*) ok "pkg-config follows the moved prefix";;
    *) bad "pkg-config --libs ipcfault-main: $l";; esac
fi
finish
