/* Small pieces every command of the CLI shares: JSON strings, a clock,
 * numeric options, the binary's own name for replay lines, and getopt_long's
 * errors as one line. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"

void ipf__json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c == '\n') fputs("\\n", f);
    else if (c == '\t') fputs("\\t", f);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

double ipf__now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

long ipf__cli_number(const char *who, const char *opt, const char *v, long min, long max, const char *hint) {
  if (!v) {
    fprintf(stderr, "%s: %s needs a value%s\n", who, opt, hint);
    exit(2);
  }
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (errno || end == v || *end || n < min || n > max) {
    fprintf(stderr, "%s: %s: '%s' is not a whole number from %ld to %ld%s\n", who, opt, v, min, max, hint);
    exit(2);
  }
  return (long)n;
}

const char *ipf__signal_name(int sig) {
  switch (sig) {
  case SIGSEGV: return "SIGSEGV";
  case SIGABRT: return "SIGABRT";
  case SIGBUS: return "SIGBUS";
  case SIGFPE: return "SIGFPE";
  case SIGILL: return "SIGILL";
  case SIGKILL: return "SIGKILL";
  default: return "a signal";
  }
}

/* ---- who we are: the binary a replay line must name -------------------------- */

static char self_path[4096] = "ipcfault";
static const char *self_base = "ipcfault";

void ipf__set_self(const char *argv0) {
  if (!argv0 || !*argv0) return;
  if (!strchr(argv0, '/')) {
    /* found through PATH (or run as a bare name): the same name finds it again */
    snprintf(self_path, sizeof self_path, "%s", argv0);
  } else if (argv0[0] == '/') {
    snprintf(self_path, sizeof self_path, "%s", argv0);
  } else {
    /* relative: absolute, so that a line read from a results file later,
     * from another directory, still names this binary */
    char cwd[2048];
    const char *rel = argv0;
    while (rel[0] == '.' && rel[1] == '/') rel += 2;
    if (getcwd(cwd, sizeof cwd)) snprintf(self_path, sizeof self_path, "%s/%s", strcmp(cwd, "/") ? cwd : "", rel);
    else snprintf(self_path, sizeof self_path, "%s", argv0);
  }
  const char *b = strrchr(argv0, '/');
  self_base = b ? b + 1 : argv0;
}

const char *ipf__self(void) {
  /* shell-quoted once, when it needs quoting */
  static char q[8300];
  if (!strpbrk(self_path, " \t\n'\"\\$`!*?[]{}()<>|&;#~")) return self_path;
  size_t o = 0;
  q[o++] = '\'';
  for (const char *s = self_path; *s && o + 6 < sizeof q; s++) {
    if (*s == '\'') { memcpy(q + o, "'\\''", 4); o += 4; }
    else q[o++] = *s;
  }
  q[o++] = '\'';
  q[o] = 0;
  return q;
}

const char *ipf__prog(void) { return self_base; }

/* ---- getopt_long errors --------------------------------------------------------- */

static const struct option *lookup(const char *arg, const struct option *lo, int *nmatch, char *cands, size_t clen) {
  const char *name = arg + 2;
  size_t n = strcspn(name, "=");
  const struct option *hit = NULL;
  *nmatch = 0;
  if (cands && clen) cands[0] = 0;
  for (const struct option *o = lo; o->name; o++) {
    if (strncmp(o->name, name, n)) continue;
    if (strlen(o->name) == n) { *nmatch = 1; return o; }     /* exact wins */
    if (cands) {
      size_t l = strlen(cands);
      snprintf(cands + l, clen - l, "%s--%s", l ? ", " : "", o->name);
    }
    hit = o;
    ++*nmatch;
  }
  return *nmatch == 1 ? hit : NULL;
}

const struct option *ipf__opt_find(const char *arg, const struct option *lo) {
  int n;
  if (strncmp(arg, "--", 2) || !arg[2]) return NULL;
  return lookup(arg, lo, &n, NULL, 0);
}

const char *ipf__opt_bad(const char *arg, int optopt_, const struct option *lo, char *buf, size_t len) {
  if (optopt_ > 0 && optopt_ < 256 && (!arg || strncmp(arg, "--", 2))) {
    snprintf(buf, len, "unknown option '-%c'", optopt_);
    return buf;
  }
  if (!arg) { snprintf(buf, len, "unknown option"); return buf; }
  int n;
  char cands[512];
  size_t nl = strcspn(arg, "=");
  const struct option *o = strncmp(arg, "--", 2) ? NULL : lookup(arg, lo, &n, cands, sizeof cands);
  if (!o && !strncmp(arg, "--", 2) && n > 1)
    snprintf(buf, len, "ambiguous option '%.*s' (%s)", (int)nl, arg, cands);
  else if (o && o->has_arg == no_argument && arg[nl] == '=')
    snprintf(buf, len, "--%s takes no value", o->name);
  else
    snprintf(buf, len, "unknown option '%.*s'", (int)nl, arg);
  return buf;
}

/* ---- children die with their parent ------------------------------------------ */

void ipf__die_with_parent(pid_t parent) {
  /* async-signal-safe: called between fork and exec too. The parent may
   * have died before prctl took effect: then we are already an orphan. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
}
