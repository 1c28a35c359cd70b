/* For the family tests: explore a catalog scenario with pct (seed 1) and
 * return its verdict, copying the kind of the first finding into kind. */
#ifndef IPCFAULT_TESTS_VERDICT_H
#define IPCFAULT_TESTS_VERDICT_H
#include <criterion/criterion.h>
#include <stdio.h>

#include "ipcfault/run.h"

static inline int explore_verdict(const char *name, long runs, char *kind, size_t cap) {
  const ipf_scenario *sc = ipf_scenario_find(name);
  cr_assert(sc, "no scenario %s", name);
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = IPF_STRAT_PCT;
  ipf_result r;
  long n;
  int v = ipf_explore(sc, &c, runs, &r, &n);
  snprintf(kind, cap, "%s", r.kind);
  ipf_result_free(&r);
  return v;
}
#endif
