/* The one scenario table: every family in CATALOG.md order. */
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define MAX_SCENARIOS 256
static ipf_scenario table[MAX_SCENARIOS];
static size_t ntable;

const ipf_scenario *ipf_scenarios(size_t *n) {
  if (!ntable) {
    /* the selftest scenarios crash the process on purpose: only on request */
    const char *st = getenv("IPF_SELFTEST");
    int selftest = st && !strcmp(st, "1");
#define IPF_X_ADD(f)                                                              \
    if (&ipf__##f##_nscenarios && (selftest || strcmp(#f, "selftest")))         \
      for (size_t i = 0; i < ipf__##f##_nscenarios && ntable < MAX_SCENARIOS; i++) \
        table[ntable++] = ipf__##f##_scenarios[i];
    IPF_FAMILIES(IPF_X_ADD)
#undef IPF_X_ADD
  }
  *n = ntable;
  return table;
}

const ipf_scenario *ipf_scenario_find(const char *name) {
  size_t n;
  const ipf_scenario *t = ipf_scenarios(&n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0) return &t[i];
  return NULL;
}
