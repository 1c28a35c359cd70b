/* The scenario families, each defined in src/scenarios/<family>.c. To add a
 * family: define its table there, declare it here, list it in registry.c. */
#ifndef IPCFAULT_SCENARIOS_REGISTRY_H
#define IPCFAULT_SCENARIOS_REGISTRY_H
#include <stddef.h>
#include "ipcfault/run.h"

extern const ipf_scenario ipf__shm_scenarios[];
extern const size_t ipf__shm_nscenarios;

#endif
