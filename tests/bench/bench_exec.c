/* make bench, exec mode: executions per second of `ipcfault exec` on a
 * 2-thread program with about 50 synchronisation operations
 * (tests/programs/counter.c, fixed twin: 2 creates, 2 joins, 48 lock and
 * unlock calls), next to plain fork+exec of the same program in the same
 * run — the cost of starting the program fresh each time, which is what the
 * forkserver saves; and pct with the stall watchdog off
 * (IPCFAULT_STALL_MS=0), its cost when nothing stalls. Best of three (five)
 * rounds each; nothing asserted, the targets (>= 1000/s, within 3x of
 * fork+exec, watchdog <= 2%) are printed beside. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_rate.h"

void ipf_bench_exec(void);

#if defined(IPF_EXEC_CLI) && defined(IPF_PROGRAMS_DIR)
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Plain fork+exec of prog, n times: runs per second (0 on failure). */
static double fork_exec(const char *prog, int n) {
  double t0 = now();
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p < 0) return 0;
    if (p == 0) {
      int null = open("/dev/null", O_WRONLY);
      if (null >= 0) { dup2(null, 1); dup2(null, 2); }
      execl(prog, prog, (char *)NULL);
      _exit(127);
    }
    int st;
    if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) return 0;
  }
  return n / (now() - t0);
}

/* ipcfault exec --runs n: executions per second as the command reports it
 * (the program's one start-up excluded), 0 on failure. */
static double kit_exec(const char *prog, int n, const char *strategy, const char *env) {
  return exec_rate(IPF_EXEC_CLI, env, strategy, n, prog);
}

void ipf_bench_exec(void) {
  const char *prog = IPF_PROGRAMS_DIR "/counter-fixed";
  if (access(prog, X_OK) != 0) { printf("exec: %s not built, skipped\n", prog); return; }
  double plain = 0, pct = 0, rnd = 0, nowd = 0;
  for (int r = 0; r < 3; r++) {
    double a = fork_exec(prog, 300), b = kit_exec(prog, 2000, "pct", ""), c = kit_exec(prog, 2000, "random", "");
    if (a > plain) plain = a;
    if (b > pct) pct = b;
    if (c > rnd) rnd = c;
  }
  /* the stall watchdog's cost when nothing stalls: pct with it and without
   * it, alternating, best of five each (the machine is shared: one round
   * varies by more than the effect) */
  double wd = 0;
  for (int r = 0; r < 5; r++) {
    double d = kit_exec(prog, 2000, "pct", "IPCFAULT_STALL_MS=0"), b = kit_exec(prog, 2000, "pct", "");
    if (d > nowd) nowd = d;
    if (b > wd) wd = b;
  }
  printf("\nexec mode: a 2-thread program, ~50 sync operations (counter-fixed)\n");
  printf("  plain fork+exec           %8.0f runs/s\n", plain);
  printf("  ipcfault exec, pct        %8.0f executions/s   (%.2fx fork+exec)\n", pct, plain > 0 ? pct / plain : 0);
  printf("  ipcfault exec, random     %8.0f executions/s   (%.2fx fork+exec)\n", rnd, plain > 0 ? rnd / plain : 0);
  printf("  ipcfault exec, pct, watchdog off %6.0f executions/s   (the stall watchdog costs %.1f%%, target <= 2%%)\n",
         nowd, nowd > 0 ? 100.0 * (nowd - wd) / nowd : 0);
  printf("  targets: >= 1000 executions/s, and at least 1/3 of fork+exec\n");
}
#else
void ipf_bench_exec(void) { printf("exec: no preload library in this build (TSan), skipped\n"); }
#endif
