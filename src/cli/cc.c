/* `ipcfault cc|c++ ARGS...` and the installed `ipcfault-cc`, `ipcfault-c++`:
 * compiler wrappers in the manner of afl-cc. The name it is called by
 * (argv[0]) decides the language: ending in "++", $IPCFAULT_CXX (default
 * c++), else $IPCFAULT_CC (default cc).
 *
 * DESIGN. The program is compiled with the compiler's own -fsanitize=thread
 * instrumentation (gcc and clang emit the same __tsan_* calls) and linked
 * with the kit's runtime, libipcfault_rt.a (src/rt), instead of the
 * sanitizer's, so that under `ipcfault exec` its memory accesses and atomics
 * reach the scheduler, and alone it runs as a plain program. The flag stays
 * on for linking too (a `cc -o prog a.c` both compiles and links), and the
 * sanitizer runtime the driver would add is kept out per compiler:
 *  - clang: -fno-sanitize-link-runtime;
 *  - gcc has no such switch: its link spec adds `-ltsan` (before the
 *    program's objects) and libtsan_preinit.o, whose .preinit_array calls
 *    __tsan_init. The wrapper puts first on the library path a directory
 *    whose libtsan.a is an empty archive, so `-ltsan` links nothing; the
 *    preinit call then lands in the kit's runtime.
 * In both cases the runtime archive and -lpthread -ldl go last on a linking
 * command line, where they resolve whatever the objects before them need.
 * A command that does not link (-c, -S, -E, -M, -MM, -fsyntax-only) only
 * gets the instrumentation flag; queries (--version, -dumpversion,
 * -print-*) go to the compiler unchanged. The runtime is found next to the
 * executable: IPF_RT_REL (install layout, bin/../lib), else the build tree
 * (the archive beside the ipcfault binary); $IPCFAULT_RT names it
 * explicitly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign.h"

#ifndef IPF_RT_REL
#define IPF_RT_REL "../lib"
#endif

static int is_file(const char *p) { return access(p, R_OK) == 0; }

/* Directory of this executable, without the trailing slash. */
static int exe_dir(char *out, size_t len) {
  ssize_t n = readlink("/proc/self/exe", out, len - 1);
  if (n <= 0) return -1;
  out[n] = 0;
  char *s = strrchr(out, '/');
  if (!s) return -1;
  *s = 0;
  return 0;
}

/* The runtime archive and the directory with the empty libtsan.a (for gcc). */
static int find_rt(char *rt, size_t rtlen, char *shadow, size_t shlen) {
  char dir[PATH_MAX];
  const char *env = getenv("IPCFAULT_RT");
  if (exe_dir(dir, sizeof dir - 64) < 0) dir[0] = 0;
  if (env && *env) {
    const char *s = strrchr(env, '/');
    if ((size_t)snprintf(rt, rtlen, "%s", env) >= rtlen ||
        (size_t)snprintf(shadow, shlen, "%.*s/ipcfault-tsan", s ? (int)(s - env) : 1, s ? env : ".") >= shlen)
      return -1;
    return is_file(rt) ? 0 : -1;
  }
  const char *cand[][2] = {
    { IPF_RT_REL "/libipcfault_rt.a", IPF_RT_REL "/ipcfault-tsan" },   /* installed */
    { "libipcfault_rt.a", "ipcfault-tsan" },                           /* build tree */
  };
  for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
    if ((size_t)snprintf(rt, rtlen, "%s/%s", dir, cand[i][0]) >= rtlen ||
        (size_t)snprintf(shadow, shlen, "%s/%s", dir, cand[i][1]) >= shlen)
      continue;
    if (is_file(rt)) return 0;
  }
  return -1;
}

/* Is the compiler clang? By name, else by what it says it is. */
static int is_clang(const char *cc) {
  const char *b = strrchr(cc, '/');
  b = b ? b + 1 : cc;
  if (strstr(b, "clang")) return 1;
  if (strstr(b, "gcc") || strstr(b, "g++")) return 0;
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof cmd, "'%s' --version 2>/dev/null", cc);
  FILE *p = popen(cmd, "r");
  if (!p) return 0;
  char line[512];
  int clang = 0;
  while (fgets(line, sizeof line, p)) if (strstr(line, "clang")) clang = 1;
  pclose(p);
  return clang;
}

int ipf__cmd_cc(int argc, char **argv) {
  const char *me = strrchr(argv[0], '/');
  me = me ? me + 1 : argv[0];
  size_t ml = strlen(me);
  int cxx = ml >= 2 && !strcmp(me + ml - 2, "++");
  const char *cc = getenv(cxx ? "IPCFAULT_CXX" : "IPCFAULT_CC");
  if (!cc || !*cc) cc = cxx ? "c++" : "cc";

  int link = 1, query = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-c") || !strcmp(a, "-S") || !strcmp(a, "-E") || !strcmp(a, "-M") ||
        !strcmp(a, "-MM") || !strcmp(a, "-fsyntax-only"))
      link = 0;
    if (!strcmp(a, "--version") || !strncmp(a, "-dump", 5) || !strncmp(a, "-print-", 7) ||
        !strcmp(a, "-###"))
      query = 1;
  }
  char **av = calloc((size_t)argc + 12, sizeof *av);
  if (!av) { fprintf(stderr, "ipcfault %s: out of memory\n", me); return 2; }
  int n = 0;
  av[n++] = (char *)cc;
  char rt[PATH_MAX], shadow[PATH_MAX], lflag[PATH_MAX + 16];
  if (!query) {
    int clang = is_clang(cc);
    if (link && find_rt(rt, sizeof rt, shadow, sizeof shadow) < 0) {
      fprintf(stderr, "ipcfault %s: cannot find libipcfault_rt.a next to this program "
              "(set IPCFAULT_RT to its path)\n", me);
      free(av);
      return 2;
    }
    av[n++] = "-fsanitize=thread";
    if (clang) av[n++] = "-fno-sanitize-link-runtime";
    else if (link) {
      if ((size_t)snprintf(lflag, sizeof lflag, "%s/libtsan.a", shadow) >= sizeof lflag || !is_file(lflag)) {
        fprintf(stderr, "ipcfault %s: cannot find %s (it keeps gcc from linking libtsan)\n", me, lflag);
        free(av);
        return 2;
      }
      if ((size_t)snprintf(lflag, sizeof lflag, "-L%s", shadow) >= sizeof lflag) { free(av); return 2; }
      av[n++] = lflag;
    }
  }
  for (int i = 1; i < argc; i++) av[n++] = argv[i];
  if (!query && link) {
    av[n++] = rt;
    av[n++] = "-lpthread";
    av[n++] = "-ldl";
  }
  av[n] = NULL;
  if (getenv("IPCFAULT_CC_VERBOSE")) {
    for (int i = 0; i < n; i++) fprintf(stderr, "%s%s", i ? " " : "", av[i]);
    fputc('\n', stderr);
  }
  execvp(cc, av);
  fprintf(stderr, "ipcfault %s: cannot run %s: %s\n", me, cc, strerror(errno));
  free(av);
  return 2;
}

#ifdef IPF_CC_MAIN
int main(int argc, char **argv) { return ipf__cmd_cc(argc, argv); }
#endif
