/* Programs built with a sanitizer under `ipcfault exec`.
 *
 * DESIGN. The preload library must come first in LD_PRELOAD, and ASan's
 * runtime insists on coming first in the initial library list: it exits with
 * "ASan runtime does not come first" unless verify_asan_link_order=0. The
 * kit's interposers pass every call on to the next definition (the
 * sanitizer's interceptor), so the order is safe; the child gets that flag,
 * and leak checking off (detect_leaks=0): a LeakSanitizer report at exit is
 * not a concurrency bug, and the kit's own parked threads and tables would be
 * counted against the program. The defaults go in front of the user's own
 * ASAN_OPTIONS / LSAN_OPTIONS, and a sanitizer takes the last value of a
 * flag, so a user's detect_leaks=1 still wins; a leak then found is reported
 * as its own kind, "leak", never as the concurrency finding it is not. The
 * other sanitizers' reports are kinds of their own too ("asan", "ubsan"),
 * read from the report's first line, which is far above the tail of stderr
 * that the message shows.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sanitizer.h"

char *ipf__sanitizer_env(const char *var) {
  const char *def = "verify_asan_link_order=0:detect_leaks=0";
  if (!strcmp(var, "LSAN_OPTIONS")) {
    /* LSan reads its options after ASan's: a default here would undo a
     * detect_leaks=1 the user put in ASAN_OPTIONS */
    const char *a = getenv("ASAN_OPTIONS");
    def = a && strstr(a, "detect_leaks=") ? "" : "detect_leaks=0";
  }
  const char *user = getenv(var);
  size_t n = strlen(def) + (user ? strlen(user) : 0) + 2;
  char *s = malloc(n);
  if (!s) return NULL;
  snprintf(s, n, "%s%s%s", def, *def && user && *user ? ":" : "", user && *user ? user : "");
  return s;
}

const char *ipf__sanitizer_report(int fd, char *line, size_t len) {
  static const struct { const char *mark, *kind; } marks[] = {
    { "ERROR: LeakSanitizer", "leak" },
    { "ERROR: AddressSanitizer", "asan" },
    { "runtime error:", "ubsan" },
    { "WARNING: ThreadSanitizer", "tsan" },
  };
  char buf[65536 + 1];
  /* the first report wins: scan from the start, a window at a time (a mark
   * cut by a window's edge is found in the next, which overlaps by 64) */
  for (off_t off = 0;; off += (off_t)(sizeof buf - 1 - 64)) {
    ssize_t n = pread(fd, buf, sizeof buf - 1, off);
    if (n <= 0) return NULL;
    buf[n] = 0;
    for (ssize_t i = 0; i < n; i++) if (!buf[i]) buf[i] = ' ';
    const char *best = NULL, *kind = NULL;
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
      const char *p = strstr(buf, marks[k].mark);
      if (p && (!best || p < best)) { best = p; kind = marks[k].kind; }
    }
    if (best) {
      const char *b = best;
      while (b > buf && b[-1] != '\n') b--;
      const char *e = strchr(best, '\n');
      size_t l = e ? (size_t)(e - b) : strlen(b);
      if (l >= len) l = len - 1;
      memcpy(line, b, l);
      line[l] = 0;
      return kind;
    }
    if ((size_t)n < sizeof buf - 1) return NULL;
  }
}
