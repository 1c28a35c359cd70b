/* For the exec-mode benchmarks (bench_exec.c, bench_mem.c): how fast
 * `ipcfault exec` runs a program, as the command itself reports it. The
 * figure comes from its --json report (executions_per_second), which leaves
 * out the program's one start-up, so that the benchmarks compare the
 * executions and not the cost of launching the command. */
#ifndef IPCFAULT_BENCH_EXEC_RATE_H
#define IPCFAULT_BENCH_EXEC_RATE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `ENV ipcfault exec --strategy STRATEGY --runs n --json -- prog` (env: ""
 * or VAR=value words for the shell): its executions per second, 0 on failure. */
static inline double exec_rate(const char *cli, const char *env, const char *strategy, int n, const char *prog) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s '%s' exec --strategy %s --runs %d --json -- '%s'", env, cli, strategy, n, prog);
  FILE *f = popen(cmd, "r");
  if (!f) return 0;
  char buf[8192];
  size_t k = fread(buf, 1, sizeof buf - 1, f);
  buf[k] = 0;
  if (pclose(f) != 0) return 0;
  const char *p = strstr(buf, "\"executions_per_second\":");
  return p ? atof(p + strlen("\"executions_per_second\":")) : 0;
}
#endif
