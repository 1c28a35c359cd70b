/* The systematic search's interface to the scheduler (sched.c) and to the
 * sites that take decisions (fault.c). Not installed.
 *
 * sched.c asks dfs.c for every decision of an IPF_STRAT_DFS execution and
 * records the answer as it records any other strategy's, so a dfs schedule
 * string replays like every other. Between two thread decisions a thread
 * runs one *transition*; what it touches (its footprint) is reported with
 * ipf__dfs_touch, so that dfs.c can tell independent transitions apart
 * (partial-order reduction). */
#ifndef IPCFAULT_SCHED_DFS_H
#define IPCFAULT_SCHED_DFS_H

#include "point.h"
#include "ipcfault/run.h"

/* Which thread runs next: n candidates (thread ids tid[], their pending
 * operations pend[]); cur is the index of the running thread when switching
 * away from it is a preemption (it is enabled and did not yield), else -1;
 * pre the preemptions taken so far. Returns the index to run. */
unsigned ipf__dfs_pick(unsigned n, const int *tid, const ipf__op *const *pend, int cur, long pre);
/* Any other decision with n options (a signal's waiter, an ipf_choose). */
unsigned ipf__dfs_value(unsigned n);
/* Does a fault fire here (the plan allows it)? 1 = fire. */
int ipf__dfs_fault(void);
/* The running transition touches obj with an operation of kind (point.h
 * kinds; IPF_PK_OTHER: something not modelled, dependent on everything). */
void ipf__dfs_touch(int kind, const void *obj);

/* One depth-first search of sc at preemption bound k (-1: none), with
 * partial-order reduction when reduce (DPOR backtrack sets and sleep sets;
 * stopping at the first option the bound refuses it, as it is then no
 * proof); at most *budget executions (decremented). res holds the last
 * execution's result (*have_res: res must be freed first). */
struct ipf__dfs_level {
  long schedules, pruned, at_least, executions;
  int complete, bound_hit;
  int unstable;             /* footprints moved between executions: reduction cannot be trusted */
};
int ipf__dfs_search(const ipf_scenario *sc, const ipf_config *cfg, int k, int reduce,
                    long *budget, ipf_result *res, int *have_res, struct ipf__dfs_level *lv, int (*stop)(void));

/* Where ipf__dfs_search runs an execution: ipf_exec (NULL, the default),
 * or exec mode's command's runner, which has the program's forkserver run
 * it (src/cli/exec.c). The execution takes its decisions in dfs.c's state,
 * shared with it (ipf__dfs_arena). */
typedef int (*ipf__dfs_runner)(void *arg, const ipf_scenario *sc, const ipf_config *cfg, ipf_result *res);
void ipf__dfs_set_runner(ipf__dfs_runner run, void *arg);
/* The search's shared state: a memfd (returned) mapped at *base, *size
 * bytes, made now if this process has none. A program exec'd by the
 * command maps it at the same address with ipf__dfs_attach (0 or -errno:
 * that address is taken there, or another build of the kit). */
int ipf__dfs_arena(void **base, size_t *size);
int ipf__dfs_attach(int fd, void *base, size_t size, int keep);   /* keep: fd stays the arena's */
/* The same without making one (-1: none): for a peer image of a run. */
int ipf__dfs_arena_now(void **base, size_t *size);
/* Preemptions the last execution took (an execution in another process
 * cannot hand its ipf_result back). */
long ipf__dfs_preemptions(void);

/* Restrict the following searches to shard i of n (n <= 1: the whole tree;
 * see split_state in dfs.c): the shards' schedules partition the tree. */
void ipf__dfs_shard(int i, int n);

#endif
