/* Where `ipcfault exec` finds libipcfault_preload.so (preload_path.c). */
#ifndef IPCFAULT_CLI_PRELOAD_PATH_H
#define IPCFAULT_CLI_PRELOAD_PATH_H
#include <stddef.h>

/* The preload library's path (malloc), found in this order:
 *   1. $IPCFAULT_PRELOAD when set and not empty ("none" gives NULL with
 *      *none = 1: the program carries the kit itself);
 *   2. relative to the running executable, as installed:
 *      <dir of /proc/self/exe>/<bindir-to-libdir>/libipcfault_preload.so
 *      (bin/ -> ../lib/x86_64-linux-gnu/ on Debian: CMAKE_INSTALL_LIBDIR);
 *   3. next to the executable (the build tree: build/ipcfault and
 *      build/libipcfault_preload.so).
 * NULL with *none = 0 when none of them is readable; tried[] then lists the
 * places looked at ("A, B"), for the error message. */
char *ipf__preload_path(int *none, char *tried, size_t triedlen);

#endif
