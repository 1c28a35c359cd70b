/* Finding libipcfault_preload.so relative to the ipcfault executable.
 *
 * DESIGN. An installed kit must keep working wherever its prefix was put
 * (`cmake --install build --prefix DIR`, a relocated tarball, a Debian
 * multiarch libdir), so no absolute path is compiled in: the only
 * configure-time fact is the relative path from the bindir to the libdir
 * (IPF_BINDIR_TO_LIBDIR, e.g. "../lib/x86_64-linux-gnu"), applied to the
 * directory of /proc/self/exe, the way relocatable tools (git's
 * RUNTIME_PREFIX, rustup, CMake itself) find their data. The build tree puts
 * the library next to the executable, which is the fallback.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload_path.h"

#ifndef IPF_BINDIR_TO_LIBDIR
#define IPF_BINDIR_TO_LIBDIR "../lib"
#endif
#define PRELOAD_NAME "libipcfault_preload.so"

/* dir/rel/PRELOAD_NAME when readable (malloc); appends it to tried. */
static char *try_at(const char *dir, const char *rel, char *tried, size_t triedlen) {
  char p[PATH_MAX];
  int n = snprintf(p, sizeof p, "%s/%s%s" PRELOAD_NAME, dir, rel, *rel ? "/" : "");
  if (n < 0 || (size_t)n >= sizeof p) return NULL;
  size_t used = strlen(tried);
  if (used < triedlen) snprintf(tried + used, triedlen - used, "%s%s", used ? ", " : "", p);
  if (access(p, R_OK) != 0) return NULL;
  char *real = realpath(p, NULL);     /* LD_PRELOAD wants no surprises: a clean absolute path */
  return real ? real : strdup(p);
}

char *ipf__preload_path(int *none, char *tried, size_t triedlen) {
  *none = 0;
  if (triedlen) tried[0] = 0;
  const char *env = getenv("IPCFAULT_PRELOAD");
  if (env && *env) {
    if (!strcmp(env, "none")) { *none = 1; return NULL; }
    if (access(env, R_OK) == 0) return strdup(env);
    snprintf(tried, triedlen, "IPCFAULT_PRELOAD=%s (not readable)", env);
    return NULL;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) { snprintf(tried, triedlen, "/proc/self/exe (unreadable)"); return NULL; }
  self[n] = 0;
  char *slash = strrchr(self, '/');
  if (!slash) return NULL;
  *slash = 0;
  const char *dir = *self ? self : "/";
  char *p = try_at(dir, IPF_BINDIR_TO_LIBDIR, tried, triedlen);
  if (!p) p = try_at(dir, "", tried, triedlen);
  return p;
}
