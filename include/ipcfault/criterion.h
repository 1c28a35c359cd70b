/* ipcfault/criterion.h — assertions for Criterion tests.
 *
 *   #include <criterion/criterion.h>
 *   #include <ipcfault/criterion.h>
 *
 *   Test(myqueue, no_finding_in_2000_executions) {
 *     ipf_cr_assert_clean(&my_scenario, IPF_STRAT_PCT, 2000);
 *   }
 *   Test(myqueue, planted_race_is_found) {
 *     ipf_cr_assert_found(&my_buggy_scenario, IPF_STRAT_RANDOM, 1000, "lost-item");
 *   }
 *
 * Header-only, so the kit's library does not depend on Criterion. Each
 * failure message carries the replay line: this test binary, this one test,
 * and IPCFAULT_REPLAY='SCENARIO SCHEDULE' in its environment, under which
 * ipf_cr_explore runs that one execution of SCENARIO (and prints its trace
 * on stderr) instead of exploring. Criterion runs each test in a process of
 * its own, which suits the kit: abandoned threads of a deadlocked execution
 * die with the test.
 */
#ifndef IPCFAULT_CRITERION_H
#define IPCFAULT_CRITERION_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcfault/run.h"

/* Explore sc with strategy s for up to runs executions (seed 1); the result
 * of the first failing execution (or the last) is left in *r. Under
 * IPCFAULT_REPLAY='NAME SCHEDULE' for sc's NAME: that one execution. */
static inline int ipf_cr_explore(const ipf_scenario *sc, ipf_strategy s, long runs, ipf_result *r, long *execs) {
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = s;
  const char *rp = getenv("IPCFAULT_REPLAY");
  size_t n = strlen(sc->name);
  if (rp && !strncmp(rp, sc->name, n) && rp[n] == ' ') {
    c.strategy = IPF_STRAT_REPLAY;
    c.schedule = rp + n + 1;
    c.trace = 1;
    *execs = 1;
    int v = ipf_exec(sc, &c, r);
    ipf_trace_print(stderr, r);
    return v;
  }
  return ipf_explore(sc, &c, runs, r, execs);
}

/* The command that replays r's schedule: "IPCFAULT_REPLAY='NAME S' BINARY
 * --filter 'SUITE/TEST'" (into a static buffer). */
static inline const char *ipf_cr_replay_line(const ipf_scenario *sc, const ipf_result *r) {
  static char self[4096], line[16384];
  ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
  self[k > 0 ? k : 0] = 0;
  const struct criterion_test *t = criterion_current_test;
  snprintf(line, sizeof line, "IPCFAULT_REPLAY='%s %s' '%s' --filter '%s/%s'", sc->name,
           r->schedule ? r->schedule : "", self, t ? t->category : "*", t ? t->name : "*");
  return line;
}

#define ipf_cr_assert_clean(sc, strategy, runs) do {                                        \
    ipf_result ipf_r_; long ipf_n_;                                                          \
    int ipf_v_ = ipf_cr_explore((sc), (strategy), (runs), &ipf_r_, &ipf_n_);                 \
    cr_assert_eq(ipf_v_, IPF_VERDICT_OK, "%s: %s after %ld executions\n%s\nreplay: %s",      \
                 (sc)->name, ipf_r_.kind, ipf_n_, ipf_r_.message,                            \
                 ipf_cr_replay_line((sc), &ipf_r_));                                         \
    ipf_result_free(&ipf_r_);                                                                \
  } while (0)

/* kind: the oracle name, "deadlock", "hang", ...; NULL accepts any bug. */
#define ipf_cr_assert_found(sc, strategy, runs, kind_) do {                                 \
    ipf_result ipf_r_; long ipf_n_;                                                          \
    int ipf_v_ = ipf_cr_explore((sc), (strategy), (runs), &ipf_r_, &ipf_n_);                 \
    cr_assert_eq(ipf_v_, IPF_VERDICT_BUG, "%s: no bug found in %ld executions", (sc)->name, ipf_n_); \
    const char *ipf_k_ = (kind_);                                                            \
    if (ipf_k_) cr_assert_str_eq(ipf_r_.kind, ipf_k_, "%s: found %s, expected %s: %s\nreplay: %s", \
                                 (sc)->name, ipf_r_.kind, ipf_k_, ipf_r_.message,            \
                                 ipf_cr_replay_line((sc), &ipf_r_));                         \
    ipf_result_free(&ipf_r_);                                                                \
  } while (0)

#endif
