/* Fault-layer internals shared by src/fault and the scheduler's hooks.
 * Not installed. */
#ifndef IPCFAULT_FAULT_INTERNAL_H
#define IPCFAULT_FAULT_INTERNAL_H

#include <stdatomic.h>

#include "ipcfault/fault.h"
#include "ipcfault/run.h"
#include "../sched/point.h"

/* Most terms a plan may hold, over all its sites: the live n* counts of the
 * installed plan sit in a fixed array of this size. */
#define IPF_PLAN_MAX_TERMS 1024

typedef struct ipf_term {
  unsigned char action;     /* IPF_ACT_* */
  unsigned char pct;        /* 0..100; 100 = no p% check */
  unsigned char has_arg;    /* an argument was given (canonical form prints it) */
  long count;               /* n*; -1 = unbounded */
  long arg;                 /* as ipf_fault returns it (delay: steps, or -ms) */
} ipf_term;

struct ipf_plan {
  int first[IPF_SITE_COUNT];  /* index of the site's first term */
  int nterms[IPF_SITE_COUNT]; /* 0 = the plan says nothing about the site */
  ipf_term *terms;
  int total, cap;
  char *text;                 /* canonical text, made on demand, dropped on change */
};

/* The plan an execution of sc under cfg uses: cfg->plan, or sc's default
 * plan parsed once and cached. NULL with a one-line reason in why when the
 * scenario's default plan is malformed. */
const ipf_plan *ipf__plan_resolve(const ipf_scenario *sc, const ipf_plan *cfg_plan,
                                  char *why, size_t whylen);
/* Canonical text of p, cached in the fault layer until p changes (do not free). */
const char *ipf__plan_text(const ipf_plan *p);

/* Called by ipf_exec at the start of every execution (controlled, chaos and
 * plain): installs the plan (NULL = none) and resets the per-site counters,
 * the n* counts and the clean-error note. ipf__fault_end uninstalls it when
 * the execution is over, so code running outside executions sees no plan. */
void ipf__fault_begin(const ipf_plan *p);
void ipf__fault_end(void);
/* A fault fired: it counts as a step of the run (sched.c), so a loop that
 * retries an injected fault with no scheduling point still meets the step
 * bound instead of spinning for ever. */
void ipf__fault_fired(void);
/* Does a p% term fire (0 < pct < 100)? One recorded decision (sched.c). */
int ipf__fault_hit(unsigned pct);
/* The running transition reads or changes a site's live counts (dfs:
 * two threads at one site's chain are dependent). */
void ipf__dfs_touch(int kind, const void *obj);

/* Does the installed plan give ipf/sched/point a chain? The scheduler asks
 * the site at every point only then: a site asked once per step costs. */
extern _Atomic int ipf__sched_point_armed;
#ifdef IPF_FAULTS
#define IPF_SCHED_POINT_ARMED() \
  __builtin_expect(atomic_load_explicit(&ipf__sched_point_armed, memory_order_relaxed), 0)
#else
#define IPF_SCHED_POINT_ARMED() 0
#endif

#endif
