/* For the Criterion tests: explore a scenario and read its verdict, replay
 * a schedule, check a whole family of the catalog.
 *
 * DESIGN. The tests of each mechanism and of the scheduler ask the same few
 * things of the kit (explore under a strategy and a seed, replay what was
 * found, every scenario of a family to its expected verdict), and each used
 * to spell out the ipf_config for it. They differ only in the knobs they
 * set, so one explore takes them all and the files wrap it in the few
 * words they use; what a test asserts stays in the test. */
#ifndef IPCFAULT_TESTS_VERDICT_H
#define IPCFAULT_TESTS_VERDICT_H
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ipcfault/fault.h"
#include "ipcfault/run.h"

/* Explore sc with strategy s and seed, up to runs executions, under plan
 * (NULL: the default plan) with max_steps (0: the default); the result,
 * and the executions it took into *execs when execs is not NULL. */
static inline ipf_result explore_with(const ipf_scenario *sc, ipf_strategy s, uint64_t seed, long runs,
                                      const ipf_plan *plan, long max_steps, long *execs) {
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = s;
  c.seed = seed;
  c.plan = plan;
  if (max_steps) c.max_steps = max_steps;
  ipf_result r;
  long e;
  ipf_explore(sc, &c, runs, &r, &e);
  if (execs) *execs = e;
  return r;
}

/* Explore a catalog scenario with pct (seed 1) and return its verdict,
 * copying the kind of the first finding into kind. */
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

/* One replay of schedule on sc into *q; its verdict. */
static inline int replay(const ipf_scenario *sc, const char *schedule, ipf_result *q) {
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = IPF_STRAT_REPLAY;
  c.schedule = schedule;
  return ipf_exec(sc, &c, q);
}

/* times replays of schedule on sc, each of which must find kind. */
static inline void replays_as_kind(const ipf_scenario *sc, const char *schedule, int times, const char *kind) {
  for (int k = 0; k < times; k++) {
    ipf_result q;
    replay(sc, schedule, &q);
    cr_assert_str_eq(q.kind, kind, "%s: replay %d gave %s (%s), want %s", sc->name, k, q.kind, q.message, kind);
    ipf_result_free(&q);
  }
}

/* Every catalog scenario named prefix... gets its expected verdict under
 * pct and under random with seed: a bug within bug_runs executions, none in
 * ok_runs. How many scenarios there were (a test pins the count, so that a
 * scenario gone from the table is noticed). */
static inline int family_verdicts(const char *prefix, uint64_t seed, long bug_runs, long ok_runs) {
  size_t n;
  const ipf_scenario *t = ipf_scenarios(&n);
  int seen = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(t[i].name, prefix, strlen(prefix))) continue;
    seen++;
    ipf_strategy s[] = { IPF_STRAT_PCT, IPF_STRAT_RANDOM };
    for (int k = 0; k < 2; k++) {
      int bug = t[i].expect == IPF_EXPECT_BUG;
      ipf_result r = explore_with(&t[i], s[k], seed, bug ? bug_runs : ok_runs, NULL, 0, NULL);
      if (bug)
        cr_assert_eq(r.verdict, IPF_VERDICT_BUG, "%s not found (strategy %d)", t[i].name, k);
      else
        cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s: %s: %s", t[i].name, r.kind, r.message);
      ipf_result_free(&r);
    }
  }
  return seen;
}
#endif
