/* The one scenario table: every family in CATALOG.md order. */
#include <string.h>

#include "registry.h"

static const struct { const ipf_scenario *t; const size_t *n; } families[] = {
  { ipf__shm_scenarios, &ipf__shm_nscenarios },
};

static ipf_scenario table[256];
static size_t ntable;

const ipf_scenario *ipf_scenarios(size_t *n) {
  if (!ntable) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
      for (size_t i = 0; i < *families[f].n && ntable < 256; i++) table[ntable++] = families[f].t[i];
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
