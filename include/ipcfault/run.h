/* ipcfault/run.h — for tests and tools: define a scenario, run it under a
 * strategy, read the verdict, replay a schedule.
 *
 * DESIGN: a scenario is a body function that runs as the managed thread
 * "main" of an execution, starts threads with ipf_thread_create, joins them
 * and then checks its oracles with ipf_fail/ipf_check. The verdict of an
 * execution is the first failed oracle, or a deadlock, a hang (step bound), or
 * threads still alive when main returned. Every decision of an execution is
 * recorded in the schedule string; ipf_exec with IPF_STRAT_REPLAY and that
 * string reproduces the execution exactly.
 */
#ifndef IPCFAULT_RUN_H
#define IPCFAULT_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { IPF_EXPECT_OK, IPF_EXPECT_BUG, IPF_EXPECT_TSAN } ipf_expect;
typedef enum { IPF_MODE_CONTROLLED, IPF_MODE_CHAOS, IPF_MODE_PLAIN } ipf_mode;
typedef enum {
  IPF_STRAT_RANDOM, IPF_STRAT_PCT, IPF_STRAT_RR, IPF_STRAT_REPLAY, IPF_STRAT_BYTES,
  IPF_STRAT_DFS             /* systematic search: ipf_explore_dfs drives it (src/sched/dfs.c) */
} ipf_strategy;

/* Scenario flags. */
#define IPF_SC_FDS   0x1u  /* opens fds: the runner checks none leaks */
#define IPF_SC_FORKS 0x2u  /* forks processes */

typedef struct ipf_scenario {
  const char *name;         /* "family/variant", a contract: see CATALOG.md */
  ipf_expect expect;
  const char *summary;      /* one line: what it models */
  void (*body)(void);       /* runs as thread "main" */
  unsigned flags;           /* IPF_SC_* */
  unsigned bugs;            /* IPF_BUG bits switched on for this variant */
  const char *plan;         /* default fault plan text, or NULL */
} ipf_scenario;

struct ipf_plan;            /* ipcfault/fault.h */

typedef struct ipf_config {
  ipf_mode mode;
  ipf_strategy strategy;
  uint64_t seed;
  int pct_depth;            /* PCT bug depth d (default 3) */
  long pct_steps;           /* PCT's estimate of steps per execution (0 = auto) */
  long max_steps;           /* step bound: a hang past it (default 100000) */
  long chaos_timeout_ms;    /* chaos/plain: wall-clock watchdog (default 5000) */
  const char *schedule;     /* IPF_STRAT_REPLAY: the schedule string */
  const unsigned char *bytes; size_t nbytes;   /* IPF_STRAT_BYTES */
  int trace;                /* record the interleaving (ipf_trace_print) */
  /* The fault plan (ipcfault/fault.h), not owned. NULL: the scenario's
   * default plan (sc->plan, parsed once and cached); an empty plan
   * (ipf_plan_new()): no faults, as `--plan none`. The schedule hash covers
   * the canonical text of the plan used, so a schedule recorded under one
   * plan is refused under another. */
  const struct ipf_plan *plan;
  /* Optional mirror of the decisions as they are taken, e.g. in shared
   * memory, so that a process that crashes mid-execution still leaves its
   * schedule behind (campaigns). Not owned. */
  uint32_t *mirror;
  size_t mirror_cap;
  volatile size_t *mirror_len;
  /* Optional interleaving observer (fuzz/: coverage feedback): called in
   * controlled mode at every context switch, on the thread giving up the
   * token, with the operation where `from` stopped and the one where `to`
   * resumes (names such as "ipf_mutex_lock", "ipf_load"; static strings,
   * NULL for a thread's start or exit). Must not call into the kit. */
  void (*on_switch)(void *arg, int from, const char *from_op, int to, const char *to_op);
  void *on_switch_arg;
  /* IPF_STRAT_DFS (ipf_explore_dfs): preemption bound K (default 2; -1 =
   * none), search only at K rather than 0, 1, ..., K; faults the search may
   * choose to fire per execution (default 1); sleep-set reduction on
   * (default 1) or off (0: plain DFS, for comparison). */
  int dfs_preemptions;
  int dfs_bound_exact;
  int dfs_max_faults;
  int dfs_reduction;
  /* Stall watchdog period in ms (controlled mode): a thread that takes no
   * scheduling point for that long is preempted from a signal handler (see
   * ipf_result.inexact). 0: $IPCFAULT_STALL_MS, else 5; < 0: off. */
  long stall_ms;
} ipf_config;

/* Fill cfg with defaults: controlled, random, seed 1, depth 3, 100000 steps. */
void ipf_config_init(ipf_config *cfg);

enum { IPF_VERDICT_OK = 0, IPF_VERDICT_BUG = 1, IPF_VERDICT_ERROR = 2 };

typedef struct ipf_event {
  long step;
  int tid;
  char text[96];
} ipf_event;

typedef struct ipf_result {
  int verdict;              /* IPF_VERDICT_* */
  char kind[32];            /* ok, oracle name, deadlock, hang, threads-alive, leak, error */
  char message[2048];       /* what went wrong, in words; empty when ok */
  char *schedule;           /* malloc'd schedule string (controlled mode) */
  long steps;               /* scheduling points taken */
  long preemptions;         /* switches away from a thread that could go on */
  long stalls;              /* of which by the stall watchdog (a thread with no scheduling point) */
  int inexact;              /* IPF_INEXACT_* bits, 0 when none: the schedule may not replay
                               exactly ("replayable": false); ipf_inexact_words says why */
  int nthreads;
  char (*thread_names)[32]; /* malloc'd: nthreads names (NULL outside controlled mode) */
  ipf_event *events; size_t nevents;   /* when cfg.trace */
} ipf_result;

/* Why an execution may not replay exactly from its schedule. */
#define IPF_INEXACT_STALL 1     /* the stall watchdog preempted a thread with no scheduling point */
#define IPF_INEXACT_OUTSIDE 2   /* a process outside the run ran meanwhile (posix_spawn, system, popen) */
/* ipf_result.inexact in words, for a report line: static text, "" for 0. */
const char *ipf_inexact_words(int inexact);

/* Run one execution of sc. Returns the verdict (also in res->verdict).
 * Release res with ipf_result_free. One execution at a time per process. */
int ipf_exec(const ipf_scenario *sc, const ipf_config *cfg, ipf_result *res);
void ipf_result_free(ipf_result *res);

/* Run up to `runs` executions of sc (execution i with seed
 * ipf_exec_seed(cfg->seed, i)) and stop at the first that is not ok; that
 * one's result is left in res. PCT's step estimate adapts to the longest
 * execution seen. *executions counts the executions run. */
int ipf_explore(const ipf_scenario *sc, const ipf_config *cfg, long runs, ipf_result *res,
                long *executions);

/* What a systematic search (IPF_STRAT_DFS) covered. */
typedef struct ipf_dfs_stats {
  int exhaustive;           /* the search ran to its end: every schedule within the bound was covered */
  int unbounded;            /* ... and the bound never cut anything: every schedule at all was covered */
  int bound;                /* preemption bound of the last level searched */
  int max_faults;
  long schedules;           /* distinct complete schedules of the last level */
  long pruned;              /* branches skipped as equivalent to explored ones (sleep sets) */
  long executions;          /* executions run, every level (redundant ones included) */
  long at_least;            /* not exhaustive: a lower bound on the schedules of the last level */
  int depth;                /* a bug: preemptions of its schedule (-1: no bug) */
} ipf_dfs_stats;

/* Systematic search of sc's decisions (cfg->strategy is ignored): iterative
 * preemption bounding 0..cfg->dfs_preemptions, at most `runs` executions in
 * all. Returns the verdict of the first bug (its result in res, its
 * schedule replays with IPF_STRAT_REPLAY), or ok with the last execution's
 * result; *st says what was covered. stop(), when not NULL, is called
 * between executions: non-zero stops the search (a signal arrived). */
int ipf_explore_dfs(const ipf_scenario *sc, const ipf_config *cfg, long runs, ipf_result *res,
                    ipf_dfs_stats *st, int (*stop)(void));

/* One line saying what a search covered: "exhaustive: every schedule up
 * to 2 preemptions and 1 fault explored (N schedules, M pruned as
 * equivalent), nothing found", or "not exhaustive: ...". */
void ipf_dfs_summary(const ipf_dfs_stats *st, char *out, size_t len);

/* Seed of execution i of an exploration that started at seed s. */
uint64_t ipf_exec_seed(uint64_t s, long i);

/* Print the recorded interleaving as a text swimlane, one column a thread. */
void ipf_trace_print(FILE *out, const ipf_result *res);

/* Oracles, called by scenario bodies (any thread). The first failure of an
 * execution is its verdict; later ones are ignored. */
void ipf_fail(const char *oracle, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define ipf_check(cond, oracle, ...) \
  do { if (!(cond)) ipf_fail((oracle), __VA_ARGS__); } while (0)
/* Has any oracle failed yet in this execution? */
int ipf_failed(void);

/* The bug switches of the running variant: reference code marks the lines
 * that are a bug with `if (IPF_BUG(FAMILY_BUG_NAME))`. */
extern unsigned ipf__bugs;
#define IPF_BUG(b) (__builtin_expect(!!(ipf__bugs & (b)), 0))

/* The scenario table: the catalog's families (when linked, in CATALOG.md
 * order), then every scenario registered with ipf_register_scenario or
 * IPF_SCENARIO. */
const ipf_scenario *ipf_scenarios(size_t *n);
/* Add sc (not copied; must outlive the program's use of the table).
 * Returns 0, -EEXIST for a name already present, -ENOSPC when full. */
int ipf_register_scenario(const ipf_scenario *sc);

/* Define a scenario of your own, registered before main runs:
 *
 *   IPF_SCENARIO(myq_race, "myq/race", IPF_EXPECT_OK, "two consumers, one item") {
 *     ... start threads, join them, ipf_check(...) ...
 *   }
 *
 * Link ipcfault_main (pkg-config ipcfault-main, or the CMake target
 * ipcfault::ipcfault_main) and the program is an ipcfault command line over
 * your scenarios: list, run, explore, replay, sweep, campaign. */
#define IPF_SCENARIO(ident, name, expect, summary)                                  \
  static void ipf__body_##ident(void);                                              \
  static const ipf_scenario ipf__sc_##ident = { (name), (expect), (summary),        \
                                                ipf__body_##ident, 0, 0, NULL };    \
  __attribute__((constructor)) static void ipf__reg_##ident(void) {                 \
    ipf_register_scenario(&ipf__sc_##ident);                                        \
  }                                                                                 \
  static void ipf__body_##ident(void)

/* The ipcfault command line (what main() of the ipcfault binary calls). */
int ipf_main(int argc, char **argv);
const ipf_scenario *ipf_scenario_find(const char *name);

/* The schedule string of decisions dec[0..n) taken by sc under cfg (malloc). */
char *ipf_schedule_make(const ipf_scenario *sc, const ipf_config *cfg, const uint32_t *dec, size_t n);
/* Schedule strings: "1:<hash>:<max-steps>:<choices>". Checks the header
 * against sc; returns 0, or -EINVAL with a one-line reason in why. */
int ipf_schedule_check(const ipf_scenario *sc, const char *s, char *why, size_t whylen);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_RUN_H */
