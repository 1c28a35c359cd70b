/* Small pieces every command of the CLI shares: JSON strings, a clock,
 * numeric options. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
