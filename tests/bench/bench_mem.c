/* make bench, memory section (issue 10): the cost of an instrumentation hook
 * that takes no decision, and executions per second of `ipcfault exec` on a
 * 2-thread program with ~1,000 shared accesses (tests/bench/mem/memloop.c)
 * built plainly, with ipcfault-cc, and with ipcfault-cc and race detection
 * (IPCFAULT_RACES=0 turns it off). Best of three rounds; nothing asserted,
 * the targets are printed beside. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipcfault/run.h"
#include "exec_rate.h"

void ipf_bench_mem(void);
#ifdef IPF_MEMLOOP_CC       /* the kit's runtime is linked (not a TSan build) */
void __tsan_write4(void *a);
void __tsan_read4(void *a);
extern int ipf__rt_races;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define NACC 2000000
static int *buf;
static double hook_ns;

/* Accesses to heap words only this thread touched: the filter's fast path. */
static double loop(void) {
  double t0 = now();
  for (int i = 0; i < NACC / 2; i++) {
    __tsan_read4(&buf[i & 63]);
    __tsan_write4(&buf[i & 63]);
  }
  return (now() - t0) * 1e9 / NACC;
}
static void body(void) { hook_ns = loop(); }
static const ipf_scenario hook_sc = { "bench/hook", IPF_EXPECT_OK, "hook cost", body, 0, 0, NULL };

static double in_run(int races) {
  int saved = ipf__rt_races;
  ipf__rt_races = races;
  double best = 1e9;
  for (int r = 0; r < 3; r++) {
    ipf_config c;
    ipf_config_init(&c);
    ipf_result res;
    ipf_exec(&hook_sc, &c, &res);
    ipf_result_free(&res);
    if (hook_ns < best) best = hook_ns;
  }
  ipf__rt_races = saved;
  return best;
}

#if defined(IPF_EXEC_CLI)
static double kit_exec(const char *prog, int n, const char *races) {
  char env[64];
  snprintf(env, sizeof env, "IPCFAULT_RACES=%s", races);
  return exec_rate(IPF_EXEC_CLI, env, "pct", n, prog);
}
#endif

void ipf_bench_mem(void) {
  buf = calloc(64, sizeof *buf);
  if (!buf) return;
  double out = 1e9;
  for (int r = 0; r < 3; r++) { double x = loop(); if (x < out) out = x; }
  double nodet = in_run(0), det = in_run(1);
  printf("memory instrumentation (ipcfault cc): hooks that take no decision (best of 3)\n");
  printf("  outside a run (program alone)   %6.1f ns/access\n", out);
  printf("  in a run, not shared            %6.1f ns/access   (race detection off)\n", nodet);
  printf("  in a run, not shared            %6.1f ns/access   (race detection on; target <= 25 ns)\n", det);
  free(buf);
#if defined(IPF_EXEC_CLI)
  if (access(IPF_MEMLOOP_CC, X_OK) != 0) { printf("  %s not built, skipped\n", IPF_MEMLOOP_CC); return; }
  double plain = 0, cc = 0, ccr = 0;
  for (int r = 0; r < 3; r++) {
    double a = kit_exec(IPF_MEMLOOP_PLAIN, 2000, "1"), b = kit_exec(IPF_MEMLOOP_CC, 2000, "0"),
           c = kit_exec(IPF_MEMLOOP_CC, 2000, "1");
    if (a > plain) plain = a;
    if (b > cc) cc = b;
    if (c > ccr) ccr = c;
  }
  printf("  exec, 2 threads, ~1000 shared accesses (memloop), pct, best of 3 x 2000 executions:\n");
  printf("    uninstrumented                %8.0f executions/s\n", plain);
  printf("    ipcfault cc                   %8.0f executions/s   (target >= 500)\n", cc);
  printf("    ipcfault cc + race detection  %8.0f executions/s   (%.2fx the time without; target <= 2x)\n", ccr,
         ccr > 0 ? cc / ccr : 0);
#endif
}
#else
void ipf_bench_mem(void) { printf("memory instrumentation: not in this build (TSan provides __tsan_*), skipped\n"); }
#endif
