/* The scenario families, each defined in src/scenarios/<family>.c as
 *   const ipf_scenario ipf__<family>_scenarios[];
 *   const size_t ipf__<family>_nscenarios;
 * and, when it has peer programs (ipf_exec_peer),
 *   const struct ipf__peer ipf__<family>_peers[];
 *   const size_t ipf__<family>_npeers;
 * The registry refers to them weakly, so a family not yet written is simply
 * absent from the table. */
#ifndef IPCFAULT_SCENARIOS_REGISTRY_H
#define IPCFAULT_SCENARIOS_REGISTRY_H
#include <stddef.h>
#include "ipcfault/run.h"

/* A family's peer programs (ipf_exec_peer), in a table like its scenarios:
 * a peer image looks its role up before any constructor of the program's
 * has run (sched.c), so roles are data, not registrations. */
struct ipf__peer { const char *role; int (*main)(int argc, char **argv); };

#define IPF_FAMILIES(X) X(shm) X(pipe) X(fifo) X(mq) X(uds) X(pool) X(selftest)

#define IPF_X_DECL(f)                                                          \
  extern const ipf_scenario ipf__##f##_scenarios[] __attribute__((weak));      \
  extern const size_t ipf__##f##_nscenarios __attribute__((weak));           \
  extern const struct ipf__peer ipf__##f##_peers[] __attribute__((weak));      \
  extern const size_t ipf__##f##_npeers __attribute__((weak));
IPF_FAMILIES(IPF_X_DECL)
#undef IPF_X_DECL

#endif
