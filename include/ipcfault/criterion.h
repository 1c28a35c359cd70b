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
 * failure message carries the replay line. Criterion runs each test in a
 * process of its own, which suits the kit: abandoned threads of a
 * deadlocked execution die with the test.
 */
#ifndef IPCFAULT_CRITERION_H
#define IPCFAULT_CRITERION_H

#include <criterion/criterion.h>
#include <string.h>

#include "ipcfault/run.h"

/* Explore sc with strategy s for up to runs executions (seed 1); the result
 * of the first failing execution (or the last) is left in *r. */
static inline int ipf_cr_explore(const ipf_scenario *sc, ipf_strategy s, long runs, ipf_result *r, long *execs) {
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = s;
  return ipf_explore(sc, &c, runs, r, execs);
}

#define ipf_cr_assert_clean(sc, strategy, runs) do {                                        \
    ipf_result ipf_r_; long ipf_n_;                                                          \
    int ipf_v_ = ipf_cr_explore((sc), (strategy), (runs), &ipf_r_, &ipf_n_);                 \
    cr_assert_eq(ipf_v_, IPF_VERDICT_OK, "%s: %s after %ld executions\n%s\nreplay: ipcfault replay %s --schedule %s", \
                 (sc)->name, ipf_r_.kind, ipf_n_, ipf_r_.message, (sc)->name,                \
                 ipf_r_.schedule ? ipf_r_.schedule : "");                                    \
    ipf_result_free(&ipf_r_);                                                                \
  } while (0)

/* kind: the oracle name, "deadlock", "hang", ...; NULL accepts any bug. */
#define ipf_cr_assert_found(sc, strategy, runs, kind_) do {                                 \
    ipf_result ipf_r_; long ipf_n_;                                                          \
    int ipf_v_ = ipf_cr_explore((sc), (strategy), (runs), &ipf_r_, &ipf_n_);                 \
    cr_assert_eq(ipf_v_, IPF_VERDICT_BUG, "%s: no bug found in %ld executions", (sc)->name, ipf_n_); \
    const char *ipf_k_ = (kind_);                                                            \
    if (ipf_k_) cr_assert_str_eq(ipf_r_.kind, ipf_k_, "%s: found %s, expected %s: %s", (sc)->name, \
                                 ipf_r_.kind, ipf_k_, ipf_r_.message);                       \
    ipf_result_free(&ipf_r_);                                                                \
  } while (0)

#endif
