/* The one scenario table: the catalog's families in CATALOG.md order (when
 * the catalog is linked: its tables are referenced weakly), then the
 * scenarios a program registers itself (IPF_SCENARIO). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../scenarios/registry.h"

#define MAX_SCENARIOS 256
static ipf_scenario table[MAX_SCENARIOS];
static size_t ntable;
static const ipf_scenario *registered[MAX_SCENARIOS];
static size_t nregistered, nregistered_in_table;
static int catalog_done;

int ipf_register_scenario(const ipf_scenario *sc) {
  for (size_t i = 0; i < nregistered; i++)
    if (!strcmp(registered[i]->name, sc->name)) return -EEXIST;
  if (nregistered >= MAX_SCENARIOS) return -ENOSPC;
  registered[nregistered++] = sc;
  return 0;
}

const ipf_scenario *ipf_scenarios(size_t *n) {
  if (!catalog_done) {
    catalog_done = 1;
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
  while (nregistered_in_table < nregistered && ntable < MAX_SCENARIOS)
    table[ntable++] = *registered[nregistered_in_table++];
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

/* Peer programs (ipf_exec_peer): roles a scenario's child may exec into. */
#define MAX_PEERS 64
static struct { const char *role; int (*main)(int, char **); } peers[MAX_PEERS];
static size_t npeers;

int ipf_register_peer(const char *role, int (*main)(int argc, char **argv)) {
  for (size_t i = 0; i < npeers; i++)
    if (!strcmp(peers[i].role, role)) return -EEXIST;
  if (npeers >= MAX_PEERS) return -ENOSPC;
  peers[npeers].role = role;
  peers[npeers].main = main;
  npeers++;
  return 0;
}

int (*ipf__peer_find(const char *role))(int, char **) {
#define IPF_X_PEER(f)                                                            \
  if (&ipf__##f##_npeers)                                                      \
    for (size_t i = 0; i < ipf__##f##_npeers; i++)                             \
      if (!strcmp(ipf__##f##_peers[i].role, role)) return ipf__##f##_peers[i].main;
  IPF_FAMILIES(IPF_X_PEER)
#undef IPF_X_PEER
  for (size_t i = 0; i < npeers; i++)
    if (!strcmp(peers[i].role, role)) return peers[i].main;
  return NULL;
}
